/* test_upscale.c: the upscaling pipeline (runtime/stages/upscale.c, tile.c, resize.c)
 * on the CPU: first with small fake networks built here (nearest upsampling,
 * a 2-conv net with pixel-(un)shuffle, a spy that records its input), where
 * tiled and untiled runs must agree exactly; then with the real RRDBNet and
 * SRVGG networks on converted fixture checkpoints. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/core/backend.h"
#include "runtime/nets/net.h"
#include "runtime/core/ops.h"
#include "runtime/io/resize.h"
#include "runtime/stages/upscale.h"
#include "deoldify_fixtures.h" /* dfx_read: a whole fixture tensor */
#include "convert/convert.h"
#include "test_util.h"

/* ---- fake networks ---------------------------------------------------------------- */

typedef enum { FK_NEAREST, FK_CONV, FK_SPY } fake_kind;

typedef struct {
    or_net net;
    fake_kind kind;
    int r;                    /* pixel-unshuffle factor (= size_multiple) */
    or_tensor w1, b1, w2, b2; /* FK_CONV */
    size_t ws_per_px;         /* reported workspace per input pixel */
    long fail_above;          /* forward fails with OR_ENOMEM above this many pixels */
    int fail_calls;           /* ... and on its first fail_calls calls */
    float *seen;              /* FK_SPY: last input seen (host copy) */
    int seen_h, seen_w, calls;
} fake_net;

static or_status fake_forward(or_net *net, const or_tensor *x, or_tensor *y, or_err *err)
{
    fake_net *f = net->impl;
    f->calls++;
    if ((f->fail_above && (long)x->h * x->w > f->fail_above) || f->calls <= f->fail_calls)
        return or_errf(err, OR_ENOMEM, "fake: cannot allocate for %dx%d", x->w, x->h);
    cr_assert_eq(x->h % net->size_multiple, 0);
    cr_assert_eq(x->w % net->size_multiple, 0);
    if (f->kind == FK_NEAREST)
        return or_upsample_nearest(x, net->scale, y, err);
    if (f->kind == FK_SPY) {
        free(f->seen);
        f->seen = malloc(or_numel(x) * sizeof(float));
        f->seen_h = x->h, f->seen_w = x->w;
        OR_TRY(or_tensor_download_f32(x, f->seen, err));
        return or_add(x, 1.0f, x, 0.0f, y, err); /* scale 1: identity */
    }
    or_backend *be = net->be;
    or_arena_mark mk = or_arena_get_mark(&be->arena);
    int r = f->r, q = r * net->scale, h = x->h / r, w = x->w / r;
    or_tensor u, t1, t2;
    const or_tensor *in = x;
    if (r > 1) {
        OR_TRY(or_tensor_alloc(be, &u, 1, 3 * r * r, h, w, OR_F32, "u", err));
        OR_TRY(or_pixel_unshuffle(x, r, &u, err));
        in = &u;
    }
    OR_TRY(or_tensor_alloc(be, &t1, 1, 8, h, w, OR_F32, "t1", err));
    OR_TRY(or_tensor_alloc(be, &t2, 1, 3 * q * q, h, w, OR_F32, "t2", err));
    or_conv2d_params p = or_conv2d_default(3, 3);
    p.ep.act = OR_ACT_LEAKY;
    p.ep.alpha = 0.2f;
    OR_TRY(or_conv2d(in, &f->w1, &f->b1, &p, &t1, err));
    p.ep.act = OR_ACT_NONE;
    OR_TRY(or_conv2d(&t1, &f->w2, &f->b2, &p, &t2, err));
    OR_TRY(or_pixel_shuffle(&t2, q, y, err));
    or_arena_reset(&be->arena, mk);
    return OR_OK;
}

static size_t fake_workspace(const or_net *net, int h, int w)
{
    const fake_net *f = net->impl;
    return f->ws_per_px * (size_t)h * (size_t)w;
}

static void upload_random(or_backend *be, or_tensor *t, int n, int c, int h, int w, float a)
{
    or_err err;
    cr_assert_eq(or_tensor_alloc(be, t, n, c, h, w, OR_F32, "weight", &err), OR_OK, "%s",
                 err.msg);
    float *v = malloc(or_numel(t) * sizeof *v);
    tu_fill_uniform(v, or_numel(t), -a, a);
    cr_assert_eq(or_tensor_upload_f32(t, v, &err), OR_OK, "%s", err.msg);
    free(v);
}

