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

// Exemplar attention (attention_kernels.h exemplar_attention_f32) over n batch
// items: q [n,c,pq], k [n,c,pk], v [n,cv,pk] -> y [n,cv,pq], sim [n,1,pq] (or
// NULL), storage float (f16 == 0) or __half (1), scores and softmax in f32.
// Flash-attention style: a block of 128 queries walks the keys in tiles of 32
// staged in shared memory (channels in chunks of 32), each thread keeps its
// query's running max, sum and weighted sum in registers; the pq x pk score
// matrix is never stored.  cv <= 16.
cudaError_t exemplar_attention_cuda(cudaStream_t st, const void *q, const void *k, const void *v,
                                    float temperature, void *y, void *sim, int f16, int n, int c,
                                    int pq, int pk, int cv);

#endif
