/* cmd_join.c: oprestore-gpu join -o OUT SEGMENT_DIR (the film of the
 * segments that `restore --segment K/N` made) and join --status SEGMENT_DIR
 * (what is done, running, failed and missing, with an ETA).  See
 * docs/cluster.md and cli_segment.h for the files. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libavutil/log.h>

#include "runtime/cli/cli_common.h"
#include "runtime/cli/cli_segment.h"
#include "weights/json.h"

#define PROG "oprestore-gpu join"
#define STALE_S 300.0 /* a running segment silent this long is reported as stalled */

static void usage(FILE *f)
{
    fprintf(f, "usage: oprestore-gpu join -o OUT SEGMENT_DIR [-i SOURCE] [--overwrite] [-q|-v]\n"
               "       oprestore-gpu join --status SEGMENT_DIR\n"
               "Joins the segments that `oprestore-gpu restore --segment K/N -o SEGMENT_DIR`\n"
               "made (stream copy, no re-encoding) into OUT, with the audio and subtitles of\n"
               "the source (the input the manifests name, or -i SOURCE) copied once.  Every\n"
               "manifest must be there, of one plan and the same settings; a missing or\n"
               "failed segment is named: run that K again, then join again.\n"
               "  --status   print each segment's state (done, running, failed, stalled,\n"
               "             missing), the frames done and an ETA; exit 0 when all are done,\n"
               "             3 otherwise\n");
}

typedef struct {
    const char *dir;
    int status;
} join_args;

static int join_extra(void *ctx, int argc, char **argv, int *i)
{
    join_args *a = ctx;
    (void)argc;
    if (!strcmp(argv[*i], "--status")) {
        a->status = 1;
        return CLI_TAKEN;
    }
    if (argv[*i][0] == '-' || a->dir)
        return CLI_UNKNOWN;
    a->dir = argv[*i];
    return CLI_TAKEN;
}

/* N of the segment-K-of-N files in dir: 0 none, -1 several plans (said). */
static int find_n(const cli_opts *o, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        cli_say(o, "%s: not a folder of segments", dir);
        return -1;
    }
    int n = 0, other = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        int k, m, used = 0;
        if (sscanf(e->d_name, "segment-%d-of-%d.%n", &k, &m, &used) != 2 || !used ||
            (strcmp(e->d_name + used, "json") && strcmp(e->d_name + used, "progress")))
            continue;
        if (m < 1 || m > CLI_SEGMENT_MAX)
            continue;
        if (n && m != n)
            other = m;
        else
            n = m;
    }
    closedir(d);
    if (other) {
        cli_say(o, "%s holds segments of two plans (of %d and of %d segments): one plan per "
                "folder", dir, n, other);
        return -1;
    }
    return n;
}

/* The manifest or progress file of segment k (NULL when absent or unreadable). */
static json_value *load(const char *dir, int k, int n, const char *ext)
{
    char path[4096];
    cli_segment_path(path, sizeof path, dir, k, n, ext);
    json_value *v = NULL;
    or_err err;
    if (access(path, F_OK) != 0 || json_parse_file(path, &v, &err) != OR_OK)
        return NULL;
    return v;
}

static int64_t bound(const json_value *m, int i)
{
    const json_value *b = json_get(m, "bounds");
    return b && b->type == JSON_ARRAY && (size_t)i < b->n ? (int64_t)b->items[i].num : -1;
}

static int same_array(const json_value *a, const json_value *b, const char *key)
{
    const json_value *x = json_get(a, key), *y = json_get(b, key);
    if (!x || !y || x->type != JSON_ARRAY || y->type != JSON_ARRAY || x->n != y->n)
        return 0;
    for (size_t i = 0; i < x->n; i++)
        if (x->items[i].num != y->items[i].num)
            return 0;
    return 1;
}

/* Which key of m differs from the first manifest's, or NULL. */
static const char *differs(const json_value *m, const json_value *first)
{
    static const char *const strs[] = {"format", "input_sha256", "settings", "models"};
    for (size_t i = 0; i < sizeof strs / sizeof *strs; i++)
        if (strcmp(json_str(m, strs[i], "?"), json_str(first, strs[i], "!")))
            return strs[i];
    if (json_num(m, "input_size", -1) != json_num(first, "input_size", -2))
        return "input_size";
    static const char *const arrays[] = {"bounds", "time_base", "frame_rate", "colour"};
    for (size_t i = 0; i < sizeof arrays / sizeof *arrays; i++)
        if (!same_array(m, first, arrays[i]))
            return arrays[i];
    return NULL;
}

