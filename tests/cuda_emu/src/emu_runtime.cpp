// emu_runtime.cpp: the CUDA emulator's runtime API (tests/cuda_emu): one device,
// "oprestore CUDA emulator (CPU)"; device memory is host memory with redzones;
// every call runs at once on the calling thread, so stream order always holds.
// Strict where the real runtime is strict: launch limits, unknown pointers and
// streams, copies outside an allocation, pitches smaller than the row.
#include <map>
#include <mutex>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "cuda_runtime.h"

__thread uint3 threadIdx, blockIdx;
__thread dim3 blockDim, gridDim;

namespace {

const size_t kRedzone = 256;        // bytes before and after each allocation
const unsigned char kRedByte = 0xA5; // redzone fill
const unsigned char kGarbage = 0xFF; // fresh device memory: f32 / f16 NaN
const size_t kTotalMem = (size_t)8 << 30;

struct alloc_info {
    size_t bytes;
    unsigned char *raw; // kRedzone before the user pointer
};

struct state {
    std::mutex mu;
    std::map<uintptr_t, alloc_info> allocs; // by user pointer
    std::map<uintptr_t, int> streams;
    size_t used = 0;
    char last_launch[512] = "no kernel launched yet";
};

state &S()
{
    static state *s = new state; // never destroyed: used by atexit-time frees
    return *s;
}

__thread cudaError_t last_error = cudaSuccess;

// The allocation holding [p, p + bytes), or NULL (caller holds the lock).
const alloc_info *find_alloc(const void *p, size_t bytes, uintptr_t *base)
{
    auto &m = S().allocs;
    uintptr_t a = (uintptr_t)p;
    auto it = m.upper_bound(a);
    if (it == m.begin())
        return nullptr;
    --it;
    if (a < it->first || a - it->first > it->second.bytes || bytes > it->second.bytes - (a - it->first))
        return nullptr;
    if (base)
        *base = it->first;
    return &it->second;
}

bool redzone_intact(const alloc_info &ai, size_t *bad)
{
    const unsigned char *lo = ai.raw, *hi = ai.raw + kRedzone + ai.bytes;
    for (size_t i = 0; i < kRedzone; i++) {
        if (lo[i] != kRedByte) {
            *bad = i;
            return false;
        }
        if (hi[i] != kRedByte) {
            *bad = kRedzone + ai.bytes + i;
            return false;
        }
    }
    return true;
}

bool range_is_device(const void *p, size_t bytes)
{
    std::lock_guard<std::mutex> g(S().mu);
    return find_alloc(p, bytes, nullptr) != nullptr;
}

bool overlaps(const void *a, size_t na, const void *b, size_t nb)
{
    uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
    return na && nb && x < y + nb && y < x + na;
}

// The kind a copy needs, checked against the pointers (cudaMemcpyDefault: inferred).
cudaError_t check_copy(void *dst, size_t dst_span, const void *src, size_t src_span,
                       cudaMemcpyKind kind, const char *what)
{
    bool dd = range_is_device(dst, dst_span), sd = range_is_device(src, src_span);
    bool want_dd, want_sd;
    switch (kind) {
    case cudaMemcpyHostToHost: want_dd = false, want_sd = false; break;
    case cudaMemcpyHostToDevice: want_dd = true, want_sd = false; break;
    case cudaMemcpyDeviceToHost: want_dd = false, want_sd = true; break;
    case cudaMemcpyDeviceToDevice: want_dd = true, want_sd = true; break;
    case cudaMemcpyDefault: want_dd = dd, want_sd = sd; break;
    default: return or_emu::set_error(cudaErrorInvalidMemcpyDirection);
    }
    if (dd != want_dd || sd != want_sd) {
        fprintf(stderr,
                "[cuda-emu] %s (kind %d): dst %p (%zu bytes) is %sdevice memory, src %p (%zu "
                "bytes) is %sdevice memory (device: inside one live cudaMalloc allocation)\n",
                what, (int)kind, dst, dst_span, dd ? "" : "not ", src, src_span, sd ? "" : "not ");
        return or_emu::set_error(cudaErrorInvalidValue);
    }
    if (overlaps(dst, dst_span, src, src_span)) {
        fprintf(stderr, "[cuda-emu] %s: source and destination overlap (%p, %p, %zu bytes)\n",
                what, src, dst, dst_span);
        return or_emu::set_error(cudaErrorInvalidValue);
    }
    return cudaSuccess;
}

} // namespace

