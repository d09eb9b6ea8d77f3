/* cli_common.c: what the oprestore-gpu commands share (see cli_common.h). */
#include "cli_common.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "runtime/pipeline/pipeline.h"
#include "runtime/stages/scene.h"
#include "runtime/io/video.h"
#include "weights/embedded.h"
#include "weights/registry.h"

void cli_opts_init(cli_opts *o, const char *prog, const char *default_model)
{
    memset(o, 0, sizeof *o);
    o->prog = prog;
    o->model = default_model;
    o->load_threads = 1, o->proc_threads = 2, o->save_threads = 2;
    o->crf = -1;
    o->scene_threshold = OR_SCENE_THRESHOLD;
    o->max_pixels = OR_IMAGE_MAX_PIXELS;
}

void cli_usage_common(FILE *f)
{
    fprintf(f,
            "  -i IN        input image, folder of images, or video (detected by content)\n"
            "  -o OUT       output image, folder or video; an existing one is kept unless\n"
            "               --overwrite; an input is never overwritten\n"
            "  -m NAME      model: MODELS/NAME.safetensors, or a path to a .safetensors file\n"
            "  -s SCALE     output scale (default: the model's)\n"
            "  -t TILE      tile size in input pixels, 0 = auto (default 0)\n"
            "  -g GPU       0, 1, ... or cpu (default 0 when a CUDA device exists, else cpu);\n"
            "               a list 0,1,... spreads a video's frames, or each image's upscale\n"
            "               tiles, over the devices\n"
            "  -j L:P:S     threads for loading:processing:saving (default 1:2:2); the queues\n"
            "               between them hold 2x as many frames (video) / 1x images (folders)\n"
            "  -n N         interpolation: N times the frames (default 2)\n"
            "  -f FMT       image output format png, jpg (webp is not in this build);\n"
            "               default: from the -o name, else png\n"
            "  -M DIR       models folder (default $OPRESTORE_MODELS, else ./models)\n"
            "  --fp32       compute in f32 on CUDA (default f16; the CPU always computes f32)\n"
            "  --overwrite  replace existing outputs (never an input)\n"
            "  --max-pixels N  largest image read or made, in pixels (default %ld); checked\n"
            "               from the header, before decoding\n"
            "  --allow-corrupt  decode corrupt image data anyway (a warning names the file);\n"
            "               by default a corrupt or truncated image is an error\n"
            "  -v           verbose (backend, models, per-image details)\n"
            "  -q           quiet: no progress, only errors\n"
            "  -h           this help\n",
            OR_IMAGE_MAX_PIXELS);
}

void cli_usage_video(FILE *f)
{
    fprintf(f,
            "video (input detected by content; output container from the -o name):\n"
            "  --codec C    h264 (libx264, default), h265 (libx265) or ffv1 (lossless, .mkv)\n"
            "  --crf N      quality for h264/h265, lower is better (default 18 / 20)\n"
            "  --preset P   x264/x265 preset (default medium)\n"
            "  --scene-threshold X  scene cut when the SSIM of 32x32 thumbnails of two\n"
            "               frames is below X (default %.2f, RIFE's); 0 never\n"
            "  --render-factor N  DeOldify network size / 16 (default: 21 for video, 35 images)\n"
            "Audio and subtitle streams are copied unchanged; colour range, matrix, primaries\n"
            "and transfer are kept.  Ctrl-C stops after the current frame and leaves no file.\n",
            OR_SCENE_THRESHOLD);
}

/* "<prog>: <fmt...><tail>" as one line on stderr: control bytes escaped
 * (or_esc_line), so a file name or a value with a newline stays on it. */
static void say_line(const cli_opts *o, const char *tail, const char *fmt, va_list ap)
{
    char line[4096], safe[4096];
    vsnprintf(line, sizeof line, fmt, ap);
    fprintf(stderr, "%s: %s%s\n", o->prog, or_esc_line(safe, sizeof safe, line), tail);
}

