/* cmd_colorize.c: oprestore-gpu colorize: one image or a folder of images
 * through a colourisation network (runtime/stages/colorize.h): DeOldify (default
 * deoldify-artistic, -r render factor) or Zhang et al. (siggraph17 with
 * optional --hints, eccv16).  Video inputs go to the restore machinery
 * (oprestore_gpu.c's stage_command).
 * Exit codes: 0 success, 1 runtime error (a bad image, model or hints file),
 * 2 usage error, 130 interrupted; every error is one line on stderr starting
 * "oprestore-gpu colorize: ". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/cli/cli_common.h"
#include "runtime/cli/cli_dex.h"
#include "runtime/cli/cli_jobs.h"
#include "runtime/stages/colorize.h"
#include "runtime/io/image.h"
#include "runtime/nets/net.h"

#define PROG "oprestore-gpu colorize"
#define DEFAULT_MODEL "deoldify-artistic"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: oprestore-gpu colorize -i IN -o OUT [options]\n"
            "Colourises a black-and-white photo, a folder of photos (not recursive; names kept,\n"
            "as .png or the -f format) or a video (then as 'restore --colorize MODEL').\n"
            "Models: deoldify-artistic (default), deoldify-stable, siggraph17, eccv16,\n"
            "deep-exemplar (colours carried from --reference; a folder of frames is one clip).\n"
            "The luminance of the input is kept; gray, toned and RGB inputs give RGB outputs,\n"
            "alpha is kept (PNG), 16-bit PNGs are written as 16-bit PNGs.\n"
            "  -r N               DeOldify render factor: network size 16*N (default %d; = --render-factor)\n"
            "  --hints FILE       siggraph17 colour hints: [{\"x\": 10, \"y\": 20, \"color\": \"#rrggbb\"}, ...]\n"
            "                     in input-image pixels (one image, or the same hints for each image);\n"
            "                     optional \"size\": the patch side in network pixels (odd 1..9, default 5)\n"
            "  --temperature T    siggraph17/eccv16: the annealed mean of the network's colour\n"
            "                     distribution at softmax temperature T (the paper: 0.38; lower is more\n"
            "                     vivid, 1 the plain mean); without it, each model's released output\n"
            "  --reference REF    deep-exemplar: the colour picture to take colours from, or a folder\n"
            "                     of them (name order), one per scene (scene cuts by --scene-threshold),\n"
            "                     or by REF/scenes.json: [{\"first\": 0, \"last\": 99, \"reference\": \"a.jpg\"}];\n"
            "                     inputs are processed in name order as one chain of frames\n"
            "  --no-smooth        deep-exemplar: skip the fast global smoother of the colours\n"
            "  --work-pixels N    deep-exemplar: working size in pixels, the frame's aspect kept\n"
            "                     (default 331776 = 432x768, as the official test)\n"
            "  --keyframes MODEL  deep-exemplar without --reference: each scene's first frame is\n"
            "                     coloured by MODEL (deoldify-*, siggraph17, eccv16) and used as the\n"
            "                     scene's reference\n"
            "  --keyframes-out DIR  with --keyframes: writes each scene's first frame as\n"
            "                     DIR/scene-0003-f000412.png (scene 3, frame 412: open it in\n"
            "                     `oprestore-gpu studio`) and its colouring as ...-reference.png\n"
            "  --keyframe-hints PATH  with --keyframes siggraph17, on a video: each scene's\n"
            "                     keyframe coloured with its hints, from PATH/scene-0003*.json\n"
            "                     (the studio's Save hints) or one file {\"scene-0003\": [hints]};\n"
            "                     other scenes automatic (docs/stages/deep_exemplar.md)\n",
            OR_DEOLDIFY_RENDER_FACTOR_IMAGE);
    cli_usage_common(f);
    cli_usage_video(f);
}

typedef struct {
    cli_opts o;
    const char *hints_path;
    or_color_hint *hints;
    int n_hints;
    double temperature; /* 0: not given */
    or_net *net;
    cli_dex_flags dexf;
    cli_dex dex;
} co_ctx;

