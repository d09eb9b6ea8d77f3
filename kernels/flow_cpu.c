/* flow_cpu.c: the plain-C kernels of the "flow" op family (flow_kernels.h; the op
 * table that calls them is runtime/core/backend_cpu_flow.c), DAIN's custom
 * layers.  f32 only (the CPU backend).  The per-pixel arithmetic is shared
 * with the CUDA kernels through flow_px.h (the filter interpolation restates
 * FPX_FILTER_PIXEL's expressions, in its order, with the per-pixel part hoisted
 * out of the channel loop: see there).  The flow projection runs
 * its pixels in row-major order: that fixes the float summation order the
 * official CUDA kernel leaves to its atomics (docs/stages/dain.md). */
#include <math.h>
#include <string.h>

#include "flow_kernels.h"
#include "flow_px.h"

/* Correlation, one output row (image n, row i) at a time: for each displacement
 * the row's sums run channel by channel over the columns (in channel order, as
 * each sum is defined, and vectorisable over the columns); a's row i and b's
 * rows i-md .. i+md are reused by all (2md+1)^2 displacements. */
void correlation_nchw_f32(const float *a, const float *b, float *y, int n_img, int c, int h, int w,
                          int md)
{
    const int d = 2 * md + 1;
    const long hw = (long)h * w;
    const float inv = (float)c; /* the official kernel divides by kernel^2 * C */
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < n_img; n++)
        for (int i = 0; i < h; i++)
            for (int k = 0; k < d * d; k++) {
                const int dy = k / d - md, dx = k % d - md, i2 = i + dy;
                const int out = i2 < 0 || i2 >= h;
                /* the columns j with j + dx inside; the others (all when row i2 is out) are 0 */
                const int j0 = out ? w : dx < 0 ? -dx : 0, j1 = dx > 0 ? w - dx : w;
                const long ra = (long)n * c * hw + (long)i * w, rb = ra + (long)(out ? 0 : dy) * w;
                const float *pa = a + ra, *pb = b + rb;
                float *py = y + ((long)n * d * d + k) * hw + (long)i * w;
                for (int j = 0; j < w; j++)
                    py[j] = 0.0f;
                for (int ch = 0; ch < c; ch++)
                    for (int j = j0; j < j1; j++)
                        py[j] += pa[ch * hw + j] * pb[ch * hw + j + dx];
                for (int j = j0; j < j1; j++)
                    py[j] /= inv;
            }
}

void pwc_warp_nchw_f32(const float *x, const float *flow, float *y, int n_img, int c, int h, int w)
{
    const long hw = (long)h * w;
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < n_img; n++)
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                const float *f = flow + (long)n * 2 * hw + (long)i * w + j;
                float ix = fpx_warp_coord(j, f[0], w), iy = fpx_warp_coord(i, f[hw], h);
                float wt[4];
                long o[4];
                int keep = fpx_bilinear(ix, iy, h, w, wt, o);
                for (int ch = 0; ch < c; ch++) {
                    const float *px = x + ((long)n * c + ch) * hw;
                    float v = 0.0f;
                    for (int k = 0; k < 4; k++)
                        if (o[k] >= 0)
                            v += px[o[k]] * wt[k];
                    y[((long)n * c + ch) * hw + (long)i * w + j] = keep ? v : 0.0f;
                }
            }
}

/* One image: scatter (row-major), average, fill the holes. */
static void project_one(const float *fu, const float *fv, const float *dinv, int h, int w,
                        int fill, float *count, float *u, float *v)
{
    long hw = (long)h * w;
    memset(count, 0, (size_t)hw * sizeof *count);
    memset(u, 0, (size_t)hw * sizeof *u);
    memset(v, 0, (size_t)hw * sizeof *v);
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            long p = (long)i * w + j, o[4];
            float fx = fu[p], fy = fv[p];
            if (!fpx_proj_corners(i, j, fx, fy, h, w, o))
                continue;
            float t = dinv[p];
            for (int k = 0; k < 4; k++) {
                u[o[k]] += -t * fx;
                v[o[k]] += -t * fy;
                count[o[k]] += t * 1;
            }
        }
    for (long p = 0; p < hw; p++)
        if (count[p] > 0.0f) {
            u[p] /= count[p];
            v[p] /= count[p];
        }
    if (!fill)
        return;
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            long p = (long)i * w + j;
            float a, b;
            if (count[p] <= 0.0f && fpx_fill_hole(count, u, v, i, j, h, w, &a, &b))
                u[p] = a, v[p] = b;
        }
}

void depth_flow_projection_f32(const float *flow, const float *depth_inv, int fill_holes,
                               float *count, float *y, int n_img, int h, int w)
{
    const long hw = (long)h * w;
#pragma omp parallel for schedule(static)
    for (int n = 0; n < n_img; n++) {
        const float *f = flow + (long)n * 2 * hw;
        float *o = y + (long)n * 2 * hw;
        project_one(f, f + hw, depth_inv + (long)n * hw, h, w, fill_holes, count + (long)n * hw,
                    o, o + hw);
    }
}

