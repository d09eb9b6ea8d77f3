#include "op_matrix.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"
#include "test_util.h"

typedef struct {
    int n, ci, h, w, co, kh, kw, stride, pad, dil;
    or_act act;
    int residual, bias;
} conv_case;

static const conv_case conv_cases[] = {
    {1, 3, 17, 23, 13, 3, 3, 1, 1, 1, OR_ACT_LEAKY, 0, 1},  /* odd sizes, C not multiple of 8 */
    {1, 1, 1, 1, 1, 3, 3, 1, 1, 1, OR_ACT_NONE, 0, 1},      /* 1-pixel image */
    {2, 5, 9, 7, 6, 3, 3, 2, 1, 1, OR_ACT_RELU, 0, 1},      /* batch 2, stride 2 */
    {1, 8, 11, 13, 8, 3, 3, 1, 2, 2, OR_ACT_PRELU, 0, 1},   /* dilation 2 */
    {1, 16, 6, 10, 7, 1, 1, 1, 0, 1, OR_ACT_SIGMOID, 0, 1}, /* 1x1 (pointwise path) */
    {1, 12, 15, 9, 12, 3, 3, 1, 1, 1, OR_ACT_LEAKY, 1, 1},  /* fused residual (RRDB) */
    {1, 4, 8, 8, 3, 5, 5, 1, 2, 1, OR_ACT_TANH, 0, 0},      /* 5x5, no bias */
    {1, 2, 3, 3, 4, 3, 3, 1, 0, 1, OR_ACT_NONE, 0, 1},      /* no padding: 1x1 output */
    {1, 64, 33, 31, 32, 3, 3, 1, 1, 1, OR_ACT_LEAKY, 0, 1}, /* a dense-block sized layer */
    {1, 3, 40, 1, 5, 3, 3, 1, 1, 1, OR_ACT_RELU, 0, 1},     /* 1-pixel-wide strip */
    {1, 6, 10, 10, 4, 4, 4, 2, 1, 1, OR_ACT_NONE, 0, 1},    /* even kernel, stride 2 */
    /* Ci >= 16, stride 1: the CPU's shifted-GEMM path (conv2d_cpu.c) */
    {2, 16, 5, 1, 3, 3, 3, 1, 1, 1, OR_ACT_RELU, 0, 1},     /* batch 2, 1-pixel-wide */
    {1, 17, 9, 11, 5, 5, 5, 1, 0, 1, OR_ACT_NONE, 0, 1},    /* 5x5, no padding */
    {1, 20, 7, 9, 6, 3, 3, 1, 3, 2, OR_ACT_LEAKY, 1, 1},    /* dilation 2, pad 3 > needed */
    {1, 16, 7, 6, 3, 1, 3, 1, 1, 1, OR_ACT_NONE, 0, 0},     /* 1x3 kernel, pad 1 both ways */
    {1, 24, 1, 1, 2, 3, 3, 1, 1, 1, OR_ACT_PRELU, 0, 1},    /* 1x1 image */
    /* the CPU's direct path (conv2d_direct_cpu.c): few taps, or 1x1 to at most 4 channels */
    {1, 4, 19, 21, 64, 3, 3, 1, 1, 1, OR_ACT_RELU, 1, 1},   /* SIGGRAPH17's first layer, residual */
    {1, 1, 6, 70, 2, 3, 3, 1, 1, 1, OR_ACT_LEAKY, 0, 1},    /* 1 -> 2: rows of 64 + 6 */
    {1, 7, 5, 9, 9, 3, 3, 1, 2, 1, OR_ACT_PRELU, 0, 1},     /* 63 taps, padding 2 */
    {1, 128, 9, 13, 2, 1, 1, 1, 0, 1, OR_ACT_TANH, 0, 1},   /* SIGGRAPH17's out: 64 + 53 pixels */
    {2, 33, 5, 7, 3, 1, 1, 1, 0, 1, OR_ACT_RELU, 1, 1},     /* 1x1 -> 3, batch 2, residual */
    {1, 5, 4, 4, 1, 1, 1, 1, 0, 1, OR_ACT_NONE, 0, 0},      /* 1x1 -> 1, a 16-pixel tail only */
    /* 3x3 stride 2 padding 1, Ci <= 32: the CPU's direct phase kernel (conv2d_s2_cpu.c) */
    {1, 28, 17, 23, 13, 3, 3, 2, 1, 1, OR_ACT_LEAKY, 0, 1}, /* odd H, W; Co not a multiple of 8 */
    {1, 3, 1, 1, 5, 3, 3, 2, 1, 1, OR_ACT_NONE, 0, 1},      /* 1-pixel image */
    {2, 9, 2, 37, 16, 3, 3, 2, 1, 1, OR_ACT_RELU, 1, 1},    /* batch 2, 2 rows, residual */
    {1, 16, 34, 18, 17, 3, 3, 2, 1, 1, OR_ACT_PRELU, 0, 0}, /* Wo = 9: one vector + 1, no bias */
    {1, 5, 9, 1, 8, 3, 3, 2, 1, 1, OR_ACT_LEAKY, 0, 1},     /* 1-pixel-wide strip */
    {1, 32, 20, 140, 24, 3, 3, 2, 1, 1, OR_ACT_LEAKY, 0, 1}, /* Wo = 70: two tiles + a part */
};

