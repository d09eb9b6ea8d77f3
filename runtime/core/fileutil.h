/* fileutil.h: outputs are written to a temporary file beside the target and
 * renamed over it only when complete, so a failure or an interruption never
 * leaves a half-written file. */
#ifndef OR_FILEUTIL_H
#define OR_FILEUTIL_H

#include <stdio.h>

#include "status.h"

typedef struct {
    FILE *f;
    char tmp_path[4096];
    char path[4096];
} or_atomic_file;

/* Create "<path>.tmp-XXXXXX" in the target's directory. */
or_status or_atomic_open(or_atomic_file *af, const char *path, or_err *err);
/* Flush, fsync, close and rename over path. On failure the temporary is removed. */
or_status or_atomic_commit(or_atomic_file *af, or_err *err);
/* Close and remove the temporary. */
void or_atomic_abort(or_atomic_file *af);

/* 1 when a and b name the same existing file (same device and inode). */
int or_same_file(const char *a, const char *b);

#endif