int cli_fail_usage(const cli_opts *o, const char *fmt, ...)
{
    char tail[256];
    snprintf(tail, sizeof tail, " (see %s -h)", o->prog);
    va_list ap;
    va_start(ap, fmt);
    say_line(o, tail, fmt, ap);
    va_end(ap);
    return 2;
}

void cli_say(const cli_opts *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say_line(o, "", fmt, ap);
    va_end(ap);
}

int cli_parse_double(const char *v, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || end == v || *end || !(d >= lo && d <= hi))
        return -1;
    *out = d;
    return 0;
}

int cli_parse_int(const char *v, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long l = strtol(v, &end, 10);
    if (errno || end == v || *end || l < lo || l > hi)
        return -1;
    *out = (int)l;
    return 0;
}

/* One option with a value at argv[*i]; 1 taken, 0 not ours, 2 error printed. */
static int parse_valued(cli_opts *o, int argc, char **argv, int *i)
{
    static const char *const valued[] = {"-i", "-o", "-m", "-s", "-t", "-g", "-j", "-n", "-f",
                                         "-M", "--codec", "--crf", "--preset",
                                         "--scene-threshold", "--render-factor",
                                         "--max-pixels", NULL};
    const char *opt = argv[*i];
    int k = 0;
    while (valued[k] && strcmp(valued[k], opt))
        k++;
    if (!valued[k])
        return 0;
    if (*i + 1 >= argc)
        return cli_fail_usage(o, "%s needs a value", opt);
    const char *v = argv[++*i];
    or_err err;
    if (!strcmp(opt, "-i")) o->in = v;
    else if (!strcmp(opt, "-o")) o->out = v;
    else if (!strcmp(opt, "-m")) o->model = v;
    else if (!strcmp(opt, "-g")) o->gpu = v;
    else if (!strcmp(opt, "-M")) o->models_flag = v;
    else if (!strcmp(opt, "--preset")) {
        if (or_video_preset_check(v, &err) != OR_OK)
            return cli_fail_usage(o, "--preset: %s", err.msg);
        o->preset = v;
    }
    else if (!strcmp(opt, "-s")) {
        if (cli_parse_double(v, 1e-3, 16, &o->scale))
            return cli_fail_usage(o, "-s %s: expected a scale > 0 and <= 16", v);
    } else if (!strcmp(opt, "-t")) {
        if (cli_parse_int(v, 0, 65536, &o->tile))
            return cli_fail_usage(o, "-t %s: expected a tile size in pixels (0 = auto)", v);
    } else if (!strcmp(opt, "-n")) {
        if (cli_parse_int(v, 1, 64, &o->multiplier))
            return cli_fail_usage(o, "-n %s: expected a frame multiplier 1..64", v);
    } else if (!strcmp(opt, "--crf")) {
        if (cli_parse_int(v, 0, 51, &o->crf))
            return cli_fail_usage(o, "--crf %s: expected 0..51", v);
    } else if (!strcmp(opt, "--render-factor")) {
        if (cli_parse_int(v, 1, 128, &o->render_factor))
            return cli_fail_usage(o, "--render-factor %s: expected 1..128", v);
    } else if (!strcmp(opt, "--scene-threshold")) {
        if (cli_parse_double(v, 0, 1, &o->scene_threshold))
            return cli_fail_usage(o, "--scene-threshold %s: expected an SSIM 0..1", v);
    } else if (!strcmp(opt, "--max-pixels")) {
        double d;
        if (cli_parse_double(v, 1, 1e15, &d) || d != (double)(long)d)
            return cli_fail_usage(o, "--max-pixels %s: expected a number of pixels", v);
        o->max_pixels = (long)d;
    } else if (!strcmp(opt, "-j")) {
        if (or_pipe_parse_threads(v, &o->load_threads, &o->proc_threads, &o->save_threads,
                                  &err) != OR_OK)
            return cli_fail_usage(o, "%s", err.msg);
    } else if (!strcmp(opt, "--codec")) {
        or_vcodec c;
        if (or_vcodec_parse(v, &c, &err) != OR_OK)
            return cli_fail_usage(o, "--codec: %s", err.msg);
        o->codec = v;
    } else if (!strcmp(opt, "-f")) {
        if (strcasecmp(v, "png") && strcasecmp(v, "jpg") && strcasecmp(v, "jpeg") &&
            strcasecmp(v, "webp"))
            return cli_fail_usage(o, "-f %s: expected png, jpg or webp", v);
        if (!strcasecmp(v, "webp"))
            return cli_fail_usage(o, "-f webp: this build writes png and jpg only");
        o->format = v;
    }
    return 1;
}

