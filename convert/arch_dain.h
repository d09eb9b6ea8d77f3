/* arch_dain.h: internals of the DAIN converter (arch_dain.c, arch_dain_depth.c).
 *
 * DAIN has about a thousand tensors in five sub-networks; the converter
 * describes each parameterised layer once in a table (source prefix,
 * canonical prefix, weight shape, what follows it), builds the expectation
 * list from the table, checks it, and converts along it. */
#ifndef OR_ARCH_DAIN_H
#define OR_ARCH_DAIN_H

#include "arch.h"

typedef enum {
    DL_CONV,        /* weight (+ bias), copied */
    DL_CONVT,       /* ConvTranspose2d: weight [in,out,k,k] + bias [out], copied */
    DL_CONV_BN,     /* conv + BatchNorm (affine): folded into the conv */
    DL_CONV_BNSTAT, /* conv + BatchNorm(affine=False): folded with gamma 1, beta 0 */
} dain_kind;

typedef struct {
    dain_kind kind;
    int bias;
    int64_t shape[4]; /* weight shape as stored */
    char src[128];    /* source prefix, without .weight */
    char bn[128];     /* the BatchNorm's prefix (DL_CONV_BN*) */
    char dst[96];     /* canonical prefix */
} dain_layer;

typedef struct {
    dain_layer *v;
    int n, cap;
    int oom;
} dain_layers;

/* Append a layer; src is a plain string (the callers format it). */
dain_layer *dain_add(dain_layers *t, dain_kind kind, const char *dst, const char *src,
                     int64_t o, int64_t i, int64_t kh, int64_t kw, int bias);

/* The MegaDepth hourglass, all widths divided by div (1 = official). */
void dain_depth_layers(dain_layers *t, int64_t div);

#endif
