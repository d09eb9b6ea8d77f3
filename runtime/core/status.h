/* status.h: error reporting for the whole library.
 * Every fallible function returns an or_status and fills an or_err with a
 * one-line message naming the file, tensor and shapes involved.  The library
 * never calls exit() or abort(); the command-line tools decide how to exit. */
#ifndef OR_STATUS_H
#define OR_STATUS_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stdarg.h>
#include <stddef.h>

typedef enum {
    OR_OK = 0,
    OR_EINVAL,       /* bad argument / usage                          */
    OR_EIO,          /* file cannot be opened, read or written        */
    OR_EFORMAT,      /* malformed or truncated file                   */
    OR_EUNSUPPORTED, /* valid file, but a feature we do not handle    */
    OR_ENOMEM,       /* allocation failed or a size limit was hit     */
    OR_EDEVICE,      /* CUDA / cuDNN / cuBLAS error, or no device     */
    OR_ESHAPE        /* tensor shapes do not agree                    */
} or_status;

typedef struct {
    or_status code;
    char msg[1024];
} or_err;

/* Set err (if non-NULL) to a printf-formatted message and return code. */
or_status or_errf(or_err *err, or_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepend "prefix: " to an existing message (adds context on the way up). */
or_status or_err_prefix(or_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

const char *or_status_name(or_status s);

/* Escaping what a message echoes.  A key, a tensor name, a metadata value, a
 * colour string or a file name comes from a file or the command line and may
 * hold a newline (which would split the one-line message and could forge a
 * line in a log), other control bytes or bytes that are not UTF-8.
 *
 * or_esc writes a C-style escaped copy of s into dst (cap bytes, NUL
 * included) and returns dst: \n \t \r, \xNN for other control bytes, DEL
 * and bytes that are not valid UTF-8, \\ for a backslash; valid UTF-8 is kept.
 * A copy that does not fit ends with "..." (cut at a character).  NULL gives
 * "(null)".  Pass every user-controlled string of a message through it, most
 * simply as OR_ESC(s) (a bounded temporary that lives until the end of the
 * enclosing block: use it in the call's arguments, do not keep it):
 *     or_errf(err, OR_EFORMAT, "%s: tensor %s: ...", OR_ESC(path), OR_ESC(name));
 *
 * or_esc_line escapes only what breaks a line (control bytes, DEL, invalid
 * UTF-8) and leaves backslashes alone, so it can be applied to a message
 * that is already escaped.  or_errf and or_err_prefix pass the whole
 * formatted message through it, and the tools print their own lines through
 * it: whatever a caller forgets, a message stays one line. */
char *or_esc(char *dst, size_t cap, const char *s);
char *or_esc_line(char *dst, size_t cap, const char *s);
#define OR_ESC_CAP 512
#ifndef __cplusplus
#define OR_ESC(s) or_esc((char[OR_ESC_CAP]){0}, OR_ESC_CAP, (s))
#endif

#define OR_TRY(expr)                    \
    do {                                \
        or_status or_try_s_ = (expr);   \
        if (or_try_s_ != OR_OK)         \
            return or_try_s_;           \
    } while (0)

#ifdef __cplusplus
}
#endif

#endif
