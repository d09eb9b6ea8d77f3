// pool_cuda.cu: the CUDA kernels of the "pool" op family (runtime/core/ops_pool.h),
// f32 and f16 (f16 storage, arithmetic in f32).  One thread per output element,
// the same index helpers as the plain-C kernels (pool_kernels.h).
#include <cuda_fp16.h>
#include <float.h>

#include "runtime/core/backend_cuda.h"
#include "runtime/core/ops_pool.h"
#include "cuda_common.cuh"
#include "pool_kernels.h"

namespace {

__device__ inline float ld(const float *p, size_t i) { return p[i]; }
__device__ inline float ld(const __half *p, size_t i) { return __half2float(p[i]); }
__device__ inline void st(float *p, size_t i, float v) { p[i] = v; }
__device__ inline void st(__half *p, size_t i, float v) { p[i] = __float2half_rn(v); }

struct pool_dims {
    int h, w, kh, kw, sh, sw, ph, pw, ho, wo;
};

template <typename T>
__global__ void maxpool_kernel(const T *x, T *y, size_t count, pool_dims d)
{
    OR_GRID_STRIDE_LOOP(i, count)
    {
        int ow = (int)(i % d.wo), oh = (int)(i / d.wo % d.ho);
        size_t plane = i / ((size_t)d.wo * d.ho);
        const T *xp = x + plane * d.h * d.w;
        int h0, h1, hl, w0, w1, wl;
        pool_window(oh, d.h, d.kh, d.sh, d.ph, &h0, &h1, &hl);
        pool_window(ow, d.w, d.kw, d.sw, d.pw, &w0, &w1, &wl);
        float m = -FLT_MAX;
        bool any = false;
        for (int a = h0; a < h1; a++)
            for (int b = w0; b < w1; b++) {
                float v = ld(xp, (size_t)a * d.w + b);
                if (!any || v > m || v != v)
                    m = (m != m) ? m : v, any = true;
            }
        st(y, i, m);
    }
}

template <typename T>
__global__ void avgpool_kernel(const T *x, T *y, size_t count, pool_dims d, int cip)
{
    OR_GRID_STRIDE_LOOP(i, count)
    {
        int ow = (int)(i % d.wo), oh = (int)(i / d.wo % d.ho);
        size_t plane = i / ((size_t)d.wo * d.ho);
        const T *xp = x + plane * d.h * d.w;
        int h0, h1, hl, w0, w1, wl;
        pool_window(oh, d.h, d.kh, d.sh, d.ph, &h0, &h1, &hl);
        pool_window(ow, d.w, d.kw, d.sw, d.pw, &w0, &w1, &wl);
        float s = 0.0f;
        for (int a = h0; a < h1; a++)
            for (int b = w0; b < w1; b++)
                s += ld(xp, (size_t)a * d.w + b);
        int cnt = cip ? hl * wl : (h1 - h0) * (w1 - w0);
        st(y, i, s / (float)cnt);
    }
}

template <typename T>
__global__ void pad_kernel(const T *x, T *y, size_t count, int h, int w, int left, int top,
                           int mode, int ho, int wo)
{
    OR_GRID_STRIDE_LOOP(i, count)
    {
        int ow = (int)(i % wo), oh = (int)(i / wo % ho);
        size_t plane = i / ((size_t)wo * ho);
        int sh = pool_pad_src(oh - top, h, mode), sw = pool_pad_src(ow - left, w, mode);
        float v = sh < 0 || sw < 0 ? 0.0f : ld(x, (plane * h + sh) * w + sw);
        st(y, i, v);
    }
}

pool_dims dims(const or_tensor *x, const or_tensor *y, int kh, int kw, int sh, int sw, int ph,
               int pw)
{
    pool_dims d = {x->h, x->w, kh, kw, sh, sw, ph, pw, y->h, y->w};
    return d;
}

or_status cuda_maxpool2d(or_backend *be, const or_tensor *x, int kh, int kw, int sh, int sw,
                         int ph, int pw, or_tensor *y, or_err *err)
{
    size_t n = or_numel(y);
    pool_dims d = dims(x, y, kh, kw, sh, sw, ph, pw);
    cudaStream_t s = or_cuda_stream(be);
    if (x->dtype == OR_F16)
        maxpool_kernel<<<or_grid_for(n), 256, 0, s>>>((const __half *)x->data, (__half *)y->data, n, d);
    else
        maxpool_kernel<<<or_grid_for(n), 256, 0, s>>>((const float *)x->data, (float *)y->data, n, d);
    return or_launched("maxpool2d", err);
}

or_status cuda_avgpool2d(or_backend *be, const or_tensor *x, int kh, int kw, int sh, int sw,
                         int ph, int pw, int cip, or_tensor *y, or_err *err)
{
    size_t n = or_numel(y);
    pool_dims d = dims(x, y, kh, kw, sh, sw, ph, pw);
    cudaStream_t s = or_cuda_stream(be);
    if (x->dtype == OR_F16)
        avgpool_kernel<<<or_grid_for(n), 256, 0, s>>>((const __half *)x->data, (__half *)y->data, n, d, cip);
    else
        avgpool_kernel<<<or_grid_for(n), 256, 0, s>>>((const float *)x->data, (float *)y->data, n, d, cip);
    return or_launched("avgpool2d", err);
}

or_status cuda_pad2d(or_backend *be, const or_tensor *x, int left, int right, int top, int bottom,
                     or_pad_mode mode, or_tensor *y, or_err *err)
{
    (void)right, (void)bottom;
    size_t n = or_numel(y);
    cudaStream_t s = or_cuda_stream(be);
    if (x->dtype == OR_F16)
        pad_kernel<<<or_grid_for(n), 256, 0, s>>>((const __half *)x->data, (__half *)y->data, n,
                                                  x->h, x->w, left, top, (int)mode, y->h, y->w);
    else
        pad_kernel<<<or_grid_for(n), 256, 0, s>>>((const float *)x->data, (float *)y->data, n,
                                                  x->h, x->w, left, top, (int)mode, y->h, y->w);
    return or_launched("pad2d", err);
}

} // namespace

extern "C" const struct or_ops_pool or_ops_pool_cuda = {cuda_maxpool2d, cuda_avgpool2d, cuda_pad2d};
