/* ops_math.h: elementwise arithmetic beyond ops.h (family "math").
 * Kernels: kernels/math_cpu.c, kernels/math_cuda.cu.  f32, or f16 on CUDA (math in f32). */
#ifndef OR_OPS_MATH_H
#define OR_OPS_MATH_H

#ifdef __cplusplus
extern "C" {
#endif

#include "backend.h"

/* y = a * b elementwise.  b has a's shape, or one channel [N,1,H,W] broadcast
 * over a's channels (RIFE's mask).  y may alias a. */
or_status or_mul(const or_tensor *a, const or_tensor *b, or_tensor *y, or_err *err);
/* y = alpha * x + beta (y may be x). */
or_status or_scale_shift(const or_tensor *x, float alpha, float beta, or_tensor *y, or_err *err);
/* y[...] = v. */
or_status or_fill(or_tensor *y, float v, or_err *err);
/* y = min(max(x, lo), hi) (y may be x). */
or_status or_clamp(const or_tensor *x, float lo, float hi, or_tensor *y, or_err *err);

struct or_ops_math {
    or_status (*mul)(or_backend *be, const or_tensor *a, const or_tensor *b, or_tensor *y,
                     or_err *err);
    or_status (*scale_shift)(or_backend *be, const or_tensor *x, float alpha, float beta,
                             or_tensor *y, or_err *err);
    or_status (*fill)(or_backend *be, or_tensor *y, float v, or_err *err);
    or_status (*clamp)(or_backend *be, const or_tensor *x, float lo, float hi, or_tensor *y,
                       or_err *err);
};

#ifdef __cplusplus
}
#endif

#endif
