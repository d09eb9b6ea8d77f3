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
#include "runtime/image.h"
#include "test_util.h"

static char errbuf[8192];

static const char *tmp(const char *name) { return strdup(tu_tmp(name)); }

/* Run `oprestore-gpu colorize ARGS`; stderr lands in errbuf. Returns the exit code. */
static int run_co(const char *args)
{
    static char cmd[32768];
    static const char *errf;
    if (!errf)
        errf = tmp("stderr.txt");
    snprintf(cmd, sizeof cmd, "'%s/oprestore-gpu' colorize %s >/dev/null 2>'%s'", OR_BINARY_DIR,
             args, errf);
    int st = system(cmd);
    size_t n = 0;
    uint8_t *e = tu_read_file(errf, &n);
    n = n < sizeof errbuf - 1 ? n : sizeof errbuf - 1;
    if (e)
        memcpy(errbuf, e, n);
    errbuf[e ? n : 0] = 0;
    free(e);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void assert_one_line(const char *part)
{
    cr_assert(strstr(errbuf, part), "expected '%s' in: %s", part, errbuf);
    cr_assert(strstr(errbuf, "oprestore-gpu colorize: "), "%s", errbuf);
    cr_assert_eq(strchr(errbuf, '\n'), errbuf + strlen(errbuf) - 1, "one line: %s", errbuf);
}

/* A models folder with sig.safetensors and eccv.safetensors (seeded, width 4). */
static const char *models(void)
{
    static char dir[4096];
    if (dir[0])
        return dir;
    snprintf(dir, sizeof dir, "%s", tmp("models"));
    mkdir(dir, 0755);
    static const char *ck[][2] = {{"zhang_siggraph17.zip.pth", "sig"},
                                  {"zhang_eccv16.zip.pth", "eccv"}};
    for (int i = 0; i < 2; i++) {
        char src[4096], dst[4200];
        or_err err;
        or_convert_opts o = {0};
        snprintf(src, sizeof src, "%s/%s", tu_src("tests/fixtures/ckpt"), ck[i][0]);
        snprintf(dst, sizeof dst, "%s/%s.safetensors", dir, ck[i][1]);
        cr_assert_eq(or_convert_file(src, dst, &o, &err), OR_OK, "%s", err.msg);
    }
    return dir;
}

static int run_model(const char *model, const char *extra)
{
    static char args[16384];
    snprintf(args, sizeof args, "-m %s -M '%s' -g cpu %s", model, models(), extra);
    return run_co(args);
}

static void write_png(const char *path, int w, int h, int channels, int alpha, int depth)
{
    or_image img;
    or_err err;
    cr_assert_eq(or_image_alloc(&img, w, h, channels, alpha, &err), OR_OK);
    tu_seed(5);
    tu_fill_uniform(img.planes, (size_t)channels * w * h, 0, 1);
    if (alpha)
        tu_fill_uniform(img.alpha, (size_t)w * h, 0, 1);
    cr_assert_eq(or_image_write_png(path, &img, depth, &err), OR_OK, "%s", err.msg);
    or_image_free(&img);
}

static void read_img(const char *path, or_image *img)
{
    or_err err;
    cr_assert_eq(or_image_read(path, NULL, img, &err), OR_OK, "%s", err.msg);
}

static const char *write_text(const char *name, const char *text)
{
    const char *p = tmp(name);
    cr_assert_eq(tu_write_file(p, text, strlen(text)), 0);
    return p;
}

Test(cli_colorize, gray_in_rgb_out_with_and_without_hints)
{
    const char *in = tmp("gray.png"), *out = tmp("color.png"), *outh = tmp("color_h.png");
    write_png(in, 40, 30, 1, 1, 8);
    char a[12000];
    snprintf(a, sizeof a, "-i '%s' -o '%s'", in, out);
    cr_assert_eq(run_model("sig", a), 0, "%s", errbuf);
    cr_assert_eq(errbuf[0], 0, "quiet without -v: %s", errbuf);
    or_image img, imh;
    read_img(out, &img);
    cr_expect(img.width == 40 && img.height == 30 && img.channels == 3 && img.alpha);
    cr_expect_eq(img.src_bit_depth, 8);

    const char *h = write_text("h.json", "[{\"x\": 5, \"y\": 6, \"color\": \"#ff2000\"},"
                                         " {\"x\": 39, \"y\": 29, \"color\": \"#0040ff\"}]");
    snprintf(a, sizeof a, "-i '%s' -o '%s' --hints '%s' -v", in, outh, h);
    cr_assert_eq(run_model("sig", a), 0, "%s", errbuf);
    cr_expect(strstr(errbuf, "2 hints"), "%s", errbuf);
    read_img(outh, &imh);
    double d = tu_max_abs_diff(img.planes, imh.planes, (size_t)3 * 40 * 30);
    /* a 5x5 patch at 256x256 is under one pixel of this 40x30 image: at least one level */
    cr_expect_geq(d, 0.9 / 255, "the hints changed the output by at most %g", d);
    or_image_free(&img), or_image_free(&imh);
}

Test(cli_colorize, eccv16_16bit_and_folder)
{
    const char *dir = tmp("in_dir"), *odir = tmp("out_dir");
    mkdir(dir, 0755);
    char p[4200], a[12000];
    snprintf(p, sizeof p, "%s/a16.png", dir);
    write_png(p, 17, 23, 1, 0, 16);
    snprintf(p, sizeof p, "%s/b.png", dir);
    write_png(p, 9, 8, 3, 0, 8);
    snprintf(a, sizeof a, "-i '%s' -o '%s' -r 20", dir, odir);
    cr_assert_eq(run_model("eccv", a), 0, "%s", errbuf);
    cr_expect(strstr(errbuf, "-r is for DeOldify"), "%s", errbuf);
    or_image img;
    snprintf(p, sizeof p, "%s/a16.png", odir);
    read_img(p, &img);
    cr_expect(img.width == 17 && img.height == 23 && img.channels == 3);
    cr_expect_eq(img.src_bit_depth, 16);
    or_image_free(&img);
    snprintf(p, sizeof p, "%s/b.png", odir);
    read_img(p, &img);
    cr_expect(img.width == 9 && img.height == 8 && img.channels == 3);
    or_image_free(&img);
}

Test(cli_colorize, usage_errors_exit_2)
{
    const char *in = tmp("u.png"), *out = tmp("u_out.png");
    write_png(in, 8, 8, 1, 0, 8);
    const char *bad[] = {"--bogus", "-r 0", "-r 129", "-r x", "-r", "--hints", "-g abc", "-o"};
    char a[12000];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(a, sizeof a, "-i '%s' -o '%s' %s", in, out, bad[i]);
        cr_assert_eq(run_model("sig", a), 2, "%s: %s", bad[i], errbuf);
        cr_assert(strstr(errbuf, "oprestore-gpu colorize: "), "%s", errbuf);
    }
    snprintf(a, sizeof a, "-i '%s'", in);
    cr_assert_eq(run_co(a), 2);
    cr_assert_eq(run_co("-h"), 0);
}

