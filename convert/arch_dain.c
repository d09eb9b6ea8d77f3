/* arch_dain.c: DAIN, depth-aware video frame interpolation (baowenbo/DAIN,
 * networks/DAIN.py; the released model_weights/best.pth, a bare state dict).
 *
 * Sub-networks and where their widths come from (all hard-coded upstream;
 * every one is read from the shapes here, so narrowed copies convert too):
 *   initScaleNets_filter   kernel-estimation U-Net (flat ModuleList, convs at
 *                          0,2,5,...,32), widths from the encoder convs
 *   initScaleNets_filter1/2  the two 3x3 heads, output = filter_size^2 taps
 *   ctxNet                 context extractor (S2DF_3dense), width from block1
 *   rectifyNet             residual frame synthesis, width from block1; its
 *                          input width follows from taps and the ctx width
 *   flownets               PWC-Net (PWCDCNet): pyramid, dense decoder and
 *                          refinement widths, correlation range md
 *   depthNet               MegaDepth hourglass (arch_dain_depth.c): one width
 *                          divisor from its first conv
 * BatchNorms exist only in depthNet, each right after a conv: all folded.
 * The custom CUDA layers (flow projection, filter interpolation,
 * correlation) have no parameters.  Names and metadata:
 * docs/converters/interpolate.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch_dain.h"

#define BN_EPS 1e-5

typedef struct {
    int64_t kernel[6]; /* kernel U-Net encoder widths; the decoder mirrors them */
    int64_t taps, filter_size;
    int64_t ctx, rectify;
    int64_t pyr[6], dense[5], refine[6], nd, md;
    int64_t depth_width, depth_div;
} dain_hparams;

/* ---- layer table ---------------------------------------------------------------- */

/* Formatted source name: the tables below name most layers with an index. */
static dain_layer *add_f(dain_layers *t, dain_kind kind, const char *dst, int64_t o, int64_t i,
                         int64_t k, int bias, const char *src_fmt, int a)
{
    char src[128];
    snprintf(src, sizeof src, src_fmt, a);
    return dain_add(t, kind, dst, src, o, i, k, k, bias);
}

static void expect_layer(arch_expect_list *l, const dain_layer *y)
{
    char name[160];
    snprintf(name, sizeof name, "%s.weight", y->src);
    arch_expect(l, name, 4, y->shape[0], y->shape[1], y->shape[2], y->shape[3]);
    if (y->bias) {
        snprintf(name, sizeof name, "%s.bias", y->src);
        arch_expect(l, name, 1, y->kind == DL_CONVT ? y->shape[1] : y->shape[0], 0, 0, 0);
    }
    if (y->kind == DL_CONV_BN)
        arch_expect_bn(l, y->bn, y->shape[0]);
    if (y->kind == DL_CONV_BNSTAT) {
        static const char *const leaves[] = {"running_mean", "running_var"};
        for (int k = 0; k < 2; k++) {
            snprintf(name, sizeof name, "%s.%s", y->bn, leaves[k]);
            arch_expect(l, name, 1, y->shape[0], 0, 0, 0);
        }
        snprintf(name, sizeof name, "%s.num_batches_tracked", y->bn);
        arch_expect(l, name, -1, 0, 0, 0, 0); /* optional */
    }
}

static or_status check_layers(const ck_state_dict *sd, const dain_layers *t, or_err *err)
{
    if (t->oom)
        return or_errf(err, OR_ENOMEM, "dain: out of memory building the layer table");
    arch_expect_list l = {0};
    for (int i = 0; i < t->n; i++)
        expect_layer(&l, &t->v[i]);
    or_status s = arch_check("dain", sd, &l, err);
    arch_expect_free(&l);
    return s;
}

static or_status copy_leaf(const ck_state_dict *sd, or_model_builder *mb, const dain_layer *y,
                           const char *leaf, or_err *err)
{
    char src[160], dst[160];
    snprintf(src, sizeof src, "%s.%s", y->src, leaf);
    snprintf(dst, sizeof dst, "%s.%s", y->dst, leaf);
    return arch_copy(sd, mb, src, dst, err);
}

