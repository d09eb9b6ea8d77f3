// color_cuda.cu: the CUDA kernels of the "color" op family (runtime/core/ops_color.h).
// The per-pixel formulas are color_px.h's (shared with color_cpu.c), in double:
// these ops touch 3 values per pixel, so double math costs nothing visible and
// the results equal the CPU's up to the final rounding.  f32 and f16 storage.
#include <cuda_fp16.h>

#include "runtime/core/backend_cuda.h"
#include "runtime/core/ops_color.h"
#include "color_px.h"
#include "cuda_common.cuh"

__device__ __forceinline__ double color_ld(const float *p, size_t i) { return p[i]; }
__device__ __forceinline__ double color_ld(const __half *p, size_t i) { return __half2float(p[i]); }
__device__ __forceinline__ void color_st(float *p, size_t i, double v) { p[i] = (float)v; }
__device__ __forceinline__ void color_st(__half *p, size_t i, double v)
{
    p[i] = __float2half_rn((float)v);
}

struct color_minv {
    double m[9];
};

template <typename T>
__global__ void color_kernel(int kind, const T *x, T *y, size_t hw, size_t count, color_minv minv)
{
    OR_GRID_STRIDE_LOOP(i, count)
    {
        size_t b = i / hw, p = i % hw;
        const T *xb = x + b * 3 * hw;
        T *yb = y + b * 3 * hw;
        double in[3] = {color_ld(xb, p), color_ld(xb, hw + p), color_ld(xb, 2 * hw + p)}, out[3];
        color_convert_px(kind, in, minv.m, out);
        color_st(yb, p, out[0]), color_st(yb, hw + p, out[1]), color_st(yb, 2 * hw + p, out[2]);
    }
}

static or_status convert(or_backend *be, int kind, const or_tensor *x, or_tensor *y, or_err *err)
{
    const double m[9] = OR_XYZ_FROM_RGB;
    color_minv minv;
    color_inv3(m, minv.m);
    size_t hw = (size_t)x->h * x->w, count = (size_t)x->n * hw;
    cudaStream_t s = or_cuda_stream(be);
    if (x->dtype == OR_F16)
        color_kernel<<<or_grid_for(count), 256, 0, s>>>(kind, (const __half *)x->data,
                                                        (__half *)y->data, hw, count, minv);
    else
        color_kernel<<<or_grid_for(count), 256, 0, s>>>(kind, (const float *)x->data,
                                                        (float *)y->data, hw, count, minv);
    return or_launched("color conversion", err);
}

static or_status rgb_to_lab(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err)
{
    return convert(be, OR_COLOR_RGB2LAB, x, y, err);
}
static or_status lab_to_rgb(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err)
{
    return convert(be, OR_COLOR_LAB2RGB, x, y, err);
}
static or_status rgb_to_yuv(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err)
{
    return convert(be, OR_COLOR_RGB2YUV, x, y, err);
}
static or_status yuv_to_rgb(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err)
{
    return convert(be, OR_COLOR_YUV2RGB, x, y, err);
}

// One thread per pixel: two passes over the q class planes (max, then the
// exponentials and the two weighted sums), f32 math as PyTorch's softmax.
template <typename T>
__global__ void class_to_ab_kernel(const T *z, const T *w, float inv_t, float scale, T *y, int q,
                                   size_t hw, size_t count)
{
    OR_GRID_STRIDE_LOOP(i, count)
    {
        size_t b = i / hw, p = i % hw;
        const T *zb = z + b * (size_t)q * hw;
        float mx = (float)color_ld(zb, p);
        for (int k = 1; k < q; k++)
            mx = fmaxf(mx, (float)color_ld(zb, (size_t)k * hw + p));
        float sum = 0.f, a = 0.f, bb = 0.f;
        for (int k = 0; k < q; k++) {
            float e = expf(((float)color_ld(zb, (size_t)k * hw + p) - mx) * inv_t);
            sum += e;
            a += e * (float)color_ld(w, k);
            bb += e * (float)color_ld(w, q + k);
        }
        T *yb = y + b * 2 * hw;
        color_st(yb, p, scale * a / sum);
        color_st(yb, hw + p, scale * bb / sum);
    }
}

static or_status class_to_ab(or_backend *be, const or_tensor *z, const or_tensor *w, float T,
                             float scale, or_tensor *y, or_err *err)
{
    size_t hw = (size_t)z->h * z->w, count = (size_t)z->n * hw;
    cudaStream_t s = or_cuda_stream(be);
    if (z->dtype == OR_F16)
        class_to_ab_kernel<<<or_grid_for(count), 256, 0, s>>>(
            (const __half *)z->data, (const __half *)w->data, 1.0f / T, scale, (__half *)y->data,
            z->c, hw, count);
    else
        class_to_ab_kernel<<<or_grid_for(count), 256, 0, s>>>((const float *)z->data,
                                                              (const float *)w->data, 1.0f / T,
                                                              scale, (float *)y->data, z->c, hw,
                                                              count);
    return or_launched("class_to_ab", err);
}

extern "C" const struct or_ops_color or_ops_color_cuda = {rgb_to_lab, lab_to_rgb, rgb_to_yuv,
                                                          yuv_to_rgb, class_to_ab};
