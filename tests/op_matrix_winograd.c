/* op_matrix_winograd.c: the CPU backend's Winograd F(4x4,3x3) convolutions
 * (kernels/conv2d_winograd_cpu.c, runtime/core/backend_cpu_conv.c) against the double-precision
 * direct reference, on awkward shapes (dilated ones through their phases), with a tolerance derived from the transform's rounding
 * (docs/perf.md, "Winograd error"):
 *
 *   |y - ref| <= L * rs * gamma_{Ci+18} * (Ybar + |bias|) + 8u * (|ref| + |res| + 1)
 *
 * u = 2^-24, gamma_k = k u / (1 - k u). Ybar = |A^T| (sum_ci (|G| |g| |G^T|) . (|B^T| |d| |B|)) |A|
 * is the same computation on absolute values, in double (wino_abs_bound below): a computed sum
 * of products, each term carried through at most k roundings, is within gamma_k of the exact
 * one times the sum of the terms' absolute values. Per term: U rounded once from double (1, plus
 * 1 for the double arithmetic), the input transform's two passes (3 + 3), the product and the
 * GEMM's sum over Ci (Ci + 1, any order, with or without FMA), the output transform's two passes
 * (3 + 3), the bias (1), the activation's multiply (1), the residual scale (1): Ci + 18.
 * L = 1 bounds the activations' Lipschitz constants (slopes 0.2 and [0, 0.5), sigmoid, tanh),
 * rs the residual scale (0.2; 1 without a residual). The 8u terms take the final roundings, the
 * reference's own float rounding and libm's sigmoid/tanh (a few ulp of values <= 1). The bound
 * holds for any CPU, BLAS kernel and thread count; a wrong coefficient, tile origin or border
 * misses it by orders of magnitude. */
#include "op_matrix_winograd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/deconv_kernels.h"
#include "kernels/kernels.h"
#include "runtime/core/ops_deconv.h"
#include "test_util.h"

static const double AbsBT[6][6] = {
    {4, 0, 5, 0, 1, 0}, {0, 4, 4, 1, 1, 0}, {0, 4, 4, 1, 1, 0},
    {0, 2, 1, 2, 1, 0}, {0, 2, 1, 2, 1, 0}, {0, 4, 0, 5, 0, 1},
};
static const double AbsG[6][3] = {
    {1.0 / 4, 0, 0},          {1.0 / 6, 1.0 / 6, 1.0 / 6}, {1.0 / 6, 1.0 / 6, 1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6}, {1.0 / 24, 1.0 / 12, 1.0 / 6}, {0, 0, 1},
};
static const double AbsAT[4][6] = {
    {1, 1, 1, 1, 1, 0}, {0, 1, 1, 2, 2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, 1, 8, 8, 1},
};

