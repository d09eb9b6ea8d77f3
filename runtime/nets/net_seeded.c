/* net_seeded.c: networks from metadata alone with deterministic random weights
 * (net_seeded.h).  Two passes over the network's own loader:
 *   1. discovery: the metadata as a safetensors file without tensors; while it
 *      runs, or_net_discovery_of(f) is set and runtime/nets/net.c records every
 *      (name, shape) the loader asks for instead of reading it;
 *   2. load: an in-memory safetensors file (f32) with seeded values for exactly
 *      those tensors, parsed by st_parse and given to the same loader. */
#include "net_seeded.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weights/json.h"
#include "net_internal.h"

/* ---- metadata: JSON object or key=value pairs ------------------------------------ */

typedef struct {
    char **k, **v;
    int n, cap;
} kv_list;

static void kv_free(kv_list *l)
{
    for (int i = 0; i < l->n; i++) {
        free(l->k[i]);
        free(l->v[i]);
    }
    free(l->k);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static or_status kv_add(kv_list *l, const char *k, size_t klen, const char *v, size_t vlen,
                        or_err *err)
{
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        char **nk = realloc(l->k, (size_t)cap * sizeof *nk);
        if (nk)
            l->k = nk;
        char **nv = realloc(l->v, (size_t)cap * sizeof *nv);
        if (nv)
            l->v = nv;
        if (!nk || !nv)
            return or_errf(err, OR_ENOMEM, "seeded metadata: out of memory");
        l->cap = cap;
    }
    l->k[l->n] = strndup(k, klen);
    l->v[l->n] = strndup(v, vlen);
    if (!l->k[l->n] || !l->v[l->n]) {
        free(l->k[l->n]);
        free(l->v[l->n]);
        return or_errf(err, OR_ENOMEM, "seeded metadata: out of memory");
    }
    l->n++;
    return OR_OK;
}

static or_status parse_json_meta(const char *text, kv_list *l, or_err *err)
{
    json_value *root;
    OR_TRY(json_parse(text, strlen(text), "seeded metadata", &root, err));
    or_status s = OR_OK;
    if (root->type != JSON_OBJECT)
        s = or_errf(err, OR_EFORMAT, "seeded metadata: expected a JSON object");
    for (size_t i = 0; s == OR_OK && i < root->n; i++) {
        const json_value *v = &root->items[i];
        char num[64];
        const char *val = v->str;
        if (v->type == JSON_NUMBER) {
            snprintf(num, sizeof num, "%.17g", v->num);
            val = num;
        } else if (v->type != JSON_STRING) {
            s = or_errf(err, OR_EFORMAT, "seeded metadata: %s: expected a string or a number",
                        root->keys[i]);
            break;
        }
        s = kv_add(l, root->keys[i], strlen(root->keys[i]), val, strlen(val), err);
    }
    json_free(root);
    return s;
}

static or_status parse_kv_meta(const char *p, kv_list *l, or_err *err)
{
    while (*p) {
        while (*p && (isspace((unsigned char)*p) || *p == ';'))
            p++;
        if (!*p)
            break;
        const char *start = p;
        while (*p && !isspace((unsigned char)*p) && *p != ';')
            p++;
        const char *eq = memchr(start, '=', (size_t)(p - start));
        if (!eq || eq == start)
            return or_errf(err, OR_EINVAL, "seeded metadata: '%.*s': expected key=value",
                           (int)(p - start), start);
        OR_TRY(kv_add(l, start, (size_t)(eq - start), eq + 1, (size_t)(p - eq - 1), err));
    }
    return OR_OK;
}

static or_status parse_meta(const char *meta, kv_list *l, or_err *err)
{
    memset(l, 0, sizeof *l);
    const char *p = meta ? meta : "";
    while (isspace((unsigned char)*p))
        p++;
    or_status s = *p == '{' ? parse_json_meta(p, l, err) : parse_kv_meta(p, l, err);
    if (s == OR_OK && l->n == 0)
        s = or_errf(err, OR_EINVAL, "seeded metadata: empty (needs at least arch=...)");
    if (s != OR_OK)
        kv_free(l);
    return s;
}

static const char *kv_get(const kv_list *l, const char *key)
{
    const char *v = NULL;
    for (int i = 0; i < l->n; i++) /* the last one wins, as in mb_meta_str */
        if (strcmp(l->k[i], key) == 0)
            v = l->v[i];
    return v;
}

/* ---- an in-memory safetensors file ---------------------------------------------------- */