int cli_parse_loose(cli_opts *o, int argc, char **argv, cli_extra_fn extra, void *ctx,
                    void (*usage)(FILE *))
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        if (!strcmp(a, "--fp32")) o->fp32 = 1;
        else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) o->verbose = 1;
        else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) o->quiet = 1;
        else if (!strcmp(a, "--overwrite")) o->overwrite = 1;
        else if (!strcmp(a, "--allow-corrupt")) o->allow_corrupt = 1;
        else {
            int r = parse_valued(o, argc, argv, &i);
            if (r == 2)
                return 2;
            if (r == 1)
                continue;
            r = extra ? extra(ctx, argc, argv, &i) : CLI_UNKNOWN;
            if (r == CLI_BAD)
                return cli_fail_usage(o, "bad or missing value for %s", a);
            if (r == CLI_UNKNOWN)
                return cli_fail_usage(o, "unknown option '%s'", a);
        }
    }
    if (o->verbose && o->quiet)
        o->verbose = 0;
    return -1;
}

int cli_parse(cli_opts *o, int argc, char **argv, cli_extra_fn extra, void *ctx,
              void (*usage)(FILE *))
{
    int rc = cli_parse_loose(o, argc, argv, extra, ctx, usage);
    if (rc >= 0)
        return rc;
    if (!o->in || !o->out)
        return cli_fail_usage(o, "%s", !o->in ? "-i is required" : "-o is required");
    if (o->model && !*o->model)
        return cli_fail_usage(o, "-m needs a model name");
    return -1;
}

const char *cli_models_dir(const char *flag)
{
    if (flag)
        return flag;
    const char *env = getenv("OPRESTORE_MODELS");
    return env && *env ? env : "./models";
}

int cli_ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcasecmp(s + n - k, suffix);
}

int cli_is_image_name(const char *name)
{
    return cli_ends_with_ci(name, ".png") || cli_ends_with_ci(name, ".jpg") ||
           cli_ends_with_ci(name, ".jpeg");
}

int cli_image_format(const cli_opts *o, const char *out_name)
{
    if (o->format)
        return !strcasecmp(o->format, "png") ? 'p' : !strcasecmp(o->format, "webp") ? 'w' : 'j';
    return cli_ends_with_ci(out_name, ".jpg") || cli_ends_with_ci(out_name, ".jpeg") ? 'j' : 'p';
}

int cli_is_video(const char *prog, const char *path)
{
    or_err err;
    int kind = or_video_classify(path, &err);
    if (kind == OR_MEDIA_BAD) {
        cli_opts o;
        cli_opts_init(&o, prog, NULL);
        cli_say(&o, "%s", err.msg);
        return -1;
    }
    return kind == OR_MEDIA_VIDEO;
}

