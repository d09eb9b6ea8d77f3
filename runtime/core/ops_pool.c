/* ops_pool.c: argument checks and dispatch of the "pool" op family
 * (max/avg pooling, padding; kernels/pool_cpu.c, kernels/pool_cuda.cu). */
#include "ops_pool.h"
#include "ops.h"

#include <stdint.h>
#include <stdio.h>

static const char *nm(const or_tensor *t) { return t->name ? t->name : "tensor"; }

static or_status dispatch_missing(const char *op, const or_backend *be, or_err *err)
{
    return or_errf(err, OR_EUNSUPPORTED, "%s: not implemented on %s", op, be->name);
}

/* Same backend, y not overlapping x, y is [n,c,h,w] in x's dtype. */
static or_status check_io(const char *op, const or_tensor *x, const or_tensor *y, int h, int w,
                          or_err *err)
{
    char want[64], got[64];
    if (!x->be || !x->data || !y->be || !y->data)
        return or_errf(err, OR_EINVAL, "%s: %s has no data", op, !x->data ? nm(x) : nm(y));
    OR_TRY(or_check_nchw(op, x, err));
    OR_TRY(or_check_nchw(op, y, err));
    if (x->be != y->be)
        return or_errf(err, OR_EINVAL, "%s: %s and %s live on different backends", op, nm(x),
                       nm(y));
    if (h < 1 || w < 1)
        return or_errf(err, OR_ESHAPE, "%s: %s %s gives an empty output (%dx%d)", op, nm(x),
                       or_shape_str(x, got, sizeof got), h, w);
    if (y->n != x->n || y->c != x->c || y->h != h || y->w != w || y->dtype != x->dtype) {
        snprintf(want, sizeof want, "[%d,%d,%d,%d] %s", x->n, x->c, h, w, or_dtype_name(x->dtype));
        return or_errf(err, OR_ESHAPE, "%s: %s: expected %s, got %s", op, nm(y), want,
                       or_shape_str(y, got, sizeof got));
    }
    uintptr_t a0 = (uintptr_t)x->data, b0 = (uintptr_t)y->data;
    if (a0 < b0 + or_nbytes(y) && b0 < a0 + or_nbytes(x))
        return or_errf(err, OR_EINVAL, "%s: output %s may not overlap the input %s", op, nm(y),
                       nm(x));
    return OR_OK;
}

/* Kernel, stride and padding as PyTorch accepts them (pad <= kernel/2). */
static or_status check_window(const char *op, const or_tensor *x, int kh, int kw, int sh, int sw,
                              int ph, int pw, or_err *err)
{
    if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || ph < 0 || pw < 0 || 2 * ph > kh || 2 * pw > kw)
        return or_errf(err, OR_EINVAL,
                       "%s: %s: kernel %dx%d stride %dx%d padding %dx%d (need kernel, stride >= 1, "
                       "0 <= padding <= kernel/2)",
                       op, nm(x), kh, kw, sh, sw, ph, pw);
    return OR_OK;
}

static int pool_out(int in, int k, int s, int p) { return in + 2 * p < k ? 0 : (in + 2 * p - k) / s + 1; }

or_status or_maxpool2d(const or_tensor *x, int kh, int kw, int sh, int sw, int ph, int pw,
                       or_tensor *y, or_err *err)
{
    OR_TRY(check_window("maxpool2d", x, kh, kw, sh, sw, ph, pw, err));
    OR_TRY(check_io("maxpool2d", x, y, pool_out(x->h, kh, sh, ph), pool_out(x->w, kw, sw, pw), err));
    const struct or_ops_pool *t = x->be->fam.pool;
    if (!t || !t->maxpool2d)
        return dispatch_missing("maxpool2d", x->be, err);
    return t->maxpool2d(x->be, x, kh, kw, sh, sw, ph, pw, y, err);
}

or_status or_avgpool2d(const or_tensor *x, int kh, int kw, int sh, int sw, int ph, int pw,
                       int count_include_pad, or_tensor *y, or_err *err)
{
    OR_TRY(check_window("avgpool2d", x, kh, kw, sh, sw, ph, pw, err));
    OR_TRY(check_io("avgpool2d", x, y, pool_out(x->h, kh, sh, ph), pool_out(x->w, kw, sw, pw), err));
    const struct or_ops_pool *t = x->be->fam.pool;
    if (!t || !t->avgpool2d)
        return dispatch_missing("avgpool2d", x->be, err);
    return t->avgpool2d(x->be, x, kh, kw, sh, sw, ph, pw, count_include_pad != 0, y, err);
}

or_status or_pad2d(const or_tensor *x, int left, int right, int top, int bottom, or_pad_mode mode,
                   or_tensor *y, or_err *err)
{
    char s[64];
    if (left < 0 || right < 0 || top < 0 || bottom < 0)
        return or_errf(err, OR_EINVAL, "pad2d: %s: negative padding (%d,%d,%d,%d)", nm(x), left,
                       right, top, bottom);
    if (mode != OR_PAD_ZERO && mode != OR_PAD_REPLICATE && mode != OR_PAD_REFLECT)
        return or_errf(err, OR_EINVAL, "pad2d: %s: unknown mode %d", nm(x), (int)mode);
    if (mode == OR_PAD_REFLECT && (left >= x->w || right >= x->w || top >= x->h || bottom >= x->h))
        return or_errf(err, OR_EINVAL,
                       "pad2d: %s %s: reflect padding (%d,%d,%d,%d) must be smaller than the size",
                       nm(x), or_shape_str(x, s, sizeof s), left, right, top, bottom);
    OR_TRY(check_io("pad2d", x, y, x->h + top + bottom, x->w + left + right, err));
    const struct or_ops_pool *t = x->be->fam.pool;
    if (!t || !t->pad2d)
        return dispatch_missing("pad2d", x->be, err);
    return t->pad2d(x->be, x, left, right, top, bottom, mode, y, err);
}
