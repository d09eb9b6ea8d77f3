/* image.h: reading and writing still images (PNG via libpng, JPEG via
 * libjpeg-turbo) as planar float data in [0,1].
 *
 * What is deliberately ignored on read:
 *  - PNG gAMA / cHRM / sRGB / iCCP chunks: samples are returned as stored.
 *    Old scanned photographs rarely carry meaningful colour metadata, and the
 *    networks were trained on raw 8-bit samples, so no gamma is applied.
 *  - JPEG EXIF orientation: the pixels are returned in stored order.
 *  - JPEG APPn metadata (EXIF, ICC, XMP) in general.
 * The writers emit no colour metadata either.
 *
 * Errors are one line naming the file ("x.png: truncated PNG (...)"); the
 * library never prints, exits or aborts, also when libpng/libjpeg fail. */
#ifndef OR_IMAGE_H
#define OR_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/core/status.h"

typedef enum {
    OR_IMAGE_FMT_NONE = 0, /* made in memory (or_image_alloc) */
    OR_IMAGE_FMT_PNG,
    OR_IMAGE_FMT_JPEG
} or_image_format;

/* The colour type of the source file, before any expansion. */
typedef enum {
    OR_IMAGE_SRC_NONE = 0,     /* made in memory                          */
    OR_IMAGE_SRC_GRAY,         /* PNG gray (alpha set if tRNS colour key) */
    OR_IMAGE_SRC_GRAY_ALPHA,   /* PNG gray + alpha                        */
    OR_IMAGE_SRC_RGB,          /* PNG RGB (alpha set if tRNS colour key)  */
    OR_IMAGE_SRC_RGBA,         /* PNG RGBA                                */
    OR_IMAGE_SRC_PALETTE,      /* PNG palette without tRNS                */
    OR_IMAGE_SRC_PALETTE_TRNS, /* PNG palette with tRNS (alpha set)       */
    OR_IMAGE_SRC_JPEG_GRAY,    /* JPEG, one component                     */
    OR_IMAGE_SRC_JPEG_YCBCR,   /* JPEG, YCbCr (the usual colour JPEG)     */
    OR_IMAGE_SRC_JPEG_RGB      /* JPEG stored as RGB (Adobe transform 0)  */
} or_image_src_color;

typedef struct {
    int width, height;
    int channels;  /* colour channels: 1 gray or 3 RGB                     */
    float *planes; /* channels*height*width floats in [0,1], plane-major:
                      sample (c,y,x) is planes[(c*height + y)*width + x]   */
    float *alpha;  /* height*width floats in [0,1] (1 = opaque), or NULL    */

    /* What the source was (zero for images made in memory). */
    or_image_format src_format;
    or_image_src_color src_color;
    int src_bit_depth;   /* 1, 2, 4, 8 or 16 (palette: bits per index)  */
    int src_interlaced;  /* PNG Adam7, or progressive JPEG               */
    int src_color_key;   /* PNG gray/RGB whose alpha came from tRNS      */
    int gray_as_rgb;     /* channels == 3 but every pixel has R == G == B
                            exactly (a gray photo saved as colour)       */
    char src_corrupt[160]; /* "" unless the data was corrupt and decoded
                              anyway (or_image_limits.allow_corrupt): then
                              what was wrong, e.g. "premature end of data" */
} or_image;

/* What a read may cost, decided from the header before decoding.  Zero
 * fields take the defaults, so {.max_pixels = N} is a valid value. */
typedef struct {
    long max_pixels;    /* width*height above this is refused before allocating */
    double scale;       /* the stage that reads the image makes each side this
                           many times larger (upscale x4: 4); its output is
                           checked against max_pixels from the header too.
                           0 or 1: the output is the input's size */
    const char *verb;   /* that stage, for the message ("upscale"); NULL: "scale" */
    const char *flag;   /* the setting that raises max_pixels, named in the
                           message ("--max-pixels"); NULL: none */
    int allow_corrupt;  /* corrupt data that the codec can decode anyway
                           (libjpeg's warnings, libpng's benign errors) is
                           decoded and reported in or_image.src_corrupt;
                           0: refused as an error */
    size_t max_file_bytes; /* or_image_read refuses larger files; 0: OR_IMAGE_MAX_FILE_BYTES */
} or_image_limits;

#define OR_IMAGE_MAX_PIXELS (20000L * 20000L)
#define OR_IMAGE_MAX_FILE_BYTES ((size_t)2 << 30)

/* OR_IMAGE_MAX_PIXELS (20000*20000), corrupt data refused. */
or_image_limits or_image_limits_default(void);

/* Read a PNG or JPEG (detected by signature, not extension). lim may be NULL
 * (defaults). Only regular files are read (runtime/core/fileutil.h).  Before any
 * pixel is allocated, the header's size is checked against lim (input and
 * stage output) and against the file's length (a header claiming far more
 * pixels than the data could hold is refused).  On failure *out is left
 * zeroed. */
or_status or_image_read(const char *path, const or_image_limits *lim,
                        or_image *out, or_err *err);
/* Same from memory; name is used in error messages. */
or_status or_image_read_mem(const void *buf, size_t len, const char *name,
                            const or_image_limits *lim, or_image *out,
                            or_err *err);

/* Write gray or RGB (with alpha when img->alpha != NULL) as an 8- or 16-bit
 * PNG. Values are clamped to [0,1] and rounded. The file appears atomically:
 * it is written to path.tmp-XXXXXX and renamed over path only on success. */
or_status or_image_write_png(const char *path, const or_image *img,
                             int bit_depth, or_err *err);
/* The same PNG into memory: *buf (malloc'ed, *len bytes). */
or_status or_image_write_png_mem(const or_image *img, int bit_depth, uint8_t **buf, size_t *len,
                                 or_err *err);
/* Baseline JPEG, quality 1..100 (4:4:4 chroma from 90 up, else 4:2:0).
 * Alpha is dropped; gray stays one-component. Same temp+rename. */
or_status or_image_write_jpeg(const char *path, const or_image *img,
                              int quality, or_err *err);

/* Allocate zeroed planes (and an alpha plane set to 1 when with_alpha). */
or_status or_image_alloc(or_image *img, int width, int height, int channels,
                         int with_alpha, or_err *err);
void or_image_free(or_image *img); /* frees and zeroes; NULL-safe */

static inline float *or_image_plane(const or_image *img, int c)
{
    return img->planes + (size_t)c * img->height * img->width;
}

/* 1 if the image is gray, or RGB with |R-G| and |G-B| <= tol everywhere. */
int or_image_is_gray(const or_image *img, float tol);
/* New 3-channel copy in dst (gray replicated); alpha and src_* copied. */
or_status or_image_to_rgb(const or_image *src, or_image *dst, or_err *err);
/* New 1-channel copy in dst: RGB -> BT.601 luma (what JPEG uses). */
or_status or_image_to_gray(const or_image *src, or_image *dst, or_err *err);
/* Deep copy. */
or_status or_image_copy(const or_image *src, or_image *dst, or_err *err);
/* dst is written as src was: copies src's format, colour type, bit depth,
 * interlacing and colour key (not gray_as_rgb: dst's pixels are its own). */
void or_image_copy_source(or_image *dst, const or_image *src);

const char *or_image_src_color_name(or_image_src_color c);

#endif