int cli_resolve_model(const cli_opts *o, const char *m, const char *stage, char *path, size_t len)
{
    if (strchr(m, '/') || cli_ends_with_ci(m, ".safetensors")) {
        snprintf(path, len, "%s", m);
        if (access(path, R_OK) != 0) {
            cli_say(o, "model file %s: %s", path, strerror(errno));
            return 1;
        }
        return -1;
    }
    const char *dir = cli_models_dir(o->models_flag);
    snprintf(path, len, "%s/%s.safetensors", dir, m);
    const or_model_info *info = or_registry_find(m);
    if (info && stage && strcmp(info->stage, stage))
        return cli_fail_usage(o, "%s is a %s model, not a %s model", m, info->stage, stage);
    if (access(path, R_OK) == 0)
        return -1;
    if (or_embedded_find(m)) {
        if (o->verbose)
            cli_say(o, "%s not found: using the built-in %s", path, m);
        snprintf(path, len, "%s%s", OR_EMBEDDED_PREFIX, m);
        return -1;
    }
    if (info && !info->url_is_page)
        cli_say(o,
                "model %s not found (%s): get it with 'oprestore-gpu models --get %s -M %s', or "
                "download %s and run 'oprestore-convert %s -M %s'",
                m, path, m, dir, info->url, info->checkpoint, dir);
    else if (info)
        cli_say(o,
                "model %s not found (%s): download %s from %s, then convert it with "
                "'oprestore-convert %s -M %s'",
                m, path, info->checkpoint, info->url, info->checkpoint, dir);
    else
        cli_say(o,
                "model %s not found (%s), and it is not a known model name "
                "('oprestore-gpu models -M %s' lists them)",
                m, path, dir);
    return 1;
}

int cli_split_devices(const cli_opts *o, cli_devices *d)
{
    memset(d, 0, sizeof *d);
    d->n = 1;
    if (!o->gpu)
        return -1;
    size_t len = strlen(o->gpu);
    int n = 0, bad = len >= sizeof d->buf;
    if (!bad) {
        memcpy(d->buf, o->gpu, len + 1);
        for (char *p = d->buf, *q;; p = q + 1) {
            if (n == CLI_MAX_DEVICES) {
                bad = 1;
                break;
            }
            d->id[n++] = p;
            if (!(q = strchr(p, ',')))
                break;
            *q = 0;
        }
    }
    for (int i = 0; i < n; i++)
        bad |= !*d->id[i];
    if (bad)
        return cli_fail_usage(o, "-g %s: expected up to %d devices, comma-separated "
                              "(0,1,2 or cpu,cpu)", OR_ESC(o->gpu), CLI_MAX_DEVICES);
    d->n = n;
    return -1;
}

int cli_open_device(const cli_opts *o, const char *id, or_backend **be)
{
    if (!id) {
        id = or_cuda_device_count() > 0 ? "0" : "cpu";
        if (o->verbose && !strcmp(id, "cpu"))
            cli_say(o, "no CUDA device found: running on the CPU (-g cpu)");
    }
    or_err err;
    or_status st = or_backend_open(id, be, &err);
    if (st != OR_OK) {
        cli_say(o, "%s", err.msg);
        return st == OR_EINVAL ? 2 : 1;
    }
    return -1;
}

int cli_open_backend(const cli_opts *o, or_backend **be)
{
    cli_devices d;
    int rc = cli_split_devices(o, &d);
    if (rc < 0)
        rc = cli_open_device(o, d.id[0], be);
    if (rc < 0 && d.n > 1 && !o->quiet)
        cli_say(o, "-g %s: runs on the first device only, %s (several devices share the tiles "
                "of upscale and the frames of videos)", OR_ESC(o->gpu), (*be)->name);
    return rc;
}

or_dtype cli_net_dtype(const cli_opts *o, const or_backend *be)
{
    return be->kind == OR_BACKEND_CUDA && !o->fp32 ? OR_F16 : OR_F32;
}

int cli_load_net(const cli_opts *o, or_backend *be, const char *name, const char *stage,
                 or_net **net)
{
    char path[4096];
    int rc = cli_resolve_model(o, name, stage, path, sizeof path);
    if (rc >= 0)
        return rc;
    or_err err;
    if (or_net_load(path, be, cli_net_dtype(o, be), net, &err) != OR_OK) {
        cli_say(o, "%s", err.msg);
        return 1;
    }
    return -1;
}

void cli_read_scale_upscale(cli_opts *o, const or_net *net)
{
    o->read_scale = o->scale > net->scale ? o->scale : net->scale;
}

volatile sig_atomic_t cli_stop;

static void on_signal(int sig)
{
    if (cli_stop) {
        signal(sig, SIG_DFL);
        raise(sig);
    }
    cli_stop = 1;
}

void cli_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}
