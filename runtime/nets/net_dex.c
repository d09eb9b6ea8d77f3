/* net_dex.c: Deep Exemplar-based Video Colorization on ops.h, as the official
 * code computes one frame (zhangmozhe/Deep-Exemplar-based-Video-Colorization:
 * test.py, models/FrameColor.py, models/NonlocalNet.py, models/ColorVidNet.py,
 * utils/util.py; canonical tensor names: convert/arch_dex.c).
 *
 *   reference  tensor_lab2rgb(L + 50, ab) -> VGG (vgg_preprocess: BGR - mean, * 255)
 *   frame      gray2rgb: (L + 50) / 100 three times -> VGG
 *   VGG19      conv3x3 + ReLU, 2x2 max pools; relu2_2 relu3_2 relu4_2 relu5_2 kept and
 *              L2-normalised over their channels (feature_normalize)
 *   WarpNet    per feature level a head (reflection pad, conv, InstanceNorm, PReLU,
 *              [nearest x2], pad, conv (stride 2 at level 2), IN, PReLU, [x2]) to
 *              h/4 x w/4, concatenated (level 5 replicate-padded by one row top and
 *              bottom when its height falls short, as the official code), three
 *              residual blocks; theta (frame) / phi (reference) 1x1 convs, centred
 *              over the pixels and L2-normalised over the channels; the exemplar
 *              attention (runtime/core/ops_attention.h: scores, softmax(f / T),
 *              weighted sum of the 4x4-average-pooled reference ab, max score) and
 *              nearest x4 of the warped ab and the similarity
 *   ColorVidNet on cat(L - 50 of the frame, warped ab, similarity, previous Lab):
 *              net_dex_color.c
 * The warped L channel of the official y (avg-pooled reference L) is never used
 * downstream, so only ab is carried.  Scratch: the backend arena, given back at
 * the end of each call. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_dex_internal.h"
#include "runtime/core/ops_attention.h"
#include "runtime/core/ops_color.h"
#include "runtime/core/ops_math.h"
#include "runtime/core/ops_norm.h"
#include "runtime/core/ops_pool.h"
#include "runtime/core/ops_resample.h"

/* utils/util.py vgg_preprocess: the mean subtracted from BGR in [0,1]. */
static const float vgg_mean_bgr[3] = {0.40760392f, 0.45795686f, 0.48501961f};
#define DEX_FEATURE_EPS 2.220446049250313e-16f /* sys.float_info.epsilon */
#define DEX_IN_EPS 1e-5f                         /* nn.InstanceNorm2d default */

int or_net_is_dex(const or_net *net) { return net && !strcmp(net->arch, "deep-exemplar"); }

or_status dex_take(dex *m, int c, int h, int w, const char *name, or_tensor *t, or_err *err)
{
    return or_tensor_alloc(m->net.be, t, 1, c, h, w, m->net.dtype, name, err);
}

or_status dex_conv(const or_tensor *x, const dex_conv_w *c, int stride, int pad, int dil,
                   or_act act, float alpha, const or_tensor *residual, or_tensor *y, or_err *err)
{
    or_conv2d_params p = or_conv2d_default(c->w.h, c->w.w);
    p.stride_h = p.stride_w = stride;
    p.pad_h = p.pad_w = pad;
    p.dil_h = p.dil_w = dil;
    p.ep.act = act;
    p.ep.alpha = alpha;
    p.ep.residual = residual;
    p.ep.res_scale = 1.0f;
    return or_conv2d(x, &c->w, &c->b, &p, y, err);
}

/* ---- VGG19 ---------------------------------------------------------------------- */

/* The four kept features (relu2_2 .. relu5_2) of the preprocessed image x [3,h,w],
 * L2-normalised over channels; f[i] taken from the arena before the temporaries.
 * Block b (0-based) works at (h >> b, w >> b): MaxPool2d(2, 2) floors. */
