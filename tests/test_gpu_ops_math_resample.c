/* test_gpu_ops_math_resample.c: the "math" and "resample" op families on CUDA,
 * f32 and f16, against the plain references and PyTorch's outputs.  Without a
 * device gpu_main.c reports every test skipped. */
#include <criterion/criterion.h>

#include "op_matrix_math.h"
#include "op_matrix_resample.h"
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

TestSuite(math_resample_cuda, .init = open_cuda, .fini = close_cuda);

#define BOTH(op)                                                                              \
    Test(math_resample_cuda, op##_f32) { cr_expect_eq(om_##op##_cases(be, OR_F32), 0); }     \
    Test(math_resample_cuda, op##_f16) { cr_expect_eq(om_##op##_cases(be, OR_F16), 0); }

BOTH(mul)
BOTH(scale_shift)
BOTH(fill)
BOTH(clamp)
BOTH(resize_bilinear)
BOTH(resize_nearest)
BOTH(warp_bilinear)

Test(math_resample_cuda, against_pytorch_f32)
{
    int n = 0;
    cr_expect_eq(om_resample_torch_cases(be, OR_F32, &n), 0);
    cr_expect_geq(n, 20);
}

Test(math_resample_cuda, against_pytorch_f16)
{
    int n = 0;
    cr_expect_eq(om_resample_torch_cases(be, OR_F16, &n), 0);
    cr_expect_geq(n, 20);
}
