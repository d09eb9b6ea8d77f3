/* op_matrix_pool.h: the "pool" family (max/avg pooling, padding) on a backend and
 * dtype against double-precision plain-C references, awkward shapes (1 pixel,
 * odd sizes, batch 2, C not a multiple of 8), outputs poisoned with NaN.
 * Tolerances as op_matrix_util.h: f32 <= 1e-5 relative, f16 >= 45 dB. */
#ifndef OR_OP_MATRIX_POOL_H
#define OR_OP_MATRIX_POOL_H

#include "runtime/core/ops_pool.h"

int om_maxpool2d_cases(or_backend *be, or_dtype dt);
int om_avgpool2d_cases(or_backend *be, or_dtype dt);
int om_pad2d_cases(or_backend *be, or_dtype dt);

#endif
