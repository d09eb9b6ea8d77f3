/* flicker.h: temporal stability of colorized clips (oprestore-bench --flicker;
 * the method and the numbers are in docs/results.md "Temporal stability").
 *
 * The figure is the warping error of the video-consistency literature (Lai et
 * al. 2018, "Learning Blind Video Temporal Consistency", evaluate_WarpError.py),
 * measured in the ab plane of CIE Lab:
 *   flow    on the gray SOURCE clip (BT.601 luma of each decoded frame), so
 *           every candidate is judged on the same motion: for frames t, t+1,
 *           fw = F_t->t+1 and bw = F_t+1->t from our RIFE (or_interpolate_flows:
 *           RIFE's F_t->1 at t = 0 and F_t->0 at t = 1)
 *   mask    non-occluded pixels of frame t+1: Ruder et al. 2016's forward-backward
 *           consistency and motion-boundary tests with Lai et al.'s thresholds
 *           (compute_flow_occlusion.py: detect_occlusion):
 *             occluded if |fw~ + bw|^2 > 0.01 (|fw~|^2 + |bw|^2) + 0.5
 *                      (fw~ = fw sampled bilinearly at x + bw(x))
 *             or |grad bw_x|^2 + |grad bw_y|^2 > 0.01 |bw|^2 + 0.002
 *                      (forward differences, 0 on the last row / column)
 *             or x + bw(x) outside the frame (nothing to compare there)
 *   warp    candidate frame t sampled bilinearly (RGB, edges clamped) at
 *           x + bw(x): frame t motion-compensated onto frame t+1
 *   figure  per pair, over the kept pixels:
 *             ab_warp  mean of |ab(t+1) - ab(warped t)| (Euclidean, Lab units;
 *                      skimage's Lab, kernels/color_px.h)
 *             e_warp   Lai et al.'s E_warp: mean over kept pixels of the sum over
 *                      R, G, B in [0,1] of the squared difference
 *           and, with no motion compensation and every pixel,
 *             ab_raw   mean |ab(t+1) - ab(t)|
 *           A clip's figure is the mean over its pairs.  Pairs across a scene
 *           cut of the source (runtime/stages/scene.h) and pairs with no kept
 *           pixel are left out and counted. */
#ifndef OR_BENCH_FLICKER_H
#define OR_BENCH_FLICKER_H

#include <stddef.h>
#include <stdint.h>

#define FLICKER_MAX_CANDIDATES 16

/* keep[h*w] = 1 where b's pixel is unoccluded (the tests above), 0 elsewhere;
 * fw (a->b) and bw (b->a) are planes [2,h,w] (x then y, pixels).  Returns the
 * number kept. */
size_t flicker_noc_mask(const float *fw, const float *bw, int w, int h, uint8_t *keep);

typedef struct {
    double ab_warp, e_warp, ab_raw;
    size_t kept; /* pixels compared (0: the pair has no figure) */
} flicker_pair;

/* The pair figures of candidate frames ca (time t) and cb (t+1), RGB planes
 * [3,h,w] in [0,1], with bw (planes [2,h,w]) and keep as above. */
void flicker_pair_error(const float *ca, const float *cb, const float *bw, const uint8_t *keep,
                        int w, int h, flicker_pair *out);

typedef struct {
    const char *device;      /* -g: "cpu" or a CUDA device number */
    int dtype;               /* OR_F32 / OR_F16, or -1: f16 on CUDA, f32 on the CPU */
    const char *source;      /* --flicker: the gray (or any) source clip */
    const char *paths[FLICKER_MAX_CANDIDATES];  /* --flicker-candidates */
    const char *labels[FLICKER_MAX_CANDIDATES]; /* "label=" prefixes (NULL: the file name) */
    int n;
    const char *flow_model;  /* --flow-model: a RIFE model file; NULL: seeded rife-v4.6 */
    long frames;             /* --flicker-frames: at most this many frames (0: all) */
    float flow_scale;        /* --flow-scale (RIFE's scale; 1) */
    double scene_threshold;  /* pairs with source SSIM below this are cuts (<= 0: none) */
    const char *json;        /* --json FILE or NULL */
    const char *markdown;    /* --markdown FILE: the table in markdown, or NULL */
} flicker_opts;

/* Parse "[LABEL=]PATH[,[LABEL=]PATH...]" into o->paths/labels (list is modified
 * in place: commas and '=' become NULs).  Returns 0, or -1 after printing a
 * one-line error. */
int flicker_parse_candidates(char *list, flicker_opts *o);

/* Run the measure, print the table on stdout (and the JSON); returns an exit
 * code (0 success, 1 runtime error). */
int flicker_run(const flicker_opts *o);

#endif
