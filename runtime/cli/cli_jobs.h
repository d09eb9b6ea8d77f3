/* cli_jobs.h: images and folders of images through a per-image function, on
 * the load/process/save threads of runtime/pipeline/pipeline.h, with the safety rules
 * of every command: outputs appear atomically, an existing output is kept
 * unless --overwrite, an input is never overwritten, and in a folder a bad
 * image is reported and skipped while the others are processed (exit 1). */
#ifndef OR_CLI_JOBS_H
#define OR_CLI_JOBS_H

#include "cli_common.h"
#include "runtime/io/image.h"

typedef struct {
    char in[4096], out[4096];
    int fmt;           /* 'p' PNG, 'j' JPEG */
    const char *error; /* set when the job is refused before running */
} cli_job;

typedef struct {
    cli_job *v;
    int n, cap;
} cli_job_list;

/* Fill jobs from o->in / o->out (file or folder; an output folder is created;
 * folder outputs keep the names with the -f extension, png by default).
 * Returns -1 to go on, else the exit code (message printed). */
int cli_make_jobs(const cli_opts *o, cli_job_list *jobs);
void cli_jobs_free(cli_job_list *jobs);
/* 1 when path is the same file as one of the inputs. */
int cli_jobs_is_input(const cli_job_list *jobs, const char *path);
/* Sorted image names of a folder (malloc'ed); n = 0 when none. */
char **cli_list_images(const char *dir, int *n);
int cli_mkdirs(const char *path);

typedef or_status (*cli_image_fn)(void *ctx, const cli_job *j, const or_image *in, or_image *out,
                                  or_err *err);
/* Run fn on every job; returns the exit code (0, 1, or 130 when interrupted). */
int cli_run_images(const cli_opts *o, const cli_job_list *jobs, cli_image_fn fn, void *ctx);

/* Read an input image under the command's limits: --max-pixels for the
 * image and for the command's output (o->read_scale), checked from the
 * header; corrupt data is an error unless --allow-corrupt, which decodes it
 * and prints one warning line naming the file. */
or_status cli_read_image(const cli_opts *o, const char *path, or_image *img, or_err *err);

/* Write img to path as fmt ('p': PNG at 16 bits when img->src_bit_depth is 16, 'j': JPEG 95). */
or_status cli_write_image(const char *path, int fmt, const or_image *img, or_err *err);

#endif
