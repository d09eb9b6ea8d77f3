/* cli_dex.h: Deep Exemplar's reference pictures from --reference (cli_dex.c),
 * shared by `colorize` on images and on videos. */
#ifndef OR_CLI_DEX_H
#define OR_CLI_DEX_H

#include "cli_common.h"
#include "runtime/nets/net.h"
#include "runtime/stages/colorize.h"

typedef struct {
    const char *reference; /* --reference PATH */
    int no_smooth;         /* --no-smooth */
    long work_pixels;      /* --work-pixels N; 0: 432*768 */
    const char *keyframes; /* --keyframes MODEL: colours each scene's first frame */
} cli_dex_flags;

typedef struct {
    or_dex_state *state;   /* the chain; NULL when the colouriser is not deep-exemplar */
    or_net *key_net;       /* --keyframes */
    int render_factor;     /* for a DeOldify keyframe network */
} cli_dex;

/* When net is deep-exemplar: read --reference (one picture, a folder of pictures
 * used scene after scene in name order, or a folder with scenes.json), or load
 * the --keyframes colouriser on be (each scene's first frame coloured by it
 * becomes the scene's reference), into d; neither given: a usage error.  Any
 * other colouriser: a note when one was given, d->state NULL.  -1 to go on, else
 * the exit code (the message printed).  d must not move while in use. */
int cli_dex_open(const cli_opts *o, const cli_dex_flags *f, or_backend *be, const or_net *net,
                 cli_dex *d);
void cli_dex_close(cli_dex *d);
/* The colorize flags of Deep Exemplar into f: --reference PATH, --no-smooth,
 * --work-pixels N, --keyframes MODEL.  CLI_TAKEN, CLI_BAD or CLI_UNKNOWN
 * (cli_common.h), as an extra-flag parser. */
int cli_dex_flag(int argc, char **argv, int *i, cli_dex_flags *f);

#endif