static int conv_one(or_backend *be, or_dtype dt, const conv_case *c, int idx)
{
    or_err err;
    char what[256];
    snprintf(what, sizeof what, "conv2d case %d [%d,%d,%d,%d]*[%d,%d,%d,%d] s%d p%d d%d %s on %s",
             idx, c->n, c->ci, c->h, c->w, c->co, c->ci, c->kh, c->kw, c->stride, c->pad, c->dil,
             or_act_name(c->act), be->name);
    int ho = or_conv_out_size(c->h, c->kh, c->stride, c->pad, c->dil);
    int wo = or_conv_out_size(c->w, c->kw, c->stride, c->pad, c->dil);
    size_t nx = (size_t)c->n * c->ci * c->h * c->w, nw = (size_t)c->co * c->ci * c->kh * c->kw;
    size_t ny = (size_t)c->n * c->co * ho * wo;
    float scale = 1.0f / sqrtf((float)(c->ci * c->kh * c->kw));
    float *x = om_rand(nx, -1, 1, dt), *w = om_rand(nw, -scale, scale, dt);
    float *b = om_rand((size_t)c->co, -0.5f, 0.5f, OR_F32), *pr = om_rand((size_t)c->co, 0, 0.5f, OR_F32);
    float *res = om_rand(ny, -1, 1, dt), *ref = malloc(ny * sizeof(float)), *out = malloc(ny * sizeof(float));
    or_conv_shape s = {c->n, c->ci, c->h, c->w, c->co, c->kh, c->kw, c->stride, c->stride,
                       c->pad, c->pad, c->dil, c->dil, ho, wo};
    om_conv_ref(x, w, c->bias ? b : NULL, &s, c->act, pr, c->residual ? res : NULL, ref);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_tensor tx, tw, tb, tp, tr, ty;
    or_conv2d_params p = or_conv2d_default(c->kh, c->kw);
    p.stride_h = p.stride_w = c->stride;
    p.pad_h = p.pad_w = c->pad;
    p.dil_h = p.dil_w = c->dil;
    p.ep.act = c->act;
    p.ep.alpha = 0.2f;
    p.ep.prelu = &tp;
    p.ep.residual = c->residual ? &tr : NULL;
    p.ep.res_scale = 0.2f;
    or_status st = om_put(be, &tx, c->n, c->ci, c->h, c->w, dt, "x", x, &err);
    if (!st) st = om_put(be, &tw, c->co, c->ci, c->kh, c->kw, dt, "w", w, &err);
    if (!st) st = om_put(be, &tb, 1, c->co, 1, 1, OR_F32, "b", b, &err);
    if (!st) st = om_put(be, &tp, 1, c->co, 1, 1, OR_F32, "prelu", pr, &err);
    if (!st) st = om_put(be, &tr, c->n, c->co, ho, wo, dt, "residual", res, &err);
    if (!st) st = om_put(be, &ty, c->n, c->co, ho, wo, dt, "y", NULL, &err);
    if (!st) st = or_conv2d(&tx, &tw, c->bias ? &tb : NULL, &p, &ty, &err);
    if (!st) st = or_tensor_download_f32(&ty, out, &err);
    int fail = st != OR_OK;
    if (fail)
        printf("FAIL %s: %s\n", what, err.msg);
    else
        fail = om_check(what, out, ref, ny, dt);
    or_arena_reset(&be->arena, m);
    free(x), free(w), free(b), free(pr), free(res), free(ref), free(out);
    return fail;
}

