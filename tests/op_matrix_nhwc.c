/* op_matrix_nhwc.c: the core ops on NHWC tensors (op_matrix_nhwc.h).  The
 * references are the NCHW ones (conv2d_nchw_f32_naive and the NCHW CPU
 * kernels), run on NCHW host arrays; the backend's tensors are built from and
 * read back into NCHW on the host (om_nchw_to_nhwc / om_nhwc_to_nchw). */
#include "op_matrix_nhwc.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"
#include "runtime/core/ops_pool.h"
#include "test_util.h"

/* ---- NHWC tensors on the backend: packed, or channel views of a wider buffer ---- */

/* Where a tensor goes: channels [c0, c0+c) of a buffer of c + extra channels
 * (c0 <= extra); {0, 0} is a packed tensor. */
typedef struct {
    int c0, extra;
} nv_place;

/* A case's placement of its input, output and second operand (residual, b, ...). */
typedef struct {
    const char *name;
    nv_place in, out, aux;
} nv_variant;

static const nv_variant variants[] = {
    {"packed", {0, 0}, {0, 0}, {0, 0}},
    {"views", {1, 3}, {2, 5}, {1, 4}}, /* three different pixel strides, odd offsets */
    /* offsets and extra channels multiples of 8 (16-byte aligned f16 pixels when c
     * is a multiple of 8), as an RRDB's 64 + 32k channel slices are */
    {"aligned views", {8, 8}, {8, 24}, {16, 16}},
};
#define N_VARIANTS (sizeof variants / sizeof variants[0])

/* An NHWC tensor t: channels [c0, c0+t.c) of the packed NHWC buffer buf
 * [n, ld, h, w] (t == buf when packed).  host holds buf's contents as uploaded:
 * NaN outside t (and inside t for an output), with a payload of its own. */
typedef struct {
    or_tensor buf, t;
    float *host;
    int c0, ld;
} nv;

/* A quiet NaN whose payload is new at each call (it survives f16: 9 payload bits
 * under the quiet bit), so a kernel copying one buffer's poison into another's
 * is caught. */
