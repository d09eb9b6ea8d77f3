#include "op_matrix_color.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op_matrix_util.h"
#include "test_util.h"

/* ---- the plain reference (independent of kernels/color_px.h) ---- */

/* numpy.linalg.inv(skimage's xyz_from_rgb), printed with repr(). */
static const double ref_rgb_from_xyz[3][3] = {
    {3.2404813432005266, -1.5371515162713185, -0.4985363261688878},
    {-0.9692549499965682, 1.8759900014898907, 0.04155592655829284},
    {0.05564663913517716, -0.20404133836651123, 1.0573110696453443}};
static const double ref_xyz_from_rgb[3][3] = {{0.412453, 0.357580, 0.180423},
                                              {0.212671, 0.715160, 0.072169},
                                              {0.019334, 0.119193, 0.950227}};
static const double ref_white[3] = {0.95047, 1.0, 1.08883};

static void ref_rgb2lab(const double *in, double *out)
{
    double lin[3], f[3];
    for (int i = 0; i < 3; i++)
        lin[i] = in[i] > 0.04045 ? pow((in[i] + 0.055) / 1.055, 2.4) : in[i] / 12.92;
    for (int i = 0; i < 3; i++) {
        double t = 0;
        for (int j = 0; j < 3; j++)
            t += ref_xyz_from_rgb[i][j] * lin[j];
        t /= ref_white[i];
        f[i] = t > 0.008856 ? cbrt(t) : 7.787 * t + 16.0 / 116.0;
    }
    out[0] = 116 * f[1] - 16, out[1] = 500 * (f[0] - f[1]), out[2] = 200 * (f[1] - f[2]);
}

static void ref_rgb2l(const double *in, double *out)
{
    ref_rgb2lab(in, out);
    out[1] = out[2] = 0;
}

static void ref_lab2rgb(const double *in, double *out)
{
    double f[3], xyz[3];
    f[1] = (in[0] + 16) / 116, f[0] = in[1] / 500 + f[1], f[2] = f[1] - in[2] / 200;
    if (f[2] < 0)
        f[2] = 0;
    for (int i = 0; i < 3; i++)
        xyz[i] = (f[i] > 0.2068966 ? f[i] * f[i] * f[i] : (f[i] - 16.0 / 116.0) / 7.787) * ref_white[i];
    for (int i = 0; i < 3; i++) {
        double c = 0;
        for (int j = 0; j < 3; j++)
            c += ref_rgb_from_xyz[i][j] * xyz[j];
        c = c > 0.0031308 ? 1.055 * pow(c, 1 / 2.4) - 0.055 : 12.92 * c;
        out[i] = fmin(1, fmax(0, c));
    }
}

static void ref_rgb2yuv(const double *in, double *out)
{
    double y = 0.299 * in[0] + 0.587 * in[1] + 0.114 * in[2];
    out[0] = y, out[1] = 0.492 * (in[2] - y) + 0.5, out[2] = 0.877 * (in[0] - y) + 0.5;
}

static void ref_yuv2rgb(const double *in, double *out)
{
    out[0] = in[0] + 1.140 * (in[2] - 0.5);
    out[1] = in[0] - 0.394 * (in[1] - 0.5) - 0.581 * (in[2] - 0.5);
    out[2] = in[0] + 2.032 * (in[1] - 0.5);
}

typedef or_status (*color_op)(const or_tensor *, or_tensor *, or_err *);
typedef void (*color_ref)(const double *, double *);

static const struct {
    const char *name;
    color_op op;
    color_ref ref;
    float lo[3], hi[3]; /* input range per channel */
} color_ops[] = {
    {"rgb_to_lab", or_rgb_to_lab, ref_rgb2lab, {0, 0, 0}, {1, 1, 1}},
    /* a, b beyond the gamut: exercises the z < 0 clip and the final [0,1] clip */
    {"lab_to_rgb", or_lab_to_rgb, ref_lab2rgb, {0, -110, -110}, {100, 110, 110}},
    {"rgb_to_yuv", or_rgb_to_yuv, ref_rgb2yuv, {0, 0, 0}, {1, 1, 1}},
    {"yuv_to_rgb", or_yuv_to_rgb, ref_yuv2rgb, {0, 0, 0}, {1, 1, 1}},
    {"rgb_to_l", or_rgb_to_l, ref_rgb2l, {0, 0, 0}, {1, 1, 1}},
};

