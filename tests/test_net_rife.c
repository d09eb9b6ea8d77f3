/* test_net_rife.c: the RIFE IFNet (runtime/net_rife*.c) on the CPU against
 * PyTorch (tests/fixtures/rife/net_*.safetensors: the seeded official-layout
 * v4.6 and v4.25 checkpoints, converted here with the converter API, several
 * sizes, timesteps and flow scales), and its argument checks.
 * Tolerance: max abs <= 1e-4 (float32 against float32; the generator measured
 * PyTorch's own float32-vs-float64 difference at <= 2e-6 on these inputs). */
#include "rife_fixtures.h"

#define RIFE_TOL 1e-4

static or_backend *be;

static void open_cpu(void)
{
    or_err err;
    cr_assert_eq(or_backend_cpu_create(0, &be, &err), OR_OK, "%s", err.msg);
}

static void close_cpu(void) { or_backend_destroy(be); }

TestSuite(net_rife, .init = open_cpu, .fini = close_cpu, .timeout = 60);

Test(net_rife, matches_pytorch)
{
    char names[RF_MAX_FIXTURES][256];
    int n = rf_list("net_", names, RF_MAX_FIXTURES), stems[2] = {0, 0};
    cr_assert_geq(n, 6, "expected the v4.6 and v4.25 fixtures, found %d", n);
    for (int i = 0; i < n; i++) {
        rf_fixture fx;
        or_err err;
        or_net *net;
        rf_open(names[i], &fx);
        stems[strstr(fx.stem, "v4_25") != NULL]++;
        cr_assert_eq(or_net_load(rf_model(fx.ckpt), be, OR_F32, &net, &err), OR_OK, "%s",
                     err.msg);
        float *y = rf_run(net, fx.x0, fx.x1, fx.h, fx.w, fx.t, fx.scale, &err);
        cr_assert(y, "%s: %s", fx.name, err.msg);
        double d = tu_max_abs_diff(y, fx.y, (size_t)3 * fx.h * fx.w);
        cr_log_info("%s: max abs diff %.3g", fx.name, d);
        cr_expect(d <= RIFE_TOL, "%s: max abs diff %.3g > %g", fx.name, d, RIFE_TOL);
        free(y);
        or_net_free(net);
        rf_close(&fx);
    }
    cr_expect(stems[0] >= 3 && stems[1] >= 3, "v4.6: %d fixtures, v4.25: %d", stems[0], stems[1]);
}

Test(net_rife, metadata_and_interface)
{
    or_err err;
    or_net *net;
    cr_assert_eq(or_net_load(rf_model(tu_src("tests/fixtures/ckpt/rife_v4_25.zip.pth")), be,
                             OR_F32, &net, &err),
                 OR_OK, "%s", err.msg);
    cr_expect_str_eq(net->arch, "rife");
    cr_expect_null(net->forward);
    cr_expect_not_null(net->interpolate);
    cr_expect_eq(net->size_multiple, 64, "5 blocks: 4 * 16");
    cr_expect_gt(net->workspace_bytes(net, 64, 64), (size_t)0);
    or_tensor a, b, y, odd;
    cr_assert_eq(or_tensor_alloc(be, &a, 1, 3, 64, 64, OR_F32, "x0", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &b, 1, 3, 64, 64, OR_F32, "x1", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &y, 1, 3, 64, 64, OR_F32, "y", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &odd, 1, 3, 64, 96, OR_F32, "x1", &err), OR_OK);
    cr_expect_eq(net->interpolate(net, &a, &b, 0.5f, 0.5f, &y, &err), OR_ESHAPE,
                 "flow scale 0.5 needs multiples of 128");
    cr_expect(strstr(err.msg, "multiple of 128"), "%s", err.msg);
    cr_expect_eq(net->interpolate(net, &a, &b, 0.5f, 0.3f, &y, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "flow scale"), "%s", err.msg);
    cr_expect_eq(net->interpolate(net, &a, &b, 1.5f, 1.0f, &y, &err), OR_EINVAL);
    cr_expect_eq(net->interpolate(net, &a, &odd, 0.5f, 1.0f, &y, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "frames differ"), "%s", err.msg);
    /* The steady state allocates nothing. */
    size_t n0 = 0;
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(net->interpolate(net, &a, &b, 0.5f, 1.0f, &y, &err), OR_OK, "%s", err.msg);
        if (i == 0)
            n0 = be->n_mem_allocs;
        else
            cr_expect_eq(be->n_mem_allocs, n0);
    }
    or_net_free(net);
}
