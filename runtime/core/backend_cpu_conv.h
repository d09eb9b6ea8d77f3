/* backend_cpu_conv.h: the CPU backend's Winograd convolutions and their weight cache
 * (backend_cpu_conv.c). Core-internal: backend_cpu.c and backend_cpu_deconv.c include it. */
#ifndef OR_BACKEND_CPU_CONV_H
#define OR_BACKEND_CPU_CONV_H

#include "kernels/deconv_kernels.h"
#include "kernels/kernels.h"
#include "backend.h"

/* Transformed weights, keyed by weight pointer and shape; held in be->impl. */
typedef struct or_cpu_conv_cache or_cpu_conv_cache;

or_status or_cpu_conv_cache_create(or_cpu_conv_cache **out, or_err *err);
void or_cpu_conv_cache_free(or_cpu_conv_cache *c);
/* Drop the entries whose weight overlaps [p, p + bytes) (copy_in wrote there). */
void or_cpu_conv_cache_forget(or_cpu_conv_cache *c, const void *p, size_t bytes);
/* Drop the entries inside the allocation at base (mem_free is about to free it). */
void or_cpu_conv_cache_forget_alloc(or_cpu_conv_cache *c, void *base);

/* y = epilogue(conv2d(x, w)) by Winograd F(4x4,3x3) when the shape and layout allow it and its
 * scratch fits OR_CPU_CONV_SCRATCH_BUDGET: returns 1 with the outcome in *st; otherwise 0 and
 * nothing is done (the caller takes the direct path). */
int or_cpu_conv2d_winograd(or_backend *be, const or_tensor *x, const or_tensor *w,
                           const or_conv_shape *s, const or_epilogue_f32 *ep, or_tensor *y,
                           or_status *st, or_err *err);

/* y = epilogue(conv_transpose2d(x, w)) by Winograd, for ConvTranspose2d(4, 2, 1)
 * (kernels/conv2d_winograd_phases_cpu.c), the epilogue fused, as above: 1 and *st, or 0 (the gemm
 * path; nothing done). */
int or_cpu_deconv2d_winograd(or_backend *be, const or_tensor *x, const or_tensor *w,
                             const or_deconv_shape *s, const or_epilogue_f32 *ep, or_tensor *y,
                             or_status *st, or_err *err);

#endif