/* conv + BatchNorm(affine=False) is conv + BatchNorm with gamma 1, beta 0. */
static or_status fold_bn_stats(const ck_state_dict *sd, or_model_builder *mb,
                               const dain_layer *y, or_err *err)
{
    char name[160];
    snprintf(name, sizeof name, "%s.weight", y->src);
    const ck_tensor *w = ckpt_find(sd, name);
    snprintf(name, sizeof name, "%s.bias", y->src);
    const ck_tensor *b = ckpt_find(sd, name);
    snprintf(name, sizeof name, "%s.running_mean", y->bn);
    const ck_tensor *mean = ckpt_find(sd, name);
    snprintf(name, sizeof name, "%s.running_var", y->bn);
    const ck_tensor *var = ckpt_find(sd, name);
    if (!w || !mean || !var) /* arch_check ran first: cannot happen */
        return or_errf(err, OR_EFORMAT, "dain: %s incomplete", OR_ESC(y->src));
    int64_t o = w->shape[0];
    float *ones = malloc((size_t)o * 2 * sizeof(float));
    if (!ones)
        return or_errf(err, OR_ENOMEM, "dain: out of memory folding %s", OR_ESC(y->src));
    float *zeros = ones + o;
    for (int64_t c = 0; c < o; c++) {
        ones[c] = 1.0f;
        zeros[c] = 0.0f;
    }
    snprintf(name, sizeof name, "%s.weight", y->dst);
    float *wo = mb_add_empty(mb, name, 4, w->shape, err);
    snprintf(name, sizeof name, "%s.bias", y->dst);
    float *bo = wo ? mb_add_empty(mb, name, 1, &o, err) : NULL;
    if (bo)
        fold_bn_into_conv(w->data, b ? b->data : NULL, o, w->numel / o, ones, zeros, mean->data,
                          var->data, BN_EPS, wo, bo);
    free(ones);
    return bo ? OR_OK : (err ? err->code : OR_ENOMEM);
}

static or_status convert_layer(const ck_state_dict *sd, or_model_builder *mb,
                               const dain_layer *y, or_err *err)
{
    switch (y->kind) {
    case DL_CONV_BN:
        return arch_fold_conv_bn(sd, mb, y->src, y->bn, y->dst, BN_EPS, err);
    case DL_CONV_BNSTAT:
        return fold_bn_stats(sd, mb, y, err);
    default:
        OR_TRY(copy_leaf(sd, mb, y, "weight", err));
        return y->bias ? copy_leaf(sd, mb, y, "bias", err) : OR_OK;
    }
}

/* ---- hyperparameters ------------------------------------------------------------ */

/* Output channels of the conv at prefix: from its weight, else its bias
 * (so that a lone missing weight is still reported by arch_check). */
static or_status out_ch(const ck_state_dict *sd, const char *prefix, int64_t *v, or_err *err)
{
    char name[160];
    snprintf(name, sizeof name, "%s.weight", prefix);
    *v = arch_dim(sd, name, 0);
    if (*v <= 0) {
        snprintf(name, sizeof name, "%s.bias", prefix);
        *v = arch_dim(sd, name, 0);
    }
    if (*v <= 0)
        return or_errf(err, OR_EFORMAT, "dain: cannot infer a width: %s.weight is missing",
                       OR_ESC(prefix));
    return OR_OK;
}

static or_status out_ch_f(const ck_state_dict *sd, const char *fmt, int a, int64_t *v,
                          or_err *err)
{
    char prefix[128];
    snprintf(prefix, sizeof prefix, fmt, a);
    return out_ch(sd, prefix, v, err);
}

static const int kernel_enc_idx[6] = {0, 2, 5, 8, 11, 14};

