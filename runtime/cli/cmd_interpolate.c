/* cmd_interpolate.c: oprestore-gpu interpolate, after Practical-RIFE's
 * inference_img.py / inference_video.py: the frame between two images, or a
 * folder of ordered frames made N times as many (runtime/stages/interpolate.h).
 * Video inputs go to the restore machinery (oprestore_gpu.c's stage_command).
 *
 *   interpolate -0 A -1 B -o MID [--time T] [--scale S] [-m MODEL] [-g ...]
 *   interpolate -i FRAMES/ -o OUT/ [-n N] [--scale S] ...
 *
 * A folder's images are taken in name order; OUT/ gets %08d.png (or -f jpg)
 * frames numbered from 0: each original followed by its N-1 in-between frames
 * at t = k/N, the last original at the end, so N*(frames-1)+1 files.
 * Exit codes: 0 success, 1 runtime error, 2 usage error, 130 interrupted;
 * every error is one line on stderr starting "oprestore-gpu interpolate: ". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/cli/cli_common.h"
#include "runtime/cli/cli_jobs.h"
#include "runtime/core/fileutil.h"
#include "runtime/io/image.h"
#include "runtime/stages/interpolate.h"
#include "runtime/nets/net.h"

#define PROG "oprestore-gpu interpolate"
#define DEFAULT_MODEL "rife-v4.6"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: oprestore-gpu interpolate -0 A -1 B -o MID [options]\n"
            "       oprestore-gpu interpolate -i FRAMES/ -o OUT/ [-n N] [options]\n"
            "       oprestore-gpu interpolate -i VIDEO -o VIDEO [-n N] [options]\n"
            "Makes in-between frames with RIFE (rife-v4.6 default, rife-v4.25, rife-v4.26) or\n"
            "DAIN.  A folder's images are taken in name order; OUT/ gets %%08d.png frames: each\n"
            "original, then its N-1 new frames at t = k/N, and the last original\n"
            "(N*(frames-1)+1 in all).  Frames are padded to a multiple of max(128, 128/scale)\n"
            "as the official inference, and cropped back.  Gray stays gray, alpha is blended.\n"
            "  -0 A, -1 B   the two frames (t = 0 and t = 1)\n"
            "  --time T     the time of the frame made from -0/-1, in [0,1] (default 0.5)\n"
            "  --scale S    RIFE flow scale: 1 (default), 0.5 for 4K, or 0.25, 2, 4\n");
    cli_usage_common(f);
    cli_usage_video(f);
}

typedef struct {
    cli_opts o;
    const char *f0, *f1;
    double t;
    double flow_scale;
    int have_t;
    or_net *net;
} ip_ctx;

static int extra(void *ctx, int argc, char **argv, int *i)
{
    ip_ctx *c = ctx;
    const char *a = argv[*i];
    if (strcmp(a, "-0") && strcmp(a, "-1") && strcmp(a, "--time") && strcmp(a, "--scale"))
        return CLI_UNKNOWN;
    if (*i + 1 >= argc)
        return CLI_BAD;
    const char *v = argv[++*i];
    if (!strcmp(a, "-0"))
        c->f0 = v;
    else if (!strcmp(a, "-1"))
        c->f1 = v;
    else if (!strcmp(a, "--time")) {
        c->have_t = 1;
        if (cli_parse_double(v, 0, 1, &c->t))
            return CLI_BAD;
    } else if (cli_parse_double(v, 0.25, 4, &c->flow_scale) ||
               (c->flow_scale != 0.25 && c->flow_scale != 0.5 && c->flow_scale != 1 &&
                c->flow_scale != 2 && c->flow_scale != 4))
        return CLI_BAD;
    return CLI_TAKEN;
}

/* Usage checks of the two modes; returns -1 to go on, else 2 (message printed). */
static int check_usage(ip_ctx *c)
{
    cli_opts *o = &c->o;
    int pair = c->f0 || c->f1;
    if (pair && o->in)
        return cli_fail_usage(o, "give either -0/-1 (two frames) or -i (a folder), not both");
    if (!pair && !o->in)
        return cli_fail_usage(o, "-0 and -1 (two frames) or -i (a folder) is required");
    if (pair && (!c->f0 || !c->f1))
        return cli_fail_usage(o, "%s is required with %s", c->f0 ? "-1" : "-0",
                              c->f0 ? "-0" : "-1");
    if (!o->out)
        return cli_fail_usage(o, "-o is required");
    if (o->model && !*o->model)
        return cli_fail_usage(o, "-m needs a model name");
    if (pair && o->multiplier)
        return cli_fail_usage(o, "-n is for -i folders; use --time with -0/-1");
    if (!pair && c->have_t)
        return cli_fail_usage(o, "--time is for -0/-1; a folder gets t = k/N (-n N)");
    if (!pair && o->multiplier == 1)
        return cli_fail_usage(o, "-n 1 makes no new frames: expected 2..64");
    if (o->scale)
        return cli_fail_usage(o, "-s does not apply: interpolation keeps the frame size");
    if (o->tile)
        return cli_fail_usage(o, "-t does not apply: frames are interpolated whole");
    return -1;
}