/* yb[n][co][oy][ox] = Ybar (stride 1, 3x3, padding s->ph/pw). */
static void wino_abs_bound(const float *x, const float *w, const or_conv_shape *s, double *yb)
{
    int th = (s->ho + 3) / 4, tw = (s->wo + 3) / 4;
    double *ub = malloc((size_t)s->co * s->ci * 36 * sizeof(double));
    for (int o = 0; o < s->co; o++)
        for (int i = 0; i < s->ci; i++) {
            const float *g = w + ((size_t)o * s->ci + i) * 9;
            double t[6][3];
            for (int r = 0; r < 6; r++)
                for (int c = 0; c < 3; c++)
                    t[r][c] = AbsG[r][0] * fabs(g[c]) + AbsG[r][1] * fabs(g[3 + c]) +
                              AbsG[r][2] * fabs(g[6 + c]);
            for (int r = 0; r < 6; r++)
                for (int c = 0; c < 6; c++)
                    ub[((size_t)o * s->ci + i) * 36 + r * 6 + c] =
                        t[r][0] * AbsG[c][0] + t[r][1] * AbsG[c][1] + t[r][2] * AbsG[c][2];
        }
    double *vb = malloc((size_t)s->ci * 36 * sizeof(double));
    for (int n = 0; n < s->n; n++)
        for (int ty = 0; ty < th; ty++)
            for (int tx = 0; tx < tw; tx++) {
                for (int i = 0; i < s->ci; i++) {
                    double d[6][6], t[6][6];
                    for (int r = 0; r < 6; r++)
                        for (int c = 0; c < 6; c++) {
                            int iy = ty * 4 - s->ph + r, ix = tx * 4 - s->pw + c;
                            d[r][c] = iy >= 0 && iy < s->h && ix >= 0 && ix < s->w
                                          ? fabs(x[(((size_t)n * s->ci + i) * s->h + iy) * s->w + ix])
                                          : 0.0;
                        }
                    for (int k = 0; k < 6; k++)
                        for (int c = 0; c < 6; c++) {
                            t[k][c] = 0;
                            for (int r = 0; r < 6; r++)
                                t[k][c] += AbsBT[k][r] * d[r][c];
                        }
                    for (int k = 0; k < 6; k++)
                        for (int l = 0; l < 6; l++) {
                            double v = 0;
                            for (int c = 0; c < 6; c++)
                                v += t[k][c] * AbsBT[l][c];
                            vb[(size_t)i * 36 + k * 6 + l] = v;
                        }
                }
                for (int o = 0; o < s->co; o++) {
                    double m[36] = {0}, t[4][6];
                    for (int i = 0; i < s->ci; i++)
                        for (int p = 0; p < 36; p++)
                            m[p] += ub[((size_t)o * s->ci + i) * 36 + p] * vb[(size_t)i * 36 + p];
                    for (int a = 0; a < 4; a++)
                        for (int c = 0; c < 6; c++) {
                            t[a][c] = 0;
                            for (int r = 0; r < 6; r++)
                                t[a][c] += AbsAT[a][r] * m[r * 6 + c];
                        }
                    for (int a = 0; a < 4; a++)
                        for (int b = 0; b < 4; b++) {
                            int oy = ty * 4 + a, ox = tx * 4 + b;
                            if (oy >= s->ho || ox >= s->wo)
                                continue;
                            double v = 0;
                            for (int c = 0; c < 6; c++)
                                v += t[a][c] * AbsAT[b][c];
                            yb[(((size_t)n * s->co + o) * s->ho + oy) * s->wo + ox] = v;
                        }
                }
            }
    free(ub);
    free(vb);
}

/* The same bound for a dilated case (dilation d, padding d, H and W multiples of d), on the
 * convolution the backend runs (kernels/conv2d_winograd_phases_cpu.c): per image, each phase
 * (H/d x W/d) cut into 4-row segments, laid side by side each with its rows above and below (zeros
 * outside the phase) and followed by one zero column, convolved undilated without vertical and
 * with 1 column of horizontal padding (the bound depends on where the 4x4 tiles fall, so it is
 * taken on that same grid), scattered back. */
static void wino_abs_bound_dilated(const float *x, const float *w, const or_conv_shape *s,
                                   double *yb)
{
    enum { SEG = 4 };
    int d = s->dh, hp = s->h / d, wp = s->w / d, pitch = wp + 1, nq = (hp + SEG - 1) / SEG;
    int sw = d * d * nq * pitch;
    or_conv_shape p = {1, s->ci, SEG + 2, sw, s->co, 3, 3, 1, 1, 0, 1, 1, 1, SEG, sw};
    float *xp = calloc((size_t)s->ci * (SEG + 2) * sw, sizeof(float));
    double *ybp = malloc((size_t)s->co * SEG * sw * sizeof(double));
    for (int n = 0; n < s->n; n++) {
        for (int c = 0; c < s->ci; c++)
            for (int g = 0; g < d * d * nq; g++)
                for (int row = 0; row < SEG + 2; row++) {
                    int k = g / nq, i = SEG * (g % nq) + row - 1;
                    for (int j = 0; j < wp && i >= 0 && i < hp; j++)
                        xp[((size_t)c * (SEG + 2) + row) * sw + g * pitch + j] =
                            x[(((size_t)n * s->ci + c) * s->h + d * i + k / d) * s->w + d * j + k % d];
                }
        wino_abs_bound(xp, w, &p, ybp);
        for (int o = 0; o < s->co; o++)
            for (int g = 0; g < d * d * nq; g++)
                for (int row = 0; row < SEG; row++) {
                    int k = g / nq, i = SEG * (g % nq) + row;
                    for (int j = 0; j < wp && i < hp; j++)
                        yb[(((size_t)n * s->co + o) * s->h + d * i + k / d) * s->w + d * j + k % d] =
                            ybp[((size_t)o * SEG + row) * sw + g * pitch + j];
                }
    }
    free(xp);
    free(ybp);
}

