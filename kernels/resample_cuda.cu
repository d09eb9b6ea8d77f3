// resample_cuda.cu: the CUDA kernels of the "resample" op family (runtime/core/ops_resample.h).
// One thread per output element, grid-stride; storage float or __half, coordinates
// and interpolation in f32 through the same helpers as the C references in
// resample_cpu.c (resample_coords.h).  FMA contraction is avoided with __fmul_rn /
// __fadd_rn so that f32 results match the CPU to the last bits.
#include <cuda_fp16.h>

#include "runtime/core/backend_cuda.h"
#include "runtime/core/ops_resample.h"
#include "cuda_common.cuh"
#include "resample_coords.h"

namespace {

__device__ __forceinline__ float ldf(const float *p, size_t i) { return p[i]; }
__device__ __forceinline__ float ldf(const __half *p, size_t i) { return __half2float(p[i]); }
__device__ __forceinline__ void stf(float *p, size_t i, float v) { p[i] = v; }
__device__ __forceinline__ void stf(__half *p, size_t i, float v) { p[i] = __float2half_rn(v); }

// a*wa + b*wb without contraction (as the C reference computes it).
__device__ __forceinline__ float lerp2(float a, float wa, float b, float wb)
{
    return __fadd_rn(__fmul_rn(wa, a), __fmul_rn(wb, b));
}

// C reference: resize_bilinear_f32
template <typename T>
__global__ void resize_bilinear_kernel(const T *x, T *y, int h, int w, int ho, int wo,
                                       float scale_h, float scale_w, int align, size_t count)
{
    OR_GRID_STRIDE_LOOP(i, count)
    {
        int ow = (int)(i % wo), oh = (int)(i / wo % ho);
        size_t p = i / wo / ho;
        rs_taps th = rs_linear_taps(scale_h, oh, h, align);
        rs_taps tw = rs_linear_taps(scale_w, ow, w, align);
        size_t r0 = (p * h + th.i0) * w, r1 = (p * h + th.i1) * w;
        float top = lerp2(ldf(x, r0 + tw.i0), tw.l0, ldf(x, r0 + tw.i1), tw.l1);
        float bot = lerp2(ldf(x, r1 + tw.i0), tw.l0, ldf(x, r1 + tw.i1), tw.l1);
        stf(y, i, lerp2(top, th.l0, bot, th.l1));
    }
}

// C reference: resize_nearest_f32
template <typename T>
__global__ void resize_nearest_kernel(const T *x, T *y, int h, int w, int ho, int wo,
                                      float scale_h, float scale_w, size_t count)
{
    OR_GRID_STRIDE_LOOP(i, count)
    {
        int ow = (int)(i % wo), oh = (int)(i / wo % ho);
        size_t p = i / wo / ho;
        int sy = rs_nearest_index(scale_h, oh, h, ho), sx = rs_nearest_index(scale_w, ow, w, wo);
        y[i] = x[(p * h + sy) * w + sx];
    }
}

// C reference: warp_bilinear_f32.  One thread per output pixel, looping over channels.
template <typename T>
__global__ void warp_bilinear_kernel(const T *x, const T *flow, T *y, int c, int h, int w,
                                     int align, int border, size_t count)
{
    size_t hw = (size_t)h * w;
    OR_GRID_STRIDE_LOOP(i, count)
    {
        size_t pix = i % hw, b = i / hw;
        int row = (int)(pix / w), col = (int)(pix % w);
        const T *fl = flow + b * 2 * hw;
        float ix = rs_warp_coord(col, ldf(fl, pix), w, align, border);
        float iy = rs_warp_coord(row, ldf(fl, hw + pix), h, align, border);
        float fx0 = floorf(ix), fy0 = floorf(iy);
        int x0 = (int)fx0, y0 = (int)fy0, x1 = x0 + 1, y1 = y0 + 1;
        float wx1 = __fsub_rn(ix, fx0), wx0 = __fsub_rn(__fadd_rn(fx0, 1.0f), ix);
        float wy1 = __fsub_rn(iy, fy0), wy0 = __fsub_rn(__fadd_rn(fy0, 1.0f), iy);
        float w00 = __fmul_rn(wx0, wy0), w01 = __fmul_rn(wx1, wy0);
        float w10 = __fmul_rn(wx0, wy1), w11 = __fmul_rn(wx1, wy1);
        bool in_x0 = x0 >= 0 && x0 < w, in_x1 = x1 >= 0 && x1 < w;
        bool in_y0 = y0 >= 0 && y0 < h, in_y1 = y1 >= 0 && y1 < h;
        for (int k = 0; k < c; k++) {
            const T *xp = x + (b * c + k) * hw;
            float v = 0.0f;
            if (in_y0 && in_x0) v = __fadd_rn(v, __fmul_rn(ldf(xp, (size_t)y0 * w + x0), w00));
            if (in_y0 && in_x1) v = __fadd_rn(v, __fmul_rn(ldf(xp, (size_t)y0 * w + x1), w01));
            if (in_y1 && in_x0) v = __fadd_rn(v, __fmul_rn(ldf(xp, (size_t)y1 * w + x0), w10));
            if (in_y1 && in_x1) v = __fadd_rn(v, __fmul_rn(ldf(xp, (size_t)y1 * w + x1), w11));
            stf(y, (b * c + k) * hw + pix, v);
        }
    }
}

int is_f16(const or_tensor *t) { return t->dtype == OR_F16; }

or_status cuda_resize_bilinear(or_backend *be, const or_tensor *x, int align_corners,
                               double scale_h, double scale_w, or_tensor *y, or_err *err)
{
    size_t count = or_numel(y);
    float sh = rs_linear_scale(x->h, y->h, align_corners, scale_h);
    float sw = rs_linear_scale(x->w, y->w, align_corners, scale_w);
    cudaStream_t st = or_cuda_stream(be);
    if (is_f16(x))
        resize_bilinear_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const __half *)x->data, (__half *)y->data, x->h, x->w, y->h, y->w, sh, sw,
            align_corners, count);
    else
        resize_bilinear_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const float *)x->data, (float *)y->data, x->h, x->w, y->h, y->w, sh, sw,
            align_corners, count);
    return or_launched("resize_bilinear", err);
}

