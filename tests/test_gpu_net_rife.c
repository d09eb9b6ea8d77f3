/* test_gpu_net_rife.c: the RIFE IFNet on CUDA against the CPU reference on the
 * same fixtures (tests/fixtures/rife/net_*.safetensors): f32 max abs <= 1e-3,
 * f16 PSNR >= 45 dB against the CPU output (peak 1: frames are in [0,1]).
 * Without a device gpu_main.c reports every test skipped. */
#include "gpu_test.h"
#include "rife_fixtures.h"

GT_CUDA_CPU_FIXTURE(gpu, cpu, 0)

TestSuite(net_rife_cuda, .init = gt_open, .fini = gt_close, .timeout = 120);

static void against_cpu(or_dtype dt)
{
    char names[RF_MAX_FIXTURES][256];
    int n = rf_list("net_", names, RF_MAX_FIXTURES);
    cr_assert_geq(n, 6);
    for (int i = 0; i < n; i++) {
        rf_fixture fx;
        or_err err;
        or_net *nc, *ng;
        rf_open(names[i], &fx);
        const char *model = rf_model(fx.ckpt);
        cr_assert_eq(or_net_load(model, cpu, OR_F32, &nc, &err), OR_OK, "%s", err.msg);
        cr_assert_eq(or_net_load(model, gpu, dt, &ng, &err), OR_OK, "%s", err.msg);
        float *yc = rf_run(nc, fx.x0, fx.x1, fx.h, fx.w, fx.t, fx.scale, &err);
        cr_assert(yc, "%s (cpu): %s", fx.name, err.msg);
        float *yg = rf_run(ng, fx.x0, fx.x1, fx.h, fx.w, fx.t, fx.scale, &err);
        cr_assert(yg, "%s (%s): %s", fx.name, or_dtype_name(dt), err.msg);
        size_t count = (size_t)3 * fx.h * fx.w;
        double d = tu_max_abs_diff(yg, yc, count), psnr = tu_psnr(yg, yc, count, 1.0);
        cr_log_info("%s %s: max abs diff %.3g, %.1f dB", fx.name, or_dtype_name(dt), d, psnr);
        if (dt == OR_F32)
            cr_expect(d <= 1e-3, "%s f32: max abs diff %.3g > 1e-3", fx.name, d);
        else
            cr_expect(psnr >= 45.0, "%s f16: %.1f dB < 45", fx.name, psnr);
        free(yc), free(yg);
        or_net_free(nc), or_net_free(ng);
        rf_close(&fx);
    }
}

Test(net_rife_cuda, f32_matches_cpu) { against_cpu(OR_F32); }
Test(net_rife_cuda, f16_matches_cpu) { against_cpu(OR_F16); }
