/* test_segment_plan.c: runtime/pipeline/segment_plan.h and the look-ahead of
 * or_pipe_video (emit_frames), without files or networks: the boundaries
 * (even split, moved to the nearest cut within a quarter segment, the earlier
 * of two equally near, empty segments when N > frames; OR_SEGMENT_AT_CUTS:
 * only cuts, however far, also against a brute-force search on random cuts),
 * the scene index at a frame, the scan finding the
 * pipeline's cuts, and every split of a sequence with cuts giving, segment
 * by segment, exactly the frames and time stamps of one run (the stage run on
 * a look-ahead only when it is interpolated with) in both modes, and the same with 2 and 3
 * workers (or_pipe_video.workers: the multi-device path, with stages that
 * finish out of order), including a failing stage and a stop.  Frames are 32x24 gray
 * images whose value encodes the input index (ramp scenes) or checkerboards. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/pipeline/segment_plan.h"
#include "runtime/stages/scene.h"

#define MAXOUT 512

static void plan(int64_t frames, const int *cuts, int n, int64_t *b)
{
    uint8_t cut[1000] = {0};
    for (const int *c = cuts; c && *c; c++)
        cut[*c] = 1;
    or_segment_plan(frames, cut, n, OR_SEGMENT_ANY, b);
}

static void plan_at_cuts(int64_t frames, const int *cuts, int n, int64_t *b)
{
    uint8_t cut[1000] = {0};
    for (const int *c = cuts; c && *c; c++)
        cut[*c] = 1;
    or_segment_plan(frames, cut, n, OR_SEGMENT_AT_CUTS, b);
}

#define EXPECT_BOUNDS(b, ...)                                                                 \
    do {                                                                                      \
        const int64_t want_[] = {__VA_ARGS__};                                                \
        for (size_t i_ = 0; i_ < sizeof want_ / sizeof *want_; i_++)                         \
            cr_expect_eq((b)[i_], want_[i_], "bound %zu: %lld, expected %lld", i_,            \
                         (long long)(b)[i_], (long long)want_[i_]);                           \
    } while (0)

/* OR_SEGMENT_AT_CUTS (deep-exemplar): every boundary on the cut nearest the even
 * split, however far, never going back; the start and the end count as cuts. */
