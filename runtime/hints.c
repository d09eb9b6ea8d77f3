/* hints.c: reading --hints files (STUB: to be written). */
#include "colorize.h"

or_status or_hints_load(const char *path, or_color_hint **hints, int *n, or_err *err)
{
    *hints = NULL;
    *n = 0;
    return or_errf(err, OR_EUNSUPPORTED, "%s: hints are not supported yet", path);
}
