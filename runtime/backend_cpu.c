/* backend_cpu.c: the CPU backend. Plain C kernels from kernels/, OpenBLAS
 * sgemm for convolutions, OpenMP threads. Computes in f32; f16 tensors may
 * be held (for casts and storage) but not computed on. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../kernels/kernels.h"
#include "backend.h"
#include "ops.h"

/* Scratch for im2col is taken from the arena per call and given back at once:
 * the same bytes every call, so the steady state allocates nothing. */
#define CPU_IM2COL_BUDGET ((size_t)64 << 20)

static or_status need_f32(const char *op, const or_tensor *t, or_err *err)
{
    if (t->dtype != OR_F32)
        return or_errf(err, OR_EUNSUPPORTED, "%s: %s is f16: the CPU backend computes in f32", op,
                       t->name ? t->name : "tensor");
    return OR_OK;
}

static or_epilogue_f32 epilogue_args(const or_epilogue *ep, const or_tensor *b)
{
    or_epilogue_f32 e = {b ? (const float *)b->data : NULL, ep->act, ep->alpha,
                         ep->prelu ? (const float *)ep->prelu->data : NULL,
                         ep->residual ? (const float *)ep->residual->data : NULL, ep->res_scale};
    return e;
}

static or_conv_shape conv_shape(const or_tensor *x, const or_tensor *w, const or_conv2d_params *p,
                                const or_tensor *y)
{
    or_conv_shape s = {x->n, x->c, x->h, x->w, w->n, w->h, w->w, p->stride_h, p->stride_w,
                       p->pad_h, p->pad_w, p->dil_h, p->dil_w, y->h, y->w};
    return s;
}

static or_status cpu_conv2d(or_backend *be, const or_tensor *x, const or_tensor *w,
                            const or_tensor *b, const or_conv2d_params *p, or_tensor *y,
                            or_err *err)
{
    OR_TRY(need_f32("conv2d", x, err));
    or_conv_shape s = conv_shape(x, w, p, y);
    size_t scratch_bytes = conv2d_im2col_scratch_bytes(&s, CPU_IM2COL_BUDGET);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    void *scratch = NULL;
    if (scratch_bytes)
        OR_TRY(or_arena_alloc(&be->arena, scratch_bytes, &scratch, err));
    conv2d_nchw_f32_im2col(x->data, w->data, y->data, &s, scratch, scratch_bytes);
    or_arena_reset(&be->arena, m);
    or_epilogue_f32 e = epilogue_args(&p->ep, b);
    epilogue_nchw_f32(y->data, y->n, y->c, (size_t)y->h * y->w, &e);
    return OR_OK;
}

static or_status cpu_activation(or_backend *be, const or_tensor *x, or_act act, float alpha,
                                const or_tensor *prelu, or_tensor *y, or_err *err)
{
    OR_TRY(need_f32("activation", x, err));
    activation_nchw_f32(x->data, y->data, x->n, x->c, (size_t)x->h * x->w, act, alpha,
                        prelu ? (const float *)prelu->data : NULL);
    return OR_OK;
}

static or_status cpu_add(or_backend *be, const or_tensor *a, float alpha, const or_tensor *b,
                         float beta, or_tensor *y, or_err *err)
{
    OR_TRY(need_f32("add", a, err));
    add_f32(a->data, alpha, b->data, beta, y->data, or_numel(a));
    return OR_OK;
}

static or_status cpu_channel_affine(or_backend *be, const or_tensor *x, const or_tensor *scale,
                                    const or_tensor *shift, or_tensor *y, or_err *err)
{
    OR_TRY(need_f32("channel_affine", x, err));
    channel_affine_nchw_f32(x->data, scale->data, shift->data, y->data, x->n, x->c,
                            (size_t)x->h * x->w);
    return OR_OK;
}

