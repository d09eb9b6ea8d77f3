/* cli_video.c: the restore chain over a video or a folder of frames, through
 * runtime/pipeline/pipeline.h (see cli_video.h and docs/cli.md). */
#include "cli_video.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavutil/log.h>
#include <libavutil/mathematics.h>

#include "cli_dex.h"
#include "cli_jobs.h"
#include "cli_segment.h"
#include "runtime/stages/colorize.h"
#include "runtime/core/fileutil.h"
#include "runtime/stages/interpolate.h"
#include "runtime/pipeline/pipeline.h"
#include "runtime/pipeline/progress.h"
#include "runtime/pipeline/segment_plan.h"
#include "runtime/stages/upscale.h"
#include "runtime/io/video.h"

/* ---- the chain ------------------------------------------------------------------- */

int cli_chain_load(cli_chain *c)
{
    int rc = cli_open_backend(&c->o, &c->be);
    if (rc < 0 && c->colorize)
        rc = cli_load_net(&c->o, c->be, c->colorize, "colorize", &c->net_c);
    c->dexf.video = c->video;
    if (rc < 0 && c->net_c)
        rc = cli_dex_open(&c->o, &c->dexf, c->be, c->net_c, &c->dex);
    if (rc < 0 && c->dex.state)
        c->o.load_threads = 1; /* one chain of frames: read them in order */
    if (rc < 0 && c->upscale)
        rc = cli_load_net(&c->o, c->be, c->upscale, "upscale", &c->net_u);
    if (rc < 0 && c->interpolate)
        rc = cli_load_net(&c->o, c->be, c->interpolate, "interpolate", &c->net_i);
    if (rc < 0 && c->net_u && (!c->net_u->forward || c->net_u->scale < 1 ||
                               c->net_u->in_ch != 3 || c->net_u->out_ch != 3)) {
        cli_say(&c->o, "%s: %s is not an image upscaler", c->upscale, c->net_u->arch);
        rc = 1;
    }
    if (rc < 0 && c->net_u)
        cli_read_scale_upscale(&c->o, c->net_u);
    if (rc < 0 && c->net_i && !c->net_i->interpolate) {
        cli_say(&c->o, "%s: %s is not an interpolation network", c->interpolate,
                c->net_i->arch);
        rc = 1;
    }
    if (rc < 0 && c->o.verbose)
        cli_say(&c->o, "on %s:%s%s%s%s%s%s", c->be->name, c->colorize ? " colorize " : "",
                c->colorize ? c->colorize : "", c->upscale ? " upscale " : "",
                c->upscale ? c->upscale : "", c->interpolate ? " interpolate " : "",
                c->interpolate ? c->interpolate : "");
    int rf = rc < 0 ? cli_chain_render_factor(c) : 0;
    if (rf && c->o.verbose)
        cli_say(&c->o, "DeOldify render factor %d (network %dx%d, %s)", rf, 16 * rf, 16 * rf,
                c->o.render_factor ? "given" : c->video ? "the video default" : "the image default");
    return rc;
}

int cli_chain_render_factor(const cli_chain *c)
{
    if (!c->net_c || !c->net_c->arch || strcmp(c->net_c->arch, "deoldify"))
        return 0;
    if (c->o.render_factor)
        return c->o.render_factor;
    return c->video ? OR_DEOLDIFY_RENDER_FACTOR_VIDEO : OR_DEOLDIFY_RENDER_FACTOR_IMAGE;
}

void cli_chain_free(cli_chain *c)
{
    cli_dex_close(&c->dex);
    or_net_free(c->net_c);
    or_net_free(c->net_u);
    or_net_free(c->net_i);
    for (int k = 0; k < c->n_tile; k++) {
        or_net_free(c->tile_net[k]);
        if (c->tile_be[k])
            or_backend_destroy(c->tile_be[k]);
        c->tile_net[k] = NULL;
        c->tile_be[k] = NULL;
    }
    c->n_tile = 0;
    if (c->be)
        or_backend_destroy(c->be);
    c->net_c = c->net_u = c->net_i = NULL;
    c->be = NULL;
}