Test(segment_plan, boundaries_at_cuts_only)
{
    int64_t b[20];
    int far[] = {40, 0}; /* 40 is 15 from 25 (outside the quarter window) */
    plan_at_cuts(100, far, 4, b);
    EXPECT_BOUNDS(b, 0, 40, 40, 100, 100); /* 25 -> 40; 50 -> 40; 75 -> 100 (nearer than 40) */
    plan(100, far, 4, b);
    EXPECT_BOUNDS(b, 0, 25, 50, 75, 100); /* the default mode does not move that far */
    plan_at_cuts(100, NULL, 3, b);
    EXPECT_BOUNDS(b, 0, 0, 100, 100); /* no cut: one segment holds the film (33 -> 0, 66 -> 100) */
    int early[] = {10, 0}; /* 33: 10 (23 away) is nearer than 100 (67) */
    plan_at_cuts(100, early, 3, b);
    EXPECT_BOUNDS(b, 0, 10, 100, 100);
    int tie[] = {20, 30, 0};
    plan_at_cuts(100, tie, 4, b);
    EXPECT_BOUNDS(b, 0, 20, 30, 100, 100); /* 25: the earlier of 20 and 30 */
    int awkward[] = {1, 6, 7, 13, 0};
    plan_at_cuts(14, awkward, 2, b);
    EXPECT_BOUNDS(b, 0, 7, 14);
    plan_at_cuts(14, awkward, 3, b);
    EXPECT_BOUNDS(b, 0, 6, 7, 14); /* 4 -> 6 (2 away, 1 is 3); 9 -> 7 (13 is 4 away) */
    plan_at_cuts(14, awkward, 16, b);
    for (int k = 0; k < 16; k++) {
        cr_expect_leq(b[k], b[k + 1]);
        cr_expect(b[k] == 0 || b[k] == 14 || b[k] == 1 || b[k] == 6 || b[k] == 7 || b[k] == 13,
                  "bound %d at %lld, no cut", k, (long long)b[k]);
    }
    plan_at_cuts(0, NULL, 3, b);
    EXPECT_BOUNDS(b, 0, 0, 0, 0);
    /* random cuts against the definition, by brute force */
    srand(7);
    for (int trial = 0; trial < 300; trial++) {
        int64_t frames = rand() % 60, got[20], want[20];
        int segs = 1 + rand() % 18, every = 1 + rand() % 20;
        uint8_t rc[64] = {0};
        for (int64_t i = 1; i < frames; i++)
            rc[i] = rand() % every == 0;
        or_segment_plan(frames, rc, segs, OR_SEGMENT_AT_CUTS, got);
        want[0] = 0, want[segs] = frames;
        for (int k = 1; k < segs; k++) {
            int64_t ideal = frames * k / segs, best = -1, bd = 0;
            for (int64_t c = want[k - 1]; c <= frames; c++) {
                int64_t d = c > ideal ? c - ideal : ideal - c;
                if ((c == 0 || c == frames || rc[c]) && (best < 0 || d < bd))
                    best = c, bd = d;
            }
            want[k] = best;
        }
        for (int k = 0; k <= segs; k++)
            cr_assert_eq(got[k], want[k], "trial %d (%lld frames, N %d): bound %d is %lld, not "
                         "%lld", trial, (long long)frames, segs, k, (long long)got[k],
                         (long long)want[k]);
    }
    uint8_t cut[14] = {0};
    for (const int *c = awkward; *c; c++)
        cut[*c] = 1;
    cr_expect_eq(or_segment_scene_at(cut, 0), 0);
    cr_expect_eq(or_segment_scene_at(cut, 6), 2);
    cr_expect_eq(or_segment_scene_at(cut, 7), 3);
    cr_expect_eq(or_segment_scene_at(cut, 13), 4);
}

Test(segment_plan, boundaries)
{
    int64_t b[8];
    plan(100, NULL, 4, b);
    cr_expect(b[0] == 0 && b[1] == 25 && b[2] == 50 && b[3] == 75 && b[4] == 100);
    int near[] = {27, 40, 0}; /* 27 within 100/16 = 6 of 25; 40 too far from 50 */
    plan(100, near, 4, b);
    cr_expect(b[1] == 27 && b[2] == 50 && b[3] == 75, "%lld %lld", (long long)b[1],
              (long long)b[2]);
    int tie[] = {23, 27, 0};
    plan(100, tie, 4, b);
    cr_expect_eq(b[1], 23, "the earlier of two equally near cuts");
    plan(100, NULL, 1, b);
    cr_expect(b[0] == 0 && b[1] == 100);
    plan(3, NULL, 5, b); /* fewer frames than segments: some are empty, none goes back */
    cr_expect(b[0] == 0 && b[5] == 3);
    for (int k = 0; k < 5; k++)
        cr_expect_leq(b[k], b[k + 1]);
    plan(0, NULL, 3, b);
    cr_expect(b[0] == 0 && b[1] == 0 && b[3] == 0);
}

/* ---- sequences --------------------------------------------------------------------- */

typedef struct {
    int frames;
    const int *cuts;
    int64_t first, last; /* frames given: [first, last] */
    int next;
    int fail_at;         /* the stage fails on this frame (0: never) */
    int staged[64];      /* stage runs per input frame */
    int n_out;
    int64_t pts[MAXOUT];
    float val[MAXOUT];
} seq;

static void fill(or_image *img, int i, const int *cuts)
{
    int scene = 0;
    for (const int *c = cuts; c && *c && *c <= i; c++)
        scene++;
    or_image_alloc(img, 32, 24, 1, 0, NULL);
    for (int y = 0; y < 24; y++)
        for (int x = 0; x < 32; x++)
            img->planes[y * 32 + x] = scene & 1 ? (((x / 4 + y / 4) & 1) ? 0.9f : 0.1f) - 0.01f * i
                                                : 0.2f + 0.01f * i + 0.005f * x * (scene + 1);
    img->planes[0] = (float)i; /* the index, for the stage counter */
}

