/* color_cpu.c: the plain-C kernels of the "color" op family (color_kernels.h; the
 * op table that calls them is runtime/core/backend_cpu_color.c).
 * One pass over the pixels; the formulas (double math) are in color_px.h. */
#include "color_kernels.h"
#include "color_px.h"

#include <math.h>

/* x, y [n,3,h,w] f32 (y may be x: each pixel is read fully before it is written). */
void color_convert_nchw_f32(int kind, const float *x, float *y, int n, size_t hw)
{
    const double m[9] = OR_XYZ_FROM_RGB;
    double minv[9];
    color_inv3(m, minv);
    for (int b = 0; b < n; b++) {
        const float *xb = x + (size_t)b * 3 * hw;
        float *yb = y + (size_t)b * 3 * hw;
#pragma omp parallel for schedule(static)
        for (long long i = 0; i < (long long)hw; i++) {
            double in[3] = {xb[i], xb[hw + i], xb[2 * hw + i]}, out[3];
            color_convert_px(kind, in, minv, out);
            yb[i] = (float)out[0], yb[hw + i] = (float)out[1], yb[2 * hw + i] = (float)out[2];
        }
    }
}

/* y[b,j,p] = scale * sum_q softmax(z[b,:,p] / T)[q] * w[j*Q + q], double sums. */
void class_to_ab_nchw_f32(const float *z, const float *w, float T, float scale, float *y,
                          int n, int q, size_t hw)
{
    for (int b = 0; b < n; b++) {
        const float *zb = z + (size_t)b * q * hw;
        float *yb = y + (size_t)b * 2 * hw;
#pragma omp parallel for schedule(static)
        for (long long p = 0; p < (long long)hw; p++) {
            double mx = zb[p];
            for (int k = 1; k < q; k++)
                mx = zb[(size_t)k * hw + p] > mx ? zb[(size_t)k * hw + p] : mx;
            double sum = 0, a = 0, bb = 0;
            for (int k = 0; k < q; k++) {
                double e = exp((zb[(size_t)k * hw + p] - mx) / T);
                sum += e, a += e * w[k], bb += e * w[q + k];
            }
            yb[p] = (float)(scale * a / sum);
            yb[hw + p] = (float)(scale * bb / sum);
        }
    }
}
