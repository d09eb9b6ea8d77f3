/* op_matrix.h: every op on a given backend and dtype against the plain-C
 * reference, on random inputs of awkward shapes (in the spirit of ggml's
 * test-backend-ops).  Used by test_ops.c (CPU) and test_gpu_ops.c (CUDA). */
#ifndef OR_OP_MATRIX_H
#define OR_OP_MATRIX_H

#include "runtime/ops.h"

/* Tolerances, stated once (see docs/architecture.md, "Testing"):
 *  f32: max |out - ref| <= 1e-5 * max(1, max |ref|): the reference accumulates in
 *       double; f32 sgemm/cuDNN-FMA accumulation over K <= 1200 terms of O(1/sqrt(K))
 *       products stays around 1e-6 relative.
 *  f16: PSNR >= 45 dB against the f32 reference with peak max(1, max|ref|) (inputs and
 *       weights are rounded to f16, 2^-11 relative, and the output too). */
#define OM_TOL_F32 1e-5
#define OM_PSNR_F16 45.0

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
