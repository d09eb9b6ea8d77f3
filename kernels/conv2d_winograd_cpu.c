/* conv2d_winograd_cpu.c: 3x3 stride-1 convolutions by Winograd F(4x4,3x3) on the CPU
 * (Lavin & Gray 2016, interpolation points 0, +-1, +-2, inf).
 *
 * A 4x4 output tile Y of one (image, output channel) is A^T [ sum_ci (G g G^T) . (B^T d B) ] A,
 * with g the 3x3 kernel of (co, ci) and d the 6x6 input tile of channel ci whose top-left is
 * (4ty - ph, 4tx - pw). With U[p][co][ci] = (G g G^T)[p] and V[p][ci][t] = (B^T d_t B)[p] for
 * the 36 transform positions p, the sum over ci is 36 GEMMs M[p] = U[p] [Co x Ci] . V[p] [Ci x T]:
 * 36 multiply-adds per (co, ci) and 4x4 tile instead of 144 (4x less GEMM work).
 *
 * conv2d_winograd_f32 works on blocks: a rectangle of `by` tile rows by `bx` tile columns (bx a
 * multiple of WG) of one image, spread across OpenMP threads (one parallel region per convolution,
 * no other barrier). Where rows of tiles would leave over a quarter of the groups' lanes empty
 * (a 16x16 image is 4 tiles wide: half), blocks are packed instead: runs of WG consecutive tiles
 * in row-major order across rows and images (input_packed, output_packed). Per block:
 *   1. the input transform writes V[p][ci][tile], vectorised over groups of WG horizontally
 *      adjacent tiles: a group inside the image is read from x in place, a group on the image's
 *      border from a small patch of its rows with zeros outside (copying whole windows instead
 *      cost 10-19% of a layer);
 *   2. per position p, our own GEMM: a 4 x 24 register-blocked micro-kernel (12 AVX accumulators),
 *      or 4 x 64 with AVX-512 (16 zmm accumulators) where the CPU has it, over U packed once per
 *      weight as [p][co / 4][ci][4] (conv2d_winograd_weights) and V read in place: no packing,
 *      no beta pass and no call per position into a library;
 *   3. the output transform with the epilogue (bias, activation, residual) fused writes y once.
 * The transforms and the AVX2 micro-kernel are built for x86-64-v4 (AVX-512), x86-64-v3 (AVX2 +
 * FMA) and the baseline, chosen at run time (target_clones).
 *
 * Accuracy: conv2d_winograd_weights computes U in double and rounds once. The transforms' entries
 * are small integers and 1/4, 1/6, 1/12, 1/24, so the computed result obeys the bound derived in
 * docs/perf.md ("Winograd error"), which tests/op_matrix_winograd.c checks elementwise. */
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conv2d_winograd_internal.h"
#include "simd_cpu.h"

/* Tiles per block: V[p] of one position, Ci x tb floats, is what the micro-kernel re-reads for every
 * 4 output channels, so tb keeps it near L1 (vp_bytes(): a quarter of the L1 data cache, 12 KiB
 * on 32 KiB (tuned on an AMD EPYC), 24 KiB on 48 KiB (an Intel Xeon: 5-10% faster than 12 and
 * than 36 on realesr-animevideov3 320x240 and x4plus 64x64)), between WINO_TB_MIN and WINO_TB_MAX
 * tiles (the wider, the fewer times U is streamed: once per block). */
static int vp_bytes(void)
{
    static int v;
    if (!v) {
        long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE);
        v = l1 >= (48 << 10) ? 24 << 10 : 12 << 10;
    }
    return v;
}
#define WINO_TB_MIN 24
#define WINO_TB_MAX 192

/* A transformed weight U above WINO_U_BIG (36 Co Ci floats: SIGGRAPH17's 512-channel layers hold
 * 38 MB) no longer stays in cache between blocks, so each block streams it again: there blocks
 * are wider (WINO_VP_BIG_BYTES / Ci / 4 tiles; the GEMM then takes Ci in chunks so that a
 * chunk of V stays in L1, at least WINO_KC_MIN rows so that M is revisited few times), and where
 * that leaves fewer than two blocks per thread, Co is split among them (in ranges of at least
 * WINO_CO_CHUNK_MIN) instead of the tiles, each block streaming its share of U once. */
#define WINO_U_BIG ((size_t)2 << 20)
#define WINO_VP_BIG_BYTES (128 << 10)
#define WINO_CO_CHUNK_MIN 32
#define WINO_KC_MIN 64
#define WINO_M_BYTES ((size_t)6 << 20)

