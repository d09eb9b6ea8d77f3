/* colorize.h: colourising a whole image as the official pipelines do.
 *
 *   DeOldify (arch "deoldify", runtime/stages/colorize_deoldify.c): DeOldify's
 *     ModelImageVisualizer/ColorizerFilter: gray 3-channel input resized to
 *     render_factor*16 square, ImageNet normalisation, network, denormalisation,
 *     resized back, then only the chroma is taken (YUV): the original luminance is kept.
 *   Zhang et al. (arch "siggraph17" / "eccv16", runtime/stages/colorize_zhang.c): CIE Lab;
 *     L at 256x256 into the network, ab upsampled to the full size and recombined
 *     with the original L.  SIGGRAPH17 takes user colour hints (ab values with a
 *     mask over a small patch); without hints it colourises automatically.
 *
 * Inputs: gray, RGB (treated as gray), toned and 16-bit images; alpha is kept
 * unchanged.  The output is RGB (plus alpha) with src_* copied from the input. */
#ifndef OR_COLORIZE_H
#define OR_COLORIZE_H

#ifdef __cplusplus
extern "C" {
#endif

#include "runtime/io/image.h"
#include "runtime/nets/net.h"

#define OR_DEOLDIFY_RENDER_FACTOR_IMAGE 35
#define OR_DEOLDIFY_RENDER_FACTOR_VIDEO 21

#define OR_HINT_SIZE_DEFAULT 5 /* the patch side in network pixels (ideepcolor's default brush) */
#define OR_HINT_SIZE_MAX 9     /* ideepcolor's largest patch */

/* A user colour hint: input-image pixel (x, y) should have colour (r, g, b) in [0,1],
 * over a size x size patch of the 256x256 network input (odd, 1..9; 0: 5). */
typedef struct {
    int x, y;
    float r, g, b;
    int size;
} or_color_hint;

typedef struct {
    int render_factor;           /* DeOldify: network input side = 16 * render_factor; 0: 35 */
    const or_color_hint *hints;  /* SIGGRAPH17 only (ignored with a note by the others) */
    int n_hints;
    float temperature;           /* Zhang: > 0: the annealed mean at T (runtime/nets/net_zhang.h);
                                    0: the release's output.  Ignored by DeOldify. */
} or_colorize_opts;

typedef struct {
    int net_w, net_h;            /* size the network ran at */
    int hints_used;              /* hints given to the network */
    int was_gray;                /* the input had one channel */
} or_colorize_info;

or_colorize_opts or_colorize_defaults(void);

/* The whole pipeline for net (dispatches on net->arch); out is a new image,
 * 3 channels + the input's alpha.  info may be NULL. */
or_status or_colorize_image(or_net *net, const or_image *in, const or_colorize_opts *o,
                            or_image *out, or_colorize_info *info, or_err *err);

/* The pipelines themselves (runtime/stages/colorize_deoldify.c, runtime/stages/colorize_zhang.c). */
or_status or_colorize_deoldify(or_net *net, const or_image *in, const or_colorize_opts *o,
                               or_image *out, or_colorize_info *info, or_err *err);
or_status or_colorize_zhang(or_net *net, const or_image *in, const or_colorize_opts *o,
                            or_image *out, or_colorize_info *info, or_err *err);

/* --hints FILE: [{"x": 10, "y": 20, "color": "#rrggbb"}, ...] in input pixels, with an
 * optional "size" (the patch side, odd 1..9, default 5) (runtime/stages/hints.c).
 * *hints is malloc'ed; errors name the file and the entry. */
or_status or_hints_load(const char *path, or_color_hint **hints, int *n, or_err *err);
/* The same from memory (text of len bytes); name is used in errors. */
or_status or_hints_parse(const char *text, size_t len, const char *name, or_color_hint **hints,
                         int *n, or_err *err);
/* The hints in that format (what or_hints_parse reads back to the same hints);
 * malloc'ed, NUL-terminated; NULL when out of memory.  "size" is written only
 * when it is not the default. */
char *or_hints_format(const or_color_hint *hints, int n);

#ifdef __cplusplus
}
#endif

#endif
