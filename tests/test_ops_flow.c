/* test_ops_flow.c: the "flow" family (DAIN's layers) on the CPU backend: the
 * op matrix against the independent references, hand-computed cases of the
 * official semantics, and the argument checks. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "op_matrix_lists.h"
#include "test_util.h"

OM_CPU_FIXTURE(be)

TestSuite(ops_flow_cpu, .init = om_open, .fini = om_close);

#define CPU_TEST(op) OM_TEST_F32(ops_flow_cpu, op)
OM_FLOW_CASES(CPU_TEST)

static void upload(or_tensor *t, int n, int c, int h, int w, const char *name, const float *v)
{
    or_err err;
    cr_assert_eq(or_tensor_alloc(be, t, n, c, h, w, OR_F32, name, &err), OR_OK, "%s", err.msg);
    if (v)
        cr_assert_eq(or_tensor_upload_f32(t, v, &err), OR_OK, "%s", err.msg);
}

/* 1x4 image, pixel 0 moves by +1 with inverse depth 2, the others stay (weight 1).
 * Pixel 0 lands on x2 = 1: corners 1 and 2, each twice (the bottom row is
 * clamped onto the top one); pixel 3 lands on its own column, clamped right.
 *   count = [0, 2*2+2, 2*2+2+2, 2+4] = [0, 6, 8, 6]
 *   u     = [0, -2*1*2/6, -2*1*2/8, 0] = [0, -2/3, -1/2, 0]
 * and the hole at 0 takes its right neighbour's value when filled. */
Test(ops_flow_cpu, projection_hand_case)
{
    const float flow[8] = {1, 0, 0, 0, 0, 0, 0, 0}, dinv[4] = {2, 1, 1, 1};
    or_tensor f, d, c, y;
    or_err err;
    float out[8], cnt[4];
    upload(&f, 1, 2, 1, 4, "flow", flow);
    upload(&d, 1, 1, 1, 4, "depth_inv", dinv);
    upload(&c, 1, 1, 1, 4, "count", NULL);
    upload(&y, 1, 2, 1, 4, "projected", NULL);
    for (int fill = 0; fill <= 1; fill++) {
        cr_assert_eq(or_depth_flow_projection(&f, &d, fill, &c, &y, &err), OR_OK, "%s", err.msg);
        cr_assert_eq(or_tensor_download_f32(&y, out, &err), OR_OK);
        cr_assert_eq(or_tensor_download_f32(&c, cnt, &err), OR_OK);
        const float want_c[4] = {0, 6, 8, 6};
        const float want_u[4] = {fill ? -2.0f / 3 : 0, -2.0f / 3, -0.5f, 0};
        for (int i = 0; i < 4; i++) {
            cr_expect_float_eq(cnt[i], want_c[i], 1e-6, "count[%d] = %g", i, cnt[i]);
            cr_expect_float_eq(out[i], want_u[i], 1e-6, "u[%d] = %g (fill %d)", i, out[i], fill);
            cr_expect_eq(out[4 + i], 0.0f);
        }
    }
}

/* 4x4 image x = 0..15 (row-major); pixel (1,1) moves by (0.5, 0.25) to x2 = 1.5,
 * y2 = 1.25.  F = 2 with unit taps is plain bilinear sampling: 1.25*4 + 1.5 = 6.5.
 * F = 4 with the single tap 5 = (1,1) of the window starting at (0,0) is the
 * top-left quadrant only: (1-0.5)*(1-0.25)*x[1][1] = 0.375*5 = 1.875.  A pixel
 * moved by half the width or more keeps its own value. */
