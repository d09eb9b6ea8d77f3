/* test_gpu_ops_deconv_color.c: the "deconv" and "color" op families on CUDA,
 * f32 and f16, against the plain references and PyTorch / numpy values: the
 * same case lists as test_ops_deconv_color.c (tolerances op_matrix_util.h).
 * Without a device gpu_main.c reports every test skipped. */
#include "gpu_test.h"
#include "op_matrix_lists.h"

GT_CUDA_FIXTURE(be)
TestSuite(deconv_color_cuda, .init = gt_open, .fini = gt_close);

#define GPU_TEST(op) OM_TEST_F32_F16(deconv_color_cuda, op)
#define GPU_TEST_F32(op) OM_TEST_F32(deconv_color_cuda, op)
OM_DECONV_CASES(GPU_TEST)
OM_COLOR_CASES(GPU_TEST)
OM_COLOR_F32_CASES(GPU_TEST_F32)

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
