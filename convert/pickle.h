/* pickle.h: a pickle reader (protocols 2..5) that builds plain data and never
 * executes anything.
 *
 * Python's unpickler imports modules and calls functions named by the stream;
 * that is how a checkpoint can run os.system.  This reader only recognises a
 * few torch functions by name and turns them into records (a rebuilt tensor,
 * an empty OrderedDict, a parameter unwrapped to its tensor).  Every other
 * global is an opaque value carrying its dotted name, and calling or building
 * one gives another opaque value.  All values of one document live in a
 * pk_doc and are freed together, so shared (memoised) and even cyclic values
 * need no reference counting; nothing here walks the value graph recursively.
 *
 * Everything is bounded: opcode arguments against the remaining input, stack
 * depth, memo indices, and the total bytes allocated per document. */
#ifndef OR_PICKLE_H
#define OR_PICKLE_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/core/status.h"

#define PK_MAX_DIMS 8

typedef enum {
    PK_NONE = 0,
    PK_BOOL,
    PK_INT,     /* fits in int64 */
    PK_BIGINT,  /* does not: s/len hold the little-endian two's complement bytes */
    PK_FLOAT,
    PK_STR,     /* s/len, NUL-terminated (UTF-8 as stored) */
    PK_BYTES,
    PK_TUPLE,   /* items/n */
    PK_LIST,    /* items/n */
    PK_DICT,    /* items/n: key 0, value 0, key 1, value 1, ... (insertion order) */
    PK_GLOBAL,  /* s = "module.name" of a GLOBAL / STACK_GLOBAL, not resolved */
    PK_OPAQUE,  /* an object made by calling or instantiating a global: s = its class */
    PK_PERSID,  /* a persistent-id reference: pid = the id object (torch: a tuple) */
    PK_TENSOR   /* torch._utils._rebuild_tensor_v2 & co: t */
} pk_kind;

typedef struct pk_value pk_value;

/* What _rebuild_tensor_v2(storage, offset, size, stride, ...) was called with.
 * Only the types are checked here; bounds are checked when materialising. */
typedef struct {
    pk_value *storage;          /* normally a PK_PERSID */
    int64_t offset;             /* in elements */
    int ndim;
    int64_t size[PK_MAX_DIMS];
    int64_t stride[PK_MAX_DIMS];
    const char *dtype;          /* _rebuild_tensor_v3's dtype ("torch.float16"), else NULL */
} pk_tensor;

struct pk_value {
    pk_kind kind;
    int64_t i;                  /* PK_BOOL, PK_INT */
    double f;                   /* PK_FLOAT */
    char *s;                    /* PK_STR, PK_BYTES, PK_BIGINT, PK_GLOBAL, PK_OPAQUE */
    size_t len;
    pk_value **items;           /* PK_TUPLE, PK_LIST, PK_DICT */
    size_t n, cap;
    pk_value *pid;              /* PK_PERSID */
    pk_tensor *t;               /* PK_TENSOR */
};

/* Owner of every value parsed into it (several pickles may share one doc). */
typedef struct pk_doc pk_doc;

/* budget: the most bytes the doc may allocate in all (0: a default of 1 GiB). */
pk_doc *pk_doc_new(size_t budget);
void pk_doc_free(pk_doc *d);

/* Parse one pickle from buf[0..len) up to and including its STOP opcode.
 * *used (optional) receives the bytes consumed, so pickles written back to
 * back (the legacy torch.save format) can be read one after the other.
 * Errors say "pickle: <what> at byte N". */
or_status pk_parse(pk_doc *d, const uint8_t *buf, size_t len, size_t *used,
                   pk_value **root, or_err *err);

/* Every PK_PERSID made so far in this doc, in creation order. */
size_t pk_doc_persid_count(const pk_doc *d);
pk_value *pk_doc_persid(const pk_doc *d, size_t i);

/* Small accessors; all tolerate NULL and wrong kinds. */
int pk_is_str(const pk_value *v, const char *s);   /* 1 if a PK_STR equal to s */
size_t pk_dict_len(const pk_value *v);             /* pairs, 0 if not a dict */
pk_value *pk_dict_key(const pk_value *v, size_t i);
pk_value *pk_dict_val(const pk_value *v, size_t i);
pk_value *pk_dict_get(const pk_value *v, const char *key); /* last pair with a str key; NULL */
const char *pk_kind_name(pk_kind k);

#endif