int om_conv2d_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(1);
    for (size_t i = 0; i < sizeof conv_cases / sizeof conv_cases[0]; i++)
        fails += conv_one(be, dt, &conv_cases[i], (int)i);
    return fails;
}

static const int shapes[][4] = {{1, 1, 1, 1}, {1, 3, 17, 23}, {2, 13, 5, 7}, {1, 8, 1, 33}};
#define N_SHAPES (sizeof shapes / sizeof shapes[0])

int om_activation_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(2);
    for (size_t si = 0; si < N_SHAPES; si++)
        for (int act = OR_ACT_NONE; act <= OR_ACT_TANH; act++) {
            const int *s = shapes[si];
            size_t n = (size_t)s[0] * s[1] * s[2] * s[3], hw = (size_t)s[2] * s[3];
            float *x = om_rand(n, -3, 3, dt), *pr = om_rand((size_t)s[1], 0, 0.5f, OR_F32);
            float *ref = malloc(n * sizeof(float)), *out = malloc(n * sizeof(float));
            for (size_t i = 0; i < n; i++)
                ref[i] = (float)om_ref_act(x[i], (or_act)act, 0.1, pr[(i / hw) % (size_t)s[1]]);
            char what[256];
            snprintf(what, sizeof what, "activation %s [%d,%d,%d,%d] on %s", or_act_name((or_act)act),
                     s[0], s[1], s[2], s[3], be->name);
            or_arena_mark m = or_arena_get_mark(&be->arena);
            or_tensor tx, tp, ty;
            or_err err;
            or_status st = om_put(be, &tx, s[0], s[1], s[2], s[3], dt, "x", x, &err);
            if (!st) st = om_put(be, &tp, 1, s[1], 1, 1, OR_F32, "prelu", pr, &err);
            if (!st) st = om_put(be, &ty, s[0], s[1], s[2], s[3], dt, "y", NULL, &err);
            if (!st) st = or_activation(&tx, (or_act)act, 0.1f, &tp, &ty, &err);
            if (!st) st = or_tensor_download_f32(&ty, out, &err);
            if (st) {
                printf("FAIL %s: %s\n", what, err.msg);
                fails++;
            } else {
                fails += om_check(what, out, ref, n, dt);
            }
            or_arena_reset(&be->arena, m);
            free(x), free(pr), free(ref), free(out);
        }
    return fails;
}

int om_add_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(3);
    for (size_t si = 0; si < N_SHAPES; si++) {
        const int *s = shapes[si];
        size_t n = (size_t)s[0] * s[1] * s[2] * s[3];
        float *a = om_rand(n, -1, 1, dt), *b = om_rand(n, -1, 1, dt);
        float *ref = malloc(n * sizeof(float)), *out = malloc(n * sizeof(float));
        for (size_t i = 0; i < n; i++)
            ref[i] = (float)(0.2 * a[i] + 1.0 * b[i]);
        char what[256];
        snprintf(what, sizeof what, "add [%d,%d,%d,%d] on %s", s[0], s[1], s[2], s[3], be->name);
        or_arena_mark m = or_arena_get_mark(&be->arena);
        or_tensor ta, tb, ty;
        or_err err;
        or_status st = om_put(be, &ta, s[0], s[1], s[2], s[3], dt, "a", a, &err);
        if (!st) st = om_put(be, &tb, s[0], s[1], s[2], s[3], dt, "b", b, &err);
        if (!st) st = om_put(be, &ty, s[0], s[1], s[2], s[3], dt, "y", NULL, &err);
        if (!st) st = or_add(&ta, 0.2f, &tb, 1.0f, &ty, &err);
        if (!st) st = or_tensor_download_f32(&ty, out, &err);
        if (st) {
            printf("FAIL %s: %s\n", what, err.msg);
            fails++;
        } else {
            fails += om_check(what, out, ref, n, dt);
        }
        or_arena_reset(&be->arena, m);
        free(a), free(b), free(ref), free(out);
    }
    return fails;
}

