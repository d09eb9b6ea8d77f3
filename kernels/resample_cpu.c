/* resample_cpu.c: the plain-C kernels of the "resample" op family
 * (resample_kernels.h; the op table that calls them is
 * runtime/core/backend_cpu_resample.c), threaded with OpenMP over output rows.  The
 * coordinate rules (resample_coords.h) are PyTorch's, in f32; the CUDA twins
 * in resample_cuda.cu share them. */
#include <math.h>

#include "resample_coords.h"
#include "resample_kernels.h"

void resize_bilinear_f32(const float *x, float *y, size_t planes, int h, int w, int ho, int wo,
                         float scale_h, float scale_w, int align_corners)
{
#pragma omp parallel for collapse(2) schedule(static)
    for (size_t p = 0; p < planes; p++)
        for (int oh = 0; oh < ho; oh++) {
            rs_taps th = rs_linear_taps(scale_h, oh, h, align_corners);
            const float *r0 = x + (p * h + th.i0) * w, *r1 = x + (p * h + th.i1) * w;
            float *yr = y + (p * ho + oh) * wo;
            for (int ow = 0; ow < wo; ow++) {
                rs_taps tw = rs_linear_taps(scale_w, ow, w, align_corners);
                float top = tw.l0 * r0[tw.i0] + tw.l1 * r0[tw.i1];
                float bot = tw.l0 * r1[tw.i0] + tw.l1 * r1[tw.i1];
                yr[ow] = th.l0 * top + th.l1 * bot;
            }
        }
}

void resize_nearest_f32(const float *x, float *y, size_t planes, int h, int w, int ho, int wo,
                        float scale_h, float scale_w)
{
#pragma omp parallel for collapse(2) schedule(static)
    for (size_t p = 0; p < planes; p++)
        for (int oh = 0; oh < ho; oh++) {
            const float *xr = x + (p * h + rs_nearest_index(scale_h, oh, h, ho)) * w;
            float *yr = y + (p * ho + oh) * wo;
            for (int ow = 0; ow < wo; ow++)
                yr[ow] = xr[rs_nearest_index(scale_w, ow, w, wo)];
        }
}

/* floorf for the coordinates rs_warp_coord returns (finite, within [-2, size+1]):
 * exact, and without the libm call that floorf is on baseline x86-64. */
static inline int floor_coord(float c)
{
    int t = (int)c;
    return t - ((float)t > c);
}

/* One output pixel's four corners when some fall outside the image: those read zero. */
static void warp_pixel_edge(const float *xb, float *yb, int c, int h, int w, size_t hw, int x0,
                            int y0, float wx0, float wx1, float wy0, float wy1)
{
    int x1 = x0 + 1, y1 = y0 + 1;
    int in_x0 = x0 >= 0 && x0 < w, in_x1 = x1 >= 0 && x1 < w;
    int in_y0 = y0 >= 0 && y0 < h, in_y1 = y1 >= 0 && y1 < h;
    for (int k = 0; k < c; k++) {
        const float *xp = xb + (size_t)k * hw;
        float v = 0.0f;
        if (in_y0 && in_x0) v += xp[(size_t)y0 * w + x0] * (wx0 * wy0);
        if (in_y0 && in_x1) v += xp[(size_t)y0 * w + x1] * (wx1 * wy0);
        if (in_y1 && in_x0) v += xp[(size_t)y1 * w + x0] * (wx0 * wy1);
        if (in_y1 && in_x1) v += xp[(size_t)y1 * w + x1] * (wx1 * wy1);
        yb[(size_t)k * hw] = v;
    }
}

/* grid_sample's bilinear: the four corners around (ix, iy), each weighted by the
 * area opposite, corners outside the image contributing zero.  The sums run in
 * the same order on both paths (and as the CUDA twin's). */
void warp_bilinear_f32(const float *x, const float *flow, float *y, int n, int c, int h, int w,
                       int align_corners, int border)
{
    size_t hw = (size_t)h * w;
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < n; b++)
        for (int i = 0; i < h; i++) {
            const float *fx = flow + (size_t)b * 2 * hw + (size_t)i * w, *fy = fx + hw;
            const float *xb = x + (size_t)b * c * hw;
            float *yr = y + (size_t)b * c * hw + (size_t)i * w;
            for (int j = 0; j < w; j++) {
                float ix = rs_warp_coord(j, fx[j], w, align_corners, border);
                float iy = rs_warp_coord(i, fy[j], h, align_corners, border);
                int x0 = floor_coord(ix), y0 = floor_coord(iy);
                float fx0 = (float)x0, fy0 = (float)y0;
                float wx1 = ix - fx0, wx0 = (fx0 + 1.0f) - ix;
                float wy1 = iy - fy0, wy0 = (fy0 + 1.0f) - iy;
                if (x0 < 0 || x0 + 1 >= w || y0 < 0 || y0 + 1 >= h) {
                    warp_pixel_edge(xb, yr + j, c, h, w, hw, x0, y0, wx0, wx1, wy0, wy1);
                    continue;
                }
                float w00 = wx0 * wy0, w01 = wx1 * wy0, w10 = wx0 * wy1, w11 = wx1 * wy1;
                const float *p = xb + (size_t)y0 * w + x0;
                for (int k = 0; k < c; k++, p += hw) {
                    float v = 0.0f;
                    v += p[0] * w00;
                    v += p[1] * w01;
                    v += p[w] * w10;
                    v += p[w + 1] * w11;
                    yr[(size_t)k * hw + j] = v;
                }
            }
        }
}