static int read_frame(const cli_opts *o, const char *path, or_image *img)
{
    or_err err;
    if (cli_read_image(o, path, img, &err) != OR_OK) {
        cli_say(o, "%s", err.msg);
        return 1;
    }
    return 0;
}

/* Give a and b the same channel count (a gray frame beside an RGB one becomes RGB). */
static int match_channels(const cli_opts *o, or_image *a, or_image *b)
{
    or_err err;
    or_image *g = a->channels < b->channels ? a : b->channels < a->channels ? b : NULL;
    if (!g)
        return 0;
    or_image rgb;
    if (or_image_to_rgb(g, &rgb, &err) != OR_OK) {
        cli_say(o, "%s", err.msg);
        return 1;
    }
    or_image_free(g);
    *g = rgb;
    return 0;
}

/* 0 when out may be written: not an input, not existing unless --overwrite. */
static int may_write(const cli_opts *o, const char *out, const char *in0, const char *in1)
{
    struct stat sb;
    if (stat(out, &sb) != 0)
        return 0;
    if ((in0 && or_same_file(out, in0)) || (in1 && or_same_file(out, in1)))
        return cli_fail_usage(o, "-o %s is an input; an input is never overwritten", out);
    if (!o->overwrite) {
        cli_say(o, "%s: exists (use --overwrite to replace it)", out);
        return 1;
    }
    return 0;
}

static int write_frame(const cli_opts *o, const char *path, int fmt, const or_image *img)
{
    or_err err;
    if (cli_write_image(path, fmt, img, &err) != OR_OK) {
        cli_say(o, "%s", err.msg);
        return 1;
    }
    return 0;
}

static int run_pair(ip_ctx *c)
{
    cli_opts *o = &c->o;
    or_image a = {0}, b = {0}, mid = {0};
    or_err err;
    int rc = may_write(o, o->out, c->f0, c->f1);
    if (!rc)
        rc = read_frame(o, c->f0, &a);
    if (!rc)
        rc = read_frame(o, c->f1, &b);
    if (!rc)
        rc = match_channels(o, &a, &b);
    if (!rc) {
        or_interpolate_opts io = {(float)c->flow_scale};
        float t = c->have_t ? (float)c->t : 0.5f;
        if (or_interpolate_image(c->net, &a, &b, t, &io, &mid, &err) != OR_OK) {
            cli_say(o, "%s and %s: %s", c->f0, c->f1, err.msg);
            rc = 1;
        }
    }
    if (!rc)
        rc = write_frame(o, o->out, cli_image_format(o, o->out), &mid);
    if (!rc && o->verbose)
        cli_say(o, "%s + %s -> %s (%dx%d)", c->f0, c->f1, o->out, mid.width, mid.height);
    or_image_free(&a), or_image_free(&b), or_image_free(&mid);
    return rc;
}

/* OUT/<index>.<ext> */
static void frame_path(char *buf, size_t len, const char *dir, long index, int fmt)
{
    snprintf(buf, len, "%s/%08ld.%s", dir, index, fmt == 'j' ? "jpg" : "png");
}

/* Checks before any work: the output folder is not the input, no output
 * exists unless --overwrite; creates the folder.  -1 to go on. */
static int prepare_folder(const cli_opts *o, int frames, int n, int fmt)
{
    struct stat sb;
    if (stat(o->out, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode))
            return cli_fail_usage(o, "-i %s is a folder, so -o must be one too (%s is a file)",
                                  o->in, o->out);
        if (or_same_file(o->in, o->out))
            return cli_fail_usage(o, "-o %s is the input folder; inputs are never overwritten",
                                  o->out);
        char path[4096];
        for (long k = 0; k <= (long)n * (frames - 1) && !o->overwrite; k++) {
            frame_path(path, sizeof path, o->out, k, fmt);
            if (access(path, F_OK) == 0) {
                cli_say(o, "%s: exists (use --overwrite to replace it)", path);
                return 1;
            }
        }
    } else if (cli_mkdirs(o->out)) {
        cli_say(o, "-o %s: cannot create the folder: %s", o->out, strerror(errno));
        return 1;
    }
    return -1;
}

