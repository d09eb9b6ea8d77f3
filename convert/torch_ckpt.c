/* torch_ckpt.c: torch.save containers (zip and legacy) and the state-dict
 * search of ckpt.h.  Pickle parsing is in pickle.c, ZIP in zip.c, turning a
 * tensor record into float32 in ckpt_tensor.c. */
#include "ckpt.h"
#include "ckpt_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/core/fileutil.h"

/* pickle.dump(0x1950a86a20f9469cfc6c) in the legacy format, little-endian. */
static const uint8_t LEGACY_MAGIC[10] = {0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
#define LEGACY_PROTOCOL 1001

static const char *const WRAPPERS[] = {"params_ema", "params", "model", "state_dict"};

/* ---- storage table (shared by both formats) --------------------------------- */

static int cmp_storage(const void *a, const void *b)
{
    return strcmp(((const ck_storage *)a)->key, ((const ck_storage *)b)->key);
}

/* One entry per storage key named by a well-formed persistent id; ids that
 * are not storages (a legacy pickled module's source) are skipped here and
 * only refused if a tensor points at one. */
static or_status build_storage_table(ck_reader *r)
{
    size_t n = pk_doc_persid_count(r->doc);
    r->st = calloc(n ? n : 1, sizeof *r->st);
    if (!r->st)
        return or_errf(r->err, OR_ENOMEM, "%s: out of memory", OR_ESC(r->name));
    for (size_t i = 0; i < n; i++) {
        ck_pid p;
        if (ck_parse_pid(pk_doc_persid(r->doc, i), &p))
            continue;
        ck_storage *s = &r->st[r->n_st++];
        s->key = p.key;
        s->cls = p.cls;
        s->supported = p.supported;
        s->dtype = p.dtype;
        s->elsize = p.elsize;
        s->numel = p.numel;
    }
    qsort(r->st, r->n_st, sizeof *r->st, cmp_storage);
    size_t w = 0;
    for (size_t i = 0; i < r->n_st; i++) {
        if (w && !strcmp(r->st[w - 1].key, r->st[i].key)) {
            if (strcmp(r->st[w - 1].cls, r->st[i].cls))
                return or_errf(r->err, OR_EFORMAT, "%s: storage %s is used as %s and as %s",
                               OR_ESC(r->name), OR_ESC(r->st[i].key), OR_ESC(r->st[w - 1].cls),
                               OR_ESC(r->st[i].cls));
            if (r->st[i].numel > r->st[w - 1].numel)
                r->st[w - 1].numel = r->st[i].numel;
            continue;
        }
        r->st[w++] = r->st[i];
    }
    r->n_st = w;
    return OR_OK;
}

/* ---- zip format (torch >= 1.6) ------------------------------------------------ */

static int has_prefix(const char *s, const char *p) { return !strncmp(s, p, strlen(p)); }

/* "<prefix>/data.pkl" with a single-level prefix, as torch.save writes it. */
static const zip_entry *find_data_pkl(const zip_archive *z)
{
    for (size_t i = 0; i < z->n; i++) {
        const char *name = z->e[i].name, *slash = strchr(name, '/');
        if (slash && slash != name && !strcmp(slash, "/data.pkl"))
            return &z->e[i];
    }
    return NULL;
}

static int is_torchscript(const zip_archive *z, const char *prefix)
{
    char want[512];
    for (size_t i = 0; i < z->n; i++) {
        const char *name = z->e[i].name;
        if (!has_prefix(name, prefix))
            continue;
        snprintf(want, sizeof want, "%sconstants.pkl", prefix);
        if (!strcmp(name, want))
            return 1;
        snprintf(want, sizeof want, "%scode/", prefix);
        if (has_prefix(name, want))
            return 1;
    }
    return 0;
}

static or_status zip_read_named(ck_reader *r, const char *entry, const uint8_t **data,
                                uint8_t **owned, uint64_t *size)
{
    const zip_entry *e = zip_find(&r->zip, entry);
    if (!e)
        return or_errf(r->err, OR_EFORMAT, "%s: zip entry %s is missing", OR_ESC(r->name),
                       OR_ESC(entry));
    if (zip_read(&r->zip, e, data, owned, r->err) != OR_OK)
        return or_err_prefix(r->err, "%s", OR_ESC(r->name));
    *size = e->usize;
    return OR_OK;
}

/* torch >= 1.10 records the byte order; only little-endian data is read. */
static or_status check_byteorder(ck_reader *r)
{
    char name[512];
    snprintf(name, sizeof name, "%sbyteorder", r->prefix);
    if (!zip_find(&r->zip, name))
        return OR_OK;
    const uint8_t *data = NULL;
    uint8_t *owned = NULL;
    uint64_t size = 0;
    OR_TRY(zip_read_named(r, name, &data, &owned, &size));
    int big = size >= 3 && !memcmp(data, "big", 3);
    free(owned);
    return big ? or_errf(r->err, OR_EUNSUPPORTED, "%s: big-endian checkpoint",
                         OR_ESC(r->name)) : OR_OK;
}

static or_status load_zip(ck_reader *r)
{
    snprintf(r->format, sizeof r->format, "zip");
    if (zip_open(&r->zip, r->buf, r->len, r->err) != OR_OK)
        return or_err_prefix(r->err, "%s", OR_ESC(r->name));
    r->have_zip = 1;
    const zip_entry *pkl = find_data_pkl(&r->zip);
    if (!pkl)
        return or_errf(r->err, OR_EFORMAT, "%s: zip archive without <name>/data.pkl: not a PyTorch "
                       "checkpoint", OR_ESC(r->name));
    size_t plen = (size_t)(strchr(pkl->name, '/') - pkl->name) + 1;
    if (plen >= sizeof r->prefix)
        return or_errf(r->err, OR_EFORMAT, "%s: zip archive name too long", OR_ESC(r->name));
    memcpy(r->prefix, pkl->name, plen);
    r->prefix[plen] = 0;
    if (is_torchscript(&r->zip, r->prefix))
        return or_errf(r->err, OR_EUNSUPPORTED, "%s: TorchScript archive (torch.jit.save), not a "
                       "state dict; save model.state_dict() with torch.save instead",
                       OR_ESC(r->name));
    OR_TRY(check_byteorder(r));
    const uint8_t *data = NULL;
    uint8_t *owned = NULL;
    uint64_t size = 0;
    OR_TRY(zip_read_named(r, pkl->name, &data, &owned, &size));
    or_status st = pk_parse(r->doc, data, (size_t)size, NULL, &r->root, r->err);
    free(owned);
    if (st != OR_OK)
        return or_err_prefix(r->err, "%s: %sdata.pkl", OR_ESC(r->name), OR_ESC(r->prefix));
    return build_storage_table(r);
}

/* Bytes of a zip storage, read (inflated if need be) on first use only: the
 * optimizer state of a training checkpoint is never touched. */
static or_status load_storage(ck_reader *r, ck_storage *s)
{
    if (s->data || !r->have_zip)
        return OR_OK;
    size_t n = strlen(r->prefix) + strlen(s->key) + 8;
    char *entry = malloc(n);
    if (!entry)
        return or_errf(r->err, OR_ENOMEM, "%s: out of memory", OR_ESC(r->name));
    snprintf(entry, n, "%sdata/%s", r->prefix, s->key);
    or_status st = zip_read_named(r, entry, &s->data, &s->owned, &s->nbytes);
    free(entry);
    return st;
}

/* ---- legacy format (torch.save(..., _use_new_zipfile_serialization=False)) --- */

static or_status legacy_pickle(ck_reader *r, size_t *pos, const char *what, pk_value **v)
{
    size_t used = 0;
    if (pk_parse(r->doc, r->buf + *pos, r->len - *pos, &used, v, r->err) != OR_OK)
        return or_err_prefix(r->err, "%s: legacy checkpoint, %s", OR_ESC(r->name), what);
    *pos += used;
    return OR_OK;
}

static or_status legacy_header(ck_reader *r, size_t *pos)
{
    pk_value *magic, *proto, *info;
    OR_TRY(legacy_pickle(r, pos, "magic number", &magic));
    if (magic->kind != PK_BIGINT || magic->len != sizeof LEGACY_MAGIC ||
        memcmp(magic->s, LEGACY_MAGIC, sizeof LEGACY_MAGIC))
        return or_errf(r->err, OR_EFORMAT, "%s: not a PyTorch checkpoint (a pickle without the "
                       "torch.save magic number)", OR_ESC(r->name));
    OR_TRY(legacy_pickle(r, pos, "protocol version", &proto));
    if (proto->kind != PK_INT || proto->i != LEGACY_PROTOCOL)
        return or_errf(r->err, OR_EUNSUPPORTED, "%s: legacy checkpoint protocol version is not %d",
                       OR_ESC(r->name), LEGACY_PROTOCOL);
    OR_TRY(legacy_pickle(r, pos, "system info", &info));
    pk_value *le = pk_dict_get(info, "little_endian");
    if (le && le->kind == PK_BOOL && !le->i)
        return or_errf(r->err, OR_EUNSUPPORTED, "%s: big-endian checkpoint", OR_ESC(r->name));
    return OR_OK;
}

/* After the pickles: for each key of the key list, an int64 element count
 * and that many elements of the storage's dtype. */
static or_status legacy_storages(ck_reader *r, size_t pos, const pk_value *keys)
{
    if (keys->kind != PK_LIST)
        return or_errf(r->err, OR_EFORMAT, "%s: legacy checkpoint: storage key list is a %s",
                       OR_ESC(r->name), pk_kind_name(keys->kind));
    for (size_t i = 0; i < keys->n; i++) {
        const pk_value *k = keys->items[i];
        ck_storage *s = k->kind == PK_STR ? ck_find_storage(r, k->s) : NULL;
        if (!s || s->data)
            return or_errf(r->err, OR_EFORMAT, "%s: legacy checkpoint: storage key #%zu is unknown "
                           "or listed twice", OR_ESC(r->name), i);
        if (r->len - pos < 8)
            return or_errf(r->err, OR_EFORMAT, "%s: truncated (storage %s missing)",
                           OR_ESC(r->name), OR_ESC(s->key));
        uint64_t numel = 0;
        for (int b = 7; b >= 0; b--)
            numel = numel << 8 | r->buf[pos + (size_t)b];
        pos += 8;
        uint64_t es = s->elsize;
        if (numel > (r->len - pos) / es)
            return or_errf(r->err, OR_EFORMAT, "%s: truncated (storage %s needs %llu bytes, %zu "
                           "left)", OR_ESC(r->name), OR_ESC(s->key), (unsigned long long)numel,
                           r->len - pos);
        s->data = r->buf + pos;
        s->nbytes = numel * es;
        pos += (size_t)s->nbytes;
    }
    return OR_OK;
}

static or_status load_legacy(ck_reader *r)
{
    snprintf(r->format, sizeof r->format, "legacy");
    size_t pos = 0;
    pk_value *keys;
    OR_TRY(legacy_header(r, &pos));
    OR_TRY(legacy_pickle(r, &pos, "main pickle", &r->root));
    OR_TRY(legacy_pickle(r, &pos, "storage key list", &keys));
    OR_TRY(build_storage_table(r));
    return legacy_storages(r, pos, keys);
}

/* ---- finding the state dict ------------------------------------------------------ */

static int has_tensor(const pk_value *d)
{
    for (size_t i = 0; i < pk_dict_len(d); i++)
        if (pk_dict_val(d, i)->kind == PK_TENSOR)
            return 1;
    return 0;
}

static or_status refuse_object(ck_reader *r, const char *where, const pk_value *obj)
{
    return or_errf(r->err, OR_EUNSUPPORTED, "%s: %s is a pickled object of class %s (needs code to "
                   "load); save model.state_dict() instead",
                   OR_ESC(r->name), OR_ESC(where), OR_ESC(obj->s));
}

static or_status no_state_dict(ck_reader *r, const pk_value *root)
{
    char keys[400] = "";
    size_t used = 0;
    for (size_t i = 0; i < pk_dict_len(root); i++) {
        const pk_value *k = pk_dict_key(root, i);
        const char *s = k->kind == PK_STR ? k->s : "?";
        if (used + strlen(s) + 8 >= sizeof keys) {
            snprintf(keys + used, sizeof keys - used, ", ...");
            break;
        }
        used += (size_t)snprintf(keys + used, sizeof keys - used, "%s%s", i ? ", " : "", s);
    }
    return or_errf(r->err, OR_EFORMAT, "%s: no state dict found (top-level keys: %s)",
                   OR_ESC(r->name), OR_ESC(keys));
}

static or_status locate_state_dict(ck_reader *r, const pk_value **sd)
{
    const pk_value *root = r->root;
    if (root->kind == PK_OPAQUE)
        return refuse_object(r, "the checkpoint", root);
    if (root->kind != PK_DICT)
        return or_errf(r->err, OR_EFORMAT, "%s: no state dict found (the checkpoint holds a %s)",
                       OR_ESC(r->name), pk_kind_name(root->kind));
    for (size_t w = 0; w < sizeof WRAPPERS / sizeof *WRAPPERS; w++) {
        const pk_value *v = pk_dict_get(root, WRAPPERS[w]);
        char where[64];
        snprintf(where, sizeof where, "'%s'", WRAPPERS[w]);
        if (v && v->kind == PK_OPAQUE)
            return refuse_object(r, where, v);
        if (v && has_tensor(v)) {
            snprintf(r->wrapper, sizeof r->wrapper, "%s", WRAPPERS[w]);
            *sd = v;
            return OR_OK;
        }
    }
    if (has_tensor(root)) {
        *sd = root;
        return OR_OK;
    }
    for (size_t i = 0; i < pk_dict_len(root); i++) {
        const pk_value *k = pk_dict_key(root, i), *v = pk_dict_val(root, i);
        if (v->kind == PK_OPAQUE && k->kind == PK_STR && k->len < 40) {
            char where[64];
            snprintf(where, sizeof where, "'%s'", k->s);
            return refuse_object(r, where, v);
        }
    }
    return no_state_dict(r, root);
}

/* ---- the state dict out ------------------------------------------------------------ */

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const ck_tensor *)a)->name, ((const ck_tensor *)b)->name);
}

