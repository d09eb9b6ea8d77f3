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

/* Exemplar attention (Deep Exemplar's WarpNet correspondence), per batch item b,
 * q [n,c,pq], k [n,c,pk], v [n,cv,pk] (cv <= EXEMPLAR_MAX_V):
 *   s[i][j] = sum_c q[c][i] k[c][j]
 *   y[:, i] = sum_j softmax_j(s[i][:] / temperature) v[:, j]     (y [n,cv,pq])
 *   sim[i]  = max_j s[i][j]                                  (sim [n,1,pq], may be NULL)
 * in one pass over the keys per query, flash-attention style: tiles of
 * EXEMPLAR_KEY_TILE scores, a running max, sum and weighted sum rescaled as the
 * max grows; nothing of size pq*pk is stored. */
#define EXEMPLAR_MAX_V 16
#define EXEMPLAR_KEY_TILE 256
void exemplar_attention_f32(const float *q, const float *k, const float *v, float temperature,
                            float *y, float *sim, int n, int c, int pq, int pk, int cv);

#endif
