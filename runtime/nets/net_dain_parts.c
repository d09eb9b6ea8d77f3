/* net_dain_parts.c: DAIN's weight helpers and three of its sub-networks.
 *
 * kernel U-Net (DAIN.get_MonoNet5 + forward_singlePath, canonical kernel.*):
 *   conv0 (6 -> w0), conv1..conv5 each followed by a 2x2 max-pool whose input is
 *   kept; conv6; then for s = 1..5: bilinear 2x upsample (align_corners=False),
 *   + the output of conv(6-s), conv(6+s).  Every conv is 3x3 + ReLU.  Two heads
 *   kernel.out{0,1}: conv 3x3 + ReLU, conv 3x3 -> F*F taps.
 * context (S2DF_3dense, ctx.*): stem 7x7 no bias + ReLU, two BasicBlocks
 *   relu(conv2(relu(conv1(x))) + x) with conv1 dilated 4 / 8; output
 *   cat(x, stem, res0, res1).
 * rectifier (MultipleBasicBlock_4, rectify.*): stem 7x7 + ReLU, three BasicBlocks
 *   (dilation 1), out 3x3 -> 3; DAIN adds the blended frame. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_dain_parts.h"
#include "runtime/core/ops_deconv.h"
#include "runtime/core/ops_pool.h"
#include "runtime/core/ops_resample.h"

/* ---- weights ---------------------------------------------------------------------- */


static or_status load_tensor(or_net_weights *w, const char *name, int ndim, const int64_t *shape,
                             or_dtype dt, const int dims[4], or_tensor *t, or_err *err)
{
    return or_netw_tensor(w, name, ndim, shape, dt, dims[0], dims[1], dims[2], dims[3], t, err);
}

or_status dn_load_conv(dn_loader *l, const char *name, int co, int ci, int k, int has_b,
                       dn_conv *c, or_err *err)
{
    char s[256];
    int64_t shape[4] = {co, ci, k, k};
    int dims[4] = {co, ci, k, k};
    c->co = co, c->ci = ci, c->k = k, c->has_b = has_b;
    snprintf(s, sizeof s, "%s.weight", name);
    OR_TRY(load_tensor(l->w, s, 4, shape, l->w->dtype, dims, &c->w, err));
    if (!has_b)
        return OR_OK;
    snprintf(s, sizeof s, "%s.bias", name);
    return or_netw_vec(l->w, s, co, &c->b, err);
}

or_status dn_load_deconv(dn_loader *l, const char *name, int ci, int co, int k, dn_conv *c,
                         or_err *err)
{
    char s[256];
    int64_t shape[4] = {ci, co, k, k};
    int dims[4] = {ci, co, k, k};
    c->co = co, c->ci = ci, c->k = k, c->has_b = 1;
    snprintf(s, sizeof s, "%s.weight", name);
    OR_TRY(load_tensor(l->w, s, 4, shape, l->w->dtype, dims, &c->w, err));
    snprintf(s, sizeof s, "%s.bias", name);
    return or_netw_vec(l->w, s, co, &c->b, err);
}

or_status dn_meta_list(const st_file *f, const char *key, int n, int lo, int hi, int *out,
                       or_err *err)
{
    const char *v;
    OR_TRY(or_net_meta_str(f, key, &v, err));
    const char *p = v;
    for (int i = 0; i < n; i++) {
        char *end;
        errno = 0;
        long x = strtol(p, &end, 10);
        if (errno || end == p || x < lo || x > hi || (i + 1 < n ? *end != ',' : *end != 0))
            return or_errf(err, OR_EFORMAT,
                           "%s: metadata %s = '%s': expected %d comma-separated integers in "
                           "[%d, %d]",
                           f->path, key, v, n, lo, hi);
        out[i] = (int)x;
        p = end + 1;
    }
    return OR_OK;
}

/* ---- running ---------------------------------------------------------------------- */

or_status dn_alloc(or_backend *be, or_dtype dt, int c, int h, int w, const char *name,
                   or_tensor *t, or_err *err)
{
    return or_tensor_alloc(be, t, 1, c, h, w, dt, name, err);
}

