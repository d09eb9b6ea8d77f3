/* backend.h: the backend interface.  A backend owns device memory (through
 * its arena), moves data in and out, and executes the ops declared in ops.h.
 * Two implementations: CPU (plain C, OpenBLAS sgemm, OpenMP threads) and
 * CUDA (cuDNN, cuBLAS, our kernels, one stream).  Networks are written once
 * against ops.h and run on either. */
#ifndef OR_BACKEND_H
#define OR_BACKEND_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>

#include "arena.h"
#include "status.h"
#include "tensor.h"

typedef enum { OR_BACKEND_CPU = 0, OR_BACKEND_CUDA = 1 } or_backend_kind;

typedef struct or_ops or_ops;
typedef struct or_backend or_backend;

/* Op families beyond the core ops (ops.h).  Each family has its calls and its
 * table in runtime/ops_<family>.h, its argument checks and dispatch in
 * runtime/ops_<family>.c, and one table per backend (backend_tables.h).  A NULL table or slot is
 * reported by the family's wrapper as "not implemented on <backend>". */
struct or_ops_math;      /* ops_math.h:      mul, scale_shift, fill, clamp       */
struct or_ops_resample;  /* ops_resample.h:  bilinear/nearest resize, warp       */
struct or_ops_deconv;    /* ops_deconv.h:    transposed convolution              */
struct or_ops_pool;      /* ops_pool.h:      max/avg pooling, padding            */
struct or_ops_color;     /* ops_color.h:     RGB <-> Lab, RGB <-> YUV            */
struct or_ops_attention; /* ops_attention.h: self-attention (SAGAN / fastai)     */
struct or_ops_flow;      /* ops_flow.h:      DAIN's optical-flow layers          */
struct or_ops_norm;      /* ops_norm.h:      instance norm, channel L2 normalise */

typedef struct {
    const struct or_ops_math *math;
    const struct or_ops_resample *resample;
    const struct or_ops_deconv *deconv;
    const struct or_ops_pool *pool;
    const struct or_ops_color *color;
    const struct or_ops_attention *attention;
    const struct or_ops_flow *flow;
    const struct or_ops_norm *norm;
} or_op_families;

struct or_backend {
    or_backend_kind kind;
    int device;              /* CUDA device ordinal, -1 for CPU */
    char name[128];          /* "cpu (2 threads)", "cuda:0 NVIDIA H100 80GB HBM3" */
    const or_ops *ops;
    or_op_families fam;      /* the other op families (tables above) */
    or_arena arena;          /* activations and scratch */
    /* The activation layout of networks that can run either way (the SR nets),
     * per dtype: CPU NCHW; CUDA NCHW in f32, NHWC in f16 (cuDNN's tensor-core
     * kernels are NHWC).  A test may set it before loading a network. */
    or_layout act_layout[2];
    /* raw memory of this backend (used by the arena and for weights) */
    void *(*mem_alloc)(or_backend *be, size_t bytes);
    void (*mem_free)(or_backend *be, void *p);
    or_status (*copy_in)(or_backend *be, void *dst, const void *host, size_t bytes, or_err *err);
    or_status (*copy_out)(or_backend *be, void *host, const void *src, size_t bytes, or_err *err);
    or_status (*sync)(or_backend *be, or_err *err);
    /* Bytes this backend could still allocate now (cudaMemGetInfo free; host:
     * MemAvailable), for choosing a tile size. */
    size_t (*mem_available)(or_backend *be);
    void (*destroy)(or_backend *be);
    size_t n_mem_allocs;     /* raw allocations made so far (steady state: constant) */
    void *impl;
};

/* "cpu", "0", "cuda:0", "1"... -> a backend. */
or_status or_backend_open(const char *spec, or_backend **out, or_err *err);
or_status or_backend_cpu_create(int threads, or_backend **out, or_err *err);
or_status or_backend_cuda_create(int device, or_backend **out, or_err *err);
/* Make be's device the calling thread's current one (CUDA's current device is
 * per host thread: a thread that drives a device it did not open, as the
 * pipeline's workers do with several GPUs, calls this first; the CPU: nothing). */
or_status or_backend_use(or_backend *be, or_err *err);
void or_backend_destroy(or_backend *be);

/* Number of usable CUDA devices; 0 in a CPU-only build or without a driver. */
int or_cuda_device_count(void);

/* Tensors in the backend's arena. */
or_status or_tensor_alloc(or_backend *be, or_tensor *t, int n, int c, int h, int w, or_dtype dt,
                          const char *name, or_err *err);
/* Host <-> backend copies of a whole tensor; host data is f32 (converted for f16 tensors). */
or_status or_tensor_upload_f32(or_tensor *t, const float *host, or_err *err);
or_status or_tensor_download_f32(const or_tensor *t, float *host, or_err *err);

#ifdef __cplusplus
}
#endif

#endif
