/* arch_deoldify.c: DeOldify generators (jantic/DeOldify, fastai v1).
 *
 *   deep  DynamicUnetDeep on resnet34, nf_factor 1.5 (ColorizeArtistic_gen)
 *   wide  DynamicUnetWide on resnet101, nf_factor 2 (ColorizeStable_gen,
 *         ColorizeVideo_gen)
 *
 * The model is fastai's SequentialEx, so every key is "layers.N....":
 *   0 ResNet body (arch_deoldify_body.c)   1 BatchNorm   2 ReLU
 *   3 middle: two custom_conv_layer = Sequential(SN conv, ReLU, BatchNorm)
 *   4..7 UnetBlockDeep/Wide: shuf.conv = Sequential(SN 1x1 conv, BatchNorm),
 *        bn (on the skip), conv1+conv2 (deep) or conv (wide); block 1 ends
 *        with SelfAttention (SN Conv1d query/key/value, gamma)
 *   8 PixelShuffle_ICNR, fastai's default weight norm (weight_g, weight_v, bias)
 *   9 MergeLayer(dense)   10 res_block: layers.{0,1}.0 SN conv with bias
 *   11 SN 1x1 conv with bias   12 SigmoidRange(-3, 3)
 * Spectral norm is folded as PyTorch evaluates it (weight_orig / u.(W v)),
 * weight norm as g * v / |v|; a BatchNorm that directly follows a conv is
 * folded into it, one after a ReLU (or on the skip) becomes scale/shift.
 * Every width is read from the shapes.  Names: docs/converters/colorize.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "arch_deoldify.h"

#define DEO_BLOCKS 4     /* U-Net blocks: hooks on layer3, layer2, layer1, relu */
#define DEO_ATTN 1       /* DynamicUnet: self-attention in block n_blocks - 3 */
#define DEO_L_BLOCK0 4   /* layers.4 is the first U-Net block (the head follows at 8..11) */

typedef struct {
    int deep;                   /* UnetBlockDeep (conv1, conv2) or UnetBlockWide (conv) */
    deo_body body;
    int64_t mid;                /* body output channels (middle conv in/out) */
    int64_t up_in[DEO_BLOCKS];  /* channels coming up into each block */
    int64_t up_out[DEO_BLOCKS]; /* channels after its pixel shuffle */
    int64_t skip[DEO_BLOCKS];   /* channels of the encoder feature it concatenates */
    int64_t nf[DEO_BLOCKS];     /* channels out of the block */
    int64_t head;               /* channels into the final pixel shuffle */
    int64_t out_ch;             /* image channels out (3) */
} deo_net;

static const char *conv_name(const deo_net *n) { return n->deep ? "conv2" : "conv"; }

/* ---- detection and inference ------------------------------------------------------ */

static int deoldify_detect(const ck_state_dict *sd)
{
    return arch_has(sd, "layers.0.0.weight") && arch_has(sd, "layers.3.0.0.weight_orig") &&
           arch_has(sd, "layers.4.shuf.conv.0.weight_orig");
}

/* Output width of an SN conv + BN from weight_orig, else weight_u, else the BN. */
static int64_t sn_width(const ck_state_dict *sd, const char *conv, const char *bn)
{
    char a[128];
    int64_t d = arch_dim(sd, deo_name(a, sizeof a, "%s.weight_orig", conv), 0);
    if (d < 0)
        d = arch_dim(sd, deo_name(a, sizeof a, "%s.weight_u", conv), 0);
    if (d < 0)
        d = arch_dim(sd, deo_name(a, sizeof a, "%s.weight", bn), 0);
    return d;
}

static or_status infer_blocks(const ck_state_dict *sd, deo_net *n, or_err *err)
{
    char conv[96], bn[96];
    const char *c1 = n->deep ? "conv1" : "conv";
    for (int i = 0; i < DEO_BLOCKS; i++) {
        int li = DEO_L_BLOCK0 + i;
        n->up_in[i] = i == 0 ? n->mid : n->nf[i - 1];
        n->skip[i] = i < 3 ? n->body.out[2 - i] : n->body.base;
        n->nf[i] = sn_width(sd, deo_name(conv, sizeof conv, "layers.%d.%s.0", li, c1),
                            deo_name(bn, sizeof bn, "layers.%d.%s.2", li, c1));
        if (n->nf[i] <= 0)
            return or_errf(err, OR_EFORMAT, "deoldify: cannot find the width of U-Net block %d "
                           "(%s.weight_orig)", i, OR_ESC(conv));
        /* Deep halves the channels coming up; Wide shuffles to its own output width. */
        n->up_out[i] = n->deep ? n->up_in[i] / 2 : n->nf[i];
    }
    n->head = n->nf[DEO_BLOCKS - 1];
    n->out_ch = arch_dim(sd, "layers.11.0.weight_orig", 0);
    if (n->out_ch <= 0)
        n->out_ch = arch_dim(sd, "layers.11.0.bias", 0);
    if (n->out_ch <= 0)
        n->out_ch = 3;
    return OR_OK;
}

