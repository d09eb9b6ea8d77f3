/* cli_common.h: what the oprestore-gpu commands share.
 *
 * HOW A COMMAND ADOPTS THE COMMON FLAGS (colorize, interpolate, ...):
 *
 *     static int my_extra(void *ctx, int argc, char **argv, int *i)
 *     {   // an option only this command has, at argv[*i]
 *         if (!strcmp(argv[*i], "--hints")) { if (*i + 1 >= argc) return CLI_BAD;
 *             ((my_args *)ctx)->hints = argv[++*i]; return CLI_TAKEN; }
 *         return CLI_UNKNOWN;
 *     }
 *     int cmd_x(int argc, char **argv)
 *     {
 *         cli_opts o;
 *         cli_opts_init(&o, "oprestore-gpu x", "default-model");
 *         int rc = cli_parse(&o, argc, argv, my_extra, &my, usage);
 *         if (rc >= 0) return rc;                 // -h printed (0) or usage error (2)
 *         ...cli_resolve_model(&o, "colorize", path, sizeof path)...
 *         ...cli_open_backend(&o, &be)...  cli_net_dtype(&o, be)...
 *     }
 *
 * Common flags (cli_opts fields; the ncnn-vulkan tools' letters where they overlap):
 *   -i IN  -o OUT  -m MODEL  -s SCALE  -t TILE  -g GPU|cpu  -j LOAD:PROC:SAVE
 *   -n MULTIPLIER  -f png|jpg|webp  -v  -q  -M MODELS_DIR  --fp32  --overwrite  -h
 *   --max-pixels N  --allow-corrupt (images read through cli_read_image)
 * and the video ones: --codec h264|h265|ffv1  --crf N  --preset P
 *   --scene-threshold X  --render-factor N.
 * Exit codes: 0 success, 1 runtime error (anything failed), 2 usage error,
 * 130 interrupted (SIGINT/SIGTERM); every error is one line on stderr that
 * starts with the command's name. */
#ifndef OR_CLI_COMMON_H
#define OR_CLI_COMMON_H

#include <signal.h>
#include <stdio.h>

#include "runtime/core/backend.h"
#include "runtime/io/image.h"
#include "runtime/nets/net.h"

#define CLI_EXIT_INTERRUPTED 130

typedef struct {
    const char *prog;        /* "oprestore-gpu upscale": the prefix of every message */
    const char *in, *out;    /* -i, -o */
    const char *model;       /* -m; starts as the command's default */
    double scale;            /* -s; 0: the model's */
    int tile;                /* -t; 0: automatic */
    const char *gpu;         /* -g; NULL: 0 when a CUDA device exists, else cpu */
    int load_threads, proc_threads, save_threads; /* -j; default 1:2:2 */
    int multiplier;          /* -n; 0 when not given */
    const char *format;      /* -f png|jpg|webp; NULL: from the -o name (png otherwise) */
    int verbose, quiet, fp32, overwrite;
    const char *models_flag; /* -M */
    /* video */
    const char *codec;       /* --codec; NULL: h264 */
    int crf;                 /* --crf; -1: the codec's default */
    const char *preset;      /* --preset */
    double scene_threshold;  /* --scene-threshold; default OR_SCENE_THRESHOLD */
    int render_factor;       /* --render-factor; 0: the stage's default */
    /* reading images (cli_read_image) */
    long max_pixels;         /* --max-pixels; default OR_IMAGE_MAX_PIXELS */
    int allow_corrupt;       /* --allow-corrupt: decode corrupt data, with a warning */
    double read_scale;       /* set by the command: its output is this many times the
                                input per side (upscale: the network's scale or -s);
                                checked from the header against max_pixels; 0: 1 */
} cli_opts;

/* cli_parse's callback for the options of one command. */
enum { CLI_UNKNOWN = 0, CLI_TAKEN = 1, CLI_BAD = 2 };
typedef int (*cli_extra_fn)(void *ctx, int argc, char **argv, int *i);

void cli_opts_init(cli_opts *o, const char *prog, const char *default_model);
/* Parse argv (the options after the command name).  Returns -1 to go on, 0
 * after printing usage for -h, 2 after a one-line usage error.  -i and -o are
 * required (use cli_parse_loose to check them yourself). */
