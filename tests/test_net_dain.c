/* test_net_dain.c: DAIN on the CPU against the PyTorch reference
 * (tests/fixtures/dain_nets.py): the seeded official-layout checkpoint is
 * converted, loaded and run on each fixture's frames.  Limit: max abs <= 1e-4
 * (the common network bound).  The fixture outputs reach |20|, so this is
 * about 5e-6 relative: float accumulation-order differences through ~40
 * layers, with the discrete steps (warp mask, projection corners, filter
 * window) taken at the same positions. */
#include <criterion/criterion.h>
#include <math.h>

#include "dain_fixtures.h"

#define DAIN_CPU_TOL 1e-4

static or_backend *be;

static void open_cpu(void)
{
    or_err err;
    cr_assert_eq(or_backend_cpu_create(0, &be, &err), OR_OK, "%s", err.msg);
}

static void close_cpu(void) { or_backend_destroy(be); }

TestSuite(net_dain_cpu, .init = open_cpu, .fini = close_cpu, .timeout = 60);

Test(net_dain_cpu, matches_pytorch)
{
    or_net *net;
    or_err err;
    cr_assert_eq(or_net_load(df_model(), be, OR_F32, &net, &err), OR_OK, "%s", err.msg);
    cr_expect_eq(net->size_multiple, 64);
    cr_expect(net->interpolate && !net->forward);
    for (size_t i = 0; i < DF_N; i++) {
        df_fixture fx;
        df_open(df_stems[i], &fx);
        size_t n = (size_t)3 * fx.h * fx.w;
        float *y = malloc(n * sizeof(float));
        df_run(net, &fx, y);
        double d = tu_max_abs_diff(y, fx.out, n);
        printf("dain %s (t %.2f): max abs diff %.3g\n", df_stems[i], (double)fx.t, d);
        cr_expect(d <= DAIN_CPU_TOL, "%s: max abs diff %.3g > %.3g", df_stems[i], d,
                  DAIN_CPU_TOL);
        free(y);
        df_free(&fx);
    }
    or_net_free(net);
}

Test(net_dain_cpu, refuses_bad_sizes_and_times)
{
    or_net *net;
    or_err err;
    cr_assert_eq(or_net_load(df_model(), be, OR_F32, &net, &err), OR_OK, "%s", err.msg);
    or_tensor a, b, y;
    cr_assert_eq(or_tensor_alloc(be, &a, 1, 3, 64, 96, OR_F32, "frame0", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &b, 1, 3, 64, 96, OR_F32, "frame1", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &y, 1, 3, 64, 96, OR_F32, "middle", &err), OR_OK);
    cr_expect_eq(net->interpolate(net, &a, &b, 0.5f, 1.0f, &y, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "multiple of 64"), "%s", err.msg);
    or_tensor a2, b2, y2;
    cr_assert_eq(or_tensor_alloc(be, &a2, 1, 3, 64, 64, OR_F32, "frame0", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &b2, 1, 3, 64, 64, OR_F32, "frame1", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &y2, 1, 3, 64, 64, OR_F32, "middle", &err), OR_OK);
    cr_expect_eq(net->interpolate(net, &a2, &b2, 1.0f, 1.0f, &y2, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "outside (0,1)"), "%s", err.msg);
    or_net_free(net);
}

/* The pipeline pads as demo_MiddleBury.py: replicate up to the next multiple of
 * 128, split evenly with the odd pixel after; 32 per side at a multiple of 128. */
Test(net_dain_cpu, frame_pad_is_the_demo_padding)
{
    or_err err;
    or_net *net = NULL;
    cr_assert_eq(or_net_load(df_model(), be, OR_F32, &net, &err), OR_OK, "%s", err.msg);
    cr_assert(net->frame_pad);
    static const int cases[][3] = {{1, 128, 63}, {100, 128, 14}, {101, 128, 13},
                                   {128, 192, 32}, {129, 256, 63}, {256, 320, 32}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int padded, before, replicate;
        net->frame_pad(net, cases[i][0], 1.0f, &padded, &before, &replicate);
        cr_expect_eq(padded, cases[i][1], "n %d: padded %d", cases[i][0], padded);
        cr_expect_eq(before, cases[i][2], "n %d: before %d", cases[i][0], before);
        cr_expect_eq(replicate, 1);
    }
    or_net_free(net);
}
