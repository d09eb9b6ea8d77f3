/* backend_cpu_conv.c: the CPU backend's Winograd path for 3x3 stride-1 NCHW convolutions, dilated
 * ones included (kernels/conv2d_winograd_cpu.c), and the cache of transformed weights it runs on.
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

#include "kernels/kernels.h"
#include "backend_cpu_conv.h"

#define WINO_CACHE_MAX ((size_t)4 << 30)

typedef struct {
    const void *w; /* the weight's data */
    size_t w_bytes;
    int co, ci;
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

/* The cached transform of w, made now if there is room; NULL: transform per call. */
static const float *cached_u(or_backend *be, const or_tensor *w)
{
    or_cpu_conv_cache *c = be->impl;
    if (!c || in_arena(&be->arena, w->data))
        return NULL;
    for (int i = 0; i < c->n; i++)
        if (c->e[i].w == w->data && c->e[i].co == w->n && c->e[i].ci == w->c)
            return c->e[i].u;
    size_t bytes = conv2d_winograd_weight_floats(w->n, w->c) * sizeof(float);
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
    if (!u)
        return NULL;
    conv2d_winograd_weights(w->data, w->n, w->c, u);
    c->e[c->n++] = (wino_entry){w->data, or_nbytes(w), w->n, w->c, u};
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
    if (x->layout != OR_NCHW || !(dilated || conv2d_winograd_applies(s)) || !be->impl)
        return 0;
    int threads = omp_get_max_threads();
    const float *u = cached_u(be, w);
    size_t u_bytes = u ? 0 : conv2d_winograd_weight_floats(s->co, s->ci) * sizeof(float);
    size_t u_off = (u_bytes + 255) & ~(size_t)255;
    size_t bytes = u_off + (dilated ? conv2d_winograd_dilated_scratch_bytes(s, threads)
                                    : conv2d_winograd_scratch_bytes(s, threads));
    if (bytes > OR_CPU_CONV_SCRATCH_BUDGET)
        return 0; /* the direct path stays within the budget networks size their arenas by */
    or_arena_mark m = or_arena_get_mark(&be->arena);
    void *scratch = NULL;
    *st = or_arena_alloc(&be->arena, bytes, &scratch, err);
    if (*st == OR_OK) {
        if (!u) {
            conv2d_winograd_weights(w->data, s->co, s->ci, scratch);
            u = scratch;
        }
        float *rest = (float *)((char *)scratch + u_off);
        if (dilated)
            conv2d_winograd_dilated_f32(x->data, u, y->data, s, ep, threads, rest);
        else
            conv2d_winograd_f32(x->data, u, y->data, s, ep, threads, rest);
    }
    or_arena_reset(&be->arena, m);
    return 1;
}
