/* cublas_lazy.c: the seven cuBLAS functions the CUDA backend and the bench call,
 * loaded from libcublas with dlopen on first use instead of at program start.
 *
 * Why: libcublas pulls in libcublasLt, whose start-up (relocations, static
 * constructors, ~200 MB of heap touched) cost every command ~0.1 s and the
 * RSS, -g cpu and --version included (docs/perf.md, "Start-up"). cuDNN and the
 * CUDA runtime cost ~2 ms together and stay linked.
 *
 * Compiled in only where OR_CUBLAS_LAZY is set (CMakeLists.txt: the nvcc build,
 * this file alone); the CUDA emulator (tests/cuda_emu) defines cuBLAS itself
 * and leaves this object out. Each wrapper has the prototype of cublas_v2.h
 * (its macros map cublasCreate to cublasCreate_v2, ...), so the callers are
 * unchanged. A library that cannot be loaded makes every call return
 * CUBLAS_STATUS_NOT_INITIALIZED; or_cublas_lazy_error() says why. */
#ifdef OR_CUBLAS_LAZY
#include <cublas_v2.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#include "cublas_lazy.h"

static void *cublas_lib;
static char cublas_why[512];
static pthread_once_t cublas_once = PTHREAD_ONCE_INIT;

static void cublas_open(void)
{
    /* the SONAME first (RUNPATH, ld.so.conf), then the toolkit this was built with */
    static const char *const paths[] = {OR_CUBLAS_SONAME, OR_CUBLAS_DIR "/" OR_CUBLAS_SONAME};
    for (size_t i = 0; i < sizeof paths / sizeof *paths && !cublas_lib; i++) {
        cublas_lib = dlopen(paths[i], RTLD_NOW | RTLD_LOCAL);
        if (!cublas_lib && i == 0) {
            const char *e = dlerror();
            snprintf(cublas_why, sizeof cublas_why, "cannot load %s: %s", OR_CUBLAS_SONAME,
                     e ? e : "?");
        }
    }
    if (cublas_lib)
        cublas_why[0] = 0;
}

static void *cublas_sym(const char *name)
{
    pthread_once(&cublas_once, cublas_open);
    if (!cublas_lib)
        return NULL;
    void *f = dlsym(cublas_lib, name);
    if (!f)
        snprintf(cublas_why, sizeof cublas_why, "%s has no %s", OR_CUBLAS_SONAME, name);
    return f;
}

const char *or_cublas_lazy_error(void)
{
    return cublas_why[0] ? cublas_why : NULL;
}

#define OR_STR_(x) #x
#define OR_STR(x) OR_STR_(x)
/* one wrapper: look the real function up once, then call it */
#define OR_CUBLAS_FORWARD(fn, params, args)                                        \
    cublasStatus_t CUBLASWINAPI fn params                                          \
    {                                                                              \
        typedef cublasStatus_t(CUBLASWINAPI * fn_t) params;                        \
        static fn_t real;                                                          \
        if (!real)                                                                 \
            real = (fn_t)cublas_sym(OR_STR(fn));                                   \
        return real ? real args : CUBLAS_STATUS_NOT_INITIALIZED;                   \
    }

OR_CUBLAS_FORWARD(cublasCreate, (cublasHandle_t * handle), (handle))
OR_CUBLAS_FORWARD(cublasDestroy, (cublasHandle_t handle), (handle))
OR_CUBLAS_FORWARD(cublasSetStream, (cublasHandle_t handle, cudaStream_t stream), (handle, stream))
OR_CUBLAS_FORWARD(cublasSetMathMode, (cublasHandle_t handle, cublasMath_t mode), (handle, mode))
OR_CUBLAS_FORWARD(cublasSgemm,
                  (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                   int m, int n, int k, const float *alpha, const float *A, int lda,
                   const float *B, int ldb, const float *beta, float *C, int ldc),
                  (handle, transa, transb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc))
OR_CUBLAS_FORWARD(cublasGemmEx,
                  (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                   int m, int n, int k, const void *alpha, const void *A, cudaDataType Atype,
                   int lda, const void *B, cudaDataType Btype, int ldb, const void *beta, void *C,
                   cudaDataType Ctype, int ldc, cublasComputeType_t computeType,
                   cublasGemmAlgo_t algo),
                  (handle, transa, transb, m, n, k, alpha, A, Atype, lda, B, Btype, ldb, beta, C,
                   Ctype, ldc, computeType, algo))
OR_CUBLAS_FORWARD(cublasGemmStridedBatchedEx,
                  (cublasHandle_t handle, cublasOperation_t transa, cublasOperation_t transb,
                   int m, int n, int k, const void *alpha, const void *A, cudaDataType Atype,
                   int lda, long long int strideA, const void *B, cudaDataType Btype, int ldb,
                   long long int strideB, const void *beta, void *C, cudaDataType Ctype, int ldc,
                   long long int strideC, int batchCount, cublasComputeType_t computeType,
                   cublasGemmAlgo_t algo),
                  (handle, transa, transb, m, n, k, alpha, A, Atype, lda, strideA, B, Btype, ldb,
                   strideB, beta, C, Ctype, ldc, strideC, batchCount, computeType, algo))
#else
typedef int or_cublas_lazy_unused; /* CPU-only build: nothing to load */
#endif
