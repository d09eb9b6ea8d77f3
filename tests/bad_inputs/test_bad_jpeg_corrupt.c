/* test_bad_jpeg_corrupt.c (label bad-input): corrupt images that the codecs
 * would decode "successfully" (libjpeg's warnings, libpng's benign errors)
 * are refused with one line naming the file, and nothing is written; with
 * --allow-corrupt they are decoded, with one warning line naming the file.
 * Every case is cut or patched here from a valid file made by the test. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "bad_inputs/bad_input_util.h"
#include "cli_test_util.h"

/* Offset of the first JPEG segment with this marker (walking the segments
 * from SOI up to SOS), or 0. */
static size_t jpeg_segment(const unsigned char *b, size_t len, unsigned char marker)
{
    size_t p = 2;
    while (p + 4 <= len && b[p] == 0xFF) {
        if (b[p + 1] == marker)
            return p;
        if (b[p + 1] == 0xDA)
            return 0;
        p += 2 + ((size_t)b[p + 2] << 8 | b[p + 3]);
    }
    return 0;
}

/* First byte of the entropy-coded data (after SOS's header). */
static size_t jpeg_scan_start(const unsigned char *b, size_t len)
{
    size_t sos = jpeg_segment(b, len, 0xDA);
    cr_assert(sos, "no SOS");
    return sos + 2 + ((size_t)b[sos + 2] << 8 | b[sos + 3]);
}

static void refuse_upscale(const char *tag, const void *b, size_t len, const char *ext,
                           const char *part)
{
    const char *dir = bi_case_dir(tag);
    char name[32];
    snprintf(name, sizeof name, "in%s", ext);
    const char *in = bi_write(dir, name, b, len);
    const char *out = bi_path(dir, "out.png");
    bi_refused(&(bi_expect){.rc = 1, .names = in, .part = part, .out = out},
               "upscale -m srvgg -M '%s' -i '%s' -o '%s'", bi_models(), in, out);
}

/* Cut the entropy data at several points and close the file with EOI. */
Test(bad_jpeg_corrupt, truncated_with_eoi_appended)
{
    size_t len;
    unsigned char *b = bi_jpeg_bytes(48, 40, 3, &len);
    size_t scan = jpeg_scan_start(b, len), data = len - 2 - scan;
    const size_t cuts[] = {scan + 1, scan + data / 4, scan + data / 2, scan + data * 9 / 10};
    unsigned char *c = malloc(len);
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        memcpy(c, b, cuts[i]);
        c[cuts[i]] = 0xFF, c[cuts[i] + 1] = 0xD9;
        char tag[32];
        snprintf(tag, sizeof tag, "eoi-cut%zu", i);
        refuse_upscale(tag, c, cuts[i] + 2, ".jpg", "corrupt JPEG data");
    }
    free(c);
    free(b);
}

/* A frame header taller (and wider) than the data it heads. */
Test(bad_jpeg_corrupt, frame_taller_than_data)
{
    size_t len;
    unsigned char *b = bi_jpeg_bytes(48, 40, 4, &len);
    size_t sof = jpeg_segment(b, len, 0xC0);
    cr_assert(sof, "no SOF0");
    const int sizes[][2] = {{48, 64}, {48, 400}, {96, 40}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        b[sof + 5] = (unsigned char)(sizes[i][1] >> 8), b[sof + 6] = (unsigned char)sizes[i][1];
        b[sof + 7] = (unsigned char)(sizes[i][0] >> 8), b[sof + 8] = (unsigned char)sizes[i][0];
        char tag[32];
        snprintf(tag, sizeof tag, "tall%zu", i);
        refuse_upscale(tag, b, len, ".jpg", NULL);
    }
    free(b);
}

/* Markers and holes inside the entropy-coded data. */
Test(bad_jpeg_corrupt, corrupt_entropy_data)
{
    size_t len;
    unsigned char *b = bi_jpeg_bytes(48, 40, 5, &len);
    size_t scan = jpeg_scan_start(b, len), mid = scan + (len - 2 - scan) / 2;
    unsigned char *c = malloc(len);
    memcpy(c, b, len);
    c[mid] = 0xFF, c[mid + 1] = 0xD3; /* RST3 without a restart interval */
    refuse_upscale("rst-inside", c, len, ".jpg", "corrupt JPEG data");
    memcpy(c, b, len);
    c[mid] = 0xFF, c[mid + 1] = 0xC4; /* a DHT marker in the middle of the scan */
    refuse_upscale("marker-inside", c, len, ".jpg", "corrupt JPEG data");
    free(c);
    free(b);
}

