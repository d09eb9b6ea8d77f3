/* conv2d_winograd_cpu.c: 3x3 stride-1 convolutions by Winograd F(4x4,3x3) on the CPU
 * (Lavin & Gray 2016, interpolation points 0, +-1, +-2, inf).
 *
 * A 4x4 output tile Y of one (image, output channel) is A^T [ sum_ci (G g G^T) . (B^T d B) ] A,
 * with g the 3x3 kernel of (co, ci) and d the 6x6 input tile of channel ci whose top-left is
 * (4ty - ph, 4tx - pw). With U[p][co][ci] = (G g G^T)[p] and V[p][ci][t] = (B^T d_t B)[p] for
 * the 36 transform positions p, the sum over ci is 36 GEMMs M[p] = U[p] [Co x Ci] . V[p] [Ci x T]:
 * 36 multiply-adds per (co, ci) and 4x4 tile instead of 144 (4x less GEMM work).
 *
 * conv2d_winograd_f32: tiles in blocks of up to `tb` (a multiple of WG), blocks spread across
 * OpenMP threads (one parallel region per convolution, no other barrier); in each block the input
 * transform (vectorised over WG tiles at a time), 36 single-threaded OpenBLAS sgemm calls (OpenBLAS'
 * OpenMP build runs one thread inside a parallel region), and the output transform with the
 * epilogue (bias, activation, residual) fused, writing y once. U is transformed once per weight
 * (conv2d_winograd_weights; the CPU backend caches it against the weight tensor).
 *
 * Accuracy: conv2d_winograd_weights computes U in double and rounds once. The transforms' entries
 * are small integers and 1/4, 1/6, 1/12, 1/24, so the computed result obeys the bound derived in
 * docs/perf.md ("Winograd error"), which tests/op_matrix_winograd.c checks elementwise. */
#include <cblas.h>
#include <omp.h>
#include <string.h>

#include "kernels.h"

#define WT 4  /* output tile side */
#define WN 6  /* input tile side: WT + 3 - 1 */
#define WP 36 /* transform positions */
#define WG 8  /* tiles transformed together (one AVX2 vector of floats) */

/* Tiles per block: each thread holds V [36][Ci][tb] and M [36][Co][tb], at most
 * WINO_THREAD_BYTES (tb >= WG), and tb <= WINO_TB_MAX. Measured on realesr-animevideov3 at
 * 320x240 (AMD EPYC, AVX2; CPU time, 1 thread, a loaded machine): tb = 256 about 10-15% faster
 * than 32-128 (wider GEMMs, though V and M then live in L3). */
#define WINO_TB_MAX 256
#define WINO_THREAD_BYTES ((size_t)6 << 20)

/* Below these channel counts the 36 GEMMs are thin (K = Ci, M = Co); not tuned further: the only
 * such layer of the SR networks, the first (3 -> 64), is 0.3% of their work. */
#define WINO_MIN_CI 8
#define WINO_MIN_CO 4

static const double G_[WN][3] = {
    {1.0 / 4, 0, 0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6},
    {1.0 / 24, -1.0 / 12, 1.0 / 6},
    {0, 0, 1},
};

int conv2d_winograd_applies(const or_conv_shape *s)
{
    return s->kh == 3 && s->kw == 3 && s->sh == 1 && s->sw == 1 && s->dh == 1 && s->dw == 1 &&
           s->ci >= WINO_MIN_CI && s->co >= WINO_MIN_CO &&
           s->ho > 0 && s->wo > 0;
}

size_t conv2d_winograd_weight_floats(int co, int ci) { return (size_t)WP * co * ci; }

/* U[p][o][i] = (G g G^T)[p / 6][p % 6] for g = w[o][i], in double, rounded once. */
void conv2d_winograd_weights(const float *w, int co, int ci, float *u)
{
#pragma omp parallel for schedule(static)
    for (int o = 0; o < co; o++)
        for (int i = 0; i < ci; i++) {
            const float *g = w + ((size_t)o * ci + i) * 9;
            double tmp[WN][3];
            for (int r = 0; r < WN; r++)
                for (int c = 0; c < 3; c++)
                    tmp[r][c] = G_[r][0] * g[c] + G_[r][1] * g[3 + c] + G_[r][2] * g[6 + c];
            for (int r = 0; r < WN; r++)
                for (int c = 0; c < WN; c++) {
                    double v = tmp[r][0] * G_[c][0] + tmp[r][1] * G_[c][1] + tmp[r][2] * G_[c][2];
                    u[((size_t)(r * WN + c) * co + o) * ci + i] = (float)v;
                }
        }
}