or_status dn_conv_run(const dn_conv *c, const or_tensor *x, int stride, int dil, or_act act,
                      const or_tensor *residual, or_tensor *y, or_err *err)
{
    or_conv2d_params p = or_conv2d_default(c->k, c->k);
    p.stride_h = p.stride_w = stride;
    p.dil_h = p.dil_w = dil;
    p.pad_h = p.pad_w = (c->k - 1) / 2 * dil;
    p.ep.act = act;
    p.ep.alpha = 0.1f; /* PWC-Net's LeakyReLU */
    p.ep.residual = residual;
    p.ep.res_scale = 1.0f;
    return or_conv2d(x, &c->w, c->has_b ? &c->b : NULL, &p, y, err);
}

/* ---- kernel estimation ------------------------------------------------------------- */

or_status dn_kernel_load(dn_loader *l, dn_kernel_net *k, or_err *err)
{
    char name[64];
    for (int i = 0; i < 12; i++) {
        snprintf(name, sizeof name, "kernel.conv%d", i);
        OR_TRY(dn_load_conv(l, name, k->widths[i], i ? k->widths[i - 1] : 6, 3, 1, &k->conv[i],
                            err));
    }
    int w0 = k->widths[11], taps = l->filter_size * l->filter_size;
    for (int h = 0; h < 2; h++) {
        snprintf(name, sizeof name, "kernel.out%d.conv0", h);
        OR_TRY(dn_load_conv(l, name, w0, w0, 3, 1, &k->head[h][0], err));
        snprintf(name, sizeof name, "kernel.out%d.conv1", h);
        OR_TRY(dn_load_conv(l, name, taps, w0, 3, 1, &k->head[h][1], err));
    }
    return OR_OK;
}

or_status dn_kernel_run(const dn_kernel_net *k, const or_tensor *x, or_tensor *filt0,
                        or_tensor *filt1, or_err *err)
{
    or_backend *be = x->be;
    or_dtype dt = x->dtype;
    or_arena_mark mk = or_arena_get_mark(&be->arena);
    or_tensor keep[6], cur, pooled, up;
    int h = x->h, w = x->w;
    or_status s = dn_alloc(be, dt, k->widths[0], h, w, "kernel.conv0", &cur, err);
    if (!s) s = dn_conv_run(&k->conv[0], x, 1, 1, OR_ACT_RELU, NULL, &cur, err);
    for (int i = 1; i <= 5 && !s; i++) { /* conv_i, keep it, pool */
        s = dn_alloc(be, dt, k->widths[i], h, w, "kernel.enc", &keep[i], err);
        if (!s) s = dn_conv_run(&k->conv[i], &cur, 1, 1, OR_ACT_RELU, NULL, &keep[i], err);
        h /= 2, w /= 2;
        if (!s) s = dn_alloc(be, dt, k->widths[i], h, w, "kernel.pool", &pooled, err);
        if (!s) s = or_maxpool2d(&keep[i], 2, 2, 2, 2, 0, 0, &pooled, err);
        cur = pooled;
    }
    if (!s) s = dn_alloc(be, dt, k->widths[6], h, w, "kernel.conv6", &pooled, err);
    if (!s) s = dn_conv_run(&k->conv[6], &cur, 1, 1, OR_ACT_RELU, NULL, &pooled, err);
    cur = pooled;
    for (int sk = 1; sk <= 5 && !s; sk++) { /* upsample, + conv(6-s) output, conv(6+s) */
        h *= 2, w *= 2;
        s = dn_alloc(be, dt, cur.c, h, w, "kernel.up", &up, err);
        if (!s) s = or_resize_bilinear(&cur, 0, 2.0, 2.0, &up, err);
        if (!s) s = or_add(&up, 1.0f, &keep[6 - sk], 1.0f, &up, err);
        if (!s) s = dn_alloc(be, dt, k->widths[6 + sk], h, w, "kernel.dec", &cur, err);
        if (!s) s = dn_conv_run(&k->conv[6 + sk], &up, 1, 1, OR_ACT_RELU, NULL, &cur, err);
    }
    or_tensor mid;
    or_tensor *outs[2] = {filt0, filt1};
    for (int hd = 0; hd < 2 && !s; hd++) {
        or_arena_mark m2 = or_arena_get_mark(&be->arena);
        s = dn_alloc(be, dt, cur.c, h, w, "kernel.head", &mid, err);
        if (!s) s = dn_conv_run(&k->head[hd][0], &cur, 1, 1, OR_ACT_RELU, NULL, &mid, err);
        if (!s) s = dn_conv_run(&k->head[hd][1], &mid, 1, 1, OR_ACT_NONE, NULL, outs[hd], err);
        or_arena_reset(&be->arena, m2);
    }
    or_arena_reset(&be->arena, mk);
    return s;
}

