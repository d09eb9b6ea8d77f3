#include "safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/core/tensor.h"
#include "embedded.h"
#include "json.h"
#include "runtime/core/fileutil.h"

static const struct {
    const char *name;
    st_dtype dt;
    size_t size;
} dtypes[] = {{"F32", ST_F32, 4}, {"F16", ST_F16, 2}, {"BF16", ST_BF16, 2}, {"F64", ST_F64, 8},
              {"I64", ST_I64, 8}, {"I32", ST_I32, 4}, {"I16", ST_I16, 2},   {"I8", ST_I8, 1},
              {"U8", ST_U8, 1},   {"BOOL", ST_BOOL, 1}};
#define N_DTYPES (sizeof dtypes / sizeof dtypes[0])

const char *st_dtype_name(st_dtype d) { return (unsigned)d < N_DTYPES ? dtypes[d].name : "?"; }
size_t st_dtype_size(st_dtype d) { return (unsigned)d < N_DTYPES ? dtypes[d].size : 0; }

static int parse_dtype(const char *s, st_dtype *out)
{
    for (size_t i = 0; i < N_DTYPES; i++)
        if (strcmp(s, dtypes[i].name) == 0) {
            *out = dtypes[i].dt;
            return 1;
        }
    return 0;
}

static int is_uint(const json_value *v, double max)
{
    return v && v->type == JSON_NUMBER && v->num >= 0 && v->num <= max && v->num == (double)(int64_t)v->num;
}

static or_status parse_meta(st_file *f, const json_value *m, const char *name, or_err *err)
{
    if (m->type != JSON_OBJECT)
        return or_errf(err, OR_EFORMAT, "%s: __metadata__ is not an object", OR_ESC(name));
    f->meta_keys = calloc(m->n ? m->n : 1, sizeof(char *));
    f->meta_vals = calloc(m->n ? m->n : 1, sizeof(char *));
    if (!f->meta_keys || !f->meta_vals)
        return or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(name));
    for (size_t i = 0; i < m->n; i++) {
        if (m->items[i].type != JSON_STRING)
            return or_errf(err, OR_EFORMAT, "%s: __metadata__.%s is not a string", OR_ESC(name),
                           OR_ESC(m->keys[i]));
        f->meta_keys[f->n_meta] = strdup(m->keys[i]);
        f->meta_vals[f->n_meta] = strdup(m->items[i].str);
        f->n_meta++;
    }
    return OR_OK;
}

static or_status parse_tensor(st_tensor *t, const char *key, const json_value *v, size_t data_len,
                              const uint8_t *data, const char *name, or_err *err)
{
    const json_value *dt = json_get(v, "dtype"), *sh = json_get(v, "shape"),
                     *off = json_get(v, "data_offsets");
    if (v->type != JSON_OBJECT || !dt || dt->type != JSON_STRING || !sh ||
        sh->type != JSON_ARRAY || !off || off->type != JSON_ARRAY || off->n != 2)
        return or_errf(err, OR_EFORMAT, "%s: tensor %s: needs dtype, shape and data_offsets",
                       OR_ESC(name), OR_ESC(key));
    if (!parse_dtype(dt->str, &t->dtype))
        return or_errf(err, OR_EFORMAT, "%s: tensor %s: unknown dtype %s", OR_ESC(name),
                       OR_ESC(key), OR_ESC(dt->str));
    if (sh->n > ST_MAX_DIMS)
        return or_errf(err, OR_EFORMAT, "%s: tensor %s: %zu dimensions", OR_ESC(name), OR_ESC(key),
                       sh->n);
    t->ndim = (int)sh->n;
    t->numel = 1;
    for (size_t i = 0; i < sh->n; i++) {
        if (!is_uint(&sh->items[i], 9.0e15))
            return or_errf(err, OR_EFORMAT, "%s: tensor %s: bad shape", OR_ESC(name), OR_ESC(key));
        t->shape[i] = (int64_t)sh->items[i].num;
        if (t->shape[i] && t->numel > (INT64_MAX / 8) / t->shape[i])
            return or_errf(err, OR_EFORMAT, "%s: tensor %s: shape too large", OR_ESC(name),
                           OR_ESC(key));
        t->numel *= t->shape[i];
    }
    if (!is_uint(&off->items[0], (double)data_len) || !is_uint(&off->items[1], (double)data_len))
        return or_errf(err, OR_EFORMAT,
                       "%s: tensor %s: data_offsets outside the file (%zu data bytes)",
                       OR_ESC(name), OR_ESC(key), data_len);
    size_t b = (size_t)off->items[0].num, e = (size_t)off->items[1].num;
    if (e < b || e - b != (size_t)t->numel * st_dtype_size(t->dtype))
        return or_errf(err, OR_EFORMAT, "%s: tensor %s: %zu bytes for %lld %s values", OR_ESC(name),
                       OR_ESC(key), e < b ? 0 : e - b, (long long)t->numel, OR_ESC(dt->str));
    t->data = data + b;
    t->nbytes = e - b;
    t->name = strdup(key);
    return t->name ? OR_OK : or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(name));
}

