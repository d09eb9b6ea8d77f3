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

/* The same on 8-bit planes, bit-exact with OpenCV's cv2.resize(uint8 image,
 * interpolation=INTER_LANCZOS4) (imgproc/src/resize.cpp: resizeGeneric_
 * with HResizeLanczos4<uchar, int, short> and VResizeLanczos4 + FixedPtCast<int,
 * uchar, 22>): each position's 8 weights from interpolateLanczos4 in float,
 * scaled by 2048 and rounded to short; integer sums, horizontal then vertical;
 * (sum + 2^21) >> 22, saturated to 0..255.  This is what Real-ESRGAN's outscale
 * resizes (the network's output as uint8).  Checked against
 * opencv-python-headless 4.10.0.84 (test_upscale). */
or_status or_resize_lanczos4_u8(const unsigned char *src, int c, int sh, int sw, unsigned char *dst,
                                int dh, int dw, or_err *err);

#ifdef __cplusplus
}
#endif

#endif