int om_channel_affine_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(4);
    for (size_t si = 0; si < N_SHAPES; si++) {
        const int *s = shapes[si];
        size_t n = (size_t)s[0] * s[1] * s[2] * s[3], hw = (size_t)s[2] * s[3];
        float *x = om_rand(n, -1, 1, dt), *sc = om_rand((size_t)s[1], 0.5f, 2, OR_F32);
        float *sh = om_rand((size_t)s[1], -1, 1, OR_F32);
        float *ref = malloc(n * sizeof(float)), *out = malloc(n * sizeof(float));
        for (size_t i = 0; i < n; i++) {
            size_t ch = (i / hw) % (size_t)s[1];
            ref[i] = (float)((double)x[i] * sc[ch] + sh[ch]);
        }
        char what[256];
        snprintf(what, sizeof what, "channel_affine [%d,%d,%d,%d] on %s", s[0], s[1], s[2], s[3],
                 be->name);
        or_arena_mark m = or_arena_get_mark(&be->arena);
        or_tensor tx, ts, tsh, ty;
        or_err err;
        or_status st = om_put(be, &tx, s[0], s[1], s[2], s[3], dt, "x", x, &err);
        if (!st) st = om_put(be, &ts, 1, s[1], 1, 1, OR_F32, "scale", sc, &err);
        if (!st) st = om_put(be, &tsh, 1, s[1], 1, 1, OR_F32, "shift", sh, &err);
        if (!st) st = om_put(be, &ty, s[0], s[1], s[2], s[3], dt, "y", NULL, &err);
        if (!st) st = or_channel_affine(&tx, &ts, &tsh, &ty, &err);
        if (!st) st = or_tensor_download_f32(&ty, out, &err);
        if (st) {
            printf("FAIL %s: %s\n", what, err.msg);
            fails++;
        } else {
            fails += om_check(what, out, ref, n, dt);
        }
        or_arena_reset(&be->arena, m);
        free(x), free(sc), free(sh), free(ref), free(out);
    }
    return fails;
}

/* f32 -> f16 -> f32 on the backend must equal the host's correctly rounded conversion. */
int om_cast_cases(or_backend *be)
{
    int fails = 0;
    tu_seed(5);
    for (size_t si = 0; si < N_SHAPES; si++) {
        const int *s = shapes[si];
        size_t n = (size_t)s[0] * s[1] * s[2] * s[3];
        float *x = om_rand(n, -70000, 70000, OR_F32), *out = malloc(n * sizeof(float));
        float *ref = malloc(n * sizeof(float));
        x[0] = 1e-6f; /* a subnormal in f16 */
        for (size_t i = 0; i < n; i++)
            ref[i] = or_f16_to_f32(or_f32_to_f16(x[i]));
        or_arena_mark m = or_arena_get_mark(&be->arena);
        or_tensor tx, th, ty;
        or_err err;
        or_status st = om_put(be, &tx, s[0], s[1], s[2], s[3], OR_F32, "x", x, &err);
        if (!st) st = om_put(be, &th, s[0], s[1], s[2], s[3], OR_F16, "h", NULL, &err);
        if (!st) st = om_put(be, &ty, s[0], s[1], s[2], s[3], OR_F32, "y", NULL, &err);
        if (!st) st = or_cast(&tx, &th, &err);
        if (!st) st = or_cast(&th, &ty, &err);
        if (!st) st = or_tensor_download_f32(&ty, out, &err);
        if (st) {
            printf("FAIL cast on %s: %s\n", be->name, err.msg);
            fails++;
        } else if (memcmp(out, ref, n * sizeof(float)) != 0) {
            printf("FAIL cast [%d,%d,%d,%d] on %s: not bit-exact with the host conversion\n", s[0],
                   s[1], s[2], s[3], be->name);
            fails++;
        }
        or_arena_reset(&be->arena, m);
        free(x), free(out), free(ref);
    }
    return fails;
}

