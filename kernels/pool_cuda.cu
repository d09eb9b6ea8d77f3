// pool_cuda.cu: the CUDA kernels of the "pool" op family (pool_kernels_cuda.h; the
// op table that launches them is runtime/core/backend_cuda_pool.cu),
// f32 and f16 (f16 storage, arithmetic in f32).  One thread per output element,
// the same index helpers as the plain-C kernels (pool_kernels.h).
#include <cuda_fp16.h>
#include <float.h>

#include "cuda_common.cuh"
#include "pool_kernels.h"
#include "pool_kernels_cuda.h"

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

} // namespace

cudaError_t maxpool2d_cuda(cudaStream_t st, const void *x, void *y, int f16, size_t planes, int h,
                           int w, int kh, int kw, int sh, int sw, int ph, int pw, int ho, int wo)
{
    size_t n = planes * ho * wo;
    pool_dims d = {h, w, kh, kw, sh, sw, ph, pw, ho, wo};
    if (f16)
        maxpool_kernel<<<or_grid_for(n), 256, 0, st>>>((const __half *)x, (__half *)y, n, d);
    else
        maxpool_kernel<<<or_grid_for(n), 256, 0, st>>>((const float *)x, (float *)y, n, d);
    return cudaGetLastError();
}

cudaError_t avgpool2d_cuda(cudaStream_t st, const void *x, void *y, int f16, size_t planes, int h,
                           int w, int kh, int kw, int sh, int sw, int ph, int pw, int cip, int ho,
                           int wo)
{
    size_t n = planes * ho * wo;
    pool_dims d = {h, w, kh, kw, sh, sw, ph, pw, ho, wo};
    if (f16)
        avgpool_kernel<<<or_grid_for(n), 256, 0, st>>>((const __half *)x, (__half *)y, n, d, cip);
    else
        avgpool_kernel<<<or_grid_for(n), 256, 0, st>>>((const float *)x, (float *)y, n, d, cip);
    return cudaGetLastError();
}

cudaError_t pad2d_cuda(cudaStream_t st, const void *x, void *y, int f16, size_t planes, int h,
                       int w, int left, int top, int mode, int ho, int wo)
{
    size_t n = planes * ho * wo;
    if (f16)
        pad_kernel<<<or_grid_for(n), 256, 0, st>>>((const __half *)x, (__half *)y, n, h, w, left,
                                                  top, mode, ho, wo);
    else
        pad_kernel<<<or_grid_for(n), 256, 0, st>>>((const float *)x, (float *)y, n, h, w, left,
                                                  top, mode, ho, wo);
    return cudaGetLastError();
}
