/* backend_cpu_norm.c: the CPU backend's table of the "norm" op family
 * (ops_norm.h): unpacks the tensors and calls the kernels of kernels/norm_cpu.c. */
#include "kernels/norm_kernels.h"
#include "backend_tables.h"
#include "ops_norm.h"

static or_status f32_only(const char *op, const or_tensor *x, or_err *err)
{
    if (x->dtype == OR_F32)
        return OR_OK;
    return or_errf(err, OR_EUNSUPPORTED, "%s: %s is f16: the CPU backend computes in f32", op,
                   x->name ? x->name : "tensor");
}

static or_status cpu_instance_norm(or_backend *be, const or_tensor *x, int scale, float eps,
                                   or_tensor *y, or_err *err)
{
    (void)be;
    OR_TRY(f32_only("instance_norm", x, err));
    instance_norm_f32(x->data, y->data, x->n * x->c, (size_t)x->h * x->w, scale, eps);
    return OR_OK;
}

static or_status cpu_channel_normalize(or_backend *be, const or_tensor *x, float eps,
                                       or_tensor *y, or_err *err)
{
    (void)be;
    OR_TRY(f32_only("channel_normalize", x, err));
    channel_normalize_f32(x->data, y->data, x->n, x->c, (size_t)x->h * x->w, eps);
    return OR_OK;
}

const struct or_ops_norm or_ops_norm_cpu = {cpu_instance_norm, cpu_channel_normalize};
