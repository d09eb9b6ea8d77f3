/* ops_flow.h: DAIN's optical-flow layers (family "flow"; kernels/flow_cpu.c,
 * kernels/flow_cuda.cu), each as the official baowenbo/DAIN code computes it
 * (docs/stages/dain.md gives the exact semantics and the tolerances).
 *
 * dtypes: every tensor is f32, or (CUDA) f16 where marked "f32|f16"; each
 * tensor may have its own dtype; the arithmetic is f32 everywhere.  The flow
 * projection accumulates with atomics on CUDA, so its output and counter are
 * f32 only. */
#ifndef OR_OPS_FLOW_H
#define OR_OPS_FLOW_H

#ifdef __cplusplus
extern "C" {
#endif

#include "backend.h"

/* PWC-Net's Correlation(pad_size=md, kernel_size=1, max_displacement=md,
 * stride1=1, stride2=1) (the FlowNet2 correlation kernel):
 *   y[n, (dy+md)*(2md+1) + (dx+md), i, j] = sum_c a[n,c,i,j] * b[n,c,i+dy,j+dx] / C
 * for dy, dx in [-md, md], b zero outside the image.  a, b [N,C,H,W],
 * y [N,(2md+1)^2,H,W]; all f32|f16, same dtype. */
or_status or_correlation(const or_tensor *a, const or_tensor *b, int md, or_tensor *y,
                         or_err *err);

/* PWC-Net's warp(): y = grid_sample(x, grid + flow) * mask with bilinear
 * sampling, zero padding and align_corners=True (PyTorch 1.0's grid_sample),
 * the grid normalised by max(W-1,1) and max(H-1,1); mask = 1 where
 * grid_sample of ones is >= 0.9999, else 0.  x [N,C,H,W], flow [N,2,H,W],
 * y [N,C,H,W]; f32|f16 each. */
or_status or_pwc_warp(const or_tensor *x, const or_tensor *flow, or_tensor *y, or_err *err);

/* DepthFlowProjectionLayer forward (my_package/DepthFlowProjection): every
 * pixel p with x2 = p + flow(p) inside [0,W-1]x[0,H-1] adds
 * -w(p)*flow(p) and w(p) (w = depth_inv at p) to the four integer corners
 * around x2 (right/bottom clamped to the border, so a corner may be hit twice);
 * then y = sum / count where count > 0; with fill_holes, every pixel with
 * count == 0 becomes the mean of the first pixels with count > 0 found to its
 * left, right, top and bottom (in that order; 0 if none).
 * flow [N,2,H,W] f32|f16, depth_inv [N,1,H,W] f32|f16, count (scratch)
 * [N,1,H,W] f32, y [N,2,H,W] f32. */
or_status or_depth_flow_projection(const or_tensor *flow, const or_tensor *depth_inv,
                                   int fill_holes, or_tensor *count, or_tensor *y, or_err *err);

/* FilterInterpolationLayer forward (my_package/FilterInterpolation): for each
 * pixel p, x2 = p + flow(p); when x2 is inside the image and |flow| < W/2, H/2
 * the F x F window with top-left (floor(x2) + 1 - F/2) (clamped reads) is
 * weighted by the per-pixel filter [F*F taps, row-major], its four quadrants
 * summed separately and blended bilinearly with the fraction of x2; otherwise
 * y(p) = x(p).  x [N,C,H,W] f32|f16, flow [N,2,H,W] f32|f16,
 * filter [N,F*F,H,W] f32|f16, y [N,C,H,W] f32|f16; F even, 2..8. */
or_status or_filter_interpolation(const or_tensor *x, const or_tensor *flow,
                                  const or_tensor *filter, int filter_size, or_tensor *y,
                                  or_err *err);

/* y = eps + 1 / exp(x): DAIN's inverse depth from the log depth (eps 1e-6).
 * x, y same shape, f32|f16 each (y may be x when the dtypes agree). */
or_status or_inv_exp(const or_tensor *x, float eps, or_tensor *y, or_err *err);

struct or_ops_flow {
    or_status (*correlation)(or_backend *be, const or_tensor *a, const or_tensor *b, int md,
                             or_tensor *y, or_err *err);
    or_status (*pwc_warp)(or_backend *be, const or_tensor *x, const or_tensor *flow,
                          or_tensor *y, or_err *err);
    or_status (*depth_flow_projection)(or_backend *be, const or_tensor *flow,
                                       const or_tensor *depth_inv, int fill_holes,
                                       or_tensor *count, or_tensor *y, or_err *err);
    or_status (*filter_interpolation)(or_backend *be, const or_tensor *x, const or_tensor *flow,
                                      const or_tensor *filter, int filter_size, or_tensor *y,
                                      or_err *err);
    or_status (*inv_exp)(or_backend *be, const or_tensor *x, float eps, or_tensor *y,
                         or_err *err);
};

#ifdef __cplusplus
}
#endif

#endif
