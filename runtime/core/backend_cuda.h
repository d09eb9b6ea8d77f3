/* backend_cuda.h: what the CUDA op tables (backend_cuda_<family>.cu) need from a
 * CUDA backend: its stream and library handles, and or_cuda_launched for the
 * kernels' (kernels/<family>_cuda.cu) results.  Every kernel launches on
 * or_cuda_stream(be) and returns without synchronising.  Only for .cu files; be
 * must be a CUDA backend (be->kind == OR_BACKEND_CUDA). */
#ifndef OR_BACKEND_CUDA_H
#define OR_BACKEND_CUDA_H

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include "backend.h"

extern "C" {
cudaStream_t or_cuda_stream(or_backend *be);
cublasHandle_t or_cuda_cublas(or_backend *be); /* bound to or_cuda_stream(be) */
cudnnHandle_t or_cuda_cudnn(or_backend *be);   /* bound to or_cuda_stream(be) */
}

/* A kernel launcher's result (kernels/: cudaError_t) as an or_status naming the op. */
static inline or_status or_cuda_launched(const char *what, cudaError_t e, or_err *err)
{
    if (e != cudaSuccess)
        return or_errf(err, OR_EDEVICE, "%s: %s", what, cudaGetErrorString(e));
    return OR_OK;
}

#endif
