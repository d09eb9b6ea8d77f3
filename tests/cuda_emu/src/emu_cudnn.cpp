// emu_cudnn.cpp: the CUDA emulator's cuDNN (tests/cuda_emu): 2-D convolution forward
// and backward data computed from the descriptors (any 4-d strides: NCHW packed,
// NHWC with pixel strides; NCHW or NHWC (KRSC) filters; pad, stride, dilation;
// cross-correlation or convolution; f32 or f16 storage, f32 accumulation).
// Strict like the real library: descriptors that disagree (output dims, channel
// counts, data types, overlapping strides) give CUDNN_STATUS_BAD_PARAM; a filter
// format the tensors do not match NOT_SUPPORTED; pointers not 16-byte aligned
// BAD_PARAM_MISALIGNED_POINTER; a workspace smaller than the algorithm's
// BAD_PARAM.  Data outside device memory, a workspace overlapping the tensors, or
// an output overlapping an input abort (an illegal address / a race on a GPU).
// The workspace is filled with garbage, so a tensor placed in it shows.
#include <algorithm>
#include <string.h>
#include <type_traits>
#include <stdio.h>
#include <vector>

#include "cuda_fp16.h"
#include "cudnn.h"

namespace {

const unsigned kMagic = 0x0c0d0e0fu;

} // namespace

struct cudnnContext {
    unsigned magic;
    cudaStream_t stream;
};
struct cudnnTensorStruct {
    unsigned magic;
    bool set;
    cudnnDataType_t dt;
    int d[4], s[4]; // n, c, h, w and their strides (elements)
};
struct cudnnFilterStruct {
    unsigned magic;
    bool set;
    cudnnDataType_t dt;
    cudnnTensorFormat_t fmt;
    int k, c, h, w;
};
struct cudnnConvolutionStruct {
    unsigned magic;
    bool set;
    int ph, pw, sh, sw, dh, dw;
    cudnnConvolutionMode_t mode;
    cudnnDataType_t compute;
    cudnnMathType_t math;
};

