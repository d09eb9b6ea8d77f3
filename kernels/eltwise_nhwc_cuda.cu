// eltwise_nhwc_cuda.cu: elementwise CUDA kernels on NHWC tensors with pixel strides
// (the CPU twins are in eltwise_nhwc_cpu.c, the NCHW kernels in eltwise_cuda.cu).
// `pixels` = n*h*w pixels of c channels; element (p, ch) of a tensor with pixel
// stride ld is at p*ld + ch.  One thread per element, channel fastest, so
// neighbouring threads touch neighbouring addresses.  Storage is float or __half,
// arithmetic in f32 in the same order as the NCHW kernels.
#include <cuda_fp16.h>

#include "cuda_common.cuh"
#include "cuda_eltwise.cuh"
#include "kernels_cuda.h"

namespace {

// Calls f(p, ch) for every element of pixels x c, grid-stride.  The (pixel, channel)
// pair advances by the constant grid step without a 64-bit division per element.
template <typename F> __device__ __forceinline__ void for_each_nhwc(size_t pixels, int c, F f)
{
    size_t count = pixels * (size_t)c;
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    size_t step = (size_t)gridDim.x * blockDim.x;
    if (i >= count)
        return;
    size_t p = i / (size_t)c, dp = step / (size_t)c;
    int ch = (int)(i % (size_t)c), dc = (int)(step % (size_t)c);
    for (; i < count; i += step) {
        f(p, ch);
        p += dp;
        ch += dc;
        if (ch >= c) {
            ch -= c;
            p++;
        }
    }
}

template <typename T>
__global__ void epilogue_nhwc_kernel(T *y, int ldy, size_t pixels, int c, const float *bias,
                                     int act, float alpha, const float *prelu, const T *res,
                                     int ldr, float res_scale)
{
    for_each_nhwc(pixels, c, [&](size_t p, int ch) {
        size_t iy = p * (size_t)ldy + ch;
        float v = ld(y, iy) + (bias ? bias[ch] : 0.0f);
        v = act_apply(v, act, alpha, prelu ? prelu[ch] : 0.0f);
        if (res)
            v = v * res_scale + ld(res, p * (size_t)ldr + ch);
        st(y, iy, v);
    });
}

template <typename T>
__global__ void activation_nhwc_kernel(const T *x, int ldx, T *y, int ldy, size_t pixels, int c,
                                       int act, float alpha, const float *prelu)
{
    for_each_nhwc(pixels, c, [&](size_t p, int ch) {
        float v = act_apply(ld(x, p * (size_t)ldx + ch), act, alpha, prelu ? prelu[ch] : 0.0f);
        st(y, p * (size_t)ldy + ch, v);
    });
}

template <typename T>
__global__ void add_nhwc_kernel(const T *a, int lda, float alpha, const T *b, int ldb, float beta,
                                T *y, int ldy, size_t pixels, int c)
{
    for_each_nhwc(pixels, c, [&](size_t p, int ch) {
        st(y, p * (size_t)ldy + ch,
           alpha * ld(a, p * (size_t)lda + ch) + beta * ld(b, p * (size_t)ldb + ch));
    });
}

template <typename A, typename B>
__global__ void cast_nhwc_kernel(const A *x, int ldx, B *y, int ldy, size_t pixels, int c)
{
    for_each_nhwc(pixels, c, [&](size_t p, int ch) {
        st(y, p * (size_t)ldy + ch, ld(x, p * (size_t)ldx + ch));
    });
}

} // namespace

cudaError_t epilogue_nhwc_cuda(cudaStream_t s, void *y, int ldy, int f16, size_t pixels, int c,
                               const or_epilogue_f32 *ep, int ldr)
{
    size_t count = pixels * (size_t)c;
    if (!count || (!ep->bias && ep->act == OR_KERNEL_ACT_NONE && !ep->residual))
        return cudaSuccess;
    if (f16)
        epilogue_nhwc_kernel<<<or_grid_for(count), 256, 0, s>>>(
            (__half *)y, ldy, pixels, c, ep->bias, ep->act, ep->alpha, ep->prelu,
            (const __half *)ep->residual, ldr, ep->res_scale);
    else
        epilogue_nhwc_kernel<<<or_grid_for(count), 256, 0, s>>>(
            (float *)y, ldy, pixels, c, ep->bias, ep->act, ep->alpha, ep->prelu, ep->residual, ldr,
            ep->res_scale);
    return cudaGetLastError();
}

cudaError_t activation_nhwc_cuda(cudaStream_t s, const void *x, int ldx, void *y, int ldy, int f16,
                                 size_t pixels, int c, int act, float alpha, const float *prelu)
{
    size_t count = pixels * (size_t)c;
    if (!count)
        return cudaSuccess;
    if (f16)
        activation_nhwc_kernel<<<or_grid_for(count), 256, 0, s>>>(
            (const __half *)x, ldx, (__half *)y, ldy, pixels, c, act, alpha, prelu);
    else
        activation_nhwc_kernel<<<or_grid_for(count), 256, 0, s>>>(
            (const float *)x, ldx, (float *)y, ldy, pixels, c, act, alpha, prelu);
    return cudaGetLastError();
}

cudaError_t add_nhwc_cuda(cudaStream_t s, const void *a, int lda, float alpha, const void *b,
                          int ldb, float beta, void *y, int ldy, int f16, size_t pixels, int c)
{
    size_t count = pixels * (size_t)c;
    if (!count)
        return cudaSuccess;
    if (f16)
        add_nhwc_kernel<<<or_grid_for(count), 256, 0, s>>>((const __half *)a, lda, alpha,
                                                          (const __half *)b, ldb, beta,
                                                          (__half *)y, ldy, pixels, c);
    else
        add_nhwc_kernel<<<or_grid_for(count), 256, 0, s>>>((const float *)a, lda, alpha,
                                                          (const float *)b, ldb, beta, (float *)y,
                                                          ldy, pixels, c);
    return cudaGetLastError();
}

// Same dtype: a bit-exact strided copy (cudaMemcpy2DAsync: `pixels` rows of c
// elements, pitches ldx and ldy), one plain copy when both sides are packed.
static cudaError_t copy_nhwc(cudaStream_t s, const void *x, int ldx, void *y, int ldy, size_t es,
                             size_t pixels, int c)
{
    if (ldx == c && ldy == c)
        return cudaMemcpyAsync(y, x, pixels * (size_t)c * es, cudaMemcpyDeviceToDevice, s);
    return cudaMemcpy2DAsync(y, (size_t)ldy * es, x, (size_t)ldx * es, (size_t)c * es, pixels,
                             cudaMemcpyDeviceToDevice, s);
}

cudaError_t cast_nhwc_cuda(cudaStream_t s, const void *x, int x_f16, int ldx, void *y, int y_f16,
                           int ldy, size_t pixels, int c)
{
    size_t count = pixels * (size_t)c;
    if (!count)
        return cudaSuccess;
    if (x_f16 == y_f16)
        return copy_nhwc(s, x, ldx, y, ldy, x_f16 ? 2 : 4, pixels, c);
    if (x_f16)
        cast_nhwc_kernel<<<or_grid_for(count), 256, 0, s>>>((const __half *)x, ldx, (float *)y,
                                                           ldy, pixels, c);
    else
        cast_nhwc_kernel<<<or_grid_for(count), 256, 0, s>>>((const float *)x, ldx, (__half *)y,
                                                           ldy, pixels, c);
    return cudaGetLastError();
}
