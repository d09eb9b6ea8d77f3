// emu_fiber.cpp: the threads of a block on cooperative fibers, for the .cu files
// that use __syncthreads or __shfl*_sync (rewrite_cu.cmake picks the mode per
// file).  One fiber per thread of the block; the scheduler runs each ready fiber
// until it reaches a barrier or finishes, then releases a barrier group when all
// of its members wait at the same call site: the block for __syncthreads, the
// lanes named in the mask for a warp shuffle (the exchange happens at release).
// A barrier that can never be released (a thread finished, or waits at another
// site) aborts with the states of the block: on a GPU that is a hang or
// undefined behaviour.  Switching is _setjmp/_longjmp after a first entry by
// swapcontext (under AddressSanitizer: swapcontext throughout).
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <ucontext.h>
#include <vector>

#include "cuda_runtime.h"

#if defined(__SANITIZE_ADDRESS__)
#define OR_EMU_SWAPCONTEXT_ONLY 1
#endif

namespace {

enum fstate { READY, WAIT_BLOCK, WAIT_WARP, DONE };

struct fiber {
    ucontext_t uc;
    jmp_buf jb;
    bool started;
    char *stack;
    fstate state;
    uint3 tid;
    const void *site;       // barrier call site
    const char *site_file;  // __syncthreads only
    int site_line;
    unsigned mask;          // shuffle
    int src;
    unsigned long long val, result;
};

const size_t kStack = 256 * 1024;

struct sched {
    std::vector<fiber *> f;
    unsigned n = 0; // fibers of this launch's blocks
    fiber *cur = nullptr;
    ucontext_t main_uc;
    jmp_buf main_jb;
    void (*body)(void *) = nullptr;
    void *ctx = nullptr;
    const or_emu::launch_cfg *cfg = nullptr;
};

__thread sched *T;

void to_scheduler(fiber *f)
{
#ifdef OR_EMU_SWAPCONTEXT_ONLY
    swapcontext(&f->uc, &T->main_uc);
#else
    if (!_setjmp(f->jb))
        _longjmp(T->main_jb, 1);
#endif
}

void fiber_main(unsigned lo, unsigned hi)
{
    fiber *f = (fiber *)(((uintptr_t)hi << 32) | lo);
    for (;;) {
        T->body(T->ctx);
        f->state = DONE;
        to_scheduler(f);
    }
}

void resume(fiber *f)
{
    T->cur = f;
    threadIdx = f->tid;
#ifdef OR_EMU_SWAPCONTEXT_ONLY
    if (!f->started) {
        f->started = true;
    }
    swapcontext(&T->main_uc, &f->uc);
#else
    if (!_setjmp(T->main_jb)) {
        if (!f->started) {
            f->started = true;
            ucontext_t tmp;
            swapcontext(&tmp, &f->uc);
        } else {
            _longjmp(f->jb, 1);
        }
    }
#endif
    T->cur = nullptr;
}

fiber *make_fiber()
{
    fiber *f = new fiber();
    f->stack = (char *)malloc(kStack);
    if (!f->stack || getcontext(&f->uc) != 0)
        or_emu::fail(__FILE__, __LINE__, "cannot create a fiber");
    f->uc.uc_stack.ss_sp = f->stack;
    f->uc.uc_stack.ss_size = kStack;
    f->uc.uc_link = nullptr;
    uintptr_t p = (uintptr_t)f;
    makecontext(&f->uc, (void (*)())fiber_main, 2, (unsigned)(p & 0xffffffffu), (unsigned)(p >> 32));
    return f;
}

const char *state_name(fstate s)
{
    switch (s) {
    case READY: return "ready";
    case WAIT_BLOCK: return "at __syncthreads";
    case WAIT_WARP: return "at a warp shuffle";
    case DONE: return "finished";
    }
    return "?";
}

[[noreturn]] void stuck(const char *why)
{
    const or_emu::launch_cfg &c = *T->cfg;
    fprintf(stderr, "[cuda-emu] %s in block (%u,%u,%u) of the launch at %s:%d; threads:\n", why,
            blockIdx.x, blockIdx.y, blockIdx.z, c.file, c.line);
    for (unsigned i = 0; i < T->n; i++) {
        fiber *f = T->f[i];
        if (i < 8 || i + 8 >= T->n || f->state != T->f[0]->state)
            fprintf(stderr, "  thread %u: %s%s%s%.0d\n", i, state_name(f->state),
                    f->state == WAIT_BLOCK ? " " : "", f->state == WAIT_BLOCK ? f->site_file : "",
                    f->state == WAIT_BLOCK ? f->site_line : 0);
    }
    or_emu::fail(c.file, c.line, "%s (a hang or undefined behaviour on a GPU)", why);
}

// Release the lanes of warp w waiting at a shuffle if all the lanes named in the
// mask wait there; returns whether it did.
bool release_warp(unsigned w)
{
    unsigned base = w * 32, end = base + 32 < T->n ? base + 32 : T->n;
    fiber *first = nullptr;
    for (unsigned i = base; i < end; i++)
        if (T->f[i]->state == WAIT_WARP) {
            first = T->f[i];
            break;
        }
    if (!first)
        return false;
    unsigned mask = first->mask;
    for (unsigned l = 0; l < 32; l++) {
        if (!(mask >> l & 1u))
            continue;
        if (base + l >= end)
            stuck("a shuffle mask names a lane the (partial) warp does not have");
        fiber *f = T->f[base + l];
        if (f->state == READY)
            return false;
        if (f->state != WAIT_WARP || f->site != first->site || f->mask != mask ||
            f->site_line != first->site_line)
            return false; // may still be released later; decided by the caller
    }
    for (unsigned l = 0; l < 32; l++) {
        if (!(mask >> l & 1u))
            continue;
        fiber *f = T->f[base + l];
        if (!(mask >> f->src & 1u))
            stuck("a shuffle reads a lane outside its mask");
        f->result = T->f[base + f->src]->val;
    }
    for (unsigned l = 0; l < 32; l++)
        if (mask >> l & 1u)
            T->f[base + l]->state = READY;
    return true;
}

void run_block()
{
    for (unsigned i = 0; i < T->n; i++)
        T->f[i]->state = READY;
    for (;;) {
        for (unsigned i = 0; i < T->n; i++)
            if (T->f[i]->state == READY)
                resume(T->f[i]);
        unsigned done = 0, at_block = 0;
        for (unsigned i = 0; i < T->n; i++)
            done += T->f[i]->state == DONE, at_block += T->f[i]->state == WAIT_BLOCK;
        if (done == T->n)
            return;
        bool released = false;
        for (unsigned w = 0; w * 32 < T->n; w++)
            released |= release_warp(w);
        if (released)
            continue;
        if (at_block == T->n) {
            for (unsigned i = 1; i < T->n; i++)
                if (T->f[i]->site != T->f[0]->site || T->f[i]->site_line != T->f[0]->site_line)
                    stuck("divergent __syncthreads: the threads wait at different call sites");
            for (unsigned i = 0; i < T->n; i++)
                T->f[i]->state = READY;
            continue;
        }
        if (at_block && done)
            stuck("divergent __syncthreads: some threads finished while others wait");
        stuck("deadlock: no barrier can be released");
    }
}

} // namespace

