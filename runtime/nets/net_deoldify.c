/* net_deoldify.c: DeOldify's generators (jantic/DeOldify deoldify/unet.py on
 * fastai 1.0.51): DynamicUnetDeep (artistic: resnet34, nf_factor 1.5) and
 * DynamicUnetWide (stable / video: resnet101, nf_factor 2), on ops.h and the
 * pool / attention / resample / math families.  Canonical names and metadata:
 * docs/converters/colorize.md; the whole data flow: docs/stages/deoldify.md.
 *
 *   skips, e = encoder(x)                      (net_deoldify_enc.c)
 *   u = mid.1(mid.0(relu(enc.bn(e))))          custom_conv_layer: relu(conv)*scale + shift
 *   for block i = 0..3 (skip layer3, layer2, layer1, stem relu):
 *     up = blur(shuffle(relu(shuf_i(u))))      blur = replicate-pad (1,0,1,0) + avg 2x2 s1
 *     up = nearest(up, skip size) if the sizes differ
 *     c  = relu(cat[up, bn_i(skip)])
 *     u  = conv2(conv1(c)) (deep) or conv(c) (wide), self-attention after block 1's last
 *   h = blur(shuffle(relu(head.shuf(u))))      (fastai 1.0.51 always blurs)
 *   c = cat[h, x];  r = relu(res.1(relu(res.0(c)))) + c
 *   y = sigmoid(head.out(r)) * (hi - lo) + lo  (y_range -3,3)
 *
 * y is the raw network output (normalised ImageNet space).  Input H and W must
 * be even (the head concatenates the input with the 2x upsampled stem-size map).
 * Activations come from the arena (bump allocation; each block's temporaries
 * are given back as soon as its output exists). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_deoldify_enc.h"
#include "runtime/core/ops_attention.h"
#include "runtime/core/ops_math.h"
#include "runtime/core/ops_pool.h"
#include "runtime/core/ops_resample.h"

typedef struct {
    dd_conv shuf;               /* 1x1 to 4*up channels (SN + BN folded) */
    or_tensor bn_scale, bn_shift;
    dd_cbn conv[2];             /* deep: conv1, conv2; wide: conv */
    int nconv, cin, up, xs, nf;
    int attn;
    or_tensor q, k, v;
    float gamma;
} dd_dec;

typedef struct {
    or_net net; /* first: net->impl points here */
    or_net_weights wts;
    int deep;
    dd_encoder enc;
    or_tensor enc_scale, enc_shift;
    dd_cbn mid[2];
    dd_dec dec[4];
    dd_conv head_shuf, head_res[2], head_out;
    float y_lo, y_hi;
} deoldify;

/* ---- forward ---- */

/* y (allocated) = relu(conv(x)) * scale + shift, 3x3 without bias. */
static or_status cbn_run(const or_tensor *x, const dd_cbn *c, const char *name, or_tensor *y,
                         or_err *err)
{
    or_conv2d_params p = or_conv2d_default(3, 3);
    p.ep.act = OR_ACT_RELU;
    OR_TRY(or_tensor_alloc(x->be, y, 1, c->w.n, x->h, x->w, x->dtype, name, err));
    OR_TRY(or_conv2d(x, &c->w, NULL, &p, y, err));
    return or_channel_affine(y, &c->scale, &c->shift, y, err);
}

/* dst (a [c, H, W] tensor or channel view) = blur(pixel_shuffle(relu(conv1x1(x)))),
 * nearest-resized to dst's size when 2h x 2w differs from it. */
static or_status upsample_into(const or_tensor *x, const dd_conv *shuf, or_tensor *dst,
                               or_err *err)
{
    or_backend *be = x->be;
    or_dtype dt = x->dtype;
    int c = shuf->w.n / 4, h2 = 2 * x->h, w2 = 2 * x->w;
    or_tensor t, ps, pd, bl;
    OR_TRY(dd_conv_run(x, shuf, 1, OR_ACT_RELU, NULL, "shuf.conv", &t, err));
    OR_TRY(or_tensor_alloc(be, &ps, 1, c, h2, w2, dt, "shuf.shuffled", err));
    OR_TRY(or_pixel_shuffle(&t, 2, &ps, err));
    OR_TRY(or_tensor_alloc(be, &pd, 1, c, h2 + 1, w2 + 1, dt, "shuf.padded", err));
    OR_TRY(or_pad2d(&ps, 1, 0, 1, 0, OR_PAD_REPLICATE, &pd, err));
    if (dst->h == h2 && dst->w == w2)
        return or_avgpool2d(&pd, 2, 2, 1, 1, 0, 0, 1, dst, err);
    OR_TRY(or_tensor_alloc(be, &bl, 1, c, h2, w2, dt, "shuf.blurred", err));
    OR_TRY(or_avgpool2d(&pd, 2, 2, 1, 1, 0, 0, 1, &bl, err));
    return or_resize_nearest(&bl, 0, 0, dst, err); /* F.interpolate(size=skip, 'nearest') */
}

