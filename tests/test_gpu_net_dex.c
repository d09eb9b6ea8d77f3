/* test_gpu_net_dex.c: Deep Exemplar's frame on CUDA against PyTorch's fixtures
 * (tests/fixtures/dex/frame_*.safetensors; the CPU is checked by test_net_dex),
 * two chained frames per size.
 *  f32: the CPU's tolerances (test_net_dex.c: warped ab 1e-3 as long as no argmax
 *       flips, similarity 1e-4, ab 5e-3 Lab units).
 *  f16: features rounded to 2^-11 move correlations by ~1e-3, more than the
 *       fixtures' smallest best/second-best gaps (5.6e-4), so a few positions may
 *       warp another reference colour: at most 5% of the warped pixels may differ
 *       by more than 1, the ab PSNR (peak 128) must be >= 30 dB (emulator: 0.8-3.1%
 *       off, 41.9-53.3 dB; f32: warped ab exact, ab within 3.8e-5).
 * Without a device gpu_main.c reports every test skipped. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert.h"
#include "gpu_test.h"
#include "runtime/core/ops_resample.h"
#include "runtime/nets/net_dex.h"
#include "test_util.h"
#include "weights/safetensors.h"

GT_CUDA_FIXTURE(gpu)
TestSuite(net_dex_cuda, .init = gt_open, .fini = gt_close);

static float *fx_read(const st_file *f, const char *name, size_t *n)
{
    or_err err;
    const st_tensor *t = st_find(f, name);
    cr_assert(t, "%s: %s", f->path, name);
    float *p = malloc((size_t)t->numel * sizeof(float));
    cr_assert_eq(st_read_f32(f, t, p, &err), OR_OK, "%s", err.msg);
    *n = (size_t)t->numel;
    return p;
}

static float *down(const or_tensor *t)
{
    or_err err;
    float *p = malloc(or_numel(t) * sizeof(float));
    cr_assert_eq(or_tensor_download_f32(t, p, &err), OR_OK, "%s", err.msg);
    return p;
}

static void run(or_dtype dt, const char *fixture)
{
    or_err err;
    const char *dir[1] = {tu_src("tests/fixtures/dex")};
    const char *model = tu_tmp("deep-exemplar-gpu.safetensors");
    cr_assert_eq(or_convert_files(dir, 1, model, NULL, &err), OR_OK, "%s", err.msg);
    or_net *net;
    cr_assert_eq(or_net_load(model, gpu, dt, &net, &err), OR_OK, "%s", err.msg);
    st_file f;
    cr_assert_eq(st_open(tu_src(fixture), &f, &err), OR_OK, "%s", err.msg);
    size_t n;
    const st_tensor *tb = st_find(&f, "b_lab");
    int H = (int)tb->shape[2], W = (int)tb->shape[3], h = H / 2, w = W / 2;
    or_tensor big, a[2], b, ab, warp, sim, last, lv, src;
    cr_assert_eq(or_tensor_alloc(gpu, &big, 1, 3, H, W, dt, "big", &err), OR_OK);
    static const char *names[3] = {"a1_lab", "a2_lab", "b_lab"};
    for (int k = 0; k < 3; k++) {
        float *p = fx_read(&f, names[k], &n);
        or_tensor *dst = k < 2 ? &a[k] : &b;
        cr_assert_eq(or_tensor_upload_f32(&big, p, &err), OR_OK);
        cr_assert_eq(or_tensor_alloc(gpu, dst, 1, 3, h, w, dt, names[k], &err), OR_OK);
        cr_assert_eq(or_resize_bilinear(&big, 0, 0.5, 0.5, dst, &err), OR_OK, "%s", err.msg);
        free(p);
    }
    cr_assert_eq(or_tensor_alloc(gpu, &ab, 1, 2, h, w, dt, "ab", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(gpu, &warp, 1, 2, h, w, dt, "warp", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(gpu, &sim, 1, 1, h, w, dt, "sim", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(gpu, &last, 1, 3, h, w, dt, "last", &err), OR_OK);
    for (int k = 0; k < 2; k++) {
        char nab[16], nwarp[16], nsim[16];
        snprintf(nab, sizeof nab, "half%d_ab", k + 1);
        snprintf(nwarp, sizeof nwarp, "warp%d_ab", k + 1);
        snprintf(nsim, sizeof nsim, "sim%d", k + 1);
        cr_assert_eq(or_dex_frame(net, &a[k], &b, k ? &last : NULL, OR_DEX_TEMPERATURE, &ab,
                                  &warp, &sim, &err),
                     OR_OK, "%s", err.msg);
        float *rab = fx_read(&f, nab, &n), *oab = down(&ab);
        size_t nw;
        float *rw = fx_read(&f, nwarp, &nw), *ow = down(&warp);
        float *rs = fx_read(&f, nsim, &n), *os = down(&sim);
        double dab = tu_max_abs_diff(oab, rab, 2 * (size_t)h * w);
        double dw = tu_max_abs_diff(ow, rw, nw), ds = tu_max_abs_diff(os, rs, n);
        double off = tu_frac_pixels_off(ow, rw, 2, (size_t)h * w, 1.0);
        double psnr = tu_psnr(oab, rab, 2 * (size_t)h * w, 128.0);
        printf("%s frame %d %s: ab max %.3g (%.1f dB), warped max %.3g (%.2f%% off), sim %.3g\n",
               fixture + 19, k + 1, or_dtype_name(dt), dab, psnr, dw, 100 * off, ds);
        if (dt == OR_F32) {
            cr_expect_leq(dw, 1e-3, "%s: warped ab %g", fixture, dw);
            cr_expect_leq(ds, 1e-4, "%s: similarity %g", fixture, ds);
            cr_expect_leq(dab, 5e-3, "%s: ab %g", fixture, dab);
        } else {
            cr_expect_leq(off, 0.05, "%s: %.1f%% of the warped ab off", fixture, 100 * off);
            cr_expect_geq(psnr, 30.0, "%s: ab %.1f dB", fixture, psnr);
        }
        free(rab), free(oab), free(rw), free(ow), free(rs), free(os);
        cr_assert_eq(or_tensor_channels(&last, 0, 1, &lv, &err), OR_OK);
        cr_assert_eq(or_tensor_channels(&a[k], 0, 1, &src, &err), OR_OK);
        cr_assert_eq(or_resize_nearest(&src, 1.0, 1.0, &lv, &err), OR_OK);
        cr_assert_eq(or_tensor_channels(&last, 1, 2, &lv, &err), OR_OK);
        cr_assert_eq(or_resize_nearest(&ab, 1.0, 1.0, &lv, &err), OR_OK);
    }
    st_close(&f);
    or_net_free(net);
}

Test(net_dex_cuda, f32_matches_pytorch)
{
    run(OR_F32, "tests/fixtures/dex/frame_80x96.safetensors");
    run(OR_F32, "tests/fixtures/dex/frame_64x64.safetensors");
}

Test(net_dex_cuda, f16_close_to_pytorch)
{
    run(OR_F16, "tests/fixtures/dex/frame_80x96.safetensors");
    run(OR_F16, "tests/fixtures/dex/frame_64x64.safetensors");
}