/* Weights come from the arena before any upscale call, which only resets to
 * marks taken after them. */
static void fake_init(fake_net *f, or_backend *be, fake_kind kind, int scale, int r)
{
    memset(f, 0, sizeof *f);
    f->kind = kind;
    f->r = r;
    f->net.arch = "fake";
    snprintf(f->net.model_path, sizeof f->net.model_path, "fake");
    f->net.be = be;
    f->net.dtype = OR_F32;
    f->net.in_ch = f->net.out_ch = 3;
    f->net.scale = scale;
    f->net.size_multiple = r;
    f->net.forward = fake_forward;
    f->net.workspace_bytes = fake_workspace;
    f->net.impl = f;
    if (kind == FK_CONV) {
        int q = r * scale;
        tu_seed(5);
        upload_random(be, &f->w1, 8, 3 * r * r, 3, 3, 0.3f);
        upload_random(be, &f->b1, 1, 8, 1, 1, 0.1f);
        upload_random(be, &f->w2, 3 * q * q, 8, 3, 3, 0.3f);
        upload_random(be, &f->b2, 1, 3 * q * q, 1, 1, 0.1f);
    }
}

static or_backend *cpu(void)
{
    or_backend *be;
    or_err err;
    cr_assert_eq(or_backend_cpu_create(0, &be, &err), OR_OK, "%s", err.msg);
    return be;
}

