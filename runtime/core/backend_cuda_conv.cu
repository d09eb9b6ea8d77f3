// backend_cuda_conv.cu: 2-D convolution through cuDNN (backend_cuda_conv.h; the CPU
// twins are kernels/conv2d_cpu.c and conv2d_nhwc_cpu.c), NCHW or NHWC with pixel strides.
// f32: FMA math (no TF32), so results match the CPU to ~1e-5 relative.
// f16: tensor-core math with f32 accumulation.
// The algorithm is measured once per (shape, dtype, layout, pixel strides) with
// cudnnFind and cached.
//
// The search: cudnnFindConvolutionForwardAlgorithm (not the Ex variant) takes no
// data pointers; it times the algorithms on buffers it cudaMallocs itself, sized from
// the descriptors (a strided descriptor gets its full strided extent), host-blocking.
// So the search never touches our x or y (a strided y cannot be written outside its
// view by it); only the convolution proper writes y, and cuDNN writes just the
// elements the y descriptor describes.  Those buffers are cudaMalloc-aligned, so the
// search cannot tell whether our pointers suit the kernel: we require 16-byte
// alignment ourselves, as backend_cuda.cu does for NCHW channel views.
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "backend_cuda_conv.h"
#include "kernels/kernels_cuda.h"

#define CUDNN_TRY(call, what)                                                               \
    do {                                                                                    \
        cudnnStatus_t st_ = (call);                                                         \
        if (st_ != CUDNN_STATUS_SUCCESS)                                                    \
            return or_errf(err, OR_EDEVICE, "cuDNN %s: %s", what, cudnnGetErrorString(st_)); \
    } while (0)

#define CONV_ALIGN 16 /* bytes: cuDNN's vectorised loads */

// How the tensors are laid out: NCHW (nhwc 0), or NHWC with pixel strides ldx, ldy.
typedef struct {
    int nhwc, ldx, ldy;
} conv_layout;

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

// An [n,ch,h,w] NHWC tensor with pixel stride ld: nStride h*w*ld, cStride 1,
// hStride w*ld, wStride ld (cuDNN takes int strides).
static or_status set_nhwc_desc(cudnnTensorDescriptor_t d, cudnnDataType_t dt, int n, int ch, int h,
                               int w, int ld, const char *what, or_err *err)
{
    size_t hs = (size_t)w * (size_t)ld, ns = hs * (size_t)h;
    if (ns > INT_MAX)
        return or_errf(err, OR_ENOMEM, "cuDNN %s: [%d,%d,%d,%d] nhwc/%d is too large for one "
                       "convolution (%zu elements per image); tile the image", what, n, ch, h, w, ld, ns);
    CUDNN_TRY(cudnnSetTensor4dDescriptorEx(d, dt, n, ch, h, w, (int)ns, 1, (int)hs, ld), what);
    return OR_OK;
}

static or_status set_descriptors(or_cudnn_conv *c, const or_conv_shape *s, int f16, conv_layout L,
                                 or_err *err)
{
    cudnnDataType_t dt = f16 ? CUDNN_DATA_HALF : CUDNN_DATA_FLOAT;
    if (L.nhwc) {
        OR_TRY(set_nhwc_desc(c->x_desc, dt, s->n, s->ci, s->h, s->w, L.ldx, "input descriptor", err));
        OR_TRY(set_nhwc_desc(c->y_desc, dt, s->n, s->co, s->ho, s->wo, L.ldy, "output descriptor", err));
    } else {
        CUDNN_TRY(cudnnSetTensor4dDescriptor(c->x_desc, CUDNN_TENSOR_NCHW, dt, s->n, s->ci, s->h, s->w),
                  "input descriptor");
        CUDNN_TRY(cudnnSetTensor4dDescriptor(c->y_desc, CUDNN_TENSOR_NCHW, dt, s->n, s->co, s->ho, s->wo),
                  "output descriptor");
    }
    // NHWC filter format: the weight is stored K x R x S x C (KRSC)
    CUDNN_TRY(cudnnSetFilter4dDescriptor(c->w_desc, dt, L.nhwc ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW,
                                         s->co, s->ci, s->kh, s->kw),
              "filter descriptor");
    CUDNN_TRY(cudnnSetConvolution2dDescriptor(c->conv_desc, s->ph, s->pw, s->sh, s->sw, s->dh, s->dw,
                                              CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT),
              "convolution descriptor");
    CUDNN_TRY(cudnnSetConvolutionMathType(c->conv_desc, f16 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH),
              "math type");
    return OR_OK;
}

