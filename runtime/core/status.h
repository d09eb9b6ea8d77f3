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
