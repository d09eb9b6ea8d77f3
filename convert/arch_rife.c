/* arch_rife.c: RIFE v4 frame interpolation (hzwer/Practical-RIFE IFNet_HDv3).
 *
 * Supported: the ResConv IFNet of v4.5 and later, with or without the v4.14+
 * feature head `encode` (Head: cnn0..cnn3).  The IFNet is block0..blockN-1:
 *   conv0.0.0 / conv0.1.0   conv3x3 stride 2 (+ LeakyReLU 0.2), widths c/2, c
 *   convblock.J (J 0..7)    lrelu(conv3x3(x) * beta + x), beta [1,c,1,1]
 *   lastconv.0              ConvTranspose2d(c, 4k, 4, 2, 1), then PixelShuffle(2)
 * Everything is read from the shapes: block count, widths, head widths, k,
 * and whether a block passes its k-5 extra channels ("feat") to the next.
 * The release is then named from a table of the official structures; two
 * releases with the same tensors get one family name ("4.25-4.26").
 *
 * The only fold: beta scales the conv output per channel, so it is folded
 * into the conv (w' = w*beta, b' = b*beta).  Tensors of the training-only
 * modules (teacher., caltime.) are accepted and dropped.  The names and the
 * metadata are listed in docs/converters/interpolate.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"

#define RIFE_MAX_BLOCKS 16
#define RIFE_RES_CONVS 8

typedef struct {
    int n_blocks;
    int64_t width[RIFE_MAX_BLOCKS];
    int64_t head_width, head_ch; /* 0, 0 without a feature head */
    int64_t k;                   /* lastconv channels after PixelShuffle: 4 flow + mask + feat */
    int64_t feat;                /* channels passed from one block to the next: 0 or k-5 */
    const char *version;
} rife_hparams;

/* ---- release table ------------------------------------------------------------- */

/* Official structures (HolyWu/vs-rife IFNet_HDv3_v4_*.py, Practical-RIFE
 * train_log).  Widths are compared as ratios so that a uniformly narrowed
 * network (the test fixtures) is still recognised. */
typedef struct {
    const char *version;
    int64_t head_width, head_ch, k, feat;
    int n_blocks;
    int64_t width[5];
} rife_release;

static const rife_release releases[] = {
    {"4.5", 0, 0, 5, 0, 4, {192, 128, 96, 64}},
    {"4.6", 0, 0, 6, 0, 4, {192, 128, 96, 64}},
    {"4.14-4.19,4.24", 32, 8, 6, 0, 4, {192, 128, 96, 64}},
    {"4.20", 32, 8, 6, 0, 4, {384, 192, 96, 48}},
    {"4.21-4.23", 32, 8, 13, 8, 4, {256, 192, 96, 48}},
    {"4.25-4.26", 16, 4, 13, 8, 5, {192, 128, 96, 64, 32}},
};

static int release_matches(const rife_release *r, const rife_hparams *h)
{
    if (r->head_width != h->head_width || r->head_ch != h->head_ch || r->k != h->k ||
        r->feat != h->feat || r->n_blocks != h->n_blocks)
        return 0;
    for (int i = 0; i < h->n_blocks; i++)
        if (h->width[i] * r->width[0] != r->width[i] * h->width[0])
            return 0;
    return 1;
}

static const char *release_of(const rife_hparams *h)
{
    for (size_t i = 0; i < sizeof releases / sizeof releases[0]; i++)
        if (release_matches(&releases[i], h))
            return releases[i].version;
    return "unknown";
}

/* ---- detection and hyperparameters ------------------------------------------------ */

static int rife_detect(const ck_state_dict *sd)
{
    return arch_has(sd, "block0.conv0.0.0.weight") &&
           (arch_has(sd, "block0.lastconv.0.weight") || arch_has(sd, "block0.lastconv.weight"));
}

/* Highest N with a tensor named "blockN.<something>"; -1 if none.  Scanning
 * (rather than counting from 0) reports a missing middle block as missing. */
