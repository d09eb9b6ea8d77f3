// deconv_kernels_cuda.h: the CUDA kernel of the "deconv" family (deconv_cuda.cu)
// that the cuDNN transposed convolution (runtime/core/backend_cuda_deconv.cu)
// stages its operands with.  Launches on st, returns the launch error and does
// not synchronise.  For .cu files.
#ifndef OR_DECONV_KERNELS_CUDA_H
#define OR_DECONV_KERNELS_CUDA_H

#include <cuda_runtime.h>

// dst [planes, dh, dw] = the top-left dh x dw window of src [planes, sh, sw],
// zeros where the window passes src's edge.  Bit copies of 2-byte (f16 == 1) or
// 4-byte (f16 == 0) elements.
cudaError_t deconv_window_cuda(cudaStream_t st, int f16, const void *src, int sh, int sw,
                               void *dst, int planes, int dh, int dw);

#endif