static or_status vgg_features(dex *m, const or_tensor *x, or_tensor f[4], or_err *err)
{
    static const int nconv[5] = {2, 2, 4, 4, 2}; /* up to conv5_2 */
    for (int b = 1; b < 5; b++)
        OR_TRY(dex_take(m, m->vgg[b + 1], x->h >> b, x->w >> b, "vgg feature", &f[b - 1], err));
    or_arena_mark mk = or_arena_get_mark(&m->net.be->arena);
    const or_tensor *cur = x;
    or_tensor pooled[5], t[5][2]; /* per block: cur may point into the previous one */
    for (int b = 0; b < 5; b++) {
        int bh = x->h >> b, bw = x->w >> b;
        if (b > 0) {
            OR_TRY(dex_take(m, m->vgg[b], bh, bw, "vgg pool", &pooled[b], err));
            OR_TRY(or_maxpool2d(cur, 2, 2, 2, 2, 0, 0, &pooled[b], err));
            cur = &pooled[b];
        }
        OR_TRY(dex_take(m, m->vgg[b + 1], bh, bw, "vgg conv", &t[b][0], err));
        OR_TRY(dex_take(m, m->vgg[b + 1], bh, bw, "vgg conv", &t[b][1], err));
        for (int k = 0; k < nconv[b]; k++) {
            or_tensor *y = b > 0 && k == 1 ? &f[b - 1] : &t[b][k & 1];
            OR_TRY(dex_conv(cur, &m->vgg_conv[b][k], 1, 1, 1, OR_ACT_RELU, 0, NULL, y, err));
            cur = y;
        }
    }
    or_arena_reset(&m->net.be->arena, mk);
    for (int i = 0; i < 4; i++)
        OR_TRY(or_channel_normalize(&f[i], DEX_FEATURE_EPS, &f[i], err));
    return OR_OK;
}

/* vgg_preprocess of the gray frame: ((L + 50) / 100 - mean_c) * 255 for c = B, G, R,
 * from the L channel (L - 50) of a_lab. */
static or_status gray_input(dex *m, const or_tensor *a_lab, or_tensor *x, or_err *err)
{
    OR_TRY(dex_take(m, 3, a_lab->h, a_lab->w, "vgg input (frame)", x, err));
    or_tensor l, xc;
    OR_TRY(or_tensor_channels(a_lab, 0, 1, &l, err));
    for (int c = 0; c < 3; c++) {
        OR_TRY(or_tensor_channels(x, c, 1, &xc, err));
        OR_TRY(or_scale_shift(&l, 2.55f, (0.5f - vgg_mean_bgr[c]) * 255.0f, &xc, err));
    }
    return OR_OK;
}

/* tensor_lab2rgb(L + 50, ab) then vgg_preprocess: BGR - mean, * 255. */
static or_status reference_input(dex *m, const or_tensor *b_lab, or_tensor *x, or_err *err)
{
    or_tensor lab, rgb, src, dst;
    OR_TRY(dex_take(m, 3, b_lab->h, b_lab->w, "vgg input (reference)", x, err));
    or_arena_mark mk = or_arena_get_mark(&m->net.be->arena);
    OR_TRY(dex_take(m, 3, b_lab->h, b_lab->w, "reference lab", &lab, err));
    OR_TRY(or_scale_shift(b_lab, 1.0f, 0.0f, &lab, err));
    OR_TRY(or_tensor_channels(&lab, 0, 1, &src, err));
    OR_TRY(or_scale_shift(&src, 1.0f, 50.0f, &src, err));
    OR_TRY(dex_take(m, 3, b_lab->h, b_lab->w, "reference rgb", &rgb, err));
    OR_TRY(or_lab_to_rgb(&lab, &rgb, err));
    for (int c = 0; c < 3; c++) {
        OR_TRY(or_tensor_channels(&rgb, 2 - c, 1, &src, err));
        OR_TRY(or_tensor_channels(x, c, 1, &dst, err));
        OR_TRY(or_scale_shift(&src, 255.0f, -vgg_mean_bgr[c] * 255.0f, &dst, err));
    }
    or_arena_reset(&m->net.be->arena, mk);
    return OR_OK;
}

/* ---- WarpNet ---------------------------------------------------------------------- */

