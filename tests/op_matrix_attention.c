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
