#include "op_matrix_flow.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op_matrix_util.h"
#include "test_util.h"

/* om_put with the shape as an array. */
static or_status fm_put(or_backend *be, or_tensor *t, const int s[4], or_dtype dt,
                        const char *name, const float *host, or_err *err)
{
    return om_put(be, t, s[0], s[1], s[2], s[3], dt, name, host, err);
}

static const int fm_shapes[][4] = {
    {1, 3, 7, 9}, {2, 5, 6, 11}, {1, 1, 1, 1}, {1, 16, 13, 5}, {1, 2, 1, 17}, {1, 7, 19, 23},
};
#define FM_N_SHAPES (sizeof fm_shapes / sizeof fm_shapes[0])

/* ---- correlation ------------------------------------------------------------------ */

static void ref_correlation(const float *a, const float *b, const int s[4], int md, float *y)
{
    int c = s[1], h = s[2], w = s[3], d = 2 * md + 1;
    long hw = (long)h * w;
    for (int n = 0; n < s[0]; n++)
        for (int k = 0; k < d * d; k++)
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++) {
                    int i2 = i + k / d - md, j2 = j + k % d - md;
                    double acc = 0;
                    for (int ch = 0; ch < c && i2 >= 0 && i2 < h && j2 >= 0 && j2 < w; ch++)
                        acc += (double)a[((long)n * c + ch) * hw + (long)i * w + j] *
                               b[((long)n * c + ch) * hw + (long)i2 * w + j2];
                    y[(((long)n * d * d + k) * h + i) * w + j] = (float)(acc / c);
                }
}

int om_flow_correlation_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(41);
    for (size_t si = 0; si < FM_N_SHAPES; si++)
        for (int md = 0; md <= 4; md += (md == 0 ? 1 : md == 1 ? 3 : 1)) {
            const int *s = fm_shapes[si];
            int d = 2 * md + 1, sy[4] = {s[0], d * d, s[2], s[3]};
            size_t nx = (size_t)s[0] * s[1] * s[2] * s[3], ny = nx / s[1] * d * d;
            float *a = om_rand(nx, -2, 2, dt), *b = om_rand(nx, -2, 2, dt);
            float *ref = malloc(ny * sizeof(float));
            ref_correlation(a, b, s, md, ref);
            char what[200];
            snprintf(what, sizeof what, "correlation md %d [%d,%d,%d,%d] on %s", md, s[0], s[1],
                     s[2], s[3], be->name);
            or_arena_mark m = or_arena_get_mark(&be->arena);
            or_tensor ta, tb, ty;
            or_err err;
            or_status st = fm_put(be, &ta, s, dt, "a", a, &err);
            if (!st) st = fm_put(be, &tb, s, dt, "b", b, &err);
            if (!st) st = fm_put(be, &ty, sy, dt, "corr", NULL, &err);
            if (!st) st = or_correlation(&ta, &tb, md, &ty, &err);
            fails += om_finish(st, &err, what, &ty, ref, dt);
            or_arena_reset(&be->arena, m);
            free(a), free(b), free(ref);
        }
    return fails;
}

/* ---- PWC-Net warp ------------------------------------------------------------------ */

/* The sampling position as PWC-Net's normalise / unnormalise gives it (in float:
 * it decides the corners), then bilinear zero-padded sampling in double. */
static float ref_warp_pos(int j, float f, int n)
{
    float g = 2.0f * ((float)j + f) / (float)(n > 1 ? n - 1 : 1) - 1.0f;
    return (g + 1.0f) / 2.0f * (float)(n - 1);
}

static void ref_pwc_warp(const float *x, const float *fl, const int s[4], float *y)
{
    int c = s[1], h = s[2], w = s[3];
    long hw = (long)h * w;
    for (int n = 0; n < s[0]; n++)
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                long p = (long)i * w + j;
                double ix = ref_warp_pos(j, fl[(long)n * 2 * hw + p], w);
                double iy = ref_warp_pos(i, fl[(long)n * 2 * hw + hw + p], h);
                int x0 = (int)floor(ix), y0 = (int)floor(iy);
                double ex = ix - x0, ey = iy - y0, mask = 0;
                double wt[4] = {(1 - ex) * (1 - ey), ex * (1 - ey), (1 - ex) * ey, ex * ey};
                for (int k = 0; k < 4; k++) {
                    int xx = x0 + (k & 1), yy = y0 + (k >> 1);
                    if (xx >= 0 && xx < w && yy >= 0 && yy < h)
                        mask += wt[k];
                }
                for (int ch = 0; ch < c; ch++) {
                    double v = 0;
                    for (int k = 0; k < 4; k++) {
                        int xx = x0 + (k & 1), yy = y0 + (k >> 1);
                        if (xx >= 0 && xx < w && yy >= 0 && yy < h)
                            v += wt[k] * x[((long)n * c + ch) * hw + (long)yy * w + xx];
                    }
                    y[((long)n * c + ch) * hw + p] = mask >= 0.9999 ? (float)v : 0.0f;
                }
            }
}

