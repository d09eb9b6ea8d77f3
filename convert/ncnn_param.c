/* ncnn_param.c: the ncnn .param parser and the .bin reader (ncnn_param.h). */
#include "ncnn_param.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/core/fileutil.h"

/* ---- messages ------------------------------------------------------------------ */

or_status ncnn_layer_err(or_err *err, or_status code, const ncnn_graph *g, int layer,
                         const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (layer < 0 || layer >= g->n_layers)
        return or_errf(err, code, "%s: %s", g->path, what);
    const ncnn_layer *l = &g->layers[layer];
    return or_errf(err, code, "%s: layer %d '%s' (%s): %s", g->path, layer, l->name, l->type,
                   what);
}

/* ---- parameters ------------------------------------------------------------------- */

int ncnn_pint(const ncnn_layer *l, int id, int def)
{
    const ncnn_pval *p = &l->p[id];
    return p->set && !p->is_array ? (int)p->v : def;
}

double ncnn_pfloat(const ncnn_layer *l, int id, double def)
{
    const ncnn_pval *p = &l->p[id];
    return p->set && !p->is_array ? p->v : def;
}

const ncnn_pval *ncnn_parray(const ncnn_layer *l, int id)
{
    const ncnn_pval *p = &l->p[id];
    return p->set && p->is_array ? p : NULL;
}

/* ---- blob names: open addressing ---------------------------------------------------- */

typedef struct {
    int *slot; /* blob index + 1, 0 empty */
    size_t cap;
} blob_map;

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

static int map_find(const blob_map *m, char **names, const char *s, size_t *at)
{
    size_t i = (size_t)fnv(s) & (m->cap - 1);
    while (m->slot[i] && strcmp(names[m->slot[i] - 1], s) != 0)
        i = (i + 1) & (m->cap - 1);
    *at = i;
    return m->slot[i] - 1;
}

/* ---- the text ---------------------------------------------------------------------- */

typedef struct {
    const char *path;
    ncnn_graph *g;
    blob_map map;
    or_err *err;
    int line;
    long nb; /* blobs declared */
} parser;

static or_status line_err(parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static or_status line_err(parser *p, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return or_errf(p->err, OR_EFORMAT, "%s: line %d: %s", p->path, p->line, what);
}

/* Whole-token integer in [lo, hi]. */
static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end || errno || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

static int parse_num(const char *s, size_t n, double *v, int *is_float)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return 0;
    memcpy(buf, s, n);
    buf[n] = 0;
    *is_float = strpbrk(buf, ".eE") != NULL;
    char *end;
    errno = 0;
    if (*is_float) {
        *v = strtod(buf, &end);
        return end != buf && !*end && isfinite(*v);
    }
    long long i = strtoll(buf, &end, 10);
    *v = (double)i;
    return end != buf && !*end && !errno && i >= INT32_MIN && i <= INT32_MAX;
}

