// backend_cuda_attention.cu: the CUDA backend's table of the "attention" op family
// (ops_attention.h): fastai's SelfAttention with cuBLAS strided-batched GEMMs
// (f32 accumulation) and the row softmax kernel of runtime/core/backend_cuda_attention.cu, f32
// or f16 storage.
//
// cuBLAS is column-major: a row-major [r][c] matrix is a column-major c x r
// matrix with leading dimension c.  With X = x[b] as row-major [C][P]:
//   F (row-major [Cq][P]) = Wq X      -> col-major: F' = X' Wq'        (m=P, n=Cq, k=C)
//   S (col-major P x P, element (i,j) at i + j*P) = F' G'^T, i.e. S(i,j) = f_i . g_j
//     = (f^T g)[i][j]; torch's softmax over dim 1 runs over i: contiguous.
//   Y' (col-major P x C) = gamma * S^T H' + X'   (m=P, n=C, k=P; beta = 1 on a copy of x)
// Scores and the softmax are f32 in both modes (f16 logits would lose ~1e-3
// relative before the exponential); the probabilities are stored in the
// compute dtype for the last GEMM.  Scratch comes from the arena (stream-ordered).
#include <cuda_fp16.h>
#include <math.h>

#include "backend_cuda.h"
#include "backend_tables.h"
#include "ops_attention.h"
#include "kernels/attention_kernels_cuda.h"

namespace {

or_status blas_check(cublasStatus_t s, const char *what, or_err *err)
{
    if (s != CUBLAS_STATUS_SUCCESS)
        return or_errf(err, OR_EDEVICE, "self_attention: cuBLAS %s failed (status %d)", what,
                       (int)s);
    return OR_OK;
}

// C (m x n, col-major, ld m) = alpha op(A) op(B) + beta C, batched with strides.
or_status gemm(cublasHandle_t h, cublasOperation_t ta, cublasOperation_t tb, int m, int n, int k,
               float alpha, const void *a, cudaDataType at, int lda, long long sa, const void *b,
               cudaDataType bt, int ldb, long long sb, float beta, void *c, cudaDataType ct,
               long long sc, int batch, const char *what, or_err *err)
{
    return blas_check(cublasGemmStridedBatchedEx(h, ta, tb, m, n, k, &alpha, a, at, lda, sa, b, bt,
                                                 ldb, sb, &beta, c, ct, m, sc, batch,
                                                 CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                      what, err);
}

or_status cuda_self_attention(or_backend *be, const or_tensor *x, const or_tensor *wq,
                              const or_tensor *wk, const or_tensor *wv, float gamma, or_tensor *y,
                              or_err *err)
{
    int n = x->n, c = x->c, cq = wq->n, p = x->h * x->w;
    bool half = x->dtype == OR_F16;
    size_t es = or_dtype_size(x->dtype), pp = (size_t)p * p;
    cudaDataType dt = half ? CUDA_R_16F : CUDA_R_32F;
    size_t bytes_fg = (size_t)n * cq * p * es, bytes_h = (size_t)n * c * p * es;
    size_t bytes_s = (size_t)n * pp * sizeof(float), bytes_prob = half ? (size_t)n * pp * es : 0;
    or_arena_mark mk = or_arena_get_mark(&be->arena);
    char *f, *g, *hh, *sc, *prob;
    or_status st = or_arena_alloc(&be->arena, bytes_fg, (void **)&f, err);
    if (!st) st = or_arena_alloc(&be->arena, bytes_fg, (void **)&g, err);
    if (!st) st = or_arena_alloc(&be->arena, bytes_h, (void **)&hh, err);
    if (!st) st = or_arena_alloc(&be->arena, bytes_s, (void **)&sc, err);
    if (!st && half) st = or_arena_alloc(&be->arena, bytes_prob, (void **)&prob, err);
    if (st) {
        or_arena_reset(&be->arena, mk);
        return st;
    }
    if (!half)
        prob = sc;
    cublasHandle_t hd = or_cuda_cublas(be);
    cudaStream_t s = or_cuda_stream(be);
    const cublasOperation_t N = CUBLAS_OP_N, T = CUBLAS_OP_T;
    long long xs = (long long)c * p, fs = (long long)cq * p;
    // stage failures leave later GEMMs unissued; the scratch is given back either way
    st = gemm(hd, N, N, p, cq, c, 1.0f, x->data, dt, p, xs, wq->data, dt, c, 0, 0.0f, f, dt, fs, n,
              "query", err);
    if (!st)
        st = gemm(hd, N, N, p, cq, c, 1.0f, x->data, dt, p, xs, wk->data, dt, c, 0, 0.0f, g, dt, fs,
                  n, "key", err);
    if (!st)
        st = gemm(hd, N, N, p, c, c, 1.0f, x->data, dt, p, xs, wv->data, dt, c, 0, 0.0f, hh, dt, xs,
                  n, "value", err);
    if (!st)
        st = gemm(hd, N, T, p, p, cq, 1.0f, f, dt, p, fs, g, dt, p, fs, 0.0f, sc, CUDA_R_32F,
                  (long long)pp, n, "scores", err);
    if (!st) {
        unsigned rows = (unsigned)((size_t)n * p);
        st = or_cuda_launched("self_attention softmax",
                              softmax_rows_cuda(s, (const float *)sc, half ? prob : sc, half,
                                                rows, p),
                              err);
    }
    if (!st && cudaMemcpyAsync(y->data, x->data, or_nbytes(x), cudaMemcpyDeviceToDevice, s) !=
                   cudaSuccess)
        st = or_errf(err, OR_EDEVICE, "self_attention: copying %s: %s", x->name ? x->name : "x",
                     cudaGetErrorString(cudaGetLastError()));
    if (!st)
        st = gemm(hd, T, N, p, c, p, gamma, prob, dt, p, (long long)pp, hh, dt, p, xs, 1.0f,
                  y->data, dt, xs, n, "output", err);
    or_arena_reset(&be->arena, mk);
    return st;
}

or_status cuda_exemplar_attention(or_backend *be, const or_tensor *q, const or_tensor *k,
                                  const or_tensor *v, float temperature, or_tensor *y,
                                  or_tensor *sim, or_err *err)
{
    return or_cuda_launched("exemplar_attention",
                            exemplar_attention_cuda(or_cuda_stream(be), q->data, k->data, v->data,
                                                    temperature, y->data,
                                                    sim ? sim->data : NULL, q->dtype == OR_F16,
                                                    q->n, q->c, q->h * q->w, k->h * k->w, v->c),
                            err);
}

} // namespace

extern "C" const struct or_ops_attention or_ops_attention_cuda = {cuda_self_attention,
                                                                  cuda_exemplar_attention};
