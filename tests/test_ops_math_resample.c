/* test_ops_math_resample.c: the "math" and "resample" op families on the CPU
 * against plain references and against PyTorch's outputs, and their argument
 * checks. */
#include <criterion/criterion.h>
#include <string.h>

#include "op_matrix_lists.h"
#include "test_util.h"

OM_CPU_FIXTURE(be)

TestSuite(math_resample_cpu, .init = om_open, .fini = om_close);

#define CPU_TEST(op) OM_TEST_F32(math_resample_cpu, op)
OM_MATH_CASES(CPU_TEST)
OM_RESAMPLE_CASES(CPU_TEST)

Test(math_resample_cpu, resize_bilinear_fast_equals_plain)
{
    cr_expect_eq(om_resize_bilinear_fast_cases(), 0);
}

Test(math_resample_cpu, warp_bilinear_fast_equals_plain)
{
    cr_expect_eq(om_warp_bilinear_fast_cases(), 0);
}

Test(math_resample_cpu, errors_name_the_tensors)
{
    or_tensor a, b, y, flow, small;
    or_err err;
    cr_assert_eq(or_tensor_alloc(be, &a, 1, 3, 8, 10, OR_F32, "frame", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &b, 1, 2, 8, 10, OR_F32, "mask", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &y, 1, 3, 8, 10, OR_F32, "out", &err), OR_OK);
    cr_expect_eq(or_mul(&a, &b, &y, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "mask") && strstr(err.msg, "[1,2,8,10]"), "%s", err.msg);
    cr_expect_eq(or_clamp(&a, 1, 0, &y, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "frame"), "%s", err.msg);
    /* scale factor 0.5 of 8x10 is 4x5, not 4x4 */
    cr_assert_eq(or_tensor_alloc(be, &small, 1, 3, 4, 4, OR_F32, "half", &err), OR_OK);
    cr_expect_eq(or_resize_bilinear(&a, 0, 0.5, 0.5, &small, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "frame") && strstr(err.msg, "width of 10"), "%s", err.msg);
    cr_expect_eq(or_resize_nearest(&a, -1, 0, &small, &err), OR_EINVAL);
    cr_expect_eq(or_resize_bilinear(&a, 0, 0, 0, &a, &err), OR_EINVAL, "in place");
    cr_assert_eq(or_tensor_alloc(be, &flow, 1, 3, 8, 10, OR_F32, "flow", &err), OR_OK);
    cr_expect_eq(or_warp_bilinear(&a, &flow, OR_GRID_PAD_BORDER, 1, &y, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "flow") && strstr(err.msg, "[1,2,8,10]"), "%s", err.msg);
    cr_expect_eq(or_warp_bilinear(&a, &b, OR_GRID_PAD_BORDER, 1, &a, &err), OR_EINVAL, "in place");
    cr_expect_eq(or_warp_bilinear(&a, &b, OR_GRID_PAD_BORDER, 1, &y, &err), OR_OK, "%s", err.msg);
    or_tensor strip, sflow, sy;
    cr_assert_eq(or_tensor_alloc(be, &strip, 1, 3, 1, 10, OR_F32, "strip", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &sflow, 1, 2, 1, 10, OR_F32, "sflow", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &sy, 1, 3, 1, 10, OR_F32, "sy", &err), OR_OK);
    cr_expect_eq(or_warp_bilinear(&strip, &sflow, OR_GRID_PAD_ZEROS, 0, &sy, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "strip") && strstr(err.msg, "H, W >= 2"), "%s", err.msg);
}

Test(math_resample_cpu, steady_state_allocates_nothing)
{
    size_t after_first = 0;
    for (int iter = 0; iter < 3; iter++) {
        cr_assert_eq(om_warp_bilinear_cases(be, OR_F32) + om_resize_bilinear_cases(be, OR_F32), 0);
        if (iter == 0)
            after_first = be->n_mem_allocs;
        else
            cr_expect_eq(be->n_mem_allocs, after_first);
    }
}
