/* arena.h: a bump allocator over chunks of one backend's memory, with
 * mark/reset and peak tracking.  Networks allocate activations and scratch
 * from it; after the first frame of a given size every request is served from
 * chunks already held, so the steady state allocates nothing (n_chunks stays
 * constant, which the tests check). */
#ifndef OR_ARENA_H
#define OR_ARENA_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>

#include "status.h"

#define OR_ARENA_MAX_CHUNKS 32
#define OR_ARENA_ALIGN 256

struct or_backend;

typedef struct {
    void *base;
    size_t size;
} or_arena_chunk;

typedef struct {
    struct or_backend *be;
    or_arena_chunk chunks[OR_ARENA_MAX_CHUNKS];
    int n_chunks;
    int cur;            /* chunk being bumped */
    size_t off;         /* offset in chunks[cur] */
    size_t used;        /* bytes handed out (incl. alignment), across chunks */
    size_t peak;        /* max of used */
    size_t limit;       /* refuse to hold more than this in chunks (0: no limit) */
    size_t min_chunk;   /* smallest chunk to request */
} or_arena;

typedef struct {
    int cur;
    size_t off, used;
} or_arena_mark;

void or_arena_init(or_arena *a, struct or_backend *be, size_t min_chunk, size_t limit);
/* Release every chunk back to the backend. */
void or_arena_release(or_arena *a);
or_status or_arena_alloc(or_arena *a, size_t bytes, void **out, or_err *err);
or_arena_mark or_arena_get_mark(const or_arena *a);
void or_arena_reset(or_arena *a, or_arena_mark m);
size_t or_arena_capacity(const or_arena *a);

#ifdef __cplusplus
}
#endif

#endif
