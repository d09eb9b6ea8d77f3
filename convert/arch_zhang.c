/* arch_zhang.c: Zhang et al. colorization networks (richzhang/colorization).
 *
 *   eccv16      "Colorful Image Colorization" (ECCV 2016): L in, 313-bin
 *               distribution out, decoded to ab by a fixed 1x1 conv (model_out).
 *   siggraph17  "Real-Time User-Guided Image Colorization" (SIGGRAPH 2017):
 *               L + ab hints + hint mask in (4 channels), U-Net style decoder
 *               with ConvTranspose2d upsampling and shortcut convs, ab out
 *               through a tanh; a 529-bin classification head (model_class).
 *
 * Both share the encoder model1..model7: nn.Sequential(conv3x3, ReLU, ...,
 * conv3x3, ReLU, BatchNorm2d), so the weights sit at even indices and the
 * BatchNorm comes after a ReLU: it cannot be folded into the conv and is
 * written as a per-channel affine (normB.scale/.shift).  Every width is read
 * from the shapes (the released files have 64/128/256/512; the test fixtures
 * a sixteenth of that).  Names and folds: docs/converters/colorize.md. */
#include <stdio.h>

#include "arch.h"

#define ZH_BN_EPS 1e-5 /* nn.BatchNorm2d default, as in the official code */
#define ZH_ENC 7       /* encoder blocks model1..model7 */

/* Number of 3x3 convs in model1..model7. */
static const int enc_convs[ZH_ENC] = {2, 2, 3, 3, 3, 3, 3};

typedef struct {
    int64_t in_ch;     /* 1 (eccv16) or 4 (siggraph17) */
    int64_t w[11];     /* w[b]: width of block b (1..10; eccv16 uses 1..8) */
    int64_t classes;   /* 313 (eccv16) or 529 (siggraph17) */
} zh_dims;

/* Dimension `dim` of prefix.weight, else dim 0 of prefix.bias (so that one
 * missing tensor is reported alone, not as a cascade of shape errors), else dflt. */
static int64_t width_of(const ck_state_dict *sd, const char *prefix, int dim, int64_t dflt)
{
    char name[160];
    int64_t d = arch_dim(sd, arch_fmt(name, sizeof name, "%s.weight", prefix), dim);
    if (d < 0)
        d = arch_dim(sd, arch_fmt(name, sizeof name, "%s.bias", prefix), 0);
    return d < 0 ? dflt : d;
}

/* ---- the shared encoder ---------------------------------------------------------- */

static void infer_encoder(const ck_state_dict *sd, zh_dims *d, int64_t default_in)
{
    char p[64];
    d->in_ch = arch_dim(sd, "model1.0.weight", 1);
    if (d->in_ch < 0)
        d->in_ch = default_in;
    static const int64_t official[ZH_ENC] = {64, 128, 256, 512, 512, 512, 512};
    for (int b = 1; b <= ZH_ENC; b++)
        d->w[b] = width_of(sd, arch_fmt(p, sizeof p, "model%d.0", b), 0, official[b - 1]);
}

static void expect_encoder(arch_expect_list *l, const zh_dims *d)
{
    char p[64];
    for (int b = 1; b <= ZH_ENC; b++) {
        int n = enc_convs[b - 1];
        for (int k = 0; k < n; k++) {
            int64_t cin = k > 0 ? d->w[b] : b == 1 ? d->in_ch : d->w[b - 1];
            arch_expect_conv(l, arch_fmt(p, sizeof p, "model%d.%d", b, 2 * k), d->w[b], cin, 3,
                             3, 1);
        }
        arch_expect_bn(l, arch_fmt(p, sizeof p, "model%d.%d", b, 2 * n), d->w[b]);
    }
}

/* Transposed conv: PyTorch stores [in, out, kh, kw]. */
static void expect_deconv(arch_expect_list *l, const char *prefix, int64_t in, int64_t out)
{
    char name[160];
    arch_expect(l, arch_fmt(name, sizeof name, "%s.weight", prefix), 4, in, out, 4, 4);
    arch_expect(l, arch_fmt(name, sizeof name, "%s.bias", prefix), 1, out, 0, 0, 0);
}