/* "ID=VALUE" or "-233XX=N,v1,...". */
static or_status parse_param(parser *p, ncnn_layer *l, const char *tok)
{
    const char *eq = strchr(tok, '=');
    char idbuf[16];
    long id;
    size_t n = eq ? (size_t)(eq - tok) : 0;
    if (!eq || n == 0 || n >= sizeof idbuf)
        return line_err(p, "layer '%s' (%s): '%s' is not ID=VALUE", l->name, l->type, tok);
    memcpy(idbuf, tok, n);
    idbuf[n] = 0;
    if (!parse_int(idbuf, -23300 - (NCNN_MAX_PARAM_ID - 1), NCNN_MAX_PARAM_ID - 1, &id) ||
        (id < 0 && id > -23300))
        return line_err(p, "layer '%s' (%s): parameter id '%s' out of range (0..%d, or "
                        "-23300-id for arrays)", l->name, l->type, idbuf, NCNN_MAX_PARAM_ID - 1);
    int is_array = id <= -23300;
    int pid = is_array ? (int)(-id - 23300) : (int)id;
    ncnn_pval *v = &l->p[pid];
    if (v->set)
        return line_err(p, "layer '%s' (%s): parameter %d given twice", l->name, l->type, pid);
    v->set = 1;
    v->is_array = is_array;
    const char *val = eq + 1;
    if (!is_array) {
        if (!parse_num(val, strlen(val), &v->v, &v->is_float))
            return line_err(p, "layer '%s' (%s): parameter %d: bad value '%s'", l->name, l->type,
                            pid, val);
        return OR_OK;
    }
    const char *c = strchr(val, ',');
    double cnt;
    int isf;
    if (!parse_num(val, c ? (size_t)(c - val) : strlen(val), &cnt, &isf) || isf || cnt < 0 ||
        cnt > NCNN_MAX_ARRAY)
        return line_err(p, "layer '%s' (%s): array parameter %d: bad length in '%s' (0..%d)",
                        l->name, l->type, pid, val, NCNN_MAX_ARRAY);
    v->n = (int)cnt;
    v->arr = calloc((size_t)v->n + 1, sizeof *v->arr);
    if (!v->arr)
        return or_errf(p->err, OR_ENOMEM, "%s: out of memory", p->path);
    for (int i = 0; i < v->n; i++) {
        if (!c)
            return line_err(p, "layer '%s' (%s): array parameter %d: %d values announced, %d "
                            "given", l->name, l->type, pid, v->n, i);
        const char *s = c + 1;
        c = strchr(s, ',');
        if (!parse_num(s, c ? (size_t)(c - s) : strlen(s), &v->arr[i], &isf))
            return line_err(p, "layer '%s' (%s): array parameter %d: bad value %d", l->name,
                            l->type, pid, i);
    }
    if (c)
        return line_err(p, "layer '%s' (%s): array parameter %d: more than the %d values "
                        "announced", l->name, l->type, pid, v->n);
    return OR_OK;
}

static or_status add_blob(parser *p, ncnn_layer *l, int layer, const char *name, int *idx)
{
    ncnn_graph *g = p->g;
    size_t at;
    int found = map_find(&p->map, g->blob_names, name, &at);
    if (found >= 0)
        return line_err(p, "layer '%s' (%s): blob '%s' is already the output of layer %d '%s'",
                        l->name, l->type, name, g->blob_producer[found],
                        g->layers[g->blob_producer[found]].name);
    if (g->n_blobs >= p->nb)
        return line_err(p, "layer '%s' (%s): more blobs than the %ld declared", l->name, l->type,
                        p->nb);
    if (!(g->blob_names[g->n_blobs] = strdup(name)))
        return or_errf(p->err, OR_ENOMEM, "%s: out of memory", p->path);
    g->blob_producer[g->n_blobs] = layer;
    p->map.slot[at] = g->n_blobs + 1;
    *idx = g->n_blobs++;
    return OR_OK;
}

/* One layer line, already split into tokens. */
static or_status parse_layer(parser *p, int layer, char **tok, int nt)
{
    ncnn_layer *l = &p->g->layers[layer];
    l->line = p->line;
    if (nt < 4)
        return line_err(p, "layer %d: expected TYPE NAME N_IN N_OUT, got %d field(s)", layer, nt);
    if (strlen(tok[0]) >= sizeof l->type || strlen(tok[1]) >= sizeof l->name)
        return line_err(p, "layer %d: type or name too long", layer);
    strcpy(l->type, tok[0]);
    strcpy(l->name, tok[1]);
    long ni, no;
    if (!parse_int(tok[2], 0, NCNN_MAX_IO, &ni) || !parse_int(tok[3], 0, NCNN_MAX_IO, &no))
        return line_err(p, "layer %d '%s' (%s): input/output counts '%s %s' not in 0..%d", layer,
                        l->name, l->type, tok[2], tok[3], NCNN_MAX_IO);
    if (nt < 4 + ni + no)
        return line_err(p, "layer %d '%s' (%s): %ld inputs and %ld outputs announced, %d blob "
                        "names given", layer, l->name, l->type, ni, no, nt - 4);
    for (int i = 4; i < 4 + ni + no; i++)
        if (strchr(tok[i], '='))
            return line_err(p, "layer %d '%s' (%s): %ld inputs and %ld outputs announced, but "
                            "'%s' is a parameter, not a blob name", layer, l->name, l->type, ni,
                            no, tok[i]);
    l->in = calloc((size_t)ni + 1, sizeof *l->in);
    l->out = calloc((size_t)no + 1, sizeof *l->out);
    if (!l->in || !l->out)
        return or_errf(p->err, OR_ENOMEM, "%s: out of memory", p->path);
    ncnn_graph *g = p->g;
    for (int i = 0; i < ni; i++) {
        size_t at;
        int b = map_find(&p->map, g->blob_names, tok[4 + i], &at);
        if (b < 0)
            return line_err(p, "layer %d '%s' (%s): input blob '%s' is not the output of an "
                            "earlier layer", layer, l->name, l->type, tok[4 + i]);
        l->in[l->n_in++] = b;
        g->blob_uses[b]++;
    }
    for (int i = 0; i < no; i++) {
        if (strlen(tok[4 + ni + i]) >= 256)
            return line_err(p, "layer %d '%s' (%s): blob name too long", layer, l->name, l->type);
        OR_TRY(add_blob(p, l, layer, tok[4 + ni + i], &l->out[l->n_out]));
        l->n_out++;
    }
    for (int i = 4 + (int)(ni + no); i < nt; i++)
        OR_TRY(parse_param(p, l, tok[i]));
    return OR_OK;
}

