/* resample_cpu.c: the plain-C kernels of the "resample" op family
 * (resample_kernels.h; the op table that calls them is
 * runtime/core/backend_cpu_resample.c), threaded with OpenMP over output rows.  The
 * coordinate rules (resample_coords.h) are PyTorch's, in f32; the CUDA twins
 * in resample_cuda.cu share them. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>

#include "resample_coords.h"
#include "resample_kernels.h"
#include "simd_cpu.h"

/* The vectorised loops, built for AVX-512, AVX2 + FMA and the baseline, chosen at run time.
 * (C11 mode: no FMA contraction, so every clone rounds as the baseline does.) */
void resize_bilinear_f32_ref(const float *x, float *y, size_t planes, int h, int w, int ho, int wo,
                             float scale_h, float scale_w, int align_corners)
{
#pragma omp parallel for collapse(2) schedule(static)
    for (size_t p = 0; p < planes; p++)
        for (int oh = 0; oh < ho; oh++) {
            rs_taps th = rs_linear_taps(scale_h, oh, h, align_corners);
            const float *r0 = x + (p * h + th.i0) * w, *r1 = x + (p * h + th.i1) * w;
            float *yr = y + (p * ho + oh) * wo;
            for (int ow = 0; ow < wo; ow++) {
                rs_taps tw = rs_linear_taps(scale_w, ow, w, align_corners);
                float top = tw.l0 * r0[tw.i0] + tw.l1 * r0[tw.i1];
                float bot = tw.l0 * r1[tw.i0] + tw.l1 * r1[tw.i1];
                yr[ow] = th.l0 * top + th.l1 * bot;
            }
        }
}

/* The fast path: the column taps are computed once per call, and each thread keeps the two
 * source rows it last interpolated horizontally (row r: top[ow] = l0 r[i0] + l1 r[i1]), so an
 * upscale by k interpolates each source row once instead of 2k times; the output row is then
 * l0h top + l1h bot. The same expressions in the same order as resize_bilinear_f32_ref:
 * bit-identical. */
typedef struct {
    int *i0, *i1;
    float *l0, *l1;
} col_taps;

typedef struct {
    long row[2]; /* plane * h + source row held by buf[s], or -1 */
    float *buf[2];
} row_cache;

CPU_CLONES static void lerp_row(const float *r, const col_taps *ct, int wo, float *d)
{
    for (int ow = 0; ow < wo; ow++)
        d[ow] = ct->l0[ow] * r[ct->i0[ow]] + ct->l1[ow] * r[ct->i1[ow]];
}

CPU_CLONES static void blend_rows(const float *top, const float *bot, float l0, float l1, int wo,
                                 float *y)
{
    for (int ow = 0; ow < wo; ow++)
        y[ow] = l0 * top[ow] + l1 * bot[ow];
}

/* The horizontally interpolated source row `row` (plane * h + index), computed into the slot
 * that `keep` does not hold when the cache does not have it. */
static const float *cached_row(row_cache *rc, const float *x, long row, long keep, int w,
                               const col_taps *ct, int wo)
{
    for (int s = 0; s < 2; s++)
        if (rc->row[s] == row)
            return rc->buf[s];
    int s = rc->row[0] == keep ? 1 : 0;
    lerp_row(x + (size_t)row * w, ct, wo, rc->buf[s]);
    rc->row[s] = row;
    return rc->buf[s];
}

/* Output rows [lo, hi) of the flattened (plane, oh) index; 0 when out of memory. */
static int resize_rows(const float *x, float *y, long lo, long hi, int h, int w, int ho, int wo,
                       float scale_h, int align_corners, const col_taps *ct)
{
    row_cache rc = {{-1, -1}, {malloc((size_t)wo * sizeof(float)), malloc((size_t)wo * sizeof(float))}};
    int ok = rc.buf[0] && rc.buf[1];
    for (long q = lo; ok && q < hi; q++) {
        long p = q / ho;
        int oh = (int)(q % ho);
        rs_taps th = rs_linear_taps(scale_h, oh, h, align_corners);
        long r0 = p * h + th.i0, r1 = p * h + th.i1;
        const float *top = cached_row(&rc, x, r0, r1, w, ct, wo);
        const float *bot = cached_row(&rc, x, r1, r0, w, ct, wo);
        blend_rows(top, bot, th.l0, th.l1, wo, y + (size_t)q * wo);
    }
    free(rc.buf[0]);
    free(rc.buf[1]);
    return ok;
}

