/* bench_output.c: the results on stdout (a table, and the per-kernel table
 * with --kernels), as JSON and CSV, and the environment they were measured in
 * (device, date, git commit, build flags).  Non-finite numbers are written
 * as JSON null / an empty CSV field, never as "nan". */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "weights/json.h"

/* Published H100 SXM figures (NVIDIA datasheet), used by --roofline until
 * measured ceilings replace them: dense f16 tensor, f32 non-tensor, HBM3. */
#define H100_F16_FLOPS 989e12
#define H100_F32_FLOPS 67e12
#define H100_BW 3.35e12

#ifndef OR_GIT_COMMIT
#define OR_GIT_COMMIT ""
#endif
#ifndef OR_BUILD_FLAGS
#define OR_BUILD_FLAGS ""
#endif

static int git_head(const char *dir, char *buf, size_t n)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "git -C '%s' rev-parse HEAD 2>/dev/null", dir);
    FILE *p = popen(cmd, "r");
    if (!p)
        return 0;
    char line[128];
    int ok = fgets(line, sizeof line, p) && strlen(line) >= 40;
    pclose(p);
    if (ok) {
        line[strcspn(line, "\r\n")] = 0;
        snprintf(buf, n, "%s", line);
    }
    return ok;
}

/* $OPRESTORE_COMMIT, a compile-time OR_GIT_COMMIT, else `git rev-parse HEAD`
 * in the working directory, in the checkout this file was compiled from, or
 * beside the executable. */
static void git_commit(char *buf, size_t n)
{
    const char *env = getenv("OPRESTORE_COMMIT");
    snprintf(buf, n, "%s", env && *env ? env : OR_GIT_COMMIT);
    if (buf[0])
        return;
    if (git_head(".", buf, n))
        return;
    char src[1024]; /* this file's folder's parent: the checkout it was built from */
    snprintf(src, sizeof src, "%s", __FILE__);
    char *b = strstr(src, "/bench/bench_output.c");
    if (b) {
        *b = 0;
        if (git_head(src, buf, n))
            return;
    }
    char exe[1024];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            if (git_head(exe, buf, n))
                return;
        }
    }
    snprintf(buf, n, "unknown");
}

