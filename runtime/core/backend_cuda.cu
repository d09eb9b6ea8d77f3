// backend_cuda.cu: the CUDA backend: one device, one stream, cuDNN and cuBLAS
// handles, device memory through the arena, kernels from kernels/*_cuda.cu.
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels_cuda.h"
#include "backend.h"
#include "backend_cuda.h"
#include "backend_cuda_conv.h"
#include "backend_tables.h"
#include "cublas_lazy.h"
#include "ops.h"

typedef struct {
    cudaStream_t stream;
    cublasHandle_t cublas;
    or_cudnn_conv conv;
} cuda_impl;

static cuda_impl *impl(or_backend *be) { return (cuda_impl *)be->impl; }

#define CUDA_TRY(call, what)                                                                \
    do {                                                                                    \
        cudaError_t e_ = (call);                                                            \
        if (e_ != cudaSuccess)                                                              \
            return or_errf(err, OR_EDEVICE, "cuda:%d %s: %s", be->device, what,             \
                           cudaGetErrorString(e_));                                         \
    } while (0)

extern "C" cudaStream_t or_cuda_stream(or_backend *be) { return impl(be)->stream; }
extern "C" cublasHandle_t or_cuda_cublas(or_backend *be) { return impl(be)->cublas; }
extern "C" cudnnHandle_t or_cuda_cudnn(or_backend *be) { return impl(be)->conv.handle; }

extern "C" or_status or_backend_cuda_use(or_backend *be, or_err *err)
{
    CUDA_TRY(cudaSetDevice(be->device), "select device");
    return OR_OK;
}

extern "C" int or_cuda_device_count(void)
{
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        cudaGetLastError(); /* no driver / no device: clear the sticky error */
        return 0;
    }
    return n;
}

static int is_f16(const or_tensor *t) { return t->dtype == OR_F16; }

static or_epilogue_f32 epilogue_args(const or_epilogue *ep, const or_tensor *b)
{
    or_epilogue_f32 e = {b ? (const float *)b->data : NULL, ep->act, ep->alpha,
                         ep->prelu ? (const float *)ep->prelu->data : NULL,
                         ep->residual ? (const float *)ep->residual->data : NULL, ep->res_scale};
    return e;
}

// cuDNN's kernels (the tensor-core ones above all) load 16 bytes at a time and the
// algorithm is chosen per shape, not per pointer.  A channel view (or_tensor_channels)
// starts c0*h*w elements into its buffer, which for odd planes is not 16-byte aligned:
// such an input or output goes through aligned arena scratch (one device copy).
#define CONV_PTR_ALIGN 16
static int misaligned(const void *p) { return ((uintptr_t)p & (CONV_PTR_ALIGN - 1)) != 0; }

// y = conv(x, w) without the epilogue; scratch comes from the arena (the caller resets it).
static or_status conv_aligned(or_backend *be, const or_conv_shape *s, const or_tensor *x,
                              const or_tensor *w, or_tensor *y, or_err *err)
{
    cudaStream_t st = impl(be)->stream;
    const void *xp = x->data;
    void *yp = y->data;
    if (misaligned(xp)) {
        void *t = NULL;
        OR_TRY(or_arena_alloc(&be->arena, or_nbytes(x), &t, err));
        CUDA_TRY(cudaMemcpyAsync(t, xp, or_nbytes(x), cudaMemcpyDeviceToDevice, st),
                 "stage conv2d input");
        xp = t;
    }
    if (misaligned(yp))
        OR_TRY(or_arena_alloc(&be->arena, or_nbytes(y), &yp, err));
    OR_TRY(conv2d_nchw_cudnn(&impl(be)->conv, s, is_f16(x), xp, w->data, yp, &be->arena, err));
    if (yp != y->data)
        CUDA_TRY(cudaMemcpyAsync(y->data, yp, or_nbytes(y), cudaMemcpyDeviceToDevice, st),
                 "stage conv2d output");
    return OR_OK;
}

// Pixels of an NHWC tensor (n*h*w): the rows the *_nhwc kernels run over.
static size_t pixels(const or_tensor *t) { return (size_t)t->n * t->h * t->w; }