int om_flow_pwc_warp_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(42);
    for (size_t si = 0; si < FM_N_SHAPES; si++) {
        const int *s = fm_shapes[si];
        int sf[4] = {s[0], 2, s[2], s[3]};
        size_t nx = (size_t)s[0] * s[1] * s[2] * s[3], nf = (size_t)s[0] * 2 * s[2] * s[3];
        float *x = om_rand(nx, -1, 1, dt), *fl = om_rand(nf, -3, 3, dt);
        if (si == 0)
            memset(fl, 0, nf * sizeof(float) / 2); /* integer positions: mask exactly 1 */
        float *ref = malloc(nx * sizeof(float));
        ref_pwc_warp(x, fl, s, ref);
        char what[200];
        snprintf(what, sizeof what, "pwc_warp [%d,%d,%d,%d] on %s", s[0], s[1], s[2], s[3],
                 be->name);
        or_arena_mark m = or_arena_get_mark(&be->arena);
        or_tensor tx, tf, ty;
        or_err err;
        or_status st = fm_put(be, &tx, s, dt, "x", x, &err);
        if (!st) st = fm_put(be, &tf, sf, dt, "flow", fl, &err);
        if (!st) st = fm_put(be, &ty, s, dt, "warped", NULL, &err);
        if (!st) st = or_pwc_warp(&tx, &tf, &ty, &err);
        fails += om_finish(st, &err, what, &ty, ref, dt);
        or_arena_reset(&be->arena, m);
        free(x), free(fl), free(ref);
    }
    return fails;
}

/* ---- depth-aware flow projection ------------------------------------------------------ */

static void ref_projection(const float *fl, const float *dinv, int nb, int h, int w, int fill,
                           float *y)
{
    long hw = (long)h * w;
    double *u = calloc((size_t)hw, sizeof *u), *v = calloc((size_t)hw, sizeof *v);
    double *cnt = calloc((size_t)hw, sizeof *cnt);
    for (int n = 0; n < nb; n++) {
        memset(u, 0, (size_t)hw * sizeof *u), memset(v, 0, (size_t)hw * sizeof *v);
        memset(cnt, 0, (size_t)hw * sizeof *cnt);
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                long p = (long)i * w + j;
                float fx = fl[(long)n * 2 * hw + p], fy = fl[(long)n * 2 * hw + hw + p];
                float x2 = (float)j + fx, y2 = (float)i + fy;
                if (!(x2 >= 0 && y2 >= 0 && x2 <= (float)(w - 1) && y2 <= (float)(h - 1)))
                    continue;
                int l = (int)x2, t = (int)y2, r = l + 1 < w ? l + 1 : w - 1;
                int b = t + 1 < h ? t + 1 : h - 1;
                long corner[4] = {(long)t * w + l, (long)t * w + r, (long)b * w + l,
                                  (long)b * w + r};
                double wt = dinv[(long)n * hw + p];
                for (int k = 0; k < 4; k++) {
                    u[corner[k]] -= wt * fx;
                    v[corner[k]] -= wt * fy;
                    cnt[corner[k]] += wt;
                }
            }
        float *yu = y + (long)n * 2 * hw, *yv = yu + hw;
        for (long p = 0; p < hw; p++) {
            yu[p] = cnt[p] > 0 ? (float)(u[p] / cnt[p]) : 0.0f;
            yv[p] = cnt[p] > 0 ? (float)(v[p] / cnt[p]) : 0.0f;
        }
        for (int i = 0; i < h && fill; i++)
            for (int j = 0; j < w; j++) {
                if (cnt[(long)i * w + j] > 0)
                    continue;
                /* nearest counted pixel in each direction (DepthFlowFillhole_kernelfunc) */
                long nb4[4] = {-1, -1, -1, -1};
                for (int k = j - 1; k >= 0 && nb4[0] < 0; k--)
                    if (cnt[(long)i * w + k] > 0) nb4[0] = (long)i * w + k;
                for (int k = j + 1; k < w && nb4[1] < 0; k++)
                    if (cnt[(long)i * w + k] > 0) nb4[1] = (long)i * w + k;
                for (int k = i - 1; k >= 0 && nb4[2] < 0; k--)
                    if (cnt[(long)k * w + j] > 0) nb4[2] = (long)k * w + j;
                for (int k = i + 1; k < h && nb4[3] < 0; k++)
                    if (cnt[(long)k * w + j] > 0) nb4[3] = (long)k * w + j;
                double su = 0, sv = 0;
                int found = 0;
                for (int k = 0; k < 4; k++)
                    if (nb4[k] >= 0)
                        su += yu[nb4[k]], sv += yv[nb4[k]], found++;
                if (found)
                    yu[(long)i * w + j] = (float)(su / found), yv[(long)i * w + j] = (float)(sv / found);
            }
    }
    free(u), free(v), free(cnt);
}

