// attention_cuda.cu: the CUDA kernel of the "attention" op family
// (attention_kernels_cuda.h): the row softmax of the scores; the cuBLAS GEMMs and
// the op table are runtime/core/backend_cuda_attention.cu.
#include <cuda_fp16.h>
#include <math.h>

#include "attention_kernels_cuda.h"
#include "cuda_common.cuh"

namespace {

__device__ inline void st(float *p, size_t i, float v) { p[i] = v; }
__device__ inline void st(__half *p, size_t i, float v) { p[i] = __float2half_rn(v); }

// Reduce over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
template <bool IsMax>
__device__ float block_reduce(float v, float *red)
{
    for (int o = 16; o > 0; o >>= 1) {
        float u = __shfl_xor_sync(0xffffffffu, v, o);
        v = IsMax ? fmaxf(v, u) : v + u;
    }
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = blockDim.x >> 5;
    __syncthreads(); // red may still be read from a previous reduction
    if (lane == 0)
        red[warp] = v;
    __syncthreads();
    v = lane < nw ? red[lane] : (IsMax ? -INFINITY : 0.0f);
    for (int o = 16; o > 0; o >>= 1) {
        float u = __shfl_xor_sync(0xffffffffu, v, o);
        v = IsMax ? fmaxf(v, u) : v + u;
    }
    return v;
}

// One block per row of s [rows, n] (f32): out = softmax(row), max subtracted.
// out may be s itself (each element is read and written by the same thread).
template <typename TO>
__global__ void softmax_rows_kernel(const float *s, TO *out, int n)
{
    __shared__ float red[32];
    const float *v = s + (size_t)blockIdx.x * n;
    TO *o = out + (size_t)blockIdx.x * n;
    float m = -INFINITY;
    for (int i = threadIdx.x; i < n; i += blockDim.x)
        m = fmaxf(m, v[i]);
    m = block_reduce<true>(m, red);
    float sum = 0.0f;
    for (int i = threadIdx.x; i < n; i += blockDim.x)
        sum += expf(v[i] - m);
    sum = block_reduce<false>(sum, red);
    float inv = 1.0f / sum;
    for (int i = threadIdx.x; i < n; i += blockDim.x)
        st(o, i, expf(v[i] - m) * inv);
}

__device__ inline float ld(const float *p, size_t i) { return p[i]; }
__device__ inline float ld(const __half *p, size_t i) { return __half2float(p[i]); }

constexpr int EX_QT = 128; // queries per block (one per thread)
constexpr int EX_KT = 32;  // keys per tile
constexpr int EX_CC = 32;  // channels per shared-memory chunk
constexpr int EX_MAXV = 16;

// C reference: exemplar_attention_f32 (kernels/attention_cpu.c).  Grid (query
// blocks, n); every thread takes part in the tile loads and barriers, only those
// with a query (i < pq) compute.
template <typename T>
__global__ void exemplar_attention_kernel(const T *q, const T *k, const T *v, float temperature,
                                          T *y, T *sim, int c, int pq, int pk, int cv)
{
    __shared__ float ks[EX_CC][EX_KT];
    __shared__ float vs[EX_MAXV][EX_KT];
    int b = blockIdx.y, i = blockIdx.x * EX_QT + threadIdx.x;
    bool live = i < pq;
    q += (size_t)b * c * pq, k += (size_t)b * c * pk, v += (size_t)b * cv * pk;
    float acc[EX_MAXV];
    for (int o = 0; o < EX_MAXV; o++)
        acc[o] = 0.0f;
    float m = -INFINITY, l = 0.0f, best = -INFINITY;
    for (int j0 = 0; j0 < pk; j0 += EX_KT) {
        int nt = pk - j0 < EX_KT ? pk - j0 : EX_KT;
        float s[EX_KT];
        for (int j = 0; j < EX_KT; j++)
            s[j] = 0.0f;
        for (int c0 = 0; c0 < c; c0 += EX_CC) {
            int nc = c - c0 < EX_CC ? c - c0 : EX_CC;
            __syncthreads(); // the previous chunk is no longer read
            for (int e = threadIdx.x; e < EX_CC * EX_KT; e += EX_QT) {
                int cc = e / EX_KT, jj = e % EX_KT;
                ks[cc][jj] = cc < nc && jj < nt ? ld(k, (size_t)(c0 + cc) * pk + j0 + jj) : 0.0f;
            }
            __syncthreads();
            if (live)
                for (int cc = 0; cc < nc; cc++) {
                    float qc = ld(q, (size_t)(c0 + cc) * pq + i); // coalesced across the warp
                    for (int j = 0; j < EX_KT; j++)
                        s[j] += qc * ks[cc][j];
                }
        }
        for (int e = threadIdx.x; e < EX_MAXV * EX_KT; e += EX_QT) {
            int o = e / EX_KT, jj = e % EX_KT;
            vs[o][jj] = o < cv && jj < nt ? ld(v, (size_t)o * pk + j0 + jj) : 0.0f;
        }
        __syncthreads();
        if (live) {
            float mt = -INFINITY;
            for (int j = 0; j < nt; j++) {
                best = fmaxf(best, s[j]);
                s[j] = s[j] / temperature;
                mt = fmaxf(mt, s[j]);
            }
            if (mt > m) { // rescale what was summed under the old max
                float r = m == -INFINITY ? 0.0f : expf(m - mt);
                l *= r;
                for (int o = 0; o < cv; o++)
                    acc[o] *= r;
                m = mt;
            }
            for (int j = 0; j < nt; j++) {
                float e = expf(s[j] - m);
                l += e;
                for (int o = 0; o < cv; o++)
                    acc[o] += e * vs[o][j];
            }
        }
        __syncthreads(); // vs is reloaded by the next tile
    }
    if (!live)
        return;
    for (int o = 0; o < cv; o++)
        st(y + (size_t)b * cv * pq, (size_t)o * pq + i, acc[o] / l);
    if (sim)
        st(sim + (size_t)b * pq, i, best);
}

} // namespace

cudaError_t exemplar_attention_cuda(cudaStream_t st, const void *q, const void *k, const void *v,
                                    float temperature, void *y, void *sim, int f16, int n, int c,
                                    int pq, int pk, int cv)
{
    if (cv > EX_MAXV)
        return cudaErrorInvalidValue;
    dim3 grid((unsigned)((pq + EX_QT - 1) / EX_QT), (unsigned)n);
    if (f16)
        exemplar_attention_kernel<<<grid, EX_QT, 0, st>>>(
            (const __half *)q, (const __half *)k, (const __half *)v, temperature, (__half *)y,
            (__half *)sim, c, pq, pk, cv);
    else
        exemplar_attention_kernel<<<grid, EX_QT, 0, st>>>(
            (const float *)q, (const float *)k, (const float *)v, temperature, (float *)y,
            (float *)sim, c, pq, pk, cv);
    return cudaGetLastError();
}

cudaError_t softmax_rows_cuda(cudaStream_t st, const float *s, void *out, int out_f16,
                              unsigned rows, int n)
{
    if (out_f16)
        softmax_rows_kernel<<<rows, 256, 0, st>>>(s, (__half *)out, n);
    else
        softmax_rows_kernel<<<rows, 256, 0, st>>>(s, (float *)out, n);
    return cudaGetLastError();
}
