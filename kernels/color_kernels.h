/* color_kernels.h: raw-pointer CPU kernels of the "color" family (color_cpu.c),
 * the references of the CUDA kernels in color_cuda.cu (color_kernels_cuda.h).
 * The per-pixel formulas are color_px.h's, in double. */
#ifndef OR_COLOR_KERNELS_H
#define OR_COLOR_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* x, y [n,3,hw] f32, converted by kind (OR_COLOR_RGB2LAB, ... of color_px.h);
 * y may be x. */
void color_convert_nchw_f32(int kind, const float *x, float *y, int n, size_t hw);
/* y [n,2,hw] = scale * sum_q softmax(z[:,q] / T) * w[j*q_count + q] for z
 * [n,q,hw] class logits and w [2,q] (double sums). */
void class_to_ab_nchw_f32(const float *z, const float *w, float T, float scale, float *y, int n,
                          int q, size_t hw);

#ifdef __cplusplus
}
#endif

#endif