/* ---- layout ops ------------------------------------------------------------------ */

/* Independent references, written as scatters over the input (the kernels gather
 * over the output).  torch: pixel_shuffle views x as [N, C', r, r, H, W] and
 * permutes to [N, C', H, r, W, r]; pixel_unshuffle is its inverse. */
static void ref_pixel_shuffle(const float *x, float *y, int n, int c, int h, int w, int r)
{
    int co = c / (r * r), ho = h * r, wo = w * r;
    for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++)
            for (int ih = 0; ih < h; ih++)
                for (int iw = 0; iw < w; iw++) {
                    int k = ch / (r * r), i = ch / r % r, j = ch % r;
                    y[(((size_t)b * co + k) * ho + ih * r + i) * wo + iw * r + j] =
                        x[(((size_t)b * c + ch) * h + ih) * w + iw];
                }
}

static void ref_pixel_unshuffle(const float *x, float *y, int n, int c, int h, int w, int r)
{
    int co = c * r * r, ho = h / r, wo = w / r;
    for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++)
            for (int ih = 0; ih < h; ih++)
                for (int iw = 0; iw < w; iw++) {
                    int q = ch * r * r + (ih % r) * r + iw % r;
                    y[(((size_t)b * co + q) * ho + ih / r) * wo + iw / r] =
                        x[(((size_t)b * c + ch) * h + ih) * w + iw];
                }
}

/* F.interpolate(mode='nearest'): src = floor(dst * in / out). */
static void ref_upsample_nearest(const float *x, float *y, int n, int c, int h, int w, int s)
{
    int ho = h * s, wo = w * s;
    for (size_t bc = 0; bc < (size_t)n * c; bc++)
        for (int oh = 0; oh < ho; oh++)
            for (int ow = 0; ow < wo; ow++) {
                int ih = (int)((long long)oh * h / ho), iw = (int)((long long)ow * w / wo);
                y[(bc * ho + oh) * wo + ow] = x[(bc * h + ih) * w + iw];
            }
}

typedef enum { LAYOUT_SHUFFLE, LAYOUT_UNSHUFFLE, LAYOUT_NEAREST } layout_kind;
static const char *const layout_names[] = {"pixel_shuffle", "pixel_unshuffle", "upsample_nearest"};

/* Base shapes [n,c,h,w] of the low-resolution side: 1x1, odd sizes, C not a
 * multiple of 8, batch 2, a 1-pixel-high strip. */
static const int layout_shapes[][4] = {{1, 1, 1, 1}, {1, 3, 5, 7}, {2, 5, 3, 2}, {1, 13, 1, 9},
                                       {1, 16, 6, 4}};