namespace or_emu {

__thread int in_fiber_launch;

cudaError_t set_error(cudaError_t e)
{
    if (e != cudaSuccess)
        last_error = e;
    return e;
}

void fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[cuda-emu] %s:%d: ", file ? file : "?", line);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    fflush(stderr);
    abort();
}

bool is_device_ptr(const void *p) { return range_is_device(p, 0); }

void check_device_range(const void *p, size_t bytes, const char *what)
{
    if (!range_is_device(p, bytes))
        fail(__FILE__, __LINE__,
             "illegal address: %s [%p, +%zu bytes) is not inside one live device allocation", what,
             p, bytes);
}

void check_redzones(const char *when)
{
    std::lock_guard<std::mutex> g(S().mu);
    for (auto &kv : S().allocs) {
        size_t bad = 0;
        if (!redzone_intact(kv.second, &bad)) {
            long off = (long)bad - (long)kRedzone;
            fail(__FILE__, __LINE__,
                 "out-of-bounds device write found at %s: allocation %p of %zu bytes has its "
                 "redzone byte at offset %ld (%s) overwritten; last launch: %s",
                 when, (void *)kv.first, kv.second.bytes, off,
                 off < 0 ? "before the start" : "past the end", S().last_launch);
        }
    }
}

bool stream_ok(cudaStream_t st)
{
    if (!st)
        return true;
    std::lock_guard<std::mutex> g(S().mu);
    return S().streams.count((uintptr_t)st) != 0;
}

bool stream_is_blocking(cudaStream_t st)
{
    if (!st)
        return true;
    std::lock_guard<std::mutex> g(S().mu);
    auto it = S().streams.find((uintptr_t)st);
    return it != S().streams.end() && !(it->second & cudaStreamNonBlocking);
}

bool launch_begin(const launch_cfg &c)
{
    snprintf(S().last_launch, sizeof S().last_launch, "%s:%d <<<(%u,%u,%u), (%u,%u,%u), %zu>>>",
             c.file, c.line, c.grid.x, c.grid.y, c.grid.z, c.block.x, c.block.y, c.block.z,
             c.shmem);
    unsigned long long threads = (unsigned long long)c.block.x * c.block.y * c.block.z;
    bool bad = threads == 0 || threads > 1024 || c.block.x > 1024 || c.block.y > 1024 ||
               c.block.z > 64 || c.grid.x == 0 || c.grid.x > 0x7fffffffu || c.grid.y == 0 ||
               c.grid.y > 65535 || c.grid.z == 0 || c.grid.z > 65535 || c.shmem > 48 * 1024;
    if (bad) {
        fprintf(stderr, "[cuda-emu] invalid launch configuration: %s\n", S().last_launch);
        set_error(cudaErrorInvalidConfiguration);
        return false;
    }
    if (!stream_ok(c.stream)) {
        fprintf(stderr, "[cuda-emu] launch on an unknown stream: %s\n", S().last_launch);
        set_error(cudaErrorInvalidResourceHandle);
        return false;
    }
    gridDim = c.grid;
    blockDim = c.block;
    return true;
}

void set_block(const launch_cfg &c, unsigned bx, unsigned by, unsigned bz)
{
    blockIdx = uint3{bx, by, bz};
}

void launch_end(const launch_cfg &c) { check_redzones("the end of a launch"); }

} // namespace or_emu

