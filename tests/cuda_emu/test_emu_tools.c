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
 *   oprestore-gpu-emu    upscale, colorize (SIGGRAPH17 with and without hints,
 *                        DeOldify), interpolate (RIFE, DAIN) on fixture models
 *                        against the same command at -g cpu; the video paths
 *                        (restore colorize -> upscale -> interpolate in one pass,
 *                        and upscale / colorize / interpolate given a video) frame
 *                        by frame; without -g it picks device 0 and says so with -v;
 *                        -g 0,1 on two emulated devices (OR_CUDA_EMU_DEVICES=2):
 *                        the chain's frames spread over both, one worker thread
 *                        each, give the one-device film exactly, in order; and
 *                        the tiles of one image upscaled over both give the
 *                        one-device picture exactly, both devices running tiles.
 *
 * Tolerances against -g cpu (16-bit PNG outputs, so that 8-bit rounding does
 * not hide or exaggerate differences): f16 (the CUDA default) PSNR >= 40 dB, the
 * f16 storage error (2^-11 relative per activation) through a few layers
 * (measured: 57-73 dB); --fp32 max |diff| <= 4/65535 (four steps of the 16-bit
 * output) and PSNR >= 90 dB: the same f32 math summed in another order
 * (emulated cuDNN / cuBLAS against OpenBLAS), so only rounding (measured: one
 * step at most, 115-122 dB).  Videos come out 8-bit: see video_three_ways.
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
#include "stage_case_util.h"
#include "runtime/io/video.h"
#include "test_util.h"
#include "video_clip.h"
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
        /* DAIN computes in f32 whatever is asked (runtime/nets/net_dain.c) */
        cr_expect_str_eq(json_str(r, "dtype", ""), strcmp(name, "dain") ? dtype : "f32", "%s",
                         name);
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

/* How a -g 0 output is held against -g cpu: PSNR >= min_psnr, and every pixel
 * within max_diff in each channel except at most max_frac_off of them.
 *
 * Smooth networks (everything but DAIN) have max_frac_off 0: every pixel is
 * within max_diff.  DAIN makes discrete, flow-dependent decisions (which
 * source pixel wins a depth-flow projection target, which targets are holes,
 * whether a filter tap is inside the frame): a flow that differs by one ulp
 * between the emulated cuBLAS and OpenBLAS (whose kernel, hence summation
 * order, depends on the CPU: AVX2, AVX-512, SSE, and the thread count) can
 * flip one of them, and the pixel it decides then takes another source's
 * value, off by up to the local contrast.  No per-pixel bound holds for
 * those, so DAIN is held to: all but DAIN_FRAC_OFF of the pixels within the
 * tight f32 bound (a real defect - a shifted, swapped or mis-scaled
 * plane - moves most pixels, not a few), and PSNR >= DAIN_MIN_PSNR over the
 * whole picture, which bounds the energy of the flipped ones.  Measured on
 * the 32x24 clip with OPENBLAS_CORETYPE Haswell, Zen, Sandybridge, Nehalem
 * and Prescott, 1 and 2 threads: at most 1.2% of the pixels beyond 3/255,
 * 47.1 dB, max |diff| 0.157 (Sandybridge, Nehalem and Prescott; AVX-512
 * machines gave the same 47.1 dB); images: none beyond 16/65535, >= 103 dB. */
typedef struct {
    double min_psnr, max_diff, max_frac_off;
} emu_tol;
#define DAIN_FRAC_OFF 0.03
#define DAIN_MIN_PSNR 40.0

static void expect_close(const or_image *a, const or_image *b, emu_tol tol, const char *what)
{
    size_t px = (size_t)a->width * a->height, n = (size_t)a->channels * px;
    double psnr = tu_psnr(a->planes, b->planes, n, 1.0);
    double d = tu_max_abs_diff(a->planes, b->planes, n);
    double off = tu_frac_pixels_off(a->planes, b->planes, a->channels, px, tol.max_diff);
    cr_log_info("%s: -g 0 against -g cpu: PSNR %.1f dB, max |diff| %.2e, %.2f%% of pixels "
                "beyond %.2e",
                what, psnr, d, 100 * off, tol.max_diff);
    cr_expect(psnr >= tol.min_psnr, "%s: PSNR %.1f dB < %.0f", what, psnr, tol.min_psnr);
    cr_expect(off <= tol.max_frac_off, "%s: %.2f%% of pixels beyond %.2e (max |diff| %.2e), "
              "at most %.2f%% allowed", what, 100 * off, tol.max_diff, d,
              100 * tol.max_frac_off);
}

