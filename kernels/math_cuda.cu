// math_cuda.cu: the CUDA kernels of the "math" op family (math_kernels_cuda.h; the
// op table that launches them is runtime/core/backend_cuda_math.cu).
// Templated on the storage type (float or __half); arithmetic in f32.  The
// plain-C references are in math_cpu.c.
#include <cuda_fp16.h>

#include "cuda_common.cuh"
#include "math_kernels_cuda.h"

namespace {

__device__ __forceinline__ float ldf(const float *p, size_t i) { return p[i]; }
__device__ __forceinline__ float ldf(const __half *p, size_t i) { return __half2float(p[i]); }
__device__ __forceinline__ void stf(float *p, size_t i, float v) { p[i] = v; }
__device__ __forceinline__ void stf(__half *p, size_t i, float v) { p[i] = __float2half_rn(v); }

// C reference: mul_nchw_f32.  y[b,k,p] = a[b,k,p] * m[b, bc ? k : 0, p]
template <typename T>
__global__ void mul_kernel(const T *a, const T *m, T *y, int c, size_t hw, int bc, size_t count)
{
    OR_GRID_STRIDE_LOOP(i, count)
    {
        size_t p = i % hw, bk = i / hw;
        size_t mi = bc ? i : (bk / (size_t)c) * hw + p;
        stf(y, i, __fmul_rn(ldf(a, i), ldf(m, mi)));
    }
}

// C reference: scale_shift_f32.  y = x * alpha + beta (fused as the CPU may fuse: the
// difference is one f32 rounding, inside the 1e-5 tolerance).
template <typename T>
__global__ void scale_shift_kernel(const T *x, float alpha, float beta, T *y, size_t count)
{
    OR_GRID_STRIDE_LOOP(i, count) stf(y, i, fmaf(ldf(x, i), alpha, beta));
}

template <typename T> __global__ void fill_kernel(T *y, float v, size_t count)
{
    OR_GRID_STRIDE_LOOP(i, count) stf(y, i, v);
}

// C reference: clamp_f32 (NaN stays NaN).
template <typename T>
__global__ void clamp_kernel(const T *x, float lo, float hi, T *y, size_t count)
{
    OR_GRID_STRIDE_LOOP(i, count)
    {
        float v = ldf(x, i);
        stf(y, i, v < lo ? lo : v > hi ? hi : v);
    }
}

} // namespace

// Launchers: T is float (f16 == 0) or __half (f16 == 1); count elements; the
// launch error (cudaGetLastError) is returned, nothing is synchronised.
template <typename T> static T *P(void *p) { return (T *)p; }
template <typename T> static const T *P(const void *p) { return (const T *)p; }

cudaError_t mul_cuda(cudaStream_t st, const void *a, const void *m, void *y, int f16, int c,
                     size_t hw, int bc, size_t count)
{
    if (f16)
        mul_kernel<<<or_grid_for(count), 256, 0, st>>>(P<__half>(a), P<__half>(m), P<__half>(y),
                                                       c, hw, bc, count);
    else
        mul_kernel<<<or_grid_for(count), 256, 0, st>>>(P<float>(a), P<float>(m), P<float>(y), c,
                                                       hw, bc, count);
    return cudaGetLastError();
}

cudaError_t scale_shift_cuda(cudaStream_t st, const void *x, float alpha, float beta, void *y,
                             int f16, size_t count)
{
    if (f16)
        scale_shift_kernel<<<or_grid_for(count), 256, 0, st>>>(P<__half>(x), alpha, beta,
                                                               P<__half>(y), count);
    else
        scale_shift_kernel<<<or_grid_for(count), 256, 0, st>>>(P<float>(x), alpha, beta,
                                                               P<float>(y), count);
    return cudaGetLastError();
}

cudaError_t fill_cuda(cudaStream_t st, void *y, float v, int f16, size_t count)
{
    if (f16)
        fill_kernel<<<or_grid_for(count), 256, 0, st>>>(P<__half>(y), v, count);
    else
        fill_kernel<<<or_grid_for(count), 256, 0, st>>>(P<float>(y), v, count);
    return cudaGetLastError();
}

cudaError_t clamp_cuda(cudaStream_t st, const void *x, float lo, float hi, void *y, int f16,
                       size_t count)
{
    if (f16)
        clamp_kernel<<<or_grid_for(count), 256, 0, st>>>(P<__half>(x), lo, hi, P<__half>(y),
                                                         count);
    else
        clamp_kernel<<<or_grid_for(count), 256, 0, st>>>(P<float>(x), lo, hi, P<float>(y), count);
    return cudaGetLastError();
}
