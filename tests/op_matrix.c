#include "op_matrix.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"
#include "test_util.h"

/* Independent scalar activation (not the kernels' act_apply_f32). */
static double ref_act(double v, or_act act, double alpha, double slope)
{
    switch (act) {
    case OR_ACT_RELU: return v > 0 ? v : 0;
    case OR_ACT_LEAKY: return v >= 0 ? v : alpha * v;
    case OR_ACT_PRELU: return v >= 0 ? v : slope * v;
    case OR_ACT_SIGMOID: return 1.0 / (1.0 + exp(-v));
    case OR_ACT_TANH: return tanh(v);
    default: return v;
    }
}

/* Compare out with ref under the dtype's tolerance; prints what failed. */
static int check(const char *what, const float *out, const float *ref, size_t n, or_dtype dt)
{
    double peak = 1.0;
    for (size_t i = 0; i < n; i++)
        peak = fmax(peak, fabs(ref[i]));
    double maxd = tu_max_abs_diff(out, ref, n);
    if (dt == OR_F32) {
        if (maxd <= OM_TOL_F32 * peak)
            return 0;
        printf("FAIL %s: f32 max abs diff %.3g > %.3g\n", what, maxd, OM_TOL_F32 * peak);
        return 1;
    }
    double psnr = tu_psnr(out, ref, n, peak);
    if (psnr >= OM_PSNR_F16 && isfinite(maxd))
        return 0;
    printf("FAIL %s: f16 PSNR %.1f dB < %.1f (max abs diff %.3g)\n", what, psnr, OM_PSNR_F16, maxd);
    return 1;
}

/* Round through f16 so the reference sees the values an f16 backend sees. */
static void quantize(float *x, size_t n, or_dtype dt)
{
    if (dt == OR_F16)
        for (size_t i = 0; i < n; i++)
            x[i] = or_f16_to_f32(or_f32_to_f16(x[i]));
}

static float *rand_buf(size_t n, float lo, float hi, or_dtype dt)
{
    float *x = malloc((n ? n : 1) * sizeof(float));
    tu_fill_uniform(x, n, lo, hi);
    quantize(x, n, dt);
    return x;
}

static or_status put(or_backend *be, or_tensor *t, int n, int c, int h, int w, or_dtype dt,
                     const char *name, const float *host, or_err *err)
{
    OR_TRY(or_tensor_alloc(be, t, n, c, h, w, dt, name, err));
    return or_tensor_upload_f32(t, host, err);
}