static float poison(void)
{
    static unsigned k;
    uint32_t bits = 0x7FC00000u | ((k++ % 0x1FFu + 1) << 13);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* Allocate and upload v from the NCHW host array nchw (NULL: an output, all NaN). */
static or_status nv_put(or_backend *be, nv *v, int n, int c, int h, int w, nv_place pl,
                        or_dtype dt, const char *name, const float *nchw, or_err *err)
{
    memset(v, 0, sizeof *v);
    v->c0 = pl.c0, v->ld = c + pl.extra;
    size_t count = (size_t)n * v->ld * h * w;
    float nan = poison();
    v->host = malloc(count * sizeof(float));
    for (size_t i = 0; i < count; i++)
        v->host[i] = nan;
    if (nchw)
        om_nchw_to_nhwc(nchw, v->host, v->ld, v->c0, n, c, h, w);
    OR_TRY(or_tensor_alloc(be, &v->buf, n, v->ld, h, w, dt, name, err));
    v->buf.layout = OR_NHWC;
    OR_TRY(or_tensor_upload_f32(&v->buf, v->host, err));
    if (v->ld == c) {
        v->t = v->buf;
        return OR_OK;
    }
    return or_tensor_channels(&v->buf, v->c0, c, &v->t, err);
}

static void nv_free(nv *v) { free(v->host); }

/* Download v's view into out (NCHW); *changed = the elements outside the view
 * that are no longer bit-identical to v->host. */
static or_status nv_get(const nv *v, float *out, size_t *changed, or_err *err)
{
    size_t count = or_numel(&v->buf);
    float *all = malloc(count * sizeof(float));
    or_status st = or_tensor_download_f32(&v->buf, all, err);
    *changed = 0;
    if (st == OR_OK) {
        om_nhwc_to_nchw(all, v->ld, v->c0, out, v->t.n, v->t.c, v->t.h, v->t.w);
        for (size_t i = 0; i < count; i++) {
            int ch = (int)(i % (size_t)v->ld);
            int outside = ch < v->c0 || ch >= v->c0 + v->t.c;
            if (outside && memcmp(&all[i], &v->host[i], sizeof(float)) != 0)
                (*changed)++;
        }
    }
    free(all);
    return st;
}

/* 0 if v's view matches ref (NCHW; bit for bit when exact, else under dt's
 * tolerance) and nothing outside the view changed; else prints and returns 1. */
static int nv_check(const char *what, const nv *v, const float *ref, or_dtype dt, int exact)
{
    size_t n = or_numel(&v->t), changed;
    float *out = malloc(n * sizeof(float));
    or_err err;
    int fail;
    if (nv_get(v, out, &changed, &err) != OR_OK) {
        printf("FAIL %s: %s\n", what, err.msg);
        fail = 1;
    } else {
        fail = exact ? om_same_bits(what, out, ref, n) : om_check(what, out, ref, n, dt);
        if (changed) {
            printf("FAIL %s: %zu poisoned elements beside the view %s changed\n", what, changed,
                   v->t.name ? v->t.name : "");
            fail = 1;
        }
    }
    free(out);
    return fail;
}

static int call_failed(const char *what, or_status st, const or_err *err)
{
    if (st)
        printf("FAIL %s: %s\n", what, err->msg);
    return st != OR_OK;
}

/* On the CPU the NHWC elementwise kernels must equal the NCHW ones bit for bit. */
static int exact_on(const or_backend *be) { return be->kind == OR_BACKEND_CPU; }

/* ---- conv2d with every epilogue --------------------------------------------------- */

typedef struct {
    int n, ci, h, w, co, k, stride, pad, dil;
    or_act act;
    int residual, bias;
} nconv_case;

static const nconv_case nconv_cases[] = {
    {1, 3, 17, 23, 13, 3, 1, 1, 1, OR_ACT_LEAKY, 0, 1},  /* odd sizes, odd channels */
    {1, 1, 1, 1, 5, 3, 1, 1, 1, OR_ACT_NONE, 0, 1},      /* 1-pixel image */
    {2, 5, 9, 7, 6, 3, 2, 1, 1, OR_ACT_RELU, 0, 1},      /* batch 2, stride 2 */
    {1, 13, 11, 13, 5, 3, 1, 2, 2, OR_ACT_PRELU, 0, 1},  /* dilation 2 */
    {2, 16, 6, 10, 7, 1, 1, 0, 1, OR_ACT_NONE, 1, 1},    /* pointwise over a batch, residual */
    {1, 5, 7, 9, 3, 1, 2, 0, 1, OR_ACT_RELU, 0, 0},      /* 1x1 stride 2, no bias */
    {1, 12, 15, 9, 12, 3, 1, 1, 1, OR_ACT_LEAKY, 1, 1},  /* fused residual (RRDB) */
    {1, 3, 17, 23, 3, 3, 2, 0, 1, OR_ACT_PRELU, 1, 1},   /* stride 2 unpadded, PReLU+residual */
    {1, 64, 33, 31, 32, 3, 1, 1, 1, OR_ACT_LEAKY, 0, 1}, /* a dense-block sized layer */
    {1, 3, 40, 1, 5, 3, 1, 1, 1, OR_ACT_SIGMOID, 0, 1},  /* 1-pixel-wide strip */
    {1, 6, 10, 10, 4, 4, 2, 1, 1, OR_ACT_TANH, 0, 1},    /* even kernel, stride 2 */
    {2, 4, 1, 1, 3, 1, 1, 0, 1, OR_ACT_LEAKY, 1, 1},     /* 1-pixel pointwise, batch 2 */
};

static int nconv_one(or_backend *be, or_dtype dt, const nconv_case *c, const nv_variant *v,
                     int idx)
{
    char what[256], what_in[300];
    snprintf(what, sizeof what,
             "nhwc conv2d case %d [%d,%d,%d,%d]*[%d,%d,%d,%d] s%d p%d d%d %s%s %s %s on %s", idx,
             c->n, c->ci, c->h, c->w, c->co, c->ci, c->k, c->k, c->stride, c->pad, c->dil,
             or_act_name(c->act), c->residual ? "+residual" : "", v->name, or_dtype_name(dt),
             be->name);
    snprintf(what_in, sizeof what_in, "%s (inputs untouched)", what);
    int ho = or_conv_out_size(c->h, c->k, c->stride, c->pad, c->dil);
    int wo = or_conv_out_size(c->w, c->k, c->stride, c->pad, c->dil);
    size_t nx = (size_t)c->n * c->ci * c->h * c->w, nw = (size_t)c->co * c->ci * c->k * c->k;
    size_t ny = (size_t)c->n * c->co * ho * wo;
    float scale = 1.0f / sqrtf((float)(c->ci * c->k * c->k));
    float *x = om_rand(nx, -1, 1, dt), *w = om_rand(nw, -scale, scale, dt);
    float *b = om_rand((size_t)c->co, -0.5f, 0.5f, OR_F32), *pr = om_rand((size_t)c->co, 0, 0.5f, OR_F32);
    float *res = om_rand(ny, -1, 1, dt), *ref = malloc(ny * sizeof(float)), *wk = malloc(nw * sizeof(float));
    or_conv_shape s = {c->n, c->ci, c->h, c->w, c->co, c->k, c->k, c->stride, c->stride,
                       c->pad, c->pad, c->dil, c->dil, ho, wo};
    om_conv_ref(x, w, c->bias ? b : NULL, &s, c->act, pr, c->residual ? res : NULL, ref);
    om_nchw_to_nhwc(w, wk, c->ci, 0, c->co, c->ci, c->k, c->k); /* KRSC */
    or_arena_mark m = or_arena_get_mark(&be->arena);
    nv tx = {0}, ty = {0}, tr = {0};
    or_tensor tw, tb, tp;
    or_err err;
    or_conv2d_params p = or_conv2d_default(c->k, c->k);
    p.stride_h = p.stride_w = c->stride;
    p.pad_h = p.pad_w = c->pad;
    p.dil_h = p.dil_w = c->dil;
    p.ep.act = c->act;
    p.ep.alpha = 0.2f;
    p.ep.prelu = &tp;
    p.ep.residual = c->residual ? &tr.t : NULL;
    p.ep.res_scale = 0.2f;
    or_status st = nv_put(be, &tx, c->n, c->ci, c->h, c->w, v->in, dt, "x", x, &err);
    if (!st) st = om_put(be, &tw, c->co, c->ci, c->k, c->k, dt, "w", wk, &err);
    tw.layout = OR_NHWC;
    if (!st) st = om_put(be, &tb, 1, c->co, 1, 1, OR_F32, "b", b, &err);
    if (!st) st = om_put(be, &tp, 1, c->co, 1, 1, OR_F32, "prelu", pr, &err);
    if (!st && c->residual) st = nv_put(be, &tr, c->n, c->co, ho, wo, v->aux, dt, "residual", res, &err);
    if (!st) st = nv_put(be, &ty, c->n, c->co, ho, wo, v->out, dt, "y", NULL, &err);
    if (!st) st = or_conv2d(&tx.t, &tw, c->bias ? &tb : NULL, &p, &ty.t, &err);
    int fail = call_failed(what, st, &err);
    if (!fail) {
        fail = nv_check(what, &ty, ref, dt, 0);
        fail += nv_check(what_in, &tx, x, dt, 1);
        if (c->residual)
            fail += nv_check(what_in, &tr, res, dt, 1);
    }
    or_arena_reset(&be->arena, m);
    nv_free(&tx), nv_free(&ty), nv_free(&tr);
    free(x), free(w), free(b), free(pr), free(res), free(ref), free(wk);
    return fail != 0;
}

int om_nhwc_conv2d_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(21);
    for (size_t i = 0; i < sizeof nconv_cases / sizeof nconv_cases[0]; i++)
        for (size_t v = 0; v < N_VARIANTS; v++)
            fails += nconv_one(be, dt, &nconv_cases[i], &variants[v], (int)i);
    return fails;
}