/* A smooth image with some texture, values in [0,1]. */
static float *test_planes(int c, int h, int w, unsigned seed)
{
    float *p = malloc((size_t)c * h * w * sizeof *p);
    tu_seed(seed);
    for (int ch = 0; ch < c; ch++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                p[((size_t)ch * h + y) * w + x] =
                    0.5f + 0.3f * sinf(0.21f * x + 0.13f * y + ch) + tu_uniform(-0.15f, 0.15f);
    return p;
}

/* Run with tile t (0: one piece, forced by a huge budget), the tiles shared
 * with the n_more networks more[] (other devices). */
static float *run_planes_on(or_net *net, or_net *const *more, int n_more, const float *in, int h,
                            int w, int tile, or_upscale_info *info)
{
    or_upscale_opts o = or_upscale_defaults();
    o.tile = tile;
    o.more_nets = more;
    o.n_more = n_more;
    o.mem_budget = (size_t)1 << 40;
    size_t n = (size_t)net->out_ch * h * net->scale * w * net->scale;
    float *out = malloc(n * sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = NAN;
    or_err err;
    memset(info, 0, sizeof *info);
    cr_assert_eq(or_upscale_planes(net, in, h, w, &o, out, info, &err), OR_OK, "%s", err.msg);
    for (size_t i = 0; i < n; i++)
        cr_assert(isfinite(out[i]), "output %zu not written", i);
    return out;
}

static float *run_planes(or_net *net, const float *in, int h, int w, int tile,
                         or_upscale_info *info)
{
    return run_planes_on(net, NULL, 0, in, h, w, tile, info);
}

/* ---- tiling with fake networks ------------------------------------------------------------ */

Test(upscale, nearest_tiles_equal_one_piece)
{
    or_backend *be = cpu();
    fake_net f;
    fake_init(&f, be, FK_NEAREST, 4, 1);
    const int h = 53, w = 70;
    float *in = test_planes(3, h, w, 1);
    or_upscale_info info;
    float *ref = run_planes(&f.net, in, h, w, 0, &info);
    cr_assert_eq(info.tile, 0);
    cr_assert_eq(info.tiles, 1);
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < 4 * h; y++)
            for (int x = 0; x < 4 * w; x++)
                cr_assert_eq(ref[((size_t)c * 4 * h + y) * 4 * w + x],
                             in[((size_t)c * h + y / 4) * w + x / 4]);
    int tiles[] = {16, 32, 17, 1000};
    int counts[] = {5 * 4, 3 * 2, 5 * 4, 1};
    for (int i = 0; i < 4; i++) {
        float *t = run_planes(&f.net, in, h, w, tiles[i], &info);
        cr_assert_eq(info.tiles, counts[i], "tile %d: %d tiles", tiles[i], info.tiles);
        cr_assert_eq(memcmp(t, ref, (size_t)3 * 16 * h * w * sizeof *t), 0, "tile %d", tiles[i]);
        free(t);
    }
    free(in);
    free(ref);
    or_backend_destroy(be);
}

/* A receptive field narrower than the context: tiled == one piece up to
 * summation order, for x2 with pixel-unshuffle 2 (as RealESRGAN_x2plus), x1
 * with unshuffle 4 (context rounded up to 12) and x4 without. */
/* Tiling logic: stitched tiles equal one piece to float rounding.  The convolutions run on
 * the direct path: the Winograd path's rounding depends on where its 4x4 output grid starts,
 * which a tile moves, so there tiles and one piece differ by that path's own error (1.05e-5
 * seen with OpenBLAS's Sandybridge kernel), which op_matrix_winograd.c bounds; the tiled SR
 * tests below (*_tiled_psnr) run the tiled Winograd path end to end. */
Test(upscale, conv_tiles_equal_one_piece)
{
    cr_assert_eq(setenv("OPRESTORE_CPU_WINOGRAD", "0", 1), 0);
    or_backend *be = cpu();
    const int cfg[][2] = {{2, 2}, {1, 4}, {4, 1}};
    for (int k = 0; k < 3; k++) {
        fake_net f;
        fake_init(&f, be, FK_CONV, cfg[k][0], cfg[k][1]);
        const int h = 53, w = 70, s = cfg[k][0];
        float *in = test_planes(3, h, w, 2);
        or_upscale_info info;
        float *ref = run_planes(&f.net, in, h, w, 0, &info);
        cr_assert_eq(info.pad_h, (cfg[k][1] - h % cfg[k][1]) % cfg[k][1]);
        const int tiles[] = {16, 32, 13};
        for (int i = 0; i < 3; i++) {
            float *t = run_planes(&f.net, in, h, w, tiles[i], &info);
            cr_assert_gt(info.tiles, 1);
            double d = tu_max_abs_diff(t, ref, (size_t)3 * h * s * w * s);
            cr_assert_leq(d, 1e-5, "x%d /%d tile %d: max diff %g", s, cfg[k][1], tiles[i], d);
            free(t);
        }
        free(in);
        free(ref);
    }
    or_backend_destroy(be);
}

Test(upscale, mod_pad_reflects_and_tiny_inputs_replicate)
{
    or_backend *be = cpu();
    fake_net f;
    fake_init(&f, be, FK_SPY, 1, 4);
    /* 6 x 5: padded to 8 x 8 by reflection (torch 'reflect': edge not repeated) */
    float in[30];
    for (int i = 0; i < 30; i++)
        in[i] = (float)i / 30;
    float in3[90];
    for (int c = 0; c < 3; c++)
        memcpy(in3 + 30 * c, in, sizeof in);
    or_upscale_info info;
    float *out = run_planes(&f.net, in3, 6, 5, 0, &info);
    cr_assert_eq(f.seen_h, 8);
    cr_assert_eq(f.seen_w, 8);
    cr_assert_eq(info.pad_h, 2);
    cr_assert_eq(info.pad_w, 3);
    cr_assert_not(info.tiny_pad);
    const int ry[8] = {0, 1, 2, 3, 4, 5, 4, 3}, rx[8] = {0, 1, 2, 3, 4, 3, 2, 1};
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++)
            cr_assert_eq(f.seen[y * 8 + x], in[ry[y] * 5 + rx[x]], "(%d,%d)", y, x);
    cr_assert_eq(memcmp(out, in3, sizeof in3), 0); /* cropped back */
    free(out);

    /* 1 x 1 and 2 x 3: too small to reflect 3 / 2 samples: the edge is repeated */
    float one[3] = {0.25f, 0.5f, 0.75f};
    out = run_planes(&f.net, one, 1, 1, 0, &info);
    cr_assert(info.tiny_pad);
    cr_assert_eq(f.seen_h, 4);
    for (int i = 0; i < 16; i++)
        cr_assert_eq(f.seen[i], 0.25f);
    cr_assert_eq(memcmp(out, one, sizeof one), 0);
    free(out);
    free(f.seen);
    or_backend_destroy(be);
}

