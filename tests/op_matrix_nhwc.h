/* op_matrix_nhwc.h: the core ops on NHWC tensors, on any backend and dtype,
 * against the plain NCHW references (conv2d_nchw_f32_naive, the NCHW CPU
 * kernels), the layouts converted on the host.  Every case runs on packed
 * NHWC tensors and on strided channel views (or_tensor_channels of a wider
 * buffer; odd offsets and pixel strides, then 8-aligned ones) whose neighbouring
 * channels are poisoned with NaN and checked to be left bit-identical.
 * Tolerances: op_matrix_util.h; on the CPU the elementwise ops must equal the
 * NCHW kernels bit for bit. */
#ifndef OR_OP_MATRIX_NHWC_H
#define OR_OP_MATRIX_NHWC_H

#include "op_matrix_util.h"
#include "runtime/core/ops.h"

/* Each returns the number of failed cases and prints one line per failure. */
int om_nhwc_conv2d_cases(or_backend *be, or_dtype dt);
int om_nhwc_activation_cases(or_backend *be, or_dtype dt);
int om_nhwc_add_cases(or_backend *be, or_dtype dt);
/* dt -> the other dtype -> dt, and a dt -> dt strided copy: bit-exact. */
int om_nhwc_cast_cases(or_backend *be, or_dtype dt);
/* Bit-exact (values are only moved). */
int om_nhwc_pixel_shuffle_cases(or_backend *be, or_dtype dt);
int om_nhwc_pixel_unshuffle_cases(or_backend *be, or_dtype dt);
int om_nhwc_upsample_nearest_cases(or_backend *be, or_dtype dt);
/* NCHW <-> NHWC both ways and same-layout copies, packed and strided: bit-exact. */
int om_nhwc_convert_layout_cases(or_backend *be, or_dtype dt);
/* An RRDB dense block in one NHWC buffer of nf + 4*gc channels (nf=4 gc=3, and
 * nf=16 gc=8 with aligned slices): each conv reads a channel prefix view and
 * writes a channel slice view, the last one adds a residual view; every channel
 * outside the slice written is checked untouched after each conv. */
int om_nhwc_dense_block_cases(or_backend *be, or_dtype dt);
/* Layouts that do not agree, and an op family given NHWC: errors, not crashes. */
int om_nhwc_errors_cases(or_backend *be, or_dtype dt);

#endif
