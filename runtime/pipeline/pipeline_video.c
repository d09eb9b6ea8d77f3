/* pipeline_video.c: read -> stages + interpolation -> write on three threads
 * (see pipeline.h for the frame and time-stamp rules); with several workers
 * (one per device) the middle is pipeline_workers.c. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline_video_internal.h"
#include "runtime/stages/scene.h"

void item_free(item *it)
{
    if (it) {
        or_image_free(&it->img);
        free(it);
    }
}

int stop_requested(const run_state *s)
{
    return s->p->stop && *s->p->stop;
}

int has_failed(run_state *s)
{
    pthread_mutex_lock(&s->lock);
    int f = s->failed;
    pthread_mutex_unlock(&s->lock);
    return f;
}

void fail(run_state *s, const or_err *e)
{
    pthread_mutex_lock(&s->lock);
    if (!s->failed) {
        s->failed = 1;
        s->err = *e;
    }
    pthread_mutex_unlock(&s->lock);
    or_queue_close(s->q_in);
    or_queue_close(s->q_out);
    or_workers_wake(s);
}

void mark_stopped(run_state *s)
{
    pthread_mutex_lock(&s->lock);
    s->st.stopped = 1;
    pthread_mutex_unlock(&s->lock);
}

static void *read_thread(void *arg)
{
    run_state *s = arg;
    const or_pipe_video *p = s->p;
    int detect = p->multiplier > 1 && p->scene_threshold > 0;
    /* thumbnails of the input frames as read (before any stage), this and the previous */
    float thumbs[2][OR_SCENE_THUMB * OR_SCENE_THUMB];
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
        if (detect) {
            or_scene_thumb(&it->img, thumbs[i & 1]);
            it->cut_before = i > 0 && or_scene_ssim_thumbs(thumbs[!(i & 1)], thumbs[i & 1]) <
                                          p->scene_threshold;
        }
        if (or_queue_push(s->q_in, it) != 0) {
            item_free(it);
            break;
        }
    }
    or_queue_close(s->q_in);
    return NULL;
}

int is_ahead(const or_pipe_video *p, const item *it)
{
    return p->emit_frames > 0 && it->in_index - p->index_base >= p->emit_frames;
}

int needs_stages(const or_pipe_video *p, const item *it)
{
    return !is_ahead(p, it) || (p->multiplier > 1 && !it->cut_before);
}

int run_stages(run_state *s, item *it, int worker)
{
    const or_pipe_video *p = s->p;
    for (int k = 0; k < p->n_stages; k++) {
        or_image out;
        or_err e;
        memset(&out, 0, sizeof out);
        void *ctx = p->workers > 1 ? p->worker_ctx[worker] : p->stages[k].ctx;
        if (p->stages[k].run(ctx, &it->img, &out, &e) != OR_OK) {
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

int make_group(run_state *s, item *a, const item *b, int worker, group *g)
{
    const or_pipe_video *p = s->p;
    int n = p->multiplier;
    memset(g, 0, sizeof *g);
    g->a = a;
    g->step = b ? b->pts - a->pts : p->frame_duration;
    g->cut = b && n > 1 && b->cut_before;
    g->interp = b && !g->cut;
    void *ctx = p->workers > 1 ? p->worker_ctx[worker] : p->interp_ctx;
    or_err e;
    for (int k = 1; k < n; k++) {
        or_status st = g->interp ? p->interp(ctx, &a->img, &b->img, (float)k / n, &g->mids[k - 1],
                                             &e)
                                 : or_image_copy(&a->img, &g->mids[k - 1], &e);
        if (st != OR_OK) {
            or_err_prefix(&e, "frame %lld, in-between %d of %d", (long long)a->in_index, k, n - 1);
            fail(s, &e);
            group_free(g, n);
            return -1;
        }
    }
    return 0;
}

void group_free(group *g, int n)
{
    for (int k = 0; k < n - 1; k++)
        or_image_free(&g->mids[k]);
    item_free(g->a);
    g->a = NULL;
}

int emit_group(run_state *s, group *g)
{
    int n = s->p->multiplier;
    item *a = g->a;
    s->st.cuts += g->cut;
    s->st.interpolated += g->interp ? n - 1 : 0;
    int rc = emit(s, &a->img, a->pts * n, a->in_index);
    for (int k = 1; k < n; k++) {
        if (rc == 0)
            rc = emit(s, &g->mids[k - 1], a->pts * n + k * g->step, a->in_index);
    }
    group_free(g, n);
    return rc;
}

/* Emit a (taking it) and the n-1 frames between a and b (b NULL: a's
 * duplicates at frame_duration steps). */
static int emit_with_inbetweens(run_state *s, item *a, const item *b)
{
    group g;
    if (make_group(s, a, b, 0, &g) != 0)
        return -1;
    return emit_group(s, &g);
}

static void *process_thread(void *arg)
{
    run_state *s = arg;
    const or_pipe_video *p = s->p;
    item *prev = NULL, *it;
    int ok = 1;
    while ((it = or_queue_pop(s->q_in))) {
        if (has_failed(s)) {
            item_free(it);
            ok = 0;
            break;
        }
        int ahead = is_ahead(p, it);
        /* the look-ahead frame goes through the stages only when it is interpolated with */
        if (needs_stages(p, it) && run_stages(s, it, 0) != 0) {
            item_free(it);
            ok = 0;
            break;
        }
        s->st.frames_in += !ahead;
        if (prev && emit_with_inbetweens(s, prev, it) != 0) {
            prev = NULL;
            item_free(it);
            ok = 0;
            break;
        }
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
    if (ok && prev && !has_failed(s)) {
        emit_with_inbetweens(s, prev, NULL);
        prev = NULL;
    }
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
    if (p->workers > 1 && (!p->worker_ctx || p->workers > OR_PIPE_MAX_WORKERS))
        return or_errf(err, OR_EINVAL, "%d workers: expected 1..%d, each with its context",
                       p->workers, OR_PIPE_MAX_WORKERS);
    run_state s;
    memset(&s, 0, sizeof s);
    s.p = p;
    pthread_mutex_init(&s.lock, NULL);
    or_status st = or_queue_new(p->load_depth, &s.q_in, err);
    if (st == OR_OK && (st = or_queue_new(p->save_depth, &s.q_out, err)) != OR_OK)
        or_queue_free(s.q_in);
    if (st == OR_OK && p->workers > 1 && (st = or_workers_new(&s, err)) != OR_OK) {
        or_queue_free(s.q_in);
        or_queue_free(s.q_out);
    }
    if (st != OR_OK) {
        pthread_mutex_destroy(&s.lock);
        return st;
    }
    pthread_t tr, tp, tw;
    pthread_create(&tr, NULL, read_thread, &s);
    pthread_create(&tw, NULL, write_thread, &s);
    if (p->workers > 1) {
        or_workers_run(&s);
    } else {
        pthread_create(&tp, NULL, process_thread, &s);
        pthread_join(tp, NULL);
    }
    pthread_join(tr, NULL);
    pthread_join(tw, NULL);
    or_workers_free(&s);
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