static void compare(const char *gpu_png, const char *cpu_png, emu_tol tol, const char *what)
{
    or_image a, b;
    ct_read_img(gpu_png, &a);
    ct_read_img(cpu_png, &b);
    cr_assert(a.width == b.width && a.height == b.height && a.channels == b.channels,
              "%s: %dx%dx%d at -g 0, %dx%dx%d at -g cpu", what, a.width, a.height, a.channels,
              b.width, b.height, b.channels);
    expect_close(&a, &b, tol, what);
    or_image_free(&a);
    or_image_free(&b);
}

/* Set by the DAIN tests: DAIN computes in f32 even at -g 0 without --fp32
 * (runtime/nets/net_dain.c: f16 flows flip its discrete steps; 15-35 dB against the
 * CPU when it ran in f16), so its "f16" run is held to the f32 bounds, and
 * those are the discrete ones of emu_tol. */
static int dain_discrete;

/* `oprestore-gpu-emu CMD -m MODEL -M models IO` at -g cpu, -g 0 (f16) and
 * -g 0 --fp32; compares the outputs (16-bit PNGs) against the CPU's. */
static void cli_three_ways(const char *cmd, const char *model, const char *io_fmt,
                           const char *tag, const char *said)
{
    const char *models = sc_models();
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
        if (said)
            cr_expect(strstr(out_log, said), "%s %s: expected '%s' in:\n%s", cmd, modes[m],
                      said, out_log);
    }
    /* DAIN: the rounding moves its flow and the kernels' sample positions a
     * little, which the warping turns into a few more steps (measured: 6 steps,
     * 103 dB) where no discrete step flips */
    const emu_tol f16 = {40.0, 0.05, 0}, f32 = {90.0, 4.0 / 65535, 0};
    const emu_tol dain = {DAIN_MIN_PSNR, 16.0 / 65535, DAIN_FRAC_OFF};
    char what[160];
    snprintf(what, sizeof what, "%s f16", tag);
    compare(out[1], out[0], dain_discrete ? dain : f16, what);
    snprintf(what, sizeof what, "%s f32", tag);
    compare(out[2], out[0], dain_discrete ? dain : f32, what);
}

Test(emu_cli, upscale_g0_matches_cpu, .timeout = 120)
{
    const char *in = ct_tmp("up-in.png");
    ct_write_png(in, 20, 15, 3, 0, 16, 7);
    char io[1024];
    snprintf(io, sizeof io, "-i '%s' -o '%%s'", in);
    cli_three_ways("upscale", "srvgg", io, "upscale", NULL);
}

Test(emu_cli, colorize_g0_matches_cpu, .timeout = 120)
{
    const char *in = ct_tmp("co-in.png");
    ct_write_png(in, 24, 20, 1, 0, 16, 8);
    char io[1024];
    snprintf(io, sizeof io, "-i '%s' -o '%%s'", in);
    cli_three_ways("colorize", "sig", io, "colorize", NULL);
}

Test(emu_cli, interpolate_g0_matches_cpu, .timeout = 120)
{
    const char *f0 = ct_tmp("ip-0.png"), *f1 = ct_tmp("ip-1.png");
    ct_write_png(f0, 32, 32, 3, 0, 16, 9);
    ct_write_png(f1, 32, 32, 3, 0, 16, 10);
    char io[2048];
    snprintf(io, sizeof io, "-0 '%s' -1 '%s' -o '%%s'", f0, f1);
    cli_three_ways("interpolate", "rife", io, "interpolate", NULL);
}

/* DeOldify through colorize, at render factor 2 (a 32x32 network input: the
 * deep fixture's ResNet-34 encoder, the U-Net decoder with self-attention). */
Test(emu_cli, colorize_deoldify_g0_matches_cpu, .timeout = 120)
{
    const char *in = ct_tmp("deo-in.png");
    ct_write_png(in, 24, 20, 1, 0, 16, 12);
    char io[1024];
    snprintf(io, sizeof io, "-i '%s' -o '%%s' -r 2", in);
    cli_three_ways("colorize", "deo", io, "colorize-deo", "network 32x32");
}

/* SIGGRAPH17 with two colour hints (runtime/stages/hints.c: the hint planes go to the
 * device with the L channel). */
