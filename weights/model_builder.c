#include "model_builder.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/core/fileutil.h"
#include "runtime/core/tensor.h"

void mb_init(or_model_builder *mb) { memset(mb, 0, sizeof *mb); }

void mb_free(or_model_builder *mb)
{
    for (int i = 0; i < mb->n; i++) {
        free(mb->t[i].name);
        free(mb->t[i].data);
    }
    for (int i = 0; i < mb->n_meta; i++) {
        free(mb->meta[i].key);
        free(mb->meta[i].value);
    }
    free(mb->t);
    free(mb->meta);
    memset(mb, 0, sizeof *mb);
}

const mb_tensor *mb_find(const or_model_builder *mb, const char *name)
{
    for (int i = 0; i < mb->n; i++)
        if (strcmp(mb->t[i].name, name) == 0)
            return &mb->t[i];
    return NULL;
}

float *mb_add_empty(or_model_builder *mb, const char *name, int ndim, const int64_t *shape,
                    or_err *err)
{
    if (ndim < 0 || ndim > MB_MAX_DIMS) {
        or_errf(err, OR_EINVAL, "tensor %s: %d dimensions (at most %d supported)", OR_ESC(name),
                ndim, MB_MAX_DIMS);
        return NULL;
    }
    if (mb_find(mb, name)) {
        or_errf(err, OR_EINVAL, "tensor %s: written twice", OR_ESC(name));
        return NULL;
    }
    int64_t numel = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 0 || (shape[i] && numel > INT64_MAX / shape[i])) {
            or_errf(err, OR_EINVAL, "tensor %s: bad shape", OR_ESC(name));
            return NULL;
        }
        numel *= shape[i];
    }
    if (mb->n == mb->cap) {
        int nc = mb->cap ? mb->cap * 2 : 64;
        mb_tensor *nt = realloc(mb->t, (size_t)nc * sizeof *nt);
        if (!nt) {
            or_errf(err, OR_ENOMEM, "tensor %s: out of memory", OR_ESC(name));
            return NULL;
        }
        mb->t = nt;
        mb->cap = nc;
    }
    mb_tensor *t = &mb->t[mb->n];
    memset(t, 0, sizeof *t);
    t->name = strdup(name);
    t->data = calloc(numel ? (size_t)numel : 1, sizeof(float));
    if (!t->name || !t->data) {
        free(t->name);
        free(t->data);
        or_errf(err, OR_ENOMEM, "tensor %s: out of memory", OR_ESC(name));
        return NULL;
    }
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        t->shape[i] = shape[i];
    t->numel = numel;
    mb->n++;
    return t->data;
}

or_status mb_add(or_model_builder *mb, const char *name, int ndim, const int64_t *shape,
                 const float *data, or_err *err)
{
    float *dst = mb_add_empty(mb, name, ndim, shape, err);
    if (!dst)
        return err ? err->code : OR_EINVAL;
    memcpy(dst, data, (size_t)mb->t[mb->n - 1].numel * sizeof(float));
    return OR_OK;
}

void mb_meta_str(or_model_builder *mb, const char *key, const char *value)
{
    for (int i = 0; i < mb->n_meta; i++)
        if (strcmp(mb->meta[i].key, key) == 0) {
            char *v = strdup(value);
            if (v) {
                free(mb->meta[i].value);
                mb->meta[i].value = v;
            }
            return;
        }
    if (mb->n_meta == mb->cap_meta) {
        int nc = mb->cap_meta ? mb->cap_meta * 2 : 16;
        mb_meta_kv *nm = realloc(mb->meta, (size_t)nc * sizeof *nm);
        if (!nm)
            return;
        mb->meta = nm;
        mb->cap_meta = nc;
    }
    mb->meta[mb->n_meta].key = strdup(key);
    mb->meta[mb->n_meta].value = strdup(value);
    if (mb->meta[mb->n_meta].key && mb->meta[mb->n_meta].value)
        mb->n_meta++;
}

void mb_meta_int(or_model_builder *mb, const char *key, long long value)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%lld", value);
    mb_meta_str(mb, key, buf);
}

void mb_meta_float(or_model_builder *mb, const char *key, double value)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%.9g", value);
    mb_meta_str(mb, key, buf);
}

const char *mb_meta_get(const or_model_builder *mb, const char *key)
{
    for (int i = 0; i < mb->n_meta; i++)
        if (strcmp(mb->meta[i].key, key) == 0)
            return mb->meta[i].value;
    return NULL;
}

/* ---- safetensors writer ----------------------------------------------------- */

typedef struct {
    char *s;
    size_t n, cap;
    int oom;
} strbuf;

