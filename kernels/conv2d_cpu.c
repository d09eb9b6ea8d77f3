/* conv2d_cpu.c: 2-D convolution on the CPU.
 * The naive kernel is the reference; conv2d_nchw_f32_sgemm is what the CPU
 * backend runs, on OpenBLAS sgemm, over blocks of output rows so that the
 * scratch stays bounded for any image size:
 *   1x1 stride 1: one GEMM, x itself is the [Ci, H*W] matrix;
 *   stride 1, Ci >= 16: one GEMM per tap over a zero-padded copy of the
 *     input rows (shifted views, no im2col matrix: half the time of im2col
 *     on the SR networks' 3x3 64->64 convolutions);
 *   3x3 stride 2 padding 1: the direct kernel of conv2d_s2_cpu.c (no GEMM);
 *   otherwise: im2col into a [Ci*kh*kw, rows*Wo] matrix and one GEMM. */
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

/* ---- shifted GEMMs (stride 1) ---------------------------------------------------------------
 * With stride 1, output pixel (oy, ox) reads padded-input pixel (oy + ky*dh, ox + kx*dw) for tap
 * (ky, kx). Copy a block of input rows into a zero-padded buffer of row width wp; then for every
 * tap, the [Ci, r*wp] matrix "padded input shifted by ky*dh*wp + kx*dw" is a plain strided view,
 * and y_block[Co, r*wp] += W_tap[Co, Ci] * view. Columns ox >= Wo of the wp-wide output grid are
 * garbage (they wrap into the next row) and are dropped when the block is copied out. No im2col
 * matrix is built: OpenBLAS packs the views itself, a cache block at a time. */

typedef struct {
    int wp;       /* padded row width: >= max(W + 2*pw, Wo + (kw-1)*dw) */
    int halo;     /* extra padded rows a block of output rows reads: (kh-1)*dh */
    size_t slack; /* floats after a channel's rows that the last tap's view reaches: (kw-1)*dw */
} shifted_geom;

/* Below this many input channels a tap's GEMM is too thin (K = Ci): im2col's K = Ci*kh*kw wins. */
#define SHIFTED_MIN_CI 16

static shifted_geom shifted_geometry(const or_conv_shape *s)
{
    shifted_geom g;
    int need = s->wo + (s->kw - 1) * s->dw;
    g.wp = s->w + 2 * s->pw > need ? s->w + 2 * s->pw : need;
    g.halo = (s->kh - 1) * s->dh;
    g.slack = (size_t)(s->kw - 1) * s->dw;
    return g;
}

static size_t shifted_plane(const shifted_geom *g, int rows)
{
    return (size_t)(rows + g->halo) * g->wp + g->slack;
}

/* Floats of scratch for blocks of `rows` output rows: tap-major weights, padded input, output. */
static size_t shifted_floats(const or_conv_shape *s, const shifted_geom *g, int rows)
{
    return (size_t)s->kh * s->kw * s->co * s->ci + (size_t)s->ci * shifted_plane(g, rows) +
           (size_t)s->co * rows * g->wp;
}

/* Output rows per block under budget (all of them if they fit), or 0 when the shifted path does
 * not apply or one row does not fit. */
static int shifted_rows(const or_conv_shape *s, size_t budget)
{
    if (s->sh != 1 || s->sw != 1 || s->ci < SHIFTED_MIN_CI || is_pointwise(s))
        return 0;
    shifted_geom g = shifted_geometry(s);
    size_t fixed = shifted_floats(s, &g, 0) * sizeof(float);
    size_t per_row = (size_t)(s->ci + s->co) * g.wp * sizeof(float);
    if (fixed + per_row > budget)
        return 0;
    size_t rows = (budget - fixed) / per_row;
    return rows > (size_t)s->ho ? s->ho : (int)rows;
}

/* wt[tap][o][i] = w[o][i][tap]: each tap's [Co, Ci] matrix contiguous. */
static void weights_tap_major(const float *w, const or_conv_shape *s, float *wt)
{
    int taps = s->kh * s->kw;
#pragma omp parallel for schedule(static)
    for (int o = 0; o < s->co; o++)
        for (int i = 0; i < s->ci; i++)
            for (int t = 0; t < taps; t++)
                wt[((size_t)t * s->co + o) * s->ci + i] = w[((size_t)o * s->ci + i) * taps + t];
}

/* Padded rows [oy0, oy0 + rows + halo) of image xn: padded (p, q) holds input (p - ph, q - pw). */
static void pad_rows(const float *xn, const or_conv_shape *s, const shifted_geom *g, int oy0,
                     int rows, float *xp)
{
    size_t plane = shifted_plane(g, rows);
    int prow = rows + g->halo;
#pragma omp parallel for schedule(static)
    for (int i = 0; i < s->ci; i++) {
        float *dst = xp + (size_t)i * plane;
        const float *xc = xn + (size_t)i * s->h * s->w;
        for (int p = 0; p < prow; p++) {
            float *d = dst + (size_t)p * g->wp;
            int iy = oy0 + p - s->ph;
            if (iy < 0 || iy >= s->h) {
                memset(d, 0, (size_t)g->wp * sizeof(float));
                continue;
            }
            memset(d, 0, (size_t)s->pw * sizeof(float));
            memcpy(d + s->pw, xc + (size_t)iy * s->w, (size_t)s->w * sizeof(float));
            memset(d + s->pw + s->w, 0, (size_t)(g->wp - s->pw - s->w) * sizeof(float));
        }
        memset(dst + (size_t)prow * g->wp, 0, g->slack * sizeof(float));
    }
}