typedef struct {
    int th, tw;    /* tiles per image along y and x */
    size_t tiles;  /* n * th * tw */
    int tb;        /* tiles per block */
    int threads;
} wino_plan;

static wino_plan plan_for(const or_conv_shape *s, int threads)
{
    wino_plan pl;
    pl.th = (s->ho + WT - 1) / WT;
    pl.tw = (s->wo + WT - 1) / WT;
    pl.tiles = (size_t)s->n * pl.th * pl.tw;
    pl.threads = threads < 1 ? 1 : threads;
    /* enough blocks for every thread, else the most tiles that fit (a multiple of WG) */
    size_t per = (pl.tiles + pl.threads - 1) / pl.threads;
    per = (per + WG - 1) / WG * WG;
    size_t fit = WINO_THREAD_BYTES / ((size_t)WP * (s->ci + s->co) * sizeof(float)) / WG * WG;
    size_t tbmax = fit < WG ? WG : fit > WINO_TB_MAX ? WINO_TB_MAX : fit;
    pl.tb = (int)(per < tbmax ? per : tbmax);
    return pl;
}

/* Floats from one transform position's V (M) matrix to the next: Ci*tb (Co*tb) plus WINO_SKEW.
 * Without the skew the 36 positions of a tile sit a multiple of 4 KiB apart whenever Ci*tb is
 * (64 x 256 floats = 64 KiB), so the transforms' 36 loads or stores fall into one L1 set. */
#define WINO_SKEW 16
static size_t pos_stride(int ch, const wino_plan *pl) { return (size_t)ch * pl->tb + WINO_SKEW; }

static size_t thread_floats(const or_conv_shape *s, const wino_plan *pl)
{
    return (size_t)WP * (pos_stride(s->ci, pl) + pos_stride(s->co, pl));
}

size_t conv2d_winograd_scratch_bytes(const or_conv_shape *s, int threads)
{
    wino_plan pl = plan_for(s, threads);
    return (size_t)pl.threads * thread_floats(s, &pl) * sizeof(float);
}

/* ---- vectors of WG = 8 tiles (GCC/clang vector extensions: AVX-512/AVX2 clones, SSE otherwise) ---- */

#define WINO_INLINE static inline __attribute__((always_inline))

typedef float v8 __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));

/* Unaligned loads and stores as expressions: no v8 passes through a call, which clang refuses in
 * the clone built without AVX. v8_set1 takes a plain variable (evaluated 8 times). */
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));
#define v8_load(p) (*(const v8u *)(p))
#define v8_store(p, a) (*(v8u *)(p) = (a))
#define v8_set1(f) ((v8){f, f, f, f, f, f, f, f})

/* c[k][t] = row[4t + k], k < 6, t < 8: the six columns of 8 horizontally adjacent input tiles,
 * from 34 contiguous floats. */
WINO_INLINE void deinterleave_row(const float *row, v8 c[WN])
{
    v8 a0 = v8_load(row), a1 = v8_load(row + 8), a2 = v8_load(row + 16), a3 = v8_load(row + 24);
    v8 p01 = __builtin_shufflevector(a0, a1, 0, 4, 8, 12, 1, 5, 9, 13);
    v8 q01 = __builtin_shufflevector(a0, a1, 2, 6, 10, 14, 3, 7, 11, 15);
    v8 p23 = __builtin_shufflevector(a2, a3, 0, 4, 8, 12, 1, 5, 9, 13);
    v8 q23 = __builtin_shufflevector(a2, a3, 2, 6, 10, 14, 3, 7, 11, 15);
    c[0] = __builtin_shufflevector(p01, p23, 0, 1, 2, 3, 8, 9, 10, 11);
    c[1] = __builtin_shufflevector(p01, p23, 4, 5, 6, 7, 12, 13, 14, 15);
    c[2] = __builtin_shufflevector(q01, q23, 0, 1, 2, 3, 8, 9, 10, 11);
    c[3] = __builtin_shufflevector(q01, q23, 4, 5, 6, 7, 12, 13, 14, 15);
    v8 tail = v8_load(row + 26); /* row[32], row[33] in lanes 6, 7 (no read past row[33]) */
    c[4] = __builtin_shufflevector(c[0], tail, 1, 2, 3, 4, 5, 6, 7, 14);
    c[5] = __builtin_shufflevector(c[1], tail, 1, 2, 3, 4, 5, 6, 7, 15);
}

