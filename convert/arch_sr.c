/* arch_sr.c: the super-resolution family.
 *
 *   rrdbnet: ESRGAN / Real-ESRGAN RRDBNet, in its three tensor namings
 *            (BasicSR "real-esrgan", xinntao/ESRGAN "esrgan", and the first
 *            ESRGAN release's flattened Sequential "esrgan-old").
 *   srvgg:   Real-ESRGAN SRVGGNetCompact (realesr-animevideov3,
 *            realesr-general-x4v3).
 *
 * Neither network has normalization layers, so conversion is a rename: every
 * source tensor maps to exactly one canonical tensor, unchanged.  Both
 * converters build one table of layers (source prefix, canonical prefix,
 * expected channels) from the inferred hyperparameters, check the whole
 * state dict against it, then copy along it.  docs/converters/sr.md lists
 * the names. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"

/* ---- layer table ------------------------------------------------------------ */

typedef enum { LAYER_CONV3, LAYER_PRELU } layer_kind;

typedef struct {
    layer_kind kind;
    char src[128], dst[128]; /* prefixes, without .weight / .bias */
    int64_t out, in;         /* conv: [out,in,3,3] + bias [out]; prelu: weight [out] */
} sr_layer;

typedef struct {
    sr_layer *v;
    int n, cap;
    int oom;
} sr_layers;

static sr_layer *layer_push(sr_layers *l, layer_kind kind, int64_t out, int64_t in)
{
    if (l->n == l->cap) {
        int nc = l->cap ? l->cap * 2 : 64;
        sr_layer *nv = realloc(l->v, (size_t)nc * sizeof *nv);
        if (!nv) {
            l->oom = 1;
            return NULL;
        }
        l->v = nv;
        l->cap = nc;
    }
    sr_layer *y = &l->v[l->n++];
    y->kind = kind;
    y->out = out;
    y->in = in;
    return y;
}

/* Add a layer; dst is a plain string, the source prefix is printf-formatted. */
static void layer_add(sr_layers *l, layer_kind kind, int64_t out, int64_t in, const char *dst,
                      const char *src_fmt, ...) __attribute__((format(printf, 6, 7)));
static void layer_add(sr_layers *l, layer_kind kind, int64_t out, int64_t in, const char *dst,
                      const char *src_fmt, ...)
{
    sr_layer *y = layer_push(l, kind, out, in);
    if (!y)
        return;
    snprintf(y->dst, sizeof y->dst, "%s", dst);
    va_list ap;
    va_start(ap, src_fmt);
    vsnprintf(y->src, sizeof y->src, src_fmt, ap);
    va_end(ap);
}

/* Check every tensor of sd against the table (one message listing all
 * differences), then copy each source tensor under its canonical name. */
static or_status layers_check_and_copy(const char *arch, const ck_state_dict *sd,
                                       const sr_layers *l, or_model_builder *mb, or_err *err)
{
    if (l->oom)
        return or_errf(err, OR_ENOMEM, "%s: out of memory building the layer table", OR_ESC(arch));
    arch_expect_list ex = {0};
    char name[160];
    for (int i = 0; i < l->n; i++) {
        const sr_layer *y = &l->v[i];
        if (y->kind == LAYER_CONV3) {
            arch_expect_conv(&ex, y->src, y->out, y->in, 3, 3, 1);
        } else {
            snprintf(name, sizeof name, "%s.weight", y->src);
            arch_expect(&ex, name, 1, y->out, 0, 0, 0);
        }
    }
    or_status s = arch_check(arch, sd, &ex, err);
    arch_expect_free(&ex);
    static const char *leaves[] = {"weight", "bias"};
    char dst[160];
    for (int i = 0; i < l->n && s == OR_OK; i++) {
        const sr_layer *y = &l->v[i];
        int n_leaves = y->kind == LAYER_CONV3 ? 2 : 1;
        for (int k = 0; k < n_leaves && s == OR_OK; k++) {
            snprintf(name, sizeof name, "%s.%s", y->src, leaves[k]);
            snprintf(dst, sizeof dst, "%s.%s", y->dst, leaves[k]);
            s = arch_copy(sd, mb, name, dst, err);
        }
    }
    return s;
}

