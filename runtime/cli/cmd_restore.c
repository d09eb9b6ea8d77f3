/* cmd_restore.c: oprestore-gpu restore: colorize -> upscale -> interpolate,
 * each optional, in one process without intermediate files, on a video, a
 * folder of frames or images; and the video path of the single-stage
 * commands (cmd_restore_single).  See docs/cli.md. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/cli/cli_common.h"
#include "runtime/cli/cli_dex.h"
#include "runtime/cli/cli_jobs.h"
#include "runtime/cli/cli_segment.h"
#include "runtime/cli/cli_video.h"
#include "runtime/core/fileutil.h"

#define PROG "oprestore-gpu restore"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: oprestore-gpu restore -i IN -o OUT [--colorize MODEL] [--upscale MODEL]\n"
            "                             [--interpolate MODEL -n N] [options]\n"
            "Runs the stages given, in the order colorize -> upscale -> interpolate, frame by\n"
            "frame in one process (no intermediate files).  IN is a video (-> a video), a\n"
            "folder of frames (-> numbered frames 00000001.png ... in the OUT folder), or an\n"
            "image or folder of images (without --interpolate).\n"
            "  --colorize MODEL     deoldify-video, deoldify-artistic, deoldify-stable,\n"
            "                       siggraph17, eccv16, deep-exemplar (with --reference REF:\n"
            "                       a picture, or a folder of them, one per scene; --no-smooth,\n"
            "                       --work-pixels N), or with --keyframes MODEL: each scene's\n"
            "                       first frame coloured by MODEL becomes its reference;\n"
            "                       --keyframes-out DIR writes each keyframe as\n"
            "                       DIR/scene-0003-f000412.png (open it in the studio) and its\n"
            "                       colouring as ...-reference.png (without -o: only those, no\n"
            "                       film: a scan and one colouring per scene); with --keyframes\n"
            "                       siggraph17, --keyframe-hints DIR|FILE colours a scene's\n"
            "                       keyframe with its hints file DIR/scene-0003*.json (the\n"
            "                       studio's Save hints)\n"
            "  --upscale MODEL      realesr-animevideov3, realesrgan-x4plus, ...\n"
            "  --interpolate MODEL  rife-v4.6, rife-v4.25, rife-v4.26, dain\n"
            "  --segment K/N        only the K-th (from 0) of N segments of a video, into the\n"
            "                       folder OUT with its manifest; `oprestore-gpu join` makes\n"
            "                       the film of them (docs/cluster.md)\n");
    cli_usage_common(f);
    cli_usage_video(f);
}

typedef struct {
    const char *colorize, *upscale, *interpolate;
    cli_dex_flags dex; /* deep-exemplar */
    const char *segment;
} stage_flags;

static int restore_extra(void *ctx, int argc, char **argv, int *i)
{
    stage_flags *s = ctx;
    int dex = cli_dex_flag(argc, argv, i, &s->dex);
    if (dex != CLI_UNKNOWN)
        return dex;
    const char **dst = !strcmp(argv[*i], "--colorize")      ? &s->colorize
                       : !strcmp(argv[*i], "--upscale")     ? &s->upscale
                       : !strcmp(argv[*i], "--interpolate") ? &s->interpolate
                       : !strcmp(argv[*i], "--segment")     ? &s->segment
                                                            : NULL;
    if (!dst)
        return CLI_UNKNOWN;
    if (*i + 1 >= argc || !*argv[*i + 1])
        return CLI_BAD;
    *dst = argv[++*i];
    return CLI_TAKEN;
}

static or_status chain_image(void *ctx, const cli_job *j, const or_image *in, or_image *out,
                             or_err *err)
{
    (void)j;
    return cli_chain_frame(ctx, in, out, err);
}

/* Dispatch on the input kind. */
static int run_chain(cli_chain *c)
{
    cli_opts *o = &c->o;
    if (o->multiplier && !c->interpolate)
        return cli_fail_usage(o, "-n needs --interpolate MODEL");
    int video = cli_is_video(o->prog, o->in);
    if (video)
        return video < 0 ? 1 : cli_video_run(c);
    if (c->segment)
        return cli_fail_usage(o, "-i %s: --segment splits a video; this is not one", o->in);
    if (!o->out)
        return cli_fail_usage(o, "-o is required (-i %s is not a video: --keyframes-out "
                                 "alone needs one)", o->in);
    struct stat si;
    int exists = stat(o->in, &si) == 0, folder = exists && S_ISDIR(si.st_mode);
    or_err err;
    if (exists && !folder && or_check_input(o->in, 0, &err) != OR_OK) {
        cli_say(o, "%s", err.msg); /* not a regular file: a FIFO, a device */
        return 1;
    }
    if (c->interpolate) {
        if (!folder)
            return cli_fail_usage(o, "-i %s: interpolation needs a video or a folder of frames",
                                  o->in);
        return cli_sequence_run(c);
    }
    cli_job_list jobs = {0};
    int rc = cli_make_jobs(o, &jobs);
    if (rc < 0)
        rc = cli_chain_load_images(c);
    if (rc < 0) {
        cli_install_signals();
        rc = cli_run_images(o, &jobs, chain_image, c);
    }
    cli_jobs_free(&jobs);
    return rc;
}

