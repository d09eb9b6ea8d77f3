/* test_gpu_ops_pool_attention.c: the "pool" and "attention" op families on
 * CUDA, f32 and f16, against the plain-C references (op_matrix_pool.h,
 * op_matrix_attention.h).  Without a device gpu_main.c reports them skipped. */
#include <criterion/criterion.h>

#include "op_matrix_attention.h"
#include "op_matrix_pool.h"
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

TestSuite(pool_attention_cuda, .init = open_cuda, .fini = close_cuda);

Test(pool_attention_cuda, maxpool2d_f32) { cr_expect_eq(om_maxpool2d_cases(be, OR_F32), 0); }
Test(pool_attention_cuda, maxpool2d_f16) { cr_expect_eq(om_maxpool2d_cases(be, OR_F16), 0); }
Test(pool_attention_cuda, avgpool2d_f32) { cr_expect_eq(om_avgpool2d_cases(be, OR_F32), 0); }
Test(pool_attention_cuda, avgpool2d_f16) { cr_expect_eq(om_avgpool2d_cases(be, OR_F16), 0); }
Test(pool_attention_cuda, pad2d_f32) { cr_expect_eq(om_pad2d_cases(be, OR_F32), 0); }
Test(pool_attention_cuda, pad2d_f16) { cr_expect_eq(om_pad2d_cases(be, OR_F16), 0); }
Test(pool_attention_cuda, self_attention_f32) { cr_expect_eq(om_self_attention_cases(be, OR_F32), 0); }
Test(pool_attention_cuda, self_attention_f16) { cr_expect_eq(om_self_attention_cases(be, OR_F16), 0); }