Test(emu_cli, colorize_hints_g0_matches_cpu, .timeout = 120)
{
    const char *in = ct_tmp("hint-in.png");
    ct_write_png(in, 24, 20, 1, 0, 16, 13);
    const char *h = ct_write_text("emu-hints.json", "[{\"x\": 5, \"y\": 6, \"color\": \"#ff2000\"},"
                                                    " {\"x\": 23, \"y\": 19, \"color\": \"#0040ff\"}]");
    char io[1024];
    snprintf(io, sizeof io, "-i '%s' -o '%%s' --hints '%s'", in, h);
    cli_three_ways("colorize", "sig", io, "colorize-hints", "2 hints");
}

/* DAIN through interpolate: a 32x32 pair (padded to 64x64 inside). */
Test(emu_cli, interpolate_dain_g0_matches_cpu, .timeout = 120)
{
    const char *f0 = ct_tmp("dain-0.png"), *f1 = ct_tmp("dain-1.png");
    ct_write_png(f0, 32, 32, 3, 0, 16, 14);
    ct_write_png(f1, 32, 32, 3, 0, 16, 15);
    char io[2048];
    snprintf(io, sizeof io, "-0 '%s' -1 '%s' -o '%%s'", f0, f1);
    dain_discrete = 1;
    cli_three_ways("interpolate", "dain", io, "interpolate-dain", "(dain, f32)");
}

/* ---- videos ------------------------------------------------------------------------------- */

/* A tiny FFV1 clip with PCM audio (tests/video_clip.h): 32x24 at 10 fps,
 * 8-bit YUV 4:2:0, which the output follows. */
#define VID_W 32
#define VID_H 24
#define VID_RATE 10

/* Every frame of two videos compared (same count, size, pts); returns the count. */
static int compare_videos(const char *gpu, const char *cpu, emu_tol tol, const char *what)
{
    const char *paths[2] = {gpu, cpu};
    or_video_reader *r[2];
    or_video_info info[2];
    or_err err;
    for (int k = 0; k < 2; k++)
        cr_assert_eq(or_video_open(paths[k], &r[k], &info[k], &err), OR_OK, "%s: %s", what,
                     err.msg);
    int n = 0;
    for (;; n++) {
        or_image f[2];
        int64_t pts[2];
        int got[2];
        for (int k = 0; k < 2; k++)
            cr_assert_eq(or_video_read(r[k], &f[k], &pts[k], &got[k], &err), OR_OK, "%s: %s",
                         what, err.msg);
        cr_assert_eq(got[0], got[1], "%s: frame %d in one output only", what, n);
        if (!got[0])
            break;
        cr_assert(f[0].width == f[1].width && f[0].height == f[1].height, "%s: frame %d size",
                  what, n);
        cr_expect_eq(pts[0], pts[1], "%s: frame %d pts %lld vs %lld", what, n,
                     (long long)pts[0], (long long)pts[1]);
        char frame[200];
        snprintf(frame, sizeof frame, "%s: frame %d", what, n);
        expect_close(&f[0], &f[1], tol, frame);
        or_image_free(&f[0]), or_image_free(&f[1]);
    }
    or_video_close(r[0]), or_video_close(r[1]);
    return n;
}

/* `oprestore-gpu-emu ARGS -i IN -o OUT` (a video) at -g cpu, -g 0 and -g 0
 * --fp32; each output has `frames` frames of w x h and the input's audio; the
 * device outputs are compared frame by frame with the CPU's.  The outputs are
 * 8-bit YUV 4:2:0 (they follow the clip), so: f16 PSNR >= 40 dB per frame as
 * for images; f32 cannot keep the images' 4/65535: a difference of ~1e-6 that
 * crosses an 8-bit rounding boundary is one step of Y, Cb or Cr, up to ~1.6
 * steps of R, G or B (limited range): max |diff| <= 3/255 and PSNR >= 60 dB
 * (at most a few percent of the samples one step off).  DAIN: 3/255 with the
 * discrete allowance of emu_tol. */