// ---- device --------------------------------------------------------------------------
// OR_CUDA_EMU_DEVICES=N (1..8, default 1) emulated devices: the same CPU, one
// memory pool; each host thread runs its own launches (launch state, fibers and
// __shared__ arrays are per thread), so -g 0,1 drives two at once.
static int emu_devices()
{
    const char *e = getenv("OR_CUDA_EMU_DEVICES");
    int n = e ? atoi(e) : 1;
    return n < 1 ? 1 : n > 8 ? 8 : n;
}

cudaError_t cudaGetDeviceCount(int *count)
{
    *count = emu_devices();
    return cudaSuccess;
}

cudaError_t cudaSetDevice(int device)
{
    return or_emu::set_error(device >= 0 && device < emu_devices() ? cudaSuccess
                                                                   : cudaErrorInvalidDevice);
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp *prop, int device)
{
    if (device < 0 || device >= emu_devices())
        return or_emu::set_error(cudaErrorInvalidDevice);
    memset(prop, 0, sizeof *prop);
    snprintf(prop->name, sizeof prop->name, "oprestore CUDA emulator (CPU)");
    prop->totalGlobalMem = kTotalMem;
    prop->sharedMemPerBlock = 48 * 1024;
    prop->regsPerBlock = 65536;
    prop->warpSize = 32;
    prop->maxThreadsPerBlock = 1024;
    prop->maxThreadsDim[0] = prop->maxThreadsDim[1] = 1024, prop->maxThreadsDim[2] = 64;
    prop->maxGridSize[0] = 0x7fffffff, prop->maxGridSize[1] = prop->maxGridSize[2] = 65535;
    prop->major = 8, prop->minor = 0;
    prop->multiProcessorCount = 1;
    return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t *free_bytes, size_t *total_bytes)
{
    std::lock_guard<std::mutex> g(S().mu);
    *total_bytes = kTotalMem;
    *free_bytes = kTotalMem - S().used;
    return cudaSuccess;
}

cudaError_t cudaGetLastError(void)
{
    cudaError_t e = last_error;
    last_error = cudaSuccess;
    return e;
}

cudaError_t cudaPeekAtLastError(void) { return last_error; }

const char *cudaGetErrorString(cudaError_t e)
{
    switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInvalidPitchValue: return "invalid pitch argument";
    case cudaErrorInvalidDevicePointer: return "invalid device pointer";
    case cudaErrorInvalidMemcpyDirection: return "invalid copy direction for memcpy";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    case cudaErrorInvalidResourceHandle: return "invalid resource handle";
    case cudaErrorNotReady: return "device not ready";
    case cudaErrorIllegalAddress: return "an illegal memory access was encountered";
    case cudaErrorLaunchFailure: return "unspecified launch failure";
    }
    return "unrecognized error code";
}

// ---- memory --------------------------------------------------------------------------
cudaError_t cudaMalloc(void **p, size_t bytes)
{
    *p = nullptr;
    if (bytes == 0)
        return cudaSuccess;
    std::lock_guard<std::mutex> g(S().mu);
    if (bytes > kTotalMem - S().used)
        return or_emu::set_error(cudaErrorMemoryAllocation);
    void *raw = nullptr;
    if (posix_memalign(&raw, kRedzone, kRedzone * 2 + bytes) != 0)
        return or_emu::set_error(cudaErrorMemoryAllocation);
    unsigned char *r = (unsigned char *)raw;
    memset(r, kRedByte, kRedzone);
    memset(r + kRedzone, kGarbage, bytes); // real device memory is not zeroed
    memset(r + kRedzone + bytes, kRedByte, kRedzone);
    S().allocs[(uintptr_t)(r + kRedzone)] = alloc_info{bytes, r};
    S().used += bytes;
    *p = r + kRedzone;
    return cudaSuccess;
}

cudaError_t cudaFree(void *p)
{
    if (!p)
        return cudaSuccess;
    or_emu::check_redzones("cudaFree");
    std::lock_guard<std::mutex> g(S().mu);
    auto it = S().allocs.find((uintptr_t)p);
    if (it == S().allocs.end()) {
        fprintf(stderr, "[cuda-emu] cudaFree(%p): not a live cudaMalloc pointer\n", p);
        return or_emu::set_error(cudaErrorInvalidValue);
    }
    S().used -= it->second.bytes;
    free(it->second.raw);
    S().allocs.erase(it);
    return cudaSuccess;
}