Test(upscale, auto_tile_fits_the_budget)
{
    or_backend *be = cpu();
    fake_net f;
    fake_init(&f, be, FK_NEAREST, 4, 2);
    f.ws_per_px = 1000;
    /* per pixel of a tile: 1000 workspace + 12 input + 192 output bytes */
    cr_assert_eq(or_upscale_auto_tile(&f.net, 200, 300, 10, (size_t)1 << 30), 0);
    int t = or_upscale_auto_tile(&f.net, 200, 300, 10, 10000000);
    cr_assert_eq(t, 64, "tile %d", t); /* 84^2 * 1204 = 8.5 MB; 116^2 * 1204 = 16.2 MB */
    cr_assert_eq(or_upscale_auto_tile(&f.net, 200, 300, 10, 1000), 32); /* the minimum */
    /* a 70 x 53 image under a 4 MB budget runs as tiles of 32 */
    float *in = test_planes(3, 53, 70, 3);
    or_upscale_opts o = or_upscale_defaults();
    o.mem_budget = 4000000; /* whole: 54 x 70 x 1204 = 4.55 MB; 52 x 52 x 1204 = 3.26 MB */
    float *out = malloc((size_t)3 * 16 * 53 * 70 * sizeof *out);
    or_upscale_info info = {0};
    or_err err;
    cr_assert_eq(or_upscale_planes(&f.net, in, 53, 70, &o, out, &info, &err), OR_OK, "%s",
                 err.msg);
    cr_assert_eq(info.tile, 32);
    cr_assert_eq(info.tiles, 6);
    free(in);
    free(out);
    /* the default budget on the CPU is capped at 1 GiB */
    cr_assert_leq(or_upscale_budget(be), OR_UPSCALE_CPU_BUDGET);
    cr_assert_gt(or_upscale_budget(be), 0);
    or_backend_destroy(be);
}

Test(upscale, out_of_memory_halves_the_tile)
{
    or_backend *be = cpu();
    fake_net f;
    fake_init(&f, be, FK_NEAREST, 4, 1);
    const int h = 53, w = 70;
    float *in = test_planes(3, h, w, 4);
    or_upscale_info info;
    float *ref = run_planes(&f.net, in, h, w, 0, &info);
    f.fail_above = 56 * 56; /* the whole image (70 x 53) fails; 35 + 2 * 10 fits */
    float *t = run_planes(&f.net, in, h, w, 0, &info);
    cr_assert_eq(info.retries, 1);
    cr_assert_eq(info.tile, 35);
    cr_assert_eq(memcmp(t, ref, (size_t)3 * 16 * h * w * sizeof *t), 0);
    free(t);

    f.fail_above = 1; /* nothing fits: a clear error after trying 32 */
    or_upscale_opts o = or_upscale_defaults();
    o.tile = 200;
    or_err err;
    cr_assert_eq(or_upscale_planes(&f.net, in, h, w, &o, ref, &info, &err), OR_ENOMEM);
    cr_assert(strstr(err.msg, "even with 32x32 tiles"), "%s", err.msg);
    cr_assert(strstr(err.msg, "fake: cannot allocate"), "%s", err.msg);
    free(in);
    free(ref);
    or_backend_destroy(be);
}

/* Several devices (-g cpu,cpu): the same network on two CPU backends, one
 * worker thread each, tiles dealt from a shared counter.  The grid is the one
 * device's, each tile is computed alike, so the result is the one-device
 * result bit for bit; both devices ran tiles (the first two are dealt one to
 * each), and the counts add up.  A device that runs out of memory halves the
 * tile for all (the result is then the one-device result at that tile); a
 * network that is not the same one is refused. */
