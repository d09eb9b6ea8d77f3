/* cmd_upscale.c: oprestore-gpu upscale, after Real-ESRGAN's
 * inference_realesrgan.py and realesrgan-ncnn-vulkan: one image or a folder
 * of images through a super-resolution network (runtime/upscale.h).
 * Exit codes: 0 success, 1 runtime error (any image failed), 2 usage error;
 * every error is one line on stderr starting "oprestore-gpu upscale: ". */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "runtime/backend.h"
#include "runtime/cli/cli_common.h"
#include "runtime/image.h"
#include "runtime/net.h"
#include "runtime/upscale.h"
#include "weights/registry.h"

#define PROG "oprestore-gpu upscale"
#define DEFAULT_MODEL "realesr-animevideov3"
#define JPEG_QUALITY 95

static void usage(FILE *f)
{
    fprintf(f,
            "usage: oprestore-gpu upscale -i IN -o OUT [options]\n"
            "  -i IN        input image (.png, .jpg) or folder of them (not recursive)\n"
            "  -o OUT       output image or folder (created); .jpg/.jpeg writes JPEG (quality 95),\n"
            "               anything else PNG; folder outputs keep the names, as .png\n"
            "  -m NAME      model (default " DEFAULT_MODEL "): MODELS/NAME.safetensors, or a\n"
            "               path to a .safetensors file\n"
            "  -s SCALE     output scale (default: the model's); other scales resize the\n"
            "               network output with Lanczos-4, as Real-ESRGAN's --outscale\n"
            "  -t TILE      tile size in input pixels, 0 = auto (default 0); tiles overlap by\n"
            "               %d pixels of context, so seams do not show\n"
            "  -g GPU       0, 1, ... or cpu (default 0 when a CUDA device exists, else cpu)\n"
            "  --fp32       compute in f32 on CUDA (default f16; the CPU always computes f32)\n"
            "  -M DIR       models folder (default $OPRESTORE_MODELS, else ./models)\n"
            "  --overwrite  replace existing outputs (never an input)\n"
            "  -v           verbose: backend, tiles and time per image on stderr\n"
            "  -h           this help\n"
            "Gray images stay gray, alpha is upscaled with the network and kept (PNG), 16-bit\n"
            "PNGs are written as 16-bit PNGs.\n",
            OR_UPSCALE_TILE_PAD);
}

static int fail_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, PROG ": ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, " (see oprestore-gpu upscale -h)\n");
    va_end(ap);
    return 2;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, PROG ": ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

typedef struct {
    const char *in, *out, *model, *models_flag, *gpu;
    double scale; /* 0: the model's */
    int tile;
    int fp32, verbose, overwrite;
} up_args;

/* Returns -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, up_args *a)
{
    memset(a, 0, sizeof *a);
    a->model = DEFAULT_MODEL;
    for (int i = 0; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(o, "--fp32")) {
            a->fp32 = 1;
        } else if (!strcmp(o, "-v") || !strcmp(o, "--verbose")) {
            a->verbose = 1;
        } else if (!strcmp(o, "--overwrite")) {
            a->overwrite = 1;
        } else if (!strcmp(o, "-i") || !strcmp(o, "-o") || !strcmp(o, "-m") ||
                   !strcmp(o, "-s") || !strcmp(o, "-t") || !strcmp(o, "-g") ||
                   !strcmp(o, "-M")) {
            if (i + 1 >= argc)
                return fail_usage("%s needs a value", o);
            const char *v = argv[++i];
            char *end;
            switch (o[1]) {
            case 'i': a->in = v; break;
            case 'o': a->out = v; break;
            case 'm': a->model = v; break;
            case 'g': a->gpu = v; break;
            case 'M': a->models_flag = v; break;
            case 's':
                errno = 0;
                a->scale = strtod(v, &end);
                if (errno || end == v || *end || !(a->scale > 0) || a->scale > 16)
                    return fail_usage("-s %s: expected a scale > 0 and <= 16", v);
                break;
            case 't': {
                errno = 0;
                long t = strtol(v, &end, 10);
                if (errno || end == v || *end || t < 0 || t > 65536)
                    return fail_usage("-t %s: expected a tile size in pixels (0 = auto)", v);
                a->tile = (int)t;
                break;
            }
            }
        } else {
            return fail_usage("unknown option '%s'", o);
        }
    }
    if (!a->in || !a->out)
        return fail_usage("%s", !a->in ? "-i is required" : "-o is required");
    if (!*a->model)
        return fail_usage("-m needs a model name");
    return -1;
}

/* ---- the list of images ------------------------------------------------------------ */

typedef struct {
    char in[4096], out[4096];
    int jpeg;
    const char *error; /* set when the job is refused before running */
} job;

typedef struct {
    job *v;
    int n, cap;
} job_list;

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && !strcasecmp(s + n - k, suffix);
}

static int is_image_name(const char *name)
{
    return ends_with_ci(name, ".png") || ends_with_ci(name, ".jpg") ||
           ends_with_ci(name, ".jpeg");
}

