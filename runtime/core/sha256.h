/* sha256.h: incremental SHA-256. */
#ifndef OR_SHA256_H
#define OR_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct {
    uint32_t h[8];
    uint64_t len;
    uint8_t buf[64];
    size_t fill;
} or_sha256;

void or_sha256_init(or_sha256 *s);
void or_sha256_update(or_sha256 *s, const void *data, size_t n);
void or_sha256_final(or_sha256 *s, char hex[65]);
/* sha256 of a file as 64 hex characters + NUL. */
or_status or_sha256_file(const char *path, char hex[65], or_err *err);

#endif
