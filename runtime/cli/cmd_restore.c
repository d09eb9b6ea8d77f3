/* cmd_restore.c: oprestore-gpu restore (STUB: to be written). */
#include <stdio.h>

#include "runtime/cli/cli_common.h"

int cmd_restore(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "oprestore-gpu restore: not available yet\n");
    return 1;
}
