/* net.h: a loaded network, written once against ops.h, run on any backend.
 * or_net_load() opens a model file (safetensors from oprestore-convert),
 * reads its metadata (arch + hyperparameters), checks every weight by name and
 * shape ("models/x.safetensors: tensor body.3.rdb1.conv1.weight: expected
 * [32,64,3,3], got [64,64,3,3]"), uploads the weights once in the compute dtype
 * and returns the network.  Activations come from the backend arena. */
#ifndef OR_NET_H
#define OR_NET_H

#ifdef __cplusplus
extern "C" {
#endif

#include "runtime/core/ops.h"

typedef struct or_net or_net;

struct or_net {
    const char *arch;      /* "rrdbnet", "srvgg", ... */
    char model_path[1024];
    or_backend *be;
    or_dtype dtype;        /* compute dtype: f16 (CUDA default) or f32 */
    or_layout layout;      /* activation layout inside the network (the SR nets take
                              be->act_layout[dtype]; the others NCHW); the input and
                              output tensors are NCHW either way */
    int in_ch, out_ch;     /* image channels in and out (3 for the SR nets) */
    int scale;             /* output size = input size * scale */
    int size_multiple;     /* H and W must be multiples of this (x2: 2, x1: 4 for pixel-unshuffle) */
    /* y = net(x): x [1,in_ch,H,W], y [1,out_ch,H*scale,W*scale], both in net->dtype
     * on net->be; values in [0,1] range (not clamped). Scratch from the arena, given back. */
    /* (Interpolation networks have forward == NULL and use interpolate below.) */
    or_status (*forward)(or_net *net, const or_tensor *x, or_tensor *y, or_err *err);
    /* Frame interpolation networks (RIFE, DAIN; NULL for the others): y = the frame
     * at time t in (0,1) between x0 (t = 0) and x1 (t = 1); x0, x1, y [1,3,H,W] in
     * net->dtype, H and W multiples of size_multiple.  flow_scale is RIFE's
     * `scale` (1; 0.5 for 4K), ignored by networks without one. */
    or_status (*interpolate)(or_net *net, const or_tensor *x0, const or_tensor *x1, float t,
                             float flow_scale, or_tensor *y, or_err *err);
    /* Interpolation networks that estimate intermediate flows (RIFE; NULL for the
     * others): what interpolate() warps with at time t, for x0, x1 as there.
     * flow [1,4,H,W]: channels 0,1 F_t->0 (x, y in pixels: the frame at t takes
     * x0's sample at (j + fx, i + fy)), channels 2,3 F_t->1 (the same into x1);
     * so at t = 1 channels 0,1 are the backward flow 1->0 and at t = 0 channels
     * 2,3 the forward flow 0->1.  mask [1,1,H,W] or NULL: the weight of warped x0
     * in the blend (after the sigmoid).  Both in net->dtype on net->be. */
    or_status (*flows)(or_net *net, const or_tensor *x0, const or_tensor *x1, float t,
                       float flow_scale, or_tensor *flow, or_tensor *mask, or_err *err);
    /* Interpolation networks: how the pipeline pads a frame side of n pixels
     * before interpolate(), as the official inference does: *padded pixels in
     * all, *before of them on the top/left, filled by edge replication
     * (*replicate 1) or zeros. */
    void (*frame_pad)(const or_net *net, int n, float flow_scale, int *padded, int *before,
                      int *replicate);
    /* Upper bound of arena bytes forward() needs for an HxW input (for tile sizing). */
    size_t (*workspace_bytes)(const or_net *net, int h, int w);
    void (*destroy)(or_net *net);
    void *impl;
};

or_status or_net_load(const char *model_path, or_backend *be, or_dtype dtype, or_net **out,
                      or_err *err);
void or_net_free(or_net *net);

#ifdef __cplusplus
}
#endif

#endif
