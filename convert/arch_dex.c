/* arch_dex.c: Deep Exemplar-based Video Colorization (Zhang, He, Liao et al.,
 * CVPR 2019; zhangmozhe/Deep-Exemplar-based-Video-Colorization).
 *
 * The release is three files (colorization_checkpoint.zip), each a bare
 * state dict; convert_multi.c reads them, tells them apart by their tensors
 * (dex_part_of) and merges them under the prefixes below before this
 * converter sees them:
 *   vgg19.         data/vgg19_conv.pth: VGG19_feature_color_torchversion,
 *                  conv1_1 .. conv5_4 (weight [o,i,3,3] + bias [o])
 *   nonlocal_net.  checkpoints/video_moredata_l1/nonlocal_net_iter_76000.pth: WarpNet
 *                  layer2_1 .. layer5_1 (nn.Sequential: reflection pad, conv, IN,
 *                  PReLU [, Upsample], pad, conv, IN, PReLU [, Upsample]: convs at
 *                  1 and 5 (layer5_1: 6), PReLUs at 3 and 7 (layer5_1: 8));
 *                  layer.{0,1,2} (ResidualBlock: conv1, conv2, one prelu); theta, phi
 *   colornet.      checkpoints/video_moredata_l1/colornet_iter_76000.pth: ColorVidNet(7)
 *                  after its replacements (conv8_1/9_1/10_1 = Sequential(Upsample,
 *                  conv): the conv at .1; InstanceNorms: no tensors)
 * Every tensor of the three files is checked; all are written except
 * vgg19.conv5_3 and conv5_4 (relu5_2 is the deepest feature test.py asks for).
 * Output names (read by runtime/nets/net_dex*.c; docs/converters/deep_exemplar.md):
 *   vgg.convB_K                 the VGG convs up to conv5_2, unchanged
 *   warp.lN.conv1 / .conv2      layerN_1's two convs (N = 2..5)
 *   warp.lN.prelu1 / .prelu2    their PReLU slopes, the single [1] slope repeated to [C]
 *   warp.resR.conv1 / .conv2 / .prelu   layer.R (R = 0..2)
 *   warp.theta / warp.phi       the 1x1 convs
 *   color.conv1_1a / conv1_1b   colornet.conv1_1.0 / .2
 *   color.convB_K, color.convB_K_short, color.conv10_ab   unchanged names
 *   color.conv8_1 / 9_1 / 10_1  colornet.convN_1.1
 *   color.convB_Knorm_ss        the 1x1 depthwise stride-2 convs as per-channel
 *                               scales [C] (weight [C,1,1,1])
 * Every width is read from the shapes (the release: VGG 64..512, WarpNet 64
 * feature / 256 inner channels, ColorVidNet 32..512; the fixtures: /16) and the
 * three files are checked against each other (WarpNet's inputs are VGG's
 * relu2_2 .. relu5_2). */
#include <stdio.h>
#include <string.h>

#include "arch.h"
#include "arch_dex.h"

#define DEX_VGG_BLOCKS 5

static const int vgg_convs[DEX_VGG_BLOCKS] = {2, 2, 4, 4, 4};

typedef struct {
    int64_t vgg[DEX_VGG_BLOCKS + 1];   /* vgg[b]: width of block b (1..5) */
    int64_t mid[6];                    /* warp layerN_1's inner width (N = 2..5) */
    int64_t fc, inter;                 /* WarpNet feature channels (64), theta/phi (256) */
    int64_t in_ch;                     /* ColorVidNet input channels (7) */
    int64_t cw[6];                     /* ColorVidNet widths: 32, 64, 128, 256, 512 */
} dex_dims;

static int64_t dim_or(const ck_state_dict *sd, const char *name, int d, int64_t dflt)
{
    int64_t v = arch_dim(sd, name, d);
    return v < 0 ? dflt : v;
}