int ncnn_param_sniff(const uint8_t *buf, size_t len)
{
    size_t i = 0;
    while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
        i++;
    static const char magic[] = "7767517";
    if (len - i < sizeof magic - 1 || memcmp(buf + i, magic, sizeof magic - 1) != 0)
        return 0;
    i += sizeof magic - 1;
    return i == len || isspace(buf[i]);
}

/* Next line of text into a NUL-terminated copy; 0 at the end. */
static int next_line(const char *text, size_t len, size_t *pos, char *buf, size_t cap,
                     int *too_long)
{
    if (*pos >= len)
        return 0;
    size_t s = *pos, e = s;
    while (e < len && text[e] != '\n')
        e++;
    *pos = e < len ? e + 1 : e;
    size_t n = e - s;
    *too_long = n >= cap;
    if (*too_long)
        n = cap - 1;
    memcpy(buf, text + s, n);
    buf[n] = 0;
    return 1;
}

/* Split on blanks; returns the count, or -1 when over max. */
static int split(char *s, char **tok, int max)
{
    int n = 0;
    for (char *save = NULL, *t = strtok_r(s, " \t\r\v\f", &save); t;
         t = strtok_r(NULL, " \t\r\v\f", &save)) {
        if (n == max)
            return -1;
        tok[n++] = t;
    }
    return n;
}

static or_status parse_counts(parser *p, char **tok, int nt, long *nl, long *nb)
{
    if (nt != 2 || !parse_int(tok[0], 0, 1L << 40, nl) || !parse_int(tok[1], 0, 1L << 40, nb))
        return line_err(p, "expected LAYER_COUNT BLOB_COUNT");
    if (*nl < 1 || *nl > NCNN_MAX_LAYERS)
        return line_err(p, "declares %ld layers (1..%d)", *nl, NCNN_MAX_LAYERS);
    if (*nb < 1 || *nb > NCNN_MAX_BLOBS)
        return line_err(p, "declares %ld blobs (1..%d)", *nb, NCNN_MAX_BLOBS);
    return OR_OK;
}

static size_t count_lines(const char *text, size_t len)
{
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    return n;
}

