/* bench_ceilings.c: the device's measured ceilings, taken at start-up, against
 * which each kernel's achieved throughput is set:
 *   GEMM  a large square matrix product (CPU: OpenBLAS sgemm 2048^3, the
 *         library the CPU convolutions use; GPU: cuBLAS 8192^3 in f16 with f32
 *         accumulation on tensor cores, and f32 without TF32: bench_cuda.cu);
 *   copy  a large buffer copy, counted as read + write (CPU: memcpy of 256 MiB;
 *         GPU: cudaMemcpyAsync device to device of 1 GiB).
 * Each is the best of a few repetitions after a warm-up.  quick (--tiny): small
 * CPU sizes (512^3, 16 MiB), for the smoke run only. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static double best_of(double *t, int n)
{
    double b = t[0];
    for (int i = 1; i < n; i++)
        b = t[i] < b ? t[i] : b;
    return b;
}

static or_status cpu_ceilings(bench_ceilings *c, int quick, or_err *err)
{
    const int n = quick ? 512 : 2048, reps = 3;
    size_t bytes = (size_t)(quick ? 16 : 256) << 20;
    float *a = malloc((size_t)n * n * sizeof(float)), *b = malloc((size_t)n * n * sizeof(float)),
          *y = malloc((size_t)n * n * sizeof(float));
    char *src = malloc(bytes), *dst = malloc(bytes);
    or_status s = OR_OK;
    if (!a || !b || !y || !src || !dst) {
        s = or_errf(err, OR_ENOMEM, "bench: out of host memory for the ceilings");
        goto out;
    }
    for (size_t i = 0; i < (size_t)n * n; i++)
        a[i] = b[i] = (float)(i % 7) * 0.125f;
    memset(src, 1, bytes);
    memset(dst, 0, bytes);
    double t[4];
    for (int r = 0; r <= reps; r++) { /* r == 0: warm-up */
        double t0 = bench_now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, y,
                    n);
        if (r)
            t[r - 1] = bench_now() - t0;
    }
    c->gemm_f32_flops = 2.0 * n * (double)n * n / best_of(t, reps);
    c->gemm_f16_flops = 0; /* the CPU backend computes in f32 only */
    snprintf(c->gemm_note, sizeof c->gemm_note, "OpenBLAS sgemm %dx%dx%d", n, n, n);
    for (int r = 0; r <= reps; r++) {
        double t0 = bench_now();
        memcpy(dst, src, bytes);
        if (r)
            t[r - 1] = bench_now() - t0;
        src[r] = dst[bytes - 1 - (size_t)r]; /* keep the copies observable */
    }
    c->copy_bytes = 2.0 * (double)bytes / best_of(t, reps);
    snprintf(c->copy_note, sizeof c->copy_note, "memcpy %zu MiB (read + write)", bytes >> 20);
out:
    free(a);
    free(b);
    free(y);
    free(src);
    free(dst);
    return s;
}

or_status bench_measure_ceilings(or_backend *be, int quick, bench_ceilings *c, or_err *err)
{
    memset(c, 0, sizeof *c);
#ifdef OR_HAVE_CUDA
    if (be->kind == OR_BACKEND_CUDA)
        return bench_cuda_ceilings(be, c, err);
#endif
    (void)be;
    return cpu_ceilings(c, quick, err);
}
