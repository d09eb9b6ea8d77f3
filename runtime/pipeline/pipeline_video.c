/* pipeline_video.c: read -> stages + interpolation -> write on three threads
 * (see pipeline.h for the frame and time-stamp rules). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"
#include "runtime/stages/scene.h"

typedef struct {
    or_image img;
    int64_t pts;
    int64_t in_index; /* input frame it belongs to */
    int cut_before;   /* a scene cut between the previous input frame and this one */
} item;

typedef struct {
    const or_pipe_video *p;
    or_queue *q_in, *q_out;
    pthread_mutex_t lock;
    int failed;
    or_err err;
    or_pipe_stats st;
} run_state;

static void item_free(item *it)
{
    if (it) {
        or_image_free(&it->img);
        free(it);
    }
}

static int stop_requested(const run_state *s)
{
    return s->p->stop && *s->p->stop;
}

static int has_failed(run_state *s)
{
    pthread_mutex_lock(&s->lock);
    int f = s->failed;
    pthread_mutex_unlock(&s->lock);
    return f;
}

static void fail(run_state *s, const or_err *e)
{
    pthread_mutex_lock(&s->lock);
    if (!s->failed) {
        s->failed = 1;
        s->err = *e;
    }
    pthread_mutex_unlock(&s->lock);
    or_queue_close(s->q_in);
    or_queue_close(s->q_out);
}

static void mark_stopped(run_state *s)
{
    pthread_mutex_lock(&s->lock);
    s->st.stopped = 1;
    pthread_mutex_unlock(&s->lock);
}

static void *read_thread(void *arg)
{
    run_state *s = arg;
    const or_pipe_video *p = s->p;
    for (int64_t i = 0;; i++) {
        if (stop_requested(s)) {
            mark_stopped(s);
            break;
        }
        if (has_failed(s))
            break;
        item *it = calloc(1, sizeof *it);
        or_err e;
        int got = 0;
        if (!it) {
            or_errf(&e, OR_ENOMEM, "out of memory for a frame");
            fail(s, &e);
            break;
        }
        if (p->read(p->read_ctx, &it->img, &it->pts, &got, &e) != OR_OK) {
            item_free(it);
            fail(s, &e);
            break;
        }
        if (!got) {
            item_free(it);
            break;
        }
        it->in_index = p->index_base + i;
        if (or_queue_push(s->q_in, it) != 0) {
            item_free(it);
            break;
        }
    }
    or_queue_close(s->q_in);
    return NULL;
}

/* Run the stages on it->img in place; 0 ok. */
static int run_stages(run_state *s, item *it)
{
    const or_pipe_video *p = s->p;
    for (int k = 0; k < p->n_stages; k++) {
        or_image out;
        or_err e;
        memset(&out, 0, sizeof out);
        if (p->stages[k].run(p->stages[k].ctx, &it->img, &out, &e) != OR_OK) {
            or_image_free(&out);
            or_err_prefix(&e, "frame %lld, %s", (long long)it->in_index, OR_ESC(p->stages[k].name));
            fail(s, &e);
            return -1;
        }
        or_image_free(&it->img);
        it->img = out;
    }
    return 0;
}

/* Queue an output frame (takes img); 0 ok. */
static int emit(run_state *s, or_image *img, int64_t pts, int64_t in_index)
{
    item *o = calloc(1, sizeof *o);
    if (!o) {
        or_err e;
        or_errf(&e, OR_ENOMEM, "out of memory for a frame");
        or_image_free(img);
        fail(s, &e);
        return -1;
    }
    o->img = *img;
    memset(img, 0, sizeof *img);
    o->pts = pts, o->in_index = in_index;
    if (or_queue_push(s->q_out, o) != 0) {
        item_free(o);
        return -1;
    }
    s->st.frames_out++;
    return 0;
}

/* Emit a (taking its image) and the n-1 frames between a and b (b NULL: a's
 * duplicates at frame_duration steps). */
static int emit_with_inbetweens(run_state *s, item *a, const item *b)
{
    const or_pipe_video *p = s->p;
    int n = p->multiplier;
    int64_t step = b ? b->pts - a->pts : p->frame_duration;
    int cut = b && n > 1 && b->cut_before;
    s->st.cuts += cut;
    or_image mids[64];
    int made = 0;
    or_err e;
    for (int k = 1; k < n; k++, made++) {
        memset(&mids[made], 0, sizeof mids[made]);
        or_status st = b && !cut ? p->interp(p->interp_ctx, &a->img, &b->img, (float)k / n,
                                             &mids[made], &e)
                                 : or_image_copy(&a->img, &mids[made], &e);
        if (st != OR_OK) {
            or_err_prefix(&e, "frame %lld, in-between %d of %d", (long long)a->in_index, k, n - 1);
            fail(s, &e);
            for (int j = 0; j <= made; j++)
                or_image_free(&mids[j]);
            return -1;
        }
        s->st.interpolated += b && !cut;
    }
    int rc = emit(s, &a->img, a->pts * n, a->in_index);
    for (int k = 1; k < n; k++) {
        if (rc == 0)
            rc = emit(s, &mids[k - 1], a->pts * n + k * step, a->in_index);
        else
            or_image_free(&mids[k - 1]);
    }
    return rc;
}