void bench_env_fill(bench_env *e, or_backend *be)
{
    memset(e, 0, sizeof *e);
    snprintf(e->device, sizeof e->device, "%s", be ? be->name : "count");
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(e->date, sizeof e->date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    git_commit(e->commit, sizeof e->commit);
    snprintf(e->build, sizeof e->build, "%s%s", OR_BUILD_FLAGS,
#ifdef OR_HAVE_CUDA
             " cuda"
#else
             " cpu-only"
#endif
    );
    gethostname(e->host, sizeof e->host - 1);
}

static double ms(double s) { return 1e3 * s; }
static double mib(size_t b) { return (double)b / (1 << 20); }

static double gemm_ceiling(const bench_env *e, const char *dtype)
{
    return strcmp(dtype, "f16") == 0 ? e->ceil.gemm_f16_flops : e->ceil.gemm_f32_flops;
}

void bench_print_table(const bench_env *e, const bench_result *r, int n, const bench_opts *o)
{
    if (o->roofline) {
        printf("roofline (shapes only, nothing computed), %s; H100 SXM published peaks: "
               "f16 tensor %.0f TFLOP/s, f32 %.0f TFLOP/s, HBM %.2f TB/s\n",
               or_dtype_name(o->dtype), H100_F16_FLOPS * 1e-12, H100_F32_FLOPS * 1e-12,
               H100_BW * 1e-12);
        printf("%-11s %-24s %-11s %10s %10s %7s %10s %9s %9s %9s\n", "stage", "workload",
               "input", "GFLOP/fr", "MB/frame", "FLOP/B", "floor ms", "floor fps", "act MiB",
               "wts MiB");
        for (int i = 0; i < n; i++) {
            char sz[32];
            snprintf(sz, sizeof sz, "%dx%d", r[i].in_w, r[i].in_h);
            if (!r[i].available) {
                printf("%-11s %-24s unavailable: %s\n", r[i].stage, r[i].name, r[i].reason);
                continue;
            }
            double peak = o->dtype == OR_F16 ? H100_F16_FLOPS : H100_F32_FLOPS;
            double fl = bench_roofline_floor(r[i].flops, r[i].bytes, peak, H100_BW);
            printf("%-11s %-24s %-11s %10.2f %10.1f %7.1f %10.3f %9.0f %9.1f %9.1f\n", r[i].stage,
                   r[i].name, sz, r[i].flops * 1e-9, r[i].bytes * 1e-6,
                   r[i].bytes > 0 ? r[i].flops / r[i].bytes : 0, ms(fl), fl > 0 ? 1 / fl : 0,
                   mib(r[i].arena_peak), mib(r[i].weight_bytes));
        }
        return;
    }
    printf("device: %s  dtype: %s  %d iterations after %d warm-up  commit %.12s\n", e->device,
           or_dtype_name(o->dtype), o->iters, o->warmup, e->commit);
    if (e->have_ceil)
        printf("ceilings: GEMM f32 %.2f TFLOP/s, f16 %.2f TFLOP/s (%s); copy %.1f GB/s (%s)\n",
               e->ceil.gemm_f32_flops * 1e-12, e->ceil.gemm_f16_flops * 1e-12, e->ceil.gemm_note,
               e->ceil.copy_bytes * 1e-9, e->ceil.copy_note);
    printf("%-11s %-24s %-11s %-11s %9s %19s %8s %9s %8s %8s %s\n", "stage", "workload", "input",
           "weights", "ms/frame", "(p10 .. p90)", "fps", "GFLOP/fr", "TFLOP/s", "mem MiB",
           "torch eager f16 (ours/torch)");
    for (int i = 0; i < n; i++) {
        char sz[32], tf[32] = "-";
        snprintf(sz, sizeof sz, "%dx%d", r[i].in_w, r[i].in_h);
        if (!r[i].available) {
            printf("%-11s %-24s unavailable: %s\n", r[i].stage, r[i].name, r[i].reason);
            continue;
        }
        int m = r[i].torch_fps[1] > 0 ? 1 : 0; /* eager fp16, else eager fp32 (CPU) */
        if (r[i].torch_fps[m] > 0)
            snprintf(tf, sizeof tf, "%.1f%s (%.2fx)", r[i].torch_fps[m], m ? "" : " f32",
                     r[i].fps / r[i].torch_fps[m]);
        printf("%-11s %-24s %-11s %-11s %9.3f (%7.3f .. %7.3f) %8.2f %9.2f %8.3f %8.1f %s\n",
               r[i].stage, r[i].name, sz, r[i].weights, ms(r[i].st.median), ms(r[i].st.p10),
               ms(r[i].st.p90), r[i].fps, r[i].flops * 1e-9,
               r[i].st.median > 0 ? r[i].flops / r[i].st.median * 1e-12 : 0, mib(r[i].mem_peak),
               tf);
    }
}

static int cmp_rows(const void *a, const void *b)
{
    const bench_kernel_row *x = a, *y = b;
    return x->sec < y->sec ? 1 : x->sec > y->sec ? -1 : strcmp(x->key, y->key);
}

void bench_print_kernels(const bench_env *e, const bench_result *r, const bench_opts *o)
{
    if (!r->available || r->prof.n == 0)
        return;
    bench_kernel_row *rows = malloc((size_t)r->prof.n * sizeof *rows);
    if (!rows)
        return;
    memcpy(rows, r->prof.rows, (size_t)r->prof.n * sizeof *rows);
    qsort(rows, (size_t)r->prof.n, sizeof *rows, cmp_rows);
    double steps = r->prof.steps > 0 ? r->prof.steps : 1, total = 0;
    for (int i = 0; i < r->prof.n; i++)
        total += rows[i].sec;
    double gemm = gemm_ceiling(e, r->dtype), bw = e->ceil.copy_bytes;
    printf("\nkernels of %s/%s (per frame, %d profiled step%s; profiled step %.3f ms, kernels "
           "%.3f ms, unattributed %.3f ms)\n",
           r->stage, r->name, r->prof.steps, r->prof.steps == 1 ? "" : "s",
           ms(r->prof.step_sec / steps), ms(total / steps),
           ms((r->prof.step_sec - total) / steps));
    printf("%-58s %6s %9s %6s %9s %8s %8s %7s %6s %6s\n", "kernel", "count", "ms", "%", "GFLOP",
           "MB", "TFLOP/s", "GB/s", "%gemm", "%copy");
    int shown = 0;
    for (int i = 0; i < r->prof.n; i++) {
        const bench_kernel_row *k = &rows[i];
        if (!o->roofline && shown >= 40)
            break;
        double t = k->sec / steps, fl = k->flops / steps, by = k->bytes / steps;
        double tfs = t > 0 ? fl / t : 0, gbs = t > 0 ? by / t : 0;
        printf("%-58.58s %6.0f %9.4f %6.1f %9.3f %8.2f %8.3f %7.1f %6.1f %6.1f\n", k->key,
               (double)k->count / steps, ms(t), total > 0 ? 100 * k->sec / total : 0, fl * 1e-9,
               by * 1e-6, tfs * 1e-12, gbs * 1e-9, gemm > 0 ? 100 * tfs / gemm : 0,
               bw > 0 ? 100 * gbs / bw : 0);
        shown++;
    }
    if (shown < r->prof.n)
        printf("... %d more in the JSON / CSV\n", r->prof.n - shown);
    free(rows);
}

/* ---- JSON -------------------------------------------------------------------------------- */

static void jnum(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.6g", v);
    else
        fputs("null", f);
}

static void jkv_str(FILE *f, const char *k, const char *v, int comma)
{
    json_write_str(f, k, 0);
    fputs(": ", f);
    json_write_str(f, v, 0);
    if (comma)
        fputs(", ", f);
}

static void jkv_num(FILE *f, const char *k, double v, int comma)
{
    json_write_str(f, k, 0);
    fputs(": ", f);
    jnum(f, v);
    if (comma)
        fputs(", ", f);
}

static void json_kernels(FILE *f, const bench_env *e, const bench_result *r)
{
    double steps = r->prof.steps > 0 ? r->prof.steps : 1;
    double gemm = gemm_ceiling(e, r->dtype), bw = e->ceil.copy_bytes;
    fputs("[", f);
    for (int i = 0; i < r->prof.n; i++) {
        const bench_kernel_row *k = &r->prof.rows[i];
        double t = k->sec / steps, fl = k->flops / steps, by = k->bytes / steps;
        fputs(i ? ",\n        {" : "\n        {", f);
        jkv_str(f, "key", k->key, 1);
        jkv_str(f, "op", k->op, 1);
        jkv_num(f, "count", (double)k->count / steps, 1);
        jkv_num(f, "ms", ms(t), 1);
        jkv_num(f, "gflop", fl * 1e-9, 1);
        jkv_num(f, "mbytes", by * 1e-6, 1);
        jkv_num(f, "tflops", t > 0 ? fl / t * 1e-12 : 0, 1);
        jkv_num(f, "gbps", t > 0 ? by / t * 1e-9 : 0, 1);
        jkv_num(f, "frac_gemm", gemm > 0 && t > 0 ? fl / t / gemm : 0, 1);
        jkv_num(f, "frac_copy", bw > 0 && t > 0 ? by / t / bw : 0, 0);
        fputs("}", f);
    }
    fputs("]", f);
}

static const char *torch_modes[3] = {"eager_fp32", "eager_fp16", "compile_fp16"};

or_status bench_write_json(const char *path, const bench_env *e, const bench_result *r, int n,
                           const bench_opts *o, or_err *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return or_errf(err, OR_EIO, "%s: cannot write", path);
    fputs("{\n  ", f);
    jkv_str(f, "tool", "oprestore-bench", 1);
    jkv_str(f, "version", OR_VERSION, 1);
    jkv_str(f, "device", e->device, 1);
    jkv_str(f, "date", e->date, 1);
    jkv_str(f, "commit", e->commit, 1);
    jkv_str(f, "build", e->build, 1);
    jkv_str(f, "host", e->host, 1);
    fputs("\n  ", f);
    jkv_str(f, "dtype", or_dtype_name(o->dtype), 1);
    jkv_str(f, "layout",
            o->layout_set ? or_layout_name(o->layout)
                          : (o->dtype == OR_F16 ? "backend (nhwc on CUDA)" : "backend (nchw)"),
            1);
    jkv_num(f, "iters", o->iters, 1);
    jkv_num(f, "warmup", o->warmup, 1);
    jkv_str(f, "mode", o->roofline ? "roofline" : o->tiny ? "tiny" : "full", 1);
    fputs("\n  \"ceilings\": {", f);
    jkv_num(f, "gemm_f32_tflops", e->ceil.gemm_f32_flops * 1e-12, 1);
    jkv_num(f, "gemm_f16_tflops", e->ceil.gemm_f16_flops * 1e-12, 1);
    jkv_num(f, "copy_gbps", e->ceil.copy_bytes * 1e-9, 1);
    jkv_str(f, "gemm", e->ceil.gemm_note, 1);
    jkv_str(f, "copy", e->ceil.copy_note, 0);
    fputs("},\n  \"h100_published\": {", f);
    jkv_num(f, "f16_tflops", H100_F16_FLOPS * 1e-12, 1);
    jkv_num(f, "f32_tflops", H100_F32_FLOPS * 1e-12, 1);
    jkv_num(f, "hbm_gbps", H100_BW * 1e-9, 0);
    fputs("},\n  \"results\": [", f);
    for (int i = 0; i < n; i++) {
        const bench_result *x = &r[i];
        fputs(i ? ",\n    {" : "\n    {", f);
        jkv_str(f, "stage", x->stage, 1);
        jkv_str(f, "name", x->name, 1);
        jkv_str(f, "model", x->model, 1);
        jkv_str(f, "what", x->what, 1);
        jkv_str(f, "weights", x->weights, 1);
        jkv_str(f, "dtype", x->dtype, 1);
        fprintf(f, "\"available\": %s, ", x->available ? "true" : "false");
        jkv_str(f, "reason", x->reason, 1);
        fprintf(f, "\n      \"in\": [%d, %d], \"out\": [%d, %d], ", x->in_w, x->in_h, x->out_w,
                x->out_h);
        fputs("\"ms_per_frame\": {", f);
        jkv_num(f, "median", ms(x->st.median), 1);
        jkv_num(f, "min", ms(x->st.min), 1);
        jkv_num(f, "p10", ms(x->st.p10), 1);
        jkv_num(f, "p90", ms(x->st.p90), 1);
        jkv_num(f, "max", ms(x->st.max), 1);
        jkv_num(f, "mean", ms(x->st.mean), 1);
        jkv_num(f, "n", x->st.n, 0);
        fputs("},\n      ", f);
        jkv_num(f, "fps", x->fps, 1);
        jkv_num(f, "gflop_per_frame", x->flops * 1e-9, 1);
        jkv_num(f, "mbytes_per_frame", x->bytes * 1e-6, 1);
        double peak = strcmp(x->dtype, "f16") == 0 ? H100_F16_FLOPS : H100_F32_FLOPS;
        jkv_num(f, "h100_floor_ms", ms(bench_roofline_floor(x->flops, x->bytes, peak, H100_BW)),
                1);
        if (e->have_ceil)
            jkv_num(f, "measured_floor_ms",
                    ms(bench_roofline_floor(x->flops, x->bytes, gemm_ceiling(e, x->dtype),
                                            e->ceil.copy_bytes)),
                    1);
        jkv_num(f, "arena_peak_mib", mib(x->arena_peak), 1);
        jkv_num(f, "weights_mib", mib(x->weight_bytes), 1);
        jkv_num(f, "mem_peak_mib", mib(x->mem_peak), 1);
        fputs("\n      \"pytorch\": {", f);
        for (int m = 0, first = 1; m < 3; m++)
            if (x->torch_fps[m] > 0) {
                if (!first)
                    fputs(", ", f);
                json_write_str(f, torch_modes[m], 0);
                fputs(": {", f);
                jkv_num(f, "fps", x->torch_fps[m], 0);
                fputs("}", f);
                first = 0;
            }
        fputs("},\n      \"kernels\": ", f);
        json_kernels(f, e, x);
        fputs("}", f);
    }
    fputs("\n  ]\n}\n", f);
    if (fclose(f) != 0)
        return or_errf(err, OR_EIO, "%s: write failed", path);
    return OR_OK;
}

/* ---- CSV --------------------------------------------------------------------------------- */

static void cnum(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, ",%.6g", v);
    else
        fputs(",", f);
}

