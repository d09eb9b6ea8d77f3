// resample_kernels_cuda.h: the CUDA kernels of the "resample" family
// (resample_cuda.cu), on raw device pointers of float (f16 == 0) or __half
// (f16 == 1) storage, coordinates and interpolation in f32, the same arithmetic
// as resample_kernels.h.  Each launches on st, returns the launch error and does
// not synchronise.  For .cu files.
#ifndef OR_RESAMPLE_KERNELS_CUDA_H
#define OR_RESAMPLE_KERNELS_CUDA_H

#include <cuda_runtime.h>
#include <stddef.h>

// y [planes,ho,wo] = bilinear resize of x [planes,h,w]; scales: rs_linear_scale.
cudaError_t resize_bilinear_cuda(cudaStream_t st, const void *x, void *y, int f16, size_t planes,
                                 int h, int w, int ho, int wo, float scale_h, float scale_w,
                                 int align_corners);
// y [planes,ho,wo] = nearest resize of x [planes,h,w]; scales: rs_nearest_scale.
cudaError_t resize_nearest_cuda(cudaStream_t st, const void *x, void *y, int f16, size_t planes,
                                int h, int w, int ho, int wo, float scale_h, float scale_w);
// y [n,c,h,w] = grid_sample(x, grid of flow [n,2,h,w]) bilinear; border: pad by the edge.
cudaError_t warp_bilinear_cuda(cudaStream_t st, const void *x, const void *flow, void *y, int f16,
                               int n, int c, int h, int w, int align_corners, int border);

#endif
