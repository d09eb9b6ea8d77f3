/* test_bench.c: the CI smoke test of oprestore-bench (bench/).  Runs the
 * built tool on the CPU at the tiny sizes and checks what it writes: the JSON
 * parses and has every field, every available workload has finite positive
 * times, rates, FLOPs, bytes and memory and a per-kernel table, unavailable
 * ones carry a reason, the CSV is rectangular, the chart is a PNG.  The
 * roofline mode is checked against the FLOPs of RealESRGAN x4plus counted by
 * hand.  Speed is never asserted. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test_util.h"
#include "weights/json.h"

static const char *bench_exe(void)
{
    static char p[1024];
    snprintf(p, sizeof p, "%s/oprestore-bench", OR_BINARY_DIR);
    cr_assert(access(p, X_OK) == 0, "%s not built (make oprestore-bench)", p);
    return p;
}

/* Run the tool with args; returns its exit status (log in a temporary file,
 * echoed on failure). */
static int run_bench(const char *args)
{
    char cmd[4096];
    const char *log = tu_tmp("bench.log");
    /* one OpenMP thread: a smoke run on a shared CI machine, not a measurement */
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=1 '%s' %s > '%s' 2>&1", bench_exe(), args, log);
    int rc = system(cmd);
    int status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    if (status != 0) {
        size_t n;
        uint8_t *txt = tu_read_file(log, &n);
        cr_log_info("%s\n%.*s", cmd, txt ? (int)(n > 4000 ? 4000 : n) : 0,
                     txt ? (const char *)txt + (n > 4000 ? n - 4000 : 0) : "");
        free(txt);
    }
    return status;
}

static double num(const json_value *o, const char *k)
{
    const json_value *v = json_get(o, k);
    cr_assert(v && v->type == JSON_NUMBER, "field %s missing or not a number", k);
    return v->num;
}

static void positive(const json_value *o, const char *k, const char *what)
{
    double v = num(o, k);
    cr_expect(isfinite(v) && v > 0, "%s: %s = %g (expected finite and > 0)", what, k, v);
}

Test(bench, tiny_cpu_run_writes_valid_json_csv_and_chart, .timeout = 240)
{
    const char *js = tu_tmp("b.json"), *csv = tu_tmp("b.csv"), *png = tu_tmp("b.png");
    char args[2048];
    snprintf(args, sizeof args,
             "-g cpu --tiny --iters 2 --warmup 0 --kernels --json '%s' --csv '%s' --chart '%s'",
             js, csv, png);
    cr_assert_eq(run_bench(args), 0);

    json_value *root;
    or_err err;
    cr_assert_eq(json_parse_file(js, &root, &err), OR_OK, "%s", err.msg);
    cr_expect_str_eq(json_str(root, "tool", ""), "oprestore-bench");
    cr_expect(strlen(json_str(root, "commit", "")) > 0);
    cr_expect(strlen(json_str(root, "date", "")) >= 10);
    cr_expect(strstr(json_str(root, "device", ""), "cpu") != NULL);
    const json_value *ceil = json_get(root, "ceilings");
    cr_assert(ceil && ceil->type == JSON_OBJECT);
    positive(ceil, "gemm_f32_tflops", "ceilings");
    positive(ceil, "copy_gbps", "ceilings");
    const json_value *res = json_get(root, "results");
    cr_assert(res && res->type == JSON_ARRAY && res->n >= 10, "expected every workload");
    int available = 0, sr = 0;
    for (size_t i = 0; i < res->n; i++) {
        const json_value *r = &res->items[i];
        const char *name = json_str(r, "name", "?");
        const json_value *av = json_get(r, "available");
        cr_assert(av && av->type == JSON_BOOL, "%s: available", name);
        if (!av->num) {
            cr_expect(strlen(json_str(r, "reason", "")) > 0, "%s: unavailable without reason",
                      name);
            cr_log_info("%s: unavailable: %s", name, json_str(r, "reason", ""));
            continue;
        }
        available++;
        if (strcmp(json_str(r, "stage", ""), "upscale") == 0)
            sr++;
        const json_value *t = json_get(r, "ms_per_frame");
        cr_assert(t && t->type == JSON_OBJECT, "%s", name);
        positive(t, "median", name);
        positive(t, "min", name);
        cr_expect(num(t, "p10") <= num(t, "median") && num(t, "median") <= num(t, "p90"),
                  "%s: p10 <= median <= p90", name);
        cr_expect_eq(num(t, "n"), 2, "%s", name);
        positive(r, "fps", name);
        positive(r, "gflop_per_frame", name);
        positive(r, "mbytes_per_frame", name);
        positive(r, "mem_peak_mib", name);
        positive(r, "arena_peak_mib", name);
        positive(r, "weights_mib", name);
        positive(r, "h100_floor_ms", name);
        const json_value *k = json_get(r, "kernels");
        cr_assert(k && k->type == JSON_ARRAY && k->n > 0, "%s: no kernel rows", name);
        for (size_t j = 0; j < k->n; j++) {
            positive(&k->items[j], "count", name);
            double ms = num(&k->items[j], "ms"), by = num(&k->items[j], "mbytes");
            cr_expect(isfinite(ms) && ms >= 0 && isfinite(by) && by > 0, "%s: kernel %s", name,
                      json_str(&k->items[j], "key", "?"));
        }
    }
    cr_expect_geq(sr, 5, "the five upscale workloads (rrdbnet and srvgg exist) must run");
    cr_log_info("%d of %zu workloads available", available, res->n);
    size_t n_results = res->n;
    json_free(root);

    /* CSV: a header and one row per workload, every row with the header's field count */
    size_t len;
    uint8_t *raw = tu_read_file(csv, &len);
    cr_assert(raw);
    char *txt = calloc(len + 1, 1); /* tu_read_file does not terminate */
    cr_assert(txt);
    memcpy(txt, raw, len);
    free(raw);
    int rows = 0, fields0 = -1;
    for (char *line = strtok(txt, "\n"); line; line = strtok(NULL, "\n"), rows++) {
        int fields = 1, quoted = 0;
        for (char *c = line; *c; c++) {
            if (*c == '"')
                quoted = !quoted;
            else if (*c == ',' && !quoted)
                fields++;
        }
        cr_expect(!quoted, "CSV line %d: unbalanced quotes", rows + 1);
        if (fields0 < 0)
            fields0 = fields;
        cr_expect_eq(fields, fields0, "CSV line %d: %d fields, header has %d", rows + 1, fields,
                     fields0);
    }
    cr_expect_eq(rows, (int)n_results + 1);
    free(txt);

    uint8_t *p = tu_read_file(png, &len);
    cr_assert(p && len > 100);
    cr_expect_eq(memcmp(p, "\x89PNG\r\n\x1a\n", 8), 0, "the chart is not a PNG");
    free(p);
}

