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
/* or_exemplar_attention (Deep Exemplar's WarpNet correspondence) against a double
 * reference of NonlocalNet.py's matmul / softmax(f / temperature) / matmul and
 * the max similarity: odd sizes, batch 2, one key, one query, 300 keys, 16 value
 * channels, temperatures 1 .. 1e-10 (an argmax, with exact ties: query and key
 * values on a 1/8 grid make every score exact, so summation order cannot move
 * the argmax or, at 1/64 and 2^-30, be amplified by the temperature). */
int om_exemplar_attention_cases(or_backend *be, or_dtype dt);

#endif
