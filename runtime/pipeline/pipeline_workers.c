/* pipeline_workers.c: several processing threads, one per device (see
 * pipeline.h, or_pipe_video.workers).
 *
 * The workers take input frames from the read queue in turn.  Worker w
 * stages its frame i on its device and publishes it; then it takes frame
 * i-1 (published by another worker, waiting for it if need be) and makes
 * i-1's output group: frame i-1 and its in-betweens with i.  Groups are
 * emitted strictly in order by whichever worker completes the next one, so
 * the output is the single thread's, frame for frame.  Frame i is read by
 * two groups (as the partner of i-1, as the first frame of i); it is freed
 * when group i is emitted, which is after group i-1 (the other reader) was
 * made: the order of emission is what makes the sharing safe.  At most
 * workers + 1 staged frames and workers groups wait at any time. */
#include <stdlib.h>
#include <string.h>

#include "pipeline_video_internal.h"

#define SLOTS (4 * OR_PIPE_MAX_WORKERS + 4)

struct or_workers {
    pthread_mutex_t m;
    pthread_cond_t c;
    run_state *s;
    item *staged[SLOTS]; /* staged frames whose group is not made yet */
    group *done[SLOTS];  /* groups made, waiting for their turn */
    int64_t next;        /* in_index of the next group to emit */
    int abort;           /* a failure: stop waiting */
};

typedef struct {
    run_state *s;
    int w;
} worker_arg;

static int put(void **list, void *v)
{
    for (int i = 0; i < SLOTS; i++)
        if (!list[i]) {
            list[i] = v;
            return 0;
        }
    return -1;
}

static item *take_staged(or_workers *W, int64_t index)
{
    for (int i = 0; i < SLOTS; i++)
        if (W->staged[i] && W->staged[i]->in_index == index) {
            item *it = W->staged[i];
            W->staged[i] = NULL;
            return it;
        }
    return NULL;
}

static group *take_done(or_workers *W, int64_t index)
{
    for (int i = 0; i < SLOTS; i++)
        if (W->done[i] && W->done[i]->a->in_index == index) {
            group *g = W->done[i];
            W->done[i] = NULL;
            return g;
        }
    return NULL;
}

static void overflow(run_state *s)
{
    or_err e;
    or_errf(&e, OR_ENOMEM, "pipeline: too many frames in flight between the workers");
    fail(s, &e);
}

/* Hand g over; emit every group whose turn it is (in order, under the lock). */
static void deliver(or_workers *W, group *g)
{
    run_state *s = W->s;
    pthread_mutex_lock(&W->m);
    if (put((void **)W->done, g) != 0) {
        group_free(g, s->p->multiplier);
        free(g);
        pthread_mutex_unlock(&W->m);
        overflow(s);
        return;
    }
    while ((g = take_done(W, W->next))) {
        W->next++;
        emit_group(s, g); /* frees the group's frames; a failure is recorded by fail() */
        free(g);
    }
    pthread_mutex_unlock(&W->m);
}

/* Make a's group with b (b NULL: the last frame) and deliver it; 0 ok. */
static int make_and_deliver(or_workers *W, item *a, const item *b, int worker)
{
    group *g = malloc(sizeof *g);
    if (!g) {
        item_free(a);
        overflow(W->s);
        return -1;
    }
    if (make_group(W->s, a, b, worker, g) != 0) {
        free(g);
        return -1;
    }
    deliver(W, g);
    return 0;
}

static void *worker(void *arg)
{
    worker_arg *wa = arg;
    run_state *s = wa->s;
    or_workers *W = s->w;
    const or_pipe_video *p = s->p;
    item *it;
    for (;;) {
        if (has_failed(s))
            break;
        if (stop_requested(s)) {
            mark_stopped(s);
            break;
        }
        if (!(it = or_queue_pop(s->q_in)))
            break;
        if (needs_stages(p, it) && run_stages(s, it, wa->w) != 0) {
            item_free(it);
            break;
        }
        /* once published, it may be emitted and freed by another worker as soon as
         * the group before it is out: what is needed of it afterwards, taken now
         * (it stays valid while this worker makes that group with it) */
        int64_t index = it->in_index;
        int ahead = is_ahead(p, it);
        pthread_mutex_lock(&W->m);
        s->st.frames_in += !ahead;
        int full = put((void **)W->staged, it) != 0;
        pthread_cond_broadcast(&W->c);
        item *prev = NULL;
        while (!full && index > p->index_base && !(prev = take_staged(W, index - 1)) &&
               !W->abort)
            pthread_cond_wait(&W->c, &W->m);
        pthread_mutex_unlock(&W->m);
        if (full) {
            item_free(it);
            overflow(s);
            break;
        }
        if (prev && make_and_deliver(W, prev, it, wa->w) != 0)
            break;
        if (p->on_frame && !ahead)
            p->on_frame(p->on_frame_ctx, index);
    }
    return NULL;
}

void or_workers_wake(run_state *s)
{
    or_workers *W = s->w;
    if (!W)
        return;
    pthread_mutex_lock(&W->m);
    W->abort = 1;
    pthread_cond_broadcast(&W->c);
    pthread_mutex_unlock(&W->m);
}

or_status or_workers_new(run_state *s, or_err *err)
{
    or_workers *W = calloc(1, sizeof *W);
    if (!W)
        return or_errf(err, OR_ENOMEM, "out of memory for the pipeline's workers");
    /* recursive: a failure inside deliver() (fail -> or_workers_wake) takes it again */
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&W->m, &a);
    pthread_mutexattr_destroy(&a);
    pthread_cond_init(&W->c, NULL);
    W->s = s;
    W->next = s->p->index_base;
    s->w = W;
    return OR_OK;
}

void or_workers_free(run_state *s)
{
    or_workers *W = s->w;
    if (!W)
        return;
    const or_pipe_video *p = s->p;
    for (int i = 0; i < SLOTS; i++) {
        item_free(W->staged[i]);
        if (W->done[i]) {
            group_free(W->done[i], p->multiplier);
            free(W->done[i]);
        }
    }
    pthread_cond_destroy(&W->c);
    pthread_mutex_destroy(&W->m);
    free(W);
    s->w = NULL;
}

void or_workers_run(run_state *s)
{
    const or_pipe_video *p = s->p;
    or_workers *W = s->w;
    pthread_t t[OR_PIPE_MAX_WORKERS];
    worker_arg args[OR_PIPE_MAX_WORKERS];
    for (int w = 0; w < p->workers; w++) {
        args[w] = (worker_arg){s, w};
        pthread_create(&t[w], NULL, worker, &args[w]);
    }
    for (int w = 0; w < p->workers; w++)
        pthread_join(t[w], NULL);
    /* the one frame left staged: the last (its repeats), or the look-ahead (dropped) */
    item *last = NULL;
    pthread_mutex_lock(&s->lock);
    int ended = !s->failed && !s->st.stopped;
    pthread_mutex_unlock(&s->lock);
    for (int i = 0; i < SLOTS; i++) {
        item *it = W->staged[i];
        W->staged[i] = NULL;
        if (it && ended && !is_ahead(p, it) && !last)
            last = it;
        else
            item_free(it);
    }
    if (last)
        make_and_deliver(W, last, NULL, 0);
    or_queue_close(s->q_in); /* the reader stops if still running */
    or_queue_close(s->q_out);
}
