/* test_ops_deconv_color.c: the "deconv" and "color" op families on the CPU
 * backend against plain references, and their argument checks. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/color_kernels.h"
#include "kernels/color_px.h"
#include "op_matrix_lists.h"
#include "test_util.h"

OM_CPU_FIXTURE(be)

TestSuite(color_cpu, .init = om_open, .fini = om_close);

#define COLOR_TEST(op) OM_TEST_F32(color_cpu, op)
OM_COLOR_CASES(COLOR_TEST)
OM_COLOR_F32_CASES(COLOR_TEST)

Test(color_cpu, errors_name_the_tensors)
{
    or_tensor x, y, four, part;
    or_err err;
    cr_assert_eq(or_tensor_alloc(be, &x, 1, 3, 4, 5, OR_F32, "rgb", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &y, 1, 3, 4, 6, OR_F32, "lab", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &four, 1, 4, 4, 5, OR_F32, "rgba", &err), OR_OK);
    cr_expect_eq(or_rgb_to_lab(&x, &y, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "rgb_to_lab") && strstr(err.msg, "lab") && strstr(err.msg, "[1,3,4,5]"),
              "%s", err.msg);
    cr_expect_eq(or_lab_to_rgb(&four, &four, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "rgba") && strstr(err.msg, "3 channels"), "%s", err.msg);
    part = x;
    part.data = (char *)x.data + sizeof(float);
    part.name = "shifted";
    cr_expect_eq(or_rgb_to_yuv(&x, &part, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "overlap"), "%s", err.msg);
    cr_expect_eq(or_yuv_to_rgb(&x, &x, &err), OR_OK, "in place is allowed: %s", err.msg);
}

/* rgb_to_lab (and rgb_to_l) take the sRGB curve of 8-bit sample values from a table
 * (kernels/color_cpu.c):
 * bit for bit the formula's result for both ways a sample decodes (k / 255.0f and
 * k * (1.0f / 255.0f)), their neighbours one ulp away (computed, not looked up), 16-bit
 * values, 0, 1, out-of-range values and NaN. */
Test(color_cpu, rgb_to_lab_8bit_table_is_exact)
{
    enum { N = 256 * 6 + 8 };
    float *x = malloc(3 * N * sizeof(float)), *y = malloc(3 * N * sizeof(float));
    cr_assert(x && y);
    int n = 0;
    for (int k = 0; k < 256; k++) {
        float a = (float)k / 255.0f, b = (float)k * (1.0f / 255.0f);
        float v[6] = {a, b, nextafterf(a, 2.0f), nextafterf(b, -1.0f), (float)(257 * k) / 65535.0f,
                      (float)(k * 255 + 7) / 65535.0f};
        for (int j = 0; j < 6; j++)
            x[n++] = v[j];
    }
    const float odd[8] = {0.0f, 1.0f, -0.0f, -0.25f, 1.5f, 255.0f, 1e-30f, NAN};
    for (int j = 0; j < 8; j++)
        x[n++] = odd[j];
    cr_assert_eq(n, N);
    /* three channels: the values, reversed, and shifted by a third, so each pixel mixes */
    for (int i = 0; i < N; i++)
        x[N + i] = x[N - 1 - i], x[2 * N + i] = x[(i + N / 3) % N];
    color_convert_nchw_f32(OR_COLOR_RGB2LAB, x, y, 1, N);
    int bad = 0;
    for (int i = 0; i < N; i++) {
        double ref[3];
        color_rgb_to_lab_px(x[i], x[N + i], x[2 * N + i], ref);
        for (int c = 0; c < 3; c++) {
            float r = (float)ref[c], got = y[c * N + i];
            if (memcmp(&r, &got, sizeof r) && !(isnan(r) && isnan(got)) && bad++ < 5)
                cr_log_error("pixel %d (%.9g %.9g %.9g) channel %d: %.9g, formula %.9g", i, x[i],
                             x[N + i], x[2 * N + i], c, got, r);
        }
    }
    cr_expect_eq(bad, 0, "%d values differ from the formula's", bad);
    /* rgb_to_l: the same L, bit for bit, a = b = 0 */
    float *l = malloc(3 * N * sizeof(float));
    cr_assert(l);
    color_convert_nchw_f32(OR_COLOR_RGB2L, x, l, 1, N);
    bad = 0;
    for (int i = 0; i < N; i++)
        if ((memcmp(&l[i], &y[i], sizeof(float)) && !(isnan(l[i]) && isnan(y[i]))) ||
            l[N + i] != 0.0f || l[2 * N + i] != 0.0f)
            if (bad++ < 5)
                cr_log_error("rgb_to_l pixel %d: %.9g %g %g, rgb_to_lab's L %.9g", i, l[i],
                             l[N + i], l[2 * N + i], y[i]);
    cr_expect_eq(bad, 0, "rgb_to_l: %d pixels differ from rgb_to_lab's L", bad);
    free(x), free(y), free(l);
}

TestSuite(deconv_cpu, .init = om_open, .fini = om_close);

#define DECONV_TEST(op) OM_TEST_F32(deconv_cpu, op)
OM_DECONV_CASES(DECONV_TEST)

Test(deconv_cpu, errors_name_the_tensors)
{
    or_tensor x, w, y;
    or_err err;
    or_deconv2d_params p = or_deconv2d_default();
    p.stride_h = p.stride_w = 2, p.pad_h = p.pad_w = 1;
    cr_assert_eq(or_tensor_alloc(be, &x, 1, 8, 5, 6, OR_F32, "feat", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &w, 8, 4, 4, 4, OR_F32, "up8.weight", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &y, 1, 4, 10, 11, OR_F32, "up", &err), OR_OK);
    cr_expect_eq(or_conv_transpose2d(&x, &w, NULL, &p, &y, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "up") && strstr(err.msg, "[1,4,10,12]"), "%s", err.msg);
    cr_assert_eq(or_tensor_alloc(be, &w, 7, 4, 4, 4, OR_F32, "up8.weight", &err), OR_OK);
    cr_expect_eq(or_conv_transpose2d(&x, &w, NULL, &p, &y, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "up8.weight") && strstr(err.msg, "8 channels"), "%s", err.msg);
    cr_assert_eq(or_tensor_alloc(be, &w, 8, 4, 4, 4, OR_F32, "up8.weight", &err), OR_OK);
    p.out_pad_h = 2;
    cr_expect_eq(or_conv_transpose2d(&x, &w, NULL, &p, &y, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "output_padding"), "%s", err.msg);
}

Test(deconv_cpu, steady_state_allocates_nothing)
{
    size_t after_first = 0;
    for (int iter = 0; iter < 3; iter++) {
        cr_assert_eq(om_deconv_cases(be, OR_F32), 0);
        if (iter == 0)
            after_first = be->n_mem_allocs;
        else
            cr_expect_eq(be->n_mem_allocs, after_first);
    }
}
