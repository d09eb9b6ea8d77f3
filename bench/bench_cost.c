/* bench_cost.c: FLOPs, bytes and grouping keys of op calls (bench_cost.h). */
#include "bench_cost.h"

#include <stdio.h>
#include <string.h>

static double nb(const or_tensor *t) { return t ? (double)or_nbytes(t) : 0.0; }

static const char *act_suffix(const or_epilogue *ep)
{
    switch (ep->act) {
    case OR_ACT_RELU: return "+relu";
    case OR_ACT_LEAKY: return "+lrelu";
    case OR_ACT_PRELU: return "+prelu";
    case OR_ACT_SIGMOID: return "+sigmoid";
    case OR_ACT_TANH: return "+tanh";
    default: return "";
    }
}

/* Epilogue: bias, activation, residual scale-add: about 4 operations per output. */
static double epilogue_flops(const or_tensor *b, const or_epilogue *ep, const or_tensor *y)
{
    double k = (b ? 1 : 0) + (ep->act != OR_ACT_NONE ? 1 : 0) + (ep->residual ? 2 : 0);
    return k * (double)or_numel(y);
}

bench_cost cost_conv2d(const or_tensor *x, const or_tensor *w, const or_tensor *b,
                       const or_conv2d_params *p, const or_tensor *y, char *key, size_t n)
{
    bench_cost c;
    c.flops = 2.0 * (double)or_numel(y) * (double)w->c * w->h * w->w + epilogue_flops(b, &p->ep, y);
    c.bytes = nb(x) + nb(w) + nb(b) + nb(y) + nb(p->ep.residual) + nb(p->ep.prelu);
    snprintf(key, n, "conv2d %dx%d s%d%s %d->%d %dx%d %s%s%s%s", w->h, w->w, p->stride_h,
             p->dil_h > 1 ? " dil" : "", x->c, y->c, y->w, y->h, or_dtype_name(y->dtype),
             act_suffix(&p->ep), p->ep.residual ? "+res" : "",
             y->layout == OR_NHWC ? " nhwc" : "");
    return c;
}

bench_cost cost_deconv2d(const or_tensor *x, const or_tensor *w, const or_tensor *b,
                         const or_deconv2d_params *p, const or_tensor *y, char *key, size_t n)
{
    bench_cost c;
    /* w [Ci, Co, kh, kw]: every input pixel scatters Co*kh*kw MACs */
    c.flops = 2.0 * (double)or_numel(x) * (double)w->c * w->h * w->w + epilogue_flops(b, &p->ep, y);
    c.bytes = nb(x) + nb(w) + nb(b) + nb(y) + nb(p->ep.residual) + nb(p->ep.prelu);
    snprintf(key, n, "deconv2d %dx%d s%d %d->%d %dx%d %s%s", w->h, w->w, p->stride_h, x->c, y->c,
             y->w, y->h, or_dtype_name(y->dtype), act_suffix(&p->ep));
    return c;
}

bench_cost cost_attention(const or_tensor *x, const or_tensor *wq, const or_tensor *wk,
                          const or_tensor *wv, const or_tensor *y, char *key, size_t n)
{
    double P = (double)x->h * x->w, C = x->c, N = x->n, cq = wq->n;
    bench_cost c;
    /* projections f, g, h; scores f^T g (P x P x cq); softmax (~5 per score);
     * h beta (C x P x P); gamma * . + x */
    c.flops = N * (2.0 * P * C * (2 * cq + C) + 2.0 * P * P * cq + 5.0 * P * P + 2.0 * C * P * P +
                   2.0 * C * P);
    c.bytes = nb(x) + nb(wq) + nb(wk) + nb(wv) + nb(y);
    snprintf(key, n, "self_attention C%d %dx%d %s", x->c, x->w, x->h, or_dtype_name(x->dtype));
    (void)wk;
    return c;
}

bench_cost cost_eltwise(const char *op, const or_tensor *const *in, int n_in, const or_tensor *y,
                        double flops_per_out, char *key, size_t n)
{
    bench_cost c = {flops_per_out * (double)or_numel(y), nb(y)};
    const or_tensor *x = NULL;
    for (int i = 0; i < n_in; i++) {
        c.bytes += nb(in[i]);
        if (!x && in[i])
            x = in[i];
    }
    if (x && (x->c != y->c || x->h != y->h || x->w != y->w))
        snprintf(key, n, "%s %d %dx%d -> %d %dx%d %s", op, x->c, x->w, x->h, y->c, y->w, y->h,
                 or_dtype_name(y->dtype));
    else
        snprintf(key, n, "%s %d %dx%d %s", op, y->c, y->w, y->h, or_dtype_name(y->dtype));
    return c;
}

bench_cost cost_pool(const char *op, const or_tensor *x, int kh, int kw, const or_tensor *y,
                     char *key, size_t n)
{
    bench_cost c = {(double)kh * kw * (double)or_numel(y), nb(x) + nb(y)};
    snprintf(key, n, "%s %dx%d %d %dx%d -> %dx%d %s", op, kh, kw, x->c, x->w, x->h, y->w, y->h,
             or_dtype_name(y->dtype));
    return c;
}
