/* ops_attention.h: self-attention as fastai's SelfAttention (SAGAN), used by
 * DeOldify's decoder (family "attention"; kernels/attention_cpu.c,
 * runtime/core/backend_cuda_attention.cu: cuBLAS batched GEMM on the GPU). */
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

struct or_ops_attention {
    or_status (*self_attention)(or_backend *be, const or_tensor *x, const or_tensor *wq,
                                const or_tensor *wk, const or_tensor *wv, float gamma,
                                or_tensor *y, or_err *err);
};

#ifdef __cplusplus
}
#endif

#endif
