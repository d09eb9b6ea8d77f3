/* op_matrix_util.c: the op matrices' shared checks and inputs (op_matrix_util.h). */
#include "op_matrix_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

int om_check(const char *what, const float *out, const float *ref, size_t n, or_dtype dt)
{
    double peak = 1.0;
    for (size_t i = 0; i < n; i++)
        peak = fmax(peak, fabs(ref[i]));
    double maxd = tu_max_abs_diff(out, ref, n); /* infinite where out has a NaN */
    if (dt == OR_F32) {
        if (maxd <= OM_TOL_F32 * peak)
            return 0;
        printf("FAIL %s: f32 max abs diff %.3g > %.3g\n", what, maxd, OM_TOL_F32 * peak);
        return 1;
    }
    double psnr = tu_psnr(out, ref, n, peak);
    if (psnr >= OM_PSNR_F16 && isfinite(maxd))
        return 0;
    printf("FAIL %s: f16 PSNR %.1f dB < %.1f (max abs diff %.3g, peak %.3g)\n", what, psnr,
           OM_PSNR_F16, maxd, peak);
    return 1;
}

int om_same_bits(const char *what, const float *out, const float *ref, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (memcmp(&out[i], &ref[i], sizeof(float)) != 0) {
            printf("FAIL %s: element %zu is %.9g, expected %.9g (bit-exact)\n", what, i, out[i],
                   ref[i]);
            return 1;
        }
    return 0;
}

void om_quantize(float *x, size_t n, or_dtype dt)
{
    if (dt == OR_F16)
        for (size_t i = 0; i < n; i++)
            x[i] = or_f16_to_f32(or_f32_to_f16(x[i]));
}

float *om_rand(size_t n, float lo, float hi, or_dtype dt)
{
    float *x = malloc((n ? n : 1) * sizeof(float));
    tu_fill_uniform(x, n, lo, hi);
    om_quantize(x, n, dt);
    return x;
}

or_status om_put(or_backend *be, or_tensor *t, int n, int c, int h, int w, or_dtype dt,
                 const char *name, const float *host, or_err *err)
{
    OR_TRY(or_tensor_alloc(be, t, n, c, h, w, dt, name, err));
    if (host)
        return or_tensor_upload_f32(t, host, err);
    size_t count = or_numel(t);
    float *nan_buf = malloc(count * sizeof(float));
    for (size_t i = 0; i < count; i++)
        nan_buf[i] = NAN;
    or_status st = or_tensor_upload_f32(t, nan_buf, err);
    free(nan_buf);
    return st;
}

int om_finish(or_status st, const or_err *err, const char *what, const or_tensor *y,
              const float *ref, or_dtype dt)
{
    if (st) {
        printf("FAIL %s: %s\n", what, err->msg);
        return 1;
    }
    size_t n = or_numel(y);
    float *out = malloc(n * sizeof(float));
    or_err derr;
    int fail;
    if (or_tensor_download_f32(y, out, &derr) != OR_OK) {
        printf("FAIL %s: %s\n", what, derr.msg);
        fail = 1;
    } else {
        fail = om_check(what, out, ref, n, dt);
    }
    free(out);
    return fail;
}

void om_nchw_to_nhwc(const float *x, float *y, int ld, int c0, int n, int c, int h, int w)
{
    size_t hw = (size_t)h * w;
    for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++)
            for (size_t p = 0; p < hw; p++)
                y[((size_t)b * hw + p) * ld + c0 + ch] = x[((size_t)b * c + ch) * hw + p];
}

void om_nhwc_to_nchw(const float *x, int ld, int c0, float *y, int n, int c, int h, int w)
{
    size_t hw = (size_t)h * w;
    for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++)
            for (size_t p = 0; p < hw; p++)
                y[((size_t)b * c + ch) * hw + p] = x[((size_t)b * hw + p) * ld + c0 + ch];
}

void om_conv_ref(const float *x, const float *w, const float *b, const or_conv_shape *s,
                 or_act act, const float *pr, const float *res, float *ref)
{
    size_t hw = (size_t)s->ho * s->wo, ny = (size_t)s->n * s->co * hw;
    conv2d_nchw_f32_naive(x, w, b, ref, s);
    for (size_t i = 0; i < ny; i++) {
        int ch = (int)((i / hw) % (size_t)s->co);
        double a = om_ref_act(ref[i], act, 0.2, pr[ch]);
        ref[i] = (float)(res ? a * 0.2 + res[i] : a);
    }
}

double om_ref_act(double v, or_act act, double alpha, double slope)
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
