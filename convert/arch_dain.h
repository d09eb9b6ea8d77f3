/* arch_dain.h: internals of the DAIN converter (arch_dain.c, arch_dain_depth.c).
 *
 * DAIN has about a thousand tensors in five sub-networks; the converter
 * describes each parameterised layer once in a table (source prefix,
 * canonical prefix, weight shape, what follows it), builds the expectation
 * list from the table, checks it, and converts along it. */
#ifndef OR_ARCH_DAIN_H
#define OR_ARCH_DAIN_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Append a layer; src is a plain string (the callers format it).  Inline here,
 * so that arch_dain_depth.c (below arch_dain.c, which calls dain_depth_layers)
 * needs nothing from arch_dain.c. */
static inline dain_layer *dain_add(dain_layers *t, dain_kind kind, const char *dst, const char *src,
                     int64_t o, int64_t i, int64_t kh, int64_t kw, int bias)
{
    if (t->n == t->cap) {
        int nc = t->cap ? t->cap * 2 : 256;
        dain_layer *nv = realloc(t->v, (size_t)nc * sizeof *nv);
        if (!nv) {
            t->oom = 1;
            return NULL;
        }
        t->v = nv;
        t->cap = nc;
    }
    dain_layer *y = &t->v[t->n++];
    memset(y, 0, sizeof *y);
    y->kind = kind;
    y->bias = bias;
    int64_t s[4] = {o, i, kh, kw};
    memcpy(y->shape, s, sizeof s);
    snprintf(y->src, sizeof y->src, "%s", src);
    snprintf(y->dst, sizeof y->dst, "%s", dst);
    return y;
}

/* The MegaDepth hourglass, all widths divided by div (1 = official). */
void dain_depth_layers(dain_layers *t, int64_t div);

#endif
