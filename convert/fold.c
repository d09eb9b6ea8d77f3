/* fold.c: folds of training-time structure into inference weights.
 * Every fold computes in double and rounds once to float, so the result is
 * the correctly rounded value of the exact formula. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"

void fold_bn_into_conv(const float *w, const float *b, int64_t o, int64_t k,
                       const float *gamma, const float *beta, const float *mean,
                       const float *var, double eps, float *w_out, float *b_out)
{
    for (int64_t c = 0; c < o; c++) {
        double s = (double)gamma[c] / sqrt((double)var[c] + eps);
        for (int64_t j = 0; j < k; j++)
            w_out[c * k + j] = (float)((double)w[c * k + j] * s);
        double bias = b ? (double)b[c] : 0.0;
        b_out[c] = (float)((bias - (double)mean[c]) * s + (double)beta[c]);
    }
}

void fold_bn_affine(const float *gamma, const float *beta, const float *mean,
                    const float *var, int64_t c, double eps, float *scale, float *shift)
{
    for (int64_t i = 0; i < c; i++) {
        double s = (double)gamma[i] / sqrt((double)var[i] + eps);
        scale[i] = (float)s;
        shift[i] = (float)((double)beta[i] - (double)mean[i] * s);
    }
}

/* Element (r, col) of weight_orig viewed with dimension `dim` first. */
static double sn_at(const float *w, int ndim, const int64_t *shape, int dim, int64_t r,
                    int64_t col)
{
    /* unravel col over the remaining dims in order, with r at position dim */
    int64_t idx[CK_MAX_DIMS];
    int64_t rem = col;
    for (int d = ndim - 1; d >= 0; d--) {
        if (d == dim)
            continue;
        idx[d] = rem % shape[d];
        rem /= shape[d];
    }
    idx[dim] = r;
    int64_t off = 0;
    for (int d = 0; d < ndim; d++)
        off = off * shape[d] + idx[d];
    return (double)w[off];
}

double fold_spectral_norm(const float *weight_orig, int ndim, const int64_t *shape, int dim,
                          const float *u, const float *v, float *w_out)
{
    int64_t rows = shape[dim], numel = 1;
    for (int d = 0; d < ndim; d++)
        numel *= shape[d];
    int64_t cols = rows ? numel / rows : 0;
    /* PyTorch (eval, no power iteration): sigma = dot(u, mv(weight_mat, v)) in float32.
     * We accumulate in double; the difference is far below the 1e-6 test tolerance. */
    double sigma = 0;
    for (int64_t r = 0; r < rows; r++) {
        double acc = 0;
        for (int64_t c = 0; c < cols; c++)
            acc += sn_at(weight_orig, ndim, shape, dim, r, c) * (double)v[c];
        sigma += (double)u[r] * acc;
    }
    for (int64_t i = 0; i < numel; i++)
        w_out[i] = (float)((double)weight_orig[i] / sigma);
    return sigma;
}

/* ---- state-dict level helpers ----------------------------------------------- */

static const ck_tensor *need(const ck_state_dict *sd, const char *name, or_err *err)
{
    const ck_tensor *t = ckpt_find(sd, name);
    if (!t)
        or_errf(err, OR_EFORMAT, "tensor %s: missing", OR_ESC(name));
    return t;
}

static char *cat2(char *buf, size_t n, const char *a, const char *b)
{
    snprintf(buf, n, "%s.%s", a, b);
    return buf;
}

static or_status need_bn(const ck_state_dict *sd, const char *bn, int64_t c,
                         const ck_tensor *t[4], or_err *err)
{
    static const char *parts[4] = {"weight", "bias", "running_mean", "running_var"};
    char name[256];
    for (int i = 0; i < 4; i++) {
        t[i] = need(sd, cat2(name, sizeof name, bn, parts[i]), err);
        if (!t[i])
            return OR_EFORMAT;
        if (t[i]->numel != c)
            return or_errf(err, OR_ESHAPE, "tensor %s: expected %lld values, got %lld",
                           OR_ESC(name), (long long)c, (long long)t[i]->numel);
    }
    return OR_OK;
}

