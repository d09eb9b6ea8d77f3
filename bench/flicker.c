/* flicker.c: the warping error of colorized clips against the motion of their
 * gray source (oprestore-bench --flicker; the method is in flicker.h). */
#include "flicker.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kernels/color_px.h"
#include "runtime/core/backend.h"
#include "runtime/core/fileutil.h"
#include "runtime/io/video.h"
#include "runtime/nets/net_seeded.h"
#include "runtime/stages/interpolate.h"
#include "runtime/stages/scene.h"
#include "weights/json.h"

#define FLICKER_SEEDED_MODEL "rife-v4.6"

/* ---- the metric --------------------------------------------------------------------- */

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Bilinear sample of plane p [h,w] at (x, y), edges clamped. */
static float bilinear(const float *p, int w, int h, float x, float y)
{
    float fx = floorf(x), fy = floorf(y);
    int x0 = (int)fx, y0 = (int)fy;
    float ax = x - fx, ay = y - fy;
    int xa = clampi(x0, 0, w - 1), xb = clampi(x0 + 1, 0, w - 1);
    int ya = clampi(y0, 0, h - 1), yb = clampi(y0 + 1, 0, h - 1);
    const float *ra = p + (size_t)ya * w, *rb = p + (size_t)yb * w;
    return (1 - ay) * ((1 - ax) * ra[xa] + ax * ra[xb]) + ay * ((1 - ax) * rb[xa] + ax * rb[xb]);
}

size_t flicker_noc_mask(const float *fw, const float *bw, int w, int h, uint8_t *keep)
{
    const size_t np = (size_t)w * h;
    const float *bx = bw, *by = bw + np;
    size_t kept = 0;
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            size_t q = (size_t)i * w + j;
            float u = bx[q], v = by[q], sx = (float)j + u, sy = (float)i + v;
            int ok = sx >= 0.0f && sx <= (float)(w - 1) && sy >= 0.0f && sy <= (float)(h - 1);
            if (ok) { /* forward-backward consistency */
                float fu = bilinear(fw, w, h, sx, sy), fv = bilinear(fw + np, w, h, sx, sy);
                float du = fu + u, dv = fv + v;
                ok = du * du + dv * dv <= 0.01f * (fu * fu + fv * fv + u * u + v * v) + 0.5f;
            }
            if (ok) { /* motion boundary: forward differences of bw */
                float ux = j + 1 < w ? bx[q + 1] - u : 0, vx = j + 1 < w ? by[q + 1] - v : 0;
                float uy = i + 1 < h ? bx[q + w] - u : 0, vy = i + 1 < h ? by[q + w] - v : 0;
                ok = ux * ux + vx * vx + uy * uy + vy * vy <= 0.01f * (u * u + v * v) + 0.002f;
            }
            keep[q] = (uint8_t)ok;
            kept += (size_t)ok;
        }
    return kept;
}

static void ab_of(double r, double g, double b, double *a_out, double *b_out)
{
    double lab[3];
    color_rgb_to_lab_px(r, g, b, lab);
    *a_out = lab[1], *b_out = lab[2];
}

static double clamp01(double v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

void flicker_pair_error(const float *ca, const float *cb, const float *bw, const uint8_t *keep,
                        int w, int h, flicker_pair *out)
{
    const size_t np = (size_t)w * h;
    double ab_warp = 0, e_warp = 0, ab_raw = 0;
    size_t kept = 0;
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            size_t q = (size_t)i * w + j;
            double a1, b1, a0, b0;
            ab_of(clamp01(cb[q]), clamp01(cb[np + q]), clamp01(cb[2 * np + q]), &a1, &b1);
            ab_of(clamp01(ca[q]), clamp01(ca[np + q]), clamp01(ca[2 * np + q]), &a0, &b0);
            ab_raw += hypot(a1 - a0, b1 - b0);
            if (!keep[q])
                continue;
            float sx = (float)j + bw[q], sy = (float)i + bw[np + q];
            double wr[3], se = 0;
            for (int c = 0; c < 3; c++) {
                wr[c] = clamp01(bilinear(ca + c * np, w, h, sx, sy));
                double d = clamp01(cb[c * np + q]) - wr[c];
                se += d * d;
            }
            ab_of(wr[0], wr[1], wr[2], &a0, &b0);
            ab_warp += hypot(a1 - a0, b1 - b0);
            e_warp += se;
            kept++;
        }
    out->kept = kept;
    out->ab_raw = np ? ab_raw / (double)np : 0;
    out->ab_warp = kept ? ab_warp / (double)kept : NAN;
    out->e_warp = kept ? e_warp / (double)kept : NAN;
}

