/* test_pipeline.c: runtime/pipeline/pipeline.h without files or networks: frame
 * multiplication, time stamps, scene-cut duplication, the last frame's
 * repeats, stopping, error propagation, bounded queues, the folder runner
 * with a failing item, and -j parsing.  Frames are 8x6 gray images whose value
 * encodes the input index (scene A) or is a checkerboard (scene B). */
#include <criterion/criterion.h>
#include <pthread.h>
#include <string.h>

#include "runtime/pipeline/pipeline.h"
#include "runtime/stages/scene.h"

#define MAXOUT 1024

typedef struct {
    int frames, cut_at, fail_stage_at, fail_write_at, stop_after;
    int64_t pts_step;
    volatile sig_atomic_t stop;
    int next;
    /* recorded */
    int n_out;
    int64_t pts[MAXOUT];
    float val[MAXOUT];
    float ts[MAXOUT];
    int n_interp;
    pthread_mutex_t lock;
} seq;

static void fill(or_image *img, int i, int cut_at)
{
    or_image_alloc(img, 32, 24, 1, 0, NULL);
    for (int y = 0; y < 24; y++)
        for (int x = 0; x < 32; x++)
            img->planes[y * 32 + x] =
                cut_at && i >= cut_at ? (((x / 4 + y / 4) & 1) ? 0.9f : 0.1f)
                                      : 0.2f + 0.01f * i + 0.005f * x;
}

static or_status rd(void *ctx, or_image *img, int64_t *pts, int *got, or_err *err)
{
    seq *s = ctx;
    *got = 0;
    if (s->next >= s->frames)
        return OR_OK;
    fill(img, s->next, s->cut_at);
    *pts = 1000 + s->next * s->pts_step; /* a start offset, as streams have */
    s->next++;
    *got = 1;
    return OR_OK;
}

/* A stage: + 0.001 (and fails at one frame when asked). */
static or_status stage(void *ctx, const or_image *in, or_image *out, or_err *err)
{
    seq *s = ctx;
    if (s->fail_stage_at && in->planes[0] > 0.2f + 0.01f * s->fail_stage_at - 1e-4f &&
        in->planes[0] < 0.2f + 0.01f * s->fail_stage_at + 1e-4f)
        return or_errf(err, OR_EDEVICE, "stage broke");
    OR_TRY(or_image_copy(in, out, err));
    for (int i = 0; i < in->width * in->height; i++)
        out->planes[i] += 0.001f;
    return OR_OK;
}

static or_status interp(void *ctx, const or_image *a, const or_image *b, float t, or_image *out,
                        or_err *err)
{
    seq *s = ctx;
    OR_TRY(or_image_copy(a, out, err));
    for (int i = 0; i < a->width * a->height; i++)
        out->planes[i] = (1 - t) * a->planes[i] + t * b->planes[i];
    pthread_mutex_lock(&s->lock);
    s->ts[s->n_interp++] = t;
    pthread_mutex_unlock(&s->lock);
    return OR_OK;
}

static or_status wr(void *ctx, const or_image *img, int64_t pts, or_err *err)
{
    seq *s = ctx;
    if (s->fail_write_at && s->n_out == s->fail_write_at)
        return or_errf(err, OR_EIO, "out.mkv: disk full");
    cr_assert_lt(s->n_out, MAXOUT);
    s->pts[s->n_out] = pts;
    s->val[s->n_out] = img->planes[0];
    s->n_out++;
    return OR_OK;
}

static void on_frame(void *ctx, int64_t i)
{
    seq *s = ctx;
    if (s->stop_after && i + 1 >= s->stop_after)
        s->stop = 1;
}

static or_status run(seq *s, int n, int with_stage, or_pipe_stats *st, or_err *err)
{
    pthread_mutex_init(&s->lock, NULL);
    or_pipe_stage stg = {"test stage", stage, s};
    or_pipe_video p = {.read = rd, .read_ctx = s, .stages = &stg, .n_stages = with_stage,
                       .multiplier = n, .interp = interp, .interp_ctx = s,
                       .scene_threshold = OR_SCENE_THRESHOLD, .frame_duration = s->pts_step,
                       .write = wr, .write_ctx = s, .load_depth = 2, .save_depth = 3,
                       .stop = &s->stop, .on_frame = on_frame, .on_frame_ctx = s};
    return or_pipe_video_run(&p, st, err);
}

