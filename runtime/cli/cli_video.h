/* cli_video.h: the restore chain (colorize -> upscale -> interpolate, each
 * optional) over a video, a folder of frames, or images, in one process
 * without intermediate files (runtime/cli/cli_video.c, cmd_restore.c). */
#ifndef OR_CLI_VIDEO_H
#define OR_CLI_VIDEO_H

#include "cli_common.h"
#include "cli_dex.h"
#include "runtime/stages/colorize.h"
#include "runtime/io/image.h"

struct cli_segment;

typedef struct {
    cli_opts o;
    const char *colorize, *upscale, *interpolate; /* model names; NULL: stage off */
    int video;                                    /* input is a video (render factor 21) */
    double flow_scale;                            /* RIFE flow scale; 0: 1 */
    or_backend *be;
    or_net *net_c, *net_u, *net_i;
    cli_dex_flags dexf;                           /* deep-exemplar's flags */
    cli_dex dex;                                  /* deep-exemplar's chain (.state NULL: off) */
    struct cli_segment *segment;                  /* restore --segment K/N; NULL: whole */
    int multi;                                    /* one of several devices (-g 0,1,...):
                                                     its stages bind the device first */
    /* images with -g 0,1,...: the upscaler on the other devices too, which
     * share each image's tiles (cli_chain_load_images) */
    or_backend *tile_be[CLI_MAX_DEVICES - 1];
    or_net *tile_net[CLI_MAX_DEVICES - 1];
    int n_tile;
} cli_chain;

/* Open the backend and load the chain's networks.  -1 to go on, else the exit code. */
int cli_chain_load(cli_chain *c);
/* The same for images (cli_run_images): with -g 0,1,... the chain is loaded
 * on the first device, and the upscaler on the others too, so that the tiles
 * of each image are spread over all (runtime/stages/upscale.h); colorize runs
 * on the first, which is said.  Same returns. */
int cli_chain_load_images(cli_chain *c);
void cli_chain_free(cli_chain *c);
/* DeOldify's render factor for this run: --render-factor / -r, else 21 on a
 * video (DeOldify's video default), else 35; 0 when the colouriser is not
 * DeOldify (Zhang's networks always run at 256x256) or colorize is off. */
int cli_chain_render_factor(const cli_chain *c);
/* colorize then upscale, whichever are on (out is a new image). */
or_status cli_chain_frame(cli_chain *c, const or_image *in, or_image *out, or_err *err);

/* Video in, video out (one segment of it with c->segment, cli_segment.h).
 * -g 0,1,... spreads the frames over the devices (one worker thread each,
 * pipeline.h: workers), as does cli_sequence_run.
 * Returns the exit code. */
int cli_video_run(cli_chain *c);
/* Folder of frames in, numbered frames out (with interpolation).  Exit code. */
int cli_sequence_run(cli_chain *c);

#endif
