/* math_kernels.h: raw-pointer CPU kernels of the "math" family (math_cpu.c),
 * also the references of the CUDA kernels in math_cuda.cu. */
#ifndef OR_MATH_KERNELS_H
#define OR_MATH_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* y = a * m; m has a's channels (bc = 1) or one channel broadcast (bc = 0). */
void mul_nchw_f32(const float *a, const float *m, float *y, int n, int c, size_t hw, int bc);
void scale_shift_f32(const float *x, float alpha, float beta, float *y, size_t count);
void fill_f32(float *y, float v, size_t count);
void clamp_f32(const float *x, float lo, float hi, float *y, size_t count);

#ifdef __cplusplus
}
#endif

#endif
