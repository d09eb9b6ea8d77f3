/* image_internal.h: what image.c, image_png.c and image_jpeg.c share.
 * Not part of the public API. */
#ifndef OR_IMAGE_INTERNAL_H
#define OR_IMAGE_INTERNAL_H

#include <stdio.h>

#include "image.h"

/* Decoders: buf holds the whole file; the signature is already checked. */
or_status or_png_read_mem(const uint8_t *buf, size_t len, const char *name,
                          const or_image_limits *lim, or_image *out,
                          or_err *err);
or_status or_jpeg_read_mem(const uint8_t *buf, size_t len, const char *name,
                           const or_image_limits *lim, or_image *out,
                           or_err *err);

/* Refuse 0-size images, images over lim and images whose stage output
 * (lim->scale) would be over it, before any pixel allocation. */
or_status or_image_check_size(const char *name, long width, long height,
                              const or_image_limits *lim, or_err *err);
/* Refuse a header whose width x height cannot fit in len bytes of file:
 * min_bytes is the least any valid encoding of that size takes. */
or_status or_image_check_claim(const char *name, long width, long height, double min_bytes,
                               size_t len, or_err *err);
/* 1 when lim asks to decode corrupt data anyway (see or_image_limits). */
static inline int or_image_allow_corrupt(const or_image_limits *lim)
{
    return lim && lim->allow_corrupt;
}

/* Checks shared by the writers: planes present, 1 or 3 channels, sane size. */
or_status or_image_check_writable(const char *path, const or_image *img,
                                  or_err *err);

/* Clamp to [0,1] (NaN -> 0) and round to 0..maxval. */
static inline unsigned or_image_quantize(float x, float maxval)
{
    x = x > 0.0f ? (x < 1.0f ? x : 1.0f) : 0.0f;
    return (unsigned)(x * maxval + 0.5f);
}

/* Outputs go through runtime/core/fileutil.h: a temporary file beside the target,
 * renamed over it only on success. */
#include "runtime/core/fileutil.h"

#endif
