/* segment_plan.h: how a video is cut into N segments that N processes (a
 * Slurm job array, a Kubernetes Indexed Job) restore independently and
 * `oprestore-gpu join` puts back together (docs/cluster.md).
 *
 * The plan is a pure function of the input and N: every worker scans the
 * whole input (decoding it, no network) and computes the same boundaries, so
 * nothing is coordinated.  Segment k holds the input frames
 * [bounds[k], bounds[k+1]); bounds[0] = 0, bounds[n] = frames, non-decreasing
 * (a segment is empty only when there are fewer frames than segments).
 *
 * Each boundary starts at the even split k * frames / n and moves to the
 * nearest scene cut within a quarter of a segment, where there is one: at a
 * cut no frame is interpolated across, so the boundary costs nothing.  Where
 * there is none, the boundary stays and the segment before it reads one frame
 * more, the look-ahead (pipeline.h), to make the in-betweens that a single
 * run makes there: the joined film is the single run's either way.
 *
 * A chain that carries state from frame to frame within a scene (Deep
 * Exemplar's previous output, colorize_dex.c) cannot start mid-scene:
 * OR_SEGMENT_AT_CUTS puts every boundary on the cut nearest the even split,
 * however far (0 and the end count as cuts; the earlier of two equally near),
 * so segments may be uneven or empty (none when the input has no cut). */
#ifndef OR_SEGMENT_PLAN_H
#define OR_SEGMENT_PLAN_H

#include <stdint.h>

#include "pipeline.h"

typedef enum {
    OR_SEGMENT_ANY,     /* the even split, moved to a cut within a quarter segment */
    OR_SEGMENT_AT_CUTS, /* boundaries only at cuts (the nearest to the even split) */
} or_segment_bounds;

/* cut[i] != 0: a scene cut between frames i-1 and i (cut[0] is ignored).
 * Fills bounds[0..n] (n >= 1). */
void or_segment_plan(int64_t frames, const uint8_t *cut, int n, or_segment_bounds mode,
                     int64_t *bounds);

/* The scene index at input frame `frame` of a single run that counts from 0 at
 * frame 0 and adds one at every cut: the cuts in 1..frame. */
int64_t or_segment_scene_at(const uint8_t *cut, int64_t frame);

/* Read every frame with read() (as or_pipe_video's read) and mark the cuts as
 * the video pipeline finds them (scene.h thumbnails of the frames as read,
 * SSIM below threshold; threshold <= 0: none).  *cut is malloc'd, *frames
 * entries.  When *stop (may be NULL) becomes non-zero the scan ends early
 * with *stopped = 1 and *cut NULL. */
or_status or_segment_scan(or_status (*read)(void *ctx, or_image *frame, int64_t *pts, int *got,
                                            or_err *err),
                          void *ctx, double threshold, volatile sig_atomic_t *stop,
                          int *stopped, uint8_t **cut, int64_t *frames, or_err *err);

#endif