static or_status stage_colorize(void *ctx, const or_image *in, or_image *out, or_err *err)
{
    cli_chain *c = ctx;
    if (c->multi)
        OR_TRY(or_backend_use(c->be, err));
    or_colorize_opts co = or_colorize_defaults();
    int rf = cli_chain_render_factor(c);
    if (rf)
        co.render_factor = rf;
    co.dex = c->dex.state;
    return or_colorize_image(c->net_c, in, &co, out, NULL, err);
}

static or_status stage_upscale(void *ctx, const or_image *in, or_image *out, or_err *err)
{
    cli_chain *c = ctx;
    if (c->multi)
        OR_TRY(or_backend_use(c->be, err));
    or_upscale_opts uo = or_upscale_defaults();
    uo.tile = c->o.tile;
    uo.outscale = c->o.scale;
    uo.more_nets = c->tile_net;
    uo.n_more = c->n_tile;
    return or_upscale_image(c->net_u, in, &uo, out, NULL, err);
}

static or_status stage_interp(void *ctx, const or_image *a, const or_image *b, float t,
                              or_image *out, or_err *err)
{
    cli_chain *c = ctx;
    if (c->multi)
        OR_TRY(or_backend_use(c->be, err));
    or_interpolate_opts io = or_interpolate_defaults();
    if (c->flow_scale)
        io.flow_scale = (float)c->flow_scale;
    return or_interpolate_image(c->net_i, a, b, t, &io, out, err);
}

static int chain_stages(cli_chain *c, or_pipe_stage *st)
{
    int n = 0;
    if (c->net_c)
        st[n++] = (or_pipe_stage){"colorize", stage_colorize, c};
    if (c->net_u)
        st[n++] = (or_pipe_stage){"upscale", stage_upscale, c};
    return n;
}

or_status cli_chain_frame(cli_chain *c, const or_image *in, or_image *out, or_err *err)
{
    or_pipe_stage st[2];
    int n = chain_stages(c, st);
    if (!n)
        return or_image_copy(in, out, err);
    or_image cur;
    OR_TRY(st[0].run(st[0].ctx, in, &cur, err));
    for (int k = 1; k < n; k++) {
        or_image next;
        memset(&next, 0, sizeof next);
        or_status s = st[k].run(st[k].ctx, &cur, &next, err);
        or_image_free(&cur);
        if (s != OR_OK) {
            or_image_free(&next);
            return or_err_prefix(err, "%s", st[k].name);
        }
        cur = next;
    }
    *out = cur;
    return OR_OK;
}

/* ---- several devices ------------------------------------------------------------------ */

/* The chain on each device of -g 0,1,...: c on the first, d->more[] on the
 * others (loaded one after another from this thread). */
typedef struct {
    cli_devices ids;  /* -g, split */
    cli_chain *more;
    int n;            /* devices */
    void *ctx[OR_PIPE_MAX_WORKERS];
} devices;

_Static_assert(CLI_MAX_DEVICES <= OR_PIPE_MAX_WORKERS, "one pipeline worker per device");

/* -1 to go on, else the exit code (said). */
static int load_devices(cli_chain *c, devices *d)
{
    memset(d, 0, sizeof *d);
    d->n = 1;
    d->ctx[0] = c;
    int rc = cli_split_devices(&c->o, &d->ids);
    if (rc >= 0)
        return rc;
    if (d->ids.n == 1)
        return cli_chain_load(c);
    const char *g = c->o.gpu;
    const int n = d->ids.n;
    if (!(d->more = calloc((size_t)n - 1, sizeof *d->more)))
        return cli_fail_usage(&c->o, "out of memory");
    cli_chain base = *c; /* nothing loaded yet */
    c->o.gpu = d->ids.id[0];
    c->multi = 1;
    rc = cli_chain_load(c);
    if (rc < 0 && c->dex.state) /* one chain of frames: on one device, in order */
        return cli_fail_usage(&c->o, "-g %s: deep-exemplar colours the frames as one chain, "
                              "which several devices would split; give one device, and "
                              "--segment K/N to share a film between devices or machines "
                              "(docs/cluster.md)", OR_ESC(g));
    for (int i = 1; i < n && rc < 0; i++) {
        d->more[i - 1] = base;
        d->more[i - 1].o.gpu = d->ids.id[i];
        d->more[i - 1].multi = 1;
        d->n = i + 1;
        d->ctx[i] = &d->more[i - 1];
        rc = cli_chain_load(&d->more[i - 1]);
    }
    if (rc < 0 && c->o.verbose)
        cli_say(&c->o, "frames spread over %d devices (-g %s)", n, g);
    return rc;
}

