/* ops_color.c: argument checks and dispatch of the "color" op family (STUB: to be written). */
#include "ops_color.h"

or_status or_rgb_to_lab(const or_tensor *x, or_tensor *y, or_err *err)
{
    (void)x;
    (void)y;
    return or_errf(err, OR_EUNSUPPORTED, "rgb_to_lab: not implemented yet");
}

or_status or_lab_to_rgb(const or_tensor *x, or_tensor *y, or_err *err)
{
    (void)x;
    (void)y;
    return or_errf(err, OR_EUNSUPPORTED, "lab_to_rgb: not implemented yet");
}

or_status or_rgb_to_yuv(const or_tensor *x, or_tensor *y, or_err *err)
{
    (void)x;
    (void)y;
    return or_errf(err, OR_EUNSUPPORTED, "rgb_to_yuv: not implemented yet");
}

or_status or_yuv_to_rgb(const or_tensor *x, or_tensor *y, or_err *err)
{
    (void)x;
    (void)y;
    return or_errf(err, OR_EUNSUPPORTED, "yuv_to_rgb: not implemented yet");
}
