/* ckpt_tensor.c: storages and tensors of a checkpoint.  A tensor record
 * (storage, offset, sizes, strides) is checked against its storage and
 * copied out contiguous, converted to float32. */
#include "ckpt_internal.h"

#include <stdlib.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "checkpoint data is little-endian and read in place: port the loads first"
#endif

#define CK_MAX_NUMEL ((int64_t)1 << 40)

static const struct {
    const char *cls;
    int supported;
    ck_dtype dtype;
    size_t elsize;
} STORAGE_CLASSES[] = {
    {"FloatStorage", 1, CK_F32, 4},   {"HalfStorage", 1, CK_F16, 2},
    {"BFloat16Storage", 1, CK_BF16, 2}, {"DoubleStorage", 1, CK_F64, 8},
    {"LongStorage", 1, CK_I64, 8},    {"IntStorage", 1, CK_I32, 4},
    {"ShortStorage", 1, CK_I16, 2},   {"CharStorage", 1, CK_I8, 1},
    {"ByteStorage", 1, CK_U8, 1},     {"BoolStorage", 1, CK_BOOL, 1},
    {"UntypedStorage", 1, CK_U8, 1},
    /* Known so a legacy file can be walked past them; never converted. */
    {"ComplexFloatStorage", 0, CK_F32, 8}, {"ComplexDoubleStorage", 0, CK_F32, 16},
    {"QInt8Storage", 0, CK_I8, 1},    {"QUInt8Storage", 0, CK_U8, 1},
    {"QInt32Storage", 0, CK_I32, 4},  {"QUInt4x2Storage", 0, CK_U8, 1},
    {"QUInt2x4Storage", 0, CK_U8, 1},
};

/* _rebuild_tensor_v3 names its dtype. */
static const struct {
    const char *name;
    ck_dtype dtype;
} DTYPE_NAMES[] = {
    {"torch.float32", CK_F32}, {"torch.float16", CK_F16}, {"torch.bfloat16", CK_BF16},
    {"torch.float64", CK_F64}, {"torch.int64", CK_I64},   {"torch.int32", CK_I32},
    {"torch.int16", CK_I16},   {"torch.int8", CK_I8},     {"torch.uint8", CK_U8},
    {"torch.bool", CK_BOOL},
};

static int cmp_storage(const void *a, const void *b)
{
    return strcmp(((const ck_storage *)a)->key, ((const ck_storage *)b)->key);
}

ck_storage *ck_find_storage(const ck_reader *r, const char *key)
{
    ck_storage k = {.key = (char *)key};
    return r->n_st ? bsearch(&k, r->st, r->n_st, sizeof *r->st, cmp_storage) : NULL;
}

const char *ck_dtype_name(ck_dtype d)
{
    static const char *names[] = {"float32", "float16", "bfloat16", "float64", "int64",
                                  "int32",   "int16",   "int8",     "uint8",   "bool"};
    return (unsigned)d < sizeof names / sizeof *names ? names[d] : "?";
}

size_t ck_dtype_size(ck_dtype d)
{
    static const size_t sizes[] = {4, 2, 2, 8, 8, 4, 2, 1, 1, 1};
    return (unsigned)d < sizeof sizes / sizeof *sizes ? sizes[d] : 1;
}

/* "torch.FloatStorage", and "torch.cuda.FloatStorage" from GPU-saved legacy files. */
static int storage_class(const char *cls, ck_pid *p)
{
    const char *short_name = !strncmp(cls, "torch.cuda.", 11) ? cls + 11
                           : !strncmp(cls, "torch.", 6)        ? cls + 6
                                                               : NULL;
    for (size_t i = 0; short_name && i < sizeof STORAGE_CLASSES / sizeof *STORAGE_CLASSES; i++)
        if (!strcmp(short_name, STORAGE_CLASSES[i].cls)) {
            p->supported = STORAGE_CLASSES[i].supported;
            p->dtype = STORAGE_CLASSES[i].dtype;
            p->elsize = STORAGE_CLASSES[i].elsize;
            return 1;
        }
    return 0;
}

static int int_at(const pk_value *t, size_t i, int64_t *out)
{
    if (i >= t->n || t->items[i]->kind != PK_INT || t->items[i]->i < 0)
        return 0;
    *out = t->items[i]->i;
    return 1;
}

/* Legacy view_metadata: None, or (view_key, offset, numel) into the root. */
static const char *parse_view(const pk_value *vm, ck_pid *p)
{
    if (vm->kind == PK_NONE)
        return NULL;
    if (vm->kind != PK_TUPLE || vm->n < 3 || !int_at(vm, 1, &p->view_offset) ||
        !int_at(vm, 2, &p->view_numel))
        return "malformed storage view metadata";
    p->has_view = 1;
    return NULL;
}

