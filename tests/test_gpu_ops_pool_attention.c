/* test_gpu_ops_pool_attention.c: the "pool", "attention" and "norm" op families on
 * CUDA, f32 and f16, against the plain-C references (op_matrix_pool.h,
 * op_matrix_attention.h): the same case lists as test_ops_pool_attention.c.
 * Without a device gpu_main.c reports every test skipped. */
#include "gpu_test.h"
#include "op_matrix_lists.h"

GT_CUDA_FIXTURE(be)
TestSuite(pool_attention_cuda, .init = gt_open, .fini = gt_close);

#define GPU_TEST(op) OM_TEST_F32_F16(pool_attention_cuda, op)
OM_POOL_CASES(GPU_TEST)
OM_ATTENTION_CASES(GPU_TEST)
OM_NORM_CASES(GPU_TEST)