static void free_devices(devices *d)
{
    for (int i = 0; i + 1 < d->n; i++)
        cli_chain_free(&d->more[i]);
    free(d->more);
}

int cli_chain_load_images(cli_chain *c)
{
    cli_devices d;
    int rc = cli_split_devices(&c->o, &d);
    if (rc >= 0)
        return rc;
    if (d.n == 1 || !c->upscale) /* cli_open_backend says that only the first is used */
        return cli_chain_load(c);
    const char *g = c->o.gpu;
    c->o.gpu = d.id[0];
    rc = cli_chain_load(c);
    c->o.gpu = g;
    for (int k = 1; k < d.n && rc < 0; k++) {
        c->n_tile = k;
        rc = cli_open_device(&c->o, d.id[k], &c->tile_be[k - 1]);
        if (rc < 0)
            rc = cli_load_net(&c->o, c->tile_be[k - 1], c->upscale, "upscale",
                              &c->tile_net[k - 1]);
    }
    if (rc < 0 && c->colorize && !c->o.quiet)
        cli_say(&c->o, "-g %s: the upscaler's tiles are spread over %d devices; colorize runs "
                "on the first, %s", OR_ESC(g), d.n, c->be->name);
    else if (rc < 0 && c->o.verbose)
        cli_say(&c->o, "tiles spread over %d devices (-g %s)", d.n, OR_ESC(g));
    return rc;
}

/* ---- progress ---------------------------------------------------------------------- */

typedef struct {
    const cli_opts *o;
    or_progress p;
    cli_segment *seg; /* a segment's progress file too */
} progress_ctx;

static void on_progress(void *ctx, int64_t in_done, int64_t out_done)
{
    progress_ctx *pc = ctx;
    char line[256];
    if (pc->seg)
        cli_segment_progress(pc->seg, in_done - pc->seg->bounds[pc->seg->k], "running", NULL, 0);
    if (!pc->o->quiet &&
        or_progress_line(&pc->p, out_done, or_progress_now(), 0, line, sizeof line))
        fputs(line, stderr);
}

static void progress_end(progress_ctx *pc, int64_t done)
{
    char line[256];
    if (!pc->o->quiet && done &&
        or_progress_line(&pc->p, done, or_progress_now(), 1, line, sizeof line))
        fputs(line, stderr);
}

/* ---- video ------------------------------------------------------------------------- */

typedef struct {
    cli_chain *c;
    or_video_reader *r;
    or_video_info info;
    or_video_writer *w;
    or_video_out_opts wo;
    int n;
    cli_segment *seg;   /* one segment: its frames and the look-ahead, into its file */
    int64_t read_index; /* input frames read so far */
} video_ctx;

static or_status video_read(void *ctx, or_image *img, int64_t *pts, int *got, or_err *err)
{
    video_ctx *v = ctx;
    cli_segment *s = v->seg;
    if (!s)
        return or_video_read(v->r, img, pts, got, err);
    *got = 0;
    if (v->read_index > s->bounds[s->k + 1]) /* the look-ahead was given */
        return OR_OK;
    for (;;) {
        OR_TRY(or_video_read(v->r, img, pts, got, err));
        if (!*got && v->read_index < s->bounds[s->k + 1])
            return or_errf(err, OR_EFORMAT, "%s: %lld frames, the plan counted %lld",
                           OR_ESC(v->c->o.in), (long long)v->read_index, (long long)s->frames);
        if (!*got || v->read_index++ >= s->bounds[s->k])
            return OR_OK;
        or_image_free(img); /* before the segment: decoded, not used */
    }
}

