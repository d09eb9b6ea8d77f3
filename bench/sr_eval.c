/* sr_eval.c: PSNR-Y of a super-resolution network on Set5 / Set14 style
 * folders, with the time of each image (the protocol is in sr_eval.h). */
#include "sr_eval.h"

#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/core/backend.h"
#include "runtime/core/fileutil.h"
#include "runtime/io/image_internal.h" /* or_image_quantize: the PNG writer's rounding */
#include "runtime/stages/upscale.h"

/* ---- the metric --------------------------------------------------------------------- */

/* MATLAB rgb2ycbcr's Y of 8-bit samples (BasicSR bgr2ycbcr y_only on img/255, *255). */
static double luma(unsigned r, unsigned g, unsigned b)
{
    return 16.0 + 65.481 * (r / 255.0) + 128.553 * (g / 255.0) + 24.966 * (b / 255.0);
}

double sr_eval_psnr_y(const uint8_t *a, const uint8_t *b, int w, int h, int crop)
{
    if (crop < 0 || w - 2 * crop <= 0 || h - 2 * crop <= 0)
        return NAN;
    const size_t np = (size_t)w * h;
    double se = 0;
    for (int y = crop; y < h - crop; y++)
        for (int x = crop; x < w - crop; x++) {
            size_t i = (size_t)y * w + x;
            double d = luma(a[i], a[np + i], a[2 * np + i]) - luma(b[i], b[np + i], b[2 * np + i]);
            se += d * d;
        }
    double mse = se / ((double)(w - 2 * crop) * (h - 2 * crop));
    return mse == 0 ? INFINITY : 10.0 * log10(255.0 * 255.0 / mse);
}

or_status sr_eval_rgb8(const or_image *img, int w, int h, uint8_t *out, or_err *err)
{
    if (img->channels != 1 && img->channels != 3)
        return or_errf(err, OR_EINVAL, "sr-eval: image with %d channels", img->channels);
    if (w <= 0 || h <= 0 || w > img->width || h > img->height)
        return or_errf(err, OR_ESHAPE, "sr-eval: cannot crop %dx%d from a %dx%d image", w, h,
                       img->width, img->height);
    for (int c = 0; c < 3; c++) {
        const float *p = or_image_plane(img, img->channels == 1 ? 0 : c);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                out[((size_t)c * h + y) * w + x] =
                    (uint8_t)or_image_quantize(p[(size_t)y * img->width + x], 255.0f);
    }
    return OR_OK;
}

/* ---- one set ------------------------------------------------------------------------- */

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_names(const void *a, const void *b) { return strcmp(a, b); }

/* Sorted names (without .png) of the PNG files in dir; at most SR_EVAL_MAX_IMAGES. */
static or_status list_png(const char *dir, char (*names)[128], int *n, or_err *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return or_errf(err, OR_EIO, "sr-eval: cannot open folder %s", dir);
    struct dirent *e;
    *n = 0;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len <= 4 || len >= 128 + 4 || strcmp(e->d_name + len - 4, ".png") != 0)
            continue;
        if (*n == SR_EVAL_MAX_IMAGES) {
            closedir(d);
            return or_errf(err, OR_EINVAL, "sr-eval: %s: more than %d images", dir,
                           SR_EVAL_MAX_IMAGES);
        }
        snprintf(names[(*n)++], 128, "%.*s", (int)(len - 4), e->d_name);
    }
    closedir(d);
    if (*n == 0)
        return or_errf(err, OR_EINVAL, "sr-eval: no .png images in %s", dir);
    qsort(names, (size_t)*n, 128, cmp_names);
    return OR_OK;
}

/* Upscale lr and time it (until the backend is idle). */
static or_status timed_upscale(or_net *net, const or_image *lr, or_image *out,
                               or_upscale_info *info, double *sec, or_err *err)
{
    or_upscale_opts o = or_upscale_defaults();
    double t0 = now_sec();
    OR_TRY(or_upscale_image(net, lr, &o, out, info, err));
    or_status st = net->be->sync(net->be, err);
    *sec = now_sec() - t0;
    if (st != OR_OK)
        or_image_free(out);
    return st;
}

