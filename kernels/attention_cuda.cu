// attention_cuda.cu: the CUDA kernel of the "attention" op family
// (attention_kernels_cuda.h): the row softmax of the scores; the cuBLAS GEMMs and
// the op table are runtime/core/backend_cuda_attention.cu.
#include <cuda_fp16.h>
#include <math.h>

#include "attention_kernels_cuda.h"
#include "cuda_common.cuh"

namespace {

__device__ inline void st(float *p, size_t i, float v) { p[i] = v; }
__device__ inline void st(__half *p, size_t i, float v) { p[i] = __float2half_rn(v); }

// Reduce over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
template <bool IsMax>
__device__ float block_reduce(float v, float *red)
{
    for (int o = 16; o > 0; o >>= 1) {
        float u = __shfl_xor_sync(0xffffffffu, v, o);
        v = IsMax ? fmaxf(v, u) : v + u;
    }
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    __syncthreads(); // red may still be read from a previous reduction
    if (lane == 0)
        red[warp] = v;
    __syncthreads();
    v = lane < nw ? red[lane] : (IsMax ? -INFINITY : 0.0f);
    for (int o = 16; o > 0; o >>= 1) {
        float u = __shfl_xor_sync(0xffffffffu, v, o);
        v = IsMax ? fmaxf(v, u) : v + u;
    }
    return v;
}

// One block per row of s [rows, n] (f32): out = softmax(row), max subtracted.
// out may be s itself (each element is read and written by the same thread).
template <typename TO>
__global__ void softmax_rows_kernel(const float *s, TO *out, int n)
{
    __shared__ float red[32];
    const float *v = s + (size_t)blockIdx.x * n;
    TO *o = out + (size_t)blockIdx.x * n;
    float m = -INFINITY;
    for (int i = threadIdx.x; i < n; i += blockDim.x)
        m = fmaxf(m, v[i]);
    m = block_reduce<true>(m, red);
    float sum = 0.0f;
    for (int i = threadIdx.x; i < n; i += blockDim.x)
        sum += expf(v[i] - m);
    sum = block_reduce<false>(sum, red);
    float inv = 1.0f / sum;
    for (int i = threadIdx.x; i < n; i += blockDim.x)
        st(o, i, expf(v[i] - m) * inv);
}

} // namespace

cudaError_t softmax_rows_cuda(cudaStream_t st, const float *s, void *out, int out_f16,
                              unsigned rows, int n)
{
    if (out_f16)
        softmax_rows_kernel<<<rows, 256, 0, st>>>(s, (__half *)out, n);
    else
        softmax_rows_kernel<<<rows, 256, 0, st>>>(s, (float *)out, n);
    return cudaGetLastError();
}
