/* cmd_colorize.c: oprestore-gpu colorize (STUB: to be written). */
#include <stdio.h>

#include "runtime/cli/cli_common.h"

int cmd_colorize(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "oprestore-gpu colorize: not available yet\n");
    return 1;
}