/* ---- options ------------------------------------------------------------------------ */

int flicker_parse_candidates(char *list, flicker_opts *o)
{
    o->n = 0;
    for (char *p = list, *next; p; p = next) {
        next = strchr(p, ',');
        if (next)
            *next++ = '\0';
        if (!*p) {
            fprintf(stderr, "oprestore-bench: --flicker-candidates: an empty entry\n");
            return -1;
        }
        if (o->n == FLICKER_MAX_CANDIDATES) {
            fprintf(stderr, "oprestore-bench: --flicker-candidates: at most %d clips\n",
                    FLICKER_MAX_CANDIDATES);
            return -1;
        }
        char *eq = strchr(p, '=');
        o->labels[o->n] = NULL;
        if (eq) {
            *eq = '\0';
            if (!*p || !eq[1]) {
                fprintf(stderr, "oprestore-bench: --flicker-candidates: '%s=%s': expected "
                                "LABEL=PATH\n", p, eq + 1);
                return -1;
            }
            o->labels[o->n] = p;
            p = eq + 1;
        }
        o->paths[o->n++] = p;
    }
    return 0;
}

/* ---- the run ------------------------------------------------------------------------ */

typedef struct {
    const char *label, *path;
    or_video_reader *rd;
    or_video_info info;
    or_image prev;
    double *ab_warp; /* per pair, NAN: no figure */
    double sum_ab_warp, sum_e_warp, sum_ab_raw;
    int pairs;       /* pairs with an ab_warp (some pixel kept) */
} fl_clip;

typedef struct {
    fl_clip src;
    fl_clip cand[FLICKER_MAX_CANDIDATES];
    int n, w, h;
    long frames, pairs_total, cuts, empty;
    long measured;     /* pairs not at a cut: ab_raw and kept are over these */
    double sum_cover;  /* kept share of each measured pair */
    double sum_flow;   /* mean |bw| (pixels) of each measured pair */
    char flow_desc[1100];
    int seeded;
    double flow_sec;
} fl_run;

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static or_status open_clip(fl_clip *c, const char *path, const char *label, or_err *err)
{
    memset(c, 0, sizeof *c);
    c->path = path;
    c->label = label ? label : base_name(path);
    int kind = or_video_classify(path, err);
    if (kind == OR_MEDIA_BAD)
        return or_err_prefix(err, "%s", path);
    if (kind == OR_MEDIA_OTHER) {
        OR_TRY(or_check_input(path, 0, err)); /* missing, a folder, a FIFO: says so */
        return or_errf(err, OR_EINVAL, "%s: not a video clip", path);
    }
    return or_video_open(path, &c->rd, &c->info, err);
}

/* The next frame of c into *f (3 channels); *got 0 at the end. */
static or_status next_frame(fl_clip *c, or_image *f, int *got, int w, int h, or_err *err)
{
    int64_t pts;
    memset(f, 0, sizeof *f);
    OR_TRY(or_video_read(c->rd, f, &pts, got, err));
    if (*got && (f->width != w || f->height != h || f->channels != 3)) {
        or_errf(err, OR_ESHAPE, "%s: frame of %dx%d: the source is %dx%d", c->path, f->width,
                f->height, w, h);
        or_image_free(f);
        return OR_ESHAPE;
    }
    return OR_OK;
}

