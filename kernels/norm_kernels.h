/* norm_kernels.h: raw-pointer CPU kernels of the "norm" family (norm_cpu.c),
 * also the references of the CUDA kernels in norm_cuda.cu. */
#ifndef OR_NORM_KERNELS_H
#define OR_NORM_KERNELS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Per row r of x [rows, hw] (a channel of one image): mean and biased variance;
 * y = (x - mean) / sqrt(var + eps) when scale, else y = x - mean
 * (nn.InstanceNorm2d without affine; sums in double).  y may be x. */
void instance_norm_f32(const float *x, float *y, int rows, size_t hw, int scale, float eps);
/* y[b,:,p] = x[b,:,p] / (||x[b,:,p]||_2 + eps): the L2 norm over the channels of
 * each pixel (x [n,c,hw]; sums in double).  y may be x. */
void channel_normalize_f32(const float *x, float *y, int n, int c, size_t hw, float eps);

#ifdef __cplusplus
}
#endif

#endif
