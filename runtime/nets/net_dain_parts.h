/* net_dain_parts.h: DAIN's sub-networks (runtime/net_dain*.c), shared by the
 * constructor and forward in net_dain.c.  Not a public interface.
 *
 *   net_dain_parts.c  weight loading helpers, the kernel-estimation U-Net,
 *                     the context extractor (S2DF) and the rectifier
 *   net_dain_pwc.c    PWC-Net (feature pyramid, correlation decoders, refiner)
 *   net_dain_depth.c  the MegaDepth hourglass
 *
 * Every function allocates its scratch from the backend arena and gives it back
 * (mark/reset) before returning; outputs are tensors the caller allocated. */
#ifndef OR_NET_DAIN_PARTS_H
#define OR_NET_DAIN_PARTS_H

#include "net_internal.h"

typedef struct {
    or_tensor w, b;
    int has_b, co, ci, k;
} dn_conv;

typedef struct {
    int widths[12];          /* kernel.conv0..11 output widths */
    dn_conv conv[12], head[2][2];
} dn_kernel_net;

typedef struct {
    int width;               /* ctx_width */
    dn_conv stem, res[2][2];
} dn_ctx_net;

typedef struct {
    int width, in;           /* rectify_width, its input width */
    dn_conv stem, res[3][2], out;
} dn_rectify_net;

typedef struct {
    int md, pyr[6], dense[5], refine[6];
    dn_conv feat[6][3];
    dn_conv dense_conv[7][5], predict[7], up_flow[7], up_feat[7]; /* index = level 2..6 */
    dn_conv ref[7];
} dn_pwc_net;

/* One hourglass inception: 1x1 tower and three (reduce 1x1, k x k) towers. */
typedef struct {
    int c0, k[3], r[3], c[3];
    dn_conv t0, reduce[3], conv[3];
} dn_inception;

typedef struct {
    int div, width;          /* depth_width = 128 / div */
    dn_conv stem, out;
    dn_inception inc[4][2][4]; /* [level-1][down=0/skip=1][j] */
} dn_depth_net;

typedef struct {
    or_net_weights *w;
    int filter_size;
} dn_loader;

/* Load "<name>.weight" [co,ci,k,k] (+ "<name>.bias" [co] when has_b). */
or_status dn_load_conv(dn_loader *l, const char *name, int co, int ci, int k, int has_b,
                       dn_conv *c, or_err *err);
/* Load a ConvTranspose2d "<name>.weight" [ci,co,k,k] + "<name>.bias" [co]. */
or_status dn_load_deconv(dn_loader *l, const char *name, int ci, int co, int k, dn_conv *c,
                         or_err *err);

/* y = act(conv(x) + b) with stride/pad/dilation; act NONE, RELU or LEAKY(0.1);
 * residual (optional) is added after the activation (or_epilogue). */
or_status dn_conv_run(const dn_conv *c, const or_tensor *x, int stride, int dil, or_act act,
                      const or_tensor *residual, or_tensor *y, or_err *err);

/* A [1,c,h,w] arena tensor in the network's dtype. */
or_status dn_alloc(or_backend *be, or_dtype dt, int c, int h, int w, const char *name,
                   or_tensor *t, or_err *err);

or_status dn_kernel_load(dn_loader *l, dn_kernel_net *k, or_err *err);
/* x [1,6,H,W] (both frames) -> filt0, filt1 [1,F*F,H,W] (may be channel views). */
or_status dn_kernel_run(const dn_kernel_net *k, const or_tensor *x, or_tensor *filt0,
                        or_tensor *filt1, or_err *err);

or_status dn_ctx_load(dn_loader *l, dn_ctx_net *c, or_err *err);
/* y [1, 3 + 3*width, H, W] = cat(x, stem, res0, res1) (a channel view is fine). */
or_status dn_ctx_run(const dn_ctx_net *c, const or_tensor *x, or_tensor *y, or_err *err);

or_status dn_rectify_load(dn_loader *l, dn_rectify_net *r, or_err *err);
/* y = rectify(x) + residual. */
or_status dn_rectify_run(const dn_rectify_net *r, const or_tensor *x, const or_tensor *residual,
                         or_tensor *y, or_err *err);

or_status dn_pwc_load(dn_loader *l, dn_pwc_net *p, or_err *err);
/* The feature pyramid of one frame: feats[L-1] [1,pyr[L-1],H/2^L,W/2^L] (arena). */
or_status dn_pwc_features(const dn_pwc_net *p, const or_tensor *im, or_tensor feats[6],
                          or_err *err);
/* PWCDCNet.forward's flow from frame a to frame b: flow [1,2,H/4,W/4]. */
or_status dn_pwc_flow(const dn_pwc_net *p, const or_tensor fa[6], const or_tensor fb[6],
                      or_tensor *flow, or_err *err);

or_status dn_depth_load(dn_loader *l, dn_depth_net *d, or_err *err);
/* log depth [1,1,H,W] (a channel view is fine) of the frame x [1,3,H,W]. */
or_status dn_depth_run(const dn_depth_net *d, const or_tensor *x, or_tensor *log_depth,
                       or_err *err);

/* Parse a comma-separated list of n integers in [lo,hi] from metadata key. */
or_status dn_meta_list(const st_file *f, const char *key, int n, int lo, int hi, int *out,
                       or_err *err);

#endif