static int max_block_index(const ck_state_dict *sd)
{
    int best = -1;
    for (int i = 0; i < sd->n; i++) {
        const char *s = sd->t[i].name;
        if (strncmp(s, "block", 5) != 0 || s[5] < '0' || s[5] > '9')
            continue;
        char *end;
        long v = strtol(s + 5, &end, 10);
        if (*end == '.' && v > best && v < 1000)
            best = (int)v;
    }
    return best;
}

static int64_t dim_of(const ck_state_dict *sd, const char *fmt, int block, int dim)
{
    char name[160];
    snprintf(name, sizeof name, fmt, block);
    return arch_dim(sd, name, dim);
}

/* Other IFNet generations share the block names but not the layer types:
 * say which one it is instead of listing every tensor as unexpected. */
static or_status rife_reject_other_versions(const ck_state_dict *sd, or_err *err)
{
    if (arch_has(sd, "block0.convblock.0.0.weight") || arch_has(sd, "block0.lastconv.weight"))
        return or_errf(err, OR_EUNSUPPORTED,
                       "rife: PReLU IFBlock (RIFE v4.0-v4.3, block0.convblock.0.0.weight / "
                       "block0.lastconv.weight) is not supported; v4.5 and later are");
    if (arch_has(sd, "encode.0.weight"))
        return or_errf(err, OR_EUNSUPPORTED,
                       "rife: Sequential feature encoder (encode.0.weight, RIFE v4.7-v4.13) "
                       "is not supported; v4.5, v4.6 and v4.14 and later are");
    return OR_OK;
}

static or_status rife_infer_blocks(const ck_state_dict *sd, rife_hparams *h, or_err *err)
{
    int last = max_block_index(sd);
    if (last < 0 || last >= RIFE_MAX_BLOCKS)
        return or_errf(err, OR_EUNSUPPORTED, "rife: %d IFBlocks (1..%d supported)", last + 1,
                       RIFE_MAX_BLOCKS);
    h->n_blocks = last + 1;
    for (int i = 0; i < h->n_blocks; i++) {
        int64_t c = dim_of(sd, "block%d.conv0.1.0.weight", i, 0);
        if (c < 0)
            c = dim_of(sd, "block%d.convblock.0.conv.weight", i, 0);
        if (c <= 0)
            return or_errf(err, OR_EFORMAT,
                           "rife: cannot infer the width of block%d: block%d.conv0.1.0.weight "
                           "and block%d.convblock.0.conv.weight are missing", i, i, i);
        h->width[i] = c;
    }
    int64_t up = arch_dim(sd, "block0.lastconv.0.weight", 1);
    if (up < 20 || up % 4 != 0)
        return or_errf(err, OR_ESHAPE,
                       "rife: block0.lastconv.0.weight has %lld output channels; expected 4*k "
                       "with k >= 5 (flow, mask, features)", (long long)up);
    h->k = up / 4;
    return OR_OK;
}

static or_status rife_infer(const ck_state_dict *sd, rife_hparams *h, or_err *err)
{
    memset(h, 0, sizeof *h);
    OR_TRY(rife_reject_other_versions(sd, err));
    OR_TRY(rife_infer_blocks(sd, h, err));
    if (arch_has(sd, "encode.cnn0.weight")) {
        h->head_width = arch_dim(sd, "encode.cnn0.weight", 0);
        h->head_ch = arch_dim(sd, "encode.cnn3.weight", 1);
        if (h->head_ch <= 0)
            return or_errf(err, OR_EFORMAT, "rife: encode.cnn3.weight [%lld,F,4,4] missing",
                           (long long)h->head_width);
    }
    /* Block inputs: block0 = 2 frames + timestep + 2 head features; later
     * blocks add the mask, the 4 flow channels and maybe the previous feat. */
    int64_t in1 = h->n_blocks > 1 ? dim_of(sd, "block%d.conv0.0.0.weight", 1, 1) : -1;
    h->feat = in1 == 12 + 2 * h->head_ch + (h->k - 5) ? h->k - 5 : 0;
    h->version = release_of(h);
    return OR_OK;
}

/* ---- expectation list and conversion ------------------------------------------------ */

static int64_t block_in_ch(const rife_hparams *h, int i)
{
    return i == 0 ? 7 + 2 * h->head_ch : 12 + 2 * h->head_ch + h->feat;
}

