/* arch_deoldify.h: internal to the DeOldify converter (arch_deoldify.c and
 * arch_deoldify_body.c): the torchvision ResNet body at "layers.0.". */
#ifndef OR_ARCH_DEOLDIFY_H
#define OR_ARCH_DEOLDIFY_H

#include "arch.h"

#define DEO_BN_EPS 1e-5 /* nn.BatchNorm2d default everywhere in DeOldify and fastai v1 */

typedef struct {
    int bottleneck;    /* 1: Bottleneck blocks (conv1..3), 0: BasicBlock (conv1..2) */
    int blocks[4];     /* blocks in layer1..layer4 */
    int64_t in_ch;     /* image channels into conv1 (3) */
    int64_t base;      /* conv1 width (64 in torchvision) */
    int64_t planes[4]; /* inner width of each layer's blocks */
    int64_t out[4];    /* channels out of layer1..layer4 (planes * expansion) */
    const char *name;  /* "resnet34", "resnet101", ... */
} deo_body;

/* Read the block type, counts and widths from the shapes; fails when there is
 * no ResNet body or its block counts are not a torchvision ResNet's. */
or_status deo_body_infer(const ck_state_dict *sd, deo_body *b, or_err *err);
/* Every tensor of the body (conv1, bn1, layerN.M.*). */
void deo_body_expect(const deo_body *b, arch_expect_list *l);
/* Each conv with its BatchNorm folded in: enc.conv1, enc.layerL.M.convK, .downsample. */
or_status deo_body_convert(const ck_state_dict *sd, const deo_body *b, or_model_builder *mb,
                           or_err *err);

/* printf into buf, returning buf. */
const char *deo_name(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
