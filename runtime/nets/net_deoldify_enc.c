/* net_deoldify_enc.c: the ResNet encoder of DeOldify's generators (fastai's
 * create_body of torchvision's resnet34 / resnet101: conv1, bn1, relu, maxpool,
 * layer1..layer4), BatchNorms folded into the convolutions at conversion
 * ("enc.conv1", "enc.layerL.M.convK", "enc.layerL.0.downsample"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_deoldify_enc.h"
#include "runtime/core/ops_pool.h"


/* Mirrors net.c's loader for the shapes or_netw_conv cannot express (no bias,
 * 2-D attention weights, a scalar); also records requests in a discovery pass. */
or_status dd_load(or_net_weights *w, const char *name, int ndim, const int64_t *shape,
                  or_dtype dt, int n, int c, int h, int wd, or_tensor *t, float *host0,
                  or_err *err)
{
    if (host0)
        return or_netw_scalar(w, name, t, host0, err);
    return or_netw_tensor(w, name, ndim, shape, dt, n, c, h, wd, t, err);
}

or_status dd_load_conv(or_net_weights *w, const char *prefix, int co, int ci, int k, dd_conv *c,
                       or_err *err)
{
    return or_netw_conv(w, prefix, co, ci, k, &c->w, &c->b, err);
}

or_status dd_conv_run(const or_tensor *x, const dd_conv *c, int stride, or_act act,
                      const or_tensor *residual, const char *name, or_tensor *y, or_err *err)
{
    int k = c->w.h;
    or_conv2d_params p = or_conv2d_default(k, k);
    p.stride_h = p.stride_w = stride;
    p.ep.act = act;
    p.ep.residual = residual;
    p.ep.res_scale = 1.0f;
    int ho = or_conv_out_size(x->h, k, stride, p.pad_h, 1);
    int wo = or_conv_out_size(x->w, k, stride, p.pad_w, 1);
    OR_TRY(or_tensor_alloc(x->be, y, 1, c->w.n, ho, wo, x->dtype, name, err));
    return or_conv2d(x, &c->w, c->b.data ? &c->b : NULL, &p, y, err);
}

/* ---- loading ---- */

or_status dd_encoder_load(dd_encoder *e, or_net_weights *w, or_err *err)
{
    char name[96];
    OR_TRY(dd_load_conv(w, "enc.conv1", e->base, 3, 7, &e->stem, err));
    int cin = e->base, ex = e->bottleneck ? 4 : 1;
    for (int l = 0; l < 4; l++) {
        int p = e->base << l;
        for (int b = 0; b < e->counts[l]; b++) {
            dd_block *blk = &e->blocks[l][b];
            blk->cin = cin, blk->p = p;
            blk->stride = b == 0 && l > 0 ? 2 : 1;
            blk->has_down = b == 0 && (blk->stride != 1 || cin != p * ex);
            int nconv = e->bottleneck ? 3 : 2;
            for (int k = 0; k < nconv; k++) {
                int ci = k == 0 ? cin : p, co = k == nconv - 1 ? p * ex : p;
                int ks = e->bottleneck && k != 1 ? 1 : 3;
                snprintf(name, sizeof name, "enc.layer%d.%d.conv%d", l + 1, b, k + 1);
                OR_TRY(dd_load_conv(w, name, co, ci, ks, &blk->c[k], err));
            }
            if (blk->has_down) {
                snprintf(name, sizeof name, "enc.layer%d.%d.downsample", l + 1, b);
                OR_TRY(dd_load_conv(w, name, p * ex, cin, 1, &blk->down, err));
            }
            cin = p * ex;
        }
    }
    return OR_OK;
}

void dd_encoder_free(dd_encoder *e)
{
    for (int l = 0; l < 4; l++)
        free(e->blocks[l]), e->blocks[l] = NULL;
}

/* ---- forward ---- */