static or_status infer_kernel_ctx(const ck_state_dict *sd, dain_hparams *h, or_err *err)
{
    for (int i = 0; i < 6; i++)
        OR_TRY(out_ch_f(sd, "initScaleNets_filter.%d", kernel_enc_idx[i], &h->kernel[i], err));
    OR_TRY(out_ch(sd, "initScaleNets_filter1.2", &h->taps, err));
    h->filter_size = (int64_t)llround(sqrt((double)h->taps));
    if (h->filter_size * h->filter_size != h->taps)
        return or_errf(err, OR_ESHAPE,
                       "dain: initScaleNets_filter1.2.weight has %lld outputs, not a square "
                       "filter_size^2", (long long)h->taps);
    OR_TRY(out_ch(sd, "ctxNet.block1.0", &h->ctx, err));
    return out_ch(sd, "rectifyNet.block1.0", &h->rectify, err);
}

static or_status infer_flow(const ck_state_dict *sd, dain_hparams *h, or_err *err)
{
    for (int lvl = 1; lvl <= 6; lvl++)
        OR_TRY(out_ch_f(sd, lvl == 6 ? "flownets.conv%daa.0" : "flownets.conv%da.0", lvl,
                        &h->pyr[lvl - 1], err));
    for (int j = 0; j < 5; j++)
        OR_TRY(out_ch_f(sd, "flownets.conv6_%d.0", j, &h->dense[j], err));
    for (int j = 1; j <= 6; j++)
        OR_TRY(out_ch_f(sd, "flownets.dc_conv%d.0", j, &h->refine[j - 1], err));
    /* The level-6 decoder sees only the correlation: (2 md + 1)^2 channels. */
    h->nd = arch_dim(sd, "flownets.conv6_0.0.weight", 1);
    h->md = (int64_t)llround((sqrt((double)(h->nd > 0 ? h->nd : 0)) - 1) / 2);
    if (h->nd <= 0 || (2 * h->md + 1) * (2 * h->md + 1) != h->nd)
        return or_errf(err, OR_ESHAPE,
                       "dain: flownets.conv6_0.0.weight has %lld inputs, not a correlation "
                       "volume (2 md + 1)^2", (long long)h->nd);
    return OR_OK;
}

static or_status infer_depth(const ck_state_dict *sd, dain_hparams *h, or_err *err)
{
    OR_TRY(out_ch(sd, "depthNet.0", &h->depth_width, err));
    /* The hourglass's narrowest layer is 16 wide: the divisor must divide it. */
    if (128 % h->depth_width != 0 || 16 % (128 / h->depth_width) != 0)
        return or_errf(err, OR_ESHAPE,
                       "dain: depthNet.0.weight has %lld outputs; the hourglass needs 128 "
                       "(or 128 divided by 2, 4, 8 or 16)", (long long)h->depth_width);
    h->depth_div = 128 / h->depth_width;
    return OR_OK;
}

/* ---- layer tables of the sub-networks ------------------------------------------------ */

static void kernel_layers(dain_layers *t, const dain_hparams *h)
{
    const int64_t *e = h->kernel;
    /* 12 convs: encoder e0..e5, mid e5, decoder e4..e0 (skips are added). */
    const int idx[12] = {0, 2, 5, 8, 11, 14, 17, 20, 23, 26, 29, 32};
    const int64_t out[12] = {e[0], e[1], e[2], e[3], e[4], e[5], e[5], e[4], e[3], e[2], e[1], e[0]};
    char dst[96];
    for (int k = 0; k < 12; k++) {
        snprintf(dst, sizeof dst, "kernel.conv%d", k);
        add_f(t, DL_CONV, dst, out[k], k ? out[k - 1] : 6, 3, 1, "initScaleNets_filter.%d", idx[k]);
    }
    for (int hd = 0; hd < 2; hd++) {
        snprintf(dst, sizeof dst, "kernel.out%d.conv0", hd);
        add_f(t, DL_CONV, dst, e[0], e[0], 3, 1, "initScaleNets_filter%d.0", hd + 1);
        snprintf(dst, sizeof dst, "kernel.out%d.conv1", hd);
        add_f(t, DL_CONV, dst, h->taps, e[0], 3, 1, "initScaleNets_filter%d.2", hd + 1);
    }
}