static or_status infer(const ck_state_dict *sd, deo_net *n, or_err *err)
{
    n->deep = arch_has(sd, "layers.4.conv1.0.weight_orig") ||
              arch_has(sd, "layers.4.conv2.0.weight_orig");
    OR_TRY(deo_body_infer(sd, &n->body, err));
    n->mid = n->body.out[3];
    return infer_blocks(sd, n, err);
}

/* nf_factor as DeOldify's generator passed it: Deep sizes its first block
 * int(ni * nf_factor), Wide every block 512 * nf_factor at base width 64. */
static double nf_factor(const deo_net *n)
{
    if (n->deep)
        return (double)n->nf[0] / (double)(n->up_out[0] + n->skip[0]);
    return 2.0 * (double)n->nf[0] / (8.0 * (double)n->body.base);
}

/* ---- the expectation list -------------------------------------------------------------- */

/* custom_conv_layer: Sequential(SN conv no bias, ReLU, BatchNorm) at prefix.0 / prefix.2. */
static void expect_conv_relu_bn(arch_expect_list *l, const char *prefix, int64_t o, int64_t i,
                                int64_t k)
{
    char p[128];
    arch_expect_sn_conv(l, deo_name(p, sizeof p, "%s.0", prefix), o, i, k, k, 0);
    arch_expect_bn(l, deo_name(p, sizeof p, "%s.2", prefix), o);
}

/* SN Conv1d, kernel 1, no bias: weight_orig [o,i,1], u [o], v [i]. */
static void expect_sn_conv1d(arch_expect_list *l, const char *prefix, int64_t o, int64_t i)
{
    char p[160];
    arch_expect(l, deo_name(p, sizeof p, "%s.weight_orig", prefix), 3, o, i, 1, 0);
    arch_expect(l, deo_name(p, sizeof p, "%s.weight_u", prefix), 1, o, 0, 0, 0);
    arch_expect(l, deo_name(p, sizeof p, "%s.weight_v", prefix), 1, i, 0, 0, 0);
}

static void expect_attention(arch_expect_list *l, const char *prefix, int64_t c)
{
    char p[160];
    expect_sn_conv1d(l, deo_name(p, sizeof p, "%s.query", prefix), c / 8, c);
    expect_sn_conv1d(l, deo_name(p, sizeof p, "%s.key", prefix), c / 8, c);
    expect_sn_conv1d(l, deo_name(p, sizeof p, "%s.value", prefix), c, c);
    arch_expect(l, deo_name(p, sizeof p, "%s.gamma", prefix), 1, 1, 0, 0, 0);
}

static void expect_block(const deo_net *n, arch_expect_list *l, int i)
{
    char p[96];
    int li = DEO_L_BLOCK0 + i;
    int64_t ni = n->up_out[i] + n->skip[i], nf = n->nf[i];
    arch_expect_sn_conv(l, deo_name(p, sizeof p, "layers.%d.shuf.conv.0", li), 4 * n->up_out[i],
                        n->up_in[i], 1, 1, 0);
    arch_expect_bn(l, deo_name(p, sizeof p, "layers.%d.shuf.conv.1", li), 4 * n->up_out[i]);
    arch_expect_bn(l, deo_name(p, sizeof p, "layers.%d.bn", li), n->skip[i]);
    if (n->deep) {
        expect_conv_relu_bn(l, deo_name(p, sizeof p, "layers.%d.conv1", li), nf, ni, 3);
        expect_conv_relu_bn(l, deo_name(p, sizeof p, "layers.%d.conv2", li), nf, nf, 3);
    } else {
        expect_conv_relu_bn(l, deo_name(p, sizeof p, "layers.%d.conv", li), nf, ni, 3);
    }
    if (i == DEO_ATTN)
        expect_attention(l, deo_name(p, sizeof p, "layers.%d.%s.3", li, conv_name(n)), nf);
}

