/* image_read.c: format detection and file reading (or_image_read,
 * or_image_read_mem): picks the codec (image_png.c, image_jpeg.c) by signature.
 * Above the codecs, which use image.c only. */
#include "image_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- reading -------------------------------------------------------------------- */

static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

or_status or_image_read_mem(const void *buf, size_t len, const char *name,
                            const or_image_limits *lim, or_image *out, or_err *err)
{
    const uint8_t *b = buf;
    memset(out, 0, sizeof *out);
    if (!name)
        name = "<memory>";
    if (len == 0)
        return or_errf(err, OR_EFORMAT, "%s: empty file", name);
    if (len >= 8 && memcmp(b, png_signature, 8) == 0)
        return or_png_read_mem(b, len, name, lim, out, err);
    if (len >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return or_jpeg_read_mem(b, len, name, lim, out, err);
    /* A cut inside the signature is still a (truncated) PNG. */
    if (len < 8 && memcmp(b, png_signature, len) == 0)
        return or_errf(err, OR_EFORMAT, "%s: truncated PNG (read %zu of 8 signature bytes)",
                       name, len);
    return or_errf(err, OR_EFORMAT, "%s: not a PNG or JPEG image", name);
}

/* Read all of a file (regular or not) into malloc'd memory. */
static or_status read_whole_file(const char *path, uint8_t **data, size_t *len, or_err *err)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return or_errf(err, OR_EIO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
        cap = (size_t)st.st_size + 1; /* +1 so EOF is seen without a realloc */
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(f);
            return or_errf(err, OR_ENOMEM, "%s: out of memory reading the file", path);
        }
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *bigger = realloc(buf, cap * 2);
        if (!bigger)
            free(buf);
        buf = bigger;
        cap *= 2;
    }
    int failed = ferror(f);
    int saved = errno;
    fclose(f);
    if (failed) {
        free(buf);
        return or_errf(err, OR_EIO, "%s: read error: %s", path, strerror(saved));
    }
    *data = buf;
    *len = n;
    return OR_OK;
}

or_status or_image_read(const char *path, const or_image_limits *lim, or_image *out,
                        or_err *err)
{
    memset(out, 0, sizeof *out);
    uint8_t *data;
    size_t len;
    OR_TRY(read_whole_file(path, &data, &len, err));
    or_status s = or_image_read_mem(data, len, path, lim, out, err);
    free(data);
    return s;
}