// NHWC: cuDNN on the (strided) views, then the epilogue in place on y.
static or_status conv2d_nhwc(or_backend *be, const or_conv_shape *s, const or_tensor *x,
                             const or_tensor *w, const or_tensor *b, const or_conv2d_params *p,
                             or_tensor *y, or_err *err)
{
    cudaStream_t st = impl(be)->stream;
    OR_TRY(conv2d_nhwc_cudnn(&impl(be)->conv, s, is_f16(x), x->data, or_pstride(x), w->data,
                             y->data, or_pstride(y), st, &be->arena, err));
    or_epilogue_f32 e = epilogue_args(&p->ep, b);
    int ldr = p->ep.residual ? or_pstride(p->ep.residual) : or_pstride(y);
    return or_cuda_launched(
        "conv2d epilogue (nhwc)",
        epilogue_nhwc_cuda(st, y->data, or_pstride(y), is_f16(y), pixels(y), y->c, &e, ldr), err);
}

static or_status cuda_conv2d(or_backend *be, const or_tensor *x, const or_tensor *w,
                             const or_tensor *b, const or_conv2d_params *p, or_tensor *y,
                             or_err *err)
{
    or_conv_shape s = {x->n, x->c, x->h, x->w, w->n, w->h, w->w, p->stride_h, p->stride_w,
                       p->pad_h, p->pad_w, p->dil_h, p->dil_w, y->h, y->w};
    if (x->layout == OR_NHWC)
        return conv2d_nhwc(be, &s, x, w, b, p, y, err);
    // stream order keeps the scratch valid until the copies that use it have run
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_status st = conv_aligned(be, &s, x, w, y, err);
    or_arena_reset(&be->arena, m);
    OR_TRY(st);
    or_epilogue_f32 e = epilogue_args(&p->ep, b);
    return or_cuda_launched("conv2d epilogue",
                            epilogue_nchw_cuda(impl(be)->stream, y->data, is_f16(y), y->n, y->c,
                                               (size_t)y->h * y->w, &e),
                            err);
}

static or_status cuda_activation(or_backend *be, const or_tensor *x, or_act act, float alpha,
                                 const or_tensor *prelu, or_tensor *y, or_err *err)
{
    if (x->layout == OR_NHWC)
        return or_cuda_launched("activation (nhwc)",
                                activation_nhwc_cuda(impl(be)->stream, x->data, or_pstride(x),
                                                     y->data, or_pstride(y), is_f16(x), pixels(x),
                                                     x->c, act, alpha,
                                                     prelu ? (const float *)prelu->data : NULL),
                                err);
    return or_cuda_launched("activation",
                            activation_nchw_cuda(impl(be)->stream, x->data, y->data, is_f16(x),
                                                 x->n, x->c, (size_t)x->h * x->w, act, alpha,
                                                 prelu ? (const float *)prelu->data : NULL),
                            err);
}

static or_status cuda_add(or_backend *be, const or_tensor *a, float alpha, const or_tensor *b,
                          float beta, or_tensor *y, or_err *err)
{
    // packed tensors of either layout are flat arrays; NHWC views need their strides
    if (!or_is_packed(a) || !or_is_packed(b) || !or_is_packed(y))
        return or_cuda_launched("add (nhwc)",
                                add_nhwc_cuda(impl(be)->stream, a->data, or_pstride(a), alpha,
                                              b->data, or_pstride(b), beta, y->data, or_pstride(y),
                                              is_f16(a), pixels(a), a->c),
                                err);
    return or_cuda_launched(
        "add",
        add_cuda(impl(be)->stream, a->data, alpha, b->data, beta, y->data, is_f16(a), or_numel(a)),
        err);
}

static or_status cuda_channel_affine(or_backend *be, const or_tensor *x, const or_tensor *scale,
                                     const or_tensor *shift, or_tensor *y, or_err *err)
{
    return or_cuda_launched("channel_affine",
                            channel_affine_nchw_cuda(impl(be)->stream, x->data,
                                                     (const float *)scale->data,
                                                     (const float *)shift->data, y->data, is_f16(x),
                                                     x->n, x->c, (size_t)x->h * x->w),
                            err);
}

static or_status cuda_cast(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err)
{
    if (x->data == y->data) // or_cast allows this only with one dtype and pixel stride
        return OR_OK;
    // strided NHWC: a strided copy (same dtype) or a strided cast kernel
    if (!or_is_packed(x) || !or_is_packed(y))
        return or_cuda_cast_nhwc(impl(be)->stream, x->data, is_f16(x), or_pstride(x), y->data,
                                 is_f16(y), or_pstride(y), pixels(x), x->c, err);
    return or_cuda_launched(
        "cast", cast_cuda(impl(be)->stream, x->data, is_f16(x), y->data, is_f16(y), or_numel(x)),
        err);
}

