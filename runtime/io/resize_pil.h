/* resize_pil.h: Pillow's Image.resize on host planes, bit-exact.
 *
 * Same arithmetic as Pillow's libImaging/Resample.c (ImagingResample, Pillow
 * 7 to 10): separable, antialiased (when shrinking the filter support grows by
 * the scale factor), horizontal pass first, then vertical; coefficients in
 * double, normalised per output pixel; for 8-bit images the coefficients are
 * rounded to 22-bit fixed point, every pass accumulates in integers from a
 * rounding half and clips to [0,255], and the intermediate image is 8-bit (as
 * PIL's 'L' / 'RGB' modes); for float images (PIL mode 'F') each pass
 * accumulates in double and stores float.  The default box (the whole image)
 * is used.  Planes are [planes][h][w], each resized on its own (as PIL does
 * each band of an RGB image).  No library state; safe from any thread. */
#ifndef OR_RESIZE_PIL_H
#define OR_RESIZE_PIL_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>
#include <stdint.h>

#include "runtime/core/status.h"

/* The values of PIL.Image.Resampling (NEAREST = 0 is not offered). */
typedef enum {
    OR_PIL_LANCZOS = 1,
    OR_PIL_BILINEAR = 2,
    OR_PIL_BICUBIC = 3,
    OR_PIL_BOX = 4,
    OR_PIL_HAMMING = 5
} or_pil_filter;

const char *or_pil_filter_name(or_pil_filter f);

/* dst [planes][dh][dw] = src [planes][sh][sw].resize((dw, dh), filter). */
or_status or_resize_pil_u8(const uint8_t *src, int sw, int sh, int planes, uint8_t *dst, int dw,
                           int dh, or_pil_filter filter, or_err *err);
or_status or_resize_pil_f32(const float *src, int sw, int sh, int planes, float *dst, int dw,
                            int dh, or_pil_filter filter, or_err *err);

/* Planes in [0,1] (runtime/io/image.h) <-> 8-bit as PIL would hold the image:
 * round(v * 255) clamped to [0,255]; and u / 255. */
void or_planes_to_u8(const float *x, size_t count, uint8_t *y);
void or_u8_to_planes(const uint8_t *x, size_t count, float *y);

#ifdef __cplusplus
}
#endif

#endif
