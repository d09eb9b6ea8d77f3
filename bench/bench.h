/* bench.h: the pieces of oprestore-bench (the bench folder).
 *
 *   oprestore_bench.c   flags, the run: ceilings, each workload, outputs
 *   bench_workloads.c   the workloads (stage, model, size) and their runners
 *   bench_timing.c      timers (wall clock on the CPU, CUDA events on the GPU), statistics
 *   bench_prof.c        per-kernel profiler: trampolines over a backend's op tables
 *   bench_cost.c        FLOPs and bytes of each op from its shapes
 *   bench_count.c       the counting backend (--roofline: shapes only, no compute)
 *   bench_ceilings.c    measured GEMM and copy ceilings (CPU here, GPU in bench_cuda.cu)
 *   bench_output.c      stdout table, JSON, CSV
 *   bench_chart.c       PNG bar chart (fps per workload, ours beside PyTorch's)
 *   sr_eval.c           --sr-eval: PSNR-Y and time per image on Set5/Set14 folders (sr_eval.h)
 *   flicker.c           --flicker: temporal flicker (warping error) of colorized clips (flicker.h)
 *   bench_cuda.cu       CUDA events, device copy and cuBLAS GEMM (CUDA builds only) */
#ifndef OR_BENCH_H
#define OR_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/nets/net.h"

#define BENCH_MAX_ITERS 10000
#define BENCH_ROTATE 3 /* input buffers rotated between iterations */

typedef struct {
    const char *device;      /* -g */
    or_dtype dtype;
    int dtype_set;           /* --dtype given (else f16 on CUDA, f32 on the CPU) */
    or_layout layout;        /* --layout: activation layout of the SR networks */
    int layout_set;          /* --layout given (else the backend's act_layout) */
    int iters, warmup;
    int w, h;                /* --size (0: the workload's) */
    const char *stage;       /* --stage filter or NULL */
    const char *model;       /* --model filter (workload or model name) or NULL */
    const char *models_dir;  /* -M */
    const char *json, *csv, *chart;
    int kernels;             /* --kernels */
    int tiny;                /* --tiny */
    int roofline;            /* --roofline */
    const char *merge;       /* --merge: a pytorch_peer.py JSON to show beside ours */
} bench_opts;

/* ---- statistics ---------------------------------------------------------------- */
typedef struct {
    int n;
    double median, min, max, p10, p90, mean; /* seconds */
} bench_stats;

void bench_stats_of(double *t, int n, bench_stats *s); /* sorts t */
double bench_now(void);                                 /* monotonic seconds */
extern int bench_cpu_time; /* --cpu-time: bench_now is the process's CPU time */

/* A timer over iterations: wall clock on the CPU; CUDA events recorded on the
 * backend's stream on the GPU (resolved by bench_timer_finish after a sync). */
typedef struct bench_timer bench_timer;
or_status bench_timer_create(or_backend *be, int n, bench_timer **out, or_err *err);
void bench_timer_start(bench_timer *t, int i);
void bench_timer_stop(bench_timer *t, int i);
/* Sync and fill sec[0..n) with each iteration's time. */
or_status bench_timer_finish(bench_timer *t, double *sec, or_err *err);
void bench_timer_free(bench_timer *t);

/* ---- FLOPs and bytes of ops --------------------------------------------------------- */
typedef struct {
    double flops, bytes;
} bench_cost;

/* ---- per-kernel profile ------------------------------------------------------------ */
typedef struct {
    char key[160];           /* "conv2d 3x3 s1 64->32 @480x270 f16" */
    char op[32];
    long count;
    double sec, flops, bytes; /* totals */
} bench_kernel_row;

typedef struct {
    bench_kernel_row *rows;
    int n, cap;
    int steps;               /* profiled steps the totals cover */
    double step_sec;         /* their total time, so step_sec - sum(rows) is unattributed */
} bench_profile;

/* Wrap be's op tables (be->ops and be->fam.*) so that every call is timed and
 * costed into p; count_only: do not call the real kernels (the counting backend). */