Test(cli_colorize, runtime_errors_exit_1_one_line)
{
    const char *in = tmp("r.png"), *out = tmp("r_out.png"), *junk = tmp("junk.png");
    write_png(in, 8, 8, 1, 0, 8);
    cr_assert_eq(tu_write_file(junk, "not an image", 12), 0);
    char a[12000];
    snprintf(a, sizeof a, "-i '%s' -o '%s'", junk, out);
    cr_assert_eq(run_model("sig", a), 1, "%s", errbuf);
    assert_one_line("junk.png");
    snprintf(a, sizeof a, "-i '%s/none.png' -o '%s'", tu_tmpdir(), out);
    cr_assert_eq(run_model("sig", a), 1, "%s", errbuf);

    /* hints files: malformed, bad entry, outside the image, missing */
    const char *h1 = write_text("h1.json", "[{\"x\": 1, \"y\": 2, \"color\": \"red\"}]");
    snprintf(a, sizeof a, "-i '%s' -o '%s' --hints '%s'", in, out, h1);
    cr_assert_eq(run_model("sig", a), 1, "%s", errbuf);
    assert_one_line("h1.json: entry 0: color \"red\"");
    const char *h2 = write_text("h2.json", "[{\"x\": 1, \"y\": 2, \"color\": \"#102030\"}, {\"x\": 1}");
    snprintf(a, sizeof a, "-i '%s' -o '%s' --hints '%s'", in, out, h2);
    cr_assert_eq(run_model("sig", a), 1, "%s", errbuf);
    assert_one_line("h2.json");
    const char *h3 = write_text("h3.json", "[{\"x\": 8, \"y\": 2, \"color\": \"#102030\"}]");
    snprintf(a, sizeof a, "-i '%s' -o '%s' --hints '%s'", in, out, h3);
    cr_assert_eq(run_model("sig", a), 1, "%s", errbuf);
    assert_one_line("hint 0 (x 8, y 2) is outside the 8x8 image");
    cr_assert_eq(access(out, F_OK), -1, "no output after a failure");
    snprintf(a, sizeof a, "-i '%s' -o '%s' --hints '%s/none.json'", in, out, tu_tmpdir());
    cr_assert_eq(run_model("sig", a), 1, "%s", errbuf);
    assert_one_line("none.json");

    /* an upscaler is not a colouriser */
    char sr[4200];
    or_err err;
    or_convert_opts o = {0};
    snprintf(sr, sizeof sr, "%s/sr.safetensors", models());
    cr_assert_eq(or_convert_file(tu_src("tests/fixtures/ckpt/sr_srvgg_x4_prelu.zip.pth"), sr, &o,
                                 &err), OR_OK, "%s", err.msg);
    snprintf(a, sizeof a, "-i '%s' -o '%s'", in, out);
    cr_assert_eq(run_model("sr", a), 1, "%s", errbuf);
    assert_one_line("not a colourisation model");
}