void resize_bilinear_f32(const float *x, float *y, size_t planes, int h, int w, int ho, int wo,
                         float scale_h, float scale_w, int align_corners)
{
    col_taps ct = {malloc((size_t)wo * sizeof(int)), malloc((size_t)wo * sizeof(int)),
                   malloc((size_t)wo * sizeof(float)), malloc((size_t)wo * sizeof(float))};
    int ok = ct.i0 && ct.i1 && ct.l0 && ct.l1;
    for (int ow = 0; ok && ow < wo; ow++) {
        rs_taps tw = rs_linear_taps(scale_w, ow, w, align_corners);
        ct.i0[ow] = tw.i0, ct.i1[ow] = tw.i1, ct.l0[ow] = tw.l0, ct.l1[ow] = tw.l1;
    }
    long rows = (long)planes * ho;
    int done = 1;
    if (ok) {
#pragma omp parallel if (rows > 1) reduction(&& : done)
        {
            int nt = omp_get_num_threads(), t = omp_get_thread_num();
            long lo = rows * t / nt, hi = rows * (t + 1) / nt;
            done = resize_rows(x, y, lo, hi, h, w, ho, wo, scale_h, align_corners, &ct);
        }
    }
    ok = ok && done;
    free(ct.i0), free(ct.i1), free(ct.l0), free(ct.l1);
    if (!ok) /* out of memory for the tables: the plain kernel */
        resize_bilinear_f32_ref(x, y, planes, h, w, ho, wo, scale_h, scale_w, align_corners);
}

void resize_nearest_f32(const float *x, float *y, size_t planes, int h, int w, int ho, int wo,
                        float scale_h, float scale_w)
{
#pragma omp parallel for collapse(2) schedule(static)
    for (size_t p = 0; p < planes; p++)
        for (int oh = 0; oh < ho; oh++) {
            const float *xr = x + (p * h + rs_nearest_index(scale_h, oh, h, ho)) * w;
            float *yr = y + (p * ho + oh) * wo;
            for (int ow = 0; ow < wo; ow++)
                yr[ow] = xr[rs_nearest_index(scale_w, ow, w, wo)];
        }
}

/* floorf for the coordinates rs_warp_coord returns (finite, within [-2, size+1]):
 * exact, and without the libm call that floorf is on baseline x86-64. */
static inline int floor_coord(float c)
{
    int t = (int)c;
    return t - ((float)t > c);
}

/* One output pixel's four corners when some fall outside the image: those read zero. */
static void warp_pixel_edge(const float *xb, float *yb, int c, int h, int w, size_t hw, int x0,
                            int y0, float wx0, float wx1, float wy0, float wy1)
{
    int x1 = x0 + 1, y1 = y0 + 1;
    int in_x0 = x0 >= 0 && x0 < w, in_x1 = x1 >= 0 && x1 < w;
    int in_y0 = y0 >= 0 && y0 < h, in_y1 = y1 >= 0 && y1 < h;
    for (int k = 0; k < c; k++) {
        const float *xp = xb + (size_t)k * hw;
        float v = 0.0f;
        if (in_y0 && in_x0) v += xp[(size_t)y0 * w + x0] * (wx0 * wy0);
        if (in_y0 && in_x1) v += xp[(size_t)y0 * w + x1] * (wx1 * wy0);
        if (in_y1 && in_x0) v += xp[(size_t)y1 * w + x0] * (wx0 * wy1);
        if (in_y1 && in_x1) v += xp[(size_t)y1 * w + x1] * (wx1 * wy1);
        yb[(size_t)k * hw] = v;
    }
}