static int layout_one(or_backend *be, or_dtype dt, layout_kind kind, int f, const int *s)
{
    int n = s[0], c = s[1], h = s[2], w = s[3];
    int in[4] = {n, c, h, w}, out_s[4] = {n, c, h, w};
    if (kind == LAYOUT_SHUFFLE)
        in[1] = c * f * f, out_s[2] = h * f, out_s[3] = w * f;
    else if (kind == LAYOUT_UNSHUFFLE)
        in[2] = h * f, in[3] = w * f, out_s[1] = c * f * f;
    else
        out_s[2] = h * f, out_s[3] = w * f;
    size_t nx = (size_t)in[0] * in[1] * in[2] * in[3], ny = nx * (kind == LAYOUT_NEAREST ? f * f : 1);
    float *x = om_rand(nx, -1, 1, dt), *ref = malloc(ny * sizeof(float)), *out = malloc(ny * sizeof(float));
    if (kind == LAYOUT_SHUFFLE)
        ref_pixel_shuffle(x, ref, in[0], in[1], in[2], in[3], f);
    else if (kind == LAYOUT_UNSHUFFLE)
        ref_pixel_unshuffle(x, ref, in[0], in[1], in[2], in[3], f);
    else
        ref_upsample_nearest(x, ref, in[0], in[1], in[2], in[3], f);
    char what[256];
    snprintf(what, sizeof what, "%s x%d [%d,%d,%d,%d] %s on %s", layout_names[kind], f, in[0],
             in[1], in[2], in[3], or_dtype_name(dt), be->name);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_tensor tx, ty;
    or_err err;
    or_status st = om_put(be, &tx, in[0], in[1], in[2], in[3], dt, "x", x, &err);
    if (!st) st = om_put(be, &ty, out_s[0], out_s[1], out_s[2], out_s[3], dt, "y", NULL, &err);
    if (!st && kind == LAYOUT_SHUFFLE) st = or_pixel_shuffle(&tx, f, &ty, &err);
    if (!st && kind == LAYOUT_UNSHUFFLE) st = or_pixel_unshuffle(&tx, f, &ty, &err);
    if (!st && kind == LAYOUT_NEAREST) st = or_upsample_nearest(&tx, f, &ty, &err);
    if (!st) st = or_tensor_download_f32(&ty, out, &err);
    int fail = st != OR_OK;
    if (fail)
        printf("FAIL %s: %s\n", what, err.msg);
    else
        fail = om_same_bits(what, out, ref, ny);
    or_arena_reset(&be->arena, m);
    free(x), free(ref), free(out);
    return fail;
}

static int layout_cases(or_backend *be, or_dtype dt, layout_kind kind)
{
    int fails = 0;
    tu_seed(6 + kind);
    for (int f = 2; f <= 4; f += 2)
        for (size_t si = 0; si < sizeof layout_shapes / sizeof layout_shapes[0]; si++)
            fails += layout_one(be, dt, kind, f, layout_shapes[si]);
    return fails;
}

int om_pixel_shuffle_cases(or_backend *be, or_dtype dt) { return layout_cases(be, dt, LAYOUT_SHUFFLE); }
int om_pixel_unshuffle_cases(or_backend *be, or_dtype dt) { return layout_cases(be, dt, LAYOUT_UNSHUFFLE); }
int om_upsample_nearest_cases(or_backend *be, or_dtype dt) { return layout_cases(be, dt, LAYOUT_NEAREST); }

/* ---- convolutions on channel views (dense-block concatenation) ----------------------- */

#define DS_H 9
#define DS_W 11
#define DS_PLANE ((size_t)DS_H * DS_W)

/* Host reference of a 3x3 "same" conv + bias + LeakyReLU(0.2) (or none), rounded like dt. */
static void ds_ref_conv(const float *x, int ci, const float *w, const float *b, int co, or_act act,
                        float *y, or_dtype dt)
{
    or_conv_shape s = {1, ci, DS_H, DS_W, co, 3, 3, 1, 1, 1, 1, 1, 1, DS_H, DS_W};
    conv2d_nchw_f32_naive(x, w, b, y, &s);
    for (size_t i = 0; i < (size_t)co * DS_PLANE; i++)
        y[i] = (float)om_ref_act(y[i], act, 0.2, 0);
    om_quantize(y, (size_t)co * DS_PLANE, dt);
}

/* Weights and bias for a ci -> co 3x3 conv, on the host and uploaded. */
typedef struct {
    float *w, *b;
    or_tensor tw, tb;
} ds_layer;

static or_status ds_layer_make(or_backend *be, ds_layer *l, int ci, int co, or_dtype dt, or_err *err)
{
    float scale = 1.0f / sqrtf((float)(ci * 9));
    l->w = om_rand((size_t)co * ci * 9, -scale, scale, dt);
    l->b = om_rand((size_t)co, -0.5f, 0.5f, OR_F32);
    OR_TRY(om_put(be, &l->tw, co, ci, 3, 3, dt, "w", l->w, err));
    return om_put(be, &l->tb, 1, co, 1, 1, OR_F32, "b", l->b, err);
}

