/* cli_segment.h: `restore --segment K/N` (one segment of a video, for a job
 * array) and what `oprestore-gpu join` reads back (docs/cluster.md).
 *
 * In the segment folder (restore's -o), segment K of N (K from 0) is
 *   segment-KKKK-of-NNNN.nut      its frames (NUT keeps the encoder's time base
 *                                 exactly; video only: join adds the audio)
 *   segment-KKKK-of-NNNN.json     its manifest, written last: the segment is done
 *   segment-KKKK-of-NNNN.progress frames done so far, rewritten about once a
 *                                 second while it runs ("failed" and the error
 *                                 when it fails)
 * The manifest names the input (path, size, SHA-256 of its first 4 MiB), the
 * settings that change the pixels (stages, models and their SHA-256, -n, -s,
 * -t, codec, CRF, preset, scene threshold, backend, precision, whether the
 * boundaries must be cuts), the plan (all
 * N + 1 boundaries), its frame range and output time stamps, the output time
 * base, frame rate and colour tags, and its file's size. */
#ifndef OR_CLI_SEGMENT_H
#define OR_CLI_SEGMENT_H

#include <stdint.h>

#include "cli_video.h"
#include "runtime/io/video.h"

#define CLI_SEGMENT_MAX 100000
#define CLI_SEGMENT_HEAD_BYTES ((size_t)4 << 20)

typedef struct cli_segment {
    int k, n;
    int64_t frames;      /* input frames (the plan's count) */
    uint8_t *cut;        /* frames: the scan's scene cuts (segment_plan.h) */
    int64_t *bounds;     /* n + 1: segment k is input frames [bounds[k], bounds[k+1]) */
    int at_cuts;         /* the plan puts every boundary on a cut (deep-exemplar) */
    char file[4096], manifest[4096], progress[4096];
    char input_sha[65];
    int64_t input_size;
    /* what the run writes, for the manifest */
    int64_t frames_out, pts_first, pts_last;
    double started, last_progress;
} cli_segment;

/* "K/N" with 0 <= K < N <= CLI_SEGMENT_MAX; 0 ok, -1 otherwise. */
int cli_segment_parse(const char *v, int *k, int *n);
/* "<dir>/segment-KKKK-of-NNNN<ext>" */
void cli_segment_path(char *buf, size_t len, const char *dir, int k, int n, const char *ext);

/* Create the folder, fingerprint the input and scan it for its cuts.  -1 to
 * go on, else the exit code (message printed). */
int cli_segment_prepare(cli_chain *c, cli_segment *s);
/* After the networks are loaded: the plan (segment_plan.h), with boundaries
 * only at cuts when the chain carries state across frames (deep-exemplar),
 * whose chain is then told where the segment starts in the film.  -1 to go
 * on, else the exit code. */
int cli_segment_plan(cli_chain *c, cli_segment *s);
/* After the networks are loaded: an existing manifest of the same settings
 * means the segment is done (exit 0, said), of others a refusal unless
 * --overwrite.  -1 to go on, else the exit code. */
int cli_segment_check_done(cli_chain *c, cli_segment *s);
/* The progress file: frames done of the segment's, state "running",
 * "failed" (with msg) or "stopped"; running states are written at most once
 * a second unless force. */
void cli_segment_progress(cli_segment *s, int64_t done, const char *state, const char *msg,
                          int force);
/* The manifest, once the segment file is in place.  -1 ok, else exit code. */
int cli_segment_finish(cli_chain *c, cli_segment *s, const or_video_out_opts *wo);
void cli_segment_free(cli_segment *s);

/* The settings line and the models line of a chain (what must agree between segments). */
void cli_segment_settings(const cli_chain *c, char *buf, size_t len);
int cli_segment_models(const cli_chain *c, char *buf, size_t len);
/* Size and SHA-256 of the first CLI_SEGMENT_HEAD_BYTES of path. */
or_status cli_segment_fingerprint(const char *path, int64_t *size, char sha[65], or_err *err);

#endif