static int cmp_by_offset(const void *a, const void *b)
{
    const st_tensor *x = a, *y = b;
    return x->data < y->data ? -1 : x->data > y->data;
}

static or_status check_overlaps(st_file *f, const char *name, or_err *err)
{
    for (int i = 0; i < f->n; i++) /* a JSON object may repeat a key */
        for (int j = i + 1; j < f->n; j++)
            if (strcmp(f->t[i].name, f->t[j].name) == 0)
                return or_errf(err, OR_EFORMAT, "%s: tensor %s appears twice", OR_ESC(name),
                               OR_ESC(f->t[i].name));
    qsort(f->t, (size_t)f->n, sizeof *f->t, cmp_by_offset);
    for (int i = 1; i < f->n; i++)
        if (f->t[i].data < f->t[i - 1].data + f->t[i - 1].nbytes)
            return or_errf(err, OR_EFORMAT, "%s: tensors %s and %s overlap", OR_ESC(name),
                           OR_ESC(f->t[i - 1].name), OR_ESC(f->t[i].name));
    return OR_OK;
}

static or_status parse_header(const uint8_t *buf, size_t len, const char *name, st_file *f,
                              or_err *err)
{
    if (len < 8)
        return or_errf(err, OR_EFORMAT, "%s: not a safetensors file (%zu bytes)", OR_ESC(name),
                       len);
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--)
        n = n << 8 | buf[i];
    if (n < 2 || n > ST_MAX_HEADER || n > len - 8)
        return or_errf(err, OR_EFORMAT,
                       "%s: bad safetensors header length %llu (file is %zu bytes)", OR_ESC(name),
                       (unsigned long long)n, len);
    json_value *root = NULL;
    OR_TRY(json_parse((const char *)buf + 8, (size_t)n, name, &root, err));
    or_status s = OR_OK;
    if (root->type != JSON_OBJECT)
        s = or_errf(err, OR_EFORMAT, "%s: safetensors header is not a JSON object", OR_ESC(name));
    if (s == OR_OK && !(f->t = calloc(root->n ? root->n : 1, sizeof *f->t)))
        s = or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(name));
    const uint8_t *data = buf + 8 + n;
    size_t data_len = len - 8 - (size_t)n;
    for (size_t i = 0; s == OR_OK && i < root->n; i++) {
        if (strcmp(root->keys[i], "__metadata__") == 0)
            s = parse_meta(f, &root->items[i], name, err);
        else if ((s = parse_tensor(&f->t[f->n], root->keys[i], &root->items[i], data_len, data,
                                   name, err)) == OR_OK)
            f->n++;
    }
    if (s == OR_OK)
        s = check_overlaps(f, name, err);
    json_free(root);
    return s;
}

or_status st_parse(const uint8_t *buf, size_t len, const char *name, st_file *f, or_err *err)
{
    memset(f, 0, sizeof *f);
    snprintf(f->path, sizeof f->path, "%s", name);
    or_status s = parse_header(buf, len, name, f, err);
    if (s != OR_OK)
        st_close(f);
    return s;
}

