/* interpolate.c: the frame interpolation pipeline (STUB: to be written). */
#include "interpolate.h"

or_interpolate_opts or_interpolate_defaults(void)
{
    or_interpolate_opts o = {1.0f};
    return o;
}

or_status or_interpolate_image(or_net *net, const or_image *a, const or_image *b, float t,
                               const or_interpolate_opts *o, or_image *out, or_err *err)
{
    (void)a, (void)b, (void)t, (void)o, (void)out;
    return or_errf(err, OR_EUNSUPPORTED, "%s: interpolation is not written yet",
                   net->model_path);
}
