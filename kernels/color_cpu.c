/* color_cpu.c: the plain-C kernels of the "color" op family (color_kernels.h; the
 * op table that calls them is runtime/core/backend_cpu_color.c).
 * One pass over the pixels; the formulas (double math) are in color_px.h. */
#include "color_kernels.h"
#include "color_px.h"

#include <math.h>

/* The sRGB decoding curve at the values an 8-bit sample decodes to: k / 255.0f (JPEG, PNG)
 * and k * (1.0f / 255.0f) (video frames, runtime/io/video_read.c), which differ in the last
 * bit for some k.  A value found here gets exactly color_srgb_to_linear's result for it (the
 * same double computed once); any other value is computed.  rgb_to_lab of a decoded frame
 * then costs 3 cbrt per pixel instead of 3 pow + 3 cbrt, rgb_to_l 1 cbrt (docs/perf.md, "CPU
 * part of a restore"). */
typedef struct {
    float in[2][256];
    double lin[2][256];
} srgb8_table;

static void srgb8_table_init(srgb8_table *t)
{
    for (int k = 0; k < 256; k++) {
        t->in[0][k] = (float)k / 255.0f;
        t->in[1][k] = (float)k * (1.0f / 255.0f);
        for (int v = 0; v < 2; v++)
            t->lin[v][k] = color_srgb_to_linear(t->in[v][k]);
    }
}

static inline double srgb8_to_linear(const srgb8_table *t, float x)
{
    float s = x * 255.0f;
    if (s >= 0.0f && s <= 255.0f) { /* false for NaN */
        int k = (int)(s + 0.5f);
        if (x == t->in[0][k])
            return t->lin[0][k];
        if (x == t->in[1][k])
            return t->lin[1][k];
    }
    return color_srgb_to_linear(x);
}

/* x, y [n,3,h,w] f32 (y may be x: each pixel is read fully before it is written). */
void color_convert_nchw_f32(int kind, const float *x, float *y, int n, size_t hw)
{
    const double m[9] = OR_XYZ_FROM_RGB;
    double minv[9];
    color_inv3(m, minv);
    srgb8_table t;
    int from_rgb = kind == OR_COLOR_RGB2LAB || kind == OR_COLOR_RGB2L;
    if (from_rgb)
        srgb8_table_init(&t);
    for (int b = 0; b < n; b++) {
        const float *xb = x + (size_t)b * 3 * hw;
        float *yb = y + (size_t)b * 3 * hw;
#pragma omp parallel for schedule(static)
        for (long long i = 0; i < (long long)hw; i++) {
            double out[3];
            if (from_rgb) {
                double r = srgb8_to_linear(&t, xb[i]), g = srgb8_to_linear(&t, xb[hw + i]),
                       bl = srgb8_to_linear(&t, xb[2 * hw + i]);
                if (kind == OR_COLOR_RGB2L)
                    color_linear_rgb_to_l_px(r, g, bl, out);
                else
                    color_linear_rgb_to_lab_px(r, g, bl, out);
            } else {
                double in[3] = {xb[i], xb[hw + i], xb[2 * hw + i]};
                color_convert_px(kind, in, minv, out);
            }
            yb[i] = (float)out[0], yb[hw + i] = (float)out[1], yb[2 * hw + i] = (float)out[2];
        }
    }
}

/* y[b,j,p] = scale * sum_q softmax(z[b,:,p] / T)[q] * w[j*Q + q], double sums. */
void class_to_ab_nchw_f32(const float *z, const float *w, float T, float scale, float *y,
                          int n, int q, size_t hw)
{
    for (int b = 0; b < n; b++) {
        const float *zb = z + (size_t)b * q * hw;
        float *yb = y + (size_t)b * 2 * hw;
#pragma omp parallel for schedule(static)
        for (long long p = 0; p < (long long)hw; p++) {
            double mx = zb[p];
            for (int k = 1; k < q; k++)
                mx = zb[(size_t)k * hw + p] > mx ? zb[(size_t)k * hw + p] : mx;
            double sum = 0, a = 0, bb = 0;
            for (int k = 0; k < q; k++) {
                double e = exp((zb[(size_t)k * hw + p] - mx) / T);
                sum += e, a += e * w[k], bb += e * w[q + k];
            }
            yb[p] = (float)(scale * a / sum);
            yb[hw + p] = (float)(scale * bb / sum);
        }
    }
}