/* "embedded:<name>": a model file built into the binary (embedded.h). */
static or_status open_embedded(const char *path, st_file *f, or_err *err)
{
    const or_embedded_model *m = or_embedded_find(path);
    if (!m)
        return or_errf(err, OR_EIO, "%s: no such model is built in", path);
    return st_parse(m->data, m->size, path, f, err);
}

or_status st_open(const char *path, st_file *f, or_err *err)
{
    memset(f, 0, sizeof *f);
    if (strncmp(path, OR_EMBEDDED_PREFIX, strlen(OR_EMBEDDED_PREFIX)) == 0)
        return open_embedded(path, f, err);
    int fd;
    size_t size;
    OR_TRY(or_open_input(path, 0, &fd, &size, err)); /* mmap'd: no size limit */
    if (size < 8) {
        close(fd);
        return or_errf(err, OR_EFORMAT, "%s: not a safetensors file (%zu bytes)", OR_ESC(path), size);
    }
    void *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return or_errf(err, OR_EIO, "%s: cannot map: %s", OR_ESC(path), strerror(errno));
    or_status s = st_parse(map, size, path, f, err);
    if (s != OR_OK) {
        munmap(map, size);
        return s;
    }
    f->map = map;
    f->map_len = size;
    return OR_OK;
}

void st_close(st_file *f)
{
    for (int i = 0; i < f->n; i++)
        free(f->t[i].name);
    for (int i = 0; i < f->n_meta; i++) {
        free(f->meta_keys[i]);
        free(f->meta_vals[i]);
    }
    free(f->t);
    free(f->meta_keys);
    free(f->meta_vals);
    if (f->map)
        munmap(f->map, f->map_len);
    memset(f, 0, sizeof *f);
}

const st_tensor *st_find(const st_file *f, const char *name)
{
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->t[i].name, name) == 0)
            return &f->t[i];
    return NULL;
}

const char *st_meta(const st_file *f, const char *key)
{
    for (int i = 0; i < f->n_meta; i++)
        if (strcmp(f->meta_keys[i], key) == 0)
            return f->meta_vals[i];
    return NULL;
}

static void shape_str(char *buf, size_t n, int ndim, const int64_t *shape)
{
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < ndim && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? "," : "", (long long)shape[i]);
    if (k < n)
        snprintf(buf + k, n - k, "]");
}

or_status st_expect(const st_file *f, const char *name, int ndim, const int64_t *shape,
                    const st_tensor **out, or_err *err)
{
    const st_tensor *t = st_find(f, name);
    if (!t)
        return or_errf(err, OR_EFORMAT, "%s: tensor %s: missing", OR_ESC(f->path), OR_ESC(name));
    int ok = t->ndim == ndim;
    for (int i = 0; ok && i < ndim; i++)
        ok = t->shape[i] == shape[i];
    if (!ok) {
        char a[128], b[128];
        shape_str(a, sizeof a, ndim, shape);
        shape_str(b, sizeof b, t->ndim, t->shape);
        return or_errf(err, OR_ESHAPE, "%s: tensor %s: expected %s, got %s", OR_ESC(f->path),
                       OR_ESC(name), a, b);
    }
    if (out)
        *out = t;
    return OR_OK;
}

or_status st_read_f32(const st_file *f, const st_tensor *t, float *dst, or_err *err)
{
    const uint8_t *p = t->data;
    for (int64_t i = 0; i < t->numel; i++) {
        switch (t->dtype) {
        case ST_F32: memcpy(&dst[i], p + 4 * i, 4); break;
        case ST_F16: {
            uint16_t h;
            memcpy(&h, p + 2 * i, 2);
            dst[i] = or_f16_to_f32(h);
            break;
        }
        case ST_BF16: {
            uint32_t x = (uint32_t)p[2 * i] << 16 | (uint32_t)p[2 * i + 1] << 24;
            memcpy(&dst[i], &x, 4);
            break;
        }
        case ST_F64: {
            double d;
            memcpy(&d, p + 8 * i, 8);
            dst[i] = (float)d;
            break;
        }
        default:
            return or_errf(err, OR_EUNSUPPORTED, "%s: tensor %s: %s is not a floating dtype",
                           OR_ESC(f->path), OR_ESC(t->name), st_dtype_name(t->dtype));
        }
    }
    return OR_OK;
}
