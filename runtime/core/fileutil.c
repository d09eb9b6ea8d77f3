#include "fileutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

or_status or_atomic_open(or_atomic_file *af, const char *path, or_err *err)
{
    memset(af, 0, sizeof *af);
    if (snprintf(af->path, sizeof af->path, "%s", path) >= (int)sizeof af->path ||
        snprintf(af->tmp_path, sizeof af->tmp_path, "%s.tmp-XXXXXX", path) >=
            (int)sizeof af->tmp_path)
        return or_errf(err, OR_EINVAL, "%s: path too long", path);
    int fd = mkstemp(af->tmp_path);
    if (fd < 0) {
        af->tmp_path[0] = 0;
        return or_errf(err, OR_EIO, "%s: cannot create a temporary file beside it: %s", path,
                       strerror(errno));
    }
    fchmod(fd, 0644);
    af->f = fdopen(fd, "wb");
    if (!af->f) {
        int e = errno;
        close(fd);
        unlink(af->tmp_path);
        af->tmp_path[0] = 0;
        return or_errf(err, OR_EIO, "%s: %s", path, strerror(e));
    }
    return OR_OK;
}

or_status or_atomic_commit(or_atomic_file *af, or_err *err)
{
    int ok = fflush(af->f) == 0 && fsync(fileno(af->f)) == 0;
    int e = errno;
    ok = (fclose(af->f) == 0) && ok;
    af->f = NULL;
    if (!ok) {
        unlink(af->tmp_path);
        af->tmp_path[0] = 0;
        return or_errf(err, OR_EIO, "%s: write failed: %s", af->path, strerror(e ? e : EIO));
    }
    if (rename(af->tmp_path, af->path) != 0) {
        e = errno;
        unlink(af->tmp_path);
        af->tmp_path[0] = 0;
        return or_errf(err, OR_EIO, "%s: cannot rename the temporary file: %s", af->path,
                       strerror(e));
    }
    af->tmp_path[0] = 0;
    return OR_OK;
}

void or_atomic_abort(or_atomic_file *af)
{
    if (af->f)
        fclose(af->f);
    af->f = NULL;
    if (af->tmp_path[0])
        unlink(af->tmp_path);
}

int or_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
