/* flow_kernels.h: raw-pointer CPU kernels of the "flow" family (flow_cpu.c),
 * DAIN's custom layers, f32, NCHW and contiguous; the references of the CUDA
 * kernels in flow_cuda.cu (flow_kernels_cuda.h).  Shapes as
 * runtime/core/ops_flow.h documents the ops. */
#ifndef OR_FLOW_KERNELS_H
#define OR_FLOW_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* y [n,(2md+1)^2,h,w] = correlation of a, b [n,c,h,w] (PWC-Net, divided by c). */
void correlation_nchw_f32(const float *a, const float *b, float *y, int n_img, int c, int h, int w,
                          int md);
/* y [n,c,h,w] = PWC-Net's warp of x by flow [n,2,h,w] (zero where the mask drops it). */
void pwc_warp_nchw_f32(const float *x, const float *flow, float *y, int n_img, int c, int h, int w);
/* y [n,2,h,w] = DAIN's depth-aware flow projection of flow [n,2,h,w] weighted by
 * depth_inv [n,1,h,w]; count [n,1,h,w] is scratch (the weights' sums). */
void depth_flow_projection_f32(const float *flow, const float *depth_inv, int fill_holes,
                               float *count, float *y, int n_img, int h, int w);
/* y [n,c,h,w] = DAIN's filter interpolation of x by flow [n,2,h,w] and the
 * fs x fs taps filter [n,fs*fs,h,w].  h*w must fit an int. */
void filter_interpolation_nchw_f32(const float *x, const float *flow, const float *filter, int fs,
                                   float *y, int n_img, int c, int h, int w);
/* y = eps + 1 / exp(x), count elements. */
void inv_exp_f32(const float *x, float eps, float *y, size_t count);

#ifdef __cplusplus
}
#endif

#endif