/* BT.601 luma of an RGB frame as a gray image (the flow's input). */
static or_status luma(const or_image *f, or_image *g, or_err *err)
{
    OR_TRY(or_image_alloc(g, f->width, f->height, 1, 0, err));
    size_t np = (size_t)f->width * f->height;
    for (size_t q = 0; q < np; q++)
        g->planes[q] = 0.299f * f->planes[q] + 0.587f * f->planes[np + q] +
                       0.114f * f->planes[2 * np + q];
    return OR_OK;
}

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static or_status load_flow_net(const flicker_opts *o, or_backend *be, or_net **net, fl_run *r,
                               or_err *err)
{
    or_dtype dt = o->dtype >= 0 ? (or_dtype)o->dtype
                                : be->kind == OR_BACKEND_CUDA ? OR_F16 : OR_F32;
    if (o->flow_model) {
        OR_TRY(or_net_load(o->flow_model, be, dt, net, err));
        snprintf(r->flow_desc, sizeof r->flow_desc, "%s", o->flow_model);
    } else {
        OR_TRY(or_net_load_seeded(or_net_official_meta(FLICKER_SEEDED_MODEL), be, dt, 1, net,
                                  err));
        snprintf(r->flow_desc, sizeof r->flow_desc, "%s (seeded weights)", FLICKER_SEEDED_MODEL);
        r->seeded = 1;
    }
    if (!(*net)->flows)
        return or_errf(err, OR_EINVAL, "%s: a %s network gives no flows: --flow-model wants RIFE",
                       r->flow_desc, (*net)->arch);
    return OR_OK;
}

/* One pair t -> t+1 of every clip: the source's flows and mask, each candidate's figures. */
static or_status measure_pair(or_net *net, const flicker_opts *o, fl_run *r, const or_image *s1,
                              or_image *c1, float *fw, float *bw, uint8_t *keep, or_err *err)
{
    long k = r->pairs_total++;
    for (int i = 0; i < r->n; i++)
        r->cand[i].ab_warp[k] = NAN;
    if (or_scene_is_cut(&r->src.prev, s1, o->scene_threshold)) {
        r->cuts++;
        return OR_OK;
    }
    or_image g0 = {0}, g1 = {0};
    or_status st = luma(&r->src.prev, &g0, err);
    if (st == OR_OK)
        st = luma(s1, &g1, err);
    or_interpolate_opts io = or_interpolate_defaults();
    io.flow_scale = o->flow_scale;
    double t0 = now_sec();
    if (st == OR_OK)
        st = or_interpolate_flows(net, &g0, &g1, &io, fw, bw, err);
    r->flow_sec += now_sec() - t0;
    or_image_free(&g0);
    or_image_free(&g1);
    OR_TRY(st);
    size_t kept = flicker_noc_mask(fw, bw, r->w, r->h, keep), np = (size_t)r->w * r->h;
    double mag = 0;
    for (size_t q = 0; q < np; q++)
        mag += hypot(bw[q], bw[np + q]);
    r->sum_flow += mag / (double)np;
    r->empty += kept == 0;
    r->measured++;
    r->sum_cover += (double)kept / ((double)r->w * r->h);
    for (int i = 0; i < r->n; i++) {
        fl_clip *c = &r->cand[i];
        flicker_pair p;
        flicker_pair_error(c->prev.planes, c1[i].planes, bw, keep, r->w, r->h, &p);
        c->sum_ab_raw += p.ab_raw;
        if (!kept)
            continue;
        c->ab_warp[k] = p.ab_warp;
        c->sum_ab_warp += p.ab_warp;
        c->sum_e_warp += p.e_warp;
        c->pairs++;
    }
    return OR_OK;
}