const char *dex_part_of(const ck_state_dict *sd)
{
    if (arch_has(sd, "theta.weight") && arch_has(sd, "phi.weight") &&
        arch_has(sd, "layer2_1.1.weight"))
        return DEX_PART_WARP;
    if (arch_has(sd, "conv10_ab.weight") && arch_has(sd, "conv1_1.0.weight"))
        return DEX_PART_COLOR;
    if (arch_has(sd, "conv1_1.weight") && arch_has(sd, "conv5_2.weight") &&
        arch_has(sd, "conv3_4.weight") && !arch_has(sd, "conv10_ab.weight"))
        return DEX_PART_VGG;
    return NULL;
}

static int dex_detect(const ck_state_dict *sd)
{
    return arch_has(sd, DEX_PART_WARP ".theta.weight") &&
           arch_has(sd, DEX_PART_COLOR ".conv10_ab.weight") &&
           arch_has(sd, DEX_PART_VGG ".conv1_1.weight");
}

static void infer(const ck_state_dict *sd, dex_dims *d)
{
    static const int64_t vgg_off[DEX_VGG_BLOCKS + 1] = {3, 64, 128, 256, 512, 512};
    static const int64_t mid_off[6] = {0, 0, 128, 128, 256, 256};
    static const int64_t cw_off[6] = {0, 32, 64, 128, 256, 512};
    char n[128];
    d->vgg[0] = 3;
    for (int b = 1; b <= DEX_VGG_BLOCKS; b++)
        d->vgg[b] = dim_or(sd, arch_fmt(n, sizeof n, "vgg19.conv%d_1.weight", b), 0, vgg_off[b]);
    for (int l = 2; l <= 5; l++)
        d->mid[l] =
            dim_or(sd, arch_fmt(n, sizeof n, "nonlocal_net.layer%d_1.1.weight", l), 0, mid_off[l]);
    d->fc = dim_or(sd, "nonlocal_net.layer2_1.5.weight", 0, 64);
    d->inter = dim_or(sd, "nonlocal_net.theta.weight", 0, 256);
    d->in_ch = dim_or(sd, "colornet.conv1_1.0.weight", 1, 7);
    d->cw[1] = dim_or(sd, "colornet.conv1_1.0.weight", 0, cw_off[1]);
    d->cw[2] = dim_or(sd, "colornet.conv1_1.2.weight", 0, cw_off[2]);
    d->cw[3] = dim_or(sd, "colornet.conv2_1.weight", 0, cw_off[3]);
    d->cw[4] = dim_or(sd, "colornet.conv3_1.weight", 0, cw_off[4]);
    d->cw[5] = dim_or(sd, "colornet.conv4_1.weight", 0, cw_off[5]);
}

/* ---- expectations ------------------------------------------------------------- */

static void expect_vgg(arch_expect_list *l, const dex_dims *d)
{
    char n[64];
    for (int b = 1; b <= DEX_VGG_BLOCKS; b++)
        for (int k = 1; k <= vgg_convs[b - 1]; k++)
            arch_expect_conv(l, arch_fmt(n, sizeof n, "vgg19.conv%d_%d", b, k), d->vgg[b],
                             k == 1 ? d->vgg[b - 1] : d->vgg[b], 3, 3, 1);
}

/* layerN_1: conv at 1 (+ PReLU at 3), conv at c2 (+ PReLU at c2 + 2). */
static int head_second_conv(int layer) { return layer == 5 ? 6 : 5; }

