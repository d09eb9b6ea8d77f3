/* layout_cpu.c: layout kernels on the CPU (pixel shuffle / unshuffle, nearest
 * upsampling), threaded with OpenMP over output rows.  They only move values,
 * so results are bit-exact.  The CUDA twins are in layout_cuda.cu.
 * Shapes are the input's (n, c, h, w); outputs are contiguous NCHW. */
#include <string.h>

#include "kernels.h"
#include "simd_cpu.h"

/* y[2j] = a[j], y[2j+1] = b[j]: pixel_shuffle's row for r = 2 (RIFE, the SR upsamplers), one
 * vectorised loop (AVX-512 / AVX2 / baseline, chosen at run time) instead of a division per pixel. */
CPU_CLONES static void interleave2(const float *a, const float *b, int w, float *y)
{
    for (int j = 0; j < w; j++) {
        y[2 * j] = a[j];
        y[2 * j + 1] = b[j];
    }
}

/* y[b, k, oh, ow] = x[b, k*r*r + (oh%r)*r + ow%r, oh/r, ow/r],  y [n, c/(r*r), h*r, w*r] */
void pixel_shuffle_f32(const float *x, float *y, int n, int c, int h, int w, int r)
{
    int co = c / (r * r), ho = h * r, wo = w * r;
#pragma omp parallel for collapse(3) schedule(static)
    for (int b = 0; b < n; b++)
        for (int k = 0; k < co; k++)
            for (int oh = 0; oh < ho; oh++) {
                float *yr = y + (((size_t)b * co + k) * ho + oh) * wo;
                size_t xc = (size_t)b * c + (size_t)k * r * r + (size_t)(oh % r) * r;
                const float *xr = x + (xc * h + oh / r) * w; /* + (ow%r)*h*w + ow/r */
                size_t plane = (size_t)h * w;
                if (r == 2) {
                    interleave2(xr, xr + plane, w, yr);
                    continue;
                }
                for (int ow = 0; ow < wo; ow++)
                    yr[ow] = xr[(ow % r) * plane + ow / r];
            }
}

/* y[b, k*r*r + i*r + j, oh, ow] = x[b, k, oh*r + i, ow*r + j],  y [n, c*r*r, h/r, w/r] */
void pixel_unshuffle_f32(const float *x, float *y, int n, int c, int h, int w, int r)
{
    int co = c * r * r, ho = h / r, wo = w / r;
#pragma omp parallel for collapse(3) schedule(static)
    for (int b = 0; b < n; b++)
        for (int q = 0; q < co; q++)
            for (int oh = 0; oh < ho; oh++) {
                int k = q / (r * r), i = q / r % r, j = q % r;
                float *yr = y + (((size_t)b * co + q) * ho + oh) * wo;
                const float *xr = x + (((size_t)b * c + k) * h + (size_t)oh * r + i) * w + j;
                for (int ow = 0; ow < wo; ow++)
                    yr[ow] = xr[(size_t)ow * r];
            }
}

/* y[b, k, oh, ow] = x[b, k, oh/s, ow/s],  y [n, c, h*s, w*s]: per input row, its first output
 * row (each pixel repeated s times; s = 2 unrolled), then s - 1 copies of that row. */
void upsample_nearest_f32(const float *x, float *y, int n, int c, int h, int w, int s)
{
    int ho = h * s, wo = w * s;
#pragma omp parallel for collapse(3) schedule(static)
    for (int b = 0; b < n; b++)
        for (int k = 0; k < c; k++)
            for (int ih = 0; ih < h; ih++) {
                size_t bc = (size_t)b * c + k;
                float *yr = y + (bc * ho + (size_t)ih * s) * wo;
                const float *xr = x + (bc * h + ih) * w;
                if (s == 2)
                    for (int iw = 0; iw < w; iw++)
                        yr[2 * iw] = yr[2 * iw + 1] = xr[iw];
                else
                    for (int iw = 0; iw < w; iw++)
                        for (int j = 0; j < s; j++)
                            yr[iw * s + j] = xr[iw];
                for (int j = 1; j < s; j++)
                    memcpy(yr + (size_t)j * wo, yr, (size_t)wo * sizeof(float));
            }
}
