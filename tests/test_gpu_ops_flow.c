/* test_gpu_ops_flow.c: the "flow" family (DAIN's layers) on every CUDA device,
 * f32 and f16, against the plain references of op_matrix_flow.c (tolerances
 * there: f32 1e-5 relative, the projection's atomics included; f16 45 dB).
 * Without a device gpu_main.c reports every test skipped. */
#include <criterion/criterion.h>

#include "op_matrix_flow.h"
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

TestSuite(ops_flow_cuda, .init = open_cuda, .fini = close_cuda);

Test(ops_flow_cuda, correlation_f32) { cr_expect_eq(om_flow_correlation_cases(be, OR_F32), 0); }
Test(ops_flow_cuda, correlation_f16) { cr_expect_eq(om_flow_correlation_cases(be, OR_F16), 0); }
Test(ops_flow_cuda, pwc_warp_f32) { cr_expect_eq(om_flow_pwc_warp_cases(be, OR_F32), 0); }
Test(ops_flow_cuda, pwc_warp_f16) { cr_expect_eq(om_flow_pwc_warp_cases(be, OR_F16), 0); }
Test(ops_flow_cuda, projection_f32) { cr_expect_eq(om_flow_projection_cases(be, OR_F32), 0); }
Test(ops_flow_cuda, projection_f16_inputs) { cr_expect_eq(om_flow_projection_cases(be, OR_F16), 0); }
Test(ops_flow_cuda, filter_interpolation_f32)
{
    cr_expect_eq(om_flow_filter_interpolation_cases(be, OR_F32), 0);
}
Test(ops_flow_cuda, filter_interpolation_f16)
{
    cr_expect_eq(om_flow_filter_interpolation_cases(be, OR_F16), 0);
}
Test(ops_flow_cuda, inv_exp_f32) { cr_expect_eq(om_flow_inv_exp_cases(be, OR_F32), 0); }
Test(ops_flow_cuda, inv_exp_f16) { cr_expect_eq(om_flow_inv_exp_cases(be, OR_F16), 0); }
