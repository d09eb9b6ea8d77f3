/* image.c: or_image memory, size checks and small conversions, below the
 * codecs (image_png.c, image_jpeg.c); format detection and file reading are
 * in image_read.c, above them. */
#include "image_internal.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

or_image_limits or_image_limits_default(void)
{
    return (or_image_limits){.max_pixels = OR_IMAGE_MAX_PIXELS};
}

/* ---- allocation ------------------------------------------------------------ */

or_status or_image_alloc(or_image *img, int width, int height, int channels,
                         int with_alpha, or_err *err)
{
    memset(img, 0, sizeof *img);
    if (width <= 0 || height <= 0 || (channels != 1 && channels != 3))
        return or_errf(err, OR_EINVAL, "or_image_alloc: bad shape %dx%d with %d channels",
                       width, height, channels);
    size_t npix = (size_t)width * (size_t)height;
    if (npix > SIZE_MAX / sizeof(float) / 4)
        return or_errf(err, OR_ENOMEM, "or_image_alloc: %dx%d is too large", width, height);
    img->planes = calloc(npix * (size_t)channels, sizeof(float));
    if (with_alpha)
        img->alpha = malloc(npix * sizeof(float));
    if (!img->planes || (with_alpha && !img->alpha)) {
        or_image_free(img);
        return or_errf(err, OR_ENOMEM, "or_image_alloc: out of memory for %dx%dx%d%s",
                       width, height, channels, with_alpha ? " with alpha" : "");
    }
    for (size_t i = 0; with_alpha && i < npix; i++)
        img->alpha[i] = 1.0f;
    img->width = width;
    img->height = height;
    img->channels = channels;
    return OR_OK;
}

void or_image_free(or_image *img)
{
    if (!img)
        return;
    free(img->planes);
    free(img->alpha);
    memset(img, 0, sizeof *img);
}

/* ---- size policy ------------------------------------------------------------- */

static long isqrt_exact(long n)
{
    long r = (long)sqrt((double)n);
    while (r > 0 && r * r > n)
        r--;
    while ((r + 1) * (r + 1) <= n)
        r++;
    return r * r == n ? r : 0;
}

/* " (--max-pixels)" when the limits name the setting that raises them. */
static const char *flag_note(const or_image_limits *lim, char *buf, size_t n)
{
    snprintf(buf, n, lim && lim->flag ? " (%s)" : "", lim ? lim->flag : "");
    return buf;
}

or_status or_image_check_size(const char *name, long width, long height,
                              const or_image_limits *lim, or_err *err)
{
    long max = lim && lim->max_pixels > 0 ? lim->max_pixels : OR_IMAGE_MAX_PIXELS;
    char note[64];
    flag_note(lim, note, sizeof note);
    if (width <= 0 || height <= 0)
        return or_errf(err, OR_EFORMAT, "%s: image has zero size (%ldx%ld)", name, width, height);
    if (width > 0x7fffffffL || height > 0x7fffffffL || width > max / height) {
        long side = isqrt_exact(max);
        if (side)
            return or_errf(err, OR_ENOMEM,
                           "%s: %ldx%ld pixels exceeds the limit of %ldx%ld (%ld pixels)%s",
                           name, width, height, side, side, max, note);
        return or_errf(err, OR_ENOMEM, "%s: %ldx%ld pixels exceeds the limit of %ld pixels%s",
                       name, width, height, max, note);
    }
    double scale = lim && lim->scale > 0 ? lim->scale : 1.0;
    double ow = floor((double)width * scale), oh = floor((double)height * scale);
    if (scale != 1.0 && ow * oh > (double)max)
        return or_errf(err, OR_ENOMEM,
                       "%s: %ldx%ld would %s to %.0fx%.0f, more than the %ld-pixel limit%s", name,
                       width, height, lim->verb ? lim->verb : "scale", ow, oh, max, note);
    return OR_OK;
}

or_status or_image_check_claim(const char *name, long width, long height, double min_bytes,
                               size_t len, or_err *err)
{
    if ((double)len >= min_bytes)
        return OR_OK;
    return or_errf(err, OR_EFORMAT,
                   "%s: the header claims %ldx%ld pixels, which take at least %.0f bytes, "
                   "but the file has %zu: truncated or corrupt",
                   name, width, height, ceil(min_bytes), len);
}