/* ---- activation, add ------------------------------------------------------------- */

static const int shapes[][4] = {{1, 1, 1, 1}, {1, 3, 17, 23}, {2, 13, 5, 7}, {1, 8, 1, 33}};
#define N_SHAPES (sizeof shapes / sizeof shapes[0])

/* Variant index N_VARIANTS: in place on views, y the x view (activation) or the b view (add). */
#define IN_PLACE N_VARIANTS

static int nact_one(or_backend *be, or_dtype dt, const int *s, or_act act, size_t vi)
{
    const nv_variant *v = &variants[vi < N_VARIANTS ? vi : 1];
    const char *vname = vi < N_VARIANTS ? v->name : "in place (views)";
    int n = s[0], c = s[1], h = s[2], w = s[3];
    size_t count = (size_t)n * c * h * w;
    float *x = om_rand(count, -3, 3, dt), *pr = om_rand((size_t)c, 0, 0.5f, OR_F32);
    float *ref = malloc(count * sizeof(float));
    activation_nchw_f32(x, ref, n, c, (size_t)h * w, act, 0.1f, pr);
    om_quantize(ref, count, dt);
    char what[256];
    snprintf(what, sizeof what, "nhwc activation %s [%d,%d,%d,%d] %s %s on %s", or_act_name(act),
             n, c, h, w, vname, or_dtype_name(dt), be->name);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    nv tx = {0}, ty = {0};
    or_tensor tp;
    or_err err;
    or_status st = nv_put(be, &tx, n, c, h, w, v->in, dt, "x", x, &err);
    if (!st) st = om_put(be, &tp, 1, c, 1, 1, OR_F32, "prelu", pr, &err);
    if (!st && vi < N_VARIANTS) st = nv_put(be, &ty, n, c, h, w, v->out, dt, "y", NULL, &err);
    nv *out = vi < N_VARIANTS ? &ty : &tx;
    if (!st) st = or_activation(&tx.t, act, 0.1f, &tp, &out->t, &err);
    int fail = call_failed(what, st, &err);
    if (!fail) {
        fail = nv_check(what, out, ref, dt, exact_on(be));
        if (out != &tx)
            fail += nv_check(what, &tx, x, dt, 1);
    }
    or_arena_reset(&be->arena, m);
    nv_free(&tx), nv_free(&ty);
    free(x), free(pr), free(ref);
    return fail != 0;
}

int om_nhwc_activation_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(22);
    for (size_t si = 0; si < N_SHAPES; si++)
        for (int act = OR_ACT_NONE; act <= OR_ACT_TANH; act++)
            for (size_t vi = 0; vi <= IN_PLACE; vi++)
                fails += nact_one(be, dt, shapes[si], (or_act)act, vi);
    return fails;
}

