/* op_matrix_resample.c: the "resample" op family against plain references and
 * PyTorch outputs (see op_matrix_resample.h). */
#include "op_matrix_resample.h"

#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op_matrix_util.h"
#include "test_util.h"
#include "kernels/resample_coords.h"
#include "kernels/resample_kernels.h"
#include "weights/safetensors.h"

/* ---- references (double; the nearest index in f32, which is PyTorch's definition) ---- */

/* PyTorch's source coordinate of a linear resize along one axis. */
static void ref_linear_taps(int in, int out, int align, double sf, int dst, int *i0, int *i1,
                            double *l1)
{
    double scale = align ? (out > 1 ? (double)(in - 1) / (out - 1) : 0.0)
                   : sf > 0 ? 1.0 / sf
                            : (double)in / out;
    double src = align ? scale * dst : fmax(0.0, scale * (dst + 0.5) - 0.5);
    *i0 = (int)fmin(floor(src), in - 1);
    *i1 = *i0 + 1 < in ? *i0 + 1 : *i0;
    *l1 = fmin(fmax(src - *i0, 0.0), 1.0);
}

static void ref_bilinear(const float *x, float *y, int planes, int h, int w, int ho, int wo,
                         int align, double sh, double sw)
{
    for (int p = 0; p < planes; p++)
        for (int oh = 0; oh < ho; oh++)
            for (int ow = 0; ow < wo; ow++) {
                int y0, y1, x0, x1;
                double ly, lx;
                ref_linear_taps(h, ho, align, sh, oh, &y0, &y1, &ly);
                ref_linear_taps(w, wo, align, sw, ow, &x0, &x1, &lx);
                const float *xp = x + (size_t)p * h * w;
                double top = (1 - lx) * xp[y0 * w + x0] + lx * xp[y0 * w + x1];
                double bot = (1 - lx) * xp[y1 * w + x0] + lx * xp[y1 * w + x1];
                y[((size_t)p * ho + oh) * wo + ow] = (float)((1 - ly) * top + ly * bot);
            }
}

/* upsample_nearest2d's nearest_idx: f32 scale, floor(dst * scale). */
static int ref_nearest_idx(int in, int out, double sf, int dst)
{
    if (out == in)
        return dst;
    if (out == 2 * in)
        return dst / 2;
    float scale = sf > 0 ? (float)(1.0 / sf) : (float)in / (float)out;
    volatile float s = scale * (float)dst;
    int i = (int)floorf(s);
    return i < in - 1 ? i : in - 1;
}

static void ref_nearest(const float *x, float *y, int planes, int h, int w, int ho, int wo,
                        double sh, double sw)
{
    for (int p = 0; p < planes; p++)
        for (int oh = 0; oh < ho; oh++)
            for (int ow = 0; ow < wo; ow++)
                y[((size_t)p * ho + oh) * wo + ow] =
                    x[((size_t)p * h + ref_nearest_idx(h, ho, sh, oh)) * w +
                      ref_nearest_idx(w, wo, sw, ow)];
}

/* RIFE's warp(): grid = pixel + flow normalised by (size-1)/2, grid_sample bilinear. */
static double ref_warp_coord(int p, double f, int size, int align, int border)
{
    double c = align ? p + f : (p + f) * size / (size - 1) - 0.5;
    return border ? fmin(fmax(c, 0.0), size - 1) : c;
}

static void ref_warp(const float *x, const float *fl, float *y, int n, int c, int h, int w,
                     int align, int border)
{
    size_t hw = (size_t)h * w;
    for (int b = 0; b < n; b++)
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                size_t pix = (size_t)i * w + j;
                double ix = ref_warp_coord(j, fl[(size_t)b * 2 * hw + pix], w, align, border);
                double iy = ref_warp_coord(i, fl[(size_t)b * 2 * hw + hw + pix], h, align, border);
                int x0 = (int)floor(ix), y0 = (int)floor(iy);
                double lx = ix - x0, ly = iy - y0;
                for (int k = 0; k < c; k++) {
                    const float *xp = x + ((size_t)b * c + k) * hw;
                    double v = 0;
                    for (int dy = 0; dy < 2; dy++)
                        for (int dx = 0; dx < 2; dx++) {
                            int yy = y0 + dy, xx = x0 + dx;
                            if (yy < 0 || yy >= h || xx < 0 || xx >= w)
                                continue;
                            v += xp[(size_t)yy * w + xx] * (dx ? lx : 1 - lx) * (dy ? ly : 1 - ly);
                        }
                    y[((size_t)b * c + k) * hw + pix] = (float)v;
                }
            }
}

