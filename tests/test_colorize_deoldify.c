/* test_colorize_deoldify.c: DeOldify's whole image pipeline
 * (runtime/stages/colorize_deoldify.c) on the CPU against the official pipeline
 * written in PIL + numpy + our PyTorch definitions
 * (tests/fixtures/make_deoldify_fixtures.py: pipe_*.safetensors, crops of
 * shared/testdata/bw_photos stored as decoded 8-bit pixels, so no JPEG decoder
 * is involved), with the seeded artistic checkpoint and render factors 3 / 5.
 *
 * Tolerance: PSNR >= 50 dB on the 8-bit RGB output.  Every 8-bit step is
 * integer-exact on both sides; the only difference is the network's f32
 * rounding (<= 1e-5 here), which can move the truncation uint8(v * 255) across
 * an integer on a few pixels: a 1-level change, then spread by the bilinear
 * resize and the YUV round trip to a few levels at most on those pixels. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>

#include "deoldify_fixtures.h"
#include "runtime/stages/colorize.h"

static or_backend *be;
static or_net *net;

static void open_net(void)
{
    or_err err;
    cr_assert_eq(or_backend_cpu_create(2, &be, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_net_load(dfx_model("deoldify_deep_r34.zip.pth"), be, OR_F32, &net, &err), OR_OK,
                 "%s", err.msg);
}

static void close_net(void)
{
    or_net_free(net);
    or_backend_destroy(be);
    net = NULL, be = NULL;
}

TestSuite(colorize_deoldify, .init = open_net, .fini = close_net);

/* HxWxC 0..255 floats -> an or_image of C planes in [0,1]. */
static void image_from_hwc(const float *hwc, int h, int w, int c, or_image *img)
{
    or_err err;
    cr_assert_eq(or_image_alloc(img, w, h, c, 0, &err), OR_OK, "%s", err.msg);
    for (int ch = 0; ch < c; ch++)
        for (int i = 0; i < h * w; i++)
            or_image_plane(img, ch)[i] = hwc[(size_t)i * c + ch] / 255.0f;
}

/* Output planes back to HxWx3 levels 0..255. */
static float *levels_hwc(const or_image *img)
{
    size_t n = (size_t)img->width * img->height;
    float *v = malloc(3 * n * sizeof(float));
    for (int ch = 0; ch < 3; ch++)
        for (size_t i = 0; i < n; i++)
            v[i * 3 + ch] = roundf(or_image_plane(img, ch)[i] * 255.0f);
    return v;
}

Test(colorize_deoldify, matches_the_official_pipeline, .timeout = 60)
{
    DIR *d = opendir(tu_src("tests/fixtures/deoldify"));
    cr_assert(d);
    struct dirent *e;
    int ran = 0;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "pipe_", 5) != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", tu_src("tests/fixtures/deoldify"), e->d_name);
        st_file f;
        or_err err;
        cr_assert_eq(st_open(path, &f, &err), OR_OK, "%s", err.msg);
        int64_t si[4] = {0}, so[4] = {0};
        int ni, no;
        float *in = dfx_read(&f, "input", si, &ni), *ref = dfx_read(&f, "output", so, &no);
        int h = (int)si[0], w = (int)si[1], c = (int)si[2];
        or_image img, out;
        image_from_hwc(in, h, w, c, &img);
        or_colorize_opts o = or_colorize_defaults();
        o.render_factor = atoi(st_meta(&f, "render_factor"));
        or_colorize_info info;
        cr_assert_eq(or_colorize_image(net, &img, &o, &out, &info, &err), OR_OK, "%s", err.msg);
        cr_expect_eq(info.net_w, 16 * o.render_factor);
        cr_expect_eq(info.was_gray, c == 1);
        cr_assert(out.width == w && out.height == h && out.channels == 3);
        float *got = levels_hwc(&out);
        size_t n = (size_t)3 * h * w, same = 0;
        for (size_t i = 0; i < n; i++)
            same += got[i] == ref[i];
        double psnr = tu_psnr(got, ref, n, 255.0), dmax = tu_max_abs_diff(got, ref, n);
        cr_expect(psnr >= 50.0, "%s: PSNR %.1f dB < 50 (max diff %.0f levels)", e->d_name, psnr, dmax);
        cr_log_info("%s: %.2f%% of samples identical, PSNR %.1f dB, max diff %.0f levels",
                    e->d_name, 100.0 * same / n, psnr, dmax);
        /* the output is coloured: the chroma really comes from the network */
        double chroma = 0;
        for (size_t i = 0; i < (size_t)h * w; i++)
            chroma += fabs(ref[i * 3] - ref[i * 3 + 2]);
        cr_expect_gt(chroma / (h * w), 0.5, "%s: the reference has no colour", e->d_name);
        free(in), free(ref), free(got);
        or_image_free(&img), or_image_free(&out);
        st_close(&f);
        ran++;
    }
    closedir(d);
    cr_expect_geq(ran, 3);
}

