/* pipeline.h: load -> process -> save on separate threads joined by bounded
 * queues, so that the GPU does not wait for decoding or encoding and memory
 * stays bounded on long films.  Everything that touches files or networks is
 * a callback, so the sequencing (frame multiplication, scene cuts, time
 * stamps, stopping) is testable on its own.
 *
 * Video (or_pipe_video_run):
 *   read thread      read() frames in order                 -> queue (load_depth)
 *   process thread   stages[0..n) on each frame, then the
 *                    interpolation of each pair              -> queue (save_depth)
 *   write thread     write() frames in order
 * With a multiplier n >= 2, input frames f0..f(N-1) give n*N output frames: for
 * each pair (fi, fi+1) fi, then interp(fi, fi+1, k/n) for k = 1..n-1; the last
 * frame is repeated n-1 times so that the duration (and the audio sync) is kept.
 * When fi -> fi+1 is a scene cut (SSIM of small thumbnails below
 * scene_threshold, see scene.h) the in-betweens are copies of fi, as RIFE's
 * inference_video.py does: nothing is interpolated across a cut.  Cuts are
 * found on the input frames as read, before any stage (the stages keep the
 * picture's structure: colorize keeps the luma, upscale only adds pixels), so
 * where the cuts are is a function of the input alone: the segment plan
 * (segment_plan.h) computes the same cuts without running a network.
 *
 * One segment of a longer video (emit_frames > 0): read() gives the segment's
 * frames and then, when the video goes on, the one frame after them, the
 * look-ahead.  The look-ahead is not written: it is the last frame's partner
 * (interpolated with, through the stages, or a cut, and its pts gives the
 * step of the repeats), so the segment's output is exactly that part of a
 * single run's output.
 * Time stamps: the output time base is the input's divided by n; the output
 * frame k of pair i has pts n*p(i) + k*(p(i+1) - p(i)); the last frame's
 * in-betweens use frame_duration for the missing next time stamp.
 *
 * Folders (or_pipe_batch_run): `jobs` independent items; load_threads
 * threads load, one thread processes (networks are not shared between
 * threads), save_threads threads save.  A failed item is reported through
 * report() and skipped; the others go on.
 *
 * Stopping: when *stop becomes non-zero (a signal handler, a test) the read
 * side stops taking new frames, the frame being processed is finished and the
 * run returns with stats->stopped = 1; the caller then aborts its output.
 * A callback error stops every thread and is returned (the first one). */
#ifndef OR_PIPELINE_H
#define OR_PIPELINE_H

#ifdef __cplusplus
extern "C" {
#endif

#include <signal.h>
#include <stdint.h>

#include "runtime/io/image.h"
#include "runtime/core/status.h"

/* ---- bounded queue of pointers (runtime/pipeline/pipeline_queue.c) ---------------------- */
typedef struct or_queue or_queue;
or_status or_queue_new(int capacity, or_queue **q, or_err *err);
void or_queue_free(or_queue *q);
/* Blocks while full; 0 ok, -1 when the queue was closed (item not taken). */
int or_queue_push(or_queue *q, void *item);
/* Blocks while empty; NULL once closed and empty. */
void *or_queue_pop(or_queue *q);
/* No more pushes: pops drain what is there, then return NULL; pushes fail. */
void or_queue_close(or_queue *q);
/* The most items it ever held (for tests of the memory bound). */
int or_queue_high_water(const or_queue *q);

/* ---- video ---------------------------------------------------------------------- */
#define OR_PIPE_MAX_WORKERS 16
typedef struct {
    const char *name;
    /* out = stage(in): a new image (the pipeline frees in and out). */
    or_status (*run)(void *ctx, const or_image *in, or_image *out, or_err *err);
    void *ctx;
} or_pipe_stage;

typedef struct {
    /* Next input frame and its pts; *got = 0 at the end. */
    or_status (*read)(void *ctx, or_image *frame, int64_t *pts, int *got, or_err *err);
    void *read_ctx;
    const or_pipe_stage *stages; /* applied in order to every input frame */
    int n_stages;
    int multiplier;              /* >= 1; 1: no interpolation */
    /* In-between frame at t in (0,1); required when multiplier > 1. */
    or_status (*interp)(void *ctx, const or_image *a, const or_image *b, float t, or_image *out,
                        or_err *err);
    void *interp_ctx;
    double scene_threshold;      /* cut when SSIM < this; <= 0: never */
    int64_t frame_duration;      /* input time-base units between frames (for the last frame) */
    /* One output frame, in order, pts in the output time base (input's / multiplier). */
    or_status (*write)(void *ctx, const or_image *frame, int64_t pts, or_err *err);
    void *write_ctx;
    int load_depth, save_depth;  /* queue capacities (>= 1) */
    volatile sig_atomic_t *stop; /* may be NULL */
    /* Called from the write thread after each output frame (may be NULL). */
    void (*progress)(void *ctx, int64_t in_frames_done, int64_t out_frames_done);
    void *progress_ctx;
    /* Segments: index of the first frame read (for messages and progress), and
     * how many frames are written (0: all); a frame read after those is the
     * look-ahead (see above). */
    int64_t index_base, emit_frames;
    /* Several devices: workers > 1 processing threads, worker w calling every
     * stage and interp with worker_ctx[w] as ctx (instead of the stages' and
     * interp_ctx) - one device each.  Frames go to the workers in turn; each
     * stages its frame, then makes the in-betweens of the previous frame with
     * it (waiting for the worker that stages that one); output in order. */
    int workers;
    void *const *worker_ctx;
    /* Test hook: called from the process thread after each input frame (may be NULL). */
    void (*on_frame)(void *ctx, int64_t in_index);
    void *on_frame_ctx;
} or_pipe_video;

typedef struct {
    int64_t frames_in, frames_out; /* frames_in: the look-ahead not counted */
    int64_t cuts;           /* pairs handled as scene cuts */
    int64_t interpolated;   /* frames made by interp() */
    int stopped;            /* *stop was seen: the output is incomplete */
    int load_high, save_high; /* queue high-water marks */
} or_pipe_stats;

or_status or_pipe_video_run(const or_pipe_video *p, or_pipe_stats *stats, or_err *err);

/* ---- folders ------------------------------------------------------------------- */
typedef struct {
    int jobs;
    or_status (*load)(void *ctx, int job, or_image *img, or_err *err);
    or_status (*process)(void *ctx, int job, const or_image *in, or_image *out, or_err *err);
    or_status (*save)(void *ctx, int job, const or_image *img, or_err *err);
    /* Each job ends here once, from any thread (serialised): st OR_OK or its error. */
    void (*report)(void *ctx, int job, or_status st, const or_err *err);
    void *ctx;
    int load_threads, save_threads; /* >= 1 */
    volatile sig_atomic_t *stop;
} or_pipe_batch;

/* Returns the number of failed jobs in *failed; *stopped when interrupted. */
or_status or_pipe_batch_run(const or_pipe_batch *b, int *failed, int *stopped, or_err *err);

/* "-j load:proc:save" -> counts (each 1..64); a missing part keeps its default. */
or_status or_pipe_parse_threads(const char *s, int *load, int *proc, int *save, or_err *err);

#ifdef __cplusplus
}
#endif

#endif