static or_status video_write(void *ctx, const or_image *img, int64_t pts, or_err *err)
{
    video_ctx *v = ctx;
    if (!v->w) { /* opened on the first frame: its size is the chain's output size */
        v->wo.width = img->width;
        v->wo.height = img->height;
        OR_TRY(or_video_writer_open(v->seg ? v->seg->file : v->c->o.out, &v->wo,
                                    v->seg ? NULL : v->r, &v->w, err));
    }
    if (v->seg) {
        if (!v->seg->frames_out++)
            v->seg->pts_first = pts;
        v->seg->pts_last = pts;
    }
    return or_video_write(v->w, img, pts, err);
}

/* Refuse outputs that would replace an input or an existing file. -1 or exit code. */
static int check_output_file(const cli_opts *o)
{
    struct stat so;
    if (stat(o->out, &so) == 0) {
        if (S_ISDIR(so.st_mode))
            return cli_fail_usage(o, "-o %s is a folder; a video output is a file (film.mkv)",
                                  o->out);
        if (or_same_file(o->in, o->out))
            return cli_fail_usage(o, "-o %s is the input; an input is never overwritten",
                                  o->out);
        if (!o->overwrite) {
            cli_say(o, "%s exists (add --overwrite to replace it)", o->out);
            return 1;
        }
    }
    return -1;
}

static void set_out_opts(video_ctx *v)
{
    const cli_opts *o = &v->c->o;
    or_video_out_opts *wo = &v->wo;
    *wo = or_video_out_defaults();
    if (o->codec)
        or_vcodec_parse(o->codec, &wo->codec, NULL);
    wo->crf = o->crf;
    wo->preset = o->preset;
    AVRational rate = av_mul_q((AVRational){v->info.rate_num, v->info.rate_den},
                               (AVRational){v->n, 1});
    wo->rate_num = rate.num, wo->rate_den = rate.den;
    /* the pipeline's output pts are input pts * n + k * step: time base in_tb / n */
    wo->tb_num = v->info.tb_num, wo->tb_den = v->info.tb_den * v->n;
    wo->colour = v->info.used;
    wo->src_pix_fmt = v->info.pix_fmt;
}

/* One line when the input's frame size changed mid-stream (the reader scaled
 * those frames to the first frame's size, as ffmpeg does). */
static void warn_resized(const video_ctx *v)
{
    int w, h, ow, oh;
    int64_t first, n = or_video_resized(v->r, &w, &h, &first, &ow, &oh);
    if (n && !v->c->o.quiet)
        cli_say(&v->c->o, "warning: %s: the frame size changes mid-stream (%dx%d from frame "
                "%lld); %lld frame%s scaled to %dx%d, the first frame's size", v->c->o.in, w, h,
                (long long)first + 1, (long long)n, n == 1 ? "" : "s", ow, oh);
}

static int finish_video(video_ctx *v, or_status st, const or_err *perr, const or_pipe_stats *s)
{
    const cli_opts *o = &v->c->o;
    const char *target = v->seg ? v->seg->file : o->out;
    or_err err;
    if (st != OR_OK) {
        or_video_writer_abort(v->w);
        cli_say(o, "%s", perr->msg);
        return 1;
    }
    if (s->stopped) {
        or_video_writer_abort(v->w);
        cli_say(o, "interrupted after %lld frames: %s was not written", (long long)s->frames_in,
                target);
        return CLI_EXIT_INTERRUPTED;
    }
    if (!v->w) {
        cli_say(o, "%s: no video frames could be decoded", o->in);
        return 1;
    }
    int copied, left;
    or_video_writer_counts(v->w, &copied, &left);
    if (or_video_writer_finish(v->w, &err) != OR_OK) {
        cli_say(o, "%s", err.msg);
        return 1;
    }
    if (v->seg)
        return cli_segment_finish(v->c, v->seg, &v->wo) < 0 ? 0 : 1;
    warn_resized(v);
    if (left && !o->quiet)
        cli_say(o, "%d audio/subtitle stream%s could not go into %s and %s left out (use .mkv)",
                left, left == 1 ? "" : "s", o->out, left == 1 ? "was" : "were");
    if (o->verbose)
        cli_say(o, "%s: %lld frames in, %lld out (%lld interpolated, %lld scene cuts), "
                "%d stream%s copied", o->out, (long long)s->frames_in, (long long)s->frames_out,
                (long long)s->interpolated, (long long)s->cuts, copied, copied == 1 ? "" : "s");
    return 0;
}