static or_status parse_body(parser *p, const char *text, size_t len, char *buf, size_t cap,
                            char **tok, int max_tok)
{
    ncnn_graph *g = p->g;
    size_t pos = 0;
    int too_long, nt, stage = 0;
    long nl = 0, nb = 0;
    while (next_line(text, len, &pos, buf, cap, &too_long)) {
        p->line++;
        if (too_long)
            return line_err(p, "line longer than %zu bytes", cap - 1);
        if ((nt = split(buf, tok, max_tok)) < 0)
            return line_err(p, "more than %d fields", max_tok);
        if (nt == 0)
            continue;
        if (stage == 0) {
            if (nt != 1 || strcmp(tok[0], "7767517") != 0)
                return line_err(p, "bad magic '%s' (an ncnn .param starts with 7767517)", tok[0]);
            stage = 1;
        } else if (stage == 1) {
            OR_TRY(parse_counts(p, tok, nt, &nl, &nb));
            if ((size_t)nl > count_lines(text, len))
                return line_err(p, "declares %ld layers, the file has fewer lines", nl);
            g->layers = calloc((size_t)nl, sizeof *g->layers);
            g->blob_names = calloc((size_t)nb, sizeof *g->blob_names);
            g->blob_producer = calloc((size_t)nb, sizeof *g->blob_producer);
            g->blob_uses = calloc((size_t)nb, sizeof *g->blob_uses);
            for (p->map.cap = 16; p->map.cap < 2 * (size_t)nb; p->map.cap *= 2)
                ;
            p->map.slot = calloc(p->map.cap, sizeof *p->map.slot);
            if (!g->layers || !g->blob_names || !g->blob_producer || !g->blob_uses ||
                !p->map.slot)
                return or_errf(p->err, OR_ENOMEM, "%s: out of memory", p->path);
            p->nb = nb;
            stage = 2;
        } else {
            if (g->n_layers == nl)
                return line_err(p, "more layers than the %ld declared", nl);
            g->n_layers++;
            OR_TRY(parse_layer(p, g->n_layers - 1, tok, nt));
        }
    }
    if (stage < 2)
        return or_errf(p->err, OR_EFORMAT, "%s: %s", p->path,
                       stage == 0 ? "empty file (an ncnn .param starts with 7767517)"
                                  : "no LAYER_COUNT BLOB_COUNT line");
    if (g->n_layers != nl)
        return or_errf(p->err, OR_EFORMAT, "%s: declares %ld layers, has %d", p->path, nl,
                       g->n_layers);
    if (g->n_blobs != nb)
        return or_errf(p->err, OR_EFORMAT, "%s: declares %ld blobs, the layers produce %d",
                       p->path, nb, g->n_blobs);
    return OR_OK;
}

or_status ncnn_param_parse(const char *text, size_t len, const char *path, ncnn_graph *g,
                           or_err *err)
{
    memset(g, 0, sizeof *g);
    snprintf(g->path, sizeof g->path, "%s", path);
    if (len > NCNN_MAX_PARAM_BYTES)
        return or_errf(err, OR_EFORMAT, "%s: %zu bytes, more than the %u a .param may have", path,
                       len, NCNN_MAX_PARAM_BYTES);
    parser p = {path, g, {NULL, 0}, err, 0, 0};
    /* A line holds at most NCNN_MAX_IO*2 blob names plus 32 parameters. */
    size_t cap = 1u << 20;
    int max_tok = 2 * NCNN_MAX_IO + 4 + NCNN_MAX_PARAM_ID;
    char *buf = malloc(cap);
    char **tok = malloc((size_t)max_tok * sizeof *tok);
    or_status s = buf && tok ? parse_body(&p, text, len, buf, cap, tok, max_tok)
                             : or_errf(err, OR_ENOMEM, "%s: out of memory", path);
    free(buf);
    free(tok);
    free(p.map.slot);
    if (s != OR_OK)
        ncnn_graph_free(g);
    return s;
}

or_status ncnn_param_read(const char *path, ncnn_graph *g, or_err *err)
{
    memset(g, 0, sizeof *g);
    uint8_t *buf;
    size_t n;
    OR_TRY(or_read_input(path, NCNN_MAX_PARAM_BYTES, &buf, &n, err)); /* regular files only */
    or_status s = ncnn_param_parse((const char *)buf, n, path, g, err);
    free(buf);
    return s;
}

void ncnn_graph_free(ncnn_graph *g)
{
    if (!g)
        return;
    /* n_layers counts a layer that failed half-way, so its arrays are freed too. */
    for (int i = 0; g->layers && i < g->n_layers; i++) {
        free(g->layers[i].in);
        free(g->layers[i].out);
        for (int k = 0; k < NCNN_MAX_PARAM_ID; k++)
            free(g->layers[i].p[k].arr);
    }
    for (int i = 0; g->blob_names && i < g->n_blobs; i++)
        free(g->blob_names[i]);
    free(g->layers);
    free(g->blob_names);
    free(g->blob_producer);
    free(g->blob_uses);
    char path[sizeof g->path];
    memcpy(path, g->path, sizeof path);
    memset(g, 0, sizeof *g);
    memcpy(g->path, path, sizeof path);
}

/* ---- the .bin ----------------------------------------------------------------------- */

