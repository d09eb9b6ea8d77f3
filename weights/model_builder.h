/* model_builder.h: collect named float32 tensors and metadata, then write
 * them as one safetensors file (f32 or f16), via a temporary file renamed
 * into place.  Used by the converter and by tests. */
#ifndef OR_MODEL_BUILDER_H
#define OR_MODEL_BUILDER_H

#include <stdint.h>

#include "runtime/core/status.h"

#define MB_MAX_DIMS 4

typedef struct {
    char *name;
    int ndim;
    int64_t shape[MB_MAX_DIMS];
    int64_t numel;
    float *data; /* owned copy */
} mb_tensor;

typedef struct {
    char *key, *value;
} mb_meta_kv;

typedef struct {
    mb_tensor *t;
    int n, cap;
    mb_meta_kv *meta;
    int n_meta, cap_meta;
} or_model_builder;

void mb_init(or_model_builder *mb);
void mb_free(or_model_builder *mb);
/* Add a tensor (data copied). Fails on a duplicate name or ndim > 4. */
or_status mb_add(or_model_builder *mb, const char *name, int ndim, const int64_t *shape,
                 const float *data, or_err *err);
/* Add a tensor and return a pointer to its (zeroed) data to fill in place. */
float *mb_add_empty(or_model_builder *mb, const char *name, int ndim, const int64_t *shape,
                    or_err *err);
const mb_tensor *mb_find(const or_model_builder *mb, const char *name);
/* Metadata; setting a key twice replaces the value. */
void mb_meta_str(or_model_builder *mb, const char *key, const char *value);
void mb_meta_int(or_model_builder *mb, const char *key, long long value);
void mb_meta_float(or_model_builder *mb, const char *key, double value);
const char *mb_meta_get(const or_model_builder *mb, const char *key);

typedef enum { MB_F32 = 0, MB_F16 = 1 } mb_dtype;
/* Write path (tensors sorted by name, 64-byte aligned data). */
or_status mb_write_safetensors(const or_model_builder *mb, const char *path, mb_dtype dtype,
                               or_err *err);

#endif
