/* op_matrix_pool.h: the "pool" family (max/avg pooling, padding) on a backend and
 * dtype against double-precision plain-C references, awkward shapes (1 pixel,
 * odd sizes, batch 2, C not a multiple of 8), outputs poisoned with NaN.
 * Tolerances as op_matrix.h: f32 <= 1e-5 relative, f16 >= 45 dB. */
#ifndef OR_OP_MATRIX_POOL_H
#define OR_OP_MATRIX_POOL_H

#include "runtime/ops_pool.h"

int om_maxpool2d_cases(or_backend *be, or_dtype dt);
int om_avgpool2d_cases(or_backend *be, or_dtype dt);
int om_pad2d_cases(or_backend *be, or_dtype dt);

/* Helpers shared with op_matrix_attention.c. */
/* Random buffer uniform in [lo,hi), rounded through f16 when dt is f16. */
float *om_pa_rand(size_t n, float lo, float hi, or_dtype dt);
/* Allocate t on be and upload host (NULL: poison with NaN). */
or_status om_pa_put(or_backend *be, or_tensor *t, int n, int c, int h, int w, or_dtype dt,
                    const char *name, const float *host, or_err *err);
/* 0 if out matches ref under dt's tolerance; else prints "FAIL what: ..." and returns 1. */
int om_pa_check(const char *what, const float *out, const float *ref, size_t n, or_dtype dt);

#endif