static void conv2d_shifted(const float *xn, const float *w, float *yn, const or_conv_shape *s,
                           int rows, float *scratch)
{
    shifted_geom g = shifted_geometry(s);
    int taps = s->kh * s->kw;
    size_t hw_out = (size_t)s->ho * s->wo;
    float *wt = scratch, *xp = wt + (size_t)taps * s->co * s->ci;
    float *yp = xp + (size_t)s->ci * shifted_plane(&g, rows);
    weights_tap_major(w, s, wt);
    for (int oy0 = 0; oy0 < s->ho; oy0 += rows) {
        int r = s->ho - oy0 < rows ? s->ho - oy0 : rows;
        size_t plane = shifted_plane(&g, r);
        pad_rows(xn, s, &g, oy0, r, xp);
        for (int t = 0; t < taps; t++) {
            size_t off = (size_t)(t / s->kw) * s->dh * g.wp + (size_t)(t % s->kw) * s->dw;
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->co, r * g.wp, s->ci, 1.0f,
                        wt + (size_t)t * s->co * s->ci, s->ci, xp + off, (int)plane,
                        t ? 1.0f : 0.0f, yp, r * g.wp);
        }
#pragma omp parallel for schedule(static)
        for (int o = 0; o < s->co; o++)
            for (int rr = 0; rr < r; rr++)
                memcpy(yn + o * hw_out + (size_t)(oy0 + rr) * s->wo,
                       yp + ((size_t)o * r + rr) * g.wp, (size_t)s->wo * sizeof(float));
    }
}

/* ---- im2col (strides > 1, thin inputs) -------------------------------------------------- */

static size_t im2col_rows_per_block(const or_conv_shape *s, size_t budget)
{
    size_t row_bytes = (size_t)s->ci * s->kh * s->kw * s->wo * sizeof(float);
    size_t rows = row_bytes ? budget / row_bytes : (size_t)s->ho;
    if (rows < 1)
        rows = 1;
    if (rows > (size_t)s->ho)
        rows = (size_t)s->ho;
    return rows;
}

size_t conv2d_nchw_sgemm_scratch_bytes(const or_conv_shape *s, size_t budget)
{
    if (is_pointwise(s))
        return 0;
    int s2 = conv2d_s2_applies(s) ? conv2d_s2_rows(s, budget) : 0;
    if (s2 > 0)
        return conv2d_s2_scratch_bytes(s, s2);
    int rows = shifted_rows(s, budget);
    if (rows > 0) {
        shifted_geom g = shifted_geometry(s);
        return shifted_floats(s, &g, rows) * sizeof(float);
    }
    return im2col_rows_per_block(s, budget) * (size_t)s->ci * s->kh * s->kw * s->wo * sizeof(float);
}

/* One output row of image row iy for tap (ky, kx): zero where the tap falls outside the input.
 * Stride 1 copies the inside span at once. */
static void im2col_row(const float *xr, const or_conv_shape *s, int kx, float *d)
{
    int off = kx * s->dw - s->pw;
    if (s->sw == 1) {
        int lo = off < 0 ? -off : 0;              /* first ox with ix >= 0 */
        int hi = s->w - off < s->wo ? s->w - off : s->wo; /* first ox with ix >= w */
        if (lo > s->wo)
            lo = s->wo;
        if (hi < lo)
            hi = lo;
        memset(d, 0, (size_t)lo * sizeof(float));
        memcpy(d + lo, xr + lo + off, (size_t)(hi - lo) * sizeof(float));
        memset(d + hi, 0, (size_t)(s->wo - hi) * sizeof(float));
        return;
    }
    for (int ox = 0; ox < s->wo; ox++) {
        int ix = ox * s->sw + off;
        d[ox] = (ix >= 0 && ix < s->w) ? xr[ix] : 0.0f;
    }
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
            if (iy < 0 || iy >= s->h)
                memset(d, 0, (size_t)s->wo * sizeof(float));
            else
                im2col_row(xc + (size_t)iy * s->w, s, kx, d);
        }
    }
}

static void conv2d_im2col(const float *xn, const float *w, float *yn, const or_conv_shape *s,
                          int rows, float *col)
{
    int K = s->ci * s->kh * s->kw;
    size_t hw_out = (size_t)s->ho * s->wo;
    for (int oy0 = 0; oy0 < s->ho; oy0 += rows) {
        int r = s->ho - oy0 < rows ? s->ho - oy0 : rows;
        im2col_rows(xn, s, oy0, r, col);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->co, r * s->wo, K, 1.0f, w, K,
                    col, r * s->wo, 0.0f, yn + (size_t)oy0 * s->wo, (int)hw_out);
    }
}

void conv2d_nchw_f32_sgemm(const float *x, const float *w, float *y, const or_conv_shape *s,
                           float *scratch, size_t scratch_bytes)
{
    int K = s->ci * s->kh * s->kw;
    size_t hw_out = (size_t)s->ho * s->wo;
    int s2 = conv2d_s2_applies(s) ? conv2d_s2_rows(s, scratch_bytes) : 0;
    if (s2 > 0) {
        conv2d_s2_f32(x, w, y, s, s2, scratch);
        return;
    }
    int srows = shifted_rows(s, scratch_bytes);
    int irows = (int)(scratch_bytes / ((size_t)K * s->wo * sizeof(float)));
    for (int n = 0; n < s->n; n++) {
        const float *xn = x + (size_t)n * s->ci * s->h * s->w;
        float *yn = y + (size_t)n * s->co * hw_out;
        if (is_pointwise(s))
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->co, (int)hw_out, K, 1.0f, w,
                        K, xn, (int)hw_out, 0.0f, yn, (int)hw_out);
        else if (srows > 0)
            conv2d_shifted(xn, w, yn, s, srows, scratch);
        else
            conv2d_im2col(xn, w, yn, s, irows, scratch);
    }
}