/* The same bound for a 3x3 stride-2 dilation-2 case: along each axis, with padding p = 2q + r,
 * output o reads input 2 (o + k - q - r) + r, so the backend runs the undilated stride-1
 * convolution, padding q + r, of x[:, :, r::2, r::2] on the same output grid; the bound is that
 * convolution's. */
static void wino_abs_bound_subsampled(const float *x, const float *w, const or_conv_shape *s,
                                      double *yb)
{
    int rh = s->ph & 1, rw = s->pw & 1;
    int hs = (s->h - rh + 1) / 2, ws = (s->w - rw + 1) / 2;
    or_conv_shape p = {s->n, s->ci, hs, ws, s->co, 3, 3, 1, 1, s->ph / 2 + rh, s->pw / 2 + rw,
                       1, 1, s->ho, s->wo};
    float *xs = malloc((size_t)s->n * s->ci * hs * ws * sizeof(float));
    for (int nc = 0; nc < s->n * s->ci; nc++)
        for (int i = 0; i < hs; i++)
            for (int j = 0; j < ws; j++)
                xs[((size_t)nc * hs + i) * ws + j] =
                    x[((size_t)nc * s->h + 2 * i + rh) * s->w + 2 * j + rw];
    wino_abs_bound(xs, w, &p, yb);
    free(xs);
}

typedef struct {
    int n, ci, co, h, w, pad;
    or_act act;
    int residual, bias;
    int dil; /* dilation (0: 1); dilated cases take the phase path (pad = dil, H, W multiples) */
    int stride; /* 0: 1; 2 (with dil 2): the subsampled path */
} wino_case;

static const wino_case wino_cases[] = {
    {1, 8, 4, 1, 1, 1, OR_ACT_NONE, 0, 1, 0, 0},      /* 1-pixel image, the smallest channels */
    {1, 9, 5, 1, 7, 1, OR_ACT_RELU, 0, 1, 0, 0},      /* one row */
    {1, 13, 17, 7, 1, 1, OR_ACT_LEAKY, 0, 1, 0, 0},   /* one column */
    {2, 16, 8, 9, 13, 1, OR_ACT_PRELU, 1, 1, 0, 0},   /* batch 2, residual */
    {1, 31, 67, 17, 23, 1, OR_ACT_LEAKY, 1, 1, 0, 0}, /* odd everything */
    {1, 67, 31, 33, 37, 1, OR_ACT_PRELU, 0, 1, 0, 0}, /* rows of 10 tiles: one full group + tail */
    {1, 64, 64, 40, 36, 1, OR_ACT_LEAKY, 0, 0, 0, 0}, /* rows of 9 tiles: groups span two rows */
    {1, 16, 8, 5, 3, 0, OR_ACT_NONE, 0, 0, 0, 0},     /* no padding: 3x1 output */
    {1, 24, 12, 12, 70, 2, OR_ACT_SIGMOID, 0, 1, 0, 0}, /* padding 2: 14x72 output */
    {1, 8, 9, 11, 66, 1, OR_ACT_TANH, 0, 1, 0, 0},    /* rows of 17 tiles: two full groups */
    {3, 12, 6, 6, 40, 1, OR_ACT_RELU, 1, 1, 0, 0},    /* batch 3: groups span two images */
    {1, 67, 67, 36, 64, 1, OR_ACT_LEAKY, 1, 1, 0, 0}, /* 144 tiles: several blocks per thread */
    {1, 16, 12, 32, 32, 2, OR_ACT_RELU, 0, 1, 2, 0},   /* dilation 2 (Zhang's conv5/conv6) */
    {2, 9, 5, 6, 10, 2, OR_ACT_LEAKY, 1, 1, 2, 0},     /* dilation 2, batch 2, residual, 3x5 phases */
    {1, 8, 4, 2, 2, 2, OR_ACT_NONE, 0, 0, 2, 0},       /* dilation 2, 1-pixel phases */
    {1, 12, 7, 9, 12, 3, OR_ACT_PRELU, 0, 1, 3, 0},    /* dilation 3: 9 phases of 3x4 */
    {1, 16, 8, 13, 8, 2, OR_ACT_RELU, 0, 1, 2, 0},     /* dilation 2, 4 segments per phase, the last 2 rows */
    {1, 64, 8, 8, 120, 2, OR_ACT_NONE, 1, 1, 2, 0},    /* dilation 2, 61 tiles: blocks of 48, the last part-full */
    /* stride 2, dilation 2 (SIGGRAPH17's "[::2, ::2] then conv"): even and odd padding, odd sizes */
    {1, 16, 12, 32, 32, 2, OR_ACT_RELU, 0, 1, 2, 2},   /* Zhang's: padding 2 */
    {2, 9, 5, 7, 11, 2, OR_ACT_LEAKY, 1, 1, 2, 2},     /* odd sizes, batch 2, residual */
    {1, 8, 4, 1, 1, 2, OR_ACT_NONE, 0, 0, 2, 2},       /* 1 pixel */
    {1, 12, 7, 6, 9, 1, OR_ACT_PRELU, 0, 1, 2, 2},     /* padding 1: the odd pixels */
    {1, 10, 6, 10, 5, 3, OR_ACT_TANH, 1, 1, 2, 2},     /* padding 3: the odd pixels, pad 2 */
    {1, 8, 5, 9, 5, 0, OR_ACT_RELU, 0, 1, 2, 2},       /* no padding: 3x1 output */
};