const char *ck_parse_pid(const pk_value *v, ck_pid *p)
{
    memset(p, 0, sizeof *p);
    const pk_value *t = v && v->kind == PK_PERSID ? v->pid : NULL;
    if (!t || t->kind != PK_TUPLE || t->n < 5 || !pk_is_str(t->items[0], "storage"))
        return "its storage is not a ('storage', ...) persistent id";
    if (t->items[1]->kind != PK_GLOBAL || t->items[2]->kind != PK_STR || !int_at(t, 4, &p->numel))
        return "malformed storage persistent id";
    p->cls = t->items[1]->s;
    p->key = t->items[2]->s;
    if (!storage_class(p->cls, p))
        return "unknown storage class";
    return t->n >= 6 ? parse_view(t->items[5], p) : NULL;
}

/* ---- conversion to float32 ------------------------------------------------------- */

static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, man = h & 0x3ffu, bits;
    if (exp == 0x1f)
        bits = sign | 0x7f800000u | man << 13;          /* inf, nan */
    else if (exp)
        bits = sign | (exp + 112) << 23 | man << 13;     /* rebias 15 -> 127 */
    else if (!man)
        bits = sign;
    else {                                               /* subnormal: normalise */
        uint32_t e = 113;
        while (!(man & 0x400u)) {
            man <<= 1;
            e--;
        }
        bits = sign | e << 23 | (man & 0x3ffu) << 13;
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* bfloat16 is the top half of a float32. */
static float bf16_to_float(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

#define RUN(T, EXPR)                                          \
    for (int64_t i = 0; i < n; i++) {                         \
        T x;                                                  \
        memcpy(&x, src + (size_t)(i * stride) * sizeof x, sizeof x); \
        dst[i] = (EXPR);                                      \
    }                                                         \
    break

/* n elements, stride apart (in elements), from src into dst[0..n). */
static void convert_run(float *dst, const uint8_t *src, int64_t n, int64_t stride, ck_dtype dt)
{
    switch (dt) {
    case CK_F32: RUN(float, x);
    case CK_F16: RUN(uint16_t, half_to_float(x));
    case CK_BF16: RUN(uint16_t, bf16_to_float(x));
    case CK_F64: RUN(double, (float)x);
    case CK_I64: RUN(int64_t, (float)x);
    case CK_I32: RUN(int32_t, (float)x);
    case CK_I16: RUN(int16_t, (float)x);
    case CK_I8: RUN(int8_t, (float)x);
    case CK_U8: RUN(uint8_t, (float)x);
    case CK_BOOL: RUN(uint8_t, x ? 1.0f : 0.0f);
    }
}

static void copy_strided(float *dst, const uint8_t *src, ck_dtype dt, const pk_tensor *t,
                         int64_t base, int64_t numel)
{
    size_t es = ck_dtype_size(dt);
    int nd = t->ndim;
    if (nd == 0) {
        convert_run(dst, src + (size_t)base * es, 1, 1, dt);
        return;
    }
    int64_t inner = t->size[nd - 1];
    if (inner == 0 || numel == 0)
        return;
    int64_t idx[CK_MAX_DIMS] = {0};
    for (int64_t o = 0; o < numel / inner; o++) {
        int64_t off = base;
        for (int d = 0; d < nd - 1; d++)
            off += idx[d] * t->stride[d];
        convert_run(dst, src + (size_t)off * es, inner, t->stride[nd - 1], dt);
        dst += inner;
        for (int d = nd - 2; d >= 0; d--) {
            if (++idx[d] < t->size[d])
                break;
            idx[d] = 0;
        }
    }
}
#undef RUN

/* ---- materialisation ------------------------------------------------------------- */

static or_status tensor_dtype(ck_reader *r, const char *name, const pk_tensor *t,
                              const ck_storage *s, ck_dtype *dt)
{
    if (!t->dtype) {
        if (!s->supported)
            return or_errf(r->err, OR_EUNSUPPORTED, "%s: tensor %s: storage class %s is not "
                           "supported", OR_ESC(r->name), OR_ESC(name), OR_ESC(s->cls));
        *dt = s->dtype;
        return OR_OK;
    }
    for (size_t i = 0; i < sizeof DTYPE_NAMES / sizeof *DTYPE_NAMES; i++)
        if (!strcmp(t->dtype, DTYPE_NAMES[i].name)) {
            *dt = DTYPE_NAMES[i].dtype;
            return OR_OK;
        }
    return or_errf(r->err, OR_EUNSUPPORTED, "%s: tensor %s: dtype %s is not supported",
                   OR_ESC(r->name), OR_ESC(name), OR_ESC(t->dtype));
}

/* The storage behind a tensor, its bytes present, and the byte range
 * [*base, *base + *avail) of it that the tensor may address. */
static or_status tensor_storage(ck_reader *r, const char *name, const pk_tensor *t,
                                const ck_storage **out, uint64_t *base, uint64_t *avail)
{
    ck_pid p;
    const char *why = ck_parse_pid(t->storage, &p);
    ck_storage *s = why ? NULL : ck_find_storage(r, p.key);
    if (!s)
        return or_errf(r->err, OR_EFORMAT, "%s: tensor %s: %s", OR_ESC(r->name), OR_ESC(name),
                       why ? why : "storage not found");
    OR_TRY(r->load_storage(r, s));
    if (!s->data)
        return or_errf(r->err, OR_EFORMAT, "%s: tensor %s: storage %s has no data", OR_ESC(r->name),
                       OR_ESC(name), OR_ESC(s->key));
    uint64_t n = s->nbytes / s->elsize;
    if ((uint64_t)s->numel > n)
        return or_errf(r->err, OR_EFORMAT, "%s: storage %s holds %llu bytes, fewer than its %lld "
                       "elements of %zu bytes",
                       OR_ESC(r->name), OR_ESC(s->key), (unsigned long long)s->nbytes,
                       (long long)s->numel, s->elsize);
    *out = s;
    *base = 0;
    *avail = s->nbytes;
    if (p.has_view) {
        if ((uint64_t)p.view_offset > n || (uint64_t)p.view_numel > n - (uint64_t)p.view_offset)
            return or_errf(r->err, OR_EFORMAT, "%s: tensor %s: storage view outside storage %s",
                           OR_ESC(r->name), OR_ESC(name), OR_ESC(s->key));
        *base = (uint64_t)p.view_offset * s->elsize;
        *avail = (uint64_t)p.view_numel * s->elsize;
    }
    return OR_OK;
}

/* numel of the shape, and the check that every addressed element lies in
 * [offset, avail): offset + sum((size-1) * stride) < avail. */
static or_status check_layout(ck_reader *r, const char *name, const pk_tensor *t, int64_t avail,
                              int64_t *numel)
{
    if (t->offset < 0)
        return or_errf(r->err, OR_EFORMAT, "%s: tensor %s: negative storage offset",
                       OR_ESC(r->name), OR_ESC(name));
    int64_t n = 1, last = t->offset;
    for (int d = 0; d < t->ndim; d++) {
        if (t->size[d] < 0 || t->stride[d] < 0)
            return or_errf(r->err, OR_EFORMAT, "%s: tensor %s: negative size or stride",
                           OR_ESC(r->name), OR_ESC(name));
        if (t->size[d] && n > CK_MAX_NUMEL / t->size[d])
            return or_errf(r->err, OR_ENOMEM, "%s: tensor %s is too large", OR_ESC(r->name),
                           OR_ESC(name));
        n *= t->size[d];
    }
    *numel = n;
    if (n == 0)
        return OR_OK;
    for (int d = 0; d < t->ndim; d++) {
        int64_t reach = t->size[d] - 1;
        if (reach && t->stride[d] > (INT64_MAX - last) / reach)
            return or_errf(r->err, OR_EFORMAT, "%s: tensor %s: strides overflow", OR_ESC(r->name),
                           OR_ESC(name));
        last += reach * t->stride[d];
    }
    if (last >= avail)
        return or_errf(r->err, OR_EFORMAT, "%s: tensor %s reaches element %lld of a storage of "
                       "%lld", OR_ESC(r->name), OR_ESC(name), (long long)last, (long long)avail);
    return OR_OK;
}

or_status ck_materialise(ck_reader *r, const char *name, const pk_tensor *t, ck_tensor *out)
{
    const ck_storage *s = NULL;
    ck_dtype dt = CK_F32;
    uint64_t base = 0, avail = 0;
    int64_t numel = 0;
    OR_TRY(tensor_storage(r, name, t, &s, &base, &avail));
    OR_TRY(tensor_dtype(r, name, t, s, &dt));
    size_t es = ck_dtype_size(dt);
    if (base % es)
        return or_errf(r->err, OR_EFORMAT, "%s: tensor %s: misaligned storage view",
                       OR_ESC(r->name), OR_ESC(name));
    OR_TRY(check_layout(r, name, t, (int64_t)(avail / es), &numel));
    if ((uint64_t)numel > r->out_left)
        return or_errf(r->err, OR_ENOMEM, "%s: tensor %s expands to %lld elements, more than this "
                       "file can hold (stride-0 broadcast?)",
                       OR_ESC(r->name), OR_ESC(name), (long long)numel);
    r->out_left -= (uint64_t)numel;
    out->src_dtype = dt;
    out->ndim = t->ndim;
    for (int d = 0; d < t->ndim; d++)
        out->shape[d] = t->size[d];
    out->numel = numel;
    out->data = malloc(numel ? (size_t)numel * sizeof(float) : sizeof(float));
    if (!out->data)
        return or_errf(r->err, OR_ENOMEM, "%s: out of memory for tensor %s (%lld elements)",
                       OR_ESC(r->name), OR_ESC(name), (long long)numel);
    copy_strided(out->data, s->data + base, dt, t, t->offset, numel);
    return OR_OK;
}
