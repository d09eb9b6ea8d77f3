/* ops_attention.c: argument checks and dispatch of the "attention" op family
 * (fastai's SelfAttention; kernels/attention_cpu.c, runtime/core/backend_cuda_attention.cu). */
#include "ops_attention.h"
#include "ops.h"

#include <stdint.h>
#include <stdio.h>

static const char *nm(const or_tensor *t) { return t->name ? t->name : "tensor"; }

static or_status expect_op(const char *op, const or_tensor *t, int n, int c, int h, int w,
                           or_dtype dt, or_err *err)
{
    char want[64], got[64];
    if (t->n == n && t->c == c && t->h == h && t->w == w && t->dtype == dt)
        return OR_OK;
    snprintf(want, sizeof want, "[%d,%d,%d,%d] %s", n, c, h, w, or_dtype_name(dt));
    return or_errf(err, OR_ESHAPE, "%s: %s: expected %s, got %s", op, nm(t), want,
                   or_shape_str(t, got, sizeof got));
}

static or_status expect(const or_tensor *t, int n, int c, int h, int w, or_dtype dt, or_err *err)
{
    return expect_op("self_attention", t, n, c, h, w, dt, err);
}

/* Every tensor of all[0..n) has data, is NCHW and lives on all[0]'s backend. */
static or_status same_backend(const char *op, const or_tensor *const *all, int n, or_err *err)
{
    for (int i = 0; i < n; i++) {
        if (!all[i]->be || !all[i]->data)
            return or_errf(err, OR_EINVAL, "%s: %s has no data", op, nm(all[i]));
        OR_TRY(or_check_nchw(op, all[i], err));
        if (all[i]->be != all[0]->be)
            return or_errf(err, OR_EINVAL, "%s: %s and %s live on different backends", op,
                           nm(all[0]), nm(all[i]));
    }
    return OR_OK;
}

static int overlap(const or_tensor *a, const or_tensor *b)
{
    uintptr_t a0 = (uintptr_t)a->data, b0 = (uintptr_t)b->data;
    return a0 < b0 + or_nbytes(b) && b0 < a0 + or_nbytes(a);
}

or_status or_exemplar_attention(const or_tensor *q, const or_tensor *k, const or_tensor *v,
                                float temperature, or_tensor *y, or_tensor *sim, or_err *err)
{
    static const char op[] = "exemplar_attention";
    const or_tensor *all[5] = {q, k, v, y, sim};
    OR_TRY(same_backend(op, all, sim ? 5 : 4, err));
    if (q->c < 1 || v->c < 1 || v->c > 16 || or_numel(q) == 0 || or_numel(k) == 0)
        return or_errf(err, OR_EINVAL,
                       "%s: %s [%d channels, %dx%d], %s [%dx%d], %s [%d channels]: need pixels, "
                       "at least one channel and 1..16 value channels",
                       op, nm(q), q->c, q->h, q->w, nm(k), k->h, k->w, nm(v), v->c);
    if (!(temperature > 0))
        return or_errf(err, OR_EINVAL, "%s: temperature %g must be positive", op,
                       (double)temperature);
    OR_TRY(expect_op(op, k, q->n, q->c, k->h, k->w, q->dtype, err));
    OR_TRY(expect_op(op, v, q->n, v->c, k->h, k->w, q->dtype, err));
    OR_TRY(expect_op(op, y, q->n, v->c, q->h, q->w, q->dtype, err));
    if (sim)
        OR_TRY(expect_op(op, sim, q->n, 1, q->h, q->w, q->dtype, err));
    for (int i = 0; i < 3; i++)
        if (overlap(all[i], y) || (sim && (overlap(all[i], sim) || overlap(y, sim))))
            return or_errf(err, OR_EINVAL, "%s: the outputs may not overlap the inputs or "
                           "each other (%s)", op, nm(all[i]));
    const struct or_ops_attention *t = q->be->fam.attention;
    if (!t || !t->exemplar_attention)
        return or_errf(err, OR_EUNSUPPORTED, "%s: not implemented on %s", op, q->be->name);
    return t->exemplar_attention(q->be, q, k, v, temperature, y, sim, err);
}

or_status or_self_attention(const or_tensor *x, const or_tensor *wq, const or_tensor *wk,
                            const or_tensor *wv, float gamma, or_tensor *y, or_err *err)
{
    const or_tensor *all[] = {x, wq, wk, wv, y};
    OR_TRY(same_backend("self_attention", all, 5, err));
    int c = x->c, cq = wq->n;
    if (cq < 1 || (size_t)x->h * x->w > (size_t)1 << 20)
        return or_errf(err, OR_EINVAL,
                       "self_attention: %s: %d query channels, %dx%d pixels (need >= 1 and "
                       "at most 2^20 pixels: the score matrix is pixels^2)",
                       nm(x), cq, x->h, x->w);
    OR_TRY(expect(wq, cq, c, 1, 1, x->dtype, err));
    OR_TRY(expect(wk, cq, c, 1, 1, x->dtype, err));
    OR_TRY(expect(wv, c, c, 1, 1, x->dtype, err));
    OR_TRY(expect(y, x->n, c, x->h, x->w, x->dtype, err));
    if (overlap(x, y))
        return or_errf(err, OR_EINVAL, "self_attention: output %s may not overlap the input %s",
                       nm(y), nm(x));
    const struct or_ops_attention *t = x->be->fam.attention;
    if (!t || !t->self_attention)
        return or_errf(err, OR_EUNSUPPORTED, "self_attention: not implemented on %s",
                       x->be->name);
    return t->self_attention(x->be, x, wq, wk, wv, gamma, y, err);
}