/* ---- context ------------------------------------------------------------------------ */

or_status dn_ctx_load(dn_loader *l, dn_ctx_net *c, or_err *err)
{
    char name[64];
    OR_TRY(dn_load_conv(l, "ctx.stem", c->width, 3, 7, 0, &c->stem, err));
    for (int r = 0; r < 2; r++)
        for (int j = 0; j < 2; j++) {
            snprintf(name, sizeof name, "ctx.res%d.conv%d", r, j + 1);
            OR_TRY(dn_load_conv(l, name, c->width, c->width, 3, 0, &c->res[r][j], err));
        }
    return OR_OK;
}

/* relu(conv2(relu(conv1(x))) + x) into y; tmp is scratch of x's shape. */
static or_status basic_block(const dn_conv cv[2], int dil, const or_tensor *x, or_tensor *tmp,
                             or_tensor *y, or_err *err)
{
    OR_TRY(dn_conv_run(&cv[0], x, 1, dil, OR_ACT_RELU, NULL, tmp, err));
    OR_TRY(dn_conv_run(&cv[1], tmp, 1, 1, OR_ACT_NONE, x, y, err));
    return or_activation(y, OR_ACT_RELU, 0.0f, NULL, y, err);
}

or_status dn_ctx_run(const dn_ctx_net *c, const or_tensor *x, or_tensor *y, or_err *err)
{
    or_backend *be = x->be;
    or_tensor v[4], tmp;
    OR_TRY(or_tensor_channels(y, 0, 3, &v[0], err));
    for (int i = 1; i < 4; i++)
        OR_TRY(or_tensor_channels(y, 3 + (i - 1) * c->width, c->width, &v[i], err));
    OR_TRY(or_cast(x, &v[0], err));
    OR_TRY(dn_conv_run(&c->stem, x, 1, 1, OR_ACT_RELU, NULL, &v[1], err));
    or_arena_mark mk = or_arena_get_mark(&be->arena);
    or_status s = dn_alloc(be, x->dtype, c->width, x->h, x->w, "ctx.tmp", &tmp, err);
    if (!s) s = basic_block(c->res[0], 4, &v[1], &tmp, &v[2], err);
    if (!s) s = basic_block(c->res[1], 8, &v[2], &tmp, &v[3], err);
    or_arena_reset(&be->arena, mk);
    return s;
}

/* ---- rectifier ---------------------------------------------------------------------- */

or_status dn_rectify_load(dn_loader *l, dn_rectify_net *r, or_err *err)
{
    char name[64];
    OR_TRY(dn_load_conv(l, "rectify.stem", r->width, r->in, 7, 1, &r->stem, err));
    for (int b = 0; b < 3; b++)
        for (int j = 0; j < 2; j++) {
            snprintf(name, sizeof name, "rectify.res%d.conv%d", b, j + 1);
            OR_TRY(dn_load_conv(l, name, r->width, r->width, 3, 0, &r->res[b][j], err));
        }
    return dn_load_conv(l, "rectify.out", 3, r->width, 3, 1, &r->out, err);
}

or_status dn_rectify_run(const dn_rectify_net *r, const or_tensor *x, const or_tensor *residual,
                         or_tensor *y, or_err *err)
{
    or_backend *be = x->be;
    or_arena_mark mk = or_arena_get_mark(&be->arena);
    or_tensor a, b, tmp;
    or_status s = dn_alloc(be, x->dtype, r->width, x->h, x->w, "rectify.a", &a, err);
    if (!s) s = dn_alloc(be, x->dtype, r->width, x->h, x->w, "rectify.b", &b, err);
    if (!s) s = dn_alloc(be, x->dtype, r->width, x->h, x->w, "rectify.tmp", &tmp, err);
    if (!s) s = dn_conv_run(&r->stem, x, 1, 1, OR_ACT_RELU, NULL, &a, err);
    or_tensor *cur = &a, *nxt = &b;
    for (int k = 0; k < 3 && !s; k++) {
        s = basic_block(r->res[k], 1, cur, &tmp, nxt, err);
        or_tensor *t = cur;
        cur = nxt, nxt = t;
    }
    if (!s) s = dn_conv_run(&r->out, cur, 1, 1, OR_ACT_NONE, residual, y, err);
    or_arena_reset(&be->arena, mk);
    return s;
}
