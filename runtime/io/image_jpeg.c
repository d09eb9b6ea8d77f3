/* image_jpeg.c: JPEG decode/encode with libjpeg(-turbo).
 *
 * libjpeg's error_exit must not return: ours formats the message and
 * longjmps back.  Its warnings are corrupt data that libjpeg would decode
 * anyway (a truncated file padded with gray, a bad Huffman code, a marker in
 * the middle of the entropy data, rows missing under a frame header taller
 * than the data): that would feed half an image to the networks, so each is
 * an error, unless the caller allows corrupt data (or_image_limits
 * .allow_corrupt): then the first one is kept in or_image.src_corrupt and
 * decoding goes on.  Warnings about metadata only are ignored. */
#include "image_internal.h"

#include <errno.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
/* jpeglib.h needs stdio.h (FILE) first. */
#include <jerror.h>
#include <jpeglib.h>

typedef struct {
    struct jpeg_error_mgr pub; /* first: libjpeg casts cinfo->err to this */
    jmp_buf jmp;
    int allow_corrupt; /* reading: go on after a corrupt-data warning */
    int eof;           /* the data ended before the image did */
    int corrupt;       /* a corrupt-data warning was seen (its text in warn) */
    int saved_errno;   /* writing: errno when libjpeg failed  */
    char msg[JMSG_LENGTH_MAX];
    char warn[JMSG_LENGTH_MAX];
} jpeg_errors;

static void jpeg_error_longjmp(j_common_ptr cinfo)
{
    jpeg_errors *je = (jpeg_errors *)cinfo->err;
    je->saved_errno = errno;
    cinfo->err->format_message(cinfo, je->msg);
    longjmp(je->jmp, 1);
}

/* Warnings that say nothing about the pixels. */
static int jpeg_warning_is_metadata(int code)
{
    return code == JWRN_JFIF_MAJOR || code == JWRN_ADOBE_XFORM
#ifdef JWRN_BOGUS_ICC
           || code == JWRN_BOGUS_ICC
#endif
        ;
}

/* libjpeg's "Corrupt JPEG data: bad Huffman code" -> "bad Huffman code". */
static void jpeg_warning_text(j_common_ptr cinfo, jpeg_errors *je)
{
    static const char prefix[] = "Corrupt JPEG data: ";
    char m[JMSG_LENGTH_MAX];
    if (cinfo->err->msg_code == JWRN_JPEG_EOF) {
        snprintf(je->warn, sizeof je->warn, "premature end of data");
        return;
    }
    cinfo->err->format_message(cinfo, m);
    const char *t = strncmp(m, prefix, sizeof prefix - 1) ? m : m + sizeof prefix - 1;
    snprintf(je->warn, sizeof je->warn, "%s", t);
}

static void jpeg_emit_warning(j_common_ptr cinfo, int level)
{
    jpeg_errors *je = (jpeg_errors *)cinfo->err;
    if (level >= 0 || jpeg_warning_is_metadata(cinfo->err->msg_code))
        return; /* trace messages, metadata */
    cinfo->err->num_warnings++;
    if (!je->corrupt)
        jpeg_warning_text(cinfo, je);
    je->corrupt = 1;
    je->eof |= cinfo->err->msg_code == JWRN_JPEG_EOF;
    if (!je->allow_corrupt)
        longjmp(je->jmp, 1);
}

static void jpeg_output_nothing(j_common_ptr cinfo) { (void)cinfo; }

static struct jpeg_error_mgr *jpeg_errors_init(jpeg_errors *je)
{
    memset(je, 0, sizeof *je);
    jpeg_std_error(&je->pub);
    je->pub.error_exit = jpeg_error_longjmp;
    je->pub.emit_message = jpeg_emit_warning;
    je->pub.output_message = jpeg_output_nothing;
    return &je->pub;
}

/* ---- reading ------------------------------------------------------------------ */

typedef struct {
    struct jpeg_decompress_struct cinfo;
    jpeg_errors je;
    JSAMPLE *row;
    or_image_src_color src;
} jpeg_reader;

static or_status jpeg_read_failed(const jpeg_reader *r, size_t len, const char *name,
                                  or_err *err)
{
    if (r->je.eof)
        return or_errf(err, OR_EFORMAT,
                       "%s: truncated JPEG (premature end of data after %zu bytes)", name, len);
    if (r->je.corrupt)
        return or_errf(err, OR_EFORMAT, "%s: corrupt JPEG data (%s)", name, r->je.warn);
    or_status code = strstr(r->je.msg, "memory") ? OR_ENOMEM : OR_EFORMAT;
    return or_errf(err, code, "%s: malformed JPEG (%s)", name, r->je.msg);
}

