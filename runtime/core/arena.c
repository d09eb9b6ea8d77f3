#include "arena.h"

#include <string.h>

#include "backend.h"

void or_arena_init(or_arena *a, struct or_backend *be, size_t min_chunk, size_t limit)
{
    memset(a, 0, sizeof *a);
    a->be = be;
    a->min_chunk = min_chunk ? min_chunk : ((size_t)64 << 20);
    a->limit = limit;
}

void or_arena_release(or_arena *a)
{
    for (int i = 0; i < a->n_chunks; i++)
        a->be->mem_free(a->be, a->chunks[i].base);
    a->n_chunks = a->cur = 0;
    a->off = a->used = 0;
}

size_t or_arena_capacity(const or_arena *a)
{
    size_t c = 0;
    for (int i = 0; i < a->n_chunks; i++)
        c += a->chunks[i].size;
    return c;
}

static size_t align_up(size_t x) { return (x + OR_ARENA_ALIGN - 1) & ~(size_t)(OR_ARENA_ALIGN - 1); }

/* Get a new chunk of at least `bytes`, doubling the last chunk's size. */
static or_status add_chunk(or_arena *a, size_t bytes, or_err *err)
{
    if (a->n_chunks == OR_ARENA_MAX_CHUNKS)
        return or_errf(err, OR_ENOMEM, "%s: arena has %d chunks already (%zu MiB)", a->be->name,
                       a->n_chunks, or_arena_capacity(a) >> 20);
    size_t size = a->n_chunks ? a->chunks[a->n_chunks - 1].size * 2 : a->min_chunk;
    if (size < bytes)
        size = align_up(bytes);
    size_t cap = or_arena_capacity(a);
    if (a->limit && cap + size > a->limit) {
        size = a->limit > cap ? a->limit - cap : 0;
        if (size < bytes)
            return or_errf(err, OR_ENOMEM,
                           "%s: needs %zu MiB more than the %zu MiB memory limit (use a smaller tile size)",
                           a->be->name, (cap + bytes - a->limit + (1 << 20) - 1) >> 20,
                           a->limit >> 20);
    }
    void *p = a->be->mem_alloc(a->be, size);
    if (!p)
        return or_errf(err, OR_ENOMEM, "%s: cannot allocate %zu MiB (in use %zu MiB)",
                       a->be->name, size >> 20, cap >> 20);
    a->chunks[a->n_chunks].base = p;
    a->chunks[a->n_chunks].size = size;
    a->n_chunks++;
    return OR_OK;
}

or_status or_arena_alloc(or_arena *a, size_t bytes, void **out, or_err *err)
{
    size_t need = align_up(bytes ? bytes : 1);
    /* move forward through held chunks before asking the backend for more */
    while (a->cur < a->n_chunks && a->off + need > a->chunks[a->cur].size) {
        a->used += a->chunks[a->cur].size - a->off; /* the tail of a chunk is lost until reset */
        a->cur++;
        a->off = 0;
    }
    if (a->cur == a->n_chunks) {
        OR_TRY(add_chunk(a, need, err));
        a->off = 0;
    }
    *out = (char *)a->chunks[a->cur].base + a->off;
    a->off += need;
    a->used += need;
    if (a->used > a->peak)
        a->peak = a->used;
    return OR_OK;
}

or_arena_mark or_arena_get_mark(const or_arena *a)
{
    or_arena_mark m = {a->cur, a->off, a->used};
    return m;
}

void or_arena_reset(or_arena *a, or_arena_mark m)
{
    a->cur = m.cur;
    a->off = m.off;
    a->used = m.used;
}
