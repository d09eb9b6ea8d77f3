/* bench_count.c: the counting backend of --roofline.  It runs a workload's
 * whole code path (network constructor, pipeline, every op call with its
 * argument checks) without computing anything: memory is reserved address
 * space that is never touched (PROT_NONE, so a stray host access faults
 * instead of reading garbage), copies in are dropped, copies out give zeros,
 * and the op tables are the profiler's trampolines in count-only mode, which
 * record each call's FLOPs and bytes.  The arena's peak is then the
 * workload's activation memory.  The backend reports itself as CUDA when
 * counting f16 (the GPU's dtype), and 80 GB free, as an H100 would. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench.h"

#define COUNT_SPACE ((size_t)1 << 40) /* address space reserved for "device" memory */

typedef struct {
    char *base;
    size_t off;
} count_mem;

static void *count_alloc(or_backend *be, size_t bytes)
{
    count_mem *m = be->impl;
    size_t a = (bytes + 4095) & ~(size_t)4095;
    if (m->off + a > COUNT_SPACE)
        return NULL;
    void *p = m->base + m->off;
    m->off += a;
    be->n_mem_allocs++;
    return p;
}

static void count_free(or_backend *be, void *p) { (void)be, (void)p; }

static or_status count_copy_in(or_backend *be, void *dst, const void *host, size_t bytes,
                               or_err *err)
{
    (void)be, (void)dst, (void)host, (void)bytes, (void)err;
    return OR_OK;
}

static or_status count_copy_out(or_backend *be, void *host, const void *src, size_t bytes,
                                or_err *err)
{
    (void)be, (void)src, (void)err;
    memset(host, 0, bytes);
    return OR_OK;
}

static or_status count_sync(or_backend *be, or_err *err)
{
    (void)be, (void)err;
    return OR_OK;
}

static size_t count_available(or_backend *be)
{
    (void)be;
    return (size_t)80 << 30;
}

static void count_destroy(or_backend *be)
{
    count_mem *m = be->impl;
    bench_prof_detach();
    munmap(m->base, COUNT_SPACE);
    free(m);
    free(be);
}

or_status bench_count_backend_create(or_dtype dtype, bench_profile *p, or_backend **out,
                                     or_err *err)
{
    or_backend *be = calloc(1, sizeof *be);
    count_mem *m = calloc(1, sizeof *m);
    if (!be || !m) {
        free(be);
        free(m);
        return or_errf(err, OR_ENOMEM, "bench: out of memory");
    }
    m->base = mmap(NULL, COUNT_SPACE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
                   0);
    if (m->base == MAP_FAILED) {
        free(be);
        free(m);
        return or_errf(err, OR_ENOMEM, "bench: cannot reserve address space for counting");
    }
    be->kind = dtype == OR_F16 ? OR_BACKEND_CUDA : OR_BACKEND_CPU;
    be->device = -1;
    be->act_layout[OR_F16] = OR_NHWC; /* as the CUDA backend */
    snprintf(be->name, sizeof be->name, "count (%s, shapes only)", or_dtype_name(dtype));
    be->impl = m;
    be->mem_alloc = count_alloc;
    be->mem_free = count_free;
    be->copy_in = count_copy_in;
    be->copy_out = count_copy_out;
    be->sync = count_sync;
    be->mem_available = count_available;
    be->destroy = count_destroy;
    or_arena_init(&be->arena, be, (size_t)32 << 20, 0);
    or_status s = bench_prof_attach(be, p, 1, err);
    if (s != OR_OK) {
        count_destroy(be);
        return s;
    }
    *out = be;
    return OR_OK;
}