/* Below WINO_MIN_CI input channels the 36 GEMMs are thin (K = Ci); not tuned further: the only
 * such layer of the SR networks, the first (3 -> 64), is 0.3% of their work. Any Co is taken
 * (padded to MR): RRDBNet's last conv (64 -> 3 at the output size) took 23 ms on the direct
 * path at 64x64 -> x4, 11 ms here. */
#define WINO_MIN_CI 8
#define WINO_MIN_CO 1

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

/* Co rounded up to the micro-kernel's MR (the extra rows of U are zeros). */
static int co_padded(int co) { return (co + MR - 1) / MR * MR; }

size_t conv2d_winograd_weight_floats(int co, int ci) { return (size_t)WP * co_padded(co) * ci; }

/* U[p][o / MR][i][o % MR] = (G g G^T)[p / 6][p % 6] for g = w[o][i], in double, rounded once;
 * zeros for o >= co. The MR output channels of a block are U's MR adjacent floats, so they are
 * computed together (one vector lane each) and stored side by side, every element of U written
 * once (the per-element loop with a memset of U first was ~30% of a one-image ECCV16 command). */
void conv2d_winograd_weights(const float *w, int co, int ci, float *u)
{
    int cop = co_padded(co);
#pragma omp parallel for schedule(static)
    for (int ob = 0; ob < cop / MR; ob++)
        for (int i = 0; i < ci; i++) {
            double g[9][MR], tmp[WN][3][MR];
            for (int l = 0; l < MR; l++) {
                int o = ob * MR + l;
                for (int k = 0; k < 9; k++)
                    g[k][l] = o < co ? w[((size_t)o * ci + i) * 9 + k] : 0.0;
            }
            for (int r = 0; r < WN; r++)
                for (int c = 0; c < 3; c++)
                    for (int l = 0; l < MR; l++)
                        tmp[r][c][l] = G_[r][0] * g[c][l] + G_[r][1] * g[3 + c][l] +
                                       G_[r][2] * g[6 + c][l];
            for (int r = 0; r < WN; r++)
                for (int c = 0; c < WN; c++) {
                    float *up = u + (((size_t)r * WN + c) * cop + (size_t)ob * MR) * ci + (size_t)i * MR;
                    for (int l = 0; l < MR; l++)
                        up[l] = (float)(tmp[r][0][l] * G_[c][0] + tmp[r][1][l] * G_[c][1] +
                                        tmp[r][2][l] * G_[c][2]);
                }
        }
}

typedef struct {
    int th, tw;       /* tiles per image along y and x */
    int packed;       /* groups of WG consecutive tiles of the batch in row-major order, across
                       * rows and images (plan_packed) instead of WG tiles of one row */
    int bx, by;       /* block: tile columns (a multiple of WG) and tile rows; packed: bx tiles */
    int nbx, nby;     /* blocks per image along x and y; packed: nbx blocks in all, nby 1 */
    int nco, co_chunk; /* output channel ranges per block of tiles, and their size (MR multiple) */
    int kc;           /* input channels per GEMM pass: kc x tb floats of V stay in L1 */
    size_t blocks;    /* n * nby * nbx * nco */
    int tb;           /* tiles per block: bx * by */
    int threads;
} wino_plan;

static int round_up(int v, int m) { return (v + m - 1) / m * m; }

/* Packed blocks: the batch's n * th * tw tiles in row-major order, in groups of WG split evenly
 * into blocks of at most tb tiles; where that leaves fewer blocks than threads, Co is split too
 * (in ranges of at least WINO_CO_CHUNK_PACKED). Returns the blocks of tiles. */
#define WINO_CO_CHUNK_PACKED 16
static size_t plan_packed(const or_conv_shape *s, wino_plan *pl, int tb, int *co_min)
{
    size_t groups = ((size_t)s->n * pl->th * pl->tw + WG - 1) / WG, gmax = (size_t)tb / WG;
    size_t nb = (groups + gmax - 1) / gmax, gpb = (groups + nb - 1) / nb;
    pl->bx = (int)gpb * WG;
    pl->by = 1;
    pl->nbx = (int)((groups + gpb - 1) / gpb);
    pl->nby = 1;
    *co_min = WINO_CO_CHUNK_PACKED;
    return (size_t)pl->nbx;
}

/* Blocks of bx tile columns by `by` tile rows of one image; at least `want` of them (two per
 * thread) by fewer tile rows per block, except for a big U (split by Co instead). Returns the
 * blocks of tiles. */
