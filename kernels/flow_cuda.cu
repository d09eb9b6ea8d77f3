// flow_cuda.cu: the CUDA kernels of the "flow" op family (runtime/core/ops_flow.h),
// DAIN's custom layers.  Each tensor is f32 or f16 storage on its own (read
// and written through ldv/stv), arithmetic in f32, the per-pixel expressions
// shared with the plain-C references (flow_cpu.c) through flow_px.h.  The
// flow projection scatters with f32 atomicAdd as the official kernel does:
// only its summation order differs from the CPU reference.
#include <cuda_fp16.h>
#include <math.h>

#include "runtime/core/backend_cuda.h"
#include "runtime/core/ops_flow.h"
#include "cuda_common.cuh"
#include "flow_px.h"

namespace {

// A tensor's data with its storage type, passed by value to the kernels.
struct buf {
    void *p;
    int f16;
};

buf B(const or_tensor *t) { return buf{t->data, t->dtype == OR_F16}; }

__device__ __forceinline__ float ldv(buf b, long i)
{
    return b.f16 ? __half2float(((const __half *)b.p)[i]) : ((const float *)b.p)[i];
}

__device__ __forceinline__ void stv(buf b, long i, float v)
{
    if (b.f16)
        ((__half *)b.p)[i] = __float2half_rn(v);
    else
        ((float *)b.p)[i] = v;
}

// C reference: cpu_correlation.  One thread per output element.
__global__ void correlation_kernel(buf a, buf b, buf y, int n, int c, int h, int w, int md)
{
    const int d = 2 * md + 1;
    const long hw = (long)h * w;
    const size_t count = (size_t)n * d * d * hw;
    OR_GRID_STRIDE_LOOP(idx, count)
    {
        long p = (long)(idx % hw);
        long nk = (long)(idx / hw);
        int k = (int)(nk % (d * d)), nn = (int)(nk / (d * d));
        int i = (int)(p / w), j = (int)(p % w);
        int i2 = i + k / d - md, j2 = j + k % d - md;
        float s = 0.0f;
        if (i2 >= 0 && i2 < h && j2 >= 0 && j2 < w) {
            long base = (long)nn * c * hw;
            for (int ch = 0; ch < c; ch++)
                s += ldv(a, base + ch * hw + p) * ldv(b, base + ch * hw + (long)i2 * w + j2);
        }
        stv(y, (long)idx, s / (float)c);
    }
}

// C reference: cpu_pwc_warp.  One thread per output pixel, all channels.
__global__ void pwc_warp_kernel(buf x, buf flow, buf y, int n, int c, int h, int w)
{
    const long hw = (long)h * w;
    OR_GRID_STRIDE_LOOP(idx, (size_t)n * hw)
    {
        long p = (long)(idx % hw);
        int nn = (int)(idx / hw), i = (int)(p / w), j = (int)(p % w);
        long fb = (long)nn * 2 * hw + p;
        float ix = fpx_warp_coord(j, ldv(flow, fb), w), iy = fpx_warp_coord(i, ldv(flow, fb + hw), h);
        float wt[4];
        long o[4];
        int keep = fpx_bilinear(ix, iy, h, w, wt, o);
        for (int ch = 0; ch < c; ch++) {
            long base = ((long)nn * c + ch) * hw;
            float v = 0.0f;
            for (int k = 0; k < 4; k++)
                if (o[k] >= 0)
                    v += ldv(x, base + o[k]) * wt[k];
            stv(y, base + p, keep ? v : 0.0f);
        }
    }
}

// C reference: project_one, first loop (DepthFlowProjection_gpu_forward_kernelfunc).
__global__ void project_scatter_kernel(buf flow, buf dinv, float *count, float *out, int n, int h,
                                       int w)
{
    const long hw = (long)h * w;
    OR_GRID_STRIDE_LOOP(idx, (size_t)n * hw)
    {
        long p = (long)(idx % hw), nn = (long)(idx / hw);
        int i = (int)(p / w), j = (int)(p % w);
        float fx = ldv(flow, nn * 2 * hw + p), fy = ldv(flow, nn * 2 * hw + hw + p);
        long o[4];
        if (!fpx_proj_corners(i, j, fx, fy, h, w, o))
            continue;
        float t = ldv(dinv, nn * hw + p);
        float *u = out + nn * 2 * hw, *v = u + hw, *cn = count + nn * hw;
        for (int k = 0; k < 4; k++) {
            atomicAdd(&u[o[k]], -t * fx);
            atomicAdd(&v[o[k]], -t * fy);
            atomicAdd(&cn[o[k]], t * 1);
        }
    }
}

// C reference: project_one, second loop (DepthFlowProjectionAveraging_kernelfunc).
__global__ void project_average_kernel(const float *count, float *out, int n, long hw)
{
    OR_GRID_STRIDE_LOOP(idx, (size_t)n * hw)
    {
        long p = (long)(idx % hw), nn = (long)(idx / hw);
        float t = count[idx];
        if (t > 0.0f) {
            out[nn * 2 * hw + p] /= t;
            out[nn * 2 * hw + hw + p] /= t;
        }
    }
}

// C reference: project_one, third loop (DepthFlowFillhole_kernelfunc).  A hole
// reads only pixels with count > 0 with a non-zero weight, and those are not
// written here, so the result does not depend on the thread order.
__global__ void project_fill_kernel(const float *count, float *out, int n, int h, int w)
{
    const long hw = (long)h * w;
    OR_GRID_STRIDE_LOOP(idx, (size_t)n * hw)
    {
        long p = (long)(idx % hw), nn = (long)(idx / hw);
        const float *cn = count + nn * hw;
        float *u = out + nn * 2 * hw, *v = u + hw, a, b;
        if (cn[p] <= 0.0f && fpx_fill_hole(cn, u, v, (int)(p / w), (int)(p % w), h, w, &a, &b)) {
            u[p] = a;
            v[p] = b;
        }
    }
}

// C reference: cpu_filter_interpolation.  One thread per pixel, all channels.
__global__ void filter_interp_kernel(buf x, buf flow, buf filter, buf y, int n, int c, int h,
                                     int w, int fs)
{
    const long hw = (long)h * w;
    OR_GRID_STRIDE_LOOP(idx, (size_t)n * hw)
    {
        long p = (long)(idx % hw), nn = (long)(idx / hw);
        int i = (int)(p / w), j = (int)(p % w);
        float fx = ldv(flow, nn * 2 * hw + p), fy = ldv(flow, nn * 2 * hw + hw + p);
        float x2 = (float)j + fx, y2 = (float)i + fy;
        int valid = fpx_filter_valid(fx, fy, x2, y2, h, w);
        long tb = nn * fs * fs * hw + p;
        for (int ch = 0; ch < c; ch++) {
            long base = (nn * c + ch) * hw;
            float out = ldv(x, base + p);
#define LDX(img, k) ldv(x, base + (k))
#define TAP(k) ldv(filter, tb + (long)(k) * hw)
            if (valid)
                FPX_FILTER_PIXEL(out, x, LDX, TAP, fs, x2, y2, h, w);
#undef LDX
#undef TAP
            stv(y, base + p, out);
        }
    }
}

__global__ void inv_exp_kernel(buf x, float eps, buf y, size_t count)
{
    OR_GRID_STRIDE_LOOP(i, count) stv(y, (long)i, eps + 1.0f / expf(ldv(x, (long)i)));
}

or_status cuda_correlation(or_backend *be, const or_tensor *a, const or_tensor *b, int md,
                           or_tensor *y, or_err *err)
{
    correlation_kernel<<<or_grid_for(or_numel(y)), 256, 0, or_cuda_stream(be)>>>(
        B(a), B(b), B(y), a->n, a->c, a->h, a->w, md);
    return or_launched("correlation", err);
}

or_status cuda_pwc_warp(or_backend *be, const or_tensor *x, const or_tensor *flow, or_tensor *y,
                        or_err *err)
{
    size_t pixels = (size_t)x->n * x->h * x->w;
    pwc_warp_kernel<<<or_grid_for(pixels), 256, 0, or_cuda_stream(be)>>>(B(x), B(flow), B(y),
                                                                        x->n, x->c, x->h, x->w);
    return or_launched("pwc_warp", err);
}

or_status cuda_depth_flow_projection(or_backend *be, const or_tensor *flow,
                                     const or_tensor *depth_inv, int fill_holes, or_tensor *count,
                                     or_tensor *y, or_err *err)
{
    cudaStream_t st = or_cuda_stream(be);
    int n = flow->n, h = flow->h, w = flow->w;
    size_t pixels = (size_t)n * h * w;
    cudaError_t e = cudaMemsetAsync(count->data, 0, or_nbytes(count), st);
    if (e == cudaSuccess)
        e = cudaMemsetAsync(y->data, 0, or_nbytes(y), st);
    if (e != cudaSuccess)
        return or_errf(err, OR_EDEVICE, "depth_flow_projection: %s", cudaGetErrorString(e));
    float *cn = (float *)count->data, *out = (float *)y->data;
    project_scatter_kernel<<<or_grid_for(pixels), 256, 0, st>>>(B(flow), B(depth_inv), cn, out, n,
                                                               h, w);
    project_average_kernel<<<or_grid_for(pixels), 256, 0, st>>>(cn, out, n, (long)h * w);
    if (fill_holes)
        project_fill_kernel<<<or_grid_for(pixels), 256, 0, st>>>(cn, out, n, h, w);
    return or_launched("depth_flow_projection", err);
}

or_status cuda_filter_interpolation(or_backend *be, const or_tensor *x, const or_tensor *flow,
                                    const or_tensor *filter, int fs, or_tensor *y, or_err *err)
{
    size_t pixels = (size_t)x->n * x->h * x->w;
    filter_interp_kernel<<<or_grid_for(pixels), 256, 0, or_cuda_stream(be)>>>(
        B(x), B(flow), B(filter), B(y), x->n, x->c, x->h, x->w, fs);
    return or_launched("filter_interpolation", err);
}

or_status cuda_inv_exp(or_backend *be, const or_tensor *x, float eps, or_tensor *y, or_err *err)
{
    size_t count = or_numel(x);
    inv_exp_kernel<<<or_grid_for(count), 256, 0, or_cuda_stream(be)>>>(B(x), eps, B(y), count);
    return or_launched("inv_exp", err);
}

} // namespace

extern "C" const struct or_ops_flow or_ops_flow_cuda = {
    cuda_correlation, cuda_pwc_warp, cuda_depth_flow_projection, cuda_filter_interpolation,
    cuda_inv_exp,
};
