/* test_interpolate.c: the interpolation pipeline (runtime/stages/interpolate.c) on the
 * CPU: the whole official procedure (pad to max(128, 128/scale), network, crop,
 * clamp) against PyTorch on awkward sizes (tests/fixtures/rife/pipe_*), gray and
 * alpha handling, 1-pixel strips, the n-times helper, and the errors. */
#include "rife_fixtures.h"
#include "runtime/stages/interpolate.h"

static or_backend *be;
static or_net *net; /* a seeded checkpoint */

static void open_cpu(void)
{
    or_err err;
    cr_assert_eq(or_backend_cpu_create(0, &be, &err), OR_OK, "%s", err.msg);
    net = NULL;
}

static void close_cpu(void)
{
    or_net_free(net);
    or_backend_destroy(be);
}

TestSuite(interpolate, .init = open_cpu, .fini = close_cpu, .timeout = 60);

static or_net *load_seeded(const char *stem)
{
    or_err err;
    char ck[256];
    snprintf(ck, sizeof ck, "tests/fixtures/ckpt/%s.zip.pth", stem);
    cr_assert_eq(or_net_load(rf_model(tu_src(ck)), be, OR_F32, &net, &err), OR_OK, "%s", err.msg);
    return net;
}

/* v4.25 where the head matters, else the cheaper v4.6 (4 blocks, no head). */
static or_net *load_v425(void) { return load_seeded("rife_v4_25"); }
static or_net *load_v46(void) { return load_seeded("rife_v4_6"); }

/* An RGB (or gray: channels 1) image from planar floats. */
static void make_image(or_image *img, const float *planes, int h, int w, int channels)
{
    or_err err;
    cr_assert_eq(or_image_alloc(img, w, h, channels, 0, &err), OR_OK, "%s", err.msg);
    memcpy(img->planes, planes, (size_t)channels * h * w * sizeof(float));
}

static void random_image(or_image *img, int h, int w, int channels, int alpha)
{
    or_err err;
    cr_assert_eq(or_image_alloc(img, w, h, channels, alpha, &err), OR_OK, "%s", err.msg);
    tu_fill_uniform(img->planes, (size_t)channels * h * w, 0, 1);
    if (alpha)
        tu_fill_uniform(img->alpha, (size_t)h * w, 0, 1);
}

Test(interpolate, pipeline_matches_pytorch)
{
    char names[RF_MAX_FIXTURES][256];
    int n = rf_list("pipe_", names, RF_MAX_FIXTURES);
    cr_assert_geq(n, 3);
    for (int i = 0; i < n; i++) {
        rf_fixture fx;
        or_err err;
        or_net *nt;
        rf_open(names[i], &fx);
        cr_assert_eq(or_net_load(rf_model(fx.ckpt), be, OR_F32, &nt, &err), OR_OK, "%s", err.msg);
        or_image a, b, out;
        make_image(&a, fx.x0, fx.h, fx.w, 3);
        make_image(&b, fx.x1, fx.h, fx.w, 3);
        or_interpolate_opts o = {fx.scale};
        cr_assert_eq(or_interpolate_image(nt, &a, &b, fx.t, &o, &out, &err), OR_OK, "%s: %s",
                     fx.name, err.msg);
        cr_assert(out.width == fx.w && out.height == fx.h && out.channels == 3 && !out.alpha);
        double d = tu_max_abs_diff(out.planes, fx.y, (size_t)3 * fx.h * fx.w);
        cr_log_info("%s: max abs diff %.3g", fx.name, d);
        cr_expect(d <= 1e-4, "%s: max abs diff %.3g > 1e-4", fx.name, d);
        or_image_free(&a), or_image_free(&b), or_image_free(&out);
        or_net_free(nt);
        rf_close(&fx);
    }
}

Test(interpolate, padding_multiple)
{
    load_v425();
    or_interpolate_opts o = or_interpolate_defaults();
    cr_expect_eq(or_interpolate_multiple(net, &o), 128);
    o.flow_scale = 0.5f;
    cr_expect_eq(or_interpolate_multiple(net, &o), 256);
    o.flow_scale = 0.25f;
    cr_expect_eq(or_interpolate_multiple(net, &o), 512);
    o.flow_scale = 2.0f;
    cr_expect_eq(or_interpolate_multiple(net, &o), 128);
}

