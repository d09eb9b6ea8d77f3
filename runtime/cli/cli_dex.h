/* cli_dex.h: Deep Exemplar's reference pictures from --reference (cli_dex.c),
 * shared by `colorize` on images and on videos. */
#ifndef OR_CLI_DEX_H
#define OR_CLI_DEX_H

#include "cli_common.h"
#include "runtime/nets/net.h"
#include "runtime/stages/colorize.h"
#include "runtime/stages/dex_keyhints.h"

typedef struct {
    const char *reference; /* --reference PATH */
    int no_smooth;         /* --no-smooth */
    long work_pixels;      /* --work-pixels N; 0: 432*768 */
    const char *keyframes; /* --keyframes MODEL: colours each scene's first frame */
    const char *keyframes_out;  /* --keyframes-out DIR: each keyframe and its colouring */
    const char *keyframe_hints; /* --keyframe-hints DIR|FILE: hints per scene (siggraph17) */
    int video;             /* the input is a video (--keyframe-hints needs one) */
} cli_dex_flags;

typedef struct {
    or_dex_state *state;   /* the chain; NULL when the colouriser is not deep-exemplar */
    or_net *key_net;       /* --keyframes */
    int render_factor;     /* for a DeOldify keyframe network */
    const cli_opts *o;     /* (for -v and the keyframes' PNGs) */
    const char *keyframes_out;
    or_dex_key_hint_set key_hints; /* --keyframe-hints, read; checked by cli_dex_check_hints */
    int key_hints_checked;
} cli_dex;

/* When net is deep-exemplar: read --reference (one picture, a folder of pictures
 * used scene after scene in name order, or a folder with scenes.json), or load
 * the --keyframes colouriser on be (each scene's first frame coloured by it
 * becomes the scene's reference; --keyframes-out writes each keyframe and its
 * colouring; --keyframe-hints reads the hints, siggraph17 only, video only), into d;
 * neither given: a usage error.  Any
 * other colouriser: a note when one was given, d->state NULL.  -1 to go on, else
 * the exit code (the message printed).  d must not move while in use. */
int cli_dex_open(const cli_opts *o, const cli_dex_flags *f, or_backend *be, const or_net *net,
                 cli_dex *d);
void cli_dex_close(cli_dex *d);
/* The keyframe mode on one scene's first frame, as the chain does it: written to
 * --keyframes-out (with its colouring) and coloured (with the scene's hints),
 * the colouring dropped (restore --keyframes-out without -o). */
or_status cli_dex_keyframe_only(cli_dex *d, const or_image *frame, int scene, long frame_index,
                                or_err *err);
/* --keyframe-hints against the film before any frame is coloured: cut[i] != 0
 * marks a scene cut before frame i of frames (the segment plan's scan,
 * or_segment_scan); frames are w x h.  -1 to go on, else the exit code (the
 * message, one line naming the hints file, printed). */
int cli_dex_check_hints(const cli_opts *o, cli_dex *d, const uint8_t *cut, int64_t frames,
                        int w, int h);
/* The colorize flags of Deep Exemplar into f: --reference PATH, --no-smooth,
 * --work-pixels N, --keyframes MODEL, --keyframes-out DIR, --keyframe-hints PATH.  CLI_TAKEN, CLI_BAD or CLI_UNKNOWN
 * (cli_common.h), as an extra-flag parser. */
int cli_dex_flag(int argc, char **argv, int *i, cli_dex_flags *f);

#endif
