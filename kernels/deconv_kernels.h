/* deconv_kernels.h: raw-pointer CPU kernels of the "deconv" family
 * (kernels/deconv_cpu.c), shared by the CPU backend table
 * (runtime/core/backend_cpu_deconv.c) and the tests (the naive kernel is the
 * reference). */
#ifndef OR_DECONV_KERNELS_H
#define OR_DECONV_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>

/* Shape of a transposed convolution: x [n,ci,h,w], w [ci,co,kh,kw], y [n,co,ho,wo]
 * with ho = (h-1)*sh - 2*ph + dh*(kh-1) + oph + 1 (output_padding only enlarges ho). */
typedef struct {
    int n, ci, h, w;
    int co, kh, kw;
    int sh, sw, ph, pw, dh, dw;
    int ho, wo;
} or_deconv_shape;

/* y = conv_transpose2d(x, w) + bias, accumulated in double: the reference. */
void deconv2d_nchw_f32_naive(const float *x, const float *w, const float *bias, float *y,
                             const or_deconv_shape *s);
/* Scratch bytes deconv2d_nchw_f32_gemm needs under a budget (>= one input row). */
size_t deconv2d_gemm_scratch_bytes(const or_deconv_shape *s, size_t budget);
/* sgemm (cols = w^T x over blocks of input rows) + col2im scatter-add; no bias. */
void deconv2d_nchw_f32_gemm(const float *x, const float *w, float *y, const or_deconv_shape *s,
                            float *scratch, size_t scratch_bytes);

#ifdef __cplusplus
}
#endif

#endif
