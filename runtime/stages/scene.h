/* scene.h: scene-cut detection for frame interpolation, after RIFE's
 * inference_video.py, which compares every pair of frames by SSIM on 32x32
 * thumbnails and, below 0.2, duplicates the first frame instead of
 * interpolating across the cut.
 *
 * Here: each frame is reduced to a 32x32 luma thumbnail (BT.601 weights, box
 * average over the source pixels each thumbnail pixel covers: unlike RIFE's
 * bilinear F.interpolate this does not alias on large frames), and SSIM is
 * computed as in Wang et al. 2004 (11x11 Gaussian window, sigma 1.5,
 * C1 = 0.01^2, C2 = 0.03^2, values in [0,1], mean over the valid 22x22
 * positions).  RIFE's ssim_matlab runs a 3-D window over R, G, B: values differ
 * slightly, the threshold means the same thing.  SSIM is 1 for equal frames
 * and near 0 (or below) for unrelated pictures. */
#ifndef OR_SCENE_H
#define OR_SCENE_H

#include "runtime/io/image.h"

#define OR_SCENE_THRESHOLD 0.2 /* --scene-threshold default (RIFE's) */
#define OR_SCENE_THUMB 32

/* Luma thumbnail of img (gray or RGB) into t[32*32]. */
void or_scene_thumb(const or_image *img, float *t);
/* SSIM of two thumbnails. */
double or_scene_ssim_thumbs(const float *a, const float *b);
/* SSIM of two frames' thumbnails. */
double or_scene_ssim(const or_image *a, const or_image *b);
/* 1 when a -> b is a cut: SSIM < threshold (threshold <= 0: never). */
int or_scene_is_cut(const or_image *a, const or_image *b, double threshold);

#endif