static or_status cuda_pixel_shuffle(or_backend *be, const or_tensor *x, int r, or_tensor *y,
                                    or_err *err)
{
    if (x->layout == OR_NHWC)
        return or_cuda_launched("pixel_shuffle (nhwc)",
                                pixel_shuffle_nhwc_cuda(impl(be)->stream, x->data, or_pstride(x),
                                                        y->data, or_pstride(y), is_f16(x), x->n,
                                                        x->c, x->h, x->w, r),
                                err);
    return or_cuda_launched("pixel_shuffle",
                            pixel_shuffle_cuda(impl(be)->stream, x->data, y->data, is_f16(x), x->n,
                                               x->c, x->h, x->w, r),
                            err);
}

static or_status cuda_pixel_unshuffle(or_backend *be, const or_tensor *x, int r, or_tensor *y,
                                      or_err *err)
{
    if (x->layout == OR_NHWC)
        return or_cuda_launched("pixel_unshuffle (nhwc)",
                                pixel_unshuffle_nhwc_cuda(impl(be)->stream, x->data, or_pstride(x),
                                                          y->data, or_pstride(y), is_f16(x), x->n,
                                                          x->c, x->h, x->w, r),
                                err);
    return or_cuda_launched("pixel_unshuffle",
                            pixel_unshuffle_cuda(impl(be)->stream, x->data, y->data, is_f16(x),
                                                 x->n, x->c, x->h, x->w, r),
                            err);
}

static or_status cuda_upsample_nearest(or_backend *be, const or_tensor *x, int s, or_tensor *y,
                                       or_err *err)
{
    if (x->layout == OR_NHWC)
        return or_cuda_launched("upsample_nearest (nhwc)",
                                upsample_nearest_nhwc_cuda(impl(be)->stream, x->data, or_pstride(x),
                                                           y->data, or_pstride(y), is_f16(x), x->n,
                                                           x->c, x->h, x->w, s),
                                err);
    return or_cuda_launched("upsample_nearest",
                            upsample_nearest_cuda(impl(be)->stream, x->data, y->data, is_f16(x),
                                                  x->n, x->c, x->h, x->w, s),
                            err);
}

// y = x in y's layout: NCHW <-> NHWC, or a copy honouring the pixel strides.
static or_status cuda_convert_layout(or_backend *be, const or_tensor *x, or_tensor *y,
                                     or_err *err)
{
    cudaStream_t st = impl(be)->stream;
    if (x->layout == OR_NCHW && y->layout == OR_NHWC)
        return or_cuda_launched("nchw_to_nhwc",
                                nchw_to_nhwc_cuda(st, x->data, y->data, or_pstride(y), is_f16(x),
                                                  x->n, x->c, x->h, x->w),
                                err);
    if (x->layout == OR_NHWC && y->layout == OR_NCHW)
        return or_cuda_launched("nhwc_to_nchw",
                                nhwc_to_nchw_cuda(st, x->data, or_pstride(x), y->data, is_f16(x),
                                                  x->n, x->c, x->h, x->w),
                                err);
    if (x->layout == OR_NHWC)
        return or_cuda_cast_nhwc(st, x->data, is_f16(x), or_pstride(x), y->data, is_f16(y),
                                 or_pstride(y), pixels(x), x->c, err);
    CUDA_TRY(cudaMemcpyAsync(y->data, x->data, or_nbytes(x), cudaMemcpyDeviceToDevice, st),
             "convert_layout copy");
    return OR_OK;
}

static const or_ops cuda_ops = {cuda_conv2d,          cuda_activation,      cuda_add,
                                cuda_channel_affine,  cuda_cast,            cuda_pixel_shuffle,
                                cuda_pixel_unshuffle, cuda_upsample_nearest, cuda_convert_layout};

static void *cuda_alloc(or_backend *be, size_t bytes)
{
    void *p = NULL;
    if (cudaMalloc(&p, bytes) != cudaSuccess) {
        cudaGetLastError();
        return NULL;
    }
    be->n_mem_allocs++;
    return p;
}

static void cuda_free(or_backend *be, void *p) { cudaFree(p); }

