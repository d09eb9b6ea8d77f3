/* cmd_interpolate.c: oprestore-gpu interpolate (STUB: to be written). */
#include <stdio.h>

#include "runtime/cli/cli_common.h"

int cmd_interpolate(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "oprestore-gpu interpolate: not available yet\n");
    return 1;
}