namespace or_emu {

void run_fibers(const launch_cfg &c, void (*body)(void *), void *ctx)
{
    static __thread sched *s;
    if (!s)
        s = new sched();
    sched *outer = T;
    if (outer)
        fail(c.file, c.line, "a kernel launched from inside a kernel");
    T = s;
    s->n = c.block.x * c.block.y * c.block.z;
    while (s->f.size() < s->n)
        s->f.push_back(make_fiber());
    s->body = body;
    s->ctx = ctx;
    s->cfg = &c;
    for (unsigned z = 0, i = 0; z < c.block.z; z++)
        for (unsigned y = 0; y < c.block.y; y++)
            for (unsigned x = 0; x < c.block.x; x++, i++)
                s->f[i]->tid = uint3{x, y, z};
    in_fiber_launch = 1;
    for (unsigned bz = 0; bz < c.grid.z; bz++)
        for (unsigned by = 0; by < c.grid.y; by++)
            for (unsigned bx = 0; bx < c.grid.x; bx++) {
                set_block(c, bx, by, bz);
                run_block();
            }
    in_fiber_launch = 0;
    T = nullptr;
}

unsigned long long shfl(unsigned mask, unsigned long long bits, int src)
{
    if (!T || !T->cur)
        fail(__FILE__, __LINE__,
             "a warp shuffle outside a fiber launch: the .cu file must mention __shfl so that "
             "rewrite_cu.cmake launches it on fibers");
    fiber *f = T->cur;
    f->state = WAIT_WARP;
    f->site = __builtin_return_address(0);
    f->site_line = 0;
    f->mask = mask;
    f->src = src;
    f->val = bits;
    to_scheduler(f);
    return f->result;
}

} // namespace or_emu

void or_emu_syncthreads(const char *file, int line)
{
    if (!T || !T->cur)
        or_emu::fail(file, line,
                     "__syncthreads outside a fiber launch: the .cu file must mention "
                     "__syncthreads so that rewrite_cu.cmake launches it on fibers");
    fiber *f = T->cur;
    f->state = WAIT_BLOCK;
    f->site = file; // one site per (file, line)
    f->site_file = file;
    f->site_line = line;
    to_scheduler(f);
}