static void video_three_ways(const sc_video_case *c, int frames_in, const char *tag)
{
    const char *models = sc_models(), *args = c->args;
    char clip_name[128];
    snprintf(clip_name, sizeof clip_name, "%s.mkv", tag);
    const char *in = sc_clip(clip_name, VID_W, VID_H, frames_in, VID_RATE);
    int frames = frames_in * c->per_frame, w = c->scale * VID_W, h = c->scale * VID_H;
    static const char *const modes[3] = {"-g cpu", "-g 0", "-g 0 --fp32"};
    static const char *const names[3] = {"cpu", "gpu16", "gpu32"};
    char out[3][512];
    for (int m = 0; m < 3; m++) {
        char name[128];
        snprintf(name, sizeof name, "%s-%s.mkv", tag, names[m]);
        snprintf(out[m], sizeof out[m], "%s", tu_tmp(name));
        remove(out[m]);
        int rc = run_tool(OR_EMU_CLI, "vid.log", "%s -i '%s' -o '%s' -M '%s' %s --codec ffv1 -v",
                          args, in, out[m], models, modes[m]);
        cr_assert_eq(rc, 0, "%s %s: exit %d:\n%s", args, modes[m], rc, out_log);
        no_emu_complaints(args);
        const char *dev = m ? "on cuda:0 oprestore CUDA emulator (CPU)" : "on cpu";
        cr_expect(strstr(out_log, dev), "%s %s: expected '%s' in:\n%s", args, modes[m], dev,
                  out_log);
        sc_expect_said(c, frames_in, out_log);
        vc_facts f = vc_probe(out[m]);
        cr_expect(f.frames == frames && f.width == w && f.height == h,
                  "%s %s: %d frames of %dx%d, expected %d of %dx%d", args, modes[m], f.frames,
                  f.width, f.height, frames, w, h);
        sc_expect_same_audio(in, out[m]);
    }
    const emu_tol f16 = {40.0, 0.05, 0}, f32 = {60.0, 3.0 / 255, 0};
    const emu_tol dain = {DAIN_MIN_PSNR, 3.0 / 255, DAIN_FRAC_OFF};
    char what[160];
    snprintf(what, sizeof what, "%s f16", tag);
    cr_expect_eq(compare_videos(out[1], out[0], dain_discrete ? dain : f16, what), frames, "%s",
                 what);
    snprintf(what, sizeof what, "%s f32", tag);
    cr_expect_eq(compare_videos(out[2], out[0], dain_discrete ? dain : f32, what), frames, "%s",
                 what);
}

/* The restore chain: colorize -> upscale -> interpolate in one pass, the
 * three networks on the device at once; then the single-stage commands given
 * a video (cmd_restore_single).  The cases are tests/stage_case_util.c's. */
Test(emu_video, restore_chain_g0_matches_cpu, .timeout = 300)
{
    video_three_ways(&sc_chain, 3, "chain");
}

/* -g 0,1: two emulated devices (the same CPU arithmetic, so the film must be
 * the one-device film exactly), each driven by its own pipeline worker: the
 * per-thread launch state, fibers and __shared__ arrays of the emulator, the
 * worker binding its device (or_backend_use), frames in order.  What only
 * real GPUs show: the speed-up, two devices' memory and streams really
 * concurrent, and whether cuDNN picks the same algorithms on both (a
 * different GPU model could differ in the last bits). */
Test(emu_video, restore_chain_on_two_devices_equals_one, .timeout = 300)
{
    const char *in = sc_clip("two-dev.mkv", VID_W, VID_H, 3, VID_RATE), *models = sc_models();
    const char *one = tu_tmp("two-dev-one.mkv"), *two = ct_tmp("two-dev-two.mkv");
    remove(one), remove(two);
    setenv("OR_CUDA_EMU_DEVICES", "2", 1);
    int rc = run_tool(OR_EMU_CLI, "two.log", "%s -i '%s' -o '%s' -M '%s' -g 0,1 --codec ffv1 -v",
                      sc_chain.args, in, two, models);
    cr_assert_eq(rc, 0, "-g 0,1: exit %d:\n%s", rc, out_log);
    no_emu_complaints("-g 0,1");
    cr_expect(strstr(out_log, "frames spread over 2 devices (-g 0,1)") &&
                  strstr(out_log, "on cuda:0 ") && strstr(out_log, "on cuda:1 "),
              "%s", out_log);
    rc = run_tool(OR_EMU_CLI, "one.log", "%s -i '%s' -o '%s' -M '%s' -g 0 --codec ffv1",
                  sc_chain.args, in, one, models);
    unsetenv("OR_CUDA_EMU_DEVICES");
    cr_assert_eq(rc, 0, "-g 0: exit %d:\n%s", rc, out_log);
    char why[1024];
    cr_expect(vc_same_film(one, two, why, sizeof why), "-g 0 and -g 0,1: %s", why);
    cr_expect_str_eq(why, "6 frames");
}

/* -g 0,1 on one image: its tiles spread over two emulated devices, one
 * worker thread and one copy of the network each, tiles taken from a shared
 * counter and written in place.  The grid is the -g 0 grid and both devices
 * compute alike, so the picture is the -g 0 picture exactly; an odd size
 * (37 x 29 in 8 px tiles: 5 x 4, the last row and column partial) with
 * alpha (a second pass over the tiles).  -v says how many tiles each device
 * ran: both ran some (the first two tiles are dealt one to each), and they
 * add up.  What only real GPUs show: the speed-up, the two devices really
 * concurrent, the transfers over PCIe/NVLink, each device's own memory. */
