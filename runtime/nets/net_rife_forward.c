/* net_rife_forward.c: the RIFE IFNet forward pass on the op interface
 * (Practical-RIFE IFNet_HDv3.py IFNet.forward + RIFE_HDv3 Model.inference).
 *
 *   f0, f1 = head(x0), head(x1)                  (v4.14+; none for v4.5/v4.6)
 *   for block i = 0..N-1 at scale s = 2^(N-1-i) / flow_scale:
 *     in  = i == 0 ? cat(x0, x1, f0, f1, t)
 *                  : cat(warp(x0, flow01), warp(x1, flow23), warp(f0, flow01),
 *                        warp(f1, flow23), t, mask, feat, flow)
 *     out = up(block(resize(in, 1/s) with the flow channels * 1/s), s)   [1,k,H,W]
 *     flow = (i ? flow : 0) + out[0:4] * s
 *     mask = out[4] (+ mask for v4.5/v4.6);  feat = out[5:5+feat]
 *   y = warp(x0, flow01) * sigmoid(mask) + warp(x1, flow23) * (1 - sigmoid(mask))
 *
 * Concatenations are never copied at the block's scale: every part is
 * written (warped, filled, copied) into its channel slice of one
 * full-resolution buffer `cat`, which one bilinear resize brings to the
 * block's scale (resizing is per channel, so this equals the official
 * resize of each part).  Scale 1 skips the resize: F.interpolate with
 * scale_factor 1 is the identity. */
#include <math.h>
#include <string.h>

#include "net_rife.h"
#include "runtime/core/ops_deconv.h"
#include "runtime/core/ops_math.h"
#include "runtime/core/ops_resample.h"

static int valid_flow_scale(float fs)
{
    return fs == 0.25f || fs == 0.5f || fs == 1.0f || fs == 2.0f || fs == 4.0f;
}

/* Block 0 works at 1/s0, s0 = 2^(N-1)/flow_scale, and halves twice: H/s0 must
 * be a multiple of 4 (then every block's sizes are exact); the head halves once. */
int rf_size_multiple(const rife *m, float flow_scale)
{
    double mult = 4.0 * ldexp(1.0, m->n_blocks - 1) / flow_scale;
    int r = mult < 1.0 ? 1 : (int)mult;
    return m->head_ch && r < 2 ? 2 : r;
}

static int gcd(int a, int b) { return b ? gcd(b, a % b) : a; }

void rf_frame_pad(const or_net *net, int n, float flow_scale, int *padded, int *before,
                  int *replicate)
{
    float fs = flow_scale > 0 ? flow_scale : 1.0f;
    int need = rf_size_multiple(net->impl, fs);
    int official = (int)(128.0f / fs) > 128 ? (int)(128.0f / fs) : 128;
    int m = official / gcd(official, need) * need;
    *padded = (n + m - 1) / m * m;
    *before = 0;
    *replicate = 0;
}

static or_status alloc(const rife *m, or_tensor *t, int c, int h, int w, const char *name,
                       or_err *err)
{
    return or_tensor_alloc(m->net.be, t, 1, c, h, w, m->net.dtype, name, err);
}

static or_status copy(const or_tensor *x, or_tensor *y, or_err *err)
{
    return or_scale_shift(x, 1.0f, 0.0f, y, err);
}

/* conv 3x3 pad 1: LeakyReLU(0.2)(conv(x)), or with res: LeakyReLU(0.2)(conv(x) + res). */
static or_status conv3(const or_tensor *x, const rf_conv *cv, int stride, const or_tensor *res,
                       or_tensor *y, or_err *err)
{
    or_conv2d_params p = or_conv2d_default(3, 3);
    p.stride_h = p.stride_w = stride;
    if (res) {
        p.ep.residual = res;
        p.ep.res_scale = 1.0f;
    } else {
        p.ep.act = OR_ACT_LEAKY;
        p.ep.alpha = 0.2f;
    }
    OR_TRY(or_conv2d(x, &cv->w, &cv->b, &p, y, err));
    return res ? or_activation(y, OR_ACT_LEAKY, 0.2f, NULL, y, err) : OR_OK;
}

/* ConvTranspose2d(4, stride 2, padding 1): doubles H and W. */
static or_status deconv4(const or_tensor *x, const rf_conv *cv, or_tensor *y, or_err *err)
{
    or_deconv2d_params p = or_deconv2d_default();
    p.stride_h = p.stride_w = 2;
    p.pad_h = p.pad_w = 1;
    return or_conv_transpose2d(x, &cv->w, &cv->b, &p, y, err);
}