static void expect_head(const deo_net *n, arch_expect_list *l)
{
    int64_t h = n->head, c = n->head + n->body.in_ch; /* MergeLayer concatenates the input */
    arch_expect(l, "layers.8.conv.0.weight_g", 4, 4 * h, 1, 1, 1);
    arch_expect(l, "layers.8.conv.0.weight_v", 4, 4 * h, h, 1, 1);
    arch_expect(l, "layers.8.conv.0.bias", 1, 4 * h, 0, 0, 0);
    arch_expect_sn_conv(l, "layers.10.layers.0.0", c, c, 3, 3, 1);
    arch_expect_sn_conv(l, "layers.10.layers.1.0", c, c, 3, 3, 1);
    arch_expect_sn_conv(l, "layers.11.0", n->out_ch, c, 1, 1, 1);
}

static void expect_all(const deo_net *n, arch_expect_list *l)
{
    deo_body_expect(&n->body, l);
    arch_expect_bn(l, "layers.1", n->mid);
    expect_conv_relu_bn(l, "layers.3.0", 2 * n->mid, n->mid, 3);
    expect_conv_relu_bn(l, "layers.3.1", n->mid, 2 * n->mid, 3);
    for (int i = 0; i < DEO_BLOCKS; i++)
        expect_block(n, l, i);
    expect_head(n, l);
}

/* ---- folds ------------------------------------------------------------------------------- */

/* SN conv followed directly by a BatchNorm (the shuffle convs): both folded. */
static or_status fold_sn_bn(const ck_state_dict *sd, or_model_builder *mb, const char *conv,
                            const char *bn, const char *dst, or_err *err)
{
    char a[128];
    const ck_tensor *w = ckpt_find(sd, deo_name(a, sizeof a, "%s.weight_orig", conv));
    const ck_tensor *u = ckpt_find(sd, deo_name(a, sizeof a, "%s.weight_u", conv));
    const ck_tensor *v = ckpt_find(sd, deo_name(a, sizeof a, "%s.weight_v", conv));
    const ck_tensor *g = ckpt_find(sd, deo_name(a, sizeof a, "%s.weight", bn));
    const ck_tensor *b = ckpt_find(sd, deo_name(a, sizeof a, "%s.bias", bn));
    const ck_tensor *m = ckpt_find(sd, deo_name(a, sizeof a, "%s.running_mean", bn));
    const ck_tensor *var = ckpt_find(sd, deo_name(a, sizeof a, "%s.running_var", bn));
    if (!w || !u || !v || !g || !b || !m || !var)
        return or_errf(err, OR_EFORMAT, "tensor %s / %s: missing", OR_ESC(conv), OR_ESC(bn));
    float *sn = malloc((size_t)w->numel * sizeof *sn);
    if (!sn)
        return or_errf(err, OR_ENOMEM, "tensor %s.weight_orig: out of memory", OR_ESC(conv));
    double sigma = fold_spectral_norm(w->data, w->ndim, w->shape, 0, u->data, v->data, sn);
    int64_t o = w->shape[0];
    float *wo = mb_add_empty(mb, deo_name(a, sizeof a, "%s.weight", dst), w->ndim, w->shape, err);
    float *bo = wo ? mb_add_empty(mb, deo_name(a, sizeof a, "%s.bias", dst), 1, &o, err) : NULL;
    if (bo)
        fold_bn_into_conv(sn, NULL, o, w->numel / o, g->data, b->data, m->data, var->data,
                          DEO_BN_EPS, wo, bo);
    free(sn);
    if (!bo)
        return err ? err->code : OR_ENOMEM;
    if (!(fabs(sigma) > 0) || !isfinite(sigma))
        return or_errf(err, OR_EFORMAT, "tensor %s.weight_orig: spectral norm sigma is %g",
                       OR_ESC(conv), sigma);
    return OR_OK;
}