/* Largest N such that some tensor is named prefix + N + rest with rest
 * starting with `then`; -1 if none.  Used instead of counting consecutive
 * indices so that a missing tensor in the middle is reported as missing
 * rather than silently shortening the network. */
static int max_index(const ck_state_dict *sd, const char *prefix, const char *then)
{
    size_t np = strlen(prefix), nt = strlen(then);
    int best = -1;
    for (int i = 0; i < sd->n; i++) {
        const char *s = sd->t[i].name;
        if (strncmp(s, prefix, np) != 0 || s[np] < '0' || s[np] > '9')
            continue;
        char *end;
        long v = strtol(s + np, &end, 10);
        if (strncmp(end, then, nt) == 0 && v > best && v < 100000)
            best = (int)v;
    }
    return best;
}

static int has_prefix_only(const ck_state_dict *sd, const char *prefix)
{
    size_t np = strlen(prefix);
    for (int i = 0; i < sd->n; i++)
        if (strncmp(sd->t[i].name, prefix, np) != 0)
            return 0;
    return sd->n > 0;
}

/* Dimension of a tensor the hyperparameters are read from; a clear error when absent. */
static or_status need_dim(const char *arch, const ck_state_dict *sd, const char *name, int dim,
                          const char *what, int64_t *out, or_err *err)
{
    *out = arch_dim(sd, name, dim);
    if (*out <= 0)
        return or_errf(err, OR_EFORMAT, "%s: cannot infer %s: tensor %s missing or not %d-d",
                       OR_ESC(arch), what, OR_ESC(name), dim + 1);
    return OR_OK;
}

/* ---- RRDBNet ------------------------------------------------------------------ */

typedef enum { NAMING_REAL_ESRGAN, NAMING_ESRGAN, NAMING_ESRGAN_OLD } rrdb_naming;

static const char *const naming_names[] = {"real-esrgan", "esrgan", "esrgan-old"};

/* Tensor that identifies each naming: the first dense conv of the first block. */
static const char *const naming_markers[] = {
    "body.0.rdb1.conv1.weight",
    "RRDB_trunk.0.RDB1.conv1.weight",
    "model.1.sub.0.RDB1.conv1.0.weight",
};

typedef struct {
    rrdb_naming naming;
    int64_t num_in_ch, num_out_ch, num_feat, num_grow_ch;
    int num_block, num_upconv, unshuffle, scale;
} rrdb_hparams;

static int rrdb_naming_of(const ck_state_dict *sd)
{
    for (int k = 0; k < 3; k++)
        if (arch_has(sd, naming_markers[k]))
            return k;
    return -1;
}

static int rrdb_detect(const ck_state_dict *sd) { return rrdb_naming_of(sd) >= 0; }

/* Source prefixes of the non-block convs.  In the old naming the trunk conv is
 * the last entry of the shortcut's Sequential (after the blocks), and each
 * nearest-x2 upsampler is Upsample, Conv, LeakyReLU: convs at 3, 6, ..., then
 * the HR conv and the last conv two apart (activation in between). */
static void rrdb_src_first(const rrdb_hparams *h, char *b, size_t n)
{
    snprintf(b, n, "%s", h->naming == NAMING_ESRGAN_OLD ? "model.0" : "conv_first");
}

static void rrdb_src_last(const rrdb_hparams *h, char *b, size_t n)
{
    if (h->naming == NAMING_ESRGAN_OLD)
        snprintf(b, n, "model.%d", 3 * h->num_upconv + 4);
    else
        snprintf(b, n, "conv_last");
}

/* Number of upsampling convs, from the largest index present. */
static int rrdb_count_upconv(const ck_state_dict *sd, rrdb_naming naming, or_err *err)
{
    if (naming == NAMING_REAL_ESRGAN)
        return max_index(sd, "conv_up", ".");
    if (naming == NAMING_ESRGAN)
        return max_index(sd, "upconv", ".");
    int last = max_index(sd, "model.", ".");
    if (last < 4 || (last - 4) % 3 != 0) {
        or_errf(err, OR_EFORMAT,
                "rrdbnet: esrgan-old naming: last layer index model.%d is not 3*n+4 "
                "(n nearest-x2 upsamplers)", last);
        return -2;
    }
    return (last - 4) / 3;
}

