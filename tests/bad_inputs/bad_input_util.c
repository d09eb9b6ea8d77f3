/* bad_input_util.c: see bad_input_util.h. */
#include "bad_input_util.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_test_util.h"
#include "runtime/io/image.h"
#include "test_util.h"

char bi_err[16384];

const char *bi_case_dir(const char *name)
{
    const char *d = ct_tmp(name); /* kept for the process: no leak report */
    cr_assert_eq(mkdir(d, 0755), 0, "mkdir %s", d);
    return d;
}

const char *bi_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    cr_assert(p);
    snprintf(p, n, "%s/%s", dir, name);
    const char *kept = ct_dup(p); /* kept for the process: no leak report */
    free(p);
    return kept;
}

const char *bi_write(const char *dir, const char *name, const void *data, size_t len)
{
    const char *p = bi_path(dir, name);
    cr_assert_eq(tu_write_file(p, data, len), 0, "writing %s", p);
    return p;
}

static int vrun(const char *tool, int timeout_s, const char *fmt, va_list ap)
{
    /* timeout(1) sends TERM at the limit and KILL 5 s later: 124 or 137 */
    char prefix[64];
    snprintf(prefix, sizeof prefix, "timeout -k 5 %d", timeout_s > 0 ? timeout_s : 60);
    return ct_vrun(prefix, tool ? tool : "oprestore-gpu", bi_err, sizeof bi_err, fmt, ap);
}

int bi_run(const char *tool, int timeout_s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vrun(tool, timeout_s, fmt, ap);
    va_end(ap);
    return rc;
}

/* The sorted names in dir, joined by '/' (a folder's contents in one string). */
static char *listing(const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    cr_assert(n >= 0, "cannot list %s", dir);
    size_t len = 1;
    for (int i = 0; i < n; i++)
        len += strlen(names[i]->d_name) + 1;
    char *s = calloc(1, len);
    cr_assert(s);
    for (int i = 0; i < n; i++) {
        strcat(s, names[i]->d_name);
        strcat(s, "/");
        free(names[i]);
    }
    free(names);
    return s;
}

static void assert_one_line(const char *tool, const bi_expect *e)
{
    size_t len = strlen(bi_err), tlen = strlen(tool);
    cr_assert(len && bi_err[len - 1] == '\n' && !memchr(bi_err, '\n', len - 1),
              "%s: not exactly one line: %s", e->names, bi_err);
    /* "tool: " or "tool command: " */
    const char *after = bi_err + tlen;
    if (!strncmp(bi_err, tool, tlen) && *after == ' ')
        after += strspn(after + 1, "abcdefghijklmnopqrstuvwxyz-") + 1;
    cr_assert(!strncmp(bi_err, tool, tlen) && !strncmp(after, ": ", 2),
              "expected '%s: ' or '%s COMMAND: ' first: %s", tool, tool, bi_err);
    for (size_t i = 0; i + 1 < len; i++)
        cr_assert((unsigned char)bi_err[i] >= 0x20 && bi_err[i] != 0x7f,
                  "raw control character 0x%02x at %zu in: %s", (unsigned char)bi_err[i], i,
                  bi_err);
    cr_assert(strstr(bi_err, e->names), "expected '%s' in: %s", e->names, bi_err);
    if (e->part)
        cr_assert(strstr(bi_err, e->part), "expected '%s' in: %s", e->part, bi_err);
}

void bi_refused(const bi_expect *e, const char *fmt, ...)
{
    const char *tool = e->tool ? e->tool : "oprestore-gpu";
    char *dir = NULL;
    if (e->dir)
        dir = strdup(e->dir);
    else if (e->out) {
        dir = strdup(e->out);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = 0;
    }
    char *before = dir ? listing(dir) : NULL;
    va_list ap;
    va_start(ap, fmt);
    int rc = vrun(tool, e->timeout_s, fmt, ap);
    va_end(ap);
    cr_assert(rc != 124 && rc != 137, "%s: %s did not end within %d s (a hang)", e->names,
              tool, e->timeout_s > 0 ? e->timeout_s : 60);
    cr_assert(rc < 128, "%s: %s killed by signal %d: %s", e->names, tool, rc - 128, bi_err);
    cr_assert_eq(rc, e->rc, "%s: exit %d, expected %d: %s", e->names, rc, e->rc, bi_err);
    assert_one_line(tool, e);
    if (e->out)
        cr_assert(!ct_exists(e->out), "%s: output %s was written", e->names, e->out);
    if (dir) {
        char *after = listing(dir);
        cr_assert_str_eq(after, before, "%s: %s changed (output or temporary left behind)",
                         e->names, dir);
        free(after);
    }
    free(before);
    free(dir);
}

void bi_accepted(const char *tool, const char *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vrun(tool, 0, fmt, ap);
    va_end(ap);
    cr_assert_eq(rc, 0, "exit %d: %s", rc, bi_err);
    if (out)
        cr_assert(ct_exists(out), "%s not written: %s", out, bi_err);
}

static unsigned char *image_bytes(int w, int h, unsigned seed, size_t *len, int jpeg)
{
    const char *p = ct_tmp(jpeg ? "bi-src.jpg" : "bi-src.png");
    or_image img;
    or_err err;
    cr_assert_eq(or_image_alloc(&img, w, h, 3, 0, &err), OR_OK, "%s", err.msg);
    tu_seed(seed);
    tu_fill_uniform(img.planes, (size_t)3 * w * h, 0, 1);
    or_status st = jpeg ? or_image_write_jpeg(p, &img, 90, &err)
                        : or_image_write_png(p, &img, 8, &err);
    cr_assert_eq(st, OR_OK, "%s", err.msg);
    or_image_free(&img);
    unsigned char *b = tu_read_file(p, len);
    cr_assert(b, "reading back %s", p);
    remove(p);
    return b;
}

unsigned char *bi_png_bytes(int w, int h, unsigned seed, size_t *len)
{
    return image_bytes(w, h, seed, len, 0);
}

unsigned char *bi_jpeg_bytes(int w, int h, unsigned seed, size_t *len)
{
    return image_bytes(w, h, seed, len, 1);
}

const char *bi_models(void) { return ct_model("sr_srvgg_x4_prelu.zip.pth", "srvgg"); }
