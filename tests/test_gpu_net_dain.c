/* test_gpu_net_dain.c: DAIN on CUDA against the CPU network on the same
 * fixtures (tests/fixtures/dain/).  f32: max abs <= 1e-3 (cuDNN's algorithms
 * and the projection's atomics change only the float summation order; the
 * fixtures' flows stay far from the integer steps of the projection and the
 * filter interpolation).  (f16 requests run in f32: see f16_request_runs_f32.)  f16: PSNR >= 45 dB against the CPU f32 result, peak
 * max(1, max|ref|).  Without a device gpu_main.c reports every test skipped. */
#include <math.h>

#include "gpu_test.h"
#include "dain_fixtures.h"

GT_CUDA_CPU_FIXTURE(gpu, cpu, 0)

TestSuite(net_dain_cuda, .init = gt_open, .fini = gt_close, .timeout = 120);

static void compare(or_dtype dt)
{
    or_net *ref, *net;
    or_err err;
    cr_assert_eq(or_net_load(df_model(), cpu, OR_F32, &ref, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_net_load(df_model(), gpu, dt, &net, &err), OR_OK, "%s", err.msg);
    for (size_t i = 0; i < DF_N; i++) {
        df_fixture fx;
        df_open(df_stems[i], &fx);
        size_t n = (size_t)3 * fx.h * fx.w;
        float *a = malloc(n * sizeof(float)), *b = malloc(n * sizeof(float));
        df_run(ref, &fx, a);
        df_run(net, &fx, b);
        double peak = 1.0;
        for (size_t k = 0; k < n; k++)
            peak = fmax(peak, fabs(a[k]));
        double d = tu_max_abs_diff(a, b, n), psnr = tu_psnr(b, a, n, peak);
        printf("dain %s on %s %s: max abs diff %.3g, PSNR %.1f dB\n", df_stems[i], gpu->name,
               or_dtype_name(dt), d, psnr);
        if (dt == OR_F32)
            cr_expect(d <= 1e-3, "%s f32: max abs diff %.3g > 1e-3", df_stems[i], d);
        else
            cr_expect(psnr >= 45.0, "%s f16: PSNR %.1f dB < 45", df_stems[i], psnr);
        free(a), free(b);
        df_free(&fx);
    }
    or_net_free(net);
    or_net_free(ref);
}

Test(net_dain_cuda, f32_matches_cpu) { compare(OR_F32); }
/* DAIN runs in f32 even when f16 is asked for (runtime/nets/net_dain.c): f16 flows
 * flip its discrete steps (45.4 dB, max abs 1.5 on dain_small_64x128_t050 on the
 * CUDA emulator). */
Test(net_dain_cuda, f16_request_runs_f32)
{
    or_net *net;
    or_err err;
    cr_assert_eq(or_net_load(df_model(), gpu, OR_F16, &net, &err), OR_OK, "%s", err.msg);
    cr_expect_eq(net->dtype, OR_F32, "DAIN loaded as %s", or_dtype_name(net->dtype));
    or_net_free(net);
}
