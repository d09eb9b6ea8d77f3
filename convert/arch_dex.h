/* arch_dex.h: the three files of Deep Exemplar-based Video Colorization
 * (arch_dex.c converts them once merged; convert_multi.c reads and merges). */
#ifndef OR_ARCH_DEX_H
#define OR_ARCH_DEX_H

#include "ckpt.h"

/* The prefix each part's tensors get in the merged state dict. */
#define DEX_PART_WARP "nonlocal_net"
#define DEX_PART_COLOR "colornet"
#define DEX_PART_VGG "vgg19"

/* Which part a bare state dict is (DEX_PART_*, by its tensor names), or NULL. */
const char *dex_part_of(const ck_state_dict *sd);

#endif
