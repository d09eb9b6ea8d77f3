/* test_cli_colorize.c: `oprestore-gpu colorize` as a user runs it (the built
 * binary, on the CPU) with the seeded siggraph17 / eccv16 checkpoints converted
 * (converter API) into a temporary models folder: outputs, hints, exit codes
 * 0/1/2 and one-line errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "convert/convert.h"
#include "runtime/io/image.h"
#include "cli_test_util.h"
#include "test_util.h"

/* `oprestore-gpu colorize ARGS` (cli_test_util.h); stderr in ct_err. */
static int run_co(const char *args) { return ct_run("colorize %s", args); }

static void assert_one_line(const char *part) { ct_assert_one_line("oprestore-gpu colorize", part); }

/* A models folder with sig.safetensors and eccv.safetensors (seeded, width 4). */
static const char *models(void)
{
    ct_model("zhang_siggraph17.zip.pth", "sig");
    return ct_model("zhang_eccv16.zip.pth", "eccv");
}

static int run_model(const char *model, const char *extra)
{
    return ct_run("colorize -m %s -M '%s' -g cpu %s", model, models(), extra);
}

Test(cli_colorize, gray_in_rgb_out_with_and_without_hints)
{
    const char *in = ct_tmp("gray.png"), *out = ct_tmp("color.png"), *outh = ct_tmp("color_h.png");
    ct_write_png(in, 40, 30, 1, 1, 8, 5);
    char a[12000];
    snprintf(a, sizeof a, "-i '%s' -o '%s'", in, out);
    cr_assert_eq(run_model("sig", a), 0, "%s", ct_err);
    cr_assert_eq(ct_err[0], 0, "quiet without -v: %s", ct_err);
    or_image img, imh;
    ct_read_img(out, &img);
    cr_expect(img.width == 40 && img.height == 30 && img.channels == 3 && img.alpha);
    cr_expect_eq(img.src_bit_depth, 8);

    const char *h = ct_write_text("h.json", "[{\"x\": 5, \"y\": 6, \"color\": \"#ff2000\"},"
                                         " {\"x\": 39, \"y\": 29, \"color\": \"#0040ff\"}]");
    snprintf(a, sizeof a, "-i '%s' -o '%s' --hints '%s' -v", in, outh, h);
    cr_assert_eq(run_model("sig", a), 0, "%s", ct_err);
    cr_expect(strstr(ct_err, "2 hints"), "%s", ct_err);
    ct_read_img(outh, &imh);
    double d = tu_max_abs_diff(img.planes, imh.planes, (size_t)3 * 40 * 30);
    /* a 5x5 patch at 256x256 is under one pixel of this 40x30 image: at least one level */
    cr_expect_geq(d, 0.9 / 255, "the hints changed the output by at most %g", d);
    or_image_free(&img), or_image_free(&imh);
}

Test(cli_colorize, eccv16_16bit_and_folder)
{
    const char *dir = ct_tmp("in_dir"), *odir = ct_tmp("out_dir");
    mkdir(dir, 0755);
    char p[4200], a[12000];
    snprintf(p, sizeof p, "%s/a16.png", dir);
    ct_write_png(p, 17, 23, 1, 0, 16, 5);
    snprintf(p, sizeof p, "%s/b.png", dir);
    ct_write_png(p, 9, 8, 3, 0, 8, 5);
    snprintf(a, sizeof a, "-i '%s' -o '%s' -r 20", dir, odir);
    cr_assert_eq(run_model("eccv", a), 0, "%s", ct_err);
    cr_expect(strstr(ct_err, "-r is for DeOldify"), "%s", ct_err);
    or_image img;
    snprintf(p, sizeof p, "%s/a16.png", odir);
    ct_read_img(p, &img);
    cr_expect(img.width == 17 && img.height == 23 && img.channels == 3);
    cr_expect_eq(img.src_bit_depth, 16);
    or_image_free(&img);
    snprintf(p, sizeof p, "%s/b.png", odir);
    ct_read_img(p, &img);
    cr_expect(img.width == 9 && img.height == 8 && img.channels == 3);
    or_image_free(&img);
}

Test(cli_colorize, usage_errors_exit_2)
{
    const char *in = ct_tmp("u.png"), *out = ct_tmp("u_out.png");
    ct_write_png(in, 8, 8, 1, 0, 8, 5);
    const char *bad[] = {"--bogus", "-r 0", "-r 129", "-r x", "-r", "--hints", "-g abc", "-o",
                         "--temperature 0", "--temperature -1", "--temperature x",
                         "--temperature 101", "--temperature"};
    char a[12000];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(a, sizeof a, "-i '%s' -o '%s' %s", in, out, bad[i]);
        cr_assert_eq(run_model("sig", a), 2, "%s: %s", bad[i], ct_err);
        cr_assert(strstr(ct_err, "oprestore-gpu colorize: "), "%s", ct_err);
    }
    snprintf(a, sizeof a, "-i '%s'", in);
    cr_assert_eq(run_co(a), 2);
    cr_assert_eq(run_co("-h"), 0);
}