static void sb_put(strbuf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->n + n + 1 > b->cap) {
        size_t nc = (b->cap ? b->cap * 2 : 4096);
        while (nc < b->n + n + 1)
            nc *= 2;
        char *ns = realloc(b->s, nc);
        if (!ns) {
            b->oom = 1;
            return;
        }
        b->s = ns;
        b->cap = nc;
    }
    memcpy(b->s + b->n, s, n);
    b->n += n;
    b->s[b->n] = 0;
}

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(strbuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof tmp)
        sb_put(b, tmp, (size_t)n);
    else
        b->oom = 1;
}

/* JSON string with escapes for quotes, backslashes and control characters. */
static void sb_json_str(strbuf *b, const char *s)
{
    sb_put(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            sb_put(b, e, 2);
        } else if (c < 0x20) {
            sb_printf(b, "\\u%04x", c);
        } else {
            sb_put(b, (const char *)&c, 1);
        }
    }
    sb_put(b, "\"", 1);
}

static int cmp_tensor_ptr(const void *a, const void *b)
{
    const mb_tensor *x = *(const mb_tensor *const *)a, *y = *(const mb_tensor *const *)b;
    return strcmp(x->name, y->name);
}

static or_status build_header(const or_model_builder *mb, const mb_tensor **order,
                              mb_dtype dtype, strbuf *hdr, or_err *err)
{
    size_t esize = dtype == MB_F16 ? 2 : 4;
    sb_put(hdr, "{\"__metadata__\":{", 17);
    for (int i = 0; i < mb->n_meta; i++) {
        if (i)
            sb_put(hdr, ",", 1);
        sb_json_str(hdr, mb->meta[i].key);
        sb_put(hdr, ":", 1);
        sb_json_str(hdr, mb->meta[i].value);
    }
    sb_put(hdr, "}", 1);
    size_t off = 0;
    for (int i = 0; i < mb->n; i++) {
        const mb_tensor *t = order[i];
        size_t bytes = (size_t)t->numel * esize;
        sb_put(hdr, ",", 1);
        sb_json_str(hdr, t->name);
        sb_printf(hdr, ":{\"dtype\":\"%s\",\"shape\":[", dtype == MB_F16 ? "F16" : "F32");
        for (int d = 0; d < t->ndim; d++)
            sb_printf(hdr, "%s%lld", d ? "," : "", (long long)t->shape[d]);
        sb_printf(hdr, "],\"data_offsets\":[%zu,%zu]}", off, off + bytes);
        off += bytes;
    }
    sb_put(hdr, "}", 1);
    /* pad with spaces so the data starts 64-byte aligned (8-byte length prefix) */
    while ((hdr->n + 8) % 64)
        sb_put(hdr, " ", 1);
    if (hdr->oom)
        return or_errf(err, OR_ENOMEM, "out of memory building the safetensors header");
    return OR_OK;
}

static or_status write_tensor_data(FILE *f, const mb_tensor *t, mb_dtype dtype)
{
    if (dtype == MB_F32)
        return fwrite(t->data, sizeof(float), (size_t)t->numel, f) == (size_t)t->numel ? OR_OK
                                                                                      : OR_EIO;
    uint16_t buf[4096];
    for (int64_t i = 0; i < t->numel; i += 4096) {
        size_t n = (size_t)(t->numel - i < 4096 ? t->numel - i : 4096);
        for (size_t k = 0; k < n; k++)
            buf[k] = or_f32_to_f16(t->data[i + (int64_t)k]);
        if (fwrite(buf, 2, n, f) != n)
            return OR_EIO;
    }
    return OR_OK;
}

or_status mb_write_safetensors(const or_model_builder *mb, const char *path, mb_dtype dtype,
                               or_err *err)
{
    const mb_tensor **order = malloc((size_t)(mb->n ? mb->n : 1) * sizeof *order);
    if (!order)
        return or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(path));
    for (int i = 0; i < mb->n; i++)
        order[i] = &mb->t[i];
    qsort(order, (size_t)mb->n, sizeof *order, cmp_tensor_ptr);
    strbuf hdr = {0};
    or_status s = build_header(mb, order, dtype, &hdr, err);
    or_atomic_file af;
    if (s == OR_OK)
        s = or_atomic_open(&af, path, err);
    if (s == OR_OK) {
        uint64_t n = hdr.n;
        uint8_t le[8];
        for (int i = 0; i < 8; i++)
            le[i] = (uint8_t)(n >> (8 * i));
        int ok = fwrite(le, 1, 8, af.f) == 8 && fwrite(hdr.s, 1, hdr.n, af.f) == hdr.n;
        for (int i = 0; ok && i < mb->n; i++)
            ok = write_tensor_data(af.f, order[i], dtype) == OR_OK;
        s = ok ? or_atomic_commit(&af, err)
               : (or_atomic_abort(&af), or_errf(err, OR_EIO, "%s: write failed: %s", OR_ESC(path),
                                                strerror(errno)));
    }
    free(hdr.s);
    free(order);
    return s;
}
