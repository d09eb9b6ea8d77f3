/* backend_cpu_math.c: the CPU backend's table of the "math" op family
 * (ops_math.h): unpacks the tensors and calls the kernels of kernels/math_cpu.c. */
#include "kernels/math_kernels.h"
#include "backend_tables.h"
#include "ops_math.h"

static or_status cpu_mul(or_backend *be, const or_tensor *a, const or_tensor *b, or_tensor *y,
                         or_err *err)
{
    (void)be, (void)err;
    mul_nchw_f32(a->data, b->data, y->data, a->n, a->c, (size_t)a->h * a->w, b->c == a->c);
    return OR_OK;
}

static or_status cpu_scale_shift(or_backend *be, const or_tensor *x, float alpha, float beta,
                                 or_tensor *y, or_err *err)
{
    (void)be, (void)err;
    scale_shift_f32(x->data, alpha, beta, y->data, or_numel(x));
    return OR_OK;
}

static or_status cpu_fill(or_backend *be, or_tensor *y, float v, or_err *err)
{
    (void)be, (void)err;
    fill_f32(y->data, v, or_numel(y));
    return OR_OK;
}

static or_status cpu_clamp(or_backend *be, const or_tensor *x, float lo, float hi, or_tensor *y,
                           or_err *err)
{
    (void)be, (void)err;
    clamp_f32(x->data, lo, hi, y->data, or_numel(x));
    return OR_OK;
}

const struct or_ops_math or_ops_math_cpu = {cpu_mul, cpu_scale_shift, cpu_fill, cpu_clamp};
