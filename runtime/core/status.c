#include "status.h"

#include <stdio.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at s (1..4), 0 when it is not one. */
static size_t utf8_seq(const unsigned char *s)
{
    size_t n;
    unsigned min;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        n = 2, min = 0x80;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        n = 3, min = 0x800;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        n = 4, min = 0x10000;
    else
        return 0;
    unsigned cp = s[0] & (0x3f >> (n - 1));
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* The escaped form of the character at s into piece; returns the bytes of s used. */
static size_t esc_piece(const unsigned char *s, int all, char piece[8], size_t *plen)
{
    unsigned char c = *s;
    const char *named = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r"
                        : all && c == '\\' ? "\\\\" : NULL;
    size_t n = utf8_seq(s);
    if (named)
        *plen = (size_t)snprintf(piece, 8, "%s", named);
    else if (c < 0x20 || c == 0x7f || !n)
        *plen = (size_t)snprintf(piece, 8, "\\x%02x", c);
    else {
        memcpy(piece, s, n);
        *plen = n;
        return n;
    }
    return 1;
}

static char *esc(char *dst, size_t cap, const char *s, int all)
{
    if (!cap)
        return dst;
    if (!s)
        s = "(null)";
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0, len = strlen(s);
    while (*p) {
        char piece[8];
        size_t plen, used = esc_piece(p, all, piece, &plen);
        int last = (size_t)(p - (const unsigned char *)s) + used == len;
        if (o + plen + (last ? 1 : 4) > cap) { /* keep room for "..." unless this is the end */
            if (cap >= 4 && o + 4 > cap)
                o = cap - 4;
            if (cap >= 4)
                memcpy(dst + o, "...", 3), o += 3;
            break;
        }
        memcpy(dst + o, piece, plen);
        o += plen;
        p += used;
    }
    dst[o] = 0;
    return dst;
}

char *or_esc(char *dst, size_t cap, const char *s) { return esc(dst, cap, s, 1); }

char *or_esc_line(char *dst, size_t cap, const char *s) { return esc(dst, cap, s, 0); }

or_status or_errf(or_err *err, or_status code, const char *fmt, ...)
{
    if (err) {
        char line[sizeof err->msg];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(line, sizeof line, fmt, ap);
        va_end(ap);
        or_esc_line(err->msg, sizeof err->msg, line);
        err->code = code;
    }
    return code;
}

or_status or_err_prefix(or_err *err, const char *fmt, ...)
{
    if (!err)
        return OR_OK;
    char prefix[512], line[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "%.400s: %.600s", prefix, err->msg);
    or_esc_line(err->msg, sizeof err->msg, line);
    return err->code;
}

const char *or_status_name(or_status s)
{
    switch (s) {
    case OR_OK: return "ok";
    case OR_EINVAL: return "invalid argument";
    case OR_EIO: return "i/o error";
    case OR_EFORMAT: return "malformed file";
    case OR_EUNSUPPORTED: return "unsupported";
    case OR_ENOMEM: return "out of memory";
    case OR_EDEVICE: return "device error";
    case OR_ESHAPE: return "shape mismatch";
    }
    return "unknown";
}
