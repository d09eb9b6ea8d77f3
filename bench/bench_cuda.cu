/* bench_cuda.cu: what oprestore-bench needs from CUDA directly (CUDA builds only):
 *   - a pool of CUDA events recorded on the backend's stream (iteration and
 *     per-kernel timing; elapsed times read after a sync);
 *   - the ceilings: cuBLAS GEMM 8192^3 (BENCH_CEIL_GEMM_N) in f16 (tensor cores,
 *     f32 accumulation, CUBLAS_COMPUTE_32F) and in f32 (CUBLAS_DEFAULT_MATH: no
 *     TF32), and a 1 GiB (BENCH_CEIL_COPY_MIB) device-to-device cudaMemcpyAsync
 *     counted as read + write; each the best of 5 after a warm-up, timed with
 *     events on the backend's stream;
 *   - the device memory in use (cudaMemGetInfo). */
#include <cublas_v2.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>
#include <stdio.h>
#include <stdlib.h>

#include "runtime/core/backend_cuda.h"

extern "C" {
#include "bench.h"
}

/* The ceilings' sizes; smaller ones only where the build says so (the CUDA
 * emulator's oprestore-bench-emu, tests/cuda_emu, which runs them on the CPU). */
#ifndef BENCH_CEIL_GEMM_N
#define BENCH_CEIL_GEMM_N 8192
#endif
#ifndef BENCH_CEIL_COPY_MIB
#define BENCH_CEIL_COPY_MIB 1024
#endif

struct bench_cuda_events {
    cudaStream_t stream;
    int n;
    cudaEvent_t *ev;
};

static or_status cuda_err(or_err *err, cudaError_t e, const char *what)
{
    return or_errf(err, OR_EDEVICE, "bench: %s: %s", what, cudaGetErrorString(e));
}

extern "C" or_status bench_cuda_events_create(or_backend *be, int n, bench_cuda_events **out,
                                              or_err *err)
{
    bench_cuda_events *e = (bench_cuda_events *)calloc(1, sizeof *e);
    if (!e)
        return or_errf(err, OR_ENOMEM, "bench: out of memory");
    e->stream = or_cuda_stream(be);
    e->ev = (cudaEvent_t *)calloc((size_t)n, sizeof *e->ev);
    if (!e->ev) {
        free(e);
        return or_errf(err, OR_ENOMEM, "bench: out of memory");
    }
    for (int i = 0; i < n; i++) {
        cudaError_t c = cudaEventCreate(&e->ev[i]);
        if (c != cudaSuccess) {
            e->n = i;
            bench_cuda_events_free(e);
            return cuda_err(err, c, "cudaEventCreate");
        }
    }
    e->n = n;
    *out = e;
    return OR_OK;
}

extern "C" void bench_cuda_event_record(bench_cuda_events *e, int i)
{
    if (i >= 0 && i < e->n)
        cudaEventRecord(e->ev[i], e->stream);
}

extern "C" or_status bench_cuda_elapsed(bench_cuda_events *e, int i0, int i1, double *sec,
                                        or_err *err)
{
    float ms = 0;
    if (i0 < 0 || i1 >= e->n)
        return or_errf(err, OR_EINVAL, "bench: event %d..%d outside the pool of %d", i0, i1, e->n);
    cudaError_t c = cudaEventElapsedTime(&ms, e->ev[i0], e->ev[i1]);
    if (c != cudaSuccess)
        return cuda_err(err, c, "cudaEventElapsedTime");
    *sec = 1e-3 * (double)ms;
    return OR_OK;
}

extern "C" void bench_cuda_events_free(bench_cuda_events *e)
{
    if (!e)
        return;
    for (int i = 0; i < e->n; i++)
        cudaEventDestroy(e->ev[i]);
    free(e->ev);
    free(e);
}

extern "C" size_t bench_cuda_mem_used(void)
{
    size_t free_b = 0, total = 0;
    if (cudaMemGetInfo(&free_b, &total) != cudaSuccess)
        return 0;
    return total - free_b;
}

/* Best time of `reps` runs of f() after one warm-up, events on stream. */
template <typename F>
static or_status best_time(cudaStream_t stream, int reps, F f, double *best, or_err *err)
{
    cudaEvent_t a, b;
    cudaError_t c = cudaEventCreate(&a);
    if (c != cudaSuccess)
        return cuda_err(err, c, "cudaEventCreate");
    if ((c = cudaEventCreate(&b)) != cudaSuccess) {
        cudaEventDestroy(a);
        return cuda_err(err, c, "cudaEventCreate");
    }
    *best = 1e30;
    or_status s = OR_OK;
    for (int r = 0; r <= reps && s == OR_OK; r++) {
        cudaEventRecord(a, stream);
        if (!f()) {
            s = or_errf(err, OR_EDEVICE, "bench: ceiling kernel failed");
            break;
        }
        cudaEventRecord(b, stream);
        if ((c = cudaEventSynchronize(b)) != cudaSuccess) {
            s = cuda_err(err, c, "ceiling run");
            break;
        }
        float ms = 0;
        if ((c = cudaEventElapsedTime(&ms, a, b)) != cudaSuccess) {
            s = cuda_err(err, c, "cudaEventElapsedTime");
            break;
        }
        if (r > 0 && 1e-3 * ms < *best)
            *best = 1e-3 * ms;
    }
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    return s;
}

