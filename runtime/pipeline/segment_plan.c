/* segment_plan.c: the segment boundaries of a video (see segment_plan.h). */
#include "segment_plan.h"

#include <stdlib.h>
#include <string.h>

#include "runtime/stages/scene.h"

/* OR_SEGMENT_AT_CUTS: the candidate (0, a cut, the end) nearest each even
 * split, the earlier of two equally near, never before the boundary before it.
 * One pass over the frames: the splits and both candidates only move forward. */
static int at_cut(const uint8_t *cut, int64_t frames, int64_t p)
{
    return p == 0 || p >= frames || cut[p];
}

static void plan_at_cuts(int64_t frames, const uint8_t *cut, int n, int64_t *bounds)
{
    int64_t before = 0, next = -1, scanned = 0; /* the last candidate below the split,
                                                   the first at or after it */
    for (int k = 1; k < n; k++) {
        int64_t ideal = frames * k / n, lo = bounds[k - 1];
        for (; scanned < ideal; scanned++)
            if (at_cut(cut, frames, scanned))
                before = scanned;
        if (next < ideal)
            for (next = ideal; !at_cut(cut, frames, next); next++)
                ;
        if (lo >= ideal) /* lo is a candidate: none nearer at or after it */
            bounds[k] = lo;
        else
            bounds[k] = before >= lo && ideal - before <= next - ideal ? before : next;
    }
}

int64_t or_segment_scene_at(const uint8_t *cut, int64_t frame)
{
    int64_t scene = 0;
    for (int64_t c = 1; c <= frame; c++)
        scene += cut[c] != 0;
    return scene;
}

void or_segment_plan(int64_t frames, const uint8_t *cut, int n, or_segment_bounds mode,
                     int64_t *bounds)
{
    bounds[0] = 0;
    bounds[n] = frames;
    if (mode == OR_SEGMENT_AT_CUTS) {
        plan_at_cuts(frames, cut, n, bounds);
        return;
    }
    int64_t window = frames / (4 * (int64_t)n);
    for (int k = 1; k < n; k++) {
        int64_t ideal = frames * k / n, lo = bounds[k - 1], best = -1, bd = 0;
        int64_t from = ideal - window > lo + 1 ? ideal - window : lo + 1;
        int64_t to = ideal + window < frames - 1 ? ideal + window : frames - 1;
        for (int64_t c = from > 1 ? from : 1; c <= to; c++) {
            int64_t d = c > ideal ? c - ideal : ideal - c;
            if (cut[c] && (best < 0 || d < bd))
                best = c, bd = d;
        }
        if (best < 0)
            best = ideal;
        bounds[k] = best > lo ? best : lo;
    }
}

or_status or_segment_scan(or_status (*read)(void *ctx, or_image *frame, int64_t *pts, int *got,
                                            or_err *err),
                          void *ctx, double threshold, volatile sig_atomic_t *stop,
                          int *stopped, uint8_t **cut_out, int64_t *frames, or_err *err)
{
    *cut_out = NULL;
    *frames = 0;
    *stopped = 0;
    size_t cap = 4096, n = 0;
    uint8_t *cut = malloc(cap);
    float thumbs[2][OR_SCENE_THUMB * OR_SCENE_THUMB];
    if (!cut)
        return or_errf(err, OR_ENOMEM, "out of memory for the segment plan");
    for (;;) {
        if (stop && *stop) {
            free(cut);
            *stopped = 1;
            return OR_OK;
        }
        or_image img;
        memset(&img, 0, sizeof img);
        int64_t pts;
        int got = 0;
        or_status st = read(ctx, &img, &pts, &got, err);
        if (st != OR_OK) {
            or_image_free(&img);
            free(cut);
            return st;
        }
        if (!got)
            break;
        if (n == cap) {
            uint8_t *more = realloc(cut, cap *= 2);
            if (!more) {
                or_image_free(&img);
                free(cut);
                return or_errf(err, OR_ENOMEM, "out of memory for the segment plan");
            }
            cut = more;
        }
        float *cur = thumbs[n & 1], *prev = thumbs[!(n & 1)];
        or_scene_thumb(&img, cur);
        cut[n] = n > 0 && threshold > 0 && or_scene_ssim_thumbs(prev, cur) < threshold;
        n++;
        or_image_free(&img);
    }
    *cut_out = cut;
    *frames = (int64_t)n;
    return OR_OK;
}
