/* fileutil.h: outputs are written to a temporary file beside the target and
 * renamed over it only when complete, so a failure or an interruption never
 * leaves a half-written file.  Inputs (images, model files, checkpoints, JSON)
 * are opened through or_open_input: only regular files, of a bounded size, so
 * a FIFO cannot hang a tool and /dev/zero cannot fill its memory. */
#ifndef OR_FILEUTIL_H
#define OR_FILEUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "status.h"

typedef struct {
    FILE *f;
    char tmp_path[4096];
    char path[4096];
} or_atomic_file;

/* The mode a new output gets: 0666 & ~umask, as cp, ffmpeg or a shell
 * redirection would give it (0644 under umask 022, 0640 under 027). */
unsigned or_output_mode(void);
/* mkstemp(tmpl) (0600), then fchmod to or_output_mode(): the one way every
 * writer (images, videos, model files, JSON) creates its temporary.  Returns
 * the descriptor, -1 with errno set. */
int or_mkstemp_output(char *tmpl);

/* Create "<path>.tmp-XXXXXX" in the target's directory (or_mkstemp_output). */
or_status or_atomic_open(or_atomic_file *af, const char *path, or_err *err);
/* Flush, fsync, close and rename over path. On failure the temporary is removed. */
or_status or_atomic_commit(or_atomic_file *af, or_err *err);
/* Close and remove the temporary. */
void or_atomic_abort(or_atomic_file *af);

/* Open path for reading.  Anything but a regular file is refused
 * ("<path>: not a regular file (a FIFO)"; a folder, a device, a socket too):
 * the open is non-blocking, so a FIFO without a writer cannot hang it, and
 * the type is checked with fstat on the open descriptor.  A file larger than
 * max_bytes (0: no limit) is refused too.  *fd is a blocking descriptor the
 * caller closes; *size is the file's size. */
or_status or_open_input(const char *path, size_t max_bytes, int *fd, size_t *size, or_err *err);
/* or_open_input's checks alone, for inputs a library opens by name (FFmpeg). */
or_status or_check_input(const char *path, size_t max_bytes, or_err *err);
/* The whole of a regular file of at most max_bytes (0: no limit) in malloc'd
 * memory with a NUL after the last byte (*len does not count it). */
or_status or_read_input(const char *path, size_t max_bytes, uint8_t **data, size_t *len,
                        or_err *err);

/* 1 when a and b name the same existing file (same device and inode). */
int or_same_file(const char *a, const char *b);

#endif
