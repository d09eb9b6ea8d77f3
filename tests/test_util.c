#include "test_util.h"

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dirent.h>

#include "convert/convert.h"
#include "runtime/core/backend.h"

static char tu_bufs[8][4096];
static int tu_next;

static char *tu_buf(void)
{
    char *b = tu_bufs[tu_next];
    tu_next = (tu_next + 1) % 8;
    return b;
}

const char *tu_src(const char *rel)
{
    char *b = tu_buf();
    snprintf(b, 4096, "%s/%s", OR_SOURCE_DIR, rel);
    return b;
}

const char *tu_shared(const char *rel)
{
    char *b = tu_buf();
    const char *root = getenv("OPRESTORE_SHARED");
    snprintf(b, 4096, "%s/%s", root && *root ? root : OR_SHARED_DIR, rel);
    return b;
}

const char *tu_tmpdir(void)
{
    static char dir[256];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/oprestore-test-XXXXXX");
        if (!mkdtemp(dir))
            snprintf(dir, sizeof dir, "/tmp");
    }
    return dir;
}

const char *tu_tmp(const char *name)
{
    char *b = tu_buf();
    snprintf(b, 4096, "%s/%d-%s", tu_tmpdir(), (int)getpid(), name);
    return b;
}

static uint64_t tu_state = 0x9E3779B97F4A7C15ull;

void tu_seed(uint64_t seed) { tu_state = seed * 0x9E3779B97F4A7C15ull + 1; }

static uint64_t tu_next_u64(void)
{
    uint64_t x = tu_state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return tu_state = x;
}

float tu_uniform(float lo, float hi)
{
    double u = (double)(tu_next_u64() >> 11) / (double)(1ull << 53);
    return (float)(lo + (hi - lo) * u);
}

void tu_fill_uniform(float *x, size_t n, float lo, float hi)
{
    for (size_t i = 0; i < n; i++)
        x[i] = tu_uniform(lo, hi);
}

double tu_max_abs_diff(const float *a, const float *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (d > m || isnan(d))
            m = isnan(d) ? INFINITY : d;
    }
    return m;
}

double tu_psnr(const float *a, const float *b, size_t n, double peak)
{
    double se = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - (double)b[i];
        se += d * d;
    }
    if (se == 0)
        return INFINITY;
    return 10.0 * log10(peak * peak / (se / (double)n));
}

double tu_frac_pixels_off(const float *a, const float *b, int channels, size_t pixels,
                          double tight)
{
    size_t off = 0;
    for (size_t i = 0; i < pixels; i++) {
        int bad = 0;
        for (int c = 0; c < channels; c++) {
            double d = fabs((double)a[c * pixels + i] - (double)b[c * pixels + i]);
            bad |= !(d <= tight);
        }
        off += (size_t)bad;
    }
    return pixels ? (double)off / (double)pixels : 0.0;
}

uint8_t *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    uint8_t *buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf && len)
        *len = (size_t)n;
    return buf;
}

int tu_write_file(const char *path, const void *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = fwrite(buf, 1, len, f);
    return fclose(f) == 0 && w == len ? 0 : -1;
}

int tu_have_cuda(void) { return or_cuda_device_count() > 0; }

/* One visible line at the end of every test binary: skipped tests are counted,
 * never silently passed. */
ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    if (stats->tests_skipped)
        fprintf(stderr, "[SKIP] %zu test(s) skipped (see messages above: no CUDA device, or a missing file)\n",
                stats->tests_skipped);
}

/* ---- fixtures -------------------------------------------------------------------- */

const char *tu_model(const char *ckpt)
{
    static struct {
        char *src, *dst;
    } done[64];
    static int n;
    for (int i = 0; i < n; i++)
        if (strcmp(done[i].src, ckpt) == 0)
            return done[i].dst;
    cr_assert(n < 64, "tu_model: too many checkpoints");
    const char *base = strrchr(ckpt, '/');
    char dst[4200];
    snprintf(dst, sizeof dst, "%.4000s.safetensors", tu_tmp(base ? base + 1 : ckpt));
    or_err err;
    or_convert_opts o = {0};
    cr_assert_eq(or_convert_file(ckpt, dst, &o, &err), OR_OK, "%s", err.msg);
    done[n].src = strdup(ckpt);
    done[n].dst = strdup(dst);
    cr_assert(done[n].src && done[n].dst);
    return done[n++].dst;
}

const char *tu_model_ckpt(const char *name)
{
    char src[4200];
    snprintf(src, sizeof src, "%.4000s/%s", tu_src("tests/fixtures/ckpt"), name);
    return tu_model(src);
}

static int tu_cmp_names(const void *a, const void *b) { return strcmp(a, b); }

int tu_list_safetensors(const char *dir_rel, const char *prefix, char names[][256], int max)
{
    DIR *d = opendir(tu_src(dir_rel));
    cr_assert(d, "cannot open %s", dir_rel);
    int n = 0;
    struct dirent *e;
    size_t plen = strlen(prefix);
    while ((e = readdir(d)) && n < max) {
        size_t len = strlen(e->d_name);
        if (strncmp(e->d_name, prefix, plen) != 0 || len < 12 || len >= 256 ||
            strcmp(e->d_name + len - 12, ".safetensors") != 0)
            continue;
        snprintf(names[n++], 256, "%s", e->d_name);
    }
    closedir(d);
    qsort(names, (size_t)n, 256, tu_cmp_names);
    return n;
}
