/* test_cli_upscale.c: `oprestore-gpu upscale` as a user runs it (the built
 * binary, on the CPU), with a small SRVGG x4 fixture converted into a
 * temporary models folder, and one end-to-end run of the real
 * realesr-animevideov3 checkpoint from ../shared (skipped when missing). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/io/image.h"
#include "cli_test_util.h"
#include "test_util.h"

/* `oprestore-gpu upscale ARGS` (cli_test_util.h); stderr in ct_err. */
static int run_up(const char *args) { return ct_run("upscale %s", args); }

static void assert_contains(const char *s, const char *part)
{
    cr_assert(strstr(s, part), "expected '%s' in: %s", part, s);
}

/* A models folder holding tiny.safetensors (SRVGG x4, 16 features, PReLU). */
static const char *models(void) { return ct_model("sr_srvgg_x4_prelu.zip.pth", "tiny"); }

/* -m tiny -M <models> -g cpu, then extra. */
static int run_tiny(const char *extra)
{
    return ct_run("upscale -m tiny -M '%s' -g cpu %s", models(), extra);
}

Test(cli_upscale, rgb_png_and_outscale)
{
    const char *in = ct_tmp("rgb.png"), *out = ct_tmp("rgb_x4.png"), *out2 = ct_tmp("rgb_x2.png");
    ct_write_png(in, 20, 15, 3, 0, 8, 3);
    char a[9000];
    snprintf(a, sizeof a, "-i '%s' -o '%s' -t 8", in, out);
    cr_assert_eq(run_tiny(a), 0, "%s", ct_err);
    cr_assert_eq(ct_err[0], 0, "quiet without -v: %s", ct_err);
    or_image img;
    ct_read_img(out, &img);
    cr_assert_eq(img.width, 80);
    cr_assert_eq(img.height, 60);
    cr_assert_eq(img.src_color, OR_IMAGE_SRC_RGB);
    cr_assert_eq(img.src_bit_depth, 8);
    or_image_free(&img);

    snprintf(a, sizeof a, "-i '%s' -o '%s' -s 2 -v", in, out2);
    cr_assert_eq(run_tiny(a), 0, "%s", ct_err);
    assert_contains(ct_err, "Lanczos-4");
    ct_read_img(out2, &img);
    cr_assert_eq(img.width, 40);
    cr_assert_eq(img.height, 30);
    or_image_free(&img);
}

Test(cli_upscale, gray16_stays_gray16_and_rgba_keeps_alpha)
{
    const char *g = ct_tmp("g16.png"), *go = ct_tmp("g16_out.png");
    ct_write_png(g, 9, 7, 1, 0, 16, 3);
    char a[9000];
    snprintf(a, sizeof a, "-i '%s' -o '%s'", g, go);
    cr_assert_eq(run_tiny(a), 0, "%s", ct_err);
    or_image img;
    ct_read_img(go, &img);
    cr_assert_eq(img.src_color, OR_IMAGE_SRC_GRAY);
    cr_assert_eq(img.src_bit_depth, 16);
    cr_assert_eq(img.width, 36);
    or_image_free(&img);

    const char *c = ct_tmp("rgba.png"), *co = ct_tmp("rgba_out.png"), *cj = ct_tmp("rgba.jpg");
    ct_write_png(c, 10, 6, 3, 1, 8, 3);
    snprintf(a, sizeof a, "-i '%s' -o '%s'", c, co);
    cr_assert_eq(run_tiny(a), 0, "%s", ct_err);
    ct_read_img(co, &img);
    cr_assert_eq(img.src_color, OR_IMAGE_SRC_RGBA);
    cr_assert_eq(img.src_bit_depth, 8);
    cr_assert_eq(img.width, 40);
    cr_assert_not_null(img.alpha);
    or_image_free(&img);

    /* -o .jpg: JPEG (alpha dropped) */
    snprintf(a, sizeof a, "-i '%s' -o '%s'", c, cj);
    cr_assert_eq(run_tiny(a), 0, "%s", ct_err);
    ct_read_img(cj, &img);
    cr_assert_eq(img.src_format, OR_IMAGE_FMT_JPEG);
    cr_assert_eq(img.width, 40);
    cr_assert_eq(img.height, 24);
    or_image_free(&img);
}

