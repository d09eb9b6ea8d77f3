/* test_gpu_net_deoldify.c: DeOldify's generators on CUDA against the CPU
 * backend (the CPU itself matches PyTorch to ~1e-6, test_net_deoldify.c), on
 * the network fixtures' inputs (tests/fixtures/deoldify/net_*).
 * Tolerances: f32 max abs <= 1e-3 (cuDNN / cuBLAS accumulation orders over
 * ~40-110 layers); f16 PSNR >= 45 dB with peak 3 (the output range is (-3,3)).
 * Without a device gpu_main.c reports every test skipped. */
#include <math.h>

#include "gpu_test.h"
#include "deoldify_fixtures.h"
#include "runtime/stages/colorize.h"

GT_CUDA_CPU_FIXTURE(gpu, cpu, 0)

TestSuite(net_deoldify_cuda, .init = gt_open, .fini = gt_close);

static void compare(const char *ckpt, const char *fixture, or_dtype dt)
{
    char path[1024];
    or_err err;
    snprintf(path, sizeof path, "%s/%s", tu_src("tests/fixtures/deoldify"), fixture);
    st_file f;
    cr_assert_eq(st_open(path, &f, &err), OR_OK, "%s", err.msg);
    int64_t s[4] = {0};
    int nd;
    float *x = dfx_read(&f, "input", s, &nd);
    int h = (int)s[2], w = (int)s[3];
    or_net *nc = NULL, *ng = NULL;
    cr_assert_eq(or_net_load(dfx_model(ckpt), cpu, OR_F32, &nc, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_net_load(dfx_model(ckpt), gpu, dt, &ng, &err), OR_OK, "%s", err.msg);
    float *yc = dfx_forward(nc, x, h, w, &err);
    cr_assert(yc, "%s", err.msg);
    float *yg = dfx_forward(ng, x, h, w, &err);
    cr_assert(yg, "%s", err.msg);
    size_t n = (size_t)3 * h * w;
    double d = tu_max_abs_diff(yg, yc, n), psnr = tu_psnr(yg, yc, n, 3.0);
    if (dt == OR_F32)
        cr_expect(d <= 1e-3, "%s %s f32: max abs %.3g > 1e-3", ckpt, fixture, d);
    else
        cr_expect(psnr >= 45.0, "%s %s f16: PSNR %.1f dB < 45 (max abs %.3g)", ckpt, fixture, psnr, d);
    cr_log_info("%s %s %s: max abs %.3g, PSNR %.1f dB", ckpt, fixture, or_dtype_name(dt), d, psnr);
    free(x), free(yc), free(yg);
    or_net_free(nc), or_net_free(ng);
    st_close(&f);
}

Test(net_deoldify_cuda, deep_f32) { compare("deoldify_deep_r34.zip.pth", "net_deoldify_deep_r34_48x80.safetensors", OR_F32); }
Test(net_deoldify_cuda, deep_f16) { compare("deoldify_deep_r34.zip.pth", "net_deoldify_deep_r34_48x80.safetensors", OR_F16); }
Test(net_deoldify_cuda, deep_odd_f32) { compare("deoldify_deep_r34.zip.pth", "net_deoldify_deep_r34_34x46.safetensors", OR_F32); }
Test(net_deoldify_cuda, deep_odd_f16) { compare("deoldify_deep_r34.zip.pth", "net_deoldify_deep_r34_34x46.safetensors", OR_F16); }
Test(net_deoldify_cuda, wide_f32) { compare("deoldify_wide_r101.zip.pth", "net_deoldify_wide_r101_48x80.safetensors", OR_F32); }
Test(net_deoldify_cuda, wide_f16) { compare("deoldify_wide_r101.zip.pth", "net_deoldify_wide_r101_48x80.safetensors", OR_F16); }

/* The whole pipeline on CUDA f16 against the CPU: 8-bit outputs within 45 dB. */
Test(net_deoldify_cuda, pipeline_f16)
{
    or_err err;
    or_net *nc = NULL, *ng = NULL;
    cr_assert_eq(or_net_load(dfx_model("deoldify_deep_r34.zip.pth"), cpu, OR_F32, &nc, &err), OR_OK);
    cr_assert_eq(or_net_load(dfx_model("deoldify_deep_r34.zip.pth"), gpu, OR_F16, &ng, &err), OR_OK);
    or_image img, oc, og;
    cr_assert_eq(or_image_alloc(&img, 61, 47, 1, 0, &err), OR_OK);
    tu_seed(3);
    for (int i = 0; i < 61 * 47; i++)
        img.planes[i] = roundf(tu_uniform(0, 255)) / 255.0f;
    or_colorize_opts o = or_colorize_defaults();
    o.render_factor = 5;
    cr_assert_eq(or_colorize_image(nc, &img, &o, &oc, NULL, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_colorize_image(ng, &img, &o, &og, NULL, &err), OR_OK, "%s", err.msg);
    double psnr = tu_psnr(og.planes, oc.planes, (size_t)3 * 61 * 47, 1.0);
    cr_expect(psnr >= 45.0, "pipeline f16 vs CPU: PSNR %.1f dB", psnr);
    or_image_free(&img), or_image_free(&oc), or_image_free(&og);
    or_net_free(nc), or_net_free(ng);
}
