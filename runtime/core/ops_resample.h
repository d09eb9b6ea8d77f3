/* ops_resample.h: resizing and warping exactly as PyTorch computes them
 * (family "resample"; kernels/resample_cpu.c, kernels/resample_cuda.cu).
 * f32, or f16 on CUDA (coordinates and interpolation in f32). */
#ifndef OR_OPS_RESAMPLE_H
#define OR_OPS_RESAMPLE_H

#ifdef __cplusplus
extern "C" {
#endif

#include "backend.h"

typedef enum { OR_GRID_PAD_ZEROS = 0, OR_GRID_PAD_BORDER = 1 } or_grid_pad;

/* y [N,C,Ho,Wo] = F.interpolate(x, size=(Ho,Wo), mode='bilinear',
 * align_corners=align_corners) (no antialias).  With scale_h/scale_w > 0 it is
 * PyTorch's scale_factor= call instead (recompute_scale_factor None): the source
 * coordinate uses 1/scale, which differs from in/out when in*scale is not an
 * integer; Ho, Wo must then be floor(in*scale). */
or_status or_resize_bilinear(const or_tensor *x, int align_corners, double scale_h,
                             double scale_w, or_tensor *y, or_err *err);
/* y = F.interpolate(x, size=(Ho,Wo), mode='nearest'): src = floor(dst * in/out),
 * or floor(dst / scale) with scale factors given (as above). */
or_status or_resize_nearest(const or_tensor *x, double scale_h, double scale_w, or_tensor *y,
                            or_err *err);
/* Backward warp: y = F.grid_sample(x, g, mode='bilinear', padding_mode=pad,
 * align_corners=align_corners) where g is the pixel grid moved by flow and
 * normalised by (W-1)/2 and (H-1)/2, as RIFE's warp() and PWC-Net's warp() build it:
 * g_x = 2 * (j + flow[n,0,i,j]) / (W-1) - 1, g_y likewise with flow[n,1] and H.
 * With align_corners = 1 this samples x at (j + fx, i + fy) exactly.
 * x [N,C,H,W], flow [N,2,H,W] (may be a channel view), y [N,C,H,W]. */
or_status or_warp_bilinear(const or_tensor *x, const or_tensor *flow, or_grid_pad pad,
                           int align_corners, or_tensor *y, or_err *err);

struct or_ops_resample {
    or_status (*resize_bilinear)(or_backend *be, const or_tensor *x, int align_corners,
                                 double scale_h, double scale_w, or_tensor *y, or_err *err);
    or_status (*resize_nearest)(or_backend *be, const or_tensor *x, double scale_h,
                                double scale_w, or_tensor *y, or_err *err);
    or_status (*warp_bilinear)(or_backend *be, const or_tensor *x, const or_tensor *flow,
                               or_grid_pad pad, int align_corners, or_tensor *y, or_err *err);
};

#ifdef __cplusplus
}
#endif

#endif
