/* ops.h: the op interface networks are written against.
 * Each or_<op>() checks shapes, dtypes and backends (errors name the tensors
 * and their shapes) and dispatches to the backend's implementation in
 * kernels/: <op>_cpu.c (plain C) and <op>_cuda.cu side by side.
 * Every tensor of one call lives on the same backend.
 *
 * Layouts: tensors are NCHW unless marked OR_NHWC (tensor.h).  The core ops
 * below take NHWC tensors too: conv2d, activation, add, cast, pixel_shuffle,
 * pixel_unshuffle, upsample_nearest, tensor_channels, and convert_layout
 * between the two.  In one call every activation tensor (and a conv weight)
 * has the same layout; per-channel vectors [1,C,1,1] (bias, PReLU slopes) are
 * layout-free.  NHWC tensors may be channel views (pixel stride > c).
 * channel_affine and the op families (ops_<family>.h) take NCHW only and say so. */
#ifndef OR_OPS_H
#define OR_OPS_H

#ifdef __cplusplus
extern "C" {
#endif

#include "backend.h"

typedef enum {
    OR_ACT_NONE = 0,
    OR_ACT_RELU,
    OR_ACT_LEAKY,   /* x < 0 ? alpha*x : x                    */
    OR_ACT_PRELU,   /* per-channel slope tensor [1,C,1,1]       */
    OR_ACT_SIGMOID,
    OR_ACT_TANH
} or_act;

const char *or_act_name(or_act a);

/* Epilogue shared by convolutions: y = act(conv + bias) * res_scale + residual
 * (residual optional; res_scale applies only when residual is given). */
typedef struct {
    or_act act;
    float alpha;               /* LeakyReLU slope */
    const or_tensor *prelu;    /* [1,C,1,1] f32 when act == OR_ACT_PRELU */
    const or_tensor *residual; /* same shape as y, or NULL */
    float res_scale;
} or_epilogue;

typedef struct {
    int stride_h, stride_w;
    int pad_h, pad_w;          /* zero padding */
    int dil_h, dil_w;
    or_epilogue ep;
} or_conv2d_params;

/* Defaults: stride 1, pad (k-1)/2*dil ("same" for odd k), dilation 1, no activation. */
or_conv2d_params or_conv2d_default(int kh, int kw);
/* Output size of a convolution along one axis. */
int or_conv_out_size(int in, int k, int stride, int pad, int dil);

/* y = epilogue(conv2d(x, w) + b).  x [N,Ci,H,W], w [Co,Ci,kh,kw], b [1,Co,1,1] or NULL,
 * y [N,Co,Ho,Wo].  f32 everywhere, or (CUDA) x/y f16 with f16 weights. */
or_status or_conv2d(const or_tensor *x, const or_tensor *w, const or_tensor *b,
                    const or_conv2d_params *p, or_tensor *y, or_err *err);

/* y = act(x) elementwise (y may be x). */
or_status or_activation(const or_tensor *x, or_act act, float alpha, const or_tensor *prelu,
                        or_tensor *y, or_err *err);

/* y = alpha*a + beta*b (same shapes; y may alias a or b). */
or_status or_add(const or_tensor *a, float alpha, const or_tensor *b, float beta, or_tensor *y,
                 or_err *err);

/* y = x*scale[c] + shift[c]: a BatchNorm folded to a per-channel affine.
 * scale, shift [1,C,1,1] f32. */
or_status or_channel_affine(const or_tensor *x, const or_tensor *scale, const or_tensor *shift,
                            or_tensor *y, or_err *err);

/* y = x converted to y's dtype (same shape). */
or_status or_cast(const or_tensor *x, or_tensor *y, or_err *err);

/* y = x in y's layout (NCHW <-> NHWC; same shape and dtype; y may be a strided
 * NHWC view; a same-layout call copies). */
or_status or_convert_layout(const or_tensor *x, or_tensor *y, or_err *err);

/* OR_OK when t is NULL or NCHW, else "<op>: <t> is nhwc: this op takes NCHW
 * tensors" (the op families call it on every tensor they take). */
or_status or_check_nchw(const char *op, const or_tensor *t, or_err *err);

/* ---- layout ops (kernels/layout_cpu.c, kernels/layout_cuda.cu) ----------------- */
/* y [N, C/(r*r), H*r, W*r] = torch.nn.functional.pixel_shuffle(x [N,C,H,W], r). */
or_status or_pixel_shuffle(const or_tensor *x, int r, or_tensor *y, or_err *err);
/* y [N, C*r*r, H/r, W/r] = torch.nn.functional.pixel_unshuffle(x, r) (H, W multiples of r). */
or_status or_pixel_unshuffle(const or_tensor *x, int r, or_tensor *y, or_err *err);
/* y [N, C, H*s, W*s] = F.interpolate(x, scale_factor=s, mode='nearest'), integer s. */
or_status or_upsample_nearest(const or_tensor *x, int s, or_tensor *y, or_err *err);

/* A view of channels [c0, c0+c) of t without a copy.  NCHW: t->n must be 1, so
 * the slice is contiguous; NHWC: any batch, the view keeps t's pixel stride.
 * Dense blocks concatenate this way: each convolution writes its slice of one
 * preallocated buffer and reads a prefix of it. */
or_status or_tensor_channels(const or_tensor *t, int c0, int c, or_tensor *view, or_err *err);

/* The backend implementation table (runtime/core/backend_cpu.c, runtime/core/backend_cuda.cu).
 * Arguments are already validated by the or_<op> wrappers. */
struct or_ops {
    or_status (*conv2d)(or_backend *be, const or_tensor *x, const or_tensor *w,
                        const or_tensor *b, const or_conv2d_params *p, or_tensor *y, or_err *err);
    or_status (*activation)(or_backend *be, const or_tensor *x, or_act act, float alpha,
                            const or_tensor *prelu, or_tensor *y, or_err *err);
    or_status (*add)(or_backend *be, const or_tensor *a, float alpha, const or_tensor *b,
                     float beta, or_tensor *y, or_err *err);
    or_status (*channel_affine)(or_backend *be, const or_tensor *x, const or_tensor *scale,
                                const or_tensor *shift, or_tensor *y, or_err *err);
    or_status (*cast)(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err);
    or_status (*pixel_shuffle)(or_backend *be, const or_tensor *x, int r, or_tensor *y,
                               or_err *err);
    or_status (*pixel_unshuffle)(or_backend *be, const or_tensor *x, int r, or_tensor *y,
                                 or_err *err);
    or_status (*upsample_nearest)(or_backend *be, const or_tensor *x, int s, or_tensor *y,
                                  or_err *err);
    or_status (*convert_layout)(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err);
};

#ifdef __cplusplus
}
#endif

#endif
