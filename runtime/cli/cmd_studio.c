/* cmd_studio.c: oprestore-gpu studio: the colour studio (runtime/studio/,
 * docs/studio.md).  Loads the network (siggraph17 by default) and whichever
 * baselines are installed (eccv16, deoldify-artistic, deoldify-stable), reads
 * the -i photo, prints the URL (with its token) and serves until Ctrl-C.
 * Exit codes: 0 stopped by Ctrl-C, 1 runtime error, 2 usage error. */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/cli/cli_common.h"
#include "runtime/studio/studio.h"

#define PROG "oprestore-gpu studio"
#define DEFAULT_MODEL "siggraph17"

extern char **environ;

static const char *const baseline_models[] = {"eccv16", "deoldify-artistic", "deoldify-stable"};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: oprestore-gpu studio [-i PHOTO] [-m siggraph17] [--port N] [--host ADDR] [options]\n"
            "The colour studio: a local web page to place colour hints on a photo and see the\n"
            "network spread them, with its suggested colours and its uncertainty (docs/studio.md).\n"
            "Prints the URL to open (it carries a random token; without it every request is refused).\n"
            "  -i PHOTO           the photo to start with (the page can upload others)\n"
            "  -m MODEL           siggraph17 (default: takes hints) or eccv16\n"
            "  --port N           port (default %d; 0: any free port)\n"
            "  --host ADDR        address to listen on (default 127.0.0.1: this computer only)\n"
            "  --open             open the page in the desktop's browser (xdg-open)\n"
            "  --max-upload-mb N  largest upload in MiB (default %zu)\n"
            "  --max-pixels N     largest photo in pixels (default %ld)\n"
            "  -g GPU|cpu  -M DIR  --fp32  -v  -q   as for the other commands\n",
            OR_STUDIO_DEFAULT_PORT, OR_STUDIO_MAX_UPLOAD_BYTES >> 20,
            OR_STUDIO_MAX_UPLOAD_PIXELS);
}

typedef struct {
    cli_opts o;
    int port, open;
    const char *host;
    int max_upload_mb;
} st_ctx;

static int extra(void *ctx, int argc, char **argv, int *i)
{
    st_ctx *c = ctx;
    const char *a = argv[*i];
    if (!strcmp(a, "--open")) {
        c->open = 1;
        return CLI_TAKEN;
    }
    if (strcmp(a, "--port") && strcmp(a, "--host") && strcmp(a, "--max-upload-mb"))
        return CLI_UNKNOWN;
    if (*i + 1 >= argc)
        return CLI_BAD;
    const char *v = argv[++*i];
    if (!strcmp(a, "--host")) {
        c->host = v;
        return CLI_TAKEN;
    }
    if (!strcmp(a, "--port"))
        return cli_parse_int(v, 0, 65535, &c->port) ? CLI_BAD : CLI_TAKEN;
    return cli_parse_int(v, 1, 4096, &c->max_upload_mb) ? CLI_BAD : CLI_TAKEN;
}

static void on_ready(void *ctx, const char *url)
{
    st_ctx *c = ctx;
    printf("oprestore-gpu studio: open %s\n(Ctrl-C stops)\n", url);
    fflush(stdout);
    if (c->open && (getenv("DISPLAY") || getenv("WAYLAND_DISPLAY"))) {
        pid_t pid;
        char *argv[] = {"xdg-open", (char *)url, NULL};
        if (posix_spawnp(&pid, "xdg-open", NULL, NULL, argv, environ) != 0)
            cli_say(&c->o, "could not run xdg-open: open the URL yourself");
    }
}

/* The baselines that are installed (quietly skipped otherwise). */
static void load_baselines(st_ctx *c, or_backend *be, or_studio_opts *so)
{
    const char *dir = cli_models_dir(c->o.models_flag);
    for (size_t i = 0; i < sizeof baseline_models / sizeof baseline_models[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.safetensors", dir, baseline_models[i]);
        if (access(path, R_OK) != 0 || so->n_baselines >= OR_STUDIO_MAX_BASELINES)
            continue;
        or_err err;
        or_net *net;
        if (or_net_load(path, be, cli_net_dtype(&c->o, be), &net, &err) != OR_OK) {
            cli_say(&c->o, "note: baseline %s not loaded: %s", baseline_models[i], err.msg);
            continue;
        }
        so->baselines[so->n_baselines] = net;
        so->baseline_names[so->n_baselines++] = baseline_models[i];
    }
}

int cmd_studio(int argc, char **argv)
{
    st_ctx c = {0};
    c.port = OR_STUDIO_DEFAULT_PORT;
    cli_opts *o = &c.o;
    cli_opts_init(o, PROG, DEFAULT_MODEL);
    int rc = cli_parse_loose(o, argc, argv, extra, &c, usage);
    if (rc >= 0)
        return rc;
    if (o->out)
        return cli_fail_usage(o, "-o: the studio exports from the page");
    if (!or_studio_available()) {
        cli_say(o, "this build has no web server: install libmicrohttpd-dev (./setup.sh does) "
                   "and rebuild");
        return 1;
    }
    or_studio_opts so = {0};
    or_image photo = {0};
    or_backend *be = NULL;
    or_net *net = NULL;
    or_err err;
    if (o->in) {
        or_image_limits lim = or_image_limits_default(); /* the upload bound, or --max-pixels */
        lim.max_pixels = o->max_pixels != OR_IMAGE_MAX_PIXELS ? o->max_pixels
                                                              : OR_STUDIO_MAX_UPLOAD_PIXELS;
        if (or_image_read(o->in, &lim, &photo, &err) != OR_OK) {
            cli_say(o, "%s", err.msg);
            return 1;
        }
        so.photo = &photo;
        const char *slash = strrchr(o->in, '/');
        so.photo_name = slash ? slash + 1 : o->in;
    }
    rc = cli_open_backend(o, &be);
    if (rc < 0)
        rc = cli_load_net(o, be, o->model, "colorize", &net);
    if (rc < 0 && (!net->arch || (strcmp(net->arch, "siggraph17") && strcmp(net->arch, "eccv16")))) {
        cli_say(o, "%s: the studio needs siggraph17 or eccv16 (a %s model)", o->model,
                net->arch ? net->arch : "different");
        rc = 1;
    }
    if (rc < 0) {
        load_baselines(&c, be, &so);
        so.host = c.host;
        so.port = c.port;
        so.net = net;
        so.max_upload_bytes = c.max_upload_mb ? (size_t)c.max_upload_mb << 20 : 0;
        so.max_upload_pixels = o->max_pixels != OR_IMAGE_MAX_PIXELS ? o->max_pixels : 0;
        so.stop = &cli_stop;
        so.on_ready = on_ready;
        so.ctx = &c;
        cli_install_signals();
        if (or_studio_serve(&so, &err) != OR_OK) {
            cli_say(o, "%s", err.msg);
            rc = 1;
        } else {
            if (!o->quiet)
                cli_say(o, "stopped");
            rc = 0;
        }
    }
    for (int i = 0; i < so.n_baselines; i++)
        or_net_free(so.baselines[i]);
    or_net_free(net);
    or_backend_destroy(be);
    or_image_free(&photo);
    return rc;
}