/* prefix.weight (+ .bias) -> dst.weight (+ .bias), unchanged. */
static or_status copy_conv(const ck_state_dict *sd, or_model_builder *mb, const char *src,
                           const char *dst, int with_bias, or_err *err)
{
    char a[160], b[160];
    OR_TRY(arch_copy(sd, mb, arch_fmt(a, sizeof a, "%s.weight", src),
                     arch_fmt(b, sizeof b, "%s.weight", dst), err));
    if (!with_bias)
        return OR_OK;
    return arch_copy(sd, mb, arch_fmt(a, sizeof a, "%s.bias", src),
                     arch_fmt(b, sizeof b, "%s.bias", dst), err);
}

static or_status convert_encoder(const ck_state_dict *sd, or_model_builder *mb, or_err *err)
{
    char src[64], dst[64];
    for (int b = 1; b <= ZH_ENC; b++) {
        int n = enc_convs[b - 1];
        for (int k = 0; k < n; k++)
            OR_TRY(copy_conv(sd, mb, arch_fmt(src, sizeof src, "model%d.%d", b, 2 * k),
                             arch_fmt(dst, sizeof dst, "conv%d_%d", b, k + 1), 1, err));
        OR_TRY(arch_fold_bn_affine(sd, mb, arch_fmt(src, sizeof src, "model%d.%d", b, 2 * n),
                                   arch_fmt(dst, sizeof dst, "norm%d", b), ZH_BN_EPS, err));
    }
    return OR_OK;
}

/* A table row: source module -> canonical name. */
typedef struct {
    const char *src, *dst;
    int bias;
} zh_map;

static or_status convert_table(const ck_state_dict *sd, or_model_builder *mb, const zh_map *m,
                               int n, or_err *err)
{
    for (int i = 0; i < n; i++)
        OR_TRY(copy_conv(sd, mb, m[i].src, m[i].dst, m[i].bias, err));
    return OR_OK;
}

static void set_meta(or_model_builder *mb, const char *arch, const zh_dims *d)
{
    mb_meta_str(mb, "arch", arch);
    mb_meta_int(mb, "in_ch", d->in_ch);
    mb_meta_int(mb, "width", d->w[1]);
    mb_meta_int(mb, "classes", d->classes);
}

/* ---- ECCV16 ------------------------------------------------------------------------ */

static int eccv16_detect(const ck_state_dict *sd)
{
    return arch_has(sd, "model1.0.weight") && arch_has(sd, "model8.6.weight") &&
           arch_has(sd, "model_out.weight") && !arch_has(sd, "model8up.0.weight");
}

static void eccv16_expect(arch_expect_list *l, const zh_dims *d)
{
    expect_encoder(l, d);
    expect_deconv(l, "model8.0", d->w[7], d->w[8]);
    arch_expect_conv(l, "model8.2", d->w[8], d->w[8], 3, 3, 1);
    arch_expect_conv(l, "model8.4", d->w[8], d->w[8], 3, 3, 1);
    arch_expect_conv(l, "model8.6", d->classes, d->w[8], 1, 1, 1);
    arch_expect_conv(l, "model_out", 2, d->classes, 1, 1, 0);
}

static const zh_map eccv16_tail[] = {
    {"model8.0", "up8", 1},     {"model8.2", "conv8_1", 1}, {"model8.4", "conv8_2", 1},
    {"model8.6", "class", 1},   {"model_out", "out", 0},
};

static or_status eccv16_convert(const ck_state_dict *sd, or_model_builder *mb, or_err *err)
{
    zh_dims d = {0};
    infer_encoder(sd, &d, 1);
    d.w[8] = width_of(sd, "model8.0", 1, 256);
    d.classes = width_of(sd, "model8.6", 0, 313);
    arch_expect_list l = {0};
    eccv16_expect(&l, &d);
    or_status s = arch_check("eccv16", sd, &l, err);
    arch_expect_free(&l);
    OR_TRY(s);
    OR_TRY(convert_encoder(sd, mb, err));
    OR_TRY(convert_table(sd, mb, eccv16_tail, (int)(sizeof eccv16_tail / sizeof *eccv16_tail),
                         err));
    set_meta(mb, "eccv16", &d);
    return OR_OK;
}