Test(bad_jpeg_corrupt, allow_corrupt_decodes_with_one_warning)
{
    size_t len;
    unsigned char *b = bi_jpeg_bytes(48, 40, 6, &len);
    size_t cut = jpeg_scan_start(b, len) + (len - 2 - jpeg_scan_start(b, len)) / 2;
    b[cut] = 0xFF, b[cut + 1] = 0xD9;
    const char *dir = bi_case_dir("allow");
    const char *in = bi_write(dir, "in.jpg", b, cut + 2);
    free(b);
    const char *out = bi_path(dir, "out.png");
    bi_accepted(NULL, out, "upscale -m srvgg -M '%s' -i '%s' -o '%s' --allow-corrupt", bi_models(),
                in, out);
    size_t n = strlen(bi_err);
    cr_assert(n && bi_err[n - 1] == '\n' && !memchr(bi_err, '\n', n - 1), "one line: %s", bi_err);
    cr_assert(strstr(bi_err, "oprestore-gpu upscale: warning: ") && strstr(bi_err, in) &&
                  strstr(bi_err, "--allow-corrupt"),
              "%s", bi_err);
    /* the same flag on the other commands that read images */
    const char *out2 = bi_path(dir, "mid.png");
    bi_accepted(NULL, out2, "interpolate -m rife -M '%s' -0 '%s' -1 '%s' -o '%s' --allow-corrupt",
                ct_model("rife_v4_6.zip.pth", "rife"), in, in, out2);
    cr_assert(strstr(bi_err, "warning: ") && strstr(bi_err, in), "%s", bi_err);
}

/* ---- PNG ------------------------------------------------------------------------ */

static void put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Append a chunk (CRC computed, then XORed with crc_xor) to dst at *n. */
static void put_chunk(unsigned char *dst, size_t *n, const char *type, const void *data,
                      uint32_t len, uint32_t crc_xor)
{
    put_be32(dst + *n, len);
    memcpy(dst + *n + 4, type, 4);
    memcpy(dst + *n + 8, data, len);
    put_be32(dst + *n + 8 + len, (uint32_t)crc32(0, dst + *n + 4, 4 + len) ^ crc_xor);
    *n += 12 + len;
}

/* A PNG from bi_png_bytes rebuilt as: signature + IHDR, an extra chunk
 * before IDAT (when given), IDAT with its data changed by how, IEND. */
enum { IDAT_KEEP, IDAT_HALF, IDAT_EXTRA };
static unsigned char *png_variant(const char *extra, uint32_t extra_crc_xor, int how,
                                  size_t *out_len)
{
    size_t len;
    unsigned char *b = bi_png_bytes(40, 30, 7, &len);
    unsigned char *v = calloc(1, len + 256);
    size_t n = 33; /* signature + IHDR */
    memcpy(v, b, n);
    if (extra)
        put_chunk(v, &n, extra, "comment", 7, extra_crc_xor);
    size_t p = 33;
    while (memcmp(b + p + 4, "IDAT", 4))
        p += 12 + get_be32(b + p);
    uint32_t dlen = get_be32(b + p);
    unsigned char *d = malloc(dlen + 16);
    memcpy(d, b + p + 8, dlen);
    if (how == IDAT_HALF)
        dlen /= 2;
    if (how == IDAT_EXTRA)
        memset(d + dlen, 0x55, 16), dlen += 16;
    put_chunk(v, &n, "IDAT", d, dlen, 0);
    put_chunk(v, &n, "IEND", "", 0, 0);
    free(d);
    free(b);
    *out_len = n;
    return v;
}

Test(bad_jpeg_corrupt, png_corrupt_variants)
{
    size_t n;
    unsigned char *v = png_variant("tEXt", 0x1234, IDAT_KEEP, &n);
    refuse_upscale("png-text-crc", v, n, ".png", "CRC");
    free(v);
    v = png_variant("teXx", 0x1234, IDAT_KEEP, &n); /* an unknown ancillary chunk */
    refuse_upscale("png-unknown-crc", v, n, ".png", "CRC");
    free(v);
    v = png_variant(NULL, 0, IDAT_HALF, &n);
    refuse_upscale("png-idat-half", v, n, ".png", NULL);
    free(v);
    v = png_variant(NULL, 0, IDAT_EXTRA, &n);
    refuse_upscale("png-idat-extra", v, n, ".png", NULL);
    free(v);
}

Test(bad_jpeg_corrupt, png_allow_corrupt)
{
    size_t n;
    unsigned char *v = png_variant("tEXt", 0x1234, IDAT_KEEP, &n);
    const char *dir = bi_case_dir("png-allow");
    const char *in = bi_write(dir, "in.png", v, n);
    free(v);
    const char *out = bi_path(dir, "out.png");
    bi_accepted(NULL, out, "upscale -m srvgg -M '%s' -i '%s' -o '%s' --allow-corrupt", bi_models(),
                in, out);
    cr_assert(strstr(bi_err, "warning: ") && strstr(bi_err, in), "%s", bi_err);
}
