/* test_image_helpers.h: what the image tests (tests/test_image_*.c) share:
 * in-memory files, PNG chunk forging, and PNG / JPEG generation with libpng and
 * libjpeg directly, so every bit depth x colour type is covered without
 * committed fixtures.  Functions are static inline: each test uses some. */
#ifndef OR_TEST_IMAGE_HELPERS_H
#define OR_TEST_IMAGE_HELPERS_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jpeglib.h>
#include <png.h>

#include "runtime/io/image.h"
#include "test_util.h"

/* ---- small helpers ------------------------------------------------------------ */

typedef struct {
    uint8_t *data;
    size_t len, cap;
} membuf;

static inline void mb_put(membuf *m, const void *p, size_t n)
{
    if (m->len + n > m->cap) {
        m->cap = (m->len + n) * 2 + 64;
        m->data = realloc(m->data, m->cap);
        cr_assert(m->data);
    }
    memcpy(m->data + m->len, p, n);
    m->len += n;
}

static inline uint32_t hash3(uint32_t x, uint32_t y, uint32_t c)
{
    uint32_t h = x * 73856093u ^ y * 19349663u ^ c * 83492791u ^ 0x9e3779b9u;
    h ^= h >> 13;
    h *= 0x5bd1e995u;
    h ^= h >> 15;
    return h;
}

static inline uint32_t crc32_png(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xffffffffu;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Append a chunk (length, type, data, CRC) to m. */
static inline void put_chunk(membuf *m, const char *type, const uint8_t *data, uint32_t n)
{
    uint8_t hdr[8];
    put_be32(hdr, n);
    memcpy(hdr + 4, type, 4);
    mb_put(m, hdr, 8);
    if (n)
        mb_put(m, data, n);
    uint8_t *body = malloc(n + 4);
    memcpy(body, type, 4);
    if (n)
        memcpy(body + 4, data, n);
    uint8_t crc[4];
    put_be32(crc, crc32_png(body, n + 4));
    free(body);
    mb_put(m, crc, 4);
}

/* Insert a chunk right after IHDR (signature 8 + IHDR 25 bytes). */
static inline membuf insert_after_ihdr(const membuf *png, const char *type, const uint8_t *data,
                                uint32_t n)
{
    membuf out = {0};
    mb_put(&out, png->data, 33);
    put_chunk(&out, type, data, n);
    mb_put(&out, png->data + 33, png->len - 33);
    return out;
}

/* A PNG that is only a signature, an IHDR and an IEND. */
static inline membuf forged_png(uint32_t w, uint32_t h, int depth, int color_type)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    membuf m = {0};
    mb_put(&m, sig, 8);
    uint8_t ihdr[13] = {0};
    put_be32(ihdr, w);
    put_be32(ihdr + 4, h);
    ihdr[8] = (uint8_t)depth;
    ihdr[9] = (uint8_t)color_type;
    put_chunk(&m, "IHDR", ihdr, 13);
    put_chunk(&m, "IEND", NULL, 0);
    return m;
}

static inline int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Every error must be one line that starts with the file name. */
static inline void assert_clean_error(or_status s, const or_err *err, const char *name,
                               const or_image *img)
{
    cr_assert_neq(s, OR_OK, "%s: expected an error", name);
    cr_assert_eq(err->code, s);
    cr_assert_eq(strncmp(err->msg, name, strlen(name)), 0, "message '%s' does not name %s",
                 err->msg, name);
    cr_assert_null(strchr(err->msg, '\n'), "message is not one line: '%s'", err->msg);
    if (img) {
        cr_assert_null(img->planes, "%s: planes left allocated after an error", name);
        cr_assert_null(img->alpha);
        cr_assert_eq(img->width, 0);
    }
}

/* ---- PNG generation with libpng ---------------------------------------------------- */

typedef struct {
    int w, h, depth, color_type, interlace, trns;
} png_case;

typedef struct {
    png_case pc;
    int nch;          /* samples per pixel in the file */
    unsigned *raw;    /* w*h*nch raw samples (palette: indices) */
    png_color pal[256];
    int npal;
    uint8_t trans[256];
    int ntrans;
    png_color_16 key; /* colour key (gray / RGB with tRNS) */
    membuf file;
} png_made;

static inline int color_type_channels(int ct)
{
    switch (ct) {
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    default: return 1;
    }
}

static inline void png_test_write(png_structp png, png_bytep p, size_t n)
{
    mb_put(png_get_io_ptr(png), p, n);
}

static inline void png_test_flush(png_structp png) { (void)png; }

static inline void pack_samples(const unsigned *v, int n, int depth, uint8_t *row)
{
    if (depth == 16) {
        for (int i = 0; i < n; i++) {
            row[2 * i] = (uint8_t)(v[i] >> 8);
            row[2 * i + 1] = (uint8_t)v[i];
        }
    } else if (depth == 8) {
        for (int i = 0; i < n; i++)
            row[i] = (uint8_t)v[i];
    } else {
        memset(row, 0, ((size_t)n * depth + 7) / 8);
        for (int i = 0; i < n; i++) {
            int bit = i * depth;
            row[bit / 8] |= (uint8_t)(v[i] << (8 - depth - bit % 8));
        }
    }
}