/* Gray (1 channel) and the same gray as RGB give the same result; alpha is kept;
 * a 16-bit source is treated as its 8-bit rounding. */
Test(colorize_deoldify, gray_rgb_alpha_and_16_bit)
{
    or_err err;
    int w = 37, h = 29;
    or_image g, rgb, out1, out2;
    cr_assert_eq(or_image_alloc(&g, w, h, 1, 1, &err), OR_OK);
    cr_assert_eq(or_image_alloc(&rgb, w, h, 3, 0, &err), OR_OK);
    tu_seed(7);
    for (int i = 0; i < w * h; i++) {
        float v = roundf(tu_uniform(0, 255)) / 255.0f;
        g.planes[i] = v;
        g.alpha[i] = (float)(i % 7) / 6.0f;
        for (int c = 0; c < 3; c++)
            or_image_plane(&rgb, c)[i] = v;
    }
    g.src_bit_depth = 16;
    or_colorize_opts o = or_colorize_defaults();
    o.render_factor = 2;
    cr_assert_eq(or_colorize_image(net, &g, &o, &out1, NULL, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_colorize_image(net, &rgb, &o, &out2, NULL, &err), OR_OK, "%s", err.msg);
    cr_expect_eq(memcmp(out1.planes, out2.planes, (size_t)3 * w * h * sizeof(float)), 0);
    cr_assert(out1.alpha);
    cr_expect_eq(memcmp(out1.alpha, g.alpha, (size_t)w * h * sizeof(float)), 0);
    cr_expect_null(out2.alpha);
    cr_expect_eq(out1.src_bit_depth, 16);
    /* 16-bit values between two 8-bit levels give the rounded level's result */
    for (int i = 0; i < w * h; i++)
        g.planes[i] += 0.3f / 65535.0f;
    or_image out3;
    cr_assert_eq(or_colorize_image(net, &g, &o, &out3, NULL, &err), OR_OK, "%s", err.msg);
    cr_expect_eq(memcmp(out1.planes, out3.planes, (size_t)3 * w * h * sizeof(float)), 0);
    or_image_free(&g), or_image_free(&rgb), or_image_free(&out1), or_image_free(&out2);
    or_image_free(&out3);
}

/* A real photograph from ../shared end to end (decoded by our JPEG reader). */
Test(colorize_deoldify, shared_photo_runs, .timeout = 60)
{
    const char *path = tu_shared("testdata/bw_photos/WaltWhitman.jpg");
    if (access(path, R_OK) != 0)
        cr_skip_test("%s absent", path);
    or_image img, out;
    or_err err;
    cr_assert_eq(or_image_read(path, NULL, &img, &err), OR_OK, "%s", err.msg);
    or_colorize_opts o = or_colorize_defaults();
    o.render_factor = 4;
    cr_assert_eq(or_colorize_image(net, &img, &o, &out, NULL, &err), OR_OK, "%s", err.msg);
    cr_expect(out.width == img.width && out.height == img.height && out.channels == 3);
    /* the luma (BT.601 Y, as OpenCV's RGB2YUV) of the photo is kept within the
     * 8-bit rounding of the YUV round trip wherever no output channel saturates
     * (saturate_cast clips a colour that leaves the RGB cube, and Y with it) */
    size_t n = (size_t)img.width * img.height, kept = 0, off = 0;
    for (size_t i = 0; i < n; i += 97) {
        float rgb[3], in[3];
        int clipped = 0;
        for (int c = 0; c < 3; c++) {
            rgb[c] = or_image_plane(&out, c)[i];
            in[c] = or_image_plane(&img, img.channels == 3 ? c : 0)[i];
            clipped |= rgb[c] <= 0.0f || rgb[c] >= 1.0f;
        }
        if (clipped)
            continue;
        float y = 0.299f * rgb[0] + 0.587f * rgb[1] + 0.114f * rgb[2];
        float y0 = 0.299f * in[0] + 0.587f * in[1] + 0.114f * in[2];
        kept++;
        off += fabsf(y - y0) > 2.5f / 255.0f;
    }
    cr_expect_gt(kept, n / 97 / 2, "only %zu of %zu sampled pixels unsaturated", kept, n / 97);
    cr_expect_eq(off, 0, "%zu of %zu unsaturated sampled pixels lost their luma", off, kept);
    or_image_free(&img), or_image_free(&out);
}

Test(colorize_deoldify, bad_render_factor)
{
    or_image img;
    or_image out;
    or_err err;
    cr_assert_eq(or_image_alloc(&img, 4, 4, 1, 0, &err), OR_OK);
    or_colorize_opts o = or_colorize_defaults();
    o.render_factor = 1000;
    cr_expect_eq(or_colorize_image(net, &img, &o, &out, NULL, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "render factor"), "%s", err.msg);
    or_image_free(&img);
}
