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
 *   Deep Exemplar (arch "deep-exemplar", runtime/stages/colorize_dex.c): colours
 *     carried from a reference picture by a learned correspondence, frame after
 *     frame (the previous output feeds the next frame); needs an or_dex_state
 *     (the references and the chain) in the options.
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

/* Deep Exemplar's state across frames: the reference pictures and the chain. */
typedef struct or_dex_state or_dex_state;

typedef struct {
    int render_factor;           /* DeOldify: network input side = 16 * render_factor; 0: 35 */
    const or_color_hint *hints;  /* SIGGRAPH17 only (ignored with a note by the others) */
    int n_hints;
    float temperature;           /* Zhang: > 0: the annealed mean at T (runtime/nets/net_zhang.h);
                                    0: the release's output.  Ignored by DeOldify. */
    or_dex_state *dex;           /* deep-exemplar: required; frames in order */
} or_colorize_opts;

typedef struct {
    int net_w, net_h;            /* size the network ran at */
    int hints_used;              /* hints given to the network */
    int was_gray;                /* the input had one channel */
    int scene;                   /* deep-exemplar: the frame's scene (0, 1, ...) */
    int reference;               /* deep-exemplar: the index of the reference used */
    int chain_restarted;         /* deep-exemplar: the first frame of a scene */
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

or_status or_colorize_dex(or_net *net, const or_image *in, const or_colorize_opts *o,
                          or_image *out, or_colorize_info *info, or_err *err);

/* Deep Exemplar's state: n reference pictures (gray, RGB; alpha ignored; copied; n = 0
 * only for the keyframe mode below),
 * the k-th used for the k-th scene (the last one for the scenes after it); filter:
 * the fast global smoother on (test.py's default) or off; scene_threshold: SSIM of
 * consecutive frames' thumbnails below which a cut restarts the chain (scene.h;
 * <= 0: never); work_pixels: the working size's pixel count (<= 0: 432*768, as
 * test.py).  Frames must then be given in order. */
#define OR_DEX_WORK_PIXELS (432L * 768L) /* test.py's image_size */
or_status or_dex_state_new(const or_image *refs, int n, int filter, double scene_threshold,
                           long work_pixels, or_dex_state **out, or_err *err);
void or_dex_state_free(or_dex_state *s);
/* Frames first..last (0-based, in the order given) take reference ref; frames in no
 * range take the scene's reference by order.  A copy is kept. */
typedef struct {
    long first, last;
    int ref;
} or_dex_range;
or_status or_dex_state_set_ranges(or_dex_state *s, const or_dex_range *r, int n, or_err *err);
/* Keyframe mode: fn colours the first frame of each scene (the first frame, and
 * every frame after a cut) into *ref (a new image), which becomes that scene's
 * reference; the references and ranges are then not used (n may be 0).  scene and
 * frame_index: the scene's index and the frame's number in the film (counted as
 * in a single run over it, also in a segment: or_dex_state_set_origin). */
typedef or_status (*or_dex_keyframe_fn)(void *ctx, const or_image *frame, int scene,
                                        long frame_index, or_image *ref, or_err *err);
void or_dex_state_set_keyframes(or_dex_state *s, or_dex_keyframe_fn fn, void *ctx);
/* The chain starts mid-film (a segment, docs/cluster.md): the first frame given is
 * frame first_frame of the film (for the ranges) and starts scene first_scene (for
 * the reference by order), as it does in a run over the whole film when that frame
 * follows a cut.  Call it before the first frame. */
void or_dex_state_set_origin(or_dex_state *s, long first_frame, int first_scene);
/* REF_FOLDER/scenes.json: [{"first": F, "last": L, "reference": "NAME"}, ...], frame
 * ranges (0-based, inclusive, not overlapping) and the picture (a file name in the
 * folder) for each.  names[i] (malloc'ed, with *names) is entry i's reference;
 * errors name the file and the entry (runtime/stages/dex_scenes.c). */
or_status or_dex_scenes_load(const char *path, or_dex_range **ranges, char ***names, int *n,
                             or_err *err);

/* --hints FILE: [{"x": 10, "y": 20, "color": "#rrggbb"}, ...] in input pixels, with an
 * optional "size" (the patch side, odd 1..9, default 5) (runtime/stages/hints.c).
 * *hints is malloc'ed; errors name the file and the entry. */
or_status or_hints_load(const char *path, or_color_hint **hints, int *n, or_err *err);
/* The same from memory (text of len bytes); name is used in errors. */
or_status or_hints_parse(const char *text, size_t len, const char *name, or_color_hint **hints,
                         int *n, or_err *err);
/* The same from a parsed JSON value (weights/json.h; an array of hints); name is
 * used in errors. */
struct json_value;
or_status or_hints_from_json(const char *name, const struct json_value *v,
                             or_color_hint **hints, int *n, or_err *err);
/* The hints in that format (what or_hints_parse reads back to the same hints);
 * malloc'ed, NUL-terminated; NULL when out of memory.  "size" is written only
 * when it is not the default. */
char *or_hints_format(const or_color_hint *hints, int n);

#ifdef __cplusplus
}
#endif

#endif
