/* image_png.c: PNG decode/encode with libpng.
 *
 * libpng reports errors through a callback that must not return; ours copies
 * the message and longjmps back into the function that called setjmp, which
 * turns it into an or_err.  Its warnings (a bad CRC in an ancillary chunk,
 * libpng's "benign" errors such as extra or missing compressed data) are
 * corrupt data: an error, unless the caller allows corrupt data
 * (or_image_limits.allow_corrupt), when the first is kept in
 * or_image.src_corrupt.  Nothing reaches stderr.
 * State that must survive the longjmp lives in a struct owned by the caller
 * of the setjmp function, so no local of that function is relied upon after
 * the jump. */
#include "image_internal.h"

#include <errno.h>
#include <png.h>
#include <math.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    png_structp png;
    png_infop info;
    const uint8_t *buf; /* reading: the whole file */
    size_t len, pos;
    size_t need;        /* bytes wanted when the data ran out */
    int truncated;
    int allow_corrupt;  /* reading: go on after a warning */
    int corrupt;        /* a warning was seen (its text in warn) */
    int saved_errno;    /* writing: errno when libpng failed */
    uint8_t *rows;      /* one packed row, or the whole image when interlaced */
    png_bytep *rowp;
    char msg[256];      /* libpng's error message */
    char warn[160];     /* its first warning */
} png_ctx;

static void png_error_longjmp(png_structp png, png_const_charp msg)
{
    png_ctx *ctx = png_get_error_ptr(png);
    ctx->saved_errno = errno;
    snprintf(ctx->msg, sizeof ctx->msg, "%s", msg ? msg : "unknown error");
    png_longjmp(png, 1);
}