static int rrdb_count_blocks(const ck_state_dict *sd, rrdb_naming naming)
{
    static const char *const prefix[] = {"body.", "RRDB_trunk.", "model.1.sub."};
    static const char *const then[] = {".rdb", ".RDB", ".RDB"};
    return max_index(sd, prefix[naming], then[naming]) + 1;
}

/* Input channels seen by conv_first = num_in_ch * unshuffle^2; the x2 / x1
 * Real-ESRGAN models pixel-unshuffle the input by 2 / 4.  num_in_ch is assumed
 * equal to num_out_ch when the ratio is 4 or 16 (RGB in, RGB out). */
static or_status rrdb_io_channels(rrdb_hparams *h, int64_t first_in, or_err *err)
{
    h->unshuffle = 1;
    h->num_in_ch = first_in;
    if (first_in == 4 * h->num_out_ch)
        h->unshuffle = 2;
    else if (first_in == 16 * h->num_out_ch)
        h->unshuffle = 4;
    if (h->unshuffle > 1)
        h->num_in_ch = h->num_out_ch;
    int up = 1 << h->num_upconv;
    if (up % h->unshuffle != 0)
        return or_errf(err, OR_EUNSUPPORTED,
                       "rrdbnet: %d upsampling conv(s) with pixel-unshuffle %d gives a scale "
                       "below 1", h->num_upconv, h->unshuffle);
    h->scale = up / h->unshuffle;
    return OR_OK;
}

static or_status rrdb_infer(const ck_state_dict *sd, rrdb_hparams *h, or_err *err)
{
    int naming = rrdb_naming_of(sd);
    if (naming < 0)
        return or_errf(err, OR_EFORMAT, "rrdbnet: none of %s, %s, %s present",
                       OR_ESC(naming_markers[0]), OR_ESC(naming_markers[1]),
                       OR_ESC(naming_markers[2]));
    h->naming = (rrdb_naming)naming;
    h->num_block = rrdb_count_blocks(sd, h->naming);
    h->num_upconv = rrdb_count_upconv(sd, h->naming, err);
    if (h->num_upconv < -1)
        return err ? err->code : OR_EFORMAT;
    if (h->num_upconv < 0)
        h->num_upconv = 0;
    if (h->num_upconv > 4)
        return or_errf(err, OR_EUNSUPPORTED, "rrdbnet: %d upsampling convs (at most 4)",
                       h->num_upconv);
    char first[64], last[64], name[160];
    int64_t first_in;
    rrdb_src_first(h, first, sizeof first);
    rrdb_src_last(h, last, sizeof last);
    snprintf(name, sizeof name, "%s.weight", first);
    OR_TRY(need_dim("rrdbnet", sd, name, 0, "num_feat", &h->num_feat, err));
    OR_TRY(need_dim("rrdbnet", sd, name, 1, "num_in_ch", &first_in, err));
    snprintf(name, sizeof name, "%s.weight", last);
    OR_TRY(need_dim("rrdbnet", sd, name, 0, "num_out_ch", &h->num_out_ch, err));
    OR_TRY(need_dim("rrdbnet", sd, naming_markers[h->naming], 0, "num_grow_ch", &h->num_grow_ch,
                    err));
    return rrdb_io_channels(h, first_in, err);
}

static void rrdb_block_layers(const rrdb_hparams *h, sr_layers *l)
{
    static const char *const src_fmt[] = {"body.%d.rdb%d.conv%d", "RRDB_trunk.%d.RDB%d.conv%d",
                                          "model.1.sub.%d.RDB%d.conv%d.0"};
    int64_t nf = h->num_feat, gc = h->num_grow_ch;
    char dst[128];
    for (int b = 0; b < h->num_block; b++)
        for (int r = 1; r <= 3; r++)
            for (int c = 1; c <= 5; c++) {
                snprintf(dst, sizeof dst, "body.%d.rdb%d.conv%d", b, r, c);
                layer_add(l, LAYER_CONV3, c == 5 ? nf : gc, nf + (c - 1) * gc, dst,
                          src_fmt[h->naming], b, r, c);
            }
}

