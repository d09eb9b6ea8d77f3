// conv2d_cuda.cu: 2-D convolution through cuDNN (the CPU twin is conv2d_cpu.c).
// f32: FMA math (no TF32), so results match the CPU to ~1e-5 relative.
// f16: tensor-core math with f32 accumulation.
// The algorithm is measured once per (shape, dtype) with cudnnFind and cached.
#include <string.h>

#include "kernels_cuda.h"

#define CUDNN_TRY(call, what)                                                               \
    do {                                                                                    \
        cudnnStatus_t st_ = (call);                                                         \
        if (st_ != CUDNN_STATUS_SUCCESS)                                                    \
            return or_errf(err, OR_EDEVICE, "cuDNN %s: %s", what, cudnnGetErrorString(st_)); \
    } while (0)

or_status cudnn_conv_init(or_cudnn_conv *c, cudaStream_t st, or_err *err)
{
    memset(c, 0, sizeof *c);
    CUDNN_TRY(cudnnCreate(&c->handle), "create");
    CUDNN_TRY(cudnnSetStream(c->handle, st), "set stream");
    CUDNN_TRY(cudnnCreateTensorDescriptor(&c->x_desc), "descriptor");
    CUDNN_TRY(cudnnCreateTensorDescriptor(&c->y_desc), "descriptor");
    CUDNN_TRY(cudnnCreateFilterDescriptor(&c->w_desc), "descriptor");
    CUDNN_TRY(cudnnCreateConvolutionDescriptor(&c->conv_desc), "descriptor");
    return OR_OK;
}

void cudnn_conv_destroy(or_cudnn_conv *c)
{
    if (c->conv_desc) cudnnDestroyConvolutionDescriptor(c->conv_desc);
    if (c->w_desc) cudnnDestroyFilterDescriptor(c->w_desc);
    if (c->y_desc) cudnnDestroyTensorDescriptor(c->y_desc);
    if (c->x_desc) cudnnDestroyTensorDescriptor(c->x_desc);
    if (c->handle) cudnnDestroy(c->handle);
    memset(c, 0, sizeof *c);
}

static or_status set_descriptors(or_cudnn_conv *c, const or_conv_shape *s, int f16, or_err *err)
{
    cudnnDataType_t dt = f16 ? CUDNN_DATA_HALF : CUDNN_DATA_FLOAT;
    CUDNN_TRY(cudnnSetTensor4dDescriptor(c->x_desc, CUDNN_TENSOR_NCHW, dt, s->n, s->ci, s->h, s->w),
              "input descriptor");
    CUDNN_TRY(cudnnSetTensor4dDescriptor(c->y_desc, CUDNN_TENSOR_NCHW, dt, s->n, s->co, s->ho, s->wo),
              "output descriptor");
    CUDNN_TRY(cudnnSetFilter4dDescriptor(c->w_desc, dt, CUDNN_TENSOR_NCHW, s->co, s->ci, s->kh, s->kw),
              "filter descriptor");
    CUDNN_TRY(cudnnSetConvolution2dDescriptor(c->conv_desc, s->ph, s->pw, s->sh, s->sw, s->dh, s->dw,
                                              CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
              "convolution descriptor");
    CUDNN_TRY(cudnnSetConvolutionMathType(c->conv_desc, f16 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH),
              "math type");
    return OR_OK;
}

static or_cudnn_algo_entry *cache_find(or_cudnn_conv *c, const or_conv_shape *s, int f16)
{
    for (int i = 0; i < c->n_cache; i++)
        if (c->cache[i].f16 == f16 && memcmp(&c->cache[i].shape, s, sizeof *s) == 0)
            return &c->cache[i];
    return NULL;
}

static or_status choose_algo(or_cudnn_conv *c, const or_conv_shape *s, int f16,
                             or_cudnn_algo_entry **out, or_err *err)
{
    or_cudnn_algo_entry *e = cache_find(c, s, f16);
    if (e) {
        *out = e;
        return OR_OK;
    }
    cudnnConvolutionFwdAlgoPerf_t perf[8];
    int found = 0;
    CUDNN_TRY(cudnnFindConvolutionForwardAlgorithm(c->handle, c->x_desc, c->w_desc, c->conv_desc,
                                                   c->y_desc, 8, &found, perf),
              "algorithm search");
    int best = -1;
    for (int i = 0; i < found && best < 0; i++)
        if (perf[i].status == CUDNN_STATUS_SUCCESS)
            best = i;
    if (best < 0)
        return or_errf(err, OR_EDEVICE, "cuDNN: no convolution algorithm for [%d,%d,%d,%d] * [%d,%d,%d,%d]",
                       s->n, s->ci, s->h, s->w, s->co, s->ci, s->kh, s->kw);
    if (c->n_cache == OR_CUDNN_ALGO_CACHE)
        c->n_cache = 0; /* a full cache restarts: more shapes than any network uses */
    e = &c->cache[c->n_cache++];
    e->shape = *s;
    e->f16 = f16;
    e->algo = perf[best].algo;
    e->workspace = perf[best].memory;
    *out = e;
    return OR_OK;
}

or_status conv2d_nchw_cudnn(or_cudnn_conv *c, const or_conv_shape *s, int f16, const void *x,
                            const void *w, void *y, or_arena *arena, or_err *err)
{
    OR_TRY(set_descriptors(c, s, f16, err));
    or_cudnn_algo_entry *e = NULL;
    OR_TRY(choose_algo(c, s, f16, &e, err));
    or_arena_mark m = or_arena_get_mark(arena);
    void *ws = NULL;
    if (e->workspace)
        OR_TRY(or_arena_alloc(arena, e->workspace, &ws, err));
    const float one = 1.0f, zero = 0.0f;
    cudnnStatus_t st = cudnnConvolutionForward(c->handle, &one, c->x_desc, x, c->w_desc, w,
                                               c->conv_desc, e->algo, ws, e->workspace, &zero,
                                               c->y_desc, y);
    /* the workspace is reused by the next call on the same stream: stream order makes that safe */
    or_arena_reset(arena, m);
    if (st != CUDNN_STATUS_SUCCESS)
        return or_errf(err, OR_EDEVICE, "cuDNN convolution [%d,%d,%d,%d] * [%d,%d,%d,%d]: %s", s->n,
                       s->ci, s->h, s->w, s->co, s->ci, s->kh, s->kw, cudnnGetErrorString(st));
    return OR_OK;
}