/* The feature head (class Head): f [F,H,W] of img [3,H,W]. */
static or_status head(const rife *m, const or_tensor *img, or_tensor *f, or_err *err)
{
    or_tensor a, b;
    int h2 = img->h / 2, w2 = img->w / 2;
    OR_TRY(alloc(m, &a, m->head_w, h2, w2, "head.a", err));
    OR_TRY(alloc(m, &b, m->head_w, h2, w2, "head.b", err));
    OR_TRY(conv3(img, &m->head[0], 2, NULL, &a, err));
    OR_TRY(conv3(&a, &m->head[1], 1, NULL, &b, err));
    OR_TRY(conv3(&b, &m->head[2], 1, NULL, &a, err));
    return deconv4(&a, &m->head[3], f, err);
}

/* The upsampled lastconv output's channels [c0, c0 + n) of d [4k,H/2,W/2] (its 4 (c0 .. c0+n)
 * channels) into y: pixel shuffle, then the resize to full resolution unless s = 1. */
static or_status block_out(const rife *m, const or_tensor *d, int c0, int n, double s,
                           or_tensor *y, or_err *err)
{
    or_tensor dv, ps;
    OR_TRY(or_tensor_channels(d, 4 * c0, 4 * n, &dv, err));
    if (s == 1.0)
        return or_pixel_shuffle(&dv, 2, y, err);
    OR_TRY(alloc(m, &ps, n, 2 * d->h, 2 * d->w, "block.out", err));
    OR_TRY(or_pixel_shuffle(&dv, 2, &ps, err));
    return or_resize_bilinear(&ps, 0, s, s, y, err); /* F.interpolate(tmp, scale_factor=s) */
}

/* IFBlock i on its full-resolution input `in` (flow in the last 4 channels for
 * i > 0) at scale s; out [5,H,W] is the upsampled lastconv output's flow (not yet
 * multiplied by s) and mask, feat [feat,H,W] its features (written after the block has
 * read `in`, so feat may be in's own channels).  Temporaries come from the arena; the
 * caller resets it. */
static or_status block(const rife *m, int i, const or_tensor *in, double s, or_tensor *out,
                       or_tensor *feat, or_err *err)
{
    const rf_block *b = &m->blk[i];
    int hs = (int)(in->h / s), ws = (int)(in->w / s);
    or_tensor small, a, r[2], d, fl;
    const or_tensor *x = in;
    if (s != 1.0) {
        OR_TRY(alloc(m, &small, in->c, hs, ws, "block.in", err));
        OR_TRY(or_resize_bilinear(in, 0, 1.0 / s, 1.0 / s, &small, err));
        if (i > 0) { /* F.interpolate(flow, 1/s) * 1/s */
            OR_TRY(or_tensor_channels(&small, in->c - 4, 4, &fl, err));
            OR_TRY(or_scale_shift(&fl, (float)(1.0 / s), 0.0f, &fl, err));
        }
        x = &small;
    }
    OR_TRY(alloc(m, &a, b->c / 2, hs / 2, ws / 2, "block.conv0", err));
    OR_TRY(alloc(m, &r[0], b->c, hs / 4, ws / 4, "block.feat0", err));
    OR_TRY(alloc(m, &r[1], b->c, hs / 4, ws / 4, "block.feat1", err));
    OR_TRY(conv3(x, &b->conv0, 2, NULL, &a, err));
    OR_TRY(conv3(&a, &b->conv1, 2, NULL, &r[0], err));
    for (int j = 0; j < RF_N_RES; j++)
        OR_TRY(conv3(&r[j & 1], &b->res[j], 1, &r[j & 1], &r[(j + 1) & 1], err));
    OR_TRY(alloc(m, &d, 4 * m->k, hs / 2, ws / 2, "block.up", err));
    OR_TRY(deconv4(&r[RF_N_RES & 1], &b->up, &d, err));
    OR_TRY(block_out(m, &d, 0, 5, s, out, err));
    return m->feat ? block_out(m, &d, 5, m->feat, s, feat, err) : OR_OK;
}

/* flow and mask are views of their channels in cat (the input of blocks 1..N-1), so they are
 * updated where the next block reads them, never copied there; so is t, written once. */
typedef struct {
    or_tensor f0, f1, cat, flow, mask, out, w1;
    or_tensor fl01, fl23; /* views of flow */
} rf_bufs;

