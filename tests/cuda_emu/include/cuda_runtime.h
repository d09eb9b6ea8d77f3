// cuda_runtime.h: the CUDA emulator's stand-in for the toolkit header (tests/cuda_emu).
// Only the API surface oprestore uses, with the real names and enum values; the
// implementation (src/emu_runtime.cpp) runs everything on the calling CPU thread,
// synchronously, in stream order.  Kernel launches reach or_emu::launcher through
// the rewrite of each .cu file (rewrite_cu.cmake): blocks one after another; the
// threads of a block one after another (plain files) or on cooperative fibers
// (files that use __syncthreads / __shfl*, see emu_fiber.cpp).
#ifndef OR_EMU_CUDA_RUNTIME_H
#define OR_EMU_CUDA_RUNTIME_H

#ifndef __cplusplus
#error "the CUDA emulator headers are C++ (rewritten .cu files only)"
#endif

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __shared__ static __thread // one copy per host thread: blocks run one after another
                                  // (two devices driven by two threads: -g 0,1)

// ---- types ----------------------------------------------------------------------
struct uint3 {
    unsigned x, y, z;
};
struct dim3 {
    unsigned x, y, z;
    constexpr dim3(unsigned vx = 1, unsigned vy = 1, unsigned vz = 1) : x(vx), y(vy), z(vz) {}
    constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
};

typedef enum cudaError {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorMemoryAllocation = 2,
    cudaErrorInvalidConfiguration = 9,
    cudaErrorInvalidPitchValue = 12,
    cudaErrorInvalidDevicePointer = 17,
    cudaErrorInvalidMemcpyDirection = 21,
    cudaErrorNoDevice = 100,
    cudaErrorInvalidDevice = 101,
    cudaErrorInvalidResourceHandle = 400,
    cudaErrorNotReady = 600,
    cudaErrorIllegalAddress = 700,
    cudaErrorLaunchFailure = 719,
} cudaError_t;

typedef enum cudaMemcpyKind {
    cudaMemcpyHostToHost = 0,
    cudaMemcpyHostToDevice = 1,
    cudaMemcpyDeviceToHost = 2,
    cudaMemcpyDeviceToDevice = 3,
    cudaMemcpyDefault = 4,
} cudaMemcpyKind;

typedef struct CUstream_st *cudaStream_t;
#define cudaStreamDefault 0x00
#define cudaStreamNonBlocking 0x01

typedef struct CUevent_st *cudaEvent_t;
#define cudaEventDefault 0x00
#define cudaEventBlockingSync 0x01
#define cudaEventDisableTiming 0x02
#define cudaEventInterprocess 0x04

struct cudaDeviceProp {
    char name[256];
    size_t totalGlobalMem;
    size_t sharedMemPerBlock;
    int regsPerBlock;
    int warpSize;
    int maxThreadsPerBlock;
    int maxThreadsDim[3];
    int maxGridSize[3];
    int major, minor;
    int multiProcessorCount;
};

// library_types.h
typedef enum cudaDataType_t { CUDA_R_32F = 0, CUDA_R_16F = 2 } cudaDataType;

// ---- runtime API ----------------------------------------------------------------
cudaError_t cudaGetDeviceCount(int *count);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp *prop, int device);
cudaError_t cudaMemGetInfo(size_t *free_bytes, size_t *total_bytes);
cudaError_t cudaGetLastError(void);
cudaError_t cudaPeekAtLastError(void);
const char *cudaGetErrorString(cudaError_t e);

cudaError_t cudaMalloc(void **p, size_t bytes);
template <class T> static inline cudaError_t cudaMalloc(T **p, size_t bytes)
{
    return cudaMalloc((void **)p, bytes);
}
cudaError_t cudaFree(void *p);
cudaError_t cudaMemcpy(void *dst, const void *src, size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t bytes, cudaMemcpyKind kind,
                            cudaStream_t st = 0);
cudaError_t cudaMemcpy2DAsync(void *dst, size_t dpitch, const void *src, size_t spitch,
                              size_t width, size_t height, cudaMemcpyKind kind,
                              cudaStream_t st = 0);
cudaError_t cudaMemsetAsync(void *p, int value, size_t bytes, cudaStream_t st = 0);

cudaError_t cudaStreamCreateWithFlags(cudaStream_t *st, unsigned flags);
cudaError_t cudaStreamDestroy(cudaStream_t st);
cudaError_t cudaStreamSynchronize(cudaStream_t st);
cudaError_t cudaDeviceSynchronize(void);

// Events (src/emu_event.cpp).  Work runs when it is issued, so an event's
// timestamp is the host's monotonic clock at cudaEventRecord and
// cudaEventElapsedTime gives the host wall time between two records.  The
// completion rules are the real ones, strictly: a recorded event counts as
// complete only after cudaEventSynchronize / cudaEventQuery on it (or on an
// event recorded after it on the same stream), or a
// synchronisation of its stream (cudaStreamSynchronize; stream 0 and blocking
// streams also by a synchronous cudaMemcpy) or of the device; before that
// cudaEventElapsedTime answers cudaErrorNotReady, as it may on a GPU.
cudaError_t cudaEventCreate(cudaEvent_t *ev);
cudaError_t cudaEventCreateWithFlags(cudaEvent_t *ev, unsigned flags);
cudaError_t cudaEventDestroy(cudaEvent_t ev);
cudaError_t cudaEventRecord(cudaEvent_t ev, cudaStream_t st = 0);
cudaError_t cudaEventQuery(cudaEvent_t ev);
cudaError_t cudaEventSynchronize(cudaEvent_t ev);
cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t start, cudaEvent_t end);

