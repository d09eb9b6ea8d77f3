/* cli_segment.c: one segment of a video (restore --segment K/N): the plan,
 * the manifest and the progress file (see cli_segment.h, docs/cluster.md). */
#include "cli_segment.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli_jobs.h"
#include "runtime/core/fileutil.h"
#include "runtime/core/sha256.h"
#include "runtime/pipeline/segment_plan.h"
#include "weights/json.h"

int cli_segment_parse(const char *v, int *k, int *n)
{
    char *end;
    errno = 0;
    long a = strtol(v, &end, 10);
    if (end == v || *end != '/' || errno)
        return -1;
    const char *b = end + 1;
    long c = strtol(b, &end, 10);
    if (end == b || *end || errno || c < 1 || c > CLI_SEGMENT_MAX || a < 0 || a >= c ||
        !(*v >= '0' && *v <= '9') || !(*b >= '0' && *b <= '9'))
        return -1;
    *k = (int)a, *n = (int)c;
    return 0;
}

void cli_segment_path(char *buf, size_t len, const char *dir, int k, int n, const char *ext)
{
    snprintf(buf, len, "%s/segment-%04d-of-%04d%s", dir, k, n, ext);
}

or_status cli_segment_fingerprint(const char *path, int64_t *size, char sha[65], or_err *err)
{
    int fd;
    size_t sz;
    OR_TRY(or_open_input(path, 0, &fd, &sz, err));
    or_sha256 h;
    or_sha256_init(&h);
    static unsigned char buf[1 << 16];
    size_t left = CLI_SEGMENT_HEAD_BYTES;
    while (left) {
        ssize_t r = read(fd, buf, left < sizeof buf ? left : sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            close(fd);
            return or_errf(err, OR_EIO, "%s: cannot read: %s", OR_ESC(path), strerror(errno));
        }
        if (r == 0)
            break;
        or_sha256_update(&h, buf, (size_t)r);
        left -= (size_t)r;
    }
    close(fd);
    or_sha256_final(&h, sha);
    *size = (int64_t)sz;
    return OR_OK;
}

/* Deep Exemplar's chain carries the previous output through a scene: a
 * segment must start where a single run restarts it, at a cut. */
static int bounds_at_cuts(const cli_chain *c)
{
    return c->dex.state != NULL;
}

void cli_segment_settings(const cli_chain *c, char *buf, size_t len)
{
    const cli_opts *o = &c->o;
    int n = c->interpolate ? (o->multiplier ? o->multiplier : 2) : 1;
    or_vcodec codec = OR_VCODEC_AUTO;
    if (o->codec)
        or_vcodec_parse(o->codec, &codec, NULL);
    snprintf(buf, len,
             "colorize=%s upscale=%s interpolate=%s n=%d scale=%g tile=%d render_factor=%d "
             "flow_scale=%g scene_threshold=%g codec=%s crf=%d preset=%s backend=%s dtype=%s "
             "bounds=%s",
             c->colorize ? c->colorize : "-", c->upscale ? c->upscale : "-",
             c->interpolate ? c->interpolate : "-", n, o->scale, o->tile,
             cli_chain_render_factor(c), c->flow_scale ? c->flow_scale : 1.0,
             o->scene_threshold, or_vcodec_name(codec), o->crf, o->preset ? o->preset : "medium",
             c->be && c->be->kind == OR_BACKEND_CUDA ? "cuda" : "cpu",
             c->be ? (cli_net_dtype(o, c->be) == OR_F16 ? "f16" : "f32") : "-",
             bounds_at_cuts(c) ? "cuts" : "any");
}

int cli_segment_models(const cli_chain *c, char *buf, size_t len)
{
    const or_net *nets[3] = {c->net_c, c->net_u, c->net_i};
    const char *stage[3] = {"colorize", "upscale", "interpolate"};
    size_t at = 0;
    buf[0] = 0;
    for (int i = 0; i < 3; i++) {
        if (!nets[i])
            continue;
        char hex[65];
        or_err err;
        if (or_sha256_file(nets[i]->model_path, hex, &err) != OR_OK) {
            /* a built-in model ("embedded:<name>"): its name is its identity */
            or_sha256 h;
            or_sha256_init(&h);
            or_sha256_update(&h, nets[i]->model_path, strlen(nets[i]->model_path));
            or_sha256_final(&h, hex);
        }
        int w = snprintf(buf + at, len - at, "%s%s=%s", at ? " " : "", stage[i], hex);
        if (w < 0 || (size_t)w >= len - at)
            return -1;
        at += (size_t)w;
    }
    return 0;
}

/* ---- writing JSON --------------------------------------------------------------- */