Test(interpolate, gray_runs_as_rgb_and_returns_gray)
{
    load_v46();
    tu_seed(11);
    or_image g0, g1, c0, c1, og, oc;
    or_err err;
    random_image(&g0, 19, 30, 1, 0);
    random_image(&g1, 19, 30, 1, 0);
    cr_assert_eq(or_image_to_rgb(&g0, &c0, &err), OR_OK);
    cr_assert_eq(or_image_to_rgb(&g1, &c1, &err), OR_OK);
    cr_assert_eq(or_interpolate_image(net, &g0, &g1, 0.5f, NULL, &og, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_interpolate_image(net, &c0, &c1, 0.5f, NULL, &oc, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(og.channels, 1);
    size_t n = (size_t)19 * 30;
    for (int c = 0; c < 3; c++) /* the RGB run of a gray pair is gray, and equals the gray run */
        cr_expect_leq(tu_max_abs_diff(or_image_plane(&oc, c), og.planes, n), 1e-6);
    or_image_free(&g0), or_image_free(&g1), or_image_free(&c0), or_image_free(&c1);
    or_image_free(&og), or_image_free(&oc);
}

Test(interpolate, alpha_is_blended_linearly)
{
    load_v46();
    tu_seed(12);
    or_image a, b, out;
    or_err err;
    random_image(&a, 9, 14, 3, 1);
    random_image(&b, 9, 14, 3, 0); /* no alpha: opaque */
    cr_assert_eq(or_interpolate_image(net, &a, &b, 0.25f, NULL, &out, &err), OR_OK, "%s",
                 err.msg);
    cr_assert_not_null(out.alpha);
    for (int i = 0; i < 9 * 14; i++)
        cr_expect_float_eq(out.alpha[i], 0.75f * a.alpha[i] + 0.25f, 1e-6, "pixel %d", i);
    or_image_free(&a), or_image_free(&b), or_image_free(&out);
}

Test(interpolate, one_pixel_strips_are_padded)
{
    load_v46();
    tu_seed(13);
    int sizes[][2] = {{1, 40}, {37, 1}, {1, 1}};
    for (int i = 0; i < 3; i++) {
        or_image a, b, out;
        or_err err;
        random_image(&a, sizes[i][0], sizes[i][1], 3, 0);
        random_image(&b, sizes[i][0], sizes[i][1], 3, 0);
        cr_assert_eq(or_interpolate_image(net, &a, &b, 0.5f, NULL, &out, &err), OR_OK, "%s",
                     err.msg);
        cr_expect(out.height == sizes[i][0] && out.width == sizes[i][1]);
        for (size_t k = 0; k < (size_t)3 * out.width * out.height; k++)
            cr_assert(out.planes[k] >= 0.0f && out.planes[k] <= 1.0f);
        or_image_free(&a), or_image_free(&b), or_image_free(&out);
    }
}

Test(interpolate, n_times_equals_single_calls)
{
    load_v46();
    tu_seed(14);
    or_image a, b, outs[3], one;
    or_err err;
    random_image(&a, 21, 17, 3, 0);
    random_image(&b, 21, 17, 3, 0);
    cr_assert_eq(or_interpolate_n(net, &a, &b, 4, NULL, outs, &err), OR_OK, "%s", err.msg);
    for (int k = 1; k < 4; k++) {
        cr_assert_eq(or_interpolate_image(net, &a, &b, k / 4.0f, NULL, &one, &err), OR_OK);
        cr_expect_eq(tu_max_abs_diff(outs[k - 1].planes, one.planes, (size_t)3 * 21 * 17), 0.0,
                     "t = %d/4", k);
        or_image_free(&one);
        or_image_free(&outs[k - 1]);
    }
    cr_expect_eq(or_interpolate_n(net, &a, &b, 1, NULL, outs, &err), OR_EINVAL);
    or_image_free(&a), or_image_free(&b);
}

Test(interpolate, errors)
{
    load_v425();
    or_image a, b, g, out;
    or_err err;
    random_image(&a, 8, 8, 3, 0);
    random_image(&b, 8, 9, 3, 0);
    random_image(&g, 8, 8, 1, 0);
    cr_expect_eq(or_interpolate_image(net, &a, &b, 0.5f, NULL, &out, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "frames differ") && strstr(err.msg, "8x8") && strstr(err.msg, "9x8"),
              "%s", err.msg);
    cr_expect_eq(or_interpolate_image(net, &a, &g, 0.5f, NULL, &out, &err), OR_EINVAL);
    cr_expect_eq(or_interpolate_image(net, &a, &a, 1.5f, NULL, &out, &err), OR_EINVAL);
    or_interpolate_opts o = {0.3f};
    cr_expect_eq(or_interpolate_image(net, &a, &a, 0.5f, &o, &out, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "flow scale"), "%s", err.msg);
    or_image_free(&a), or_image_free(&b), or_image_free(&g);
}