/* Read every clip in step; measure each pair. */
static or_status run_clips(or_net *net, const flicker_opts *o, fl_run *r, or_err *err)
{
    size_t np = (size_t)r->w * r->h;
    long cap = o->frames > 0 ? o->frames : (r->src.info.frames > 0 ? r->src.info.frames : 1024);
    float *fw = malloc(2 * np * sizeof(float)), *bw = malloc(2 * np * sizeof(float));
    uint8_t *keep = malloc(np);
    or_image s1 = {0}, c1[FLICKER_MAX_CANDIDATES];
    memset(c1, 0, sizeof c1);
    or_status st = OR_OK;
    int tty = isatty(2); /* progress on a terminal only */
    if (!fw || !bw || !keep)
        st = or_errf(err, OR_ENOMEM, "flicker: out of memory for %dx%d frames", r->w, r->h);
    for (int i = 0; st == OR_OK && i < r->n; i++)
        if (!(r->cand[i].ab_warp = malloc((size_t)cap * sizeof(double))))
            st = or_errf(err, OR_ENOMEM, "flicker: out of memory");
    while (st == OR_OK && (o->frames <= 0 || r->frames < o->frames)) {
        int got;
        st = next_frame(&r->src, &s1, &got, r->w, r->h, err);
        if (st != OR_OK || !got)
            break;
        for (int i = 0; st == OR_OK && i < r->n; i++) {
            int g;
            st = next_frame(&r->cand[i], &c1[i], &g, r->w, r->h, err);
            if (st == OR_OK && !g)
                st = or_errf(err, OR_EINVAL,
                             "%s: ends after %ld frames, the source has more: cut the source "
                             "or use --flicker-frames %ld",
                             r->cand[i].path, r->frames, r->frames);
        }
        if (st == OR_OK && r->frames > 0) {
            if (r->pairs_total == cap) {
                cap *= 2;
                for (int i = 0; st == OR_OK && i < r->n; i++) {
                    double *p = realloc(r->cand[i].ab_warp, (size_t)cap * sizeof(double));
                    if (!p)
                        st = or_errf(err, OR_ENOMEM, "flicker: out of memory");
                    else
                        r->cand[i].ab_warp = p;
                }
            }
            if (st == OR_OK) {
                if (tty)
                    fprintf(stderr, "\roprestore-bench: flicker: pair %ld", r->frames);
                st = measure_pair(net, o, r, &s1, c1, fw, bw, keep, err);
            }
        }
        /* the new frames become the previous ones */
        or_image_free(&r->src.prev);
        r->src.prev = s1;
        memset(&s1, 0, sizeof s1);
        for (int i = 0; i < r->n; i++) {
            or_image_free(&r->cand[i].prev);
            r->cand[i].prev = c1[i];
            memset(&c1[i], 0, sizeof c1[i]);
        }
        r->frames++;
    }
    if (tty)
        fprintf(stderr, "\n");
    or_image_free(&s1);
    for (int i = 0; i < r->n; i++)
        or_image_free(&c1[i]);
    free(fw), free(bw), free(keep);
    if (st == OR_OK && r->frames < 2)
        st = or_errf(err, OR_EINVAL, "%s: %ld frame(s): a flicker figure needs two or more",
                     r->src.path, r->frames);
    return st;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median and maximum of the pairs with a figure. */
static void pair_stats(const fl_clip *c, long n, double *median, double *max)
{
    double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof(double));
    long k = 0;
    *median = *max = NAN;
    if (!v)
        return;
    for (long i = 0; i < n; i++)
        if (!isnan(c->ab_warp[i]))
            v[k++] = c->ab_warp[i];
    if (k) {
        qsort(v, (size_t)k, sizeof(double), cmp_double);
        *median = k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
        *max = v[k - 1];
    }
    free(v);
}

static double mean_of(double sum, long n) { return n ? sum / (double)n : NAN; }

/* A figure for the table: "n/a" when there is none. */
static const char *fmt_fig(char *buf, size_t len, double v, int prec)
{
    if (isnan(v))
        snprintf(buf, len, "n/a");
    else
        snprintf(buf, len, "%.*f", prec, v);
    return buf;
}

