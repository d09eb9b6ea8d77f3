/* test_sr_eval.c: the super-resolution evaluation (bench/sr_eval.c, compiled
 * in; oprestore-bench --sr-eval) on the CPU.
 *   metric  PSNR-Y crop 4 of the image pairs in tests/fixtures/sr_eval/
 *           against the numpy implementation of make_psnr_fixture.py (1e-6
 *           dB), plus a hand-computed value and the edge cases;
 *   Set5    the real realesr-animevideov3 on every Set5 image and on Set14's
 *           bridge (single-channel HR): each PSNR within 0.01 dB of PyTorch's
 *           output of the same checkpoint scored by that numpy metric;
 *   tool    oprestore-bench --sr-eval writes the same numbers as markdown and
 *           refuses --sr-eval without --model-file. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/sr_eval.h"
#include "fixtures/sr_eval/psnr_expected.h"
#include "runtime/core/backend.h"
#include "test_util.h"
#include "runtime/core/sha256.h"

#define PAIR_TOL 1e-6   /* dB: same formula, double precision on both sides */
#define TORCH_TOL 0.01  /* dB: our f32 CPU output vs PyTorch's, after 8-bit rounding */
#define N_ANIME (sizeof SR_FX_ANIMEVIDEOV3 / sizeof SR_FX_ANIMEVIDEOV3[0])

/* ---- the metric ------------------------------------------------------------------------ */

static uint8_t *read_rgb8(const char *path, int w, int h)
{
    or_image img = {0};
    or_err err;
    cr_assert_eq(or_image_read(path, NULL, &img, &err), OR_OK, "%s", err.msg);
    uint8_t *px = malloc((size_t)3 * w * h);
    cr_assert(px);
    cr_assert_eq(sr_eval_rgb8(&img, w, h, px, &err), OR_OK, "%s", err.msg);
    or_image_free(&img);
    return px;
}

static void image_size(const char *path, int *w, int *h)
{
    or_image img = {0};
    or_err err;
    cr_assert_eq(or_image_read(path, NULL, &img, &err), OR_OK, "%s", err.msg);
    *w = img.width, *h = img.height;
    or_image_free(&img);
}

Test(sr_metric, matches_numpy_basicsr_protocol_on_fixture_pairs)
{
    int n = (int)(sizeof SR_FX_PAIRS / sizeof SR_FX_PAIRS[0]);
    cr_assert_geq(n, 6);
    for (int i = 0; i < n; i++) {
        char gt[512], sr[512];
        snprintf(gt, sizeof gt, "tests/fixtures/sr_eval/pair_%s_gt.png", SR_FX_PAIRS[i].pair);
        snprintf(sr, sizeof sr, "tests/fixtures/sr_eval/pair_%s_sr.png", SR_FX_PAIRS[i].pair);
        int w, h;
        image_size(tu_src(sr), &w, &h);
        uint8_t *a = read_rgb8(tu_src(sr), w, h), *b = read_rgb8(tu_src(gt), w, h);
        double p = sr_eval_psnr_y(a, b, w, h, SR_FX_PAIRS[i].crop);
        cr_log_info("pair %s crop %d: %.9f dB (numpy %.9f)\n", SR_FX_PAIRS[i].pair,
                    SR_FX_PAIRS[i].crop, p, SR_FX_PAIRS[i].psnr);
        cr_expect(fabs(p - SR_FX_PAIRS[i].psnr) <= PAIR_TOL, "pair %s crop %d: %.9f, numpy %.9f",
                  SR_FX_PAIRS[i].pair, SR_FX_PAIRS[i].crop, p, SR_FX_PAIRS[i].psnr);
        /* symmetric */
        cr_expect_float_eq(sr_eval_psnr_y(b, a, w, h, SR_FX_PAIRS[i].crop), p, 1e-12);
        free(a);
        free(b);
    }
}