/* Filter interpolation.  A pixel's window depends on its flow and taps only,
 * not on the channel.  So for a tile of pixels (FI_ROWS rows by a run of
 * columns) the clamped window offsets, the taps and the blend weights are
 * computed once (fi_prepare) and then the channel planes are swept over the
 * tile, FI_PLANES planes at a time (fi_planes): each plane's window rows are
 * read once per tile from memory and reused across its rows.  The float
 * expressions and their order are FPX_FILTER_PIXEL's (flow_px.h; the CUDA
 * kernel uses it): each quadrant sums its taps in row-major order, then the
 * blend adds the weighted quadrants left to right.  The results are the same
 * bits as that macro's. */
#define FI_ROWS 8
#define FI_SLOTS 8192 /* per tile: pixels x taps (fs*fs <= 64) */
#define FI_PLANES 4

typedef struct {
    int off[FI_SLOTS];         /* per pixel, its fs*fs clamped window offsets in a plane */
    float tap[FI_SLOTS];       /* and its fs*fs taps */
    float wt[FI_SLOTS / 4][4]; /* per pixel, the blend weights of the quadrants TL TR BL BR */
    int at[FI_SLOTS / 4];      /* per pixel, its offset in a plane; < 0: invalid (copied) */
} fi_tile;

/* The tile rows i0 .. i0+rows-1, columns j0 .. j0+cols-1 of image n's flow f
 * (2 planes) and taps (fs*fs planes). */
static void fi_prepare(const float *f, const float *taps, int fs, int h, int w, int i0, int rows,
                       int j0, int cols, fi_tile *t)
{
    const long hw = (long)h * w;
    const int half = fs / 2, nt = fs * fs;
    for (int r = 0; r < rows; r++) {
        const long p0 = (long)(i0 + r) * w + j0;
        for (int k = 0; k < nt; k++)
            for (int j = 0; j < cols; j++)
                t->tap[(r * cols + j) * nt + k] = taps[k * hw + p0 + j];
        for (int j = 0; j < cols; j++) {
            const int px = r * cols + j, i = i0 + r;
            float fx = f[p0 + j], fy = f[hw + p0 + j];
            float x2 = (float)(j0 + j) + fx, y2 = (float)i + fy;
            t->at[px] = (int)(p0 + j);
            if (!fpx_filter_valid(fx, fy, x2, y2, h, w)) {
                t->at[px] = -1 - t->at[px];
                continue;
            }
            int ix = (int)x2, iy = (int)y2, l = ix + 1 - half, top = iy + 1 - half;
            for (int ty = 0; ty < fs; ty++) {
                int cj = top + ty < 0 ? 0 : top + ty > h - 1 ? h - 1 : top + ty;
                for (int tx = 0; tx < fs; tx++) {
                    int ci = l + tx < 0 ? 0 : l + tx > w - 1 ? w - 1 : l + tx;
                    t->off[px * nt + ty * fs + tx] = cj * w + ci;
                }
            }
            float a = x2 - (float)ix, b = y2 - (float)iy;
            t->wt[px][0] = (1 - a) * (1 - b);
            t->wt[px][1] = a * (1 - b);
            t->wt[px][2] = (1 - a) * b;
            t->wt[px][3] = a * b;
        }
    }
}

/* nc <= FI_PLANES planes img, img + hw, ... over the tile's npx pixels into
 * out, out + hw, ...: quadrant by quadrant, each tap's offset and weight loaded
 * once for all planes. */
static void fi_planes(const float *img, float *out, long hw, int nc, int fs, int npx,
                      const fi_tile *t)
{
    const int half = fs / 2, nt = fs * fs;
    for (int px = 0; px < npx; px++) {
        const long p = t->at[px];
        if (p < 0) {
            for (int c = 0; c < nc; c++)
                out[c * hw - 1 - p] = img[c * hw - 1 - p];
            continue;
        }
        const int *o = t->off + px * nt;
        const float *tp = t->tap + px * nt;
        float acc[FI_PLANES];
        for (int qd = 0; qd < 4; qd++) {
            const int y0 = (qd >> 1) * half, x0 = (qd & 1) * half;
            float q[FI_PLANES];
            for (int c = 0; c < nc; c++)
                q[c] = 0.0f;
            for (int ty = y0; ty < y0 + half; ty++)
                for (int tx = x0; tx < x0 + half; tx++) {
                    const int k = ty * fs + tx;
                    for (int c = 0; c < nc; c++)
                        q[c] += img[c * hw + o[k]] * tp[k];
                }
            for (int c = 0; c < nc; c++)
                acc[c] = qd ? acc[c] + t->wt[px][qd] * q[c] : t->wt[px][qd] * q[c];
        }
        for (int c = 0; c < nc; c++)
            out[c * hw + p] = acc[c];
    }
}

