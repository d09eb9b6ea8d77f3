/* kernels_cuda.h: the CUDA kernels of the core ops (eltwise_cuda.cu,
 * eltwise_nhwc_cuda.cu, layout_cuda.cu, layout_nhwc_cuda.cu), used by
 * runtime/core/backend_cuda.cu and its cuDNN files.  Each launches on the given
 * stream, returns the launch's (or the copy's) error and does not synchronise.
 * For .cu files. */
#ifndef OR_KERNELS_CUDA_H
#define OR_KERNELS_CUDA_H

#include <cuda_runtime.h>

#include "kernels.h"

/* ---- eltwise_cuda.cu: T is float (f16 == 0) or __half (f16 == 1); math in f32 ---- */
cudaError_t epilogue_nchw_cuda(cudaStream_t st, void *y, int f16, int n, int c, size_t hw,
                               const or_epilogue_f32 *ep);
cudaError_t activation_nchw_cuda(cudaStream_t st, const void *x, void *y, int f16, int n, int c,
                                 size_t hw, int act, float alpha, const float *prelu);
cudaError_t add_cuda(cudaStream_t st, const void *a, float alpha, const void *b, float beta,
                     void *y, int f16, size_t count);
cudaError_t channel_affine_nchw_cuda(cudaStream_t st, const void *x, const float *scale,
                                     const float *shift, void *y, int f16, int n, int c, size_t hw);
cudaError_t cast_cuda(cudaStream_t st, const void *x, int x_f16, void *y, int y_f16, size_t count);

/* NHWC twins (eltwise_nhwc_cuda.cu): `pixels` = n*h*w pixels of c channels,
 * each tensor with its own pixel stride (kernels.h); same math as the CPU ones.
 * cast_nhwc_cuda with x_f16 == y_f16 is a strided copy (cudaMemcpy2DAsync). */
cudaError_t epilogue_nhwc_cuda(cudaStream_t st, void *y, int ldy, int f16, size_t pixels, int c,
                               const or_epilogue_f32 *ep, int ldr);
cudaError_t activation_nhwc_cuda(cudaStream_t st, const void *x, int ldx, void *y, int ldy, int f16,
                                 size_t pixels, int c, int act, float alpha, const float *prelu);
cudaError_t add_nhwc_cuda(cudaStream_t st, const void *a, int lda, float alpha, const void *b,
                          int ldb, float beta, void *y, int ldy, int f16, size_t pixels, int c);
cudaError_t cast_nhwc_cuda(cudaStream_t st, const void *x, int x_f16, int ldx, void *y, int y_f16,
                           int ldy, size_t pixels, int c);

/* ---- layout_cuda.cu: T is float (f16 == 0) or __half (f16 == 1); (n, c, h, w) is the
 * input's shape; same semantics as layout_cpu.c, bit-exact ---- */
cudaError_t pixel_shuffle_cuda(cudaStream_t st, const void *x, void *y, int f16, int n, int c,
                               int h, int w, int r);
cudaError_t pixel_unshuffle_cuda(cudaStream_t st, const void *x, void *y, int f16, int n, int c,
                                 int h, int w, int r);
cudaError_t upsample_nearest_cuda(cudaStream_t st, const void *x, void *y, int f16, int n, int c,
                                  int h, int w, int s);

/* NHWC twins (layout_nhwc_cuda.cu), bit-exact like the CPU ones; (n,c,h,w) is the
 * input's shape, ldx / ldy the pixel strides. */
cudaError_t pixel_shuffle_nhwc_cuda(cudaStream_t st, const void *x, int ldx, void *y, int ldy,
                                    int f16, int n, int c, int h, int w, int r);
cudaError_t pixel_unshuffle_nhwc_cuda(cudaStream_t st, const void *x, int ldx, void *y, int ldy,
                                      int f16, int n, int c, int h, int w, int r);
cudaError_t upsample_nearest_nhwc_cuda(cudaStream_t st, const void *x, int ldx, void *y, int ldy,
                                       int f16, int n, int c, int h, int w, int s);
cudaError_t nchw_to_nhwc_cuda(cudaStream_t st, const void *x, void *y, int ldy, int f16, int n,
                              int c, int h, int w);
cudaError_t nhwc_to_nchw_cuda(cudaStream_t st, const void *x, int ldx, void *y, int f16, int n,
                              int c, int h, int w);

#endif