/* One U-Net block: out (allocated here, [nf, skip size]) from u and skip. */
static or_status dec_forward(const dd_dec *d, const or_tensor *u, const or_tensor *skip,
                             or_tensor *out, or_err *err)
{
    or_backend *be = u->be;
    or_dtype dt = u->dtype;
    OR_TRY(or_tensor_alloc(be, out, 1, d->nf, skip->h, skip->w, dt, "dec.out", err));
    or_arena_mark mk = or_arena_get_mark(&be->arena);
    or_tensor cat, up, sk, t1, t2;
    or_status s = or_tensor_alloc(be, &cat, 1, d->up + d->xs, skip->h, skip->w, dt, "dec.cat", err);
    if (!s) s = or_tensor_channels(&cat, 0, d->up, &up, err);
    if (!s) s = or_tensor_channels(&cat, d->up, d->xs, &sk, err);
    if (!s) s = upsample_into(u, &d->shuf, &up, err);
    if (!s) s = or_channel_affine(skip, &d->bn_scale, &d->bn_shift, &sk, err);
    if (!s) s = or_activation(&cat, OR_ACT_RELU, 0, NULL, &cat, err);
    const or_tensor *cur = &cat;
    for (int k = 0; !s && k < d->nconv; k++) {
        or_tensor *dst = k == 0 ? &t1 : &t2;
        s = cbn_run(cur, &d->conv[k], "dec.conv", dst, err);
        cur = dst;
    }
    if (!s && d->attn)
        s = or_self_attention(cur, &d->q, &d->k, &d->v, d->gamma, out, err);
    else if (!s)
        s = or_cast(cur, out, err); /* copy */
    or_arena_reset(&be->arena, mk);
    return s;
}

static or_status run(void *impl, const or_tensor *x, or_tensor *y, or_err *err)
{
    deoldify *m = impl;
    or_backend *be = m->net.be;
    or_dtype dt = m->net.dtype;
    or_tensor skips[4], e, u, cur;
    OR_TRY(dd_encoder_forward(&m->enc, x, skips, &e, err));
    OR_TRY(or_channel_affine(&e, &m->enc_scale, &m->enc_shift, &e, err));
    OR_TRY(or_activation(&e, OR_ACT_RELU, 0, NULL, &e, err));
    OR_TRY(cbn_run(&e, &m->mid[0], "mid.0", &u, err));
    OR_TRY(cbn_run(&u, &m->mid[1], "mid.1", &cur, err));
    for (int i = 0; i < 4; i++) {
        OR_TRY(dec_forward(&m->dec[i], &cur, &skips[3 - i], &u, err));
        cur = u;
    }
    int n = m->head_shuf.w.n / 4;
    if (2 * cur.h != x->h || 2 * cur.w != x->w)
        return or_errf(err, OR_ESHAPE, "head: the upsampled %dx%d map does not match the %dx%d input",
                       2 * cur.h, 2 * cur.w, x->h, x->w);
    or_tensor cat, hv, xv, r0, r1;
    OR_TRY(or_tensor_alloc(be, &cat, 1, n + 3, x->h, x->w, dt, "head.cat", err));
    OR_TRY(or_tensor_channels(&cat, 0, n, &hv, err));
    OR_TRY(or_tensor_channels(&cat, n, 3, &xv, err));
    OR_TRY(upsample_into(&cur, &m->head_shuf, &hv, err));
    OR_TRY(or_cast(x, &xv, err)); /* MergeLayer(dense): cat [x, input] */
    OR_TRY(dd_conv_run(&cat, &m->head_res[0], 1, OR_ACT_RELU, NULL, "head.res.0", &r0, err));
    OR_TRY(dd_conv_run(&r0, &m->head_res[1], 1, OR_ACT_RELU, &cat, "head.res.1", &r1, err));
    or_conv2d_params p = or_conv2d_default(1, 1);
    p.ep.act = OR_ACT_SIGMOID;
    OR_TRY(or_conv2d(&r1, &m->head_out.w, &m->head_out.b, &p, y, err));
    return or_scale_shift(y, m->y_hi - m->y_lo, m->y_lo, y, err);
}

