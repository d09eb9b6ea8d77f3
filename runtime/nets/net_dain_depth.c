/* net_dain_depth.c: DAIN's depthNet, the MegaDepth hourglass
 * (MegaDepth/pytorch_DIW_scratch.py), on the canonical names of
 * convert/arch_dain_depth.c (every BatchNorm already folded into its conv):
 *
 *   log_depth = out(c4(relu(stem(x))))      stem 7x7, out 3x3 -> 1
 *   cN(x) = down(x) + skip(x)
 *   down:  2x2 pool (max for c4/c3, average for c2/c1), inceptions, c(N-1),
 *          inceptions, nearest 2x upsample (c1: three inceptions, no inner level)
 *   skip:  inceptions
 *   inception(x) = cat(t0(x), t1(x), t2(x), t3(x)): t0 = relu(1x1), tT =
 *          relu(kxk(relu(1x1 reduce))) with k 3/5/7 or 3/7/11.
 * Widths are the official ones divided by div = 128 / depth_width. */
#include <stdio.h>

#include "net_dain_parts.h"
#include "runtime/core/ops_pool.h"

enum { A128_32, A128_64, A256, B256, A256_32, B128_32, C128_32, D128_16, E128_16 };

/* (1x1 width, kernels, reduce widths, widths): MegaDepth's inception table. */
static const int inc_spec[][10] = {
    [A128_32] = {32, 3, 5, 7, 32, 32, 32, 32, 32, 32},
    [A128_64] = {64, 3, 5, 7, 32, 32, 32, 64, 64, 64},
    [A256] = {64, 3, 5, 7, 32, 32, 32, 64, 64, 64},
    [B256] = {64, 3, 7, 11, 64, 64, 64, 64, 64, 64},
    [A256_32] = {32, 3, 5, 7, 32, 32, 32, 32, 32, 32},
    [B128_32] = {32, 3, 7, 11, 64, 64, 64, 32, 32, 32},
    [C128_32] = {32, 3, 5, 7, 64, 64, 64, 32, 32, 32},
    [D128_16] = {16, 3, 7, 11, 32, 32, 32, 16, 16, 16},
    [E128_16] = {16, 3, 7, 11, 64, 64, 64, 16, 16, 16},
};

/* Per level 1..4: input width, max-pool?, down inceptions (before / after the
 * inner level; c1 has none after), skip inceptions. -1 ends a list. */
typedef struct {
    int in, maxpool, down_pre[3], down_post[2], skip[2];
} level_spec;

static const level_spec levels[5] = {
    [4] = {128, 1, {A128_32, A128_32, -1}, {C128_32, D128_16}, {E128_16, -1}},
    [3] = {128, 1, {A128_32, A128_64, -1}, {A256, A256_32}, {A128_32, B128_32}},
    [2] = {256, 0, {A256, A256, -1}, {A256, B256}, {A256, B256}},
    [1] = {256, 0, {A256, A256, A256}, {-1, -1}, {A256, A256}},
};

static int inc_width(const dn_inception *c) { return c->c0 + c->c[0] + c->c[1] + c->c[2]; }

static or_status load_inception(dn_loader *l, int spec, int div, int in, const char *pfx,
                                dn_inception *c, or_err *err)
{
    char name[96];
    const int *s = inc_spec[spec];
    c->c0 = s[0] / div;
    snprintf(name, sizeof name, "%s.t0", pfx);
    OR_TRY(dn_load_conv(l, name, c->c0, in, 1, 1, &c->t0, err));
    for (int t = 0; t < 3; t++) {
        c->k[t] = s[1 + t], c->r[t] = s[4 + t] / div, c->c[t] = s[7 + t] / div;
        snprintf(name, sizeof name, "%s.t%d.reduce", pfx, t + 1);
        OR_TRY(dn_load_conv(l, name, c->r[t], in, 1, 1, &c->reduce[t], err));
        snprintf(name, sizeof name, "%s.t%d.conv", pfx, t + 1);
        OR_TRY(dn_load_conv(l, name, c->c[t], c->r[t], c->k[t], 1, &c->conv[t], err));
    }
    return OR_OK;
}

/* The inceptions of one branch in order: down = pre then post, skip. */
static int branch_specs(const level_spec *L, int skip, int out[4])
{
    int n = 0;
    if (skip) {
        for (int j = 0; j < 2; j++)
            if (L->skip[j] >= 0)
                out[n++] = L->skip[j];
        return n;
    }
    for (int j = 0; j < 3; j++)
        if (L->down_pre[j] >= 0)
            out[n++] = L->down_pre[j];
    for (int j = 0; j < 2; j++)
        if (L->down_post[j] >= 0)
            out[n++] = L->down_post[j];
    return n;
}