/* The first channel of flow in cat: after x0, x1, f0, f1 (warped), t, mask and feat. */
static int flow_channel(const rife *m) { return 6 + 2 * m->head_ch + 2 + m->feat; }

/* The full-resolution input of block i+1 (i+1 > 0) into bf->cat, after block i: the warps
 * (t, mask, feat and flow are in place already). */
static or_status next_input(const rife *m, const or_tensor *x0, const or_tensor *x1, rf_bufs *bf,
                            or_err *err)
{
    int F = m->head_ch;
    or_tensor v;
    OR_TRY(or_tensor_channels(&bf->cat, 0, 3, &v, err));
    OR_TRY(or_warp_bilinear(x0, &bf->fl01, OR_GRID_PAD_BORDER, 1, &v, err));
    OR_TRY(or_tensor_channels(&bf->cat, 3, 3, &v, err));
    OR_TRY(or_warp_bilinear(x1, &bf->fl23, OR_GRID_PAD_BORDER, 1, &v, err));
    if (F) {
        OR_TRY(or_tensor_channels(&bf->cat, 6, F, &v, err));
        OR_TRY(or_warp_bilinear(&bf->f0, &bf->fl01, OR_GRID_PAD_BORDER, 1, &v, err));
        OR_TRY(or_tensor_channels(&bf->cat, 6 + F, F, &v, err));
        OR_TRY(or_warp_bilinear(&bf->f1, &bf->fl23, OR_GRID_PAD_BORDER, 1, &v, err));
    }
    return OR_OK;
}

/* Block 0's input: cat(x0, x1, f0, f1, t). */
static or_status first_input(const rife *m, const or_tensor *x0, const or_tensor *x1, float t,
                             rf_bufs *bf, or_err *err)
{
    int F = m->head_ch;
    or_tensor v;
    OR_TRY(or_tensor_channels(&bf->cat, 0, 3, &v, err));
    OR_TRY(copy(x0, &v, err));
    OR_TRY(or_tensor_channels(&bf->cat, 3, 3, &v, err));
    OR_TRY(copy(x1, &v, err));
    if (F) {
        OR_TRY(or_tensor_channels(&bf->cat, 6, F, &v, err));
        OR_TRY(copy(&bf->f0, &v, err));
        OR_TRY(or_tensor_channels(&bf->cat, 6 + F, F, &v, err));
        OR_TRY(copy(&bf->f1, &v, err));
    }
    OR_TRY(or_tensor_channels(&bf->cat, 6 + 2 * F, 1, &v, err));
    return or_fill(&v, t, err);
}

/* flow and mask after block i from its output bf->out at scale s. */
static or_status update_flow_mask(const rife *m, int i, double s, rf_bufs *bf, or_err *err)
{
    or_tensor of, om;
    OR_TRY(or_tensor_channels(&bf->out, 0, 4, &of, err));
    OR_TRY(or_tensor_channels(&bf->out, 4, 1, &om, err));
    if (i == 0) {
        OR_TRY(or_scale_shift(&of, (float)s, 0.0f, &bf->flow, err));
        return copy(&om, &bf->mask, err);
    }
    OR_TRY(or_add(&bf->flow, 1.0f, &of, (float)s, &bf->flow, err)); /* flow + tmp[:, :4] * s */
    if (m->add_mask)
        return or_add(&bf->mask, 1.0f, &om, 1.0f, &bf->mask, err);
    return copy(&om, &bf->mask, err);
}

static or_status alloc_bufs(const rife *m, int h, int w, rf_bufs *bf, or_err *err)
{
    int cmax = flow_channel(m) + 4; /* = rf_block_in(m, i > 0) */
    for (int i = 0; i < m->n_blocks; i++)
        cmax = rf_block_in(m, i) > cmax ? rf_block_in(m, i) : cmax;
    if (m->head_ch) {
        OR_TRY(alloc(m, &bf->f0, m->head_ch, h, w, "f0", err));
        OR_TRY(alloc(m, &bf->f1, m->head_ch, h, w, "f1", err));
    }
    OR_TRY(alloc(m, &bf->cat, cmax, h, w, "block input", err));
    OR_TRY(or_tensor_channels(&bf->cat, flow_channel(m), 4, &bf->flow, err));
    OR_TRY(or_tensor_channels(&bf->cat, flow_channel(m) - m->feat - 1, 1, &bf->mask, err));
    OR_TRY(alloc(m, &bf->out, 5, h, w, "block output", err));
    OR_TRY(alloc(m, &bf->w1, 3, h, w, "warped1", err));
    OR_TRY(or_tensor_channels(&bf->flow, 0, 2, &bf->fl01, err));
    return or_tensor_channels(&bf->flow, 2, 2, &bf->fl23, err);
}

