/* net_srvgg.c: Real-ESRGAN SRVGGNetCompact (srvgg_arch.py) on ops.h.
 *
 *   f = act0(conv.0(x));  f = actK(conv.K(f)) for K = 1..num_conv
 *   y = pixel_shuffle(conv.{num_conv+1}(f), s) + nearest_upsample(x, s)
 *
 * act is PReLU (per-channel slopes prelu.K) or LeakyReLU(0.1), fused into the
 * convolution epilogue. Arena: two slots of max(nf, out_ch*s*s) channels at
 * the input size, used in turn; the upsampled input reuses the slot of the
 * last convolution once it has been shuffled into y.
 *
 * Layout: the convolutions run in net->layout (be->act_layout: NHWC for CUDA
 * f16) on an NHWC copy of x in a third slot; the last convolution's output is
 * converted back to NCHW (into the free slot) and the tail (shuffle, upsampled
 * input, sum) runs in NCHW on the output's own layout. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"

typedef struct {
    or_tensor w, b;
} sv_conv;

typedef struct {
    or_net net; /* first: net->impl points here */
    or_net_weights wts;
    int nf, nc, s, in_ch, out_ch, prelu;
    sv_conv *conv;     /* nc + 2 */
    or_tensor *slope;  /* nc + 1 (PReLU only) */
} srvgg;

static size_t slot_bytes(const srvgg *m, int h, int w)
{
    int c = m->out_ch * m->s * m->s;
    return or_net_act_bytes(c > m->nf ? c : m->nf, h, w, m->net.dtype);
}

/* NHWC: the input's copy in the compute layout (a third region). */
static size_t input_copy_bytes(const srvgg *m, int h, int w)
{
    return m->net.layout == OR_NHWC ? or_net_act_bytes(m->in_ch, h, w, m->net.dtype) : 0;
}

static or_status run(void *impl, const or_tensor *x, or_tensor *y, or_err *err)
{
    srvgg *m = impl;
    or_backend *be = m->net.be;
    or_dtype dt = m->net.dtype;
    or_layout L = m->net.layout;
    int h = x->h, w = x->w;
    size_t slot = slot_bytes(m, h, w);
    void *blk;
    OR_TRY(or_arena_alloc(&be->arena, 2 * slot + input_copy_bytes(m, h, w), &blk, err));

    const or_tensor *cur = x;
    or_tensor t[2], xn;
    if (L == OR_NHWC) {
        xn = or_net_view_l(blk, 2 * slot, m->in_ch, h, w, dt, L, be, "input_nhwc");
        OR_TRY(or_convert_layout(x, &xn, err));
        cur = &xn;
    }
    int side = 0;
    for (int k = 0; k <= m->nc; k++) {
        t[side] = or_net_view_l(blk, side * slot, m->nf, h, w, dt, L, be, "feat");
        or_conv2d_params p = or_conv2d_default(3, 3);
        if (m->prelu) {
            p.ep.act = OR_ACT_PRELU;
            p.ep.prelu = &m->slope[k];
        } else {
            p.ep.act = OR_ACT_LEAKY;
            p.ep.alpha = 0.1f;
        }
        OR_TRY(or_conv2d(cur, &m->conv[k].w, &m->conv[k].b, &p, &t[side], err));
        cur = &t[side];
        side ^= 1;
    }
    int cl = m->out_ch * m->s * m->s;
    or_tensor last = or_net_view_l(blk, side * slot, cl, h, w, dt, L, be, "last");
    or_conv2d_params p = or_conv2d_default(3, 3);
    OR_TRY(or_conv2d(cur, &m->conv[m->nc + 1].w, &m->conv[m->nc + 1].b, &p, &last, err));
    if (L == OR_NHWC) { /* back to NCHW in the slot the last convolution read */
        or_tensor lc = or_net_view(blk, (side ^ 1) * slot, cl, h, w, dt, be, "last_nchw");
        OR_TRY(or_convert_layout(&last, &lc, err));
        last = lc;
    }
    OR_TRY(or_pixel_shuffle(&last, m->s, y, err));
    /* slot `side` is free: it held `last` (NCHW: shuffled into y; NHWC: converted) */
    or_tensor base = or_net_view(blk, side * slot, m->out_ch, h * m->s, w * m->s, dt, be, "base");
    OR_TRY(or_upsample_nearest(x, m->s, &base, err));
    return or_add(y, 1.0f, &base, 1.0f, y, err); /* out += F.interpolate(x, s, 'nearest') */
}