static or_status cpu_cast(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err)
{
    size_t n = or_numel(x);
    if (x->dtype == y->dtype) {
        if (x->data != y->data)
            memmove(y->data, x->data, or_nbytes(x));
    } else if (x->dtype == OR_F32) {
        cast_f32_to_f16(x->data, y->data, n);
    } else {
        cast_f16_to_f32(x->data, y->data, n);
    }
    return OR_OK;
}

static or_status cpu_pixel_shuffle(or_backend *be, const or_tensor *x, int r, or_tensor *y,
                                   or_err *err)
{
    OR_TRY(need_f32("pixel_shuffle", x, err));
    pixel_shuffle_f32(x->data, y->data, x->n, x->c, x->h, x->w, r);
    return OR_OK;
}

static or_status cpu_pixel_unshuffle(or_backend *be, const or_tensor *x, int r, or_tensor *y,
                                     or_err *err)
{
    OR_TRY(need_f32("pixel_unshuffle", x, err));
    pixel_unshuffle_f32(x->data, y->data, x->n, x->c, x->h, x->w, r);
    return OR_OK;
}

static or_status cpu_upsample_nearest(or_backend *be, const or_tensor *x, int s, or_tensor *y,
                                      or_err *err)
{
    OR_TRY(need_f32("upsample_nearest", x, err));
    upsample_nearest_f32(x->data, y->data, x->n, x->c, x->h, x->w, s);
    return OR_OK;
}

static const or_ops cpu_ops = {cpu_conv2d,          cpu_activation,      cpu_add,
                               cpu_channel_affine,  cpu_cast,            cpu_pixel_shuffle,
                               cpu_pixel_unshuffle, cpu_upsample_nearest};

static void *cpu_alloc(or_backend *be, size_t bytes)
{
    /* chunk bases aligned like cudaMalloc, so arena offsets are aligned on both backends */
    void *p = aligned_alloc(OR_ARENA_ALIGN, (bytes + OR_ARENA_ALIGN - 1) & ~(size_t)(OR_ARENA_ALIGN - 1));
    if (p)
        be->n_mem_allocs++;
    return p;
}

static void cpu_free(or_backend *be, void *p) { free(p); }

static or_status cpu_copy(or_backend *be, void *dst, const void *src, size_t bytes, or_err *err)
{
    memcpy(dst, src, bytes);
    return OR_OK;
}

static or_status cpu_sync(or_backend *be, or_err *err) { return OR_OK; }

/* MemAvailable from /proc/meminfo (kB); sysconf's free pages where that is missing. */
static size_t cpu_mem_available(or_backend *be)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[256];
    unsigned long long kb = 0;
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f))
        found = sscanf(line, "MemAvailable: %llu kB", &kb) == 1;
    if (f)
        fclose(f);
    if (found)
        return (size_t)kb * 1024;
    long pages = sysconf(_SC_AVPHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (size_t)pages * (size_t)page : 0;
}

static void cpu_destroy(or_backend *be) { free(be); }

or_status or_backend_cpu_create(int threads, or_backend **out, or_err *err)
{
    or_backend *be = calloc(1, sizeof *be);
    if (!be)
        return or_errf(err, OR_ENOMEM, "cpu backend: out of memory");
    if (threads > 0)
        omp_set_num_threads(threads);
    be->kind = OR_BACKEND_CPU;
    be->device = -1;
    snprintf(be->name, sizeof be->name, "cpu (%d threads)", omp_get_max_threads());
    be->ops = &cpu_ops;
    be->fam = or_op_families_for(OR_BACKEND_CPU);
    be->mem_alloc = cpu_alloc;
    be->mem_free = cpu_free;
    be->copy_in = cpu_copy;
    be->copy_out = cpu_copy;
    be->sync = cpu_sync;
    be->mem_available = cpu_mem_available;
    be->destroy = cpu_destroy;
    or_arena_init(&be->arena, be, (size_t)32 << 20, 0);
    *out = be;
    return OR_OK;
}