Test(upscale, tiles_spread_over_two_devices_equal_one)
{
    cr_assert_eq(setenv("OPRESTORE_CPU_WINOGRAD", "0", 1), 0); /* as conv_tiles_equal_one_piece */
    or_backend *be[2] = {cpu(), cpu()};
    fake_net f[2];
    for (int k = 0; k < 2; k++)
        fake_init(&f[k], be[k], FK_CONV, 2, 2);
    or_net *more = &f[1].net;
    const int h = 53, w = 71, n = 3 * 2 * h * 2 * w;
    float *in = test_planes(3, h, w, 9);
    or_upscale_info info;
    float *ref = run_planes(&f[0].net, in, h, w, 16, &info);
    const int tiles = info.tiles;
    cr_assert_eq(tiles, 4 * 5);
    float *two = run_planes_on(&f[0].net, &more, 1, in, h, w, 16, &info);
    cr_expect_eq(memcmp(two, ref, n * sizeof *ref), 0, "max diff %g",
                 tu_max_abs_diff(two, ref, n));
    cr_expect_eq(info.devices, 2);
    cr_expect_eq(info.tiles, tiles);
    cr_expect(info.device_tiles[0] >= 1 && info.device_tiles[1] >= 1, "%d + %d",
              info.device_tiles[0], info.device_tiles[1]);
    cr_expect_eq(info.device_tiles[0] + info.device_tiles[1], tiles);
    cr_expect_eq(f[1].calls, info.device_tiles[1]);
    free(two);
    free(ref);

    /* no tile size given: the image that is one piece on one device is cut into at least two
     * tiles per device, and equals one device with that tile size */
    two = run_planes_on(&f[0].net, &more, 1, in, h, w, 0, &info);
    cr_expect(info.tile > 0 && info.tiles >= 4, "tile %d, %d tiles", info.tile, info.tiles);
    cr_expect(info.device_tiles[0] >= 1 && info.device_tiles[1] >= 1, "%d + %d",
              info.device_tiles[0], info.device_tiles[1]);
    int auto_tile = info.tile;
    ref = run_planes(&f[0].net, in, h, w, auto_tile, &info);
    cr_expect_eq(info.tile, auto_tile);
    cr_expect_eq(memcmp(two, ref, n * sizeof *ref), 0);
    free(two);
    free(ref);
    ref = run_planes(&f[0].net, in, h, w, 0, &info);
    cr_expect_eq(info.tiles, 1, "one device, no tile size: one piece");
    free(ref);

    /* the second device runs out of memory once: both go on with 32 px tiles */
    ref = run_planes(&f[0].net, in, h, w, 32, &info);
    f[1].calls = 0;
    f[1].fail_calls = 1;
    two = run_planes_on(&f[0].net, &more, 1, in, h, w, 64, &info);
    cr_expect_eq(info.retries, 1);
    cr_expect_eq(info.tile, 32);
    cr_expect_eq(memcmp(two, ref, n * sizeof *ref), 0);
    free(two);
    free(ref);

    fake_net other;
    fake_init(&other, be[1], FK_NEAREST, 4, 1);
    more = &other.net;
    or_upscale_opts o = or_upscale_defaults();
    o.more_nets = &more;
    o.n_more = 1;
    or_err err;
    float *out = malloc(n * sizeof *out);
    cr_expect_eq(or_upscale_planes(&f[0].net, in, h, w, &o, out, &info, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "the network on device 1 is not the one on the first"), "%s",
              err.msg);
    free(out);
    free(in);
    for (int k = 0; k < 2; k++)
        or_backend_destroy(be[k]);
}

/* ---- images -------------------------------------------------------------------------- */

static void make_image(or_image *img, int w, int h, int channels, int alpha, unsigned seed)
{
    or_err err;
    cr_assert_eq(or_image_alloc(img, w, h, channels, alpha, &err), OR_OK, "%s", err.msg);
    float *p = test_planes(channels, h, w, seed);
    memcpy(img->planes, p, (size_t)channels * h * w * sizeof *p);
    free(p);
    if (alpha)
        for (int i = 0; i < w * h; i++)
            img->alpha[i] = (float)(i % 7) / 6;
}

