#include "op_matrix_deconv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/deconv_kernels.h"
#include "op_matrix_util.h"
#include "test_util.h"

typedef struct {
    int n, ci, h, w, co, kh, kw, stride, pad, out_pad, dil;
    or_act act;
    int residual, bias;
} deconv_case;

static const deconv_case deconv_cases[] = {
    {1, 7, 9, 11, 24, 4, 4, 2, 1, 0, 1, OR_ACT_NONE, 0, 1},    /* RIFE's ConvTranspose2d(c,24,4,2,1) */
    {1, 32, 5, 7, 16, 4, 4, 2, 1, 0, 1, OR_ACT_RELU, 0, 1},    /* SIGGRAPH17 model8up-like */
    {1, 1, 1, 1, 1, 3, 3, 1, 0, 0, 1, OR_ACT_NONE, 0, 1},      /* 1 pixel in, 3x3 out */
    {1, 2, 1, 1, 3, 4, 4, 2, 1, 0, 1, OR_ACT_NONE, 0, 1},      /* 1 pixel in, 2x2 out */
    {2, 5, 6, 7, 6, 3, 3, 2, 1, 1, 1, OR_ACT_PRELU, 0, 1},     /* batch 2, output_padding */
    {1, 4, 5, 5, 3, 3, 3, 1, 2, 0, 2, OR_ACT_TANH, 0, 1},      /* dilation 2 */
    {1, 3, 5, 6, 4, 3, 3, 1, 1, 1, 2, OR_ACT_SIGMOID, 0, 1},   /* output_padding < dilation */
    {1, 3, 4, 6, 5, 2, 5, 3, 0, 2, 1, OR_ACT_LEAKY, 0, 1},     /* stride 3, 2x5 kernel */
    {1, 8, 7, 9, 8, 4, 4, 2, 1, 0, 1, OR_ACT_LEAKY, 1, 1},     /* fused residual */
    {1, 6, 10, 3, 4, 5, 5, 2, 3, 1, 1, OR_ACT_NONE, 0, 0},     /* no bias, large padding */
    {1, 64, 12, 13, 32, 4, 4, 2, 1, 0, 1, OR_ACT_RELU, 0, 1},  /* wider layer */
    {1, 3, 17, 1, 2, 4, 4, 2, 1, 0, 1, OR_ACT_NONE, 0, 1},     /* 1-pixel-wide strip */
    {1, 9, 8, 8, 5, 3, 3, 1, 1, 0, 1, OR_ACT_NONE, 0, 1},      /* stride 1 */
};

static int deconv_one(or_backend *be, or_dtype dt, const deconv_case *c, int idx)
{
    char what[256];
    snprintf(what, sizeof what,
             "conv_transpose2d case %d [%d,%d,%d,%d]*[%d,%d,%d,%d] s%d p%d op%d d%d %s on %s", idx,
             c->n, c->ci, c->h, c->w, c->ci, c->co, c->kh, c->kw, c->stride, c->pad, c->out_pad,
             c->dil, or_act_name(c->act), be->name);
    int ho = or_deconv_out_size(c->h, c->kh, c->stride, c->pad, c->out_pad, c->dil);
    int wo = or_deconv_out_size(c->w, c->kw, c->stride, c->pad, c->out_pad, c->dil);
    size_t nx = (size_t)c->n * c->ci * c->h * c->w, nw = (size_t)c->ci * c->co * c->kh * c->kw;
    size_t ny = (size_t)c->n * c->co * ho * wo;
    float scale = 1.0f / sqrtf((float)(c->ci * c->kh * c->kw) / (c->stride * c->stride));
    float *x = om_rand(nx, -1, 1, dt), *w = om_rand(nw, -scale, scale, dt);
    float *b = om_rand((size_t)c->co, -0.5f, 0.5f, OR_F32), *pr = om_rand((size_t)c->co, 0, 0.5f, OR_F32);
    float *res = om_rand(ny, -1, 1, dt), *ref = malloc(ny * sizeof(float));
    or_deconv_shape s = {c->n, c->ci, c->h, c->w, c->co, c->kh, c->kw, c->stride, c->stride,
                         c->pad, c->pad, c->dil, c->dil, ho, wo};
    deconv2d_nchw_f32_naive(x, w, c->bias ? b : NULL, ref, &s);
    for (size_t i = 0; i < ny; i++) {
        int ch = (int)((i / ((size_t)ho * wo)) % (size_t)c->co);
        double v = om_ref_act(ref[i], c->act, 0.2, pr[ch]);
        ref[i] = (float)(c->residual ? v * 0.5 + res[i] : v);
    }
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_tensor tx, tw, tb, tp, tr, ty;
    or_err err;
    or_deconv2d_params p = or_deconv2d_default();
    p.stride_h = p.stride_w = c->stride;
    p.pad_h = p.pad_w = c->pad;
    p.out_pad_h = p.out_pad_w = c->out_pad;
    p.dil_h = p.dil_w = c->dil;
    p.ep.act = c->act;
    p.ep.alpha = 0.2f;
    p.ep.prelu = &tp;
    p.ep.residual = c->residual ? &tr : NULL;
    p.ep.res_scale = 0.5f;
    or_status st = om_put(be, &tx, c->n, c->ci, c->h, c->w, dt, "x", x, &err);
    if (!st) st = om_put(be, &tw, c->ci, c->co, c->kh, c->kw, dt, "w", w, &err);
    if (!st) st = om_put(be, &tb, 1, c->co, 1, 1, OR_F32, "b", b, &err);
    if (!st) st = om_put(be, &tp, 1, c->co, 1, 1, OR_F32, "prelu", pr, &err);
    if (!st) st = om_put(be, &tr, c->n, c->co, ho, wo, dt, "residual", res, &err);
    if (!st) st = om_put(be, &ty, c->n, c->co, ho, wo, dt, "y", NULL, &err);
    if (!st) st = or_conv_transpose2d(&tx, &tw, c->bias ? &tb : NULL, &p, &ty, &err);
    int fail = om_finish(st, &err, what, &ty, ref, dt);
    or_arena_reset(&be->arena, m);
    free(x), free(w), free(b), free(pr), free(res), free(ref);
    return fail;
}