static int nadd_one(or_backend *be, or_dtype dt, const int *s, size_t vi)
{
    const nv_variant *v = &variants[vi < N_VARIANTS ? vi : 1];
    const char *vname = vi < N_VARIANTS ? v->name : "in place y == b (views)";
    int n = s[0], c = s[1], h = s[2], w = s[3];
    size_t count = (size_t)n * c * h * w;
    float *a = om_rand(count, -1, 1, dt), *b = om_rand(count, -1, 1, dt);
    float *ref = malloc(count * sizeof(float));
    add_f32(a, 0.2f, b, -0.7f, ref, count);
    om_quantize(ref, count, dt);
    char what[256];
    snprintf(what, sizeof what, "nhwc add [%d,%d,%d,%d] %s %s on %s", n, c, h, w, vname,
             or_dtype_name(dt), be->name);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    nv ta = {0}, tb = {0}, ty = {0};
    or_err err;
    or_status st = nv_put(be, &ta, n, c, h, w, v->in, dt, "a", a, &err);
    if (!st) st = nv_put(be, &tb, n, c, h, w, v->aux, dt, "b", b, &err);
    if (!st && vi < N_VARIANTS) st = nv_put(be, &ty, n, c, h, w, v->out, dt, "y", NULL, &err);
    nv *out = vi < N_VARIANTS ? &ty : &tb;
    if (!st) st = or_add(&ta.t, 0.2f, &tb.t, -0.7f, &out->t, &err);
    int fail = call_failed(what, st, &err);
    if (!fail) {
        fail = nv_check(what, out, ref, dt, exact_on(be));
        fail += nv_check(what, &ta, a, dt, 1);
        if (out != &tb)
            fail += nv_check(what, &tb, b, dt, 1);
    }
    or_arena_reset(&be->arena, m);
    nv_free(&ta), nv_free(&tb), nv_free(&ty);
    free(a), free(b), free(ref);
    return fail != 0;
}

int om_nhwc_add_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(23);
    for (size_t si = 0; si < N_SHAPES; si++)
        for (size_t vi = 0; vi <= IN_PLACE; vi++)
            fails += nadd_one(be, dt, shapes[si], vi);
    return fails;
}

/* ---- cast ------------------------------------------------------------------------- */

/* x (dt) -> h (the other dtype, out placement) -> y (dt, aux placement), and x -> z (dt). */
static int ncast_one(or_backend *be, or_dtype dt, const int *s, const nv_variant *v)
{
    or_dtype other = dt == OR_F32 ? OR_F16 : OR_F32;
    int n = s[0], c = s[1], h = s[2], w = s[3];
    size_t count = (size_t)n * c * h * w;
    float *x = om_rand(count, -60000, 60000, dt), *ref = malloc(count * sizeof(float));
    x[0] = 1e-6f; /* a subnormal in f16 */
    om_quantize(x, 1, dt);
    for (size_t i = 0; i < count; i++)
        ref[i] = or_f16_to_f32(or_f32_to_f16(x[i]));
    char what[256];
    snprintf(what, sizeof what, "nhwc cast %s -> %s -> %s [%d,%d,%d,%d] %s on %s",
             or_dtype_name(dt), or_dtype_name(other), or_dtype_name(dt), n, c, h, w, v->name,
             be->name);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    nv tx = {0}, th = {0}, ty = {0}, tz = {0};
    or_err err;
    or_status st = nv_put(be, &tx, n, c, h, w, v->in, dt, "x", x, &err);
    if (!st) st = nv_put(be, &th, n, c, h, w, v->out, other, "h", NULL, &err);
    if (!st) st = nv_put(be, &ty, n, c, h, w, v->aux, dt, "y", NULL, &err);
    if (!st) st = nv_put(be, &tz, n, c, h, w, v->out, dt, "z", NULL, &err);
    if (!st) st = or_cast(&tx.t, &th.t, &err);
    if (!st) st = or_cast(&th.t, &ty.t, &err);
    if (!st) st = or_cast(&tx.t, &tz.t, &err);
    int fail = call_failed(what, st, &err);
    if (!fail) {
        fail = nv_check(what, &th, ref, other, 1);
        fail += nv_check(what, &ty, ref, dt, 1);
        fail += nv_check(what, &tz, x, dt, 1);
        fail += nv_check(what, &tx, x, dt, 1);
    }
    or_arena_reset(&be->arena, m);
    nv_free(&tx), nv_free(&th), nv_free(&ty), nv_free(&tz);
    free(x), free(ref);
    return fail != 0;
}

int om_nhwc_cast_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(24);
    for (size_t si = 0; si < N_SHAPES; si++)
        for (size_t vi = 0; vi < N_VARIANTS; vi++)
            fails += ncast_one(be, dt, shapes[si], &variants[vi]);
    return fails;
}

/* ---- pixel_shuffle, pixel_unshuffle, upsample_nearest: bit-exact ------------------ */

typedef enum { NL_SHUFFLE, NL_UNSHUFFLE, NL_NEAREST } nl_kind;
static const char *const nl_names[] = {"pixel_shuffle", "pixel_unshuffle", "upsample_nearest"};