or_status bench_prof_attach(or_backend *be, bench_profile *p, int count_only, or_err *err);
/* Resolve pending GPU timings (after a sync) and restore be's tables. */
or_status bench_prof_flush(or_err *err);
void bench_prof_detach(void);
void bench_profile_free(bench_profile *p);
/* Record one op call (used by the trampolines). */
void bench_prof_add(bench_profile *p, const char *op, const char *key, bench_cost c, double sec);

/* ---- the counting backend (--roofline) ----------------------------------------------- */
/* A backend whose memory is address space only and whose ops only record FLOPs
 * and bytes into p; kind CUDA when dtype is f16 (so f16 is accepted). */
or_status bench_count_backend_create(or_dtype dtype, bench_profile *p, or_backend **out,
                                     or_err *err);

/* ---- ceilings ---------------------------------------------------------------------- */
typedef struct {
    double gemm_f32_flops, gemm_f16_flops; /* FLOP/s (f16: tensor cores, f32 accumulation) */
    double copy_bytes;                     /* B/s, read + write */
    char gemm_note[96], copy_note[96];
} bench_ceilings;

or_status bench_measure_ceilings(or_backend *be, int quick, bench_ceilings *c, or_err *err);

#ifdef OR_HAVE_CUDA
/* bench_cuda.cu */
typedef struct bench_cuda_events bench_cuda_events;
or_status bench_cuda_events_create(or_backend *be, int n, bench_cuda_events **out, or_err *err);
void bench_cuda_event_record(bench_cuda_events *e, int i);
or_status bench_cuda_elapsed(bench_cuda_events *e, int i0, int i1, double *sec, or_err *err);
void bench_cuda_events_free(bench_cuda_events *e);
or_status bench_cuda_ceilings(or_backend *be, bench_ceilings *c, or_err *err);
/* Memory the device reports in use (cudaMemGetInfo total - free). */
size_t bench_cuda_mem_used(void);
#endif

/* ---- workloads ----------------------------------------------------------------------- */
typedef struct bench_workload bench_workload;

size_t bench_workload_count(void);
const bench_workload *bench_workload_at(size_t i);
const char *bench_workload_stage(const bench_workload *w);
const char *bench_workload_name(const bench_workload *w);
const char *bench_workload_model(const bench_workload *w);
/* Selected by --stage / --model. */
int bench_workload_selected(const bench_workload *w, const bench_opts *o);

/* One result row. */
typedef struct {
    char stage[32], name[64], model[64], what[160], weights[32];
    int in_w, in_h, out_w, out_h;
    char dtype[8];
    int available;
    char reason[1024];       /* why not available (a library error line) */
    bench_stats st;          /* seconds per frame */
    double fps;
    double flops, bytes;     /* per frame (counted from shapes) */
    size_t arena_peak, weight_bytes, mem_peak;
    bench_profile prof;      /* --kernels */
    /* PyTorch peers (from --merge): fps of eager fp32, eager fp16, compile fp16 (0: none) */
    double torch_fps[3];
} bench_result;

/* Run one workload on be (or count it on the counting backend in --roofline). */
void bench_run_workload(const bench_workload *w, const bench_opts *o, or_backend *be,
                        bench_result *r);

/* ---- output ----------------------------------------------------------------------------- */
typedef struct {
    char device[160], date[32], commit[64], build[256], host[64];
    bench_ceilings ceil;
    int have_ceil;
} bench_env;

void bench_env_fill(bench_env *e, or_backend *be);
void bench_print_table(const bench_env *e, const bench_result *r, int n, const bench_opts *o);
void bench_print_kernels(const bench_env *e, const bench_result *r, const bench_opts *o);
or_status bench_write_json(const char *path, const bench_env *e, const bench_result *r, int n,
                           const bench_opts *o, or_err *err);
or_status bench_write_csv(const char *path, const bench_env *e, const bench_result *r, int n,
                          or_err *err);
/* Fill r[].torch_fps from a JSON written by pytorch_peer.py (matched by stage + name). */
or_status bench_merge_peer(const char *path, bench_result *r, int n, or_err *err);
or_status bench_write_chart(const char *path, const bench_env *e, const bench_result *r, int n,
                            or_err *err);

/* Roofline floor (seconds) of a workload for the given ceilings. */
double bench_roofline_floor(double flops, double bytes, double peak_flops, double peak_bw);

#endif