/* Runs op on host planes x [n,3,h,w] and compares with ref; in_place: y is x. */
static int color_run(or_backend *be, or_dtype dt, int which, const float *x, const float *ref,
                     int n, int h, int w, int in_place, const char *what)
{
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_tensor tx, ty;
    or_err err;
    or_status st = om_put(be, &tx, n, 3, h, w, dt, "x", x, &err);
    if (!st && !in_place) st = om_put(be, &ty, n, 3, h, w, dt, "y", NULL, &err);
    if (!st) st = color_ops[which].op(&tx, in_place ? &tx : &ty, &err);
    int fail = om_finish(st, &err, what, in_place ? &tx : &ty, ref, dt);
    or_arena_reset(&be->arena, m);
    return fail;
}

static const int color_shapes[][3] = {{1, 1, 1}, {1, 17, 23}, {2, 5, 7}, {1, 1, 33}, {1, 64, 3}};

int om_color_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(31);
    for (int op = 0; op < (int)(sizeof color_ops / sizeof color_ops[0]); op++)
        for (size_t si = 0; si < sizeof color_shapes / sizeof color_shapes[0]; si++)
            for (int in_place = 0; in_place < 2; in_place++) {
                int n = color_shapes[si][0], h = color_shapes[si][1], w = color_shapes[si][2];
                size_t hw = (size_t)h * w, count = (size_t)n * 3 * hw;
                float *x = malloc(count * sizeof(float)), *ref = malloc(count * sizeof(float));
                for (size_t i = 0; i < count; i++) {
                    int c = (int)((i / hw) % 3);
                    x[i] = tu_uniform(color_ops[op].lo[c], color_ops[op].hi[c]);
                }
                if (count > 6) /* exact ends of the range */
                    x[0] = color_ops[op].lo[0], x[1] = color_ops[op].hi[0];
                om_quantize(x, count, dt);
                for (int b = 0; b < n; b++)
                    for (size_t p = 0; p < hw; p++) {
                        size_t base = (size_t)b * 3 * hw + p;
                        double in[3] = {x[base], x[base + hw], x[base + 2 * hw]}, out[3];
                        color_ops[op].ref(in, out);
                        for (int c = 0; c < 3; c++)
                            ref[base + c * hw] = (float)out[c];
                    }
                char what[256];
                snprintf(what, sizeof what, "%s [%d,3,%d,%d]%s on %s", color_ops[op].name, n, h,
                         w, in_place ? " in place" : "", be->name);
                fails += color_run(be, dt, op, x, ref, n, h, w, in_place, what);
                free(x), free(ref);
            }
    return fails;
}

/* color_numpy.bin: int32 count, then four f32 arrays of [3][count] planes:
 * rgb, rgb2lab(rgb), lab, lab2rgb(lab), as numpy computed them in float64. */