float ncnn_half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h >> 15) << 31, e = (h >> 10) & 31, m = h & 1023, bits;
    if (e == 0) {
        if (m == 0) {
            bits = sign;
        } else { /* subnormal: normalise */
            e = 113;
            while (!(m & 1024)) {
                m <<= 1;
                e--;
            }
            bits = sign | (e << 23) | ((m & 1023) << 13);
        }
    } else if (e == 31) {
        bits = sign | 0x7f800000u | (m << 13);
    } else {
        bits = sign | ((e + 112) << 23) | (m << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* "x.bin: layer 17 'Conv_13' (Convolution): " + message. */
static or_status bin_err(or_err *err, or_status code, const ncnn_bin *b, const ncnn_graph *g,
                         int layer, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
static or_status bin_err(or_err *err, or_status code, const ncnn_bin *b, const ncnn_graph *g,
                         int layer, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    const ncnn_layer *l = &g->layers[layer];
    return or_errf(err, code, "%s: layer %d '%s' (%s): %s", b->path, layer, l->name, l->type,
                   what);
}

static or_status bin_need(ncnn_bin *b, const ncnn_graph *g, int layer, const char *what,
                          uint64_t bytes, or_err *err)
{
    if (bytes > b->len - b->pos)
        return bin_err(err, OR_EFORMAT, b, g, layer,
                       "%s needs %llu bytes at offset %zu, the file has %zu left (truncated "
                       ".bin, or one that does not belong to this .param)", what,
                       (unsigned long long)bytes, b->pos, b->len - b->pos);
    return OR_OK;
}

static or_status check_finite(const float *x, int64_t n, const ncnn_graph *g, int layer,
                              const char *what, const ncnn_bin *b, or_err *err)
{
    for (int64_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return bin_err(err, OR_EFORMAT, b, g, layer, "%s value %lld is not finite", what,
                           (long long)i);
    return OR_OK;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

or_status ncnn_bin_f32(ncnn_bin *b, const ncnn_graph *g, int layer, const char *what, int64_t n,
                       float *out, or_err *err)
{
    OR_TRY(bin_need(b, g, layer, what, (uint64_t)n * 4, err));
    for (int64_t i = 0; i < n; i++) {
        uint32_t v = rd32(b->buf + b->pos + 4 * i);
        memcpy(&out[i], &v, 4);
    }
    b->pos += (size_t)n * 4;
    return check_finite(out, n, g, layer, what, b, err);
}

or_status ncnn_bin_tagged(ncnn_bin *b, const ncnn_graph *g, int layer, const char *what,
                          int64_t n, float *out, ncnn_storage *storage, or_err *err)
{
    char tw[160];
    snprintf(tw, sizeof tw, "%s storage tag", what);
    OR_TRY(bin_need(b, g, layer, tw, 4, err));
    uint32_t tag = rd32(b->buf + b->pos);
    size_t at = b->pos;
    if (tag == NCNN_TAG_INT8)
        return bin_err(err, OR_EUNSUPPORTED, b, g, layer,
                       "%s at offset %zu is int8-quantized (storage tag 0x%08X): not supported, "
                       "use the fp32 or fp16 model files", what, at, tag);
    if (tag != 0 && tag != NCNN_TAG_F16)
        return bin_err(err, OR_EUNSUPPORTED, b, g, layer,
                       "%s at offset %zu has storage tag 0x%08X (ncnn's 8-bit quantization "
                       "table or an unknown format): only fp32 (0) and fp16 (0x%08X) are "
                       "supported", what, at, tag, NCNN_TAG_F16);
    b->pos += 4;
    if (tag == 0) {
        *storage = NCNN_STORE_F32;
        return ncnn_bin_f32(b, g, layer, what, n, out, err);
    }
    *storage = NCNN_STORE_F16;
    uint64_t bytes = ((uint64_t)n * 2 + 3) & ~(uint64_t)3;
    OR_TRY(bin_need(b, g, layer, what, bytes, err));
    for (int64_t i = 0; i < n; i++) {
        const uint8_t *q = b->buf + b->pos + 2 * i;
        out[i] = ncnn_half_to_float((uint16_t)(q[0] | q[1] << 8));
    }
    b->pos += (size_t)bytes;
    return check_finite(out, n, g, layer, what, b, err);
}
