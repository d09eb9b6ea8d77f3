/* op_matrix_norm.h: the "norm" family (or_instance_norm, or_spatial_center,
 * or_channel_normalize) on a backend and dtype against double references written
 * from nn.InstanceNorm2d and utils/util.py feature_normalize, on awkward shapes:
 * one pixel (variance 0: the eps alone), one channel, odd sizes, batch 2, an
 * offset far from zero (the mean must be taken first), a zero pixel vector
 * (the eps keeps it finite).  Outputs poisoned with NaN.
 * Tolerances: f32 <= 1e-5 relative (op_matrix_util.h); f16 >= 45 dB. */
#ifndef OR_OP_MATRIX_NORM_H
#define OR_OP_MATRIX_NORM_H

#include "runtime/core/ops_norm.h"

int om_instance_norm_cases(or_backend *be, or_dtype dt);
int om_spatial_center_cases(or_backend *be, or_dtype dt);
int om_channel_normalize_cases(or_backend *be, or_dtype dt);

#endif
