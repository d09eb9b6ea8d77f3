/* ops.c: argument checks for every op, then dispatch to the backend. */
#include "ops.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>

#include "kernels/kernels.h"

/* The kernels take activations as their own codes (kernels/kernels.h); or_act
 * is passed through unchanged, so the two must agree. */
#define SAME_ACT(name) ((int)OR_ACT_##name == (int)OR_KERNEL_ACT_##name)
_Static_assert(SAME_ACT(NONE) && SAME_ACT(RELU) && SAME_ACT(LEAKY) && SAME_ACT(PRELU) &&
                   SAME_ACT(SIGMOID) && SAME_ACT(TANH),
               "or_act (runtime/core/ops.h) and OR_KERNEL_ACT_* (kernels/kernels.h) differ");
#undef SAME_ACT

const char *or_act_name(or_act a)
{
    static const char *names[] = {"none", "relu", "leakyrelu", "prelu", "sigmoid", "tanh"};
    return (unsigned)a < sizeof names / sizeof names[0] ? names[a] : "?";
}

or_conv2d_params or_conv2d_default(int kh, int kw)
{
    or_conv2d_params p = {1, 1, (kh - 1) / 2, (kw - 1) / 2, 1, 1, {OR_ACT_NONE, 0, NULL, NULL, 1}};
    return p;
}

int or_conv_out_size(int in, int k, int stride, int pad, int dil)
{
    int eff = dil * (k - 1) + 1;
    if (stride <= 0 || in + 2 * pad < eff)
        return 0;
    return (in + 2 * pad - eff) / stride + 1;
}

static const char *nm(const or_tensor *t) { return t->name ? t->name : "tensor"; }

static or_status shape_err(or_err *err, const char *op, const or_tensor *t, const char *want)
{
    char s[64];
    return or_errf(err, OR_ESHAPE, "%s: %s: expected %s, got %s", op, nm(t), want,
                   or_shape_str(t, s, sizeof s));
}

static or_status same_backend(const char *op, const or_tensor *a, const or_tensor *b, or_err *err)
{
    if (b && a->be != b->be)
        return or_errf(err, OR_EINVAL, "%s: %s and %s live on different backends", op, nm(a),
                       nm(b));
    if (!a->be || !a->data)
        return or_errf(err, OR_EINVAL, "%s: %s has no data", op, nm(a));
    return OR_OK;
}

/* 1 if a and b may share an element.  Two NHWC views of one buffer with the
 * same pixel stride interleave in memory; they are disjoint when their channel
 * ranges, taken modulo the pixel stride, do not meet. */
static int overlaps(const or_tensor *a, const or_tensor *b)
{
    uintptr_t a0 = (uintptr_t)a->data, b0 = (uintptr_t)b->data;
    if (!(a0 < b0 + or_span_bytes(b) && b0 < a0 + or_span_bytes(a)))
        return 0;
    int ps = or_pstride(a);
    if (a->layout != OR_NHWC || b->layout != OR_NHWC || or_pstride(b) != ps ||
        a->dtype != b->dtype)
        return 1;
    intptr_t es = (intptr_t)or_dtype_size(a->dtype), d = (intptr_t)(b0 - a0);
    if (d % es)
        return 1;
    intptr_t r = ((d / es) % ps + ps) % ps; /* b's first channel in a's pixel frame */
    return !(r >= a->c && r + b->c <= ps);
}

static or_status check_pstride(const char *op, const or_tensor *t, or_err *err)
{
    if (t->layout != OR_NCHW && t->layout != OR_NHWC)
        return or_errf(err, OR_EINVAL, "%s: %s: unknown layout %d", op, nm(t), (int)t->layout);
    if (t->layout == OR_NHWC && t->pstride != 0 && t->pstride < t->c)
        return or_errf(err, OR_EINVAL, "%s: %s: pixel stride %d below its %d channels", op, nm(t),
                       t->pstride, t->c);
    return OR_OK;
}

/* a and b in one layout (either may be a strided NHWC view). */
static or_status same_layout(const char *op, const or_tensor *a, const or_tensor *b, or_err *err)
{
    OR_TRY(check_pstride(op, a, err));
    OR_TRY(check_pstride(op, b, err));
    if (a->layout != b->layout)
        return or_errf(err, OR_EINVAL, "%s: %s is %s and %s is %s: layouts must agree", op, nm(a),
                       or_layout_name(a->layout), nm(b), or_layout_name(b->layout));
    return OR_OK;
}

