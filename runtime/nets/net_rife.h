/* net_rife.h: the RIFE IFNet (v4.5+, Practical-RIFE train_log/IFNet_HDv3.py),
 * shared by net_rife.c (metadata, weights) and net_rife_forward.c (the
 * interpolation).  Internal to the runtime; see docs/stages/rife.md. */
#ifndef OR_NET_RIFE_H
#define OR_NET_RIFE_H

#include "net_internal.h"

#define RF_MAX_BLOCKS 8
#define RF_N_RES 8 /* ResConvs per IFBlock */

typedef struct {
    or_tensor w, b;
} rf_conv;

typedef struct {
    int c;             /* width (conv1 and the ResConvs); conv0 has c/2 */
    int cin;           /* input channels of conv0 */
    rf_conv conv0;     /* 3x3 s2, LeakyReLU 0.2 */
    rf_conv conv1;     /* 3x3 s2, LeakyReLU 0.2 */
    rf_conv res[RF_N_RES]; /* lrelu(conv(x) + x), beta folded in by the converter */
    rf_conv up;        /* ConvTranspose 4x4 s2 p1, weight [c, 4k, 4, 4]; then PixelShuffle(2) */
} rf_block;

typedef struct {
    or_net net; /* first: net->impl points here */
    or_net_weights wts;
    int n_blocks;
    int k;        /* block output channels after the PixelShuffle: 4 flow + mask + rest */
    int head_w;   /* hidden width of the feature head (0: none) */
    int head_ch;  /* F: channels of the head's features (0: none) */
    int feat;     /* channels of a block's output passed on to the next block (0 or k-5) */
    int add_mask; /* mask "add" (v4.5/v4.6) or "replace" (with a head) */
    rf_block blk[RF_MAX_BLOCKS];
    rf_conv head[4]; /* cnn0 (s2), cnn1, cnn2 (lrelu each), cnn3 ConvTranspose [hw, F, 4, 4] */
} rife;

/* Input channels of block i at full resolution, flow included (the flow comes last). */
static inline int rf_block_in(const rife *m, int i)
{
    return i == 0 ? 7 + 2 * m->head_ch : 12 + 2 * m->head_ch + m->feat;
}

/* H and W must be multiples of this for a flow scale (net_rife_forward.c). */
int rf_size_multiple(const rife *m, float flow_scale);
/* inference_video.py: zeros at the bottom/right up to a multiple of
 * max(128, 128/flow_scale) that is also one of rf_size_multiple (net->frame_pad). */
void rf_frame_pad(const or_net *net, int n, float flow_scale, int *padded, int *before,
                  int *replicate);

/* net->interpolate (net_rife_forward.c). */
or_status rf_interpolate(or_net *net, const or_tensor *x0, const or_tensor *x1, float t,
                         float flow_scale, or_tensor *y, or_err *err);
/* net->flows (net_rife_forward.c): the flows and the fusion mask interpolate() uses at t. */
or_status rf_flows(or_net *net, const or_tensor *x0, const or_tensor *x1, float t,
                   float flow_scale, or_tensor *flow, or_tensor *mask, or_err *err);
size_t rf_workspace(const or_net *net, int h, int w);

#endif
