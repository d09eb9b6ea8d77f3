/* test_gpu_ops_deconv_color.c: the "deconv" and "color" op families on every
 * CUDA device, f32 and f16, against the plain references (tolerances as
 * op_matrix.h).  Without a device gpu_main.c reports every test skipped. */
#include <criterion/criterion.h>

#include "op_matrix_color.h"
#include "op_matrix_deconv.h"
#include "test_util.h"

static or_backend *be;

static void open_cuda(void)
{
    or_err err;
    if (!tu_have_cuda())
        cr_skip_test("no CUDA device");
    cr_assert_eq(or_backend_cuda_create(0, &be, &err), OR_OK, "%s", err.msg);
}

static void close_cuda(void)
{
    if (be)
        or_backend_destroy(be);
    be = NULL;
}

TestSuite(deconv_color_cuda, .init = open_cuda, .fini = close_cuda);

Test(deconv_color_cuda, deconv_f32) { cr_expect_eq(om_deconv_cases(be, OR_F32), 0); }
Test(deconv_color_cuda, deconv_f16) { cr_expect_eq(om_deconv_cases(be, OR_F16), 0); }
Test(deconv_color_cuda, deconv_torch_f32) { cr_expect_eq(om_deconv_torch_cases(be, OR_F32), 0); }
Test(deconv_color_cuda, deconv_torch_f16) { cr_expect_eq(om_deconv_torch_cases(be, OR_F16), 0); }
Test(deconv_color_cuda, color_f32) { cr_expect_eq(om_color_cases(be, OR_F32), 0); }
Test(deconv_color_cuda, color_f16) { cr_expect_eq(om_color_cases(be, OR_F16), 0); }
Test(deconv_color_cuda, class_to_ab_f32) { cr_expect_eq(om_class_to_ab_cases(be, OR_F32), 0); }
Test(deconv_color_cuda, class_to_ab_f16) { cr_expect_eq(om_class_to_ab_cases(be, OR_F16), 0); }
Test(deconv_color_cuda, color_numpy_f32) { cr_expect_eq(om_color_numpy_cases(be, OR_F32), 0); }

Test(deconv_color_cuda, deconv_steady_state_allocates_nothing)
{
    size_t after_first = 0;
    for (int iter = 0; iter < 3; iter++) {
        cr_assert_eq(om_deconv_cases(be, OR_F16), 0);
        if (iter == 0)
            after_first = be->n_mem_allocs;
        else
            cr_expect_eq(be->n_mem_allocs, after_first);
    }
}
