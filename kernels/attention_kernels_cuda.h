// attention_kernels_cuda.h: the CUDA kernel of the "attention" family
// (attention_cuda.cu).  Launches on st, returns the launch error and does not
// synchronise.  For .cu files.
#ifndef OR_ATTENTION_KERNELS_CUDA_H
#define OR_ATTENTION_KERNELS_CUDA_H

#include <cuda_runtime.h>

// out [rows, n] = softmax of each row of s [rows, n] (f32, max subtracted, f32
// sums), stored as float (out_f16 == 0) or __half (1); out may be s (f32).
cudaError_t softmax_rows_cuda(cudaStream_t st, const float *s, void *out, int out_f16,
                              unsigned rows, int n);

#endif
