/* resample_kernels.h: raw-pointer CPU kernels of the "resample" family
 * (resample_cpu.c), the references of the CUDA kernels in resample_cuda.cu.
 * planes = N*C; scales are the f32 coordinate scales of resample_coords.h. */
#ifndef OR_RESAMPLE_KERNELS_H
#define OR_RESAMPLE_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* y [planes,ho,wo] = bilinear resize of x [planes,h,w] (PyTorch upsample_bilinear2d). */
void resize_bilinear_f32(const float *x, float *y, size_t planes, int h, int w, int ho, int wo,
                         float scale_h, float scale_w, int align_corners);
/* The plain kernels the fast ones are checked against (bit-identical; the warp for finite x). */
void resize_bilinear_f32_ref(const float *x, float *y, size_t planes, int h, int w, int ho,
                             int wo, float scale_h, float scale_w, int align_corners);
void warp_bilinear_f32_ref(const float *x, const float *flow, float *y, int n, int c, int h,
                           int w, int align_corners, int border);
/* y [planes,ho,wo] = nearest resize (PyTorch upsample_nearest2d). */
void resize_nearest_f32(const float *x, float *y, size_t planes, int h, int w, int ho, int wo,
                        float scale_h, float scale_w);
/* y [n,c,h,w] = grid_sample(x, grid of flow [n,2,h,w]) bilinear (ops_resample.h). */
void warp_bilinear_f32(const float *x, const float *flow, float *y, int n, int c, int h, int w,
                       int align_corners, int border);

#ifdef __cplusplus
}
#endif

#endif
