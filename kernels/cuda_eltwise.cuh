// cuda_eltwise.cuh: the per-element helpers of the elementwise kernels
// (eltwise_cuda.cu, eltwise_nhwc_cuda.cu): loads and stores of float or __half
// storage with f32 arithmetic, and the activations (OR_KERNEL_ACT_*).
#ifndef OR_CUDA_ELTWISE_CUH
#define OR_CUDA_ELTWISE_CUH

#include <cuda_fp16.h>

#include "kernels.h" // OR_KERNEL_ACT_*

static __device__ __forceinline__ float ld(const float *p, size_t i) { return p[i]; }
static __device__ __forceinline__ float ld(const __half *p, size_t i) { return __half2float(p[i]); }
static __device__ __forceinline__ void st(float *p, size_t i, float v) { p[i] = v; }
static __device__ __forceinline__ void st(__half *p, size_t i, float v) { p[i] = __float2half_rn(v); }

static __device__ __forceinline__ float act_apply(float v, int act, float alpha, float slope)
{
    switch (act) {
    case OR_KERNEL_ACT_RELU: return v > 0.0f ? v : 0.0f;
    case OR_KERNEL_ACT_LEAKY: return v >= 0.0f ? v : v * alpha;
    case OR_KERNEL_ACT_PRELU: return v >= 0.0f ? v : v * slope;
    case OR_KERNEL_ACT_SIGMOID: return 1.0f / (1.0f + expf(-v));
    case OR_KERNEL_ACT_TANH: return tanhf(v);
    default: return v;
    }
}

#endif
