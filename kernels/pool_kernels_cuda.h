// pool_kernels_cuda.h: the CUDA kernels of the "pool" family (pool_cuda.cu), on
// raw device pointers of float (f16 == 0) or __half (f16 == 1) storage, math in
// f32, the same index rules as pool_kernels.h.  x [planes,h,w] -> y
// [planes,ho,wo].  Each launches on st, returns the launch error and does not
// synchronise.  For .cu files.
#ifndef OR_POOL_KERNELS_CUDA_H
#define OR_POOL_KERNELS_CUDA_H

#include <cuda_runtime.h>
#include <stddef.h>

cudaError_t maxpool2d_cuda(cudaStream_t st, const void *x, void *y, int f16, size_t planes, int h,
                           int w, int kh, int kw, int sh, int sw, int ph, int pw, int ho, int wo);
// cip: count_include_pad (PyTorch's divisor)
cudaError_t avgpool2d_cuda(cudaStream_t st, const void *x, void *y, int f16, size_t planes, int h,
                           int w, int kh, int kw, int sh, int sw, int ph, int pw, int cip, int ho,
                           int wo);
// mode: 0 zeros, 1 replicate, 2 reflect (pool_pad_src)
cudaError_t pad2d_cuda(cudaStream_t st, const void *x, void *y, int f16, size_t planes, int h,
                       int w, int left, int top, int mode, int ho, int wo);

#endif
