/* test_gpu_ops.c: the op matrix on every CUDA device, f32 and f16, against the
 * plain-C references.  Without a device gpu_main.c reports every test skipped. */
#include <criterion/criterion.h>

#include "op_matrix.h"
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

TestSuite(ops_cuda, .init = open_cuda, .fini = close_cuda);

Test(ops_cuda, conv2d_f32) { cr_expect_eq(om_conv2d_cases(be, OR_F32), 0); }
Test(ops_cuda, conv2d_f16) { cr_expect_eq(om_conv2d_cases(be, OR_F16), 0); }
Test(ops_cuda, activation_f32) { cr_expect_eq(om_activation_cases(be, OR_F32), 0); }
Test(ops_cuda, activation_f16) { cr_expect_eq(om_activation_cases(be, OR_F16), 0); }
Test(ops_cuda, add_f32) { cr_expect_eq(om_add_cases(be, OR_F32), 0); }
Test(ops_cuda, add_f16) { cr_expect_eq(om_add_cases(be, OR_F16), 0); }
Test(ops_cuda, channel_affine_f32) { cr_expect_eq(om_channel_affine_cases(be, OR_F32), 0); }
Test(ops_cuda, channel_affine_f16) { cr_expect_eq(om_channel_affine_cases(be, OR_F16), 0); }
Test(ops_cuda, cast) { cr_expect_eq(om_cast_cases(be), 0); }
Test(ops_cuda, pixel_shuffle_f32) { cr_expect_eq(om_pixel_shuffle_cases(be, OR_F32), 0); }
Test(ops_cuda, pixel_shuffle_f16) { cr_expect_eq(om_pixel_shuffle_cases(be, OR_F16), 0); }
Test(ops_cuda, pixel_unshuffle_f32) { cr_expect_eq(om_pixel_unshuffle_cases(be, OR_F32), 0); }
Test(ops_cuda, pixel_unshuffle_f16) { cr_expect_eq(om_pixel_unshuffle_cases(be, OR_F16), 0); }
Test(ops_cuda, upsample_nearest_f32) { cr_expect_eq(om_upsample_nearest_cases(be, OR_F32), 0); }
Test(ops_cuda, upsample_nearest_f16) { cr_expect_eq(om_upsample_nearest_cases(be, OR_F16), 0); }
Test(ops_cuda, dense_slice_conv_f32) { cr_expect_eq(om_dense_slice_conv_cases(be, OR_F32), 0); }
Test(ops_cuda, dense_slice_conv_f16) { cr_expect_eq(om_dense_slice_conv_cases(be, OR_F16), 0); }

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
