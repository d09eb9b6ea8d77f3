// deconv_cuda.cu: transposed convolution on CUDA through cuDNN (the CPU twin is
// deconv_cpu.c).  ConvTranspose2d is the data gradient of the convolution that
// maps y [n,co,ho,wo] to x [n,ci,h,w] with PyTorch's weight [ci,co,kh,kw] read
// as a cuDNN filter [K=ci, C=co, kh, kw]: cudnnConvolutionBackwardData(dy = x,
// dx = y).  output_padding only enlarges dx (the forward size formula floors it
// away).  f32: FMA math (no TF32); f16: tensor-core math, f32 accumulation.
// Descriptors are host objects made per call; the algorithm comes from cuDNN's
// heuristics (no measuring, no device allocation); the workspace from the arena.
// Then the shared epilogue kernel (bias, activation, residual).
#include <stdint.h>

#include "../runtime/backend_cuda.h"
#include "../runtime/ops_deconv.h"
#include "kernels_cuda.h"

#define DC_CUDNN_TRY(call, what)                                                             \
    do {                                                                                     \
        cudnnStatus_t st_ = (call);                                                          \
        if (st_ != CUDNN_STATUS_SUCCESS) {                                                   \
            s = or_errf(err, OR_EDEVICE, "conv_transpose2d: cuDNN %s: %s", what,             \
                        cudnnGetErrorString(st_));                                           \
            goto done;                                                                       \
        }                                                                                    \
    } while (0)

#define DC_PTR_ALIGN 16

static int dc_misaligned(const void *p) { return ((uintptr_t)p & (DC_PTR_ALIGN - 1)) != 0; }

// y = conv_transpose2d(x, w) (no bias) on 16-byte aligned pointers.
static or_status deconv_cudnn(or_backend *be, const or_tensor *x, const or_tensor *w,
                              const or_deconv2d_params *p, const void *xp, void *yp,
                              const or_tensor *y, or_err *err)
{
    or_status s = OR_OK;
    int f16 = x->dtype == OR_F16;
    cudnnDataType_t dt = f16 ? CUDNN_DATA_HALF : CUDNN_DATA_FLOAT;
    cudnnTensorDescriptor_t dy = NULL, dx = NULL;
    cudnnFilterDescriptor_t wd = NULL;
    cudnnConvolutionDescriptor_t cd = NULL;
    cudnnHandle_t h = or_cuda_cudnn(be);
    cudnnConvolutionBwdDataAlgoPerf_t perf[8];
    int found = 0, best = -1;
    const float one = 1.0f, zero = 0.0f;
    void *ws = NULL;
    DC_CUDNN_TRY(cudnnCreateTensorDescriptor(&dy), "descriptor");
    DC_CUDNN_TRY(cudnnCreateTensorDescriptor(&dx), "descriptor");
    DC_CUDNN_TRY(cudnnCreateFilterDescriptor(&wd), "descriptor");
    DC_CUDNN_TRY(cudnnCreateConvolutionDescriptor(&cd), "descriptor");
    DC_CUDNN_TRY(cudnnSetTensor4dDescriptor(dy, CUDNN_TENSOR_NCHW, dt, x->n, x->c, x->h, x->w),
                 "input descriptor");
    DC_CUDNN_TRY(cudnnSetTensor4dDescriptor(dx, CUDNN_TENSOR_NCHW, dt, y->n, y->c, y->h, y->w),
                 "output descriptor");
    DC_CUDNN_TRY(cudnnSetFilter4dDescriptor(wd, dt, CUDNN_TENSOR_NCHW, w->n, w->c, w->h, w->w),
                 "filter descriptor");
    DC_CUDNN_TRY(cudnnSetConvolution2dDescriptor(cd, p->pad_h, p->pad_w, p->stride_h, p->stride_w,
                                                 p->dil_h, p->dil_w, CUDNN_CROSS_CORRELATION,
                                                 CUDNN_DATA_FLOAT),
                 "convolution descriptor");
    DC_CUDNN_TRY(cudnnSetConvolutionMathType(cd, f16 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH),
                 "math type");
    DC_CUDNN_TRY(cudnnGetConvolutionBackwardDataAlgorithm_v7(h, wd, dy, cd, dx, 8, &found, perf),
                 "algorithm choice");
    for (int i = 0; i < found && best < 0; i++)
        if (perf[i].status == CUDNN_STATUS_SUCCESS)
            best = i;
    if (best < 0) {
        s = or_errf(err, OR_EDEVICE, "conv_transpose2d: cuDNN has no algorithm for %s",
                    x->name ? x->name : "input");
        goto done;
    }
    if (perf[best].memory) {
        s = or_arena_alloc(&be->arena, perf[best].memory, &ws, err);
        if (s)
            goto done;
    }
    DC_CUDNN_TRY(cudnnConvolutionBackwardData(h, &one, wd, w->data, dy, xp, cd, perf[best].algo,
                                              ws, perf[best].memory, &zero, dx, yp),
                 "backward data");
done:
    if (cd) cudnnDestroyConvolutionDescriptor(cd);
    if (wd) cudnnDestroyFilterDescriptor(wd);
    if (dx) cudnnDestroyTensorDescriptor(dx);
    if (dy) cudnnDestroyTensorDescriptor(dy);
    return s;
}

static or_status dc_copy(void *dst, const void *src, size_t bytes, cudaStream_t st, or_err *err)
{
    cudaError_t e = cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, st);
    if (e != cudaSuccess)
        return or_errf(err, OR_EDEVICE, "conv_transpose2d: staging copy: %s", cudaGetErrorString(e));
    return OR_OK;
}

static or_status cuda_conv_transpose2d(or_backend *be, const or_tensor *x, const or_tensor *w,
                                       const or_tensor *b, const or_deconv2d_params *p,
                                       or_tensor *y, or_err *err)
{
    cudaStream_t st = or_cuda_stream(be);
    // channel views may be misaligned for cuDNN: stage them (stream order keeps
    // the arena scratch valid until the copies that use it have run)
    or_arena_mark m = or_arena_get_mark(&be->arena);
    const void *xp = x->data;
    void *yp = y->data;
    or_status s = OR_OK;
    if (dc_misaligned(xp)) {
        void *t = NULL;
        s = or_arena_alloc(&be->arena, or_nbytes(x), &t, err);
        if (!s) s = dc_copy(t, xp, or_nbytes(x), st, err);
        xp = t;
    }
    if (!s && dc_misaligned(yp))
        s = or_arena_alloc(&be->arena, or_nbytes(y), &yp, err);
    if (!s) s = deconv_cudnn(be, x, w, p, xp, yp, y, err);
    if (!s && yp != y->data) s = dc_copy(y->data, yp, or_nbytes(y), st, err);
    or_arena_reset(&be->arena, m);
    OR_TRY(s);
    const or_epilogue *ep = &p->ep;
    or_epilogue_f32 e = {b ? (const float *)b->data : NULL, ep->act, ep->alpha,
                         ep->prelu ? (const float *)ep->prelu->data : NULL,
                         ep->residual ? (const float *)ep->residual->data : NULL, ep->res_scale};
    return epilogue_nchw_cuda(st, y->data, y->dtype == OR_F16, y->n, y->c, (size_t)y->h * y->w, &e,
                              err);
}

extern "C" const struct or_ops_deconv or_ops_deconv_cuda = {cuda_conv_transpose2d};
