/* cli_jobs.c: the image and folder jobs of the commands (see cli_jobs.h). */
#include "cli_jobs.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/core/fileutil.h"
#include "runtime/pipeline/pipeline.h"
#include "runtime/pipeline/progress.h"

#define JPEG_QUALITY 95

static cli_job *add_job(cli_job_list *l)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 16;
        cli_job *v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v)
            return NULL;
        l->v = v, l->cap = cap;
    }
    cli_job *j = &l->v[l->n++];
    memset(j, 0, sizeof *j);
    return j;
}

void cli_jobs_free(cli_job_list *jobs)
{
    free(jobs->v);
    memset(jobs, 0, sizeof *jobs);
}

/* dir/<name without its extension>.<ext> */
static int out_in_dir(char *dst, size_t len, const char *dir, const char *in_path, int fmt)
{
    const char *base = strrchr(in_path, '/');
    base = base ? base + 1 : in_path;
    const char *dot = strrchr(base, '.');
    int stem = dot && dot != base ? (int)(dot - base) : (int)strlen(base);
    size_t dl = strlen(dir);
    const char *sep = dl && dir[dl - 1] == '/' ? "" : "/";
    return snprintf(dst, len, "%s%s%.*s.%s", dir, sep, stem, base, fmt == 'j' ? "jpg" : "png") <
                   (int)len
               ? 0
               : -1;
}

int cli_mkdirs(const char *path)
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

char **cli_list_images(const char *dir, int *count)
{
    *count = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char **names = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || !cli_is_image_name(e->d_name))
            continue;
        char path[4096];
        struct stat sb;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
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
    *count = n;
    return names;
}

int cli_jobs_is_input(const cli_job_list *jobs, const char *path)
{
    for (int i = 0; i < jobs->n; i++)
        if (or_same_file(jobs->v[i].in, path))
            return 1;
    return 0;
}

static int single_job(const cli_opts *o, cli_job_list *jobs, int out_exists, int out_is_dir)
{
    cli_job *j = add_job(jobs);
    if (!j)
        return 1;
    snprintf(j->in, sizeof j->in, "%s", o->in);
    if (out_is_dir) {
        j->fmt = cli_image_format(o, "");
        if (!out_exists && cli_mkdirs(o->out)) {
            cli_say(o, "-o %s: cannot create the folder: %s", o->out, strerror(errno));
            return 1;
        }
        if (out_in_dir(j->out, sizeof j->out, o->out, o->in, j->fmt))
            return cli_fail_usage(o, "-o %s: path too long", o->out);
    } else {
        snprintf(j->out, sizeof j->out, "%s", o->out);
        j->fmt = cli_image_format(o, o->out);
    }
    if (or_same_file(j->in, j->out))
        return cli_fail_usage(o, "-o %s is the input image; an input is never overwritten",
                              j->out);
    return -1;
}

int cli_make_jobs(const cli_opts *o, cli_job_list *jobs)
{
    struct stat si, so;
    if (stat(o->in, &si) != 0) {
        cli_say(o, "-i %s: %s", o->in, strerror(errno));
        return 1;
    }
    int out_exists = stat(o->out, &so) == 0;
    size_t ol = strlen(o->out);
    int out_is_dir = out_exists ? S_ISDIR(so.st_mode) : (ol && o->out[ol - 1] == '/');
    if (!S_ISDIR(si.st_mode))
        return single_job(o, jobs, out_exists, out_is_dir);

    if (out_exists && !out_is_dir)
        return cli_fail_usage(o, "-i %s is a folder, so -o must be one too (%s is a file)",
                              o->in, o->out);
    if (out_exists && or_same_file(o->in, o->out))
        return cli_fail_usage(o, "-o %s is the input folder; inputs are never overwritten",
                              o->out);
    int n;
    char **names = cli_list_images(o->in, &n);
    int fmt = cli_image_format(o, "");
    int rc = -1;
    for (int i = 0; i < n; i++) {
        cli_job *j = add_job(jobs);
        if (!j) {
            rc = 1;
            break;
        }
        snprintf(j->in, sizeof j->in, "%s/%s", o->in, names[i]);
        j->fmt = fmt;
        if (out_in_dir(j->out, sizeof j->out, o->out, names[i], fmt))
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
        cli_say(o, "-i %s: no .png, .jpg or .jpeg images in this folder", o->in);
        return 1;
    }
    if (!out_exists && cli_mkdirs(o->out)) {
        cli_say(o, "-o %s: cannot create the folder: %s", o->out, strerror(errno));
        return 1;
    }
    return -1;
}

