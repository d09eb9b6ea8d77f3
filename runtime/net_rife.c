/* net_rife.c: the rife network (STUB: to be written). */
#include "net_internal.h"

or_status or_net_rife_load(const st_file *f, or_backend *be, or_dtype dtype, or_net **out,
                       or_err *err)
{
    (void)be, (void)dtype;
    *out = NULL;
    return or_errf(err, OR_EUNSUPPORTED, "%s: architecture '%s' has no network yet", f->path,
                   st_meta(f, "arch"));
}
