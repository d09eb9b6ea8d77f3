/* oprestore-bench: kernel throughput on a backend (per-stage fps arrives with
 * the networks).  Each case reports the median and spread over --iters runs
 * after --warmup, FLOPs and bytes from the shapes, and achieved GFLOP/s and GB/s.
 * GPU timing synchronises the stream around each iteration. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/ops.h"

typedef struct {
    const char *name;
    int n, ci, h, w, co, k;
} conv_case;

static const conv_case cases[] = {
    {"conv3x3 64->64 (RRDB trunk, 480x270)", 1, 64, 270, 480, 64, 3},
    {"conv3x3 64->32 (dense block, 480x270)", 1, 64, 270, 480, 32, 3},
    {"conv3x3 3->64 (first layer, 480x270)", 1, 3, 270, 480, 64, 3},
    {"conv1x1 256->64 (bottleneck, 240x135)", 1, 256, 135, 240, 64, 1},
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: oprestore-bench [-g cpu|N] [--dtype f32|f16] [--iters N] [--warmup N] [--scale S]\n"
               "  --scale S  multiply every spatial size by S (e.g. 0.1 for a quick smoke run)\n");
}

static or_status run_case(or_backend *be, const conv_case *c, or_dtype dt, double scale, int iters,
                          int warmup, or_err *err)
{
    int h = (int)fmax(1, c->h * scale), w = (int)fmax(1, c->w * scale);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_tensor x, wt, b, y;
    OR_TRY(or_tensor_alloc(be, &x, c->n, c->ci, h, w, dt, "x", err));
    OR_TRY(or_tensor_alloc(be, &wt, c->co, c->ci, c->k, c->k, dt, "w", err));
    OR_TRY(or_tensor_alloc(be, &b, 1, c->co, 1, 1, OR_F32, "b", err));
    OR_TRY(or_tensor_alloc(be, &y, c->n, c->co, h, w, dt, "y", err));
    size_t big = or_numel(&x) > or_numel(&wt) ? or_numel(&x) : or_numel(&wt);
    float *host = malloc(big * sizeof(float));
    if (!host)
        return or_errf(err, OR_ENOMEM, "bench: out of host memory");
    for (size_t i = 0; i < big; i++)
        host[i] = (float)((i * 2654435761u) % 1000) / 1000.0f - 0.5f;
    OR_TRY(or_tensor_upload_f32(&x, host, err));
    OR_TRY(or_tensor_upload_f32(&wt, host, err));
    OR_TRY(or_tensor_upload_f32(&b, host, err));
    free(host);
    or_conv2d_params p = or_conv2d_default(c->k, c->k);
    p.ep.act = OR_ACT_LEAKY;
    p.ep.alpha = 0.2f;
    double *t = calloc((size_t)iters, sizeof *t);
    for (int i = 0; i < warmup + iters; i++) {
        double t0 = now_s();
        OR_TRY(or_conv2d(&x, &wt, &b, &p, &y, err));
        OR_TRY(be->sync(be, err));
        if (i >= warmup)
            t[i - warmup] = now_s() - t0;
    }
    qsort(t, (size_t)iters, sizeof *t, cmp_d);
    double med = t[iters / 2];
    double flops = 2.0 * c->n * c->co * h * w * (double)c->ci * c->k * c->k;
    double bytes = (double)(or_nbytes(&x) + or_nbytes(&wt) + or_nbytes(&y));
    printf("%-42s %4dx%-4d %s  %9.3f ms  (min %.3f, max %.3f)  %8.1f GFLOP/s  %7.1f GB/s\n",
           c->name, w, h, or_dtype_name(dt), med * 1e3, t[0] * 1e3, t[iters - 1] * 1e3,
           flops / med * 1e-9, bytes / med * 1e-9);
    free(t);
    or_arena_reset(&be->arena, m);
    return OR_OK;
}

int main(int argc, char **argv)
{
    const char *dev = "cpu";
    or_dtype dt = OR_F32;
    int iters = 10, warmup = 2;
    double scale = 1.0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "-g") && more) {
            dev = argv[++i];
        } else if (!strcmp(a, "--dtype") && more) {
            dt = strcmp(argv[++i], "f16") ? OR_F32 : OR_F16;
        } else if (!strcmp(a, "--iters") && more) {
            iters = atoi(argv[++i]);
        } else if (!strcmp(a, "--warmup") && more) {
            warmup = atoi(argv[++i]);
        } else if (!strcmp(a, "--scale") && more) {
            scale = atof(argv[++i]);
        } else {
            fprintf(stderr, "oprestore-bench: unknown or incomplete option %s\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (iters < 1 || warmup < 0 || !(scale > 0) || scale > 8) {
        fprintf(stderr, "oprestore-bench: --iters >= 1, --warmup >= 0, 0 < --scale <= 8\n");
        return 2;
    }
    or_backend *be;
    or_err err;
    if (or_backend_open(dev, &be, &err) != OR_OK) {
        fprintf(stderr, "oprestore-bench: %s\n", err.msg);
        return 1;
    }
    printf("backend: %s, %d iterations after %d warm-up\n", be->name, iters, warmup);
    int rc = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0] && !rc; i++)
        if (run_case(be, &cases[i], dt, scale, iters, warmup, &err) != OR_OK) {
            fprintf(stderr, "oprestore-bench: %s\n", err.msg);
            rc = 1;
        }
    printf("peak arena: %.1f MiB\n", (double)be->arena.peak / (1 << 20));
    or_backend_destroy(be);
    return rc;
}