static void rrdb_layers(const rrdb_hparams *h, sr_layers *l)
{
    int64_t nf = h->num_feat;
    int old = h->naming == NAMING_ESRGAN_OLD, esr = h->naming == NAMING_ESRGAN;
    char src[64], dst[32];
    rrdb_src_first(h, src, sizeof src);
    layer_add(l, LAYER_CONV3, nf, h->num_in_ch * h->unshuffle * h->unshuffle, "conv_first", "%s",
              src);
    rrdb_block_layers(h, l);
    if (old)
        layer_add(l, LAYER_CONV3, nf, nf, "conv_body", "model.1.sub.%d", h->num_block);
    else
        layer_add(l, LAYER_CONV3, nf, nf, "conv_body", "%s", esr ? "trunk_conv" : "conv_body");
    for (int k = 1; k <= h->num_upconv; k++) {
        snprintf(dst, sizeof dst, "conv_up%d", k);
        if (old)
            layer_add(l, LAYER_CONV3, nf, nf, dst, "model.%d", 3 * k);
        else
            layer_add(l, LAYER_CONV3, nf, nf, dst, esr ? "upconv%d" : "conv_up%d", k);
    }
    if (old)
        layer_add(l, LAYER_CONV3, nf, nf, "conv_hr", "model.%d", 3 * h->num_upconv + 2);
    else
        layer_add(l, LAYER_CONV3, nf, nf, "conv_hr", "%s", esr ? "HRconv" : "conv_hr");
    rrdb_src_last(h, src, sizeof src);
    layer_add(l, LAYER_CONV3, h->num_out_ch, nf, "conv_last", "%s", src);
}

static void rrdb_meta(const rrdb_hparams *h, or_model_builder *mb)
{
    mb_meta_str(mb, "arch", "rrdbnet");
    mb_meta_str(mb, "naming", naming_names[h->naming]);
    mb_meta_int(mb, "num_in_ch", h->num_in_ch);
    mb_meta_int(mb, "num_out_ch", h->num_out_ch);
    mb_meta_int(mb, "num_feat", h->num_feat);
    mb_meta_int(mb, "num_grow_ch", h->num_grow_ch);
    mb_meta_int(mb, "num_block", h->num_block);
    mb_meta_int(mb, "num_upconv", h->num_upconv);
    mb_meta_int(mb, "pixel_unshuffle", h->unshuffle);
    mb_meta_int(mb, "scale", h->scale);
}

static or_status rrdb_convert(const ck_state_dict *sd, or_model_builder *mb, or_err *err)
{
    rrdb_hparams h = {0};
    OR_TRY(rrdb_infer(sd, &h, err));
    sr_layers l = {0};
    rrdb_layers(&h, &l);
    or_status s = layers_check_and_copy("rrdbnet", sd, &l, mb, err);
    free(l.v);
    if (s == OR_OK)
        rrdb_meta(&h, mb);
    return s;
}

const or_arch or_arch_rrdbnet = {
    "rrdbnet",
    "ESRGAN / Real-ESRGAN RRDBNet (x4, x2 and x1 via pixel-unshuffle; BasicSR, ESRGAN and "
    "old ESRGAN namings)",
    rrdb_detect,
    rrdb_convert,
};

/* ---- SRVGGNetCompact ---------------------------------------------------------- */

/* body is a ModuleList: conv, act, (conv, act) * num_conv, conv.  Activations
 * are list entries even when parameter-free (ReLU, LeakyReLU), so convs sit
 * at the even indices and PReLU weights, when present, at the odd ones. */
typedef struct {
    int64_t num_in_ch, num_out_ch, num_feat;
    int num_conv, scale, prelu;
} srvgg_hparams;

static int srvgg_detect(const ck_state_dict *sd)
{
    return arch_has(sd, "body.0.weight") && arch_has(sd, "body.2.weight") &&
           !arch_has(sd, "body.0.rdb1.conv1.weight") && has_prefix_only(sd, "body.");
}