Test(emu_cli, upscale_tiles_of_one_image_on_two_devices_equal_one, .timeout = 120)
{
    const char *in = ct_tmp("tiles-in.png"), *one = ct_tmp("tiles-one.png");
    const char *two = ct_tmp("tiles-two.png"), *models = sc_models();
    ct_write_png(in, 37, 29, 3, 1, 16, 23);
    remove(one), remove(two);
    setenv("OR_CUDA_EMU_DEVICES", "2", 1);
    int rc = run_tool(OR_EMU_CLI, "tiles-two.log",
                      "upscale -m srvgg -M '%s' -i '%s' -o '%s' -t 8 -g 0,1 -v", models, in, two);
    cr_assert_eq(rc, 0, "-g 0,1: exit %d:\n%s", rc, out_log);
    no_emu_complaints("-g 0,1 tiles");
    cr_expect(strstr(out_log, "on cuda:0 oprestore CUDA emulator (CPU)") &&
                  strstr(out_log, "tiles shared with device 1 of -g 0,1: cuda:1 oprestore CUDA "
                                  "emulator (CPU)"),
              "%s", out_log);
    const char *per = strstr(out_log, "40 tiles of 8 px, tiles per device ");
    int a = 0, b = 0;
    cr_assert(per && sscanf(per, "40 tiles of 8 px, tiles per device %d + %d", &a, &b) == 2,
              "%s", out_log);
    cr_expect(a >= 1 && b >= 1 && a + b == 40, "%d + %d tiles", a, b);
    rc = run_tool(OR_EMU_CLI, "tiles-one.log",
                  "upscale -m srvgg -M '%s' -i '%s' -o '%s' -t 8 -g 0 -v", models, in, one);
    unsetenv("OR_CUDA_EMU_DEVICES");
    cr_assert_eq(rc, 0, "-g 0: exit %d:\n%s", rc, out_log);
    cr_expect(strstr(out_log, "40 tiles of 8 px, alpha"), "%s", out_log);
    or_image x, y;
    ct_read_img(one, &x);
    ct_read_img(two, &y);
    cr_assert(x.width == y.width && x.height == y.height && x.channels == y.channels && x.alpha &&
              y.alpha);
    const size_t n = (size_t)x.width * x.height;
    cr_expect_eq(memcmp(x.planes, y.planes, x.channels * n * sizeof(float)), 0,
                 "-g 0 and -g 0,1: the pixels differ");
    cr_expect_eq(memcmp(x.alpha, y.alpha, n * sizeof(float)), 0, "-g 0 and -g 0,1: alpha");
    or_image_free(&x);
    or_image_free(&y);
}

Test(emu_video, upscale_command_g0_matches_cpu, .timeout = 120)
{
    video_three_ways(&sc_upscale, 2, "vid-upscale");
}

Test(emu_video, colorize_deoldify_command_g0_matches_cpu, .timeout = 120)
{
    video_three_ways(&sc_colorize_deo, 2, "vid-deo");
}

Test(emu_video, interpolate_dain_command_g0_matches_cpu, .timeout = 120)
{
    dain_discrete = 1;
    video_three_ways(&sc_interpolate_dain, 2, "vid-dain");
}

/* Without -g: device 0 when a CUDA device exists (the emulator's one), said with -v. */
Test(emu_cli, default_device_is_0_and_said, .timeout = 60)
{
    const char *in = ct_tmp("def-in.png"), *out = ct_tmp("def-out.png");
    ct_write_png(in, 12, 10, 3, 0, 8, 11);
    int rc = run_tool(OR_EMU_CLI, "def.log", "upscale -m srvgg -M '%s' -i '%s' -o '%s' -v",
                      sc_models(), in, out);
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, out_log);
    cr_expect(strstr(out_log, "on cuda:0 oprestore CUDA emulator (CPU)"), "%s", out_log);
    cr_expect(strstr(out_log, "f16"), "the CUDA default dtype: %s", out_log);
    rc = run_tool(OR_EMU_CLI, "devices.log", "devices");
    cr_assert_eq(rc, 0, "devices: exit %d:\n%s", rc, out_log);
    cr_expect(strstr(out_log, "cuda:0 oprestore CUDA emulator (CPU)"), "devices:\n%s", out_log);
}
