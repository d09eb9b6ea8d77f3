/* ops_norm.h: normalisations over a tensor's pixels or channels (family "norm";
 * kernels/norm_cpu.c, kernels/norm_cuda.cu).  f32, or f16 on CUDA (sums in f32).
 * NCHW only. */
#ifndef OR_OPS_NORM_H
#define OR_OPS_NORM_H

#ifdef __cplusplus
extern "C" {
#endif

#include "backend.h"

/* y = nn.InstanceNorm2d(C, eps)(x) without affine parameters: per image and
 * channel, (x - mean) / sqrt(biased var + eps) over the H*W pixels.  y may be x. */
or_status or_instance_norm(const or_tensor *x, float eps, or_tensor *y, or_err *err);
/* y = x - x.mean over the H*W pixels of each image and channel (the centring of
 * Deep Exemplar's theta/phi).  y may be x. */
or_status or_spatial_center(const or_tensor *x, or_tensor *y, or_err *err);
/* y = x / (torch.norm(x, 2, dim=1, keepdim=True) + eps): every pixel's channel
 * vector scaled to unit length (Deep Exemplar's feature_normalize).  y may be x. */
or_status or_channel_normalize(const or_tensor *x, float eps, or_tensor *y, or_err *err);

struct or_ops_norm {
    /* scale 0: only the mean is subtracted */
    or_status (*instance_norm)(or_backend *be, const or_tensor *x, int scale, float eps,
                               or_tensor *y, or_err *err);
    or_status (*channel_normalize)(or_backend *be, const or_tensor *x, float eps, or_tensor *y,
                                   or_err *err);
};

#ifdef __cplusplus
}
#endif

#endif