Test(cli_colorize, runtime_errors_exit_1_one_line)
{
    const char *in = ct_tmp("r.png"), *out = ct_tmp("r_out.png"), *junk = ct_tmp("junk.png");
    ct_write_png(in, 8, 8, 1, 0, 8, 5);
    cr_assert_eq(tu_write_file(junk, "not an image", 12), 0);
    char a[12000];
    snprintf(a, sizeof a, "-i '%s' -o '%s'", junk, out);
    cr_assert_eq(run_model("sig", a), 1, "%s", ct_err);
    assert_one_line("junk.png");
    snprintf(a, sizeof a, "-i '%s/none.png' -o '%s'", tu_tmpdir(), out);
    cr_assert_eq(run_model("sig", a), 1, "%s", ct_err);

    /* hints files: malformed, bad entry, outside the image, missing */
    const char *h1 = ct_write_text("h1.json", "[{\"x\": 1, \"y\": 2, \"color\": \"red\"}]");
    snprintf(a, sizeof a, "-i '%s' -o '%s' --hints '%s'", in, out, h1);
    cr_assert_eq(run_model("sig", a), 1, "%s", ct_err);
    assert_one_line("h1.json: entry 0: color \"red\"");
    const char *h2 = ct_write_text("h2.json", "[{\"x\": 1, \"y\": 2, \"color\": \"#102030\"}, {\"x\": 1}");
    snprintf(a, sizeof a, "-i '%s' -o '%s' --hints '%s'", in, out, h2);
    cr_assert_eq(run_model("sig", a), 1, "%s", ct_err);
    assert_one_line("h2.json");
    const char *h3 = ct_write_text("h3.json", "[{\"x\": 8, \"y\": 2, \"color\": \"#102030\"}]");
    snprintf(a, sizeof a, "-i '%s' -o '%s' --hints '%s'", in, out, h3);
    cr_assert_eq(run_model("sig", a), 1, "%s", ct_err);
    assert_one_line("hint 0 (x 8, y 2) is outside the 8x8 image");
    cr_assert_eq(access(out, F_OK), -1, "no output after a failure");
    snprintf(a, sizeof a, "-i '%s' -o '%s' --hints '%s/none.json'", in, out, tu_tmpdir());
    cr_assert_eq(run_model("sig", a), 1, "%s", ct_err);
    assert_one_line("none.json");

    /* an upscaler is not a colouriser */
    char sr[4200];
    or_err err;
    or_convert_opts o = {0};
    snprintf(sr, sizeof sr, "%s/sr.safetensors", models());
    cr_assert_eq(or_convert_file(tu_src("tests/fixtures/ckpt/sr_srvgg_x4_prelu.zip.pth"), sr, &o,
                                 &err), OR_OK, "%s", err.msg);
    snprintf(a, sizeof a, "-i '%s' -o '%s'", in, out);
    cr_assert_eq(run_model("sr", a), 1, "%s", ct_err);
    assert_one_line("not a colourisation model");
}

Test(cli_colorize, temperature_changes_both_zhang_models)
{
    const char *in = ct_tmp("t.png");
    ct_write_png(in, 24, 16, 1, 0, 8, 9);
    static const char *models_[] = {"sig", "eccv"};
    for (int m = 0; m < 2; m++) {
        or_image base, hot, cold;
        const char *outs[3] = {ct_tmp("t0.png"), ct_tmp("t1.png"), ct_tmp("t2.png")};
        const char *flags[3] = {"", "--temperature 0.2", "--temperature 1"};
        or_image *imgs[3] = {&base, &hot, &cold};
        for (int i = 0; i < 3; i++) {
            char a[12000];
            snprintf(a, sizeof a, "-i '%s' -o '%s' --overwrite %s", in, outs[i], flags[i]);
            cr_assert_eq(run_model(models_[m], a), 0, "%s %s: %s", models_[m], flags[i], ct_err);
            ct_read_img(outs[i], imgs[i]);
        }
        size_t n = (size_t)3 * 24 * 16;
        /* the annealed mean is another output than the release's, and T matters */
        cr_expect_gt(tu_max_abs_diff(base.planes, hot.planes, n), 0.5 / 255, "%s", models_[m]);
        cr_expect_gt(tu_max_abs_diff(hot.planes, cold.planes, n), 0.5 / 255, "%s", models_[m]);
        or_image_free(&base), or_image_free(&hot), or_image_free(&cold);
    }
}

Test(cli_colorize, studio_usage_and_runtime_errors)
{
    /* usage (2) and runtime (1) errors of `oprestore-gpu studio`, one line each, before
     * it would serve */
    models();
    static const struct { const char *args; int rc; const char *part; } cases[] = {
        {"studio -o x.png", 2, "-o"},
        {"studio --port 70000", 2, "--port"},
        {"studio --port", 2, "--port"},
        {"studio --max-upload-mb 0", 2, "--max-upload-mb"},
        {"studio --bogus", 2, "--bogus"},
        {"studio -m eccv --host not-an-address -g cpu --port 0", 1, "not-an-address"},
        {"studio -m nonexistent -g cpu", 1, "nonexistent"},
        {"studio -i /nonexistent.png -m sig -g cpu", 1, "nonexistent.png"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = ct_run("%s -M '%s'", cases[i].args, models());
        cr_expect_eq(rc, cases[i].rc, "%s: exit %d: %s", cases[i].args, rc, ct_err);
        ct_assert_one_line("oprestore-gpu studio", cases[i].part);
    }
    cr_expect_eq(ct_run("studio -h"), 0);
}