/* MACs per pixel of x4plus counted from its layers (docs/converters/sr.md shapes). */
static double x4plus_flops(int w, int h)
{
    double lr = 3 * 64 * 9 + 64 * 64 * 9; /* conv_first, conv_body */
    for (int c = 1; c <= 4; c++)
        lr += 23 * 3 * 32.0 * (64 + (c - 1) * 32) * 9; /* dense conv1..4 */
    lr += 23 * 3 * 64.0 * (64 + 4 * 32) * 9;            /* conv5 */
    double p = (double)w * h;
    double macs = lr * p + 64 * 64 * 9 * (4 * p) + 64 * 64 * 9 * (16 * p) * 2 + 3 * 64 * 9 * 16 * p;
    return 2 * macs;
}

Test(bench, roofline_counts_the_flops_of_x4plus, .timeout = 120)
{
    const char *js = tu_tmp("roof.json");
    char args[2048];
    snprintf(args, sizeof args, "--roofline --model realesrgan-x4plus --json '%s'",
             js);
    cr_assert_eq(run_bench(args), 0);
    json_value *root;
    or_err err;
    cr_assert_eq(json_parse_file(js, &root, &err), OR_OK, "%s", err.msg);
    const json_value *res = json_get(root, "results");
    cr_assert(res && res->type == JSON_ARRAY && res->n == 1, "--model picks one workload");
    const json_value *r = &res->items[0];
    cr_assert_str_eq(json_str(r, "name", ""), "realesrgan-x4plus");
    double want = x4plus_flops(480, 270) * 1e-9, got = num(r, "gflop_per_frame");
    /* the counted FLOPs add the epilogues (bias, activation, residual): < 0.5% */
    cr_expect(got >= want && got <= want * 1.005, "x4plus: %.1f GFLOP counted, %.1f by hand",
              got, want);
    cr_expect_str_eq(json_str(r, "dtype", ""), "f16");
    positive(r, "mbytes_per_frame", "x4plus");
    positive(r, "arena_peak_mib", "x4plus");
    positive(r, "h100_floor_ms", "x4plus");
    cr_log_info("x4plus 480x270: %.1f GFLOP/frame (by hand %.1f), floor %.3f ms", got, want,
                num(r, "h100_floor_ms"));
    json_free(root);
}

Test(bench, usage_errors_exit_2)
{
    cr_expect_eq(run_bench("--size 12"), 2);
    cr_expect_eq(run_bench("--dtype f64"), 2);
    cr_expect_eq(run_bench("--iters 0"), 2);
    cr_expect_eq(run_bench("--model no-such-workload --tiny"), 2);
    cr_expect_eq(run_bench("-g cpu --dtype f16 --tiny"), 2);
    cr_expect_eq(run_bench("--list"), 0);
}
