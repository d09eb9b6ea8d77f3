/* norm_cpu.c: the plain-C kernels of the "norm" op family (norm_kernels.h; the
 * op table that calls them is runtime/core/backend_cpu_norm.c).  f32 storage,
 * sums in double, threaded with OpenMP over rows / pixels.  The CUDA twins are
 * in norm_cuda.cu. */
#include <math.h>

#include "norm_kernels.h"

void instance_norm_f32(const float *x, float *y, int rows, size_t hw, int scale, float eps)
{
#pragma omp parallel for schedule(static)
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * hw;
        float *yr = y + (size_t)r * hw;
        double s = 0, ss = 0;
        for (size_t i = 0; i < hw; i++)
            s += xr[i];
        double mean = hw ? s / (double)hw : 0;
        for (size_t i = 0; i < hw; i++) {
            double d = xr[i] - mean;
            ss += d * d;
        }
        double inv = scale ? 1.0 / sqrt(ss / (double)(hw ? hw : 1) + eps) : 1.0;
        for (size_t i = 0; i < hw; i++)
            yr[i] = (float)((xr[i] - mean) * inv);
    }
}

void channel_normalize_f32(const float *x, float *y, int n, int c, size_t hw, float eps)
{
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < n; b++)
        for (size_t p = 0; p < hw; p++) {
            const float *xp = x + (size_t)b * c * hw + p;
            float *yp = y + (size_t)b * c * hw + p;
            double ss = 0;
            for (int k = 0; k < c; k++)
                ss += (double)xp[k * hw] * xp[k * hw];
            float d = (float)sqrt(ss) + eps; /* torch.norm(...) + eps, then a division */
            for (int k = 0; k < c; k++)
                yp[k * hw] = xp[k * hw] / d;
        }
}
