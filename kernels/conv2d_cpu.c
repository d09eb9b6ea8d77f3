/* conv2d_cpu.c: 2-D convolution on the CPU.
 * The naive kernel is the reference; the im2col kernel is what the CPU
 * backend runs: it unrolls a block of output rows into a [K, rows*Wo] matrix
 * (K = Ci*kh*kw) and multiplies it by the weights [Co, K] with sgemm, so
 * the scratch stays bounded for any image size. */
#include <cblas.h>
#include <string.h>

#include "kernels.h"

void conv2d_nchw_f32_naive(const float *x, const float *w, const float *bias, float *y,
                           const or_conv_shape *s)
{
    for (int n = 0; n < s->n; n++)
        for (int o = 0; o < s->co; o++)
            for (int oy = 0; oy < s->ho; oy++)
                for (int ox = 0; ox < s->wo; ox++) {
                    double acc = bias ? bias[o] : 0.0;
                    for (int i = 0; i < s->ci; i++)
                        for (int ky = 0; ky < s->kh; ky++) {
                            int iy = oy * s->sh - s->ph + ky * s->dh;
                            if (iy < 0 || iy >= s->h)
                                continue;
                            for (int kx = 0; kx < s->kw; kx++) {
                                int ix = ox * s->sw - s->pw + kx * s->dw;
                                if (ix < 0 || ix >= s->w)
                                    continue;
                                acc += (double)x[(((size_t)n * s->ci + i) * s->h + iy) * s->w + ix] *
                                       (double)w[(((size_t)o * s->ci + i) * s->kh + ky) * s->kw + kx];
                            }
                        }
                    y[(((size_t)n * s->co + o) * s->ho + oy) * s->wo + ox] = (float)acc;
                }
}

static int is_pointwise(const or_conv_shape *s)
{
    return s->kh == 1 && s->kw == 1 && s->sh == 1 && s->sw == 1 && s->ph == 0 && s->pw == 0;
}

static size_t rows_per_block(const or_conv_shape *s, size_t budget)
{
    size_t row_bytes = (size_t)s->ci * s->kh * s->kw * s->wo * sizeof(float);
    size_t rows = row_bytes ? budget / row_bytes : (size_t)s->ho;
    if (rows < 1)
        rows = 1;
    if (rows > (size_t)s->ho)
        rows = (size_t)s->ho;
    return rows;
}

size_t conv2d_im2col_scratch_bytes(const or_conv_shape *s, size_t budget)
{
    if (is_pointwise(s))
        return 0;
    return rows_per_block(s, budget) * (size_t)s->ci * s->kh * s->kw * s->wo * sizeof(float);
}

/* col[k][r*Wo + ox] for output rows [oy0, oy0+rows) of image xn. */
static void im2col_rows(const float *xn, const or_conv_shape *s, int oy0, int rows, float *col)
{
    int K = s->ci * s->kh * s->kw;
    size_t ld = (size_t)rows * s->wo;
#pragma omp parallel for schedule(static)
    for (int k = 0; k < K; k++) {
        int i = k / (s->kh * s->kw), ky = (k / s->kw) % s->kh, kx = k % s->kw;
        const float *xc = xn + (size_t)i * s->h * s->w;
        float *dst = col + (size_t)k * ld;
        for (int r = 0; r < rows; r++) {
            int iy = (oy0 + r) * s->sh - s->ph + ky * s->dh;
            float *d = dst + (size_t)r * s->wo;
            if (iy < 0 || iy >= s->h) {
                memset(d, 0, (size_t)s->wo * sizeof(float));
                continue;
            }
            const float *xr = xc + (size_t)iy * s->w;
            for (int ox = 0; ox < s->wo; ox++) {
                int ix = ox * s->sw - s->pw + kx * s->dw;
                d[ox] = (ix >= 0 && ix < s->w) ? xr[ix] : 0.0f;
            }
        }
    }
}

void conv2d_nchw_f32_im2col(const float *x, const float *w, float *y, const or_conv_shape *s,
                            float *scratch, size_t scratch_bytes)
{
    int K = s->ci * s->kh * s->kw;
    size_t hw_out = (size_t)s->ho * s->wo;
    for (int n = 0; n < s->n; n++) {
        const float *xn = x + (size_t)n * s->ci * s->h * s->w;
        float *yn = y + (size_t)n * s->co * hw_out;
        if (is_pointwise(s)) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->co, (int)hw_out, K, 1.0f, w,
                        K, xn, (int)hw_out, 0.0f, yn, (int)hw_out);
            continue;
        }
        size_t rows = scratch_bytes / ((size_t)K * s->wo * sizeof(float));
        for (int oy0 = 0; oy0 < s->ho; oy0 += (int)rows) {
            int r = s->ho - oy0 < (int)rows ? s->ho - oy0 : (int)rows;
            im2col_rows(xn, s, oy0, r, scratch);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->co, r * s->wo, K, 1.0f, w, K,
                        scratch, r * s->wo, 0.0f, yn + (size_t)oy0 * s->wo, (int)hw_out);
        }
    }
}
