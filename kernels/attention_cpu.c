/* attention_cpu.c: the plain-C kernel of the "attention" op family
 * (attention_kernels.h; the op table that calls it is
 * runtime/core/backend_cpu_attention.c): fastai's SelfAttention with OpenBLAS sgemm.
 *
 * Per batch item, with X = x viewed as [C,P] (row-major):
 *   F = Wq X [Cq,P], G = Wk X [Cq,P], H = Wv X [C,P]
 *   S[j][i] = sum_c G[c][j] F[c][i]      (= (f^T g)[i][j], stored transposed so
 *                                          that torch's softmax over dim 1 (i) is a row)
 *   S[j][:] = softmax(S[j][:])           (max subtracted, sum in double)
 *   Y = gamma * H S^T + X                 (sgemm with beta = 1 on a copy of X)
 * Scratch (F, G, H, S) is the caller's (the backend's arena). */
#include <cblas.h>
#include <math.h>
#include <string.h>

#include "attention_kernels.h"

/* Row-wise softmax of s [rows, n] in place. */
void softmax_rows_f32(float *s, int rows, int n)
{
#pragma omp parallel for schedule(static)
    for (int r = 0; r < rows; r++) {
        float *v = s + (size_t)r * n;
        float m = v[0];
        for (int i = 1; i < n; i++)
            m = v[i] > m ? v[i] : m;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            v[i] = expf(v[i] - m);
            sum += v[i];
        }
        float inv = (float)(1.0 / sum);
        for (int i = 0; i < n; i++)
            v[i] *= inv;
    }
}

size_t self_attention_scratch_floats(int c, int cq, size_t p)
{
    return (2 * (size_t)cq + (size_t)c) * p + p * p;
}

void self_attention_f32(const float *x, const float *wq, const float *wk, const float *wv,
                        float gamma, float *y, int n, int c, int cq, int p, float *scratch)
{
    float *f = scratch, *g = f + (size_t)cq * p, *h = g + (size_t)cq * p, *s = h + (size_t)c * p;
    for (int b = 0; b < n; b++) {
        const float *xb = x + (size_t)b * c * p;
        float *yb = y + (size_t)b * c * p;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cq, p, c, 1.0f, wq, c, xb, p, 0.0f,
                    f, p);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cq, p, c, 1.0f, wk, c, xb, p, 0.0f,
                    g, p);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, c, p, c, 1.0f, wv, c, xb, p, 0.0f,
                    h, p);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, p, p, cq, 1.0f, g, p, f, p, 0.0f, s, p);
        softmax_rows_f32(s, p, p);
        memcpy(yb, xb, (size_t)c * p * sizeof(float));
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, c, p, p, gamma, h, p, s, p, 1.0f, yb,
                    p);
    }
}