/* The flows and the mask logit after the last block into bf->flow, bf->mask
 * (the buffers are allocated here, from the arena; the caller resets it). */
static or_status estimate(const rife *m, const or_tensor *x0, const or_tensor *x1, float t,
                          float fs, rf_bufs *bf, or_err *err)
{
    or_backend *be = m->net.be;
    memset(bf, 0, sizeof *bf);
    OR_TRY(alloc_bufs(m, x0->h, x0->w, bf, err));
    if (m->head_ch) {
        or_arena_mark mk = or_arena_get_mark(&be->arena);
        or_status s = head(m, x0, &bf->f0, err);
        if (s == OR_OK)
            s = head(m, x1, &bf->f1, err);
        or_arena_reset(&be->arena, mk);
        OR_TRY(s);
    }
    OR_TRY(first_input(m, x0, x1, t, bf, err));
    for (int i = 0; i < m->n_blocks; i++) {
        double s = ldexp(1.0, m->n_blocks - 1 - i) / fs;
        or_tensor in, feat = {0};
        OR_TRY(or_tensor_channels(&bf->cat, 0, rf_block_in(m, i), &in, err));
        if (m->feat) /* straight into the next block's input */
            OR_TRY(or_tensor_channels(&bf->cat, flow_channel(m) - m->feat, m->feat, &feat, err));
        or_arena_mark mk = or_arena_get_mark(&be->arena);
        or_status st = block(m, i, &in, s, &bf->out, &feat, err);
        or_arena_reset(&be->arena, mk);
        if (st != OR_OK) {
            or_err_prefix(err, "block%d", i);
            return st;
        }
        OR_TRY(update_flow_mask(m, i, s, bf, err));
        if (i + 1 < m->n_blocks)
            OR_TRY(next_input(m, x0, x1, bf, err));
    }
    return OR_OK;
}

static or_status run(const rife *m, const or_tensor *x0, const or_tensor *x1, float t, float fs,
                     or_tensor *y, or_err *err)
{
    rf_bufs bf;
    OR_TRY(estimate(m, x0, x1, t, fs, &bf, err));
    /* merged = warped0 * sigmoid(mask) + warped1 * (1 - sigmoid(mask)) */
    OR_TRY(or_warp_bilinear(x0, &bf.fl01, OR_GRID_PAD_BORDER, 1, y, err));
    OR_TRY(or_warp_bilinear(x1, &bf.fl23, OR_GRID_PAD_BORDER, 1, &bf.w1, err));
    OR_TRY(or_activation(&bf.mask, OR_ACT_SIGMOID, 0.0f, NULL, &bf.mask, err));
    OR_TRY(or_mul(y, &bf.mask, y, err));
    OR_TRY(or_scale_shift(&bf.mask, -1.0f, 1.0f, &bf.mask, err));
    OR_TRY(or_mul(&bf.w1, &bf.mask, &bf.w1, err));
    return or_add(y, 1.0f, &bf.w1, 1.0f, y, err);
}

static or_status check_frames(const or_net *net, const or_tensor *x0, const or_tensor *x1,
                              float t, float fs, const or_tensor *y, or_err *err)
{
    const rife *m = net->impl;
    char a[64], b[64], c[64];
    const or_tensor *io[3] = {x0, x1, y};
    for (int i = 0; i < 3; i++) {
        if (io[i]->be != net->be || !io[i]->data || io[i]->dtype != net->dtype)
            return or_errf(err, OR_EINVAL, "%s: %s must be %s on %s", net->model_path,
                           i == 2 ? "the output" : "the frames", or_dtype_name(net->dtype),
                           net->be->name);
        if (io[i]->n != 1 || io[i]->c != 3)
            return or_errf(err, OR_ESHAPE, "%s: %s is %s: expected [1,3,H,W]", net->model_path,
                           i == 2 ? "the output" : "a frame", or_shape_str(io[i], a, sizeof a));
    }
    if (!or_same_shape(x0, x1) || !or_same_shape(x0, y))
        return or_errf(err, OR_ESHAPE, "%s: frames differ: %s, %s and output %s",
                       net->model_path, or_shape_str(x0, a, sizeof a),
                       or_shape_str(x1, b, sizeof b), or_shape_str(y, c, sizeof c));
    if (!(t >= 0.0f && t <= 1.0f))
        return or_errf(err, OR_EINVAL, "%s: timestep %g outside [0,1]", net->model_path,
                       (double)t);
    if (!valid_flow_scale(fs))
        return or_errf(err, OR_EINVAL,
                       "%s: flow scale %g: expected 0.25, 0.5, 1, 2 or 4 (as the official "
                       "inference)",
                       net->model_path, (double)fs);
    int k = rf_size_multiple(m, fs);
    if (x0->h % k || x0->w % k)
        return or_errf(err, OR_ESHAPE,
                       "%s (rife, flow scale %g): frame size %dx%d (HxW) is not a multiple of %d: "
                       "pad it first",
                       net->model_path, (double)fs, x0->h, x0->w, k);
    return OR_OK;
}