/* Packed tiles (rows of tiles that would leave over a quarter of a group's lanes empty: groups of
 * 8 consecutive tiles across rows and images), run on 1 and 3 threads: several threads on one
 * block of tiles split Co. Several cases above are packed too (rows of 1, 4, 9, 10 tiles). */
static const wino_case wino_packed_cases[] = {
    {1, 32, 40, 8, 8, 1, OR_ACT_LEAKY, 1, 1, 0, 0},    /* 4 tiles, one block: Co split */
    {1, 9, 6, 13, 7, 1, OR_ACT_RELU, 0, 1, 0, 0},      /* rows of 2 tiles: 4 runs a group, last row cut */
    {1, 64, 16, 200, 12, 1, OR_ACT_PRELU, 1, 1, 0, 0}, /* 150 tiles: two blocks, a partial group */
    {2, 16, 24, 5, 5, 1, OR_ACT_NONE, 1, 0, 0, 0},     /* batch 2 of 2x2 tiles: one group, both images */
    {1, 64, 32, 16, 16, 1, OR_ACT_LEAKY, 0, 1, 0, 0},  /* RRDBNet's 16x16 layers */
};

/* The weight tensor [n,c,kh,kw]: cached, in backend memory outside the arena (as a network's,
 * transformed once and kept; *wmem to free), else in the arena (transformed per call). */
static or_status put_weight(or_backend *be, or_tensor *tw, int n, int c, int k, const float *w,
                            int cached, void **wmem, or_err *err)
{
    if (!cached)
        return om_put(be, tw, n, c, k, k, OR_F32, "w", w, err);
    *wmem = be->mem_alloc(be, (size_t)n * c * k * k * sizeof(float));
    *tw = (or_tensor){n, c, k, k, OR_F32, be, *wmem, "w", OR_NCHW, 0};
    return or_tensor_upload_f32(tw, w, err);
}

/* Element i within its bound tol (else one FAIL line); *worst: the largest |error| / tol. */
static int within_bound(const char *what, size_t i, float out, float ref, double tol,
                        double *worst)
{
    double e = fabs((double)out - ref);
    if (!(e <= tol)) {
        printf("FAIL %s: element %zu is %.9g, reference %.9g: |error| %.3g > bound %.3g\n", what,
               i, out, ref, e, tol);
        return 0;
    }
    *worst = fmax(*worst, e / tol);
    return 1;
}

/* One case; cached: the weight lives in backend memory outside the arena (as a network's,
 * transformed once and cached), else in the arena (transformed per call). */
