/* test_gpu_ops_math_resample.c: the "math" and "resample" op families on CUDA,
 * f32 and f16, against the plain references and PyTorch's outputs: the same
 * case lists as test_ops_math_resample.c.  Without a device gpu_main.c reports
 * every test skipped. */
#include "gpu_test.h"
#include "op_matrix_lists.h"

GT_CUDA_FIXTURE(be)
TestSuite(math_resample_cuda, .init = gt_open, .fini = gt_close);

#define GPU_TEST(op) OM_TEST_F32_F16(math_resample_cuda, op)
OM_MATH_CASES(GPU_TEST)
OM_RESAMPLE_CASES(GPU_TEST)
