// flow_cuda.cu: the CUDA kernels of the "flow" op family (flow_kernels_cuda.h; the
// op table that launches them is runtime/core/backend_cuda_flow.cu), DAIN's
// custom layers.  Each tensor is f32 or f16 storage on its own (read
// and written through ldv/stv), arithmetic in f32, the per-pixel expressions
// shared with the plain-C references (flow_cpu.c) through flow_px.h.  The
// flow projection scatters with f32 atomicAdd as the official kernel does:
// only its summation order differs from the CPU reference.
#include <cuda_fp16.h>
#include <math.h>

#include "cuda_common.cuh"
#include "flow_kernels_cuda.h"
#include "flow_px.h"

namespace {

// A tensor's data with its storage type, passed by value to the kernels.
typedef flow_buf buf;

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

// C reference: correlation_nchw_f32.  One thread per output element.
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

// C reference: pwc_warp_nchw_f32.  One thread per output pixel, all channels.
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

// C reference: filter_interpolation_nchw_f32.  One thread per pixel, all channels.
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

} // namespace

cudaError_t correlation_cuda(cudaStream_t st, flow_buf a, flow_buf b, flow_buf y, int n, int c,
                             int h, int w, int md)
{
    size_t count = (size_t)n * (2 * md + 1) * (2 * md + 1) * h * w;
    correlation_kernel<<<or_grid_for(count), 256, 0, st>>>(a, b, y, n, c, h, w, md);
    return cudaGetLastError();
}

cudaError_t pwc_warp_cuda(cudaStream_t st, flow_buf x, flow_buf flow, flow_buf y, int n, int c,
                          int h, int w)
{
    size_t pixels = (size_t)n * h * w;
    pwc_warp_kernel<<<or_grid_for(pixels), 256, 0, st>>>(x, flow, y, n, c, h, w);
    return cudaGetLastError();
}

cudaError_t depth_flow_projection_cuda(cudaStream_t st, flow_buf flow, flow_buf depth_inv,
                                       int fill_holes, float *count, float *y, int n, int h,
                                       int w)
{
    size_t pixels = (size_t)n * h * w;
    cudaError_t e = cudaMemsetAsync(count, 0, pixels * sizeof(float), st);
    if (e == cudaSuccess)
        e = cudaMemsetAsync(y, 0, 2 * pixels * sizeof(float), st);
    if (e != cudaSuccess)
        return e;
    project_scatter_kernel<<<or_grid_for(pixels), 256, 0, st>>>(flow, depth_inv, count, y, n, h,
                                                               w);
    project_average_kernel<<<or_grid_for(pixels), 256, 0, st>>>(count, y, n, (long)h * w);
    if (fill_holes)
        project_fill_kernel<<<or_grid_for(pixels), 256, 0, st>>>(count, y, n, h, w);
    return cudaGetLastError();
}

cudaError_t filter_interpolation_cuda(cudaStream_t st, flow_buf x, flow_buf flow,
                                      flow_buf filter, int fs, flow_buf y, int n, int c, int h,
                                      int w)
{
    size_t pixels = (size_t)n * h * w;
    filter_interp_kernel<<<or_grid_for(pixels), 256, 0, st>>>(x, flow, filter, y, n, c, h, w, fs);
    return cudaGetLastError();
}

cudaError_t inv_exp_cuda(cudaStream_t st, flow_buf x, float eps, flow_buf y, size_t count)
{
    inv_exp_kernel<<<or_grid_for(count), 256, 0, st>>>(x, eps, y, count);
    return cudaGetLastError();
}