static int wino_one(or_backend *be, const wino_case *c, int cached, const char *tag)
{
    or_err err;
    char what[256];
    snprintf(what, sizeof what, "winograd %s [%d,%d,%d,%d]*[%d,%d,3,3] s%d p%d d%d %s%s on %s", tag,
             c->n, c->ci, c->h, c->w, c->co, c->ci, c->stride > 1 ? c->stride : 1, c->pad, c->dil > 1 ? c->dil : 1, or_act_name(c->act),
             c->residual ? "+res" : "", be->name);
    int d = c->dil > 1 ? c->dil : 1, st1 = c->stride > 1 ? c->stride : 1;
    int ho = or_conv_out_size(c->h, 3, st1, c->pad, d), wo = or_conv_out_size(c->w, 3, st1, c->pad, d);
    size_t nx = (size_t)c->n * c->ci * c->h * c->w, nw = (size_t)c->co * c->ci * 9;
    size_t ny = (size_t)c->n * c->co * ho * wo;
    float scale = 1.0f / sqrtf((float)(c->ci * 9));
    float *x = om_rand(nx, -1, 1, OR_F32), *w = om_rand(nw, -scale, scale, OR_F32);
    float *b = om_rand((size_t)c->co, -0.5f, 0.5f, OR_F32), *pr = om_rand((size_t)c->co, 0, 0.5f, OR_F32);
    float *res = om_rand(ny, -1, 1, OR_F32), *ref = malloc(ny * sizeof(float));
    float *out = malloc(ny * sizeof(float));
    double *yb = malloc(ny * sizeof(double));
    or_conv_shape s = {c->n, c->ci, c->h, c->w, c->co, 3, 3, st1, st1, c->pad, c->pad, d, d, ho, wo};
    om_conv_ref(x, w, c->bias ? b : NULL, &s, c->act, pr, c->residual ? res : NULL, ref);
    if (st1 > 1)
        wino_abs_bound_subsampled(x, w, &s, yb);
    else if (d > 1)
        wino_abs_bound_dilated(x, w, &s, yb);
    else
        wino_abs_bound(x, w, &s, yb);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_tensor tx, tw, tb, tp, tr, ty;
    or_conv2d_params p = or_conv2d_default(3, 3);
    p.pad_h = p.pad_w = c->pad;
    p.dil_h = p.dil_w = d;
    p.stride_h = p.stride_w = st1;
    p.ep.act = c->act;
    p.ep.alpha = 0.2f;
    p.ep.prelu = &tp;
    p.ep.residual = c->residual ? &tr : NULL;
    p.ep.res_scale = 0.2f;
    void *wmem = NULL;
    or_status st = om_put(be, &tx, c->n, c->ci, c->h, c->w, OR_F32, "x", x, &err);
    if (!st) st = put_weight(be, &tw, c->co, c->ci, 3, w, cached, &wmem, &err);
    if (!st) st = om_put(be, &tb, 1, c->co, 1, 1, OR_F32, "b", b, &err);
    if (!st) st = om_put(be, &tp, 1, c->co, 1, 1, OR_F32, "prelu", pr, &err);
    if (!st) st = om_put(be, &tr, c->n, c->co, ho, wo, OR_F32, "residual", res, &err);
    if (!st) st = om_put(be, &ty, c->n, c->co, ho, wo, OR_F32, "y", NULL, &err);
    /* twice when cached: the second call runs on the cached transform */
    for (int rep = 0; rep <= cached && !st; rep++)
        st = or_conv2d(&tx, &tw, c->bias ? &tb : NULL, &p, &ty, &err);
    if (!st) st = or_tensor_download_f32(&ty, out, &err);
    int fail = st != OR_OK;
    if (fail)
        printf("FAIL %s: %s\n", what, err.msg);
    const double u = ldexp(1.0, -24), k = c->ci + 18, gamma = k * u / (1 - k * u);
    double worst = 0; /* largest |err| / tol */
    for (size_t i = 0; i < ny && !fail; i++) {
        int ch = (int)((i / ((size_t)ho * wo)) % (size_t)c->co);
        double rs = c->residual ? 0.2 : 1.0;
        double tol = rs * gamma * (yb[i] + (c->bias ? fabs(b[ch]) : 0.0)) +
                     8 * u * (fabs(ref[i]) + (c->residual ? fabs(res[i]) : 0.0) + 1.0);
        fail = !within_bound(what, i, out[i], ref[i], tol, &worst);
    }
    if (!fail)
        printf("ok %s: worst |error| / bound %.3f\n", what, worst);
    or_arena_reset(&be->arena, m);
    if (wmem)
        be->mem_free(be, wmem);
    free(x), free(w), free(b), free(pr), free(res), free(ref), free(out), free(yb);
    return fail;
}