/* One segment's end: the progress file says how it ended (done: the manifest). */
static int segment_end(video_ctx *v, int rc, or_status st, const or_err *err, int64_t done)
{
    if (rc == 0)
        return 0;
    cli_segment_progress(v->seg, done, rc == CLI_EXIT_INTERRUPTED ? "stopped" : "failed",
                         st != OR_OK ? err->msg : NULL, 1);
    return rc;
}

static or_status scan_read(void *ctx, or_image *img, int64_t *pts, int *got, or_err *err)
{
    return or_video_read(ctx, img, pts, got, err);
}

/* The film's scene cuts as the chain will find them: the segment plan's scan,
 * else a scan of the input (decoded once, no network); *own: cut is ours to free.
 * -1 or the exit code. */
static int film_cuts(cli_chain *c, uint8_t **cut, int64_t *frames, int *own)
{
    const cli_opts *o = &c->o;
    *own = 0;
    if (c->segment) {
        *cut = c->segment->cut, *frames = c->segment->frames;
        return -1;
    }
    or_err err;
    or_video_reader *r;
    if (or_video_open(o->in, &r, NULL, &err) != OR_OK) {
        cli_say(o, "%s", err.msg);
        return 1;
    }
    if (o->verbose)
        cli_say(o, "scanning %s for its scenes", o->in);
    int stopped = 0;
    cli_install_signals();
    or_status st = or_segment_scan(scan_read, r, o->scene_threshold, &cli_stop, &stopped, cut,
                                   frames, &err);
    or_video_close(r);
    if (st != OR_OK) {
        cli_say(o, "%s", err.msg);
        return 1;
    }
    if (stopped) {
        cli_say(o, "interrupted while scanning for the scenes");
        return CLI_EXIT_INTERRUPTED;
    }
    *own = 1;
    return -1;
}

/* restore --keyframes-out without -o: each scene's first frame through the
 * keyframe mode (written, coloured, its colouring written), no film. */
static int keyframes_only(cli_chain *c, const uint8_t *cut, int64_t frames)
{
    const cli_opts *o = &c->o;
    or_err err;
    or_video_reader *r;
    if (or_video_open(o->in, &r, NULL, &err) != OR_OK) {
        cli_say(o, "%s", err.msg);
        return 1;
    }
    or_status st = OR_OK;
    int scene = -1, rc = -1;
    for (int64_t i = 0; i < frames && st == OR_OK && rc < 0; i++) {
        or_image f;
        int64_t pts;
        int got;
        memset(&f, 0, sizeof f);
        st = or_video_read(r, &f, &pts, &got, &err);
        if (st == OR_OK && !got)
            st = or_errf(&err, OR_EFORMAT, "%s: %lld frames, the scan counted %lld",
                         OR_ESC(o->in), (long long)i, (long long)frames);
        if (st == OR_OK && (i == 0 || cut[i]))
            st = cli_dex_keyframe_only(&c->dex, &f, ++scene, (long)i, &err);
        or_image_free(&f);
        if (cli_stop)
            rc = CLI_EXIT_INTERRUPTED;
    }
    or_video_close(r);
    if (st != OR_OK) {
        cli_say(o, "%s", err.msg);
        return 1;
    }
    if (rc < 0 && !o->quiet)
        cli_say(o, "%s: the keyframes of %d scene%s", c->dexf.keyframes_out, scene + 1,
                scene ? "s" : "");
    return rc < 0 ? 0 : rc;
}

/* --keyframe-hints checked against the film's scenes before any frame is
 * coloured; without -o, then the keyframes only.  -1 to go on, or the exit code. */
static int keyframe_pass(cli_chain *c, const video_ctx *v)
{
    uint8_t *cut = NULL;
    int64_t frames = 0;
    int own, rc = film_cuts(c, &cut, &frames, &own);
    if (rc < 0 && c->dex.key_hints.n)
        rc = cli_dex_check_hints(&c->o, &c->dex, cut, frames, v->info.width, v->info.height);
    if (rc < 0 && !c->o.out)
        rc = keyframes_only(c, cut, frames);
    if (own)
        free(cut);
    return rc;
}