Test(cli_upscale, folder_with_a_broken_image)
{
    const char *in = ct_tmp("in_dir"), *out = ct_tmp("out_dir/sub");
    mkdir(in, 0755);
    char p[4096];
    snprintf(p, sizeof p, "%s/a.png", in);
    ct_write_png(p, 8, 8, 3, 0, 8, 3);
    snprintf(p, sizeof p, "%s/c.PNG", in);
    ct_write_png(p, 5, 3, 1, 0, 8, 3);
    snprintf(p, sizeof p, "%s/b.png", in);
    cr_assert_eq(tu_write_file(p, "\x89PNG\r\n\x1a\nnot really", 18), 0);
    snprintf(p, sizeof p, "%s/notes.txt", in);
    cr_assert_eq(tu_write_file(p, "hello", 5), 0);
    char a[9000];
    snprintf(a, sizeof a, "-i '%s' -o '%s'", in, out);
    cr_assert_eq(run_tiny(a), 1, "%s", ct_err);
    assert_contains(ct_err, "oprestore-gpu upscale: ");
    assert_contains(ct_err, "b.png");
    assert_contains(ct_err, "1 of 3 images failed");
    snprintf(p, sizeof p, "%s/a.png", out);
    cr_assert(ct_exists(p));
    snprintf(p, sizeof p, "%s/c.png", out);
    cr_assert(ct_exists(p));
    snprintf(p, sizeof p, "%s/b.png", out);
    cr_assert_not(ct_exists(p));

    /* again: the outputs exist -> refused without --overwrite, replaced with it */
    cr_assert_eq(run_tiny(a), 1);
    assert_contains(ct_err, "--overwrite");
    snprintf(p, sizeof p, "%s/b.png", in);
    unlink(p);
    snprintf(a, sizeof a, "-i '%s' -o '%s' --overwrite", in, out);
    cr_assert_eq(run_tiny(a), 0, "%s", ct_err);

    /* the input folder as output: refused */
    snprintf(a, sizeof a, "-i '%s' -o '%s' --overwrite", in, in);
    cr_assert_eq(run_tiny(a), 2, "%s", ct_err);
}

Test(cli_upscale, input_is_never_overwritten)
{
    const char *in = ct_tmp("keep.png");
    ct_write_png(in, 8, 8, 3, 0, 8, 3);
    size_t n0, n1;
    uint8_t *before = tu_read_file(in, &n0);
    char a[9000];
    snprintf(a, sizeof a, "-i '%s' -o '%s' --overwrite", in, in);
    cr_assert_eq(run_tiny(a), 2, "%s", ct_err);
    assert_contains(ct_err, "never overwritten");
    /* the same file by another name */
    char other[4096];
    snprintf(other, sizeof other, "%s/./%d-keep.png", tu_tmpdir(), (int)getpid());
    snprintf(a, sizeof a, "-i '%s' -o '%s' --overwrite", in, other);
    cr_assert_eq(run_tiny(a), 2, "%s", ct_err);
    uint8_t *after = tu_read_file(in, &n1);
    cr_assert(n0 == n1 && !memcmp(before, after, n0));
    free(before);
    free(after);
}

Test(cli_upscale, missing_model_and_usage_errors)
{
    const char *in = ct_tmp("u.png"), *out = ct_tmp("u_out.png"), *empty = ct_tmp("empty");
    ct_write_png(in, 4, 4, 3, 0, 8, 3);
    mkdir(empty, 0755);
    char a[9000];
    /* the default (realesr-animevideov3) is built in: test_cli_models.c */
    snprintf(a, sizeof a, "-i '%s' -o '%s' -M '%s' -g cpu -m realesr-general-x4v3", in, out, empty);
    cr_assert_eq(run_up(a), 1);
    assert_contains(ct_err, "oprestore-gpu upscale: model realesr-general-x4v3 not found");
    assert_contains(ct_err, "oprestore-gpu models --get realesr-general-x4v3 -M");
    assert_contains(ct_err, "https://github.com/xinntao/Real-ESRGAN/releases/");
    assert_contains(ct_err, "oprestore-convert realesr-general-x4v3.pth -M");
    cr_assert_eq(strchr(ct_err, '\n'), ct_err + strlen(ct_err) - 1, "one line: %s", ct_err);
    snprintf(a, sizeof a, "-i '%s' -o '%s' -M '%s' -m nosuch", in, out, empty);
    cr_assert_eq(run_up(a), 1);
    assert_contains(ct_err, "not a known model");
    snprintf(a, sizeof a, "-i '%s' -o '%s' -M '%s' -m deoldify-artistic", in, out, empty);
    cr_assert_eq(run_up(a), 2);

    const char *bad[] = {"--bogus", "-t -1", "-t 12x", "-s 0", "-s abc", "-g", "-o"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(a, sizeof a, "-i '%s' -o '%s' %s", in, out, bad[i]);
        cr_assert_eq(run_tiny(a), 2, "%s: %s", bad[i], ct_err);
        assert_contains(ct_err, "oprestore-gpu upscale: ");
    }
    snprintf(a, sizeof a, "-i '%s'", in);
    cr_assert_eq(run_tiny(a), 2);
    assert_contains(ct_err, "-o is required");
    snprintf(a, sizeof a, "-i '%s' -o '%s' -g abc", in, out);
    cr_assert_eq(run_tiny(a), 2, "%s", ct_err);
    snprintf(a, sizeof a, "-i '%s/none.png' -o '%s'", tu_tmpdir(), out);
    cr_assert_eq(run_tiny(a), 1);
    cr_assert_not(ct_exists(out));
    cr_assert_eq(run_up("-h"), 0);
}