/* SN Conv1d [o,i,1] written as a 2-D matrix [o,i] (attention projections). */
static or_status fold_sn_matrix(const ck_state_dict *sd, or_model_builder *mb,
                                const char *conv, const char *dst, or_err *err)
{
    char a[160];
    const ck_tensor *w = ckpt_find(sd, deo_name(a, sizeof a, "%s.weight_orig", conv));
    const ck_tensor *u = ckpt_find(sd, deo_name(a, sizeof a, "%s.weight_u", conv));
    const ck_tensor *v = ckpt_find(sd, deo_name(a, sizeof a, "%s.weight_v", conv));
    if (!w || !u || !v)
        return or_errf(err, OR_EFORMAT, "tensor %s: missing", OR_ESC(conv));
    int64_t shape[2] = {w->shape[0], w->numel / w->shape[0]};
    float *wo = mb_add_empty(mb, deo_name(a, sizeof a, "%s.weight", dst), 2, shape, err);
    if (!wo)
        return err ? err->code : OR_ENOMEM;
    double sigma = fold_spectral_norm(w->data, w->ndim, w->shape, 0, u->data, v->data, wo);
    if (!(fabs(sigma) > 0) || !isfinite(sigma))
        return or_errf(err, OR_EFORMAT, "tensor %s.weight_orig: spectral norm sigma is %g",
                       OR_ESC(conv), sigma);
    return OR_OK;
}

/* Weight norm (dim 0): w[o,:] = g[o] * v[o,:] / |v[o,:]|, in double. */
static or_status fold_weight_norm(const ck_state_dict *sd, or_model_builder *mb,
                                  const char *conv, const char *dst, or_err *err)
{
    char a[128];
    const ck_tensor *g = ckpt_find(sd, deo_name(a, sizeof a, "%s.weight_g", conv));
    const ck_tensor *v = ckpt_find(sd, deo_name(a, sizeof a, "%s.weight_v", conv));
    if (!g || !v)
        return or_errf(err, OR_EFORMAT, "tensor %s.weight_g/_v: missing", OR_ESC(conv));
    float *wo = mb_add_empty(mb, deo_name(a, sizeof a, "%s.weight", dst), v->ndim, v->shape, err);
    if (!wo)
        return err ? err->code : OR_ENOMEM;
    int64_t o = v->shape[0], k = v->numel / o;
    for (int64_t r = 0; r < o; r++) {
        const float *row = v->data + r * k;
        double ss = 0;
        for (int64_t j = 0; j < k; j++)
            ss += (double)row[j] * row[j];
        if (!(ss > 0))
            return or_errf(err, OR_EFORMAT, "tensor %s.weight_v: row %lld is zero", OR_ESC(conv),
                           (long long)r);
        double s = (double)g->data[r] / sqrt(ss);
        for (int64_t j = 0; j < k; j++)
            wo[r * k + j] = (float)((double)row[j] * s);
    }
    char b[128];
    return arch_copy(sd, mb, deo_name(a, sizeof a, "%s.bias", conv),
                     deo_name(b, sizeof b, "%s.bias", dst), err);
}

/* ---- conversion ---------------------------------------------------------------------------- */

/* custom_conv_layer -> dst.weight (SN folded) + dst.scale/.shift (the BN after the ReLU). */
static or_status convert_conv_relu_bn(const ck_state_dict *sd, or_model_builder *mb,
                                      const char *src, const char *dst, or_err *err)
{
    char a[128];
    OR_TRY(arch_fold_sn(sd, mb, deo_name(a, sizeof a, "%s.0", src), dst, 0, err));
    return arch_fold_bn_affine(sd, mb, deo_name(a, sizeof a, "%s.2", src), dst, DEO_BN_EPS, err);
}

static or_status convert_attention(const ck_state_dict *sd, or_model_builder *mb,
                                   const char *src, const char *dst, or_err *err)
{
    static const char *const proj[3] = {"query", "key", "value"};
    char a[160], b[96];
    for (int k = 0; k < 3; k++)
        OR_TRY(fold_sn_matrix(sd, mb, deo_name(a, sizeof a, "%s.%s", src, proj[k]),
                              deo_name(b, sizeof b, "%s.%s", dst, proj[k]), err));
    return arch_copy(sd, mb, deo_name(a, sizeof a, "%s.gamma", src),
                     deo_name(b, sizeof b, "%s.gamma", dst), err);
}

