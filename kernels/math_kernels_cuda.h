// math_kernels_cuda.h: the CUDA kernels of the "math" family (math_cuda.cu), on
// raw device pointers of float (f16 == 0) or __half (f16 == 1) storage, math in
// f32, the same expressions as math_kernels.h.  Each launches on st, returns the
// launch error and does not synchronise.  For .cu files.
#ifndef OR_MATH_KERNELS_CUDA_H
#define OR_MATH_KERNELS_CUDA_H

#include <cuda_runtime.h>
#include <stddef.h>

// y = a * m over count = n*c*hw elements; m has c channels (bc = 1) or one (bc = 0).
cudaError_t mul_cuda(cudaStream_t st, const void *a, const void *m, void *y, int f16, int c,
                     size_t hw, int bc, size_t count);
cudaError_t scale_shift_cuda(cudaStream_t st, const void *x, float alpha, float beta, void *y,
                             int f16, size_t count);
cudaError_t fill_cuda(cudaStream_t st, void *y, float v, int f16, size_t count);
cudaError_t clamp_cuda(cudaStream_t st, const void *x, float lo, float hi, void *y, int f16,
                       size_t count);

#endif
