// layout_nhwc_cuda.cu: layout CUDA kernels on NHWC tensors with pixel strides and
// the NCHW <-> NHWC conversions (the CPU twins are in layout_nhwc_cpu.c; the index
// semantics are those of layout_cpu.c).  One thread per output element, channel
// fastest on the NHWC output side (coalesced writes), grid-stride; values are
// copied, never converted, so f32 and f16 results are bit-exact.
// (n, c, h, w) is the input's shape; element (b, k, y, x) of an NHWC tensor with
// pixel stride ld sits at ((b*h + y)*w + x)*ld + k.
#include <cuda_fp16.h>

#include "cuda_common.cuh"
#include "kernels_cuda.h"

// y[b, k, oh, ow] = x[b, k*r*r + (oh%r)*r + ow%r, oh/r, ow/r],  y [n, c/(r*r), h*r, w*r]
template <typename T>
__global__ void pixel_shuffle_nhwc_kernel(const T *x, int ldx, T *y, int ldy, int c, int h, int w,
                                          int r, size_t count)
{
    int co = c / (r * r), ho = h * r, wo = w * r;
    OR_GRID_STRIDE_LOOP(i, count)
    {
        int k = (int)(i % co);
        size_t p = i / co; // output pixel ((b*ho + oh)*wo + ow)
        int ow = (int)(p % wo), oh = (int)(p / wo % ho);
        size_t b = p / wo / ho;
        size_t xp = (b * h + oh / r) * w + ow / r;
        int xc = k * r * r + (oh % r) * r + ow % r;
        y[p * ldy + k] = x[xp * ldx + xc];
    }
}

// y[b, k*r*r + di*r + dj, oh, ow] = x[b, k, oh*r + di, ow*r + dj],  y [n, c*r*r, h/r, w/r]
template <typename T>
__global__ void pixel_unshuffle_nhwc_kernel(const T *x, int ldx, T *y, int ldy, int c, int h,
                                            int w, int r, size_t count)
{
    int co = c * r * r, ho = h / r, wo = w / r;
    OR_GRID_STRIDE_LOOP(i, count)
    {
        int q = (int)(i % co);
        size_t p = i / co;
        int ow = (int)(p % wo), oh = (int)(p / wo % ho);
        size_t b = p / wo / ho;
        int k = q / (r * r), di = q / r % r, dj = q % r;
        size_t xp = (b * h + (size_t)oh * r + di) * w + (size_t)ow * r + dj;
        y[p * ldy + q] = x[xp * ldx + k];
    }
}

// y[b, k, oh, ow] = x[b, k, oh/s, ow/s],  y [n, c, h*s, w*s]
template <typename T>
__global__ void upsample_nearest_nhwc_kernel(const T *x, int ldx, T *y, int ldy, int c, int h,
                                             int w, int s, size_t count)
{
    int ho = h * s, wo = w * s;
    OR_GRID_STRIDE_LOOP(i, count)
    {
        int k = (int)(i % c);
        size_t p = i / c;
        int ow = (int)(p % wo), oh = (int)(p / wo % ho);
        size_t b = p / wo / ho;
        size_t xp = (b * h + oh / s) * w + ow / s;
        y[p * ldy + k] = x[xp * ldx + k];
    }
}

// y (NHWC, stride ldy)[b, k, yy, xx] = x (NCHW)[b, k, yy, xx]; i runs over y's elements.
template <typename T>
__global__ void nchw_to_nhwc_kernel(const T *x, T *y, int ldy, int c, size_t hw, size_t count)
{
    OR_GRID_STRIDE_LOOP(i, count)
    {
        int k = (int)(i % c);
        size_t p = i / c; // b*hw + pixel in the image
        size_t b = p / hw, px = p % hw;
        y[p * ldy + k] = x[(b * c + k) * hw + px];
    }
}

// y (NCHW)[b, k, yy, xx] = x (NHWC, stride ldx)[b, k, yy, xx]; i runs over y's elements.
template <typename T>
__global__ void nhwc_to_nchw_kernel(const T *x, int ldx, T *y, int c, size_t hw, size_t count)
{
    OR_GRID_STRIDE_LOOP(i, count)
    {
        size_t px = i % hw, bk = i / hw;
        size_t b = bk / c;
        int k = (int)(bk % c);
        y[i] = x[(b * hw + px) * ldx + k];
    }
}

cudaError_t pixel_shuffle_nhwc_cuda(cudaStream_t st, const void *x, int ldx, void *y, int ldy,
                                    int f16, int n, int c, int h, int w, int r)
{
    size_t count = (size_t)n * c * h * w; // same element count in and out
    if (!count)
        return cudaSuccess;
    if (f16)
        pixel_shuffle_nhwc_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const __half *)x, ldx, (__half *)y, ldy, c, h, w, r, count);
    else
        pixel_shuffle_nhwc_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const float *)x, ldx, (float *)y, ldy, c, h, w, r, count);
    return cudaGetLastError();
}

cudaError_t pixel_unshuffle_nhwc_cuda(cudaStream_t st, const void *x, int ldx, void *y, int ldy,
                                      int f16, int n, int c, int h, int w, int r)
{
    size_t count = (size_t)n * c * h * w;
    if (!count)
        return cudaSuccess;
    if (f16)
        pixel_unshuffle_nhwc_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const __half *)x, ldx, (__half *)y, ldy, c, h, w, r, count);
    else
        pixel_unshuffle_nhwc_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const float *)x, ldx, (float *)y, ldy, c, h, w, r, count);
    return cudaGetLastError();
}

cudaError_t upsample_nearest_nhwc_cuda(cudaStream_t st, const void *x, int ldx, void *y, int ldy,
                                       int f16, int n, int c, int h, int w, int s)
{
    size_t count = (size_t)n * c * h * s * w * s;
    if (!count)
        return cudaSuccess;
    if (f16)
        upsample_nearest_nhwc_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const __half *)x, ldx, (__half *)y, ldy, c, h, w, s, count);
    else
        upsample_nearest_nhwc_kernel<<<or_grid_for(count), 256, 0, st>>>(
            (const float *)x, ldx, (float *)y, ldy, c, h, w, s, count);
    return cudaGetLastError();
}

cudaError_t nchw_to_nhwc_cuda(cudaStream_t st, const void *x, void *y, int ldy, int f16, int n,
                              int c, int h, int w)
{
    size_t hw = (size_t)h * w, count = (size_t)n * c * hw;
    if (!count)
        return cudaSuccess;
    if (f16)
        nchw_to_nhwc_kernel<<<or_grid_for(count), 256, 0, st>>>((const __half *)x, (__half *)y,
                                                                 ldy, c, hw, count);
    else
        nchw_to_nhwc_kernel<<<or_grid_for(count), 256, 0, st>>>((const float *)x, (float *)y, ldy,
                                                                 c, hw, count);
    return cudaGetLastError();
}

cudaError_t nhwc_to_nchw_cuda(cudaStream_t st, const void *x, int ldx, void *y, int f16, int n,
                              int c, int h, int w)
{
    size_t hw = (size_t)h * w, count = (size_t)n * c * hw;
    if (!count)
        return cudaSuccess;
    if (f16)
        nhwc_to_nchw_kernel<<<or_grid_for(count), 256, 0, st>>>((const __half *)x, ldx,
                                                                 (__half *)y, c, hw, count);
    else
        nhwc_to_nchw_kernel<<<or_grid_for(count), 256, 0, st>>>((const float *)x, ldx, (float *)y,
                                                                 c, hw, count);
    return cudaGetLastError();
}