Test(pipeline, multiplier_one_is_a_copy_in_order)
{
    seq s = {.frames = 20, .pts_step = 100};
    or_pipe_stats st;
    or_err err;
    cr_assert_eq(run(&s, 1, 1, &st, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(s.n_out, 20);
    cr_assert_eq(st.frames_in, 20);
    for (int i = 0; i < 20; i++) {
        cr_assert_eq(s.pts[i], 1000 + 100 * i);
        cr_assert_float_eq(s.val[i], 0.2f + 0.01f * i + 0.001f, 1e-6);
    }
    cr_assert_leq(st.load_high, 2);
    cr_assert_leq(st.save_high, 3);
}

/* n = 4: 4N frames, pts = 4p + k*step, t = 1/4, 2/4, 3/4, last frame repeated. */
Test(pipeline, multiplier_four_timestamps_and_tail)
{
    seq s = {.frames = 5, .pts_step = 30};
    or_pipe_stats st;
    or_err err;
    cr_assert_eq(run(&s, 4, 0, &st, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(s.n_out, 20);
    cr_assert_eq(st.frames_out, 20);
    cr_assert_eq(st.interpolated, 4 * 3);
    cr_assert_eq(st.cuts, 0);
    for (int j = 0; j < 20; j++) {
        int i = j / 4, k = j % 4;
        cr_assert_eq(s.pts[j], 4 * (1000 + 30 * i) + k * 30, "frame %d", j);
        float a = 0.2f + 0.01f * i, b = i < 4 ? 0.2f + 0.01f * (i + 1) : a;
        cr_assert_float_eq(s.val[j], a + (b - a) * k / 4.0f, 1e-6, "frame %d", j);
    }
    for (int q = 0; q < s.n_interp; q++)
        cr_assert_float_eq(s.ts[q], (q % 3 + 1) / 4.0f, 1e-7);
}

Test(pipeline, scene_cut_duplicates_instead_of_interpolating)
{
    seq s = {.frames = 8, .pts_step = 10, .cut_at = 5};
    or_pipe_stats st;
    or_err err;
    cr_assert_eq(run(&s, 2, 0, &st, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(s.n_out, 16);
    cr_assert_eq(st.cuts, 1);
    cr_assert_eq(st.interpolated, 6 - 0); /* pairs 0-1 .. 3-4 and 5-6, 6-7: 6 blends */
    cr_assert_float_eq(s.val[9], s.val[8], 1e-7, "4 -> 5 is a cut: frame 4 repeated");
    cr_assert_neq(s.val[9], s.val[10]);
    cr_assert_float_eq(s.val[3], (s.val[2] + s.val[4]) / 2, 1e-6, "a real in-between");
    /* threshold 0 disables the detection */
    seq s2 = {.frames = 8, .pts_step = 10, .cut_at = 5};
    pthread_mutex_init(&s2.lock, NULL);
    or_pipe_video p = {.read = rd, .read_ctx = &s2, .multiplier = 2, .interp = interp,
                       .interp_ctx = &s2, .scene_threshold = 0, .frame_duration = 10,
                       .write = wr, .write_ctx = &s2, .load_depth = 1, .save_depth = 1};
    cr_assert_eq(or_pipe_video_run(&p, &st, &err), OR_OK);
    cr_assert_eq(st.cuts, 0);
    cr_assert_eq(st.interpolated, 7);
}

Test(pipeline, ssim_of_thumbnails)
{
    or_image a, b, c;
    fill(&a, 0, 0);
    fill(&b, 1, 0);
    fill(&c, 6, 5);
    cr_assert_float_eq(or_scene_ssim(&a, &a), 1.0, 1e-9);
    cr_assert_gt(or_scene_ssim(&a, &b), 0.5);
    cr_assert_lt(or_scene_ssim(&a, &c), OR_SCENE_THRESHOLD);
    cr_assert(or_scene_is_cut(&a, &c, OR_SCENE_THRESHOLD));
    cr_assert_not(or_scene_is_cut(&a, &c, 0));
    or_image_free(&a);
    or_image_free(&b);
    or_image_free(&c);
}

Test(pipeline, stop_after_k_frames)
{
    seq s = {.frames = 200, .pts_step = 10, .stop_after = 3};
    or_pipe_stats st;
    or_err err;
    cr_assert_eq(run(&s, 2, 1, &st, &err), OR_OK, "%s", err.msg);
    cr_assert(st.stopped);
    cr_assert_eq(st.frames_in, 3, "the frame in hand is finished, no more");
    cr_assert_lt(s.next, 200);
}

Test(pipeline, errors_stop_everything_and_name_the_frame)
{
    seq s = {.frames = 50, .pts_step = 10, .fail_stage_at = 7};
    or_pipe_stats st;
    or_err err;
    cr_assert_eq(run(&s, 1, 1, &st, &err), OR_EDEVICE);
    cr_assert(strstr(err.msg, "frame 7") && strstr(err.msg, "test stage") &&
                  strstr(err.msg, "stage broke"),
              "%s", err.msg);
    cr_assert_leq(s.n_out, 7);
    cr_assert_not(st.stopped);
    seq w = {.frames = 50, .pts_step = 10, .fail_write_at = 4};
    cr_assert_eq(run(&w, 2, 0, &st, &err), OR_EIO);
    cr_assert(strstr(err.msg, "disk full"), "%s", err.msg);
    cr_assert_eq(w.n_out, 4);
    or_pipe_video bad = {.read = rd, .multiplier = 2, .write = wr, .load_depth = 1,
                         .save_depth = 1};
    cr_assert_eq(or_pipe_video_run(&bad, &st, &err), OR_EINVAL, "n > 1 needs interp");
}

/* ---- folders ------------------------------------------------------------------------ */

typedef struct {
    int bad_load, bad_save;
    int reported[64];
    or_status status[64];
    int saved[64];
    pthread_mutex_t lock;
} batch;

static or_status b_load(void *ctx, int j, or_image *img, or_err *err)
{
    batch *b = ctx;
    if (j == b->bad_load)
        return or_errf(err, OR_EFORMAT, "img%d.png: broken", j);
    fill(img, j, 0);
    return OR_OK;
}

static or_status b_process(void *ctx, int j, const or_image *in, or_image *out, or_err *err)
{
    return or_image_copy(in, out, err);
}

static or_status b_save(void *ctx, int j, const or_image *img, or_err *err)
{
    batch *b = ctx;
    if (j == b->bad_save)
        return or_errf(err, OR_EIO, "out%d.png: disk full", j);
    pthread_mutex_lock(&b->lock);
    b->saved[j]++;
    pthread_mutex_unlock(&b->lock);
    return OR_OK;
}

static void b_report(void *ctx, int j, or_status st, const or_err *err)
{
    batch *b = ctx;
    b->reported[j]++;
    b->status[j] = st;
}

Test(pipeline, folder_with_broken_items)
{
    batch b = {.bad_load = 3, .bad_save = 11};
    pthread_mutex_init(&b.lock, NULL);
    or_pipe_batch p = {.jobs = 40, .load = b_load, .process = b_process, .save = b_save,
                       .report = b_report, .ctx = &b, .load_threads = 3, .save_threads = 2};
    int failed, stopped;
    or_err err;
    cr_assert_eq(or_pipe_batch_run(&p, &failed, &stopped, &err), OR_OK);
    cr_assert_eq(failed, 2);
    cr_assert_eq(stopped, 0);
    for (int j = 0; j < 40; j++) {
        cr_assert_eq(b.reported[j], 1, "job %d reported once", j);
        cr_assert_eq(b.saved[j], j != 3 && j != 11, "job %d", j);
        cr_assert_eq(b.status[j] == OR_OK, j != 3 && j != 11);
    }
}

Test(pipeline, thread_counts)
{
    int l = 1, p = 2, s = 2;
    or_err err;
    cr_assert_eq(or_pipe_parse_threads("4:1:3", &l, &p, &s, &err), OR_OK);
    cr_assert(l == 4 && p == 1 && s == 3);
    cr_assert_eq(or_pipe_parse_threads("2", &l, &p, &s, &err), OR_OK);
    cr_assert(l == 2 && p == 1 && s == 3);
    cr_assert_eq(or_pipe_parse_threads("::5", &l, &p, &s, &err), OR_OK);
    cr_assert(l == 2 && p == 1 && s == 5);
    const char *bad[] = {"0:1:1", "1:2:3:4", "a", "1:x", "100", "-1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_eq(or_pipe_parse_threads(bad[i], &l, &p, &s, &err), OR_EINVAL, "%s", bad[i]);
}