static void print_table(const fl_run *r, const flicker_opts *o, const char *device)
{
    printf("Temporal flicker (warping error, Lai et al. 2018) of %d clip%s against %s\n", r->n,
           r->n == 1 ? "" : "s", r->src.path);
    printf("  %dx%d, %ld frames, %ld pairs (%ld at scene cuts left out; %ld with no consistent "
           "flow: no ab_warp); %.1f%% of the pixels kept; mean |flow| %.2f px\n",
           r->w, r->h, r->frames, r->pairs_total, r->cuts, r->empty,
           100.0 * mean_of(r->sum_cover, r->measured), mean_of(r->sum_flow, r->measured));
    printf("  flow: %s on the source's luma, flow scale %g, %s, %.2f s per pair; "
           "mask: forward-backward + motion boundaries (Ruder et al. 2016)\n",
           r->flow_desc, (double)o->flow_scale, device,
           r->measured ? r->flow_sec / (double)r->measured : 0.0);
    if (r->seeded)
        printf("  NOTE: the flow network has seeded weights: its flows are not motion, the "
               "figures only test the plumbing\n");
    printf("\n%-24s %10s %10s %10s %12s %10s %6s\n", "clip", "ab_warp", "median", "max",
           "E_warp", "ab_raw", "pairs");
    for (int i = 0; i < r->n; i++) {
        const fl_clip *c = &r->cand[i];
        double med, mx;
        char b[5][32];
        pair_stats(c, r->pairs_total, &med, &mx);
        printf("%-24.24s %10s %10s %10s %12s %10s %6d\n", c->label,
               fmt_fig(b[0], 32, mean_of(c->sum_ab_warp, c->pairs), 4),
               fmt_fig(b[1], 32, med, 4), fmt_fig(b[2], 32, mx, 4),
               fmt_fig(b[3], 32, mean_of(c->sum_e_warp, c->pairs), 6),
               fmt_fig(b[4], 32, mean_of(c->sum_ab_raw, r->measured), 4), c->pairs);
    }
    printf("\nab_warp: mean |ab(t+1) - ab(t warped onto t+1)| over the kept (unoccluded) "
           "pixels, CIE Lab units, mean over pairs (lower is steadier); E_warp: Lai et al.'s, "
           "RGB in [0,1]; ab_raw: without motion compensation, every pixel, every pair not at "
           "a cut; pairs: pairs with an ab_warp.\n");
}

/* The figures as a markdown table (the script bench/flicker.sh puts it in docs/results.md). */
static void write_markdown_table(FILE *f, const fl_run *r, const flicker_opts *o)
{
    fprintf(f, "| clip | ab_warp | median | max | E_warp | ab_raw | pairs with ab_warp |\n"
               "|---|---:|---:|---:|---:|---:|---:|\n");
    for (int i = 0; i < r->n; i++) {
        const fl_clip *c = &r->cand[i];
        double med, mx;
        char b[5][32];
        pair_stats(c, r->pairs_total, &med, &mx);
        fprintf(f, "| %s | %s | %s | %s | %s | %s | %d of %ld |\n", c->label,
                fmt_fig(b[0], 32, mean_of(c->sum_ab_warp, c->pairs), 3), fmt_fig(b[1], 32, med, 3),
                fmt_fig(b[2], 32, mx, 3), fmt_fig(b[3], 32, mean_of(c->sum_e_warp, c->pairs), 5),
                fmt_fig(b[4], 32, mean_of(c->sum_ab_raw, r->measured), 3), c->pairs, r->measured);
    }
    fprintf(f, "\n%dx%d, %ld frames, %ld pairs (%ld at scene cuts left out); flow: %s on the "
               "source's luma, flow scale %g, mean |flow| %.2f px; %.1f%% of the pixels kept by "
               "the consistency mask.\n",
            r->w, r->h, r->frames, r->pairs_total, r->cuts, r->flow_desc,
            (double)o->flow_scale, mean_of(r->sum_flow, r->measured),
            100.0 * mean_of(r->sum_cover, r->measured));
}

static or_status write_markdown(const char *path, const fl_run *r, const flicker_opts *o,
                                or_err *err)
{
    or_atomic_file af;
    OR_TRY(or_atomic_open(&af, path, err));
    write_markdown_table(af.f, r, o);
    return or_atomic_commit(&af, err);
}

static void jnum(FILE *f, const char *k, double v)
{
    json_write_str(f, k, 0);
    if (isfinite(v))
        fprintf(f, ": %.8g", v);
    else
        fputs(": null", f);
}