static size_t plan_rows(const or_conv_shape *s, wino_plan *pl, int tb, int big, int groups,
                        int gmax, size_t want)
{
    int nbx = (groups + gmax - 1) / gmax;
    if (big && groups * WG <= tb + tb / 4)
        nbx = 1;
    pl->bx = (groups + nbx - 1) / nbx * WG;
    pl->by = tb / pl->bx < pl->th ? tb / pl->bx : pl->th;
    if (pl->by < 1)
        pl->by = 1;
    pl->nbx = (pl->tw + pl->bx - 1) / pl->bx;
    while (!big && pl->by > 1 && (size_t)s->n * pl->nbx * ((pl->th + pl->by - 1) / pl->by) < want)
        pl->by = (pl->by + 1) / 2;
    pl->nby = (pl->th + pl->by - 1) / pl->by;
    return (size_t)s->n * pl->nby * pl->nbx;
}

static wino_plan plan_for(const or_conv_shape *s, int threads)
{
    wino_plan pl;
    pl.th = (s->ho + WT - 1) / WT;
    pl.tw = (s->wo + WT - 1) / WT;
    pl.threads = threads < 1 ? 1 : threads;
    int cop = co_padded(s->co);
    int big = (size_t)WP * cop * s->ci * sizeof(float) > WINO_U_BIG;
    int tb = (big ? WINO_VP_BIG_BYTES : vp_bytes()) / (s->ci * (int)sizeof(float)) / WG * WG;
    tb = tb < WINO_TB_MIN ? WINO_TB_MIN : tb > WINO_TB_MAX ? WINO_TB_MAX : tb;
    /* the tile row's groups of WG split evenly into blocks of at most tb tiles (a block of tb
     * and a nearly empty one doubled the work of 128x128 x4plus's wide layers); with a big U, a
     * row of tiles a little wider than tb (up to 1/4) stays one block, which streams U once.
     * Where over a quarter of the groups' lanes would be empty (rows of fewer than 6 tiles,
     * 9 to 11, ...: a 16x16 image has 4), the tiles are packed instead. */
    int groups = (pl.tw + WG - 1) / WG, gmax = tb / WG;
    pl.packed = 4 * pl.tw < 3 * groups * WG;
    int co_min = WINO_CO_CHUNK_MIN, nco = 1;
    size_t want = 2 * (size_t)pl.threads, tile_blocks;
    if (pl.packed) {
        tile_blocks = plan_packed(s, &pl, tb, &co_min);
        want = (size_t)pl.threads;
        if (tile_blocks < want)
            nco = (int)((want + tile_blocks - 1) / tile_blocks);
    } else {
        tile_blocks = plan_rows(s, &pl, tb, big, groups, gmax, want);
        if (big && tile_blocks < want)
            nco = (int)((want + tile_blocks - 1) / tile_blocks);
    }
    int most = cop / co_min > 1 ? cop / co_min : 1;
    nco = nco > most ? most : nco;
    /* M of a block (36 x co_chunk x tb floats) at most WINO_M_BYTES: beyond, it lives in memory
     * between the GEMM and the output transform, and the scratch of two threads outgrows the
     * budget (a ConvTranspose2d 128 -> 128 stacked as Co = 512: 14 MB a thread) */
    size_t m_bytes = (size_t)WP * cop * pl.bx * pl.by * sizeof(float);
    int nco_m = (int)((m_bytes + WINO_M_BYTES - 1) / WINO_M_BYTES);
    nco_m = nco_m > most ? most : nco_m;
    nco = nco_m > nco ? nco_m : nco;
    pl.co_chunk = round_up((cop + nco - 1) / nco, MR);
    pl.nco = (cop + pl.co_chunk - 1) / pl.co_chunk;
    pl.blocks = tile_blocks * pl.nco;
    pl.tb = pl.bx * pl.by;
    pl.kc = vp_bytes() / (pl.tb * (int)sizeof(float));
    pl.kc = pl.kc < WINO_KC_MIN ? WINO_KC_MIN : pl.kc;
    return pl;
}

/* Floats from one transform position's V (M) matrix to the next: Ci*tb (Co*tb) plus WINO_SKEW.
 * Without the skew the 36 positions of a tile sit a multiple of 4 KiB apart whenever Ci*tb is
 * (64 x 256 floats = 64 KiB), so the transforms' 36 loads or stores fall into one L1 set. */
#define WINO_SKEW 16
static size_t pos_stride(int ch, const wino_plan *pl) { return (size_t)ch * pl->tb + WINO_SKEW; }

static size_t thread_floats(const or_conv_shape *s, const wino_plan *pl)
{
    return (size_t)WP * (pos_stride(s->ci, pl) + pos_stride(pl->co_chunk, pl)) +
           (size_t)WN * (WT * WG + 8); /* a border group's patch (WN x PATCH_W) */
}