static void cstr(FILE *f, const char *s, int first)
{
    if (!first)
        fputc(',', f);
    fputc('"', f);
    for (; s && *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputc('"', f);
}

or_status bench_write_csv(const char *path, const bench_env *e, const bench_result *r, int n,
                          or_err *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return or_errf(err, OR_EIO, "%s: cannot write", path);
    fputs("stage,name,model,weights,dtype,device,commit,in_w,in_h,out_w,out_h,available,"
          "ms_median,ms_min,ms_p10,ms_p90,ms_max,fps,gflop_per_frame,mbytes_per_frame,"
          "arena_peak_mib,weights_mib,mem_peak_mib,torch_eager_fp32_fps,torch_eager_fp16_fps,"
          "torch_compile_fp16_fps,reason\n",
          f);
    for (int i = 0; i < n; i++) {
        const bench_result *x = &r[i];
        cstr(f, x->stage, 1);
        cstr(f, x->name, 0);
        cstr(f, x->model, 0);
        cstr(f, x->weights, 0);
        cstr(f, x->dtype, 0);
        cstr(f, e->device, 0);
        cstr(f, e->commit, 0);
        fprintf(f, ",%d,%d,%d,%d,%d", x->in_w, x->in_h, x->out_w, x->out_h, x->available);
        cnum(f, ms(x->st.median));
        cnum(f, ms(x->st.min));
        cnum(f, ms(x->st.p10));
        cnum(f, ms(x->st.p90));
        cnum(f, ms(x->st.max));
        cnum(f, x->fps);
        cnum(f, x->flops * 1e-9);
        cnum(f, x->bytes * 1e-6);
        cnum(f, mib(x->arena_peak));
        cnum(f, mib(x->weight_bytes));
        cnum(f, mib(x->mem_peak));
        for (int m = 0; m < 3; m++)
            cnum(f, x->torch_fps[m]);
        cstr(f, x->reason, 0);
        fputc('\n', f);
    }
    if (fclose(f) != 0)
        return or_errf(err, OR_EIO, "%s: write failed", path);
    return OR_OK;
}