static or_status rd(void *ctx, or_image *img, int64_t *pts, int *got, or_err *err)
{
    seq *s = ctx;
    *got = 0;
    if (s->next < s->first)
        s->next = (int)s->first;
    if (s->next >= s->frames || s->next > s->last)
        return OR_OK;
    fill(img, s->next, s->cuts);
    *pts = 500 + 10 * s->next;
    s->next++;
    *got = 1;
    return OR_OK;
}

static int workers = 1; /* the runs below use this many */

static or_status stage(void *ctx, const or_image *in, or_image *out, or_err *err)
{
    seq *s = ctx;
    int i = (int)in->planes[0];
    __atomic_fetch_add(&s->staged[i], 1, __ATOMIC_RELAXED);
    if (s->fail_at && i == s->fail_at)
        return or_errf(err, OR_EDEVICE, "stage broke");
    if (workers > 1)
        usleep((unsigned)(i * 7919 % 5) * 300); /* finish out of order */
    return or_image_copy(in, out, err);
}

static or_status interp(void *ctx, const or_image *a, const or_image *b, float t, or_image *out,
                        or_err *err)
{
    OR_TRY(or_image_copy(a, out, err));
    for (int i = 1; i < a->width * a->height; i++)
        out->planes[i] = (1 - t) * a->planes[i] + t * b->planes[i];
    return OR_OK;
}

static or_status wr(void *ctx, const or_image *img, int64_t pts, or_err *err)
{
    seq *s = ctx;
    cr_assert_lt(s->n_out, MAXOUT);
    s->pts[s->n_out] = pts;
    s->val[s->n_out++] = img->planes[5] + 3 * img->planes[40];
    return OR_OK;
}

static volatile sig_atomic_t stop_flag;
static int stop_after;

static void on_frame(void *ctx, int64_t i)
{
    if (stop_after && i + 1 >= stop_after)
        stop_flag = 1;
}

static or_status run_status(seq *s, int n, int64_t base, int64_t emit, or_pipe_stats *st,
                            or_err *err)
{
    or_pipe_stage stg = {"stage", stage, s};
    void *ctx[3] = {s, s, s};
    or_pipe_video p = {.read = rd, .read_ctx = s, .stages = &stg, .n_stages = 1,
                       .multiplier = n, .interp = interp, .interp_ctx = s,
                       .scene_threshold = OR_SCENE_THRESHOLD, .frame_duration = 10,
                       .write = wr, .write_ctx = s, .load_depth = 2, .save_depth = 2,
                       .index_base = base, .emit_frames = emit, .workers = workers,
                       .worker_ctx = ctx, .stop = &stop_flag, .on_frame = on_frame};
    return or_pipe_video_run(&p, st, err);
}

static void run(seq *s, int n, int64_t base, int64_t emit, or_pipe_stats *st)
{
    or_err err;
    cr_assert_eq(run_status(s, n, base, emit, st, &err), OR_OK, "%s", err.msg);
}

static int64_t scan_frames;
static uint8_t *scan_cuts;

static void scan(const int *cuts, int frames)
{
    seq s = {.frames = frames, .cuts = cuts, .last = 1 << 30};
    int stopped;
    or_err err;
    free(scan_cuts);
    cr_assert_eq(or_segment_scan(rd, &s, OR_SCENE_THRESHOLD, NULL, &stopped, &scan_cuts,
                                 &scan_frames, &err), OR_OK, "%s", err.msg);
    cr_assert_not(stopped);
}

