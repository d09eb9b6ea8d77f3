/* net_rrdbnet.c: ESRGAN / Real-ESRGAN RRDBNet (BasicSR rrdbnet_arch.py) on ops.h.
 *
 *   feat = conv_first(pixel_unshuffle(x, u))          (u = 1, 2 or 4)
 *   trunk = RRDB^num_block(feat);  feat = feat + conv_body(trunk)
 *   num_upconv x: feat = lrelu(conv_upK(nearest_x2(feat)))
 *   y = conv_last(lrelu(conv_hr(feat)))                 (all lrelu slopes 0.2)
 *
 * Dense blocks concatenate without copies: each one owns a [1, nf+4gc, h, w]
 * buffer whose first nf channels hold its input; conv1..conv4 write their
 * channel slices and read a channel prefix. conv5 fuses x + 0.2*conv5. Three
 * such buffers rotate through the RRDBs (input P, rdb1 -> Q, rdb2 -> R,
 * rdb3 -> Q, then Q = P + 0.2*Q), so the next RRDB's input is already at the
 * head of Q. The long skip keeps feat in its own [nf] buffer (one copy per
 * forward into the first dense buffer).
 *
 * Arena plan (one block per forward): the low-resolution buffers sit at the
 * start; each upsampled tensor is placed at the end of the block and each
 * convolution result at the start, so only two high-resolution buffers are
 * ever live.
 *
 * Layout: net->layout (be->act_layout: NHWC for CUDA f16).  In NHWC the dense
 * buffers are [h,w,nf+4gc] and their channel views strided; the NCHW input is
 * converted once at the start and the output once at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

typedef struct {
    or_tensor w, b;
} rr_conv;

typedef struct {
    or_net net; /* first: net->impl points here */
    or_net_weights wts;
    int nf, gc, nb, n_up, pu, in_ch, out_ch;
    rr_conv first, body, hr, last;
    rr_conv *up;  /* n_up */
    rr_conv *rdb; /* nb*15: (block*3 + r)*5 + c */
} rrdb;

typedef struct {
    int h, w;           /* size after the pixel-unshuffle */
    size_t off_feat, off_dense[3], off_xin, off_xnhwc;
    size_t lr_bytes;    /* low-resolution region at the start of the block */
    size_t total;       /* block bytes */
} rr_plan;

static size_t max2(size_t a, size_t b) { return a > b ? a : b; }

static void plan(const rrdb *m, int h, int w, rr_plan *p)
{
    or_dtype dt = m->net.dtype;
    memset(p, 0, sizeof *p);
    p->h = h, p->w = w;
    size_t off = 0;
    p->off_feat = off;
    off += or_net_act_bytes(m->nf, h, w, dt);
    for (int i = 0; i < 3; i++) {
        p->off_dense[i] = off;
        off += or_net_act_bytes(m->nf + 4 * m->gc, h, w, dt);
    }
    p->off_xin = off;
    if (m->pu > 1)
        off += or_net_act_bytes(m->in_ch * m->pu * m->pu, h, w, dt);
    p->off_xnhwc = off; /* NHWC: the input before the pixel-unshuffle */
    if (m->net.layout == OR_NHWC)
        off += or_net_act_bytes(m->in_ch, h * m->pu, w * m->pu, dt);
    p->lr_bytes = off;
    /* alternating low (start) / high (end) placements: consecutive pairs must fit */
    size_t low = p->lr_bytes, total = 0;
    for (int k = 1; k <= m->n_up; k++) {
        size_t t = or_net_act_bytes(m->nf, h << k, w << k, dt); /* U_k (high), V_k (low) */
        total = max2(total, low + t);
        total = max2(total, t + t);
        low = t;
    }
    size_t hr = or_net_act_bytes(m->nf, h << m->n_up, w << m->n_up, dt);
    total = max2(total, low + hr);
    if (m->net.layout == OR_NHWC) /* conv_last's NHWC result at the start, hr at the end */
        total = max2(total, hr + or_net_act_bytes(m->out_ch, h << m->n_up, w << m->n_up, dt));
    p->total = total;
}