size_t conv2d_winograd_scratch_bytes(const or_conv_shape *s, int threads)
{
    wino_plan pl = plan_for(s, threads);
    return (size_t)pl.threads * thread_floats(s, &pl) * sizeof(float);
}

/* ---- transforms of WG = 8 tiles ------------------------------------------------------------ */

/* c[k][t] = row[4t + k], k < 6, t < 8: the six columns of 8 horizontally adjacent input tiles,
 * from the 34 floats a0 (row[0..7]), a1, a2, a3 (row[24..31]) and tail (row[26..33]). */
CPU_INLINE void deinterleave_vectors(v8 a0, v8 a1, v8 a2, v8 a3, v8 tail, v8 c[WN])
{
    v8 p01 = __builtin_shufflevector(a0, a1, 0, 4, 8, 12, 1, 5, 9, 13);
    v8 q01 = __builtin_shufflevector(a0, a1, 2, 6, 10, 14, 3, 7, 11, 15);
    v8 p23 = __builtin_shufflevector(a2, a3, 0, 4, 8, 12, 1, 5, 9, 13);
    v8 q23 = __builtin_shufflevector(a2, a3, 2, 6, 10, 14, 3, 7, 11, 15);
    c[0] = __builtin_shufflevector(p01, p23, 0, 1, 2, 3, 8, 9, 10, 11);
    c[1] = __builtin_shufflevector(p01, p23, 4, 5, 6, 7, 12, 13, 14, 15);
    c[2] = __builtin_shufflevector(q01, q23, 0, 1, 2, 3, 8, 9, 10, 11);
    c[3] = __builtin_shufflevector(q01, q23, 4, 5, 6, 7, 12, 13, 14, 15);
    c[4] = __builtin_shufflevector(c[0], tail, 1, 2, 3, 4, 5, 6, 7, 14);
    c[5] = __builtin_shufflevector(c[1], tail, 1, 2, 3, 4, 5, 6, 7, 15);
}

/* The same from 34 contiguous floats (the tail's load reads no further than row[33]). */
CPU_INLINE void deinterleave_row(const float *row, v8 c[WN])
{
    deinterleave_vectors(v8_load(row), v8_load(row + 8), v8_load(row + 16), v8_load(row + 24),
                         v8_load(row + 26), c);
}

/* out[4t + b] = o[b][t], b < 4, t < 8 (inverse of the above, for a row of output tiles). */
CPU_INLINE void interleave_row(const v8 o[WT], v8 w[4])
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


/* V[k*6 + l] (at v + (k*6 + l) * pstride) = (B^T d B)[k][l] for 8 tiles; d[r][c]. */
CPU_INLINE void input_transform(v8 d[WN][WN], float *v, size_t pstride)
WINO_INPUT_TRANSFORM(v8, v8_store)

/* 8 horizontally adjacent tiles, all inside the image: rows read directly. */
CPU_CLONES
static void input_row_of_tiles(const float *x0, int w, float *v, size_t pstride)
{
    v8 d[WN][WN];
    for (int r = 0; r < WN; r++)
        deinterleave_row(x0 + (size_t)r * w, d[r]);
    input_transform(d, v, pstride);
}

/* ---- output transform + epilogue ----------------------------------------------------------- */

/* o[a][b] (8 tiles each) = epilogue((A^T M A)[a][b]) without the residual; M[p] at m + p*pstride. */
CPU_INLINE void output_transform(const float *m, size_t pstride, const tile_epilogue *e,
                                 v8 o[WT][WT])
WINO_OUTPUT_TRANSFORM(v8, v8i, v8_load, v8_set1, WG)

/* 8 horizontally adjacent tiles, all 4x4 inside the output: y0 their first output pixel. */
CPU_CLONES
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
CPU_CLONES
static void output_spilled(const float *m, size_t pstride, const tile_epilogue *e,
                           float out[WT][WT][WG])
{
    v8 o[WT][WT];
    output_transform(m, pstride, e, o);
    for (int a = 0; a < WT; a++)
        for (int b = 0; b < WT; b++)
            v8_store(out[a][b], o[a][b]);
}


/* The AVX2 micro-kernels over ncol columns (a multiple of WG): 3 vectors at a time, then the
 * tail; tall: ncol == WG. */