int om_deconv_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(41);
    for (size_t i = 0; i < sizeof deconv_cases / sizeof deconv_cases[0]; i++)
        fails += deconv_one(be, dt, &deconv_cases[i], (int)i);
    return fails;
}

/* deconv_torch.bin: records of int32 n, ci, h, w, co, kh, kw, stride, pad, out_pad, dil,
 * then f32 x, w, bias [co], and y = F.conv_transpose2d(x, w, bias, ...) from PyTorch. */
int om_deconv_torch_cases(or_backend *be, or_dtype dt)
{
    size_t len, off = 0;
    uint8_t *buf = tu_read_file(tu_src("tests/fixtures/zhang/deconv_torch.bin"), &len);
    if (!buf) {
        printf("FAIL deconv torch: tests/fixtures/zhang/deconv_torch.bin missing\n");
        return 1;
    }
    int fails = 0, cases = 0;
    while (off + 44 <= len) {
        int32_t h[11];
        memcpy(h, buf + off, sizeof h);
        off += sizeof h;
        int ho = or_deconv_out_size(h[2], h[5], h[7], h[8], h[9], h[10]);
        int wo = or_deconv_out_size(h[3], h[6], h[7], h[8], h[9], h[10]);
        size_t nx = (size_t)h[0] * h[1] * h[2] * h[3], nw = (size_t)h[1] * h[4] * h[5] * h[6];
        size_t ny = (size_t)h[0] * h[4] * ho * wo, total = (nx + nw + h[4] + ny) * sizeof(float);
        if (off + total > len)
            break;
        float *a = malloc(total), *out = malloc(ny * sizeof(float));
        memcpy(a, buf + off, total);
        off += total;
        float *x = a, *w = a + nx, *b = w + nw, *ref = b + h[4];
        if (dt == OR_F16) /* the f16 run sees rounded inputs: compare with the f32 result on them */
            for (size_t i = 0; i < nx + nw; i++)
                a[i] = or_f16_to_f32(or_f32_to_f16(a[i]));
        char what[256];
        snprintf(what, sizeof what, "conv_transpose2d vs torch [%d,%d,%d,%d] k%dx%d s%d p%d op%d d%d on %s",
                 h[0], h[1], h[2], h[3], h[5], h[6], h[7], h[8], h[9], h[10], be->name);
        or_arena_mark m = or_arena_get_mark(&be->arena);
        or_tensor tx, tw, tb, ty;
        or_err err;
        or_deconv2d_params p = or_deconv2d_default();
        p.stride_h = p.stride_w = h[7];
        p.pad_h = p.pad_w = h[8];
        p.out_pad_h = p.out_pad_w = h[9];
        p.dil_h = p.dil_w = h[10];
        or_status st = om_put(be, &tx, h[0], h[1], h[2], h[3], dt, "x", x, &err);
        if (!st) st = om_put(be, &tw, h[1], h[4], h[5], h[6], dt, "w", w, &err);
        if (!st) st = om_put(be, &tb, 1, h[4], 1, 1, OR_F32, "b", b, &err);
        if (!st) st = or_tensor_alloc(be, &ty, h[0], h[4], ho, wo, dt, "y", &err);
        if (!st) st = or_conv_transpose2d(&tx, &tw, &tb, &p, &ty, &err);
        if (!st) st = or_tensor_download_f32(&ty, out, &err);
        if (st) {
            printf("FAIL %s: %s\n", what, err.msg);
            fails++;
        } else if (dt == OR_F32) {
            fails += om_check(what, out, ref, ny, dt);
        } else {
            or_deconv_shape s = {h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[7],
                                 h[8], h[8], h[10], h[10], ho, wo};
            float *r16 = malloc(ny * sizeof(float));
            deconv2d_nchw_f32_naive(x, w, b, r16, &s);
            fails += om_check(what, out, r16, ny, dt);
            free(r16);
        }
        or_arena_reset(&be->arena, m);
        free(a), free(out);
        cases++;
    }
    if (off != len || cases < 4) {
        printf("FAIL deconv torch: bad fixture (%d cases, %zu of %zu bytes)\n", cases, off, len);
        fails++;
    }
    free(buf);
    return fails;
}