int om_color_numpy_cases(or_backend *be, or_dtype dt)
{
    size_t len;
    uint8_t *buf = tu_read_file(tu_src("tests/fixtures/zhang/color_numpy.bin"), &len);
    if (!buf) {
        printf("FAIL color numpy: tests/fixtures/zhang/color_numpy.bin missing\n");
        return 1;
    }
    int32_t count;
    memcpy(&count, buf, 4);
    if (count <= 0 || len != 4 + (size_t)count * 12 * sizeof(float)) {
        printf("FAIL color numpy: bad fixture size %zu\n", len);
        free(buf);
        return 1;
    }
    float *a = malloc((size_t)count * 12 * sizeof(float));
    memcpy(a, buf + 4, (size_t)count * 12 * sizeof(float));
    size_t plane = (size_t)count * 3;
    char what[256];
    int fails = 0;
    /* f16 inputs cannot carry the fixture's exact values: only f32 is compared here */
    if (dt == OR_F32) {
        snprintf(what, sizeof what, "rgb_to_lab vs numpy (%d px) on %s", count, be->name);
        fails += color_run(be, dt, 0, a, a + plane, 1, 1, count, 0, what);
        snprintf(what, sizeof what, "lab_to_rgb vs numpy (%d px) on %s", count, be->name);
        fails += color_run(be, dt, 1, a + 2 * plane, a + 3 * plane, 1, 1, count, 0, what);
    }
    free(a), free(buf);
    return fails;
}

int om_class_to_ab_cases(or_backend *be, or_dtype dt)
{
    static const int cases[][4] = {{1, 313, 5, 7}, {2, 3, 1, 1}, {1, 529, 3, 2}, {1, 313, 1, 9}};
    static const float temps[] = {1.0f, 0.38f};
    int fails = 0;
    tu_seed(37);
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++)
        for (int ti = 0; ti < 2; ti++) {
            int n = cases[ci][0], q = cases[ci][1], h = cases[ci][2], w = cases[ci][3];
            size_t hw = (size_t)h * w, nz = (size_t)n * q * hw, ny = (size_t)n * 2 * hw;
            float *z = malloc(nz * sizeof(float)), *wt = malloc((size_t)2 * q * sizeof(float));
            float *ref = malloc(ny * sizeof(float)), *out = malloc(ny * sizeof(float));
            for (size_t i = 0; i < nz; i++)
                z[i] = tu_uniform(-8, 8); /* logits: a peaked distribution */
            for (int i = 0; i < 2 * q; i++)
                wt[i] = tu_uniform(-1, 1);
            om_quantize(z, nz, dt);
            om_quantize(wt, (size_t)2 * q, dt);
            for (int b = 0; b < n; b++)
                for (size_t p = 0; p < hw; p++) {
                    const float *zp = z + (size_t)b * q * hw + p;
                    double mx = -1e300, sum = 0, a = 0, bb = 0;
                    for (int k = 0; k < q; k++)
                        mx = fmax(mx, zp[(size_t)k * hw]);
                    for (int k = 0; k < q; k++) {
                        double e = exp((zp[(size_t)k * hw] - mx) / temps[ti]);
                        sum += e, a += e * wt[k], bb += e * wt[q + k];
                    }
                    ref[(size_t)b * 2 * hw + p] = (float)(110 * a / sum);
                    ref[(size_t)b * 2 * hw + hw + p] = (float)(110 * bb / sum);
                }
            char what[256];
            snprintf(what, sizeof what, "class_to_ab [%d,%d,%d,%d] T=%g on %s", n, q, h, w,
                     temps[ti], be->name);
            or_arena_mark m = or_arena_get_mark(&be->arena);
            or_tensor tz, tw, ty;
            or_err err;
            or_status st = or_tensor_alloc(be, &tz, n, q, h, w, dt, "z", &err);
            if (!st) st = or_tensor_upload_f32(&tz, z, &err);
            if (!st) st = or_tensor_alloc(be, &tw, 2, q, 1, 1, dt, "out.weight", &err);
            if (!st) st = or_tensor_upload_f32(&tw, wt, &err);
            if (!st) st = or_tensor_alloc(be, &ty, n, 2, h, w, dt, "ab", &err);
            if (!st) st = or_class_to_ab(&tz, &tw, temps[ti], 110.0f, &ty, &err);
            if (!st) st = or_tensor_download_f32(&ty, out, &err);
            if (st) {
                printf("FAIL %s: %s\n", what, err.msg);
                fails++;
            } else {
                fails += om_check(what, out, ref, ny, dt);
            }
            or_arena_reset(&be->arena, m);
            free(z), free(wt), free(ref), free(out);
        }
    return fails;
}
