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
#include "runtime/image.h"
#include "test_util.h"

static char errbuf[8192];

static const char *tmp(const char *name) { return strdup(tu_tmp(name)); }

/* Run `oprestore-gpu interpolate ARGS`; stderr lands in errbuf. Returns the exit code. */
static int run_ip(const char *args)
{
    char cmd[16384];
    static const char *errf;
    if (!errf)
        errf = tmp("stderr.txt");
    snprintf(cmd, sizeof cmd, "'%s/oprestore-gpu' interpolate %s >/dev/null 2>'%s'",
             OR_BINARY_DIR, args, errf);
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

/* stderr is one line starting with the command's name, containing part. */
static void assert_one_line(const char *part)
{
    size_t len = strlen(errbuf);
    cr_assert(len && errbuf[len - 1] == '\n' && !memchr(errbuf, '\n', len - 1),
              "not one line: %s", errbuf);
    cr_assert(!strncmp(errbuf, "oprestore-gpu interpolate: ", 27), "%s", errbuf);
    cr_assert(strstr(errbuf, part), "expected '%s' in: %s", part, errbuf);
}

/* A models folder holding tiny-rife.safetensors (the seeded v4.6). */
static const char *models(void)
{
    static char dir[4096];
    if (dir[0])
        return dir;
    snprintf(dir, sizeof dir, "%s", tmp("models"));
    mkdir(dir, 0755);
    char path[4200];
    or_err err;
    or_convert_opts o = {0};
    snprintf(path, sizeof path, "%s/tiny-rife.safetensors", dir);
    cr_assert_eq(or_convert_file(tu_src("tests/fixtures/ckpt/rife_v4_6.zip.pth"), path, &o, &err),
                 OR_OK, "%s", err.msg);
    return dir;
}

/* -m tiny-rife -M <models> -g cpu, then extra. */
static int run_tiny(const char *extra)
{
    char args[12288];
    snprintf(args, sizeof args, "-m tiny-rife -M '%s' -g cpu %s", models(), extra);
    return run_ip(args);
}

static void write_png(const char *path, int w, int h, int channels, uint64_t seed)
{
    or_image img;
    or_err err;
    cr_assert_eq(or_image_alloc(&img, w, h, channels, 0, &err), OR_OK);
    tu_seed(seed);
    tu_fill_uniform(img.planes, (size_t)channels * w * h, 0, 1);
    cr_assert_eq(or_image_write_png(path, &img, 8, &err), OR_OK, "%s", err.msg);
    or_image_free(&img);
}

static void read_png(const char *path, or_image *img)
{
    or_err err;
    cr_assert_eq(or_image_read(path, NULL, img, &err), OR_OK, "%s", err.msg);
}

static double diff(const or_image *a, const or_image *b)
{
    cr_assert(a->width == b->width && a->height == b->height && a->channels == b->channels);
    return tu_max_abs_diff(a->planes, b->planes, (size_t)a->channels * a->width * a->height);
}

/* A folder of `n` frames 00.png.. (written in reverse order: listing must sort). */
static const char *frames_dir(const char *name, int n, int w, int h)
{
    const char *dir = tmp(name);
    mkdir(dir, 0755);
    char p[4200];
    for (int i = n - 1; i >= 0; i--) {
        snprintf(p, sizeof p, "%s/f%02d.png", dir, i);
        write_png(p, w, h, 3, 100 + (uint64_t)i);
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
    const char *a = tmp("a.png"), *b = tmp("b.png"), *wide = tmp("wide.png"), *bad = tmp("bad.png");
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
    snprintf(args, sizeof args, "-0 '%s' -1 '%s' -o '%s'", a, b, a); /* never an input */
    cr_expect_eq(run_tiny(args), 1);
    assert_one_line("input");
    /* a folder whose frames differ in size */
    const char *dir = frames_dir("mixed", 2, 20, 12), *out = tmp("mixed_out");
    char p[4200];
    snprintf(p, sizeof p, "%s/f02.png", dir);
    write_png(p, 22, 12, 3, 9);
    snprintf(args, sizeof args, "-i '%s' -o '%s'", dir, out);
    cr_expect_eq(run_tiny(args), 1);
    assert_one_line("frames differ");
    /* one frame is not enough */
    const char *one = frames_dir("one", 1, 8, 8);
    snprintf(args, sizeof args, "-i '%s' -o '%s'", one, tmp("one_out"));
    cr_expect_eq(run_tiny(args), 1);
    assert_one_line("two or more");
}

Test(cli_interpolate, pair_writes_the_middle_frame)
{
    const char *a = tmp("a.png"), *b = tmp("b.png"), *m = tmp("m.png");
    write_png(a, 23, 17, 3, 1);
    write_png(b, 23, 17, 3, 2);
    char args[8192];
    snprintf(args, sizeof args, "-0 '%s' -1 '%s' -o '%s' --time 0.25", a, b, m);
    cr_assert_eq(run_tiny(args), 0, "%s", errbuf);
    or_image img;
    read_png(m, &img);
    cr_expect(img.width == 23 && img.height == 17 && img.channels == 3);
    or_image_free(&img);
    cr_expect_eq(run_tiny(args), 1, "existing output kept");
    assert_one_line("--overwrite");
    strcat(args, " --overwrite");
    cr_expect_eq(run_tiny(args), 0, "%s", errbuf);
}

Test(cli_interpolate, folder_frame_counts_and_order)
{
    const char *in = frames_dir("frames", 3, 24, 16);
    const char *o2 = tmp("out2"), *o4 = tmp("out4");
    char args[8192];
    snprintf(args, sizeof args, "-i '%s' -o '%s' -n 2", in, o2);
    cr_assert_eq(run_tiny(args), 0, "%s", errbuf);
    cr_expect_eq(count_files(o2), 5, "2 * (3 - 1) + 1");
    snprintf(args, sizeof args, "-i '%s' -o '%s' -n 4", in, o4);
    cr_assert_eq(run_tiny(args), 0, "%s", errbuf);
    cr_expect_eq(count_files(o4), 9, "4 * (3 - 1) + 1");
    char p[4200];
    or_image orig, got, half2, half4;
    for (int i = 0; i < 3; i++) { /* the originals sit at i*n, unchanged (8-bit round trip) */
        snprintf(p, sizeof p, "%s/f%02d.png", in, i);
        read_png(p, &orig);
        snprintf(p, sizeof p, "%s/%08d.png", o4, 4 * i);
        read_png(p, &got);
        cr_expect_eq(diff(&orig, &got), 0.0, "original %d at %d", i, 4 * i);
        or_image_free(&got);
        snprintf(p, sizeof p, "%s/%08d.png", o2, 2 * i);
        read_png(p, &got);
        cr_expect_eq(diff(&orig, &got), 0.0, "original %d at %d", i, 2 * i);
        or_image_free(&got), or_image_free(&orig);
    }
    for (int i = 0; i < 2; i++) { /* t = 1/2 of pair i: frame 2i+1 of -n 2 = frame 4i+2 of -n 4 */
        snprintf(p, sizeof p, "%s/%08d.png", o2, 2 * i + 1);
        read_png(p, &half2);
        snprintf(p, sizeof p, "%s/%08d.png", o4, 4 * i + 2);
        read_png(p, &half4);
        cr_expect_eq(diff(&half2, &half4), 0.0, "pair %d", i);
        snprintf(p, sizeof p, "%s/%08d.png", o4, 4 * i + 1); /* t = 1/4 differs from t = 1/2 */
        read_png(p, &got);
        cr_expect_gt(diff(&half4, &got), 0.0, "pair %d", i);
        or_image_free(&half2), or_image_free(&half4), or_image_free(&got);
    }
    cr_expect_eq(run_tiny(args), 1, "existing outputs kept");
    assert_one_line("--overwrite");
}