/* Huffman-coded data takes at least one bit per 8x8 block of every
 * component (its DC code); a header claiming more blocks than the file has
 * bits is refused before anything is allocated.  (Arithmetic coding can go
 * below that, so it is not checked.) */
static or_status jpeg_check_claim(j_decompress_ptr cinfo, size_t len, const char *name,
                                  or_err *err)
{
    if (cinfo->arith_code)
        return OR_OK;
    double blocks = 0;
    for (int c = 0; c < cinfo->num_components; c++)
        blocks += (double)cinfo->comp_info[c].width_in_blocks *
                  cinfo->comp_info[c].height_in_blocks;
    return or_image_check_claim(name, (long)cinfo->image_width, (long)cinfo->image_height,
                                blocks / 8.0, len, err);
}

/* Pick the output colour space; refuse what we cannot turn into gray/RGB. */
static or_status jpeg_choose_color(j_decompress_ptr cinfo, or_image_src_color *src,
                                   const char *name, or_err *err)
{
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo->out_color_space = JCS_GRAYSCALE;
        *src = OR_IMAGE_SRC_JPEG_GRAY;
        return OR_OK;
    case JCS_YCbCr:
        cinfo->out_color_space = JCS_RGB;
        *src = OR_IMAGE_SRC_JPEG_YCBCR;
        return OR_OK;
    case JCS_RGB:
        cinfo->out_color_space = JCS_RGB;
        *src = OR_IMAGE_SRC_JPEG_RGB;
        return OR_OK;
    case JCS_CMYK:
    case JCS_YCCK:
        return or_errf(err, OR_EUNSUPPORTED,
                       "%s: CMYK JPEG is not supported (convert it to RGB first)", name);
    default:
        return or_errf(err, OR_EUNSUPPORTED,
                       "%s: JPEG with %d components in an unknown colour space is not supported",
                       name, cinfo->num_components);
    }
}

/* Scanline of 8-bit gray or RGB -> row y of the planes. 0 if not R=G=B. */
static int jpeg_unpack_row(or_image *img, const JSAMPLE *row, int y)
{
    const int W = img->width, cc = img->channels;
    const size_t plane = (size_t)W * img->height, off = (size_t)y * W;
    int gray = 1;
    for (int x = 0; x < W; x++) {
        const JSAMPLE *p = row + (size_t)x * cc;
        for (int c = 0; c < cc; c++)
            img->planes[c * plane + off + x] = (float)p[c] / 255.0f;
        if (cc == 3 && (p[0] != p[1] || p[1] != p[2]))
            gray = 0;
    }
    return gray;
}

/* Runs under jpeg_decode's setjmp: any libjpeg error lands there. */
static or_status jpeg_decode_body(jpeg_reader *r, const uint8_t *buf, size_t len,
                                  const char *name, const or_image_limits *lim, or_image *out,
                                  or_err *err)
{
    j_decompress_ptr cinfo = &r->cinfo;
    jpeg_create_decompress(cinfo);
    jpeg_mem_src(cinfo, buf, (unsigned long)len);
    jpeg_read_header(cinfo, TRUE);

    OR_TRY(jpeg_choose_color(cinfo, &r->src, name, err));
    OR_TRY(or_image_check_size(name, cinfo->image_width, cinfo->image_height, lim, err));
    OR_TRY(jpeg_check_claim(cinfo, len, name, err));
    cinfo->dct_method = JDCT_ISLOW; /* accurate integer DCT */
    jpeg_start_decompress(cinfo);

    int W = (int)cinfo->output_width, H = (int)cinfo->output_height;
    int cc = cinfo->output_components;
    OR_TRY(or_image_alloc(out, W, H, cc, 0, err));
    out->src_format = OR_IMAGE_FMT_JPEG;
    out->src_color = r->src;
    out->src_bit_depth = cinfo->data_precision;
    out->src_interlaced = cinfo->progressive_mode != 0;
    r->row = malloc((size_t)W * cc);
    if (!r->row)
        return or_errf(err, OR_ENOMEM, "%s: out of memory for a JPEG scanline", name);
    int gray = 1;
    while (cinfo->output_scanline < cinfo->output_height) {
        int y = (int)cinfo->output_scanline;
        if (jpeg_read_scanlines(cinfo, &r->row, 1) != 1)
            return or_errf(err, OR_EFORMAT, "%s: JPEG decoder stalled at row %d", name, y);
        gray &= jpeg_unpack_row(out, r->row, y);
    }
    out->gray_as_rgb = cc == 3 && gray;
    jpeg_finish_decompress(cinfo); /* reads on to EOI: a cut before it is an error */
    if (r->je.corrupt) /* only when allowed: else it longjmp'ed */
        snprintf(out->src_corrupt, sizeof out->src_corrupt, "%.150s", r->je.warn);
    return OR_OK;
}