or_status or_check_nchw(const char *op, const or_tensor *t, or_err *err)
{
    if (t && t->layout != OR_NCHW)
        return or_errf(err, OR_EUNSUPPORTED, "%s: %s is %s: this op takes NCHW tensors", op, nm(t),
                       or_layout_name(t->layout));
    return OR_OK;
}

static or_status check_channel_vec(const char *op, const or_tensor *v, int c, or_err *err)
{
    char want[64];
    snprintf(want, sizeof want, "[1,%d,1,1] f32", c);
    if (v->n != 1 || v->c != c || v->h != 1 || v->w != 1 || v->dtype != OR_F32)
        return shape_err(err, op, v, want);
    return OR_OK;
}

static or_status check_epilogue(const or_epilogue *ep, const or_tensor *y, or_err *err)
{
    if (ep->act == OR_ACT_PRELU) {
        if (!ep->prelu)
            return or_errf(err, OR_EINVAL, "conv2d: %s: PReLU without a slope tensor", nm(y));
        OR_TRY(same_backend("conv2d", y, ep->prelu, err));
        OR_TRY(check_channel_vec("conv2d", ep->prelu, y->c, err));
    }
    if (ep->residual) {
        char want[64];
        OR_TRY(same_backend("conv2d", y, ep->residual, err));
        OR_TRY(same_layout("conv2d", y, ep->residual, err));
        if (!or_same_shape(ep->residual, y) || ep->residual->dtype != y->dtype)
            return shape_err(err, "conv2d", ep->residual, or_shape_str(y, want, sizeof want));
        if (overlaps(ep->residual, y))
            return or_errf(err, OR_EINVAL, "conv2d: residual %s may not alias the output",
                           nm(ep->residual));
    }
    return OR_OK;
}

or_status or_conv2d(const or_tensor *x, const or_tensor *w, const or_tensor *b,
                    const or_conv2d_params *p, or_tensor *y, or_err *err)
{
    char want[96];
    OR_TRY(same_backend("conv2d", x, w, err));
    OR_TRY(same_backend("conv2d", x, y, err));
    OR_TRY(same_layout("conv2d", x, w, err));
    OR_TRY(same_layout("conv2d", x, y, err));
    if (!or_is_packed(w))
        return or_errf(err, OR_EINVAL, "conv2d: weight %s must be packed", nm(w));
    if (w->c != x->c) {
        snprintf(want, sizeof want, "[%d,%d,%d,%d] (input has %d channels)", w->n, x->c, w->h,
                 w->w, x->c);
        return shape_err(err, "conv2d", w, want);
    }
    if (p->stride_h < 1 || p->stride_w < 1 || p->dil_h < 1 || p->dil_w < 1 || p->pad_h < 0 ||
        p->pad_w < 0)
        return or_errf(err, OR_EINVAL, "conv2d: %s: bad stride/dilation/padding", nm(w));
    int ho = or_conv_out_size(x->h, w->h, p->stride_h, p->pad_h, p->dil_h);
    int wo = or_conv_out_size(x->w, w->w, p->stride_w, p->pad_w, p->dil_w);
    if (ho < 1 || wo < 1 || y->n != x->n || y->c != w->n || y->h != ho || y->w != wo) {
        snprintf(want, sizeof want, "[%d,%d,%d,%d]", x->n, w->n, ho, wo);
        return shape_err(err, "conv2d", y, want);
    }
    if (b) {
        OR_TRY(same_backend("conv2d", x, b, err));
        OR_TRY(check_channel_vec("conv2d", b, w->n, err));
    }
    if (x->dtype != y->dtype || w->dtype != x->dtype)
        return or_errf(err, OR_EINVAL, "conv2d: %s is %s, %s is %s, %s is %s: dtypes must agree",
                       nm(x), or_dtype_name(x->dtype), nm(w), or_dtype_name(w->dtype), nm(y),
                       or_dtype_name(y->dtype));
    if (overlaps(x, y))
        return or_errf(err, OR_EINVAL, "conv2d: output %s may not alias the input %s", nm(y),
                       nm(x));
    OR_TRY(check_epilogue(&p->ep, y, err));
    return x->be->ops->conv2d(x->be, x, w, b, p, y, err);
}