/* out[4t + b] = o[b][t], b < 4, t < 8 (inverse of the above, for a row of output tiles). */
WINO_INLINE void interleave_row(const v8 o[WT], v8 w[4])
{
    v8 lo01 = __builtin_shufflevector(o[0], o[1], 0, 8, 1, 9, 2, 10, 3, 11);
    v8 hi01 = __builtin_shufflevector(o[0], o[1], 4, 12, 5, 13, 6, 14, 7, 15);
    v8 lo23 = __builtin_shufflevector(o[2], o[3], 0, 8, 1, 9, 2, 10, 3, 11);
    v8 hi23 = __builtin_shufflevector(o[2], o[3], 4, 12, 5, 13, 6, 14, 7, 15);
    w[0] = __builtin_shufflevector(lo01, lo23, 0, 1, 8, 9, 2, 3, 10, 11);
    w[1] = __builtin_shufflevector(lo01, lo23, 4, 5, 12, 13, 6, 7, 14, 15);
    w[2] = __builtin_shufflevector(hi01, hi23, 0, 1, 8, 9, 2, 3, 10, 11);
    w[3] = __builtin_shufflevector(hi01, hi23, 4, 5, 12, 13, 6, 7, 14, 15);
}

/* o[k] = (B^T d)[k] for d[j] = d0..d5 */
#define BT6(d0, d1, d2, d3, d4, d5, o)                                                           \
    do {                                                                                          \
        o[0] = 4.0f * d0 - 5.0f * d2 + d4;                                                        \
        o[1] = -4.0f * (d1 + d2) + d3 + d4;                                                       \
        o[2] = 4.0f * (d1 - d2) - d3 + d4;                                                        \
        o[3] = 2.0f * (d3 - d1) - d2 + d4;                                                        \
        o[4] = 2.0f * (d1 - d3) - d2 + d4;                                                        \
        o[5] = 4.0f * d1 - 5.0f * d3 + d5;                                                        \
    } while (0)

/* o[k] = (A^T m)[k], k < 4 */
#define AT6(m0, m1, m2, m3, m4, m5, o)                                                           \
    do {                                                                                          \
        v8 a_ = m1 + m2, b_ = m1 - m2, c_ = m3 + m4, e_ = m3 - m4;                                \
        o[0] = m0 + a_ + c_;                                                                      \
        o[1] = b_ + 2.0f * e_;                                                                    \
        o[2] = a_ + 4.0f * c_;                                                                    \
        o[3] = b_ + 8.0f * e_ + m5;                                                               \
    } while (0)

/* V[k*6 + l] (at v + (k*6 + l) * pstride) = (B^T d B)[k][l] for 8 tiles; d[r][c]. */
WINO_INLINE void input_transform(v8 d[WN][WN], float *v, size_t pstride)
{
    v8 tmp[WN][WN], o[WN];
    for (int c = 0; c < WN; c++) {
        BT6(d[0][c], d[1][c], d[2][c], d[3][c], d[4][c], d[5][c], o);
        for (int k = 0; k < WN; k++)
            tmp[k][c] = o[k];
    }
    for (int k = 0; k < WN; k++) {
        BT6(tmp[k][0], tmp[k][1], tmp[k][2], tmp[k][3], tmp[k][4], tmp[k][5], o);
        for (int l = 0; l < WN; l++)
            v8_store(v + (size_t)(k * WN + l) * pstride, o[l]);
    }
}