/* PSNR of net's output on one LR image against its HR: fills row. */
static or_status eval_image(or_net *net, const char *lr_path, const char *hr_path, int crop,
                            sr_eval_row *row, or_err *err)
{
    or_image lr = {0}, hr = {0}, sr = {0};
    uint8_t *a = NULL, *b = NULL;
    or_upscale_info info = {0};
    or_status st = or_image_read(lr_path, NULL, &lr, err);
    if (st == OR_OK)
        st = or_image_read(hr_path, NULL, &hr, err);
    if (st == OR_OK)
        st = timed_upscale(net, &lr, &sr, &info, &row->sec, err);
    if (st == OR_OK && (hr.width < sr.width || hr.height < sr.height))
        st = or_errf(err, OR_ESHAPE, "%s: %dx%d, smaller than the %dx%d output of %s", hr_path,
                     hr.width, hr.height, sr.width, sr.height, lr_path);
    if (st == OR_OK) {
        size_t n = (size_t)3 * sr.width * sr.height;
        a = malloc(n), b = malloc(n);
        if (!a || !b)
            st = or_errf(err, OR_ENOMEM, "sr-eval: out of memory for %s", lr_path);
    }
    if (st == OR_OK)
        st = sr_eval_rgb8(&sr, sr.width, sr.height, a, err);
    if (st == OR_OK)
        st = sr_eval_rgb8(&hr, sr.width, sr.height, b, err);
    if (st == OR_OK) {
        row->lr_w = lr.width, row->lr_h = lr.height;
        row->psnr = sr_eval_psnr_y(a, b, sr.width, sr.height, crop);
        row->tiles = info.tile ? info.tiles : 0;
    }
    free(a);
    free(b);
    or_image_free(&lr);
    or_image_free(&hr);
    or_image_free(&sr);
    return st;
}

static void base_name(const char *path, char *out, size_t n, int strip_ext)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    size_t start = len;
    while (start > 0 && path[start - 1] != '/')
        start--;
    size_t end = len;
    if (strip_ext)
        for (size_t i = len; i > start; i--)
            if (path[i - 1] == '.') {
                end = i - 1;
                break;
            }
    snprintf(out, n, "%.*s", (int)(end - start), path + start);
}

or_status sr_eval_set(or_net *net, const char *dir, int crop, int warmup, sr_eval_result *r,
                      or_err *err)
{
    memset(r, 0, sizeof *r);
    r->scale = net->scale;
    r->crop = crop < 0 ? net->scale : crop;
    r->warmup = warmup;
    base_name(dir, r->set, sizeof r->set, 0);
    base_name(net->model_path, r->model, sizeof r->model, 1);
    snprintf(r->arch, sizeof r->arch, "%s", net->arch ? net->arch : "?");
    snprintf(r->device, sizeof r->device, "%s", net->be->name);
    snprintf(r->dtype, sizeof r->dtype, "%s", or_dtype_name(net->dtype));

    char lr_dir[4096], lr_path[4400], hr_path[4400];
    snprintf(lr_dir, sizeof lr_dir, "%s/LR_bicubic_x%d", dir, net->scale);
    char(*names)[128] = malloc((size_t)SR_EVAL_MAX_IMAGES * 128);
    if (!names)
        return or_errf(err, OR_ENOMEM, "sr-eval: out of memory");
    or_status st = list_png(lr_dir, names, &r->n, err);
    for (int i = 0; st == OR_OK && i < warmup; i++) {
        sr_eval_row scratch;
        snprintf(lr_path, sizeof lr_path, "%s/%s.png", lr_dir, names[0]);
        snprintf(hr_path, sizeof hr_path, "%s/HR/%s.png", dir, names[0]);
        st = eval_image(net, lr_path, hr_path, r->crop, &scratch, err);
    }
    double sum = 0;
    for (int i = 0; st == OR_OK && i < r->n; i++) {
        sr_eval_row *row = &r->rows[i];
        snprintf(row->name, sizeof row->name, "%s", names[i]);
        snprintf(lr_path, sizeof lr_path, "%s/%s.png", lr_dir, names[i]);
        snprintf(hr_path, sizeof hr_path, "%s/HR/%s.png", dir, names[i]);
        st = eval_image(net, lr_path, hr_path, r->crop, row, err);
        sum += row->psnr;
        r->total_sec += row->sec;
    }
    free(names);
    if (st != OR_OK)
        return or_err_prefix(err, "sr-eval %s", dir);
    r->mean_psnr = sum / r->n;
    return OR_OK;
}

