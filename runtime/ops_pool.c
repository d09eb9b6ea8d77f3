/* ops_pool.c: argument checks and dispatch of the "pool" op family (STUB: to be written). */
#include "ops_pool.h"

or_status or_maxpool2d(const or_tensor *x, int kh, int kw, int sh, int sw, int ph, int pw,
                       or_tensor *y, or_err *err)
{
    (void)x;
    (void)kh;
    (void)kw;
    (void)sh;
    (void)sw;
    (void)ph;
    (void)pw;
    (void)y;
    return or_errf(err, OR_EUNSUPPORTED, "maxpool2d: not implemented yet");
}

or_status or_avgpool2d(const or_tensor *x, int kh, int kw, int sh, int sw, int ph, int pw,
                       int count_include_pad, or_tensor *y, or_err *err)
{
    (void)x;
    (void)kh;
    (void)kw;
    (void)sh;
    (void)sw;
    (void)ph;
    (void)pw;
    (void)count_include_pad;
    (void)y;
    return or_errf(err, OR_EUNSUPPORTED, "avgpool2d: not implemented yet");
}

or_status or_pad2d(const or_tensor *x, int left, int right, int top, int bottom, or_pad_mode mode,
                   or_tensor *y, or_err *err)
{
    (void)x;
    (void)left;
    (void)right;
    (void)top;
    (void)bottom;
    (void)mode;
    (void)y;
    return or_errf(err, OR_EUNSUPPORTED, "pad2d: not implemented yet");
}
