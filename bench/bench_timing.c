/* bench_timing.c: iteration timers and their statistics.
 * CPU: wall clock (CLOCK_MONOTONIC) around each iteration (--cpu-time: the process's CPU
 * time, CLOCK_PROCESS_CPUTIME_ID, all threads summed); the CPU backend's
 * ops are synchronous, so the time is the work.  GPU: a CUDA event recorded on
 * the backend's stream before and after each iteration, iterations issued back
 * to back (no sync in between, as a video would run), resolved after one sync
 * at the end: the time is the stream's, launch gaps included. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

int bench_cpu_time;

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(bench_cpu_time ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Linear interpolation between order statistics (numpy's default percentile). */
static double percentile(const double *sorted, int n, double q)
{
    double pos = q * (n - 1);
    int i = (int)floor(pos);
    if (i >= n - 1)
        return sorted[n - 1];
    double f = pos - i;
    return sorted[i] * (1 - f) + sorted[i + 1] * f;
}

void bench_stats_of(double *t, int n, bench_stats *s)
{
    memset(s, 0, sizeof *s);
    if (n < 1)
        return;
    qsort(t, (size_t)n, sizeof *t, cmp_d);
    s->n = n;
    s->min = t[0];
    s->max = t[n - 1];
    s->median = percentile(t, n, 0.5);
    s->p10 = percentile(t, n, 0.1);
    s->p90 = percentile(t, n, 0.9);
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += t[i];
    s->mean = sum / n;
}

struct bench_timer {
    or_backend *be;
    int n;
    double *t0, *t1; /* CPU */
#ifdef OR_HAVE_CUDA
    bench_cuda_events *ev; /* 2n events: start i at 2i, stop at 2i+1 */
#endif
};

or_status bench_timer_create(or_backend *be, int n, bench_timer **out, or_err *err)
{
    bench_timer *t = calloc(1, sizeof *t);
    if (!t)
        return or_errf(err, OR_ENOMEM, "bench: out of memory");
    t->be = be, t->n = n;
#ifdef OR_HAVE_CUDA
    if (be->kind == OR_BACKEND_CUDA) {
        or_status s = bench_cuda_events_create(be, 2 * n, &t->ev, err);
        if (s != OR_OK) {
            free(t);
            return s;
        }
        *out = t;
        return OR_OK;
    }
#endif
    t->t0 = calloc((size_t)n, sizeof *t->t0);
    t->t1 = calloc((size_t)n, sizeof *t->t1);
    if (!t->t0 || !t->t1) {
        bench_timer_free(t);
        return or_errf(err, OR_ENOMEM, "bench: out of memory");
    }
    *out = t;
    return OR_OK;
}

void bench_timer_start(bench_timer *t, int i)
{
#ifdef OR_HAVE_CUDA
    if (t->ev) {
        bench_cuda_event_record(t->ev, 2 * i);
        return;
    }
#endif
    t->t0[i] = bench_now();
}

void bench_timer_stop(bench_timer *t, int i)
{
#ifdef OR_HAVE_CUDA
    if (t->ev) {
        bench_cuda_event_record(t->ev, 2 * i + 1);
        return;
    }
#endif
    t->t1[i] = bench_now();
}

or_status bench_timer_finish(bench_timer *t, double *sec, or_err *err)
{
    OR_TRY(t->be->sync(t->be, err));
    for (int i = 0; i < t->n; i++) {
#ifdef OR_HAVE_CUDA
        if (t->ev) {
            OR_TRY(bench_cuda_elapsed(t->ev, 2 * i, 2 * i + 1, &sec[i], err));
            continue;
        }
#endif
        sec[i] = t->t1[i] - t->t0[i];
    }
    return OR_OK;
}

void bench_timer_free(bench_timer *t)
{
    if (!t)
        return;
#ifdef OR_HAVE_CUDA
    if (t->ev)
        bench_cuda_events_free(t->ev);
#endif
    free(t->t0);
    free(t->t1);
    free(t);
}

double bench_roofline_floor(double flops, double bytes, double peak_flops, double peak_bw)
{
    double a = peak_flops > 0 ? flops / peak_flops : 0, b = peak_bw > 0 ? bytes / peak_bw : 0;
    return a > b ? a : b;
}