/* Pixels [j0, j1) of row i: the plain kernel's loop (a branch for pixels at the image's edge). */
static void warp_row_plain(const float *xb, const float *fx, const float *fy, float *yr, int i,
                           int j0, int j1, int c, int h, int w, int align_corners, int border)
{
    size_t hw = (size_t)h * w;
    for (int j = j0; j < j1; j++) {
        float ix = rs_warp_coord(j, fx[j], w, align_corners, border);
        float iy = rs_warp_coord(i, fy[j], h, align_corners, border);
        int x0 = floor_coord(ix), y0 = floor_coord(iy);
        float fx0 = (float)x0, fy0 = (float)y0;
        float wx1 = ix - fx0, wx0 = (fx0 + 1.0f) - ix;
        float wy1 = iy - fy0, wy0 = (fy0 + 1.0f) - iy;
        if (x0 < 0 || x0 + 1 >= w || y0 < 0 || y0 + 1 >= h) {
            warp_pixel_edge(xb, yr + j, c, h, w, hw, x0, y0, wx0, wx1, wy0, wy1);
            continue;
        }
        float w00 = wx0 * wy0, w01 = wx1 * wy0, w10 = wx0 * wy1, w11 = wx1 * wy1;
        const float *p = xb + (size_t)y0 * w + x0;
        for (int k = 0; k < c; k++, p += hw) {
            float v = 0.0f;
            v += p[0] * w00;
            v += p[1] * w01;
            v += p[w] * w10;
            v += p[w + 1] * w11;
            yr[(size_t)k * hw + j] = v;
        }
    }
}

/* grid_sample's bilinear: the four corners around (ix, iy), each weighted by the
 * area opposite, corners outside the image contributing zero.  The sums run in
 * the same order on both paths (and as the CUDA twin's). */
void warp_bilinear_f32_ref(const float *x, const float *flow, float *y, int n, int c, int h, int w,
                           int align_corners, int border)
{
    size_t hw = (size_t)h * w;
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < n; b++)
        for (int i = 0; i < h; i++) {
            const float *fx = flow + (size_t)b * 2 * hw + (size_t)i * w;
            warp_row_plain(x + (size_t)b * c * hw, fx, fx + hw,
                           y + (size_t)b * c * hw + (size_t)i * w, i, 0, w, c, h, w,
                           align_corners, border);
        }
}

/* ---- the fast warp (x86-64 with AVX2) ----------------------------------------------------
 * The per-pixel work of the plain kernel (coordinates, floor, weights, the edge branch) costs
 * more than the channels' reads for RIFE's 3 and 4 channel warps, and the branch mispredicts
 * where flows leave the image. Here 8 pixels' coordinates are computed at once (AVX2, the same
 * operations in the same order, each rounded once: C11 forms no FMA), with a corner outside the
 * image given weight 0 and an offset clamped into the image, so every pixel then reads its four
 * corners in every channel without a branch (scalar loads: gathers are slow on many x86 CPUs).
 * A corner the plain kernel skips adds a term +-0 here, which leaves the sum unchanged (it starts
 * at +0 and is never -0): bit-identical for finite x (test_ops_math_resample checks it). */
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define WARP_AVX2 __attribute__((target("avx2,fma")))
#define WARP_TILE 64 /* pixels whose taps are computed before their channels are read */

typedef struct {
    int o[WARP_TILE][4];   /* corner offsets in the plane: (y0,x0), (y0,x1), (y1,x0), (y1,x1) */
    float g[WARP_TILE][4]; /* their weights, 0 outside the image */
} warp_taps;

