// color_cuda.cu: the CUDA kernels of the "color" op family (color_kernels_cuda.h;
// the op table that launches them is runtime/core/backend_cuda_color.cu).
// The per-pixel formulas are color_px.h's (shared with color_cpu.c), in double:
// these ops touch 3 values per pixel, so double math costs nothing visible and
// the results equal the CPU's up to the final rounding.  f32 and f16 storage.
#include <cuda_fp16.h>

#include "color_kernels_cuda.h"
#include "color_px.h"
#include "cuda_common.cuh"

__device__ __forceinline__ double color_ld(const float *p, size_t i) { return p[i]; }
__device__ __forceinline__ double color_ld(const __half *p, size_t i) { return __half2float(p[i]); }
__device__ __forceinline__ void color_st(float *p, size_t i, double v) { p[i] = (float)v; }
__device__ __forceinline__ void color_st(__half *p, size_t i, double v)
{
    p[i] = __float2half_rn((float)v);
}

struct color_minv {
    double m[9];
};

template <typename T>
__global__ void color_kernel(int kind, const T *x, T *y, size_t hw, size_t count, color_minv minv)
{
    OR_GRID_STRIDE_LOOP(i, count)
    {
        size_t b = i / hw, p = i % hw;
        const T *xb = x + b * 3 * hw;
        T *yb = y + b * 3 * hw;
        double in[3] = {color_ld(xb, p), color_ld(xb, hw + p), color_ld(xb, 2 * hw + p)}, out[3];
        color_convert_px(kind, in, minv.m, out);
        color_st(yb, p, out[0]), color_st(yb, hw + p, out[1]), color_st(yb, 2 * hw + p, out[2]);
    }
}

cudaError_t color_convert_cuda(cudaStream_t st, int kind, const void *x, void *y, int f16, int n,
                               size_t hw)
{
    const double m[9] = OR_XYZ_FROM_RGB;
    color_minv minv;
    color_inv3(m, minv.m);
    size_t count = (size_t)n * hw;
    if (f16)
        color_kernel<<<or_grid_for(count), 256, 0, st>>>(kind, (const __half *)x, (__half *)y, hw,
                                                         count, minv);
    else
        color_kernel<<<or_grid_for(count), 256, 0, st>>>(kind, (const float *)x, (float *)y, hw,
                                                         count, minv);
    return cudaGetLastError();
}

// One thread per pixel: two passes over the q class planes (max, then the
// exponentials and the two weighted sums), f32 math as PyTorch's softmax.
template <typename T>
__global__ void class_to_ab_kernel(const T *z, const T *w, float inv_t, float scale, T *y, int q,
                                   size_t hw, size_t count)
{
    OR_GRID_STRIDE_LOOP(i, count)
    {
        size_t b = i / hw, p = i % hw;
        const T *zb = z + b * (size_t)q * hw;
        float mx = (float)color_ld(zb, p);
        for (int k = 1; k < q; k++)
            mx = fmaxf(mx, (float)color_ld(zb, (size_t)k * hw + p));
        float sum = 0.f, a = 0.f, bb = 0.f;
        for (int k = 0; k < q; k++) {
            float e = expf(((float)color_ld(zb, (size_t)k * hw + p) - mx) * inv_t);
            sum += e;
            a += e * (float)color_ld(w, k);
            bb += e * (float)color_ld(w, q + k);
        }
        T *yb = y + b * 2 * hw;
        color_st(yb, p, scale * a / sum);
        color_st(yb, hw + p, scale * bb / sum);
    }
}

cudaError_t class_to_ab_cuda(cudaStream_t st, const void *z, const void *w, float T, float scale,
                             void *y, int f16, int n, int q, size_t hw)
{
    size_t count = (size_t)n * hw;
    if (f16)
        class_to_ab_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const __half *)z, (const __half *)w, 1.0f / T, scale, (__half *)y, q, hw, count);
    else
        class_to_ab_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const float *)z, (const float *)w, 1.0f / T, scale, (float *)y, q, hw, count);
    return cudaGetLastError();
}