namespace {

bool dt_ok(cudnnDataType_t dt) { return dt == CUDNN_DATA_FLOAT || dt == CUDNN_DATA_HALF; }
size_t dt_size(cudnnDataType_t dt) { return dt == CUDNN_DATA_HALF ? 2 : 4; }

float load(const void *p, size_t i, cudnnDataType_t dt)
{
    return dt == CUDNN_DATA_HALF ? __half2float(((const __half *)p)[i]) : ((const float *)p)[i];
}

void store(void *p, size_t i, cudnnDataType_t dt, float v)
{
    if (dt == CUDNN_DATA_HALF)
        ((__half *)p)[i] = __float2half_rn(v);
    else
        ((float *)p)[i] = v;
}

// Elements from the first to the last one a descriptor addresses.
size_t extent(const cudnnTensorStruct *t)
{
    size_t e = 1;
    for (int i = 0; i < 4; i++)
        e += (size_t)(t->d[i] - 1) * (size_t)t->s[i];
    return e;
}

// Whether two different index tuples can reach one element.
bool strides_overlap(const cudnnTensorStruct *t)
{
    int ord[4] = {0, 1, 2, 3};
    std::sort(ord, ord + 4, [&](int a, int b) { return t->s[a] < t->s[b]; });
    size_t span = 1; // elements covered by the dimensions so far
    for (int i = 0; i < 4; i++) {
        int k = ord[i];
        if (t->d[k] == 1)
            continue;
        if ((size_t)t->s[k] < span)
            return true;
        span = (size_t)t->s[k] * (size_t)(t->d[k] - 1) + span;
    }
    return false;
}

int out_dim(int in, int pad, int k, int dil, int stride)
{
    int eff = (k - 1) * dil + 1;
    if (in + 2 * pad < eff)
        return 0;
    return 1 + (in + 2 * pad - eff) / stride;
}

bool misaligned(const void *p) { return ((uintptr_t)p & 15u) != 0; }

bool ranges_overlap(const void *a, size_t na, const void *b, size_t nb)
{
    uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
    return na && nb && x < y + nb && y < x + na;
}

// Whether two tensors share no element.  Their byte ranges may interleave:
// channel views of one NHWC buffer (same pixel strides, channel stride 1) are
// disjoint when their channel ranges are, as a dense block's input and output.
bool views_disjoint(const void *a, const cudnnTensorStruct *ad, const void *b,
                    const cudnnTensorStruct *bd)
{
    size_t es = dt_size(ad->dt);
    if (!ranges_overlap(a, extent(ad) * es, b, extent(bd) * es))
        return true;
    if (ad->dt != bd->dt || ad->s[1] != 1 || bd->s[1] != 1 || ad->s[0] != bd->s[0] ||
        ad->s[2] != bd->s[2] || ad->s[3] != bd->s[3] ||
        (size_t)ad->s[2] != (size_t)ad->d[3] * ad->s[3] ||
        (ad->d[0] > 1 && (size_t)ad->s[0] != (size_t)ad->d[2] * ad->s[2]))
        return false;
    if ((uintptr_t)b < (uintptr_t)a)
        std::swap(a, b), std::swap(ad, bd);
    size_t d = ((uintptr_t)b - (uintptr_t)a);
    if (d % es)
        return false;
    size_t r = d / es % (size_t)ad->s[3]; // b's first channel within a's pixel
    return r >= (size_t)ad->d[1] && r + (size_t)bd->d[1] <= (size_t)ad->s[3];
}

// x (the input of the forward convolution), filter, descriptor, y (its output):
// the checks of cudnnConvolutionForward and of the backward data pass alike.
cudnnStatus_t check_conv(const cudnnTensorStruct *x, const cudnnFilterStruct *w,
                         const cudnnConvolutionStruct *cd, const cudnnTensorStruct *y,
                         const char *what)
{
    if (!x || !w || !cd || !y || x->magic != kMagic || w->magic != kMagic ||
        cd->magic != kMagic || y->magic != kMagic || !x->set || !w->set || !cd->set || !y->set) {
        fprintf(stderr, "[cuda-emu] %s: a descriptor is missing or not set\n", what);
        return CUDNN_STATUS_BAD_PARAM;
    }
    if (x->dt != y->dt || x->dt != w->dt ||
        (cd->compute != CUDNN_DATA_FLOAT && !(cd->compute == CUDNN_DATA_HALF && x->dt == CUDNN_DATA_HALF))) {
        fprintf(stderr, "[cuda-emu] %s: data types disagree (x %d, w %d, y %d, compute %d)\n",
                what, x->dt, w->dt, y->dt, cd->compute);
        return CUDNN_STATUS_BAD_PARAM;
    }
    int oh = out_dim(x->d[2], cd->ph, w->h, cd->dh, cd->sh);
    int ow = out_dim(x->d[3], cd->pw, w->w, cd->dw, cd->sw);
    if (w->c != x->d[1] || y->d[0] != x->d[0] || y->d[1] != w->k || y->d[2] != oh ||
        y->d[3] != ow || oh <= 0 || ow <= 0) {
        fprintf(stderr,
                "[cuda-emu] %s: descriptors disagree: x [%d,%d,%d,%d] * w [%d,%d,%d,%d] "
                "(pad %d,%d stride %d,%d dil %d,%d) gives [%d,%d,%d,%d], y is [%d,%d,%d,%d]\n",
                what, x->d[0], x->d[1], x->d[2], x->d[3], w->k, w->c, w->h, w->w, cd->ph, cd->pw,
                cd->sh, cd->sw, cd->dh, cd->dw, x->d[0], w->k, oh, ow, y->d[0], y->d[1], y->d[2],
                y->d[3]);
        return CUDNN_STATUS_BAD_PARAM;
    }
    if (strides_overlap(x) || strides_overlap(y)) {
        fprintf(stderr, "[cuda-emu] %s: a tensor descriptor's strides overlap\n", what);
        return CUDNN_STATUS_BAD_PARAM;
    }
    bool nhwc_filter = w->fmt == CUDNN_TENSOR_NHWC;
    for (const cudnnTensorStruct *t : {x, y})
        if (nhwc_filter ? t->s[1] != 1 : t->s[3] != 1) {
            fprintf(stderr, "[cuda-emu] %s: %s filter with tensors of strides [%d,%d,%d,%d]\n",
                    what, nhwc_filter ? "NHWC" : "NCHW", t->s[0], t->s[1], t->s[2], t->s[3]);
            return CUDNN_STATUS_NOT_SUPPORTED;
        }
    return CUDNN_STATUS_SUCCESS;
}

// Workspace bytes of a forward algorithm; false: not supported.
bool fwd_workspace(const cudnnTensorStruct *x, const cudnnFilterStruct *w,
                   const cudnnTensorStruct *y, cudnnConvolutionFwdAlgo_t algo, size_t *bytes)
{
    size_t es = dt_size(x->dt);
    switch (algo) {
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM: *bytes = 0; return true;
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM:
        *bytes = (size_t)w->h * w->w * w->c * sizeof(int) + 4096;
        return true;
    case CUDNN_CONVOLUTION_FWD_ALGO_GEMM:
        *bytes = (size_t)w->c * w->h * w->w * y->d[2] * y->d[3] * es;
        return true;
    default: return false;
    }
}

bool bwd_workspace(const cudnnFilterStruct *w, cudnnConvolutionBwdDataAlgo_t algo, size_t *bytes)
{
    switch (algo) {
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_0: *bytes = 0; return true;
    case CUDNN_CONVOLUTION_BWD_DATA_ALGO_1:
        *bytes = (size_t)w->h * w->w * w->k * sizeof(int) + 4096;
        return true;
    default: return false;
    }
}

size_t tensor_bytes(const cudnnTensorStruct *t) { return extent(t) * dt_size(t->dt); }
size_t filter_bytes(const cudnnFilterStruct *w)
{
    return (size_t)w->k * w->c * w->h * w->w * dt_size(w->dt);
}

// The memory checks of a call: tensors in device memory, aligned, the output not
// overlapping an input, the workspace apart from all of them (then garbage).
cudnnStatus_t check_memory(cudnnContext *h, const void *in, const cudnnTensorStruct *ind,
                           const void *w, const cudnnFilterStruct *wd, void *out,
                           const cudnnTensorStruct *outd, void *ws, size_t ws_bytes,
                           size_t ws_need, const char *what)
{
    if (!or_emu::stream_ok(h->stream)) {
        fprintf(stderr, "[cuda-emu] %s: the handle's stream is not a live stream\n", what);
        return CUDNN_STATUS_BAD_PARAM;
    }
    if (!in || !w || !out)
        return CUDNN_STATUS_BAD_PARAM_NULL_POINTER;
    if (misaligned(in) || misaligned(w) || misaligned(out)) {
        fprintf(stderr, "[cuda-emu] %s: pointers not 16-byte aligned (%p, %p, %p)\n", what, in,
                w, out);
        return CUDNN_STATUS_BAD_PARAM_MISALIGNED_POINTER;
    }
    if (ws_bytes < ws_need || (ws_need && !ws)) {
        fprintf(stderr, "[cuda-emu] %s: workspace %zu bytes at %p, the algorithm needs %zu\n",
                what, ws_bytes, ws, ws_need);
        return CUDNN_STATUS_BAD_PARAM;
    }
    size_t ib = tensor_bytes(ind), wb = filter_bytes(wd), ob = tensor_bytes(outd);
    or_emu::check_device_range(in, ib, "cuDNN input");
    or_emu::check_device_range(w, wb, "cuDNN filter");
    or_emu::check_device_range(out, ob, "cuDNN output");
    if (!views_disjoint(out, outd, in, ind) || ranges_overlap(out, ob, w, wb))
        or_emu::fail(__FILE__, __LINE__, "%s: the output overlaps an input", what);
    if (ws_need) {
        or_emu::check_device_range(ws, ws_bytes, "cuDNN workspace");
        if (ranges_overlap(ws, ws_bytes, in, ib) || ranges_overlap(ws, ws_bytes, w, wb) ||
            ranges_overlap(ws, ws_bytes, out, ob))
            or_emu::fail(__FILE__, __LINE__, "%s: the workspace [%p, +%zu) overlaps a tensor",
                         what, ws, ws_bytes);
        memset(ws, 0xFF, ws_bytes);
    }
    return CUDNN_STATUS_SUCCESS;
}

size_t at(const cudnnTensorStruct *t, int n, int c, int h, int w)
{
    return (size_t)n * t->s[0] + (size_t)c * t->s[1] + (size_t)h * t->s[2] + (size_t)w * t->s[3];
}

// The filter as floats [kh][kw][c][k] (k innermost) or [kh][kw][k][c] (c innermost).
std::vector<float> filter_f32(const cudnnFilterStruct *wd, const void *w, bool k_inner, bool flip)
{
    std::vector<float> f((size_t)wd->k * wd->c * wd->h * wd->w);
    for (int k = 0; k < wd->k; k++)
        for (int c = 0; c < wd->c; c++)
            for (int r = 0; r < wd->h; r++)
                for (int s = 0; s < wd->w; s++) {
                    size_t src = wd->fmt == CUDNN_TENSOR_NHWC
                                     ? (((size_t)k * wd->h + r) * wd->w + s) * wd->c + c
                                     : (((size_t)k * wd->c + c) * wd->h + r) * wd->w + s;
                    int rr = flip ? wd->h - 1 - r : r, ss = flip ? wd->w - 1 - s : s;
                    size_t tap = (size_t)rr * wd->w + ss;
                    size_t dst = k_inner ? (tap * wd->c + c) * wd->k + k : (tap * wd->k + k) * wd->c + c;
                    f[dst] = load(w, src, wd->dt);
                }
    return f;
}

float scalar(const void *p) { return *(const float *)p; }

} // namespace