static int extra(void *ctx, int argc, char **argv, int *i)
{
    co_ctx *c = ctx;
    const char *a = argv[*i];
    int dex = cli_dex_flag(argc, argv, i, &c->dexf);
    if (dex != CLI_UNKNOWN)
        return dex;
    if (strcmp(a, "-r") && strcmp(a, "--hints") && strcmp(a, "--temperature"))
        return CLI_UNKNOWN;
    if (*i + 1 >= argc)
        return CLI_BAD;
    const char *v = argv[++*i];
    if (!strcmp(a, "--temperature"))
        return cli_parse_double(v, 0.01, 100, &c->temperature) ? CLI_BAD : CLI_TAKEN;
    if (!strcmp(a, "--hints")) {
        c->hints_path = v;
        return CLI_TAKEN;
    }
    /* -r is --render-factor's short spelling, with the same range */
    return cli_parse_int(v, 1, 128, &c->o.render_factor) ? CLI_BAD : CLI_TAKEN;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* One image through the pipeline (the process thread of cli_run_images). */
static or_status colorize_one(void *ctx, const cli_job *j, const or_image *img, or_image *res,
                              or_err *err)
{
    co_ctx *c = ctx;
    double t0 = now_s();
    or_colorize_opts co = or_colorize_defaults();
    if (c->o.render_factor)
        co.render_factor = c->o.render_factor;
    co.hints = c->hints;
    co.n_hints = c->n_hints;
    co.temperature = (float)c->temperature;
    co.dex = c->dex.state;
    for (int i = 0; i < c->n_hints; i++)
        if (c->hints[i].x >= img->width || c->hints[i].y >= img->height)
            return or_errf(err, OR_EINVAL, "%s: hint %d (x %d, y %d) is outside the %dx%d image",
                           c->hints_path, i, c->hints[i].x, c->hints[i].y, img->width,
                           img->height);
    or_colorize_info info;
    OR_TRY(or_colorize_image(c->net, img, &co, res, &info, err));
    if (c->o.verbose && c->dex.state)
        fprintf(stderr, "%s -> %s: %dx%d, network %dx%d, scene %d, reference %s%d%s, %.2f s\n",
                OR_ESC(j->in), OR_ESC(j->out), img->width, img->height, info.net_w, info.net_h,
                info.scene, info.reference < 0 ? "keyframe of scene " : "",
                info.reference < 0 ? info.scene : info.reference,
                info.chain_restarted ? " (new chain)" : "", now_s() - t0);
    else if (c->o.verbose)
        fprintf(stderr, "%s -> %s: %dx%d, network %dx%d%s, %d hint%s, %.2f s\n", OR_ESC(j->in),
                OR_ESC(j->out), img->width, img->height, info.net_w, info.net_h,
                info.was_gray ? ", gray" : "", info.hints_used, info.hints_used == 1 ? "" : "s",
                now_s() - t0);
    return OR_OK;
}

static int is_colorizer(const or_net *net)
{
    return net->arch && (!strcmp(net->arch, "deoldify") || !strcmp(net->arch, "siggraph17") ||
                         !strcmp(net->arch, "eccv16") || !strcmp(net->arch, "deep-exemplar"));
}

/* Loads the hints and the network; returns -1 to go on, else the exit code. */
static int setup(co_ctx *c, or_backend *be, const char *model)
{
    cli_opts *o = &c->o;
    or_err err;
    if (c->hints_path && or_hints_load(c->hints_path, &c->hints, &c->n_hints, &err) != OR_OK) {
        cli_say(o, "%s", err.msg);
        return 1;
    }
    or_dtype dt = cli_net_dtype(o, be);
    if (or_net_load(model, be, dt, &c->net, &err) != OR_OK) {
        cli_say(o, "%s", err.msg);
        return 1;
    }
    if (!is_colorizer(c->net)) {
        cli_say(o, "%s: %s is not a colourisation model", model,
                c->net->arch ? c->net->arch : "this model");
        return 1;
    }
    int rc = cli_dex_open(o, &c->dexf, be, c->net, &c->dex);
    if (rc >= 0)
        return rc;
    if (c->dex.state)
        o->load_threads = 1; /* one chain of frames: read them in order */
    int sig = !strcmp(c->net->arch, "siggraph17");
    if (c->n_hints && !sig && !o->quiet)
        cli_say(o, "note: --hints is for siggraph17; %s ignores them", c->net->arch);
    if (c->temperature > 0 && !strcmp(c->net->arch, "deoldify") && !o->quiet)
        cli_say(o, "note: --temperature is for siggraph17 and eccv16; DeOldify ignores it");
    if (o->render_factor && strcmp(c->net->arch, "deoldify") && !o->quiet)
        cli_say(o, "note: -r is for DeOldify; %s %s", c->net->arch,
                c->dex.state ? "does not take it" : "always runs at 256x256");
    if (o->verbose)
        cli_say(o, "%s (%s, %s) on %s", model, c->net->arch, or_dtype_name(dt), be->name);
    return -1;
}

int cmd_colorize(int argc, char **argv)
{
    co_ctx c = {0};
    cli_opts *o = &c.o;
    cli_opts_init(o, PROG, DEFAULT_MODEL);
    int rc = cli_parse(o, argc, argv, extra, &c, usage);
    if (rc >= 0)
        return rc;
    cli_job_list jobs = {0};
    rc = cli_make_jobs(o, &jobs);
    char model[4096];
    if (rc < 0)
        rc = cli_resolve_model(o, o->model, "colorize", model, sizeof model);
    or_backend *be = NULL;
    if (rc < 0)
        rc = cli_open_backend(o, &be);
    if (rc < 0)
        rc = setup(&c, be, model);
    if (rc < 0) {
        cli_install_signals();
        rc = cli_run_images(o, &jobs, colorize_one, &c);
    }
    cli_dex_close(&c.dex);
    or_net_free(c.net);
    or_backend_destroy(be);
    cli_jobs_free(&jobs);
    free(c.hints);
    return rc;
}