static or_status dd_forward(or_net *net, const or_tensor *x, or_tensor *y, or_err *err)
{
    return or_net_forward_scoped(net, x, y, run, err);
}

/* Every tensor forward allocates, none given back: an upper bound. */
static size_t dd_workspace(const or_net *net, int h, int w)
{
    const deoldify *m = net->impl;
    or_dtype dt = net->dtype;
    size_t total = dd_encoder_bytes(&m->enc, h, w, dt);
    int sh[4], sw[4];
    sh[0] = or_conv_out_size(h, 7, 2, 3, 1), sw[0] = or_conv_out_size(w, 7, 2, 3, 1);
    int ch = or_conv_out_size(sh[0], 3, 2, 1, 1), cw = or_conv_out_size(sw[0], 3, 2, 1, 1);
    for (int l = 1; l < 4; l++)
        ch = l == 1 ? ch : or_conv_out_size(ch, 3, 2, 1, 1),
        cw = l == 1 ? cw : or_conv_out_size(cw, 3, 2, 1, 1), sh[l] = ch, sw[l] = cw;
    int eh = or_conv_out_size(ch, 3, 2, 1, 1), ew = or_conv_out_size(cw, 3, 2, 1, 1);
    int ce = dd_enc_width(&m->enc, 3);
    total += 3 * or_net_act_bytes(2 * ce, eh, ew, dt);
    int uh = eh, uw = ew, uc = ce;
    for (int i = 0; i < 4; i++) {
        const dd_dec *d = &m->dec[i];
        int hh = sh[3 - i], ww = sw[3 - i];
        size_t up = 2 * or_net_act_bytes(4 * d->up, uh, uw, dt) +
                    3 * or_net_act_bytes(d->up, 2 * uh + 1, 2 * uw + 1, dt);
        size_t attn = d->attn ? ((size_t)(2 * d->q.n + d->nf) * hh * ww +
                                 2 * (size_t)hh * ww * hh * ww) * sizeof(float) : 0;
        total += up + attn + or_net_act_bytes(d->up + d->xs, hh, ww, dt) +
                 4 * or_net_act_bytes(d->nf, hh, ww, dt);
        uh = hh, uw = ww, uc = d->nf;
    }
    total += 3 * or_net_act_bytes(4 * uc, uh, uw, dt) + 4 * or_net_act_bytes(uc + 3, h, w, dt) +
             3 * or_net_act_bytes(uc, h + 1, w + 1, dt);
    return total + or_net_conv_scratch_bound(uc + 3, w);
}

static void dd_destroy(or_net *net)
{
    deoldify *m = net->impl;
    or_netw_free(&m->wts);
    dd_encoder_free(&m->enc);
    free(m);
}

/* ---- loading ---- */

static or_status load_cbn(or_net_weights *w, const char *prefix, int co, int ci, dd_cbn *c,
                          or_err *err)
{
    char name[160];
    int64_t shape[4] = {co, ci, 3, 3};
    snprintf(name, sizeof name, "%s.weight", prefix);
    OR_TRY(dd_load(w, name, 4, shape, w->dtype, co, ci, 3, 3, &c->w, NULL, err));
    snprintf(name, sizeof name, "%s.scale", prefix);
    OR_TRY(or_netw_vec(w, name, co, &c->scale, err));
    snprintf(name, sizeof name, "%s.shift", prefix);
    return or_netw_vec(w, name, co, &c->shift, err);
}

static or_status load_affine(or_net_weights *w, const char *prefix, int c, or_tensor *scale,
                             or_tensor *shift, or_err *err)
{
    char name[160];
    snprintf(name, sizeof name, "%s.scale", prefix);
    OR_TRY(or_netw_vec(w, name, c, scale, err));
    snprintf(name, sizeof name, "%s.shift", prefix);
    return or_netw_vec(w, name, c, shift, err);
}

