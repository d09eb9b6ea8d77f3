/* net_dain_pwc.c: PWC-Net as DAIN runs it (PWCNet/PWCNet.py, PWCDCNet, md 4).
 *
 * Features: per level L = 1..6 three 3x3 convs + LeakyReLU(0.1), the first with
 * stride 2 (flow.featL.conv0..2).  Decoder, level 6 down to 2:
 *   L = 6: x = lrelu(corr(c1_6, c2_6))
 *   L < 6: x = cat(lrelu(corr(c1_L, warp(c2_L, up_flow * 20/2^L))), c1_L, up_flow, up_feat)
 *   x = cat(dense_j(x), x) for j = 0..4; flow = predict(x);
 *   up_flow = deconv(flow), up_feat = deconv'(x) (4x4 stride 2 pad 1)
 * Refiner: flow2 += conv7(conv6..1(x)) with dilations 1,2,4,8,16,1.
 * The dense concatenation is one buffer per level: the level's input sits at its
 * end and each dense conv writes the slot just in front of what it reads. */
#include <stdio.h>

#include "net_dain_parts.h"
#include "runtime/core/ops_deconv.h"
#include "runtime/core/ops_flow.h"
#include "runtime/core/ops_math.h"

static int dense_sum(const dn_pwc_net *p)
{
    int s = 0;
    for (int j = 0; j < 5; j++)
        s += p->dense[j];
    return s;
}

/* Input width of level L's decoder. */
static int dec_in(const dn_pwc_net *p, int lvl)
{
    int nd = (2 * p->md + 1) * (2 * p->md + 1);
    return lvl == 6 ? nd : nd + p->pyr[lvl - 1] + 4;
}

or_status dn_pwc_load(dn_loader *l, dn_pwc_net *p, or_err *err)
{
    char name[64];
    int cin = 3;
    for (int lvl = 1; lvl <= 6; lvl++) {
        for (int j = 0; j < 3; j++) {
            snprintf(name, sizeof name, "flow.feat%d.conv%d", lvl, j);
            OR_TRY(dn_load_conv(l, name, p->pyr[lvl - 1], j ? p->pyr[lvl - 1] : cin, 3, 1,
                                &p->feat[lvl - 1][j], err));
        }
        cin = p->pyr[lvl - 1];
    }
    int od = 0;
    for (int lvl = 6; lvl >= 2; lvl--) {
        od = dec_in(p, lvl);
        for (int j = 0; j < 5; j++) {
            snprintf(name, sizeof name, "flow.dec%d.dense%d", lvl, j);
            OR_TRY(dn_load_conv(l, name, p->dense[j], od, 3, 1, &p->dense_conv[lvl][j], err));
            od += p->dense[j];
        }
        snprintf(name, sizeof name, "flow.dec%d.predict", lvl);
        OR_TRY(dn_load_conv(l, name, 2, od, 3, 1, &p->predict[lvl], err));
        snprintf(name, sizeof name, "flow.dec%d.up_flow", lvl);
        OR_TRY(dn_load_deconv(l, name, 2, 2, 4, &p->up_flow[lvl], err));
        if (lvl > 2) {
            snprintf(name, sizeof name, "flow.dec%d.up_feat", lvl);
            OR_TRY(dn_load_deconv(l, name, od, 2, 4, &p->up_feat[lvl], err));
        }
    }
    cin = od;
    for (int j = 1; j <= 7; j++) {
        int co = j == 7 ? 2 : p->refine[j - 1];
        snprintf(name, sizeof name, "flow.refine.conv%d", j);
        OR_TRY(dn_load_conv(l, name, co, cin, 3, 1, &p->ref[j - 1], err));
        cin = co;
    }
    return OR_OK;
}

or_status dn_pwc_features(const dn_pwc_net *p, const or_tensor *im, or_tensor feats[6],
                          or_err *err)
{
    or_backend *be = im->be;
    const or_tensor *cur = im;
    int h = im->h, w = im->w;
    for (int lvl = 1; lvl <= 6; lvl++) {
        int c = p->pyr[lvl - 1];
        h = (h + 1) / 2, w = (w + 1) / 2;
        OR_TRY(dn_alloc(be, im->dtype, c, h, w, "flow.feat", &feats[lvl - 1], err));
        or_arena_mark m2 = or_arena_get_mark(&be->arena);
        or_tensor a, b;
        or_status s = dn_alloc(be, im->dtype, c, h, w, "flow.feat.a", &a, err);
        if (!s) s = dn_alloc(be, im->dtype, c, h, w, "flow.feat.b", &b, err);
        if (!s) s = dn_conv_run(&p->feat[lvl - 1][0], cur, 2, 1, OR_ACT_LEAKY, NULL, &a, err);
        if (!s) s = dn_conv_run(&p->feat[lvl - 1][1], &a, 1, 1, OR_ACT_LEAKY, NULL, &b, err);
        if (!s)
            s = dn_conv_run(&p->feat[lvl - 1][2], &b, 1, 1, OR_ACT_LEAKY, NULL, &feats[lvl - 1],
                            err);
        or_arena_reset(&be->arena, m2);
        OR_TRY(s);
        cur = &feats[lvl - 1];
    }
    return OR_OK;
}

/* x (the level buffer [1, D + od, h, w]) gets its dense features written in front. */
static or_status dense_block(const dn_pwc_net *p, int lvl, or_tensor *x, or_err *err)
{
    int in0 = dense_sum(p);
    for (int j = 0; j < 5; j++) {
        or_tensor src, dst;
        OR_TRY(or_tensor_channels(x, in0, x->c - in0, &src, err));
        in0 -= p->dense[j];
        OR_TRY(or_tensor_channels(x, in0, p->dense[j], &dst, err));
        OR_TRY(dn_conv_run(&p->dense_conv[lvl][j], &src, 1, 1, OR_ACT_LEAKY, NULL, &dst, err));
    }
    return OR_OK;
}