int cli_parse(cli_opts *o, int argc, char **argv, cli_extra_fn extra, void *ctx,
              void (*usage)(FILE *));
int cli_parse_loose(cli_opts *o, int argc, char **argv, cli_extra_fn extra, void *ctx,
                    void (*usage)(FILE *));
/* A whole-string number in [lo, hi] (a command's own flags use these too).
 * 0 on success, -1 otherwise (out untouched). */
int cli_parse_double(const char *v, double lo, double hi, double *out);
int cli_parse_int(const char *v, long lo, long hi, int *out);
/* The help lines of the common flags, for a command's usage(). */
void cli_usage_common(FILE *f);
void cli_usage_video(FILE *f);

/* "<prog>: message (see <prog> -h)" on stderr; returns 2. */
int cli_fail_usage(const cli_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "<prog>: message" on stderr. */
void cli_say(const cli_opts *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The models folder: the -M flag, else $OPRESTORE_MODELS, else ./models. */
const char *cli_models_dir(const char *flag);
/* Model name (or a path to a .safetensors) -> file path, checking that it is
 * a `stage` model ("upscale", "colorize", "interpolate") when registered.
 * Returns -1 to go on, else the exit code (message printed). */
int cli_resolve_model(const cli_opts *o, const char *name, const char *stage, char *path,
                      size_t len);
/* -g's devices, "0,1,2" or "cpu,cpu" split at the commas (up to
 * CLI_MAX_DEVICES); id[0] NULL when -g is not given (the default device). */
#define CLI_MAX_DEVICES 16
typedef struct {
    char buf[512];
    const char *id[CLI_MAX_DEVICES];
    int n;
} cli_devices;
/* Returns -1 to go on, else the exit code (a usage error, said). */
int cli_split_devices(const cli_opts *o, cli_devices *d);
/* -g -> backend: the first device of a list, which is said (unless -q): only
 * upscale's tiles and a video's frames use several devices.  Returns -1 to go
 * on, else the exit code (message printed). */
int cli_open_backend(const cli_opts *o, or_backend **be);
/* One device of -g ("0", "cpu"; NULL: the default) -> backend.  Same returns. */
int cli_open_device(const cli_opts *o, const char *id, or_backend **be);
/* f16 on CUDA unless --fp32; f32 on the CPU. */
or_dtype cli_net_dtype(const cli_opts *o, const or_backend *be);
/* Resolve + load.  Returns -1 to go on, else the exit code. */
int cli_load_net(const cli_opts *o, or_backend *be, const char *name, const char *stage,
                 or_net **net);

/* o->read_scale for a command whose output is upscaled by net (x net->scale,
 * then resized to -s): the larger of the two. */
void cli_read_scale_upscale(cli_opts *o, const or_net *net);

/* Output format for a file name: 'j' JPEG (.jpg/.jpeg or -f jpg), 'w' WebP, 'p' PNG. */
int cli_image_format(const cli_opts *o, const char *out_name);
int cli_is_image_name(const char *name);
int cli_ends_with_ci(const char *s, const char *suffix);
/* 1 when path is a video by content (libavformat probe), 0 when it is not
 * media (a still image, a folder, a missing file), -1 when it is a media file
 * that is no usable video (audio only, truncated MP4): the one-line reason is
 * printed as "<prog>: <file>: ..." (exit 1). */
int cli_is_video(const char *prog, const char *path);

/* SIGINT/SIGTERM set cli_stop (the pipelines stop after the current frame);
 * a second signal restores the default action. */
extern volatile sig_atomic_t cli_stop;
void cli_install_signals(void);

/* Commands (runtime/cli/cmd_<name>.c); argv[0] is the first option.  Exit codes above. */
int cmd_upscale(int argc, char **argv);
int cmd_colorize(int argc, char **argv);
int cmd_interpolate(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_join(int argc, char **argv); /* the segments of restore --segment -> the film */
int cmd_models(int argc, char **argv);
int cmd_devices(int argc, char **argv);
int cmd_studio(int argc, char **argv); /* cmd_studio.c: the colour studio */
/* colorize / upscale / interpolate on a video input: restore with that one
 * stage, -m naming its model (runtime/cli/cmd_restore.c). */
int cmd_restore_single(const char *stage, int argc, char **argv);

#endif