int cli_video_run(cli_chain *c)
{
    cli_opts *o = &c->o;
    cli_segment *seg = c->segment;
    int rc = seg ? cli_segment_prepare(c, seg) : o->out ? check_output_file(o) : -1;
    if (rc >= 0)
        return rc;
    or_vcodec codec = OR_VCODEC_AUTO;
    if (o->codec)
        or_vcodec_parse(o->codec, &codec, NULL);
    video_ctx v = {.c = c, .n = c->interpolate ? (o->multiplier ? o->multiplier : 2) : 1,
                   .seg = seg};
    or_video_log_level(o->verbose ? AV_LOG_WARNING : AV_LOG_QUIET);
    or_err err;
    if (or_video_open(o->in, &v.r, &v.info, &err) != OR_OK) {
        cli_say(o, "%s", err.msg);
        return 1;
    }
    if (o->verbose)
        cli_say(o, "%s: %s %s, %dx%d, %d/%d fps, %lld frames, %s range, matrix %d, "
                "%d stream%s to copy", o->in, v.info.container, v.info.codec, v.info.width,
                v.info.height, v.info.rate_num, v.info.rate_den, (long long)v.info.frames,
                v.info.used.range == 2 ? "full" : "limited", v.info.used.matrix,
                v.info.copy_streams, v.info.copy_streams == 1 ? "" : "s");
    c->video = 1;
    devices dev;
    rc = load_devices(c, &dev);
    if (rc < 0 && seg)
        rc = cli_segment_plan(c, seg);
    if (rc < 0 && !o->out && !c->dex.key_net)
        rc = cli_fail_usage(o, "-o is required (--keyframes-out alone goes with "
                               "--colorize deep-exemplar --keyframes MODEL)");
    if (rc < 0 && (c->dex.key_hints.n || !o->out))
        rc = keyframe_pass(c, &v);
    if (rc < 0 && seg)
        rc = cli_segment_check_done(c, seg);
    if (rc >= 0) {
        free_devices(&dev);
        or_video_close(v.r);
        return rc;
    }
    set_out_opts(&v);
    v.wo.codec = codec;
    int64_t first = seg ? seg->bounds[seg->k] : 0;
    int64_t count = seg ? seg->bounds[seg->k + 1] - first : 0;
    if (seg && !count) { /* fewer frames than segments: an empty one */
        free_devices(&dev);
        or_video_close(v.r);
        return cli_segment_finish(c, seg, &v.wo) < 0 ? 0 : 1;
    }
    if (!seg)
        or_video_keep_streams(v.r);
    progress_ctx pc = {.o = o, .seg = seg};
    or_progress_init(&pc.p, (seg ? count : v.info.frames) * v.n, isatty(2), "frames",
                     or_progress_now());
    if (seg)
        cli_segment_progress(seg, 0, "running", NULL, 1);
    or_pipe_stage stages[2];
    or_pipe_video p = {
        .read = video_read, .read_ctx = &v,
        .stages = stages, .n_stages = chain_stages(c, stages),
        .multiplier = v.n, .interp = stage_interp, .interp_ctx = c,
        .scene_threshold = o->scene_threshold,
        .frame_duration = av_rescale_q(1, av_inv_q((AVRational){v.info.rate_num, v.info.rate_den}),
                                       (AVRational){v.info.tb_num, v.info.tb_den}),
        .write = video_write, .write_ctx = &v,
        .load_depth = 2 * o->load_threads, .save_depth = 2 * o->save_threads,
        .stop = &cli_stop, .progress = on_progress, .progress_ctx = &pc,
        .index_base = first, .emit_frames = count,
        .workers = dev.n, .worker_ctx = dev.ctx,
    };
    cli_install_signals();
    or_pipe_stats s;
    or_status st = or_pipe_video_run(&p, &s, &err);
    if (st == OR_OK && !s.stopped)
        progress_end(&pc, s.frames_out);
    else if (!o->quiet && pc.p.tty)
        fputc('\n', stderr);
    rc = finish_video(&v, st, &err, &s);
    if (seg)
        rc = segment_end(&v, rc, st, &err, s.frames_in);
    free_devices(&dev);
    or_video_close(v.r);
    return rc;
}