/* 1 when it is the look-ahead frame (see pipeline.h: emit_frames). */
static int is_ahead(const or_pipe_video *p, const item *it)
{
    return p->emit_frames > 0 && it->in_index - p->index_base >= p->emit_frames;
}

static void *process_thread(void *arg)
{
    run_state *s = arg;
    const or_pipe_video *p = s->p;
    item *prev = NULL, *it;
    int ok = 1, detect = p->multiplier > 1 && p->scene_threshold > 0;
    /* thumbnails of the input frames as read (before any stage), this and the previous */
    float thumbs[2][OR_SCENE_THUMB * OR_SCENE_THUMB];
    int cur = 0;
    while ((it = or_queue_pop(s->q_in))) {
        if (has_failed(s)) {
            item_free(it);
            ok = 0;
            break;
        }
        int ahead = is_ahead(p, it);
        if (detect) {
            or_scene_thumb(&it->img, thumbs[cur]);
            it->cut_before = prev && or_scene_ssim_thumbs(thumbs[!cur], thumbs[cur]) <
                                         p->scene_threshold;
            cur = !cur;
        }
        /* the look-ahead frame goes through the stages only when it is interpolated with */
        int staged = !ahead || (p->multiplier > 1 && !it->cut_before);
        if (staged && run_stages(s, it) != 0) {
            item_free(it);
            ok = 0;
            break;
        }
        s->st.frames_in += !ahead;
        if (prev && emit_with_inbetweens(s, prev, it) != 0) {
            item_free(it);
            ok = 0;
            break;
        }
        item_free(prev);
        prev = it;
        if (ahead) { /* the end: prev was emitted with its in-betweens */
            item_free(prev);
            prev = NULL;
            break;
        }
        if (p->on_frame)
            p->on_frame(p->on_frame_ctx, it->in_index);
        if (stop_requested(s)) {
            mark_stopped(s);
            ok = 0;
            break;
        }
    }
    if (ok && prev && !has_failed(s))
        emit_with_inbetweens(s, prev, NULL);
    item_free(prev);
    or_queue_close(s->q_in); /* the reader stops if still running */
    or_queue_close(s->q_out);
    return NULL;
}

static void *write_thread(void *arg)
{
    run_state *s = arg;
    const or_pipe_video *p = s->p;
    int64_t done = 0;
    item *it;
    while ((it = or_queue_pop(s->q_out))) {
        if (!has_failed(s) && !stop_requested(s)) {
            or_err e;
            if (p->write(p->write_ctx, &it->img, it->pts, &e) != OR_OK)
                fail(s, &e);
            else if (p->progress)
                p->progress(p->progress_ctx, it->in_index + 1, ++done);
        }
        item_free(it);
    }
    return NULL;
}

or_status or_pipe_video_run(const or_pipe_video *p, or_pipe_stats *stats, or_err *err)
{
    if (p->multiplier < 1 || p->multiplier > 64 || (p->multiplier > 1 && !p->interp))
        return or_errf(err, OR_EINVAL, "interpolation multiplier %d: expected 1..64 %s",
                       p->multiplier, p->multiplier > 1 ? "with an interpolation" : "");
    run_state s;
    memset(&s, 0, sizeof s);
    s.p = p;
    pthread_mutex_init(&s.lock, NULL);
    or_status st = or_queue_new(p->load_depth, &s.q_in, err);
    if (st == OR_OK && (st = or_queue_new(p->save_depth, &s.q_out, err)) != OR_OK)
        or_queue_free(s.q_in);
    if (st != OR_OK) {
        pthread_mutex_destroy(&s.lock);
        return st;
    }
    pthread_t tr, tp, tw;
    pthread_create(&tr, NULL, read_thread, &s);
    pthread_create(&tp, NULL, process_thread, &s);
    pthread_create(&tw, NULL, write_thread, &s);
    pthread_join(tr, NULL);
    pthread_join(tp, NULL);
    pthread_join(tw, NULL);
    item *left;
    while ((left = or_queue_pop(s.q_in)))
        item_free(left);
    while ((left = or_queue_pop(s.q_out)))
        item_free(left);
    s.st.load_high = or_queue_high_water(s.q_in);
    s.st.save_high = or_queue_high_water(s.q_out);
    or_queue_free(s.q_in);
    or_queue_free(s.q_out);
    pthread_mutex_destroy(&s.lock);
    if (s.failed)
        s.st.stopped = 0;
    if (stats)
        *stats = s.st;
    if (s.failed) {
        if (err)
            *err = s.err;
        return s.err.code ? s.err.code : OR_EIO;
    }
    return OR_OK;
}