int om_conv2d_winograd_cases(or_backend *be)
{
    int fails = 0;
    tu_seed(41);
    for (size_t i = 0; i < sizeof wino_cases / sizeof wino_cases[0]; i++) {
        fails += wino_one(be, &wino_cases[i], 0, "arena weight");
        fails += wino_one(be, &wino_cases[i], 1, "cached weight");
    }
    for (int th = 1; th <= 3; th += 2) {
        or_backend *bt;
        or_err err;
        if (or_backend_cpu_create(th, &bt, &err) != OR_OK) {
            printf("FAIL winograd packed: %s\n", err.msg);
            return fails + 1;
        }
        for (size_t i = 0; i < sizeof wino_packed_cases / sizeof wino_packed_cases[0]; i++)
            fails += wino_one(bt, &wino_packed_cases[i], (int)(i & 1), th == 1 ? "packed, 1 thread"
                                                                                : "packed, 3 threads");
        or_backend_destroy(bt);
    }
    /* channel counts 1..67 (below 8 in or 4 out: the direct path, under the same bound) */
    static const int cis[] = {1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 66, 67};
    for (size_t i = 0; i < sizeof cis / sizeof cis[0]; i++) {
        wino_case c = {1, cis[i], (cis[i] * 7) % 67 + 1, 9, 11, 1, OR_ACT_LEAKY, (int)(i & 1), 1, 0, 0};
        fails += wino_one(be, &c, (int)(i % 3 == 0), "channels");
    }
    return fails;
}

/* ConvTranspose2d(ci, co, 4, 2, 1) with bias, through the backend (Winograd on the four output
 * phases' 3x3 kernels stacked as 4 Co channels, kernels/conv2d_winograd_phases_cpu.c), against
 * the double-precision reference and the bound of that stacked convolution, interleaved back. */
static int deconv_one(or_backend *be, int n, int ci, int co, int h, int w, int cached)
{
    or_err err;
    char what[256];
    snprintf(what, sizeof what, "winograd deconv [%d,%d,%d,%d]*[%d,%d,4,4] s2 p1%s on %s", n, ci, h,
             w, ci, co, cached ? " cached" : "", be->name);
    int ho = 2 * h, wo = 2 * w;
    size_t nx = (size_t)n * ci * h * w, nw = (size_t)ci * co * 16, ny = (size_t)n * co * ho * wo;
    float scale = 1.0f / sqrtf((float)ci * 4);
    float *x = om_rand(nx, -1, 1, OR_F32), *wt = om_rand(nw, -scale, scale, OR_F32);
    float *b = om_rand((size_t)co, -0.5f, 0.5f, OR_F32), *ref = malloc(ny * sizeof(float));
    float *out = malloc(ny * sizeof(float)), *k3 = malloc((size_t)4 * co * ci * 9 * sizeof(float));
    double *yb4 = malloc(ny * sizeof(double));
    or_deconv_shape ds = {n, ci, h, w, co, 4, 4, 2, 2, 1, 1, 1, 1, ho, wo};
    deconv2d_nchw_f32_naive(x, wt, b, ref, &ds);
    deconv2d_phase_kernels(wt, ci, co, k3);
    or_conv_shape cs = {n, ci, h, w, 4 * co, 3, 3, 1, 1, 1, 1, 1, 1, h, w};
    wino_abs_bound(x, k3, &cs, yb4);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_tensor tx, tw, tb, ty;
    void *wmem = NULL;
    or_deconv2d_params p = or_deconv2d_default();
    p.stride_h = p.stride_w = 2;
    p.pad_h = p.pad_w = 1;
    or_status st = om_put(be, &tx, n, ci, h, w, OR_F32, "x", x, &err);
    if (!st) st = put_weight(be, &tw, ci, co, 4, wt, cached, &wmem, &err);
    if (!st) st = om_put(be, &tb, 1, co, 1, 1, OR_F32, "b", b, &err);
    if (!st) st = om_put(be, &ty, n, co, ho, wo, OR_F32, "y", NULL, &err);
    for (int rep = 0; rep <= cached && !st; rep++)
        st = or_conv_transpose2d(&tx, &tw, &tb, &p, &ty, &err);
    if (!st) st = or_tensor_download_f32(&ty, out, &err);
    int fail = st != OR_OK;
    if (fail)
        printf("FAIL %s: %s\n", what, err.msg);
    const double u = ldexp(1.0, -24), k = ci + 18, gamma = k * u / (1 - k * u);
    double worst = 0;
    for (int bi = 0; bi < n && !fail; bi++)
        for (int o = 0; o < co && !fail; o++)
            for (int oy = 0; oy < ho && !fail; oy++)
                for (int ox = 0; ox < wo; ox++) {
                    int q = (oy % 2) * 2 + ox % 2;
                    size_t i = (((size_t)bi * co + o) * ho + oy) * wo + ox;
                    double ybar = yb4[(((size_t)bi * 4 * co + q * co + o) * h + oy / 2) * w + ox / 2];
                    double tol = gamma * (ybar + fabs(b[o])) + 8 * u * (fabs(ref[i]) + 1.0);
                    if (!within_bound(what, i, out[i], ref[i], tol, &worst)) {
                        fail = 1;
                        break;
                    }
                }
    if (!fail)
        printf("ok %s: worst |error| / bound %.3f\n", what, worst);
    or_arena_reset(&be->arena, m);
    if (wmem)
        be->mem_free(be, wmem);
    free(x), free(wt), free(b), free(ref), free(out), free(k3), free(yb4);
    return fail;
}