/* Names must be unique; a sorted copy finds repeats in n log n. */
static or_status check_unique(ck_reader *r, const ck_state_dict *sd)
{
    if (sd->n < 2)
        return OR_OK;
    ck_tensor *c = malloc((size_t)sd->n * sizeof *c);
    if (!c)
        return or_errf(r->err, OR_ENOMEM, "%s: out of memory", OR_ESC(r->name));
    memcpy(c, sd->t, (size_t)sd->n * sizeof *c);
    qsort(c, (size_t)sd->n, sizeof *c, cmp_name);
    or_status st = OR_OK;
    for (int i = 1; i < sd->n && st == OR_OK; i++)
        if (!strcmp(c[i - 1].name, c[i].name))
            st = or_errf(r->err, OR_EFORMAT, "%s: tensor %s appears twice", OR_ESC(r->name),
                         OR_ESC(c[i].name));
    free(c);
    return st;
}

static void strip_module_prefix(ck_state_dict *sd)
{
    const char *p = "module.";
    size_t n = strlen(p);
    for (int i = 0; i < sd->n; i++)
        if (strncmp(sd->t[i].name, p, n))
            return;
    for (int i = 0; i < sd->n; i++)
        memmove(sd->t[i].name, sd->t[i].name + n, strlen(sd->t[i].name + n) + 1);
    sd->stripped_module_prefix = sd->n > 0;
}

