/* test_net_dex.c: Deep Exemplar's network on the CPU against PyTorch
 * (tests/fixtures/dex/frame_*.safetensors from make_dex_fixtures.py: dex_nets.py's
 * official class definitions on the seeded release files of tests/fixtures/dex/,
 * converted here with the converter API), two frames of test.py's loop per size:
 * the first with a zero previous frame, the second fed the first's output.
 *
 * Tolerances, in Lab units (ab spans +-128):
 *  - warped ab: 1e-3.  The softmax at temperature 1e-10 is an argmax, so the warped
 *    ab is a copy of one 4x4-average of the reference per position (error ~1e-5) as
 *    long as the best and second-best correlations are not swapped by rounding;
 *    the fixture records the smallest gap (>= 5.6e-4 here) and the correlation's
 *    own error is ~1e-6 (f32 sums in another order through 20 convs and 8
 *    InstanceNorms, then unit vectors), so a swap would show as an error of tens.
 *  - similarity: 1e-4 (a cosine; the same rounding).
 *  - ColorVidNet's ab: 5e-3 (the 7-channel input above, 31 convs and 9
 *    InstanceNorms that rescale small differences to unit variance, then
 *    128 * tanh); measured at most 1.8e-4 (frame 2 of 80x96), 2e-5 elsewhere,
 *    the warped ab exactly 0 and the similarity 1.5e-5; the errors are printed.
 *  - frame 2 is fed our own frame-1 output, as the official loop feeds its own. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert.h"
#include "runtime/core/ops_math.h"
#include "runtime/core/ops_resample.h"
#include "runtime/nets/net_dex.h"
#include "runtime/nets/net_seeded.h"
#include "test_util.h"
#include "weights/safetensors.h"

#define TOL_WARP 1e-3
#define TOL_SIM 1e-4
#define TOL_AB 5e-3

static const char *dex_model(void)
{
    static char path[4096];
    if (!path[0]) {
        or_err err;
        const char *dir[1] = {tu_src("tests/fixtures/dex")};
        snprintf(path, sizeof path, "%s", tu_tmp("deep-exemplar.safetensors"));
        cr_assert_eq(or_convert_files(dir, 1, path, NULL, &err), OR_OK, "%s", err.msg);
    }
    return path;
}

static float *fx_read(const st_file *f, const char *name, int *c, int *h, int *w)
{
    or_err err;
    const st_tensor *t = st_find(f, name);
    cr_assert(t && t->ndim == 4, "%s: tensor %s", f->path, name);
    *c = (int)t->shape[1], *h = (int)t->shape[2], *w = (int)t->shape[3];
    float *p = malloc((size_t)t->numel * sizeof(float));
    cr_assert_eq(st_read_f32(f, t, p, &err), OR_OK, "%s", err.msg);
    return p;
}

static void put(or_backend *be, const st_file *f, const char *name, or_tensor *t)
{
    int c, h, w;
    or_err err;
    float *p = fx_read(f, name, &c, &h, &w);
    cr_assert_eq(or_tensor_alloc(be, t, 1, c, h, w, OR_F32, name, &err), OR_OK);
    cr_assert_eq(or_tensor_upload_f32(t, p, &err), OR_OK);
    free(p);
}

/* max |t - fixture[name]|, printed; expect <= tol. */
static double check(const st_file *f, const char *name, const or_tensor *t, double tol)
{
    int c, h, w;
    or_err err;
    float *ref = fx_read(f, name, &c, &h, &w);
    cr_assert(c == t->c && h == t->h && w == t->w, "%s: shape", name);
    size_t n = (size_t)c * h * w;
    float *out = malloc(n * sizeof(float));
    cr_assert_eq(or_tensor_download_f32(t, out, &err), OR_OK);
    double d = tu_max_abs_diff(out, ref, n);
    printf("%s %s: max abs diff %.3g (tolerance %g)\n", f->path + strlen(f->path) - 26, name, d,
           tol);
    cr_expect_leq(d, tol, "%s %s: max abs diff %g > %g", f->path, name, d, tol);
    free(ref), free(out);
    return d;
}