/* rs_warp_coord on 8 pixels (ordered compares: a NaN ends at -2, as there). */
WARP_AVX2 static inline __m256 warp_coord8(__m256 p, __m256 f, int size, int align_corners,
                                           int border)
{
    __m256 c = _mm256_add_ps(p, f);
    if (!align_corners) {
        __m256 g = _mm256_add_ps(_mm256_mul_ps(c, _mm256_set1_ps(2.0f / (float)(size - 1))),
                                 _mm256_set1_ps(-1.0f));
        c = _mm256_add_ps(_mm256_mul_ps(_mm256_add_ps(g, _mm256_set1_ps(1.0f)),
                                        _mm256_set1_ps((float)size)),
                          _mm256_set1_ps(-1.0f));
        c = _mm256_mul_ps(c, _mm256_set1_ps(0.5f));
    }
    if (border) {
        __m256 zero = _mm256_setzero_ps(), hi = _mm256_set1_ps((float)(size - 1));
        c = _mm256_blendv_ps(c, zero, _mm256_cmp_ps(c, zero, _CMP_LT_OQ));
        c = _mm256_blendv_ps(c, hi, _mm256_cmp_ps(c, hi, _CMP_GT_OQ));
    }
    __m256 lo = _mm256_set1_ps(-2.0f), top = _mm256_set1_ps((float)size + 1.0f);
    c = _mm256_blendv_ps(lo, c, _mm256_cmp_ps(c, lo, _CMP_GE_OQ));
    return _mm256_blendv_ps(c, top, _mm256_cmp_ps(c, top, _CMP_GT_OQ));
}

/* floor_coord: truncate, minus one where that rounded up (the compare mask is -1). */
WARP_AVX2 static inline __m256i floor8(__m256 c)
{
    __m256i t = _mm256_cvttps_epi32(c);
    return _mm256_add_epi32(t, _mm256_castps_si256(_mm256_cmp_ps(_mm256_cvtepi32_ps(t), c,
                                                                 _CMP_GT_OQ)));
}

/* 0 <= v < n as a lane mask; v clamped into [0, n-1]. */
WARP_AVX2 static inline __m256i inside8(__m256i v, int n)
{
    return _mm256_and_si256(_mm256_cmpgt_epi32(v, _mm256_set1_epi32(-1)),
                            _mm256_cmpgt_epi32(_mm256_set1_epi32(n), v));
}

WARP_AVX2 static inline __m256i clamp8(__m256i v, int n)
{
    return _mm256_max_epi32(_mm256_min_epi32(v, _mm256_set1_epi32(n - 1)), _mm256_setzero_si256());
}

WARP_AVX2 static inline __m256 masked(__m256 a, __m256 b, __m256i m1, __m256i m2)
{
    return _mm256_and_ps(_mm256_mul_ps(a, b), _mm256_castsi256_ps(_mm256_and_si256(m1, m2)));
}