static or_status jpeg_decode(jpeg_reader *r, const uint8_t *buf, size_t len, const char *name,
                             const or_image_limits *lim, or_image *out, or_err *err)
{
    r->cinfo.err = jpeg_errors_init(&r->je);
    r->je.allow_corrupt = or_image_allow_corrupt(lim);
    if (setjmp(r->je.jmp))
        return jpeg_read_failed(r, len, name, err);
    return jpeg_decode_body(r, buf, len, name, lim, out, err);
}

or_status or_jpeg_read_mem(const uint8_t *buf, size_t len, const char *name,
                           const or_image_limits *lim, or_image *out, or_err *err)
{
    jpeg_reader r;
    memset(&r, 0, sizeof r); /* so destroy is safe even if create never ran */
    or_status s = jpeg_decode(&r, buf, len, name, lim, out, err);
    jpeg_destroy_decompress(&r.cinfo);
    free(r.row);
    if (s != OR_OK)
        or_image_free(out);
    return s;
}

/* ---- writing ---------------------------------------------------------------------- */

typedef struct {
    struct jpeg_compress_struct cinfo;
    jpeg_errors je;
    JSAMPLE *row;
} jpeg_writer;

static void jpeg_pack_row(const or_image *img, int y, JSAMPLE *row)
{
    const int W = img->width, cc = img->channels;
    const size_t plane = (size_t)W * img->height, off = (size_t)y * W;
    for (int x = 0; x < W; x++)
        for (int c = 0; c < cc; c++)
            row[(size_t)x * cc + c] =
                (JSAMPLE)or_image_quantize(img->planes[c * plane + off + x], 255.0f);
}

static or_status jpeg_encode(jpeg_writer *w, FILE *f, const or_image *img, int quality,
                             const char *path, or_err *err)
{
    j_compress_ptr cinfo = &w->cinfo;
    cinfo->err = jpeg_errors_init(&w->je);
    w->je.allow_corrupt = 1; /* the encoder's warnings are not about our data: ignored */
    if (setjmp(w->je.jmp)) {
        const char *why = w->je.saved_errno ? strerror(w->je.saved_errno) : "";
        return or_errf(err, OR_EIO, "%s: writing JPEG failed (%s%s%s)", path, w->je.msg,
                       *why ? ": " : "", why);
    }
    jpeg_create_compress(cinfo);
    jpeg_stdio_dest(cinfo, f);
    cinfo->image_width = (JDIMENSION)img->width;
    cinfo->image_height = (JDIMENSION)img->height;
    cinfo->input_components = img->channels;
    cinfo->in_color_space = img->channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(cinfo);
    jpeg_set_quality(cinfo, quality, TRUE);
    cinfo->dct_method = JDCT_ISLOW;
    cinfo->optimize_coding = TRUE;
    if (img->channels == 3 && quality >= 90) {
        /* Full-resolution chroma: colorized output is mostly chroma detail. */
        cinfo->comp_info[0].h_samp_factor = 1;
        cinfo->comp_info[0].v_samp_factor = 1;
    }
    jpeg_start_compress(cinfo, TRUE);
    while (cinfo->next_scanline < cinfo->image_height) {
        jpeg_pack_row(img, (int)cinfo->next_scanline, w->row);
        errno = 0;
        jpeg_write_scanlines(cinfo, &w->row, 1);
    }
    errno = 0;
    jpeg_finish_compress(cinfo);
    return OR_OK;
}

or_status or_image_write_jpeg(const char *path, const or_image *img, int quality, or_err *err)
{
    OR_TRY(or_image_check_writable(path, img, err));
    if (quality < 1 || quality > 100)
        return or_errf(err, OR_EINVAL, "%s: JPEG quality must be 1..100, not %d", path, quality);
    if (img->width > JPEG_MAX_DIMENSION || img->height > JPEG_MAX_DIMENSION)
        return or_errf(err, OR_EINVAL, "%s: %dx%d is larger than JPEG allows (%d per side)",
                       path, img->width, img->height, (int)JPEG_MAX_DIMENSION);
    jpeg_writer w;
    memset(&w, 0, sizeof w);
    w.row = malloc((size_t)img->width * img->channels);
    if (!w.row)
        return or_errf(err, OR_ENOMEM, "%s: out of memory for a JPEG scanline", path);
    or_atomic_file af;
    or_status s = or_atomic_open(&af, path, err);
    if (s == OR_OK)
        s = jpeg_encode(&w, af.f, img, quality, path, err);
    if (s == OR_OK)
        s = or_atomic_commit(&af, err);
    else if (af.f)
        or_atomic_abort(&af);
    jpeg_destroy_compress(&w.cinfo);
    free(w.row);
    return s;
}
