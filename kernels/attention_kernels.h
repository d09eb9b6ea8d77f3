/* attention_kernels.h: the CPU kernel of the "attention" family as raw-pointer
 * calls (attention_cpu.c), also used by the tests. */
#ifndef OR_ATTENTION_KERNELS_H
#define OR_ATTENTION_KERNELS_H

#include <stddef.h>

/* Row-wise softmax of s [rows, n] in place (max subtracted, sum in double). */
void softmax_rows_f32(float *s, int rows, int n);
/* Floats of scratch self_attention_f32 needs: (2*cq + c)*p + p*p. */
size_t self_attention_scratch_floats(int c, int cq, size_t p);
/* y = gamma * (h softmax(f^T g, dim=1)) + x for x, y [n,c,p], wq, wk [cq,c], wv [c,c]. */
void self_attention_f32(const float *x, const float *wq, const float *wk, const float *wv,
                        float gamma, float *y, int n, int c, int cq, int p, float *scratch);

#endif