static void expect_warp(arch_expect_list *l, const dex_dims *d)
{
    char n[96];
    for (int L = 2; L <= 5; L++) {
        int c2 = head_second_conv(L);
        /* layerN_1 reads VGG's reluN_2: the width of VGG block N */
        arch_expect_conv(l, arch_fmt(n, sizeof n, "nonlocal_net.layer%d_1.1", L), d->mid[L],
                         d->vgg[L], 3, 3, 1);
        arch_expect(l, arch_fmt(n, sizeof n, "nonlocal_net.layer%d_1.3.weight", L), 1, 1, 0, 0, 0);
        arch_expect_conv(l, arch_fmt(n, sizeof n, "nonlocal_net.layer%d_1.%d", L, c2), d->fc,
                         d->mid[L], 3, 3, 1);
        arch_expect(l, arch_fmt(n, sizeof n, "nonlocal_net.layer%d_1.%d.weight", L, c2 + 2), 1, 1,
                    0, 0, 0);
    }
    for (int r = 0; r < 3; r++) {
        arch_expect_conv(l, arch_fmt(n, sizeof n, "nonlocal_net.layer.%d.conv1", r), 4 * d->fc,
                         4 * d->fc, 3, 3, 1);
        arch_expect_conv(l, arch_fmt(n, sizeof n, "nonlocal_net.layer.%d.conv2", r), 4 * d->fc,
                         4 * d->fc, 3, 3, 1);
        arch_expect(l, arch_fmt(n, sizeof n, "nonlocal_net.layer.%d.prelu.weight", r), 1, 1, 0, 0,
                    0);
    }
    arch_expect_conv(l, "nonlocal_net.theta", d->inter, 4 * d->fc, 1, 1, 1);
    arch_expect_conv(l, "nonlocal_net.phi", d->inter, 4 * d->fc, 1, 1, 1);
}

/* ColorVidNet's 3x3 convs: (name, out, in) in terms of the widths cw[1..5]. */
typedef struct {
    const char *src, *dst;
    int o, i; /* indices into cw; 0 for i: the input channels; -1 for o: 2 (ab) */
    int k;
} dex_cconv;

static const dex_cconv color_convs[] = {
    {"conv1_1.0", "conv1_1a", 1, 0, 3},    {"conv1_1.2", "conv1_1b", 2, 1, 3},
    {"conv1_2", "conv1_2", 2, 2, 3},       {"conv2_1", "conv2_1", 3, 2, 3},
    {"conv2_2", "conv2_2", 3, 3, 3},       {"conv3_1", "conv3_1", 4, 3, 3},
    {"conv3_2", "conv3_2", 4, 4, 3},       {"conv3_3", "conv3_3", 4, 4, 3},
    {"conv4_1", "conv4_1", 5, 4, 3},       {"conv4_2", "conv4_2", 5, 5, 3},
    {"conv4_3", "conv4_3", 5, 5, 3},       {"conv5_1", "conv5_1", 5, 5, 3},
    {"conv5_2", "conv5_2", 5, 5, 3},       {"conv5_3", "conv5_3", 5, 5, 3},
    {"conv6_1", "conv6_1", 5, 5, 3},       {"conv6_2", "conv6_2", 5, 5, 3},
    {"conv6_3", "conv6_3", 5, 5, 3},       {"conv7_1", "conv7_1", 5, 5, 3},
    {"conv7_2", "conv7_2", 5, 5, 3},       {"conv7_3", "conv7_3", 5, 5, 3},
    {"conv8_1.1", "conv8_1", 4, 5, 3},     {"conv3_3_short", "conv3_3_short", 4, 4, 3},
    {"conv8_2", "conv8_2", 4, 4, 3},       {"conv8_3", "conv8_3", 4, 4, 3},
    {"conv9_1.1", "conv9_1", 3, 4, 3},     {"conv2_2_short", "conv2_2_short", 3, 3, 3},
    {"conv9_2", "conv9_2", 3, 3, 3},       {"conv10_1.1", "conv10_1", 3, 3, 3},
    {"conv1_2_short", "conv1_2_short", 3, 2, 3}, {"conv10_2", "conv10_2", 3, 3, 3},
    {"conv10_ab", "conv10_ab", -1, 3, 1},
};
#define N_COLOR_CONVS (int)(sizeof color_convs / sizeof color_convs[0])