int om_deconv2d_winograd_cases(or_backend *be)
{
    tu_seed(43);
    int fails = 0;
    fails += deconv_one(be, 1, 8, 1, 1, 1, 0);    /* 1 pixel in, one output channel (Co' = 4) */
    fails += deconv_one(be, 1, 32, 16, 5, 7, 1);  /* SIGGRAPH17 model8up-like, odd sizes */
    fails += deconv_one(be, 2, 9, 3, 6, 11, 0);   /* batch 2, odd channels */
    fails += deconv_one(be, 1, 64, 32, 12, 13, 1);
    fails += deconv_one(be, 1, 16, 8, 17, 1, 0);  /* 1-pixel-wide strip */
    return fails;
}

/* The cache follows the weight's memory: new values uploaded into the same tensor, and a
 * freed weight whose address comes back with other values, are used, not the stale transform. */
int om_conv2d_winograd_cache_cases(or_backend *be)
{
    or_err err;
    int fails = 0;
    tu_seed(42);
    or_conv_shape s = {1, 16, 10, 13, 12, 3, 3, 1, 1, 1, 1, 1, 1, 10, 13};
    size_t nx = 16 * 10 * 13, nw = 12 * 16 * 9, ny = 12 * 10 * 13;
    float *x = om_rand(nx, -1, 1, OR_F32), *ref = malloc(ny * sizeof(float));
    float *out = malloc(ny * sizeof(float)), slopes[12] = {0};
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_tensor tx, ty;
    or_conv2d_params p = or_conv2d_default(3, 3);
    or_status st = om_put(be, &tx, 1, 16, 10, 13, OR_F32, "x", x, &err);
    if (!st) st = om_put(be, &ty, 1, 12, 10, 13, OR_F32, "y", NULL, &err);
    for (int round = 0; round < 4 && !st; round++) {
        /* rounds 0-1: one allocation, new values uploaded; 2-3: freed and allocated again */
        static void *wmem;
        if (round == 0 || round >= 2) {
            if (wmem)
                be->mem_free(be, wmem);
            wmem = be->mem_alloc(be, nw * sizeof(float));
        }
        float *w = om_rand(nw, -0.3f, 0.3f, OR_F32);
        or_tensor tw = {12, 16, 3, 3, OR_F32, be, wmem, "w", OR_NCHW, 0};
        st = or_tensor_upload_f32(&tw, w, &err);
        if (!st) st = or_conv2d(&tx, &tw, NULL, &p, &ty, &err); /* transformed, cached */
        if (!st) st = or_conv2d(&tx, &tw, NULL, &p, &ty, &err); /* from the cache */
        if (!st) st = or_tensor_download_f32(&ty, out, &err);
        om_conv_ref(x, w, NULL, &s, OR_ACT_NONE, slopes, NULL, ref);
        char what[256];
        snprintf(what, sizeof what, "winograd cache round %d on %s", round, be->name);
        if (st)
            printf("FAIL %s: %s\n", what, err.msg);
        else
            fails += om_check(what, out, ref, ny, OR_F32);
        free(w);
        if (round == 3) {
            be->mem_free(be, wmem);
            wmem = NULL;
        }
    }
    fails += st != OR_OK;
    or_arena_reset(&be->arena, m);
    free(x), free(ref), free(out);
    return fails;
}

