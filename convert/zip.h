/* zip.h: a read-only ZIP reader over a buffer, enough for torch.save
 * archives: central directory (ZIP64 too), stored entries returned in place,
 * deflated ones (re-zipped checkpoints) inflated with zlib.  Every offset and
 * size is checked against the buffer before use. */
#ifndef OR_ZIP_H
#define OR_ZIP_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/core/status.h"

typedef struct {
    char *name;                 /* NUL-terminated */
    uint16_t method;            /* 0 stored, 8 deflated */
    uint16_t flags;
    uint32_t crc;
    uint64_t csize, usize;      /* compressed / uncompressed bytes */
    uint64_t local_off;         /* offset of the local header */
} zip_entry;

typedef struct {
    const uint8_t *buf;
    size_t len;
    zip_entry *e;               /* sorted by name */
    size_t n;
} zip_archive;

/* 1 when buf starts like a ZIP archive (local header or empty-archive EOCD). */
int zip_sniff(const uint8_t *buf, size_t len);

/* Read the central directory. Errors say "zip: <what>". */
or_status zip_open(zip_archive *z, const uint8_t *buf, size_t len, or_err *err);
void zip_close(zip_archive *z);

const zip_entry *zip_find(const zip_archive *z, const char *name);

/* The entry's uncompressed bytes: *data points into the buffer for stored
 * entries (*owned = NULL), or into a malloc'd inflated copy (*owned, which
 * the caller frees). */
or_status zip_read(const zip_archive *z, const zip_entry *e, const uint8_t **data,
                   uint8_t **owned, or_err *err);

#endif
