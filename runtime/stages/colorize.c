/* colorize.c: the colourisation entry point: picks the pipeline of the network. */
#include "colorize.h"

#include <string.h>

or_colorize_opts or_colorize_defaults(void)
{
    or_colorize_opts o = {OR_DEOLDIFY_RENDER_FACTOR_IMAGE, NULL, 0, 0.0f, NULL};
    return o;
}

or_status or_colorize_image(or_net *net, const or_image *in, const or_colorize_opts *o,
                            or_image *out, or_colorize_info *info, or_err *err)
{
    or_colorize_info dummy;
    if (!info)
        info = &dummy;
    memset(info, 0, sizeof *info);
    if (!strcmp(net->arch, "deoldify"))
        return or_colorize_deoldify(net, in, o, out, info, err);
    if (!strcmp(net->arch, "siggraph17") || !strcmp(net->arch, "eccv16"))
        return or_colorize_zhang(net, in, o, out, info, err);
    if (!strcmp(net->arch, "deep-exemplar"))
        return or_colorize_dex(net, in, o, out, info, err);
    return or_errf(err, OR_EINVAL, "%s: a '%s' model does not colourise (use deoldify-artistic, siggraph17, eccv16 or deep-exemplar)",
                   net->model_path, net->arch);
}
