/* kernels_cuda.h: CUDA kernels and the cuDNN convolution, used by
 * runtime/core/backend_cuda.cu.  Each launches on the given stream and returns
 * without synchronising; errors come back as or_status. */
#ifndef OR_KERNELS_CUDA_H
#define OR_KERNELS_CUDA_H

#include <cuda_runtime.h>
#include <cudnn.h>

#include "runtime/core/arena.h"
#include "runtime/core/backend_cuda.h" /* or_status, or_launched: pending (issue 18) */
#include "kernels.h"

/* ---- eltwise_cuda.cu: T is float (f16 == 0) or __half (f16 == 1); math in f32 ---- */
or_status epilogue_nchw_cuda(cudaStream_t st, void *y, int f16, int n, int c, size_t hw,
                             const or_epilogue_f32 *ep, or_err *err);
or_status activation_nchw_cuda(cudaStream_t st, const void *x, void *y, int f16, int n, int c,
                               size_t hw, int act, float alpha, const float *prelu, or_err *err);
or_status add_cuda(cudaStream_t st, const void *a, float alpha, const void *b, float beta,
                   void *y, int f16, size_t count, or_err *err);
or_status channel_affine_nchw_cuda(cudaStream_t st, const void *x, const float *scale,
                                   const float *shift, void *y, int f16, int n, int c, size_t hw,
                                   or_err *err);
or_status cast_cuda(cudaStream_t st, const void *x, int x_f16, void *y, int y_f16, size_t count,
                    or_err *err);

/* NHWC twins (eltwise_nhwc_cuda.cu): `pixels` = n*h*w pixels of c channels,
 * each tensor with its own pixel stride (kernels.h); same math as the CPU ones. */
or_status epilogue_nhwc_cuda(cudaStream_t st, void *y, int ldy, int f16, size_t pixels, int c,
                             const or_epilogue_f32 *ep, int ldr, or_err *err);
or_status activation_nhwc_cuda(cudaStream_t st, const void *x, int ldx, void *y, int ldy, int f16,
                               size_t pixels, int c, int act, float alpha, const float *prelu,
                               or_err *err);
or_status add_nhwc_cuda(cudaStream_t st, const void *a, int lda, float alpha, const void *b,
                        int ldb, float beta, void *y, int ldy, int f16, size_t pixels, int c,
                        or_err *err);
or_status cast_nhwc_cuda(cudaStream_t st, const void *x, int x_f16, int ldx, void *y, int y_f16,
                         int ldy, size_t pixels, int c, or_err *err);

/* ---- layout_cuda.cu: T is float (f16 == 0) or __half (f16 == 1); (n, c, h, w) is the
 * input's shape; same semantics as layout_cpu.c, bit-exact ---- */
or_status pixel_shuffle_cuda(cudaStream_t st, const void *x, void *y, int f16, int n, int c,
                             int h, int w, int r, or_err *err);
or_status pixel_unshuffle_cuda(cudaStream_t st, const void *x, void *y, int f16, int n, int c,
                               int h, int w, int r, or_err *err);
or_status upsample_nearest_cuda(cudaStream_t st, const void *x, void *y, int f16, int n, int c,
                                int h, int w, int s, or_err *err);

/* NHWC twins (layout_nhwc_cuda.cu), bit-exact like the CPU ones; (n,c,h,w) is the
 * input's shape, ldx / ldy the pixel strides. */
or_status pixel_shuffle_nhwc_cuda(cudaStream_t st, const void *x, int ldx, void *y, int ldy,
                                  int f16, int n, int c, int h, int w, int r, or_err *err);
or_status pixel_unshuffle_nhwc_cuda(cudaStream_t st, const void *x, int ldx, void *y, int ldy,
                                    int f16, int n, int c, int h, int w, int r, or_err *err);
or_status upsample_nearest_nhwc_cuda(cudaStream_t st, const void *x, int ldx, void *y, int ldy,
                                     int f16, int n, int c, int h, int w, int s, or_err *err);
or_status nchw_to_nhwc_cuda(cudaStream_t st, const void *x, void *y, int ldy, int f16, int n,
                            int c, int h, int w, or_err *err);
or_status nhwc_to_nchw_cuda(cudaStream_t st, const void *x, int ldx, void *y, int f16, int n,
                            int c, int h, int w, or_err *err);

/* ---- conv2d_cuda.cu: cuDNN convolution (no bias; the epilogue adds it) ---- */
#define OR_CUDNN_ALGO_CACHE 256
typedef struct {
    or_conv_shape shape;
    int f16;
    int nhwc, ldx, ldy;   /* NHWC: the pixel strides the algorithm was found for */
    int packed;           /* NHWC: 1 when cuDNN refused the strided views, so they go
                             through packed scratch (conv2d_nhwc_cudnn) */
    cudnnConvolutionFwdAlgo_t algo;
    size_t workspace;
} or_cudnn_algo_entry;

typedef struct {
    cudnnHandle_t handle;
    cudnnTensorDescriptor_t x_desc, y_desc;
    cudnnFilterDescriptor_t w_desc;
    cudnnConvolutionDescriptor_t conv_desc;
    or_cudnn_algo_entry cache[OR_CUDNN_ALGO_CACHE];
    int n_cache;
} or_cudnn_conv;

or_status cudnn_conv_init(or_cudnn_conv *c, cudaStream_t st, or_err *err);
void cudnn_conv_destroy(or_cudnn_conv *c);
/* y = conv(x, w); the algorithm is chosen once per (shape, dtype) and cached;
 * the workspace is taken from the arena and given back. */
or_status conv2d_nchw_cudnn(or_cudnn_conv *c, const or_conv_shape *s, int f16, const void *x,
                            const void *w, void *y, or_arena *arena, or_err *err);
/* NHWC (f16: tensor-core math; f32: FMA): x with pixel stride ldx, w KRSC, y with
 * pixel stride ldy.  Strided views are described to cuDNN as they are; when no
 * algorithm accepts them (or a pointer is not 16-byte aligned) x is gathered
 * into packed scratch and y scattered from it, and that choice is cached too. */
or_status conv2d_nhwc_cudnn(or_cudnn_conv *c, const or_conv_shape *s, int f16, const void *x,
                            int ldx, const void *w, void *y, int ldy, cudaStream_t st,
                            or_arena *arena, or_err *err);

#endif
