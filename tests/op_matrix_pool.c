/* op_matrix_pool.c: the "pool" family against double-precision references
 * written from PyTorch's definitions (see op_matrix_pool.h). */
#include "op_matrix_pool.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "op_matrix_util.h"
#include "test_util.h"

/* ---- references: straight from the definitions, in double ---- */

typedef enum { POOL_MAX, POOL_AVG } pool_kind;

/* PyTorch: window of output o starts at o*s - p, spans k; max ignores padding;
 * avg divides by the window clipped to the padded extent (count_include_pad) or
 * by the number of real elements. */
static void ref_pool(const float *x, float *y, int planes, int h, int w, int kh, int kw, int sh,
                     int sw, int ph, int pw, pool_kind kind, int cip, int ho, int wo)
{
    for (int pl = 0; pl < planes; pl++)
        for (int oh = 0; oh < ho; oh++)
            for (int ow = 0; ow < wo; ow++) {
                double m = -INFINITY, s = 0;
                int real = 0, padded = 0;
                for (int a = 0; a < kh; a++)
                    for (int b = 0; b < kw; b++) {
                        int i = oh * sh - ph + a, j = ow * sw - pw + b;
                        if (i < h + ph && j < w + pw)
                            padded++;
                        if (i < 0 || j < 0 || i >= h || j >= w)
                            continue;
                        double v = x[((size_t)pl * h + i) * w + j];
                        m = v > m ? v : m;
                        s += v;
                        real++;
                    }
                double out = kind == POOL_MAX ? m : s / (cip ? padded : real);
                y[((size_t)pl * ho + oh) * wo + ow] = (float)out;
            }
}

typedef struct {
    int n, c, h, w, kh, kw, sh, sw, ph, pw;
} pool_case;

static const pool_case pool_cases[] = {
    {1, 1, 1, 1, 1, 1, 1, 1, 0, 0},    /* 1 pixel */
    {1, 3, 17, 23, 3, 3, 2, 2, 1, 1},  /* ResNet's stem max pool on odd sizes */
    {2, 5, 9, 7, 2, 2, 1, 1, 0, 0},    /* DeOldify's blur: 2x2 stride 1, batch 2 */
    {1, 3, 4, 38, 2, 2, 1, 1, 0, 0},   /* the blur on rows of 37 outputs (vector body + tail) */
    {1, 13, 6, 10, 2, 2, 2, 2, 0, 0},  /* 2x2 stride 2 (DAIN), C not a multiple of 8 */
    {1, 4, 1, 9, 1, 3, 1, 2, 0, 1},    /* 1-pixel-high strip, rectangular window */
    {1, 2, 8, 5, 4, 3, 3, 2, 2, 1},    /* uneven stride, padding = kernel/2 */
    {1, 7, 2, 2, 3, 3, 2, 2, 1, 1},    /* window larger than the image */
};

static int pool_one(or_backend *be, or_dtype dt, const pool_case *c, pool_kind kind, int cip)
{
    int ho = (c->h + 2 * c->ph - c->kh) / c->sh + 1, wo = (c->w + 2 * c->pw - c->kw) / c->sw + 1;
    size_t nx = (size_t)c->n * c->c * c->h * c->w, ny = (size_t)c->n * c->c * ho * wo;
    float *x = om_rand(nx, -2, 2, dt), *ref = malloc(ny * sizeof(float)), *out = malloc(ny * sizeof(float));
    ref_pool(x, ref, c->n * c->c, c->h, c->w, c->kh, c->kw, c->sh, c->sw, c->ph, c->pw, kind, cip,
             ho, wo);
    char what[256];
    snprintf(what, sizeof what, "%s [%d,%d,%d,%d] k%dx%d s%dx%d p%dx%d%s %s on %s",
             kind == POOL_MAX ? "maxpool2d" : "avgpool2d", c->n, c->c, c->h, c->w, c->kh, c->kw,
             c->sh, c->sw, c->ph, c->pw, kind == POOL_AVG && !cip ? " exclude-pad" : "",
             or_dtype_name(dt), be->name);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_tensor tx, ty;
    or_err err;
    or_status st = om_put(be, &tx, c->n, c->c, c->h, c->w, dt, "x", x, &err);
    if (!st) st = om_put(be, &ty, c->n, c->c, ho, wo, dt, "y", NULL, &err);
    if (!st && kind == POOL_MAX)
        st = or_maxpool2d(&tx, c->kh, c->kw, c->sh, c->sw, c->ph, c->pw, &ty, &err);
    if (!st && kind == POOL_AVG)
        st = or_avgpool2d(&tx, c->kh, c->kw, c->sh, c->sw, c->ph, c->pw, cip, &ty, &err);
    if (!st) st = or_tensor_download_f32(&ty, out, &err);
    int fail = st != OR_OK;
    if (fail)
        printf("FAIL %s: %s\n", what, err.msg);
    else
        fail = om_check(what, out, ref, ny, dt);
    or_arena_reset(&be->arena, m);
    free(x), free(ref), free(out);
    return fail;
}

