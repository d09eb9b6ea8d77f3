/* math_cpu.c: the plain-C kernels of the "math" op family (runtime/core/ops_math.h).
 * f32 only (the CPU backend's dtype), threaded with OpenMP.  The CUDA twins are
 * in math_cuda.cu and compute the same expressions in f32. */
#include "runtime/core/ops_math.h"
#include "math_kernels.h"

/* y[b,k,p] = a[b,k,p] * m[b, bc ? k : 0, p]: bc = 1 when m has a's channels. */
void mul_nchw_f32(const float *a, const float *m, float *y, int n, int c, size_t hw, int bc)
{
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < n; b++)
        for (int k = 0; k < c; k++) {
            size_t row = ((size_t)b * c + k) * hw;
            const float *mr = m + ((size_t)b * (bc ? c : 1) + (bc ? k : 0)) * hw;
            for (size_t p = 0; p < hw; p++)
                y[row + p] = a[row + p] * mr[p];
        }
}

void scale_shift_f32(const float *x, float alpha, float beta, float *y, size_t count)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < count; i++)
        y[i] = x[i] * alpha + beta;
}

void fill_f32(float *y, float v, size_t count)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < count; i++)
        y[i] = v;
}

/* min(max(x, lo), hi); NaN stays NaN (as torch.clamp). */
void clamp_f32(const float *x, float lo, float hi, float *y, size_t count)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < count; i++) {
        float v = x[i];
        y[i] = v < lo ? lo : v > hi ? hi : v;
    }
}

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