/* Low-resolution side [n,c,h,w]: 1x1, odd sizes, odd channels, batch 2, a strip. */
static const int nl_shapes[][4] = {{1, 1, 1, 1}, {1, 3, 5, 7}, {2, 5, 3, 2}, {1, 13, 1, 9},
                                   {1, 16, 6, 4}};

static int nl_one(or_backend *be, or_dtype dt, nl_kind kind, int f, const int *s,
                  const nv_variant *v)
{
    int in[4] = {s[0], s[1], s[2], s[3]}, out[4] = {s[0], s[1], s[2], s[3]};
    if (kind == NL_SHUFFLE)
        in[1] = s[1] * f * f, out[2] = s[2] * f, out[3] = s[3] * f;
    else if (kind == NL_UNSHUFFLE)
        in[2] = s[2] * f, in[3] = s[3] * f, out[1] = s[1] * f * f;
    else
        out[2] = s[2] * f, out[3] = s[3] * f;
    size_t nx = (size_t)in[0] * in[1] * in[2] * in[3], ny = (size_t)out[0] * out[1] * out[2] * out[3];
    float *x = om_rand(nx, -1, 1, dt), *ref = malloc(ny * sizeof(float));
    if (kind == NL_SHUFFLE)
        pixel_shuffle_f32(x, ref, in[0], in[1], in[2], in[3], f);
    else if (kind == NL_UNSHUFFLE)
        pixel_unshuffle_f32(x, ref, in[0], in[1], in[2], in[3], f);
    else
        upsample_nearest_f32(x, ref, in[0], in[1], in[2], in[3], f);
    char what[256];
    snprintf(what, sizeof what, "nhwc %s x%d [%d,%d,%d,%d] %s %s on %s", nl_names[kind], f, in[0],
             in[1], in[2], in[3], v->name, or_dtype_name(dt), be->name);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    nv tx = {0}, ty = {0};
    or_err err;
    or_status st = nv_put(be, &tx, in[0], in[1], in[2], in[3], v->in, dt, "x", x, &err);
    if (!st) st = nv_put(be, &ty, out[0], out[1], out[2], out[3], v->out, dt, "y", NULL, &err);
    if (!st && kind == NL_SHUFFLE) st = or_pixel_shuffle(&tx.t, f, &ty.t, &err);
    if (!st && kind == NL_UNSHUFFLE) st = or_pixel_unshuffle(&tx.t, f, &ty.t, &err);
    if (!st && kind == NL_NEAREST) st = or_upsample_nearest(&tx.t, f, &ty.t, &err);
    int fail = call_failed(what, st, &err);
    if (!fail)
        fail = nv_check(what, &ty, ref, dt, 1) + nv_check(what, &tx, x, dt, 1);
    or_arena_reset(&be->arena, m);
    nv_free(&tx), nv_free(&ty);
    free(x), free(ref);
    return fail != 0;
}

static int nl_cases(or_backend *be, or_dtype dt, nl_kind kind)
{
    int fails = 0;
    tu_seed(25 + kind);
    for (int f = 2; f <= 4; f += 2)
        for (size_t si = 0; si < sizeof nl_shapes / sizeof nl_shapes[0]; si++)
            for (size_t vi = 0; vi < N_VARIANTS; vi++)
                fails += nl_one(be, dt, kind, f, nl_shapes[si], &variants[vi]);
    return fails;
}

int om_nhwc_pixel_shuffle_cases(or_backend *be, or_dtype dt) { return nl_cases(be, dt, NL_SHUFFLE); }
int om_nhwc_pixel_unshuffle_cases(or_backend *be, or_dtype dt) { return nl_cases(be, dt, NL_UNSHUFFLE); }
int om_nhwc_upsample_nearest_cases(or_backend *be, or_dtype dt) { return nl_cases(be, dt, NL_NEAREST); }

/* ---- convert_layout: bit-exact ---------------------------------------------------- */