Test(sr_metric, one_green_step_gives_the_hand_computed_value)
{
    enum { W = 10, H = 12, NP = W * H };
    uint8_t a[3 * NP], b[3 * NP];
    memset(a, 100, sizeof a);
    memcpy(b, a, sizeof b);
    b[NP + 5 * W + 5] += 3; /* G of pixel (5,5): inside a crop of 4 */
    b[0] = 0;               /* R of pixel (0,0): only outside it */
    double d = 3 * 128.553 / 255.0;
    double want = 10 * log10(255.0 * 255.0 / (d * d / ((W - 8) * (H - 8))));
    cr_expect(fabs(sr_eval_psnr_y(a, b, W, H, 4) - want) < 1e-9, "%.12f vs %.12f",
              sr_eval_psnr_y(a, b, W, H, 4), want);
    cr_expect(sr_eval_psnr_y(a, b, W, H, 0) < want, "the border pixel counts without a crop");
    cr_expect(isinf(sr_eval_psnr_y(a, a, W, H, 4)), "equal images: infinite PSNR");
    cr_expect(isnan(sr_eval_psnr_y(a, b, W, H, 5)), "a crop that leaves nothing: NaN");
}

Test(sr_metric, rgb8_crops_top_left_replicates_gray_and_rounds_as_the_writer)
{
    or_image img = {0};
    or_err err;
    cr_assert_eq(or_image_alloc(&img, 3, 2, 1, 0, &err), OR_OK, "%s", err.msg);
    float v[6] = {0.0f, 1.0f, 0.5f, -0.2f, 1.7f, 127.5f / 255.0f};
    memcpy(img.planes, v, sizeof v);
    uint8_t px[3 * 4];
    cr_assert_eq(sr_eval_rgb8(&img, 2, 2, px, &err), OR_OK, "%s", err.msg);
    /* top-left 2x2 of the 3x2 image: (0,0) (1,0) / (0,1) (1,1); R = G = B */
    const uint8_t want[4] = {0, 255, 0, 255};
    for (int c = 0; c < 3; c++)
        for (int i = 0; i < 4; i++)
            cr_expect_eq(px[c * 4 + i], want[i], "channel %d sample %d: %d", c, i, px[c * 4 + i]);
    cr_assert_eq(sr_eval_rgb8(&img, 3, 1, px, &err), OR_OK, "%s", err.msg);
    cr_expect_eq(px[2], 128, "0.5 rounds up to 128 (x * 255 + 0.5), got %d", px[2]);
    cr_expect_neq(sr_eval_rgb8(&img, 4, 2, px, &err), OR_OK, "a crop larger than the image");
    cr_expect(strstr(err.msg, "4x2"), "%s", err.msg);
    or_image_free(&img);
}

/* ---- the real network ----------------------------------------------------------------- */

static const char *anime_model(void)
{
    const char *ckpt = tu_shared("weights/realesr-animevideov3.pth");
    size_t n;
    uint8_t *buf = tu_read_file(ckpt, &n);
    cr_assert(buf, "%s not found", ckpt);
    or_sha256 s;
    char hex[65];
    or_sha256_init(&s);
    or_sha256_update(&s, buf, n);
    or_sha256_final(&s, hex);
    free(buf);
    cr_assert_str_eq(hex, SR_FX_ANIMEVIDEOV3_SHA256,
                     "%s is not the checkpoint psnr_expected.h was made from", ckpt);
    return tu_model(ckpt);
}

static double torch_psnr(const char *set, const char *image, int *lr_w, int *lr_h)
{
    for (size_t i = 0; i < N_ANIME; i++)
        if (!strcmp(SR_FX_ANIMEVIDEOV3[i].set, set) && !strcmp(SR_FX_ANIMEVIDEOV3[i].image, image)) {
            *lr_w = SR_FX_ANIMEVIDEOV3[i].lr_w, *lr_h = SR_FX_ANIMEVIDEOV3[i].lr_h;
            return SR_FX_ANIMEVIDEOV3[i].psnr;
        }
    cr_assert_fail("%s/%s: not in psnr_expected.h", set, image);
    return NAN;
}