static or_status add_entry(ck_reader *r, ck_state_dict *sd, const pk_value *k, const pk_value *v)
{
    if (k->kind != PK_STR)
        return OR_OK;
    /* A tensor rebuilt by a torch function we do not know (quantized,
     * sparse...) must not vanish silently; other objects are metadata. */
    if (v->kind == PK_OPAQUE && has_prefix(v->s, "torch."))
        return or_errf(r->err, OR_EUNSUPPORTED, "%s: tensor %s is stored as %s, which is not "
                       "supported", OR_ESC(r->name), OR_ESC(k->s), OR_ESC(v->s));
    if (v->kind != PK_TENSOR)
        return OR_OK;
    ck_tensor *t = &sd->t[sd->n];
    memset(t, 0, sizeof *t);
    if (!(t->name = strdup(k->s)))
        return or_errf(r->err, OR_ENOMEM, "%s: out of memory", OR_ESC(r->name));
    sd->n++;
    return ck_materialise(r, k->s, v->t, t);
}

static or_status collect(ck_reader *r, const pk_value *d, ck_state_dict *sd)
{
    size_t n = pk_dict_len(d);
    if (n > (size_t)INT32_MAX)
        return or_errf(r->err, OR_ENOMEM, "%s: too many entries", OR_ESC(r->name));
    sd->t = calloc(n ? n : 1, sizeof *sd->t);
    if (!sd->t)
        return or_errf(r->err, OR_ENOMEM, "%s: out of memory", OR_ESC(r->name));
    for (size_t i = 0; i < n; i++)
        OR_TRY(add_entry(r, sd, pk_dict_key(d, i), pk_dict_val(d, i)));
    strip_module_prefix(sd);
    return check_unique(r, sd);
}