Test(ops_flow_cpu, filter_interpolation_hand_case)
{
    float img[16], flow[32] = {0}, taps2[64], taps4[256] = {0}, out[16];
    for (int i = 0; i < 16; i++)
        img[i] = (float)i;
    flow[5] = 0.5f, flow[16 + 5] = 0.25f; /* pixel (1,1) */
    flow[10] = 2.0f;                      /* pixel (2,2): |fx| = W/2: kept */
    for (int i = 0; i < 64; i++)
        taps2[i] = 1.0f;
    for (int p = 0; p < 16; p++)
        taps4[5 * 16 + p] = 1.0f;
    or_tensor x, f, k2, k4, y;
    or_err err;
    upload(&x, 1, 1, 4, 4, "x", img);
    upload(&f, 1, 2, 4, 4, "flow", flow);
    upload(&k2, 1, 4, 4, 4, "taps2", taps2);
    upload(&k4, 1, 16, 4, 4, "taps4", taps4);
    upload(&y, 1, 1, 4, 4, "y", NULL);
    cr_assert_eq(or_filter_interpolation(&x, &f, &k2, 2, &y, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_tensor_download_f32(&y, out, &err), OR_OK);
    cr_expect_float_eq(out[5], 6.5f, 1e-6, "F=2: %g", out[5]);
    cr_expect_float_eq(out[10], 10.0f, 1e-6, "out of range: %g", out[10]);
    cr_expect_float_eq(out[0], 0.0f, 1e-6);
    cr_assert_eq(or_filter_interpolation(&x, &f, &k4, 4, &y, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_tensor_download_f32(&y, out, &err), OR_OK);
    cr_expect_float_eq(out[5], 1.875f, 1e-6, "F=4: %g", out[5]);
}

/* md 1 on a 1-channel 1x3 pair: channel k = (dy+1)*3 + dx+1 at pixel j is
 * a[j] * b[j+dx] (divided by C = 1), zero where j+dx or dy leaves the image. */
Test(ops_flow_cpu, correlation_hand_case)
{
    const float a[3] = {1, 2, 3}, b[3] = {4, 5, 6};
    float out[27];
    or_tensor ta, tb, ty;
    or_err err;
    upload(&ta, 1, 1, 1, 3, "a", a);
    upload(&tb, 1, 1, 1, 3, "b", b);
    upload(&ty, 1, 9, 1, 3, "corr", NULL);
    cr_assert_eq(or_correlation(&ta, &tb, 1, &ty, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_tensor_download_f32(&ty, out, &err), OR_OK);
    const float want_row[9] = {0, 2 * 4, 3 * 5, /* dx = -1 */
                               1 * 4, 2 * 5, 3 * 6, /* dx = 0 */
                               1 * 5, 2 * 6, 0 /* dx = +1 */};
    for (int i = 0; i < 9; i++) {
        cr_expect_float_eq(out[3 * 3 + i], want_row[i], 1e-6, "dy=0 %d: %g", i, out[9 + i]);
        cr_expect_eq(out[i], 0.0f);       /* dy = -1: outside */
        cr_expect_eq(out[18 + i], 0.0f);  /* dy = +1: outside */
    }
}

Test(ops_flow_cpu, errors_name_the_tensors)
{
    or_tensor a, b, y, f;
    or_err err;
    upload(&a, 1, 4, 5, 6, "feat0", NULL);
    upload(&b, 1, 4, 5, 7, "feat1", NULL);
    upload(&y, 1, 81, 5, 6, "corr", NULL);
    upload(&f, 1, 3, 5, 6, "flowish", NULL);
    cr_expect_eq(or_correlation(&a, &b, 4, &y, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "feat1") && strstr(err.msg, "[1,4,5,7]"), "%s", err.msg);
    cr_expect_eq(or_correlation(&a, &a, 3, &y, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "corr"), "%s", err.msg);
    cr_expect_eq(or_pwc_warp(&a, &f, &a, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "flowish"), "%s", err.msg);
    cr_expect_eq(or_filter_interpolation(&a, &f, &f, 3, &a, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "filter size 3"), "%s", err.msg);
    cr_expect_eq(or_inv_exp(&a, 1e-6f, &b, &err), OR_ESHAPE);
}