static void expect_convf(arch_expect_list *l, int64_t o, int64_t in, int64_t k,
                         const char *fmt, int i, int j)
{
    char name[160];
    snprintf(name, sizeof name, fmt, i, j);
    arch_expect_conv(l, name, o, in, k, k, 1);
}

static void expect_block(arch_expect_list *l, const rife_hparams *h, int i)
{
    int64_t c = h->width[i];
    char name[160];
    expect_convf(l, c / 2, block_in_ch(h, i), 3, "block%d.conv0.%d.0", i, 0);
    expect_convf(l, c, c / 2, 3, "block%d.conv0.%d.0", i, 1);
    for (int j = 0; j < RIFE_RES_CONVS; j++) {
        expect_convf(l, c, c, 3, "block%d.convblock.%d.conv", i, j);
        snprintf(name, sizeof name, "block%d.convblock.%d.beta", i, j);
        arch_expect(l, name, 4, 1, c, 1, 1);
    }
    snprintf(name, sizeof name, "block%d.lastconv.0.weight", i);
    arch_expect(l, name, 4, c, 4 * h->k, 4, 4);
    snprintf(name, sizeof name, "block%d.lastconv.0.bias", i);
    arch_expect(l, name, 1, 4 * h->k, 0, 0, 0);
}

static void expect_head(arch_expect_list *l, const rife_hparams *h)
{
    int64_t w = h->head_width;
    arch_expect_conv(l, "encode.cnn0", w, 3, 3, 3, 1);
    arch_expect_conv(l, "encode.cnn1", w, w, 3, 3, 1);
    arch_expect_conv(l, "encode.cnn2", w, w, 3, 3, 1);
    arch_expect(l, "encode.cnn3.weight", 4, w, h->head_ch, 4, 4);
    arch_expect(l, "encode.cnn3.bias", 1, h->head_ch, 0, 0, 0);
}

/* Training-only modules: accepted with whatever shape they have, not converted. */
static int is_training_only(const char *name)
{
    return strncmp(name, "teacher.", 8) == 0 || strncmp(name, "caltime.", 8) == 0;
}

static void expect_training_only(arch_expect_list *l, const ck_state_dict *sd)
{
    for (int i = 0; i < sd->n; i++) {
        const ck_tensor *t = &sd->t[i];
        if (!is_training_only(t->name) || t->ndim > 4)
            continue;
        int64_t d[4] = {0, 0, 0, 0};
        for (int k = 0; k < t->ndim; k++)
            d[k] = t->shape[k];
        arch_expect(l, t->name, t->ndim == 0 ? -1 : t->ndim, d[0], d[1], d[2], d[3]);
    }
}

static or_status rife_check(const ck_state_dict *sd, const rife_hparams *h, or_err *err)
{
    arch_expect_list l = {0};
    if (h->head_ch)
        expect_head(&l, h);
    for (int i = 0; i < h->n_blocks; i++)
        expect_block(&l, h, i);
    expect_training_only(&l, sd);
    or_status s = arch_check("rife", sd, &l, err);
    arch_expect_free(&l);
    return s;
}

static or_status copy_pair(const ck_state_dict *sd, or_model_builder *mb, const char *src,
                           const char *dst, or_err *err)
{
    char a[176], b[176]; /* callers' prefixes are < 160 */
    snprintf(a, sizeof a, "%s.weight", src);
    snprintf(b, sizeof b, "%s.weight", dst);
    OR_TRY(arch_copy(sd, mb, a, b, err));
    snprintf(a, sizeof a, "%s.bias", src);
    snprintf(b, sizeof b, "%s.bias", dst);
    return arch_copy(sd, mb, a, b, err);
}