CPU_INLINE void cols_v8(const float *u, const float *v, size_t ldv, int ci, float *m, size_t ldm,
                        int ncol, int rows, int add)
{
    int j = 0;
    for (; j + NR <= ncol; j += NR)
        micro_kernel(u, v + j, ldv, ci, m + j, ldm, 3, rows, add);
    if (ncol - j == 16)
        micro_kernel(u, v + j, ldv, ci, m + j, ldm, 2, rows, add);
    else if (ncol - j == 8)
        micro_kernel(u, v + j, ldv, ci, m + j, ldm, 1, rows, add);
}

CPU_INLINE void tall_v8(const float *u0, const float *u1, const float *v, size_t ldv, int ci,
                        float *m, size_t ldm, int ncol, int rows, int add)
{
    (void)ncol;
    micro_kernel_tall(u0, u1, v, ldv, ci, m, ldm, rows, add);
}

CPU_CLONES
static void gemm_position_v8(const float *u, const float *v, size_t ldv, float *m, size_t ldm,
                             int co, int ci, int ncol, int kc)
{
    wino_gemm_loop(u, v, ldv, m, ldm, co, ci, ncol, kc, WG, cols_v8, tall_v8);
}

/* 1 where the AVX-512 GEMM runs: the CPU has it, OPRESTORE_CPU_AVX512 is not 0 and
 * conv2d_winograd_avx512 did not turn it off. */
static int avx512_state = -1;

static int use_avx512(void)
{
    if (avx512_state < 0) {
        const char *e = getenv("OPRESTORE_CPU_AVX512");
        __builtin_cpu_init();
        avx512_state = __builtin_cpu_supports("avx512f") && !(e && strcmp(e, "0") == 0);
    }
    return avx512_state;
}

int conv2d_winograd_avx512(int on)
{
    __builtin_cpu_init();
    avx512_state = on && __builtin_cpu_supports("avx512f");
    return avx512_state;
}

static void gemm_position(const float *u, const float *v, size_t ldv, float *m, size_t ldm,
                          int co, int ci, int ncol, int kc)
{
    if (use_avx512())
        wino_gemm_position_avx512(u, v, ldv, m, ldm, co, ci, ncol, kc);
    else
        gemm_position_v8(u, v, ldv, m, ldm, co, ci, ncol, kc);
}

/* ---- one block of tiles --------------------------------------------------------------------- */

typedef struct {
    int img, tx0, ty0, nty; /* image, first tile column and row, tile rows present */
    int ngx;                /* groups of WG tiles computed per tile row: bx / WG, or in a
                             * one-row block only those holding tiles of the image */
    int o0, nco;            /* output channels o0 .. o0 + nco - 1 */
    size_t lin0;            /* packed: the first tile (row-major over the batch) */
    int ntiles;             /* packed: tiles in the block (the last group may be partial) */
} wino_block_pos;

static wino_block_pos block_pos(const or_conv_shape *s, const wino_plan *pl, size_t b)
{
    wino_block_pos bp;
    bp.o0 = (int)(b % pl->nco) * pl->co_chunk;
    bp.nco = s->co - bp.o0 < pl->co_chunk ? s->co - bp.o0 : pl->co_chunk;
    b /= pl->nco;
    if (pl->packed) {
        size_t total = (size_t)s->n * pl->th * pl->tw;
        bp.lin0 = b * pl->bx;
        bp.ntiles = total - bp.lin0 < (size_t)pl->bx ? (int)(total - bp.lin0) : pl->bx;
        bp.ngx = (bp.ntiles + WG - 1) / WG;
        bp.nty = 1;
        return bp;
    }
    bp.tx0 = (int)(b % pl->nbx) * pl->bx;
    b /= pl->nbx;
    bp.ty0 = (int)(b % pl->nby) * pl->by;
    bp.img = (int)(b / pl->nby);
    bp.nty = pl->th - bp.ty0 < pl->by ? pl->th - bp.ty0 : pl->by;
    bp.ngx = pl->bx / WG;
    if (bp.nty == 1 && (pl->tw - bp.tx0 + WG - 1) / WG < bp.ngx)
        bp.ngx = (pl->tw - bp.tx0 + WG - 1) / WG;
    return bp;
}

/* A group of WG tiles reads GROUP_W columns by WN rows of one channel. Groups inside the image
 * are transformed from x in place; the others (image borders, tiles past the edge) from a
 * patch holding the group's rows with zeros outside the image (PATCH_W floats a row). */
#define GROUP_W (WT * WG + 2)
#define PATCH_W (GROUP_W + 6)