typedef struct {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->s = p, b->cap = cap;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}

static void sb_puts(sbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }

static void sb_json_str(sbuf *b, const char *s)
{
    sb_puts(b, "\"");
    for (; *s; s++) {
        char esc[8];
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            esc[0] = '\\', esc[1] = (char)c, esc[2] = 0;
            sb_puts(b, esc);
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", c);
            sb_puts(b, esc);
        } else {
            sb_putn(b, (const char *)&c, 1);
        }
    }
    sb_puts(b, "\"");
}

/* Header + data of a safetensors file with the metadata l and the tensors of wl
 * (f32, data filled by fill()); *buf is malloc'ed. */
static or_status build_file(const kv_list *l, const or_net_weight_list *wl, uint64_t seed,
                            uint8_t **buf, size_t *len, or_err *err);

/* ---- seeded values ----------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
    return h;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void fill_values(const or_net_weight_spec *t, uint64_t seed, float *dst)
{
    int64_t numel = 1, fan_in = 1;
    for (int i = 0; i < t->ndim; i++) {
        numel *= t->shape[i];
        if (i > 0)
            fan_in *= t->shape[i];
    }
    float constant = NAN, bound = 0.1f;
    if (ends_with(t->name, ".bias") || ends_with(t->name, ".shift"))
        constant = 0.0f;
    else if (ends_with(t->name, ".scale"))
        constant = 1.0f;
    else if (ends_with(t->name, ".weight") && t->ndim == 1)
        constant = 0.25f; /* PReLU slopes (PyTorch's default init) */
    else if (ends_with(t->name, ".weight"))
        bound = (float)sqrt(6.0 / (double)(fan_in > 0 ? fan_in : 1));
    if (!isnan(constant)) {
        for (int64_t i = 0; i < numel; i++)
            dst[i] = constant;
        return;
    }
    uint64_t s = seed ^ fnv1a(t->name);
    for (int64_t i = 0; i < numel; i++) {
        double u = (double)(splitmix64(&s) >> 11) * (1.0 / 9007199254740992.0); /* [0,1) */
        dst[i] = (float)((2.0 * u - 1.0) * bound);
    }
}

static or_status build_file(const kv_list *l, const or_net_weight_list *wl, uint64_t seed,
                            uint8_t **buf, size_t *len, or_err *err)
{
    sbuf h = {0};
    char tmp[160];
    sb_puts(&h, "{\"__metadata__\":{");
    for (int i = 0; i < l->n; i++) {
        if (i)
            sb_puts(&h, ",");
        sb_json_str(&h, l->k[i]);
        sb_puts(&h, ":");
        sb_json_str(&h, l->v[i]);
    }
    sb_puts(&h, "}");
    size_t off = 0;
    for (int i = 0; wl && i < wl->n; i++) {
        const or_net_weight_spec *t = &wl->w[i];
        size_t numel = 1;
        sb_puts(&h, ",");
        sb_json_str(&h, t->name);
        sb_puts(&h, ":{\"dtype\":\"F32\",\"shape\":[");
        for (int d = 0; d < t->ndim; d++) {
            snprintf(tmp, sizeof tmp, "%s%lld", d ? "," : "", (long long)t->shape[d]);
            sb_puts(&h, tmp);
            numel *= (size_t)t->shape[d];
        }
        snprintf(tmp, sizeof tmp, "],\"data_offsets\":[%zu,%zu]}", off, off + 4 * numel);
        sb_puts(&h, tmp);
        off += 4 * numel;
    }
    sb_puts(&h, "}");
    while (h.n % 8)
        sb_puts(&h, " ");
    if (h.oom) {
        free(h.s);
        return or_errf(err, OR_ENOMEM, "seeded weights: out of host memory for the header");
    }
    *len = 8 + h.n + off;
    *buf = malloc(*len);
    if (!*buf) {
        free(h.s);
        return or_errf(err, OR_ENOMEM, "seeded weights: out of host memory (%zu MiB)",
                       *len >> 20);
    }
    uint64_t hn = h.n;
    for (int i = 0; i < 8; i++)
        (*buf)[i] = (uint8_t)(hn >> (8 * i));
    memcpy(*buf + 8, h.s, h.n);
    free(h.s);
    uint8_t *data = *buf + 8 + hn;
    for (int i = 0; wl && i < wl->n; i++) {
        fill_values(&wl->w[i], seed, (float *)(void *)data); /* 8-byte aligned: header padded */
        size_t numel = 1;
        for (int d = 0; d < wl->w[i].ndim; d++)
            numel *= (size_t)wl->w[i].shape[d];
        data += 4 * numel;
    }
    return OR_OK;
}