/* the depthwise stride-2 1x1 convs: name, width index */
static const struct {
    const char *name;
    int w;
} color_ss[] = {{"conv1_2norm_ss", 2}, {"conv2_2norm_ss", 3}, {"conv3_3norm_ss", 4}};

static int64_t cwidth(const dex_dims *d, int idx)
{
    return idx < 0 ? 2 : idx == 0 ? d->in_ch : d->cw[idx];
}

static void expect_color(arch_expect_list *l, const dex_dims *d)
{
    char n[96];
    for (int i = 0; i < N_COLOR_CONVS; i++) {
        const dex_cconv *c = &color_convs[i];
        arch_expect_conv(l, arch_fmt(n, sizeof n, "colornet.%s", c->src), cwidth(d, c->o),
                         cwidth(d, c->i), c->k, c->k, 1);
    }
    for (int i = 0; i < 3; i++)
        arch_expect(l, arch_fmt(n, sizeof n, "colornet.%s.weight", color_ss[i].name), 4,
                    d->cw[color_ss[i].w], 1, 1, 1);
}

/* ---- conversion --------------------------------------------------------------- */

static or_status copy_conv(const ck_state_dict *sd, or_model_builder *mb, const char *src,
                           const char *dst, or_err *err)
{
    char a[160], b[160];
    OR_TRY(arch_copy(sd, mb, arch_fmt(a, sizeof a, "%s.weight", src),
                     arch_fmt(b, sizeof b, "%s.weight", dst), err));
    return arch_copy(sd, mb, arch_fmt(a, sizeof a, "%s.bias", src),
                     arch_fmt(b, sizeof b, "%s.bias", dst), err);
}

/* The [1] slope of nn.PReLU() repeated to [c] (our PReLU takes one slope per channel). */
static or_status prelu(const ck_state_dict *sd, or_model_builder *mb, const char *src,
                       const char *dst, int64_t c, or_err *err)
{
    const ck_tensor *t = ckpt_find(sd, src);
    if (!t || t->numel != 1)
        return or_errf(err, OR_EFORMAT, "deep-exemplar: %s: expected one PReLU slope", src);
    float *p = mb_add_empty(mb, dst, 1, &c, err);
    if (!p)
        return OR_ENOMEM;
    for (int64_t i = 0; i < c; i++)
        p[i] = t->data[0];
    return OR_OK;
}

static or_status convert_vgg(const ck_state_dict *sd, or_model_builder *mb, or_err *err)
{
    char a[64], b[64];
    for (int bl = 1; bl <= DEX_VGG_BLOCKS; bl++)
        for (int k = 1; k <= vgg_convs[bl - 1]; k++) {
            if (bl == 5 && k > 2)
                continue; /* conv5_3, conv5_4: after relu5_2, never used */
            OR_TRY(copy_conv(sd, mb, arch_fmt(a, sizeof a, "vgg19.conv%d_%d", bl, k),
                             arch_fmt(b, sizeof b, "vgg.conv%d_%d", bl, k), err));
        }
    return OR_OK;
}