static int is_jpeg_name(const char *name)
{
    return ends_with_ci(name, ".jpg") || ends_with_ci(name, ".jpeg");
}

static job *add_job(job_list *l)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 16;
        job *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v)
            return NULL;
        l->v = v, l->cap = cap;
    }
    job *j = &l->v[l->n++];
    memset(j, 0, sizeof *j);
    return j;
}

/* dir/<name without its extension>.png */
static int out_in_dir(char *dst, size_t len, const char *dir, const char *in_path)
{
    const char *base = strrchr(in_path, '/');
    base = base ? base + 1 : in_path;
    const char *dot = strrchr(base, '.');
    int stem = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    size_t dl = strlen(dir);
    const char *sep = dl && dir[dl - 1] == '/' ? "" : "/";
    return snprintf(dst, len, "%s%s%.*s.png", dir, sep, stem, base) < (int)len ? 0 : -1;
}

static int mkdirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return -1;
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || !*p) {
            char c = *p;
            *p = 0;
            if (mkdir(buf, 0777) && errno != EEXIST)
                return -1;
            *p = c;
            if (!c)
                break;
        }
    }
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode) ? 0 : -1;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Fill the job list from -i / -o. Returns -1 to go on, else the exit code. */
static int make_jobs(const up_args *a, job_list *jobs)
{
    struct stat si, so;
    if (stat(a->in, &si) != 0) {
        say("-i %s: %s", a->in, strerror(errno));
        return 1;
    }
    int out_exists = stat(a->out, &so) == 0;
    size_t ol = strlen(a->out);
    int out_is_dir = out_exists ? S_ISDIR(so.st_mode) : (ol && a->out[ol - 1] == '/');

    if (!S_ISDIR(si.st_mode)) {
        job *j = add_job(jobs);
        if (!j)
            return 1;
        snprintf(j->in, sizeof j->in, "%s", a->in);
        if (out_is_dir) {
            if (!out_exists && mkdirs(a->out)) {
                say("-o %s: cannot create the folder: %s", a->out, strerror(errno));
                return 1;
            }
            if (out_in_dir(j->out, sizeof j->out, a->out, a->in))
                return fail_usage("-o %s: path too long", a->out);
        } else {
            snprintf(j->out, sizeof j->out, "%s", a->out);
            j->jpeg = is_jpeg_name(a->out);
        }
        return -1;
    }

    /* a folder */
    if (out_exists && !out_is_dir)
        return fail_usage("-i %s is a folder, so -o must be one too (%s is a file)", a->in,
                          a->out);
    if (out_exists && so.st_dev == si.st_dev && so.st_ino == si.st_ino)
        return fail_usage("-o %s is the input folder; inputs are never overwritten", a->out);
    DIR *d = opendir(a->in);
    if (!d) {
        say("-i %s: %s", a->in, strerror(errno));
        return 1;
    }
    char **names = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !is_image_name(e->d_name))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nv = realloc(names, (size_t)cap * sizeof *nv);
            if (!nv)
                break;
            names = nv;
        }
        if (!(names[n] = strdup(e->d_name)))
            break;
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, (size_t)n, sizeof *names, cmp_str);
    int rc = -1;
    for (int i = 0; i < n; i++) {
        char path[4096];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", a->in, names[i]);
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
            continue;
        job *j = add_job(jobs);
        if (!j) {
            rc = 1;
            break;
        }
        snprintf(j->in, sizeof j->in, "%s", path);
        if (out_in_dir(j->out, sizeof j->out, a->out, names[i]))
            j->error = "output path too long";
        for (int k = 0; k < jobs->n - 1 && !j->error; k++)
            if (!strcmp(jobs->v[k].out, j->out))
                j->error = "its output name is taken by another input with the same name";
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc != -1)
        return rc;
    if (!jobs->n) {
        say("-i %s: no .png, .jpg or .jpeg images in this folder", a->in);
        return 1;
    }
    if (!out_exists && mkdirs(a->out)) {
        say("-o %s: cannot create the folder: %s", a->out, strerror(errno));
        return 1;
    }
    return -1;
}

