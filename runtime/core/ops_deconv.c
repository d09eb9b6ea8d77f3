/* ops_deconv.c: argument checks and dispatch of the "deconv" op family (ops_deconv.h). */
#include "ops_deconv.h"

#include <stdint.h>
#include <stdio.h>

or_deconv2d_params or_deconv2d_default(void)
{
    or_deconv2d_params p = {1, 1, 0, 0, 0, 0, 1, 1, {OR_ACT_NONE, 0.f, 0, 0, 1.f}};
    return p;
}

int or_deconv_out_size(int in, int k, int stride, int pad, int out_pad, int dil)
{
    return (in - 1) * stride - 2 * pad + dil * (k - 1) + out_pad + 1;
}

#define OP "conv_transpose2d"

static const char *nm(const or_tensor *t) { return t->name ? t->name : "tensor"; }

static or_status shape_err(or_err *err, const or_tensor *t, const char *want)
{
    char s[64];
    return or_errf(err, OR_ESHAPE, OP ": %s: expected %s, got %s", nm(t), want,
                   or_shape_str(t, s, sizeof s));
}

static or_status same_backend(const or_tensor *a, const or_tensor *b, or_err *err)
{
    if (!a->be || !a->data)
        return or_errf(err, OR_EINVAL, OP ": %s has no data", nm(a));
    if (!b->be || !b->data)
        return or_errf(err, OR_EINVAL, OP ": %s has no data", nm(b));
    OR_TRY(or_check_nchw(OP, a, err));
    OR_TRY(or_check_nchw(OP, b, err));
    if (a->be != b->be)
        return or_errf(err, OR_EINVAL, OP ": %s and %s live on different backends", nm(a), nm(b));
    return OR_OK;
}

static int overlaps(const or_tensor *a, const or_tensor *b)
{
    uintptr_t a0 = (uintptr_t)a->data, b0 = (uintptr_t)b->data;
    return a0 < b0 + or_nbytes(b) && b0 < a0 + or_nbytes(a);
}

static or_status check_channel_vec(const or_tensor *v, int c, or_err *err)
{
    char want[64];
    snprintf(want, sizeof want, "[1,%d,1,1] f32", c);
    if (v->n != 1 || v->c != c || v->h != 1 || v->w != 1 || v->dtype != OR_F32)
        return shape_err(err, v, want);
    return OR_OK;
}

static or_status check_params(const or_tensor *w, const or_deconv2d_params *p, or_err *err)
{
    if (p->stride_h < 1 || p->stride_w < 1 || p->dil_h < 1 || p->dil_w < 1 || p->pad_h < 0 ||
        p->pad_w < 0 || p->out_pad_h < 0 || p->out_pad_w < 0)
        return or_errf(err, OR_EINVAL, OP ": %s: bad stride/dilation/padding", nm(w));
    /* PyTorch: output padding must be smaller than either stride or dilation */
    if ((p->out_pad_h >= p->stride_h && p->out_pad_h >= p->dil_h) ||
        (p->out_pad_w >= p->stride_w && p->out_pad_w >= p->dil_w))
        return or_errf(err, OR_EINVAL,
                       OP ": %s: output_padding (%d,%d) must be smaller than stride or dilation",
                       nm(w), p->out_pad_h, p->out_pad_w);
    return OR_OK;
}

static or_status check_epilogue(const or_epilogue *ep, const or_tensor *y, or_err *err)
{
    if (ep->act == OR_ACT_PRELU) {
        if (!ep->prelu)
            return or_errf(err, OR_EINVAL, OP ": %s: PReLU without a slope tensor", nm(y));
        OR_TRY(same_backend(y, ep->prelu, err));
        OR_TRY(check_channel_vec(ep->prelu, y->c, err));
    }
    if (ep->residual) {
        char want[64];
        OR_TRY(same_backend(y, ep->residual, err));
        if (!or_same_shape(ep->residual, y) || ep->residual->dtype != y->dtype)
            return shape_err(err, ep->residual, or_shape_str(y, want, sizeof want));
        if (overlaps(ep->residual, y))
            return or_errf(err, OR_EINVAL, OP ": residual %s may not alias the output",
                           nm(ep->residual));
    }
    return OR_OK;
}

or_status or_conv_transpose2d(const or_tensor *x, const or_tensor *w, const or_tensor *b,
                              const or_deconv2d_params *p, or_tensor *y, or_err *err)
{
    char want[96];
    OR_TRY(same_backend(x, w, err));
    OR_TRY(same_backend(x, y, err));
    if (w->n != x->c) {
        snprintf(want, sizeof want, "[%d,%d,%d,%d] (input has %d channels)", x->c, w->c, w->h,
                 w->w, x->c);
        return shape_err(err, w, want);
    }
    OR_TRY(check_params(w, p, err));
    int ho = or_deconv_out_size(x->h, w->h, p->stride_h, p->pad_h, p->out_pad_h, p->dil_h);
    int wo = or_deconv_out_size(x->w, w->w, p->stride_w, p->pad_w, p->out_pad_w, p->dil_w);
    if (ho < 1 || wo < 1 || y->n != x->n || y->c != w->c || y->h != ho || y->w != wo) {
        snprintf(want, sizeof want, "[%d,%d,%d,%d]", x->n, w->c, ho, wo);
        return shape_err(err, y, want);
    }
    if (b) {
        OR_TRY(same_backend(x, b, err));
        OR_TRY(check_channel_vec(b, w->c, err));
    }
    if (x->dtype != y->dtype || w->dtype != x->dtype)
        return or_errf(err, OR_EINVAL, OP ": %s is %s, %s is %s, %s is %s: dtypes must agree",
                       nm(x), or_dtype_name(x->dtype), nm(w), or_dtype_name(w->dtype), nm(y),
                       or_dtype_name(y->dtype));
    if (x->be->kind == OR_BACKEND_CPU && x->dtype != OR_F32)
        return or_errf(err, OR_EUNSUPPORTED, OP ": %s is f16: the CPU backend computes in f32",
                       nm(x));
    if (overlaps(x, y))
        return or_errf(err, OR_EINVAL, OP ": output %s may not alias the input %s", nm(y), nm(x));
    OR_TRY(check_epilogue(&p->ep, y, err));
    const struct or_ops_deconv *t = x->be->fam.deconv;
    if (!t || !t->conv_transpose2d)
        return or_errf(err, OR_EUNSUPPORTED, OP ": not implemented on %s", x->be->name);
    return t->conv_transpose2d(x->be, x, w, b, p, y, err);
}