static void run_fixture(or_net *net, const char *fixture)
{
    or_backend *be = net->be;
    st_file f;
    or_err err;
    cr_assert_eq(st_open(tu_src(fixture), &f, &err), OR_OK, "%s", err.msg);
    or_arena_mark mk = or_arena_get_mark(&be->arena);
    or_tensor big[2], b_big, a[2], b, last, ab, warp, sim, up;
    put(be, &f, "a1_lab", &big[0]);
    put(be, &f, "a2_lab", &big[1]);
    put(be, &f, "b_lab", &b_big);
    int h = b_big.h / 2, w = b_big.w / 2;
    /* test.py: F.interpolate(scale_factor=0.5, mode='bilinear') of the transformed Lab */
    for (int k = 0; k < 2; k++) {
        cr_assert_eq(or_tensor_alloc(be, &a[k], 1, 3, h, w, OR_F32, "a", &err), OR_OK);
        cr_assert_eq(or_resize_bilinear(&big[k], 0, 0.5, 0.5, &a[k], &err), OR_OK, "%s", err.msg);
    }
    cr_assert_eq(or_tensor_alloc(be, &b, 1, 3, h, w, OR_F32, "b", &err), OR_OK);
    cr_assert_eq(or_resize_bilinear(&b_big, 0, 0.5, 0.5, &b, &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &ab, 1, 2, h, w, OR_F32, "ab", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &warp, 1, 2, h, w, OR_F32, "warp", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &sim, 1, 1, h, w, OR_F32, "sim", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &last, 1, 3, h, w, OR_F32, "last", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &up, 1, 2, 2 * h, 2 * w, OR_F32, "up", &err), OR_OK);
    for (int k = 0; k < 2; k++) {
        char n_ab[16], n_warp[16], n_sim[16], n_up[16];
        snprintf(n_ab, sizeof n_ab, "half%d_ab", k + 1);
        snprintf(n_warp, sizeof n_warp, "warp%d_ab", k + 1);
        snprintf(n_sim, sizeof n_sim, "sim%d", k + 1);
        snprintf(n_up, sizeof n_up, "out%d_ab", k + 1);
        cr_assert_eq(or_dex_frame(net, &a[k], &b, k ? &last : NULL, OR_DEX_TEMPERATURE, &ab,
                                  &warp, &sim, &err),
                     OR_OK, "%s", err.msg);
        check(&f, n_warp, &warp, TOL_WARP);
        check(&f, n_sim, &sim, TOL_SIM);
        check(&f, n_ab, &ab, TOL_AB);
        /* test.py's upsampling: bilinear x2 (scale_factor) * 1.25 */
        cr_assert_eq(or_resize_bilinear(&ab, 0, 2.0, 2.0, &up, &err), OR_OK);
        cr_assert_eq(or_scale_shift(&up, 1.25f, 0.0f, &up, &err), OR_OK);
        check(&f, n_up, &up, 1.25 * TOL_AB);
        /* the next frame's previous input: cat(L of this frame, its ab) */
        or_tensor lv, src;
        cr_assert_eq(or_tensor_channels(&last, 0, 1, &lv, &err), OR_OK);
        cr_assert_eq(or_tensor_channels(&a[k], 0, 1, &src, &err), OR_OK);
        cr_assert_eq(or_scale_shift(&src, 1.0f, 0.0f, &lv, &err), OR_OK);
        cr_assert_eq(or_tensor_channels(&last, 1, 2, &lv, &err), OR_OK);
        cr_assert_eq(or_scale_shift(&ab, 1.0f, 0.0f, &lv, &err), OR_OK);
    }
    or_arena_reset(&be->arena, mk);
    st_close(&f);
}

Test(net_dex, two_frames_match_pytorch)
{
    or_backend *be;
    or_net *net;
    or_err err;
    cr_assert_eq(or_backend_cpu_create(0, &be, &err), OR_OK);
    cr_assert_eq(or_net_load(dex_model(), be, OR_F32, &net, &err), OR_OK, "%s", err.msg);
    cr_assert(or_net_is_dex(net));
    run_fixture(net, "tests/fixtures/dex/frame_80x96.safetensors");
    run_fixture(net, "tests/fixtures/dex/frame_64x64.safetensors");
    /* no memory is allocated for a second run at a size already seen */
    size_t allocs = be->n_mem_allocs;
    run_fixture(net, "tests/fixtures/dex/frame_64x64.safetensors");
    cr_expect_eq(be->n_mem_allocs, allocs, "the arena grew on a repeated size");
    or_net_free(net);
    or_backend_destroy(be);
}