/* "segment 3 of 8 failed on node7: <error>" or "... is missing (no <file>)" */
static void say_missing(const cli_opts *o, const char *dir, int k, int n)
{
    char path[4096];
    cli_segment_path(path, sizeof path, dir, k, n, ".json");
    json_value *p = load(dir, k, n, ".progress");
    const char *state = p ? json_str(p, "state", "") : "";
    if (!strcmp(state, "failed"))
        cli_say(o, "%s: segment %d of %d failed on %s: %s (run `restore --segment %d/%d` again, "
                "then join)", dir, k, n, json_str(p, "host", "?"), json_str(p, "error", "?"), k,
                n);
    else
        cli_say(o, "%s: segment %d of %d is %s (no %s): run `restore --segment %d/%d`%s, then "
                "join", dir, k, n, p ? "not finished" : "missing", path, k, n,
                p ? " again if it no longer runs" : "");
    json_free(p);
}

static int run_join(cli_opts *o, const char *dir)
{
    int n = find_n(o, dir);
    if (n <= 0) {
        if (!n)
            cli_say(o, "%s: no segment manifests (segment-K-of-N.json)", dir);
        return 1;
    }
    json_value **m = calloc((size_t)n, sizeof *m);
    const char **files = calloc((size_t)n, sizeof *files);
    char (*paths)[4096] = calloc((size_t)n, sizeof *paths);
    int64_t *frames = calloc((size_t)n, sizeof *frames);
    int rc = m && files && paths && frames ? -1 : 1, used = 0;
    if (rc > 0)
        cli_say(o, "out of memory");
    for (int k = 0; k < n && rc < 0; k++)
        if (!(m[k] = load(dir, k, n, ".json"))) {
            say_missing(o, dir, k, n);
            rc = 1;
        }
    for (int k = 0; k < n && rc < 0; k++) {
        const char *d = differs(m[k], m[0]);
        char mpath[4096];
        cli_segment_path(mpath, sizeof mpath, dir, k, n, ".json");
        if (d) {
            cli_say(o, "%s: its %s differs from segment 0's: the segments of one film come "
                    "from one input with the same settings (run it again)", mpath, d);
            rc = 1;
        } else if ((int)json_num(m[k], "segment", -1) != k ||
                   (int64_t)json_num(m[k], "first_frame", -1) != bound(m[0], k) ||
                   (int64_t)json_num(m[k], "end_frame", -1) != bound(m[0], k + 1)) {
            cli_say(o, "%s: not segment %d's frames [%lld, %lld) of the plan", mpath, k,
                    (long long)bound(m[0], k), (long long)bound(m[0], k + 1));
            rc = 1;
        } else if ((frames[used] = (int64_t)json_num(m[k], "frames_out", 0)) > 0) {
            snprintf(paths[used], sizeof paths[used], "%s/%s", dir, json_str(m[k], "file", ""));
            files[used] = paths[used];
            used++;
        }
    }
    const char *source = o->in ? o->in : rc < 0 ? json_str(m[0], "input", NULL) : NULL;
    or_err err;
    if (rc < 0 && !used) {
        cli_say(o, "%s: the segments hold no frames", dir);
        rc = 1;
    }
    if (rc < 0) {
        int64_t size;
        char sha[65];
        if (!source || cli_segment_fingerprint(source, &size, sha, &err) != OR_OK) {
            cli_say(o, "%s (the source, for its audio and subtitles; give it with -i)",
                    source ? err.msg : "no source named");
            rc = 1;
        } else if (size != (int64_t)json_num(m[0], "input_size", -1) ||
                   strcmp(sha, json_str(m[0], "input_sha256", ""))) {
            cli_say(o, "%s: not the input the segments were made from (its size or first "
                    "bytes differ)", source);
            rc = 1;
        }
    }
    struct stat so;
    if (rc < 0 && stat(o->out, &so) == 0 && !o->overwrite) {
        cli_say(o, "%s exists (add --overwrite to replace it)", o->out);
        rc = 1;
    }
    if (rc < 0) {
        const json_value *tb = json_get(m[0], "time_base"), *fr = json_get(m[0], "frame_rate"),
                         *co = json_get(m[0], "colour");
        or_video_join_opts jo = {
            .out = o->out, .segments = files, .frames = frames, .n = used, .source = source,
            .tb_num = (int)tb->items[0].num, .tb_den = (int)tb->items[1].num,
            .rate_num = (int)fr->items[0].num, .rate_den = (int)fr->items[1].num,
            .colour = {(int)co->items[0].num, (int)co->items[1].num, (int)co->items[2].num,
                       (int)co->items[3].num},
        };
        int64_t packets;
        int copied, left;
        or_video_log_level(o->verbose ? AV_LOG_WARNING : AV_LOG_QUIET);
        if (or_video_join(&jo, &packets, &copied, &left, &err) != OR_OK) {
            cli_say(o, "%s", err.msg);
            rc = 1;
        } else {
            rc = 0;
            if (left && !o->quiet)
                cli_say(o, "%d audio/subtitle stream%s could not go into %s and %s left out "
                        "(use .mkv)", left, left == 1 ? "" : "s", o->out,
                        left == 1 ? "was" : "were");
            if (!o->quiet)
                cli_say(o, "%s: %lld frames from %d segment%s, %d stream%s copied from %s",
                        o->out, (long long)packets, n, n == 1 ? "" : "s", copied,
                        copied == 1 ? "" : "s", source);
        }
    }
    for (int k = 0; m && k < n; k++)
        json_free(m[k]);
    free(m);
    free(files);
    free(paths);
    free(frames);
    return rc;
}

