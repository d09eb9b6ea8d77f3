/* resample_cpu.c: the plain-C kernels of the "resample" op family
 * (runtime/ops_resample.h), threaded with OpenMP over output rows.  The
 * coordinate rules (resample_coords.h) are PyTorch's, in f32; the CUDA twins
 * in resample_cuda.cu share them. */
#include <math.h>

#include "../runtime/ops_resample.h"
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

/* grid_sample's bilinear: the four corners around (ix, iy), each weighted by the
 * area opposite, corners outside the image contributing zero. */
void warp_bilinear_f32(const float *x, const float *flow, float *y, int n, int c, int h, int w,
                       int align_corners, int border)
{
    size_t hw = (size_t)h * w;
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < n; b++)
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                size_t pix = (size_t)i * w + j;
                const float *fl = flow + (size_t)b * 2 * hw;
                float ix = rs_warp_coord(j, fl[pix], w, align_corners, border);
                float iy = rs_warp_coord(i, fl[hw + pix], h, align_corners, border);
                float fx0 = floorf(ix), fy0 = floorf(iy);
                int x0 = (int)fx0, y0 = (int)fy0, x1 = x0 + 1, y1 = y0 + 1;
                float wx1 = ix - fx0, wx0 = (fx0 + 1.0f) - ix;
                float wy1 = iy - fy0, wy0 = (fy0 + 1.0f) - iy;
                int in_x0 = x0 >= 0 && x0 < w, in_x1 = x1 >= 0 && x1 < w;
                int in_y0 = y0 >= 0 && y0 < h, in_y1 = y1 >= 0 && y1 < h;
                for (int k = 0; k < c; k++) {
                    const float *xp = x + ((size_t)b * c + k) * hw;
                    float v = 0.0f;
                    if (in_y0 && in_x0) v += xp[(size_t)y0 * w + x0] * (wx0 * wy0);
                    if (in_y0 && in_x1) v += xp[(size_t)y0 * w + x1] * (wx1 * wy0);
                    if (in_y1 && in_x0) v += xp[(size_t)y1 * w + x0] * (wx0 * wy1);
                    if (in_y1 && in_x1) v += xp[(size_t)y1 * w + x1] * (wx1 * wy1);
                    y[((size_t)b * c + k) * hw + pix] = v;
                }
            }
}

static or_status cpu_resize_bilinear(or_backend *be, const or_tensor *x, int align_corners,
                                     double scale_h, double scale_w, or_tensor *y, or_err *err)
{
    (void)be, (void)err;
    resize_bilinear_f32(x->data, y->data, (size_t)x->n * x->c, x->h, x->w, y->h, y->w,
                        rs_linear_scale(x->h, y->h, align_corners, scale_h),
                        rs_linear_scale(x->w, y->w, align_corners, scale_w), align_corners);
    return OR_OK;
}

static or_status cpu_resize_nearest(or_backend *be, const or_tensor *x, double scale_h,
                                    double scale_w, or_tensor *y, or_err *err)
{
    (void)be, (void)err;
    resize_nearest_f32(x->data, y->data, (size_t)x->n * x->c, x->h, x->w, y->h, y->w,
                       rs_nearest_scale(x->h, y->h, scale_h), rs_nearest_scale(x->w, y->w, scale_w));
    return OR_OK;
}

static or_status cpu_warp_bilinear(or_backend *be, const or_tensor *x, const or_tensor *flow,
                                   or_grid_pad pad, int align_corners, or_tensor *y, or_err *err)
{
    (void)be, (void)err;
    warp_bilinear_f32(x->data, flow->data, y->data, x->n, x->c, x->h, x->w, align_corners,
                      pad == OR_GRID_PAD_BORDER);
    return OR_OK;
}

const struct or_ops_resample or_ops_resample_cpu = {cpu_resize_bilinear, cpu_resize_nearest,
                                                    cpu_warp_bilinear};
