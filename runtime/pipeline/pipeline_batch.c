/* pipeline_batch.c: a folder of independent images through load threads, one
 * process thread and save threads (see pipeline.h); and the -j parser. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline.h"

typedef struct {
    int job;
    or_image img;
} bitem;

typedef struct {
    const or_pipe_batch *b;
    or_queue *q_in, *q_out;
    pthread_mutex_t lock;
    int next, failed, stopped;
} bstate;

static int stop_requested(const bstate *s)
{
    return s->b->stop && *s->b->stop;
}

static void report(bstate *s, int job, or_status st, const or_err *e)
{
    pthread_mutex_lock(&s->lock);
    s->failed += st != OR_OK;
    if (s->b->report)
        s->b->report(s->b->ctx, job, st, e);
    pthread_mutex_unlock(&s->lock);
}

static void bitem_free(bitem *it)
{
    if (it) {
        or_image_free(&it->img);
        free(it);
    }
}

static int take_job(bstate *s)
{
    pthread_mutex_lock(&s->lock);
    int j = -1;
    if (stop_requested(s))
        s->stopped = 1;
    else if (s->next < s->b->jobs)
        j = s->next++;
    pthread_mutex_unlock(&s->lock);
    return j;
}

static void *load_thread(void *arg)
{
    bstate *s = arg;
    int j;
    while ((j = take_job(s)) >= 0) {
        bitem *it = calloc(1, sizeof *it);
        or_err e;
        or_status st = it ? s->b->load(s->b->ctx, j, &it->img, &e)
                          : or_errf(&e, OR_ENOMEM, "out of memory");
        if (st != OR_OK) {
            report(s, j, st, &e);
            bitem_free(it);
            continue;
        }
        it->job = j;
        if (or_queue_push(s->q_in, it) != 0) {
            bitem_free(it);
            break;
        }
    }
    return NULL;
}

static void *process_thread(void *arg)
{
    bstate *s = arg;
    bitem *it;
    while ((it = or_queue_pop(s->q_in))) {
        bitem *o = calloc(1, sizeof *o);
        or_err e;
        or_status st = o ? s->b->process(s->b->ctx, it->job, &it->img, &o->img, &e)
                         : or_errf(&e, OR_ENOMEM, "out of memory");
        if (st != OR_OK) {
            report(s, it->job, st, &e);
            bitem_free(o);
        } else {
            o->job = it->job;
            if (or_queue_push(s->q_out, o) != 0)
                bitem_free(o);
        }
        bitem_free(it);
        if (stop_requested(s)) {
            pthread_mutex_lock(&s->lock);
            s->stopped = 1;
            pthread_mutex_unlock(&s->lock);
            or_queue_close(s->q_in);
        }
    }
    return NULL;
}

static void *save_thread(void *arg)
{
    bstate *s = arg;
    bitem *it;
    while ((it = or_queue_pop(s->q_out))) {
        or_err e;
        or_status st = s->b->save(s->b->ctx, it->job, &it->img, &e);
        report(s, it->job, st, &e);
        bitem_free(it);
    }
    return NULL;
}

or_status or_pipe_batch_run(const or_pipe_batch *b, int *failed, int *stopped, or_err *err)
{
    int nl = b->load_threads < 1 ? 1 : b->load_threads > 64 ? 64 : b->load_threads;
    int ns = b->save_threads < 1 ? 1 : b->save_threads > 64 ? 64 : b->save_threads;
    bstate s;
    memset(&s, 0, sizeof s);
    s.b = b;
    OR_TRY(or_queue_new(nl, &s.q_in, err));
    or_status st = or_queue_new(ns, &s.q_out, err);
    if (st != OR_OK) {
        or_queue_free(s.q_in);
        return st;
    }
    pthread_mutex_init(&s.lock, NULL);
    pthread_t tl[64], tp, ts[64];
    for (int i = 0; i < nl; i++)
        pthread_create(&tl[i], NULL, load_thread, &s);
    pthread_create(&tp, NULL, process_thread, &s);
    for (int i = 0; i < ns; i++)
        pthread_create(&ts[i], NULL, save_thread, &s);
    for (int i = 0; i < nl; i++)
        pthread_join(tl[i], NULL);
    or_queue_close(s.q_in);
    pthread_join(tp, NULL);
    or_queue_close(s.q_out);
    for (int i = 0; i < ns; i++)
        pthread_join(ts[i], NULL);
    bitem *left;
    while ((left = or_queue_pop(s.q_in)))
        bitem_free(left);
    or_queue_free(s.q_in);
    or_queue_free(s.q_out);
    pthread_mutex_destroy(&s.lock);
    *failed = s.failed;
    *stopped = s.stopped;
    return OR_OK;
}

static int parse_count(const char *s, size_t n, int *out)
{
    if (!n)
        return 0; /* keep the default */
    char buf[16];
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *end;
    errno = 0;
    long v = strtol(buf, &end, 10);
    if (errno || *end || v < 1 || v > 64)
        return -1;
    *out = (int)v;
    return 0;
}

or_status or_pipe_parse_threads(const char *s, int *load, int *proc, int *save, or_err *err)
{
    int *dst[3] = {load, proc, save};
    const char *p = s;
    for (int k = 0; k < 3; k++) {
        const char *colon = strchr(p, ':');
        size_t n = colon ? (size_t)(colon - p) : strlen(p);
        if (parse_count(p, n, dst[k]) != 0 || (k == 2 && colon))
            return or_errf(err, OR_EINVAL,
                           "-j %s: expected load:proc:save thread counts, each 1..64", s);
        if (!colon)
            break;
        p = colon + 1;
    }
    return OR_OK;
}