/* The decoded images at a and b are the same, pixel for pixel (alpha too). */
static void expect_same_image(const char *a, const char *b)
{
    or_image x, y;
    ct_read_img(a, &x);
    ct_read_img(b, &y);
    cr_assert(x.width == y.width && x.height == y.height && x.channels == y.channels &&
                  !x.alpha == !y.alpha,
              "%s and %s: %dx%dx%d and %dx%dx%d", a, b, x.width, x.height, x.channels, y.width,
              y.height, y.channels);
    const size_t n = (size_t)x.width * x.height;
    cr_expect_eq(memcmp(x.planes, y.planes, x.channels * n * sizeof(float)), 0, "%s and %s", a,
                 b);
    cr_expect(!x.alpha || !memcmp(x.alpha, y.alpha, n * sizeof(float)), "%s and %s: alpha", a, b);
    or_image_free(&x);
    or_image_free(&y);
}

/* -g cpu,cpu on one image: its tiles are spread over two CPU backends (one
 * worker thread and one copy of the network each, tiles from a shared
 * counter); the grid is the one-device grid, so the picture is the -g cpu
 * picture exactly.  An odd size (37 x 29: a partial last row and column of
 * 8 px tiles, 5 x 4 of them) with alpha and 16 bits (two passes through the
 * tiles).  -v counts the tiles each device ran: both ran some, and they add
 * up.  restore's image path shares the upscaler's tiles too and says that
 * colorize runs on the first device; a bad list is a usage error.  (On two
 * emulated CUDA devices: test_emu_tools.) */
Test(cli_upscale, tiles_of_one_image_on_two_devices_equal_one)
{
    const char *in = ct_tmp("two_dev.png"), *one = ct_tmp("two_dev_one.png");
    const char *two = ct_tmp("two_dev_two.png"), *m = models();
    ct_write_png(in, 37, 29, 3, 1, 16, 21);
    cr_assert_eq(ct_run("upscale -m tiny -M '%s' -i '%s' -o '%s' -t 8 -g cpu -v", m, in, one), 0,
                 "%s", ct_err);
    assert_contains(ct_err, "40 tiles of 8 px, alpha");
    cr_expect_not(strstr(ct_err, "tiles per device"), "%s", ct_err);
    cr_assert_eq(ct_run("upscale -m tiny -M '%s' -i '%s' -o '%s' -t 8 -g cpu,cpu -v", m, in, two),
                 0, "%s", ct_err);
    assert_contains(ct_err, "tiles shared with device 1 of -g cpu,cpu: cpu");
    const char *per = strstr(ct_err, "40 tiles of 8 px, tiles per device ");
    int a = 0, b = 0;
    cr_assert(per && sscanf(per, "40 tiles of 8 px, tiles per device %d + %d", &a, &b) == 2, "%s",
              ct_err);
    cr_expect(a >= 1 && b >= 1 && a + b == 40, "%d + %d tiles", a, b);
    expect_same_image(one, two);

    /* restore: colorize on the first device, the upscaler's tiles on both */
    const char *r1 = ct_tmp("two_dev_r1.png"), *r2 = ct_tmp("two_dev_r2.png");
    ct_model("zhang_siggraph17.zip.pth", "sig");
    cr_assert_eq(ct_run("restore --colorize sig --upscale tiny -M '%s' -i '%s' -o '%s' -t 8 -g cpu",
                        m, in, r1), 0, "%s", ct_err);
    cr_assert_eq(ct_run("restore --colorize sig --upscale tiny -M '%s' -i '%s' -o '%s' -t 8 "
                        "-g cpu,cpu", m, in, r2), 0, "%s", ct_err);
    assert_contains(ct_err, "-g cpu,cpu: the upscaler's tiles are spread over 2 devices; colorize "
                            "runs on the first, cpu");
    expect_same_image(r1, r2);
    /* a stage without tiles: the first device, said */
    cr_assert_eq(ct_run("colorize -m sig -M '%s' -i '%s' -o '%s' -g cpu,cpu", m, in,
                        ct_tmp("two_dev_c.png")), 0, "%s", ct_err);
    assert_contains(ct_err, "-g cpu,cpu: runs on the first device only, cpu");

    const char *bad[] = {"cpu,,cpu", "cpu,", "cpu,cpu,cpu,cpu,cpu,cpu,cpu,cpu,cpu,cpu,cpu,cpu,"
                                             "cpu,cpu,cpu,cpu,cpu"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_expect_eq(ct_run("upscale -m tiny -M '%s' -i '%s' -o '%s' -g %s", m, in, two, bad[i]),
                     2, "-g %s: %s", bad[i], ct_err);
        ct_assert_one_line("oprestore-gpu upscale", "expected up to 16 devices, comma-separated");
    }
}