/* Reflection pad 1, conv (no padding), InstanceNorm, PReLU: y [co, ...] new. */
static or_status pad_conv_in_prelu(dex *m, const or_tensor *x, const dex_conv_w *c, int stride,
                                   const or_tensor *prelu, or_tensor *y, or_err *err)
{
    or_tensor p;
    int co = c->w.n;
    int ho = (x->h + 2 - 3) / stride + 1, wo = (x->w + 2 - 3) / stride + 1;
    OR_TRY(dex_take(m, co, ho, wo, "warp head", y, err));
    or_arena_mark mk = or_arena_get_mark(&m->net.be->arena);
    OR_TRY(dex_take(m, x->c, x->h + 2, x->w + 2, "reflection pad", &p, err));
    OR_TRY(or_pad2d(x, 1, 1, 1, 1, OR_PAD_REFLECT, &p, err));
    OR_TRY(dex_conv(&p, c, stride, 0, 1, OR_ACT_NONE, 0, NULL, y, err));
    or_arena_reset(&m->net.be->arena, mk);
    OR_TRY(or_instance_norm(y, DEX_IN_EPS, y, err));
    if (prelu)
        OR_TRY(or_activation(y, OR_ACT_PRELU, 0, prelu, y, err));
    return OR_OK;
}

static or_status upsample2(dex *m, or_tensor *x, or_err *err)
{
    or_tensor u;
    OR_TRY(dex_take(m, x->c, x->h * 2, x->w * 2, "upsampled", &u, err));
    OR_TRY(or_upsample_nearest(x, 2, &u, err));
    *x = u;
    return OR_OK;
}

/* layerN_1 (N = level 2..5) on the normalised VGG feature r into *out. */
static or_status warp_head(dex *m, int level, const or_tensor *r, or_tensor *out, or_err *err)
{
    or_tensor a, b;
    OR_TRY(pad_conv_in_prelu(m, r, &m->head1[level], 1, &m->prelu1[level], &a, err));
    if (level == 5)
        OR_TRY(upsample2(m, &a, err));
    OR_TRY(pad_conv_in_prelu(m, &a, &m->head2[level], level == 2 ? 2 : 1, &m->prelu2[level], &b,
                             err));
    if (level >= 4)
        OR_TRY(upsample2(m, &b, err));
    *out = b;
    return OR_OK;
}

/* A_features / B_features: the four heads concatenated, the residual blocks; *out
 * [4fc, fh, fw] taken first. */
static or_status warp_features(dex *m, const or_tensor f[4], int fh, int fw, or_tensor *out,
                               or_err *err)
{
    OR_TRY(dex_take(m, 4 * m->fc, fh, fw, "warp features", out, err));
    or_arena_mark mk = or_arena_get_mark(&m->net.be->arena);
    for (int level = 2; level <= 5; level++) {
        or_arena_mark mh = or_arena_get_mark(&m->net.be->arena);
        or_tensor head, view;
        OR_TRY(warp_head(m, level, &f[level - 2], &head, err));
        OR_TRY(or_tensor_channels(out, (level - 2) * m->fc, m->fc, &view, err));
        if (head.h == fh && head.w == fw)
            OR_TRY(or_scale_shift(&head, 1.0f, 0.0f, &view, err));
        else if (level == 5 && head.h + 2 == fh && head.w == fw) /* F.pad (0,0,1,1) replicate */
            OR_TRY(or_pad2d(&head, 0, 0, 1, 1, OR_PAD_REPLICATE, &view, err));
        else
            return or_errf(err, OR_ESHAPE,
                           "WarpNet level %d gives %dx%d features where level 2 gives %dx%d "
                           "(the frame size must be a multiple of 8 high and 16 wide)",
                           level, head.h, head.w, fh, fw);
        or_arena_reset(&m->net.be->arena, mh);
    }
    /* three ResidualBlocks: prelu(IN(conv2(pad(prelu(IN(conv1(pad(x)))))) + x) */
    for (int r = 0; r < 3; r++) {
        or_arena_mark mr = or_arena_get_mark(&m->net.be->arena);
        or_tensor a, b;
        OR_TRY(pad_conv_in_prelu(m, out, &m->res1[r], 1, &m->res_prelu[r], &a, err));
        OR_TRY(pad_conv_in_prelu(m, &a, &m->res2[r], 1, NULL, &b, err));
        OR_TRY(or_add(&b, 1.0f, out, 1.0f, out, err));
        OR_TRY(or_activation(out, OR_ACT_PRELU, 0, &m->res_prelu[r], out, err));
        or_arena_reset(&m->net.be->arena, mr);
    }
    or_arena_reset(&m->net.be->arena, mk);
    return OR_OK;
}

