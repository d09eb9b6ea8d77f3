#include "status.h"

#include <stdio.h>
#include <string.h>

or_status or_errf(or_err *err, or_status code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

or_status or_err_prefix(or_err *err, const char *fmt, ...)
{
    if (!err)
        return OR_OK;
    char prefix[512], old[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%.400s: %.600s", prefix, old);
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
