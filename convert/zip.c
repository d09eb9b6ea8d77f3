/* zip.c: see zip.h.  Format: PKWARE APPNOTE 6.3 (sections 4.3.7 local
 * header, 4.3.12 central directory, 4.3.14-16 ZIP64 and end records). */
#include "zip.h"

#define ZLIB_CONST
#include <zlib.h>

#include <stdlib.h>
#include <string.h>

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_LOCATOR64 0x07064b50u
#define EOCD_LEN 22
#define CENTRAL_LEN 46
#define LOCAL_LEN 30
#define DEFLATE_MAX_RATIO 1032      /* deflate cannot expand 1 byte to more */

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

/* off + n fits inside len, without overflow. */
static int fits(uint64_t off, uint64_t n, size_t len) { return off <= len && n <= len - off; }

int zip_sniff(const uint8_t *buf, size_t len)
{
    return len >= 4 && (rd32(buf) == SIG_LOCAL || rd32(buf) == SIG_EOCD);
}

typedef struct {
    uint64_t n, cd_size, cd_off;
} cd_info;

/* The end record is the last 22 bytes unless the archive has a comment. */
static or_status find_eocd(const uint8_t *buf, size_t len, size_t *pos, or_err *err)
{
    if (len >= EOCD_LEN) {
        size_t lo = len - EOCD_LEN > 0xffff ? len - EOCD_LEN - 0xffff : 0;
        for (size_t p = len - EOCD_LEN + 1; p-- > lo;)
            if (rd32(buf + p) == SIG_EOCD && p + EOCD_LEN + rd16(buf + p + 20) <= len) {
                *pos = p;
                return OR_OK;
            }
    }
    return or_errf(err, OR_EFORMAT, "zip: truncated or damaged (no end-of-central-directory record)");
}

static or_status read_eocd64(const uint8_t *buf, size_t eocd, cd_info *cd, or_err *err)
{
    const uint8_t *loc = buf + eocd - 20;
    uint64_t off = rd64(loc + 8);
    if (!fits(off, 56, eocd) || rd32(buf + off) != SIG_EOCD64)
        return or_errf(err, OR_EFORMAT, "zip: damaged ZIP64 end-of-central-directory record");
    cd->n = rd64(buf + off + 32);
    cd->cd_size = rd64(buf + off + 40);
    cd->cd_off = rd64(buf + off + 48);
    return OR_OK;
}

static or_status read_eocd(const uint8_t *buf, size_t len, cd_info *cd, or_err *err)
{
    size_t pos = 0;
    OR_TRY(find_eocd(buf, len, &pos, err));
    const uint8_t *p = buf + pos;
    if (rd16(p + 4) != 0 && rd16(p + 4) != 0xffff)
        return or_errf(err, OR_EUNSUPPORTED, "zip: multi-volume archive");
    cd->n = rd16(p + 10);
    cd->cd_size = rd32(p + 12);
    cd->cd_off = rd32(p + 16);
    /* torch.save always writes the ZIP64 records; others only when needed. */
    if (pos >= 20 && rd32(p - 20) == SIG_LOCATOR64)
        OR_TRY(read_eocd64(buf, pos, cd, err));
    if (!fits(cd->cd_off, cd->cd_size, pos))
        return or_errf(err, OR_EFORMAT,
                       "zip: central directory (offset %llu, %llu bytes) lies outside the file",
                       (unsigned long long)cd->cd_off, (unsigned long long)cd->cd_size);
    if (cd->n > cd->cd_size / CENTRAL_LEN)
        return or_errf(err, OR_EFORMAT, "zip: central directory claims %llu entries in %llu bytes",
                       (unsigned long long)cd->n, (unsigned long long)cd->cd_size);
    return OR_OK;
}

/* ZIP64 extended information (extra field 0x0001): the 64-bit values of
 * whichever 32-bit fields were saturated, in a fixed order. */
