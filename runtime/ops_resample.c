/* ops_resample.c: argument checks and dispatch of the "resample" op family (STUB: to be written). */
#include "ops_resample.h"

or_status or_resize_bilinear(const or_tensor *x, int align_corners, double scale_h,
                             double scale_w, or_tensor *y, or_err *err)
{
    (void)x;
    (void)align_corners;
    (void)scale_h;
    (void)scale_w;
    (void)y;
    return or_errf(err, OR_EUNSUPPORTED, "resize_bilinear: not implemented yet");
}

or_status or_resize_nearest(const or_tensor *x, double scale_h, double scale_w, or_tensor *y,
                            or_err *err)
{
    (void)x;
    (void)scale_h;
    (void)scale_w;
    (void)y;
    return or_errf(err, OR_EUNSUPPORTED, "resize_nearest: not implemented yet");
}

or_status or_warp_bilinear(const or_tensor *x, const or_tensor *flow, or_grid_pad pad,
                           int align_corners, or_tensor *y, or_err *err)
{
    (void)x;
    (void)flow;
    (void)pad;
    (void)align_corners;
    (void)y;
    return or_errf(err, OR_EUNSUPPORTED, "warp_bilinear: not implemented yet");
}
