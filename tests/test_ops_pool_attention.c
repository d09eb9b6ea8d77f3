/* test_ops_pool_attention.c: the "pool", "attention" and "norm" op families on the CPU
 * backend (op matrix against plain references), their argument checks, and
 * the softmax's numerical care. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "kernels/attention_kernels.h"
#include "op_matrix_lists.h"
#include "test_util.h"

OM_CPU_FIXTURE(be)

TestSuite(pool_attention_cpu, .init = om_open, .fini = om_close);

#define CPU_TEST(op) OM_TEST_F32(pool_attention_cpu, op)
OM_POOL_CASES(CPU_TEST)
OM_ATTENTION_CASES(CPU_TEST)
OM_NORM_CASES(CPU_TEST)

Test(pool_attention_cpu, softmax_survives_huge_logits)
{
    float s[2][5] = {{1000, 999, 998, -1000, 1000}, {-3e4f, -3e4f, -3e4f, -3e4f, -3e4f}};
    softmax_rows_f32(&s[0][0], 2, 5);
    double e1 = exp(-1.0), e2 = exp(-2.0), z = 2 + e1 + e2;
    cr_expect_float_eq(s[0][0], (float)(1 / z), 1e-6);
    cr_expect_float_eq(s[0][1], (float)(e1 / z), 1e-6);
    cr_expect_float_eq(s[0][3], 0.0f, 1e-30);
    for (int i = 0; i < 5; i++)
        cr_expect_float_eq(s[1][i], 0.2f, 1e-7);
}

Test(pool_attention_cpu, errors_name_the_tensors)
{
    or_tensor x, y, q, k, v, small;
    or_err err;
    cr_assert_eq(or_tensor_alloc(be, &x, 1, 16, 5, 6, OR_F32, "feat", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &y, 1, 16, 3, 3, OR_F32, "pooled", &err), OR_OK);
    cr_expect_eq(or_maxpool2d(&x, 3, 3, 2, 2, 1, 1, &y, &err), OR_OK, "%s", err.msg);
    cr_expect_eq(or_maxpool2d(&x, 2, 2, 2, 2, 0, 0, &y, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "pooled") && strstr(err.msg, "[1,16,2,3]"), "%s", err.msg);
    cr_expect_eq(or_avgpool2d(&x, 2, 2, 1, 1, 2, 0, 1, &y, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "feat") && strstr(err.msg, "padding"), "%s", err.msg);
    cr_expect_eq(or_maxpool2d(&x, 3, 3, 2, 2, 1, 1, &x, &err), OR_ESHAPE);
    cr_assert_eq(or_tensor_alloc(be, &small, 1, 16, 5, 9, OR_F32, "padded", &err), OR_OK);
    cr_expect_eq(or_pad2d(&x, 6, 0, 0, 0, OR_PAD_REFLECT, &small, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "reflect") && strstr(err.msg, "feat"), "%s", err.msg);
    cr_expect_eq(or_pad2d(&x, 3, 0, 0, 0, OR_PAD_REFLECT, &small, &err), OR_OK, "%s", err.msg);
    cr_expect_eq(or_pad2d(&x, 1, 0, 1, 0, OR_PAD_ZERO, &small, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "padded") && strstr(err.msg, "[1,16,6,7]"), "%s", err.msg);

    cr_assert_eq(or_tensor_alloc(be, &q, 2, 16, 1, 1, OR_F32, "attn.query", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &k, 2, 16, 1, 1, OR_F32, "attn.key", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &v, 16, 15, 1, 1, OR_F32, "attn.value", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &y, 1, 16, 5, 6, OR_F32, "attn.out", &err), OR_OK);
    cr_expect_eq(or_self_attention(&x, &q, &k, &v, 0.5f, &y, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "attn.value") && strstr(err.msg, "[16,16,1,1]"), "%s", err.msg);
    cr_expect_eq(or_self_attention(&x, &q, &k, &q, 0.5f, &x, &err), OR_ESHAPE);
    cr_assert_eq(or_tensor_alloc(be, &v, 16, 16, 1, 1, OR_F32, "attn.value", &err), OR_OK);
    cr_expect_eq(or_self_attention(&x, &q, &k, &v, 0.5f, &x, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "overlap"), "%s", err.msg);
    cr_expect_eq(or_self_attention(&x, &q, &k, &v, 0.5f, &y, &err), OR_OK, "%s", err.msg);
}

Test(pool_attention_cpu, exemplar_attention_and_norm_errors_name_the_tensors)
{
    or_tensor q, k, v, y, sim, v17, kbad, x;
    or_err err;
    cr_assert_eq(or_tensor_alloc(be, &q, 1, 8, 3, 5, OR_F32, "theta", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &k, 1, 8, 4, 4, OR_F32, "phi", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &v, 1, 2, 4, 4, OR_F32, "ref ab", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &y, 1, 2, 3, 5, OR_F32, "warped", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &sim, 1, 1, 3, 5, OR_F32, "similarity", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &v17, 1, 17, 4, 4, OR_F32, "wide", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &kbad, 1, 7, 4, 4, OR_F32, "phi7", &err), OR_OK);
    cr_expect_eq(or_exemplar_attention(&q, &k, &v, 0.01f, &y, &sim, &err), OR_OK, "%s", err.msg);
    cr_expect_eq(or_exemplar_attention(&q, &k, &v, 0.01f, &y, NULL, &err), OR_OK, "%s", err.msg);
    cr_expect_eq(or_exemplar_attention(&q, &kbad, &v, 0.01f, &y, &sim, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "phi7") && strstr(err.msg, "[1,8,4,4]"), "%s", err.msg);
    cr_expect_eq(or_exemplar_attention(&q, &k, &v17, 0.01f, &y, &sim, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "wide") && strstr(err.msg, "1..16"), "%s", err.msg);
    cr_expect_eq(or_exemplar_attention(&q, &k, &v, 0.0f, &y, &sim, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "temperature"), "%s", err.msg);
    cr_expect_eq(or_exemplar_attention(&q, &k, &v, 0.01f, &sim, NULL, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "similarity") && strstr(err.msg, "[1,2,3,5]"), "%s", err.msg);
    or_tensor alias = y; /* the similarity written over the warped output */
    alias.c = 1;
    cr_expect_eq(or_exemplar_attention(&q, &k, &v, 0.01f, &y, &alias, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "overlap"), "%s", err.msg);
    cr_assert_eq(or_tensor_alloc(be, &x, 1, 3, 1, 1, OR_F32, "one pixel", &err), OR_OK);
    cr_expect_eq(or_instance_norm(&x, 0.0f, &x, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "eps"), "%s", err.msg);
    cr_expect_eq(or_channel_normalize(&x, 0.0f, &y, &err), OR_ESHAPE);
    cr_expect(strstr(err.msg, "warped") && strstr(err.msg, "[1,3,1,1]"), "%s", err.msg);
}

Test(pool_attention_cpu, cpu_refuses_f16)
{
    or_tensor x, y;
    or_err err;
    cr_assert_eq(or_tensor_alloc(be, &x, 1, 2, 4, 4, OR_F16, "h", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &y, 1, 2, 2, 2, OR_F16, "h2", &err), OR_OK);
    cr_expect_eq(or_maxpool2d(&x, 2, 2, 2, 2, 0, 0, &y, &err), OR_EUNSUPPORTED);
    cr_expect(strstr(err.msg, "f16"), "%s", err.msg);
}

/* Scratch is given back: the arena's state after a call equals the state before. */
Test(pool_attention_cpu, attention_returns_its_scratch)
{
    cr_assert_eq(om_self_attention_cases(be, OR_F32), 0);
    size_t allocs = be->n_mem_allocs;
    cr_assert_eq(om_self_attention_cases(be, OR_F32), 0);
    cr_expect_eq(be->n_mem_allocs, allocs);
}