static void fill_patch(const float *xc, const or_conv_shape *s, int iy, int ix, float *patch)
{
    int lo = ix < 0 ? -ix : 0, hi = s->w - ix < GROUP_W ? s->w - ix : GROUP_W;
    lo = lo > GROUP_W ? GROUP_W : lo;
    hi = hi < lo ? lo : hi;
    for (int r = 0; r < WN; r++) {
        float *row = patch + (size_t)r * PATCH_W;
        int yy = iy + r;
        if (yy < 0 || yy >= s->h || hi == lo) {
            memset(row, 0, GROUP_W * sizeof(float));
            continue;
        }
        memset(row, 0, (size_t)lo * sizeof(float));
        memcpy(row + lo, xc + (size_t)yy * s->w + ix + lo, (size_t)(hi - lo) * sizeof(float));
        memset(row + hi, 0, (size_t)(GROUP_W - hi) * sizeof(float));
    }
}

/* V of the block's tiles, every input channel. */
static void input_block(const float *x, const or_conv_shape *s, const wino_plan *pl,
                        const wino_block_pos *bp, float *v, size_t pstride_v, float *patch)
{
    int wide = use_avx512(); /* two groups inside the image at once */
    for (int i = 0; i < s->ci; i++) {
        const float *xc = x + ((size_t)bp->img * s->ci + i) * s->h * s->w;
        for (int ry = 0; ry < bp->nty; ry++) {
            int iy = (bp->ty0 + ry) * WT - s->ph, rows_in = iy >= 0 && iy + WN <= s->h;
            for (int g = 0; g < bp->ngx; g++) {
                int ix = (bp->tx0 + g * WG) * WT - s->pw;
                float *vg = v + (size_t)i * pl->tb + ry * pl->bx + g * WG;
                if (wide && g + 1 < bp->ngx && rows_in && ix >= 0 && ix + 2 * WT * WG + 2 <= s->w) {
                    wino_input_row16_avx512(xc + (size_t)iy * s->w + ix, s->w, vg, pstride_v);
                    g++;
                } else if (rows_in && ix >= 0 && ix + GROUP_W <= s->w) {
                    input_row_of_tiles(xc + (size_t)iy * s->w + ix, s->w, vg, pstride_v);
                } else {
                    fill_patch(xc, s, iy, ix, patch);
                    input_row_of_tiles(patch, PATCH_W, vg, pstride_v);
                }
            }
        }
    }
}

static tile_epilogue epilogue_of(const or_epilogue_f32 *ep, int o)
{
    tile_epilogue e = {0.0f, 0.0f, 1.0f, OR_KERNEL_ACT_NONE, 0};
    if (ep) {
        e.bias = ep->bias ? ep->bias[o] : 0.0f;
        e.act = ep->act;
        e.slope = ep->act == OR_KERNEL_ACT_PRELU ? ep->prelu[o] : ep->alpha;
        e.res = ep->residual != NULL;
        e.res_scale = e.res ? ep->res_scale : 1.0f;
    }
    return e;
}

/* Output transform of WG tiles of one tile row whose first output pixel is (oy0, ox0), clipped to
 * the image; mg: their M[0][o] column. */
static void store_group(const float *mg, size_t pstride_m, const tile_epilogue *e,
                        const or_epilogue_f32 *ep, const or_conv_shape *s, size_t base, int oy0,
                        int ox0, float *y)
{
    int ny = s->ho - oy0 < WT ? s->ho - oy0 : WT;
    size_t off = base + (size_t)oy0 * s->wo + ox0;
    if (ny == WT && ox0 + WG * WT <= s->wo) {
        output_row_of_tiles(mg, pstride_m, e, y + off, e->res ? ep->residual + off : NULL, s->wo);
        return;
    }
    float out[WT][WT][WG];
    output_spilled(mg, pstride_m, e, out);
    for (int k = 0; k < WG && ox0 + k * WT < s->wo; k++) {
        int oxk = ox0 + k * WT, nx = s->wo - oxk < WT ? s->wo - oxk : WT;
        for (int a = 0; a < ny; a++) {
            size_t o2 = base + (size_t)(oy0 + a) * s->wo + oxk;
            const float *rr = e->res ? ep->residual + o2 : NULL;
            for (int c = 0; c < nx; c++)
                y[o2 + c] = rr ? out[a][c][k] + rr[c] : out[a][c][k];
        }
    }
}

/* ---- packed blocks: groups of WG tiles in row-major order across rows and images ------------ */

/* Lanes l0 .. l1 - 1 of a group hold tiles tx .. tx + l1 - l0 - 1 of tile row ty of image img. */
typedef struct {
    int img, ty, tx, l0, l1;
} wino_run;