Test(upscale, image_gray_alpha_and_outscale)
{
    or_backend *be = cpu();
    fake_net f;
    fake_init(&f, be, FK_NEAREST, 4, 1);
    or_image in, out;
    or_upscale_info info;
    or_err err;

    /* gray + alpha: gray out (replicated, run, 0.299/0.587/0.114), alpha upscaled */
    make_image(&in, 9, 7, 1, 1, 6);
    in.src_bit_depth = 16;
    cr_assert_eq(or_upscale_image(&f.net, &in, NULL, &out, &info, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(out.channels, 1);
    cr_assert_eq(out.width, 36);
    cr_assert_eq(out.height, 28);
    cr_assert_eq(out.src_bit_depth, 16);
    cr_assert(info.gray && info.alpha && !info.resized);
    for (int y = 0; y < 28; y++)
        for (int x = 0; x < 36; x++) {
            float v = in.planes[(y / 4) * 9 + x / 4];
            v = v < 0 ? 0 : v > 1 ? 1 : v;
            cr_assert_float_eq(out.planes[y * 36 + x], v, 1e-6);
            cr_assert_float_eq(out.alpha[y * 36 + x], in.alpha[(y / 4) * 9 + x / 4], 1e-6);
        }
    or_image_free(&out);
    or_image_free(&in);

    /* RGB, -s 2 with an x4 network: Lanczos-4 down to 2x; a constant stays constant */
    cr_assert_eq(or_image_alloc(&in, 11, 6, 3, 0, &err), OR_OK);
    for (int i = 0; i < 3 * 66; i++)
        in.planes[i] = i < 66 ? 0.2f : i < 132 ? 0.6f : 1.0f;
    or_upscale_opts o = or_upscale_defaults();
    o.outscale = 2;
    cr_assert_eq(or_upscale_image(&f.net, &in, &o, &out, &info, &err), OR_OK, "%s", err.msg);
    cr_assert(info.resized);
    cr_assert_eq(out.width, 22);
    cr_assert_eq(out.height, 12);
    cr_assert_eq(out.channels, 3);
    cr_assert_null(out.alpha);
    for (int i = 0; i < 22 * 12; i++) {
        cr_assert_float_eq(out.planes[i], 51.0f / 255, 1e-5); /* 0.2 quantised to 8 bits */
        cr_assert_float_eq(out.planes[22 * 12 + i], 153.0f / 255, 1e-5);
        cr_assert_float_eq(out.planes[2 * 22 * 12 + i], 1.0f, 1e-6);
    }
    or_image_free(&out);
    o.outscale = 1.5; /* floor(11 * 1.5) = 16, floor(6 * 1.5) = 9 */
    cr_assert_eq(or_upscale_image(&f.net, &in, &o, &out, &info, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(out.width, 16);
    cr_assert_eq(out.height, 9);
    or_image_free(&out);
    or_image_free(&in);
    or_backend_destroy(be);
}

/* cv2.resize(..., interpolation=cv2.INTER_LANCZOS4) on float32, values taken
 * from OpenCV (opencv-python-headless 5.0.0): a 1 x 6 ramp to 1 x 9, and a 1 x 8 step down to 1 x 3. */
Test(upscale, lanczos4_matches_opencv)
{
    or_err err;
    float same[12], out[12];
    tu_seed(9);
    tu_fill_uniform(same, 12, 0, 1);
    cr_assert_eq(or_resize_lanczos4(same, 1, 3, 4, out, 3, 4, &err), OR_OK);
    cr_assert_eq(memcmp(out, same, sizeof out), 0); /* same size: identity */

    const float ramp[6] = {0, 1, 4, 9, 16, 25};
    const float ramp_ref[9] = {-0.05760427f, 0.2906264f, 1.3992666f, 3.298402f, 6.4015617f,
                              9.936987f,   14.41472f,  21.134363f, 25.636185f};
    float r9[9];
    cr_assert_eq(or_resize_lanczos4(ramp, 1, 1, 6, r9, 1, 9, &err), OR_OK);
    for (int i = 0; i < 9; i++)
        cr_assert_float_eq(r9[i], ramp_ref[i], 1e-4, "%d: %g vs %g", i, r9[i], ramp_ref[i]);

    const float step[8] = {0, 0, 0, 0, 1, 1, 1, 1};
    const float step_ref[3] = {-0.01229359f, 0.5f, 1.0122937f};
    float s3[3];
    cr_assert_eq(or_resize_lanczos4(step, 1, 1, 8, s3, 1, 3, &err), OR_OK);
    for (int i = 0; i < 3; i++)
        cr_assert_float_eq(s3[i], step_ref[i], 1e-4, "%d: %g vs %g", i, s3[i], step_ref[i]);

    /* 8-bit: OpenCV's fixed-point path, exactly (cv2.resize of this uint8 2 x 6
     * image to 3 x 9 and to 1 x 4, opencv-python-headless 4.10.0.84) */
    const unsigned char u8[12] = {0, 255, 0, 255, 10, 200, 30, 60, 90, 250, 255, 0};
    const unsigned char up_ref[27] = {0,  184, 242, 8,   120, 245, 21,  55,  249,
                                      0,  111, 144, 45,  141, 255, 163, 91,  103,
                                      32, 38,  46,  82,  163, 255, 255, 126, 0};
    const unsigned char down_ref[4] = {59, 51, 255, 93};
    unsigned char up[27], down[4];
    cr_assert_eq(or_resize_lanczos4_u8(u8, 1, 2, 6, up, 3, 9, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(memcmp(up, up_ref, sizeof up), 0);
    cr_assert_eq(or_resize_lanczos4_u8(u8, 1, 2, 6, down, 1, 4, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(memcmp(down, down_ref, sizeof down), 0);
    cr_assert_neq(or_resize_lanczos4_u8(u8, 1, 0, 6, down, 1, 4, &err), OR_OK);
}

/* ---- real networks on fixture checkpoints ---------------------------------------------- */

static or_net *load_fixture(or_backend *be, const char *ckpt)
{
    char rel[256], model[4096];
    snprintf(rel, sizeof rel, "tests/fixtures/ckpt/%s", ckpt);
    snprintf(model, sizeof model, "%s.safetensors", tu_tmp(ckpt));
    or_net *net;
    or_err err;
    or_convert_opts o = {NULL, MB_F32, 0};
    cr_assert_eq(or_convert_file(tu_src(rel), model, &o, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_net_load(model, be, OR_F32, &net, &err), OR_OK, "%s", err.msg);
    return net;
}

/* Tiled runs equal the one-piece run; with the activations in `layout` (NHWC:
 * the one-piece run also equals the NCHW network's within 1e-4). */
static void check_real_net(const char *ckpt, int scale, int multiple, or_layout layout)
{
    or_backend *be = cpu();
    be->act_layout[OR_F32] = layout;
    or_net *net = load_fixture(be, ckpt);
    cr_assert_eq(net->layout, layout);
    cr_assert_eq(net->scale, scale);
    cr_assert_eq(net->size_multiple, multiple);
    const int h = 53, w = 70;
    float *in = test_planes(3, h, w, 8);
    or_upscale_info info;
    float *ref = run_planes(net, in, h, w, 0, &info);
    cr_assert_eq(info.tiles, 1);
    size_t n = (size_t)3 * h * scale * w * scale;
    if (layout == OR_NHWC) {
        be->act_layout[OR_F32] = OR_NCHW;
        or_net *nchw = load_fixture(be, ckpt);
        float *r2 = run_planes(nchw, in, h, w, 0, &info);
        double d = tu_max_abs_diff(ref, r2, n);
        cr_assert_leq(d, 1e-4, "%s: NHWC vs NCHW max abs %.3g", ckpt, d);
        free(r2);
        or_net_free(nchw);
    }
    const int tiles[] = {16, 32};
    for (int i = 0; i < 2; i++) {
        size_t allocs = be->n_mem_allocs;
        float *t = run_planes(net, in, h, w, tiles[i], &info);
        cr_assert_gt(info.tiles, 1);
        double psnr = tu_psnr(t, ref, n, 1.0);
        cr_log_info("%s tile %d: %d tiles, PSNR vs one piece %.2f dB", ckpt, tiles[i], info.tiles,
                    psnr);
        cr_assert_geq(psnr, 50.0, "%s tile %d: PSNR %.2f dB", ckpt, tiles[i], psnr);
        cr_assert_eq(be->n_mem_allocs, allocs, "smaller tiles reuse the arena");
        free(t);
    }
    /* 1 x 1 works (padded by replication for the x2 network) */
    float one[3] = {0.1f, 0.5f, 0.9f};
    free(run_planes(net, one, 1, 1, 0, &info));
    cr_assert_eq(info.tiny_pad, multiple > 1);
    free(in);
    free(ref);
    or_net_free(net);
    or_backend_destroy(be);
}

Test(upscale, srvgg_x4_tiled_psnr) { check_real_net("sr_srvgg_x4_prelu.zip.pth", 4, 1, OR_NCHW); }

Test(upscale, rrdb_x2_tiled_psnr) { check_real_net("sr_rrdb_x2.zip.pth", 2, 2, OR_NCHW); }

/* The same in NHWC (the layout of CUDA f16), whose workspace bounds size the tiles. */
Test(upscale, srvgg_x4_tiled_psnr_nhwc)
{
    check_real_net("sr_srvgg_x4_prelu.zip.pth", 4, 1, OR_NHWC);
}

Test(upscale, rrdb_x2_tiled_psnr_nhwc) { check_real_net("sr_rrdb_x2.zip.pth", 2, 2, OR_NHWC); }

/* ---- the official pipeline: RealESRGANer itself ------------------------------------------ */

/* tests/fixtures/upscale/pipe_*.safetensors are made by running realesrgan==0.3.0's
 * RealESRGANer.enhance (basicsr 1.4.2, OpenCV 4.10) on crops of the Set14 LR images
 * with the seeded checkpoints (tests/fixtures/make_upscale_fixtures.py): RGB, gray
 * (cv2's GRAY2RGB / RGB2GRAY), x2 with mod_pad reflection, tile 16 with tile_pad
 * 10, outscale 2.5 (uint8 output resized with cv2 INTER_LANCZOS4).
 *
 * Tolerance: at most 1 level on any 8-bit value, on at most 0.1% of them (seen:
 * 1 value in 20976 and in 34560, the others identical).  Both sides round the
 * same f32 network output to 8 bits; the convolutions sum in another order (a
 * few ulp), which moves a value across a rounding boundary where it lies within
 * ~1e-6 of one: 1 level, rarely.  The outscale resize is integer arithmetic on
 * both sides (or_resize_lanczos4_u8 = OpenCV's fixed-point 8-bit path). */
Test(upscale, official_pipeline_matches_realesrganer, .timeout = 120)
{
    static const char *cases[] = {"srvgg_x4_rgb", "srvgg_x4_gray", "srvgg_x4_outscale2.5",
                                  "srvgg_x4_tile16", "rrdb_x2_odd"};
    or_backend *be = cpu();
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char rel[256];
        snprintf(rel, sizeof rel, "tests/fixtures/upscale/pipe_%s.safetensors", cases[k]);
        st_file f;
        or_err err;
        cr_assert_eq(st_open(tu_src(rel), &f, &err), OR_OK, "%s", err.msg);
        const char *ckpt = strrchr(st_meta(&f, "checkpoint"), '/') + 1;
        or_net *net;
        cr_assert_eq(or_net_load(tu_model_ckpt(ckpt), be, OR_F32, &net, &err), OR_OK, "%s",
                     err.msg);
        int64_t si[4] = {0}, so[4] = {0};
        int ni, no;
        float *in = dfx_read(&f, "input", si, &ni), *ref = dfx_read(&f, "output", so, &no);
        const int h = (int)si[0], w = (int)si[1], c = (int)si[2];
        or_image img, out;
        cr_assert_eq(or_image_alloc(&img, w, h, c, 0, &err), OR_OK, "%s", err.msg);
        for (int ch = 0; ch < c; ch++)
            for (int i = 0; i < h * w; i++)
                or_image_plane(&img, ch)[i] = in[(size_t)i * c + ch] / 255.0f;
        img.src_bit_depth = 8;
        or_upscale_opts o = or_upscale_defaults();
        o.tile = atoi(st_meta(&f, "tile"));
        o.tile_pad = atoi(st_meta(&f, "tile_pad"));
        o.outscale = atof(st_meta(&f, "outscale"));
        or_upscale_info info;
        cr_assert_eq(or_upscale_image(net, &img, &o, &out, &info, &err), OR_OK, "%s: %s", rel,
                     err.msg);
        cr_assert(out.height == so[0] && out.width == so[1] && out.channels == c,
                  "%s: %dx%dx%d, the official %dx%dx%d", rel, out.width, out.height, out.channels,
                  (int)so[1], (int)so[0], c);
        cr_expect_eq(info.tiles > 1, o.tile > 0, "%s: %d tiles", rel, info.tiles);
        size_t n = (size_t)out.height * out.width, off = 0;
        double dmax = 0;
        for (int ch = 0; ch < c; ch++)
            for (size_t i = 0; i < n; i++) {
                double d = fabs(roundf(or_image_plane(&out, ch)[i] * 255.0f) - ref[i * c + ch]);
                off += d > 0;
                dmax = d > dmax ? d : dmax;
            }
        cr_log_info("%s: %zu of %zu values differ, max %.0f level(s)", cases[k], off, n * c, dmax);
        cr_expect_leq(dmax, 1.0, "%s: max diff %.0f levels", cases[k], dmax);
        cr_expect_leq((double)off, 0.001 * n * c, "%s: %zu of %zu values differ", cases[k], off,
                      n * c);
        free(in), free(ref);
        or_image_free(&img), or_image_free(&out);
        or_net_free(net);
        st_close(&f);
    }
    or_backend_destroy(be);
}