static or_cudnn_algo_entry *cache_find(or_cudnn_conv *c, const or_conv_shape *s, int f16,
                                       conv_layout L)
{
    for (int i = 0; i < c->n_cache; i++) {
        or_cudnn_algo_entry *e = &c->cache[i];
        if (e->f16 == f16 && e->nhwc == L.nhwc && e->ldx == L.ldx && e->ldy == L.ldy &&
            memcmp(&e->shape, s, sizeof *s) == 0)
            return e;
    }
    return NULL;
}

static or_cudnn_algo_entry *cache_add(or_cudnn_conv *c, const or_conv_shape *s, int f16,
                                      conv_layout L)
{
    if (c->n_cache == OR_CUDNN_ALGO_CACHE)
        c->n_cache = 0; /* a full cache restarts: more shapes than any network uses */
    or_cudnn_algo_entry *e = &c->cache[c->n_cache++];
    memset(e, 0, sizeof *e);
    e->shape = *s;
    e->f16 = f16;
    e->nhwc = L.nhwc;
    e->ldx = L.ldx;
    e->ldy = L.ldy;
    return e;
}

// The fastest successful result measured with the math type we run with (Find also
// tries CUDNN_DEFAULT_MATH, which may mean TF32 for f32); else the fastest at all.
static int best_result(const cudnnConvolutionFwdAlgoPerf_t *perf, int found, cudnnMathType_t math)
{
    for (int i = 0; i < found; i++)
        if (perf[i].status == CUDNN_STATUS_SUCCESS && perf[i].mathType == math)
            return i;
    for (int i = 0; i < found; i++)
        if (perf[i].status == CUDNN_STATUS_SUCCESS)
            return i;
    return -1;
}

// The cached algorithm for the descriptors just set, searched on the first call.
// A strided NHWC layout that cuDNN refuses is cached with packed = 1 (the caller
// then goes through packed scratch); a refusal of a packed layout is an error.
static or_status choose_algo(or_cudnn_conv *c, const or_conv_shape *s, int f16, conv_layout L,
                             or_cudnn_algo_entry **out, or_err *err)
{
    *out = cache_find(c, s, f16, L);
    if (*out)
        return OR_OK;
    int no_fallback = !L.nhwc || (L.ldx == s->ci && L.ldy == s->co); /* already packed */
    cudnnMathType_t math = f16 ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH;
    cudnnConvolutionFwdAlgoPerf_t perf[8];
    int found = 0;
    cudnnStatus_t fs = cudnnFindConvolutionForwardAlgorithm(c->handle, c->x_desc, c->w_desc,
                                                            c->conv_desc, c->y_desc, 8, &found, perf);
    if (fs != CUDNN_STATUS_SUCCESS && no_fallback)
        return or_errf(err, OR_EDEVICE, "cuDNN algorithm search: %s", cudnnGetErrorString(fs));
    int best = fs == CUDNN_STATUS_SUCCESS ? best_result(perf, found, math) : -1;
    if (best < 0 && no_fallback)
        return or_errf(err, OR_EDEVICE, "cuDNN: no %s convolution algorithm for [%d,%d,%d,%d] * [%d,%d,%d,%d]",
                       L.nhwc ? "nhwc" : "nchw", s->n, s->ci, s->h, s->w, s->co, s->ci, s->kh, s->kw);
    or_cudnn_algo_entry *e = cache_add(c, s, f16, L);
    if (best < 0) {
        e->packed = 1;
        (void)cudaGetLastError(); /* a refused launch must not surface in our next kernel */
    } else {
        e->algo = perf[best].algo;
        e->workspace = perf[best].memory;
        // the result may have been timed under another math type: ask for ours too
        size_t ws = 0;
        if (cudnnGetConvolutionForwardWorkspaceSize(c->handle, c->x_desc, c->w_desc, c->conv_desc,
                                                    c->y_desc, e->algo, &ws) == CUDNN_STATUS_SUCCESS &&
            ws > e->workspace)
            e->workspace = ws;
    }
    *out = e;
    return OR_OK;
}

