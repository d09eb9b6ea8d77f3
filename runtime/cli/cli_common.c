/* cli_common.c: what the oprestore-gpu commands share. */
#include "cli_common.h"

#include <stdlib.h>

const char *cli_models_dir(const char *flag)
{
    if (flag)
        return flag;
    const char *env = getenv("OPRESTORE_MODELS");
    return env && *env ? env : "./models";
}