/* The runs of the `lanes` tiles from tile lin on (at most WG). */
static int group_runs(const wino_plan *pl, size_t lin, int lanes, wino_run *runs)
{
    int n = 0;
    for (int t = 0; t < lanes;) {
        size_t l = lin + t, row = l / pl->tw;
        int tx = (int)(l % pl->tw), len = pl->tw - tx < lanes - t ? pl->tw - tx : lanes - t;
        runs[n++] = (wino_run){(int)(row / pl->th), (int)(row % pl->th), tx, t, t + len};
        t += len;
    }
    return n;
}

/* V of one group of packed tiles for input channel i. Each run is read as the 8 adjacent tiles
 * that would start l0 tiles before its first (columns ix .. ix + 33 of its rows, ix = 4 (tx - l0)
 * - pw), columns outside the image masked to zeros, and only its lanes are kept (all of them for
 * the first run, so that lanes past the batch's last tile hold finite values). The 34 floats are
 * read in place: those outside the row are other rows' (or channels') data, masked or dropped;
 * only at the two ends of x, where they would leave it, they are copied into a patch first. */
CPU_CLONES
static void input_packed_group(const float *x, size_t x_len, const or_conv_shape *s, int i,
                               const wino_run *runs, int nruns, float *v, size_t pstride,
                               float *patch)
{
    static const int offs[5] = {0, 8, 16, 24, 26}; /* deinterleave_vectors' five loads */
    v8 d[WN][WN], c[WN];
    v8i lane = {0, 1, 2, 3, 4, 5, 6, 7}, zero = lane - lane;
    for (int k = 0; k < nruns; k++) {
        const wino_run *r = &runs[k];
        size_t plane = ((size_t)r->img * s->ci + i) * s->h * s->w;
        int iy = r->ty * WT - s->ph, ix = (r->tx - r->l0) * WT - s->pw;
        v8i keep = (lane >= r->l0) & (lane < r->l1), in[5];
        for (int j = 0; j < 5; j++)
            in[j] = (lane + ix + offs[j] >= 0) & (lane + ix + offs[j] < s->w);
        for (int y = 0; y < WN; y++) {
            int yy = iy + y;
            v8 a[5];
            if (yy < 0 || yy >= s->h) {
                for (int j = 0; j < 5; j++)
                    a[j] = (v8)zero;
            } else {
                ptrdiff_t at = (ptrdiff_t)(plane + (size_t)yy * s->w) + ix;
                const float *p = patch;
                if (at >= 0 && (size_t)at + GROUP_W <= x_len)
                    p = x + at;
                else
                    for (int col = 0; col < GROUP_W; col++)
                        patch[col] = ix + col >= 0 && ix + col < s->w ? x[at + col] : 0.0f;
                for (int j = 0; j < 5; j++)
                    a[j] = (v8)((v8i)v8_load(p + offs[j]) & in[j]);
            }
            deinterleave_vectors(a[0], a[1], a[2], a[3], a[4], c);
            for (int l = 0; l < WN; l++)
                d[y][l] = k == 0 ? c[l] : (v8)(((v8i)c[l] & keep) | ((v8i)d[y][l] & ~keep));
        }
    }
    input_transform(d, v, pstride);
}

/* The output transform of one group of packed tiles (M[0] column mg) for output channel oc of y
 * (residual: rs or NULL): each run's rows interleaved and its columns stored, clipped to the
 * image. */
CPU_CLONES
static void output_packed_group(const float *mg, size_t pstride, const tile_epilogue *e,
                                const or_conv_shape *s, int oc, const wino_run *runs, int nruns,
                                float *y, const float *rs)
{
    v8 o[WT][WT], w[4];
    output_transform(mg, pstride, e, o);
    float row[WT * WG];
    for (int a = 0; a < WT; a++) {
        interleave_row(o[a], w);
        for (int k = 0; k < 4; k++)
            v8_store(row + 8 * k, w[k]);
        for (int k = 0; k < nruns; k++) {
            const wino_run *r = &runs[k];
            int oy = r->ty * WT + a, ox = r->tx * WT, n = WT * (r->l1 - r->l0);
            if (oy >= s->ho)
                continue;
            n = s->wo - ox < n ? s->wo - ox : n;
            size_t off = ((size_t)r->img * s->co + oc) * s->ho * s->wo + (size_t)oy * s->wo + ox;
            const float *src = row + WT * r->l0;
            for (int col = 0; col < n; col++)
                y[off + col] = rs ? src[col] + rs[off + col] : src[col];
        }
    }
}