/* The real realesr-animevideov3 on a 40 x 32 crop of Set5 baby (bicubic x4
 * LR): the x4 result must be close to the HR original, and tiles invisible. */
Test(cli_upscale, realesr_animevideov3_end_to_end)
{
    const char *ckpt = ct_dup(tu_shared("weights/realesr-animevideov3.pth"));
    const char *lr_path = ct_dup(tu_shared("testdata/sr/Set5/LR_bicubic_x4/baby.png"));
    const char *hr_path = ct_dup(tu_shared("testdata/sr/Set5/HR/baby.png"));
    if (!ct_exists(ckpt) || !ct_exists(lr_path) || !ct_exists(hr_path))
        cr_skip_test("../shared weights or test data missing");
    const char *dir = ct_tmp("real_models");
    mkdir(dir, 0755);
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s/oprestore-convert' '%s' -M '%s' >/dev/null", OR_BINARY_DIR,
             ckpt, dir);
    cr_assert_eq(system(cmd), 0, "%s", cmd);

    or_image lr, hr, crop, o1, o2;
    or_err err;
    ct_read_img(lr_path, &lr);
    ct_read_img(hr_path, &hr);
    const int x0 = 40, y0 = 48, w = 40, h = 32;
    cr_assert_eq(or_image_alloc(&crop, w, h, 3, 0, &err), OR_OK);
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < h; y++)
            memcpy(or_image_plane(&crop, c) + y * w, or_image_plane(&lr, c) + (y0 + y) * lr.width + x0,
                   w * sizeof(float));
    const char *in = ct_tmp("baby_crop.png"), *out1 = ct_tmp("baby1.png"),
               *out2 = ct_tmp("baby2.png");
    cr_assert_eq(or_image_write_png(in, &crop, 8, &err), OR_OK);
    char a[9000];
    snprintf(a, sizeof a, "-i '%s' -o '%s' -M '%s' -g cpu", in, out1, dir);
    cr_assert_eq(run_up(a), 0, "%s", ct_err);
    snprintf(a, sizeof a, "-i '%s' -o '%s' -M '%s' -g cpu -t 16 -v", in, out2, dir);
    cr_assert_eq(run_up(a), 0, "%s", ct_err);
    assert_contains(ct_err, "tiles of 16 px");
    ct_read_img(out1, &o1);
    ct_read_img(out2, &o2);
    cr_assert_eq(o1.width, 4 * w);
    cr_assert_eq(o1.height, 4 * h);
    size_t n = (size_t)3 * 16 * w * h;
    double tiled = tu_psnr(o1.planes, o2.planes, n, 1.0);
    cr_assert_geq(tiled, 45.0, "tiled vs one piece: %.2f dB", tiled);

    float *ref = malloc(n * sizeof *ref);
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < 4 * h; y++)
            memcpy(ref + ((size_t)c * 4 * h + y) * 4 * w,
                   or_image_plane(&hr, c) + (4 * y0 + y) * hr.width + 4 * x0,
                   4 * w * sizeof(float));
    double psnr = tu_psnr(o1.planes, ref, n, 1.0);
    cr_log_info("realesr-animevideov3 vs HR: %.2f dB, tiled vs one piece %.2f dB", psnr, tiled);
    cr_assert_geq(psnr, 24.0, "vs HR: %.2f dB", psnr);
    free(ref);
    or_image_free(&lr);
    or_image_free(&hr);
    or_image_free(&crop);
    or_image_free(&o1);
    or_image_free(&o2);
}