static void basic_blocks(dain_layers *t, const char *dst_fmt, const char *src_fmt, int first,
                         int n, int64_t w)
{
    char dst[96], src[128];
    for (int b = 0; b < n; b++)
        for (int c = 1; c <= 2; c++) {
            snprintf(dst, sizeof dst, dst_fmt, b, c);
            snprintf(src, sizeof src, src_fmt, first + b, c);
            dain_add(t, DL_CONV, dst, src, w, w, 3, 3, 0);
        }
}

static void ctx_rectify_layers(dain_layers *t, const dain_hparams *h)
{
    dain_add(t, DL_CONV, "ctx.stem", "ctxNet.block1.0", h->ctx, 3, 7, 7, 0);
    basic_blocks(t, "ctx.res%d.conv%d", "ctxNet.block%d.conv%d", 2, 2, h->ctx);
    /* Rectify input: blended frame, 2 warped frames, 2 flows, 2 kernel maps,
     * and per frame the context (image, 3 ctx blocks) plus its log depth. */
    int64_t ctx_ch = 3 + 3 * h->ctx + 1;
    int64_t in = 3 * 3 + 2 * 2 + 2 * h->taps + 2 * ctx_ch;
    dain_add(t, DL_CONV, "rectify.stem", "rectifyNet.block1.0", h->rectify, in, 7, 7, 1);
    basic_blocks(t, "rectify.res%d.conv%d", "rectifyNet.block%d.conv%d", 2, 3, h->rectify);
    dain_add(t, DL_CONV, "rectify.out", "rectifyNet.block5.0", 3, h->rectify, 3, 3, 1);
}

static void flow_pyramid_layers(dain_layers *t, const dain_hparams *h)
{
    static const char *const names[6][3] = {
        {"conv1a", "conv1aa", "conv1b"}, {"conv2a", "conv2aa", "conv2b"},
        {"conv3a", "conv3aa", "conv3b"}, {"conv4a", "conv4aa", "conv4b"},
        {"conv5a", "conv5aa", "conv5b"}, {"conv6aa", "conv6a", "conv6b"},
    };
    char dst[96], src[128];
    int64_t in = 3;
    for (int lvl = 1; lvl <= 6; lvl++) {
        int64_t c = h->pyr[lvl - 1];
        for (int j = 0; j < 3; j++) {
            snprintf(dst, sizeof dst, "flow.feat%d.conv%d", lvl, j);
            snprintf(src, sizeof src, "flownets.%s.0", names[lvl - 1][j]);
            dain_add(t, DL_CONV, dst, src, c, j ? c : in, 3, 3, 1);
        }
        in = c;
    }
}

/* Decoder at level lvl: dense convs, flow prediction, 2x upsampling of flow
 * and features; returns the width of its dense output. */
static int64_t flow_decoder_layers(dain_layers *t, const dain_hparams *h, int lvl)
{
    char dst[96], src[128];
    /* input: correlation, (below 6) the pyramid features, upsampled flow + features */
    int64_t od = h->nd + (lvl == 6 ? 0 : h->pyr[lvl - 1] + 4);
    for (int j = 0; j < 5; j++) {
        snprintf(dst, sizeof dst, "flow.dec%d.dense%d", lvl, j);
        snprintf(src, sizeof src, "flownets.conv%d_%d.0", lvl, j);
        dain_add(t, DL_CONV, dst, src, h->dense[j], od, 3, 3, 1);
        od += h->dense[j];
    }
    snprintf(dst, sizeof dst, "flow.dec%d.predict", lvl);
    add_f(t, DL_CONV, dst, 2, od, 3, 1, "flownets.predict_flow%d", lvl);
    snprintf(dst, sizeof dst, "flow.dec%d.up_flow", lvl);
    add_f(t, DL_CONVT, dst, 2, 2, 4, 1, "flownets.deconv%d", lvl);
    if (lvl > 2) {
        snprintf(dst, sizeof dst, "flow.dec%d.up_feat", lvl);
        add_f(t, DL_CONVT, dst, od, 2, 4, 1, "flownets.upfeat%d", lvl);
    }
    return od;
}

