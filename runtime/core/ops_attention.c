/* ops_attention.c: argument checks and dispatch of the "attention" op family
 * (fastai's SelfAttention; kernels/attention_cpu.c, runtime/core/backend_cuda_attention.cu). */
#include "ops_attention.h"
#include "ops.h"

#include <stdint.h>
#include <stdio.h>

static const char *nm(const or_tensor *t) { return t->name ? t->name : "tensor"; }

static or_status expect(const or_tensor *t, int n, int c, int h, int w, or_dtype dt, or_err *err)
{
    char want[64], got[64];
    if (t->n == n && t->c == c && t->h == h && t->w == w && t->dtype == dt)
        return OR_OK;
    snprintf(want, sizeof want, "[%d,%d,%d,%d] %s", n, c, h, w, or_dtype_name(dt));
    return or_errf(err, OR_ESHAPE, "self_attention: %s: expected %s, got %s", nm(t), want,
                   or_shape_str(t, got, sizeof got));
}

or_status or_self_attention(const or_tensor *x, const or_tensor *wq, const or_tensor *wk,
                            const or_tensor *wv, float gamma, or_tensor *y, or_err *err)
{
    const or_tensor *all[] = {x, wq, wk, wv, y};
    for (int i = 0; i < 5; i++) {
        if (!all[i]->be || !all[i]->data)
            return or_errf(err, OR_EINVAL, "self_attention: %s has no data", nm(all[i]));
        OR_TRY(or_check_nchw("self_attention", all[i], err));
        if (all[i]->be != x->be)
            return or_errf(err, OR_EINVAL, "self_attention: %s and %s live on different backends",
                           nm(x), nm(all[i]));
    }
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
    uintptr_t a0 = (uintptr_t)x->data, b0 = (uintptr_t)y->data;
    if (a0 < b0 + or_nbytes(y) && b0 < a0 + or_nbytes(x))
        return or_errf(err, OR_EINVAL, "self_attention: output %s may not overlap the input %s",
                       nm(y), nm(x));
    const struct or_ops_attention *t = x->be->fam.attention;
    if (!t || !t->self_attention)
        return or_errf(err, OR_EUNSUPPORTED, "self_attention: not implemented on %s",
                       x->be->name);
    return t->self_attention(x->be, x, wq, wk, wv, gamma, y, err);
}