static void png_warning_ignore(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void png_warning_corrupt(png_structp png, png_const_charp msg)
{
    png_ctx *ctx = png_get_error_ptr(png);
    if (!ctx->corrupt)
        snprintf(ctx->warn, sizeof ctx->warn, "%s", msg ? msg : "unknown warning");
    ctx->corrupt = 1;
    if (!ctx->allow_corrupt)
        png_longjmp(png, 1);
}

static void png_read_from_mem(png_structp png, png_bytep dst, size_t n)
{
    png_ctx *ctx = png_get_io_ptr(png);
    if (n > ctx->len - ctx->pos) {
        ctx->truncated = 1;
        ctx->need = ctx->pos + n;
        png_error(png, "truncated");
    }
    memcpy(dst, ctx->buf + ctx->pos, n);
    ctx->pos += n;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static or_status png_failed(const png_ctx *ctx, const char *name, or_err *err)
{
    if (ctx->truncated)
        return or_errf(err, OR_EFORMAT, "%s: truncated PNG (read %zu of %zu bytes)", name,
                       ctx->len, ctx->need);
    if (ctx->corrupt && !ctx->msg[0])
        return or_errf(err, OR_EFORMAT, "%s: corrupt PNG data (%s)", name, ctx->warn);
    or_status code = strstr(ctx->msg, "memory") ? OR_ENOMEM : OR_EFORMAT;
    return or_errf(err, code, "%s: malformed PNG (%s)", name, ctx->msg);
}

static or_image_src_color png_src_color(int color_type, int has_trns)
{
    switch (color_type) {
    case PNG_COLOR_TYPE_GRAY: return OR_IMAGE_SRC_GRAY;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return OR_IMAGE_SRC_GRAY_ALPHA;
    case PNG_COLOR_TYPE_RGB: return OR_IMAGE_SRC_RGB;
    case PNG_COLOR_TYPE_RGB_ALPHA: return OR_IMAGE_SRC_RGBA;
    case PNG_COLOR_TYPE_PALETTE:
        return has_trns ? OR_IMAGE_SRC_PALETTE_TRNS : OR_IMAGE_SRC_PALETTE;
    }
    return OR_IMAGE_SRC_NONE;
}

/* Colour metadata is ignored (see image.h); telling libpng to skip these
 * chunks also avoids inflating large compressed profiles and text. */
static void png_skip_metadata(png_structp png)
{
    static const png_byte skip[] = "iCCP\0gAMA\0cHRM\0sRGB\0sBIT\0zTXt\0iTXt\0tEXt\0eXIf\0sPLT\0";
    png_set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, skip, (int)(sizeof skip / 5));
}

/* Unpack one row of 8- or 16-bit samples (nch per pixel, colour then alpha)
 * into row y of the planes. Returns 0 if some pixel has R != G or G != B. */
static int png_unpack_row(or_image *img, const uint8_t *row, int y, int nch, int depth16)
{
    const float maxval = depth16 ? 65535.0f : 255.0f;
    const int W = img->width, cc = img->channels;
    const size_t plane = (size_t)W * img->height, off = (size_t)y * W;
    int gray = 1;
    for (int x = 0; x < W; x++) {
        unsigned v[4];
        for (int c = 0; c < nch; c++) {
            size_t i = (size_t)x * nch + c;
            v[c] = depth16 ? (unsigned)row[2 * i] << 8 | row[2 * i + 1] : row[i];
        }
        for (int c = 0; c < cc; c++)
            img->planes[c * plane + off + x] = (float)v[c] / maxval;
        if (img->alpha)
            img->alpha[off + x] = (float)v[cc] / maxval;
        if (cc == 3 && (v[0] != v[1] || v[1] != v[2]))
            gray = 0;
    }
    return gray;
}

/* Decode rows one at a time, or all at once for Adam7 (libpng then needs
 * the whole image to fill in the passes). */
static or_status png_read_pixels(png_ctx *ctx, or_image *out, int interlaced, const char *name,
                                 or_err *err)
{
    size_t rowbytes = png_get_rowbytes(ctx->png, ctx->info);
    int nch = png_get_channels(ctx->png, ctx->info);
    int depth16 = png_get_bit_depth(ctx->png, ctx->info) == 16;
    size_t nrows = interlaced ? (size_t)out->height : 1;
    if (rowbytes == 0 || nrows > SIZE_MAX / rowbytes)
        return or_errf(err, OR_ENOMEM, "%s: PNG rows too large", name);
    ctx->rows = calloc(nrows, rowbytes);
    ctx->rowp = malloc(nrows * sizeof *ctx->rowp);
    if (!ctx->rows || !ctx->rowp)
        return or_errf(err, OR_ENOMEM, "%s: out of memory for %dx%d PNG rows", name, out->width,
                       out->height);
    for (size_t y = 0; y < nrows; y++)
        ctx->rowp[y] = ctx->rows + y * rowbytes;
    if (interlaced)
        png_read_image(ctx->png, ctx->rowp);
    int gray = 1;
    for (int y = 0; y < out->height; y++) {
        const uint8_t *row = ctx->rows;
        if (interlaced)
            row = ctx->rowp[y];
        else
            png_read_row(ctx->png, ctx->rows, NULL);
        gray &= png_unpack_row(out, row, y, nch, depth16);
    }
    out->gray_as_rgb = out->channels == 3 && gray;
    return OR_OK;
}

/* Everything between setjmp and the end of decoding. */
static or_status png_decode(png_ctx *ctx, const char *name, const or_image_limits *lim,
                            or_image *out, or_err *err)
{
    if (setjmp(png_jmpbuf(ctx->png)))
        return png_failed(ctx, name, err);
    /* Our own limit (or_image_limits) is the only size policy. */
    png_set_user_limits(ctx->png, PNG_UINT_31_MAX, PNG_UINT_31_MAX);
    png_set_read_fn(ctx->png, ctx, png_read_from_mem);
    png_skip_metadata(ctx->png);
    png_read_info(ctx->png, ctx->info);

    png_uint_32 w, h;
    int depth, color_type, interlace;
    png_get_IHDR(ctx->png, ctx->info, &w, &h, &depth, &color_type, &interlace, NULL, NULL);
    OR_TRY(or_image_check_size(name, w, h, lim, err));
    int has_trns = png_get_valid(ctx->png, ctx->info, PNG_INFO_tRNS) != 0;

    /* palette -> RGB, gray < 8 bits -> 8 bits (scaled to full range),
     * tRNS -> alpha. 16-bit samples are kept; no gamma is applied. */
    png_set_expand(ctx->png);
    int interlaced = interlace != PNG_INTERLACE_NONE;
    if (interlaced)
        png_set_interlace_handling(ctx->png);
    png_read_update_info(ctx->png, ctx->info);

    int nch = png_get_channels(ctx->png, ctx->info);
    int colour = nch >= 3 ? 3 : 1;
    OR_TRY(or_image_alloc(out, (int)w, (int)h, colour, nch == 2 || nch == 4, err));
    out->src_format = OR_IMAGE_FMT_PNG;
    out->src_color = png_src_color(color_type, has_trns);
    out->src_bit_depth = depth;
    out->src_interlaced = interlaced;
    out->src_color_key = has_trns && color_type != PNG_COLOR_TYPE_PALETTE;
    OR_TRY(png_read_pixels(ctx, out, interlaced, name, err));
    png_read_end(ctx->png, NULL); /* checks the chunks after IDAT, up to IEND */
    if (ctx->corrupt) /* only when allowed: else it longjmp'ed */
        snprintf(out->src_corrupt, sizeof out->src_corrupt, "%s", ctx->warn);
    return OR_OK;
}

/* The least a PNG of IHDR's size takes: its filtered rows, deflated at half
 * deflate's best ratio (1032:1; the half covers Adam7's extra filter bytes
 * and the zlib framing). */
static double png_min_bytes(const uint8_t *ihdr_data)
{
    static const int channels[7] = {1, 0, 3, 1, 2, 0, 4}; /* by colour type */
    int depth = ihdr_data[8], ct = ihdr_data[9];
    int nch = ct < 7 && channels[ct] ? channels[ct] : 1;
    double rowbytes = ceil((double)be32(ihdr_data) * nch * depth / 8.0);
    return (double)be32(ihdr_data + 4) * (1.0 + rowbytes) / (2.0 * 1032.0);
}

/* Refuse oversized images, and sizes the file cannot hold, from IHDR
 * itself, before libpng reads on. */
static or_status png_check_ihdr(const uint8_t *buf, size_t len, const char *name,
                                const or_image_limits *lim, or_err *err)
{
    if (len < 26 || memcmp(buf + 12, "IHDR", 4) != 0)
        return OR_OK; /* libpng reports it */
    long w = be32(buf + 16), h = be32(buf + 20);
    OR_TRY(or_image_check_size(name, w, h, lim, err));
    return or_image_check_claim(name, w, h, png_min_bytes(buf + 16), len, err);
}

or_status or_png_read_mem(const uint8_t *buf, size_t len, const char *name,
                          const or_image_limits *lim, or_image *out, or_err *err)
{
    OR_TRY(png_check_ihdr(buf, len, name, lim, err));
    png_ctx ctx = {.buf = buf, .len = len, .allow_corrupt = or_image_allow_corrupt(lim)};
    ctx.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &ctx, png_error_longjmp,
                                     png_warning_corrupt);
    if (ctx.png)
        ctx.info = png_create_info_struct(ctx.png);
    if (!ctx.png || !ctx.info) {
        png_destroy_read_struct(&ctx.png, NULL, NULL);
        return or_errf(err, OR_ENOMEM, "%s: out of memory creating the PNG reader", name);
    }
    or_status s = png_decode(&ctx, name, lim, out, err);
    png_destroy_read_struct(&ctx.png, &ctx.info, NULL);
    free(ctx.rows);
    free(ctx.rowp);
    if (s != OR_OK)
        or_image_free(out);
    return s;
}

