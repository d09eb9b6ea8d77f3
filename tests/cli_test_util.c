/* cli_test_util.c: see cli_test_util.h. */
#include "cli_test_util.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "convert/convert.h"
#include "test_util.h"

char ct_err[8192];

/* The copies live as long as the test process: they stay reachable from this
 * list, so that LeakSanitizer (the sanitizer tree) does not report them. */
const char *ct_dup(const char *s)
{
    static char **kept;
    static size_t n_kept, cap_kept;
    char *p = strdup(s);
    cr_assert(p, "out of memory");
    if (n_kept == cap_kept) {
        char **k = realloc(kept, (cap_kept = cap_kept ? cap_kept * 2 : 64) * sizeof *k);
        cr_assert(k, "out of memory");
        kept = k;
    }
    kept[n_kept++] = p;
    return p;
}

const char *ct_tmp(const char *name) { return ct_dup(tu_tmp(name)); }

int ct_vrun(const char *prefix, const char *tool, char *err, size_t cap, const char *fmt,
            va_list ap)
{
    static const char *errf;
    if (!errf)
        errf = ct_tmp("stderr.txt");
    static char args[32768], cmd[40960];
    int n_args = vsnprintf(args, sizeof args, fmt, ap);
    cr_assert(n_args >= 0 && (size_t)n_args < sizeof args, "arguments too long");
    snprintf(cmd, sizeof cmd, "%s '%s/%s' %s </dev/null >/dev/null 2>'%s'", prefix,
             OR_BINARY_DIR, tool, args, errf);
    int st = system(cmd);
    size_t n = 0;
    uint8_t *e = tu_read_file(errf, &n);
    n = n < cap - 1 ? n : cap - 1;
    if (e)
        memcpy(err, e, n);
    err[e ? n : 0] = 0;
    free(e);
    if (st != -1 && WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int ct_run(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ct_vrun("", "oprestore-gpu", ct_err, sizeof ct_err, fmt, ap);
    va_end(ap);
    return rc;
}

int ct_run_in(const char *prefix, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ct_vrun(prefix, "oprestore-gpu", ct_err, sizeof ct_err, fmt, ap);
    va_end(ap);
    return rc;
}

void ct_assert_one_line(const char *prog, const char *part)
{
    size_t len = strlen(ct_err), plen = strlen(prog);
    cr_assert(len && ct_err[len - 1] == '\n' && !memchr(ct_err, '\n', len - 1),
              "not one line: %s", ct_err);
    cr_assert(!strncmp(ct_err, prog, plen) && !strncmp(ct_err + plen, ": ", 2),
              "expected '%s: ' first: %s", prog, ct_err);
    cr_assert(strstr(ct_err, part), "expected '%s' in: %s", part, ct_err);
}

const char *ct_models(void)
{
    static char dir[4096];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "%s", tu_tmp("models"));
        mkdir(dir, 0755);
    }
    return dir;
}

const char *ct_model(const char *ckpt, const char *name)
{
    const char *dir = ct_models();
    char src[4096], dst[4200];
    snprintf(src, sizeof src, "%s/%s", tu_src("tests/fixtures/ckpt"), ckpt);
    snprintf(dst, sizeof dst, "%s/%s.safetensors", dir, name);
    if (access(dst, F_OK) == 0)
        return dir;
    or_err err;
    or_convert_opts o = {0};
    cr_assert_eq(or_convert_file(src, dst, &o, &err), OR_OK, "%s", err.msg);
    return dir;
}

const char *ct_dex_model(void)
{
    const char *dir = ct_models();
    char dst[4200];
    snprintf(dst, sizeof dst, "%s/dex.safetensors", dir);
    if (access(dst, F_OK) != 0) {
        or_err err;
        const char *src[1] = {tu_src("tests/fixtures/dex")};
        cr_assert_eq(or_convert_files(src, 1, dst, NULL, &err), OR_OK, "%s", err.msg);
    }
    return dir;
}

void ct_write_png(const char *path, int w, int h, int channels, int alpha, int depth,
                  unsigned seed)
{
    or_image img;
    or_err err;
    cr_assert_eq(or_image_alloc(&img, w, h, channels, alpha, &err), OR_OK, "%s", err.msg);
    tu_seed(seed);
    tu_fill_uniform(img.planes, (size_t)channels * w * h, 0, 1);
    if (alpha)
        tu_fill_uniform(img.alpha, (size_t)w * h, 0, 1);
    cr_assert_eq(or_image_write_png(path, &img, depth, &err), OR_OK, "%s", err.msg);
    or_image_free(&img);
}

void ct_read_img(const char *path, or_image *img)
{
    or_err err;
    cr_assert_eq(or_image_read(path, NULL, img, &err), OR_OK, "%s", err.msg);
}

const char *ct_write_text(const char *name, const char *text)
{
    const char *p = ct_tmp(name);
    cr_assert_eq(tu_write_file(p, text, strlen(text)), 0);
    return p;
}

int ct_exists(const char *path) { return access(path, F_OK) == 0; }

int ct_files_starting_with(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += !strncmp(e->d_name, prefix, strlen(prefix));
    if (d)
        closedir(d);
    return n;
}