/* theta / phi: the 1x1 conv, centred over the pixels, unit length over the channels. */
static or_status embed(dex *m, const or_tensor *feat, const dex_conv_w *c, or_tensor *e,
                       or_err *err)
{
    OR_TRY(dex_take(m, m->inter, feat->h, feat->w, "theta/phi", e, err));
    OR_TRY(dex_conv(feat, c, 1, 0, 1, OR_ACT_NONE, 0, NULL, e, err));
    OR_TRY(or_spatial_center(e, e, err));
    return or_channel_normalize(e, DEX_FEATURE_EPS, e, err);
}

static or_status check_io(dex *m, const char *what, const or_tensor *t, int c, int h, int w,
                          or_err *err)
{
    char got[64];
    if (!t->data || t->be != m->net.be || t->n != 1 || t->c != c || t->h != h || t->w != w ||
        t->dtype != m->net.dtype || t->layout != OR_NCHW)
        return or_errf(err, OR_ESHAPE, "%s: expected [1,%d,%d,%d] %s on %s, got %s", what, c, h,
                       w, or_dtype_name(m->net.dtype), m->net.be->name,
                       or_shape_str(t, got, sizeof got));
    return OR_OK;
}

static or_status frame(dex *m, const or_tensor *a_lab, const or_tensor *b_lab,
                       const or_tensor *last, float temperature, or_tensor *ab,
                       or_tensor *warp_ab, or_tensor *sim, or_err *err)
{
    int h = a_lab->h, w = a_lab->w, fh = h / 4, fw = w / 4;
    if (h % 8 || w % 16 || h < 32 || w < 32)
        return or_errf(err, OR_ESHAPE,
                       "frame %dx%d: Deep Exemplar needs a height that is a multiple of 8 and a "
                       "width that is a multiple of 16, both at least 32",
                       w, h);
    OR_TRY(check_io(m, "frame Lab", a_lab, 3, h, w, err));
    OR_TRY(check_io(m, "reference Lab", b_lab, 3, h, w, err));
    if (last)
        OR_TRY(check_io(m, "previous frame Lab", last, 3, h, w, err));
    OR_TRY(check_io(m, "ab output", ab, 2, h, w, err));
    if (warp_ab)
        OR_TRY(check_io(m, "warped ab output", warp_ab, 2, h, w, err));
    if (sim)
        OR_TRY(check_io(m, "similarity output", sim, 1, h, w, err));

    /* ColorVidNet's input, written in place: L, warped ab, similarity, previous Lab */
    or_tensor in, view, src;
    OR_TRY(dex_take(m, 7, h, w, "colornet input", &in, err));
    OR_TRY(or_tensor_channels(a_lab, 0, 1, &src, err));
    OR_TRY(or_tensor_channels(&in, 0, 1, &view, err));
    OR_TRY(or_scale_shift(&src, 1.0f, 0.0f, &view, err));
    OR_TRY(or_tensor_channels(&in, 4, 3, &view, err));
    if (last)
        OR_TRY(or_scale_shift(last, 1.0f, 0.0f, &view, err));
    else
        OR_TRY(or_fill(&view, 0.0f, err));

    or_arena_mark mk = or_arena_get_mark(&m->net.be->arena);
    or_tensor x, fa[4], fb[4], feat_a, feat_b, theta, phi, pooled, y, s;
    /* the reference's features first: its VGG input is freed before the frame's */
    OR_TRY(reference_input(m, b_lab, &x, err));
    OR_TRY(vgg_features(m, &x, fb, err));
    OR_TRY(gray_input(m, a_lab, &x, err));
    OR_TRY(vgg_features(m, &x, fa, err));
    OR_TRY(warp_features(m, fa, fh, fw, &feat_a, err));
    OR_TRY(warp_features(m, fb, fh, fw, &feat_b, err));
    OR_TRY(embed(m, &feat_a, &m->theta, &theta, err));
    OR_TRY(embed(m, &feat_b, &m->phi, &phi, err));
    OR_TRY(dex_take(m, 2, fh, fw, "pooled reference ab", &pooled, err));
    OR_TRY(or_tensor_channels(b_lab, 1, 2, &src, err));
    OR_TRY(or_avgpool2d(&src, 4, 4, 4, 4, 0, 0, 1, &pooled, err));
    OR_TRY(dex_take(m, 2, fh, fw, "warped ab", &y, err));
    OR_TRY(dex_take(m, 1, fh, fw, "similarity", &s, err));
    OR_TRY(or_exemplar_attention(&theta, &phi, &pooled, temperature, &y, &s, err));
    OR_TRY(or_tensor_channels(&in, 1, 2, &view, err));
    OR_TRY(or_upsample_nearest(&y, 4, &view, err));
    OR_TRY(or_tensor_channels(&in, 3, 1, &view, err));
    OR_TRY(or_upsample_nearest(&s, 4, &view, err));
    or_arena_reset(&m->net.be->arena, mk);
    if (warp_ab) {
        OR_TRY(or_tensor_channels(&in, 1, 2, &view, err));
        OR_TRY(or_scale_shift(&view, 1.0f, 0.0f, warp_ab, err));
    }
    if (sim) {
        OR_TRY(or_tensor_channels(&in, 3, 1, &view, err));
        OR_TRY(or_scale_shift(&view, 1.0f, 0.0f, sim, err));
    }
    return dex_colornet(m, &in, ab, err);
}

