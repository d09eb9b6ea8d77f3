// math_cuda.cu: the CUDA kernels of the "math" op family (runtime/core/ops_math.h).
// Templated on the storage type (float or __half); arithmetic in f32.  The
// plain-C references are in math_cpu.c.
#include <cuda_fp16.h>

#include "runtime/core/backend_cuda.h"
#include "runtime/core/ops_math.h"
#include "cuda_common.cuh"

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

int is_f16(const or_tensor *t) { return t->dtype == OR_F16; }

or_status cuda_mul(or_backend *be, const or_tensor *a, const or_tensor *b, or_tensor *y,
                   or_err *err)
{
    size_t count = or_numel(a), hw = (size_t)a->h * a->w;
    int bc = b->c == a->c;
    cudaStream_t st = or_cuda_stream(be);
    if (is_f16(a))
        mul_kernel<<<or_grid_for(count), 256, 0, st>>>((const __half *)a->data,
                                                       (const __half *)b->data, (__half *)y->data,
                                                       a->c, hw, bc, count);
    else
        mul_kernel<<<or_grid_for(count), 256, 0, st>>>((const float *)a->data,
                                                       (const float *)b->data, (float *)y->data,
                                                       a->c, hw, bc, count);
    return or_launched("mul", err);
}

or_status cuda_scale_shift(or_backend *be, const or_tensor *x, float alpha, float beta,
                           or_tensor *y, or_err *err)
{
    size_t count = or_numel(x);
    cudaStream_t st = or_cuda_stream(be);
    if (is_f16(x))
        scale_shift_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const __half *)x->data, alpha, beta, (__half *)y->data, count);
    else
        scale_shift_kernel<<<or_grid_for(count), 256, 0, st>>>((const float *)x->data, alpha,
                                                               beta, (float *)y->data, count);
    return or_launched("scale_shift", err);
}

or_status cuda_fill(or_backend *be, or_tensor *y, float v, or_err *err)
{
    size_t count = or_numel(y);
    cudaStream_t st = or_cuda_stream(be);
    if (is_f16(y))
        fill_kernel<<<or_grid_for(count), 256, 0, st>>>((__half *)y->data, v, count);
    else
        fill_kernel<<<or_grid_for(count), 256, 0, st>>>((float *)y->data, v, count);
    return or_launched("fill", err);
}

or_status cuda_clamp(or_backend *be, const or_tensor *x, float lo, float hi, or_tensor *y,
                     or_err *err)
{
    size_t count = or_numel(x);
    cudaStream_t st = or_cuda_stream(be);
    if (is_f16(x))
        clamp_kernel<<<or_grid_for(count), 256, 0, st>>>((const __half *)x->data, lo, hi,
                                                         (__half *)y->data, count);
    else
        clamp_kernel<<<or_grid_for(count), 256, 0, st>>>((const float *)x->data, lo, hi,
                                                         (float *)y->data, count);
    return or_launched("clamp", err);
}

} // namespace

extern "C" const struct or_ops_math or_ops_math_cuda = {cuda_mul, cuda_scale_shift, cuda_fill,
                                                        cuda_clamp};
