/* ops_resample.c: argument checks and dispatch of the "resample" op family
 * (ops_resample.h). */
#include "ops_resample.h"
#include "ops.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>

static const char *nm(const or_tensor *t) { return t->name ? t->name : "tensor"; }

static or_status same_backend(const char *op, const or_tensor *a, const or_tensor *b, or_err *err)
{
    if (!a->be || !a->data)
        return or_errf(err, OR_EINVAL, "%s: %s has no data", op, nm(a));
    if (!b->be || !b->data)
        return or_errf(err, OR_EINVAL, "%s: %s has no data", op, nm(b));
    OR_TRY(or_check_nchw(op, a, err));
    OR_TRY(or_check_nchw(op, b, err));
    if (a->be != b->be)
        return or_errf(err, OR_EINVAL, "%s: %s and %s live on different backends", op, nm(a),
                       nm(b));
    return OR_OK;
}

static int overlaps(const or_tensor *a, const or_tensor *b)
{
    uintptr_t a0 = (uintptr_t)a->data, b0 = (uintptr_t)b->data;
    return a0 < b0 + or_nbytes(b) && b0 < a0 + or_nbytes(a);
}

static or_status missing(const char *op, const or_backend *be, or_err *err)
{
    return or_errf(err, OR_EUNSUPPORTED, "%s: not implemented on %s", op, be->name);
}

/* With a scale factor, the output size along an axis must be floor(in * scale)
 * (what F.interpolate computes); scale 0 means "size given". */
static or_status check_axis(const char *op, const or_tensor *x, const char *axis, int in,
                            int out, double scale, or_err *err)
{
    if (!(scale >= 0) || isinf(scale))
        return or_errf(err, OR_EINVAL, "%s: %s: bad %s scale factor %g", op, nm(x), axis, scale);
    if (scale > 0 && (double)out != floor((double)in * scale))
        return or_errf(err, OR_ESHAPE,
                       "%s: %s: %s of %d with scale factor %g gives %.0f, output has %d", op,
                       nm(x), axis, in, scale, floor((double)in * scale), out);
    return OR_OK;
}

/* Common checks of a resize: y [N,C,*,*] of x's dtype, not overlapping x. */
static or_status check_resize(const char *op, const or_tensor *x, double scale_h, double scale_w,
                              const or_tensor *y, or_err *err)
{
    char xs[64], ys[64];
    OR_TRY(same_backend(op, x, y, err));
    if (y->n != x->n || y->c != x->c || y->dtype != x->dtype || y->h < 1 || y->w < 1)
        return or_errf(err, OR_ESHAPE, "%s: %s: expected [%d,%d,*,*] %s, got %s", op, nm(y),
                       x->n, x->c, or_dtype_name(x->dtype), or_shape_str(y, ys, sizeof ys));
    if (overlaps(x, y))
        return or_errf(err, OR_EINVAL, "%s: output %s may not overlap the input %s %s", op,
                       nm(y), nm(x), or_shape_str(x, xs, sizeof xs));
    OR_TRY(check_axis(op, x, "height", x->h, y->h, scale_h, err));
    return check_axis(op, x, "width", x->w, y->w, scale_w, err);
}

or_status or_resize_bilinear(const or_tensor *x, int align_corners, double scale_h,
                             double scale_w, or_tensor *y, or_err *err)
{
    OR_TRY(check_resize("resize_bilinear", x, scale_h, scale_w, y, err));
    const struct or_ops_resample *r = x->be->fam.resample;
    if (!r || !r->resize_bilinear)
        return missing("resize_bilinear", x->be, err);
    return r->resize_bilinear(x->be, x, align_corners != 0, scale_h, scale_w, y, err);
}

or_status or_resize_nearest(const or_tensor *x, double scale_h, double scale_w, or_tensor *y,
                            or_err *err)
{
    OR_TRY(check_resize("resize_nearest", x, scale_h, scale_w, y, err));
    const struct or_ops_resample *r = x->be->fam.resample;
    if (!r || !r->resize_nearest)
        return missing("resize_nearest", x->be, err);
    return r->resize_nearest(x->be, x, scale_h, scale_w, y, err);
}

or_status or_warp_bilinear(const or_tensor *x, const or_tensor *flow, or_grid_pad pad,
                           int align_corners, or_tensor *y, or_err *err)
{
    char xs[64], got[64];
    OR_TRY(same_backend("warp_bilinear", x, flow, err));
    OR_TRY(same_backend("warp_bilinear", x, y, err));
    if (flow->n != x->n || flow->c != 2 || flow->h != x->h || flow->w != x->w ||
        flow->dtype != x->dtype)
        return or_errf(err, OR_ESHAPE, "warp_bilinear: %s: expected [%d,2,%d,%d] %s, got %s",
                       nm(flow), x->n, x->h, x->w, or_dtype_name(x->dtype),
                       or_shape_str(flow, got, sizeof got));
    if (!or_same_shape(x, y) || y->dtype != x->dtype)
        return or_errf(err, OR_ESHAPE, "warp_bilinear: %s: expected %s, got %s", nm(y),
                       or_shape_str(x, xs, sizeof xs), or_shape_str(y, got, sizeof got));
    if (pad != OR_GRID_PAD_ZEROS && pad != OR_GRID_PAD_BORDER)
        return or_errf(err, OR_EINVAL, "warp_bilinear: %s: unknown padding mode %d", nm(x),
                       (int)pad);
    if (!align_corners && (x->h < 2 || x->w < 2))
        return or_errf(err, OR_EINVAL,
                       "warp_bilinear: %s %s: the (size-1)/2 grid normalisation needs H, W >= 2 "
                       "without align_corners",
                       nm(x), or_shape_str(x, xs, sizeof xs));
    if (overlaps(x, y) || overlaps(flow, y))
        return or_errf(err, OR_EINVAL, "warp_bilinear: output %s may not overlap %s or %s",
                       nm(y), nm(x), nm(flow));
    const struct or_ops_resample *r = x->be->fam.resample;
    if (!r || !r->warp_bilinear)
        return missing("warp_bilinear", x->be, err);
    return r->warp_bilinear(x->be, x, flow, pad, align_corners != 0, y, err);
}
