/* ops_norm.c: argument checks and dispatch of the "norm" op family (ops_norm.h). */
#include "ops_norm.h"
#include "ops.h"

static const char *nm(const or_tensor *t) { return t->name ? t->name : "tensor"; }

/* x and y: data on one backend, NCHW, the same shape and dtype, not empty. */
static or_status check(const char *op, const or_tensor *x, const or_tensor *y, or_err *err)
{
    char want[64], got[64];
    const or_tensor *both[2] = {x, y};
    for (int i = 0; i < 2; i++) {
        if (!both[i]->be || !both[i]->data)
            return or_errf(err, OR_EINVAL, "%s: %s has no data", op, nm(both[i]));
        OR_TRY(or_check_nchw(op, both[i], err));
    }
    if (x->be != y->be)
        return or_errf(err, OR_EINVAL, "%s: %s and %s live on different backends", op, nm(x),
                       nm(y));
    if (!or_same_shape(x, y) || x->dtype != y->dtype)
        return or_errf(err, OR_ESHAPE, "%s: %s: expected %s, got %s", op, nm(y),
                       or_shape_str(x, want, sizeof want), or_shape_str(y, got, sizeof got));
    if (or_numel(x) == 0)
        return or_errf(err, OR_EINVAL, "%s: %s is empty (%s)", op, nm(x),
                       or_shape_str(x, got, sizeof got));
    return OR_OK;
}

static or_status missing(const char *op, const or_backend *be, or_err *err)
{
    return or_errf(err, OR_EUNSUPPORTED, "%s: not implemented on %s", op, be->name);
}

static or_status instance(const char *op, const or_tensor *x, int scale, float eps, or_tensor *y,
                          or_err *err)
{
    OR_TRY(check(op, x, y, err));
    if (scale && !(eps > 0))
        return or_errf(err, OR_EINVAL, "%s: %s: eps %g must be positive", op, nm(x), (double)eps);
    const struct or_ops_norm *t = x->be->fam.norm;
    if (!t || !t->instance_norm)
        return missing(op, x->be, err);
    return t->instance_norm(x->be, x, scale, eps, y, err);
}

or_status or_instance_norm(const or_tensor *x, float eps, or_tensor *y, or_err *err)
{
    return instance("instance_norm", x, 1, eps, y, err);
}

or_status or_spatial_center(const or_tensor *x, or_tensor *y, or_err *err)
{
    return instance("spatial_center", x, 0, 0.0f, y, err);
}

or_status or_channel_normalize(const or_tensor *x, float eps, or_tensor *y, or_err *err)
{
    OR_TRY(check("channel_normalize", x, y, err));
    if (!(eps >= 0))
        return or_errf(err, OR_EINVAL, "channel_normalize: %s: eps %g must be >= 0", nm(x),
                       (double)eps);
    const struct or_ops_norm *t = x->be->fam.norm;
    if (!t || !t->channel_normalize)
        return missing("channel_normalize", x->be, err);
    return t->channel_normalize(x->be, x, eps, y, err);
}