static or_status srvgg_forward(or_net *net, const or_tensor *x, or_tensor *y, or_err *err)
{
    return or_net_forward_scoped(net, x, y, run, err);
}

static size_t srvgg_workspace(const or_net *net, int h, int w)
{
    const srvgg *m = net->impl;
    int ci = m->in_ch > m->nf ? m->in_ch : m->nf;
    return 2 * slot_bytes(m, h, w) + input_copy_bytes(m, h, w) + or_net_conv_scratch_bound(ci, w);
}

static void srvgg_destroy(or_net *net)
{
    srvgg *m = net->impl;
    or_netw_free(&m->wts);
    free(m->conv);
    free(m->slope);
    free(m);
}

static or_status load_weights(void *impl, or_err *err)
{
    srvgg *m = impl;
    char name[64];
    for (int k = 0; k <= m->nc + 1; k++) {
        int ci = k == 0 ? m->in_ch : m->nf;
        int co = k == m->nc + 1 ? m->out_ch * m->s * m->s : m->nf;
        snprintf(name, sizeof name, "conv.%d", k);
        OR_TRY(or_netw_conv(&m->wts, name, co, ci, 3, &m->conv[k].w, &m->conv[k].b, err));
        if (m->prelu && k <= m->nc) {
            snprintf(name, sizeof name, "prelu.%d.weight", k);
            OR_TRY(or_netw_vec(&m->wts, name, m->nf, &m->slope[k], err));
        }
    }
    return OR_OK;
}

or_status or_net_srvgg_load(const st_file *f, or_backend *be, or_dtype dtype, or_net **out,
                            or_err *err)
{
    int nf, nc, s, in_ch, out_ch;
    const char *act;
    OR_TRY(or_net_meta_int(f, "num_feat", 1, 4096, &nf, err));
    OR_TRY(or_net_meta_int(f, "num_conv", 0, 1000, &nc, err));
    OR_TRY(or_net_meta_int(f, "scale", 1, 16, &s, err));
    OR_TRY(or_net_meta_int(f, "num_in_ch", 1, 64, &in_ch, err));
    OR_TRY(or_net_meta_int(f, "num_out_ch", 1, 64, &out_ch, err));
    OR_TRY(or_net_meta_str(f, "act", &act, err));
    int prelu = strcmp(act, "prelu") == 0;
    if (!prelu && strcmp(act, "lrelu") != 0)
        return or_errf(err, OR_EFORMAT, "%s: metadata act = '%s': expected 'prelu' or 'lrelu'",
                       f->path, act);
    if (in_ch != out_ch)
        return or_errf(err, OR_EFORMAT,
                       "%s: metadata num_in_ch %d != num_out_ch %d (the output adds the upsampled "
                       "input)",
                       f->path, in_ch, out_ch);
    srvgg *m = calloc(1, sizeof *m);
    if (!m)
        return or_errf(err, OR_ENOMEM, "%s: out of host memory", f->path);
    m->nf = nf, m->nc = nc, m->s = s, m->in_ch = in_ch, m->out_ch = out_ch, m->prelu = prelu;
    m->conv = calloc((size_t)nc + 2, sizeof *m->conv);
    m->slope = calloc((size_t)nc + 1, sizeof *m->slope);
    or_net *net = &m->net;
    or_net_init_common(net, "srvgg", f->path, be, dtype, in_ch, out_ch, s, 1);
    net->layout = be->act_layout[dtype];
    net->forward = srvgg_forward;
    net->workspace_bytes = srvgg_workspace;
    net->destroy = srvgg_destroy;
    net->impl = m;
    if (!m->conv || !m->slope) {
        srvgg_destroy(net);
        return or_errf(err, OR_ENOMEM, "%s: out of host memory", f->path);
    }
    return or_net_finish_load(net, &m->wts, f, load_weights, out, err);
}
