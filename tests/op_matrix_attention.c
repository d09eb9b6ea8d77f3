/* op_matrix_attention.c: or_self_attention against a double-precision
 * reference written from fastai's SelfAttention.forward (op_matrix_attention.h). */
#include "op_matrix_attention.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "op_matrix_util.h"
#include "test_util.h"

/* x [n,c,p]; f = wq x, g = wk x, h = wv x; beta[i][j] = softmax_i(sum_k f[k][i] g[k][j]);
 * o[c][j] = sum_i h[c][i] beta[i][j]; y = gamma o + x. */
static void ref_attention(const float *x, const float *wq, const float *wk, const float *wv,
                          double gamma, float *y, int n, int c, int cq, int p)
{
    double *f = malloc(sizeof(double) * cq * p), *g = malloc(sizeof(double) * cq * p);
    double *h = malloc(sizeof(double) * c * p), *col = malloc(sizeof(double) * p);
    for (int b = 0; b < n; b++) {
        const float *xb = x + (size_t)b * c * p;
        for (int i = 0; i < p; i++) {
            for (int k = 0; k < cq; k++) {
                double sf = 0, sg = 0;
                for (int ch = 0; ch < c; ch++) {
                    sf += (double)wq[k * c + ch] * xb[(size_t)ch * p + i];
                    sg += (double)wk[k * c + ch] * xb[(size_t)ch * p + i];
                }
                f[(size_t)k * p + i] = sf, g[(size_t)k * p + i] = sg;
            }
            for (int o = 0; o < c; o++) {
                double sh = 0;
                for (int ch = 0; ch < c; ch++)
                    sh += (double)wv[o * c + ch] * xb[(size_t)ch * p + i];
                h[(size_t)o * p + i] = sh;
            }
        }
        for (int j = 0; j < p; j++) {
            double m = -INFINITY, sum = 0;
            for (int i = 0; i < p; i++) {
                double s = 0;
                for (int k = 0; k < cq; k++)
                    s += f[(size_t)k * p + i] * g[(size_t)k * p + j];
                col[i] = s;
                m = s > m ? s : m;
            }
            for (int i = 0; i < p; i++)
                sum += col[i] = exp(col[i] - m);
            for (int o = 0; o < c; o++) {
                double acc = 0;
                for (int i = 0; i < p; i++)
                    acc += h[(size_t)o * p + i] * col[i] / sum;
                y[((size_t)b * c + o) * p + j] = (float)(gamma * acc + xb[(size_t)o * p + j]);
            }
        }
    }
    free(f), free(g), free(h), free(col);
}

typedef struct {
    int n, c, cq, h, w;
    float wscale; /* weight range: large values give logits of tens (max subtraction) */
    float gamma;
} attn_case;

static const attn_case attn_cases[] = {
    {1, 8, 1, 1, 1, 0.5f, 0.7f},   /* 1 pixel: softmax of one value is 1 */
    {1, 16, 2, 5, 7, 0.5f, 0.3f},  /* P = 35, odd sizes */
    {2, 24, 3, 3, 5, 0.4f, -1.1f}, /* batch 2, P = 15 */
    {1, 13, 1, 9, 11, 0.3f, 0.5f}, /* C not a multiple of 8 (general query width), P = 99 */
    {1, 32, 4, 8, 8, 1.5f, 0.8f},  /* logits of tens: needs the max subtraction */
    {1, 40, 5, 1, 37, 0.3f, 1.0f}, /* 1-pixel-high strip */
    {1, 8, 1, 23, 29, 0.5f, 0.4f}, /* P = 667: a longer softmax row */
};

static int attn_one(or_backend *be, or_dtype dt, const attn_case *c)
{
    int p = c->h * c->w;
    size_t nx = (size_t)c->n * c->c * p;
    float *x = om_rand(nx, -1, 1, dt);
    float *wq = om_rand((size_t)c->cq * c->c, -c->wscale, c->wscale, dt);
    float *wk = om_rand((size_t)c->cq * c->c, -c->wscale, c->wscale, dt);
    float *wv = om_rand((size_t)c->c * c->c, -0.3f, 0.3f, dt);
    float *ref = malloc(nx * sizeof(float)), *out = malloc(nx * sizeof(float));
    ref_attention(x, wq, wk, wv, c->gamma, ref, c->n, c->c, c->cq, p);
    char what[256];
    snprintf(what, sizeof what, "self_attention [%d,%d,%d,%d] cq %d gamma %g %s on %s", c->n, c->c,
             c->h, c->w, c->cq, c->gamma, or_dtype_name(dt), be->name);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_tensor tx, tq, tk, tv, ty;
    or_err err;
    or_status st = om_put(be, &tx, c->n, c->c, c->h, c->w, dt, "x", x, &err);
    if (!st) st = om_put(be, &tq, c->cq, c->c, 1, 1, dt, "query", wq, &err);
    if (!st) st = om_put(be, &tk, c->cq, c->c, 1, 1, dt, "key", wk, &err);
    if (!st) st = om_put(be, &tv, c->c, c->c, 1, 1, dt, "value", wv, &err);
    if (!st) st = om_put(be, &ty, c->n, c->c, c->h, c->w, dt, "y", NULL, &err);
    if (!st) st = or_self_attention(&tx, &tq, &tk, &tv, c->gamma, &ty, &err);
    if (!st) st = or_tensor_download_f32(&ty, out, &err);
    int fail = st != OR_OK;
    if (fail)
        printf("FAIL %s: %s\n", what, err.msg);
    else
        fail = om_check(what, out, ref, nx, dt);
    or_arena_reset(&be->arena, m);
    free(x), free(wq), free(wk), free(wv), free(ref), free(out);
    return fail;
}