static or_status convert_block(const ck_state_dict *sd, const deo_net *n, or_model_builder *mb,
                               int i, or_err *err)
{
    char s[96], t[96], d[64];
    int li = DEO_L_BLOCK0 + i;
    OR_TRY(fold_sn_bn(sd, mb, deo_name(s, sizeof s, "layers.%d.shuf.conv.0", li),
                      deo_name(t, sizeof t, "layers.%d.shuf.conv.1", li),
                      deo_name(d, sizeof d, "dec.%d.shuf", i), err));
    OR_TRY(arch_fold_bn_affine(sd, mb, deo_name(s, sizeof s, "layers.%d.bn", li),
                               deo_name(d, sizeof d, "dec.%d.bn", i), DEO_BN_EPS, err));
    int n_conv = n->deep ? 2 : 1;
    for (int k = 1; k <= n_conv; k++) {
        const char *c = n->deep ? (k == 1 ? "conv1" : "conv2") : "conv";
        OR_TRY(convert_conv_relu_bn(sd, mb, deo_name(s, sizeof s, "layers.%d.%s", li, c),
                                    deo_name(d, sizeof d, "dec.%d.%s", i, c), err));
    }
    if (i != DEO_ATTN)
        return OR_OK;
    return convert_attention(sd, mb, deo_name(s, sizeof s, "layers.%d.%s.3", li, conv_name(n)),
                             deo_name(d, sizeof d, "dec.%d.attn", i), err);
}

static or_status convert_all(const ck_state_dict *sd, const deo_net *n, or_model_builder *mb,
                             or_err *err)
{
    OR_TRY(deo_body_convert(sd, &n->body, mb, err));
    OR_TRY(arch_fold_bn_affine(sd, mb, "layers.1", "enc.bn", DEO_BN_EPS, err));
    OR_TRY(convert_conv_relu_bn(sd, mb, "layers.3.0", "mid.0", err));
    OR_TRY(convert_conv_relu_bn(sd, mb, "layers.3.1", "mid.1", err));
    for (int i = 0; i < DEO_BLOCKS; i++)
        OR_TRY(convert_block(sd, n, mb, i, err));
    OR_TRY(fold_weight_norm(sd, mb, "layers.8.conv.0", "head.shuf", err));
    OR_TRY(arch_fold_sn(sd, mb, "layers.10.layers.0.0", "head.res.0", 0, err));
    OR_TRY(arch_fold_sn(sd, mb, "layers.10.layers.1.0", "head.res.1", 0, err));
    return arch_fold_sn(sd, mb, "layers.11.0", "head.out", 0, err);
}

/* "a,b,c,d" from four integers. */
static void meta_list4(or_model_builder *mb, const char *key, const int64_t *v)
{
    char buf[96];
    snprintf(buf, sizeof buf, "%lld,%lld,%lld,%lld", (long long)v[0], (long long)v[1],
             (long long)v[2], (long long)v[3]);
    mb_meta_str(mb, key, buf);
}

static void set_meta(or_model_builder *mb, const deo_net *n)
{
    char buf[32];
    int64_t blocks[4];
    for (int i = 0; i < 4; i++)
        blocks[i] = n->body.blocks[i];
    mb_meta_str(mb, "arch", "deoldify");
    mb_meta_str(mb, "variant", n->deep ? "deep" : "wide");
    mb_meta_str(mb, "body", n->body.name);
    snprintf(buf, sizeof buf, "%g", nf_factor(n));
    mb_meta_str(mb, "nf_factor", buf);
    mb_meta_int(mb, "in_ch", n->body.in_ch);
    mb_meta_int(mb, "out_ch", n->out_ch);
    mb_meta_int(mb, "base_width", n->body.base);
    meta_list4(mb, "body_blocks", blocks);
    meta_list4(mb, "enc_widths", n->body.out);
    meta_list4(mb, "dec_widths", n->nf);
    mb_meta_int(mb, "attn_block", DEO_ATTN);
    /* Not in the checkpoint: DeOldify's generators all use SigmoidRange(-3, 3). */
    mb_meta_str(mb, "y_range", "-3,3");
}

static or_status deoldify_convert(const ck_state_dict *sd, or_model_builder *mb, or_err *err)
{
    deo_net n = {0};
    OR_TRY(infer(sd, &n, err));
    arch_expect_list l = {0};
    expect_all(&n, &l);
    or_status s = arch_check("deoldify", sd, &l, err);
    arch_expect_free(&l);
    OR_TRY(s);
    OR_TRY(convert_all(sd, &n, mb, err));
    set_meta(mb, &n);
    return OR_OK;
}

const or_arch or_arch_deoldify = {
    "deoldify",
    "DeOldify generator: DynamicUnetDeep (artistic, resnet34) or DynamicUnetWide (stable/video, "
    "resnet101)",
    deoldify_detect, deoldify_convert};