or_status cuda_resize_nearest(or_backend *be, const or_tensor *x, double scale_h, double scale_w,
                              or_tensor *y, or_err *err)
{
    size_t count = or_numel(y);
    float sh = rs_nearest_scale(x->h, y->h, scale_h), sw = rs_nearest_scale(x->w, y->w, scale_w);
    cudaStream_t st = or_cuda_stream(be);
    if (is_f16(x))
        resize_nearest_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const __half *)x->data, (__half *)y->data, x->h, x->w, y->h, y->w, sh, sw, count);
    else
        resize_nearest_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const float *)x->data, (float *)y->data, x->h, x->w, y->h, y->w, sh, sw, count);
    return or_launched("resize_nearest", err);
}

or_status cuda_warp_bilinear(or_backend *be, const or_tensor *x, const or_tensor *flow,
                             or_grid_pad pad, int align_corners, or_tensor *y, or_err *err)
{
    size_t count = (size_t)x->n * x->h * x->w;
    int border = pad == OR_GRID_PAD_BORDER;
    cudaStream_t st = or_cuda_stream(be);
    if (is_f16(x))
        warp_bilinear_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const __half *)x->data, (const __half *)flow->data, (__half *)y->data, x->c, x->h,
            x->w, align_corners, border, count);
    else
        warp_bilinear_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const float *)x->data, (const float *)flow->data, (float *)y->data, x->c, x->h,
            x->w, align_corners, border, count);
    return or_launched("warp_bilinear", err);
}

} // namespace

extern "C" const struct or_ops_resample or_ops_resample_cuda = {
    cuda_resize_bilinear, cuda_resize_nearest, cuda_warp_bilinear};
