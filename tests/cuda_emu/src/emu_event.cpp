// emu_event.cpp: the CUDA emulator's events (tests/cuda_emu).  The work of a
// stream runs when it is issued, so cudaEventRecord stamps the host's monotonic
// clock and cudaEventElapsedTime is the host wall time between two records: the
// time of what ran between them on this CPU.  Strict where the runtime is:
// unknown or destroyed events and streams give cudaErrorInvalidResourceHandle,
// as do events never recorded or created with cudaEventDisableTiming in
// cudaEventElapsedTime; a recorded event is complete only once something
// synchronised with it (cudaEventSynchronize, cudaEventQuery, on it or on an
// event recorded after it on its stream, a sync of its stream or of the
// device), before that cudaEventElapsedTime answers
// cudaErrorNotReady, as it may on a GPU where the work is still running.
#include <mutex>
#include <set>
#include <stdio.h>
#include <time.h>

#include "cuda_runtime.h"

struct CUevent_st {
    unsigned flags;
    enum { FRESH, PENDING, COMPLETE } state;
    cudaStream_t stream; // of the last record
    double t;            // seconds, CLOCK_MONOTONIC, at the last record
    unsigned long long seq; // order of the last record among all records
};

namespace {

struct events {
    std::mutex mu;
    std::set<CUevent_st *> live;
    unsigned long long seq;
};

events &E()
{
    static events *e = new events; // never destroyed: used by atexit-time frees
    return *e;
}

double now_s()
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

// The event, if live (caller holds the lock).
CUevent_st *live_event(cudaEvent_t ev) { return E().live.count(ev) ? ev : nullptr; }

cudaError_t bad_handle(const char *what, cudaEvent_t ev)
{
    fprintf(stderr, "[cuda-emu] %s(%p): not a live event\n", what, (void *)ev);
    return or_emu::set_error(cudaErrorInvalidResourceHandle);
}

} // namespace

namespace or_emu {

void events_complete(cudaStream_t st, bool all, bool legacy)
{
    std::lock_guard<std::mutex> g(E().mu);
    for (CUevent_st *e : E().live) {
        if (e->state != CUevent_st::PENDING)
            continue;
        // stream_is_blocking takes the runtime's lock, never this one: no lock-order cycle
        if (all || e->stream == st || (legacy && stream_is_blocking(e->stream)))
            e->state = CUevent_st::COMPLETE;
    }
}

} // namespace or_emu

cudaError_t cudaEventCreate(cudaEvent_t *ev) { return cudaEventCreateWithFlags(ev, 0); }

cudaError_t cudaEventCreateWithFlags(cudaEvent_t *ev, unsigned flags)
{
    const unsigned known = cudaEventBlockingSync | cudaEventDisableTiming | cudaEventInterprocess;
    if (!ev || (flags & ~known) ||
        ((flags & cudaEventInterprocess) && !(flags & cudaEventDisableTiming)))
        return or_emu::set_error(cudaErrorInvalidValue);
    CUevent_st *e = new CUevent_st{flags, CUevent_st::FRESH, nullptr, 0.0, 0};
    std::lock_guard<std::mutex> g(E().mu);
    E().live.insert(e);
    *ev = e;
    return cudaSuccess;
}

cudaError_t cudaEventDestroy(cudaEvent_t ev)
{
    std::lock_guard<std::mutex> g(E().mu);
    if (!live_event(ev))
        return bad_handle("cudaEventDestroy", ev);
    E().live.erase(ev);
    delete ev;
    return cudaSuccess;
}

cudaError_t cudaEventRecord(cudaEvent_t ev, cudaStream_t st)
{
    if (!or_emu::stream_ok(st)) {
        fprintf(stderr, "[cuda-emu] cudaEventRecord: unknown stream %p\n", (void *)st);
        return or_emu::set_error(cudaErrorInvalidResourceHandle);
    }
    std::lock_guard<std::mutex> g(E().mu);
    CUevent_st *e = live_event(ev);
    if (!e)
        return bad_handle("cudaEventRecord", ev);
    e->state = CUevent_st::PENDING;
    e->stream = st;
    e->t = now_s();
    e->seq = ++E().seq;
    return cudaSuccess;
}

// Never recorded: cudaSuccess (the runtime's answer); recorded: the work is done.
cudaError_t cudaEventQuery(cudaEvent_t ev)
{
    std::lock_guard<std::mutex> g(E().mu);
    CUevent_st *e = live_event(ev);
    if (!e)
        return bad_handle("cudaEventQuery", ev);
    if (e->state != CUevent_st::PENDING)
        return cudaSuccess;
    // stream order: what was recorded before it on its stream is complete too
    for (CUevent_st *o : E().live)
        if (o->state == CUevent_st::PENDING && o->stream == e->stream && o->seq <= e->seq)
            o->state = CUevent_st::COMPLETE;
    return cudaSuccess;
}

cudaError_t cudaEventSynchronize(cudaEvent_t ev)
{
    or_emu::check_redzones("cudaEventSynchronize");
    return cudaEventQuery(ev);
}

cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t start, cudaEvent_t end)
{
    if (!ms)
        return or_emu::set_error(cudaErrorInvalidValue);
    std::lock_guard<std::mutex> g(E().mu);
    CUevent_st *a = live_event(start), *b = live_event(end);
    if (!a || !b)
        return bad_handle("cudaEventElapsedTime", a ? end : start);
    if (a->state == CUevent_st::FRESH || b->state == CUevent_st::FRESH ||
        ((a->flags | b->flags) & cudaEventDisableTiming)) {
        fprintf(stderr, "[cuda-emu] cudaEventElapsedTime: an event %s\n",
                a->state == CUevent_st::FRESH || b->state == CUevent_st::FRESH
                    ? "was never recorded"
                    : "has cudaEventDisableTiming");
        return or_emu::set_error(cudaErrorInvalidResourceHandle);
    }
    // not sticky: a state, not an error, for cudaGetLastError
    if (a->state != CUevent_st::COMPLETE || b->state != CUevent_st::COMPLETE)
        return cudaErrorNotReady;
    *ms = (float)(1e3 * (b->t - a->t));
    return cudaSuccess;
}