static or_status convert_warp(const ck_state_dict *sd, or_model_builder *mb, const dex_dims *d,
                              or_err *err)
{
    char a[96], b[96];
    for (int L = 2; L <= 5; L++) {
        int c2 = head_second_conv(L);
        OR_TRY(copy_conv(sd, mb, arch_fmt(a, sizeof a, "nonlocal_net.layer%d_1.1", L),
                         arch_fmt(b, sizeof b, "warp.l%d.conv1", L), err));
        OR_TRY(prelu(sd, mb, arch_fmt(a, sizeof a, "nonlocal_net.layer%d_1.3.weight", L),
                     arch_fmt(b, sizeof b, "warp.l%d.prelu1", L), d->mid[L], err));
        OR_TRY(copy_conv(sd, mb, arch_fmt(a, sizeof a, "nonlocal_net.layer%d_1.%d", L, c2),
                         arch_fmt(b, sizeof b, "warp.l%d.conv2", L), err));
        OR_TRY(prelu(sd, mb, arch_fmt(a, sizeof a, "nonlocal_net.layer%d_1.%d.weight", L, c2 + 2),
                     arch_fmt(b, sizeof b, "warp.l%d.prelu2", L), d->fc, err));
    }
    for (int r = 0; r < 3; r++) {
        OR_TRY(copy_conv(sd, mb, arch_fmt(a, sizeof a, "nonlocal_net.layer.%d.conv1", r),
                         arch_fmt(b, sizeof b, "warp.res%d.conv1", r), err));
        OR_TRY(copy_conv(sd, mb, arch_fmt(a, sizeof a, "nonlocal_net.layer.%d.conv2", r),
                         arch_fmt(b, sizeof b, "warp.res%d.conv2", r), err));
        OR_TRY(prelu(sd, mb, arch_fmt(a, sizeof a, "nonlocal_net.layer.%d.prelu.weight", r),
                     arch_fmt(b, sizeof b, "warp.res%d.prelu", r), 4 * d->fc, err));
    }
    OR_TRY(copy_conv(sd, mb, "nonlocal_net.theta", "warp.theta", err));
    return copy_conv(sd, mb, "nonlocal_net.phi", "warp.phi", err);
}

static or_status convert_color(const ck_state_dict *sd, or_model_builder *mb, or_err *err)
{
    char a[96], b[96];
    for (int i = 0; i < N_COLOR_CONVS; i++)
        OR_TRY(copy_conv(sd, mb, arch_fmt(a, sizeof a, "colornet.%s", color_convs[i].src),
                         arch_fmt(b, sizeof b, "color.%s", color_convs[i].dst), err));
    for (int i = 0; i < 3; i++) {
        const ck_tensor *t =
            ckpt_find(sd, arch_fmt(a, sizeof a, "colornet.%s.weight", color_ss[i].name));
        int64_t c = t->shape[0];
        OR_TRY(mb_add(mb, arch_fmt(b, sizeof b, "color.%s", color_ss[i].name), 1, &c, t->data,
                      err));
    }
    return OR_OK;
}

static or_status dex_convert(const ck_state_dict *sd, or_model_builder *mb, or_err *err)
{
    dex_dims d;
    infer(sd, &d);
    arch_expect_list l = {0};
    expect_vgg(&l, &d);
    expect_warp(&l, &d);
    expect_color(&l, &d);
    or_status s = arch_check("deep-exemplar", sd, &l, err);
    arch_expect_free(&l);
    OR_TRY(s);
    if (d.in_ch != 7)
        return or_errf(err, OR_EFORMAT,
                       "deep-exemplar: colornet takes %lld input channels: expected 7 (L, warped "
                       "ab, similarity, previous Lab)", (long long)d.in_ch);
    OR_TRY(convert_vgg(sd, mb, err));
    OR_TRY(convert_warp(sd, mb, &d, err));
    OR_TRY(convert_color(sd, mb, err));
    char k[32];
    for (int b = 1; b <= DEX_VGG_BLOCKS; b++)
        mb_meta_int(mb, arch_fmt(k, sizeof k, "vgg_width%d", b), d.vgg[b]);
    for (int L = 2; L <= 5; L++)
        mb_meta_int(mb, arch_fmt(k, sizeof k, "warp_mid%d", L), d.mid[L]);
    mb_meta_int(mb, "warp_features", d.fc);
    mb_meta_int(mb, "warp_inter", d.inter);
    for (int i = 1; i <= 5; i++)
        mb_meta_int(mb, arch_fmt(k, sizeof k, "color_width%d", i), d.cw[i]);
    return OR_OK;
}

const or_arch or_arch_deep_exemplar = {
    .name = "deep-exemplar",
    .description = "Deep Exemplar-based Video Colorization (3 files: WarpNet, ColorVidNet, VGG19)",
    .detect = dex_detect,
    .convert = dex_convert,
};