or_status dn_depth_load(dn_loader *l, dn_depth_net *d, or_err *err)
{
    char pfx[64];
    OR_TRY(dn_load_conv(l, "depth.stem", d->width, 3, 7, 1, &d->stem, err));
    for (int lv = 1; lv <= 4; lv++)
        for (int br = 0; br < 2; br++) {
            int specs[4], n = branch_specs(&levels[lv], br, specs);
            int in = levels[lv].in / d->div;
            for (int j = 0; j < n; j++) {
                snprintf(pfx, sizeof pfx, "depth.c%d.%s.inc%d", lv, br ? "skip" : "down", j);
                dn_inception *c = &d->inc[lv - 1][br][j];
                OR_TRY(load_inception(l, specs[j], d->div, in, pfx, c, err));
                in = inc_width(c);
            }
        }
    return dn_load_conv(l, "depth.out", 1, 64 / d->div, 3, 1, &d->out, err);
}

static or_status inception_run(const dn_inception *c, const or_tensor *x, or_tensor *y,
                               or_err *err)
{
    or_backend *be = x->be;
    or_tensor v, red;
    OR_TRY(or_tensor_channels(y, 0, c->c0, &v, err));
    OR_TRY(dn_conv_run(&c->t0, x, 1, 1, OR_ACT_RELU, NULL, &v, err));
    int at = c->c0;
    for (int t = 0; t < 3; t++) {
        or_arena_mark mk = or_arena_get_mark(&be->arena);
        or_status s = dn_alloc(be, x->dtype, c->r[t], x->h, x->w, "depth.reduce", &red, err);
        if (!s) s = dn_conv_run(&c->reduce[t], x, 1, 1, OR_ACT_RELU, NULL, &red, err);
        if (!s) s = or_tensor_channels(y, at, c->c[t], &v, err);
        if (!s) s = dn_conv_run(&c->conv[t], &red, 1, 1, OR_ACT_RELU, NULL, &v, err);
        or_arena_reset(&be->arena, mk);
        OR_TRY(s);
        at += c->c[t];
    }
    return OR_OK;
}

/* Run inceptions incs[0..n) on x; the result is a new arena tensor *out. */
static or_status inceptions_run(const dn_inception *incs, int n, const or_tensor *x,
                                or_tensor *out, or_err *err)
{
    or_tensor cur = *x, nxt;
    for (int j = 0; j < n; j++) {
        OR_TRY(dn_alloc(x->be, x->dtype, inc_width(&incs[j]), x->h, x->w, "depth.inc", &nxt,
                        err));
        OR_TRY(inception_run(&incs[j], &cur, &nxt, err));
        cur = nxt;
    }
    *out = cur;
    return OR_OK;
}

/* y (allocated by the caller, x's shape) = level lv of the hourglass on x. */
static or_status level_run(const dn_depth_net *d, int lv, const or_tensor *x, or_tensor *y,
                           or_err *err)
{
    const level_spec *L = &levels[lv];
    or_backend *be = x->be;
    or_arena_mark mk = or_arena_get_mark(&be->arena);
    const dn_inception *down = d->inc[lv - 1][0], *skip = d->inc[lv - 1][1];
    int specs[4], n_down = branch_specs(L, 0, specs), n_skip = branch_specs(L, 1, specs);
    int n_pre = lv == 1 ? 3 : 2;
    or_tensor pooled, a, inner, b, sk;
    or_status s = dn_alloc(be, x->dtype, x->c, x->h / 2, x->w / 2, "depth.pool", &pooled, err);
    if (!s)
        s = L->maxpool ? or_maxpool2d(x, 2, 2, 2, 2, 0, 0, &pooled, err)
                       : or_avgpool2d(x, 2, 2, 2, 2, 0, 0, 1, &pooled, err);
    if (!s) s = inceptions_run(down, n_pre, &pooled, &a, err);
    b = a;
    if (!s && lv > 1) {
        s = dn_alloc(be, x->dtype, a.c, a.h, a.w, "depth.inner", &inner, err);
        if (!s) s = level_run(d, lv - 1, &a, &inner, err);
        if (!s) s = inceptions_run(down + n_pre, n_down - n_pre, &inner, &b, err);
    }
    if (!s) s = or_upsample_nearest(&b, 2, y, err);
    if (!s) s = inceptions_run(skip, n_skip, x, &sk, err);
    if (!s) s = or_add(y, 1.0f, &sk, 1.0f, y, err);
    or_arena_reset(&be->arena, mk);
    return s;
}

or_status dn_depth_run(const dn_depth_net *d, const or_tensor *x, or_tensor *log_depth,
                       or_err *err)
{
    or_backend *be = x->be;
    or_arena_mark mk = or_arena_get_mark(&be->arena);
    or_tensor st, c4;
    or_status s = dn_alloc(be, x->dtype, d->width, x->h, x->w, "depth.stem", &st, err);
    if (!s) s = dn_conv_run(&d->stem, x, 1, 1, OR_ACT_RELU, NULL, &st, err);
    if (!s) s = dn_alloc(be, x->dtype, 64 / d->div, x->h, x->w, "depth.c4", &c4, err);
    if (!s) s = level_run(d, 4, &st, &c4, err);
    if (!s) s = dn_conv_run(&d->out, &c4, 1, 1, OR_ACT_NONE, NULL, log_depth, err);
    or_arena_reset(&be->arena, mk);
    return s;
}