/* ---- resize cases ---- */

typedef struct {
    int n, c, h, w;
    int ho, wo;    /* size form (scale 0), or 0: floor(in * scale) */
    double sh, sw; /* scale factors (0: size form) */
    int align;
} resize_case;

static const resize_case resize_cases[] = {
    {1, 1, 1, 1, 1, 1, 0, 0, 0},     {1, 1, 1, 1, 3, 5, 0, 0, 0},    /* 1 pixel, up from 1 */
    {1, 2, 5, 7, 3, 4, 0, 0, 0},     {1, 3, 17, 23, 40, 9, 0, 0, 0}, /* non-integer down/up */
    {2, 3, 7, 5, 7, 5, 0, 0, 0},     {1, 2, 3, 3, 1, 1, 0, 0, 0},    /* identity, to 1 pixel */
    {1, 3, 17, 23, 0, 0, 0.5, 0.5, 0}, {1, 3, 17, 23, 0, 0, 0.25, 0.25, 0},
    {1, 2, 33, 45, 0, 0, 0.125, 0.125, 0}, {1, 3, 17, 23, 0, 0, 2, 2, 0},
    {1, 2, 9, 11, 0, 0, 4, 4, 0},    {1, 4, 13, 7, 0, 0, 0.5, 2, 0}, /* mixed factors */
    {1, 2, 10, 6, 0, 0, 0.3, 1.7, 0},                                /* factors not 2^k */
    {1, 3, 17, 23, 9, 12, 0, 0, 1},  {1, 3, 5, 7, 16, 30, 0, 0, 1},  /* align_corners */
    {1, 2, 17, 23, 0, 0, 0.5, 0.5, 1}, {1, 1, 4, 4, 1, 1, 0, 0, 1},  /* align, scale form, 1 px */
    {2, 5, 1, 40, 3, 17, 0, 0, 0},                                   /* 1-row strip */
};

static int resize_one(or_backend *be, or_dtype dt, int nearest, const resize_case *rc, int idx)
{
    or_err err;
    char what[384];
    int ho = rc->sh > 0 ? (int)floor(rc->h * rc->sh) : rc->ho;
    int wo = rc->sw > 0 ? (int)floor(rc->w * rc->sw) : rc->wo;
    snprintf(what, sizeof what, "resize_%s case %d [%d,%d,%d,%d] -> %dx%d (scale %g,%g%s) on %s",
             nearest ? "nearest" : "bilinear", idx, rc->n, rc->c, rc->h, rc->w, ho, wo, rc->sh,
             rc->sw, rc->align ? ", align_corners" : "", be->name);
    int planes = rc->n * rc->c;
    size_t nx = (size_t)planes * rc->h * rc->w, ny = (size_t)planes * ho * wo;
    float *x = om_rand(nx, -1, 1, dt), *ref = malloc(ny * sizeof(float));
    float *out = malloc(ny * sizeof(float));
    if (nearest)
        ref_nearest(x, ref, planes, rc->h, rc->w, ho, wo, rc->sh, rc->sw);
    else
        ref_bilinear(x, ref, planes, rc->h, rc->w, ho, wo, rc->align, rc->sh, rc->sw);
    or_arena_mark mark = or_arena_get_mark(&be->arena);
    or_tensor tx, ty;
    or_status st = om_put(be, &tx, rc->n, rc->c, rc->h, rc->w, dt, "x", x, &err);
    if (!st) st = om_put(be, &ty, rc->n, rc->c, ho, wo, dt, "y", NULL, &err);
    if (!st)
        st = nearest ? or_resize_nearest(&tx, rc->sh, rc->sw, &ty, &err)
                     : or_resize_bilinear(&tx, rc->align, rc->sh, rc->sw, &ty, &err);
    if (!st) st = or_tensor_download_f32(&ty, out, &err);
    int fail = st != OR_OK;
    if (fail)
        printf("FAIL %s: %s\n", what, err.msg);
    else if (nearest) /* values are moved, never computed: exact in both dtypes */
        fail = tu_max_abs_diff(out, ref, ny) != 0.0 || !(out[0] == out[0]);
    else
        fail = om_check(what, out, ref, ny, dt);
    if (fail && nearest && st == OR_OK)
        printf("FAIL %s: not bit-exact\n", what);
    or_arena_reset(&be->arena, mark);
    free(x), free(ref), free(out);
    return fail;
}

