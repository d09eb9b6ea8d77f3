/* test_gpu_net_sr.c: the super-resolution networks on CUDA, on every fixture
 * of tests/fixtures/net/ (see test_net_sr.c for the CPU side).
 *
 * fp32 (cuDNN FMA math, no TF32): max abs error <= 1e-3 against the CPU
 * backend's output; both are fp32, only the accumulation order differs.
 * fp16 (tensor cores, f32 accumulation): PSNR >= 45 dB against the CUDA fp32
 * output. The peak is 1 for the real model (an image in [0,1]); the seeded
 * checkpoints have random weights and outputs up to about +-6.6 that are not
 * images, so their peak is max(1, max |fp32 output|): fp16 keeps a relative
 * precision, and the threshold should be relative to the signal's range.
 * Both layouts are run in both dtypes: the default (f32 NCHW, f16 NHWC, as
 * be->act_layout says) and the other one, with the same tolerances.
 * Without a device gpu_main.c reports every test skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpu_test.h"
#include "net_sr_fixtures.h"

GT_CUDA_CPU_FIXTURE(gpu, cpu, 2)

TestSuite(net_sr_cuda, .init = gt_open, .fini = gt_close);

/* The network's output with its activations in layout l (be->act_layout[dt] set
 * for the load, then restored). */
static float *forward(const char *model, or_backend *be, or_dtype dt, or_layout l,
                      const nf_fixture *fx)
{
    or_err err;
    or_net *net = NULL;
    or_layout keep = be->act_layout[dt];
    be->act_layout[dt] = l;
    or_status s = or_net_load(model, be, dt, &net, &err);
    be->act_layout[dt] = keep;
    cr_assert_eq(s, OR_OK, "%s: %s", fx->stem, err.msg);
    cr_assert_eq(net->layout, l, "%s: the network ignored act_layout", fx->stem);
    float *y = nf_run(net, fx->in, fx->h, fx->w, &err);
    cr_assert(y, "%s (%s, %s, %s): %s", fx->stem, be->name, or_dtype_name(dt), or_layout_name(l),
              err.msg);
    or_net_free(net);
    return y;
}

static void expect_close_f32(const nf_fixture *fx, const float *y, const float *ref, size_t n,
                             const char *what)
{
    double d = tu_max_abs_diff(y, ref, n);
    cr_expect(d <= 1e-3, "%s: %s vs CPU: max abs error %.3g > 1e-3", fx->stem, what, d);
    cr_log_info("%s: %s max abs %.3g", fx->stem, what, d);
}

static void expect_psnr_f16(const nf_fixture *fx, const float *y16, const float *y32, size_t n,
                            const char *what)
{
    double peak = fx->shared ? 1.0 : nf_max_abs(y32, n);
    if (peak < 1.0)
        peak = 1.0;
    double psnr = tu_psnr(y16, y32, n, peak);
    cr_expect(psnr >= 45.0, "%s: %s vs fp32: PSNR %.2f dB < 45 (peak %.2f)", fx->stem, what, psnr,
              peak);
    cr_log_info("%s: %s PSNR %.1f dB (peak %.2f)", fx->stem, what, psnr, peak);
}

static int run_fixtures(int want_shared)
{
    static char names[NF_MAX][256];
    int n = nf_list(names, NF_MAX), ran = 0;
    for (int i = 0; i < n; i++) {
        nf_fixture fx;
        if (!nf_open(names[i], &fx))
            continue;
        if (fx.shared != want_shared) {
            nf_close(&fx);
            continue;
        }
        const char *model = nf_model(&fx);
        size_t count = (size_t)3 * fx.oh * fx.ow;
        cr_expect_eq(gpu->act_layout[OR_F16], OR_NHWC, "CUDA f16 should default to NHWC");
        float *ref = forward(model, cpu, OR_F32, OR_NCHW, &fx);
        float *y32 = forward(model, gpu, OR_F32, OR_NCHW, &fx);
        float *y32n = forward(model, gpu, OR_F32, OR_NHWC, &fx);
        float *y16 = forward(model, gpu, OR_F16, OR_NHWC, &fx);
        float *y16c = forward(model, gpu, OR_F16, OR_NCHW, &fx);
        expect_close_f32(&fx, y32, ref, count, "CUDA fp32 NCHW");
        expect_close_f32(&fx, y32n, ref, count, "CUDA fp32 NHWC");
        expect_psnr_f16(&fx, y16, y32, count, "CUDA fp16 NHWC");
        expect_psnr_f16(&fx, y16c, y32, count, "CUDA fp16 NCHW");
        free(ref);
        free(y32);
        free(y32n);
        free(y16);
        free(y16c);
        nf_close(&fx);
        ran++;
    }
    return ran;
}

Test(net_sr_cuda, seeded_fixtures, .timeout = 600)
{
    int ran = run_fixtures(0);
    cr_assert_geq(ran, 10, "only %d SR fixtures found in tests/fixtures/net", ran);
}

Test(net_sr_cuda, real_model_fixtures, .timeout = 600)
{
    if (!nf_shared_present())
        cr_skip_test("shared/weights/realesr-animevideov3.pth absent");
    cr_assert_geq(run_fixtures(1), 1, "no fixture uses the shared checkpoint");
}

/* After the first forward of a size, CUDA forwards allocate nothing. */
Test(net_sr_cuda, steady_state_allocates_nothing)
{
    static const char *const stems[] = {"sr_rrdb_x2_18x24.safetensors",
                                        "sr_srvgg_x4_prelu_17x23.safetensors"};
    for (int m = 0; m < 2; m++) {
        nf_fixture fx;
        cr_assert(nf_open(stems[m], &fx), "%s", stems[m]);
        or_err err;
        or_net *net = NULL;
        cr_assert_eq(or_net_load(nf_model(&fx), gpu, OR_F16, &net, &err), OR_OK, "%s", err.msg);
        size_t allocs = 0;
        for (int it = 0; it < 4; it++) {
            size_t used = gpu->arena.used;
            float *y = nf_run(net, fx.in, fx.h, fx.w, &err);
            cr_assert(y, "%s", err.msg);
            free(y);
            cr_expect_eq(gpu->arena.used, used, "%s: arena not given back", fx.stem);
            if (it == 0)
                allocs = gpu->n_mem_allocs;
            else
                cr_expect_eq(gpu->n_mem_allocs, allocs, "%s: forward %d allocated", fx.stem, it);
        }
        or_net_free(net);
        nf_close(&fx);
    }
}