// *cs = cudnnConvolutionForward with the descriptors set and algorithm e; the workspace
// comes from the arena and goes back (stream order keeps it valid until the
// convolution ran).  Fails only when the workspace cannot be had.
static or_status forward(or_cudnn_conv *c, const or_cudnn_algo_entry *e, const void *x,
                         const void *w, void *y, or_arena *arena, cudnnStatus_t *cs, or_err *err)
{
    or_arena_mark m = or_arena_get_mark(arena);
    void *ws = NULL;
    or_status r = e->workspace ? or_arena_alloc(arena, e->workspace, &ws, err) : OR_OK;
    const float one = 1.0f, zero = 0.0f;
    if (r == OR_OK)
        *cs = cudnnConvolutionForward(c->handle, &one, c->x_desc, x, c->w_desc, w, c->conv_desc,
                                      e->algo, ws, e->workspace, &zero, c->y_desc, y);
    or_arena_reset(arena, m);
    return r;
}

static or_status forward_err(const or_conv_shape *s, const char *layout, cudnnStatus_t st,
                             or_err *err)
{
    return or_errf(err, OR_EDEVICE, "cuDNN %s convolution [%d,%d,%d,%d] * [%d,%d,%d,%d]: %s", layout,
                   s->n, s->ci, s->h, s->w, s->co, s->ci, s->kh, s->kw, cudnnGetErrorString(st));
}

or_status conv2d_nchw_cudnn(or_cudnn_conv *c, const or_conv_shape *s, int f16, const void *x,
                            const void *w, void *y, or_arena *arena, or_err *err)
{
    conv_layout L = {0, 0, 0};
    OR_TRY(set_descriptors(c, s, f16, L, err));
    or_cudnn_algo_entry *e = NULL;
    OR_TRY(choose_algo(c, s, f16, L, &e, err));
    cudnnStatus_t cs = CUDNN_STATUS_SUCCESS;
    OR_TRY(forward(c, e, x, w, y, arena, &cs, err));
    return cs == CUDNN_STATUS_SUCCESS ? OR_OK : forward_err(s, "nchw", cs, err);
}

static int misaligned(const void *p) { return ((uintptr_t)p & (CONV_ALIGN - 1)) != 0; }

// A view cuDNN may be given as it is: aligned, and packed or with a pixel pitch
// of whole 16-byte units.
static int view_usable(const void *p, int ld, int ch, size_t es)
{
    return !misaligned(p) && (ld == ch || ((size_t)ld * es) % CONV_ALIGN == 0);
}

or_status or_cuda_cast_nhwc(cudaStream_t st, const void *x, int x_f16, int ldx, void *y,
                            int y_f16, int ldy, size_t pixels, int c, or_err *err)
{
    cudaError_t e = cast_nhwc_cuda(st, x, x_f16, ldx, y, y_f16, ldy, pixels, c);
    if (e == cudaSuccess)
        return OR_OK;
    if (x_f16 == y_f16)
        return or_errf(err, OR_EDEVICE, "strided copy of %zu pixels x %d channels: %s", pixels, c,
                       cudaGetErrorString(e));
    return or_errf(err, OR_EDEVICE, "cast (nhwc): %s", cudaGetErrorString(e));
}

