/* test_ops_deconv_color.c: the "deconv" and "color" op families on the CPU
 * backend against plain references, and their argument checks. */
#include <criterion/criterion.h>
#include <string.h>

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
