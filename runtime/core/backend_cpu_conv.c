/* backend_cpu_conv.c: the CPU backend's Winograd path for 3x3 stride-1 NCHW convolutions, dilated
 * ones and stride-2 dilation-2 ones included (kernels/conv2d_winograd_cpu.c, _phases_cpu.c), and
 * the cache of transformed weights it runs on.
 *
 * The cache: a weight that lives outside the arena (a network's weights, uploaded once through
 * copy_in) is transformed on its first convolution and kept, keyed by its data pointer and
 * shape, until the memory under it is written through copy_in or freed through mem_free
 * (cpu_conv_cache_forget). Weights inside the arena (tests, temporaries) are transformed per call
 * into the call's scratch, since arena memory is reused without notice. Host memory, outside
 * the arena and mem_alloc (n_mem_allocs counts neither), bounded by WINO_CACHE_MAX; past it,
 * per call as for arena weights. One backend is driven by one thread at a time (as every op). */
#include <malloc.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/deconv_kernels.h"
#include "kernels/kernels.h"
#include "backend_cpu_conv.h"

#define WINO_CACHE_MAX ((size_t)4 << 30)

typedef struct {
    const void *w; /* the weight's data */
    size_t w_bytes;
    int co, ci;    /* of the Winograd convolution (a transposed one's: 4 Co, Ci) */
    int deconv;    /* w is a ConvTranspose2d(4, 2, 1) weight [Ci][Co][4][4] */
    float *u;      /* [36][co / 4][ci][4] (conv2d_winograd_weights) */
} wino_entry;

struct or_cpu_conv_cache {
    wino_entry *e;
    int n, cap;
    size_t bytes;  /* sum of the entries' u */
};

void or_cpu_conv_cache_free(or_cpu_conv_cache *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n; i++)
        free(c->e[i].u);
    free(c->e);
    free(c);
}

void or_cpu_conv_cache_forget(or_cpu_conv_cache *c, const void *p, size_t bytes)
{
    if (!c)
        return;
    const char *lo = p, *hi = lo + bytes;
    for (int i = 0; i < c->n;) {
        const char *a = c->e[i].w, *b = a + c->e[i].w_bytes;
        if (a < hi && lo < b) {
            free(c->e[i].u);
            c->bytes -= conv2d_winograd_weight_floats(c->e[i].co, c->e[i].ci) * sizeof(float);
            c->e[i] = c->e[--c->n];
        } else {
            i++;
        }
    }
}

void or_cpu_conv_cache_forget_alloc(or_cpu_conv_cache *c, void *base)
{
    if (c && base)
        or_cpu_conv_cache_forget(c, base, malloc_usable_size(base));
}

static int in_arena(const or_arena *a, const void *p)
{
    for (int i = 0; i < a->n_chunks; i++) {
        const char *b = a->chunks[i].base;
        if ((const char *)p >= b && (const char *)p < b + a->chunks[i].size)
            return 1;
    }
    return 0;
}

/* The Winograd convolution behind weight w: a 3x3 one, or (deconv) the four phases of a
 * ConvTranspose2d(4, 2, 1) stacked as 4 Co output channels. */
static void wino_dims(const or_tensor *w, int deconv, int *co, int *ci)
{
    *co = deconv ? 4 * w->c : w->n;
    *ci = deconv ? w->n : w->c;
}

/* u = the transform of w; tmp: 4 Co Ci 9 floats for a transposed convolution's phase kernels. */
static void make_u(const or_tensor *w, int deconv, float *u, float *tmp)
{
    int co, ci;
    wino_dims(w, deconv, &co, &ci);
    if (deconv)
        deconv2d_phase_kernels(w->data, ci, w->c, tmp);
    conv2d_winograd_weights(deconv ? tmp : (const float *)w->data, co, ci, u);
}

static size_t phase_kernel_floats(const or_tensor *w, int deconv)
{
    return deconv ? (size_t)4 * w->c * w->n * 9 : 0;
}

