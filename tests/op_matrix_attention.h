/* op_matrix_attention.h: or_self_attention on a backend and dtype against a
 * double-precision reference written from fastai's SelfAttention.forward
 * (bmm, softmax over dim 1, gamma * o + x), on awkward shapes: 1 pixel, odd
 * sizes, pixel counts not a multiple of 8, batch 2, large logits (the softmax
 * must subtract the max).  Outputs poisoned with NaN.
 * Tolerances: f32 <= 1e-5 relative (op_matrix.h); f16 >= 45 dB. */
#ifndef OR_OP_MATRIX_ATTENTION_H
#define OR_OP_MATRIX_ATTENTION_H

#include "runtime/core/ops_attention.h"

int om_self_attention_cases(or_backend *be, or_dtype dt);

#endif
