/* test_image.c: PNG/JPEG reading and writing (runtime/image.h).
 * Test images are generated here with libpng/libjpeg directly, so every
 * bit depth x colour type is covered without committed fixtures. */
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

#include "runtime/image.h"
#include "test_util.h"

/* ---- small helpers ------------------------------------------------------------ */

typedef struct {
    uint8_t *data;
    size_t len, cap;
} membuf;

static void mb_put(membuf *m, const void *p, size_t n)
{
    if (m->len + n > m->cap) {
        m->cap = (m->len + n) * 2 + 64;
        m->data = realloc(m->data, m->cap);
        cr_assert(m->data);
    }
    memcpy(m->data + m->len, p, n);
    m->len += n;
}

static uint32_t hash3(uint32_t x, uint32_t y, uint32_t c)
{
    uint32_t h = x * 73856093u ^ y * 19349663u ^ c * 83492791u ^ 0x9e3779b9u;
    h ^= h >> 13;
    h *= 0x5bd1e995u;
    h ^= h >> 15;
    return h;
}

static uint32_t crc32_png(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    }
    return c ^ 0xffffffffu;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Append a chunk (length, type, data, CRC) to m. */
static void put_chunk(membuf *m, const char *type, const uint8_t *data, uint32_t n)
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
static membuf insert_after_ihdr(const membuf *png, const char *type, const uint8_t *data,
                                uint32_t n)
{
    membuf out = {0};
    mb_put(&out, png->data, 33);
    put_chunk(&out, type, data, n);
    mb_put(&out, png->data + 33, png->len - 33);
    return out;
}

/* A PNG that is only a signature, an IHDR and an IEND. */
static membuf forged_png(uint32_t w, uint32_t h, int depth, int color_type)
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

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Every error must be one line that starts with the file name. */
static void assert_clean_error(or_status s, const or_err *err, const char *name,
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

static int color_type_channels(int ct)
{
    switch (ct) {
    case PNG_COLOR_TYPE_GRAY_ALPHA: return 2;
    case PNG_COLOR_TYPE_RGB: return 3;
    case PNG_COLOR_TYPE_RGB_ALPHA: return 4;
    default: return 1;
    }
}

static void png_test_write(png_structp png, png_bytep p, size_t n)
{
    mb_put(png_get_io_ptr(png), p, n);
}

static void png_test_flush(png_structp png) { (void)png; }

static void pack_samples(const unsigned *v, int n, int depth, uint8_t *row)
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

static void make_raw(png_made *m)
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

static void make_palette(png_made *m)
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

static void make_png(png_made *m, png_case pc)
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

static void png_made_free(png_made *m)
{
    free(m->raw);
    free(m->file.data);
}

/* What the reader must return for one raw sample of the file. */
static float expect_sample(unsigned v, int depth)
{
    if (depth == 16)
        return (float)v / 65535.0f;
    return (float)(v * (255u / ((1u << depth) - 1))) / 255.0f;
}

static or_image_src_color expect_src_color(const png_case *pc)
{
    switch (pc->color_type) {
    case PNG_COLOR_TYPE_GRAY: return OR_IMAGE_SRC_GRAY;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return OR_IMAGE_SRC_GRAY_ALPHA;
    case PNG_COLOR_TYPE_RGB: return OR_IMAGE_SRC_RGB;
    case PNG_COLOR_TYPE_RGB_ALPHA: return OR_IMAGE_SRC_RGBA;
    default: return pc->trns ? OR_IMAGE_SRC_PALETTE_TRNS : OR_IMAGE_SRC_PALETTE;
    }
}

/* Expected colour c and alpha of pixel i. */
static float expect_color(const png_made *m, size_t i, int c)
{
    const unsigned *p = m->raw + i * m->nch;
    if (m->pc.color_type == PNG_COLOR_TYPE_PALETTE) {
        const png_color *e = &m->pal[p[0]];
        return (c == 0 ? e->red : c == 1 ? e->green : e->blue) / 255.0f;
    }
    return expect_sample(p[c], m->pc.depth);
}

static float expect_alpha(const png_made *m, size_t i)
{
    const unsigned *p = m->raw + i * m->nch;
    switch (m->pc.color_type) {
    case PNG_COLOR_TYPE_GRAY_ALPHA: return expect_sample(p[1], m->pc.depth);
    case PNG_COLOR_TYPE_RGB_ALPHA: return expect_sample(p[3], m->pc.depth);
    case PNG_COLOR_TYPE_PALETTE: return (int)p[0] < m->ntrans ? m->trans[p[0]] / 255.0f : 1.0f;
    case PNG_COLOR_TYPE_GRAY: return p[0] == m->key.gray ? 0.0f : 1.0f;
    default:
        return p[0] == m->key.red && p[1] == m->key.green && p[2] == m->key.blue ? 0.0f : 1.0f;
    }
}

static void check_png_case(png_case pc)
{
    png_made m;
    make_png(&m, pc);
    char name[96];
    snprintf(name, sizeof name, "%dx%d depth %d type %d%s%s.png", pc.w, pc.h, pc.depth,
             pc.color_type, pc.interlace ? " adam7" : "", pc.trns ? " tRNS" : "");
    or_image img;
    or_err err = {0};
    or_status s = or_image_read_mem(m.file.data, m.file.len, name, NULL, &img, &err);
    cr_assert_eq(s, OR_OK, "%s: %s", name, err.msg);

    int colour = pc.color_type & PNG_COLOR_MASK_COLOR ? 3 : 1;
    int has_alpha = (pc.color_type & PNG_COLOR_MASK_ALPHA) || pc.trns;
    cr_assert_eq(img.width, pc.w, "%s", name);
    cr_assert_eq(img.height, pc.h, "%s", name);
    cr_assert_eq(img.channels, colour, "%s", name);
    cr_assert_eq(img.alpha != NULL, has_alpha, "%s: alpha plane", name);
    cr_assert_eq(img.src_format, OR_IMAGE_FMT_PNG);
    cr_assert_eq(img.src_color, expect_src_color(&pc), "%s: src colour %s", name,
                 or_image_src_color_name(img.src_color));
    cr_assert_eq(img.src_bit_depth, pc.depth, "%s", name);
    cr_assert_eq(img.src_interlaced, pc.interlace, "%s", name);
    cr_assert_eq(img.src_color_key, pc.trns && pc.color_type != PNG_COLOR_TYPE_PALETTE, "%s",
                 name);

    size_t npix = (size_t)pc.w * pc.h;
    int all_gray = 1;
    for (size_t i = 0; i < npix; i++) {
        for (int c = 0; c < colour; c++) {
            float want = expect_color(&m, i, c), got = or_image_plane(&img, c)[i];
            cr_assert_eq(got, want, "%s: pixel %zu channel %d: got %.9g want %.9g", name, i, c,
                         got, want);
        }
        if (colour == 3)
            all_gray &= expect_color(&m, i, 0) == expect_color(&m, i, 1) &&
                        expect_color(&m, i, 1) == expect_color(&m, i, 2);
        if (has_alpha)
            cr_assert_eq(img.alpha[i], expect_alpha(&m, i), "%s: alpha of pixel %zu", name, i);
    }
    cr_assert_eq(img.gray_as_rgb, colour == 3 && all_gray, "%s: gray_as_rgb", name);
    or_image_free(&img);
    png_made_free(&m);
}

Test(image, png_every_depth_and_colour_type)
{
    static const struct {
        int color_type, depths[5], trns_ok;
    } kinds[] = {
        {PNG_COLOR_TYPE_GRAY, {1, 2, 4, 8, 16}, 1},
        {PNG_COLOR_TYPE_GRAY_ALPHA, {8, 16}, 0},
        {PNG_COLOR_TYPE_RGB, {8, 16}, 1},
        {PNG_COLOR_TYPE_RGB_ALPHA, {8, 16}, 0},
        {PNG_COLOR_TYPE_PALETTE, {1, 2, 4, 8}, 1},
    };
    static const int sizes[][2] = {{1, 1}, {17, 23}, {64, 5}, {3, 40}};
    int ncases = 0;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (int d = 0; d < 5 && kinds[k].depths[d]; d++)
            for (int trns = 0; trns <= kinds[k].trns_ok; trns++)
                for (int il = 0; il <= 1; il++)
                    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++, ncases++)
                        check_png_case((png_case){sizes[z][0], sizes[z][1], kinds[k].depths[d],
                                                  kinds[k].color_type, il, trns});
    cr_assert_eq(ncases, 26 * 2 * 4);
}