cudaError_t cudaMemcpy(void *dst, const void *src, size_t bytes, cudaMemcpyKind kind)
{
    // synchronous, on the legacy default stream: after the work of the blocking streams
    cudaError_t e = cudaMemcpyAsync(dst, src, bytes, kind, 0);
    if (e == cudaSuccess)
        or_emu::events_complete(0, false, true);
    return e;
}

cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t st)
{
    if (!or_emu::stream_ok(st))
        return or_emu::set_error(cudaErrorInvalidResourceHandle);
    if (bytes == 0)
        return cudaSuccess;
    cudaError_t e = check_copy(dst, bytes, src, bytes, kind, "cudaMemcpyAsync");
    if (e != cudaSuccess)
        return e;
    memcpy(dst, src, bytes);
    return cudaSuccess;
}

cudaError_t cudaMemcpy2DAsync(void *dst, size_t dpitch, const void *src, size_t spitch,
                              size_t width, size_t height, cudaMemcpyKind kind, cudaStream_t st)
{
    if (!or_emu::stream_ok(st))
        return or_emu::set_error(cudaErrorInvalidResourceHandle);
    if (width > dpitch || width > spitch) {
        fprintf(stderr, "[cuda-emu] cudaMemcpy2DAsync: width %zu exceeds a pitch (%zu, %zu)\n",
                width, dpitch, spitch);
        return or_emu::set_error(cudaErrorInvalidPitchValue);
    }
    if (width == 0 || height == 0)
        return cudaSuccess;
    size_t dspan = dpitch * (height - 1) + width, sspan = spitch * (height - 1) + width;
    cudaError_t e = check_copy(dst, dspan, src, sspan, kind, "cudaMemcpy2DAsync");
    if (e != cudaSuccess)
        return e;
    for (size_t r = 0; r < height; r++)
        memcpy((char *)dst + r * dpitch, (const char *)src + r * spitch, width);
    return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void *p, int value, size_t bytes, cudaStream_t st)
{
    if (!or_emu::stream_ok(st))
        return or_emu::set_error(cudaErrorInvalidResourceHandle);
    if (bytes == 0)
        return cudaSuccess;
    if (!range_is_device(p, bytes)) {
        fprintf(stderr, "[cuda-emu] cudaMemsetAsync(%p, %zu bytes): not inside one allocation\n",
                p, bytes);
        return or_emu::set_error(cudaErrorInvalidValue);
    }
    memset(p, value, bytes);
    return cudaSuccess;
}

// ---- streams -------------------------------------------------------------------------
cudaError_t cudaStreamCreateWithFlags(cudaStream_t *st, unsigned flags)
{
    static char tokens[1];
    static uintptr_t next = 1;
    std::lock_guard<std::mutex> g(S().mu);
    // handles are distinct addresses that are never dereferenced
    uintptr_t h = (uintptr_t)tokens + ((next++) << 4);
    S().streams[h] = (int)flags;
    *st = (cudaStream_t)h;
    return cudaSuccess;
}

cudaError_t cudaStreamDestroy(cudaStream_t st)
{
    std::lock_guard<std::mutex> g(S().mu);
    if (!st || !S().streams.erase((uintptr_t)st))
        return or_emu::set_error(cudaErrorInvalidResourceHandle);
    return cudaSuccess;
}

cudaError_t cudaStreamSynchronize(cudaStream_t st)
{
    if (!or_emu::stream_ok(st))
        return or_emu::set_error(cudaErrorInvalidResourceHandle);
    or_emu::check_redzones("cudaStreamSynchronize");
    or_emu::events_complete(st, false, false);
    return cudaSuccess;
}

cudaError_t cudaDeviceSynchronize(void)
{
    or_emu::check_redzones("cudaDeviceSynchronize");
    or_emu::events_complete(0, true, false);
    return cudaSuccess;
}
