// resample_cuda.cu: the CUDA kernels of the "resample" op family
// (resample_kernels_cuda.h; the op table that launches them is
// runtime/core/backend_cuda_resample.cu).
// One thread per output element, grid-stride; storage float or __half, coordinates
// and interpolation in f32 through the same helpers as the C references in
// resample_cpu.c (resample_coords.h).  FMA contraction is avoided with __fmul_rn /
// __fadd_rn so that f32 results match the CPU to the last bits.
#include <cuda_fp16.h>

#include "cuda_common.cuh"
#include "resample_coords.h"
#include "resample_kernels_cuda.h"

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

} // namespace

cudaError_t resize_bilinear_cuda(cudaStream_t st, const void *x, void *y, int f16, size_t planes,
                                 int h, int w, int ho, int wo, float scale_h, float scale_w,
                                 int align_corners)
{
    size_t count = planes * ho * wo;
    if (f16)
        resize_bilinear_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const __half *)x, (__half *)y, h, w, ho, wo, scale_h, scale_w, align_corners, count);
    else
        resize_bilinear_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const float *)x, (float *)y, h, w, ho, wo, scale_h, scale_w, align_corners, count);
    return cudaGetLastError();
}

cudaError_t resize_nearest_cuda(cudaStream_t st, const void *x, void *y, int f16, size_t planes,
                                int h, int w, int ho, int wo, float scale_h, float scale_w)
{
    size_t count = planes * ho * wo;
    if (f16)
        resize_nearest_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const __half *)x, (__half *)y, h, w, ho, wo, scale_h, scale_w, count);
    else
        resize_nearest_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const float *)x, (float *)y, h, w, ho, wo, scale_h, scale_w, count);
    return cudaGetLastError();
}

cudaError_t warp_bilinear_cuda(cudaStream_t st, const void *x, const void *flow, void *y, int f16,
                               int n, int c, int h, int w, int align_corners, int border)
{
    size_t count = (size_t)n * h * w;
    if (f16)
        warp_bilinear_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const __half *)x, (const __half *)flow, (__half *)y, c, h, w, align_corners, border,
            count);
    else
        warp_bilinear_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const float *)x, (const float *)flow, (float *)y, c, h, w, align_corners, border,
            count);
    return cudaGetLastError();
}