static or_status conv(const or_tensor *x, const rr_conv *c, or_act act,
                      const or_tensor *residual, float res_scale, or_tensor *y, or_err *err)
{
    or_conv2d_params p = or_conv2d_default(3, 3);
    p.ep.act = act;
    p.ep.alpha = 0.2f;
    p.ep.residual = residual;
    p.ep.res_scale = res_scale;
    return or_conv2d(x, &c->w, &c->b, &p, y, err);
}

static or_status chans(const or_tensor *t, int c0, int c, or_tensor *v, or_err *err)
{
    return or_tensor_channels(t, c0, c, v, err);
}

/* One residual dense block on dense buffer d (input in its first nf channels):
 * out = d[:nf] + 0.2 * conv5(cat(d[:nf], x1..x4)). */
static or_status rdb(const rrdb *m, const rr_conv *cv, const or_tensor *d, or_tensor *out,
                     or_err *err)
{
    int nf = m->nf, gc = m->gc;
    or_tensor in, o, x0;
    for (int c = 0; c < 4; c++) {
        OR_TRY(chans(d, 0, nf + c * gc, &in, err));
        OR_TRY(chans(d, nf + c * gc, gc, &o, err));
        OR_TRY(conv(&in, &cv[c], OR_ACT_LEAKY, NULL, 1.0f, &o, err));
    }
    OR_TRY(chans(d, 0, nf, &x0, err));
    return conv(d, &cv[4], OR_ACT_NONE, &x0, 0.2f, out, err);
}

/* RRDB `b` with its input at the head of d[*cur]; leaves the output at the head
 * of d[(*cur+1)%3] and advances *cur. */
static or_status rrdb_block(const rrdb *m, int b, const or_tensor *d, int *cur, or_err *err)
{
    const or_tensor *P = &d[*cur], *Q = &d[(*cur + 1) % 3], *R = &d[(*cur + 2) % 3];
    const rr_conv *cv = &m->rdb[(size_t)b * 15];
    or_tensor p0, q0, r0;
    OR_TRY(chans(P, 0, m->nf, &p0, err));
    OR_TRY(chans(Q, 0, m->nf, &q0, err));
    OR_TRY(chans(R, 0, m->nf, &r0, err));
    OR_TRY(rdb(m, cv, P, &q0, err));
    OR_TRY(rdb(m, cv + 5, Q, &r0, err));
    OR_TRY(rdb(m, cv + 10, R, &q0, err));
    OR_TRY(or_add(&p0, 1.0f, &q0, 0.2f, &q0, err)); /* x + 0.2 * rdb3(rdb2(rdb1(x))) */
    *cur = (*cur + 1) % 3;
    return OR_OK;
}

