/* tensor.h: a 4-D tensor (N,C,H,W) of f32 or f16 held by one backend.
 * Tensors do not own memory: data comes from a backend arena (activations)
 * or from a mapped model file uploaded once (weights).
 *
 * Layout: NCHW unless layout == OR_NHWC.  An NHWC tensor's element (n,c,y,x)
 * sits at ((n*H + y)*W + x)*pstride + c, so a channel view of an NHWC buffer
 * (or_tensor_channels) is the same buffer with a pixel stride wider than its
 * channel count.  NCHW tensors are always packed.  A convolution weight in
 * NHWC is [Co,Ci,kh,kw] stored as Co x kh x kw x Ci (cuDNN's KRSC). */
#ifndef OR_TENSOR_H
#define OR_TENSOR_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>
#include <stdint.h>

#include "kernels/half.h"

typedef enum { OR_F32 = 0, OR_F16 = 1 } or_dtype;
typedef enum { OR_NCHW = 0, OR_NHWC = 1 } or_layout;

struct or_backend;

typedef struct {
    int n, c, h, w;
    or_dtype dtype;
    struct or_backend *be; /* the backend whose memory holds data */
    void *data;
    const char *name;      /* for error messages; may be NULL */
    or_layout layout;      /* OR_NCHW (0, the default) or OR_NHWC */
    int pstride;           /* NHWC: elements from one pixel to the next (>= c); 0 means c */
} or_tensor;

static inline size_t or_dtype_size(or_dtype t) { return t == OR_F16 ? 2 : 4; }
static inline size_t or_numel(const or_tensor *t)
{
    return (size_t)t->n * (size_t)t->c * (size_t)t->h * (size_t)t->w;
}
static inline size_t or_nbytes(const or_tensor *t) { return or_numel(t) * or_dtype_size(t->dtype); }
/* NHWC pixel stride in elements (c when packed; c for NCHW too). */
static inline int or_pstride(const or_tensor *t)
{
    return t->layout == OR_NHWC && t->pstride > 0 ? t->pstride : t->c;
}
/* 1 when the elements are contiguous (every NCHW tensor, NHWC with pstride == c). */
static inline int or_is_packed(const or_tensor *t) { return or_pstride(t) == t->c; }
/* Bytes from data to one past the last element (or_nbytes when packed). */
static inline size_t or_span_bytes(const or_tensor *t)
{
    size_t px = (size_t)t->n * (size_t)t->h * (size_t)t->w;
    if (or_is_packed(t) || px == 0)
        return or_nbytes(t);
    return ((px - 1) * (size_t)or_pstride(t) + (size_t)t->c) * or_dtype_size(t->dtype);
}
const char *or_layout_name(or_layout l);
const char *or_dtype_name(or_dtype t);
/* "[n,c,h,w] f16" into buf (for messages; NHWC adds " nhwc", a strided
 * view " nhwc/<pstride>"); returns buf. */
const char *or_shape_str(const or_tensor *t, char *buf, size_t len);
static inline int or_same_shape(const or_tensor *a, const or_tensor *b)
{
    return a->n == b->n && a->c == b->c && a->h == b->h && a->w == b->w;
}

/* IEEE half conversion on the host (round to nearest even): or_f32_to_f16 and
 * or_f16_to_f32 live in kernels/half.h (the CPU kernels' casts use them too). */

#ifdef __cplusplus
}
#endif

#endif
