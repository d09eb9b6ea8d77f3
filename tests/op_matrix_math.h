/* op_matrix_math.h: the "math" and "resample" op families (ops_math.h,
 * ops_resample.h) on a given backend and dtype against plain double references,
 * on awkward shapes.  Used by test_ops_math_resample.c (CPU) and
 * test_gpu_ops_math_resample.c (CUDA, f32 and f16).  Tolerances are those of
 * op_matrix.h: f32 <= 1e-5 relative to max(1, max|ref|), f16 >= 45 dB. */
#ifndef OR_OP_MATRIX_MATH_H
#define OR_OP_MATRIX_MATH_H

#include "runtime/ops_math.h"

/* Each returns the number of failed cases and prints one line per failure. */
int om_mul_cases(or_backend *be, or_dtype dt);          /* same shape, 1-channel broadcast, in place */
int om_scale_shift_cases(or_backend *be, or_dtype dt);  /* out of place and in place */
int om_fill_cases(or_backend *be, or_dtype dt);
int om_clamp_cases(or_backend *be, or_dtype dt);

/* Helpers shared with op_matrix_resample.c. */
/* Compare out with ref (f32: max abs <= OM_TOL_F32 * max(1,max|ref|); f16: PSNR). */
int omm_check(const char *what, const float *out, const float *ref, size_t n, or_dtype dt);
/* malloc'd uniform random values in [lo,hi), rounded through f16 when dt is f16. */
float *omm_rand(size_t n, float lo, float hi, or_dtype dt);
/* Allocate t in be's arena and upload host (NULL: poison with NaN). */
or_status omm_put(or_backend *be, or_tensor *t, int n, int c, int h, int w, or_dtype dt,
                  const char *name, const float *host, or_err *err);

#endif