or_status rf_interpolate(or_net *net, const or_tensor *x0, const or_tensor *x1, float t,
                         float flow_scale, or_tensor *y, or_err *err)
{
    OR_TRY(check_frames(net, x0, x1, t, flow_scale, y, err));
    or_arena_mark mk = or_arena_get_mark(&net->be->arena);
    or_status s = run(net->impl, x0, x1, t, flow_scale, y, err);
    or_arena_reset(&net->be->arena, mk);
    if (s != OR_OK)
        or_err_prefix(err, "%s", net->model_path);
    return s;
}

/* The output tensor t must be [1,c,H,W] of the frames' size, dtype and backend. */
static or_status check_out(const or_net *net, const or_tensor *x0, const or_tensor *t, int c,
                           const char *what, or_err *err)
{
    char a[64];
    if (t->be != net->be || !t->data || t->dtype != net->dtype || t->n != 1 || t->c != c ||
        t->h != x0->h || t->w != x0->w)
        return or_errf(err, OR_ESHAPE, "%s: the %s is %s %s: expected [1,%d,%d,%d] %s on %s",
                       net->model_path, what, or_shape_str(t, a, sizeof a),
                       or_dtype_name(t->dtype), c, x0->h, x0->w, or_dtype_name(net->dtype),
                       net->be->name);
    return OR_OK;
}

or_status rf_flows(or_net *net, const or_tensor *x0, const or_tensor *x1, float t,
                   float flow_scale, or_tensor *flow, or_tensor *mask, or_err *err)
{
    OR_TRY(check_frames(net, x0, x1, t, flow_scale, x0, err));
    OR_TRY(check_out(net, x0, flow, 4, "flow", err));
    if (mask)
        OR_TRY(check_out(net, x0, mask, 1, "mask", err));
    or_arena_mark mk = or_arena_get_mark(&net->be->arena);
    rf_bufs bf;
    or_status s = estimate(net->impl, x0, x1, t, flow_scale, &bf, err);
    if (s == OR_OK)
        s = copy(&bf.flow, flow, err);
    if (s == OR_OK && mask)
        s = or_activation(&bf.mask, OR_ACT_SIGMOID, 0.0f, NULL, mask, err);
    or_arena_reset(&net->be->arena, mk);
    if (s != OR_OK)
        or_err_prefix(err, "%s", net->model_path);
    return s;
}

/* Upper bound of the arena bytes of one interpolation at flow scale 1: the
 * full-resolution buffers plus the largest block's temporaries and the conv
 * scratch (the head's temporaries are smaller than a block's). */
size_t rf_workspace(const or_net *net, int h, int w)
{
    const rife *m = net->impl;
    or_dtype dt = net->dtype;
    int cmax = flow_channel(m) + 4;
    size_t blk = 0;
    for (int i = 0; i < m->n_blocks; i++) {
        int ci = rf_block_in(m, i), c = m->blk[i].c, s = 1 << (m->n_blocks - 1 - i);
        int hs = h / s, ws = w / s;
        size_t b = or_net_act_bytes(ci, hs, ws, dt) + or_net_act_bytes(c / 2, hs / 2, ws / 2, dt) +
                   2 * or_net_act_bytes(c, hs / 4, ws / 4, dt) +
                   or_net_act_bytes(4 * m->k, hs / 2, ws / 2, dt) +
                   or_net_act_bytes(m->k, hs, ws, dt) +
                   or_net_conv_scratch_bound(ci > c ? ci : c, ws / 2);
        blk = b > blk ? b : blk;
        cmax = ci > cmax ? ci : cmax;
    }
    return 2 * or_net_act_bytes(m->head_ch, h, w, dt) + or_net_act_bytes(cmax, h, w, dt) +
           or_net_act_bytes(4 + 1 + 3 + m->k, h, w, dt) + blk;
}