static or_status apply_zip64_extra(zip_entry *e, const uint8_t *x, size_t xlen, or_err *err)
{
    while (xlen >= 4) {
        uint16_t id = rd16(x), sz = rd16(x + 2);
        if (sz > xlen - 4)
            break;
        if (id == 1) {
            const uint8_t *q = x + 4, *end = q + sz;
            uint64_t *fields[3] = {&e->usize, &e->csize, &e->local_off};
            for (int i = 0; i < 3; i++) {
                if (*fields[i] != 0xffffffffu)
                    continue;
                if (end - q < 8)
                    return or_errf(err, OR_EFORMAT, "zip: short ZIP64 extra field for %s",
                                   OR_ESC(e->name));
                *fields[i] = rd64(q);
                q += 8;
            }
        }
        x += 4 + sz;
        xlen -= 4 + (size_t)sz;
    }
    return OR_OK;
}

static or_status read_central_entry(const uint8_t *p, size_t left, size_t idx, zip_entry *e,
                                    size_t *adv, or_err *err)
{
    if (left < CENTRAL_LEN || rd32(p) != SIG_CENTRAL)
        return or_errf(err, OR_EFORMAT, "zip: damaged central directory (entry %zu)", idx);
    size_t nlen = rd16(p + 28), xlen = rd16(p + 30), clen = rd16(p + 32);
    if (CENTRAL_LEN + nlen + xlen + clen > left)
        return or_errf(err, OR_EFORMAT, "zip: damaged central directory (entry %zu overruns it)", idx);
    e->flags = rd16(p + 8);
    e->method = rd16(p + 10);
    e->crc = rd32(p + 16);
    e->csize = rd32(p + 20);
    e->usize = rd32(p + 24);
    e->local_off = rd32(p + 42);
    e->name = malloc(nlen + 1);
    if (!e->name)
        return or_errf(err, OR_ENOMEM, "zip: out of memory");
    memcpy(e->name, p + CENTRAL_LEN, nlen);
    e->name[nlen] = 0;
    *adv = CENTRAL_LEN + nlen + xlen + clen;
    return apply_zip64_extra(e, p + CENTRAL_LEN + nlen, xlen, err);
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const zip_entry *)a)->name, ((const zip_entry *)b)->name);
}

or_status zip_open(zip_archive *z, const uint8_t *buf, size_t len, or_err *err)
{
    memset(z, 0, sizeof *z);
    z->buf = buf;
    z->len = len;
    cd_info cd = {0};
    OR_TRY(read_eocd(buf, len, &cd, err));
    z->e = calloc(cd.n ? (size_t)cd.n : 1, sizeof *z->e);
    if (!z->e)
        return or_errf(err, OR_ENOMEM, "zip: out of memory");
    const uint8_t *p = buf + cd.cd_off;
    size_t left = (size_t)cd.cd_size;
    for (; z->n < cd.n; z->n++) {
        size_t adv = 0;
        or_status st = read_central_entry(p, left, z->n, &z->e[z->n], &adv, err);
        if (st != OR_OK) {
            z->n++;                     /* its name may be allocated */
            zip_close(z);
            return st;
        }
        p += adv;
        left -= adv;
    }
    qsort(z->e, z->n, sizeof *z->e, cmp_entry);
    for (size_t i = 1; i < z->n; i++)
        if (!strcmp(z->e[i - 1].name, z->e[i].name)) {
            or_errf(err, OR_EFORMAT, "zip: duplicate entry %s", OR_ESC(z->e[i].name));
            zip_close(z);
            return OR_EFORMAT;
        }
    return OR_OK;
}

void zip_close(zip_archive *z)
{
    for (size_t i = 0; i < z->n; i++)
        free(z->e[i].name);
    free(z->e);
    z->e = NULL;
    z->n = 0;
}

const zip_entry *zip_find(const zip_archive *z, const char *name)
{
    zip_entry key = {.name = (char *)name};
    return z->n ? bsearch(&key, z->e, z->n, sizeof *z->e, cmp_entry) : NULL;
}

/* Where the entry's bytes start: after its local header, whose name and
 * extra lengths may differ from the central ones (torch pads the extra
 * field so tensor data is 64-byte aligned). */
static or_status data_offset(const zip_archive *z, const zip_entry *e, uint64_t *off, or_err *err)
{
    if (!fits(e->local_off, LOCAL_LEN, z->len) || rd32(z->buf + e->local_off) != SIG_LOCAL)
        return or_errf(err, OR_EFORMAT, "zip: entry %s: bad local header offset %llu",
                       OR_ESC(e->name), (unsigned long long)e->local_off);
    const uint8_t *h = z->buf + e->local_off;
    *off = e->local_off + LOCAL_LEN + rd16(h + 26) + rd16(h + 28);
    if (!fits(*off, e->csize, z->len))
        return or_errf(err, OR_EFORMAT, "zip: entry %s (%llu bytes at offset %llu) runs past the "
                       "end of the file (truncated?)",
                       OR_ESC(e->name), (unsigned long long)e->csize,
                       (unsigned long long)*off);
    return OR_OK;
}