/* 8 horizontally adjacent tiles, all inside the image: rows read directly. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void input_row_of_tiles(const float *x0, int w, float *v, size_t pstride)
{
    v8 d[WN][WN];
    for (int r = 0; r < WN; r++)
        deinterleave_row(x0 + (size_t)r * w, d[r]);
    input_transform(d, v, pstride);
}

/* 8 horizontally adjacent tiles of one tile row that touch the image border: their 6 x 34 input
 * window copied with zeros outside the image, then as above. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void input_row_of_tiles_padded(const float *xc, const or_conv_shape *s, int iy0, int ix0,
                                      float *v, size_t pstride)
{
    enum { SPAN = 7 * WT + WN };
    float win[WN][SPAN];
    int lo = ix0 < 0 ? -ix0 : 0, hi = s->w - ix0 < SPAN ? s->w - ix0 : SPAN;
    for (int r = 0; r < WN; r++) {
        int yy = iy0 + r;
        memset(win[r], 0, sizeof win[r]);
        if (yy >= 0 && yy < s->h && hi > lo)
            memcpy(win[r] + lo, xc + (size_t)yy * s->w + ix0 + lo, (size_t)(hi - lo) * sizeof(float));
    }
    v8 d[WN][WN];
    for (int r = 0; r < WN; r++)
        deinterleave_row(win[r], d[r]);
    input_transform(d, v, pstride);
}

/* Any 8 tiles: d[r][c][t] already gathered (zeros outside the image). */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void input_gathered(float g[WN][WN][WG], float *v, size_t pstride)
{
    v8 d[WN][WN];
    for (int r = 0; r < WN; r++)
        for (int c = 0; c < WN; c++)
            d[r][c] = v8_load(g[r][c]);
    input_transform(d, v, pstride);
}

/* d[r][c][t] of tile t (zero outside the image); tiles past nt are zeros. */
static void gather_tiles(const float *xc, const or_conv_shape *s, const int *iy, const int *ix,
                         int nt, float d[WN][WN][WG])
{
    for (int t = 0; t < WG; t++)
        for (int r = 0; r < WN; r++) {
            int yy = t < nt ? iy[t] + r : -1;
            for (int c = 0; c < WN; c++) {
                int xx = t < nt ? ix[t] + c : -1;
                d[r][c][t] = (yy >= 0 && yy < s->h && xx >= 0 && xx < s->w)
                                 ? xc[(size_t)yy * s->w + xx] : 0.0f;
            }
        }
}

/* ---- output transform + epilogue ----------------------------------------------------------- */

typedef struct {
    float bias, slope, res_scale;
    int act, res;
} tile_epilogue;

/* o[a][b] (8 tiles each) = epilogue((A^T M A)[a][b]) without the residual; M[p] at m + p*pstride. */
WINO_INLINE void output_transform(const float *m, size_t pstride, const tile_epilogue *e,
                                    v8 o[WT][WT])
{
    v8 tmp[WT][WN], r[WT];
    for (int c = 0; c < WN; c++) {
        const float *mc = m + (size_t)c * pstride;
        size_t rs = (size_t)WN * pstride;
        AT6(v8_load(mc), v8_load(mc + rs), v8_load(mc + 2 * rs), v8_load(mc + 3 * rs),
            v8_load(mc + 4 * rs), v8_load(mc + 5 * rs), r);
        for (int a = 0; a < WT; a++)
            tmp[a][c] = r[a];
    }
    v8 bias = v8_set1(e->bias), zero = v8_set1(0.0f);
    for (int a = 0; a < WT; a++) {
        AT6(tmp[a][0], tmp[a][1], tmp[a][2], tmp[a][3], tmp[a][4], tmp[a][5], r);
        for (int b = 0; b < WT; b++) {
            v8 f = r[b] + bias;
            if (e->act == OR_KERNEL_ACT_RELU) {
                f = (v8)((v8i)f & (f > zero));
            } else if (e->act == OR_KERNEL_ACT_LEAKY || e->act == OR_KERNEL_ACT_PRELU) {
                v8i pos = f >= zero;
                f = (v8)(((v8i)f & pos) | ((v8i)(f * e->slope) & ~pos));
            } else if (e->act != OR_KERNEL_ACT_NONE) {
                float tmpf[WG];
                v8_store(tmpf, f);
                for (int t = 0; t < WG; t++)
                    tmpf[t] = act_apply_f32(tmpf[t], e->act, e->slope, e->slope);
                f = v8_load(tmpf);
            }
            if (e->res)
                f *= e->res_scale;
            o[a][b] = f;
        }
    }
}