/* A set folder <tmp>/<pid>-subset/<set> with links to some images of a real set. */
static const char *subset(const char *set, const char *const *images, int n)
{
    static char dir[1024];
    const char *parent = tu_tmp("subset");
    cr_assert_eq(mkdir(parent, 0755), 0, "mkdir %s", parent);
    snprintf(dir, sizeof dir, "%s/%s", parent, set);
    const char *sub[2] = {"HR", "LR_bicubic_x4"};
    cr_assert_eq(mkdir(dir, 0755), 0, "mkdir %s", dir);
    for (int s = 0; s < 2; s++) {
        char d[1200];
        snprintf(d, sizeof d, "%s/%s", dir, sub[s]);
        cr_assert_eq(mkdir(d, 0755), 0, "mkdir %s", d);
        for (int i = 0; i < n; i++) {
            char src[1200], rel[256], dst[1400];
            snprintf(rel, sizeof rel, "testdata/sr/%s/%s/%s.png", set, sub[s], images[i]);
            snprintf(src, sizeof src, "%s", tu_shared(rel));
            snprintf(dst, sizeof dst, "%s/%s.png", d, images[i]);
            cr_assert_eq(symlink(src, dst), 0, "symlink %s", dst);
        }
    }
    return dir;
}

static void check_against_torch(const sr_eval_result *r, const char *set)
{
    for (int i = 0; i < r->n; i++) {
        const sr_eval_row *w = &r->rows[i];
        int lw, lh;
        double want = torch_psnr(set, w->name, &lw, &lh);
        cr_log_info("%s/%s %dx%d: %.4f dB (PyTorch %.4f), %.0f ms\n", set, w->name, w->lr_w,
                    w->lr_h, w->psnr, want, 1e3 * w->sec);
        cr_expect(w->lr_w == lw && w->lr_h == lh, "%s: LR %dx%d, expected %dx%d", w->name,
                  w->lr_w, w->lr_h, lw, lh);
        cr_expect(fabs(w->psnr - want) <= TORCH_TOL, "%s/%s: %.4f dB, PyTorch %.4f dB", set,
                  w->name, w->psnr, want);
        cr_expect(isfinite(w->sec) && w->sec > 0, "%s: time %g", w->name, w->sec);
        cr_expect_eq(w->tiles, 0, "%s: ran in %d tiles", w->name, w->tiles);
    }
}

static or_backend *cpu;
static or_net *net;