or_status cli_read_image(const cli_opts *o, const char *path, or_image *img, or_err *err)
{
    or_image_limits lim = {.max_pixels = o->max_pixels, .scale = o->read_scale,
                           .verb = "upscale", .flag = "--max-pixels",
                           .allow_corrupt = o->allow_corrupt};
    OR_TRY(or_image_read(path, &lim, img, err));
    if (img->src_corrupt[0]) /* one fprintf: the load threads share stderr */
        fprintf(stderr, "%s: warning: %s: corrupt %s data (%s), decoded anyway (--allow-corrupt)\n",
                o->prog, path, img->src_format == OR_IMAGE_FMT_JPEG ? "JPEG" : "PNG",
                img->src_corrupt);
    return OR_OK;
}

or_status cli_write_image(const char *path, int fmt, const or_image *img, or_err *err)
{
    if (fmt == 'j')
        return or_image_write_jpeg(path, img, JPEG_QUALITY, err);
    return or_image_write_png(path, img, img->src_bit_depth == 16 ? 16 : 8, err);
}

/* ---- running them ------------------------------------------------------------- */

typedef struct {
    const cli_opts *o;
    const cli_job_list *jobs;
    cli_image_fn fn;
    void *ctx;
    or_progress prog;
    int done;
} run_ctx;

static or_status load_job(void *c, int i, or_image *img, or_err *err)
{
    run_ctx *r = c;
    const cli_job *j = &r->jobs->v[i];
    if (j->error)
        return or_errf(err, OR_EINVAL, "%s: skipped: %s", j->in, j->error);
    if (access(j->out, F_OK) == 0) {
        if (cli_jobs_is_input(r->jobs, j->out))
            return or_errf(err, OR_EINVAL,
                           "%s: skipped: the output %s is an input, which is never overwritten",
                           j->in, j->out);
        if (!r->o->overwrite)
            return or_errf(err, OR_EINVAL, "%s: skipped: %s exists (add --overwrite to replace it)",
                           j->in, j->out);
    }
    return cli_read_image(r->o, j->in, img, err);
}

static or_status process_job(void *c, int i, const or_image *in, or_image *out, or_err *err)
{
    run_ctx *r = c;
    or_status st = r->fn(r->ctx, &r->jobs->v[i], in, out, err);
    if (st != OR_OK)
        or_err_prefix(err, "%s", r->jobs->v[i].in);
    return st;
}

static or_status save_job(void *c, int i, const or_image *img, or_err *err)
{
    run_ctx *r = c;
    const cli_job *j = &r->jobs->v[i];
    return cli_write_image(j->out, j->fmt, img, err);
}

static void report_job(void *c, int i, or_status st, const or_err *err)
{
    run_ctx *r = c;
    r->done++;
    if (st != OR_OK)
        cli_say(r->o, "%s", err->msg);
    else if (r->o->verbose)
        cli_say(r->o, "%s -> %s", r->jobs->v[i].in, r->jobs->v[i].out);
    char line[256];
    if (!r->o->quiet && r->jobs->n > 1 &&
        or_progress_line(&r->prog, r->done, or_progress_now(), r->done == r->jobs->n, line,
                         sizeof line))
        fputs(line, stderr);
}

int cli_run_images(const cli_opts *o, const cli_job_list *jobs, cli_image_fn fn, void *ctx)
{
    run_ctx r = {.o = o, .jobs = jobs, .fn = fn, .ctx = ctx};
    or_progress_init(&r.prog, jobs->n, isatty(2), "images", or_progress_now());
    or_pipe_batch b = {.jobs = jobs->n, .load = load_job, .process = process_job,
                       .save = save_job, .report = report_job, .ctx = &r,
                       .load_threads = o->load_threads, .save_threads = o->save_threads,
                       .stop = &cli_stop};
    int failed = 0, stopped = 0;
    or_err err;
    if (or_pipe_batch_run(&b, &failed, &stopped, &err) != OR_OK) {
        cli_say(o, "%s", err.msg);
        return 1;
    }
    if (stopped) {
        cli_say(o, "interrupted: %d of %d images done", r.done - failed, jobs->n);
        return CLI_EXIT_INTERRUPTED;
    }
    if (failed && jobs->n > 1)
        cli_say(o, "%d of %d images failed", failed, jobs->n);
    return failed ? 1 : 0;
}