/* 8 horizontally adjacent tiles, all 4x4 inside the output: y0 their first output pixel. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void output_row_of_tiles(const float *m, size_t pstride, const tile_epilogue *e, float *y0,
                                const float *r0, int wo)
{
    v8 o[WT][WT], w[4];
    output_transform(m, pstride, e, o);
    for (int a = 0; a < WT; a++) {
        interleave_row(o[a], w);
        float *yr = y0 + (size_t)a * wo;
        const float *rr = r0 ? r0 + (size_t)a * wo : NULL;
        for (int k = 0; k < 4; k++)
            v8_store(yr + 8 * k, rr ? w[k] + v8_load(rr + 8 * k) : w[k]);
    }
}

/* Any 8 tiles: out[a][b][t] for the caller to store. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void output_spilled(const float *m, size_t pstride, const tile_epilogue *e,
                           float out[WT][WT][WG])
{
    v8 o[WT][WT];
    output_transform(m, pstride, e, o);
    for (int a = 0; a < WT; a++)
        for (int b = 0; b < WT; b++)
            v8_store(out[a][b], o[a][b]);
}

/* ---- one block of tiles --------------------------------------------------------------------- */

static void wino_block(const float *x, const float *u, float *y, const or_conv_shape *s,
                       const or_epilogue_f32 *ep, const wino_plan *pl, size_t t0, int nt,
                       float *v, float *m)
{
    int ngrp = (nt + WG - 1) / WG, ncol = ngrp * WG, tb = pl->tb;
    int iy[WINO_TB_MAX], ix[WINO_TB_MAX], img[WINO_TB_MAX]; /* tile origins in the input */
    for (int j = 0; j < nt; j++) {
        size_t t = t0 + j, per = (size_t)pl->th * pl->tw;
        int r = (int)(t % per);
        img[j] = (int)(t / per);
        iy[j] = r / pl->tw * WT - s->ph;
        ix[j] = r % pl->tw * WT - s->pw;
    }
    /* per group of WG tiles: in_row (input fast path), out_row (output fast path): the tiles
     * are consecutive in one tile row of one image, inside the input / output */
    unsigned char in_row[WINO_TB_MAX / WG], out_row[WINO_TB_MAX / WG];
    for (int g = 0; g < ngrp; g++) {
        int j0 = g * WG, j7 = j0 + WG - 1;
        int row = j7 < nt && img[j0] == img[j7] && iy[j0] == iy[j7] && ix[j7] == ix[j0] + 7 * WT;
        /* 2: inside the input, 1: touching its border (a padded copy of the window) */
        in_row[g] = !row ? 0
                    : iy[j0] >= 0 && iy[j0] + WN <= s->h && ix[j0] >= 0 && ix[j7] + WN <= s->w ? 2
                    : 1;
        out_row[g] = row && iy[j0] + s->ph + WT <= s->ho && ix[j7] + s->pw + WT <= s->wo;
    }
    /* input transform, per channel and group */
    size_t pstride_v = pos_stride(s->ci, pl);
    for (int i = 0; i < s->ci; i++)
        for (int g = 0; g < ngrp; g++) {
            int j0 = g * WG, cnt = nt - j0 < WG ? nt - j0 : WG;
            float *vg = v + (size_t)i * tb + j0;
            const float *xc = x + ((size_t)img[j0] * s->ci + i) * s->h * s->w;
            if (in_row[g] == 2) {
                input_row_of_tiles(xc + (size_t)iy[j0] * s->w + ix[j0], s->w, vg, pstride_v);
                continue;
            }
            if (in_row[g] == 1) {
                input_row_of_tiles_padded(xc, s, iy[j0], ix[j0], vg, pstride_v);
                continue;
            }
            float d[WN][WN][WG];
            if (img[j0] == img[j0 + cnt - 1]) {
                gather_tiles(xc, s, iy + j0, ix + j0, cnt, d);
            } else { /* the group straddles two images: one tile at a time */
                for (int k = 0; k < WG; k++) {
                    float one[WN][WN][WG];
                    int jk = k < cnt ? j0 + k : j0;
                    const float *xk = x + ((size_t)img[jk] * s->ci + i) * s->h * s->w;
                    gather_tiles(xk, s, iy + jk, ix + jk, k < cnt, one);
                    for (int r = 0; r < WN; r++)
                        for (int c = 0; c < WN; c++)
                            d[r][c][k] = one[r][c][0];
                }
            }
            input_gathered(d, vg, pstride_v);
        }
    /* 36 GEMMs: M[p] [Co x ncol] = U[p] [Co x Ci] . V[p] [Ci x ncol] */
    for (int p = 0; p < WP; p++)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, s->co, ncol, s->ci, 1.0f,
                    u + (size_t)p * s->co * s->ci, s->ci, v + (size_t)p * pstride_v, tb, 0.0f,
                    m + (size_t)p * pos_stride(s->co, pl), tb);
    /* output transform + epilogue, stored inside the image */
    size_t pstride_m = pos_stride(s->co, pl), hw = (size_t)s->ho * s->wo;
    for (int o = 0; o < s->co; o++) {
        tile_epilogue e = {0.0f, 0.0f, 1.0f, OR_KERNEL_ACT_NONE, 0};
        if (ep) {
            e.bias = ep->bias ? ep->bias[o] : 0.0f;
            e.act = ep->act;
            e.slope = ep->act == OR_KERNEL_ACT_PRELU ? ep->prelu[o] : ep->alpha;
            e.res = ep->residual != NULL;
            e.res_scale = e.res ? ep->res_scale : 1.0f;
        }
        for (int g = 0; g < ngrp; g++) {
            int j0 = g * WG, cnt = nt - j0 < WG ? nt - j0 : WG;
            const float *mg = m + (size_t)o * tb + j0;
            if (out_row[g]) {
                size_t off = ((size_t)img[j0] * s->co + o) * hw +
                             (size_t)(iy[j0] + s->ph) * s->wo + ix[j0] + s->pw;
                output_row_of_tiles(mg, pstride_m, &e, y + off, e.res ? ep->residual + off : NULL,
                                    s->wo);
                continue;
            }
            float out[WT][WT][WG];
            output_spilled(mg, pstride_m, &e, out);
            for (int k = 0; k < cnt; k++) {
                int oy0 = iy[j0 + k] + s->ph, ox0 = ix[j0 + k] + s->pw;
                size_t base = ((size_t)img[j0 + k] * s->co + o) * hw;
                int ny = s->ho - oy0 < WT ? s->ho - oy0 : WT;
                int nx = s->wo - ox0 < WT ? s->wo - ox0 : WT;
                for (int a = 0; a < ny; a++) {
                    size_t off = base + (size_t)(oy0 + a) * s->wo + ox0;
                    float *yr = y + off;
                    const float *rr = e.res ? ep->residual + off : NULL;
                    for (int b = 0; b < nx; b++)
                        yr[b] = rr ? out[a][b][k] + rr[b] : out[a][b][k];
                }
            }
        }
    }
}

void conv2d_winograd_f32(const float *x, const float *u, float *y, const or_conv_shape *s,
                         const or_epilogue_f32 *ep, int threads, float *scratch)
{
    wino_plan pl = plan_for(s, threads);
    size_t per_thread = thread_floats(s, &pl);
    size_t blocks = (pl.tiles + pl.tb - 1) / pl.tb;
    int nth = blocks < (size_t)pl.threads ? (int)blocks : pl.threads;
#pragma omp parallel num_threads(nth)
    {
        float *v = scratch + (size_t)omp_get_thread_num() * per_thread;
        float *m = v + (size_t)WP * pos_stride(s->ci, &pl);
#pragma omp for schedule(dynamic, 1)
        for (size_t b = 0; b < blocks; b++) {
            size_t t0 = b * pl.tb;
            int nt = pl.tiles - t0 < (size_t)pl.tb ? (int)(pl.tiles - t0) : pl.tb;
            wino_block(x, u, y, s, ep, &pl, t0, nt, v, m);
        }
    }
}