static or_status run(void *impl, const or_tensor *x, or_tensor *y, or_err *err)
{
    rrdb *m = impl;
    or_backend *be = m->net.be;
    or_dtype dt = m->net.dtype;
    or_layout L = m->net.layout;
    int nf = m->nf;
    rr_plan p;
    plan(m, x->h / m->pu, x->w / m->pu, &p);
    int h = p.h, w = p.w;
    void *blk;
    OR_TRY(or_arena_alloc(&be->arena, p.total, &blk, err));

    const or_tensor *in = x;
    or_tensor xn, xin;
    if (L == OR_NHWC) {
        xn = or_net_view_l(blk, p.off_xnhwc, m->in_ch, x->h, x->w, dt, L, be, "input_nhwc");
        OR_TRY(or_convert_layout(x, &xn, err));
        in = &xn;
    }
    if (m->pu > 1) {
        xin = or_net_view_l(blk, p.off_xin, m->in_ch * m->pu * m->pu, h, w, dt, L, be,
                            "unshuffled");
        OR_TRY(or_pixel_unshuffle(in, m->pu, &xin, err));
        in = &xin;
    }
    or_tensor feat = or_net_view_l(blk, p.off_feat, nf, h, w, dt, L, be, "feat");
    or_tensor d[3];
    for (int i = 0; i < 3; i++)
        d[i] = or_net_view_l(blk, p.off_dense[i], nf + 4 * m->gc, h, w, dt, L, be, "dense");
    OR_TRY(conv(in, &m->first, OR_ACT_NONE, NULL, 1.0f, &feat, err));

    or_tensor t0, t1;
    OR_TRY(chans(&d[0], 0, nf, &t0, err));
    OR_TRY(or_cast(&feat, &t0, err)); /* same dtype: a copy, kept in feat for the long skip */
    int cur = 0;
    for (int b = 0; b < m->nb; b++)
        OR_TRY(rrdb_block(m, b, d, &cur, err));
    OR_TRY(chans(&d[cur], 0, nf, &t0, err));
    OR_TRY(chans(&d[(cur + 1) % 3], 0, nf, &t1, err));
    OR_TRY(conv(&t0, &m->body, OR_ACT_NONE, &feat, 1.0f, &t1, err)); /* feat + conv_body */

    or_tensor cur_t = t1, up, v;
    for (int k = 1; k <= m->n_up; k++) {
        int hk = h << k, wk = w << k;
        size_t bytes = or_net_act_bytes(nf, hk, wk, dt);
        up = or_net_view_l(blk, p.total - bytes, nf, hk, wk, dt, L, be, "upsampled");
        OR_TRY(or_upsample_nearest(&cur_t, 2, &up, err));
        v = or_net_view_l(blk, 0, nf, hk, wk, dt, L, be, "up_feat");
        OR_TRY(conv(&up, &m->up[k - 1], OR_ACT_LEAKY, NULL, 1.0f, &v, err));
        cur_t = v;
    }
    int hh = h << m->n_up, wh = w << m->n_up;
    or_tensor hr = or_net_view_l(blk, p.total - or_net_act_bytes(nf, hh, wh, dt), nf, hh, wh, dt,
                                 L, be, "hr_feat");
    OR_TRY(conv(&cur_t, &m->hr, OR_ACT_LEAKY, NULL, 1.0f, &hr, err));
    if (L == OR_NCHW)
        return conv(&hr, &m->last, OR_ACT_NONE, NULL, 1.0f, y, err);
    or_tensor yn = or_net_view_l(blk, 0, m->out_ch, hh, wh, dt, L, be, "output_nhwc");
    OR_TRY(conv(&hr, &m->last, OR_ACT_NONE, NULL, 1.0f, &yn, err));
    return or_convert_layout(&yn, y, err);
}

static or_status rrdb_forward(or_net *net, const or_tensor *x, or_tensor *y, or_err *err)
{
    return or_net_forward_scoped(net, x, y, run, err);
}

static size_t rrdb_workspace(const or_net *net, int h, int w)
{
    const rrdb *m = net->impl;
    int hl = (h + m->pu - 1) / m->pu, wl = (w + m->pu - 1) / m->pu;
    rr_plan p;
    plan(m, hl, wl, &p);
    size_t s = or_net_conv_scratch_bound(m->nf + 4 * m->gc, wl);
    s = max2(s, or_net_conv_scratch_bound(m->in_ch * m->pu * m->pu, wl));
    s = max2(s, or_net_conv_scratch_bound(m->nf, wl << m->n_up));
    return p.total + s;
}

static void rrdb_destroy(or_net *net)
{
    rrdb *m = net->impl;
    or_netw_free(&m->wts);
    free(m->up);
    free(m->rdb);
    free(m);
}