static void open_net(void)
{
    or_err err;
    cr_assert_eq(or_backend_cpu_create(0, &cpu, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_net_load(anime_model(), cpu, OR_F32, &net, &err), OR_OK, "%s", err.msg);
}

static void close_net(void)
{
    or_net_free(net);
    if (cpu)
        or_backend_destroy(cpu);
}

TestSuite(sr_anime, .init = open_net, .fini = close_net, .timeout = 120);

Test(sr_anime, set5_matches_pytorch_per_image_and_in_the_mean)
{
    sr_eval_result *r = malloc(sizeof *r);
    or_err err;
    cr_assert(r);
    cr_assert_eq(sr_eval_set(net, tu_shared("testdata/sr/Set5"), -1, 0, r, &err), OR_OK, "%s",
                 err.msg);
    cr_assert_eq(r->n, 5);
    cr_expect_eq(r->crop, 4);
    const char *names[5] = {"baby", "bird", "butterfly", "head", "woman"};
    for (int i = 0; i < 5; i++)
        cr_expect_str_eq(r->rows[i].name, names[i]);
    check_against_torch(r, "Set5");
    cr_expect(fabs(r->mean_psnr - SR_FX_ANIMEVIDEOV3_MEAN_SET5) <= TORCH_TOL,
              "Set5 mean %.4f dB, PyTorch %.4f dB", r->mean_psnr, SR_FX_ANIMEVIDEOV3_MEAN_SET5);
    cr_expect_geq(r->mean_psnr, 25.0, "Set5 mean %.4f dB: far below a working x4 network",
                  r->mean_psnr);
    free(r);
}

Test(sr_anime, bridge_single_channel_hr_is_read_as_rgb)
{
    const char *img[] = {"bridge"};
    sr_eval_result r1;
    or_err err;
    cr_assert_eq(sr_eval_set(net, subset("Set14", img, 1), -1, 0, &r1, &err), OR_OK, "%s",
                 err.msg);
    cr_assert_eq(r1.n, 1);
    check_against_torch(&r1, "Set14");
    cr_expect_str_eq(r1.set, "Set14");
}

Test(sr_anime, missing_hr_is_an_error_naming_the_file)
{
    const char *img[] = {"bird"};
    const char *dir = subset("Set5", img, 1);
    char hr[1200];
    snprintf(hr, sizeof hr, "%s/HR/bird.png", dir);
    cr_assert_eq(unlink(hr), 0);
    sr_eval_result r;
    or_err err;
    cr_expect_neq(sr_eval_set(net, dir, -1, 0, &r, &err), OR_OK);
    cr_expect(strstr(err.msg, "HR/bird.png"), "%s", err.msg);
}

/* ---- oprestore-bench --sr-eval --------------------------------------------------------- */

static int run_tool(const char *args, const char *log)
{
    char cmd[8192], exe[1024];
    snprintf(exe, sizeof exe, "%s/oprestore-bench", OR_BINARY_DIR);
    cr_assert(access(exe, X_OK) == 0, "%s not built (make oprestore-bench)", exe);
    snprintf(cmd, sizeof cmd, "'%s' %s > '%s' 2>&1", exe, args, log);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

Test(sr_tool, sr_eval_writes_the_markdown_table_and_mean, .timeout = 120)
{
    const char *img[] = {"bird", "woman"};
    const char *dir = subset("Set5", img, 2);
    const char *md = tu_tmp("sr.md"), *log = tu_tmp("sr.log");
    char args[4096];
    snprintf(args, sizeof args, "-g cpu --sr-eval '%s' --model-file '%s' --markdown '%s'", dir,
             anime_model(), md);
    int rc = run_tool(args, log);
    size_t n;
    char *txt = (char *)tu_read_file(rc == 0 ? md : log, &n);
    cr_assert(txt);
    txt = realloc(txt, n + 1);
    txt[n] = 0;
    cr_assert_eq(rc, 0, "exit %d:\n%s", rc, txt);
    cr_log_info("%s", txt);
    cr_expect(strstr(txt, "| image | LR size | PSNR-Y (dB) | ms |"), "no table header");
    int lw, lh;
    double bird = torch_psnr("Set5", "bird", &lw, &lh), woman = torch_psnr("Set5", "woman", &lw, &lh);
    const char *row = strstr(txt, "| bird | 72x72 | ");
    cr_assert(row, "no bird row");
    cr_expect(fabs(strtod(row + strlen("| bird | 72x72 | "), NULL) - bird) <= TORCH_TOL,
              "bird row: %.40s", row);
    const char *mean = strstr(txt, "Mean PSNR-Y over 2 images: **");
    cr_assert(mean, "no mean line");
    double m = strtod(mean + strlen("Mean PSNR-Y over 2 images: **"), NULL);
    cr_expect(fabs(m - (bird + woman) / 2) <= TORCH_TOL, "mean %.4f, PyTorch %.4f", m,
              (bird + woman) / 2);
    free(txt);
}

Test(sr_tool, usage_errors_exit_2)
{
    const char *log = tu_tmp("usage.log");
    cr_expect_eq(run_tool("--sr-eval /nonexistent", log), 2, "--sr-eval without --model-file");
    cr_expect_eq(run_tool("--model-file x.safetensors", log), 2, "--model-file alone");
    cr_expect_eq(run_tool("--sr-eval /nonexistent --model-file /nonexistent.safetensors", log), 1,
                 "a model that cannot be read is a runtime error");
}
