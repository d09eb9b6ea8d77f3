// flow_kernels_cuda.h: the CUDA kernels of the "flow" family (flow_cuda.cu),
// DAIN's custom layers.  Each tensor is a flow_buf: a raw device pointer with
// its own storage type (f16 == 0: float, 1: __half), arithmetic in f32, the
// same per-pixel expressions as flow_kernels.h.  Each launches on st, returns
// the first error (memsets, launches) and does not synchronise.  For .cu files.
#ifndef OR_FLOW_KERNELS_CUDA_H
#define OR_FLOW_KERNELS_CUDA_H

#include <cuda_runtime.h>
#include <stddef.h>

struct flow_buf {
    void *p;
    int f16;
};

cudaError_t correlation_cuda(cudaStream_t st, flow_buf a, flow_buf b, flow_buf y, int n, int c,
                             int h, int w, int md);
cudaError_t pwc_warp_cuda(cudaStream_t st, flow_buf x, flow_buf flow, flow_buf y, int n, int c,
                          int h, int w);
// count [n,1,h,w] and y [n,2,h,w] are f32; both are zeroed first, the scatter
// adds with f32 atomics (only its summation order differs from the CPU's).
cudaError_t depth_flow_projection_cuda(cudaStream_t st, flow_buf flow, flow_buf depth_inv,
                                       int fill_holes, float *count, float *y, int n, int h,
                                       int w);
cudaError_t filter_interpolation_cuda(cudaStream_t st, flow_buf x, flow_buf flow,
                                      flow_buf filter, int fs, flow_buf y, int n, int c, int h,
                                      int w);
cudaError_t inv_exp_cuda(cudaStream_t st, flow_buf x, float eps, flow_buf y, size_t count);

#endif