int om_resize_bilinear_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(51);
    for (int i = 0; i < (int)(sizeof resize_cases / sizeof resize_cases[0]); i++)
        fails += resize_one(be, dt, 0, &resize_cases[i], i);
    return fails;
}

int om_resize_nearest_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(52);
    for (int i = 0; i < (int)(sizeof resize_cases / sizeof resize_cases[0]); i++)
        if (!resize_cases[i].align) /* nearest has no align_corners */
            fails += resize_one(be, dt, 1, &resize_cases[i], i);
    return fails;
}

/* The CPU's fast bilinear resize (column taps once, rows interpolated once per thread) against
 * its plain kernel, bit for bit: the resize cases, RIFE's flow scales (1/16 .. 16) on sizes that
 * are not multiples of them, and 1, 2 and 3 threads (a thread's rows may start mid-plane). */
int om_resize_bilinear_fast_cases(void)
{
    static const struct { int planes, h, w; float s; } rife[] = {
        {13, 5, 7, 16}, {13, 6, 9, 8}, {3, 11, 13, 4}, {2, 1, 1, 2}, {28, 48, 40, 0.0625f},
        {28, 33, 17, 0.125f}, {4, 9, 30, 0.25f}, {5, 7, 7, 0.5f}, {3, 2, 50, 3.0f}};
    int fails = 0, nr = (int)(sizeof resize_cases / sizeof resize_cases[0]);
    int keep = omp_get_max_threads(), nf = (int)(sizeof rife / sizeof rife[0]);
    tu_seed(54);
    for (int threads = 1; threads <= 3; threads++)
        for (int k = 0; k < nr + nf; k++) {
            int planes, h, w, ho, wo, align = 0;
            float sh, sw;
            if (k < nr) {
                const resize_case *rc = &resize_cases[k];
                planes = rc->n * rc->c, h = rc->h, w = rc->w, align = rc->align;
                ho = rc->sh > 0 ? (int)floor(h * rc->sh) : rc->ho;
                wo = rc->sw > 0 ? (int)floor(w * rc->sw) : rc->wo;
                sh = rs_linear_scale(h, ho, align, rc->sh);
                sw = rs_linear_scale(w, wo, align, rc->sw);
            } else {
                planes = rife[k - nr].planes, h = rife[k - nr].h, w = rife[k - nr].w;
                ho = (int)floor(h * (double)rife[k - nr].s), wo = (int)floor(w * (double)rife[k - nr].s);
                if (ho < 1 || wo < 1)
                    continue;
                sh = rs_linear_scale(h, ho, 0, rife[k - nr].s);
                sw = rs_linear_scale(w, wo, 0, rife[k - nr].s);
            }
            size_t nx = (size_t)planes * h * w, ny = (size_t)planes * ho * wo;
            float *x = om_rand(nx, -1, 1, OR_F32), *a = malloc(ny * sizeof(float));
            float *b = malloc(ny * sizeof(float));
            omp_set_num_threads(threads);
            resize_bilinear_f32(x, a, planes, h, w, ho, wo, sh, sw, align);
            resize_bilinear_f32_ref(x, b, planes, h, w, ho, wo, sh, sw, align);
            if (memcmp(a, b, ny * sizeof(float))) {
                printf("FAIL resize_bilinear fast != plain: %d planes %dx%d -> %dx%d%s, %d threads\n",
                       planes, h, w, ho, wo, align ? " align_corners" : "", threads);
                fails++;
            }
            free(x), free(a), free(b);
        }
    omp_set_num_threads(keep);
    return fails;
}

