/* net_deoldify.h: DeOldify's generators, shared by net_deoldify.c (loading,
 * U-Net decoder, head, forward) and net_deoldify_enc.c (the ResNet encoder).
 * Not a public interface: see runtime/nets/net.h and docs/stages/deoldify.md. */
#ifndef OR_NET_DEOLDIFY_H
#define OR_NET_DEOLDIFY_H

#include "net_internal.h"

/* A convolution with bias (a BatchNorm folded in at conversion). */
typedef struct {
    or_tensor w, b;
} dd_conv;

/* DeOldify's custom_conv_layer: y = relu(conv(x)) * scale + shift (no bias). */
typedef struct {
    or_tensor w, scale, shift;
} dd_cbn;

/* torchvision BasicBlock (conv 3x3, 3x3) or Bottleneck (1x1, 3x3 with the
 * stride, 1x1 x4), optional 1x1 strided downsample. */
typedef struct {
    dd_conv c[3];
    dd_conv down;
    int has_down, stride, cin, p;
} dd_block;

typedef struct {
    int bottleneck;    /* Bottleneck (resnet50/101/152) or BasicBlock (18/34) */
    int counts[4];     /* blocks per layer */
    int base;          /* stem width */
    dd_conv stem;      /* 7x7 s2 p3 */
    dd_block *blocks[4];
} dd_encoder;

/* Output channels of layer L (0..3) and of the stem. */
static inline int dd_enc_width(const dd_encoder *e, int layer)
{
    return (e->base << layer) * (e->bottleneck ? 4 : 1);
}

/* Weights of the encoder ("enc.*"), after e->bottleneck/counts/base are set. */
or_status dd_encoder_load(dd_encoder *e, or_net_weights *w, or_err *err);
void dd_encoder_free(dd_encoder *e);

/* Run the encoder on x [1,3,H,W]: skips[0] = stem relu output, skips[1..3] =
 * layer1..layer3 outputs, *out = layer4 output; all allocated in the arena
 * (kept until the caller resets it). */
or_status dd_encoder_forward(const dd_encoder *e, const or_tensor *x, or_tensor skips[4],
                             or_tensor *out, or_err *err);
/* Upper bound of the arena bytes of dd_encoder_forward for an HxW input
 * (every tensor it allocates, none freed). */
size_t dd_encoder_bytes(const dd_encoder *e, int h, int w, or_dtype dt);

/* Shared helpers (net_deoldify_enc.c). */
/* y = act(conv(x) + b) [+ residual], y allocated in the arena as [co, ho, wo]. */
or_status dd_conv_run(const or_tensor *x, const dd_conv *c, int stride, or_act act,
                      const or_tensor *residual, const char *name, or_tensor *y, or_err *err);
/* A weight of any shape, stored as [n,c,h,w] in dt (the net's compute dtype, or
 * f32 for per-channel vectors); with host0 a scalar [1] whose value goes to *host0
 * (or_netw_scalar); else or_netw_tensor. */
or_status dd_load(or_net_weights *w, const char *name, int ndim, const int64_t *shape,
                  or_dtype dt, int n, int c, int h, int wd, or_tensor *t, float *host0,
                  or_err *err);
/* "<prefix>.weight" [co,ci,k,k] and "<prefix>.bias" [co]. */
or_status dd_load_conv(or_net_weights *w, const char *prefix, int co, int ci, int k, dd_conv *c,
                       or_err *err);

#endif