/* ---- entry points -------------------------------------------------------------------- */

static int looks_like_tar(const uint8_t *buf, size_t len)
{
    return len >= 512 && !memcmp(buf + 257, "ustar", 5);
}

/* What a file that is no checkpoint looks like, for the message. */
static const char *file_kind_hint(const uint8_t *buf, size_t len)
{
    if (len >= 8 && !memcmp(buf, "\x89PNG\r\n\x1a\n", 8))
        return "; it is a PNG image";
    if (len >= 3 && !memcmp(buf, "\xff\xd8\xff", 3))
        return "; it is a JPEG image";
    if (len >= 9 && buf[8] == '{' && !buf[6] && !buf[7])
        return "; it looks like safetensors, which this reader does not handle";
    if (len >= 4 && !memcmp(buf, "\x1f\x8b", 2))
        return "; it is gzip-compressed: decompress it first";
    return "";
}

static or_status read_container(ck_reader *r)
{
    if (r->len == 0)
        return or_errf(r->err, OR_EFORMAT, "%s: empty file", OR_ESC(r->name));
    if (zip_sniff(r->buf, r->len))
        return load_zip(r);
    if (r->buf[0] == 0x80 && r->len >= 2 && r->buf[1] >= 2 && r->buf[1] <= 5)
        return load_legacy(r);
    if (looks_like_tar(r->buf, r->len))
        return or_errf(r->err, OR_EUNSUPPORTED, "%s: tar checkpoint (torch < 0.4), not supported; "
                       "re-save it with a newer torch", OR_ESC(r->name));
    return or_errf(r->err, OR_EFORMAT, "%s: not a PyTorch checkpoint (neither zip nor legacy "
                   "pickle)%s", OR_ESC(r->name), file_kind_hint(r->buf, r->len));
}