static or_status cuda_copy_in(or_backend *be, void *dst, const void *host, size_t bytes,
                              or_err *err)
{
    CUDA_TRY(cudaMemcpyAsync(dst, host, bytes, cudaMemcpyHostToDevice, impl(be)->stream), "upload");
    CUDA_TRY(cudaStreamSynchronize(impl(be)->stream), "upload");
    return OR_OK;
}

static or_status cuda_copy_out(or_backend *be, void *host, const void *src, size_t bytes,
                               or_err *err)
{
    CUDA_TRY(cudaMemcpyAsync(host, src, bytes, cudaMemcpyDeviceToHost, impl(be)->stream),
             "download");
    CUDA_TRY(cudaStreamSynchronize(impl(be)->stream), "download");
    return OR_OK;
}

static or_status cuda_sync(or_backend *be, or_err *err)
{
    CUDA_TRY(cudaStreamSynchronize(impl(be)->stream), "synchronize");
    return OR_OK;
}

// Free device memory now (cudaMemGetInfo); 0 when it cannot be queried.
static size_t cuda_mem_available(or_backend *be)
{
    size_t free_b = 0, total_b = 0;
    if (cudaSetDevice(be->device) != cudaSuccess || cudaMemGetInfo(&free_b, &total_b) != cudaSuccess) {
        cudaGetLastError();
        return 0;
    }
    return free_b;
}

static void cuda_destroy(or_backend *be)
{
    cuda_impl *im = impl(be);
    if (im) {
        cudnn_conv_destroy(&im->conv);
        if (im->cublas)
            cublasDestroy(im->cublas);
        if (im->stream)
            cudaStreamDestroy(im->stream);
        free(im);
    }
    free(be);
}

static or_status cuda_setup(or_backend *be, cuda_impl *im, int device, or_err *err)
{
    cudaDeviceProp prop;
    CUDA_TRY(cudaSetDevice(device), "select device");
    CUDA_TRY(cudaGetDeviceProperties(&prop, device), "device properties");
    snprintf(be->name, sizeof be->name, "cuda:%d %.100s", device, prop.name);
    CUDA_TRY(cudaStreamCreateWithFlags(&im->stream, cudaStreamNonBlocking), "create stream");
    if (cublasCreate(&im->cublas) != CUBLAS_STATUS_SUCCESS ||
        cublasSetStream(im->cublas, im->stream) != CUBLAS_STATUS_SUCCESS) {
        const char *why = or_cublas_lazy_error(); /* libcublas is loaded on first use */
        return or_errf(err, OR_EDEVICE, "cuda:%d: cannot create a cuBLAS handle%s%s", device,
                       why ? ": " : "", why ? why : "");
    }
    return cudnn_conv_init(&im->conv, im->stream, err);
}

extern "C" or_status or_backend_cuda_create(int device, or_backend **out, or_err *err)
{
    *out = NULL;
    int count = or_cuda_device_count();
    if (device >= count)
        return or_errf(err, OR_EDEVICE, "-g %d: no such CUDA device (%d found); use -g cpu",
                       device, count);
    or_backend *be = (or_backend *)calloc(1, sizeof *be);
    cuda_impl *im = (cuda_impl *)calloc(1, sizeof *im);
    if (!be || !im) {
        free(be);
        free(im);
        return or_errf(err, OR_ENOMEM, "cuda backend: out of memory");
    }
    be->kind = OR_BACKEND_CUDA;
    be->device = device;
    be->impl = im;
    be->ops = &cuda_ops;
    be->act_layout[OR_F32] = OR_NCHW;
    be->act_layout[OR_F16] = OR_NHWC;
    be->fam = or_op_families{&or_ops_math_cuda, &or_ops_resample_cuda, &or_ops_deconv_cuda,
                             &or_ops_pool_cuda, &or_ops_color_cuda,    &or_ops_attention_cuda,
                             &or_ops_flow_cuda, &or_ops_norm_cuda};
    be->mem_alloc = cuda_alloc;
    be->mem_free = cuda_free;
    be->copy_in = cuda_copy_in;
    be->copy_out = cuda_copy_out;
    be->sync = cuda_sync;
    be->mem_available = cuda_mem_available;
    be->destroy = cuda_destroy;
    or_status s = cuda_setup(be, im, device, err);
    if (s != OR_OK) {
        cuda_destroy(be);
        return s;
    }
    or_arena_init(&be->arena, be, (size_t)64 << 20, 0);
    *out = be;
    return OR_OK;
}