static void set_name(char *buf, size_t n, const char *a, const char *b) { cat2(buf, n, a, b); }

or_status arch_fold_conv_bn(const ck_state_dict *sd, or_model_builder *mb, const char *conv,
                            const char *bn, const char *dst, double eps, or_err *err)
{
    char name[256];
    const ck_tensor *w = need(sd, cat2(name, sizeof name, conv, "weight"), err);
    if (!w)
        return OR_EFORMAT;
    const ck_tensor *b = ckpt_find(sd, cat2(name, sizeof name, conv, "bias"));
    int64_t o = w->shape[0], k = o ? w->numel / o : 0;
    const ck_tensor *p[4];
    OR_TRY(need_bn(sd, bn, o, p, err));
    set_name(name, sizeof name, dst, "weight");
    float *wo = mb_add_empty(mb, name, w->ndim, w->shape, err);
    if (!wo)
        return err ? err->code : OR_ENOMEM;
    set_name(name, sizeof name, dst, "bias");
    float *bo = mb_add_empty(mb, name, 1, &o, err);
    if (!bo)
        return err ? err->code : OR_ENOMEM;
    fold_bn_into_conv(w->data, b ? b->data : NULL, o, k, p[0]->data, p[1]->data, p[2]->data,
                      p[3]->data, eps, wo, bo);
    return OR_OK;
}

or_status arch_fold_bn_affine(const ck_state_dict *sd, or_model_builder *mb, const char *bn,
                              const char *dst, double eps, or_err *err)
{
    char name[256];
    const ck_tensor *g = need(sd, cat2(name, sizeof name, bn, "weight"), err);
    if (!g)
        return OR_EFORMAT;
    int64_t c = g->numel;
    const ck_tensor *p[4];
    OR_TRY(need_bn(sd, bn, c, p, err));
    set_name(name, sizeof name, dst, "scale");
    float *scale = mb_add_empty(mb, name, 1, &c, err);
    if (!scale)
        return err ? err->code : OR_ENOMEM;
    set_name(name, sizeof name, dst, "shift");
    float *shift = mb_add_empty(mb, name, 1, &c, err);
    if (!shift)
        return err ? err->code : OR_ENOMEM;
    fold_bn_affine(p[0]->data, p[1]->data, p[2]->data, p[3]->data, c, eps, scale, shift);
    return OR_OK;
}

or_status arch_fold_sn(const ck_state_dict *sd, or_model_builder *mb, const char *conv,
                       const char *dst, int dim, or_err *err)
{
    char name[256];
    const ck_tensor *w = need(sd, cat2(name, sizeof name, conv, "weight_orig"), err);
    const ck_tensor *u = w ? need(sd, cat2(name, sizeof name, conv, "weight_u"), err) : NULL;
    const ck_tensor *v = u ? need(sd, cat2(name, sizeof name, conv, "weight_v"), err) : NULL;
    if (!v)
        return OR_EFORMAT;
    if (dim < 0 || dim >= w->ndim || u->numel != w->shape[dim] ||
        v->numel * w->shape[dim] != w->numel)
        return or_errf(err, OR_ESHAPE, "tensor %s.weight_orig: u/v sizes (%lld, %lld) do not fit",
                       OR_ESC(conv), (long long)u->numel, (long long)v->numel);
    set_name(name, sizeof name, dst, "weight");
    float *wo = mb_add_empty(mb, name, w->ndim, w->shape, err);
    if (!wo)
        return err ? err->code : OR_ENOMEM;
    double sigma = fold_spectral_norm(w->data, w->ndim, w->shape, dim, u->data, v->data, wo);
    if (!(fabs(sigma) > 0) || !isfinite(sigma))
        return or_errf(err, OR_EFORMAT, "tensor %s.weight_orig: spectral norm sigma is %g",
                       OR_ESC(conv), sigma);
    const ck_tensor *b = ckpt_find(sd, cat2(name, sizeof name, conv, "bias"));
    if (b) {
        set_name(name, sizeof name, dst, "bias");
        OR_TRY(mb_add(mb, name, b->ndim, b->shape, b->data, err));
    }
    return OR_OK;
}