/* V of a packed block, every input channel. */
static void input_packed(const float *x, const or_conv_shape *s, const wino_plan *pl,
                         const wino_block_pos *bp, float *v, size_t pstride_v, float *patch)
{
    wino_run runs[WG];
    size_t x_len = (size_t)s->n * s->ci * s->h * s->w;
    for (int g = 0; g < bp->ngx; g++) {
        int lanes = bp->ntiles - g * WG < WG ? bp->ntiles - g * WG : WG;
        int nruns = group_runs(pl, bp->lin0 + (size_t)g * WG, lanes, runs);
        for (int i = 0; i < s->ci; i++)
            input_packed_group(x, x_len, s, i, runs, nruns, v + (size_t)i * pl->tb + g * WG,
                               pstride_v, patch);
    }
}

/* The output transform of a packed block, every output channel of it. */
static void output_packed(const or_conv_shape *s, const or_epilogue_f32 *ep, const wino_plan *pl,
                          const wino_block_pos *bp, const float *m, size_t pstride_m, float *y)
{
    wino_run runs[WG];
    for (int g = 0; g < bp->ngx; g++) {
        int lanes = bp->ntiles - g * WG < WG ? bp->ntiles - g * WG : WG;
        int nruns = group_runs(pl, bp->lin0 + (size_t)g * WG, lanes, runs);
        for (int oc = 0; oc < bp->nco; oc++) {
            tile_epilogue e = epilogue_of(ep, bp->o0 + oc);
            output_packed_group(m + (size_t)oc * pl->tb + g * WG, pstride_m, &e, s, bp->o0 + oc,
                                runs, nruns, y, e.res ? ep->residual : NULL);
        }
    }
}

static void wino_block(const float *x, const float *u, float *y, const or_conv_shape *s,
                       const or_epilogue_f32 *ep, const wino_plan *pl, size_t b, float *v,
                       float *m, float *patch)
{
    wino_block_pos bp = block_pos(s, pl, b);
    int tb = pl->tb, ncol = bp.nty == 1 ? bp.ngx * WG : bp.nty * pl->bx, cop = co_padded(s->co);
    size_t pstride_v = pos_stride(s->ci, pl), pstride_m = pos_stride(pl->co_chunk, pl);
    if (pl->packed)
        input_packed(x, s, pl, &bp, v, pstride_v, patch);
    else
        input_block(x, s, pl, &bp, v, pstride_v, patch);
    for (int p = 0; p < WP; p++)
        gemm_position(u + ((size_t)p * cop + bp.o0) * s->ci, v + (size_t)p * pstride_v, tb,
                      m + (size_t)p * pstride_m, tb, bp.nco, s->ci, ncol, pl->kc);
    if (pl->packed) {
        output_packed(s, ep, pl, &bp, m, pstride_m, y);
        return;
    }
    size_t hw = (size_t)s->ho * s->wo;
    int wide = use_avx512(); /* two groups inside the output at once */
    for (int oc = 0; oc < bp.nco; oc++) {
        int o = bp.o0 + oc;
        tile_epilogue e = epilogue_of(ep, o);
        size_t base = ((size_t)bp.img * s->co + o) * hw;
        for (int ry = 0; ry < bp.nty; ry++)
            for (int g = 0; g < bp.ngx; g++) {
                int ox0 = (bp.tx0 + g * WG) * WT, oy0 = (bp.ty0 + ry) * WT;
                const float *mg = m + (size_t)oc * tb + ry * pl->bx + g * WG;
                if (ox0 >= s->wo)
                    break;
                if (wide && g + 1 < bp.ngx && oy0 + WT <= s->ho && ox0 + 2 * WG * WT <= s->wo) {
                    size_t off = base + (size_t)oy0 * s->wo + ox0;
                    wino_output_row16_avx512(mg, pstride_m, &e, y + off,
                                             e.res ? ep->residual + off : NULL, s->wo);
                    g++;
                    continue;
                }
                store_group(mg, pstride_m, &e, ep, s, base, oy0, ox0, y);
            }
    }
}

void conv2d_winograd_f32(const float *x, const float *u, float *y, const or_conv_shape *s,
                         const or_epilogue_f32 *ep, int threads, float *scratch)
{
    wino_plan pl = plan_for(s, threads);
    size_t per_thread = thread_floats(s, &pl);
    int nth = pl.blocks < (size_t)pl.threads ? (int)pl.blocks : pl.threads;
#pragma omp parallel num_threads(nth)
    {
        float *v = scratch + (size_t)omp_get_thread_num() * per_thread;
        float *m = v + (size_t)WP * pos_stride(s->ci, &pl);
        float *patch = m + (size_t)WP * pos_stride(pl.co_chunk, &pl);
#pragma omp for schedule(dynamic, 1)
        for (size_t b = 0; b < pl.blocks; b++)
            wino_block(x, u, y, s, ep, &pl, b, v, m, patch);
    }
}