or_status or_dex_frame(or_net *net, const or_tensor *a_lab, const or_tensor *b_lab,
                       const or_tensor *last, float temperature, or_tensor *ab,
                       or_tensor *warp_ab, or_tensor *sim, or_err *err)
{
    if (!or_net_is_dex(net))
        return or_errf(err, OR_EINVAL, "%s: a %s network, not deep-exemplar",
                       OR_ESC(net->model_path), net->arch);
    or_arena_mark mk = or_arena_get_mark(&net->be->arena);
    or_status s = frame(net->impl, a_lab, b_lab, last, temperature, ab, warp_ab, sim, err);
    or_arena_reset(&net->be->arena, mk);
    if (s != OR_OK)
        or_err_prefix(err, "%s", OR_ESC(net->model_path));
    return s;
}

/* Arena bytes of one frame at the network size h x w, an upper bound: the VGG
 * features of both images and the largest block's two temporaries, WarpNet's
 * heads at h/4, ColorVidNet's largest level, with room to spare. */
static size_t dex_workspace(const or_net *net, int h, int w)
{
    const dex *m = net->impl;
    size_t px = (size_t)h * w, es = or_dtype_size(net->dtype);
    size_t vgg = px * (3 + 3 * (size_t)m->vgg[1]) + px / 4 * (4 + 2 * (size_t)m->vgg[2]);
    size_t color = px * (7 + 4 * (size_t)m->cw[2] + 3 * (size_t)m->cw[3]);
    size_t warp = px / 16 * (16 * (size_t)m->fc + 4 * (size_t)m->inter + 8);
    size_t big = vgg > color ? vgg : color;
    return (big + warp) * es * 2 + 2 * or_net_conv_scratch_bound((int)m->vgg[5], w);
}

/* ---- weights ---------------------------------------------------------------------- */

static void dex_destroy(or_net *net)
{
    dex *m = net->impl;
    or_netw_free(&m->wts);
    free(m);
}

static or_status conv_w(dex *m, const char *name, int co, int ci, int k, dex_conv_w *c,
                        or_err *err)
{
    return or_netw_conv(&m->wts, name, co, ci, k, &c->w, &c->b, err);
}

