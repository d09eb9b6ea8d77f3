/* cmd_upscale.c: oprestore-gpu upscale, after Real-ESRGAN's
 * inference_realesrgan.py and realesrgan-ncnn-vulkan: one image or a folder
 * of images through a super-resolution network (runtime/stages/upscale.h).
 * Video inputs go to the restore machinery (cmd_restore_single).
 * Exit codes: 0 success, 1 runtime error (any image failed), 2 usage error,
 * 130 interrupted; every error is one line on stderr starting
 * "oprestore-gpu upscale: ". */
#include <stdio.h>
#include <time.h>

#include "runtime/cli/cli_common.h"
#include "runtime/cli/cli_jobs.h"
#include "runtime/io/image.h"
#include "runtime/nets/net.h"
#include "runtime/stages/upscale.h"

#define PROG "oprestore-gpu upscale"
#define DEFAULT_MODEL "realesr-animevideov3"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: oprestore-gpu upscale -i IN -o OUT [options]\n"
            "Super-resolves an image, a folder of images (not recursive; names kept, as .png\n"
            "or the -f format) or a video (then as 'restore --upscale MODEL').\n"
            "Default model " DEFAULT_MODEL ".  -s other than the model's scale resizes the\n"
            "network output with Lanczos-4, as Real-ESRGAN's --outscale; tiles overlap by %d\n"
            "pixels of context, so seams do not show.  .jpg/.jpeg outputs are JPEG (quality 95).\n"
            "Gray images stay gray, alpha is upscaled with the network and kept (PNG), 16-bit\n"
            "PNGs are written as 16-bit PNGs.\n",
            OR_UPSCALE_TILE_PAD);
    cli_usage_common(f);
    cli_usage_video(f);
}

typedef struct {
    cli_opts o;
    or_backend *be[CLI_MAX_DEVICES]; /* -g's devices: -g 0,1,... spreads each image's tiles */
    or_net *net[CLI_MAX_DEVICES];
    int n;
} up_ctx;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* One image through the network (the process thread of cli_run_images). */
static or_status upscale_one(void *ctx, const cli_job *j, const or_image *img, or_image *res,
                             or_err *err)
{
    up_ctx *u = ctx;
    double t0 = now_s();
    or_upscale_opts uo = or_upscale_defaults();
    uo.tile = u->o.tile;
    uo.outscale = u->o.scale;
    uo.more_nets = u->net + 1;
    uo.n_more = u->n - 1;
    or_upscale_info info;
    OR_TRY(or_upscale_image(u->net[0], img, &uo, res, &info, err));
    if (u->o.verbose) {
        char tiles[160], per[96] = "";
        for (int k = 0, len = 0; info.devices > 1 && k < info.devices; k++)
            len += snprintf(per + len, sizeof per - (size_t)len, "%s%d", k ? " + " : "",
                            info.device_tiles[k]);
        if (info.tile)
            snprintf(tiles, sizeof tiles, "%d tiles of %d px%s%s%s", info.tiles, info.tile,
                     info.retries ? " (halved after running out of memory)" : "",
                     *per ? ", tiles per device " : "", per);
        else
            snprintf(tiles, sizeof tiles, "one piece%s%s", *per ? ", tiles per device " : "",
                     per);
        fprintf(stderr, "%s -> %s: %dx%d -> %dx%d, %s%s%s%s%s, %.2f s\n", j->in, j->out,
                img->width, img->height, res->width, res->height, tiles,
                info.gray ? ", gray" : "", info.alpha ? ", alpha" : "",
                info.tiny_pad ? ", tiny input padded" : "",
                info.resized ? ", Lanczos-4 resize" : "", now_s() - t0);
    }
    return OR_OK;
}

int cmd_upscale(int argc, char **argv)
{
    up_ctx u = {0};
    cli_opts *o = &u.o;
    cli_opts_init(o, PROG, DEFAULT_MODEL);
    int rc = cli_parse(o, argc, argv, NULL, NULL, usage);
    if (rc >= 0)
        return rc;
    int video = cli_is_video(o->prog, o->in);
    if (video)
        return video < 0 ? 1 : cmd_restore_single("upscale", argc, argv);

    cli_job_list jobs = {0};
    rc = cli_make_jobs(o, &jobs);
    char model[4096];
    if (rc < 0)
        rc = cli_resolve_model(o, o->model, "upscale", model, sizeof model);
    cli_devices d = {.n = 0};
    if (rc < 0)
        rc = cli_split_devices(o, &d);
    for (int k = 0; rc < 0 && k < d.n; k++) {
        u.n = k + 1;
        rc = cli_open_device(o, d.id[k], &u.be[k]);
    }
    if (rc >= 0) {
        for (int k = 0; k < u.n; k++)
            or_backend_destroy(u.be[k]);
        cli_jobs_free(&jobs);
        return rc;
    }
    or_err err;
    or_dtype dt = cli_net_dtype(o, u.be[0]);
    for (int k = 0; rc < 0 && k < u.n; k++)
        if (or_net_load(model, u.be[k], cli_net_dtype(o, u.be[k]), &u.net[k], &err) != OR_OK) {
            cli_say(o, "%s", err.msg);
            rc = 1;
        }
    or_net *net = u.net[0];
    if (rc < 0 && (net->in_ch != 3 || net->out_ch != 3 || net->scale < 1 || !net->forward)) {
        cli_say(o, "%s: %s is not an image upscaler", model, net->arch ? net->arch : "this model");
        rc = 1;
    } else if (rc < 0) {
        cli_read_scale_upscale(o, net);
        if (o->verbose)
            cli_say(o, "%s (%s, x%d, %s) on %s, %d image%s", model, net->arch, net->scale,
                    or_dtype_name(dt), u.be[0]->name, jobs.n, jobs.n == 1 ? "" : "s");
        for (int k = 1; o->verbose && k < u.n; k++)
            cli_say(o, "tiles shared with device %d of -g %s: %s", k, OR_ESC(o->gpu),
                    u.be[k]->name);
        cli_install_signals();
        rc = cli_run_images(o, &jobs, upscale_one, &u);
    }
    for (int k = 0; k < u.n; k++) {
        or_net_free(u.net[k]);
        or_backend_destroy(u.be[k]);
    }
    cli_jobs_free(&jobs);
    return rc;
}