/* NCHW x -> NHWC a (out placement) -> NCHW y; a -> NHWC b (aux placement); x -> NCHW z. */
static int nconvert_one(or_backend *be, or_dtype dt, const int *s, const nv_variant *v)
{
    int n = s[0], c = s[1], h = s[2], w = s[3];
    size_t count = (size_t)n * c * h * w;
    float *x = om_rand(count, -1, 1, dt), *out = malloc(count * sizeof(float));
    x[0] = NAN; /* moved, never computed: a NaN's bits survive */
    char what[256];
    snprintf(what, sizeof what, "nhwc convert_layout [%d,%d,%d,%d] %s %s on %s", n, c, h, w,
             v->name, or_dtype_name(dt), be->name);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    nv ta = {0}, tb = {0};
    or_tensor tx, ty, tz;
    or_err err;
    or_status st = om_put(be, &tx, n, c, h, w, dt, "x", x, &err);
    if (!st) st = om_put(be, &ty, n, c, h, w, dt, "y", NULL, &err);
    if (!st) st = om_put(be, &tz, n, c, h, w, dt, "z", NULL, &err);
    if (!st) st = nv_put(be, &ta, n, c, h, w, v->out, dt, "a", NULL, &err);
    if (!st) st = nv_put(be, &tb, n, c, h, w, v->aux, dt, "b", NULL, &err);
    if (!st) st = or_convert_layout(&tx, &ta.t, &err);
    if (!st) st = or_convert_layout(&ta.t, &ty, &err);
    if (!st) st = or_convert_layout(&ta.t, &tb.t, &err);
    if (!st) st = or_convert_layout(&tx, &tz, &err);
    int fail = call_failed(what, st, &err);
    if (!fail) {
        fail = nv_check(what, &ta, x, dt, 1) + nv_check(what, &tb, x, dt, 1);
        if (!(st = or_tensor_download_f32(&ty, out, &err)))
            fail += om_same_bits(what, out, x, count);
        if (!st && !(st = or_tensor_download_f32(&tz, out, &err)))
            fail += om_same_bits(what, out, x, count);
        fail += call_failed(what, st, &err);
    }
    or_arena_reset(&be->arena, m);
    nv_free(&ta), nv_free(&tb);
    free(x), free(out);
    return fail != 0;
}

int om_nhwc_convert_layout_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(28);
    for (size_t si = 0; si < N_SHAPES; si++)
        for (size_t vi = 0; vi < N_VARIANTS; vi++)
            fails += nconvert_one(be, dt, shapes[si], &variants[vi]);
    return fails;
}

/* ---- a dense block on channel views of one NHWC buffer ------------------------------ */

enum { DB_N = 2, DB_H = 9, DB_W = 11 };
#define DB_PLANE ((size_t)DB_H * DB_W)

/* A 3x3 conv: NCHW weights for the reference, KRSC on the backend. */
typedef struct {
    int ci, co;
    float *w, *b;
    or_tensor tw, tb;
} db_layer;

static or_status db_layer_make(or_backend *be, db_layer *l, int ci, int co, or_dtype dt,
                               or_err *err)
{
    float scale = 1.0f / sqrtf((float)(ci * 9));
    size_t nw = (size_t)co * ci * 9;
    l->ci = ci, l->co = co;
    l->w = om_rand(nw, -scale, scale, dt);
    l->b = om_rand((size_t)co, -0.5f, 0.5f, OR_F32);
    float *krsc = malloc(nw * sizeof(float));
    om_nchw_to_nhwc(l->w, krsc, ci, 0, co, ci, 3, 3);
    or_status st = om_put(be, &l->tw, co, ci, 3, 3, dt, "w", krsc, err);
    l->tw.layout = OR_NHWC;
    free(krsc);
    return st ? st : om_put(be, &l->tb, 1, co, 1, 1, OR_F32, "b", l->b, err);
}

/* Reference: channels [0, l->ci) of the NCHW [DB_N, cd, H, W] buffer hd through
 * the conv and act, into y [DB_N, l->co, H, W], rounded like dt. */
static void db_ref_conv(const float *hd, int cd, const db_layer *l, or_act act, float *y,
                        or_dtype dt)
{
    float *x = malloc((size_t)DB_N * l->ci * DB_PLANE * sizeof(float));
    for (int b = 0; b < DB_N; b++)
        memcpy(x + (size_t)b * l->ci * DB_PLANE, hd + (size_t)b * cd * DB_PLANE,
               (size_t)l->ci * DB_PLANE * sizeof(float));
    or_conv_shape s = {DB_N, l->ci, DB_H, DB_W, l->co, 3, 3, 1, 1, 1, 1, 1, 1, DB_H, DB_W};
    conv2d_nchw_f32_naive(x, l->w, l->b, y, &s);
    size_t ny = (size_t)DB_N * l->co * DB_PLANE;
    for (size_t i = 0; i < ny; i++)
        y[i] = (float)om_ref_act(y[i], act, 0.2, 0);
    om_quantize(y, ny, dt);
    free(x);
}

/* conv l of the prefix view [0, l->ci) of d into the view yv (residual: NULL or a view). */
static or_status db_conv(nv *d, db_layer *l, or_act act, const or_tensor *residual,
                         or_tensor *yv, or_err *err)
{
    or_tensor xv;
    OR_TRY(or_tensor_channels(&d->t, 0, l->ci, &xv, err));
    or_conv2d_params p = or_conv2d_default(3, 3);
    p.ep.act = act;
    p.ep.alpha = 0.2f;
    p.ep.residual = residual;
    p.ep.res_scale = 0.2f;
    return or_conv2d(&xv, &l->tw, &l->tb, &p, yv, err);
}

/* D [2, nf+4gc, H, W] NHWC holds x in [0, nf), NaN elsewhere.  conv i (1..4):
 * [0, nf+(i-1)gc) -> [nf+(i-1)gc, +gc) with LeakyReLU; after each, the slice
 * must match the reference and every other channel of D be bit-identical to
 * before.  conv5: all of D -> out (channels [out_c0, out_c0+nf) of a wider NaN
 * buffer), + 0.2 * that + the residual view D[0, nf); D and out's neighbours
 * untouched. */