static or_status load_weights(void *impl, or_err *err)
{
    rrdb *m = impl;
    char name[128];
    int nf = m->nf, gc = m->gc;
    or_net_weights *W = &m->wts;
    OR_TRY(or_netw_conv(W, "conv_first", nf, m->in_ch * m->pu * m->pu, 3, &m->first.w,
                        &m->first.b, err));
    for (int b = 0; b < m->nb; b++)
        for (int r = 0; r < 3; r++)
            for (int c = 0; c < 5; c++) {
                rr_conv *cv = &m->rdb[((size_t)b * 3 + r) * 5 + c];
                snprintf(name, sizeof name, "body.%d.rdb%d.conv%d", b, r + 1, c + 1);
                OR_TRY(or_netw_conv(W, name, c == 4 ? nf : gc, nf + c * gc, 3, &cv->w, &cv->b,
                                    err));
            }
    OR_TRY(or_netw_conv(W, "conv_body", nf, nf, 3, &m->body.w, &m->body.b, err));
    for (int k = 0; k < m->n_up; k++) {
        snprintf(name, sizeof name, "conv_up%d", k + 1);
        OR_TRY(or_netw_conv(W, name, nf, nf, 3, &m->up[k].w, &m->up[k].b, err));
    }
    OR_TRY(or_netw_conv(W, "conv_hr", nf, nf, 3, &m->hr.w, &m->hr.b, err));
    return or_netw_conv(W, "conv_last", m->out_ch, nf, 3, &m->last.w, &m->last.b, err);
}

or_status or_net_rrdbnet_load(const st_file *f, or_backend *be, or_dtype dtype, or_net **out,
                              or_err *err)
{
    int nf, gc, nb, n_up, pu, in_ch, out_ch, scale;
    OR_TRY(or_net_meta_int(f, "num_feat", 1, 4096, &nf, err));
    OR_TRY(or_net_meta_int(f, "num_grow_ch", 1, 4096, &gc, err));
    OR_TRY(or_net_meta_int(f, "num_block", 1, 1000, &nb, err));
    OR_TRY(or_net_meta_int(f, "num_upconv", 0, 4, &n_up, err));
    OR_TRY(or_net_meta_int(f, "pixel_unshuffle", 1, 4, &pu, err));
    OR_TRY(or_net_meta_int(f, "num_in_ch", 1, 64, &in_ch, err));
    OR_TRY(or_net_meta_int(f, "num_out_ch", 1, 64, &out_ch, err));
    OR_TRY(or_net_meta_int(f, "scale", 1, 16, &scale, err));
    if (pu == 3)
        return or_errf(err, OR_EFORMAT, "%s: metadata pixel_unshuffle = 3: expected 1, 2 or 4",
                       f->path);
    if ((1 << n_up) != scale * pu)
        return or_errf(err, OR_EFORMAT,
                       "%s: metadata scale = %d does not match num_upconv %d and "
                       "pixel_unshuffle %d (expected 2^%d / %d)",
                       f->path, scale, n_up, pu, n_up, pu);
    rrdb *m = calloc(1, sizeof *m);
    if (!m)
        return or_errf(err, OR_ENOMEM, "%s: out of host memory", f->path);
    m->nf = nf, m->gc = gc, m->nb = nb, m->n_up = n_up, m->pu = pu;
    m->in_ch = in_ch, m->out_ch = out_ch;
    m->up = calloc(n_up ? (size_t)n_up : 1, sizeof *m->up);
    m->rdb = calloc((size_t)nb * 15, sizeof *m->rdb);
    or_net *net = &m->net;
    or_net_init_common(net, "rrdbnet", f->path, be, dtype, in_ch, out_ch, scale, pu);
    net->layout = be->act_layout[dtype];
    net->forward = rrdb_forward;
    net->workspace_bytes = rrdb_workspace;
    net->destroy = rrdb_destroy;
    net->impl = m;
    if (!m->up || !m->rdb) {
        rrdb_destroy(net);
        return or_errf(err, OR_ENOMEM, "%s: out of host memory", f->path);
    }
    return or_net_finish_load(net, &m->wts, f, load_weights, out, err);
}