/* Every N: the segments' outputs, one after the other, are the whole run's. */
static void check_splits(const int *cuts, int frames, int n)
{
    seq whole = {.frames = frames, .cuts = cuts, .last = 1 << 30};
    or_pipe_stats st;
    int w = workers;
    workers = 1; /* the reference: one thread */
    run(&whole, n, 0, 0, &st);
    workers = w;
    scan(cuts, frames);
    cr_assert_eq(scan_frames, frames);
    int found = 0;
    for (int i = 1; i < frames; i++)
        found += scan_cuts[i];
    if (n > 1) /* the pipeline looks for cuts only when it interpolates */
        cr_expect_eq(found, st.cuts, "the scan finds the pipeline's cuts");
    for (const int *c = cuts; c && *c; c++)
        cr_expect(scan_cuts[*c], "cut at %d", *c);
    for (int it = 0; it < 2 * (frames + 2); it++) {
        /* the second half: the same N with boundaries only at cuts */
        int segs = 1 + it % (frames + 2);
        int64_t b[64];
        or_segment_plan(scan_frames, scan_cuts, segs,
                        it < frames + 2 ? OR_SEGMENT_ANY : OR_SEGMENT_AT_CUTS, b);
        int at = 0;
        for (int k = 0; k < segs; k++) {
            if (b[k] == b[k + 1])
                continue;
            seq part = {.frames = frames, .cuts = cuts, .first = b[k], .last = b[k + 1]};
            run(&part, n, b[k], b[k + 1] - b[k], &st);
            cr_assert_eq(st.frames_in, b[k + 1] - b[k]);
            for (int j = 0; j < part.n_out; j++, at++) {
                cr_assert_lt(at, whole.n_out);
                cr_assert_eq(part.pts[j], whole.pts[at], "N %d, segment %d, frame %d", segs, k, j);
                cr_assert_eq(part.val[j], whole.val[at], "N %d, segment %d, frame %d", segs, k, j);
            }
            /* the look-ahead goes through the stage only when interpolated with */
            int64_t la = b[k + 1];
            for (int64_t i = b[k]; i < b[k + 1]; i++)
                cr_expect_eq(part.staged[i], 1, "frame %lld staged once", (long long)i);
            if (la < frames)
                cr_expect_eq(part.staged[la], n > 1 && !scan_cuts[la], "look-ahead %lld",
                             (long long)la);
        }
        cr_assert_eq(at, whole.n_out, "N %d: %d frames, the whole run %d", segs, at, whole.n_out);
    }
}

Test(segment_plan, every_split_equals_one_run)
{
    static const int awkward[] = {1, 6, 7, 13, 0};
    check_splits(awkward, 14, 2);
    check_splits(awkward, 14, 3);
    check_splits(awkward, 14, 1);
    check_splits(NULL, 9, 2);
    free(scan_cuts);
    scan_cuts = NULL;
}

Test(segment_plan, several_workers_equal_one)
{
    static const int awkward[] = {1, 6, 7, 13, 0};
    for (workers = 2; workers <= 3; workers++) {
        check_splits(awkward, 14, 2);
        check_splits(awkward, 14, 1);
        check_splits(NULL, 9, 3);
    }
    free(scan_cuts);
    scan_cuts = NULL;
    workers = 1;
}

Test(segment_plan, several_workers_fail_and_stop)
{
    workers = 3;
    seq s = {.frames = 40, .last = 1 << 30, .fail_at = 9};
    or_pipe_stats st;
    or_err err;
    cr_assert_eq(run_status(&s, 2, 0, 0, &st, &err), OR_EDEVICE);
    cr_expect(strstr(err.msg, "frame 9") && strstr(err.msg, "stage broke"), "%s", err.msg);
    cr_expect_leq(s.n_out, 2 * 9, "nothing after the failed frame");
    for (int j = 1; j < s.n_out; j++)
        cr_expect_gt(s.pts[j], s.pts[j - 1], "in order");
    seq t = {.frames = 40, .last = 1 << 30};
    stop_after = 5;
    stop_flag = 0;
    cr_assert_eq(run_status(&t, 2, 0, 0, &st, &err), OR_OK, "%s", err.msg);
    cr_expect(st.stopped);
    cr_expect_lt(t.next, 40);
    stop_after = 0;
    stop_flag = 0;
    workers = 1;
}