// The packed route: x gathered into packed NHWC scratch (unless it is packed and
// aligned already), the convolution on packed descriptors, y scattered from
// scratch.  The scratch comes from the arena; the caller resets it.
static or_status conv_packed(or_cudnn_conv *c, const or_conv_shape *s, int f16, const void *x,
                             int ldx, const void *w, void *y, int ldy, cudaStream_t st,
                             or_arena *arena, or_err *err)
{
    size_t es = f16 ? 2 : 4;
    size_t px_in = (size_t)s->n * s->h * s->w, px_out = (size_t)s->n * s->ho * s->wo;
    const void *xp = x;
    void *yp = y;
    if (ldx != s->ci || misaligned(x)) {
        void *t = NULL;
        OR_TRY(or_arena_alloc(arena, px_in * s->ci * es, &t, err));
        OR_TRY(or_cuda_cast_nhwc(st, x, f16, ldx, t, f16, s->ci, px_in, s->ci, err));
        xp = t;
    }
    if (ldy != s->co || misaligned(y))
        OR_TRY(or_arena_alloc(arena, px_out * s->co * es, &yp, err));
    conv_layout L = {1, s->ci, s->co};
    OR_TRY(set_descriptors(c, s, f16, L, err));
    or_cudnn_algo_entry *e = NULL;
    OR_TRY(choose_algo(c, s, f16, L, &e, err));
    cudnnStatus_t cs = CUDNN_STATUS_SUCCESS;
    OR_TRY(forward(c, e, xp, w, yp, arena, &cs, err));
    if (cs != CUDNN_STATUS_SUCCESS)
        return forward_err(s, "nhwc", cs, err);
    if (yp != y)
        OR_TRY(or_cuda_cast_nhwc(st, yp, f16, s->co, y, f16, ldy, px_out, s->co, err));
    return OR_OK;
}

or_status conv2d_nhwc_cudnn(or_cudnn_conv *c, const or_conv_shape *s, int f16, const void *x,
                            int ldx, const void *w, void *y, int ldy, cudaStream_t st,
                            or_arena *arena, or_err *err)
{
    // the gather/scatter copies run on st and must be ordered with the convolution
    cudaStream_t hs = NULL;
    CUDNN_TRY(cudnnGetStream(c->handle, &hs), "get stream");
    if (hs != st)
        CUDNN_TRY(cudnnSetStream(c->handle, st), "set stream");
    size_t es = f16 ? 2 : 4;
    if (view_usable(x, ldx, s->ci, es) && view_usable(y, ldy, s->co, es)) {
        conv_layout L = {1, ldx, ldy};
        OR_TRY(set_descriptors(c, s, f16, L, err));
        or_cudnn_algo_entry *e = NULL;
        OR_TRY(choose_algo(c, s, f16, L, &e, err));
        if (!e->packed) {
            cudnnStatus_t cs = CUDNN_STATUS_SUCCESS;
            OR_TRY(forward(c, e, x, w, y, arena, &cs, err));
            if (cs == CUDNN_STATUS_SUCCESS)
                return OR_OK;
            int refused = CUDNN_STATUS_CATEGORY(cs) == CUDNN_STATUS_NOT_SUPPORTED ||
                          CUDNN_STATUS_CATEGORY(cs) == CUDNN_STATUS_BAD_PARAM;
            if (!refused || (ldx == s->ci && ldy == s->co))
                return forward_err(s, "nhwc", cs, err);
            e->packed = 1; /* searched fine, refused at run time: packed from now on */
            (void)cudaGetLastError();
        }
    }
    // stream order keeps the scratch valid until the copies that use it have run
    or_arena_mark m = or_arena_get_mark(arena);
    or_status r = conv_packed(c, s, f16, x, ldx, w, y, ldy, st, arena, err);
    or_arena_reset(arena, m);
    return r;
}