or_status or_activation(const or_tensor *x, or_act act, float alpha, const or_tensor *prelu,
                        or_tensor *y, or_err *err)
{
    char want[64];
    OR_TRY(same_backend("activation", x, y, err));
    OR_TRY(same_layout("activation", x, y, err));
    if (!or_same_shape(x, y) || x->dtype != y->dtype)
        return shape_err(err, "activation", y, or_shape_str(x, want, sizeof want));
    if (act == OR_ACT_PRELU) {
        if (!prelu)
            return or_errf(err, OR_EINVAL, "activation: %s: PReLU without a slope tensor", nm(x));
        OR_TRY(same_backend("activation", x, prelu, err));
        OR_TRY(check_channel_vec("activation", prelu, x->c, err));
    }
    return x->be->ops->activation(x->be, x, act, alpha, prelu, y, err);
}

or_status or_add(const or_tensor *a, float alpha, const or_tensor *b, float beta, or_tensor *y,
                 or_err *err)
{
    char want[64];
    OR_TRY(same_backend("add", a, b, err));
    OR_TRY(same_backend("add", a, y, err));
    OR_TRY(same_layout("add", a, b, err));
    OR_TRY(same_layout("add", a, y, err));
    if (!or_same_shape(a, b) || a->dtype != b->dtype)
        return shape_err(err, "add", b, or_shape_str(a, want, sizeof want));
    if (!or_same_shape(a, y) || a->dtype != y->dtype)
        return shape_err(err, "add", y, or_shape_str(a, want, sizeof want));
    return a->be->ops->add(a->be, a, alpha, b, beta, y, err);
}

or_status or_channel_affine(const or_tensor *x, const or_tensor *scale, const or_tensor *shift,
                            or_tensor *y, or_err *err)
{
    char want[64];
    OR_TRY(same_backend("channel_affine", x, y, err));
    OR_TRY(same_backend("channel_affine", x, scale, err));
    OR_TRY(same_backend("channel_affine", x, shift, err));
    OR_TRY(or_check_nchw("channel_affine", x, err));
    OR_TRY(or_check_nchw("channel_affine", y, err));
    if (!or_same_shape(x, y) || x->dtype != y->dtype)
        return shape_err(err, "channel_affine", y, or_shape_str(x, want, sizeof want));
    OR_TRY(check_channel_vec("channel_affine", scale, x->c, err));
    OR_TRY(check_channel_vec("channel_affine", shift, x->c, err));
    return x->be->ops->channel_affine(x->be, x, scale, shift, y, err);
}

or_status or_cast(const or_tensor *x, or_tensor *y, or_err *err)
{
    char want[64];
    OR_TRY(same_backend("cast", x, y, err));
    OR_TRY(same_layout("cast", x, y, err));
    if (!or_same_shape(x, y))
        return shape_err(err, "cast", y, or_shape_str(x, want, sizeof want));
    if (x->data == y->data && x->dtype != y->dtype)
        return or_errf(err, OR_EINVAL, "cast: %s: in-place cast between dtypes", nm(x));
    if (x->data == y->data && or_pstride(x) != or_pstride(y))
        return or_errf(err, OR_EINVAL, "cast: %s: in-place cast between pixel strides", nm(x));
    if (x->data != y->data && overlaps(x, y))
        return or_errf(err, OR_EINVAL, "cast: output %s overlaps the input %s", nm(y), nm(x));
    return x->be->ops->cast(x->be, x, y, err);
}

/* ---- layout ops ---- */

/* Common checks of a layout op: same backend, y is [n, c, h, w] of x's dtype,
 * and y does not overlap x. */
static or_status check_layout(const char *op, const or_tensor *x, or_tensor *y, int n, int c,
                              int h, int w, or_err *err)
{
    char want[64];
    OR_TRY(same_backend(op, x, y, err));
    OR_TRY(same_layout(op, x, y, err));
    if (y->n != n || y->c != c || y->h != h || y->w != w || y->dtype != x->dtype) {
        snprintf(want, sizeof want, "[%d,%d,%d,%d] %s", n, c, h, w, or_dtype_name(x->dtype));
        return shape_err(err, op, y, want);
    }
    if (overlaps(x, y))
        return or_errf(err, OR_EINVAL, "%s: output %s may not overlap the input %s", op, nm(y),
                       nm(x));
    return OR_OK;
}

