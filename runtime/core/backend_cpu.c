/* backend_cpu.c: the CPU backend. Plain C kernels from kernels/, OpenBLAS
 * sgemm for convolutions, OpenMP threads. Computes in f32; f16 tensors may
 * be held (for casts, layout conversions and storage) but not computed on.
 * Each op dispatches on x->layout: NCHW kernels (packed) or their NHWC twins
 * (*_nhwc_cpu.c), which take every tensor's pixel stride (channel views). */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernels/kernels.h"
#include "backend.h"
#include "backend_cpu_conv.h"
#include "backend_tables.h"
#include "ops.h"

/* Convolution scratch (padded input rows, or im2col; at most
 * OR_CPU_CONV_SCRATCH_BUDGET, kernels.h) is taken from the arena per call and
 * given back at once: the same bytes every call, so the steady state allocates
 * nothing. */

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

/* n*h*w: the pixels an NHWC kernel walks (each or_pstride(t) elements apart). */
static size_t pixels(const or_tensor *t) { return (size_t)t->n * t->h * t->w; }

static or_status cpu_conv2d(or_backend *be, const or_tensor *x, const or_tensor *w,
                            const or_tensor *b, const or_conv2d_params *p, or_tensor *y,
                            or_err *err)
{
    OR_TRY(need_f32("conv2d", x, err));
    int nhwc = x->layout == OR_NHWC;
    or_conv_shape s = conv_shape(x, w, p, y);
    or_epilogue_f32 e = epilogue_args(&p->ep, b);
    or_status st;
    if (or_cpu_conv2d_winograd(be, x, w, &s, &e, y, &st, err))
        return st; /* the epilogue is fused there */
    if (!nhwc && conv2d_direct_applies(&s) &&
        conv2d_direct_scratch_bytes(&s) <= OR_CPU_CONV_SCRATCH_BUDGET) {
        or_arena_mark m = or_arena_get_mark(&be->arena);
        void *scratch = NULL;
        OR_TRY(or_arena_alloc(&be->arena, conv2d_direct_scratch_bytes(&s), &scratch, err));
        conv2d_direct_f32(x->data, w->data, y->data, &s, &e, scratch);
        or_arena_reset(&be->arena, m);
        return OR_OK; /* the epilogue fused too */
    }
    size_t scratch_bytes = nhwc ? conv2d_nhwc_im2col_scratch_bytes(&s, OR_CPU_CONV_SCRATCH_BUDGET)
                                : conv2d_nchw_sgemm_scratch_bytes(&s, OR_CPU_CONV_SCRATCH_BUDGET);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    void *scratch = NULL;
    if (scratch_bytes)
        OR_TRY(or_arena_alloc(&be->arena, scratch_bytes, &scratch, err));
    if (nhwc)
        conv2d_nhwc_f32_im2col(x->data, or_pstride(x), w->data, y->data, or_pstride(y), &s,
                               scratch, scratch_bytes);
    else
        conv2d_nchw_f32_sgemm(x->data, w->data, y->data, &s, scratch, scratch_bytes);
    or_arena_reset(&be->arena, m);
    if (nhwc)
        epilogue_nhwc_f32(y->data, or_pstride(y), pixels(y), y->c, &e,
                          p->ep.residual ? or_pstride(p->ep.residual) : 0);
    else
        epilogue_nchw_f32(y->data, y->n, y->c, (size_t)y->h * y->w, &e);
    return OR_OK;
}

static or_status cpu_activation(or_backend *be, const or_tensor *x, or_act act, float alpha,
                                const or_tensor *prelu, or_tensor *y, or_err *err)
{
    OR_TRY(need_f32("activation", x, err));
    const float *slopes = prelu ? (const float *)prelu->data : NULL;
    if (x->layout == OR_NHWC)
        activation_nhwc_f32(x->data, or_pstride(x), y->data, or_pstride(y), pixels(x), x->c, act,
                            alpha, slopes);
    else
        activation_nchw_f32(x->data, y->data, x->n, x->c, (size_t)x->h * x->w, act, alpha, slopes);
    return OR_OK;
}

static or_status cpu_add(or_backend *be, const or_tensor *a, float alpha, const or_tensor *b,
                         float beta, or_tensor *y, or_err *err)
{
    OR_TRY(need_f32("add", a, err));
    if (or_is_packed(a) && or_is_packed(b) && or_is_packed(y))
        add_f32(a->data, alpha, b->data, beta, y->data, or_numel(a));
    else
        add_nhwc_f32(a->data, or_pstride(a), alpha, b->data, or_pstride(b), beta, y->data,
                     or_pstride(y), pixels(a), a->c);
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
    if (x->data == y->data) /* or_cast allows this only with one dtype and pixel stride */
        return OR_OK;
    if (!or_is_packed(x) || !or_is_packed(y))
        cast_nhwc_cpu(x->data, x->dtype == OR_F16, or_pstride(x), y->data, y->dtype == OR_F16,
                      or_pstride(y), pixels(x), x->c);
    else if (x->dtype == y->dtype)
        memmove(y->data, x->data, or_nbytes(x));
    else if (x->dtype == OR_F32)
        cast_f32_to_f16(x->data, y->data, n);
    else
        cast_f16_to_f32(x->data, y->data, n);
    return OR_OK;
}

