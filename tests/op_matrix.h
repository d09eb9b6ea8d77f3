/* op_matrix.h: every op on a given backend and dtype against the plain-C
 * reference, on random inputs of awkward shapes (in the spirit of ggml's
 * test-backend-ops).  Used by test_ops.c (CPU) and test_gpu_ops.c (CUDA). */
#ifndef OR_OP_MATRIX_H
#define OR_OP_MATRIX_H

#include "op_matrix_util.h"
#include "runtime/core/ops.h"

/* Tolerances: op_matrix_util.h (f32 1e-5 x max(1, max|ref|), f16 45 dB, layout bit-exact). */

/* Each returns the number of failed cases and prints one line per failure. */
int om_conv2d_cases(or_backend *be, or_dtype dt);
int om_activation_cases(or_backend *be, or_dtype dt);
int om_add_cases(or_backend *be, or_dtype dt);
int om_channel_affine_cases(or_backend *be, or_dtype dt);
int om_cast_cases(or_backend *be);

/* Layout ops (r / s = 2 and 4, awkward shapes): bit-exact against index-formula
 * references, f16 included (they only move values). */
int om_pixel_shuffle_cases(or_backend *be, or_dtype dt);
int om_pixel_unshuffle_cases(or_backend *be, or_dtype dt);
int om_upsample_nearest_cases(or_backend *be, or_dtype dt);
/* Convolutions reading a channel prefix and writing a channel slice of
 * or_tensor_channels views (a dense block's concatenation buffer), with the
 * neighbouring channels poisoned and checked to be left bit-identical. */
int om_dense_slice_conv_cases(or_backend *be, or_dtype dt);

#endif