/* ---- a folder of frames ------------------------------------------------------------ */

typedef struct {
    cli_chain *c;
    char **names;
    int n, next, fmt;
    int64_t written;
} seq_ctx;

static or_status seq_read(void *ctx, or_image *img, int64_t *pts, int *got, or_err *err)
{
    seq_ctx *q = ctx;
    *got = 0;
    if (q->next >= q->n)
        return OR_OK;
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", q->c->o.in, q->names[q->next]);
    OR_TRY(cli_read_image(&q->c->o, path, img, err));
    *pts = q->next++;
    *got = 1;
    return OR_OK;
}

static or_status seq_write(void *ctx, const or_image *img, int64_t pts, or_err *err)
{
    seq_ctx *q = ctx;
    char path[8192];
    snprintf(path, sizeof path, "%s/%08lld.%s", q->c->o.out, (long long)q->written + 1,
             q->fmt == 'j' ? "jpg" : "png");
    if (!q->c->o.overwrite && access(path, F_OK) == 0)
        return or_errf(err, OR_EIO, "%s exists (add --overwrite to replace it)", path);
    OR_TRY(cli_write_image(path, q->fmt, img, err));
    q->written++;
    return OR_OK;
}

int cli_sequence_run(cli_chain *c)
{
    cli_opts *o = &c->o;
    struct stat so;
    if (stat(o->out, &so) == 0 && !S_ISDIR(so.st_mode))
        return cli_fail_usage(o, "-i %s is a folder of frames, so -o must be a folder", o->in);
    if (stat(o->out, &so) == 0 && or_same_file(o->in, o->out))
        return cli_fail_usage(o, "-o %s is the input folder; inputs are never overwritten",
                              o->out);
    seq_ctx q = {.c = c, .fmt = cli_image_format(o, "")};
    q.names = cli_list_images(o->in, &q.n);
    if (!q.n) {
        cli_say(o, "-i %s: no .png, .jpg or .jpeg frames in this folder", o->in);
        free(q.names);
        return 1;
    }
    devices dev;
    int rc = load_devices(c, &dev);
    if (rc < 0 && cli_mkdirs(o->out)) {
        cli_say(o, "-o %s: cannot create the folder: %s", o->out, strerror(errno));
        rc = 1;
    }
    if (rc < 0) {
        int n = o->multiplier ? o->multiplier : 2;
        progress_ctx pc = {.o = o};
        or_progress_init(&pc.p, (int64_t)q.n * n, isatty(2), "frames", or_progress_now());
        or_pipe_stage stages[2];
        or_pipe_video p = {
            .read = seq_read, .read_ctx = &q,
            .stages = stages, .n_stages = chain_stages(c, stages),
            .multiplier = c->interpolate ? n : 1, .interp = stage_interp, .interp_ctx = c,
            .scene_threshold = o->scene_threshold, .frame_duration = 1,
            .write = seq_write, .write_ctx = &q,
            .load_depth = 2 * o->load_threads, .save_depth = 2 * o->save_threads,
            .stop = &cli_stop, .progress = on_progress, .progress_ctx = &pc,
            .workers = dev.n, .worker_ctx = dev.ctx,
        };
        cli_install_signals();
        or_pipe_stats s;
        or_err err;
        or_status st = or_pipe_video_run(&p, &s, &err);
        if (st != OR_OK) {
            cli_say(o, "%s", err.msg);
            rc = 1;
        } else if (s.stopped) {
            cli_say(o, "interrupted after %lld frames", (long long)s.frames_in);
            rc = CLI_EXIT_INTERRUPTED;
        } else {
            progress_end(&pc, s.frames_out);
            rc = 0;
        }
    }
    free_devices(&dev);
    for (int i = 0; i < q.n; i++)
        free(q.names[i]);
    free(q.names);
    return rc;
}