/* Raw deflate of src[0..n) into dst[0..want); 1 when it fills dst exactly. */
static int inflate_exact(const uint8_t *src, uint64_t n, uint8_t *dst, uint64_t want)
{
    z_stream s;
    memset(&s, 0, sizeof s);
    if (inflateInit2(&s, -MAX_WBITS) != Z_OK)
        return 0;
    const uint64_t chunk = 1u << 30;    /* avail_in / avail_out are 32-bit */
    uint64_t in_left = n, out_left = want;
    int ret;
    do {
        if (!s.avail_in && in_left) {
            s.avail_in = (uInt)(in_left < chunk ? in_left : chunk);
            s.next_in = src + (n - in_left);
            in_left -= s.avail_in;
        }
        if (!s.avail_out && out_left) {
            s.avail_out = (uInt)(out_left < chunk ? out_left : chunk);
            s.next_out = dst + (want - out_left);
            out_left -= s.avail_out;
        }
        ret = inflate(&s, Z_NO_FLUSH);
    } while (ret == Z_OK);
    int ok = ret == Z_STREAM_END && out_left == 0 && s.avail_out == 0;
    inflateEnd(&s);
    return ok;
}

static or_status read_deflated(const zip_archive *z, const zip_entry *e, uint64_t off,
                               uint8_t **owned, or_err *err)
{
    if (e->usize / DEFLATE_MAX_RATIO > e->csize + 1 || e->usize >= SIZE_MAX)
        return or_errf(err, OR_EFORMAT, "zip: entry %s claims %llu bytes from %llu compressed",
                       OR_ESC(e->name), (unsigned long long)e->usize, (unsigned long long)e->csize);
    uint8_t *dst = malloc(e->usize ? (size_t)e->usize : 1);
    if (!dst)
        return or_errf(err, OR_ENOMEM, "zip: out of memory inflating %s (%llu bytes)",
                       OR_ESC(e->name), (unsigned long long)e->usize);
    if (!inflate_exact(z->buf + off, e->csize, dst, e->usize)) {
        free(dst);
        return or_errf(err, OR_EFORMAT, "zip: entry %s: corrupt deflate data", OR_ESC(e->name));
    }
    uLong crc = crc32(0, Z_NULL, 0);
    for (uint64_t done = 0; done < e->usize;) {
        uint64_t k = e->usize - done < (1u << 30) ? e->usize - done : (1u << 30);
        crc = crc32(crc, dst + done, (uInt)k);
        done += k;
    }
    if (crc != e->crc) {
        free(dst);
        return or_errf(err, OR_EFORMAT, "zip: entry %s: CRC mismatch (corrupt file)",
                       OR_ESC(e->name));
    }
    *owned = dst;
    return OR_OK;
}

or_status zip_read(const zip_archive *z, const zip_entry *e, const uint8_t **data, uint8_t **owned,
                   or_err *err)
{
    *data = NULL;
    *owned = NULL;
    if (e->flags & 1)
        return or_errf(err, OR_EUNSUPPORTED, "zip: entry %s is encrypted", OR_ESC(e->name));
    uint64_t off = 0;
    OR_TRY(data_offset(z, e, &off, err));
    if (e->method == 0) {
        if (e->csize != e->usize)
            return or_errf(err, OR_EFORMAT, "zip: stored entry %s has different sizes (%llu, %llu)",
                           OR_ESC(e->name), (unsigned long long)e->csize,
                           (unsigned long long)e->usize);
        *data = z->buf + off;
        return OR_OK;
    }
    if (e->method == 8) {
        OR_TRY(read_deflated(z, e, off, owned, err));
        *data = *owned;
        return OR_OK;
    }
    return or_errf(err, OR_EUNSUPPORTED, "zip: entry %s uses compression method %u (only stored and "
                   "deflated entries are read); re-save it with torch.save",
                   OR_ESC(e->name), e->method);
}
