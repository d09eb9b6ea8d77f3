/* op_matrix_winograd.h: the CPU backend's Winograd F(4x4,3x3) convolutions against the direct
 * double-precision reference under the bound derived in op_matrix_winograd.c, and the
 * transformed-weight cache's invalidation. CPU only (test_ops.c). */
#ifndef OR_OP_MATRIX_WINOGRAD_H
#define OR_OP_MATRIX_WINOGRAD_H

#include "op_matrix_util.h"
#include "runtime/core/backend.h"

/* Each returns the number of failed cases and prints one line per case. */
int om_conv2d_winograd_cases(or_backend *be);
int om_conv2d_winograd_cache_cases(or_backend *be);
int om_deconv2d_winograd_cases(or_backend *be);
/* The AVX-512 GEMM against the AVX2 one, bit for bit, on widths that leave every tail of its
 * 64-tile blocks (kernel level); -1 where the CPU has no AVX-512. */
int om_conv2d_winograd_avx512_cases(void);

#endif
