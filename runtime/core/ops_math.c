/* ops_math.c: argument checks and dispatch of the "math" op family (ops_math.h). */
#include "ops_math.h"
#include "ops.h"

#include <stdint.h>
#include <stdio.h>

static const char *nm(const or_tensor *t) { return t->name ? t->name : "tensor"; }

static or_status have_data(const char *op, const or_tensor *t, or_err *err)
{
    if (!t->be || !t->data)
        return or_errf(err, OR_EINVAL, "%s: %s has no data", op, nm(t));
    return or_check_nchw(op, t, err);
}

static or_status same_backend(const char *op, const or_tensor *a, const or_tensor *b, or_err *err)
{
    OR_TRY(have_data(op, a, err));
    OR_TRY(have_data(op, b, err));
    if (a->be != b->be)
        return or_errf(err, OR_EINVAL, "%s: %s and %s live on different backends", op, nm(a),
                       nm(b));
    return OR_OK;
}

/* y must have x's shape and dtype. */
static or_status same_layout(const char *op, const or_tensor *x, const or_tensor *y, or_err *err)
{
    char want[64], got[64];
    if (!or_same_shape(x, y) || x->dtype != y->dtype)
        return or_errf(err, OR_ESHAPE, "%s: %s: expected %s, got %s", op, nm(y),
                       or_shape_str(x, want, sizeof want), or_shape_str(y, got, sizeof got));
    return OR_OK;
}

static or_status missing(const char *op, const or_backend *be, or_err *err)
{
    return or_errf(err, OR_EUNSUPPORTED, "%s: not implemented on %s", op, be->name);
}

/* 1 if the bytes of a and b overlap. */
static int overlaps(const or_tensor *a, const or_tensor *b)
{
    uintptr_t a0 = (uintptr_t)a->data, b0 = (uintptr_t)b->data;
    return a0 < b0 + or_nbytes(b) && b0 < a0 + or_nbytes(a);
}

or_status or_mul(const or_tensor *a, const or_tensor *b, or_tensor *y, or_err *err)
{
    char want[64], got[64];
    OR_TRY(same_backend("mul", a, b, err));
    OR_TRY(same_backend("mul", a, y, err));
    OR_TRY(same_layout("mul", a, y, err));
    int broadcast = b->c == 1 && a->c != 1;
    if (b->n != a->n || b->h != a->h || b->w != a->w || (b->c != a->c && !broadcast) ||
        b->dtype != a->dtype) {
        snprintf(want, sizeof want, "[%d,%d or 1,%d,%d] %s", a->n, a->c, a->h, a->w,
                 or_dtype_name(a->dtype));
        return or_errf(err, OR_ESHAPE, "mul: %s: expected %s, got %s", nm(b), want,
                       or_shape_str(b, got, sizeof got));
    }
    if (broadcast && overlaps(b, y))
        return or_errf(err, OR_EINVAL, "mul: output %s may not overlap the broadcast %s", nm(y),
                       nm(b));
    const struct or_ops_math *m = a->be->fam.math;
    if (!m || !m->mul)
        return missing("mul", a->be, err);
    return m->mul(a->be, a, b, y, err);
}

or_status or_scale_shift(const or_tensor *x, float alpha, float beta, or_tensor *y, or_err *err)
{
    OR_TRY(same_backend("scale_shift", x, y, err));
    OR_TRY(same_layout("scale_shift", x, y, err));
    const struct or_ops_math *m = x->be->fam.math;
    if (!m || !m->scale_shift)
        return missing("scale_shift", x->be, err);
    return m->scale_shift(x->be, x, alpha, beta, y, err);
}

or_status or_fill(or_tensor *y, float v, or_err *err)
{
    OR_TRY(have_data("fill", y, err));
    const struct or_ops_math *m = y->be->fam.math;
    if (!m || !m->fill)
        return missing("fill", y->be, err);
    return m->fill(y->be, y, v, err);
}

or_status or_clamp(const or_tensor *x, float lo, float hi, or_tensor *y, or_err *err)
{
    OR_TRY(same_backend("clamp", x, y, err));
    OR_TRY(same_layout("clamp", x, y, err));
    if (!(lo <= hi))
        return or_errf(err, OR_EINVAL, "clamp: %s: lower bound %g above upper bound %g", nm(x),
                       (double)lo, (double)hi);
    const struct or_ops_math *m = x->be->fam.math;
    if (!m || !m->clamp)
        return missing("clamp", x->be, err);
    return m->clamp(x->be, x, lo, hi, y, err);
}
