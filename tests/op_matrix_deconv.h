/* op_matrix_deconv.h: or_conv_transpose2d on a backend and dtype against the
 * double-accumulating naive kernel (kernels/deconv_kernels.h) on awkward shapes,
 * with every epilogue, and against PyTorch's F.conv_transpose2d values
 * (tests/fixtures/zhang/deconv_torch.bin, make_zhang_fixtures.py). */
#ifndef OR_OP_MATRIX_DECONV_H
#define OR_OP_MATRIX_DECONV_H

#include "runtime/core/ops_deconv.h"

/* Tolerances as op_matrix.h: f32 1e-5 x max(1, max|ref|), f16 PSNR >= 45 dB. */
int om_deconv_cases(or_backend *be, or_dtype dt);
int om_deconv_torch_cases(or_backend *be, or_dtype dt);

#endif