static or_status cpu_pixel_shuffle(or_backend *be, const or_tensor *x, int r, or_tensor *y,
                                   or_err *err)
{
    OR_TRY(need_f32("pixel_shuffle", x, err));
    if (x->layout == OR_NHWC)
        pixel_shuffle_nhwc_f32(x->data, or_pstride(x), y->data, or_pstride(y), x->n, x->c, x->h,
                               x->w, r);
    else
        pixel_shuffle_f32(x->data, y->data, x->n, x->c, x->h, x->w, r);
    return OR_OK;
}

static or_status cpu_pixel_unshuffle(or_backend *be, const or_tensor *x, int r, or_tensor *y,
                                     or_err *err)
{
    OR_TRY(need_f32("pixel_unshuffle", x, err));
    if (x->layout == OR_NHWC)
        pixel_unshuffle_nhwc_f32(x->data, or_pstride(x), y->data, or_pstride(y), x->n, x->c, x->h,
                                 x->w, r);
    else
        pixel_unshuffle_f32(x->data, y->data, x->n, x->c, x->h, x->w, r);
    return OR_OK;
}

static or_status cpu_upsample_nearest(or_backend *be, const or_tensor *x, int s, or_tensor *y,
                                      or_err *err)
{
    OR_TRY(need_f32("upsample_nearest", x, err));
    if (x->layout == OR_NHWC)
        upsample_nearest_nhwc_f32(x->data, or_pstride(x), y->data, or_pstride(y), x->n, x->c,
                                  x->h, x->w, s);
    else
        upsample_nearest_f32(x->data, y->data, x->n, x->c, x->h, x->w, s);
    return OR_OK;
}

/* Any dtype: the elements are moved, never converted. */
static or_status cpu_convert_layout(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err)
{
    int f16 = x->dtype == OR_F16;
    if (x->layout == OR_NCHW && y->layout == OR_NHWC)
        nchw_to_nhwc_cpu(x->data, y->data, or_pstride(y), f16, x->n, x->c, x->h, x->w);
    else if (x->layout == OR_NHWC && y->layout == OR_NCHW)
        nhwc_to_nchw_cpu(x->data, or_pstride(x), y->data, f16, x->n, x->c, x->h, x->w);
    else if (or_is_packed(x) && or_is_packed(y))
        memcpy(y->data, x->data, or_nbytes(x));
    else
        cast_nhwc_cpu(x->data, f16, or_pstride(x), y->data, f16, or_pstride(y), pixels(x), x->c);
    return OR_OK;
}

static const or_ops cpu_ops = {cpu_conv2d,          cpu_activation,       cpu_add,
                               cpu_channel_affine,  cpu_cast,             cpu_pixel_shuffle,
                               cpu_pixel_unshuffle, cpu_upsample_nearest, cpu_convert_layout};

static void *cpu_alloc(or_backend *be, size_t bytes)
{
    /* chunk bases aligned like cudaMalloc, so arena offsets are aligned on both backends */
    void *p = aligned_alloc(OR_ARENA_ALIGN, (bytes + OR_ARENA_ALIGN - 1) & ~(size_t)(OR_ARENA_ALIGN - 1));
    if (p)
        be->n_mem_allocs++;
    return p;
}

static void cpu_free(or_backend *be, void *p)
{
    or_cpu_conv_cache_forget_alloc(be->impl, p);
    free(p);
}

static or_status cpu_copy(or_backend *be, void *dst, const void *src, size_t bytes, or_err *err)
{
    memcpy(dst, src, bytes);
    return OR_OK;
}

/* A write into backend memory: transformed weights cached for it are stale. */
static or_status cpu_copy_in(or_backend *be, void *dst, const void *src, size_t bytes, or_err *err)
{
    or_cpu_conv_cache_forget(be->impl, dst, bytes);
    return cpu_copy(be, dst, src, bytes, err);
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

static void cpu_destroy(or_backend *be)
{
    or_cpu_conv_cache_free(be->impl);
    free(be);
}

or_status or_backend_cpu_create(int threads, or_backend **out, or_err *err)
{
    or_backend *be = calloc(1, sizeof *be);
    if (!be)
        return or_errf(err, OR_ENOMEM, "cpu backend: out of memory");
    if (threads > 0)
        omp_set_num_threads(threads);
    /* OPRESTORE_CPU_WINOGRAD=0: every convolution on the direct path (for comparisons) */
    const char *wino = getenv("OPRESTORE_CPU_WINOGRAD");
    if (!(wino && strcmp(wino, "0") == 0)) {
        or_status st = or_cpu_conv_cache_create((or_cpu_conv_cache **)&be->impl, err);
        if (st) {
            free(be);
            return st;
        }
    }
    be->kind = OR_BACKEND_CPU;
    be->device = -1;
    snprintf(be->name, sizeof be->name, "cpu (%d threads)", omp_get_max_threads());
    be->ops = &cpu_ops;
    be->act_layout[OR_F32] = OR_NCHW; /* tests may ask for NHWC */
    be->act_layout[OR_F16] = OR_NCHW;
    be->fam = (or_op_families){&or_ops_math_cpu,  &or_ops_resample_cpu,  &or_ops_deconv_cpu,
                               &or_ops_pool_cpu,  &or_ops_color_cpu,     &or_ops_attention_cpu,
                               &or_ops_flow_cpu,  &or_ops_norm_cpu};
    be->mem_alloc = cpu_alloc;
    be->mem_free = cpu_free;
    be->copy_in = cpu_copy_in;
    be->copy_out = cpu_copy;
    be->sync = cpu_sync;
    be->mem_available = cpu_mem_available;
    be->destroy = cpu_destroy;
    or_arena_init(&be->arena, be, (size_t)32 << 20, 0);
    *out = be;
    return OR_OK;
}
