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

/* ---- exemplar attention (attention_kernels.h) ---------------------------------- */

/* exp(d) for d <= 0, with the arguments where exp underflows to 0 answered
 * without calling it: glibc's exp takes its slow path there, and a temperature of
 * 1e-10 sends nearly every score there.  The result is the same. */
static inline double exp_or_zero(double d) { return d < -746.0 ? 0.0 : exp(d); }

/* One query i of batch item b: scores of a tile of keys with the channel loop
 * outside (contiguous key rows), then the online-softmax update
 *   m' = max(m, max_j t_j), l' = l e^(m - m') + sum_j e^(t_j - m'),
 *   acc' = acc e^(m - m') + sum_j e^(t_j - m') v_j       (t_j = s_j / temperature). */
static void exemplar_query(const float *q, const float *k, const float *v, float temperature,
                           float *y, float *sim, int c, int pq, int pk, int cv, int i)
{
    float s[EXEMPLAR_KEY_TILE];
    double acc[EXEMPLAR_MAX_V] = {0}, l = 0;
    float m = -INFINITY, best = -INFINITY;
    for (int j0 = 0; j0 < pk; j0 += EXEMPLAR_KEY_TILE) {
        int nt = pk - j0 < EXEMPLAR_KEY_TILE ? pk - j0 : EXEMPLAR_KEY_TILE;
        for (int j = 0; j < nt; j++)
            s[j] = 0.0f;
        for (int ch = 0; ch < c; ch++) {
            float qc = q[(size_t)ch * pq + i];
            const float *kr = k + (size_t)ch * pk + j0;
            for (int j = 0; j < nt; j++)
                s[j] += qc * kr[j];
        }
        float mt = -INFINITY;
        for (int j = 0; j < nt; j++) {
            best = s[j] > best ? s[j] : best;
            s[j] /= temperature; /* f / temperature, as torch divides */
            mt = s[j] > mt ? s[j] : mt;
        }
        if (mt > m) { /* rescale what was summed under the old max */
            double r = m == -INFINITY ? 0.0 : exp_or_zero((double)m - mt);
            l *= r;
            for (int o = 0; o < cv; o++)
                acc[o] *= r;
            m = mt;
        }
        for (int j = 0; j < nt; j++) {
            double e = exp_or_zero((double)s[j] - m);
            l += e;
            for (int o = 0; o < cv; o++)
                acc[o] += e * v[(size_t)o * pk + j0 + j];
        }
    }
    for (int o = 0; o < cv; o++)
        y[(size_t)o * pq + i] = (float)(acc[o] / l);
    if (sim)
        sim[i] = best;
}

void exemplar_attention_f32(const float *q, const float *k, const float *v, float temperature,
                            float *y, float *sim, int n, int c, int pq, int pk, int cv)
{
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < n; b++)
        for (int i = 0; i < pq; i++)
            exemplar_query(q + (size_t)b * c * pq, k + (size_t)b * c * pk,
                           v + (size_t)b * cv * pk, temperature, y + (size_t)b * cv * pq,
                           sim ? sim + (size_t)b * pq : NULL, c, pq, pk, cv, i);
}