/* The cached transform of w, made now if there is room; NULL: transform per call. */
static const float *cached_u(or_backend *be, const or_tensor *w, int deconv)
{
    or_cpu_conv_cache *c = be->impl;
    if (!c || in_arena(&be->arena, w->data))
        return NULL;
    int co, ci;
    wino_dims(w, deconv, &co, &ci);
    for (int i = 0; i < c->n; i++)
        if (c->e[i].w == w->data && c->e[i].co == co && c->e[i].ci == ci &&
            c->e[i].deconv == deconv)
            return c->e[i].u;
    size_t bytes = conv2d_winograd_weight_floats(co, ci) * sizeof(float);
    if (c->bytes + bytes > WINO_CACHE_MAX)
        return NULL;
    if (c->n == c->cap) {
        int cap = c->cap ? 2 * c->cap : 64;
        wino_entry *e = realloc(c->e, (size_t)cap * sizeof *e);
        if (!e)
            return NULL;
        c->e = e;
        c->cap = cap;
    }
    float *u = aligned_alloc(64, (bytes + 63) & ~(size_t)63);
    float *tmp = deconv ? malloc(phase_kernel_floats(w, deconv) * sizeof(float)) : NULL;
    if (!u || (deconv && !tmp)) {
        free(u);
        free(tmp);
        return NULL;
    }
    make_u(w, deconv, u, tmp);
    free(tmp);
    c->e[c->n++] = (wino_entry){w->data, or_nbytes(w), co, ci, deconv, u};
    c->bytes += bytes;
    return u;
}

or_status or_cpu_conv_cache_create(or_cpu_conv_cache **out, or_err *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return or_errf(err, OR_ENOMEM, "cpu backend: out of memory for the convolution cache");
    return OR_OK;
}

int or_cpu_conv2d_winograd(or_backend *be, const or_tensor *x, const or_tensor *w,
                           const or_conv_shape *s, const or_epilogue_f32 *ep, or_tensor *y,
                           or_status *st, or_err *err)
{
    int dilated = conv2d_winograd_dilated_applies(s);
    int subsampled = !dilated && conv2d_winograd_subsampled_applies(s);
    if (x->layout != OR_NCHW || !(dilated || subsampled || conv2d_winograd_applies(s)) || !be->impl)
        return 0;
    int threads = omp_get_max_threads();
    const float *u = cached_u(be, w, 0);
    size_t u_bytes = u ? 0 : conv2d_winograd_weight_floats(s->co, s->ci) * sizeof(float);
    size_t u_off = (u_bytes + 255) & ~(size_t)255;
    size_t bytes = u_off + (dilated      ? conv2d_winograd_dilated_scratch_bytes(s, threads)
                            : subsampled ? conv2d_winograd_subsampled_scratch_bytes(s, threads)
                                         : conv2d_winograd_scratch_bytes(s, threads));
    if (bytes > OR_CPU_CONV_SCRATCH_BUDGET)
        return 0; /* the direct path stays within the budget networks size their arenas by */
    or_arena_mark m = or_arena_get_mark(&be->arena);
    void *scratch = NULL;
    *st = or_arena_alloc(&be->arena, bytes, &scratch, err);
    if (*st == OR_OK) {
        if (!u) {
            make_u(w, 0, scratch, NULL);
            u = scratch;
        }
        float *rest = (float *)((char *)scratch + u_off);
        if (dilated)
            conv2d_winograd_dilated_f32(x->data, u, y->data, s, ep, threads, rest);
        else if (subsampled)
            conv2d_winograd_subsampled_f32(x->data, u, y->data, s, ep, threads, rest);
        else
            conv2d_winograd_f32(x->data, u, y->data, s, ep, threads, rest);
    }
    or_arena_reset(&be->arena, m);
    return 1;
}

int or_cpu_deconv2d_winograd(or_backend *be, const or_tensor *x, const or_tensor *w,
                             const or_deconv_shape *s, const or_epilogue_f32 *ep, or_tensor *y,
                             or_status *st, or_err *err)
{
    if (x->layout != OR_NCHW || !deconv2d_winograd_applies(s) || !be->impl)
        return 0;
    int threads = omp_get_max_threads(), co = 4 * s->co;
    const float *u = cached_u(be, w, 1);
    size_t u_bytes = u ? 0 : (conv2d_winograd_weight_floats(co, s->ci) +
                              phase_kernel_floats(w, 1)) * sizeof(float);
    size_t u_off = (u_bytes + 255) & ~(size_t)255;
    size_t bytes = u_off + deconv2d_winograd_scratch_bytes(s, threads);
    if (bytes > OR_CPU_CONV_SCRATCH_BUDGET)
        return 0;
    or_arena_mark m = or_arena_get_mark(&be->arena);
    void *scratch = NULL;
    *st = or_arena_alloc(&be->arena, bytes, &scratch, err);
    if (*st == OR_OK) {
        if (!u) {
            float *uu = scratch;
            make_u(w, 1, uu, uu + conv2d_winograd_weight_floats(co, s->ci));
            u = uu;
        }
        deconv2d_winograd_f32(x->data, u, y->data, s, ep, threads,
                              (float *)((char *)scratch + u_off));
    }
    or_arena_reset(&be->arena, m);
    return 1;
}
