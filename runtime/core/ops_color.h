/* ops_color.h: colour conversions as the official pipelines compute them
 * (family "color"; kernels/color_cpu.c, kernels/color_cuda.cu).
 * x, y [N,3,H,W] f32 (also f16 on CUDA; math in double); y may be x. */
#ifndef OR_OPS_COLOR_H
#define OR_OPS_COLOR_H

#ifdef __cplusplus
extern "C" {
#endif

#include "backend.h"

/* sRGB in [0,1] -> CIE L*a*b* (D65 white, skimage.color.rgb2lab): L in [0,100]. */
or_status or_rgb_to_lab(const or_tensor *x, or_tensor *y, or_err *err);
/* CIE L*a*b* -> sRGB as skimage.color.lab2rgb (negative z clipped, result clipped to [0,1]). */
or_status or_lab_to_rgb(const or_tensor *x, or_tensor *y, or_err *err);
/* The L of or_rgb_to_lab (the same bits), with a = b = 0: for a caller that replaces a and b
 * (Zhang's recombine), one cube root per pixel instead of three. */
or_status or_rgb_to_l(const or_tensor *x, or_tensor *y, or_err *err);
/* RGB in [0,1] -> YUV as OpenCV's COLOR_RGB2YUV on float images:
 * Y = 0.299R + 0.587G + 0.114B, U = 0.492(B-Y) + 0.5, V = 0.877(R-Y) + 0.5. */
or_status or_rgb_to_yuv(const or_tensor *x, or_tensor *y, or_err *err);
/* YUV -> RGB as OpenCV's COLOR_YUV2RGB on float images:
 * R = Y + 1.140(V-0.5), G = Y - 0.394(U-0.5) - 0.581(V-0.5), B = Y + 2.032(U-0.5). */
or_status or_yuv_to_rgb(const or_tensor *x, or_tensor *y, or_err *err);

/* ECCV16's decoding of colour classes to ab (colorizers/eccv16.py:
 * model_out(softmax(conv8_3)), then unnormalize_ab): per pixel
 *   y[:,j] = scale * sum_q softmax(z / T)[q] * w[j,q]
 * z [N,Q,H,W] class logits, w [2,Q,1,1] (model_out's 1x1 conv weight, no bias, in
 * z's dtype), y [N,2,H,W].  The release uses T = 1 (plain softmax); T < 1 is the
 * paper's annealed mean.  Softmax is computed stably (max subtracted). */
or_status or_class_to_ab(const or_tensor *z, const or_tensor *w, float T, float scale,
                         or_tensor *y, or_err *err);

struct or_ops_color {
    or_status (*rgb_to_lab)(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err);
    or_status (*lab_to_rgb)(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err);
    or_status (*rgb_to_yuv)(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err);
    or_status (*yuv_to_rgb)(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err);
    or_status (*class_to_ab)(or_backend *be, const or_tensor *z, const or_tensor *w, float T,
                             float scale, or_tensor *y, or_err *err);
    or_status (*rgb_to_l)(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err);
};

#ifdef __cplusplus
}
#endif

#endif
