/* ops_flow.c: argument checks and dispatch of the "flow" op family (DAIN's
 * layers; runtime/core/ops_flow.h, kernels/flow_cpu.c, kernels/flow_cuda.cu). */
#include "ops_flow.h"
#include "ops.h"

#include <stdint.h>
#include <stdio.h>

static const char *nm(const or_tensor *t) { return t->name ? t->name : "tensor"; }

static const struct or_ops_flow *table(const or_tensor *x) { return x->be->fam.flow; }

static or_status missing(const char *op, const or_backend *be, or_err *err)
{
    return or_errf(err, OR_EUNSUPPORTED, "%s: not implemented on %s", op, be->name);
}

/* t has data on be, a dtype the backend computes in (f16 only on CUDA; f32
 * when f32_only) and, when n/c/h/w >= 0, that shape. */
static or_status check_t(const char *op, const or_tensor *t, const or_backend *be, int n, int c,
                         int h, int w, int f32_only, or_err *err)
{
    char got[64], want[64];
    if (!t->be || !t->data)
        return or_errf(err, OR_EINVAL, "%s: %s has no data", op, nm(t));
    OR_TRY(or_check_nchw(op, t, err));
    if (t->be != be)
        return or_errf(err, OR_EINVAL, "%s: %s lives on %s, not %s", op, nm(t), t->be->name,
                       be->name);
    if (t->dtype != OR_F32 && (f32_only || be->kind != OR_BACKEND_CUDA))
        return or_errf(err, OR_EINVAL, "%s: %s is %s: %s needs f32 here", op, nm(t),
                       or_dtype_name(t->dtype), f32_only ? "this tensor" : be->name);
    if ((n >= 0 && t->n != n) || (c >= 0 && t->c != c) || (h >= 0 && t->h != h) ||
        (w >= 0 && t->w != w)) {
        snprintf(want, sizeof want, "[%d,%d,%d,%d]", n, c, h, w);
        return or_errf(err, OR_ESHAPE, "%s: %s: expected %s, got %s", op, nm(t), want,
                       or_shape_str(t, got, sizeof got));
    }
    return OR_OK;
}

static int overlap(const or_tensor *a, const or_tensor *b)
{
    uintptr_t a0 = (uintptr_t)a->data, b0 = (uintptr_t)b->data;
    return a0 < b0 + or_nbytes(b) && b0 < a0 + or_nbytes(a);
}

static or_status no_overlap(const char *op, const or_tensor *y, const or_tensor *x, or_err *err)
{
    if (overlap(x, y))
        return or_errf(err, OR_EINVAL, "%s: output %s may not overlap the input %s", op, nm(y),
                       nm(x));
    return OR_OK;
}

or_status or_correlation(const or_tensor *a, const or_tensor *b, int md, or_tensor *y,
                         or_err *err)
{
    const char *op = "correlation";
    OR_TRY(check_t(op, a, a->be, -1, -1, -1, -1, 0, err));
    if (md < 0 || md > 32)
        return or_errf(err, OR_EINVAL, "%s: max displacement %d outside [0,32]", op, md);
    int d = 2 * md + 1;
    OR_TRY(check_t(op, b, a->be, a->n, a->c, a->h, a->w, 0, err));
    OR_TRY(check_t(op, y, a->be, a->n, d * d, a->h, a->w, 0, err));
    if (b->dtype != a->dtype || y->dtype != a->dtype)
        return or_errf(err, OR_EINVAL, "%s: %s, %s and %s must share one dtype", op, nm(a),
                       nm(b), nm(y));
    OR_TRY(no_overlap(op, y, a, err));
    OR_TRY(no_overlap(op, y, b, err));
    if (!table(a) || !table(a)->correlation)
        return missing(op, a->be, err);
    return table(a)->correlation(a->be, a, b, md, y, err);
}

or_status or_pwc_warp(const or_tensor *x, const or_tensor *flow, or_tensor *y, or_err *err)
{
    const char *op = "pwc_warp";
    OR_TRY(check_t(op, x, x->be, -1, -1, -1, -1, 0, err));
    OR_TRY(check_t(op, flow, x->be, x->n, 2, x->h, x->w, 0, err));
    OR_TRY(check_t(op, y, x->be, x->n, x->c, x->h, x->w, 0, err));
    OR_TRY(no_overlap(op, y, x, err));
    OR_TRY(no_overlap(op, y, flow, err));
    if (!table(x) || !table(x)->pwc_warp)
        return missing(op, x->be, err);
    return table(x)->pwc_warp(x->be, x, flow, y, err);
}

or_status or_depth_flow_projection(const or_tensor *flow, const or_tensor *depth_inv,
                                   int fill_holes, or_tensor *count, or_tensor *y, or_err *err)
{
    const char *op = "depth_flow_projection";
    const or_tensor *f = flow;
    OR_TRY(check_t(op, f, f->be, -1, 2, -1, -1, 0, err));
    OR_TRY(check_t(op, depth_inv, f->be, f->n, 1, f->h, f->w, 0, err));
    OR_TRY(check_t(op, count, f->be, f->n, 1, f->h, f->w, 1, err));
    OR_TRY(check_t(op, y, f->be, f->n, 2, f->h, f->w, 1, err));
    OR_TRY(no_overlap(op, y, f, err));
    OR_TRY(no_overlap(op, y, depth_inv, err));
    OR_TRY(no_overlap(op, y, count, err));
    OR_TRY(no_overlap(op, count, f, err));
    OR_TRY(no_overlap(op, count, depth_inv, err));
    if (!table(f) || !table(f)->depth_flow_projection)
        return missing(op, f->be, err);
    return table(f)->depth_flow_projection(f->be, f, depth_inv, fill_holes != 0, count, y, err);
}

or_status or_filter_interpolation(const or_tensor *x, const or_tensor *flow,
                                  const or_tensor *filter, int filter_size, or_tensor *y,
                                  or_err *err)
{
    const char *op = "filter_interpolation";
    int fs = filter_size;
    if (fs < 2 || fs > 8 || fs % 2)
        return or_errf(err, OR_EINVAL, "%s: filter size %d: expected an even size in [2,8]", op,
                       fs);
    OR_TRY(check_t(op, x, x->be, -1, -1, -1, -1, 0, err));
    OR_TRY(check_t(op, flow, x->be, x->n, 2, x->h, x->w, 0, err));
    OR_TRY(check_t(op, filter, x->be, x->n, fs * fs, x->h, x->w, 0, err));
    OR_TRY(check_t(op, y, x->be, x->n, x->c, x->h, x->w, 0, err));
    OR_TRY(no_overlap(op, y, x, err));
    OR_TRY(no_overlap(op, y, flow, err));
    OR_TRY(no_overlap(op, y, filter, err));
    if (!table(x) || !table(x)->filter_interpolation)
        return missing(op, x->be, err);
    return table(x)->filter_interpolation(x->be, x, flow, filter, fs, y, err);
}

or_status or_inv_exp(const or_tensor *x, float eps, or_tensor *y, or_err *err)
{
    const char *op = "inv_exp";
    OR_TRY(check_t(op, x, x->be, -1, -1, -1, -1, 0, err));
    OR_TRY(check_t(op, y, x->be, x->n, x->c, x->h, x->w, 0, err));
    if (overlap(x, y) && (x->data != y->data || x->dtype != y->dtype))
        return or_errf(err, OR_EINVAL, "%s: %s overlaps %s (only y == x with one dtype)", op,
                       nm(y), nm(x));
    if (!table(x) || !table(x)->inv_exp)
        return missing(op, x->be, err);
    return table(x)->inv_exp(x->be, x, eps, y, err);
}
