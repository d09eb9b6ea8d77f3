/* op_matrix_lists.h: every op matrix, family by family, as X-macro lists, so
 * that the CPU tests (test_ops*.c) and the CUDA tests (test_gpu_ops*.c) run the
 * same cases: X(name) names int om_<name>_cases(or_backend *, or_dtype), run on
 * f32 by the CPU and on f32 and f16 by CUDA.  An op added to a family goes in
 * its list and is then covered on both backends.  Use with OM_TEST_F32 /
 * OM_TEST_F32_F16 below (the file defines `be`), e.g.
 *   #define CPU_TEST(op) OM_TEST_F32(pool_attention_cpu, op)
 *   OM_POOL_CASES(CPU_TEST) */
#ifndef OR_OP_MATRIX_LISTS_H
#define OR_OP_MATRIX_LISTS_H

#include "op_matrix.h"
#include "op_matrix_attention.h"
#include "op_matrix_color.h"
#include "op_matrix_deconv.h"
#include "op_matrix_flow.h"
#include "op_matrix_math.h"
#include "op_matrix_nhwc.h"
#include "op_matrix_norm.h"
#include "op_matrix_pool.h"
#include "op_matrix_resample.h"

/* Core ops (runtime/core/ops.h); om_cast_cases (f32 -> f16 -> f32, no dtype
 * argument) is called on its own by both tests. */
#define OM_CORE_CASES(X)                                                                      \
    X(conv2d) X(activation) X(add) X(channel_affine) X(pixel_shuffle) X(pixel_unshuffle)      \
    X(upsample_nearest) X(dense_slice_conv)
/* The core ops on NHWC tensors, packed and as strided channel views
 * (op_matrix_nhwc.h); X(nhwc_conv2d) names om_nhwc_conv2d_cases.  The CPU runs
 * nhwc_cast and nhwc_convert_layout in f16 too (they move f16 without computing). */
#define OM_NHWC_CASES(X)                                                                      \
    X(nhwc_conv2d) X(nhwc_activation) X(nhwc_add) X(nhwc_cast) X(nhwc_pixel_shuffle)          \
    X(nhwc_pixel_unshuffle) X(nhwc_upsample_nearest) X(nhwc_convert_layout)                   \
    X(nhwc_dense_block) X(nhwc_errors)
#define OM_MATH_CASES(X) X(mul) X(scale_shift) X(fill) X(clamp)
#define OM_RESAMPLE_CASES(X) X(resize_bilinear) X(resize_nearest) X(warp_bilinear) X(resample_torch)
#define OM_DECONV_CASES(X) X(deconv) X(deconv_torch)
#define OM_COLOR_CASES(X) X(color) X(class_to_ab)
/* f32 only: the numpy fixture's exact values cannot be carried in f16 inputs. */
#define OM_COLOR_F32_CASES(X) X(color_numpy)
#define OM_POOL_CASES(X) X(maxpool2d) X(avgpool2d) X(pad2d)
#define OM_ATTENTION_CASES(X) X(self_attention) X(exemplar_attention)
#define OM_NORM_CASES(X) X(instance_norm) X(spatial_center) X(channel_normalize)
#define OM_FLOW_CASES(X)                                                                      \
    X(flow_correlation) X(flow_pwc_warp) X(flow_projection) X(flow_filter_interpolation)      \
    X(flow_inv_exp)

/* The CPU side's suite setup: static or_backend *be (all threads), om_open / om_close:
 *   TestSuite(ops_cpu, .init = om_open, .fini = om_close);
 * (the CUDA side's is in gpu_test.h). */
#define OM_CPU_FIXTURE(be)                                                                    \
    static or_backend *be;                                                                    \
    static void om_open(void)                                                                 \
    {                                                                                         \
        or_err err;                                                                           \
        cr_assert_eq(or_backend_cpu_create(0, &be, &err), OR_OK, "%s", err.msg);              \
    }                                                                                         \
    static void om_close(void) { or_backend_destroy(be); }

/* One Criterion test per dtype: suite/op_f32 (and suite/op_f16). */
#define OM_TEST_F32(suite, op)                                                                \
    Test(suite, op##_f32) { cr_expect_eq(om_##op##_cases(be, OR_F32), 0); }
#define OM_TEST_F32_F16(suite, op)                                                            \
    OM_TEST_F32(suite, op)                                                                    \
    Test(suite, op##_f16) { cr_expect_eq(om_##op##_cases(be, OR_F16), 0); }

#endif