static or_status load_attention(or_net_weights *w, const char *prefix, dd_dec *d, or_err *err)
{
    char name[96];
    int c = d->nf, cq = c / 8;
    int64_t sq[2] = {cq, c}, sv[2] = {c, c}, sg[1] = {1};
    snprintf(name, sizeof name, "%s.attn.query.weight", prefix);
    OR_TRY(dd_load(w, name, 2, sq, w->dtype, cq, c, 1, 1, &d->q, NULL, err));
    snprintf(name, sizeof name, "%s.attn.key.weight", prefix);
    OR_TRY(dd_load(w, name, 2, sq, w->dtype, cq, c, 1, 1, &d->k, NULL, err));
    snprintf(name, sizeof name, "%s.attn.value.weight", prefix);
    OR_TRY(dd_load(w, name, 2, sv, w->dtype, c, c, 1, 1, &d->v, NULL, err));
    or_tensor g;
    snprintf(name, sizeof name, "%s.attn.gamma", prefix);
    return dd_load(w, name, 1, sg, OR_F32, 1, 1, 1, 1, &g, &d->gamma, err);
}

static or_status load_weights(void *impl, or_err *err)
{
    deoldify *m = impl;
    or_net_weights *w = &m->wts;
    char name[64];
    OR_TRY(dd_encoder_load(&m->enc, w, err));
    int ce = dd_enc_width(&m->enc, 3);
    OR_TRY(load_affine(w, "enc.bn", ce, &m->enc_scale, &m->enc_shift, err));
    OR_TRY(load_cbn(w, "mid.0", 2 * ce, ce, &m->mid[0], err));
    OR_TRY(load_cbn(w, "mid.1", ce, 2 * ce, &m->mid[1], err));
    for (int i = 0; i < 4; i++) {
        dd_dec *d = &m->dec[i];
        char p[32];
        snprintf(p, sizeof p, "dec.%d", i);
        snprintf(name, sizeof name, "%s.shuf", p);
        OR_TRY(dd_load_conv(w, name, 4 * d->up, d->cin, 1, &d->shuf, err));
        snprintf(name, sizeof name, "%s.bn", p);
        OR_TRY(load_affine(w, name, d->xs, &d->bn_scale, &d->bn_shift, err));
        for (int k = 0; k < d->nconv; k++) {
            int ci = k == 0 ? d->up + d->xs : d->nf;
            if (m->deep)
                snprintf(name, sizeof name, "%s.conv%d", p, k + 1);
            else
                snprintf(name, sizeof name, "%s.conv", p);
            OR_TRY(load_cbn(w, name, d->nf, ci, &d->conv[k], err));
        }
        if (d->attn)
            OR_TRY(load_attention(w, p, d, err));
    }
    int n = m->dec[3].nf;
    OR_TRY(dd_load_conv(w, "head.shuf", 4 * n, n, 1, &m->head_shuf, err));
    OR_TRY(dd_load_conv(w, "head.res.0", n + 3, n + 3, 3, &m->head_res[0], err));
    OR_TRY(dd_load_conv(w, "head.res.1", n + 3, n + 3, 3, &m->head_res[1], err));
    return dd_load_conv(w, "head.out", 3, n + 3, 1, &m->head_out, err);
}

/* "a,b,c,d" -> n ints in [lo,hi]. */
static or_status meta_ints(const st_file *f, const char *key, int n, int lo, int hi, int *out,
                           or_err *err)
{
    const char *s;
    OR_TRY(or_net_meta_str(f, key, &s, err));
    const char *p = s;
    for (int i = 0; i < n; i++) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < lo || v > hi || (i < n - 1 ? *end != ',' : *end != 0))
            return or_errf(err, OR_EFORMAT, "%s: metadata %s = '%s': expected %d integers in [%d,%d]",
                           f->path, key, s, n, lo, hi);
        out[i] = (int)v;
        p = end + 1;
    }
    return OR_OK;
}

