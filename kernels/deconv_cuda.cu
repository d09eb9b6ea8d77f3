// deconv_cuda.cu: the CUDA kernel of the "deconv" op family (deconv_kernels_cuda.h):
// the window copy the cuDNN transposed convolution stages its operands with (the
// convolution itself and the op table are runtime/core/backend_cuda_deconv.cu).
#include <stdint.h>

#include "cuda_common.cuh"
#include "deconv_kernels_cuda.h"

namespace {

// Bit copies: T is the storage's width.
template <typename T>
__global__ void window_kernel(const T *src, int sh, int sw, T *dst, int dh, int dw, size_t count)
{
    OR_GRID_STRIDE_LOOP(i, count)
    {
        size_t plane = i / ((size_t)dh * dw);
        int r = (int)(i / dw % dh), c = (int)(i % dw);
        dst[i] = r < sh && c < sw ? src[(plane * sh + r) * sw + c] : (T)0;
    }
}

} // namespace

cudaError_t deconv_window_cuda(cudaStream_t st, int f16, const void *src, int sh, int sw,
                               void *dst, int planes, int dh, int dw)
{
    size_t count = (size_t)planes * dh * dw;
    if (f16)
        window_kernel<<<or_grid_for(count), 256, 0, st>>>((const uint16_t *)src, sh, sw,
                                                          (uint16_t *)dst, dh, dw, count);
    else
        window_kernel<<<or_grid_for(count), 256, 0, st>>>((const uint32_t *)src, sh, sw,
                                                          (uint32_t *)dst, dh, dw, count);
    return cudaGetLastError();
}