static void reader_free(ck_reader *r)
{
    for (size_t i = 0; i < r->n_st; i++)
        free(r->st[i].owned);
    free(r->st);
    if (r->have_zip)
        zip_close(&r->zip);
    pk_doc_free(r->doc);
}

/* Bounds on what a (possibly hostile) input may make us allocate: pickle
 * values and float32 output, both proportional to the input size. */
static size_t pickle_budget(size_t len)
{
    /* A one-byte opcode can make a ~100-byte value, and a checkpoint may be
     * almost all pickle (many scalars): 256 bytes per input byte. */
    size_t cap = (size_t)1 << 36;
    return len < cap / 256 ? 256 * len + ((size_t)64 << 20) : cap;
}

/* Messages quote names taken from the file (zip entries, keys, classes):
 * keep them on one printable line whatever bytes those hold. */
static void one_line(or_err *err)
{
    for (char *c = err ? err->msg : NULL; c && *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
}

or_status ckpt_read_state_dict_mem(const uint8_t *buf, size_t len, const char *name,
                                   ck_state_dict *sd, or_err *err)
{
    memset(sd, 0, sizeof *sd);
    ck_reader r = {.name = name ? name : "<memory>", .buf = buf, .len = len, .err = err,
                   .load_storage = load_storage};
    r.out_left = len < ((uint64_t)1 << 40) ? 64 * (uint64_t)len + ((uint64_t)1 << 24) : (uint64_t)1 << 46;
    r.doc = pk_doc_new(pickle_budget(len));
    if (!r.doc)
        return or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(r.name));
    const pk_value *d = NULL;
    or_status st = read_container(&r);
    if (st == OR_OK)
        st = locate_state_dict(&r, &d);
    if (st == OR_OK)
        st = collect(&r, d, sd);
    if (st == OR_OK) {
        snprintf(sd->format, sizeof sd->format, "%s", r.format);
        snprintf(sd->wrapper, sizeof sd->wrapper, "%s", r.wrapper);
    } else {
        ckpt_free(sd);
        one_line(err);
    }
    reader_free(&r);
    return st;
}

or_status ckpt_read_state_dict(const char *path, ck_state_dict *sd, or_err *err)
{
    memset(sd, 0, sizeof *sd);
    int fd;
    size_t len;
    OR_TRY(or_open_input(path, 0, &fd, &len, err)); /* mmap'd: no size limit */
    if (len == 0) {
        close(fd);
        return ckpt_read_state_dict_mem((const uint8_t *)"", 0, path, sd, err);
    }
    void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED)
        return or_errf(err, OR_EIO, "%s: cannot map (%s)", OR_ESC(path), strerror(errno));
    or_status st = ckpt_read_state_dict_mem(map, len, path, sd, err);
    munmap(map, len);
    return st;
}

void ckpt_free(ck_state_dict *sd)
{
    if (!sd)
        return;
    for (int i = 0; i < sd->n; i++) {
        free(sd->t[i].name);
        free(sd->t[i].data);
    }
    free(sd->t);
    memset(sd, 0, sizeof *sd);
}

const ck_tensor *ckpt_find(const ck_state_dict *sd, const char *name)
{
    for (int i = 0; sd && name && i < sd->n; i++)
        if (!strcmp(sd->t[i].name, name))
            return &sd->t[i];
    return NULL;
}
