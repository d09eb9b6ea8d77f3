// eltwise_cuda.cu: elementwise CUDA kernels (the CPU twins are in eltwise_cpu.c).
// Templated on the storage type; arithmetic in f32 as on the CPU.
#include <cuda_fp16.h>

#include "cuda_common.cuh"
#include "cuda_eltwise.cuh"
#include "kernels_cuda.h"


template <typename T>
__global__ void epilogue_kernel(T *y, int c, size_t hw, size_t count, const float *bias, int act,
                                float alpha, const float *prelu, const T *res, float res_scale)
{
    OR_GRID_STRIDE_LOOP(i, count)
    {
        int ch = (int)((i / hw) % (size_t)c);
        float v = ld(y, i) + (bias ? bias[ch] : 0.0f);
        v = act_apply(v, act, alpha, prelu ? prelu[ch] : 0.0f);
        if (res)
            v = v * res_scale + ld(res, i);
        st(y, i, v);
    }
}

cudaError_t epilogue_nchw_cuda(cudaStream_t s, void *y, int f16, int n, int c, size_t hw,
                               const or_epilogue_f32 *ep)
{
    size_t count = (size_t)n * c * hw;
    if (!ep->bias && ep->act == OR_KERNEL_ACT_NONE && !ep->residual)
        return cudaSuccess;
    if (f16)
        epilogue_kernel<<<or_grid_for(count), 256, 0, s>>>((__half *)y, c, hw, count, ep->bias,
                                                         ep->act, ep->alpha, ep->prelu,
                                                         (const __half *)ep->residual, ep->res_scale);
    else
        epilogue_kernel<<<or_grid_for(count), 256, 0, s>>>((float *)y, c, hw, count, ep->bias, ep->act,
                                                         ep->alpha, ep->prelu, ep->residual,
                                                         ep->res_scale);
    return cudaGetLastError();
}

template <typename T>
__global__ void activation_kernel(const T *x, T *y, int c, size_t hw, size_t count, int act,
                                  float alpha, const float *prelu)
{
    OR_GRID_STRIDE_LOOP(i, count)
    {
        int ch = (int)((i / hw) % (size_t)c);
        st(y, i, act_apply(ld(x, i), act, alpha, prelu ? prelu[ch] : 0.0f));
    }
}

cudaError_t activation_nchw_cuda(cudaStream_t s, const void *x, void *y, int f16, int n, int c,
                                 size_t hw, int act, float alpha, const float *prelu)
{
    size_t count = (size_t)n * c * hw;
    if (f16)
        activation_kernel<<<or_grid_for(count), 256, 0, s>>>((const __half *)x, (__half *)y, c, hw,
                                                           count, act, alpha, prelu);
    else
        activation_kernel<<<or_grid_for(count), 256, 0, s>>>((const float *)x, (float *)y, c, hw,
                                                           count, act, alpha, prelu);
    return cudaGetLastError();
}

template <typename T>
__global__ void add_kernel(const T *a, float alpha, const T *b, float beta, T *y, size_t count)
{
    OR_GRID_STRIDE_LOOP(i, count) st(y, i, alpha * ld(a, i) + beta * ld(b, i));
}

cudaError_t add_cuda(cudaStream_t s, const void *a, float alpha, const void *b, float beta, void *y,
                     int f16, size_t count)
{
    if (f16)
        add_kernel<<<or_grid_for(count), 256, 0, s>>>((const __half *)a, alpha, (const __half *)b,
                                                    beta, (__half *)y, count);
    else
        add_kernel<<<or_grid_for(count), 256, 0, s>>>((const float *)a, alpha, (const float *)b, beta,
                                                    (float *)y, count);
    return cudaGetLastError();
}

template <typename T>
__global__ void affine_kernel(const T *x, const float *scale, const float *shift, T *y, int c,
                              size_t hw, size_t count)
{
    OR_GRID_STRIDE_LOOP(i, count)
    {
        int ch = (int)((i / hw) % (size_t)c);
        st(y, i, ld(x, i) * scale[ch] + shift[ch]);
    }
}

cudaError_t channel_affine_nchw_cuda(cudaStream_t s, const void *x, const float *scale,
                                     const float *shift, void *y, int f16, int n, int c, size_t hw)
{
    size_t count = (size_t)n * c * hw;
    if (f16)
        affine_kernel<<<or_grid_for(count), 256, 0, s>>>((const __half *)x, scale, shift, (__half *)y,
                                                       c, hw, count);
    else
        affine_kernel<<<or_grid_for(count), 256, 0, s>>>((const float *)x, scale, shift, (float *)y,
                                                       c, hw, count);
    return cudaGetLastError();
}

template <typename A, typename B> __global__ void cast_kernel(const A *x, B *y, size_t count)
{
    OR_GRID_STRIDE_LOOP(i, count) st(y, i, ld(x, i));
}

cudaError_t cast_cuda(cudaStream_t s, const void *x, int x_f16, void *y, int y_f16, size_t count)
{
    if (x_f16 == y_f16)
        return cudaMemcpyAsync(y, x, count * (x_f16 ? 2 : 4), cudaMemcpyDeviceToDevice, s);
    if (x_f16)
        cast_kernel<<<or_grid_for(count), 256, 0, s>>>((const __half *)x, (float *)y, count);
    else
        cast_kernel<<<or_grid_for(count), 256, 0, s>>>((const float *)x, (__half *)y, count);
    return cudaGetLastError();
}
