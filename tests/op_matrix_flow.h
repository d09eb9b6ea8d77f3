/* op_matrix_flow.h: the "flow" op family (DAIN's layers, runtime/core/ops_flow.h)
 * on a given backend and dtype against independent references written here
 * from the official kernels' semantics (double accumulation; the discrete
 * decisions, i.e. which pixels and corners, from the same float positions).
 * Used by test_ops_flow.c (CPU) and test_gpu_ops_flow.c (CUDA).
 *
 * Tolerances: f32 max |out - ref| <= 1e-5 * max(1, max|ref|) (float vs double
 * accumulation over at most a few hundred terms); f16 >= 45 dB PSNR (inputs
 * rounded to f16 for both sides, outputs stored in f16).  The flow projection
 * accumulates in f32 with atomics on CUDA (any order): the same bound holds,
 * since each pixel sums at most a few dozen positive-weighted terms. */
#ifndef OR_OP_MATRIX_FLOW_H
#define OR_OP_MATRIX_FLOW_H

#include "runtime/core/ops_flow.h"

/* Each returns the number of failed cases and prints one line per failure. */
int om_flow_correlation_cases(or_backend *be, or_dtype dt);
int om_flow_pwc_warp_cases(or_backend *be, or_dtype dt);
/* flow and depth in dt, count and output f32 (as the op requires). */
int om_flow_projection_cases(or_backend *be, or_dtype dt);
int om_flow_filter_interpolation_cases(or_backend *be, or_dtype dt);
int om_flow_inv_exp_cases(or_backend *be, or_dtype dt);

#endif
