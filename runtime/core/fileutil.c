#include "fileutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The umask, read from /proc/self/status ("Umask:\t0022", Linux 4.7+), which
 * changes nothing; -1 when it is not there.  umask(0) + umask(old) would
 * change it for every thread for a moment: a file another thread creates
 * meanwhile would get 0666. */
static int umask_from_proc(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    int m = -1;
    while (m < 0 && fgets(line, sizeof line, f))
        if (!strncmp(line, "Umask:", 6))
            m = (int)strtol(line + 6, NULL, 8);
    fclose(f);
    return m;
}

unsigned or_output_mode(void)
{
    int m = umask_from_proc();
    if (m < 0) { /* no /proc: the race above, at worst a 0666 file of another thread */
        mode_t old = umask(022);
        umask(old);
        m = (int)old;
    }
    return 0666u & ~(unsigned)m;
}

int or_mkstemp_output(char *tmpl)
{
    int fd = mkstemp(tmpl);
    if (fd >= 0 && fchmod(fd, (mode_t)or_output_mode()) != 0) {
        int e = errno;
        close(fd);
        unlink(tmpl);
        errno = e;
        return -1;
    }
    return fd;
}

or_status or_atomic_open(or_atomic_file *af, const char *path, or_err *err)
{
    memset(af, 0, sizeof *af);
    if (snprintf(af->path, sizeof af->path, "%s", path) >= (int)sizeof af->path ||
        snprintf(af->tmp_path, sizeof af->tmp_path, "%s.tmp-XXXXXX", path) >=
            (int)sizeof af->tmp_path)
        return or_errf(err, OR_EINVAL, "%s: path too long", OR_ESC(path));
    int fd = or_mkstemp_output(af->tmp_path);
    if (fd < 0) {
        af->tmp_path[0] = 0;
        return or_errf(err, OR_EIO, "%s: cannot create a temporary file beside it: %s",
                       OR_ESC(path), strerror(errno));
    }
    af->f = fdopen(fd, "wb");
    if (!af->f) {
        int e = errno;
        close(fd);
        unlink(af->tmp_path);
        af->tmp_path[0] = 0;
        return or_errf(err, OR_EIO, "%s: %s", OR_ESC(path), strerror(e));
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
        return or_errf(err, OR_EIO, "%s: write failed: %s", OR_ESC(af->path),
                       strerror(e ? e : EIO));
    }
    if (rename(af->tmp_path, af->path) != 0) {
        e = errno;
        unlink(af->tmp_path);
        af->tmp_path[0] = 0;
        return or_errf(err, OR_EIO, "%s: cannot rename the temporary file: %s", OR_ESC(af->path),
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

static const char *file_kind(mode_t m)
{
    return S_ISDIR(m)    ? "a folder"
           : S_ISFIFO(m) ? "a FIFO"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISSOCK(m) ? "a socket"
                         : "not a file";
}

or_status or_open_input(const char *path, size_t max_bytes, int *fd, size_t *size, or_err *err)
{
    *fd = -1;
    *size = 0;
    int f = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (f < 0)
        return or_errf(err, OR_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(f, &sb) != 0) {
        int e = errno;
        close(f);
        return or_errf(err, OR_EIO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (!S_ISREG(sb.st_mode)) {
        close(f);
        return or_errf(err, OR_EIO, "%s: not a regular file (%s)", path, file_kind(sb.st_mode));
    }
    if (max_bytes && (unsigned long long)sb.st_size > max_bytes) {
        close(f);
        return or_errf(err, OR_EFORMAT, "%s: %lld bytes, more than the %zu-byte limit for this input",
                       path, (long long)sb.st_size, max_bytes);
    }
    fcntl(f, F_SETFL, fcntl(f, F_GETFL) & ~O_NONBLOCK);
    *fd = f;
    *size = (size_t)sb.st_size;
    return OR_OK;
}

or_status or_check_input(const char *path, size_t max_bytes, or_err *err)
{
    int fd;
    size_t size;
    OR_TRY(or_open_input(path, max_bytes, &fd, &size, err));
    close(fd);
    return OR_OK;
}

or_status or_read_input(const char *path, size_t max_bytes, uint8_t **data, size_t *len,
                        or_err *err)
{
    *data = NULL;
    *len = 0;
    int fd;
    size_t size;
    OR_TRY(or_open_input(path, max_bytes, &fd, &size, err));
    uint8_t *buf = malloc(size + 1);
    if (!buf) {
        close(fd);
        return or_errf(err, OR_ENOMEM, "%s: out of memory for %zu bytes", path, size);
    }
    size_t n = 0; /* at most size bytes, even if the file grows meanwhile */
    while (n < size) {
        ssize_t r = read(fd, buf + n, size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            close(fd);
            free(buf);
            return or_errf(err, OR_EIO, "%s: read error: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    buf[n] = 0;
    *data = buf;
    *len = n;
    return OR_OK;
}

int or_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return 0;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
