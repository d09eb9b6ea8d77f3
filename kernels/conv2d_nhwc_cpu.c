/* conv2d_nhwc_cpu.c: 2-D convolution of NHWC tensors on the CPU.
 * The NHWC twin of conv2d_nchw_f32_sgemm's im2col path (conv2d_cpu.c): im2col turns a block
 * of output rows into a [rows*Wo, K] matrix whose row is one output pixel's
 * patch in (ky, kx, ci) order, which is the order of a KRSC weight's row, so
 *   y[pixel][co] = sum_k col[pixel][k] * w[co][k]
 * is one sgemm (NoTrans x Trans) writing y's pixels with stride ldy.  Blocks
 * run over the n*Ho output rows of the whole batch (an NHWC batch is one run
 * of pixels), so the scratch stays bounded for any image size.  A pointwise
 * convolution needs no im2col at all: x itself is the [n*H*W, Ci] matrix. */
#include <cblas.h>
#include <string.h>

#include "kernels.h"

static int is_pointwise(const or_conv_shape *s)
{
    return s->kh == 1 && s->kw == 1 && s->sh == 1 && s->sw == 1 && s->ph == 0 && s->pw == 0;
}

static size_t patch_len(const or_conv_shape *s) { return (size_t)s->kh * s->kw * s->ci; }

/* Output rows (over the n*Ho rows of the batch) per im2col block under budget, >= 1. */
static size_t rows_per_block(const or_conv_shape *s, size_t budget)
{
    size_t total = (size_t)s->n * s->ho;
    size_t row_bytes = patch_len(s) * s->wo * sizeof(float);
    size_t rows = row_bytes ? budget / row_bytes : total;
    if (rows < 1)
        rows = 1;
    if (rows > total)
        rows = total;
    return rows;
}

size_t conv2d_nhwc_im2col_scratch_bytes(const or_conv_shape *s, size_t budget)
{
    if (is_pointwise(s))
        return 0;
    return rows_per_block(s, budget) * patch_len(s) * s->wo * sizeof(float);
}

/* col[(r*Wo + ox)*K + (ky*kw + kx)*Ci + ci] for batch rows [row0, row0+rows),
 * batch row R being output row R % Ho of image R / Ho; zeros where the
 * patch reaches into the padding. */
static void im2col_rows(const float *x, int ldx, const or_conv_shape *s, int row0, int rows,
                        float *col)
{
    size_t K = patch_len(s), ci_bytes = (size_t)s->ci * sizeof(float);
#pragma omp parallel for collapse(2) schedule(static)
    for (int r = 0; r < rows; r++)
        for (int ox = 0; ox < s->wo; ox++) {
            int b = (row0 + r) / s->ho, oy = (row0 + r) % s->ho;
            float *d = col + ((size_t)r * s->wo + ox) * K;
            for (int ky = 0; ky < s->kh; ky++) {
                int iy = oy * s->sh - s->ph + ky * s->dh;
                for (int kx = 0; kx < s->kw; kx++, d += s->ci) {
                    int ix = ox * s->sw - s->pw + kx * s->dw;
                    if (iy < 0 || iy >= s->h || ix < 0 || ix >= s->w) {
                        memset(d, 0, ci_bytes);
                        continue;
                    }
                    memcpy(d, x + (((size_t)b * s->h + iy) * s->w + ix) * ldx, ci_bytes);
                }
            }
        }
}

void conv2d_nhwc_f32_im2col(const float *x, int ldx, const float *w, float *y, int ldy,
                            const or_conv_shape *s, float *scratch, size_t scratch_bytes)
{
    int K = (int)patch_len(s);
    if (is_pointwise(s)) {
        int pixels = s->n * s->h * s->w;
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, pixels, s->co, K, 1.0f, x, ldx, w, K,
                    0.0f, y, ldy);
        return;
    }
    int total = s->n * s->ho;
    int rows = (int)(scratch_bytes / ((size_t)K * s->wo * sizeof(float)));
    for (int row0 = 0; row0 < total; row0 += rows) {
        int r = total - row0 < rows ? total - row0 : rows;
        im2col_rows(x, ldx, s, row0, r, scratch);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, r * s->wo, s->co, K, 1.0f, scratch, K,
                    w, K, 0.0f, y + (size_t)row0 * s->wo * ldy, ldy);
    }
}
