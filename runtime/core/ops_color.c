/* ops_color.c: argument checks and dispatch of the "color" op family (ops_color.h). */
#include "ops_color.h"
#include "ops.h"

#include <stdint.h>
#include <stdio.h>

static const char *nm(const or_tensor *t) { return t->name ? t->name : "tensor"; }

/* 1 if the bytes of a and b overlap without being the same tensor. */
static int partly_overlaps(const or_tensor *a, const or_tensor *b)
{
    uintptr_t a0 = (uintptr_t)a->data, b0 = (uintptr_t)b->data;
    return a0 != b0 && a0 < b0 + or_nbytes(b) && b0 < a0 + or_nbytes(a);
}

/* x [N,3,H,W]; y the same shape and dtype, on the same backend, x itself or disjoint. */
static or_status check(const char *op, const or_tensor *x, const or_tensor *y, or_err *err)
{
    char want[64], got[64];
    if (!x->be || !x->data)
        return or_errf(err, OR_EINVAL, "%s: %s has no data", op, nm(x));
    if (!y->be || !y->data)
        return or_errf(err, OR_EINVAL, "%s: %s has no data", op, nm(y));
    OR_TRY(or_check_nchw(op, x, err));
    OR_TRY(or_check_nchw(op, y, err));
    if (x->be != y->be)
        return or_errf(err, OR_EINVAL, "%s: %s and %s live on different backends", op, nm(x),
                       nm(y));
    if (x->c != 3)
        return or_errf(err, OR_ESHAPE, "%s: %s: expected 3 channels, got %s", op, nm(x),
                       or_shape_str(x, got, sizeof got));
    if (!or_same_shape(x, y) || x->dtype != y->dtype)
        return or_errf(err, OR_ESHAPE, "%s: %s: expected %s, got %s", op, nm(y),
                       or_shape_str(x, want, sizeof want), or_shape_str(y, got, sizeof got));
    if (partly_overlaps(x, y))
        return or_errf(err, OR_EINVAL, "%s: output %s partly overlaps the input %s", op, nm(y),
                       nm(x));
    if (x->be->kind == OR_BACKEND_CPU && x->dtype != OR_F32)
        return or_errf(err, OR_EINVAL, "%s: %s is %s: the CPU backend computes in f32", op, nm(x),
                       or_dtype_name(x->dtype));
    return OR_OK;
}

typedef or_status (*color_fn)(or_backend *, const or_tensor *, or_tensor *, or_err *);

/* Which slot of the backend's table (NULL when the table is missing). */
static color_fn slot(const or_backend *be, int which)
{
    const struct or_ops_color *t = be->fam.color;
    if (!t)
        return NULL;
    color_fn fns[5] = {t->rgb_to_lab, t->lab_to_rgb, t->rgb_to_yuv, t->yuv_to_rgb, t->rgb_to_l};
    return fns[which];
}

static or_status run(const char *op, int which, const or_tensor *x, or_tensor *y, or_err *err)
{
    OR_TRY(check(op, x, y, err));
    color_fn f = slot(x->be, which);
    if (!f)
        return or_errf(err, OR_EUNSUPPORTED, "%s: not implemented on %s", op, x->be->name);
    return f(x->be, x, y, err);
}

or_status or_rgb_to_lab(const or_tensor *x, or_tensor *y, or_err *err)
{
    return run("rgb_to_lab", 0, x, y, err);
}

or_status or_rgb_to_l(const or_tensor *x, or_tensor *y, or_err *err)
{
    return run("rgb_to_l", 4, x, y, err);
}

or_status or_lab_to_rgb(const or_tensor *x, or_tensor *y, or_err *err)
{
    return run("lab_to_rgb", 1, x, y, err);
}

or_status or_rgb_to_yuv(const or_tensor *x, or_tensor *y, or_err *err)
{
    return run("rgb_to_yuv", 2, x, y, err);
}

or_status or_yuv_to_rgb(const or_tensor *x, or_tensor *y, or_err *err)
{
    return run("yuv_to_rgb", 3, x, y, err);
}

or_status or_class_to_ab(const or_tensor *z, const or_tensor *w, float T, float scale,
                         or_tensor *y, or_err *err)
{
    const char *op = "class_to_ab";
    char want[64], got[64];
    const or_tensor *ts[3] = {z, w, y};
    for (int i = 0; i < 3; i++)
        if (!ts[i]->be || !ts[i]->data)
            return or_errf(err, OR_EINVAL, "%s: %s has no data", op, nm(ts[i]));
    for (int i = 0; i < 3; i++)
        OR_TRY(or_check_nchw(op, ts[i], err));
    if (z->be != w->be || z->be != y->be)
        return or_errf(err, OR_EINVAL, "%s: %s, %s and %s must live on one backend", op, nm(z),
                       nm(w), nm(y));
    if (w->n != 2 || w->c != z->c || w->h != 1 || w->w != 1 || w->dtype != z->dtype) {
        snprintf(want, sizeof want, "[2,%d,1,1] %s", z->c, or_dtype_name(z->dtype));
        return or_errf(err, OR_ESHAPE, "%s: %s: expected %s, got %s", op, nm(w), want,
                       or_shape_str(w, got, sizeof got));
    }
    if (y->n != z->n || y->c != 2 || y->h != z->h || y->w != z->w || y->dtype != z->dtype) {
        snprintf(want, sizeof want, "[%d,2,%d,%d] %s", z->n, z->h, z->w, or_dtype_name(z->dtype));
        return or_errf(err, OR_ESHAPE, "%s: %s: expected %s, got %s", op, nm(y), want,
                       or_shape_str(y, got, sizeof got));
    }
    if (!(T > 0))
        return or_errf(err, OR_EINVAL, "%s: temperature %g must be > 0", op, (double)T);
    uintptr_t z0 = (uintptr_t)z->data, y0 = (uintptr_t)y->data;
    if (z0 < y0 + or_nbytes(y) && y0 < z0 + or_nbytes(z))
        return or_errf(err, OR_EINVAL, "%s: output %s may not overlap %s", op, nm(y), nm(z));
    if (z->be->kind == OR_BACKEND_CPU && z->dtype != OR_F32)
        return or_errf(err, OR_EINVAL, "%s: %s is %s: the CPU backend computes in f32", op, nm(z),
                       or_dtype_name(z->dtype));
    const struct or_ops_color *t = z->be->fam.color;
    if (!t || !t->class_to_ab)
        return or_errf(err, OR_EUNSUPPORTED, "%s: not implemented on %s", op, z->be->name);
    return t->class_to_ab(z->be, z, w, T, scale, y, err);
}