static or_status load_weights(void *impl, or_err *err)
{
    dex *m = impl;
    char name[64];
    static const int nconv[5] = {2, 2, 4, 4, 2};
    for (int b = 0; b < 5; b++)
        for (int k = 0; k < nconv[b]; k++) {
            snprintf(name, sizeof name, "vgg.conv%d_%d", b + 1, k + 1);
            OR_TRY(conv_w(m, name, m->vgg[b + 1], k == 0 ? m->vgg[b] : m->vgg[b + 1], 3,
                          &m->vgg_conv[b][k], err));
        }
    for (int L = 2; L <= 5; L++) {
        snprintf(name, sizeof name, "warp.l%d.conv1", L);
        OR_TRY(conv_w(m, name, m->mid[L], m->vgg[L], 3, &m->head1[L], err));
        snprintf(name, sizeof name, "warp.l%d.prelu1", L);
        OR_TRY(or_netw_vec(&m->wts, name, m->mid[L], &m->prelu1[L], err));
        snprintf(name, sizeof name, "warp.l%d.conv2", L);
        OR_TRY(conv_w(m, name, m->fc, m->mid[L], 3, &m->head2[L], err));
        snprintf(name, sizeof name, "warp.l%d.prelu2", L);
        OR_TRY(or_netw_vec(&m->wts, name, m->fc, &m->prelu2[L], err));
    }
    for (int r = 0; r < 3; r++) {
        snprintf(name, sizeof name, "warp.res%d.conv1", r);
        OR_TRY(conv_w(m, name, 4 * m->fc, 4 * m->fc, 3, &m->res1[r], err));
        snprintf(name, sizeof name, "warp.res%d.conv2", r);
        OR_TRY(conv_w(m, name, 4 * m->fc, 4 * m->fc, 3, &m->res2[r], err));
        snprintf(name, sizeof name, "warp.res%d.prelu", r);
        OR_TRY(or_netw_vec(&m->wts, name, 4 * m->fc, &m->res_prelu[r], err));
    }
    OR_TRY(conv_w(m, "warp.theta", m->inter, 4 * m->fc, 1, &m->theta, err));
    OR_TRY(conv_w(m, "warp.phi", m->inter, 4 * m->fc, 1, &m->phi, err));
    return dex_colornet_load(m, err);
}

or_status or_net_dex_load(const st_file *f, or_backend *be, or_dtype dtype, or_net **out,
                          or_err *err)
{
    dex *m = calloc(1, sizeof *m);
    if (!m)
        return or_errf(err, OR_ENOMEM, "%s: out of host memory", f->path);
    char key[32];
    or_status s = OR_OK;
    m->vgg[0] = 3;
    for (int b = 1; b <= 5 && s == OR_OK; b++) {
        snprintf(key, sizeof key, "vgg_width%d", b);
        s = or_net_meta_int(f, key, 1, 4096, &m->vgg[b], err);
    }
    for (int L = 2; L <= 5 && s == OR_OK; L++) {
        snprintf(key, sizeof key, "warp_mid%d", L);
        s = or_net_meta_int(f, key, 1, 4096, &m->mid[L], err);
    }
    if (s == OR_OK)
        s = or_net_meta_int(f, "warp_features", 1, 4096, &m->fc, err);
    if (s == OR_OK)
        s = or_net_meta_int(f, "warp_inter", 1, 4096, &m->inter, err);
    for (int i = 1; i <= 5 && s == OR_OK; i++) {
        snprintf(key, sizeof key, "color_width%d", i);
        s = or_net_meta_int(f, key, 1, 4096, &m->cw[i], err);
    }
    if (s != OR_OK) {
        free(m);
        return s;
    }
    or_net *net = &m->net;
    or_net_init_common(net, "deep-exemplar", f->path, be, dtype, 3, 2, 1, 16);
    net->workspace_bytes = dex_workspace;
    net->destroy = dex_destroy;
    net->impl = m;
    return or_net_finish_load(net, &m->wts, f, load_weights, out, err);
}