int om_flow_projection_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(43);
    for (size_t si = 0; si < FM_N_SHAPES; si++)
        for (int fill = 0; fill <= 1; fill++) {
            const int *s = fm_shapes[si];
            int sf[4] = {s[0], 2, s[2], s[3]}, sd[4] = {s[0], 1, s[2], s[3]};
            size_t nf = (size_t)s[0] * 2 * s[2] * s[3], nd = nf / 2;
            /* a drift to the right leaves holes on the left, plus random motion */
            float *fl = om_rand(nf, -2.5f, 2.5f, dt), *dinv = om_rand(nd, 0.05f, 2.0f, dt);
            for (size_t i = 0; i < nf; i++)
                if ((i / nd) % 2 == 0 && i % 3 == 0)
                    fl[i] = fabsf(fl[i]) + 1.0f;
            if (dt == OR_F16)
                for (size_t i = 0; i < nf; i++)
                    fl[i] = or_f16_to_f32(or_f32_to_f16(fl[i]));
            float *ref = malloc(nf * sizeof(float));
            ref_projection(fl, dinv, s[0], s[2], s[3], fill, ref);
            char what[200];
            snprintf(what, sizeof what, "depth_flow_projection fill %d [%d,2,%d,%d] on %s", fill,
                     s[0], s[2], s[3], be->name);
            or_arena_mark m = or_arena_get_mark(&be->arena);
            or_tensor tf, td, tc, ty;
            or_err err;
            or_status st = fm_put(be, &tf, sf, dt, "flow", fl, &err);
            if (!st) st = fm_put(be, &td, sd, dt, "depth_inv", dinv, &err);
            if (!st) st = fm_put(be, &tc, sd, OR_F32, "count", NULL, &err);
            if (!st) st = fm_put(be, &ty, sf, OR_F32, "projected", NULL, &err);
            if (!st) st = or_depth_flow_projection(&tf, &td, fill, &tc, &ty, &err);
            fails += om_finish(st, &err, what, &ty, ref, OR_F32);
            or_arena_reset(&be->arena, m);
            free(fl), free(dinv), free(ref);
        }
    return fails;
}

/* ---- filter interpolation ------------------------------------------------------------- */

static void ref_filter_interp(const float *x, const float *fl, const float *filt, const int s[4],
                              int fs, float *y)
{
    int c = s[1], h = s[2], w = s[3];
    long hw = (long)h * w;
    for (int n = 0; n < s[0]; n++)
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                long p = (long)i * w + j;
                float fx = fl[(long)n * 2 * hw + p], fy = fl[(long)n * 2 * hw + hw + p];
                float x2 = (float)j + fx, y2 = (float)i + fy;
                int ok = x2 >= 0 && y2 >= 0 && x2 <= (float)(w - 1) && y2 <= (float)(h - 1) &&
                         fabsf(fx) < (float)w / 2 && fabsf(fy) < (float)h / 2;
                for (int ch = 0; ch < c; ch++) {
                    const float *img = x + ((long)n * c + ch) * hw;
                    if (!ok) {
                        y[((long)n * c + ch) * hw + p] = img[p];
                        continue;
                    }
                    int ix = (int)x2, iy = (int)y2;
                    double a = x2 - ix, b = y2 - iy, acc = 0;
                    for (int ty = 0; ty < fs; ty++)
                        for (int tx = 0; tx < fs; tx++) {
                            int yy = iy + 1 - fs / 2 + ty, xx = ix + 1 - fs / 2 + tx;
                            double wy = yy <= iy ? 1 - b : b, wx = xx <= ix ? 1 - a : a;
                            yy = yy < 0 ? 0 : yy >= h ? h - 1 : yy;
                            xx = xx < 0 ? 0 : xx >= w ? w - 1 : xx;
                            acc += wy * wx * img[(long)yy * w + xx] *
                                   filt[((long)n * fs * fs + ty * fs + tx) * hw + p];
                        }
                    y[((long)n * c + ch) * hw + p] = (float)acc;
                }
            }
}

