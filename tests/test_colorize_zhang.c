/* test_colorize_zhang.c: the Zhang pipeline (runtime/stages/colorize_zhang.c) on the CPU
 * against the official demo pipeline run in PyTorch by make_zhang_fixtures.py
 * (tests/fixtures/zhang/pipe_*.png, 16-bit) on crops of the shared photo
 * bw_photos/1890sMedStudents.png cut here the same way, with the seeded
 * checkpoints; PSNR >= 50 dB on the float RGB output (differences come from
 * f32 vs float64 Lab on the way in and the 16-bit quantisation of the
 * reference, ~1e-5).  Also the hint colour gamut snap and the hints parser
 * (runtime/stages/hints.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convert/convert.h"
#include "runtime/stages/colorize.h"
#include "runtime/stages/colorize_live.h"
#include "runtime/stages/colorize_zhang.h"
#include "test_util.h"

#define PHOTO "testdata/bw_photos/1890sMedStudents.png"

/* The crop of make_zhang_fixtures.PIPE_CROPS; gray: the R channel only. */
static void crop(const or_image *src, int x0, int y0, int w, int h, int gray, or_image *dst)
{
    or_err err;
    cr_assert_eq(or_image_alloc(dst, w, h, gray ? 1 : 3, 0, &err), OR_OK);
    for (int c = 0; c < dst->channels; c++)
        for (int y = 0; y < h; y++)
            memcpy(or_image_plane(dst, c) + (size_t)y * w,
                   or_image_plane(src, c) + (size_t)(y0 + y) * src->width + x0, w * sizeof(float));
}

/* PSNR of out against the reference PNG; *max_abs: the largest difference. */
static double psnr_vs(const or_image *out, const char *ref_rel, double *max_abs)
{
    or_image ref;
    or_err err;
    cr_assert_eq(or_image_read(tu_src(ref_rel), NULL, &ref, &err), OR_OK, "%s", err.msg);
    cr_assert(ref.width == out->width && ref.height == out->height && ref.channels == 3);
    size_t n = (size_t)3 * out->width * out->height;
    double p = tu_psnr(out->planes, ref.planes, n, 1.0);
    *max_abs = tu_max_abs_diff(out->planes, ref.planes, n);
    or_image_free(&ref);
    return p;
}

typedef struct {
    const char *name;
    int x0, y0, w, h, gray;
} zh_crop;

static const zh_crop crops[] = {{"a", 301, 203, 64, 48, 0}, {"b", 17, 350, 200, 120, 1}};
static const or_color_hint hints_b[] = {{20, 30, 0xc0 / 255.f, 0x40 / 255.f, 0x20 / 255.f, 0},
                                        {150, 100, 0x20 / 255.f, 0x60 / 255.f, 0xd0 / 255.f, 0},
                                        {199, 0, 0x10 / 255.f, 0xf0 / 255.f, 0x10 / 255.f, 0}};