/* ---- output ------------------------------------------------------------------------- */

void sr_eval_markdown(FILE *f, const sr_eval_result *r)
{
    fprintf(f, "### %s: %s (%s x%d)\n\n", r->set, r->model, r->arch, r->scale);
    fprintf(f, "Device: %s, %s. PSNR on Y, %d pixels cropped from each border. ", r->device,
            r->dtype, r->crop);
    if (r->warmup > 0)
        fprintf(f, "Before timing, %s ran %d time%s, untimed (warm-up).\n\n", r->rows[0].name,
                r->warmup, r->warmup == 1 ? "" : "s");
    else
        fprintf(f, "No warm-up: the first time includes it.\n\n");
    fprintf(f, "| image | LR size | PSNR-Y (dB) | ms |\n|---|---:|---:|---:|\n");
    int tiled = 0;
    for (int i = 0; i < r->n; i++) {
        const sr_eval_row *w = &r->rows[i];
        fprintf(f, "| %s | %dx%d | %.4f | %.1f |\n", w->name, w->lr_w, w->lr_h, w->psnr,
                1e3 * w->sec);
        tiled += w->tiles > 0;
    }
    fprintf(f, "\nMean PSNR-Y over %d image%s: **%.4f dB**; total %.1f ms.", r->n,
            r->n == 1 ? "" : "s", r->mean_psnr, 1e3 * r->total_sec);
    if (!tiled)
        fprintf(f, " Every image ran whole (no tiles).\n\n");
    else {
        fprintf(f, " Tiled (tile pad %d):", OR_UPSCALE_TILE_PAD);
        for (int i = 0; i < r->n; i++)
            if (r->rows[i].tiles)
                fprintf(f, " %s (%d tiles)", r->rows[i].name, r->rows[i].tiles);
        fprintf(f, ".\n\n");
    }
}

/* ---- oprestore-bench --sr-eval ------------------------------------------------------ */

static int write_markdown(const char *path, const sr_eval_result *res, int n)
{
    or_err err;
    or_atomic_file af;
    if (or_atomic_open(&af, path, &err) != OR_OK) {
        fprintf(stderr, "oprestore-bench: %s\n", err.msg);
        return 1;
    }
    for (int i = 0; i < n; i++)
        sr_eval_markdown(af.f, &res[i]);
    if (or_atomic_commit(&af, &err) != OR_OK) {
        fprintf(stderr, "oprestore-bench: %s\n", err.msg);
        return 1;
    }
    return 0;
}

int sr_eval_run(const sr_eval_opts *o)
{
    or_err err;
    or_backend *be = NULL;
    or_net *net = NULL;
    sr_eval_result *res = calloc((size_t)o->n_dirs, sizeof *res);
    int rc = 1;
    if (!res) {
        fprintf(stderr, "oprestore-bench: out of memory\n");
        return 1;
    }
    if (or_backend_open(o->device, &be, &err) != OR_OK)
        goto fail;
    or_dtype dt = o->dtype >= 0 ? (or_dtype)o->dtype
                                : be->kind == OR_BACKEND_CUDA ? OR_F16 : OR_F32;
    if (or_net_load(o->model_file, be, dt, &net, &err) != OR_OK)
        goto fail;
    for (int i = 0; i < o->n_dirs; i++) {
        fprintf(stderr, "oprestore-bench: sr-eval %s ...\n", o->dirs[i]);
        if (sr_eval_set(net, o->dirs[i], -1, o->warmup < 0 ? 1 : o->warmup, &res[i], &err) !=
            OR_OK)
            goto fail;
        sr_eval_markdown(stdout, &res[i]);
        fflush(stdout);
    }
    rc = o->markdown ? write_markdown(o->markdown, res, o->n_dirs) : 0;
    goto done;
fail:
    fprintf(stderr, "oprestore-bench: %s\n", err.msg);
done:
    or_net_free(net);
    if (be)
        or_backend_destroy(be);
    free(res);
    return rc;
}