int cmd_restore(int argc, char **argv)
{
    cli_chain c;
    memset(&c, 0, sizeof c);
    stage_flags s = {0};
    cli_opts_init(&c.o, PROG, NULL);
    int rc = cli_parse_loose(&c.o, argc, argv, restore_extra, &s, usage);
    if (rc >= 0)
        return rc;
    if (!c.o.in || (!c.o.out && (!s.dex.keyframes_out || s.segment)))
        return cli_fail_usage(&c.o, "%s", !c.o.in ? "-i is required"
                                          : "-o is required (without it, --keyframes-out "
                                            "writes only the keyframes of a whole video)");
    if (c.o.model)
        return cli_fail_usage(&c.o, "restore takes --colorize/--upscale/--interpolate MODEL, "
                                    "not -m");
    if (!s.colorize && !s.upscale && !s.interpolate)
        return cli_fail_usage(&c.o, "give at least one of --colorize, --upscale, --interpolate");
    c.colorize = s.colorize, c.upscale = s.upscale, c.interpolate = s.interpolate;
    c.dexf = s.dex;
    cli_segment seg;
    memset(&seg, 0, sizeof seg);
    if (s.segment) {
        if (cli_segment_parse(s.segment, &seg.k, &seg.n))
            return cli_fail_usage(&c.o, "--segment %s: expected K/N with 0 <= K < N <= %d "
                                  "(K counts from 0, as SLURM_ARRAY_TASK_ID)",
                                  OR_ESC(s.segment), CLI_SEGMENT_MAX);
        c.segment = &seg;
    }
    rc = run_chain(&c);
    cli_chain_free(&c);
    cli_segment_free(&seg);
    return rc;
}

/* Default models of the single-stage commands on a video. */
static const char *default_model(const char *stage)
{
    return !strcmp(stage, "colorize") ? "deoldify-video"
           : !strcmp(stage, "upscale") ? "realesr-animevideov3" : "rife-v4.6";
}

static const char *single_usage_stage;
static void single_usage(FILE *f)
{
    fprintf(f, "usage: oprestore-gpu %s -i VIDEO -o OUT [-m MODEL] [options]\n"
               "(a video input runs as 'oprestore-gpu restore --%s MODEL')\n",
            single_usage_stage, single_usage_stage);
    cli_usage_common(f);
    cli_usage_video(f);
}

/* The stage's own flags that also apply to a video: colorize -r N (as
 * --render-factor), interpolate --scale S (RIFE's flow scale).  Image-only
 * flags (--hints, -0/-1, --time) are usage errors here. */
typedef struct {
    const char *stage;
    cli_chain *c;
} single_ctx;

static int single_extra(void *ctx, int argc, char **argv, int *i)
{
    single_ctx *s = ctx;
    const char *a = argv[*i];
    int colorize = !strcmp(s->stage, "colorize"), interp = !strcmp(s->stage, "interpolate");
    if (colorize) {
        int dex = cli_dex_flag(argc, argv, i, &s->c->dexf);
        if (dex != CLI_UNKNOWN)
            return dex;
    }
    if (!(colorize && !strcmp(a, "-r")) && !(interp && !strcmp(a, "--scale")))
        return CLI_UNKNOWN;
    if (*i + 1 >= argc)
        return CLI_BAD;
    const char *v = argv[++*i];
    if (colorize) /* -r is --render-factor's short spelling */
        return cli_parse_int(v, 1, 128, &s->c->o.render_factor) ? CLI_BAD : CLI_TAKEN;
    double d;
    if (cli_parse_double(v, 0.25, 4, &d) || (d != 0.25 && d != 0.5 && d != 1 && d != 2 && d != 4))
        return CLI_BAD;
    s->c->flow_scale = d;
    return CLI_TAKEN;
}

int cmd_restore_single(const char *stage, int argc, char **argv)
{
    cli_chain c;
    memset(&c, 0, sizeof c);
    char prog[64];
    snprintf(prog, sizeof prog, "oprestore-gpu %s", stage);
    cli_opts_init(&c.o, prog, default_model(stage));
    single_usage_stage = stage;
    single_ctx sc = {stage, &c};
    int rc = cli_parse(&c.o, argc, argv, single_extra, &sc, single_usage);
    if (rc >= 0)
        return rc;
    if (!strcmp(stage, "colorize"))
        c.colorize = c.o.model;
    else if (!strcmp(stage, "upscale"))
        c.upscale = c.o.model;
    else
        c.interpolate = c.o.model;
    rc = run_chain(&c);
    cli_chain_free(&c);
    return rc;
}
