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

#include "kernels.h" /* or_epilogue_f32 */

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

/* ConvTranspose2d(k = 4, s = 2, p = 1) as one Winograd convolution (conv2d_winograd_phases_cpu.c):
 * deconv2d_phase_kernels turns w [Ci][Co][4][4] into the four output phases' 3x3 kernels stacked
 * as [4 Co][Ci][3][3], whose conv2d_winograd_weights (Co' = 4 Co) is u; deconv2d_winograd_f32
 * writes y = epilogue(conv_transpose2d(x, w)) (ep may be NULL: no bias, no epilogue), the
 * epilogue applied to each row of y as the phases are interleaved into it. */
int deconv2d_winograd_applies(const or_deconv_shape *s);
void deconv2d_phase_kernels(const float *w, int ci, int co, float *k3);
size_t deconv2d_winograd_scratch_bytes(const or_deconv_shape *s, int threads);
void deconv2d_winograd_f32(const float *x, const float *u, float *y, const or_deconv_shape *s,
                           const or_epilogue_f32 *ep, int threads, float *scratch);

#ifdef __cplusplus
}
#endif

#endif