/* Hyperparameters from the metadata only (docs/converters/colorize.md). */
static or_status read_meta(deoldify *m, const st_file *f, int *attn_block, or_err *err)
{
    const char *variant, *body, *yr;
    int in_ch, out_ch, dec[4], enc[4];
    OR_TRY(or_net_meta_str(f, "variant", &variant, err));
    OR_TRY(or_net_meta_str(f, "body", &body, err));
    m->deep = strcmp(variant, "deep") == 0;
    if (!m->deep && strcmp(variant, "wide") != 0)
        return or_errf(err, OR_EFORMAT, "%s: metadata variant = '%s': expected 'deep' or 'wide'",
                       f->path, variant);
    static const char *const bodies[] = {"resnet18", "resnet34", "resnet50", "resnet101", "resnet152"};
    int bi = -1;
    for (int i = 0; i < 5; i++)
        if (strcmp(body, bodies[i]) == 0)
            bi = i;
    if (bi < 0)
        return or_errf(err, OR_EUNSUPPORTED, "%s: metadata body = '%s': expected resnet18/34/50/101/152",
                       f->path, body);
    m->enc.bottleneck = bi >= 2;
    OR_TRY(or_net_meta_int(f, "base_width", 1, 4096, &m->enc.base, err));
    OR_TRY(meta_ints(f, "body_blocks", 4, 1, 1000, m->enc.counts, err));
    OR_TRY(meta_ints(f, "enc_widths", 4, 1, 1 << 20, enc, err));
    OR_TRY(meta_ints(f, "dec_widths", 4, 1, 1 << 20, dec, err));
    OR_TRY(or_net_meta_int(f, "attn_block", -1, 3, attn_block, err));
    OR_TRY(or_net_meta_int(f, "in_ch", 3, 3, &in_ch, err));
    OR_TRY(or_net_meta_int(f, "out_ch", 3, 3, &out_ch, err));
    OR_TRY(or_net_meta_str(f, "y_range", &yr, err));
    if (sscanf(yr, "%f,%f", &m->y_lo, &m->y_hi) != 2 || !(m->y_lo < m->y_hi))
        return or_errf(err, OR_EFORMAT, "%s: metadata y_range = '%s': expected 'lo,hi'", f->path, yr);
    for (int l = 0; l < 4; l++)
        if (enc[l] != dd_enc_width(&m->enc, l))
            return or_errf(err, OR_EFORMAT,
                           "%s: metadata enc_widths: layer%d has %d channels, %s at base width %d "
                           "gives %d",
                           f->path, l + 1, enc[l], body, m->enc.base, dd_enc_width(&m->enc, l));
    int up_in = enc[3]; /* the middle convs keep the encoder's width */
    for (int i = 0; i < 4; i++) {
        dd_dec *d = &m->dec[i];
        d->cin = up_in;
        d->xs = i == 3 ? m->enc.base : enc[2 - i];
        d->nf = dec[i];
        d->up = m->deep ? up_in / 2 : dec[i];
        d->nconv = m->deep ? 2 : 1;
        d->attn = i == *attn_block;
        if (d->attn && d->nf / 8 < 1)
            return or_errf(err, OR_EFORMAT, "%s: block %d has %d channels: too few for attention",
                           f->path, i, d->nf);
        up_in = dec[i];
    }
    return OR_OK;
}

or_status or_net_deoldify_load(const st_file *f, or_backend *be, or_dtype dtype, or_net **out,
                               or_err *err)
{
    *out = NULL;
    deoldify *m = calloc(1, sizeof *m);
    if (!m)
        return or_errf(err, OR_ENOMEM, "%s: out of host memory", f->path);
    int attn_block;
    or_status s = read_meta(m, f, &attn_block, err);
    for (int l = 0; !s && l < 4; l++)
        if (!(m->enc.blocks[l] = calloc((size_t)m->enc.counts[l], sizeof(dd_block))))
            s = or_errf(err, OR_ENOMEM, "%s: out of host memory", f->path);
    if (s) {
        dd_encoder_free(&m->enc);
        free(m);
        return s;
    }
    or_net *net = &m->net;
    or_net_init_common(net, "deoldify", f->path, be, dtype, 3, 3, 1, 2);
    net->forward = dd_forward;
    net->workspace_bytes = dd_workspace;
    net->destroy = dd_destroy;
    net->impl = m;
    return or_net_finish_load(net, &m->wts, f, load_weights, out, err);
}
