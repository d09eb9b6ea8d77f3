/* test_emu_tools.c (label cuda-emu): the two tools built on the CUDA emulator,
 * run as the first GPU session will run them, at -g 0:
 *
 *   oprestore-bench-emu  every workload of every stage (tiny sizes, --kernels):
 *                        exit 0, the JSON parses, carries the device's name, the
 *                        ceilings (cuBLAS GEMM f16/f32, device copy), per-frame
 *                        times from CUDA events, per-kernel event times and the
 *                        peak device memory, all finite and > 0; the layout
 *                        run of bench/gpu_session.sh (--stage upscale --layout
 *                        nchw) and the upscale stage in f32;
 *   oprestore-gpu-emu    upscale, colorize, interpolate on fixture models against
 *                        the same command at -g cpu; without -g it picks device 0
 *                        and says so with -v.
 *
 * Tolerances against -g cpu (16-bit PNG outputs, so that 8-bit rounding does
 * not hide or exaggerate differences): f16 (the CUDA default) PSNR >= 40 dB, the
 * f16 storage error (2^-11 relative per activation) through a few layers
 * (measured: 57-73 dB); --fp32 max |diff| <= 4/65535 (four steps of the 16-bit
 * output) and PSNR >= 90 dB: the same f32 math summed in another order
 * (emulated cuDNN / cuBLAS against OpenBLAS), so only rounding (measured: one
 * step at most, 115-122 dB).
 * Speed is never asserted: the emulator runs every thread one after another. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_test_util.h"
#include "test_util.h"
#include "weights/json.h"

/* ---- running a tool ------------------------------------------------------------------- */

static char out_log[16384]; /* stdout + stderr of the last run (tail) */

/* Run `EXE ARGS` (one OpenMP thread: two of these run at once on CI's two
 * cores); returns the exit status, output in out_log. */
