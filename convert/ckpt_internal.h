/* ckpt_internal.h: what torch_ckpt.c (containers, state-dict search) and
 * ckpt_tensor.c (storages and tensor materialisation) share.  Not public. */
#ifndef OR_CKPT_INTERNAL_H
#define OR_CKPT_INTERNAL_H

#include "ckpt.h"
#include "pickle.h"
#include "zip.h"

_Static_assert(PK_MAX_DIMS == CK_MAX_DIMS, "pickle and checkpoint dimension limits differ");

/* One storage of the checkpoint, by key. */
typedef struct {
    const char *key;            /* owned by the pickle doc */
    const char *cls;            /* storage class, e.g. "torch.FloatStorage" */
    int supported;              /* cls maps to a ck_dtype we convert */
    ck_dtype dtype;
    size_t elsize;
    int64_t numel;              /* as declared by the persistent id */
    const uint8_t *data;        /* NULL until located / read */
    uint64_t nbytes;
    uint8_t *owned;             /* inflated copy of a deflated zip entry */
} ck_storage;

/* A parsed ('storage', cls, key, location, numel[, view_metadata]) id. */
typedef struct {
    const char *cls;
    int supported;
    ck_dtype dtype;
    size_t elsize;
    const char *key;
    int64_t numel;
    int has_view;               /* legacy view_metadata (view_key, offset, numel) */
    int64_t view_offset, view_numel;
} ck_pid;

typedef struct ck_reader {
    const char *name;           /* path, for messages */
    const uint8_t *buf;
    size_t len;
    or_err *err;
    char format[16];
    char wrapper[32];
    char prefix[256];           /* zip: "<archive>/" */
    zip_archive zip;
    int have_zip;
    pk_doc *doc;
    pk_value *root;
    ck_storage *st;             /* sorted by key */
    size_t n_st;
    uint64_t out_left;          /* float32 elements we may still produce */
    /* The bytes of s, read on first use (zip) or already there (legacy): set by
     * the container reader (torch_ckpt.c), so that ckpt_tensor.c, below it,
     * calls nothing of torch_ckpt.c. */
    or_status (*load_storage)(struct ck_reader *r, ck_storage *s);
} ck_reader;

/* NULL when v is a well-formed storage id, else why not. */
const char *ck_parse_pid(const pk_value *v, ck_pid *p);
/* The storage of that key in r->st (sorted by key; ckpt_tensor.c), or NULL. */
ck_storage *ck_find_storage(const ck_reader *r, const char *key);
or_status ck_materialise(ck_reader *r, const char *name, const pk_tensor *t, ck_tensor *out);
size_t ck_dtype_size(ck_dtype d);

#endif