/* ---- warp cases ---- */

typedef struct {
    int n, c, h, w;
    float flow; /* flows uniform in [-flow, flow] pixels */
    or_grid_pad pad;
    int align;
} warp_case;

static const warp_case warp_cases[] = {
    {1, 3, 17, 23, 4, OR_GRID_PAD_BORDER, 1}, /* RIFE's warp */
    {1, 3, 17, 23, 4, OR_GRID_PAD_ZEROS, 1},
    {2, 4, 9, 7, 3, OR_GRID_PAD_ZEROS, 0},    {2, 4, 9, 7, 3, OR_GRID_PAD_BORDER, 0},
    {1, 1, 1, 1, 2, OR_GRID_PAD_ZEROS, 1},    {1, 2, 1, 1, 2, OR_GRID_PAD_BORDER, 1}, /* 1 pixel */
    {1, 8, 1, 40, 3, OR_GRID_PAD_BORDER, 1},  /* 1-row strip */
    {1, 3, 32, 32, 40, OR_GRID_PAD_ZEROS, 0}, /* flows far outside the image */
    {1, 3, 32, 32, 40, OR_GRID_PAD_BORDER, 1},
    {1, 2, 5, 6, 0, OR_GRID_PAD_BORDER, 1},   /* zero flow: a copy */
    {1, 16, 12, 10, 1.5f, OR_GRID_PAD_BORDER, 1},
    {1, 5, 40, 37, 2.5f, OR_GRID_PAD_ZEROS, 0}, /* mostly interior pixels (the CPU's fast path) */
};

static int warp_one(or_backend *be, or_dtype dt, const warp_case *wc, int idx)
{
    or_err err;
    char what[384];
    snprintf(what, sizeof what, "warp_bilinear case %d [%d,%d,%d,%d] flow +-%g %s%s on %s", idx,
             wc->n, wc->c, wc->h, wc->w, wc->flow,
             wc->pad == OR_GRID_PAD_BORDER ? "border" : "zeros",
             wc->align ? " align_corners" : "", be->name);
    size_t hw = (size_t)wc->h * wc->w, nx = (size_t)wc->n * wc->c * hw;
    float *x = om_rand(nx, -1, 1, dt), *fl = om_rand((size_t)wc->n * 2 * hw, -wc->flow, wc->flow, dt);
    float *ref = malloc(nx * sizeof(float)), *out = malloc(nx * sizeof(float));
    ref_warp(x, fl, ref, wc->n, wc->c, wc->h, wc->w, wc->align, wc->pad == OR_GRID_PAD_BORDER);
    or_arena_mark mark = or_arena_get_mark(&be->arena);
    or_tensor tx, tf, ty;
    or_status st = om_put(be, &tx, wc->n, wc->c, wc->h, wc->w, dt, "x", x, &err);
    if (!st) st = om_put(be, &tf, wc->n, 2, wc->h, wc->w, dt, "flow", fl, &err);
    if (!st) st = om_put(be, &ty, wc->n, wc->c, wc->h, wc->w, dt, "y", NULL, &err);
    if (!st) st = or_warp_bilinear(&tx, &tf, wc->pad, wc->align, &ty, &err);
    if (!st) st = or_tensor_download_f32(&ty, out, &err);
    int fail = st != OR_OK;
    if (fail)
        printf("FAIL %s: %s\n", what, err.msg);
    else
        fail = om_check(what, out, ref, nx, dt);
    or_arena_reset(&be->arena, mark);
    free(x), free(fl), free(ref), free(out);
    return fail;
}

int om_warp_bilinear_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(53);
    for (int i = 0; i < (int)(sizeof warp_cases / sizeof warp_cases[0]); i++)
        fails += warp_one(be, dt, &warp_cases[i], i);
    return fails;
}