static void ds_layer_free(ds_layer *l) { free(l->w), free(l->b); }

/* y = conv(channels [0, ci) of src) written into channels [c0, c0+co) of dst. */
static or_status ds_conv(const or_tensor *src, int ci, ds_layer *l, or_act act,
                         const or_tensor *residual, or_tensor *dst, int c0, int co, or_err *err)
{
    or_tensor xv, yv;
    OR_TRY(or_tensor_channels(src, 0, ci, &xv, err));
    OR_TRY(or_tensor_channels(dst, c0, co, &yv, err));
    or_conv2d_params p = or_conv2d_default(3, 3);
    p.ep.act = act;
    p.ep.alpha = 0.2f;
    p.ep.residual = residual;
    p.ep.res_scale = 0.2f;
    return or_conv2d(&xv, &l->tw, &l->tb, &p, &yv, err);
}

/* Channels outside [c0, c1) of after must equal before, bit for bit. */
static int ds_untouched(const char *what, const float *after, const float *before, int c, int c0,
                        int c1)
{
    size_t a = (size_t)c0 * DS_PLANE, b = (size_t)c1 * DS_PLANE, end = (size_t)c * DS_PLANE;
    return om_same_bits(what, after, before, a) || om_same_bits(what, after + b, before + b, end - b);
}

/* Read channels [0,6) of A [1,10,H,W]; write channels [5,9) of B [1,12,H,W], B poisoned. */
static int ds_two_buffers(or_backend *be, or_dtype dt, const char *what)
{
    enum { CA = 10, CI = 6, CB = 12, C0 = 5, CO = 4 };
    float *a = om_rand(CA * DS_PLANE, -1, 1, dt), *ref = malloc(CO * DS_PLANE * sizeof(float));
    float *b_before = malloc(CB * DS_PLANE * sizeof(float)), *b_after = malloc(CB * DS_PLANE * sizeof(float));
    float *a_after = malloc(CA * DS_PLANE * sizeof(float));
    ds_layer l = {0};
    or_tensor ta, tb;
    or_err err;
    or_status st = ds_layer_make(be, &l, CI, CO, dt, &err);
    if (!st) st = om_put(be, &ta, 1, CA, DS_H, DS_W, dt, "A", a, &err);
    if (!st) st = om_put(be, &tb, 1, CB, DS_H, DS_W, dt, "B", NULL, &err);
    if (!st) st = or_tensor_download_f32(&tb, b_before, &err);
    if (!st) st = ds_conv(&ta, CI, &l, OR_ACT_LEAKY, NULL, &tb, C0, CO, &err);
    if (!st) st = or_tensor_download_f32(&tb, b_after, &err);
    if (!st) st = or_tensor_download_f32(&ta, a_after, &err);
    int fail = st != OR_OK;
    if (fail) {
        printf("FAIL %s: %s\n", what, err.msg);
    } else {
        ds_ref_conv(a, CI, l.w, l.b, CO, OR_ACT_LEAKY, ref, OR_F32);
        fail = om_check(what, b_after + C0 * DS_PLANE, ref, CO * DS_PLANE, dt);
        fail += ds_untouched(what, b_after, b_before, CB, C0, C0 + CO);
        fail += om_same_bits(what, a_after, a, CA * DS_PLANE);
    }
    ds_layer_free(&l);
    free(a), free(ref), free(b_before), free(b_after), free(a_after);
    return fail != 0;
}

/* A dense block in one buffer D [1, 4+3+3+2, H, W]: x in [0,4), the rest poisoned;
 * conv1 [0,4) -> [4,7), conv2 [0,7) -> [7,10), conv3 [0,10) -> out with the
 * residual 0.2*conv3 + D[0,4) (RRDB).  Channels [10,12) must stay poisoned. */