int om_self_attention_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(31);
    for (size_t i = 0; i < sizeof attn_cases / sizeof attn_cases[0]; i++)
        fails += attn_one(be, dt, &attn_cases[i]);
    return fails;
}

/* ---- exemplar attention ---------------------------------------------------------- */

/* y[:, i] = sum_j softmax_j(f_ij / t) v[:, j], sim[i] = max_j f_ij, f_ij = q_i . k_j, in
 * double (NonlocalNet.py's matmul, softmax over the last dim, matmul). */
static void ref_exemplar(const float *q, const float *k, const float *v, double t, float *y,
                         float *sim, int n, int c, int pq, int pk, int cv)
{
    double *f = malloc(sizeof(double) * pk);
    for (int b = 0; b < n; b++)
        for (int i = 0; i < pq; i++) {
            double m = -INFINITY, sum = 0;
            for (int j = 0; j < pk; j++) {
                double s = 0;
                for (int ch = 0; ch < c; ch++)
                    s += (double)q[((size_t)b * c + ch) * pq + i] * k[((size_t)b * c + ch) * pk + j];
                f[j] = s;
                m = s > m ? s : m;
            }
            sim[(size_t)b * pq + i] = (float)m;
            for (int j = 0; j < pk; j++)
                sum += f[j] = exp((f[j] - m) / t);
            for (int o = 0; o < cv; o++) {
                double acc = 0;
                for (int j = 0; j < pk; j++)
                    acc += f[j] * v[((size_t)b * cv + o) * pk + j];
                y[((size_t)b * cv + o) * pq + i] = (float)(acc / sum);
            }
        }
    free(f);
}

typedef struct {
    int n, c, hq, wq, hk, wk, cv;
    float t;
    int grid; /* q, k multiples of 1/8: every score exact in f32 (and f16 inputs), so a
                 small temperature cannot amplify summation-order rounding, and ties are
                 exact ties on every backend */
} exemplar_case;

static const exemplar_case exemplar_cases[] = {
    {1, 8, 5, 7, 6, 9, 2, 1.0f, 0},        /* odd sizes, soft weights */
    {2, 16, 3, 5, 4, 4, 3, 0.015625f, 1},  /* batch 2, logits of hundreds: the running max */
    {1, 4, 9, 11, 13, 7, 2, 1e-10f, 1},    /* the official temperature: an argmax, with ties */
    {1, 40, 1, 1, 1, 37, 16, 0.5f, 0},     /* one query, 16 values, channels past one chunk */
    {1, 33, 17, 19, 10, 30, 2, 0x1p-30f, 1}, /* 300 keys (> one CPU tile), 323 queries */
    {1, 3, 2, 2, 1, 1, 1, 0.01f, 0},       /* one key: weight 1 */
};

static float *exemplar_input(size_t n, int grid, or_dtype dt)
{
    float *x = om_rand(n, -1, 1, dt);
    for (size_t i = 0; grid && i < n; i++)
        x[i] = roundf(x[i] * 8) / 8;
    return x;
}

static int exemplar_one(or_backend *be, or_dtype dt, const exemplar_case *c)
{
    int pq = c->hq * c->wq, pk = c->hk * c->wk;
    float *q = exemplar_input((size_t)c->n * c->c * pq, c->grid, dt);
    float *k = exemplar_input((size_t)c->n * c->c * pk, c->grid, dt);
    float *v = om_rand((size_t)c->n * c->cv * pk, -1, 1, dt);
    size_t ny = (size_t)c->n * c->cv * pq, ns = (size_t)c->n * pq;
    float *ref = malloc(ny * sizeof(float)), *rsim = malloc(ns * sizeof(float));
    ref_exemplar(q, k, v, c->t, ref, rsim, c->n, c->c, pq, pk, c->cv);
    char what[256];
    snprintf(what, sizeof what, "exemplar_attention q [%d,%d,%d,%d] k %dx%d v %d t %g %s on %s",
             c->n, c->c, c->hq, c->wq, c->hk, c->wk, c->cv, (double)c->t, or_dtype_name(dt),
             be->name);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_tensor tq, tk, tv, ty, ts;
    or_err err;
    or_status st = om_put(be, &tq, c->n, c->c, c->hq, c->wq, dt, "query", q, &err);
    if (!st) st = om_put(be, &tk, c->n, c->c, c->hk, c->wk, dt, "key", k, &err);
    if (!st) st = om_put(be, &tv, c->n, c->cv, c->hk, c->wk, dt, "value", v, &err);
    if (!st) st = om_put(be, &ty, c->n, c->cv, c->hq, c->wq, dt, "y", NULL, &err);
    if (!st) st = om_put(be, &ts, c->n, 1, c->hq, c->wq, dt, "sim", NULL, &err);
    if (!st) st = or_exemplar_attention(&tq, &tk, &tv, c->t, &ty, &ts, &err);
    int fail = om_finish(st, &err, what, &ty, ref, dt);
    if (!fail) {
        char w2[300];
        snprintf(w2, sizeof w2, "%s (similarity)", what);
        fail = om_finish(OR_OK, &err, w2, &ts, rsim, dt);
    }
    or_arena_reset(&be->arena, m);
    free(q), free(k), free(v), free(ref), free(rsim);
    return fail;
}

int om_exemplar_attention_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(37);
    for (size_t i = 0; i < sizeof exemplar_cases / sizeof exemplar_cases[0]; i++)
        fails += exemplar_one(be, dt, &exemplar_cases[i]);
    return fails;
}