static void run_arch(const char *arch)
{
    if (access(tu_shared(PHOTO), R_OK) != 0)
        cr_skip_test("shared %s absent", PHOTO);
    or_image photo;
    or_backend *be;
    or_net *net;
    or_err err;
    char ck[64];
    snprintf(ck, sizeof ck, "zhang_%s.zip.pth", arch);
    cr_assert_eq(or_image_read(tu_shared(PHOTO), NULL, &photo, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_backend_cpu_create(0, &be, &err), OR_OK);
    cr_assert_eq(or_net_load(tu_model_ckpt(ck), be, OR_F32, &net, &err), OR_OK, "%s", err.msg);
    int sig = !strcmp(arch, "siggraph17");
    for (int i = 0; i < 2; i++) {
        const zh_crop *c = &crops[i];
        or_image in, out, out_h;
        or_colorize_info info;
        crop(&photo, c->x0, c->y0, c->w, c->h, c->gray, &in);
        or_colorize_opts o = or_colorize_defaults();
        cr_assert_eq(or_colorize_image(net, &in, &o, &out, &info, &err), OR_OK, "%s", err.msg);
        cr_expect(out.channels == 3 && out.width == c->w && out.height == c->h && !out.alpha);
        cr_expect(info.net_w == 256 && info.net_h == 256 && info.was_gray == c->gray);
        char ref[256];
        snprintf(ref, sizeof ref, "tests/fixtures/zhang/pipe_%s_%s.png", arch, c->name);
        double mx, p = psnr_vs(&out, ref, &mx);
        printf("%s crop %s: PSNR %.1f dB, max abs %.2g\n", arch, c->name, p, mx);
        cr_expect_geq(p, 50.0, "%s: PSNR %.1f dB", ref, p);
        if (sig && i == 1) {
            o.hints = hints_b;
            o.n_hints = 3;
            cr_assert_eq(or_colorize_image(net, &in, &o, &out_h, &info, &err), OR_OK, "%s",
                         err.msg);
            cr_expect_eq(info.hints_used, 3);
            snprintf(ref, sizeof ref, "tests/fixtures/zhang/pipe_%s_b_hints.png", arch);
            p = psnr_vs(&out_h, ref, &mx);
            printf("%s crop b with hints: PSNR %.1f dB, max abs %.2g\n", arch, p, mx);
            cr_expect_geq(p, 50.0, "%s: PSNR %.1f dB", ref, p);
            /* The hint colours' gamut snap (or_zhang_snap_ab) moves their ab by ~10,
             * which changes this output by up to ~1e-2 (82 dB) only: the PSNR bound
             * cannot see it, so the largest difference is checked too (measured
             * ~1e-5 with the snap: f32 vs float64 Lab and the 16-bit reference). */
            cr_expect_leq(mx, 1e-3, "%s: max abs difference %g", ref, mx);
            /* the hints must matter */
            double d = tu_max_abs_diff(out.planes, out_h.planes, (size_t)3 * c->w * c->h);
            cr_expect_gt(d, 0.05, "hints changed the output by at most %g", d);
            or_image_free(&out_h);
        }
        or_image_free(&in);
        or_image_free(&out);
    }
    or_net_free(net);
    or_backend_destroy(be);
    or_image_free(&photo);
}

Test(colorize_zhang, eccv16_equals_official_pipeline) { run_arch("eccv16"); }
Test(colorize_zhang, siggraph17_equals_official_pipeline) { run_arch("siggraph17"); }

Test(colorize_zhang, alpha_kept_and_l_preserved)
{
    or_backend *be;
    or_net *net;
    or_err err;
    or_image in, out;
    cr_assert_eq(or_backend_cpu_create(0, &be, &err), OR_OK);
    cr_assert_eq(or_net_load(tu_model_ckpt("zhang_eccv16.zip.pth"), be, OR_F32, &net, &err), OR_OK,
                 "%s", err.msg);
    cr_assert_eq(or_image_alloc(&in, 9, 7, 1, 1, &err), OR_OK);
    for (int i = 0; i < 63; i++)
        in.planes[i] = (float)(i * 4) / 255.0f, in.alpha[i] = (float)i / 62.0f;
    cr_assert_eq(or_colorize_image(net, &in, NULL, &out, NULL, &err), OR_OK, "%s", err.msg);
    cr_assert(out.alpha);
    cr_expect_arr_eq(out.alpha, in.alpha, 63 * sizeof(float));
    or_image_free(&in), or_image_free(&out);
    or_net_free(net);
    or_backend_destroy(be);
}

/* or_zhang_snap_ab against interactive-deep-colorization's snap_ab (data/lab_gamut.py)
 * + rgb2lab of its uint8 result, as written in make_zhang_fixtures.py (snap_ab, hint_ab;
 * float64 skimage formulas): the expected ab below were printed by
 *     hint_ab(L, rgb8) for each (L, rgb8)
 * with /usr/bin/python3 from tests/fixtures (the snapped uint8 colour in the comments).
 * Both sides compute in float64, so they agree to ~1e-12; 1e-6 leaves room for libm
 * differences while one 8-bit step of the snapped colour moves ab by > 0.1. */
Test(colorize_zhang, hint_colour_snapped_to_pixel_lightness)
{
    static const struct {
        double L;
        unsigned char rgb[3];
        double ab[2];
    } cases[] = {
        /* saturated blue on a bright pixel -> (255, 213, 255); rgb2lab ab: (79.2, -107.9) */
        {90.0, {0, 0, 255}, {21.638666047448908, -14.950818292622237}},
        /* saturated red on a dark pixel -> (65, 0, 0); rgb2lab ab: (80.1, 67.2) */
        {10.0, {255, 0, 0}, {30.058569021925024, 15.755296751686277}},
        /* the green hint of crop b (L of the network input there) -> (0, 195, 0) */
        {68.86501825007805, {16, 240, 16}, {-70.428141994888165, 67.973845474022923}},
        /* gray stays gray -> (119, 119, 119) (converges at once) */
        {50.0, {128, 128, 128}, {-0.0013975038276048402, 0.0026490177101434753}},
        /* yellow on a dark pixel -> (62, 76, 0) */
        {30.0, {255, 255, 0}, {-15.990635152295985, 37.88856163227684}},
        /* magenta on a near-white pixel -> (255, 245, 255) */
        {97.5, {255, 0, 255}, {5.0684612301736269, -3.5912437945546882}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double ab[2];
        or_zhang_snap_ab(cases[i].L, cases[i].rgb, ab);
        cr_expect(fabs(ab[0] - cases[i].ab[0]) <= 1e-6 && fabs(ab[1] - cases[i].ab[1]) <= 1e-6,
                  "case %zu: ab (%.9g, %.9g), numpy (%.9g, %.9g)", i, ab[0], ab[1],
                  cases[i].ab[0], cases[i].ab[1]);
    }
}

/* ---- hints files ---- */

static const char *write_tmp(const char *name, const char *text)
{
    const char *p = tu_tmp(name);
    cr_assert_eq(tu_write_file(p, text, strlen(text)), 0);
    return p;
}

Test(hints, parses_entries)
{
    or_color_hint *h;
    int n;
    or_err err;
    const char *p = write_tmp("ok.json", "[{\"x\": 3, \"y\": 4, \"color\": \"#FF8000\"},"
                                         " {\"color\": \"#000001\", \"y\": 0, \"x\": 0}]");
    cr_assert_eq(or_hints_load(p, &h, &n, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(n, 2);
    cr_expect(h[0].x == 3 && h[0].y == 4 && h[0].r == 1.0f && h[0].b == 0.0f);
    cr_expect_float_eq(h[0].g, 128 / 255.0f, 1e-7);
    cr_expect_float_eq(h[1].b, 1 / 255.0f, 1e-7);
    free(h);
    cr_assert_eq(or_hints_load(write_tmp("empty.json", "[]"), &h, &n, &err), OR_OK);
    cr_expect(n == 0 && h == NULL);
}

Test(hints, errors_name_file_and_entry)
{
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"{\"x\": 1}", "expected a JSON array"},
        {"[{\"x\": 1, \"y\": 2, \"color\": \"#12345\"}]", "entry 0: color \"#12345\""},
        {"[{\"x\": 1, \"y\": 2, \"color\": \"#123456\"}, {\"x\": -1, \"y\": 2, \"color\": \"#123456\"}]",
         "entry 1: \"x\""},
        {"[{\"x\": 1.5, \"y\": 2, \"color\": \"#123456\"}]", "entry 0: \"x\""},
        {"[{\"x\": 1, \"color\": \"#123456\"}]", "entry 0: \"y\""},
        {"[{\"x\": 1, \"y\": 2}]", "entry 0: \"color\" missing"},
        {"[{\"x\": 1, \"y\": 2, \"color\": \"#12345g\"}]", "expected #rrggbb"},
        {"[{\"x\": 1, \"y\": 2, \"colour\": \"#123456\"}]", "unknown member \"colour\""},
        {"[3]", "entry 0: expected an object"},
        {"[{\"x\": 1, \"y\": 2, \"color\": \"#123456\", \"size\": 4}]", "entry 0: \"size\""},
        {"[{\"x\": 1, \"y\": 2, \"color\": \"#123456\", \"size\": 11}]", "entry 0: \"size\""},
        {"[{\"x\": 1, \"y\": 2, \"color\": \"#123456\", \"size\": \"5\"}]", "\"size\""},
        {"[{\"x\": 1,", ""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        or_color_hint *h = (or_color_hint *)1;
        int n = 7;
        or_err err;
        const char *p = write_tmp("bad.json", bad[i].text);
        cr_expect_neq(or_hints_load(p, &h, &n, &err), OR_OK, "case %zu", i);
        cr_expect(strstr(err.msg, "bad.json") && strstr(err.msg, bad[i].want), "case %zu: %s", i,
                  err.msg);
        cr_expect(!strchr(err.msg, '\n'));
        cr_expect(h == NULL && n == 0);
    }
    or_color_hint *h;
    int n;
    or_err err;
    cr_expect_neq(or_hints_load(tu_tmp("missing.json"), &h, &n, &err), OR_OK);
    cr_expect(strstr(err.msg, "missing.json"), "%s", err.msg);
}

Test(hints, size_and_round_trip_through_the_format)
{
    or_color_hint *h, *h2;
    int n, n2;
    or_err err;
    const char *text = "[{\"x\": 3, \"y\": 4, \"color\": \"#ff8000\", \"size\": 9},"
                       " {\"x\": 0, \"y\": 7, \"color\": \"#000001\"},"
                       " {\"x\": 5, \"y\": 1, \"color\": \"#abcdef\", \"size\": 1}]";
    cr_assert_eq(or_hints_parse(text, strlen(text), "mem", &h, &n, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(n, 3);
    cr_expect_eq(h[0].size, 9);
    cr_expect_eq(h[1].size, OR_HINT_SIZE_DEFAULT);
    cr_expect_eq(h[2].size, 1);
    char *out = or_hints_format(h, n);
    cr_assert(out);
    cr_expect(strstr(out, "{\"x\": 0, \"y\": 7, \"color\": \"#000001\"}"), "%s", out);
    cr_assert_eq(or_hints_parse(out, strlen(out), "formatted", &h2, &n2, &err), OR_OK, "%s",
                 err.msg);
    cr_assert_eq(n2, n);
    for (int i = 0; i < n; i++)
        cr_expect(h[i].x == h2[i].x && h[i].y == h2[i].y && h[i].r == h2[i].r &&
                      h[i].g == h2[i].g && h[i].b == h2[i].b && h[i].size == h2[i].size,
                  "hint %d", i);
    free(out), free(h), free(h2);
    out = or_hints_format(NULL, 0);
    cr_expect_str_eq(out, "[]\n");
    free(out);
    cr_expect_neq(or_hints_parse("[{", 2, "mem", &h, &n, &err), OR_OK);
    cr_expect(strstr(err.msg, "mem"), "%s", err.msg);
}

/* ---- the live colourisation (colorize_live.c) ---- */

Test(colorize_live, preview_equals_the_pipeline_and_suggestions)
{
    or_backend *be;
    or_net *net;
    or_err err;
    cr_assert_eq(or_backend_cpu_create(0, &be, &err), OR_OK);
    cr_assert_eq(or_net_load(tu_model_ckpt("zhang_siggraph17.zip.pth"), be, OR_F32, &net, &err),
                 OR_OK, "%s", err.msg);
    or_image in, out;
    cr_assert_eq(or_image_alloc(&in, 80, 60, 1, 0, &err), OR_OK);
    tu_seed(3);
    tu_fill_uniform(in.planes, 80 * 60, 0, 1);
    or_live *lv;
    cr_assert_eq(or_live_open(net, &in, 768, &lv, &err), OR_OK, "%s", err.msg);
    or_live_suggestion sg[8];
    double L;
    cr_expect_eq(or_live_suggest(lv, 1, 1, sg, 8, &L), 0, "no suggestions before a run");
    static const or_color_hint hints[] = {{10, 20, 0.9f, 0.2f, 0.1f, 9}, {70, 50, 0.1f, 0.3f, 0.9f, 0}};
    or_colorize_opts o = or_colorize_defaults();
    o.hints = hints, o.n_hints = 2;
    for (int t = 0; t < 2; t++) {
        o.temperature = t ? 0.38f : 0.0f;
        cr_assert_eq(or_live_run(lv, &o, &err), OR_OK, "%s", err.msg);
        cr_assert_eq(or_colorize_zhang(net, &in, &o, &out, NULL, &err), OR_OK, "%s", err.msg);
        const or_image *pv = or_live_preview(lv);
        cr_assert(pv->width == 80 && pv->height == 60);
        /* the preview at the photo's size is the pipeline's output, exactly */
        cr_expect_eq(memcmp(pv->planes, out.planes, 3 * 80 * 60 * sizeof(float)), 0, "T %d", t);
        or_image_free(&out);
    }
    int n = or_live_suggest(lv, 40, 30, sg, 8, &L);
    cr_expect_gt(n, 1);
    cr_expect(L > 0 && L < 100);
    float sum = 0;
    for (int i = 0; i < n; i++) {
        sum += sg[i].p;
        if (i)
            cr_expect_geq(sg[i - 1].p, sg[i].p, "most likely first");
        for (int j = 0; j < i; j++)
            cr_expect(memcmp(sg[i].rgb, sg[j].rgb, 3), "distinct colours");
    }
    /* k-means clusters partition every bin: their mass is the whole distribution but the
     * clusters under 1e-4 that are left out (at most 8 of them) */
    cr_expect(sum <= 1.0001f && sum >= 1 - 8e-4f, "suggestions hold %g of the distribution", sum);
    int gw, gh;
    const float *e = or_live_entropy(lv, &gw, &gh);
    cr_expect(gw == 64 && gh == 64);
    for (int i = 0; i < gw * gh; i++)
        cr_expect(e[i] >= 0 && e[i] <= 1.0001f, "entropy %g", e[i]);
    /* outside the photo: refused / nothing */
    static const or_color_hint outside[] = {{80, 0, 1, 0, 0, 0}};
    o.hints = outside, o.n_hints = 1;
    cr_expect_neq(or_live_run(lv, &o, &err), OR_OK);
    cr_expect_eq(or_live_suggest(lv, 80, 0, sg, 8, &L), 0);
    or_live_free(lv);
    /* a smaller preview */
    cr_assert_eq(or_live_open(net, &in, 40, &lv, &err), OR_OK);
    cr_expect(or_live_gray(lv)->width == 40 && or_live_gray(lv)->height == 30);
    or_live_free(lv);
    or_image_free(&in);
    or_net_free(net);
    or_backend_destroy(be);
}
