/* tensor.h: a 4-D tensor (N,C,H,W) of f32 or f16 held by one backend.
 * Tensors do not own memory: data comes from a backend arena (activations)
 * or from a mapped model file uploaded once (weights). */
#ifndef OR_TENSOR_H
#define OR_TENSOR_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>
#include <stdint.h>

typedef enum { OR_F32 = 0, OR_F16 = 1 } or_dtype;

struct or_backend;

typedef struct {
    int n, c, h, w;
    or_dtype dtype;
    struct or_backend *be; /* the backend whose memory holds data */
    void *data;
    const char *name;      /* for error messages; may be NULL */
} or_tensor;

static inline size_t or_dtype_size(or_dtype t) { return t == OR_F16 ? 2 : 4; }
static inline size_t or_numel(const or_tensor *t)
{
    return (size_t)t->n * (size_t)t->c * (size_t)t->h * (size_t)t->w;
}
static inline size_t or_nbytes(const or_tensor *t) { return or_numel(t) * or_dtype_size(t->dtype); }
const char *or_dtype_name(or_dtype t);
/* "[n,c,h,w] f16" into buf (for messages); returns buf. */
const char *or_shape_str(const or_tensor *t, char *buf, size_t len);
static inline int or_same_shape(const or_tensor *a, const or_tensor *b)
{
    return a->n == b->n && a->c == b->c && a->h == b->h && a->w == b->w;
}

/* IEEE half conversion on the host (round to nearest even). */
uint16_t or_f32_to_f16(float f);
float or_f16_to_f32(uint16_t h);

#ifdef __cplusplus
}
#endif

#endif