/* The constructor for the metadata's arch: net.c's dispatch (or_net_load_st). */
static or_status find_ctor(const kv_list *l, or_status (**load)(const st_file *, or_backend *,
                                                                 or_dtype, or_net **, or_err *),
                           or_err *err)
{
    const char *arch = kv_get(l, "arch");
    if (!arch)
        return or_errf(err, OR_EINVAL, "seeded metadata: no 'arch'");
    if (!or_net_arch_known(arch))
        return or_errf(err, OR_EUNSUPPORTED, "seeded metadata: architecture '%s' has no network",
                       arch);
    *load = or_net_load_st;
    return OR_OK;
}

static or_status discover(const kv_list *l, or_backend *be, or_dtype dtype,
                          or_net_weight_list *out, or_err *err)
{
    or_status (*load)(const st_file *, or_backend *, or_dtype, or_net **, or_err *);
    memset(out, 0, sizeof *out);
    OR_TRY(find_ctor(l, &load, err));
    if (be->kind == OR_BACKEND_CPU && dtype != OR_F32)
        return or_errf(err, OR_EUNSUPPORTED, "seeded %s: the CPU backend computes in f32, not %s",
                       kv_get(l, "arch"), or_dtype_name(dtype));
    uint8_t *buf;
    size_t len;
    OR_TRY(build_file(l, NULL, 0, &buf, &len, err));
    st_file f;
    char name[96];
    snprintf(name, sizeof name, "seeded:%s", kv_get(l, "arch"));
    or_status s = st_parse(buf, len, name, &f, err);
    if (s == OR_OK) {
        or_net *net = NULL;
        or_net_discovery_begin(&f, out);
        s = load(&f, be, dtype, &net, err);
        or_net_discovery_end();
        if (net) /* a loader that does not end with or_net_finish_load */
            or_net_free(net);
        if (out->complete || (s == OR_OK && net))
            s = OR_OK, out->complete = 1;
        else if (s == OR_OK)
            s = or_errf(err, OR_EFORMAT, "%s: the loader returned no network", name);
        st_close(&f);
    }
    free(buf);
    if (s != OR_OK)
        or_net_weight_list_free(out);
    return s;
}

or_status or_net_seeded_weights(const char *meta, or_backend *be, or_dtype dtype,
                                or_net_weight_list *out, or_err *err)
{
    kv_list l;
    memset(out, 0, sizeof *out);
    OR_TRY(parse_meta(meta, &l, err));
    or_status s = discover(&l, be, dtype, out, err);
    kv_free(&l);
    return s;
}

or_status or_net_load_seeded(const char *meta, or_backend *be, or_dtype dtype, uint64_t seed,
                             or_net **out, or_err *err)
{
    *out = NULL;
    kv_list l;
    OR_TRY(parse_meta(meta, &l, err));
    or_net_weight_list wl;
    or_status s = discover(&l, be, dtype, &wl, err);
    if (s != OR_OK) {
        kv_free(&l);
        return s;
    }
    uint8_t *buf = NULL;
    size_t len = 0;
    s = build_file(&l, &wl, seed, &buf, &len, err);
    or_net_weight_list_free(&wl);
    if (s == OR_OK) {
        st_file f;
        char name[96];
        const char *arch = kv_get(&l, "arch");
        snprintf(name, sizeof name, "seeded:%s:%llu", arch ? arch : "?",
                 (unsigned long long)seed);
        or_status (*load)(const st_file *, or_backend *, or_dtype, or_net **, or_err *);
        s = find_ctor(&l, &load, err);
        if (s == OR_OK)
            s = st_parse(buf, len, name, &f, err);
        if (s == OR_OK) {
            s = load(&f, be, dtype, out, err); /* weights are uploaded: buf may go */
            st_close(&f);
        }
    }
    free(buf);
    kv_free(&l);
    return s;
}

/* ---- the official releases ------------------------------------------------------------ */

/* What the converters write for each official checkpoint (convert/arch_*.c,
 * docs/converters/ (*.md)), hyperparameters from the official model code. */
