/* colorize_deoldify.c: DeOldify's image pipeline (STUB: to be written). */
#include "colorize.h"

or_status or_colorize_deoldify(or_net *net, const or_image *in, const or_colorize_opts *o,
                               or_image *out, or_colorize_info *info, or_err *err)
{
    (void)in, (void)o, (void)out, (void)info;
    return or_errf(err, OR_EUNSUPPORTED, "%s: the DeOldify pipeline is not written yet",
                   net->model_path);
}