/* The CPU's fast warp (8 pixels' taps at once, no branch per corner) against its plain kernel,
 * bit for bit: widths around the 8-pixel groups and the 64-pixel tiles, 1 to 7 channels, both
 * paddings and align modes, flows small, large (the image's edges), far outside, and a few
 * NaN and infinite flows; 1 and 3 threads. */
int om_warp_bilinear_fast_cases(void)
{
    static const int widths[] = {1, 7, 8, 9, 17, 64, 65, 130};
    static const int chans[] = {1, 3, 4, 7};
    static const float flows[] = {0.0f, 1.5f, 6.0f, 1e5f};
    int fails = 0, keep = omp_get_max_threads();
    tu_seed(55);
    for (int threads = 1; threads <= 3; threads += 2)
        for (size_t wi = 0; wi < sizeof widths / sizeof widths[0]; wi++)
            for (int cfg = 0; cfg < 16; cfg++) {
                int w = widths[wi], h = 3 + (int)wi % 4, c = chans[cfg % 4];
                int border = cfg / 4 % 2, align = cfg / 8, n = 1 + (cfg % 3 == 0);
                float fl = flows[(cfg + (int)wi) % 4];
                size_t hw = (size_t)h * w, nx = (size_t)n * c * hw;
                float *x = om_rand(nx, -1, 1, OR_F32);
                float *f = om_rand((size_t)n * 2 * hw, -fl, fl, OR_F32);
                float *a = malloc(nx * sizeof(float)), *b = malloc(nx * sizeof(float));
                if (cfg == 5 || cfg == 10) { /* non-finite flows */
                    f[0] = NAN, f[hw - 1] = INFINITY, f[(size_t)n * 2 * hw - 1] = -INFINITY;
                    f[hw / 2] = NAN;
                }
                omp_set_num_threads(threads);
                warp_bilinear_f32(x, f, a, n, c, h, w, align, border);
                warp_bilinear_f32_ref(x, f, b, n, c, h, w, align, border);
                if (memcmp(a, b, nx * sizeof(float))) {
                    printf("FAIL warp_bilinear fast != plain: [%d,%d,%d,%d] flow +-%g %s%s, "
                           "%d threads\n", n, c, h, w, fl, border ? "border" : "zeros",
                           align ? " align_corners" : "", threads);
                    fails++;
                }
                free(x), free(f), free(a), free(b);
            }
    omp_set_num_threads(keep);
    return fails;
}

/* ---- PyTorch fixture ---- */

/* Read tensor `name` (4-D f32) into a malloc'd buffer and its shape. */
static float *torch_tensor(const st_file *f, const char *name, int shape[4])
{
    const st_tensor *t = st_find(f, name);
    or_err err;
    if (!t || t->ndim != 4)
        return NULL;
    for (int i = 0; i < 4; i++)
        shape[i] = (int)t->shape[i];
    float *p = malloc((size_t)t->numel * sizeof(float));
    if (st_read_f32(f, t, p, &err) != OR_OK) {
        free(p);
        return NULL;
    }
    return p;
}

/* One case: metadata "case.<i>" = "bilinear ALIGN SH SW" | "nearest SH SW" | "warp PAD ALIGN"
 * (PAD: zeros|border), tensors "<i>.x", "<i>.y" and for the warp "<i>.flow". */