/* One pair: prev (index i) and its n-1 successors into OUT; cur is frame i+1. */
static int write_pair(ip_ctx *c, const char *p0, const char *p1, const or_image *prev,
                      const or_image *cur, long base, int n, int fmt)
{
    cli_opts *o = &c->o;
    char path[4096];
    or_err err;
    frame_path(path, sizeof path, o->out, base, fmt);
    if (write_frame(o, path, fmt, prev))
        return 1;
    or_image *mids = calloc((size_t)n, sizeof *mids);
    if (!mids) {
        cli_say(o, "out of memory");
        return 1;
    }
    or_interpolate_opts io = {(float)c->flow_scale};
    int rc = 0;
    if (or_interpolate_n(c->net, prev, cur, n, &io, mids, &err) != OR_OK) {
        cli_say(o, "%s and %s: %s", p0, p1, err.msg);
        rc = 1;
    }
    for (int k = 0; k < n - 1 && !rc; k++) {
        frame_path(path, sizeof path, o->out, base + 1 + k, fmt);
        rc = write_frame(o, path, fmt, &mids[k]);
    }
    for (int k = 0; k < n - 1; k++)
        or_image_free(&mids[k]);
    free(mids);
    if (!rc && o->verbose)
        cli_say(o, "%s + %s -> frames %ld..%ld", p0, p1, base, base + n - 1);
    return rc;
}

static int run_folder(ip_ctx *c)
{
    cli_opts *o = &c->o;
    struct stat sb;
    if (stat(o->in, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        cli_say(o, "-i %s: %s", o->in,
                stat(o->in, &sb) != 0 ? strerror(errno) : "not a folder, a video, or -0/-1 frames");
        return 1;
    }
    int frames, n = o->multiplier ? o->multiplier : 2, fmt = cli_image_format(o, "");
    char **names = cli_list_images(o->in, &frames), p0[4096] = "", p1[4096];
    int rc = frames < 2 ? 1 : prepare_folder(o, frames, n, fmt);
    if (frames < 2)
        cli_say(o, "-i %s: %d image%s: two or more frames are needed", o->in, frames,
                frames == 1 ? "" : "s");
    or_image prev = {0}, cur = {0};
    if (rc < 0) {
        rc = 0;
        snprintf(p0, sizeof p0, "%s/%s", o->in, names[0]);
        rc = read_frame(o, p0, &prev);
    }
    for (int i = 1; i < frames && !rc; i++) {
        if (cli_stop) {
            rc = CLI_EXIT_INTERRUPTED;
            break;
        }
        snprintf(p1, sizeof p1, "%s/%s", o->in, names[i]);
        rc = read_frame(o, p1, &cur);
        if (!rc)
            rc = match_channels(o, &prev, &cur);
        if (!rc)
            rc = write_pair(c, p0, p1, &prev, &cur, (long)(i - 1) * n, n, fmt);
        or_image_free(&prev);
        prev = cur;
        memset(&cur, 0, sizeof cur);
        memcpy(p0, p1, sizeof p0);
    }
    if (!rc) {
        char path[4096];
        frame_path(path, sizeof path, o->out, (long)(frames - 1) * n, fmt);
        rc = write_frame(o, path, fmt, &prev);
    }
    if (!rc && !o->quiet && o->verbose)
        cli_say(o, "%d frames in, %ld out", frames, (long)(frames - 1) * n + 1);
    or_image_free(&prev);
    for (int i = 0; i < frames; i++)
        free(names[i]);
    free(names);
    return rc;
}

int cmd_interpolate(int argc, char **argv)
{
    ip_ctx c = {0};
    c.flow_scale = 1.0;
    cli_opts *o = &c.o;
    cli_opts_init(o, PROG, DEFAULT_MODEL);
    int rc = cli_parse_loose(o, argc, argv, extra, &c, usage);
    if (rc < 0)
        rc = check_usage(&c);
    if (rc >= 0)
        return rc;
    or_backend *be = NULL;
    rc = cli_open_backend(o, &be);
    if (rc < 0)
        rc = cli_load_net(o, be, o->model, "interpolate", &c.net);
    if (rc < 0 && !c.net->interpolate) {
        cli_say(o, "%s: %s is not an interpolation network", o->model, c.net->arch);
        rc = 1;
    }
    if (rc < 0) {
        if (o->verbose)
            cli_say(o, "%s (%s, %s) on %s", o->model, c.net->arch, or_dtype_name(c.net->dtype),
                    be->name);
        cli_install_signals();
        rc = c.f0 ? run_pair(&c) : run_folder(&c);
    }
    or_net_free(c.net);
    or_backend_destroy(be);
    return rc;
}
