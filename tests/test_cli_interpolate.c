/* test_cli_interpolate.c: `oprestore-gpu interpolate` as a user runs it (the
 * built binary, on the CPU), with the seeded RIFE v4.6 fixture checkpoint
 * converted with the converter API into a temporary models folder. */
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

/* `oprestore-gpu interpolate ARGS` (cli_test_util.h); stderr in ct_err. */
static int run_ip(const char *args) { return ct_run("interpolate %s", args); }

/* stderr is one line starting with the command's name, containing part. */
static void assert_one_line(const char *part)
{
    ct_assert_one_line("oprestore-gpu interpolate", part);
}

/* A models folder holding tiny-rife.safetensors (the seeded v4.6). */
static const char *models(void) { return ct_model("rife_v4_6.zip.pth", "tiny-rife"); }

/* -m tiny-rife -M <models> -g cpu, then extra. */
static int run_tiny(const char *extra)
{
    return ct_run("interpolate -m tiny-rife -M '%s' -g cpu %s", models(), extra);
}

/* An 8-bit RGB or gray PNG of seeded noise. */
static void write_png(const char *path, int w, int h, int channels, unsigned seed)
{
    ct_write_png(path, w, h, channels, 0, 8, seed);
}

static double diff(const or_image *a, const or_image *b)
{
    cr_assert(a->width == b->width && a->height == b->height && a->channels == b->channels);
    return tu_max_abs_diff(a->planes, b->planes, (size_t)a->channels * a->width * a->height);
}

/* A folder of `n` frames 00.png.. (written in reverse order: listing must sort). */
static const char *frames_dir(const char *name, int n, int w, int h)
{
    const char *dir = ct_tmp(name);
    mkdir(dir, 0755);
    char p[4200];
    for (int i = n - 1; i >= 0; i--) {
        snprintf(p, sizeof p, "%s/f%02d.png", dir, i);
        write_png(p, w, h, 3, 100u + (unsigned)i);
    }
    return dir;
}

static int count_files(const char *dir)
{
    int n = 0;
    char p[4200];
    for (;; n++) {
        snprintf(p, sizeof p, "%s/%08d.png", dir, n);
        if (access(p, F_OK) != 0)
            return n;
    }
}

Test(cli_interpolate, usage_errors_exit_2)
{
    cr_expect_eq(run_ip(""), 2);
    assert_one_line("required");
    cr_expect_eq(run_ip("-0 a.png -o m.png"), 2);
    assert_one_line("-1 is required");
    cr_expect_eq(run_ip("-0 a.png -1 b.png -i dir -o m.png"), 2);
    assert_one_line("not both");
    cr_expect_eq(run_ip("-0 a.png -1 b.png"), 2);
    assert_one_line("-o is required");
    cr_expect_eq(run_ip("-0 a.png -1 b.png -o m.png --time 1.5"), 2);
    assert_one_line("--time");
    cr_expect_eq(run_ip("-0 a.png -1 b.png -o m.png --scale 0.3"), 2);
    assert_one_line("--scale");
    cr_expect_eq(run_ip("-i d -o o -n 1"), 2);
    assert_one_line("-n 1");
    cr_expect_eq(run_ip("-0 a.png -1 b.png -o m.png -n 4"), 2);
    assert_one_line("-n is for -i");
    cr_expect_eq(run_ip("-0 a.png -1 b.png -o m.png -s 2"), 2);
    assert_one_line("-s");
    cr_expect_eq(run_ip("-0 a.png -1 b.png -o m.png --bogus"), 2);
    assert_one_line("unknown option");
    cr_expect_eq(run_ip("-0 a.png -1 b.png -o m.png -m realesr-animevideov3"), 2);
    assert_one_line("not a interpolate model");
    cr_expect_eq(run_ip("-h"), 0);
}