/* fi_planes for DAIN's case, 4 planes and a 4 x 4 window, written out (the
 * compiler does not unroll the general one): the quadrants are the taps
 * {0,1,4,5}, {2,3,6,7}, {8,9,12,13} and {10,11,14,15}. */
static void fi_planes4_fs4(const float *img, float *out, long hw, int npx, const fi_tile *t)
{
    const float *i0 = img, *i1 = img + hw, *i2 = img + 2 * hw, *i3 = img + 3 * hw;
    float *y0 = out, *y1 = out + hw, *y2 = out + 2 * hw, *y3 = out + 3 * hw;
    for (int px = 0; px < npx; px++) {
        const long p = t->at[px];
        if (p < 0) {
            y0[-1 - p] = i0[-1 - p], y1[-1 - p] = i1[-1 - p];
            y2[-1 - p] = i2[-1 - p], y3[-1 - p] = i3[-1 - p];
            continue;
        }
        const int *o = t->off + px * 16;
        const float *tp = t->tap + px * 16, *wt = t->wt[px];
        float q0, q1, q2, q3;
#define FI_TAP(k)                                                                              \
    do {                                                                                       \
        const int at_ = o[k];                                                                  \
        const float t_ = tp[k];                                                                \
        q0 += i0[at_] * t_, q1 += i1[at_] * t_, q2 += i2[at_] * t_, q3 += i3[at_] * t_;        \
    } while (0)
#define FI_QUAD(k0, k1, k2, k3)                                                                \
    do {                                                                                       \
        q0 = q1 = q2 = q3 = 0.0f;                                                              \
        FI_TAP(k0);                                                                            \
        FI_TAP(k1);                                                                            \
        FI_TAP(k2);                                                                            \
        FI_TAP(k3);                                                                            \
    } while (0)
        FI_QUAD(0, 1, 4, 5);
        float a0 = wt[0] * q0, a1 = wt[0] * q1, a2 = wt[0] * q2, a3 = wt[0] * q3;
        FI_QUAD(2, 3, 6, 7);
        a0 += wt[1] * q0, a1 += wt[1] * q1, a2 += wt[1] * q2, a3 += wt[1] * q3;
        FI_QUAD(8, 9, 12, 13);
        a0 += wt[2] * q0, a1 += wt[2] * q1, a2 += wt[2] * q2, a3 += wt[2] * q3;
        FI_QUAD(10, 11, 14, 15);
        a0 += wt[3] * q0, a1 += wt[3] * q1, a2 += wt[3] * q2, a3 += wt[3] * q3;
#undef FI_QUAD
#undef FI_TAP
        y0[p] = a0, y1[p] = a1, y2[p] = a2, y3[p] = a3;
    }
}

void filter_interpolation_nchw_f32(const float *x, const float *flow, const float *filter, int fs,
                                   float *y, int n_img, int c, int h, int w)
{
    const int nt = fs * fs;
    const long hw = (long)h * w;
    /* tiles of FI_ROWS rows by cols columns: fs = 4 gives 64 columns */
    const int cols = FI_SLOTS / FI_ROWS / nt < w ? FI_SLOTS / FI_ROWS / nt : w;
    const int tiles_y = (h + FI_ROWS - 1) / FI_ROWS, tiles_x = (w + cols - 1) / cols;
#pragma omp parallel for collapse(3) schedule(static)
    for (int n = 0; n < n_img; n++)
        for (int ty = 0; ty < tiles_y; ty++)
            for (int tx = 0; tx < tiles_x; tx++) {
                fi_tile t;
                const int i0 = ty * FI_ROWS, rows = h - i0 < FI_ROWS ? h - i0 : FI_ROWS;
                const int j0 = tx * cols, tc = w - j0 < cols ? w - j0 : cols;
                const float *xn = x + (long)n * c * hw;
                float *yn = y + (long)n * c * hw;
                fi_prepare(flow + (long)n * 2 * hw, filter + (long)n * nt * hw, fs, h, w, i0,
                           rows, j0, tc, &t);
                for (int ch = 0; ch < c; ch += FI_PLANES) {
                    const int nc = c - ch < FI_PLANES ? c - ch : FI_PLANES;
                    if (fs == 4 && nc == FI_PLANES)
                        fi_planes4_fs4(xn + ch * hw, yn + ch * hw, hw, rows * tc, &t);
                    else
                        fi_planes(xn + ch * hw, yn + ch * hw, hw, nc, fs, rows * tc, &t);
                }
            }
}

void inv_exp_f32(const float *x, float eps, float *y, size_t count)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < count; i++)
        y[i] = eps + 1.0f / expf(x[i]);
}