static void flow_layers(dain_layers *t, const dain_hparams *h)
{
    flow_pyramid_layers(t, h);
    int64_t in = 0;
    for (int lvl = 6; lvl >= 2; lvl--)
        in = flow_decoder_layers(t, h, lvl);
    char dst[96];
    for (int j = 1; j <= 6; j++) {
        snprintf(dst, sizeof dst, "flow.refine.conv%d", j);
        add_f(t, DL_CONV, dst, h->refine[j - 1], in, 3, 1, "flownets.dc_conv%d.0", j);
        in = h->refine[j - 1];
    }
    dain_add(t, DL_CONV, "flow.refine.conv7", "flownets.dc_conv7", 2, in, 3, 3, 1);
}

/* ---- the converter ------------------------------------------------------------------- */

static int dain_detect(const ck_state_dict *sd)
{
    static const char *const markers[] = {
        "initScaleNets_filter.0.weight", "ctxNet.block1.0.weight", "rectifyNet.block1.0.weight",
        "flownets.conv1a.0.weight", "depthNet.0.weight",
    };
    for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++)
        if (arch_has(sd, markers[i]))
            return 1;
    return 0;
}

static void meta_list(or_model_builder *mb, const char *key, const int64_t *v, int n)
{
    char buf[256] = "";
    for (int i = 0; i < n; i++) {
        size_t k = strlen(buf);
        snprintf(buf + k, sizeof buf - k, "%s%lld", i ? "," : "", (long long)v[i]);
    }
    mb_meta_str(mb, key, buf);
}

static void dain_meta(const dain_hparams *h, or_model_builder *mb)
{
    const int64_t *e = h->kernel;
    const int64_t kw[12] = {e[0], e[1], e[2], e[3], e[4], e[5], e[5], e[4], e[3], e[2], e[1], e[0]};
    mb_meta_str(mb, "arch", "dain");
    mb_meta_int(mb, "filter_size", h->filter_size);
    mb_meta_str(mb, "flow_scale", "20"); /* DAIN.div_flow: PWC-Net flow units */
    meta_list(mb, "kernel_widths", kw, 12);
    mb_meta_int(mb, "ctx_width", h->ctx);
    mb_meta_int(mb, "rectify_width", h->rectify);
    mb_meta_int(mb, "flow_md", h->md);
    meta_list(mb, "flow_pyramid", h->pyr, 6);
    meta_list(mb, "flow_dense", h->dense, 5);
    meta_list(mb, "flow_refine", h->refine, 6);
    mb_meta_int(mb, "depth_width", h->depth_width);
}

static or_status dain_convert(const ck_state_dict *sd, or_model_builder *mb, or_err *err)
{
    dain_hparams h;
    memset(&h, 0, sizeof h);
    OR_TRY(infer_kernel_ctx(sd, &h, err));
    OR_TRY(infer_flow(sd, &h, err));
    OR_TRY(infer_depth(sd, &h, err));
    dain_layers t = {0};
    kernel_layers(&t, &h);
    ctx_rectify_layers(&t, &h);
    flow_layers(&t, &h);
    dain_depth_layers(&t, h.depth_div);
    or_status s = check_layers(sd, &t, err);
    for (int i = 0; i < t.n && s == OR_OK; i++)
        s = convert_layer(sd, mb, &t.v[i], err);
    free(t.v);
    if (s == OR_OK)
        dain_meta(&h, mb);
    return s;
}

const or_arch or_arch_dain = {
    "dain", "DAIN depth-aware frame interpolation (baowenbo/DAIN best.pth)",
    dain_detect, dain_convert,
};
