/* interpolate.h: making in-between frames with an interpolation network
 * (RIFE, DAIN: net->interpolate).  The frames are padded to the multiple the
 * network needs (net->size_multiple; the official inference pads RIFE to
 * max(128, 128/scale)... see runtime/interpolate.c) and cropped back. */
#ifndef OR_INTERPOLATE_H
#define OR_INTERPOLATE_H

#ifdef __cplusplus
extern "C" {
#endif

#include "image.h"
#include "net.h"

typedef struct {
    float flow_scale;  /* RIFE's scale: 1, or 0.5 for 4K (the official UHD mode) */
} or_interpolate_opts;

or_interpolate_opts or_interpolate_defaults(void);

/* out = the frame at time t in (0,1) between a (t = 0) and b (t = 1); a and b
 * have the same size and channels (gray is run as RGB and returned gray; alpha is
 * blended linearly).  out is a new image with a's layout and src_* info. */
or_status or_interpolate_image(or_net *net, const or_image *a, const or_image *b, float t,
                               const or_interpolate_opts *o, or_image *out, or_err *err);

#ifdef __cplusplus
}
#endif

#endif