static inline void make_raw(png_made *m)
{
    const png_case *pc = &m->pc;
    m->nch = color_type_channels(pc->color_type);
    size_t n = (size_t)pc->w * pc->h * m->nch;
    m->raw = malloc(n * sizeof *m->raw);
    unsigned range = pc->color_type == PNG_COLOR_TYPE_PALETTE ? (unsigned)m->npal
                                                              : (1u << pc->depth);
    for (int y = 0; y < pc->h; y++)
        for (int x = 0; x < pc->w; x++)
            for (int c = 0; c < m->nch; c++)
                m->raw[((size_t)y * pc->w + x) * m->nch + c] = hash3(x, y, c) % range;
    /* The colour key is pixel (0,0); make the last pixel match it too. */
    if (pc->trns && pc->color_type != PNG_COLOR_TYPE_PALETTE) {
        size_t last = ((size_t)pc->w * pc->h - 1) * m->nch;
        for (int c = 0; c < m->nch; c++)
            m->raw[last + c] = m->raw[c];
    }
}

static inline void make_palette(png_made *m)
{
    m->npal = 1 << (m->pc.depth < 8 ? m->pc.depth : 8);
    for (int i = 0; i < m->npal; i++) {
        m->pal[i].red = (png_byte)hash3(i, 1, 0);
        m->pal[i].green = (png_byte)hash3(i, 2, 0);
        m->pal[i].blue = (png_byte)hash3(i, 3, 0);
        m->trans[i] = (png_byte)hash3(i, 4, 0);
    }
    m->ntrans = m->npal / 2 + 1; /* entries past ntrans are opaque */
    if (m->ntrans > m->npal)
        m->ntrans = m->npal;
}

static inline void make_png(png_made *m, png_case pc)
{
    memset(m, 0, sizeof *m);
    m->pc = pc;
    if (pc.color_type == PNG_COLOR_TYPE_PALETTE)
        make_palette(m);
    make_raw(m);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png)))
        cr_assert_fail("libpng failed making the test PNG");
    png_set_write_fn(png, &m->file, png_test_write, png_test_flush);
    png_set_IHDR(png, info, pc.w, pc.h, pc.depth, pc.color_type,
                 pc.interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (pc.color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_PLTE(png, info, m->pal, m->npal);
        if (pc.trns)
            png_set_tRNS(png, info, m->trans, m->ntrans, NULL);
    } else if (pc.trns) {
        m->key.gray = (png_uint_16)m->raw[0];
        m->key.red = (png_uint_16)m->raw[0];
        m->key.green = (png_uint_16)(m->nch > 1 ? m->raw[1] : 0);
        m->key.blue = (png_uint_16)(m->nch > 2 ? m->raw[2] : 0);
        png_set_tRNS(png, info, NULL, 0, &m->key);
    }
    png_write_info(png, info);
    size_t rowbytes = ((size_t)pc.w * m->nch * pc.depth + 7) / 8;
    uint8_t *rows = malloc(rowbytes * pc.h);
    png_bytep *rowp = malloc(pc.h * sizeof *rowp);
    for (int y = 0; y < pc.h; y++) {
        rowp[y] = rows + y * rowbytes;
        pack_samples(m->raw + (size_t)y * pc.w * m->nch, pc.w * m->nch, pc.depth, rowp[y]);
    }
    png_write_image(png, rowp); /* handles the Adam7 passes */
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    free(rowp);
}

static inline void png_made_free(png_made *m)
{
    free(m->raw);
    free(m->file.data);
}


/* ---- JPEG ------------------------------------------------------------------------- */

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jmp;
} test_jerr;

static inline void test_jpeg_error(j_common_ptr c) { longjmp(((test_jerr *)c->err)->jmp, 1); }

/* Smooth test content, 8-bit interleaved, ncomp samples per pixel. */
static inline uint8_t *smooth_pixels(int w, int h, int ncomp)
{
    uint8_t *p = malloc((size_t)w * h * ncomp);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < ncomp; c++) {
                double v = 0.5 + 0.4 * sin(x * 0.11 + c * 1.3) * cos(y * 0.07 - c);
                p[((size_t)y * w + x) * ncomp + c] = (uint8_t)lrint(v * 255);
            }
    return p;
}

/* Encode with libjpeg directly. jpeg_cs JCS_UNKNOWN keeps libjpeg's default. */
static inline membuf make_jpeg(const uint8_t *pix, int w, int h, int ncomp, J_COLOR_SPACE in_cs,
                        J_COLOR_SPACE jpeg_cs, int progressive, int quality)
{
    struct jpeg_compress_struct c;
    test_jerr je;
    c.err = jpeg_std_error(&je.pub);
    je.pub.error_exit = test_jpeg_error;
    unsigned char *out = NULL;
    unsigned long outlen = 0;
    if (setjmp(je.jmp))
        cr_assert_fail("libjpeg failed making the test JPEG");
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &out, &outlen);
    c.image_width = w;
    c.image_height = h;
    c.input_components = ncomp;
    c.in_color_space = in_cs;
    jpeg_set_defaults(&c);
    if (jpeg_cs != JCS_UNKNOWN)
        jpeg_set_colorspace(&c, jpeg_cs);
    jpeg_set_quality(&c, quality, TRUE);
    if (progressive)
        jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = (JSAMPROW)(pix + (size_t)c.next_scanline * w * ncomp);
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    membuf m = {0};
    mb_put(&m, out, outlen);
    free(out);
    return m;
}

/* Planar [0,1] reference from interleaved 8-bit pixels. */
static inline float *to_planes(const uint8_t *pix, int w, int h, int ncomp)
{
    size_t n = (size_t)w * h;
    float *f = malloc(n * ncomp * sizeof *f);
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < ncomp; c++)
            f[c * n + i] = pix[i * ncomp + c] / 255.0f;
    return f;
}


#endif
