/* colorize_zhang.h: the parts of runtime/stages/colorize_zhang.c, for the live
 * colourisation (colorize_live.c) and the tests. */
#ifndef OR_COLORIZE_ZHANG_H
#define OR_COLORIZE_ZHANG_H

#ifdef __cplusplus
extern "C" {
#endif

#include "colorize.h"

#define OR_ZHANG_SIDE 256 /* the network's working size */

/* interactive-deep-colorization's data/lab_gamut.py snap_ab(L, rgb8) followed
 * by rgb2lab of its uint8 result: the (a, b) the network is given for a hint
 * of colour rgb8 (8-bit) clicked on a pixel of lightness L (0..100). */
void or_zhang_snap_ab(double L, const unsigned char rgb8[3], double ab[2]);

/* The input as 3 RGB planes in [0,1] (gray tiled); malloc'ed, NULL when out of memory. */
float *or_zhang_rgb_planes(const or_image *in);
/* rgb (3 planes, w x h) -> the 256x256 RGB planes the network's L comes from
 * (8-bit, PIL BICUBIC). */
or_status or_zhang_resized_rgb(const float *rgb, int w, int h, float *out, or_err *err);
/* input_B (a, b) and mask_B planes [3][256][256] from o's hints (input pixels of a
 * w x h image), each snapped at the L of rgb_rs under it; returns the hints used. */
int or_zhang_hint_planes(const or_colorize_opts *o, int w, int h, const float *rgb_rs,
                         float *planes);
/* The network on the 256x256 inputs at temperature T (0: the release's output):
 * *ab256 [1,2,256,256] (taken from the arena) in the net dtype; logits (optional,
 * allocated by the caller) the class logits [1,Q,64,64]. */
or_status or_zhang_run_net(or_net *net, const float *rgb_rs, const float *hints, float T,
                           or_tensor *ab256, or_tensor *logits, or_err *err);
/* rgb (3 planes, w x h, in place) -> (its L, ab256 resized bilinearly) -> lab2rgb. */
or_status or_zhang_recombine(or_net *net, const or_tensor *ab256, int w, int h, float *rgb,
                             or_err *err);

#ifdef __cplusplus
}
#endif

#endif