Test(net_dex, sizes_and_shapes_are_checked)
{
    or_backend *be;
    or_net *net;
    or_err err;
    cr_assert_eq(or_backend_cpu_create(0, &be, &err), OR_OK);
    cr_assert_eq(or_net_load(dex_model(), be, OR_F32, &net, &err), OR_OK, "%s", err.msg);
    or_tensor a, b, ab, small;
    cr_assert_eq(or_tensor_alloc(be, &a, 1, 3, 40, 40, OR_F32, "a", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &b, 1, 3, 40, 40, OR_F32, "b", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &ab, 1, 2, 40, 40, OR_F32, "ab", &err), OR_OK);
    cr_expect_eq(or_dex_frame(net, &a, &b, NULL, 1e-10f, &ab, NULL, NULL, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "multiple of 16") && strstr(err.msg, "40x40"), "%s", err.msg);
    cr_assert_eq(or_tensor_alloc(be, &a, 1, 3, 32, 48, OR_F32, "a", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &small, 1, 3, 32, 32, OR_F32, "b", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &ab, 1, 2, 32, 48, OR_F32, "ab", &err), OR_OK);
    cr_expect_eq(or_dex_frame(net, &a, &small, NULL, 1e-10f, &ab, NULL, NULL, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "reference Lab") && strstr(err.msg, "[1,3,32,48]"), "%s",
              err.msg);
    or_net_free(net);
    or_backend_destroy(be);
}

/* The official widths (net_seeded.c's metadata of the release): the parameter count
 * of the official classes as the converter writes them (dex_nets.py at div 1:
 * VGG without conv5_3/5_4 15304768, WarpNet 6917131 with its 11 PReLU slopes
 * repeated per channel: + 1792 - 11, ColorVidNet 32802370), and one frame at
 * 32x48 and at 40x64 (WarpNet's replicate-pad branch) runs at those widths. */
Test(net_dex, official_widths_load_and_run)
{
    or_backend *be;
    or_err err;
    cr_assert_eq(or_backend_cpu_create(0, &be, &err), OR_OK);
    const char *meta = or_net_official_meta("deep-exemplar");
    cr_assert(meta);
    or_net_weight_list l;
    cr_assert_eq(or_net_seeded_weights(meta, be, OR_F32, &l, &err), OR_OK, "%s", err.msg);
    long long n = 0;
    for (int i = 0; i < l.n; i++) {
        long long k = 1;
        for (int d = 0; d < l.w[i].ndim; d++)
            k *= l.w[i].shape[d];
        n += k;
    }
    cr_expect_eq(n, 15304768LL + 6917131 - 11 + 1792 + 32802370, "%lld parameters", n);
    or_net_weight_list_free(&l);
    or_net *net;
    cr_assert_eq(or_net_load_seeded(meta, be, OR_F32, 7, &net, &err), OR_OK, "%s", err.msg);
    static const int sizes[2][2] = {{32, 48}, {40, 64}};
    for (int k = 0; k < 2; k++) {
        int h = sizes[k][0], w = sizes[k][1];
        or_arena_mark mk = or_arena_get_mark(&be->arena);
        or_tensor a, b, ab;
        cr_assert_eq(or_tensor_alloc(be, &a, 1, 3, h, w, OR_F32, "a", &err), OR_OK);
        cr_assert_eq(or_tensor_alloc(be, &b, 1, 3, h, w, OR_F32, "b", &err), OR_OK);
        cr_assert_eq(or_tensor_alloc(be, &ab, 1, 2, h, w, OR_F32, "ab", &err), OR_OK);
        float *host = malloc((size_t)3 * h * w * sizeof(float));
        tu_seed(5 + k);
        tu_fill_uniform(host, (size_t)3 * h * w, -40, 40);
        cr_assert_eq(or_tensor_upload_f32(&a, host, &err), OR_OK);
        tu_fill_uniform(host, (size_t)3 * h * w, -40, 40);
        cr_assert_eq(or_tensor_upload_f32(&b, host, &err), OR_OK);
        cr_assert_eq(or_dex_frame(net, &a, &b, NULL, OR_DEX_TEMPERATURE, &ab, NULL, NULL, &err),
                     OR_OK, "%dx%d: %s", w, h, err.msg);
        cr_assert_eq(or_tensor_download_f32(&ab, host, &err), OR_OK);
        for (int i = 0; i < 2 * h * w; i++)
            cr_assert(host[i] >= -128 && host[i] <= 128, "ab[%d] = %g", i, (double)host[i]);
        free(host);
        or_arena_reset(&be->arena, mk);
    }
    or_net_free(net);
    or_backend_destroy(be);
}
