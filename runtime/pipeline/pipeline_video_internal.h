/* pipeline_video_internal.h: what pipeline_video.c (the read and write
 * threads, one processing thread) shares with pipeline_workers.c (several
 * processing threads, one per device).  Not a public API. */
#ifndef OR_PIPELINE_VIDEO_INTERNAL_H
#define OR_PIPELINE_VIDEO_INTERNAL_H

#include <pthread.h>

#include "pipeline.h"

typedef struct {
    or_image img;
    int64_t pts;
    int64_t in_index; /* input frame it belongs to */
    int cut_before;   /* a scene cut between the previous input frame and this one */
} item;

/* Input frame a, staged, and the n-1 frames after it: its output. */
typedef struct {
    item *a;
    or_image mids[64];
    int64_t step;     /* pts step of the in-betweens (input time base) */
    int cut, interp;  /* how the mids were made */
} group;

typedef struct or_workers or_workers;

typedef struct {
    const or_pipe_video *p;
    or_queue *q_in, *q_out;
    pthread_mutex_t lock;
    int failed;
    or_err err;
    or_pipe_stats st;
    or_workers *w;    /* several workers: their shared state (pipeline_workers.c) */
} run_state;

void item_free(item *it);
int stop_requested(const run_state *s);
int has_failed(run_state *s);
void fail(run_state *s, const or_err *e);
void mark_stopped(run_state *s);
/* 1 for the look-ahead frame of a segment; whether a frame needs the stages. */
int is_ahead(const or_pipe_video *p, const item *it);
int needs_stages(const or_pipe_video *p, const item *it);
/* The stages on it->img in place, with worker's contexts; 0 ok (else failed). */
int run_stages(run_state *s, item *it, int worker);
/* g = a and its in-betweens with b (b NULL: the last frame's repeats); takes a
 * (freed on failure).  0 ok. */
int make_group(run_state *s, item *a, const item *b, int worker, group *g);
/* Queue g's frames in order (frees g); 0 ok. */
int emit_group(run_state *s, group *g);
void group_free(group *g, int n);

/* Several workers (p->workers > 1): their state, made before the threads
 * start and freed after all have ended (s->w); run them until the input ends,
 * in place of the single processing thread.  or_workers_wake (from fail)
 * wakes the ones waiting for a neighbour's frame. */
or_status or_workers_new(run_state *s, or_err *err);
void or_workers_run(run_state *s);
void or_workers_wake(run_state *s);
void or_workers_free(run_state *s);

#endif
