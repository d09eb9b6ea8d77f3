/* test_gpu_ops.c: the core op matrix (op_matrix.h, and op_matrix_nhwc.h for NHWC)
 * on CUDA, f32 and f16, against the plain-C references: the same case lists as
 * test_ops.c.  Without a device gpu_main.c reports every test skipped. */
#include "gpu_test.h"
#include "op_matrix_lists.h"

GT_CUDA_FIXTURE(be)
TestSuite(ops_cuda, .init = gt_open, .fini = gt_close);

#define GPU_TEST(op) OM_TEST_F32_F16(ops_cuda, op)
OM_CORE_CASES(GPU_TEST)
Test(ops_cuda, cast) { cr_expect_eq(om_cast_cases(be), 0); }
OM_NHWC_CASES(GPU_TEST)

Test(ops_cuda, mem_available)
{
    cr_assert(be->mem_available);
    cr_expect_gt(be->mem_available(be), (size_t)1 << 20); /* other tests run beside: no exact check */
}

Test(ops_cuda, steady_state_allocates_nothing)
{
    size_t after_first = 0;
    for (int iter = 0; iter < 3; iter++) {
        cr_assert_eq(om_conv2d_cases(be, OR_F16), 0);
        if (iter == 0)
            after_first = be->n_mem_allocs;
        else
            cr_expect_eq(be->n_mem_allocs, after_first);
    }
}
