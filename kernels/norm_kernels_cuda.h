// norm_kernels_cuda.h: the CUDA kernels of the "norm" family (norm_cuda.cu), on
// raw device pointers of float (f16 == 0) or __half (f16 == 1) storage, sums in
// f32, the same expressions as norm_kernels.h.  Each launches on st, returns the
// launch error and does not synchronise.  For .cu files.
#ifndef OR_NORM_KERNELS_CUDA_H
#define OR_NORM_KERNELS_CUDA_H

#include <cuda_runtime.h>
#include <stddef.h>

// One block per row of x [rows, hw]: y = (x - mean) [/ sqrt(var + eps)] (two passes).
cudaError_t instance_norm_cuda(cudaStream_t st, const void *x, void *y, int f16, unsigned rows,
                               size_t hw, int scale, float eps);
// y = x / (||x||_2 over the c channels of each pixel + eps), x [n,c,hw].
cudaError_t channel_normalize_cuda(cudaStream_t st, const void *x, void *y, int f16, int n, int c,
                                   size_t hw, float eps);

#endif