static int ds_dense_block(or_backend *be, or_dtype dt, const char *what)
{
    enum { NF = 4, G = 3, CD = NF + 2 * G + 2 };
    size_t nd = CD * DS_PLANE;
    float *hd = malloc(nd * sizeof(float)), *before = malloc(nd * sizeof(float));
    float *after = malloc(nd * sizeof(float)), *out = malloc(NF * DS_PLANE * sizeof(float));
    float *ref3 = malloc(NF * DS_PLANE * sizeof(float));
    float *x = om_rand(NF * DS_PLANE, -1, 1, dt);
    for (size_t i = 0; i < nd; i++)
        hd[i] = i < NF * DS_PLANE ? x[i] : NAN;
    ds_layer l1 = {0}, l2 = {0}, l3 = {0};
    or_tensor td, tout, tres;
    or_err err;
    or_status st = ds_layer_make(be, &l1, NF, G, dt, &err);
    if (!st) st = ds_layer_make(be, &l2, NF + G, G, dt, &err);
    if (!st) st = ds_layer_make(be, &l3, NF + 2 * G, NF, dt, &err);
    if (!st) st = om_put(be, &td, 1, CD, DS_H, DS_W, dt, "dense", hd, &err);
    if (!st) st = om_put(be, &tout, 1, NF, DS_H, DS_W, dt, "out", NULL, &err);
    if (!st) st = or_tensor_download_f32(&td, before, &err);
    if (!st) st = or_tensor_channels(&td, 0, NF, &tres, &err);
    if (!st) st = ds_conv(&td, NF, &l1, OR_ACT_LEAKY, NULL, &td, NF, G, &err);
    if (!st) st = ds_conv(&td, NF + G, &l2, OR_ACT_LEAKY, NULL, &td, NF + G, G, &err);
    if (!st) st = ds_conv(&td, NF + 2 * G, &l3, OR_ACT_NONE, &tres, &tout, 0, NF, &err);
    if (!st) st = or_tensor_download_f32(&td, after, &err);
    if (!st) st = or_tensor_download_f32(&tout, out, &err);
    int fail = st != OR_OK;
    if (fail) {
        printf("FAIL %s: %s\n", what, err.msg);
    } else {
        /* the reference chain fills hd's slices in turn, rounded like the device stores them */
        ds_ref_conv(hd, NF, l1.w, l1.b, G, OR_ACT_LEAKY, hd + NF * DS_PLANE, dt);
        ds_ref_conv(hd, NF + G, l2.w, l2.b, G, OR_ACT_LEAKY, hd + (NF + G) * DS_PLANE, dt);
        ds_ref_conv(hd, NF + 2 * G, l3.w, l3.b, NF, OR_ACT_NONE, ref3, OR_F32);
        for (size_t i = 0; i < NF * DS_PLANE; i++)
            ref3[i] = (float)(0.2 * ref3[i] + x[i]);
        fail = om_check(what, after + NF * DS_PLANE, hd + NF * DS_PLANE, 2 * G * DS_PLANE, dt);
        fail += ds_untouched(what, after, before, CD, NF, NF + 2 * G);
        fail += om_check(what, out, ref3, NF * DS_PLANE, dt);
    }
    ds_layer_free(&l1), ds_layer_free(&l2), ds_layer_free(&l3);
    free(hd), free(before), free(after), free(out), free(ref3), free(x);
    return fail != 0;
}

int om_dense_slice_conv_cases(or_backend *be, or_dtype dt)
{
    char what[256];
    int fails = 0;
    tu_seed(9);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    snprintf(what, sizeof what, "conv2d A[0:6] -> B[5:9] %s on %s", or_dtype_name(dt), be->name);
    fails += ds_two_buffers(be, dt, what);
    or_arena_reset(&be->arena, m);
    snprintf(what, sizeof what, "dense block conv on channel views %s on %s", or_dtype_name(dt),
             be->name);
    fails += ds_dense_block(be, dt, what);
    or_arena_reset(&be->arena, m);
    return fails;
}