static const struct {
    const char *name, *meta;
} official[] = {
    {"realesrgan-x4plus",
     "arch=rrdbnet naming=real-esrgan num_in_ch=3 num_out_ch=3 num_feat=64 num_grow_ch=32 "
     "num_block=23 num_upconv=2 pixel_unshuffle=1 scale=4"},
    {"realesrgan-x4plus-anime",
     "arch=rrdbnet naming=real-esrgan num_in_ch=3 num_out_ch=3 num_feat=64 num_grow_ch=32 "
     "num_block=6 num_upconv=2 pixel_unshuffle=1 scale=4"},
    {"realesrgan-x2plus",
     "arch=rrdbnet naming=real-esrgan num_in_ch=3 num_out_ch=3 num_feat=64 num_grow_ch=32 "
     "num_block=23 num_upconv=2 pixel_unshuffle=2 scale=2"},
    {"esrgan-x4",
     "arch=rrdbnet naming=esrgan num_in_ch=3 num_out_ch=3 num_feat=64 num_grow_ch=32 "
     "num_block=23 num_upconv=2 pixel_unshuffle=1 scale=4"},
    {"realesr-general-x4v3",
     "arch=srvgg num_in_ch=3 num_out_ch=3 num_feat=64 num_conv=32 scale=4 act=prelu"},
    {"realesr-general-wdn-x4v3",
     "arch=srvgg num_in_ch=3 num_out_ch=3 num_feat=64 num_conv=32 scale=4 act=prelu"},
    {"realesr-animevideov3",
     "arch=srvgg num_in_ch=3 num_out_ch=3 num_feat=64 num_conv=16 scale=4 act=prelu"},
    {"deoldify-artistic",
     "arch=deoldify variant=deep body=resnet34 nf_factor=1.5 in_ch=3 out_ch=3 base_width=64 "
     "body_blocks=3,4,6,3 enc_widths=64,128,256,512 dec_widths=768,768,672,300 attn_block=1 "
     "y_range=-3,3"},
    {"deoldify-stable",
     "arch=deoldify variant=wide body=resnet101 nf_factor=2 in_ch=3 out_ch=3 base_width=64 "
     "body_blocks=3,4,23,3 enc_widths=256,512,1024,2048 dec_widths=512,512,512,256 "
     "attn_block=1 y_range=-3,3"},
    {"deoldify-video",
     "arch=deoldify variant=wide body=resnet101 nf_factor=2 in_ch=3 out_ch=3 base_width=64 "
     "body_blocks=3,4,23,3 enc_widths=256,512,1024,2048 dec_widths=512,512,512,256 "
     "attn_block=1 y_range=-3,3"},
    {"siggraph17", "arch=siggraph17 in_ch=4 width=64 classes=529"},
    {"eccv16", "arch=eccv16 in_ch=1 width=64 classes=313"},
    {"rife-v4.6",
     "arch=rife version=4.6 n_blocks=4 head_width=0 head_channels=0 block_channels=6 "
     "feat_channels=0 mask=add block0.width=192 block1.width=128 block2.width=96 "
     "block3.width=64 scales=8,4,2,1"},
    {"rife-v4.25",
     "arch=rife version=4.25-4.26 n_blocks=5 head_width=16 head_channels=4 block_channels=13 "
     "feat_channels=8 mask=replace block0.width=192 block1.width=128 block2.width=96 "
     "block3.width=64 block4.width=32 scales=16,8,4,2,1"},
    {"rife-v4.26",
     "arch=rife version=4.25-4.26 n_blocks=5 head_width=16 head_channels=4 block_channels=13 "
     "feat_channels=8 mask=replace block0.width=192 block1.width=128 block2.width=96 "
     "block3.width=64 block4.width=32 scales=16,8,4,2,1"},
    {"dain",
     "arch=dain filter_size=4 flow_scale=20 "
     "kernel_widths=16,32,64,128,256,512,512,256,128,64,32,16 ctx_width=64 rectify_width=128 "
     "flow_md=4 flow_pyramid=16,32,64,96,128,196 flow_dense=128,128,96,64,32 "
     "flow_refine=128,128,128,96,64,32 depth_width=128"},
    {"deep-exemplar",
     "arch=deep-exemplar vgg_width1=64 vgg_width2=128 vgg_width3=256 vgg_width4=512 "
     "vgg_width5=512 warp_mid2=128 warp_mid3=128 warp_mid4=256 warp_mid5=256 warp_features=64 "
     "warp_inter=256 color_width1=32 color_width2=64 color_width3=128 color_width4=256 "
     "color_width5=512"},
};

const char *or_net_official_meta(const char *model_name)
{
    for (size_t i = 0; model_name && i < sizeof official / sizeof official[0]; i++)
        if (strcmp(official[i].name, model_name) == 0)
            return official[i].meta;
    return NULL;
}