static int db_run(or_backend *be, or_dtype dt, int nf, int gc, int out_c0, const char *what)
{
    int cd = nf + 4 * gc;
    size_t nd = (size_t)DB_N * cd * DB_PLANE, nx = (size_t)DB_N * nf * DB_PLANE;
    float *x = om_rand(nx, -1, 1, dt), *hd = malloc(nd * sizeof(float));
    float *slice = malloc(nd * sizeof(float)), *now = malloc(nd * sizeof(float));
    for (int b = 0; b < DB_N; b++)
        for (size_t i = 0; i < cd * DB_PLANE; i++)
            hd[(size_t)b * cd * DB_PLANE + i] =
                i < nf * DB_PLANE ? x[(size_t)b * nf * DB_PLANE + i] : NAN;
    db_layer l[5] = {{0}};
    nv d = {0}, out = {0};
    or_tensor res;
    or_err err;
    or_status st = OR_OK;
    for (int i = 0; i < 5 && !st; i++)
        st = db_layer_make(be, &l[i], i < 4 ? nf + i * gc : cd, i < 4 ? gc : nf, dt, &err);
    if (!st) st = nv_put(be, &d, DB_N, cd, DB_H, DB_W, (nv_place){0, 0}, dt, "dense", hd, &err);
    nv_place out_at = {out_c0, 2 * out_c0};
    if (!st) st = nv_put(be, &out, DB_N, nf, DB_H, DB_W, out_at, dt, "out", NULL, &err);
    if (!st) st = or_tensor_channels(&d.t, 0, nf, &res, &err);
    int fail = 0;
    for (int i = 0; i < 4 && !st && !fail; i++) {
        int c0 = nf + i * gc;
        nv sv = d; /* the slice written: an output view of d's buffer (sharing d.host) */
        sv.c0 = c0;
        st = or_tensor_channels(&d.t, c0, gc, &sv.t, &err);
        if (!st) st = db_conv(&d, &l[i], OR_ACT_LEAKY, NULL, &sv.t, &err);
        if (st)
            break;
        db_ref_conv(hd, cd, &l[i], OR_ACT_LEAKY, slice, dt);
        fail = nv_check(what, &sv, slice, dt, 0);
        for (int b = 0; b < DB_N; b++) /* the reference chain goes on from its own values */
            memcpy(hd + ((size_t)b * cd + c0) * DB_PLANE, slice + (size_t)b * gc * DB_PLANE,
                   gc * DB_PLANE * sizeof(float));
        size_t changed; /* d.host becomes D as it is now, for the next conv's check */
        if (!fail && !(st = nv_get(&d, now, &changed, &err)))
            om_nchw_to_nhwc(now, d.host, cd, 0, DB_N, cd, DB_H, DB_W);
    }
    if (!st && !fail)
        st = db_conv(&d, &l[4], OR_ACT_NONE, &res, &out.t, &err);
    if (!st && !fail) {
        db_ref_conv(hd, cd, &l[4], OR_ACT_NONE, slice, OR_F32);
        for (size_t i = 0; i < nx; i++) {
            size_t b = i / (nf * DB_PLANE), in_b = i % (nf * DB_PLANE);
            slice[i] = (float)(0.2 * slice[i] + hd[b * cd * DB_PLANE + in_b]);
        }
        fail = nv_check(what, &out, slice, dt, 0);
        om_nhwc_to_nchw(d.host, cd, 0, now, DB_N, cd, DB_H, DB_W);
        fail += nv_check(what, &d, now, dt, 1); /* D was only read: bit-identical */
    }
    fail += call_failed(what, st, &err);
    for (int i = 0; i < 5; i++)
        free(l[i].w), free(l[i].b);
    nv_free(&d), nv_free(&out);
    free(x), free(hd), free(slice), free(now);
    return fail != 0;
}

int om_nhwc_dense_block_cases(or_backend *be, or_dtype dt)
{
    /* {nf, gc, out_c0}: odd channel counts and offsets; then slices 16-byte
     * aligned in f16, as an RRDB's (64 + 32k) are */
    static const int cfg[][3] = {{4, 3, 1}, {16, 8, 8}};
    int fails = 0;
    tu_seed(29);
    for (size_t i = 0; i < sizeof cfg / sizeof cfg[0]; i++) {
        char what[256];
        snprintf(what, sizeof what, "nhwc dense block nf=%d gc=%d on channel views %s on %s",
                 cfg[i][0], cfg[i][1], or_dtype_name(dt), be->name);
        or_arena_mark m = or_arena_get_mark(&be->arena);
        fails += db_run(be, dt, cfg[i][0], cfg[i][1], cfg[i][2], what);
        or_arena_reset(&be->arena, m);
    }
    return fails;
}

/* ---- errors: layouts that disagree, NHWC given to an NCHW-only op ----------------- */