static int run_tool(const char *exe, const char *log_name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int run_tool(const char *exe, const char *log_name, const char *fmt, ...)
{
    char args[8192], cmd[16384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    const char *log = tu_tmp(log_name);
    cr_assert(access(exe, X_OK) == 0, "%s not built", exe);
    snprintf(cmd, sizeof cmd, "OMP_NUM_THREADS=1 '%s' %s >'%s' 2>&1", exe, args, log);
    int st = system(cmd);
    size_t n = 0;
    uint8_t *txt = tu_read_file(log, &n);
    size_t keep = n < sizeof out_log - 1 ? n : sizeof out_log - 1;
    if (txt)
        memcpy(out_log, txt + (n - keep), keep);
    out_log[txt ? keep : 0] = 0;
    free(txt);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The emulator reports every misuse it tolerates on stderr as "[cuda-emu] ...". */
static void no_emu_complaints(const char *what)
{
    cr_expect(!strstr(out_log, "[cuda-emu]"), "%s: the emulator complained:\n%s", what, out_log);
}

/* ---- the benchmark -------------------------------------------------------------------- */

static double num(const json_value *o, const char *k, const char *what)
{
    const json_value *v = json_get(o, k);
    cr_assert(v && v->type == JSON_NUMBER, "%s: field %s missing or not a number", what, k);
    return v->num;
}

static void positive(const json_value *o, const char *k, const char *what)
{
    double v = num(o, k, what);
    cr_expect(isfinite(v) && v > 0, "%s: %s = %g (expected finite and > 0)", what, k, v);
}

/* Every result available with event timings, kernel rows and device memory;
 * returns how many results there are. */
static size_t check_results(const json_value *root, const char *dtype, int iters)
{
    const json_value *res = json_get(root, "results");
    cr_assert(res && res->type == JSON_ARRAY && res->n > 0, "no results");
    for (size_t i = 0; i < res->n; i++) {
        const json_value *r = &res->items[i];
        const char *name = json_str(r, "name", "?");
        const json_value *av = json_get(r, "available");
        cr_assert(av && av->type == JSON_BOOL, "%s: available", name);
        /* the emulated device runs every workload the CUDA backend has */
        cr_expect(av->num, "%s: unavailable at -g 0: %s", name, json_str(r, "reason", ""));
        if (!av->num)
            continue;
        cr_expect_str_eq(json_str(r, "dtype", ""), dtype, "%s", name);
        const json_value *t = json_get(r, "ms_per_frame"); /* CUDA events */
        cr_assert(t && t->type == JSON_OBJECT, "%s", name);
        positive(t, "median", name);
        positive(t, "min", name);
        cr_expect(num(t, "min", name) <= num(t, "median", name) &&
                      num(t, "median", name) <= num(t, "max", name),
                  "%s: min <= median <= max", name);
        cr_expect_eq(num(t, "n", name), iters, "%s", name);
        positive(r, "fps", name);
        positive(r, "gflop_per_frame", name);
        positive(r, "mbytes_per_frame", name);
        positive(r, "mem_peak_mib", name); /* device memory, the backend's allocations */
        positive(r, "measured_floor_ms", name); /* needs the ceilings */
        if (strcmp(json_str(r, "stage", ""), "kernel") != 0) { /* conv cases: arena tensors */
            positive(r, "weights_mib", name);
            cr_expect(num(r, "mem_peak_mib", name) >= num(r, "weights_mib", name),
                      "%s: peak device memory below the weights", name);
        }
        const json_value *k = json_get(r, "kernels");
        cr_assert(k && k->type == JSON_ARRAY && k->n > 0, "%s: no kernel rows", name);
        double kernel_ms = 0;
        for (size_t j = 0; j < k->n; j++) {
            const char *key = json_str(&k->items[j], "key", "?");
            double ms = num(&k->items[j], "ms", key);
            cr_expect(isfinite(ms) && ms >= 0, "%s: kernel %s: ms %g", name, key, ms);
            positive(&k->items[j], "count", key);
            kernel_ms += ms;
        }
        cr_expect(kernel_ms > 0, "%s: the kernels' event times sum to %g ms", name, kernel_ms);
    }
    return res->n;
}

static void check_header(const json_value *root)
{
    cr_expect_str_eq(json_str(root, "tool", ""), "oprestore-bench");
    const char *dev = json_str(root, "device", "");
    cr_expect(strstr(dev, "cuda:0") && strstr(dev, "emulator"), "device: %s", dev);
    cr_expect(strstr(json_str(root, "build", ""), "cuda") != NULL, "build: %s",
              json_str(root, "build", ""));
    const json_value *c = json_get(root, "ceilings");
    cr_assert(c && c->type == JSON_OBJECT, "no ceilings");
    positive(c, "gemm_f16_tflops", "ceilings");
    positive(c, "gemm_f32_tflops", "ceilings");
    positive(c, "copy_gbps", "ceilings");
    cr_expect(strstr(json_str(c, "gemm", ""), "cuBLAS 128x128x128"), "gemm note: %s",
              json_str(c, "gemm", ""));
    cr_expect(strstr(json_str(c, "copy", ""), "device to device"), "copy note: %s",
              json_str(c, "copy", ""));
}

Test(emu_bench, every_stage_and_model_at_g0_with_kernels, .timeout = 300)
{
    const char *js = tu_tmp("bench.json"), *csv = tu_tmp("bench.csv");
    int rc = run_tool(OR_EMU_BENCH, "bench.log",
                      "-g 0 --tiny --stage colorize,upscale,interpolate,kernel --iters 2 "
                      "--warmup 1 --kernels --json '%s' --csv '%s'",
                      js, csv);
    cr_assert_eq(rc, 0, "oprestore-bench-emu exit %d:\n%s", rc, out_log);
    cr_expect(!strstr(out_log, "ceilings not measured"), "%s", out_log);
    no_emu_complaints("bench");
    json_value *root;
    or_err err;
    cr_assert_eq(json_parse_file(js, &root, &err), OR_OK, "%s", err.msg);
    check_header(root);
    cr_expect_str_eq(json_str(root, "dtype", ""), "f16", "the CUDA default");
    size_t n = check_results(root, "f16", 2);
    /* every workload the harness has: 12 stage workloads + 4 conv cases (--list) */
    cr_expect_geq(n, 16, "%zu results", n);
    json_free(root);
    cr_assert(ct_exists(csv));
}

/* The second run of bench/gpu_session.sh: the upscale stage in the other layout
 * (NCHW; the CUDA f16 default is NHWC); and the same stage in f32. */
Test(emu_bench, upscale_nchw_like_the_session_and_f32, .timeout = 300)
{
    static const char *const extra[2] = {"--layout nchw", "--dtype f32"};
    static const char *const dtype[2] = {"f16", "f32"};
    for (int i = 0; i < 2; i++) {
        const char *js = tu_tmp(i ? "bench-f32.json" : "bench-nchw.json");
        int rc = run_tool(OR_EMU_BENCH, "bench-up.log",
                          "-g 0 --tiny --stage upscale %s --iters 1 --warmup 0 --json '%s'",
                          extra[i], js);
        cr_assert_eq(rc, 0, "oprestore-bench-emu %s: exit %d:\n%s", extra[i], rc, out_log);
        no_emu_complaints(extra[i]);
        json_value *root;
        or_err err;
        cr_assert_eq(json_parse_file(js, &root, &err), OR_OK, "%s", err.msg);
        check_header(root);
        if (i == 0)
            cr_expect_str_eq(json_str(root, "layout", ""), "nchw");
        cr_expect_eq(check_results(root, dtype[i], 1), 5, "the five upscale workloads");
        json_free(root);
    }
}

/* ---- the user's command ------------------------------------------------------------------ */

static const char *cli_models(void)
{
    ct_model("sr_srvgg_x4_prelu.zip.pth", "srvgg");
    ct_model("zhang_siggraph17.zip.pth", "sig");
    return ct_model("rife_v4_6.zip.pth", "rife");
}

static void compare(const char *gpu_png, const char *cpu_png, double min_psnr, double max_diff,
                    const char *what)
{
    or_image a, b;
    ct_read_img(gpu_png, &a);
    ct_read_img(cpu_png, &b);
    cr_assert(a.width == b.width && a.height == b.height && a.channels == b.channels,
              "%s: %dx%dx%d at -g 0, %dx%dx%d at -g cpu", what, a.width, a.height, a.channels,
              b.width, b.height, b.channels);
    size_t n = (size_t)a.channels * a.width * a.height;
    double psnr = tu_psnr(a.planes, b.planes, n, 1.0);
    double d = tu_max_abs_diff(a.planes, b.planes, n);
    cr_log_info("%s: -g 0 against -g cpu: PSNR %.1f dB, max |diff| %.2e", what, psnr, d);
    cr_expect(psnr >= min_psnr, "%s: PSNR %.1f dB < %.0f", what, psnr, min_psnr);
    cr_expect(d <= max_diff, "%s: max |diff| %.2e > %.2e", what, d, max_diff);
    or_image_free(&a);
    or_image_free(&b);
}

/* `oprestore-gpu-emu CMD -m MODEL -M models IO` at -g cpu, -g 0 (f16) and
 * -g 0 --fp32; compares the outputs (16-bit PNGs) against the CPU's. */
static void cli_three_ways(const char *cmd, const char *model, const char *io_fmt,
                           const char *tag)
{
    const char *models = cli_models();
    static const char *const modes[3] = {"-g cpu", "-g 0", "-g 0 --fp32"};
    static const char *const names[3] = {"cpu", "gpu16", "gpu32"};
    char out[3][512], io[4096];
    for (int m = 0; m < 3; m++) {
        char name[128];
        snprintf(name, sizeof name, "%s-%s.png", tag, names[m]);
        snprintf(out[m], sizeof out[m], "%s", tu_tmp(name));
        snprintf(io, sizeof io, io_fmt, out[m]);
        int rc = run_tool(OR_EMU_CLI, "cli.log", "%s -m %s -M '%s' %s %s -v", cmd, model, models,
                          modes[m], io);
        cr_assert_eq(rc, 0, "%s %s: exit %d:\n%s", cmd, modes[m], rc, out_log);
        no_emu_complaints(cmd);
        const char *dev = m ? "on cuda:0 oprestore CUDA emulator (CPU)" : "on cpu";
        cr_expect(strstr(out_log, dev), "%s %s: expected '%s' in:\n%s", cmd, modes[m], dev,
                  out_log);
    }
    char what[160];
    snprintf(what, sizeof what, "%s f16", tag);
    compare(out[1], out[0], 40.0, 0.05, what);
    snprintf(what, sizeof what, "%s f32", tag);
    compare(out[2], out[0], 90.0, 4.0 / 65535, what);
}

Test(emu_cli, upscale_g0_matches_cpu, .timeout = 120)
{
    const char *in = ct_tmp("up-in.png");
    ct_write_png(in, 20, 15, 3, 0, 16, 7);
    char io[1024];
    snprintf(io, sizeof io, "-i '%s' -o '%%s'", in);
    cli_three_ways("upscale", "srvgg", io, "upscale");
}

Test(emu_cli, colorize_g0_matches_cpu, .timeout = 120)
{
    const char *in = ct_tmp("co-in.png");
    ct_write_png(in, 24, 20, 1, 0, 16, 8);
    char io[1024];
    snprintf(io, sizeof io, "-i '%s' -o '%%s'", in);
    cli_three_ways("colorize", "sig", io, "colorize");
}

Test(emu_cli, interpolate_g0_matches_cpu, .timeout = 120)
{
    const char *f0 = ct_tmp("ip-0.png"), *f1 = ct_tmp("ip-1.png");
    ct_write_png(f0, 32, 32, 3, 0, 16, 9);
    ct_write_png(f1, 32, 32, 3, 0, 16, 10);
    char io[2048];
    snprintf(io, sizeof io, "-0 '%s' -1 '%s' -o '%%s'", f0, f1);
    cli_three_ways("interpolate", "rife", io, "interpolate");
}

/* Without -g: device 0 when a CUDA device exists (the emulator's one), said with -v. */
Test(emu_cli, default_device_is_0_and_said, .timeout = 60)
{
    const char *in = ct_tmp("def-in.png"), *out = ct_tmp("def-out.png");
    ct_write_png(in, 12, 10, 3, 0, 8, 11);
    int rc = run_tool(OR_EMU_CLI, "def.log", "upscale -m srvgg -M '%s' -i '%s' -o '%s' -v",
                      cli_models(), in, out);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, out_log);
    cr_expect(strstr(out_log, "on cuda:0 oprestore CUDA emulator (CPU)"), "%s", out_log);
    cr_expect(strstr(out_log, "f16"), "the CUDA default dtype: %s", out_log);
    rc = run_tool(OR_EMU_CLI, "devices.log", "devices");
    cr_assert_eq(rc, 0, "devices: exit %d:\n%s", rc, out_log);
    cr_expect(strstr(out_log, "cuda:0 oprestore CUDA emulator (CPU)"), "devices:\n%s", out_log);
}