/* 1 when path is the same file as one of the inputs. */
static int is_an_input(const job_list *jobs, const char *path)
{
    struct stat so, si;
    if (stat(path, &so) != 0)
        return 0;
    for (int i = 0; i < jobs->n; i++)
        if (stat(jobs->v[i].in, &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
            return 1;
    return 0;
}

/* ---- model and backend ----------------------------------------------------------- */

/* Returns -1 to go on, else the exit code. */
static int resolve_model(const up_args *a, char *path, size_t len)
{
    const char *m = a->model;
    if (strchr(m, '/') || ends_with_ci(m, ".safetensors")) {
        snprintf(path, len, "%s", m);
        if (access(path, R_OK) != 0) {
            say("model file %s: %s", path, strerror(errno));
            return 1;
        }
        return -1;
    }
    const char *dir = cli_models_dir(a->models_flag);
    snprintf(path, len, "%s/%s.safetensors", dir, m);
    const or_model_info *info = or_registry_find(m);
    if (info && strcmp(info->stage, "upscale"))
        return fail_usage("-m %s is a %s model, not an upscaler", m, info->stage);
    if (access(path, R_OK) == 0)
        return -1;
    if (info)
        say("model %s not found (%s): download %s from %s, then convert it with "
            "'oprestore-convert %s -M %s'",
            m, path, info->checkpoint, info->url, info->checkpoint, dir);
    else
        say("model %s not found (%s), and it is not a known model name "
            "('oprestore-gpu models -M %s' lists them)",
            m, path, dir);
    return 1;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* One image; 0 ok, -1 failed (reported). */
static int run_job(const up_args *a, or_net *net, const job_list *jobs, const job *j)
{
    or_err err;
    if (j->error) {
        say("%s: skipped: %s", j->in, j->error);
        return -1;
    }
    if (access(j->out, F_OK) == 0) {
        if (is_an_input(jobs, j->out)) {
            say("%s: skipped: the output %s is an input, which is never overwritten", j->in,
                j->out);
            return -1;
        }
        if (!a->overwrite) {
            say("%s: skipped: %s exists (add --overwrite to replace it)", j->in, j->out);
            return -1;
        }
    }
    double t0 = now_s();
    or_image img, res;
    if (or_image_read(j->in, NULL, &img, &err) != OR_OK) {
        say("%s", err.msg);
        return -1;
    }
    or_upscale_opts o = or_upscale_defaults();
    o.tile = a->tile;
    o.outscale = a->scale;
    or_upscale_info info;
    if (or_upscale_image(net, &img, &o, &res, &info, &err) != OR_OK) {
        say("%s: %s", j->in, err.msg);
        or_image_free(&img);
        return -1;
    }
    or_status st = j->jpeg ? or_image_write_jpeg(j->out, &res, JPEG_QUALITY, &err)
                           : or_image_write_png(j->out, &res, img.src_bit_depth == 16 ? 16 : 8,
                                                &err);
    if (st != OR_OK)
        say("%s", err.msg);
    else if (a->verbose) {
        char tiles[96];
        if (info.tile)
            snprintf(tiles, sizeof tiles, "%d tiles of %d px%s", info.tiles, info.tile,
                     info.retries ? " (halved after running out of memory)" : "");
        else
            snprintf(tiles, sizeof tiles, "one piece");
        fprintf(stderr, "%s -> %s: %dx%d -> %dx%d, %s%s%s%s%s, %.2f s\n", j->in, j->out,
                img.width, img.height, res.width, res.height, tiles, info.gray ? ", gray" : "",
                info.alpha ? ", alpha" : "", info.tiny_pad ? ", tiny input padded" : "",
                info.resized ? ", Lanczos-4 resize" : "", now_s() - t0);
    }
    or_image_free(&img);
    or_image_free(&res);
    return st == OR_OK ? 0 : -1;
}

int cmd_upscale(int argc, char **argv)
{
    up_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;

    job_list jobs = {0};
    rc = make_jobs(&a, &jobs);
    if (rc < 0 && jobs.n == 1 && access(jobs.v[0].out, F_OK) == 0 &&
        is_an_input(&jobs, jobs.v[0].out))
        rc = fail_usage("-o %s is the input image; an input is never overwritten",
                        jobs.v[0].out);
    char model[4096];
    if (rc < 0)
        rc = resolve_model(&a, model, sizeof model);
    if (rc >= 0) {
        free(jobs.v);
        return rc;
    }

    or_err err;
    const char *spec = a.gpu;
    if (!spec) {
        spec = or_cuda_device_count() > 0 ? "0" : "cpu";
        if (a.verbose && !strcmp(spec, "cpu"))
            say("no CUDA device found: running on the CPU (-g cpu)");
    }
    or_backend *be = NULL;
    or_status st = or_backend_open(spec, &be, &err);
    if (st != OR_OK) {
        say("%s", err.msg);
        free(jobs.v);
        return st == OR_EINVAL ? 2 : 1;
    }
    or_dtype dt = be->kind == OR_BACKEND_CUDA && !a.fp32 ? OR_F16 : OR_F32;
    or_net *net = NULL;
    if (or_net_load(model, be, dt, &net, &err) != OR_OK) {
        say("%s", err.msg);
        or_backend_destroy(be);
        free(jobs.v);
        return 1;
    }
    if (net->in_ch != 3 || net->out_ch != 3 || net->scale < 1) {
        say("%s: %s is not an image upscaler", model, net->arch ? net->arch : "this model");
        or_net_free(net);
        or_backend_destroy(be);
        free(jobs.v);
        return 1;
    }
    if (a.verbose)
        say("%s (%s, x%d, %s) on %s, %d image%s", model, net->arch, net->scale,
            or_dtype_name(dt), be->name, jobs.n, jobs.n == 1 ? "" : "s");

    int failed = 0;
    for (int i = 0; i < jobs.n; i++)
        failed += run_job(&a, net, &jobs, &jobs.v[i]) != 0;
    if (failed && jobs.n > 1)
        say("%d of %d images failed", failed, jobs.n);
    or_net_free(net);
    or_backend_destroy(be);
    free(jobs.v);
    return failed ? 1 : 0;
}