/* lrelu(conv(x) * beta + x) == lrelu(conv'(x) + x) with conv' = conv scaled by beta. */
static or_status fold_beta(const ck_state_dict *sd, or_model_builder *mb, int i, int j, or_err *err)
{
    char name[160];
    snprintf(name, sizeof name, "block%d.convblock.%d.conv.weight", i, j);
    const ck_tensor *w = ckpt_find(sd, name);
    snprintf(name, sizeof name, "block%d.convblock.%d.conv.bias", i, j);
    const ck_tensor *b = ckpt_find(sd, name);
    snprintf(name, sizeof name, "block%d.convblock.%d.beta", i, j);
    const ck_tensor *beta = ckpt_find(sd, name);
    if (!w || !b || !beta) /* arch_check ran first: cannot happen */
        return or_errf(err, OR_EFORMAT, "rife: block%d.convblock.%d incomplete", i, j);
    int64_t o = w->shape[0], k = w->numel / o;
    snprintf(name, sizeof name, "block%d.res%d.weight", i, j);
    float *wo = mb_add_empty(mb, name, w->ndim, w->shape, err);
    snprintf(name, sizeof name, "block%d.res%d.bias", i, j);
    float *bo = wo ? mb_add_empty(mb, name, 1, &o, err) : NULL;
    if (!bo)
        return err ? err->code : OR_ENOMEM;
    for (int64_t c = 0; c < o; c++) {
        double s = beta->data[c];
        for (int64_t x = 0; x < k; x++)
            wo[c * k + x] = (float)((double)w->data[c * k + x] * s);
        bo[c] = (float)((double)b->data[c] * s);
    }
    return OR_OK;
}

static or_status convert_block(const ck_state_dict *sd, or_model_builder *mb, int i, or_err *err)
{
    char src[160], dst[160];
    for (int j = 0; j < 2; j++) {
        snprintf(src, sizeof src, "block%d.conv0.%d.0", i, j);
        snprintf(dst, sizeof dst, "block%d.conv%d", i, j);
        OR_TRY(copy_pair(sd, mb, src, dst, err));
    }
    for (int j = 0; j < RIFE_RES_CONVS; j++)
        OR_TRY(fold_beta(sd, mb, i, j, err));
    snprintf(src, sizeof src, "block%d.lastconv.0", i);
    snprintf(dst, sizeof dst, "block%d.up", i);
    return copy_pair(sd, mb, src, dst, err);
}

static void rife_meta(const rife_hparams *h, or_model_builder *mb)
{
    char key[32], scales[96] = "";
    mb_meta_str(mb, "arch", "rife");
    mb_meta_str(mb, "version", h->version);
    mb_meta_int(mb, "n_blocks", h->n_blocks);
    mb_meta_int(mb, "head_width", h->head_width);
    mb_meta_int(mb, "head_channels", h->head_ch);
    mb_meta_int(mb, "block_channels", h->k);
    mb_meta_int(mb, "feat_channels", h->feat);
    /* With a head each block's mask replaces the previous one; without, it is added. */
    mb_meta_str(mb, "mask", h->head_ch ? "replace" : "add");
    for (int i = 0; i < h->n_blocks; i++) {
        size_t n = strlen(scales);
        snprintf(scales + n, sizeof scales - n, "%s%d", i ? "," : "", 1 << (h->n_blocks - 1 - i));
        snprintf(key, sizeof key, "block%d.width", i);
        mb_meta_int(mb, key, h->width[i]);
    }
    mb_meta_str(mb, "scales", scales);
}

static or_status rife_convert(const ck_state_dict *sd, or_model_builder *mb, or_err *err)
{
    rife_hparams h;
    OR_TRY(rife_infer(sd, &h, err));
    OR_TRY(rife_check(sd, &h, err));
    if (h.head_ch) {
        static const char *const src[] = {"encode.cnn0", "encode.cnn1", "encode.cnn2",
                                          "encode.cnn3"};
        static const char *const dst[] = {"head.conv0", "head.conv1", "head.conv2",
                                          "head.deconv"};
        for (int i = 0; i < 4; i++)
            OR_TRY(copy_pair(sd, mb, src[i], dst[i], err));
    }
    for (int i = 0; i < h.n_blocks; i++)
        OR_TRY(convert_block(sd, mb, i, err));
    rife_meta(&h, mb);
    return OR_OK;
}

const or_arch or_arch_rife = {
    "rife", "RIFE v4.5+ frame interpolation (Practical-RIFE IFNet_HDv3 flownet.pkl)",
    rife_detect, rife_convert,
};
