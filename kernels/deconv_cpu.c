/* deconv_cpu.c: transposed convolution on the CPU (deconv_kernels.h; the op table
 * that calls it is runtime/core/backend_cpu_deconv.c).
 * The naive kernel gathers each output from the inputs that reach it (double
 * accumulation): the reference.  The backend runs the gemm kernel: for a block
 * of input rows, cols [co*kh*kw, rows*w] = w^T [co*kh*kw, ci] x [ci, rows*w]
 * (OpenBLAS sgemm), then col2im scatter-adds cols into y (one thread per output
 * channel, so no two threads write the same element).  The block keeps the
 * scratch bounded for any image size. */
#include <cblas.h>
#include <string.h>

#include "deconv_kernels.h"

void deconv2d_nchw_f32_naive(const float *x, const float *w, const float *bias, float *y,
                             const or_deconv_shape *s)
{
    for (int n = 0; n < s->n; n++)
        for (int o = 0; o < s->co; o++)
            for (int oy = 0; oy < s->ho; oy++)
                for (int ox = 0; ox < s->wo; ox++) {
                    double acc = bias ? bias[o] : 0.0;
                    for (int ky = 0; ky < s->kh; ky++) {
                        /* oy = iy*sh - ph + ky*dh */
                        int ty = oy + s->ph - ky * s->dh;
                        if (ty < 0 || ty % s->sh)
                            continue;
                        int iy = ty / s->sh;
                        if (iy >= s->h)
                            continue;
                        for (int kx = 0; kx < s->kw; kx++) {
                            int tx = ox + s->pw - kx * s->dw;
                            if (tx < 0 || tx % s->sw)
                                continue;
                            int ix = tx / s->sw;
                            if (ix >= s->w)
                                continue;
                            for (int i = 0; i < s->ci; i++)
                                acc += (double)x[(((size_t)n * s->ci + i) * s->h + iy) * s->w + ix] *
                                       (double)w[(((size_t)i * s->co + o) * s->kh + ky) * s->kw + kx];
                        }
                    }
                    y[(((size_t)n * s->co + o) * s->ho + oy) * s->wo + ox] = (float)acc;
                }
}

static size_t rows_per_block(const or_deconv_shape *s, size_t budget)
{
    size_t row_bytes = (size_t)s->co * s->kh * s->kw * s->w * sizeof(float);
    size_t rows = budget / row_bytes;
    if (rows < 1)
        rows = 1;
    if (rows > (size_t)s->h)
        rows = (size_t)s->h;
    return rows;
}

size_t deconv2d_gemm_scratch_bytes(const or_deconv_shape *s, size_t budget)
{
    return rows_per_block(s, budget) * (size_t)s->co * s->kh * s->kw * s->w * sizeof(float);
}

/* y[o] += the cols of input rows [iy0, iy0+rows) (col[(o,ky,kx)][r*w + ix]). */
static void col2im_rows(const float *col, const or_deconv_shape *s, int iy0, int rows, float *yn)
{
    size_t ld = (size_t)rows * s->w;
#pragma omp parallel for schedule(static)
    for (int o = 0; o < s->co; o++) {
        float *yo = yn + (size_t)o * s->ho * s->wo;
        for (int ky = 0; ky < s->kh; ky++)
            for (int kx = 0; kx < s->kw; kx++) {
                const float *c = col + ((size_t)(o * s->kh + ky) * s->kw + kx) * ld;
                for (int r = 0; r < rows; r++) {
                    int oy = (iy0 + r) * s->sh - s->ph + ky * s->dh;
                    if (oy < 0 || oy >= s->ho)
                        continue;
                    float *yr = yo + (size_t)oy * s->wo;
                    const float *cr = c + (size_t)r * s->w;
                    for (int ix = 0; ix < s->w; ix++) {
                        int ox = ix * s->sw - s->pw + kx * s->dw;
                        if (ox >= 0 && ox < s->wo)
                            yr[ox] += cr[ix];
                    }
                }
            }
    }
}

void deconv2d_nchw_f32_gemm(const float *x, const float *w, float *y, const or_deconv_shape *s,
                            float *scratch, size_t scratch_bytes)
{
    int M = s->co * s->kh * s->kw;
    size_t hw = (size_t)s->h * s->w, rows = scratch_bytes / ((size_t)M * s->w * sizeof(float));
    memset(y, 0, (size_t)s->n * s->co * s->ho * s->wo * sizeof(float));
    for (int n = 0; n < s->n; n++) {
        const float *xn = x + (size_t)n * s->ci * hw;
        float *yn = y + (size_t)n * s->co * s->ho * s->wo;
        for (int iy0 = 0; iy0 < s->h; iy0 += (int)rows) {
            int r = s->h - iy0 < (int)rows ? s->h - iy0 : (int)rows;
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, M, r * s->w, s->ci, 1.0f, w, M,
                        xn + (size_t)iy0 * s->w, (int)hw, 0.0f, scratch, r * s->w);
            col2im_rows(scratch, s, iy0, r, yn);
        }
    }
}
