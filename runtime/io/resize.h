/* resize.h: resampling float planes on the CPU. */
#ifndef OR_RESIZE_H
#define OR_RESIZE_H

#ifdef __cplusplus
extern "C" {
#endif

#include "runtime/core/status.h"

/* Resize c planes of sh x sw (plane-major) to dh x dw as OpenCV's
 * cv2.resize(..., interpolation=INTER_LANCZOS4) does on float images:
 * separable 8-tap windowed sinc (a = 4) at source position
 * (d + 0.5) * s/d - 0.5, taps normalised to sum 1, samples outside the image
 * taken from the nearest edge (OpenCV replicates the border here).
 * Horizontal pass first, then vertical, each in f32 with double coefficients
 * rounded to f32.  Output is not clamped. */
or_status or_resize_lanczos4(const float *src, int c, int sh, int sw, float *dst, int dh, int dw,
                             or_err *err);

#ifdef __cplusplus
}
#endif

#endif