/* ---- SIGGRAPH17 ---------------------------------------------------------------------- */

static int siggraph17_detect(const ck_state_dict *sd)
{
    return arch_has(sd, "model1.0.weight") && arch_has(sd, "model8up.0.weight") &&
           arch_has(sd, "model1short10.0.weight");
}

static void siggraph17_expect(arch_expect_list *l, const zh_dims *d)
{
    const int64_t *w = d->w;
    expect_encoder(l, d);
    expect_deconv(l, "model8up.0", w[7], w[8]);
    arch_expect_conv(l, "model3short8.0", w[8], w[3], 3, 3, 1);
    arch_expect_conv(l, "model8.1", w[8], w[8], 3, 3, 1);
    arch_expect_conv(l, "model8.3", w[8], w[8], 3, 3, 1);
    arch_expect_bn(l, "model8.5", w[8]);
    expect_deconv(l, "model9up.0", w[8], w[9]);
    arch_expect_conv(l, "model2short9.0", w[9], w[2], 3, 3, 1);
    arch_expect_conv(l, "model9.1", w[9], w[9], 3, 3, 1);
    arch_expect_bn(l, "model9.3", w[9]);
    expect_deconv(l, "model10up.0", w[9], w[10]);
    arch_expect_conv(l, "model1short10.0", w[10], w[1], 3, 3, 1);
    arch_expect_conv(l, "model10.1", w[10], w[10], 3, 3, 1);
    arch_expect_conv(l, "model_class.0", d->classes, w[8], 1, 1, 1);
    arch_expect_conv(l, "model_out.0", 2, w[10], 1, 1, 1);
}

static const zh_map siggraph17_tail[] = {
    {"model8up.0", "up8", 1},          {"model3short8.0", "short3_8", 1},
    {"model8.1", "conv8_1", 1},        {"model8.3", "conv8_2", 1},
    {"model9up.0", "up9", 1},          {"model2short9.0", "short2_9", 1},
    {"model9.1", "conv9_1", 1},        {"model10up.0", "up10", 1},
    {"model1short10.0", "short1_10", 1}, {"model10.1", "conv10_1", 1},
    {"model_class.0", "class", 1},     {"model_out.0", "out", 1},
};

static or_status siggraph17_convert(const ck_state_dict *sd, or_model_builder *mb, or_err *err)
{
    zh_dims d = {0};
    infer_encoder(sd, &d, 4);
    d.w[8] = width_of(sd, "model8up.0", 1, 256);
    d.w[9] = width_of(sd, "model9up.0", 1, 128);
    d.w[10] = width_of(sd, "model10up.0", 1, 128);
    d.classes = width_of(sd, "model_class.0", 0, 529);
    arch_expect_list l = {0};
    siggraph17_expect(&l, &d);
    or_status s = arch_check("siggraph17", sd, &l, err);
    arch_expect_free(&l);
    OR_TRY(s);
    OR_TRY(convert_encoder(sd, mb, err));
    OR_TRY(convert_table(sd, mb, siggraph17_tail,
                         (int)(sizeof siggraph17_tail / sizeof *siggraph17_tail), err));
    OR_TRY(arch_fold_bn_affine(sd, mb, "model8.5", "norm8", ZH_BN_EPS, err));
    OR_TRY(arch_fold_bn_affine(sd, mb, "model9.3", "norm9", ZH_BN_EPS, err));
    set_meta(mb, "siggraph17", &d);
    return OR_OK;
}

const or_arch or_arch_eccv16 = {
    "eccv16", "Zhang et al. ECCV16 colorization (L -> 313 ab bins -> ab)", eccv16_detect,
    eccv16_convert};
const or_arch or_arch_siggraph17 = {
    "siggraph17", "Zhang et al. SIGGRAPH17 user-guided colorization (L + hints -> ab)",
    siggraph17_detect, siggraph17_convert};
