// color_kernels_cuda.h: the CUDA kernels of the "color" family (color_cuda.cu),
// on raw device pointers of float (f16 == 0) or __half (f16 == 1) storage; the
// conversions use color_px.h's formulas in double, class_to_ab f32 math as
// PyTorch's softmax.  Each launches on st, returns the launch error and does
// not synchronise.  For .cu files.
#ifndef OR_COLOR_KERNELS_CUDA_H
#define OR_COLOR_KERNELS_CUDA_H

#include <cuda_runtime.h>
#include <stddef.h>

// x, y [n,3,hw] converted by kind (OR_COLOR_RGB2LAB, ... of color_px.h); y may be x.
cudaError_t color_convert_cuda(cudaStream_t st, int kind, const void *x, void *y, int f16, int n,
                               size_t hw);
// y [n,2,hw] = scale * sum_q softmax(z[:,q] / T) * w[j*q_count + q], z [n,q,hw], w [2,q].
cudaError_t class_to_ab_cuda(cudaStream_t st, const void *z, const void *w, float T, float scale,
                             void *y, int f16, int n, int q, size_t hw);

#endif
