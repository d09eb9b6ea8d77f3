// backend_cuda_deconv.cu: the CUDA backend's table of the "deconv" op family
// (ops_deconv.h): transposed convolution through cuDNN (the CPU twin is
// kernels/deconv_cpu.c).  ConvTranspose2d is the data gradient of the
// convolution that maps y [n,co,ho,wo] to x [n,ci,h,w] with PyTorch's weight
// [ci,co,kh,kw] read as a cuDNN filter [K=ci, C=co, kh, kw]:
// cudnnConvolutionBackwardData(dy = x, dx = y).  output_padding below the
// stride only enlarges dx (the forward size formula floors it away); beyond it,
// see cuda_conv_transpose2d.  f32: FMA math (no TF32); f16: tensor-core math,
// f32 accumulation.
// Descriptors are host objects made per call; the algorithm comes from cuDNN's
// heuristics (no measuring, no device allocation); the workspace from the arena.
// Then the shared epilogue kernel (bias, activation, residual).
#include <stdint.h>

#include "backend_cuda.h"
#include "ops_deconv.h"
#include "kernels/deconv_kernels_cuda.h"
#include "kernels/kernels_cuda.h"

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

// The shapes cuDNN is given: dy [n, ci, dyh, dyw] (x, or x zero-extended) and
// dx [n, co, dxh, dxw] (y, or a larger buffer y is cropped from).
typedef struct {
    int n, ci, dyh, dyw, co, dxh, dxw;
} dc_dims;

// y = conv_transpose2d(x, w) (no bias) on 16-byte aligned pointers, shapes d.
static or_status deconv_cudnn(or_backend *be, const or_tensor *x, const or_tensor *w,
                              const or_deconv2d_params *p, const void *xp, void *yp,
                              const dc_dims *d, or_err *err)
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
    DC_CUDNN_TRY(cudnnSetTensor4dDescriptor(dy, CUDNN_TENSOR_NCHW, dt, d->n, d->ci, d->dyh, d->dyw),
                 "input descriptor");
    DC_CUDNN_TRY(cudnnSetTensor4dDescriptor(dx, CUDNN_TENSOR_NCHW, dt, d->n, d->co, d->dxh, d->dxw),
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

// dst [planes, dh, dw] = the top-left dh x dw window of src [planes, sh, sw]
// (runtime/core/backend_cuda_deconv.cu).
static or_status dc_window(cudaStream_t st, int f16, const void *src, int sh, int sw, void *dst,
                           int planes, int dh, int dw, or_err *err)
{
    return or_cuda_launched("conv_transpose2d window",
                            deconv_window_cuda(st, f16, src, sh, sw, dst, planes, dh, dw), err);
}

// Rows of dy that the forward convolution of `dx` rows gives (cuDNN's check).
static int dc_fwd_size(int dx, int k, int s, int pad, int dil)
{
    return (dx + 2 * pad - dil * (k - 1) - 1) / s + 1;
}

// dy rows (>= in) whose natural transposed size, (dy-1)*s - 2*pad + dil*(k-1) + 1,
// covers `out` rows.
static int dc_dy_size(int in, int out, int k, int s, int pad, int dil)
{
    int nat = (in - 1) * s - 2 * pad + dil * (k - 1) + 1;
    return out <= nat ? in : in + (out - nat + s - 1) / s;
}

// cuDNN requires dy to be exactly the forward size of dx.  output_padding that the
// forward formula floors away (op < stride) keeps that; with op >= stride (PyTorch
// allows op < dilation, e.g. s1 d2 op1) it does not: then dy is zero-extended at the
// bottom/right (zeros add nothing) to a size whose natural dx covers y, and y is
// the top-left window of that dx.
static or_status cuda_conv_transpose2d(or_backend *be, const or_tensor *x, const or_tensor *w,
                                       const or_tensor *b, const or_deconv2d_params *p,
                                       or_tensor *y, or_err *err)
{
    cudaStream_t st = or_cuda_stream(be);
    int f16 = y->dtype == OR_F16;
    size_t es = or_dtype_size(y->dtype);
    dc_dims d = {x->n, x->c, x->h, x->w, y->c, y->h, y->w};
    if (dc_fwd_size(y->h, w->h, p->stride_h, p->pad_h, p->dil_h) != x->h ||
        dc_fwd_size(y->w, w->w, p->stride_w, p->pad_w, p->dil_w) != x->w) {
        d.dyh = dc_dy_size(x->h, y->h, w->h, p->stride_h, p->pad_h, p->dil_h);
        d.dyw = dc_dy_size(x->w, y->w, w->w, p->stride_w, p->pad_w, p->dil_w);
        d.dxh = (d.dyh - 1) * p->stride_h - 2 * p->pad_h + p->dil_h * (w->h - 1) + 1;
        d.dxw = (d.dyw - 1) * p->stride_w - 2 * p->pad_w + p->dil_w * (w->w - 1) + 1;
    }
    int grown = d.dyh != x->h || d.dyw != x->w;
    // channel views may be misaligned for cuDNN: stage them (stream order keeps
    // the arena scratch valid until the copies that use it have run)
    or_arena_mark m = or_arena_get_mark(&be->arena);
    const void *xp = x->data;
    void *yp = y->data;
    or_status s = OR_OK;
    if (grown || dc_misaligned(xp)) {
        void *t = NULL;
        s = or_arena_alloc(&be->arena, (size_t)d.n * d.ci * d.dyh * d.dyw * es, &t, err);
        if (!s && grown)
            s = dc_window(st, f16, xp, x->h, x->w, t, x->n * x->c, d.dyh, d.dyw, err);
        else if (!s)
            s = dc_copy(t, xp, or_nbytes(x), st, err);
        xp = t;
    }
    if (!s && (grown || dc_misaligned(yp)))
        s = or_arena_alloc(&be->arena, (size_t)d.n * d.co * d.dxh * d.dxw * es, &yp, err);
    if (!s) s = deconv_cudnn(be, x, w, p, xp, yp, &d, err);
    if (!s && grown)
        s = dc_window(st, f16, yp, d.dxh, d.dxw, y->data, y->n * y->c, y->h, y->w, err);
    else if (!s && yp != y->data)
        s = dc_copy(y->data, yp, or_nbytes(y), st, err);
    or_arena_reset(&be->arena, m);
    OR_TRY(s);
    const or_epilogue *ep = &p->ep;
    or_epilogue_f32 e = {b ? (const float *)b->data : NULL, ep->act, ep->alpha,
                         ep->prelu ? (const float *)ep->prelu->data : NULL,
                         ep->residual ? (const float *)ep->residual->data : NULL, ep->res_scale};
    return or_cuda_launched("conv2d epilogue",
                            epilogue_nchw_cuda(st, y->data, y->dtype == OR_F16, y->n, y->c,
                                               (size_t)y->h * y->w, &e),
                            err);
}

extern "C" const struct or_ops_deconv or_ops_deconv_cuda = {cuda_conv_transpose2d};
