#include "tensor.h"

#include <stdio.h>

const char *or_dtype_name(or_dtype t) { return t == OR_F16 ? "f16" : "f32"; }

const char *or_layout_name(or_layout l) { return l == OR_NHWC ? "nhwc" : "nchw"; }

const char *or_shape_str(const or_tensor *t, char *buf, size_t len)
{
    int n = snprintf(buf, len, "[%d,%d,%d,%d] %s", t->n, t->c, t->h, t->w, or_dtype_name(t->dtype));
    if (t->layout == OR_NHWC && n >= 0 && (size_t)n < len) {
        if (or_is_packed(t))
            snprintf(buf + n, len - (size_t)n, " nhwc");
        else
            snprintf(buf + n, len - (size_t)n, " nhwc/%d", or_pstride(t));
    }
    return buf;
}
