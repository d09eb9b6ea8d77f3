/* colorize_zhang.c: Zhang et al.'s Lab pipeline (STUB: to be written). */
#include "colorize.h"

or_status or_colorize_zhang(or_net *net, const or_image *in, const or_colorize_opts *o,
                            or_image *out, or_colorize_info *info, or_err *err)
{
    (void)in, (void)o, (void)out, (void)info;
    return or_errf(err, OR_EUNSUPPORTED, "%s: the Zhang pipeline is not written yet",
                   net->model_path);
}
