/* math_cpu.c: the plain-C kernels of the "math" op family (math_kernels.h; the
 * op table that calls them is runtime/core/backend_cpu_math.c).
 * f32 only (the CPU backend's dtype), threaded with OpenMP.  The CUDA twins are
 * in math_cuda.cu and compute the same expressions in f32. */
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