/* Output tensors are poisoned with NaN so an unwritten element fails the check. */
static or_status put_poisoned(or_backend *be, or_tensor *t, int n, int c, int h, int w,
                              or_dtype dt, const char *name, or_err *err)
{
    size_t count = (size_t)n * c * h * w;
    float *nan_buf = malloc(count * sizeof(float));
    for (size_t i = 0; i < count; i++)
        nan_buf[i] = NAN;
    or_status s = put(be, t, n, c, h, w, dt, name, nan_buf, err);
    free(nan_buf);
    return s;
}

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
    float *x = rand_buf(nx, -1, 1, dt), *w = rand_buf(nw, -scale, scale, dt);
    float *b = rand_buf((size_t)c->co, -0.5f, 0.5f, OR_F32), *pr = rand_buf((size_t)c->co, 0, 0.5f, OR_F32);
    float *res = rand_buf(ny, -1, 1, dt), *ref = malloc(ny * sizeof(float)), *out = malloc(ny * sizeof(float));
    or_conv_shape s = {c->n, c->ci, c->h, c->w, c->co, c->kh, c->kw, c->stride, c->stride,
                       c->pad, c->pad, c->dil, c->dil, ho, wo};
    conv2d_nchw_f32_naive(x, w, c->bias ? b : NULL, ref, &s);
    for (size_t i = 0; i < ny; i++) {
        int ch = (int)((i / ((size_t)ho * wo)) % (size_t)c->co);
        double v = ref_act(ref[i], c->act, 0.2, pr[ch]);
        ref[i] = (float)(c->residual ? v * 0.2 + res[i] : v);
    }
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
    or_status st = put(be, &tx, c->n, c->ci, c->h, c->w, dt, "x", x, &err);
    if (!st) st = put(be, &tw, c->co, c->ci, c->kh, c->kw, dt, "w", w, &err);
    if (!st) st = put(be, &tb, 1, c->co, 1, 1, OR_F32, "b", b, &err);
    if (!st) st = put(be, &tp, 1, c->co, 1, 1, OR_F32, "prelu", pr, &err);
    if (!st) st = put(be, &tr, c->n, c->co, ho, wo, dt, "residual", res, &err);
    if (!st) st = put_poisoned(be, &ty, c->n, c->co, ho, wo, dt, "y", &err);
    if (!st) st = or_conv2d(&tx, &tw, c->bias ? &tb : NULL, &p, &ty, &err);
    if (!st) st = or_tensor_download_f32(&ty, out, &err);
    int fail = st != OR_OK;
    if (fail)
        printf("FAIL %s: %s\n", what, err.msg);
    else
        fail = check(what, out, ref, ny, dt);
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
            float *x = rand_buf(n, -3, 3, dt), *pr = rand_buf((size_t)s[1], 0, 0.5f, OR_F32);
            float *ref = malloc(n * sizeof(float)), *out = malloc(n * sizeof(float));
            for (size_t i = 0; i < n; i++)
                ref[i] = (float)ref_act(x[i], (or_act)act, 0.1, pr[(i / hw) % (size_t)s[1]]);
            char what[256];
            snprintf(what, sizeof what, "activation %s [%d,%d,%d,%d] on %s", or_act_name((or_act)act),
                     s[0], s[1], s[2], s[3], be->name);
            or_arena_mark m = or_arena_get_mark(&be->arena);
            or_tensor tx, tp, ty;
            or_err err;
            or_status st = put(be, &tx, s[0], s[1], s[2], s[3], dt, "x", x, &err);
            if (!st) st = put(be, &tp, 1, s[1], 1, 1, OR_F32, "prelu", pr, &err);
            if (!st) st = put_poisoned(be, &ty, s[0], s[1], s[2], s[3], dt, "y", &err);
            if (!st) st = or_activation(&tx, (or_act)act, 0.1f, &tp, &ty, &err);
            if (!st) st = or_tensor_download_f32(&ty, out, &err);
            if (st) {
                printf("FAIL %s: %s\n", what, err.msg);
                fails++;
            } else {
                fails += check(what, out, ref, n, dt);
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
        float *a = rand_buf(n, -1, 1, dt), *b = rand_buf(n, -1, 1, dt);
        float *ref = malloc(n * sizeof(float)), *out = malloc(n * sizeof(float));
        for (size_t i = 0; i < n; i++)
            ref[i] = (float)(0.2 * a[i] + 1.0 * b[i]);
        char what[256];
        snprintf(what, sizeof what, "add [%d,%d,%d,%d] on %s", s[0], s[1], s[2], s[3], be->name);
        or_arena_mark m = or_arena_get_mark(&be->arena);
        or_tensor ta, tb, ty;
        or_err err;
        or_status st = put(be, &ta, s[0], s[1], s[2], s[3], dt, "a", a, &err);
        if (!st) st = put(be, &tb, s[0], s[1], s[2], s[3], dt, "b", b, &err);
        if (!st) st = put_poisoned(be, &ty, s[0], s[1], s[2], s[3], dt, "y", &err);
        if (!st) st = or_add(&ta, 0.2f, &tb, 1.0f, &ty, &err);
        if (!st) st = or_tensor_download_f32(&ty, out, &err);
        if (st) {
            printf("FAIL %s: %s\n", what, err.msg);
            fails++;
        } else {
            fails += check(what, out, ref, n, dt);
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
        float *x = rand_buf(n, -1, 1, dt), *sc = rand_buf((size_t)s[1], 0.5f, 2, OR_F32);
        float *sh = rand_buf((size_t)s[1], -1, 1, OR_F32);
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
        or_status st = put(be, &tx, s[0], s[1], s[2], s[3], dt, "x", x, &err);
        if (!st) st = put(be, &ts, 1, s[1], 1, 1, OR_F32, "scale", sc, &err);
        if (!st) st = put(be, &tsh, 1, s[1], 1, 1, OR_F32, "shift", sh, &err);
        if (!st) st = put_poisoned(be, &ty, s[0], s[1], s[2], s[3], dt, "y", &err);
        if (!st) st = or_channel_affine(&tx, &ts, &tsh, &ty, &err);
        if (!st) st = or_tensor_download_f32(&ty, out, &err);
        if (st) {
            printf("FAIL %s: %s\n", what, err.msg);
            fails++;
        } else {
            fails += check(what, out, ref, n, dt);
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
        float *x = rand_buf(n, -70000, 70000, OR_F32), *out = malloc(n * sizeof(float));
        float *ref = malloc(n * sizeof(float));
        x[0] = 1e-6f; /* a subnormal in f16 */
        for (size_t i = 0; i < n; i++)
            ref[i] = or_f16_to_f32(or_f32_to_f16(x[i]));
        or_arena_mark m = or_arena_get_mark(&be->arena);
        or_tensor tx, th, ty;
        or_err err;
        or_status st = put(be, &tx, s[0], s[1], s[2], s[3], OR_F32, "x", x, &err);
        if (!st) st = put_poisoned(be, &th, s[0], s[1], s[2], s[3], OR_F16, "h", &err);
        if (!st) st = put_poisoned(be, &ty, s[0], s[1], s[2], s[3], OR_F32, "y", &err);
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
