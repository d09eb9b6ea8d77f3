/* test_gpu_ops_flow.c: the "flow" family (DAIN's layers) on CUDA, f32 and f16,
 * against the plain references of op_matrix_flow.c (tolerances there: f32 1e-5
 * relative, the projection's atomics included; f16 45 dB): the same case list
 * as test_ops_flow.c.  Without a device gpu_main.c reports every test skipped. */
#include "gpu_test.h"
#include "op_matrix_lists.h"

GT_CUDA_FIXTURE(be)
TestSuite(ops_flow_cuda, .init = gt_open, .fini = gt_close);

#define GPU_TEST(op) OM_TEST_F32_F16(ops_flow_cuda, op)
OM_FLOW_CASES(GPU_TEST)
