/* op_matrix_math.h: the "math" and "resample" op families (ops_math.h,
 * ops_resample.h) on a given backend and dtype against plain double references,
 * on awkward shapes.  Used by test_ops_math_resample.c (CPU) and
 * test_gpu_ops_math_resample.c (CUDA, f32 and f16).  Tolerances are those of
 * op_matrix.h: f32 <= 1e-5 relative to max(1, max|ref|), f16 >= 45 dB. */
#ifndef OR_OP_MATRIX_MATH_H
#define OR_OP_MATRIX_MATH_H

#include "runtime/core/ops_math.h"

/* Each returns the number of failed cases and prints one line per failure. */
int om_mul_cases(or_backend *be, or_dtype dt);          /* same shape, 1-channel broadcast, in place */
int om_scale_shift_cases(or_backend *be, or_dtype dt);  /* out of place and in place */
int om_fill_cases(or_backend *be, or_dtype dt);
int om_clamp_cases(or_backend *be, or_dtype dt);

#endif