static int expect_err(const char *what, or_status st, or_status want, const or_err *err,
                      const char *needle)
{
    if (st == want && (!needle || strstr(err->msg, needle)))
        return 0;
    printf("FAIL nhwc error case %s: status %d (want %d), message \"%s\" (want \"%s\")\n", what,
           (int)st, (int)want, st ? err->msg : "", needle ? needle : "");
    return 1;
}

int om_nhwc_errors_cases(or_backend *be, or_dtype dt)
{
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_tensor xc, xn, yc, yn, wn, wc, yb, wide, pooled;
    or_err err;
    int fails = 0;
    or_status st = om_put(be, &xc, 1, 4, 6, 6, dt, "xc", NULL, &err);
    if (!st) st = om_put(be, &xn, 1, 4, 6, 6, dt, "xn", NULL, &err);
    if (!st) st = om_put(be, &yc, 1, 4, 6, 6, dt, "yc", NULL, &err);
    if (!st) st = om_put(be, &yn, 1, 4, 6, 6, dt, "yn", NULL, &err);
    if (!st) st = om_put(be, &wn, 4, 4, 3, 3, dt, "wn", NULL, &err);
    if (!st) st = om_put(be, &wc, 4, 4, 3, 3, dt, "wc", NULL, &err);
    if (!st) st = om_put(be, &yb, 1, 1, 12, 12, dt, "yb", NULL, &err);
    if (!st) st = om_put(be, &wide, 1, 9, 6, 6, dt, "wide", NULL, &err);
    if (!st) st = om_put(be, &pooled, 1, 4, 3, 3, dt, "pooled", NULL, &err);
    if (call_failed("nhwc error cases (setup)", st, &err)) {
        or_arena_reset(&be->arena, m);
        return 1;
    }
    xn.layout = yn.layout = wn.layout = wide.layout = OR_NHWC;
    or_conv2d_params p = or_conv2d_default(3, 3);
    fails += expect_err("conv2d nchw x, nhwc w/y", or_conv2d(&xc, &wn, NULL, &p, &yn, &err),
                        OR_EINVAL, &err, "layouts must agree");
    fails += expect_err("conv2d nhwc x/w, nchw y", or_conv2d(&xn, &wn, NULL, &p, &yc, &err),
                        OR_EINVAL, &err, "yc");
    fails += expect_err("conv2d nhwc x/y, nchw w", or_conv2d(&xn, &wc, NULL, &p, &yn, &err),
                        OR_EINVAL, &err, "wc");
    p.ep.residual = &yc;
    fails += expect_err("conv2d nchw residual", or_conv2d(&xn, &wn, NULL, &p, &yn, &err),
                        OR_EINVAL, &err, "nchw");
    p.ep.residual = NULL;
    fails += expect_err("activation nchw x, nhwc y",
                        or_activation(&xc, OR_ACT_RELU, 0, NULL, &yn, &err), OR_EINVAL, &err,
                        "layouts must agree");
    fails += expect_err("add nhwc a, nchw b", or_add(&xn, 1, &xc, 1, &yn, &err), OR_EINVAL, &err,
                        "xc");
    fails += expect_err("cast nchw x, nhwc y", or_cast(&xc, &yn, &err), OR_EINVAL, &err, "nhwc");
    fails += expect_err("pixel_shuffle nhwc x, nchw y", or_pixel_shuffle(&xn, 2, &yb, &err),
                        OR_EINVAL, &err, "layouts must agree");
    fails += expect_err("maxpool2d on nhwc", or_maxpool2d(&xn, 2, 2, 2, 2, 0, 0, &pooled, &err),
                        OR_EUNSUPPORTED, &err, "nhwc");
    or_tensor bad = xn; /* a pixel stride below the channel count */
    bad.pstride = 3;
    fails += expect_err("pstride < c", or_activation(&bad, OR_ACT_RELU, 0, NULL, &yn, &err),
                        OR_EINVAL, &err, "pixel stride");
    /* channel views of one buffer: sharing a channel is refused, disjoint channels are not */
    or_tensor view, shared, disjoint;
    st = or_tensor_channels(&wide, 0, 4, &view, &err);
    if (!st) st = or_tensor_channels(&wide, 3, 4, &shared, &err);
    if (!st) st = or_tensor_channels(&wide, 4, 4, &disjoint, &err);
    fails += call_failed("nhwc error cases (views)", st, &err);
    if (!st) {
        fails += expect_err("views sharing a channel", or_upsample_nearest(&view, 1, &shared, &err),
                            OR_EINVAL, &err, "overlap");
        fails += expect_err("disjoint views", or_upsample_nearest(&view, 1, &disjoint, &err),
                            OR_OK, &err, NULL);
        or_tensor packed = view; /* the same memory read with another pixel stride */
        packed.pstride = 0;
        fails += expect_err("cast in place between pixel strides", or_cast(&view, &packed, &err),
                            OR_EINVAL, &err, "pixel strides");
    }
    or_arena_reset(&be->arena, m);
    return fails;
}