/* Level L's input in the buffer x: the correlation of c1 with c2 warped by
 * up_flow * 20/2^L (L < 6), LeakyReLU'd, then c1, up_flow, up_feat. */
static or_status level_input(const dn_pwc_net *p, int lvl, const or_tensor *c1,
                             const or_tensor *c2, const or_tensor *up_flow,
                             const or_tensor *up_feat, or_tensor *x, or_err *err)
{
    or_backend *be = x->be;
    int nd = (2 * p->md + 1) * (2 * p->md + 1), at = dense_sum(p);
    or_tensor corr, v;
    OR_TRY(or_tensor_channels(x, at, nd, &corr, err));
    if (lvl == 6) {
        OR_TRY(or_correlation(c1, c2, p->md, &corr, err));
        return or_activation(&corr, OR_ACT_LEAKY, 0.1f, NULL, &corr, err);
    }
    or_arena_mark mk = or_arena_get_mark(&be->arena);
    or_tensor fl, warped;
    or_status s = dn_alloc(be, x->dtype, 2, x->h, x->w, "flow.scaled", &fl, err);
    if (!s) s = dn_alloc(be, x->dtype, c2->c, x->h, x->w, "flow.warped", &warped, err);
    if (!s) s = or_scale_shift(up_flow, 20.0f / (float)(1 << lvl), 0.0f, &fl, err);
    if (!s) s = or_pwc_warp(c2, &fl, &warped, err);
    if (!s) s = or_correlation(c1, &warped, p->md, &corr, err);
    or_arena_reset(&be->arena, mk);
    OR_TRY(s);
    OR_TRY(or_activation(&corr, OR_ACT_LEAKY, 0.1f, NULL, &corr, err));
    OR_TRY(or_tensor_channels(x, at + nd, c1->c, &v, err));
    OR_TRY(or_cast(c1, &v, err));
    OR_TRY(or_tensor_channels(x, at + nd + c1->c, 2, &v, err));
    OR_TRY(or_cast(up_flow, &v, err));
    OR_TRY(or_tensor_channels(x, at + nd + c1->c + 2, 2, &v, err));
    return or_cast(up_feat, &v, err);
}

static or_status deconv(const dn_conv *c, const or_tensor *x, or_tensor *y, or_err *err)
{
    or_deconv2d_params p = or_deconv2d_default();
    p.stride_h = p.stride_w = 2;
    p.pad_h = p.pad_w = 1;
    return or_conv_transpose2d(x, &c->w, &c->b, &p, y, err);
}

/* The refiner on x (level 2's buffer): flow += conv7(conv6..1(x)). */
static or_status refine(const dn_pwc_net *p, const or_tensor *x, const or_tensor *flow2,
                        or_tensor *flow, or_err *err)
{
    static const int dil[6] = {1, 2, 4, 8, 16, 1};
    or_backend *be = x->be;
    or_arena_mark mk = or_arena_get_mark(&be->arena);
    or_tensor t[2];
    const or_tensor *cur = x;
    or_status s = OR_OK;
    for (int j = 0; j < 6 && !s; j++) {
        s = dn_alloc(be, x->dtype, p->refine[j], x->h, x->w, "flow.refine", &t[j & 1], err);
        if (!s) s = dn_conv_run(&p->ref[j], cur, 1, dil[j], OR_ACT_LEAKY, NULL, &t[j & 1], err);
        cur = &t[j & 1];
    }
    if (!s) s = dn_conv_run(&p->ref[6], cur, 1, 1, OR_ACT_NONE, flow2, flow, err);
    or_arena_reset(&be->arena, mk);
    return s;
}

or_status dn_pwc_flow(const dn_pwc_net *p, const or_tensor fa[6], const or_tensor fb[6],
                      or_tensor *flow, or_err *err)
{
    or_backend *be = flow->be;
    or_dtype dt = flow->dtype;
    or_arena_mark mk = or_arena_get_mark(&be->arena);
    or_tensor x, fl, up_flow = {0}, up_feat = {0}, nflow, nfeat;
    or_status s = OR_OK;
    for (int lvl = 6; lvl >= 2 && !s; lvl--) {
        const or_tensor *c1 = &fa[lvl - 1], *c2 = &fb[lvl - 1];
        int h = c1->h, w = c1->w;
        s = dn_alloc(be, dt, dense_sum(p) + dec_in(p, lvl), h, w, "flow.dec", &x, err);
        if (!s) s = level_input(p, lvl, c1, c2, &up_flow, &up_feat, &x, err);
        if (!s) s = dense_block(p, lvl, &x, err);
        if (!s) s = dn_alloc(be, dt, 2, h, w, "flow.predict", &fl, err);
        if (!s) s = dn_conv_run(&p->predict[lvl], &x, 1, 1, OR_ACT_NONE, NULL, &fl, err);
        if (lvl == 2)
            break;
        if (!s) s = dn_alloc(be, dt, 2, 2 * h, 2 * w, "flow.up_flow", &nflow, err);
        if (!s) s = dn_alloc(be, dt, 2, 2 * h, 2 * w, "flow.up_feat", &nfeat, err);
        if (!s) s = deconv(&p->up_flow[lvl], &fl, &nflow, err);
        if (!s) s = deconv(&p->up_feat[lvl], &x, &nfeat, err);
        up_flow = nflow, up_feat = nfeat;
    }
    if (!s) s = refine(p, &x, &fl, flow, err);
    or_arena_reset(&be->arena, mk);
    return s;
}
