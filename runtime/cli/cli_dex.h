/* cli_dex.h: Deep Exemplar's reference pictures from --reference (cli_dex.c),
 * shared by `colorize` on images and on videos. */
#ifndef OR_CLI_DEX_H
#define OR_CLI_DEX_H

#include "cli_common.h"
#include "runtime/nets/net.h"
#include "runtime/stages/colorize.h"

/* When net is deep-exemplar: read --reference (one picture, or a folder of
 * pictures used scene after scene in name order) into *out; without --reference a
 * usage error.  Any other colouriser: a note when --reference was given, *out
 * NULL.  -1 to go on, else the exit code (the message printed). */
typedef struct {
    const char *reference; /* --reference PATH */
    int no_smooth;         /* --no-smooth */
    long work_pixels;      /* --work-pixels N; 0: 432*768 */
} cli_dex_flags;

int cli_dex_state(const cli_opts *o, const cli_dex_flags *f, const or_net *net,
                  or_dex_state **out);
/* The colorize flags of Deep Exemplar into f: --reference PATH, --no-smooth,
 * --work-pixels N.  CLI_TAKEN, CLI_BAD or CLI_UNKNOWN (cli_common.h), as an
 * extra-flag parser. */
int cli_dex_flag(int argc, char **argv, int *i, cli_dex_flags *f);

#endif