/* ---- writing ---------------------------------------------------------------- */

static void png_pack_row(const or_image *img, int y, int depth16, uint8_t *row)
{
    const int W = img->width, cc = img->channels, nch = cc + (img->alpha != NULL);
    const size_t plane = (size_t)W * img->height, off = (size_t)y * W;
    const float maxval = depth16 ? 65535.0f : 255.0f;
    for (int x = 0; x < W; x++) {
        for (int c = 0; c < nch; c++) {
            float v = c < cc ? img->planes[c * plane + off + x] : img->alpha[off + x];
            unsigned q = or_image_quantize(v, maxval);
            size_t i = (size_t)x * nch + c;
            if (depth16) {
                row[2 * i] = (uint8_t)(q >> 8);
                row[2 * i + 1] = (uint8_t)q;
            } else {
                row[i] = (uint8_t)q;
            }
        }
    }
}

static or_status png_encode(png_ctx *ctx, FILE *f, const or_image *img, int depth,
                            const char *path, or_err *err)
{
    if (setjmp(png_jmpbuf(ctx->png))) {
        const char *why = ctx->saved_errno ? strerror(ctx->saved_errno) : "";
        return or_errf(err, OR_EIO, "%s: writing PNG failed (%s%s%s)", path, ctx->msg,
                       *why ? ": " : "", why);
    }
    static const int color_types[2][2] = {
        {PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA},
        {PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA}};
    png_init_io(ctx->png, f);
    png_set_IHDR(ctx->png, ctx->info, (png_uint_32)img->width, (png_uint_32)img->height, depth,
                 color_types[img->channels == 3][img->alpha != NULL], PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    /* zlib level 3: ~3.5x faster than the default 6 for ~13% larger files,
     * which matters when a film is written frame by frame. */
    png_set_compression_level(ctx->png, 3);
    png_write_info(ctx->png, ctx->info);
    for (int y = 0; y < img->height; y++) {
        png_pack_row(img, y, depth == 16, ctx->rows);
        errno = 0;
        png_write_row(ctx->png, ctx->rows);
    }
    errno = 0;
    png_write_end(ctx->png, NULL);
    return OR_OK;
}

/* Encodes img into f (path: the target, or NULL for memory; used in messages). */
static or_status png_write_to(const char *path, FILE *mem, const or_image *img, int bit_depth,
                              or_err *err)
{
    const char *name = path ? path : "PNG in memory";
    OR_TRY(or_image_check_writable(name, img, err));
    if (bit_depth != 8 && bit_depth != 16)
        return or_errf(err, OR_EINVAL, "%s: PNG bit depth must be 8 or 16, not %d", name,
                       bit_depth);
    size_t nch = (size_t)img->channels + (img->alpha != NULL);
    png_ctx ctx = {0};
    ctx.rows = malloc((size_t)img->width * nch * (size_t)(bit_depth / 8));
    ctx.png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &ctx, png_error_longjmp,
                                      png_warning_ignore);
    if (ctx.png)
        ctx.info = png_create_info_struct(ctx.png);
    or_status s;
    if (!ctx.rows || !ctx.png || !ctx.info) {
        s = or_errf(err, OR_ENOMEM, "%s: out of memory creating the PNG writer", name);
    } else if (mem) {
        s = png_encode(&ctx, mem, img, bit_depth, name, err);
    } else {
        or_atomic_file af;
        s = or_atomic_open(&af, path, err);
        if (s == OR_OK)
            s = png_encode(&ctx, af.f, img, bit_depth, path, err);
        if (s == OR_OK)
            s = or_atomic_commit(&af, err);
        else if (af.f)
            or_atomic_abort(&af);
    }
    png_destroy_write_struct(&ctx.png, &ctx.info);
    free(ctx.rows);
    return s;
}

or_status or_image_write_png(const char *path, const or_image *img, int bit_depth, or_err *err)
{
    return png_write_to(path, NULL, img, bit_depth, err);
}

or_status or_image_write_png_mem(const or_image *img, int bit_depth, uint8_t **buf, size_t *len,
                                 or_err *err)
{
    char *p = NULL;
    size_t n = 0;
    *buf = NULL, *len = 0;
    FILE *f = open_memstream(&p, &n);
    if (!f)
        return or_errf(err, OR_ENOMEM, "PNG in memory: out of memory");
    or_status s = png_write_to(NULL, f, img, bit_depth, err);
    if (fclose(f) != 0 && s == OR_OK)
        s = or_errf(err, OR_ENOMEM, "PNG in memory: out of memory");
    if (s == OR_OK)
        *buf = (uint8_t *)p, *len = n;
    else
        free(p);
    return s;
}