/* Taps of pixels j .. j+7 of row i into t->o[q .. q+7], t->g[q .. q+7]. */
WARP_AVX2 static void taps8(const float *fx, const float *fy, int i, int j, int h, int w,
                            int align_corners, int border, warp_taps *t, int q)
{
    __m256 one = _mm256_set1_ps(1.0f);
    __m256i one_i = _mm256_set1_epi32(1), vw = _mm256_set1_epi32(w);
    __m256 px = _mm256_add_ps(_mm256_set1_ps((float)j), _mm256_setr_ps(0, 1, 2, 3, 4, 5, 6, 7));
    __m256 ix = warp_coord8(px, _mm256_loadu_ps(fx + j), w, align_corners, border);
    __m256 iy = warp_coord8(_mm256_set1_ps((float)i), _mm256_loadu_ps(fy + j), h, align_corners,
                            border);
    __m256i x0 = floor8(ix), y0 = floor8(iy);
    __m256i x1 = _mm256_add_epi32(x0, one_i), y1 = _mm256_add_epi32(y0, one_i);
    __m256 fx0 = _mm256_cvtepi32_ps(x0), fy0 = _mm256_cvtepi32_ps(y0);
    __m256 wx1 = _mm256_sub_ps(ix, fx0), wx0 = _mm256_sub_ps(_mm256_add_ps(fx0, one), ix);
    __m256 wy1 = _mm256_sub_ps(iy, fy0), wy0 = _mm256_sub_ps(_mm256_add_ps(fy0, one), iy);
    __m256i in_x0 = inside8(x0, w), in_x1 = inside8(x1, w);
    __m256i in_y0 = inside8(y0, h), in_y1 = inside8(y1, h);
    __m256i xa = clamp8(x0, w), xb = clamp8(x1, w);
    __m256i ya = _mm256_mullo_epi32(clamp8(y0, h), vw), yb = _mm256_mullo_epi32(clamp8(y1, h), vw);
    int o[4][8];
    float g[4][8];
    _mm256_storeu_si256((__m256i *)o[0], _mm256_add_epi32(ya, xa));
    _mm256_storeu_si256((__m256i *)o[1], _mm256_add_epi32(ya, xb));
    _mm256_storeu_si256((__m256i *)o[2], _mm256_add_epi32(yb, xa));
    _mm256_storeu_si256((__m256i *)o[3], _mm256_add_epi32(yb, xb));
    _mm256_storeu_ps(g[0], masked(wx0, wy0, in_y0, in_x0));
    _mm256_storeu_ps(g[1], masked(wx1, wy0, in_y0, in_x1));
    _mm256_storeu_ps(g[2], masked(wx0, wy1, in_y1, in_x0));
    _mm256_storeu_ps(g[3], masked(wx1, wy1, in_y1, in_x1));
    for (int p = 0; p < 8; p++)
        for (int k = 0; k < 4; k++)
            t->o[q + p][k] = o[k][p], t->g[q + p][k] = g[k][p];
}

/* Pixels [0, w8) of row i, w8 a multiple of 8. */
WARP_AVX2 static void warp_row_avx2(const float *xb, const float *fx, const float *fy, float *yr,
                                    int i, int w8, int c, int h, int w, int align_corners,
                                    int border)
{
    size_t hw = (size_t)h * w;
    warp_taps t;
    for (int j0 = 0; j0 < w8; j0 += WARP_TILE) {
        int m = w8 - j0 < WARP_TILE ? w8 - j0 : WARP_TILE;
        for (int q = 0; q < m; q += 8)
            taps8(fx, fy, i, j0 + q, h, w, align_corners, border, &t, q);
        for (int q = 0; q < m; q++) {
            const int *o = t.o[q];
            const float *g = t.g[q], *p = xb;
            float *d = yr + j0 + q;
            for (int k = 0; k < c; k++, p += hw, d += hw) {
                float v = 0.0f;
                v += p[o[0]] * g[0];
                v += p[o[1]] * g[1];
                v += p[o[2]] * g[2];
                v += p[o[3]] * g[3];
                *d = v;
            }
        }
    }
}

static int have_avx2(void)
{
    static int known = -1;
    if (known < 0)
        known = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return known;
}
#endif

void warp_bilinear_f32(const float *x, const float *flow, float *y, int n, int c, int h, int w,
                       int align_corners, int border)
{
    size_t hw = (size_t)h * w;
    int w8 = 0;
#if defined(__x86_64__) && defined(__GNUC__)
    if (have_avx2() && (size_t)h * w < ((size_t)1 << 31)) /* offsets are int32 */
        w8 = w / 8 * 8;
#endif
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < n; b++)
        for (int i = 0; i < h; i++) {
            const float *fx = flow + (size_t)b * 2 * hw + (size_t)i * w, *fy = fx + hw;
            const float *xb = x + (size_t)b * c * hw;
            float *yr = y + (size_t)b * c * hw + (size_t)i * w;
#if defined(__x86_64__) && defined(__GNUC__)
            if (w8)
                warp_row_avx2(xb, fx, fy, yr, i, w8, c, h, w, align_corners, border);
#endif
            warp_row_plain(xb, fx, fy, yr, i, w8, w, c, h, w, align_corners, border);
        }
}
