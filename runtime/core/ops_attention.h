/* ops_attention.h: attention (family "attention"): self-attention as fastai's
 * SelfAttention (SAGAN), used by DeOldify's decoder (kernels/attention_cpu.c,
 * runtime/core/backend_cuda_attention.cu: cuBLAS batched GEMM on the GPU), and
 * the exemplar attention of Deep Exemplar's WarpNet (a fused kernel on both
 * backends: kernels/attention_cpu.c, kernels/attention_cuda.cu). */
#ifndef OR_OPS_ATTENTION_H
#define OR_OPS_ATTENTION_H

#ifdef __cplusplus
extern "C" {
#endif

#include "backend.h"

/* x [N,C,H,W] viewed as [N,C,P] (P = H*W); wq, wk [C/8,C,1,1], wv [C,C,1,1] (1x1
 * convolutions without bias, spectral norm folded at conversion), in x's dtype:
 *   f = wq x, g = wk x, h = wv x;  beta = softmax(f^T g, dim=1)  ([N,P,P], softmax
 *   over the first P index);  y = gamma * (h beta) + x.
 * y [N,C,H,W] (not x). */
or_status or_self_attention(const or_tensor *x, const or_tensor *wq, const or_tensor *wk,
                            const or_tensor *wv, float gamma, or_tensor *y, or_err *err);

/* The correspondence of Deep Exemplar's WarpNet (NonlocalNet.py), fused:
 * q [N,C,Hq,Wq] (the frame's features), k [N,C,Hk,Wk] (the reference's), v
 * [N,V,Hk,Wk] (what is carried: the reference's colour), V <= 16,
 * temperature > 0:
 *   f[i][j] = sum_c q[c,i] k[c,j]                      (i, j: pixels, row-major)
 *   y[:, i] = sum_j softmax_j(f[i][:] / temperature) v[:, j]      y [N,V,Hq,Wq]
 *   sim[i]  = max_j f[i][j]                                       sim [N,1,Hq,Wq] or NULL
 * One pass over the keys per query (online softmax); the Hq*Wq x Hk*Wk score
 * matrix is never stored.  A tiny temperature (the official test uses 1e-10)
 * makes it an argmax: ties split the weight evenly, as torch's softmax does. */
or_status or_exemplar_attention(const or_tensor *q, const or_tensor *k, const or_tensor *v,
                                float temperature, or_tensor *y, or_tensor *sim, or_err *err);

struct or_ops_attention {
    or_status (*self_attention)(or_backend *be, const or_tensor *x, const or_tensor *wq,
                                const or_tensor *wk, const or_tensor *wv, float gamma,
                                or_tensor *y, or_err *err);
    or_status (*exemplar_attention)(or_backend *be, const or_tensor *q, const or_tensor *k,
                                    const or_tensor *v, float temperature, or_tensor *y,
                                    or_tensor *sim, or_err *err);
};

#ifdef __cplusplus
}
#endif

#endif
