/* image_read.c: format detection and file reading (or_image_read,
 * or_image_read_mem): picks the codec (image_png.c, image_jpeg.c) by signature.
 * Above the codecs, which use image.c only. */
#include "image_internal.h"

#include <stdlib.h>
#include <string.h>

#include "runtime/core/fileutil.h"

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

or_status or_image_read(const char *path, const or_image_limits *lim, or_image *out,
                        or_err *err)
{
    memset(out, 0, sizeof *out);
    uint8_t *data;
    size_t len;
    size_t max = lim && lim->max_file_bytes ? lim->max_file_bytes : OR_IMAGE_MAX_FILE_BYTES;
    OR_TRY(or_read_input(path, max, &data, &len, err)); /* regular files only, bounded */
    or_status s = or_image_read_mem(data, len, path, lim, out, err);
    free(data);
    return s;
}