Test(image, png_read_from_file_matches_memory)
{
    png_made m;
    make_png(&m, (png_case){17, 23, 16, PNG_COLOR_TYPE_RGB_ALPHA, 1, 0});
    const char *path = tu_tmp("rgba16.png");
    cr_assert_eq(tu_write_file(path, m.file.data, m.file.len), 0);
    or_image a, b;
    or_err err = {0};
    cr_assert_eq(or_image_read(path, NULL, &a, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_image_read_mem(m.file.data, m.file.len, "mem", NULL, &b, &err), OR_OK);
    size_t n = (size_t)17 * 23;
    cr_assert_eq(memcmp(a.planes, b.planes, 3 * n * sizeof(float)), 0);
    cr_assert_eq(memcmp(a.alpha, b.alpha, n * sizeof(float)), 0);
    or_image_free(&a);
    or_image_free(&b);
    png_made_free(&m);
}

Test(image, png_gamma_and_icc_are_ignored)
{
    png_made m;
    make_png(&m, (png_case){17, 23, 8, PNG_COLOR_TYPE_RGB, 0, 0});
    uint8_t gama[4];
    put_be32(gama, 100000); /* gamma 1.0: would change every sample if applied */
    membuf with_gama = insert_after_ihdr(&m.file, "gAMA", gama, 4);
    static const uint8_t junk[] = "junk\0\0not a zlib stream and not a profile";
    membuf with_icc = insert_after_ihdr(&with_gama, "iCCP", junk, sizeof junk);
    or_image a, b;
    or_err err = {0};
    cr_assert_eq(or_image_read_mem(m.file.data, m.file.len, "plain.png", NULL, &a, &err), OR_OK);
    cr_assert_eq(or_image_read_mem(with_icc.data, with_icc.len, "icc.png", NULL, &b, &err), OR_OK,
                 "%s", err.msg);
    cr_assert_eq(memcmp(a.planes, b.planes, (size_t)3 * 17 * 23 * sizeof(float)), 0);
    or_image_free(&a);
    or_image_free(&b);
    free(with_gama.data);
    free(with_icc.data);
    png_made_free(&m);
}

/* ---- PNG writing ----------------------------------------------------------------- */

static void fill_levels(or_image *img, unsigned levels, uint32_t seed)
{
    size_t n = (size_t)img->width * img->height;
    for (size_t i = 0; i < n * img->channels; i++)
        img->planes[i] = (float)(hash3((uint32_t)i, seed, 1) % (levels + 1)) / (float)levels;
    for (size_t i = 0; img->alpha && i < n; i++)
        img->alpha[i] = (float)(hash3((uint32_t)i, seed, 2) % (levels + 1)) / (float)levels;
}

static void check_exact_round_trip(int w, int h, int channels, int alpha, int depth)
{
    or_image img, back;
    or_err err = {0};
    cr_assert_eq(or_image_alloc(&img, w, h, channels, alpha, &err), OR_OK);
    fill_levels(&img, depth == 16 ? 65535 : 255, (uint32_t)(w * 31 + channels + depth));
    char name[64];
    snprintf(name, sizeof name, "rt_%dx%d_c%d_a%d_%d.png", w, h, channels, alpha, depth);
    const char *path = tu_tmp(name);
    cr_assert_eq(or_image_write_png(path, &img, depth, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_image_read(path, NULL, &back, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(back.width, w);
    cr_assert_eq(back.height, h);
    cr_assert_eq(back.channels, channels);
    cr_assert_eq(back.src_bit_depth, depth);
    cr_assert_eq(back.alpha != NULL, alpha, "%s: alpha not kept", name);
    size_t n = (size_t)w * h;
    for (size_t i = 0; i < n * channels; i++)
        cr_assert_eq(back.planes[i], img.planes[i], "%s: sample %zu: %.9g != %.9g", name, i,
                     back.planes[i], img.planes[i]);
    for (size_t i = 0; alpha && i < n; i++)
        cr_assert_eq(back.alpha[i], img.alpha[i], "%s: alpha %zu", name, i);
    or_image_free(&img);
    or_image_free(&back);
}

Test(image, png_round_trip_exact_8_and_16_bit)
{
    static const int sizes[][2] = {{1, 1}, {17, 23}, {100, 3}};
    for (int z = 0; z < 3; z++)
        for (int ch = 1; ch <= 3; ch += 2)
            for (int a = 0; a <= 1; a++) {
                check_exact_round_trip(sizes[z][0], sizes[z][1], ch, a, 8);
                check_exact_round_trip(sizes[z][0], sizes[z][1], ch, a, 16);
            }
}

Test(image, png_write_clamps_and_rounds)
{
    or_image img, back;
    or_err err = {0};
    cr_assert_eq(or_image_alloc(&img, 6, 1, 1, 0, &err), OR_OK);
    const float in[6] = {-0.5f, 1.5f, NAN, 0.5f, 1.0f / 510.0f - 1e-6f, 1e-3f};
    const float want8[6] = {0, 1, 0, 128 / 255.0f, 0, 0};
    memcpy(img.planes, in, sizeof in);
    const char *path = tu_tmp("clamp.png");
    cr_assert_eq(or_image_write_png(path, &img, 8, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_image_read(path, NULL, &back, &err), OR_OK);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(back.planes[i], want8[i], "value %d: %.9g", i, back.planes[i]);
    or_image_free(&back);
    /* Arbitrary floats survive 16 bits to within half a step. */
    or_image big;
    cr_assert_eq(or_image_alloc(&big, 33, 9, 3, 1, &err), OR_OK);
    tu_seed(7);
    tu_fill_uniform(big.planes, (size_t)3 * 33 * 9, 0.0f, 1.0f);
    tu_fill_uniform(big.alpha, (size_t)33 * 9, 0.0f, 1.0f);
    cr_assert_eq(or_image_write_png(path, &big, 16, &err), OR_OK);
    cr_assert_eq(or_image_read(path, NULL, &back, &err), OR_OK);
    cr_assert_leq(tu_max_abs_diff(back.planes, big.planes, (size_t)3 * 33 * 9), 0.5 / 65535 + 1e-7);
    cr_assert_leq(tu_max_abs_diff(back.alpha, big.alpha, (size_t)33 * 9), 0.5 / 65535 + 1e-7);
    or_image_free(&back);
    or_image_free(&big);
    or_image_free(&img);
}

Test(image, gray_stored_as_rgb_is_flagged)
{
    or_image img, back;
    or_err err = {0};
    cr_assert_eq(or_image_alloc(&img, 17, 23, 1, 0, &err), OR_OK);
    fill_levels(&img, 255, 3);
    or_image rgb;
    cr_assert_eq(or_image_to_rgb(&img, &rgb, &err), OR_OK);
    cr_assert(or_image_is_gray(&rgb, 0.0f));
    const char *path = tu_tmp("grayrgb.png");
    cr_assert_eq(or_image_write_png(path, &rgb, 8, &err), OR_OK);
    cr_assert_eq(or_image_read(path, NULL, &back, &err), OR_OK);
    cr_assert_eq(back.channels, 3);
    cr_assert_eq(back.src_color, OR_IMAGE_SRC_RGB);
    cr_assert(back.gray_as_rgb);
    or_image_free(&back);
    /* A gray photo saved as a colour JPEG also decodes to R=G=B exactly. */
    const char *jpath = tu_tmp("grayrgb.jpg");
    cr_assert_eq(or_image_write_jpeg(jpath, &rgb, 95, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_image_read(jpath, NULL, &back, &err), OR_OK);
    cr_assert_eq(back.src_color, OR_IMAGE_SRC_JPEG_YCBCR);
    cr_assert(back.gray_as_rgb);
    or_image_free(&back);
    /* One different pixel clears the flag. */
    or_image_plane(&rgb, 2)[100] = 1.0f - or_image_plane(&rgb, 1)[100];
    cr_assert_not(or_image_is_gray(&rgb, 0.0f));
    cr_assert_eq(or_image_write_png(path, &rgb, 8, &err), OR_OK);
    cr_assert_eq(or_image_read(path, NULL, &back, &err), OR_OK);
    cr_assert_not(back.gray_as_rgb);
    or_image_free(&back);
    or_image_free(&rgb);
    or_image_free(&img);
}

Test(image, conversions)
{
    or_image img, rgb, gray, copy;
    or_err err = {0};
    cr_assert_eq(or_image_alloc(&img, 5, 4, 3, 1, &err), OR_OK);
    for (int i = 0; i < 20; i++) {
        or_image_plane(&img, 0)[i] = 1.0f;
        or_image_plane(&img, 1)[i] = 0.5f;
        img.alpha[i] = 0.25f;
    }
    cr_assert_eq(or_image_to_gray(&img, &gray, &err), OR_OK);
    cr_assert_eq(gray.channels, 1);
    cr_assert_float_eq(gray.planes[7], 0.299f + 0.587f * 0.5f, 1e-6);
    cr_assert_eq(gray.alpha[7], 0.25f);
    cr_assert_eq(or_image_to_rgb(&gray, &rgb, &err), OR_OK);
    cr_assert_eq(rgb.channels, 3);
    cr_assert(rgb.gray_as_rgb);
    cr_assert(or_image_is_gray(&rgb, 0.0f));
    cr_assert_not(or_image_is_gray(&img, 0.4f));
    cr_assert(or_image_is_gray(&img, 1.0f));
    cr_assert_eq(or_image_copy(&img, &copy, &err), OR_OK);
    cr_assert_eq(memcmp(copy.planes, img.planes, 60 * sizeof(float)), 0);
    cr_assert_eq(memcmp(copy.alpha, img.alpha, 20 * sizeof(float)), 0);
    or_image_free(&copy);
    cr_assert_eq(or_image_alloc(&copy, 0, 4, 3, 0, &err), OR_EINVAL);
    cr_assert_null(copy.planes);
    cr_assert_eq(or_image_alloc(&copy, 4, 4, 2, 0, &err), OR_EINVAL);
    or_image_free(&img);
    or_image_free(&gray);
    or_image_free(&rgb);
    or_image_free(NULL);
}

/* ---- write failures ---------------------------------------------------------------- */

Test(image, write_to_missing_directory_fails_without_a_file)
{
    or_image img;
    or_err err = {0};
    cr_assert_eq(or_image_alloc(&img, 4, 4, 1, 0, &err), OR_OK);
    const char *path = tu_tmp("no/such/dir/out.png");
    or_status s = or_image_write_png(path, &img, 8, &err);
    assert_clean_error(s, &err, path, NULL);
    cr_assert_eq(s, OR_EIO);
    cr_assert_not(file_exists(path));
    s = or_image_write_jpeg(path, &img, 90, &err);
    assert_clean_error(s, &err, path, NULL);
    cr_assert_eq(or_image_write_png(tu_tmp("bad_depth.png"), &img, 12, &err), OR_EINVAL);
    cr_assert_not(file_exists(tu_tmp("bad_depth.png")));
    cr_assert_eq(or_image_write_jpeg(tu_tmp("bad_q.jpg"), &img, 0, &err), OR_EINVAL);
    or_image_free(&img);
}

static int temporaries_left(const char *dir, const char *base)
{
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s.tmp-", base);
    DIR *d = opendir(dir);
    cr_assert(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

/* A write that fails half-way (file size limit: EFBIG) must leave the
 * previous target byte for byte and no temporary behind. */
static void check_failed_write_keeps_target(int jpeg)
{
    const char *path = tu_tmp(jpeg ? "keep.jpg" : "keep.png");
    const char *base = strrchr(path, '/') + 1;
    const char old[] = "previous contents of the target";
    cr_assert_eq(tu_write_file(path, old, sizeof old), 0);

    or_image img;
    or_err err = {0};
    cr_assert_eq(or_image_alloc(&img, 400, 300, 3, 0, &err), OR_OK);
    tu_seed(11);
    tu_fill_uniform(img.planes, (size_t)3 * 400 * 300, 0.0f, 1.0f); /* incompressible */

    signal(SIGXFSZ, SIG_IGN);
    struct rlimit lim = {.rlim_cur = 8192, .rlim_max = RLIM_INFINITY}, old_lim;
    getrlimit(RLIMIT_FSIZE, &old_lim);
    lim.rlim_max = old_lim.rlim_max;
    cr_assert_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    or_status s = jpeg ? or_image_write_jpeg(path, &img, 100, &err)
                       : or_image_write_png(path, &img, 16, &err);
    setrlimit(RLIMIT_FSIZE, &old_lim);

    assert_clean_error(s, &err, path, NULL);
    cr_assert_eq(s, OR_EIO, "%s", err.msg);
    size_t len;
    uint8_t *now = tu_read_file(path, &len);
    cr_assert(now);
    cr_assert_eq(len, sizeof old);
    cr_assert_eq(memcmp(now, old, len), 0, "target changed by a failed write");
    free(now);
    cr_assert_eq(temporaries_left(tu_tmpdir(), base), 0, "temporary left behind");

    /* The same write without the limit replaces the target. */
    cr_assert_eq(jpeg ? or_image_write_jpeg(path, &img, 90, &err)
                      : or_image_write_png(path, &img, 8, &err),
                 OR_OK, "%s", err.msg);
    or_image back;
    cr_assert_eq(or_image_read(path, NULL, &back, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(back.width, 400);
    cr_assert_eq(temporaries_left(tu_tmpdir(), base), 0);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0644);
    or_image_free(&back);
    or_image_free(&img);
}

Test(image, failed_png_write_keeps_previous_target) { check_failed_write_keeps_target(0); }
Test(image, failed_jpeg_write_keeps_previous_target) { check_failed_write_keeps_target(1); }

/* ---- JPEG ------------------------------------------------------------------------- */

typedef struct {
    struct jpeg_error_mgr pub;
    jmp_buf jmp;
} test_jerr;

static void test_jpeg_error(j_common_ptr c) { longjmp(((test_jerr *)c->err)->jmp, 1); }

/* Smooth test content, 8-bit interleaved, ncomp samples per pixel. */
static uint8_t *smooth_pixels(int w, int h, int ncomp)
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
static membuf make_jpeg(const uint8_t *pix, int w, int h, int ncomp, J_COLOR_SPACE in_cs,
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
static float *to_planes(const uint8_t *pix, int w, int h, int ncomp)
{
    size_t n = (size_t)w * h;
    float *f = malloc(n * ncomp * sizeof *f);
    for (size_t i = 0; i < n; i++)
        for (int c = 0; c < ncomp; c++)
            f[c * n + i] = pix[i * ncomp + c] / 255.0f;
    return f;
}

static void check_jpeg(int w, int h, int ncomp, J_COLOR_SPACE jpeg_cs, int progressive,
                       or_image_src_color want_src, double min_psnr)
{
    uint8_t *pix = smooth_pixels(w, h, ncomp);
    membuf jpg = make_jpeg(pix, w, h, ncomp, ncomp == 1 ? JCS_GRAYSCALE : JCS_RGB, jpeg_cs,
                           progressive, 95);
    or_image img;
    or_err err = {0};
    cr_assert_eq(or_image_read_mem(jpg.data, jpg.len, "t.jpg", NULL, &img, &err), OR_OK, "%s",
                 err.msg);
    cr_assert_eq(img.width, w);
    cr_assert_eq(img.height, h);
    cr_assert_eq(img.channels, ncomp);
    cr_assert_null(img.alpha);
    cr_assert_eq(img.src_format, OR_IMAGE_FMT_JPEG);
    cr_assert_eq(img.src_color, want_src, "got %s", or_image_src_color_name(img.src_color));
    cr_assert_eq(img.src_bit_depth, 8);
    cr_assert_eq(img.src_interlaced, progressive);
    float *ref = to_planes(pix, w, h, ncomp);
    double psnr = tu_psnr(img.planes, ref, (size_t)w * h * ncomp, 1.0);
    cr_assert_geq(psnr, min_psnr, "%dx%d ncomp %d progressive %d: PSNR %.1f dB", w, h, ncomp,
                  progressive, psnr);
    free(ref);
    free(pix);
    free(jpg.data);
    or_image_free(&img);
}

Test(image, jpeg_gray_colour_progressive)
{
    static const int sizes[][2] = {{1, 1}, {17, 23}, {160, 120}};
    for (int z = 0; z < 3; z++) {
        int w = sizes[z][0], h = sizes[z][1];
        double min_psnr = w == 1 ? 30.0 : 36.0;
        check_jpeg(w, h, 1, JCS_UNKNOWN, 0, OR_IMAGE_SRC_JPEG_GRAY, min_psnr);
        check_jpeg(w, h, 1, JCS_UNKNOWN, 1, OR_IMAGE_SRC_JPEG_GRAY, min_psnr);
        check_jpeg(w, h, 3, JCS_UNKNOWN, 0, OR_IMAGE_SRC_JPEG_YCBCR, min_psnr - 4);
        check_jpeg(w, h, 3, JCS_UNKNOWN, 1, OR_IMAGE_SRC_JPEG_YCBCR, min_psnr - 4);
        check_jpeg(w, h, 3, JCS_RGB, 0, OR_IMAGE_SRC_JPEG_RGB, min_psnr - 4);
    }
}

Test(image, jpeg_write_round_trip)
{
    for (int ch = 1; ch <= 3; ch += 2) {
        or_image img, back;
        or_err err = {0};
        uint8_t *pix = smooth_pixels(61, 47, ch);
        float *ref = to_planes(pix, 61, 47, ch);
        cr_assert_eq(or_image_alloc(&img, 61, 47, ch, 1, &err), OR_OK); /* alpha is dropped */
        memcpy(img.planes, ref, (size_t)61 * 47 * ch * sizeof(float));
        const char *path = tu_tmp(ch == 1 ? "w1.jpg" : "w3.jpg");
        for (int q = 70; q <= 95; q += 25) {
            cr_assert_eq(or_image_write_jpeg(path, &img, q, &err), OR_OK, "%s", err.msg);
            cr_assert_eq(or_image_read(path, NULL, &back, &err), OR_OK, "%s", err.msg);
            cr_assert_eq(back.channels, ch, "gray must stay gray");
            cr_assert_eq(back.src_color, ch == 1 ? OR_IMAGE_SRC_JPEG_GRAY : OR_IMAGE_SRC_JPEG_YCBCR);
            cr_assert_null(back.alpha);
            double psnr = tu_psnr(back.planes, ref, (size_t)61 * 47 * ch, 1.0);
            cr_assert_geq(psnr, q == 95 ? 38.0 : 30.0, "q %d ch %d: PSNR %.1f", q, ch, psnr);
            or_image_free(&back);
        }
        free(pix);
        free(ref);
        or_image_free(&img);
    }
}

Test(image, jpeg_cmyk_and_ycck_refused)
{
    uint8_t *pix = smooth_pixels(16, 16, 4);
    for (int ycck = 0; ycck <= 1; ycck++) {
        membuf jpg = make_jpeg(pix, 16, 16, 4, JCS_CMYK, ycck ? JCS_YCCK : JCS_UNKNOWN, 0, 90);
        or_image img;
        or_err err = {0};
        or_status s = or_image_read_mem(jpg.data, jpg.len, "cmyk.jpg", NULL, &img, &err);
        assert_clean_error(s, &err, "cmyk.jpg", &img);
        cr_assert_eq(s, OR_EUNSUPPORTED);
        cr_assert_str_eq(err.msg, "cmyk.jpg: CMYK JPEG is not supported (convert it to RGB first)");
        free(jpg.data);
    }
    free(pix);
}

/* ---- limits ----------------------------------------------------------------------- */

Test(image, forged_huge_png_refused_before_allocation)
{
    /* Allocating the 120 GB this IHDR asks for would fail too, so the
     * message must show it was the limit, checked before any allocation. */
    membuf png = forged_png(100000, 100000, 8, PNG_COLOR_TYPE_RGB);
    const char *path = tu_tmp("huge.png");
    cr_assert_eq(tu_write_file(path, png.data, png.len), 0);
    or_image img;
    or_err err = {0};
    clock_t t0 = clock();
    or_status s = or_image_read(path, NULL, &img, &err);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_clean_error(s, &err, path, &img);
    cr_assert_eq(s, OR_ENOMEM);
    cr_assert(strstr(err.msg, "100000x100000 pixels exceeds the limit of 20000x20000 (400000000 pixels)"),
              "%s", err.msg);
    cr_assert_lt(secs, 0.5);
    free(png.data);

    png = forged_png(30000, 30000, 16, PNG_COLOR_TYPE_GRAY);
    s = or_image_read_mem(png.data, png.len, "big.png", NULL, &img, &err);
    cr_assert_str_eq(err.msg,
                     "big.png: 30000x30000 pixels exceeds the limit of 20000x20000 (400000000 pixels)");
    free(png.data);
}

Test(image, custom_limit_and_zero_size)
{
    or_image_limits lim = {.max_pixels = 100};
    png_made m;
    make_png(&m, (png_case){17, 23, 8, PNG_COLOR_TYPE_GRAY, 1, 0});
    or_image img;
    or_err err = {0};
    or_status s = or_image_read_mem(m.file.data, m.file.len, "small.png", &lim, &img, &err);
    cr_assert_eq(s, OR_ENOMEM);
    cr_assert_str_eq(err.msg, "small.png: 17x23 pixels exceeds the limit of 10x10 (100 pixels)");
    lim.max_pixels = 17 * 23;
    cr_assert_eq(or_image_read_mem(m.file.data, m.file.len, "ok.png", &lim, &img, &err), OR_OK);
    or_image_free(&img);
    png_made_free(&m);

    uint8_t *pix = smooth_pixels(17, 23, 3);
    membuf jpg = make_jpeg(pix, 17, 23, 3, JCS_RGB, JCS_UNKNOWN, 1, 90);
    lim.max_pixels = 300;
    s = or_image_read_mem(jpg.data, jpg.len, "small.jpg", &lim, &img, &err);
    assert_clean_error(s, &err, "small.jpg", &img);
    cr_assert_str_eq(err.msg, "small.jpg: 17x23 pixels exceeds the limit of 300 pixels");
    free(jpg.data);
    free(pix);

    membuf zero = forged_png(0, 5, 8, PNG_COLOR_TYPE_GRAY);
    s = or_image_read_mem(zero.data, zero.len, "zero.png", NULL, &img, &err);
    assert_clean_error(s, &err, "zero.png", &img);
    cr_assert(strstr(err.msg, "zero size"), "%s", err.msg);
    free(zero.data);
}

/* ---- malformed input -------------------------------------------------------------- */

Test(image, empty_random_text_missing)
{
    or_image img;
    or_err err = {0};
    const char *empty = tu_tmp("empty.png");
    cr_assert_eq(tu_write_file(empty, "", 0), 0);
    or_status s = or_image_read(empty, NULL, &img, &err);
    assert_clean_error(s, &err, empty, &img);
    cr_assert(strstr(err.msg, ": empty file"), "%s", err.msg);

    const char text[] = "hello, this is not an image\n";
    s = or_image_read_mem(text, sizeof text, "x.txt", NULL, &img, &err);
    cr_assert_str_eq(err.msg, "x.txt: not a PNG or JPEG image");

    uint8_t junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)hash3((uint32_t)i, 5, 5);
    s = or_image_read_mem(junk, sizeof junk, "junk.bin", NULL, &img, &err);
    assert_clean_error(s, &err, "junk.bin", &img);

    /* Valid signatures followed by garbage. */
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(junk, png_sig, 8);
    s = or_image_read_mem(junk, sizeof junk, "junk.png", NULL, &img, &err);
    assert_clean_error(s, &err, "junk.png", &img);
    junk[0] = 0xFF, junk[1] = 0xD8, junk[2] = 0xFF;
    s = or_image_read_mem(junk, sizeof junk, "junk.jpg", NULL, &img, &err);
    assert_clean_error(s, &err, "junk.jpg", &img);

    const char *missing = tu_tmp("does-not-exist.png");
    s = or_image_read(missing, NULL, &img, &err);
    assert_clean_error(s, &err, missing, &img);
    cr_assert_eq(s, OR_EIO);
    s = or_image_read(tu_tmpdir(), NULL, &img, &err);
    assert_clean_error(s, &err, tu_tmpdir(), &img);
}

Test(image, truncated_png_every_cut_point)
{
    png_case cases[] = {{17, 23, 16, PNG_COLOR_TYPE_RGB_ALPHA, 1, 0},
                        {9, 7, 2, PNG_COLOR_TYPE_PALETTE, 0, 1},
                        {1, 1, 8, PNG_COLOR_TYPE_GRAY, 0, 0}};
    for (int k = 0; k < 3; k++) {
        png_made m;
        make_png(&m, cases[k]);
        for (size_t cut = 0; cut < m.file.len; cut++) {
            or_image img;
            or_err err = {0};
            or_status s = or_image_read_mem(m.file.data, cut, "cut.png", NULL, &img, &err);
            cr_assert_neq(s, OR_OK, "case %d: cut at %zu of %zu accepted", k, cut, m.file.len);
            assert_clean_error(s, &err, "cut.png", &img);
            if (cut > 0 && cut < m.file.len)
                cr_assert(strstr(err.msg, "truncated PNG") || strstr(err.msg, "malformed PNG"),
                          "cut %zu: %s", cut, err.msg);
        }
        png_made_free(&m);
    }
    /* The message says how much was there. */
    png_made m;
    make_png(&m, cases[0]);
    or_image img;
    or_err err = {0};
    or_image_read_mem(m.file.data, 100, "x.png", NULL, &img, &err);
    cr_assert_eq(strncmp(err.msg, "x.png: truncated PNG (read 100 of ", 34), 0, "%s", err.msg);
    png_made_free(&m);
}

Test(image, truncated_jpeg_is_an_error)
{
    uint8_t *pix = smooth_pixels(40, 33, 3);
    for (int prog = 0; prog <= 1; prog++) {
        membuf jpg = make_jpeg(pix, 40, 33, 3, JCS_RGB, JCS_UNKNOWN, prog, 90);
        size_t step = jpg.len / 150 + 1;
        for (size_t cut = 0; cut < jpg.len; cut += (cut + 8 < jpg.len ? step : 1)) {
            or_image img;
            or_err err = {0};
            or_status s = or_image_read_mem(jpg.data, cut, "cut.jpg", NULL, &img, &err);
            cr_assert_neq(s, OR_OK, "progressive %d: cut at %zu of %zu accepted", prog, cut,
                          jpg.len);
            assert_clean_error(s, &err, "cut.jpg", &img);
        }
        or_image img;
        or_err err = {0};
        or_image_read_mem(jpg.data, jpg.len / 2, "half.jpg", NULL, &img, &err);
        cr_assert(strstr(err.msg, "half.jpg: truncated JPEG"), "%s", err.msg);
        free(jpg.data);
    }
    free(pix);
}

Test(image, corrupted_png_crc_and_ihdr)
{
    png_made m;
    make_png(&m, (png_case){17, 23, 8, PNG_COLOR_TYPE_RGB, 0, 0});
    uint8_t *bad = malloc(m.file.len);
    or_image img;
    or_err err = {0};

    /* IHDR width changed, CRC not updated. */
    memcpy(bad, m.file.data, m.file.len);
    bad[19] ^= 0x01;
    or_status s = or_image_read_mem(bad, m.file.len, "crc.png", NULL, &img, &err);
    assert_clean_error(s, &err, "crc.png", &img);
    cr_assert_eq(s, OR_EFORMAT);
    cr_assert(strstr(err.msg, "CRC"), "%s", err.msg);

    /* IHDR with an invalid bit depth and a correct CRC. */
    memcpy(bad, m.file.data, m.file.len);
    bad[24] = 3;
    put_be32(bad + 29, crc32_png(bad + 12, 17));
    s = or_image_read_mem(bad, m.file.len, "ihdr.png", NULL, &img, &err);
    assert_clean_error(s, &err, "ihdr.png", &img);
    cr_assert_eq(s, OR_EFORMAT);

    /* A flipped byte inside the IDAT data (its CRC no longer matches). */
    memcpy(bad, m.file.data, m.file.len);
    bad[33 + 8 + 10] ^= 0x40;
    s = or_image_read_mem(bad, m.file.len, "idat.png", NULL, &img, &err);
    assert_clean_error(s, &err, "idat.png", &img);
    free(bad);
    png_made_free(&m);
}

/* Random byte flips: every result is either an image or a clean error. */
Test(image, mutated_inputs_never_crash)
{
    png_made m;
    make_png(&m, (png_case){13, 11, 8, PNG_COLOR_TYPE_PALETTE, 1, 1});
    uint8_t *pix = smooth_pixels(24, 16, 3);
    membuf jpg = make_jpeg(pix, 24, 16, 3, JCS_RGB, JCS_UNKNOWN, 1, 80);
    const membuf *srcs[2] = {&m.file, &jpg};
    for (int k = 0; k < 2; k++) {
        uint8_t *buf = malloc(srcs[k]->len);
        for (uint32_t iter = 0; iter < 300; iter++) {
            memcpy(buf, srcs[k]->data, srcs[k]->len);
            int flips = 1 + hash3(iter, k, 9) % 4;
            for (int f = 0; f < flips; f++)
                buf[hash3(iter, f, k) % srcs[k]->len] ^= (uint8_t)(1 + hash3(f, iter, 3) % 255);
            or_image img;
            or_err err = {0};
            or_status s = or_image_read_mem(buf, srcs[k]->len, "mut", NULL, &img, &err);
            if (s == OR_OK) {
                cr_assert(img.planes && img.width > 0);
                or_image_free(&img);
            } else {
                assert_clean_error(s, &err, "mut", &img);
            }
        }
        free(buf);
    }
    free(jpg.data);
    free(pix);
    png_made_free(&m);
}

/* libpng and libjpeg must not print warnings or errors themselves. */
Test(image, decoders_print_nothing)
{
    const char *log = tu_tmp("stderr.txt");
    fflush(stderr);
    int saved = dup(2), fd = open(log, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    cr_assert(saved >= 0 && fd >= 0);
    dup2(fd, 2);

    png_made m;
    make_png(&m, (png_case){17, 23, 8, PNG_COLOR_TYPE_RGB, 0, 0});
    uint8_t *pix = smooth_pixels(40, 33, 3);
    membuf jpg = make_jpeg(pix, 40, 33, 3, JCS_RGB, JCS_UNKNOWN, 0, 90);
    or_image img;
    or_err err = {0};
    or_image_read_mem(m.file.data, m.file.len / 2, "a.png", NULL, &img, &err);
    or_image_read_mem(jpg.data, jpg.len / 2, "a.jpg", NULL, &img, &err);
    m.file.data[19] ^= 1; /* IHDR CRC */
    or_image_read_mem(m.file.data, m.file.len, "b.png", NULL, &img, &err);
    /* Garbage in the middle of the entropy-coded data: libjpeg warns. */
    for (size_t i = jpg.len / 2; i < jpg.len / 2 + 40; i++)
        jpg.data[i] = 0xFF;
    if (or_image_read_mem(jpg.data, jpg.len, "b.jpg", NULL, &img, &err) == OR_OK)
        or_image_free(&img);

    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    size_t len;
    uint8_t *out = tu_read_file(log, &len);
    cr_assert_eq(len, 0, "decoders wrote to stderr: %.*s", (int)len, (const char *)out);
    free(out);
    free(jpg.data);
    free(pix);
    png_made_free(&m);
}

/* ---- real photographs ----------------------------------------------------------------- */

static void check_real(const char *file, int w, int h, int channels, or_image_format fmt)
{
    char rel[256];
    snprintf(rel, sizeof rel, "testdata/bw_photos/%s", file);
    const char *path = tu_shared(rel);
    if (!file_exists(path))
        cr_skip_test("%s not found (set OPRESTORE_SHARED to the folder holding testdata/)",
                     path);
    or_image img, back;
    or_err err = {0};
    cr_assert_eq(or_image_read(path, NULL, &img, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(img.width, w, "%s: width %d", file, img.width);
    cr_assert_eq(img.height, h, "%s: height %d", file, img.height);
    if (channels)
        cr_assert_eq(img.channels, channels, "%s: channels %d", file, img.channels);
    cr_assert_eq(img.src_format, fmt);
    size_t n = (size_t)w * h * img.channels;
    for (size_t i = 0; i < n; i++)
        cr_assert(img.planes[i] >= 0.0f && img.planes[i] <= 1.0f);
    /* Through our PNG writer and back: exact. */
    const char *out = tu_tmp("real.png");
    int depth = img.src_format == OR_IMAGE_FMT_PNG && img.src_bit_depth == 16 ? 16 : 8;
    cr_assert_eq(or_image_write_png(out, &img, depth, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_image_read(out, NULL, &back, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(memcmp(back.planes, img.planes, n * sizeof(float)), 0, "%s: round trip", file);
    cr_assert_eq(back.gray_as_rgb, img.gray_as_rgb);
    or_image_free(&back);
    or_image_free(&img);
}

Test(image, real_evelyn_nesbit_gray_jpeg)
{
    check_real("Evelyn_Nesbit.jpg", 1200, 1566, 1, OR_IMAGE_FMT_JPEG);
}

Test(image, real_1870_girl_rgb_jpeg)
{
    check_real("1870Girl.jpg", 640, 875, 3, OR_IMAGE_FMT_JPEG);
}

Test(image, real_1890s_med_students_png)
{
    check_real("1890sMedStudents.png", 591, 495, 0, OR_IMAGE_FMT_PNG);
}