// ---- handles and descriptors ---------------------------------------------------------
const char *cudnnGetErrorString(cudnnStatus_t s)
{
    switch (s) {
    case CUDNN_STATUS_SUCCESS: return "CUDNN_STATUS_SUCCESS";
    case CUDNN_STATUS_NOT_INITIALIZED: return "CUDNN_STATUS_NOT_INITIALIZED";
    case CUDNN_STATUS_BAD_PARAM: return "CUDNN_STATUS_BAD_PARAM";
    case CUDNN_STATUS_BAD_PARAM_NULL_POINTER: return "CUDNN_STATUS_BAD_PARAM_NULL_POINTER";
    case CUDNN_STATUS_BAD_PARAM_MISALIGNED_POINTER: return "CUDNN_STATUS_BAD_PARAM_MISALIGNED_POINTER";
    case CUDNN_STATUS_NOT_SUPPORTED: return "CUDNN_STATUS_NOT_SUPPORTED";
    case CUDNN_STATUS_EXECUTION_FAILED: return "CUDNN_STATUS_EXECUTION_FAILED";
    default: return "CUDNN_STATUS_(other)";
    }
}

cudnnStatus_t cudnnCreate(cudnnHandle_t *h)
{
    *h = new cudnnContext{kMagic, nullptr};
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnDestroy(cudnnHandle_t h)
{
    if (!h || h->magic != kMagic)
        return CUDNN_STATUS_BAD_PARAM;
    h->magic = 0;
    delete h;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetStream(cudnnHandle_t h, cudaStream_t st)
{
    if (!h || h->magic != kMagic || !or_emu::stream_ok(st))
        return CUDNN_STATUS_BAD_PARAM;
    h->stream = st;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetStream(cudnnHandle_t h, cudaStream_t *st)
{
    if (!h || h->magic != kMagic)
        return CUDNN_STATUS_BAD_PARAM;
    *st = h->stream;
    return CUDNN_STATUS_SUCCESS;
}

#define OR_EMU_DESC_LIFE(T, S)                                                               \
    cudnnStatus_t cudnnCreate##T##Descriptor(S *d)                                           \
    {                                                                                        \
        *d = new std::remove_pointer<S>::type();                                             \
        (*d)->magic = kMagic;                                                                \
        return CUDNN_STATUS_SUCCESS;                                                         \
    }                                                                                        \
    cudnnStatus_t cudnnDestroy##T##Descriptor(S d)                                           \
    {                                                                                        \
        if (!d || d->magic != kMagic)                                                        \
            return CUDNN_STATUS_BAD_PARAM;                                                   \
        d->magic = 0;                                                                        \
        delete d;                                                                            \
        return CUDNN_STATUS_SUCCESS;                                                         \
    }
OR_EMU_DESC_LIFE(Tensor, cudnnTensorDescriptor_t)
OR_EMU_DESC_LIFE(Filter, cudnnFilterDescriptor_t)
OR_EMU_DESC_LIFE(Convolution, cudnnConvolutionDescriptor_t)

cudnnStatus_t cudnnSetTensor4dDescriptorEx(cudnnTensorDescriptor_t d, cudnnDataType_t dt, int n,
                                           int c, int h, int w, int ns, int cs, int hs, int ws)
{
    if (!d || d->magic != kMagic || !dt_ok(dt) || n <= 0 || c <= 0 || h <= 0 || w <= 0 ||
        ns <= 0 || cs <= 0 || hs <= 0 || ws <= 0)
        return CUDNN_STATUS_BAD_PARAM;
    d->dt = dt;
    int dims[4] = {n, c, h, w}, str[4] = {ns, cs, hs, ws};
    memcpy(d->d, dims, sizeof dims);
    memcpy(d->s, str, sizeof str);
    d->set = true;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetTensor4dDescriptor(cudnnTensorDescriptor_t d, cudnnTensorFormat_t f,
                                         cudnnDataType_t dt, int n, int c, int h, int w)
{
    if (f == CUDNN_TENSOR_NCHW)
        return cudnnSetTensor4dDescriptorEx(d, dt, n, c, h, w, c * h * w, h * w, w, 1);
    if (f == CUDNN_TENSOR_NHWC)
        return cudnnSetTensor4dDescriptorEx(d, dt, n, c, h, w, h * w * c, 1, w * c, c);
    return CUDNN_STATUS_BAD_PARAM;
}

cudnnStatus_t cudnnSetFilter4dDescriptor(cudnnFilterDescriptor_t d, cudnnDataType_t dt,
                                         cudnnTensorFormat_t f, int k, int c, int h, int w)
{
    if (!d || d->magic != kMagic || !dt_ok(dt) || k <= 0 || c <= 0 || h <= 0 || w <= 0 ||
        (f != CUDNN_TENSOR_NCHW && f != CUDNN_TENSOR_NHWC))
        return CUDNN_STATUS_BAD_PARAM;
    d->dt = dt, d->fmt = f, d->k = k, d->c = c, d->h = h, d->w = w;
    d->set = true;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetConvolution2dDescriptor(cudnnConvolutionDescriptor_t d, int pad_h,
                                              int pad_w, int u, int v, int dil_h, int dil_w,
                                              cudnnConvolutionMode_t mode, cudnnDataType_t compute)
{
    if (!d || d->magic != kMagic || pad_h < 0 || pad_w < 0 || u <= 0 || v <= 0 || dil_h <= 0 ||
        dil_w <= 0 || (mode != CUDNN_CONVOLUTION && mode != CUDNN_CROSS_CORRELATION) ||
        !dt_ok(compute))
        return CUDNN_STATUS_BAD_PARAM;
    d->ph = pad_h, d->pw = pad_w, d->sh = u, d->sw = v, d->dh = dil_h, d->dw = dil_w;
    d->mode = mode, d->compute = compute;
    d->set = true;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnSetConvolutionMathType(cudnnConvolutionDescriptor_t d, cudnnMathType_t m)
{
    if (!d || d->magic != kMagic || m < CUDNN_DEFAULT_MATH || m > CUDNN_FMA_MATH)
        return CUDNN_STATUS_BAD_PARAM;
    d->math = m;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolution2dForwardOutputDim(const cudnnConvolutionDescriptor_t cd,
                                                    const cudnnTensorDescriptor_t x,
                                                    const cudnnFilterDescriptor_t w, int *n,
                                                    int *c, int *h, int *wo)
{
    if (!cd || !x || !w || !cd->set || !x->set || !w->set || w->c != x->d[1])
        return CUDNN_STATUS_BAD_PARAM;
    *n = x->d[0], *c = w->k;
    *h = out_dim(x->d[2], cd->ph, w->h, cd->dh, cd->sh);
    *wo = out_dim(x->d[3], cd->pw, w->w, cd->dw, cd->sw);
    return *h > 0 && *wo > 0 ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_BAD_PARAM;
}

// ---- forward -----------------------------------------------------------------------------
cudnnStatus_t cudnnFindConvolutionForwardAlgorithm(cudnnHandle_t h,
                                                   const cudnnTensorDescriptor_t x,
                                                   const cudnnFilterDescriptor_t w,
                                                   const cudnnConvolutionDescriptor_t cd,
                                                   const cudnnTensorDescriptor_t y, int requested,
                                                   int *returned,
                                                   cudnnConvolutionFwdAlgoPerf_t *perf)
{
    if (!h || h->magic != kMagic || requested <= 0 || !returned || !perf)
        return CUDNN_STATUS_BAD_PARAM;
    cudnnStatus_t s = check_conv(x, w, cd, y, "cudnnFindConvolutionForwardAlgorithm");
    if (s != CUDNN_STATUS_SUCCESS)
        return s;
    // a plausible measured list, fastest first; f32 leads with a DEFAULT_MATH result
    // (TF32 on a real GPU) so that the caller's math-type filter is exercised
    bool half = x->dt == CUDNN_DATA_HALF;
    struct {
        cudnnConvolutionFwdAlgo_t a;
        cudnnMathType_t m;
    } list_h[] = {{CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, CUDNN_TENSOR_OP_MATH},
                  {CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, CUDNN_TENSOR_OP_MATH},
                  {CUDNN_CONVOLUTION_FWD_ALGO_GEMM, CUDNN_DEFAULT_MATH},
                  {CUDNN_CONVOLUTION_FWD_ALGO_FFT, CUDNN_DEFAULT_MATH}},
      list_f[] = {{CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, CUDNN_DEFAULT_MATH},
                  {CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM, CUDNN_FMA_MATH},
                  {CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, CUDNN_FMA_MATH},
                  {CUDNN_CONVOLUTION_FWD_ALGO_GEMM, CUDNN_FMA_MATH},
                  {CUDNN_CONVOLUTION_FWD_ALGO_FFT, CUDNN_FMA_MATH}};
    int n = half ? 4 : 5;
    *returned = 0;
    for (int i = 0; i < n && i < requested; i++) {
        cudnnConvolutionFwdAlgoPerf_t p;
        memset(&p, 0, sizeof p);
        p.algo = half ? list_h[i].a : list_f[i].a;
        p.mathType = half ? list_h[i].m : list_f[i].m;
        size_t ws = 0;
        p.status = fwd_workspace(x, w, y, p.algo, &ws) ? CUDNN_STATUS_SUCCESS
                                                        : CUDNN_STATUS_NOT_SUPPORTED;
        p.memory = ws;
        p.time = p.status == CUDNN_STATUS_SUCCESS ? 0.1f * (float)(i + 1) : -1.0f;
        p.determinism = CUDNN_DETERMINISTIC;
        perf[(*returned)++] = p;
    }
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnGetConvolutionForwardWorkspaceSize(cudnnHandle_t h,
                                                      const cudnnTensorDescriptor_t x,
                                                      const cudnnFilterDescriptor_t w,
                                                      const cudnnConvolutionDescriptor_t cd,
                                                      const cudnnTensorDescriptor_t y,
                                                      cudnnConvolutionFwdAlgo_t algo,
                                                      size_t *bytes)
{
    if (!h || h->magic != kMagic)
        return CUDNN_STATUS_BAD_PARAM;
    cudnnStatus_t s = check_conv(x, w, cd, y, "cudnnGetConvolutionForwardWorkspaceSize");
    if (s != CUDNN_STATUS_SUCCESS)
        return s;
    return fwd_workspace(x, w, y, algo, bytes) ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_NOT_SUPPORTED;
}

cudnnStatus_t cudnnConvolutionForward(cudnnHandle_t h, const void *alpha,
                                      const cudnnTensorDescriptor_t xd, const void *x,
                                      const cudnnFilterDescriptor_t wd, const void *w,
                                      const cudnnConvolutionDescriptor_t cd,
                                      cudnnConvolutionFwdAlgo_t algo, void *ws, size_t ws_bytes,
                                      const void *beta, const cudnnTensorDescriptor_t yd, void *y)
{
    const char *what = "cudnnConvolutionForward";
    if (!h || h->magic != kMagic || !alpha || !beta)
        return CUDNN_STATUS_BAD_PARAM;
    cudnnStatus_t s = check_conv(xd, wd, cd, yd, what);
    if (s != CUDNN_STATUS_SUCCESS)
        return s;
    size_t need = 0;
    if (!fwd_workspace(xd, wd, yd, algo, &need))
        return CUDNN_STATUS_NOT_SUPPORTED;
    s = check_memory(h, x, xd, w, wd, y, yd, ws, ws_bytes, need, what);
    if (s != CUDNN_STATUS_SUCCESS)
        return s;
    int N = xd->d[0], C = xd->d[1], H = xd->d[2], W = xd->d[3];
    int K = wd->k, R = wd->h, S = wd->w, OH = yd->d[2], OW = yd->d[3];
    std::vector<float> f = filter_f32(wd, w, true, cd->mode == CUDNN_CONVOLUTION);
    std::vector<float> acc(K);
    float a = scalar(alpha), b = scalar(beta);
    for (int n = 0; n < N; n++)
        for (int oy = 0; oy < OH; oy++)
            for (int ox = 0; ox < OW; ox++) {
                std::fill(acc.begin(), acc.end(), 0.0f);
                for (int r = 0; r < R; r++) {
                    int iy = oy * cd->sh - cd->ph + r * cd->dh;
                    if (iy < 0 || iy >= H)
                        continue;
                    for (int sx = 0; sx < S; sx++) {
                        int ix = ox * cd->sw - cd->pw + sx * cd->dw;
                        if (ix < 0 || ix >= W)
                            continue;
                        const float *tap = &f[((size_t)r * S + sx) * C * K];
                        for (int c = 0; c < C; c++) {
                            float xv = load(x, at(xd, n, c, iy, ix), xd->dt);
                            const float *wr = tap + (size_t)c * K;
                            for (int k = 0; k < K; k++)
                                acc[k] += xv * wr[k];
                        }
                    }
                }
                for (int k = 0; k < K; k++) {
                    size_t o = at(yd, n, k, oy, ox);
                    float v = a == 1.0f ? acc[k] : a * acc[k];
                    if (b != 0.0f)
                        v += b * load(y, o, yd->dt);
                    store(y, o, yd->dt, v);
                }
            }
    or_emu::check_redzones(what);
    return CUDNN_STATUS_SUCCESS;
}

// ---- backward data (transposed convolution) -------------------------------------------------
cudnnStatus_t cudnnGetConvolutionBackwardDataAlgorithm_v7(
    cudnnHandle_t h, const cudnnFilterDescriptor_t w, const cudnnTensorDescriptor_t dy,
    const cudnnConvolutionDescriptor_t cd, const cudnnTensorDescriptor_t dx, int requested,
    int *returned, cudnnConvolutionBwdDataAlgoPerf_t *perf)
{
    if (!h || h->magic != kMagic || requested <= 0 || !returned || !perf)
        return CUDNN_STATUS_BAD_PARAM;
    cudnnStatus_t s = check_conv(dx, w, cd, dy, "cudnnGetConvolutionBackwardDataAlgorithm_v7");
    if (s != CUDNN_STATUS_SUCCESS)
        return s;
    const cudnnConvolutionBwdDataAlgo_t list[] = {CUDNN_CONVOLUTION_BWD_DATA_ALGO_FFT,
                                                  CUDNN_CONVOLUTION_BWD_DATA_ALGO_1,
                                                  CUDNN_CONVOLUTION_BWD_DATA_ALGO_0};
    *returned = 0;
    for (int i = 0; i < 3 && i < requested; i++) {
        cudnnConvolutionBwdDataAlgoPerf_t p;
        memset(&p, 0, sizeof p);
        p.algo = list[i];
        size_t ws = 0;
        p.status = bwd_workspace(w, p.algo, &ws) ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_NOT_SUPPORTED;
        p.memory = ws;
        p.time = -1.0f; // heuristics: not measured
        p.determinism = p.algo == CUDNN_CONVOLUTION_BWD_DATA_ALGO_0 ? CUDNN_NON_DETERMINISTIC
                                                                    : CUDNN_DETERMINISTIC;
        p.mathType = cd->math;
        perf[(*returned)++] = p;
    }
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t cudnnConvolutionBackwardData(cudnnHandle_t h, const void *alpha,
                                           const cudnnFilterDescriptor_t wd, const void *w,
                                           const cudnnTensorDescriptor_t dyd, const void *dy,
                                           const cudnnConvolutionDescriptor_t cd,
                                           cudnnConvolutionBwdDataAlgo_t algo, void *ws,
                                           size_t ws_bytes, const void *beta,
                                           const cudnnTensorDescriptor_t dxd, void *dx)
{
    const char *what = "cudnnConvolutionBackwardData";
    if (!h || h->magic != kMagic || !alpha || !beta)
        return CUDNN_STATUS_BAD_PARAM;
    cudnnStatus_t s = check_conv(dxd, wd, cd, dyd, what);
    if (s != CUDNN_STATUS_SUCCESS)
        return s;
    size_t need = 0;
    if (!bwd_workspace(wd, algo, &need))
        return CUDNN_STATUS_NOT_SUPPORTED;
    s = check_memory(h, dy, dyd, w, wd, dx, dxd, ws, ws_bytes, need, what);
    if (s != CUDNN_STATUS_SUCCESS)
        return s;
    int N = dxd->d[0], C = dxd->d[1], H = dxd->d[2], W = dxd->d[3];
    int K = wd->k, R = wd->h, S = wd->w, OH = dyd->d[2], OW = dyd->d[3];
    std::vector<float> f = filter_f32(wd, w, false, cd->mode == CUDNN_CONVOLUTION);
    std::vector<float> acc(C);
    float a = scalar(alpha), b = scalar(beta);
    // gather: dx(iy, ix) sums dy(oy, ox) w(r, s) over iy = oy*sh - ph + r*dh
    for (int n = 0; n < N; n++)
        for (int iy = 0; iy < H; iy++)
            for (int ix = 0; ix < W; ix++) {
                std::fill(acc.begin(), acc.end(), 0.0f);
                for (int r = 0; r < R; r++) {
                    int ty = iy + cd->ph - r * cd->dh;
                    if (ty < 0 || ty % cd->sh || ty / cd->sh >= OH)
                        continue;
                    for (int sx = 0; sx < S; sx++) {
                        int tx = ix + cd->pw - sx * cd->dw;
                        if (tx < 0 || tx % cd->sw || tx / cd->sw >= OW)
                            continue;
                        const float *tap = &f[((size_t)r * S + sx) * K * C];
                        for (int k = 0; k < K; k++) {
                            float g = load(dy, at(dyd, n, k, ty / cd->sh, tx / cd->sw), dyd->dt);
                            const float *wr = tap + (size_t)k * C;
                            for (int c = 0; c < C; c++)
                                acc[c] += g * wr[c];
                        }
                    }
                }
                for (int c = 0; c < C; c++) {
                    size_t o = at(dxd, n, c, iy, ix);
                    float v = a == 1.0f ? acc[c] : a * acc[c];
                    if (b != 0.0f)
                        v += b * load(dx, o, dxd->dt);
                    store(dx, o, dxd->dt, v);
                }
            }
    or_emu::check_redzones(what);
    return CUDNN_STATUS_SUCCESS;
}
