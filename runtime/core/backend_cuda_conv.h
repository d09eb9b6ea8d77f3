/* backend_cuda_conv.h: the CUDA backend's convolution through cuDNN
 * (backend_cuda_conv.cu; no bias: the epilogue kernel adds it), used by
 * backend_cuda.cu, and the strided NHWC copy/cast it stages operands with.
 * Only for .cu files. */
#ifndef OR_BACKEND_CUDA_CONV_H
#define OR_BACKEND_CUDA_CONV_H

#include <cuda_runtime.h>
#include <cudnn.h>

#include "arena.h"
#include "status.h"
#include "kernels/kernels.h"

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

/* y = x over `pixels` NHWC pixels of c channels with pixel strides ldx, ldy
 * (kernels/kernels_cuda.h: cast_nhwc_cuda), the error as an or_status: "strided
 * copy of P pixels x C channels: ..." when the dtypes agree, else "cast (nhwc): ...". */
or_status or_cuda_cast_nhwc(cudaStream_t st, const void *x, int x_f16, int ldx, void *y,
                            int y_f16, int ldy, size_t pixels, int c, or_err *err);

#endif