int om_maxpool2d_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(21);
    for (size_t i = 0; i < sizeof pool_cases / sizeof pool_cases[0]; i++)
        fails += pool_one(be, dt, &pool_cases[i], POOL_MAX, 0);
    return fails;
}

int om_avgpool2d_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(22);
    for (size_t i = 0; i < sizeof pool_cases / sizeof pool_cases[0]; i++)
        for (int cip = 0; cip <= 1; cip++)
            fails += pool_one(be, dt, &pool_cases[i], POOL_AVG, cip);
    return fails;
}

/* F.pad: zero; replicate clamps; reflect mirrors without repeating the edge. */
static double ref_pad_at(const float *xp, int h, int w, int i, int j, or_pad_mode mode)
{
    if (mode == OR_PAD_ZERO && (i < 0 || j < 0 || i >= h || j >= w))
        return 0;
    if (mode == OR_PAD_REPLICATE) {
        i = i < 0 ? 0 : i >= h ? h - 1 : i;
        j = j < 0 ? 0 : j >= w ? w - 1 : j;
    }
    if (mode == OR_PAD_REFLECT) {
        i = i < 0 ? -i : i >= h ? 2 * h - 2 - i : i;
        j = j < 0 ? -j : j >= w ? 2 * w - 2 - j : j;
    }
    return xp[(size_t)i * w + j];
}

typedef struct {
    int n, c, h, w, l, r, t, b;
} pad_case;

static const pad_case pad_cases[] = {
    {1, 1, 1, 1, 1, 0, 1, 0, },  /* 1 pixel, DeOldify's (1,0,1,0) */
    {1, 3, 17, 23, 1, 0, 1, 0},  /* the blur's pad on odd sizes */
    {2, 5, 6, 7, 2, 3, 1, 4},    /* batch 2, uneven pads */
    {1, 9, 4, 5, 3, 3, 3, 3},    /* pads of size - 1 (reflect's limit) */
    {1, 2, 1, 8, 0, 0, 0, 0},    /* no padding */
    {1, 2, 3, 41, 1, 0, 1, 0},   /* a wide row: the copied middle and the padded edge */
};

static int pad_one(or_backend *be, or_dtype dt, const pad_case *c, or_pad_mode mode)
{
    static const char *mode_names[] = {"zero", "replicate", "reflect"};
    if (mode == OR_PAD_REFLECT && (c->l >= c->w || c->r >= c->w || c->t >= c->h || c->b >= c->h))
        return 0; /* not defined by PyTorch either (checked in pad2d_errors) */
    int ho = c->h + c->t + c->b, wo = c->w + c->l + c->r;
    size_t nx = (size_t)c->n * c->c * c->h * c->w, ny = (size_t)c->n * c->c * ho * wo;
    float *x = om_rand(nx, -1, 1, dt), *ref = malloc(ny * sizeof(float)), *out = malloc(ny * sizeof(float));
    for (int pl = 0; pl < c->n * c->c; pl++)
        for (int i = 0; i < ho; i++)
            for (int j = 0; j < wo; j++)
                ref[((size_t)pl * ho + i) * wo + j] = (float)ref_pad_at(
                    x + (size_t)pl * c->h * c->w, c->h, c->w, i - c->t, j - c->l, mode);
    char what[256];
    snprintf(what, sizeof what, "pad2d %s [%d,%d,%d,%d] (%d,%d,%d,%d) %s on %s", mode_names[mode],
             c->n, c->c, c->h, c->w, c->l, c->r, c->t, c->b, or_dtype_name(dt), be->name);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_tensor tx, ty;
    or_err err;
    or_status st = om_put(be, &tx, c->n, c->c, c->h, c->w, dt, "x", x, &err);
    if (!st) st = om_put(be, &ty, c->n, c->c, ho, wo, dt, "y", NULL, &err);
    if (!st) st = or_pad2d(&tx, c->l, c->r, c->t, c->b, mode, &ty, &err);
    if (!st) st = or_tensor_download_f32(&ty, out, &err);
    int fail = st != OR_OK;
    if (fail)
        printf("FAIL %s: %s\n", what, err.msg);
    else
        fail = om_check(what, out, ref, ny, dt);
    or_arena_reset(&be->arena, m);
    free(x), free(ref), free(out);
    return fail;
}

int om_pad2d_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(23);
    for (size_t i = 0; i < sizeof pad_cases / sizeof pad_cases[0]; i++)
        for (int mode = OR_PAD_ZERO; mode <= OR_PAD_REFLECT; mode++)
            fails += pad_one(be, dt, &pad_cases[i], (or_pad_mode)mode);
    return fails;
}