or_status or_image_check_writable(const char *path, const or_image *img, or_err *err)
{
    if (!img || !img->planes || img->width <= 0 || img->height <= 0)
        return or_errf(err, OR_EINVAL, "%s: cannot write an empty image", path);
    if (img->channels != 1 && img->channels != 3)
        return or_errf(err, OR_EINVAL, "%s: cannot write an image with %d channels (1 or 3)",
                       path, img->channels);
    return OR_OK;
}

/* ---- conversions ------------------------------------------------------------------------ */

int or_image_is_gray(const or_image *img, float tol)
{
    if (img->channels == 1)
        return 1;
    size_t n = (size_t)img->width * img->height;
    const float *r = or_image_plane(img, 0), *g = or_image_plane(img, 1),
                *b = or_image_plane(img, 2);
    for (size_t i = 0; i < n; i++)
        if (fabsf(r[i] - g[i]) > tol || fabsf(g[i] - b[i]) > tol)
            return 0;
    return 1;
}

void or_image_copy_source(or_image *dst, const or_image *src)
{
    dst->src_format = src->src_format;
    dst->src_color = src->src_color;
    dst->src_bit_depth = src->src_bit_depth;
    dst->src_interlaced = src->src_interlaced;
    dst->src_color_key = src->src_color_key;
}

static void copy_meta(or_image *dst, const or_image *src)
{
    or_image_copy_source(dst, src);
    dst->gray_as_rgb = src->gray_as_rgb;
}

static or_status alloc_like(const or_image *src, or_image *dst, int channels, or_err *err)
{
    OR_TRY(or_image_alloc(dst, src->width, src->height, channels, src->alpha != NULL, err));
    copy_meta(dst, src);
    if (src->alpha)
        memcpy(dst->alpha, src->alpha, (size_t)src->width * src->height * sizeof(float));
    return OR_OK;
}

or_status or_image_copy(const or_image *src, or_image *dst, or_err *err)
{
    OR_TRY(alloc_like(src, dst, src->channels, err));
    memcpy(dst->planes, src->planes,
           (size_t)src->channels * src->width * src->height * sizeof(float));
    return OR_OK;
}

or_status or_image_to_rgb(const or_image *src, or_image *dst, or_err *err)
{
    if (src->channels == 3)
        return or_image_copy(src, dst, err);
    OR_TRY(alloc_like(src, dst, 3, err));
    size_t plane = (size_t)src->width * src->height * sizeof(float);
    for (int c = 0; c < 3; c++)
        memcpy(or_image_plane(dst, c), src->planes, plane);
    dst->gray_as_rgb = 1;
    return OR_OK;
}

or_status or_image_to_gray(const or_image *src, or_image *dst, or_err *err)
{
    if (src->channels == 1)
        return or_image_copy(src, dst, err);
    OR_TRY(alloc_like(src, dst, 1, err));
    dst->gray_as_rgb = 0;
    size_t n = (size_t)src->width * src->height;
    const float *r = or_image_plane(src, 0), *g = or_image_plane(src, 1),
                *b = or_image_plane(src, 2);
    for (size_t i = 0; i < n; i++)
        dst->planes[i] = 0.299f * r[i] + 0.587f * g[i] + 0.114f * b[i];
    return OR_OK;
}

const char *or_image_src_color_name(or_image_src_color c)
{
    switch (c) {
    case OR_IMAGE_SRC_NONE: return "none";
    case OR_IMAGE_SRC_GRAY: return "gray";
    case OR_IMAGE_SRC_GRAY_ALPHA: return "gray+alpha";
    case OR_IMAGE_SRC_RGB: return "rgb";
    case OR_IMAGE_SRC_RGBA: return "rgba";
    case OR_IMAGE_SRC_PALETTE: return "palette";
    case OR_IMAGE_SRC_PALETTE_TRNS: return "palette+tRNS";
    case OR_IMAGE_SRC_JPEG_GRAY: return "jpeg-gray";
    case OR_IMAGE_SRC_JPEG_YCBCR: return "jpeg-ycbcr";
    case OR_IMAGE_SRC_JPEG_RGB: return "jpeg-rgb";
    }
    return "unknown";
}
