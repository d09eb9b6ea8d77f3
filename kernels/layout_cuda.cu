// layout_cuda.cu: layout CUDA kernels (the CPU twins, plain C, are in layout_cpu.c).
// One thread per output element, grid-stride; values are copied, never converted,
// so f32 and f16 (__half) results are bit-exact.  (n, c, h, w) is the input's shape.
#include <cuda_fp16.h>

#include "cuda_common.cuh"
#include "kernels_cuda.h"

// C reference: y[b, k, oh, ow] = x[b, k*r*r + (oh%r)*r + ow%r, oh/r, ow/r]
template <typename T>
__global__ void pixel_shuffle_kernel(const T *x, T *y, int c, int h, int w, int r, size_t count)
{
    int co = c / (r * r), ho = h * r, wo = w * r;
    OR_GRID_STRIDE_LOOP(i, count)
    {
        int ow = (int)(i % wo), oh = (int)(i / wo % ho);
        size_t bk = i / wo / ho;
        size_t b = bk / co, k = bk % co;
        size_t ci = b * c + k * r * r + (size_t)(oh % r) * r + ow % r;
        y[i] = x[(ci * h + oh / r) * w + ow / r];
    }
}

// C reference: y[b, k*r*r + i*r + j, oh, ow] = x[b, k, oh*r + i, ow*r + j]
template <typename T>
__global__ void pixel_unshuffle_kernel(const T *x, T *y, int c, int h, int w, int r, size_t count)
{
    int co = c * r * r, ho = h / r, wo = w / r;
    OR_GRID_STRIDE_LOOP(i, count)
    {
        int ow = (int)(i % wo), oh = (int)(i / wo % ho);
        size_t bq = i / wo / ho;
        size_t b = bq / co;
        int q = (int)(bq % co);
        int k = q / (r * r), di = q / r % r, dj = q % r;
        y[i] = x[(((size_t)b * c + k) * h + (size_t)oh * r + di) * w + (size_t)ow * r + dj];
    }
}

// C reference: y[b, k, oh, ow] = x[b, k, oh/s, ow/s]
template <typename T>
__global__ void upsample_nearest_kernel(const T *x, T *y, int h, int w, int s, size_t count)
{
    int ho = h * s, wo = w * s;
    OR_GRID_STRIDE_LOOP(i, count)
    {
        int ow = (int)(i % wo), oh = (int)(i / wo % ho);
        size_t bk = i / wo / ho;
        y[i] = x[(bk * h + oh / s) * w + ow / s];
    }
}

cudaError_t pixel_shuffle_cuda(cudaStream_t st, const void *x, void *y, int f16, int n, int c,
                               int h, int w, int r)
{
    size_t count = (size_t)n * c * h * w; // same element count in and out
    if (!count)
        return cudaSuccess;
    if (f16)
        pixel_shuffle_kernel<<<or_grid_for(count), 256, 0, st>>>((const __half *)x, (__half *)y,
                                                                  c, h, w, r, count);
    else
        pixel_shuffle_kernel<<<or_grid_for(count), 256, 0, st>>>((const float *)x, (float *)y, c,
                                                                  h, w, r, count);
    return cudaGetLastError();
}

cudaError_t pixel_unshuffle_cuda(cudaStream_t st, const void *x, void *y, int f16, int n, int c,
                                 int h, int w, int r)
{
    size_t count = (size_t)n * c * h * w;
    if (!count)
        return cudaSuccess;
    if (f16)
        pixel_unshuffle_kernel<<<or_grid_for(count), 256, 0, st>>>((const __half *)x, (__half *)y,
                                                                    c, h, w, r, count);
    else
        pixel_unshuffle_kernel<<<or_grid_for(count), 256, 0, st>>>((const float *)x, (float *)y,
                                                                    c, h, w, r, count);
    return cudaGetLastError();
}

cudaError_t upsample_nearest_cuda(cudaStream_t st, const void *x, void *y, int f16, int n, int c,
                                  int h, int w, int s)
{
    size_t count = (size_t)n * c * h * s * w * s;
    if (!count)
        return cudaSuccess;
    if (f16)
        upsample_nearest_kernel<<<or_grid_for(count), 256, 0, st>>>((const __half *)x,
                                                                     (__half *)y, h, w, s, count);
    else
        upsample_nearest_kernel<<<or_grid_for(count), 256, 0, st>>>((const float *)x, (float *)y,
                                                                     h, w, s, count);
    return cudaGetLastError();
}