Test(cli_interpolate, bad_inputs_exit_1)
{
    const char *a = ct_tmp("a.png"), *b = ct_tmp("b.png"), *wide = ct_tmp("wide.png"), *bad = ct_tmp("bad.png");
    write_png(a, 20, 12, 3, 1);
    write_png(b, 20, 12, 3, 2);
    write_png(wide, 21, 12, 3, 3);
    cr_assert_eq(tu_write_file(bad, "\x89PNG\r\n\x1a\nbroken", 14), 0);
    char args[8192];
    snprintf(args, sizeof args, "-0 '%s' -1 '%s' -o '%s'", a, tu_tmp("nope.png"), tu_tmp("m.png"));
    cr_expect_eq(run_tiny(args), 1);
    assert_one_line("nope.png");
    snprintf(args, sizeof args, "-0 '%s' -1 '%s' -o '%s'", a, bad, tu_tmp("m.png"));
    cr_expect_eq(run_tiny(args), 1);
    assert_one_line("bad.png");
    snprintf(args, sizeof args, "-0 '%s' -1 '%s' -o '%s'", a, wide, tu_tmp("m.png"));
    cr_expect_eq(run_tiny(args), 1);
    assert_one_line("frames differ");
    snprintf(args, sizeof args, "-0 '%s' -1 '%s' -o '%s' -m nomodel", a, b, tu_tmp("m.png"));
    cr_expect_eq(run_ip(args), 1);
    assert_one_line("nomodel");
    snprintf(args, sizeof args, "-0 '%s' -1 '%s' -o '%s'", a, b, a); /* never an input: */
    cr_expect_eq(run_tiny(args), 2);                                  /* a usage error */
    assert_one_line("input");
    /* a folder whose frames differ in size */
    const char *dir = frames_dir("mixed", 2, 20, 12), *out = ct_tmp("mixed_out");
    char p[4200];
    snprintf(p, sizeof p, "%s/f02.png", dir);
    write_png(p, 22, 12, 3, 9);
    snprintf(args, sizeof args, "-i '%s' -o '%s'", dir, out);
    cr_expect_eq(run_tiny(args), 1);
    assert_one_line("frames differ");
    /* one frame is not enough */
    const char *one = frames_dir("one", 1, 8, 8);
    snprintf(args, sizeof args, "-i '%s' -o '%s'", one, ct_tmp("one_out"));
    cr_expect_eq(run_tiny(args), 1);
    assert_one_line("two or more");
}

Test(cli_interpolate, pair_writes_the_middle_frame)
{
    const char *a = ct_tmp("a.png"), *b = ct_tmp("b.png"), *m = ct_tmp("m.png");
    write_png(a, 23, 17, 3, 1);
    write_png(b, 23, 17, 3, 2);
    char args[8192];
    snprintf(args, sizeof args, "-0 '%s' -1 '%s' -o '%s' --time 0.25", a, b, m);
    cr_assert_eq(run_tiny(args), 0, "%s", ct_err);
    or_image img;
    ct_read_img(m, &img);
    cr_expect(img.width == 23 && img.height == 17 && img.channels == 3);
    or_image_free(&img);
    cr_expect_eq(run_tiny(args), 1, "existing output kept");
    assert_one_line("--overwrite");
    strcat(args, " --overwrite");
    cr_expect_eq(run_tiny(args), 0, "%s", ct_err);
}

Test(cli_interpolate, folder_frame_counts_and_order)
{
    const char *in = frames_dir("frames", 3, 24, 16);
    const char *o2 = ct_tmp("out2"), *o4 = ct_tmp("out4");
    char args[8192];
    snprintf(args, sizeof args, "-i '%s' -o '%s' -n 2", in, o2);
    cr_assert_eq(run_tiny(args), 0, "%s", ct_err);
    cr_expect_eq(count_files(o2), 5, "2 * (3 - 1) + 1");
    snprintf(args, sizeof args, "-i '%s' -o '%s' -n 4", in, o4);
    cr_assert_eq(run_tiny(args), 0, "%s", ct_err);
    cr_expect_eq(count_files(o4), 9, "4 * (3 - 1) + 1");
    char p[4200];
    or_image orig, got, half2, half4;
    for (int i = 0; i < 3; i++) { /* the originals sit at i*n, unchanged (8-bit round trip) */
        snprintf(p, sizeof p, "%s/f%02d.png", in, i);
        ct_read_img(p, &orig);
        snprintf(p, sizeof p, "%s/%08d.png", o4, 4 * i);
        ct_read_img(p, &got);
        cr_expect_eq(diff(&orig, &got), 0.0, "original %d at %d", i, 4 * i);
        or_image_free(&got);
        snprintf(p, sizeof p, "%s/%08d.png", o2, 2 * i);
        ct_read_img(p, &got);
        cr_expect_eq(diff(&orig, &got), 0.0, "original %d at %d", i, 2 * i);
        or_image_free(&got), or_image_free(&orig);
    }
    for (int i = 0; i < 2; i++) { /* t = 1/2 of pair i: frame 2i+1 of -n 2 = frame 4i+2 of -n 4 */
        snprintf(p, sizeof p, "%s/%08d.png", o2, 2 * i + 1);
        ct_read_img(p, &half2);
        snprintf(p, sizeof p, "%s/%08d.png", o4, 4 * i + 2);
        ct_read_img(p, &half4);
        cr_expect_eq(diff(&half2, &half4), 0.0, "pair %d", i);
        snprintf(p, sizeof p, "%s/%08d.png", o4, 4 * i + 1); /* t = 1/4 differs from t = 1/2 */
        ct_read_img(p, &got);
        cr_expect_gt(diff(&half4, &got), 0.0, "pair %d", i);
        or_image_free(&half2), or_image_free(&half4), or_image_free(&got);
    }
    cr_expect_eq(run_tiny(args), 1, "existing outputs kept");
    assert_one_line("--overwrite");
}
