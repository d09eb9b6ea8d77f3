/* safetensors.h: our model file, read through mmap.
 * Layout: u64 little-endian header length N, N bytes of JSON header
 * ({"__metadata__": {str: str}, "<tensor>": {"dtype", "shape", "data_offsets"}}),
 * then the raw little-endian tensor bytes.  The reader checks the header
 * against the file before anything uses it: known dtypes, shapes matching
 * byte counts, offsets in bounds and not overlapping. */
#ifndef OR_SAFETENSORS_H
#define OR_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/core/status.h"

#define ST_MAX_DIMS 8
#define ST_MAX_HEADER ((uint64_t)100 << 20)

typedef enum { ST_F32, ST_F16, ST_BF16, ST_F64, ST_I64, ST_I32, ST_I16, ST_I8, ST_U8, ST_BOOL } st_dtype;

typedef struct {
    char *name;
    st_dtype dtype;
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    int64_t numel;
    const uint8_t *data; /* into the mapping */
    size_t nbytes;
} st_tensor;

typedef struct {
    char path[1024];
    void *map;          /* mmap'd file (NULL when parsed from a caller's buffer) */
    size_t map_len;
    st_tensor *t;
    int n;
    char **meta_keys, **meta_vals;
    int n_meta;
} st_file;

/* path "embedded:<name>" opens a model file built into the binary (embedded.h). */
or_status st_open(const char *path, st_file *f, or_err *err);
/* Parse a buffer the caller keeps alive (tests, fuzzing). */
or_status st_parse(const uint8_t *buf, size_t len, const char *name, st_file *f, or_err *err);
void st_close(st_file *f);

const st_tensor *st_find(const st_file *f, const char *name);
const char *st_meta(const st_file *f, const char *key); /* NULL when absent */
const char *st_dtype_name(st_dtype d);
size_t st_dtype_size(st_dtype d);

/* Find name and check its shape: "<file>: tensor body.3.rdb1.conv1.weight:
 * expected [32,64,3,3], got [64,64,3,3]" / "...: missing". */
or_status st_expect(const st_file *f, const char *name, int ndim, const int64_t *shape,
                    const st_tensor **out, or_err *err);
/* Convert a floating tensor to f32 (dst has numel floats). */
or_status st_read_f32(const st_file *f, const st_tensor *t, float *dst, or_err *err);

#endif