static void put_bounds(FILE *f, const cli_segment *s)
{
    fputs("\"bounds\": [", f);
    for (int i = 0; i <= s->n; i++)
        fprintf(f, "%s%lld", i ? ", " : "", (long long)s->bounds[i]);
    fputs("]", f);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

void cli_segment_progress(cli_segment *s, int64_t done, const char *state, const char *msg,
                          int force)
{
    double t = now_s();
    if (!force && t - s->last_progress < 1.0)
        return;
    s->last_progress = t;
    or_atomic_file af;
    or_err err;
    if (or_atomic_open(&af, s->progress, &err) != OR_OK)
        return; /* progress is a courtesy: the run goes on without it */
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    fprintf(af.f, "{\"segment\": %d, \"segments\": %d, ", s->k, s->n);
    if (s->bounds) { /* while planning: the frames scanned so far, no plan yet */
        put_bounds(af.f, s);
        fprintf(af.f, ", \"frames\": %lld, ", (long long)(s->bounds[s->k + 1] - s->bounds[s->k]));
    }
    fprintf(af.f, "\"state\": \"%s\", \"done\": %lld, \"started\": %.3f, \"updated\": %.3f, "
            "\"host\": ", state, (long long)done, s->started, t);
    json_write_str(af.f, host, 0);
    if (msg) {
        fputs(", \"error\": ", af.f);
        json_write_str(af.f, msg, 0);
    }
    fputs("}\n", af.f);
    or_atomic_commit(&af, &err);
}

/* ---- the plan -------------------------------------------------------------------- */

typedef struct {
    or_video_reader *r;
    cli_segment *s;
    int64_t n;
} scan_ctx;

/* The plan's reader: the progress file says "planning" (frames scanned) meanwhile. */
static or_status scan_read(void *ctx, or_image *img, int64_t *pts, int *got, or_err *err)
{
    scan_ctx *sc = ctx;
    cli_segment_progress(sc->s, sc->n++, "planning", NULL, 0);
    return or_video_read(sc->r, img, pts, got, err);
}

int cli_segment_prepare(cli_chain *c, cli_segment *s)
{
    const cli_opts *o = &c->o;
    struct stat so;
    if (stat(o->out, &so) == 0 && !S_ISDIR(so.st_mode))
        return cli_fail_usage(o, "-o %s: with --segment, -o is the segment folder", o->out);
    if (cli_mkdirs(o->out)) {
        cli_say(o, "-o %s: cannot create the folder: %s", o->out, strerror(errno));
        return 1;
    }
    cli_segment_path(s->file, sizeof s->file, o->out, s->k, s->n, ".nut");
    cli_segment_path(s->manifest, sizeof s->manifest, o->out, s->k, s->n, ".json");
    cli_segment_path(s->progress, sizeof s->progress, o->out, s->k, s->n, ".progress");
    or_err err;
    if (cli_segment_fingerprint(o->in, &s->input_size, s->input_sha, &err) != OR_OK) {
        cli_say(o, "%s", err.msg);
        return 1;
    }
    or_video_reader *r;
    if (or_video_open(o->in, &r, NULL, &err) != OR_OK) {
        cli_say(o, "%s", err.msg);
        return 1;
    }
    if (o->verbose)
        cli_say(o, "segment %d of %d: scanning %s for the plan", s->k, s->n, o->in);
    uint8_t *cut;
    int stopped;
    cli_install_signals();
    s->started = now_s();
    scan_ctx sc = {r, s, 0};
    cli_segment_progress(s, 0, "planning", NULL, 1);
    or_status st = or_segment_scan(scan_read, &sc, o->scene_threshold, &cli_stop, &stopped, &cut,
                                   &s->frames, &err);
    or_video_close(r);
    if (st != OR_OK) {
        cli_segment_progress(s, sc.n, "failed", err.msg, 1);
        cli_say(o, "%s", err.msg);
        return 1;
    }
    if (stopped) {
        cli_segment_progress(s, sc.n, "stopped", NULL, 1);
        cli_say(o, "interrupted while planning the segments");
        return CLI_EXIT_INTERRUPTED;
    }
    s->cut = cut;
    return -1;
}

int cli_segment_plan(cli_chain *c, cli_segment *s)
{
    const cli_opts *o = &c->o;
    s->bounds = malloc((size_t)(s->n + 1) * sizeof *s->bounds);
    if (!s->bounds) {
        cli_say(o, "out of memory");
        return 1;
    }
    s->at_cuts = bounds_at_cuts(c);
    or_segment_plan(s->frames, s->cut, s->n, s->at_cuts ? OR_SEGMENT_AT_CUTS : OR_SEGMENT_ANY,
                    s->bounds);
    int64_t first = s->bounds[s->k];
    if (c->dex.state && first < s->frames) /* the single run's frame and scene index there */
        or_dex_state_set_origin(c->dex.state, (long)first,
                                (int)or_segment_scene_at(s->cut, first));
    if (o->verbose)
        cli_say(o, "segment %d of %d: input frames %lld..%lld of %lld%s", s->k, s->n,
                (long long)first, (long long)s->bounds[s->k + 1] - 1, (long long)s->frames,
                s->at_cuts ? " (boundaries at scene cuts: deep-exemplar)" : "");
    return -1;
}

void cli_segment_free(cli_segment *s)
{
    free(s->bounds);
    free(s->cut);
    s->bounds = NULL;
    s->cut = NULL;
}

/* ---- the manifest ---------------------------------------------------------------- */

int cli_segment_check_done(cli_chain *c, cli_segment *s)
{
    const cli_opts *o = &c->o;
    if (access(s->manifest, F_OK) != 0)
        return -1;
    if (o->overwrite) {
        unlink(s->manifest);
        return -1;
    }
    json_value *m;
    or_err err;
    char settings[1024], models[1024];
    cli_segment_settings(c, settings, sizeof settings);
    cli_segment_models(c, models, sizeof models);
    if (json_parse_file(s->manifest, &m, &err) == OR_OK) {
        int same = !strcmp(json_str(m, "settings", ""), settings) &&
                   !strcmp(json_str(m, "models", ""), models) &&
                   !strcmp(json_str(m, "input_sha256", ""), s->input_sha) &&
                   json_num(m, "input_size", -1) == (double)s->input_size;
        json_free(m);
        if (same && (access(s->file, F_OK) == 0 || s->bounds[s->k] == s->bounds[s->k + 1])) {
            if (!o->quiet)
                cli_say(o, "segment %d of %d is already done (%s); --overwrite redoes it", s->k,
                        s->n, s->manifest);
            return 0;
        }
        if (same) { /* its file is gone: done again */
            unlink(s->manifest);
            return -1;
        }
    }
    cli_say(o, "%s holds a segment made from another input or with other settings (add "
            "--overwrite to replace it)", s->manifest);
    return 1;
}

int cli_segment_finish(cli_chain *c, cli_segment *s, const or_video_out_opts *wo)
{
    const cli_opts *o = &c->o;
    char settings[1024], models[1024], in_abs[PATH_MAX];
    cli_segment_settings(c, settings, sizeof settings);
    cli_segment_models(c, models, sizeof models);
    if (!realpath(o->in, in_abs))
        snprintf(in_abs, sizeof in_abs, "%s", o->in);
    struct stat sf;
    int64_t bytes = s->frames_out && stat(s->file, &sf) == 0 ? (int64_t)sf.st_size : 0;
    const char *base = strrchr(s->file, '/');
    or_atomic_file af;
    or_err err;
    if (or_atomic_open(&af, s->manifest, &err) != OR_OK) {
        cli_say(o, "%s", err.msg);
        return 1;
    }
    FILE *f = af.f;
    fprintf(f, "{\n  \"format\": \"oprestore-segment 1\",\n  \"segment\": %d,\n  \"segments\": %d,"
            "\n  \"input\": ", s->k, s->n);
    json_write_str(f, in_abs, 0);
    fprintf(f, ",\n  \"input_size\": %lld,\n  \"input_sha256\": \"%s\",\n  \"settings\": ",
            (long long)s->input_size, s->input_sha);
    json_write_str(f, settings, 0);
    fputs(",\n  \"models\": ", f);
    json_write_str(f, models, 0);
    fprintf(f, ",\n  \"frames\": %lld,\n  ", (long long)s->frames);
    put_bounds(f, s);
    fprintf(f, ",\n  \"first_frame\": %lld,\n  \"end_frame\": %lld,\n  \"frames_out\": %lld,\n"
            "  \"pts_first\": %lld,\n  \"pts_last\": %lld,\n  \"time_base\": [%d, %d],\n"
            "  \"frame_rate\": [%d, %d],\n  \"colour\": [%d, %d, %d, %d],\n  \"file\": ",
            (long long)s->bounds[s->k], (long long)s->bounds[s->k + 1],
            (long long)s->frames_out, (long long)s->pts_first, (long long)s->pts_last,
            wo->tb_num, wo->tb_den, wo->rate_num, wo->rate_den, wo->colour.range,
            wo->colour.primaries, wo->colour.transfer, wo->colour.matrix);
    json_write_str(f, s->frames_out ? (base ? base + 1 : s->file) : "", 0);
    fprintf(f, ",\n  \"file_bytes\": %lld,\n  \"seconds\": %.1f\n}\n", (long long)bytes,
            now_s() - s->started);
    if (or_atomic_commit(&af, &err) != OR_OK) {
        cli_say(o, "%s", err.msg);
        return 1;
    }
    cli_segment_progress(s, s->bounds[s->k + 1] - s->bounds[s->k], "done", NULL, 1);
    return -1;
}