/* One case: random x, flow in [-fmax, fmax] and taps, against ref_filter_interp. */
static int filter_interp_case(or_backend *be, or_dtype dt, const int s[4], int fs, float fmax)
{
    int sf[4] = {s[0], 2, s[2], s[3]}, sk[4] = {s[0], fs * fs, s[2], s[3]};
    size_t nx = (size_t)s[0] * s[1] * s[2] * s[3], nf = (size_t)s[0] * 2 * s[2] * s[3];
    size_t nk = nf / 2 * fs * fs;
    float *x = om_rand(nx, -1, 1, dt), *fl = om_rand(nf, -fmax, fmax, dt);
    float *filt = om_rand(nk, -0.2f, 0.5f, dt), *ref = malloc(nx * sizeof(float));
    ref_filter_interp(x, fl, filt, s, fs, ref);
    char what[200];
    snprintf(what, sizeof what, "filter_interpolation F %d [%d,%d,%d,%d] on %s", fs, s[0], s[1],
             s[2], s[3], be->name);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_tensor tx, tf, tk, ty;
    or_err err;
    or_status st = fm_put(be, &tx, s, dt, "x", x, &err);
    if (!st) st = fm_put(be, &tf, sf, dt, "flow", fl, &err);
    if (!st) st = fm_put(be, &tk, sk, dt, "filter", filt, &err);
    if (!st) st = fm_put(be, &ty, s, dt, "interp", NULL, &err);
    if (!st) st = or_filter_interpolation(&tx, &tf, &tk, fs, &ty, &err);
    int fails = om_finish(st, &err, what, &ty, ref, dt);
    or_arena_reset(&be->arena, m);
    free(x), free(fl), free(filt), free(ref);
    return fails;
}

/* Shapes wider and taller than the CPU kernel's tiles (8 rows by 64 columns at
 * F 4, by 16 at F 8), with partial last tiles and channel counts that are not
 * a multiple of its 4-plane groups. */
static const int fi_tile_shapes[][4] = {{1, 9, 21, 150}, {2, 6, 17, 70}};

int om_flow_filter_interpolation_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(44);
    for (size_t si = 0; si < FM_N_SHAPES; si++)
        for (int fs = 2; fs <= 4; fs += 2)
            fails += filter_interp_case(be, dt, fm_shapes[si], fs, 4.0f);
    for (size_t si = 0; si < sizeof fi_tile_shapes / sizeof fi_tile_shapes[0]; si++)
        for (int fs = 2; fs <= 8; fs += 2)
            fails += filter_interp_case(be, dt, fi_tile_shapes[si], fs, 12.0f);
    return fails;
}

/* ---- inverse depth ------------------------------------------------------------------- */

int om_flow_inv_exp_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(45);
    for (size_t si = 0; si < FM_N_SHAPES; si++) {
        const int *s = fm_shapes[si];
        size_t n = (size_t)s[0] * s[1] * s[2] * s[3];
        float *x = om_rand(n, -3, 3, dt), *ref = malloc(n * sizeof(float));
        for (size_t i = 0; i < n; i++)
            ref[i] = (float)(1e-6 + 1.0 / exp((double)x[i]));
        char what[200];
        snprintf(what, sizeof what, "inv_exp [%d,%d,%d,%d] on %s", s[0], s[1], s[2], s[3],
                 be->name);
        or_arena_mark m = or_arena_get_mark(&be->arena);
        or_tensor tx, ty;
        or_err err;
        or_status st = fm_put(be, &tx, s, dt, "log_depth", x, &err);
        if (!st) st = fm_put(be, &ty, s, dt, "depth_inv", NULL, &err);
        if (!st) st = or_inv_exp(&tx, 1e-6f, &ty, &err);
        fails += om_finish(st, &err, what, &ty, ref, dt);
        or_arena_reset(&be->arena, m);
        free(x), free(ref);
    }
    return fails;
}