static or_status write_json(const char *path, const fl_run *r, const flicker_opts *o,
                            const char *device, or_err *err)
{
    or_atomic_file af;
    OR_TRY(or_atomic_open(&af, path, err));
    FILE *f = af.f;
    fputs("{\n  \"flicker\": {\n    \"source\": ", f);
    json_write_str(f, r->src.path, 0);
    fprintf(f, ",\n    \"width\": %d, \"height\": %d, \"frames\": %ld, \"pairs\": %ld, "
               "\"scene_cuts\": %ld, \"pairs_without_flow\": %ld,\n    ",
            r->w, r->h, r->frames, r->pairs_total, r->cuts, r->empty);
    jnum(f, "kept", mean_of(r->sum_cover, r->measured));
    fputs(", ", f);
    jnum(f, "mean_flow_px", mean_of(r->sum_flow, r->measured));
    fputs(", \"flow_model\": ", f);
    json_write_str(f, r->flow_desc, 0);
    fprintf(f, ", \"flow_weights_seeded\": %s, \"flow_scale\": %g, \"device\": ",
            r->seeded ? "true" : "false", (double)o->flow_scale);
    json_write_str(f, device, 0);
    fputs(",\n    \"mask\": \"forward-backward consistency and motion boundaries (Ruder et al. "
          "2016; thresholds of Lai et al. 2018)\",\n    \"candidates\": [",
          f);
    for (int i = 0; i < r->n; i++) {
        const fl_clip *c = &r->cand[i];
        double med, mx;
        pair_stats(c, r->pairs_total, &med, &mx);
        fputs(i ? ",\n      {" : "\n      {", f);
        json_write_str(f, "label", 0);
        fputs(": ", f);
        json_write_str(f, c->label, 0);
        fputs(", ", f);
        json_write_str(f, "path", 0);
        fputs(": ", f);
        json_write_str(f, c->path, 0);
        fputs(",\n       ", f);
        jnum(f, "ab_warp", mean_of(c->sum_ab_warp, c->pairs));
        fputs(", ", f);
        jnum(f, "ab_warp_median", med);
        fputs(", ", f);
        jnum(f, "ab_warp_max", mx);
        fputs(", ", f);
        jnum(f, "e_warp", mean_of(c->sum_e_warp, c->pairs));
        fputs(", ", f);
        jnum(f, "ab_raw", mean_of(c->sum_ab_raw, r->measured));
        fprintf(f, ", \"pairs_with_ab_warp\": %d,\n       \"ab_warp_per_pair\": [", c->pairs);
        for (long k = 0; k < r->pairs_total; k++) {
            if (k)
                fputs(", ", f);
            if (isnan(c->ab_warp[k]))
                fputs("null", f);
            else
                fprintf(f, "%.6g", c->ab_warp[k]);
        }
        fputs("]}", f);
    }
    fputs("\n    ]\n  }\n}\n", f);
    return or_atomic_commit(&af, err);
}

int flicker_run(const flicker_opts *o)
{
    or_err err;
    or_backend *be = NULL;
    or_net *net = NULL;
    fl_run *r = calloc(1, sizeof *r);
    int rc = 1;
    if (!r) {
        fprintf(stderr, "oprestore-bench: out of memory\n");
        return 1;
    }
    or_status st = open_clip(&r->src, o->source, NULL, &err);
    r->w = r->src.info.width, r->h = r->src.info.height;
    for (int i = 0; st == OR_OK && i < o->n; i++) {
        st = open_clip(&r->cand[i], o->paths[i], o->labels[i], &err);
        r->n = i + 1;
        if (st == OR_OK && (r->cand[i].info.width != r->w || r->cand[i].info.height != r->h))
            st = or_errf(&err, OR_ESHAPE, "%s: %dx%d: the source %s is %dx%d", o->paths[i],
                         r->cand[i].info.width, r->cand[i].info.height, o->source, r->w, r->h);
    }
    if (st == OR_OK)
        st = or_backend_open(o->device, &be, &err);
    if (st == OR_OK)
        st = load_flow_net(o, be, &net, r, &err);
    if (st == OR_OK)
        st = run_clips(net, o, r, &err);
    if (st == OR_OK) {
        print_table(r, o, be->name);
        rc = (o->json && write_json(o->json, r, o, be->name, &err) != OR_OK) ||
             (o->markdown && write_markdown(o->markdown, r, o, &err) != OR_OK);
        if (rc)
            fprintf(stderr, "oprestore-bench: %s\n", err.msg);
    } else {
        fprintf(stderr, "oprestore-bench: flicker: %s\n", err.msg);
    }
    or_net_free(net);
    if (be)
        or_backend_destroy(be);
    for (int i = 0; i < r->n; i++) {
        or_video_close(r->cand[i].rd);
        or_image_free(&r->cand[i].prev);
        free(r->cand[i].ab_warp);
    }
    or_video_close(r->src.rd);
    or_image_free(&r->src.prev);
    free(r);
    return rc;
}