static void fmt_secs(double s, char *buf, size_t len)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, len, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(buf, len, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, len, "%lds", t);
}

/* join --status: one line per segment and a summary with the ETA (stdout). */
static int run_status(const cli_opts *o, const char *dir)
{
    int n = find_n(o, dir);
    if (n < 0)
        return 1;
    if (!n) {
        printf("%s: no segment has started\n", dir);
        return 3;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    double now = (double)ts.tv_sec + ts.tv_nsec * 1e-9;
    json_value *plan = NULL;
    int done = 0, running = 0, failed = 0, missing = 0, stalled = 0;
    int64_t frames_all = 0, frames_done = 0, frames_left = 0;
    double rate_all = 0;
    for (int k = 0; k < n && !plan; k++) /* the plan: from any file that has it */
        for (int e = 0; e < 2 && !plan; e++)
            if ((plan = load(dir, k, n, e ? ".progress" : ".json")) && bound(plan, n) < 0) {
                json_free(plan);
                plan = NULL;
            }
    for (int k = 0; k < n; k++) {
        json_value *m = load(dir, k, n, ".json"), *p = m ? NULL : load(dir, k, n, ".progress");
        int64_t count = plan ? bound(plan, k + 1) - bound(plan, k) : -1;
        if (count >= 0)
            frames_all += count;
        const char *state = m ? "done" : p ? json_str(p, "state", "running") : "missing";
        int64_t got = m ? count : p ? (int64_t)json_num(p, "done", 0) : 0;
        double started = p ? json_num(p, "started", now) : now,
               updated = p ? json_num(p, "updated", now) : now;
        char extra[512] = "";
        if (m) {
            done++;
            frames_done += count;
        } else if (p && (!strcmp(state, "running") || !strcmp(state, "planning")) &&
                   now - updated > STALE_S) {
            state = "stalled";
            stalled++;
        } else if (p && !strcmp(state, "planning")) {
            running++;
            snprintf(extra, sizeof extra, " (scanning the input: %lld frames), on %s",
                     (long long)json_num(p, "done", 0), json_str(p, "host", "?"));
            got = 0;
        } else if (p && !strcmp(state, "running")) {
            running++;
            double rate = updated > started ? got / (updated - started) : 0;
            rate_all += rate;
            char eta[32] = "?";
            if (rate > 0 && count >= 0)
                fmt_secs((count - got) / rate, eta, sizeof eta);
            snprintf(extra, sizeof extra, ", %.2f frames/s, ETA %s, on %s", rate, eta,
                     json_str(p, "host", "?"));
        } else if (p && (!strcmp(state, "failed") || !strcmp(state, "stopped"))) {
            failed++;
            snprintf(extra, sizeof extra, " on %s: %s", json_str(p, "host", "?"),
                     json_str(p, "error", !strcmp(state, "stopped") ? "interrupted" : "?"));
        } else {
            missing++;
        }
        if (!m) {
            frames_done += got;
            if (count >= 0)
                frames_left += count - got;
        }
        if (count >= 0)
            printf("segment %d of %d: %-8s frames %lld..%lld, %lld of %lld done%s\n", k, n,
                   state, (long long)bound(plan, k), (long long)bound(plan, k + 1) - 1,
                   (long long)got, (long long)count, extra);
        else
            printf("segment %d of %d: %-8s%s\n", k, n, state, extra);
        json_free(m);
        json_free(p);
    }
    char eta[32] = "unknown (nothing running)";
    if (done == n)
        snprintf(eta, sizeof eta, "none: all done, join them");
    else if (rate_all > 0)
        fmt_secs(frames_left / rate_all, eta, sizeof eta);
    printf("%d of %d done, %d running, %d failed, %d stalled, %d missing; input frames %lld of "
           "%lld done; ETA %s%s\n", done, n, running, failed, stalled, missing,
           (long long)frames_done, (long long)frames_all, eta,
           rate_all > 0 && (missing || failed || stalled)
               ? " (at the running segments' pace, if the others start now)" : "");
    json_free(plan);
    return done == n ? 0 : 3;
}

int cmd_join(int argc, char **argv)
{
    cli_opts o;
    join_args a = {0};
    cli_opts_init(&o, PROG, NULL);
    int rc = cli_parse_loose(&o, argc, argv, join_extra, &a, usage);
    if (rc >= 0)
        return rc;
    if (!a.dir)
        return cli_fail_usage(&o, "give the SEGMENT_DIR that restore --segment wrote to");
    if (a.status)
        return o.out ? cli_fail_usage(&o, "--status takes no -o") : run_status(&o, a.dir);
    if (!o.out)
        return cli_fail_usage(&o, "-o OUT is required (the joined film, e.g. film.mkv)");
    return run_join(&o, a.dir);
}
