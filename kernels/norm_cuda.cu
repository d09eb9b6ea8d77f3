// norm_cuda.cu: the CUDA kernels of the "norm" op family (norm_kernels_cuda.h;
// the op table that launches them is runtime/core/backend_cuda_norm.cu).
// Templated on the storage type (float or __half); sums in f32.  The plain-C
// references are in norm_cpu.c.
#include <cuda_fp16.h>
#include <math.h>

#include "cuda_common.cuh"
#include "norm_kernels_cuda.h"

namespace {

__device__ __forceinline__ float ldf(const float *p, size_t i) { return p[i]; }
__device__ __forceinline__ float ldf(const __half *p, size_t i) { return __half2float(p[i]); }
__device__ __forceinline__ void stf(float *p, size_t i, float v) { p[i] = v; }
__device__ __forceinline__ void stf(__half *p, size_t i, float v) { p[i] = __float2half_rn(v); }

// Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread gets it.
__device__ float block_sum(float v, float *red)
{
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_xor_sync(0xffffffffu, v, o);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    __syncthreads(); // red may still be read by the previous reduction
    if (lane == 0)
        red[warp] = v;
    __syncthreads();
    v = lane < nw ? red[lane] : 0.0f;
    for (int o = 16; o > 0; o >>= 1)
        v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

// C reference: instance_norm_f32 (mean first, then the variance around it).
template <typename T>
__global__ void instance_norm_kernel(const T *x, T *y, size_t hw, int scale, float eps)
{
    __shared__ float red[32];
    const T *xr = x + (size_t)blockIdx.x * hw;
    T *yr = y + (size_t)blockIdx.x * hw;
    float s = 0.0f;
    for (size_t i = threadIdx.x; i < hw; i += blockDim.x)
        s += ldf(xr, i);
    float mean = block_sum(s, red) / (float)hw;
    float ss = 0.0f;
    for (size_t i = threadIdx.x; i < hw; i += blockDim.x) {
        float d = ldf(xr, i) - mean;
        ss += d * d;
    }
    ss = block_sum(ss, red);
    float inv = scale ? 1.0f / sqrtf(ss / (float)hw + eps) : 1.0f;
    for (size_t i = threadIdx.x; i < hw; i += blockDim.x)
        stf(yr, i, (ldf(xr, i) - mean) * inv);
}

// C reference: channel_normalize_f32.  One thread per pixel; the channel loop reads
// consecutive pixels across the threads of a warp (coalesced).
template <typename T>
__global__ void channel_normalize_kernel(const T *x, T *y, int c, size_t hw, float eps,
                                         size_t count)
{
    OR_GRID_STRIDE_LOOP(i, count)
    {
        size_t b = i / hw, p = i % hw, base = b * (size_t)c * hw + p;
        float ss = 0.0f;
        for (int k = 0; k < c; k++) {
            float v = ldf(x, base + (size_t)k * hw);
            ss += v * v;
        }
        float d = sqrtf(ss) + eps;
        for (int k = 0; k < c; k++)
            stf(y, base + (size_t)k * hw, ldf(x, base + (size_t)k * hw) / d);
    }
}

} // namespace

cudaError_t instance_norm_cuda(cudaStream_t st, const void *x, void *y, int f16, unsigned rows,
                               size_t hw, int scale, float eps)
{
    if (rows == 0)
        return cudaSuccess;
    if (f16)
        instance_norm_kernel<<<rows, 256, 0, st>>>((const __half *)x, (__half *)y, hw, scale, eps);
    else
        instance_norm_kernel<<<rows, 256, 0, st>>>((const float *)x, (float *)y, hw, scale, eps);
    return cudaGetLastError();
}

cudaError_t channel_normalize_cuda(cudaStream_t st, const void *x, void *y, int f16, int n, int c,
                                   size_t hw, float eps)
{
    size_t count = (size_t)n * hw;
    if (f16)
        channel_normalize_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const __half *)x, (__half *)y, c, hw, eps, count);
    else
        channel_normalize_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const float *)x, (float *)y, c, hw, eps, count);
    return cudaGetLastError();
}