static or_status gemm_ceilings(cudaStream_t stream, bench_ceilings *c, or_err *err)
{
    const int n = BENCH_CEIL_GEMM_N, reps = 5;
    size_t elems = (size_t)n * n;
    void *a = NULL, *b = NULL, *y = NULL;
    cublasHandle_t h = NULL;
    or_status s = OR_OK;
    cudaError_t e;
    if ((e = cudaMalloc(&a, elems * 4)) != cudaSuccess || (e = cudaMalloc(&b, elems * 4)) != cudaSuccess ||
        (e = cudaMalloc(&y, elems * 4)) != cudaSuccess) {
        s = cuda_err(err, e, "cudaMalloc for the GEMM ceiling");
        goto out;
    }
    /* 0x3c bytes: f16 1.06, f32 0.0115: finite products, no denormals */
    cudaMemsetAsync(a, 0x3c, elems * 4, stream);
    cudaMemsetAsync(b, 0x3c, elems * 4, stream);
    if (cublasCreate(&h) != CUBLAS_STATUS_SUCCESS) {
        s = or_errf(err, OR_EDEVICE, "bench: cublasCreate failed");
        goto out;
    }
    cublasSetStream(h, stream);
    {
        const float one = 1.0f, zero = 0.0f;
        double t = 0;
        auto f16 = [&]() {
            return cublasGemmEx(h, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, a, CUDA_R_16F, n, b,
                                CUDA_R_16F, n, &zero, y, CUDA_R_16F, n, CUBLAS_COMPUTE_32F,
                                CUBLAS_GEMM_DEFAULT) == CUBLAS_STATUS_SUCCESS;
        };
        if ((s = best_time(stream, reps, f16, &t, err)) != OR_OK)
            goto out;
        c->gemm_f16_flops = 2.0 * n * (double)n * n / t;
        cublasSetMathMode(h, CUBLAS_DEFAULT_MATH);
        auto f32 = [&]() {
            return cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, (const float *)a, n,
                               (const float *)b, n, &zero, (float *)y, n) == CUBLAS_STATUS_SUCCESS;
        };
        if ((s = best_time(stream, reps, f32, &t, err)) != OR_OK)
            goto out;
        c->gemm_f32_flops = 2.0 * n * (double)n * n / t;
        snprintf(c->gemm_note, sizeof c->gemm_note,
                 "cuBLAS %dx%dx%d: f16 GemmEx (f32 accumulate), f32 Sgemm (no TF32)", n, n, n);
    }
out:
    if (h)
        cublasDestroy(h);
    cudaFree(a);
    cudaFree(b);
    cudaFree(y);
    return s;
}

static or_status copy_ceiling(cudaStream_t stream, bench_ceilings *c, or_err *err)
{
    size_t bytes = (size_t)BENCH_CEIL_COPY_MIB << 20;
    void *src = NULL, *dst = NULL;
    or_status s = OR_OK;
    cudaError_t e;
    if ((e = cudaMalloc(&src, bytes)) != cudaSuccess || (e = cudaMalloc(&dst, bytes)) != cudaSuccess) {
        s = cuda_err(err, e, "cudaMalloc for the copy ceiling");
    } else {
        cudaMemsetAsync(src, 1, bytes, stream);
        double t = 0;
        auto f = [&]() {
            return cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, stream) ==
                   cudaSuccess;
        };
        s = best_time(stream, 5, f, &t, err);
        if (s == OR_OK) {
            c->copy_bytes = 2.0 * (double)bytes / t;
            snprintf(c->copy_note, sizeof c->copy_note,
                     "cudaMemcpyAsync device to device, %zu MiB (read + write)", bytes >> 20);
        }
    }
    cudaFree(src);
    cudaFree(dst);
    return s;
}

extern "C" or_status bench_cuda_ceilings(or_backend *be, bench_ceilings *c, or_err *err)
{
    cudaStream_t stream = or_cuda_stream(be);
    OR_TRY(gemm_ceilings(stream, c, err));
    return copy_ceiling(stream, c, err);
}