static int isqrt_exact(int64_t v)
{
    for (int s = 1; (int64_t)s * s <= v; s++)
        if ((int64_t)s * s == v)
            return s;
    return -1;
}

static or_status srvgg_infer(const ck_state_dict *sd, srvgg_hparams *h, or_err *err)
{
    int last = max_index(sd, "body.", ".");
    last += last % 2; /* a trailing activation index means the last conv is missing */
    if (last < 2)
        return or_errf(err, OR_EFORMAT, "srvgg: need at least body.0 and body.2 convs");
    h->num_conv = last / 2 - 1;
    OR_TRY(need_dim("srvgg", sd, "body.0.weight", 0, "num_feat", &h->num_feat, err));
    OR_TRY(need_dim("srvgg", sd, "body.0.weight", 1, "num_in_ch", &h->num_in_ch, err));
    char name[64];
    int64_t out;
    snprintf(name, sizeof name, "body.%d.weight", last);
    OR_TRY(need_dim("srvgg", sd, name, 0, "scale", &out, err));
    /* The last conv has num_out_ch * scale^2 channels; num_out_ch = num_in_ch
     * (RGB to RGB, and the output adds the upsampled input). */
    h->num_out_ch = h->num_in_ch;
    h->scale = out % h->num_out_ch == 0 ? isqrt_exact(out / h->num_out_ch) : -1;
    if (h->scale < 1)
        return or_errf(err, OR_ESHAPE,
                       "srvgg: tensor %s: %lld output channels is not num_out_ch*scale^2 "
                       "with num_out_ch %lld",
                       OR_ESC(name), (long long)out, (long long)h->num_out_ch);
    /* PReLU has a weight per channel; ReLU / LeakyReLU(0.1) have none and
     * cannot be told apart: Real-ESRGAN's non-PReLU option is LeakyReLU. */
    h->prelu = arch_has(sd, "body.1.weight");
    return OR_OK;
}

static void srvgg_layers(const srvgg_hparams *h, sr_layers *l)
{
    char dst[32];
    for (int k = 0; k <= h->num_conv + 1; k++) {
        int64_t out = k == h->num_conv + 1 ? h->num_out_ch * h->scale * h->scale : h->num_feat;
        snprintf(dst, sizeof dst, "conv.%d", k);
        layer_add(l, LAYER_CONV3, out, k == 0 ? h->num_in_ch : h->num_feat, dst, "body.%d", 2 * k);
        if (h->prelu && k <= h->num_conv) {
            snprintf(dst, sizeof dst, "prelu.%d", k);
            layer_add(l, LAYER_PRELU, h->num_feat, 0, dst, "body.%d", 2 * k + 1);
        }
    }
}

static void srvgg_meta(const srvgg_hparams *h, or_model_builder *mb)
{
    mb_meta_str(mb, "arch", "srvgg");
    mb_meta_int(mb, "num_in_ch", h->num_in_ch);
    mb_meta_int(mb, "num_out_ch", h->num_out_ch);
    mb_meta_int(mb, "num_feat", h->num_feat);
    mb_meta_int(mb, "num_conv", h->num_conv);
    mb_meta_int(mb, "scale", h->scale);
    mb_meta_str(mb, "act", h->prelu ? "prelu" : "lrelu");
}

static or_status srvgg_convert(const ck_state_dict *sd, or_model_builder *mb, or_err *err)
{
    srvgg_hparams h = {0};
    OR_TRY(srvgg_infer(sd, &h, err));
    sr_layers l = {0};
    srvgg_layers(&h, &l);
    or_status s = layers_check_and_copy("srvgg", sd, &l, mb, err);
    free(l.v);
    if (s == OR_OK)
        srvgg_meta(&h, mb);
    return s;
}

const or_arch or_arch_srvgg = {
    "srvgg",
    "Real-ESRGAN SRVGGNetCompact (realesr-animevideov3, realesr-general-x4v3)",
    srvgg_detect,
    srvgg_convert,
};