// ---- device side ------------------------------------------------------------------
// The built-in variables of the thread being run (set by the launcher).
extern __thread uint3 threadIdx, blockIdx;
extern __thread dim3 blockDim, gridDim;

void or_emu_syncthreads(const char *file, int line);
#define __syncthreads() or_emu_syncthreads(__FILE__, __LINE__)

namespace or_emu {
// One warp-wide exchange (fibers only): every lane named in mask publishes
// `bits` and receives the bits lane src published.
unsigned long long shfl(unsigned mask, unsigned long long bits, int src);
} // namespace or_emu

template <class T> static inline T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32)
{
    static_assert(sizeof(T) <= sizeof(unsigned long long), "__shfl_xor_sync: 8 bytes at most");
    unsigned long long b = 0;
    memcpy(&b, &v, sizeof v);
    int lane = (int)((threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z)) & 31);
    int src = lane ^ lane_mask;
    if (src >= (lane / width + 1) * width) // beyond this lane's segment: its own value
        src = lane;
    b = or_emu::shfl(mask, b, src);
    T r;
    memcpy(&r, &b, sizeof r);
    return r;
}

// Atomics: the threads of a launch never run at the same time.
static inline float atomicAdd(float *p, float v)
{
    float o = *p;
    *p = o + v;
    return o;
}
static inline int atomicAdd(int *p, int v)
{
    int o = *p;
    *p = o + v;
    return o;
}
static inline unsigned atomicAdd(unsigned *p, unsigned v)
{
    unsigned o = *p;
    *p = o + v;
    return o;
}

// Round-to-nearest arithmetic without contraction (built with -ffp-contract=off).
static inline float __fmul_rn(float a, float b) { return a * b; }
static inline float __fadd_rn(float a, float b) { return a + b; }
static inline float __fsub_rn(float a, float b) { return a - b; }

// ---- launches ---------------------------------------------------------------------
namespace or_emu {

struct launch_cfg {
    dim3 grid, block;
    size_t shmem;
    cudaStream_t stream;
    const char *file;
    int line;
    bool fibers;
};

// Validates the configuration (the error goes to cudaGetLastError); false: do not run.
bool launch_begin(const launch_cfg &c);
void launch_end(const launch_cfg &c);
void set_block(const launch_cfg &c, unsigned bx, unsigned by, unsigned bz);
[[noreturn]] void fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
// Runs body(ctx) once per thread of every block on cooperative fibers.
void run_fibers(const launch_cfg &c, void (*body)(void *), void *ctx);
extern __thread int in_fiber_launch;

template <class K> struct kernel_launch {
    launch_cfg cfg;
    K kernel;
    template <class... A> void operator()(A &&...args)
    {
        if (!launch_begin(cfg))
            return;
        auto call = [&]() { kernel(args...); };
        if (cfg.fibers) {
            run_fibers(cfg, [](void *p) { (*(decltype(call) *)p)(); }, &call);
        } else {
            for (unsigned bz = 0; bz < cfg.grid.z; bz++)
                for (unsigned by = 0; by < cfg.grid.y; by++)
                    for (unsigned bx = 0; bx < cfg.grid.x; bx++) {
                        set_block(cfg, bx, by, bz);
                        for (unsigned tz = 0; tz < cfg.block.z; tz++)
                            for (unsigned ty = 0; ty < cfg.block.y; ty++)
                                for (unsigned tx = 0; tx < cfg.block.x; tx++) {
                                    threadIdx = uint3{tx, ty, tz};
                                    call();
                                }
                    }
        }
        launch_end(cfg);
    }
};

// name<<<grid, block, shmem, stream>>>(args) is rewritten into
// or_emu::launcher(fibers, __FILE__, __LINE__, grid, block, shmem, stream)(lambda)(args).
struct launcher {
    launch_cfg cfg;
    launcher(bool fibers, const char *file, int line, dim3 grid, dim3 block, size_t shmem = 0,
             cudaStream_t stream = 0)
        : cfg{grid, block, shmem, stream, file, line, fibers}
    {
    }
    template <class K> kernel_launch<K> operator()(K k) const { return kernel_launch<K>{cfg, k}; }
};

// Device memory bookkeeping, for the cuDNN and cuBLAS emulation: aborts with a
// message unless [p, p + bytes) lies inside one live cudaMalloc allocation.
void check_device_range(const void *p, size_t bytes, const char *what);
// Checks the redzones of every live allocation (aborts naming the last launch).
void check_redzones(const char *when);
// Whether p points into a live allocation.
bool is_device_ptr(const void *p);
// The stream must be 0 or a live stream.
bool stream_ok(cudaStream_t st);
// Record an error for cudaGetLastError.
cudaError_t set_error(cudaError_t e);
// Whether st is 0 or a live stream created without cudaStreamNonBlocking (work on
// it is ordered with the legacy default stream).
bool stream_is_blocking(cudaStream_t st);
// The events recorded on st are complete (a synchronisation of st; all: of the
// device; legacy: of stream 0, which waits for the blocking streams too).
void events_complete(cudaStream_t st, bool all, bool legacy);

} // namespace or_emu

#endif