/* One residual block into out (already allocated); temporaries given back. */
static or_status block_forward(const dd_encoder *e, const dd_block *blk, const or_tensor *x,
                               or_tensor *out, or_err *err)
{
    or_backend *be = x->be;
    or_arena_mark mk = or_arena_get_mark(&be->arena);
    or_tensor idt = *x, t1, t2;
    or_status s = OR_OK;
    if (blk->has_down)
        s = dd_conv_run(x, &blk->down, blk->stride, OR_ACT_NONE, NULL, "enc.downsample", &idt, err);
    /* conv1: 3x3 with the stride (BasicBlock) or 1x1 (Bottleneck: the stride is on conv2) */
    if (!s)
        s = dd_conv_run(x, &blk->c[0], e->bottleneck ? 1 : blk->stride, OR_ACT_RELU, NULL,
                        "enc.conv1_out", &t1, err);
    if (!s && e->bottleneck)
        s = dd_conv_run(&t1, &blk->c[1], blk->stride, OR_ACT_RELU, NULL, "enc.conv2_out", &t2, err);
    else
        t2 = t1;
    const dd_conv *last = &blk->c[e->bottleneck ? 2 : 1];
    if (!s) {
        or_conv2d_params p = or_conv2d_default(last->w.h, last->w.w);
        p.ep.residual = &idt;
        p.ep.res_scale = 1.0f;
        s = or_conv2d(&t2, &last->w, &last->b, &p, out, err); /* bn(conv) + identity */
    }
    if (!s)
        s = or_activation(out, OR_ACT_RELU, 0, NULL, out, err);
    or_arena_reset(&be->arena, mk);
    return s;
}

or_status dd_encoder_forward(const dd_encoder *e, const or_tensor *x, or_tensor skips[4],
                             or_tensor *out, or_err *err)
{
    or_backend *be = x->be;
    OR_TRY(dd_conv_run(x, &e->stem, 2, OR_ACT_RELU, NULL, "enc.relu", &skips[0], err));
    or_tensor cur;
    int ph = or_conv_out_size(skips[0].h, 3, 2, 1, 1), pw = or_conv_out_size(skips[0].w, 3, 2, 1, 1);
    OR_TRY(or_tensor_alloc(be, &cur, 1, e->base, ph, pw, x->dtype, "enc.maxpool", err));
    OR_TRY(or_maxpool2d(&skips[0], 3, 3, 2, 2, 1, 1, &cur, err));
    for (int l = 0; l < 4; l++) {
        int stride = l > 0 ? 2 : 1, c = dd_enc_width(e, l);
        int ho = or_conv_out_size(cur.h, 3, stride, 1, 1), wo = or_conv_out_size(cur.w, 3, stride, 1, 1);
        or_tensor buf[2];
        OR_TRY(or_tensor_alloc(be, &buf[0], 1, c, ho, wo, x->dtype, "enc.layer_out", err));
        or_arena_mark after0 = or_arena_get_mark(&be->arena);
        if (e->counts[l] > 1)
            OR_TRY(or_tensor_alloc(be, &buf[1], 1, c, ho, wo, x->dtype, "enc.layer_out", err));
        for (int b = 0; b < e->counts[l]; b++) {
            OR_TRY(block_forward(e, &e->blocks[l][b], &cur, &buf[b & 1], err));
            cur = buf[b & 1];
        }
        if ((e->counts[l] - 1) % 2 == 0) /* the result is in buf[0]: give buf[1] back */
            or_arena_reset(&be->arena, after0);
        if (l < 3)
            skips[l + 1] = cur;
    }
    *out = cur;
    return OR_OK;
}

size_t dd_encoder_bytes(const dd_encoder *e, int h, int w, or_dtype dt)
{
    h = or_conv_out_size(h, 7, 2, 3, 1), w = or_conv_out_size(w, 7, 2, 3, 1);
    size_t total = or_net_act_bytes(e->base, h, w, dt);
    h = or_conv_out_size(h, 3, 2, 1, 1), w = or_conv_out_size(w, 3, 2, 1, 1);
    total += or_net_act_bytes(e->base, h, w, dt);
    for (int l = 0; l < 4; l++) {
        int s = l > 0 ? 2 : 1, c = dd_enc_width(e, l);
        int hi = h, wi = w;
        h = or_conv_out_size(h, 3, s, 1, 1), w = or_conv_out_size(w, 3, s, 1, 1);
        size_t temps = or_net_act_bytes(c, h, w, dt) + 2 * or_net_act_bytes(e->base << l, hi, wi, dt);
        total += 2 * or_net_act_bytes(c, h, w, dt) + temps;
    }
    return total;
}