static int torch_one(or_backend *be, or_dtype dt, const st_file *f, int i)
{
    char key[32], tname[48], what[384], op[16] = "", pad[16] = "";
    snprintf(key, sizeof key, "case.%d", i);
    const char *spec = st_meta(f, key);
    int align = 0, xs[4] = {0}, ys[4] = {0}, fs[4] = {0};
    double sh = 0, sw = 0;
    if (!spec || sscanf(spec, "%15s", op) != 1) {
        printf("FAIL torch resample fixture: no %s\n", key);
        return 1;
    }
    snprintf(what, sizeof what, "torch case %d '%s' on %s", i, spec, be->name);
    int ok = !strcmp(op, "bilinear")  ? sscanf(spec, "%*s %d %lf %lf", &align, &sh, &sw) == 3
             : !strcmp(op, "nearest") ? sscanf(spec, "%*s %lf %lf", &sh, &sw) == 2
             : !strcmp(op, "warp")    ? sscanf(spec, "%*s %15s %d", pad, &align) == 2
                                      : 0;
    snprintf(tname, sizeof tname, "%d.x", i);
    float *x = torch_tensor(f, tname, xs), *fl = NULL;
    snprintf(tname, sizeof tname, "%d.y", i);
    float *ref = torch_tensor(f, tname, ys);
    if (!strcmp(op, "warp")) {
        snprintf(tname, sizeof tname, "%d.flow", i);
        fl = torch_tensor(f, tname, fs);
        ok = ok && fl;
    }
    if (!ok || !x || !ref) {
        printf("FAIL %s: malformed case\n", what);
        free(x), free(fl), free(ref);
        return 1;
    }
    size_t nx = (size_t)xs[0] * xs[1] * xs[2] * xs[3], ny = (size_t)ys[0] * ys[1] * ys[2] * ys[3];
    if (dt == OR_F16) { /* the f16 backend sees rounded inputs; PSNR covers the rest */
        for (size_t k = 0; k < nx; k++)
            x[k] = or_f16_to_f32(or_f32_to_f16(x[k]));
    }
    float *out = malloc(ny * sizeof(float));
    or_err err;
    or_arena_mark mark = or_arena_get_mark(&be->arena);
    or_tensor tx, tf, ty;
    or_status st = om_put(be, &tx, xs[0], xs[1], xs[2], xs[3], dt, "x", x, &err);
    if (!st && fl) st = om_put(be, &tf, fs[0], fs[1], fs[2], fs[3], dt, "flow", fl, &err);
    if (!st) st = om_put(be, &ty, ys[0], ys[1], ys[2], ys[3], dt, "y", NULL, &err);
    if (!st) {
        if (!strcmp(op, "bilinear"))
            st = or_resize_bilinear(&tx, align, sh, sw, &ty, &err);
        else if (!strcmp(op, "nearest"))
            st = or_resize_nearest(&tx, sh, sw, &ty, &err);
        else
            st = or_warp_bilinear(&tx, &tf,
                                  !strcmp(pad, "border") ? OR_GRID_PAD_BORDER : OR_GRID_PAD_ZEROS,
                                  align, &ty, &err);
    }
    if (!st) st = or_tensor_download_f32(&ty, out, &err);
    int fail = st != OR_OK;
    if (fail) {
        printf("FAIL %s: %s\n", what, err.msg);
    } else if (dt == OR_F32) {
        double peak = 1.0;
        for (size_t k = 0; k < ny; k++)
            peak = fmax(peak, fabs(ref[k]));
        double d = tu_max_abs_diff(out, ref, ny);
        fail = !(d <= OM_TORCH_TOL_F32 * peak);
        if (getenv("OM_VERBOSE"))
            printf("%s: max abs diff %.3g against PyTorch\n", what, d);
        if (fail)
            printf("FAIL %s: max abs diff %.3g against PyTorch > %.3g\n", what, d,
                   OM_TORCH_TOL_F32 * peak);
    } else {
        fail = om_check(what, out, ref, ny, dt);
    }
    or_arena_reset(&be->arena, mark);
    free(x), free(fl), free(ref), free(out);
    return fail;
}

int om_resample_torch_cases(or_backend *be, or_dtype dt)
{
    st_file f;
    or_err err;
    if (st_open(tu_src("tests/fixtures/rife/resample_torch.safetensors"), &f, &err) != OR_OK) {
        printf("FAIL %s\n", err.msg);
        return 1;
    }
    const char *n = st_meta(&f, "n_cases");
    int count = n ? atoi(n) : 0, fails = 0;
    for (int i = 0; i < count; i++)
        fails += torch_one(be, dt, &f, i);
    st_close(&f);
    if (count < OM_RESAMPLE_TORCH_MIN_CASES) {
        printf("FAIL torch resample fixture: %d cases, expected >= %d\n", count,
               OM_RESAMPLE_TORCH_MIN_CASES);
        fails++;
    }
    return fails;
}