/* One shape through conv2d_winograd_f32 with the AVX-512 code and with the AVX2 code; act: an
 * epilogue with bias, that activation and a residual (OR_KERNEL_ACT_NONE: none at all). */
static int avx512_one(int ci, int co, int h, int w, int threads, int act)
{
    or_conv_shape s = {1, ci, h, w, co, 3, 3, 1, 1, 1, 1, 1, 1, h, w};
    size_t nx = (size_t)ci * h * w, ny = (size_t)co * h * w;
    float *x = om_rand(nx, -1, 1, OR_F32), *wt = om_rand((size_t)co * ci * 9, -0.2f, 0.2f, OR_F32);
    float *b = om_rand((size_t)co, -0.5f, 0.5f, OR_F32), *pr = om_rand((size_t)co, 0, 0.5f, OR_F32);
    float *res = om_rand(ny, -1, 1, OR_F32);
    float *u = malloc(conv2d_winograd_weight_floats(co, ci) * sizeof(float));
    float *scratch = malloc(conv2d_winograd_scratch_bytes(&s, threads));
    float *y[2] = {malloc(ny * sizeof(float)), malloc(ny * sizeof(float))};
    or_epilogue_f32 ep = {b, act, 0.2f, pr, res, 0.2f};
    conv2d_winograd_weights(wt, co, ci, u);
    for (int k = 0; k < 2; k++) {
        conv2d_winograd_avx512(k == 0);
        conv2d_winograd_f32(x, u, y[k], &s, act == OR_KERNEL_ACT_NONE ? NULL : &ep, threads,
                            scratch);
    }
    conv2d_winograd_avx512(1);
    size_t bad = 0;
    for (size_t i = 0; i < ny; i++)
        bad += memcmp(&y[0][i], &y[1][i], sizeof(float)) != 0;
    printf("%s winograd avx512 vs avx2 [1,%d,%d,%d]*[%d,%d,3,3] act %d %d threads: %zu of %zu "
           "differ\n", bad ? "FAIL" : "ok", ci, h, w, co, ci, act, threads, bad, ny);
    free(x), free(wt), free(b), free(pr), free(res), free(u), free(scratch), free(y[0]), free(y[1]);
    return bad != 0;
}

int om_conv2d_winograd_avx512_cases(void)
{
    if (!conv2d_winograd_avx512(1))
        return -1;
    tu_seed(43);
    /* widths of 1 to 70 tiles: blocks of 8 .. 192 tiles, every 16- and 8-tile tail; Co not a
     * multiple of 4; Ci above the L1 chunk (kc) */
    static const int dims[][6] = {
        {8, 4, 4, 4, 1, OR_KERNEL_ACT_NONE},      {9, 5, 7, 33, 1, OR_KERNEL_ACT_RELU},
        {16, 7, 9, 61, 2, OR_KERNEL_ACT_LEAKY},   {32, 12, 5, 128, 1, OR_KERNEL_ACT_PRELU},
        {24, 16, 13, 200, 2, OR_KERNEL_ACT_NONE}, {64, 33, 30, 280, 2, OR_KERNEL_ACT_SIGMOID},
        {200, 8, 6, 100, 1, OR_KERNEL_ACT_LEAKY}, {512, 36, 8, 8, 2, OR_KERNEL_ACT_RELU},
        {64, 3, 21, 150, 2, OR_KERNEL_ACT_TANH},
    };
    int fails = 0;
    for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++)
        fails += avx512_one(dims[i][0], dims[i][1], dims[i][2], dims[i][3], dims[i][4], dims[i][5]);
    return fails;
}