static or_status check_factor(const char *op, const char *what, const or_tensor *x, int f,
                              or_err *err)
{
    if (f < 1 || f > 64)
        return or_errf(err, OR_EINVAL, "%s: %s: %s %d out of range [1,64]", op, nm(x), what, f);
    if (x->h > INT_MAX / f || x->w > INT_MAX / f || x->c > INT_MAX / (f * f))
        return or_errf(err, OR_EINVAL, "%s: %s: %s %d overflows the shape", op, nm(x), what, f);
    return OR_OK;
}

or_status or_pixel_shuffle(const or_tensor *x, int r, or_tensor *y, or_err *err)
{
    char want[96];
    OR_TRY(same_backend("pixel_shuffle", x, y, err));
    OR_TRY(check_factor("pixel_shuffle", "upscale factor", x, r, err));
    if (x->c % (r * r)) {
        snprintf(want, sizeof want, "channels a multiple of %d (r=%d)", r * r, r);
        return shape_err(err, "pixel_shuffle", x, want);
    }
    OR_TRY(check_layout("pixel_shuffle", x, y, x->n, x->c / (r * r), x->h * r, x->w * r, err));
    return x->be->ops->pixel_shuffle(x->be, x, r, y, err);
}

or_status or_pixel_unshuffle(const or_tensor *x, int r, or_tensor *y, or_err *err)
{
    char want[96];
    OR_TRY(same_backend("pixel_unshuffle", x, y, err));
    OR_TRY(check_factor("pixel_unshuffle", "downscale factor", x, r, err));
    if (x->h % r || x->w % r) {
        snprintf(want, sizeof want, "height and width multiples of %d", r);
        return shape_err(err, "pixel_unshuffle", x, want);
    }
    OR_TRY(check_layout("pixel_unshuffle", x, y, x->n, x->c * r * r, x->h / r, x->w / r, err));
    return x->be->ops->pixel_unshuffle(x->be, x, r, y, err);
}

or_status or_upsample_nearest(const or_tensor *x, int s, or_tensor *y, or_err *err)
{
    OR_TRY(same_backend("upsample_nearest", x, y, err));
    OR_TRY(check_factor("upsample_nearest", "scale factor", x, s, err));
    OR_TRY(check_layout("upsample_nearest", x, y, x->n, x->c, x->h * s, x->w * s, err));
    return x->be->ops->upsample_nearest(x->be, x, s, y, err);
}

or_status or_tensor_channels(const or_tensor *t, int c0, int c, or_tensor *view, or_err *err)
{
    char s[64];
    OR_TRY(same_backend("tensor_channels", t, NULL, err));
    OR_TRY(check_pstride("tensor_channels", t, err));
    if (t->layout == OR_NHWC) {
        if (c0 < 0 || c < 1 || c > t->c - c0)
            return or_errf(err, OR_ESHAPE,
                           "tensor_channels: %s is %s: channels [%d,%ld) out of range", nm(t),
                           or_shape_str(t, s, sizeof s), c0, (long)c0 + c);
        *view = *t;
        view->c = c;
        view->pstride = or_pstride(t);
        view->data = (char *)t->data + (size_t)c0 * or_dtype_size(t->dtype);
        return OR_OK;
    }
    if (t->n != 1)
        return or_errf(err, OR_EINVAL,
                       "tensor_channels: %s is %s: a channel view needs batch 1 (contiguous)",
                       nm(t), or_shape_str(t, s, sizeof s));
    if (c0 < 0 || c < 1 || c > t->c - c0)
        return or_errf(err, OR_ESHAPE, "tensor_channels: %s is %s: channels [%d,%ld) out of range",
                       nm(t), or_shape_str(t, s, sizeof s), c0, (long)c0 + c);
    *view = *t;
    view->c = c;
    view->data = (char *)t->data + (size_t)c0 * t->h * t->w * or_dtype_size(t->dtype);
    return OR_OK;
}

or_status or_convert_layout(const or_tensor *x, or_tensor *y, or_err *err)
{
    char want[64];
    OR_TRY(same_backend("convert_layout", x, y, err));
    OR_TRY(check_pstride("convert_layout", x, err));
    OR_TRY(check_pstride("convert_layout", y, err));
    if (!or_same_shape(x, y) || x->dtype != y->dtype)
        return shape_err(err, "convert_layout", y, or_shape_str(x, want, sizeof want));
    if (overlaps(x, y))
        return or_errf(err, OR_EINVAL, "convert_layout: output %s may not overlap the input %s",
                       nm(y), nm(x));
    return x->be->ops->convert_layout(x->be, x, y, err);
}
