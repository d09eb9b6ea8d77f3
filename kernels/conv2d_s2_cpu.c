/* conv2d_s2_cpu.c: 3x3 stride-2 padding-1 convolutions (NCHW, f32) on the CPU, direct and
 * register-blocked, for thin inputs (RIFE's IFBlock and head downsampling layers with Ci 3..32).
 *
 * With the input zero-padded by one pixel, y[oy][ox] = sum_ci sum_{ky,kx} w * xp[2oy+ky][2ox+kx].
 * Split xp into its four phases P_ab[i][j] = xp[2i+a][2j+b] (a, b in {0, 1}): tap (ky, kx)
 * reads P_{ky%2,kx%2}[oy + ky/2][ox + kx/2], a unit-stride row. So per block of output rows the
 * input rows are copied once into the four phase planes (row width pw >= Wo + 1, zeros outside the
 * image: no bounds test in the inner loop), and each group of S2_CB output channels x S2_V
 * output pixels is S2_CB accumulator vectors, each Ci x 9 times "+= w (broadcast) * phase row"
 * (a load feeds S2_CB multiply-adds). Weights are packed per call as [Co / S2_CB][Ci][9][S2_CB]
 * (zeros past Co). The sum for one output runs over ci, then ky, kx: a sum of 9 Ci products,
 * as the im2col GEMM's (in another order, fused multiply-adds where the CPU has them: within the
 * same bound). No bias or epilogue here: the caller's epilogue pass adds them, as after the GEMM
 * paths. */
#include <string.h>

#include "kernels.h"
#include "simd_cpu.h"

#define S2_CB 8 /* output channels per group: 8 accumulators a0..a7 (AVX2 has 16 registers) */
#define S2_V 8  /* output pixels per vector */
/* Output pixels per tile (a multiple of S2_V): the tile's phase rows, Ci x 6 x 33 floats, are
 * read by every channel group while in L1 (Ci <= ~40) or L2 */
#define S2_TILE 32
/* Scratch per block of output rows at most this (the phase planes of a few rows, in cache) */
#define S2_BLOCK_BYTES ((size_t)4 << 20)

typedef float s2_vec __attribute__((vector_size(S2_V * sizeof(float))));

/* multiply-adds fused where the clone has FMA (C11 mode fuses none by itself) */
#define S2_FMA __attribute__((optimize("fp-contract=fast")))

/* Up to this many input channels (K = 9 Ci <= 288): beyond, OpenBLAS's im2col GEMM is as fast or
 * faster (RIFE's 48 -> 96 layer, ECCV16's 64 -> 64 .. 256 -> 256 ones measured 1.1-2x slower here) */
#define S2_MAX_CI 32

int conv2d_s2_applies(const or_conv_shape *s)
{
    return s->ci <= S2_MAX_CI && s->kh == 3 && s->kw == 3 && s->sh == 2 && s->sw == 2 && s->ph == 1 && s->pw == 1 &&
           s->dh == 1 && s->dw == 1 && s->ho == (s->h + 1) / 2 && s->wo == (s->w + 1) / 2 &&
           s->ho > 0 && s->wo > 0;
}

static int s2_groups(int co) { return (co + S2_CB - 1) / S2_CB; }

/* Phase row width: Wo + 1 columns read, rounded up to whole vectors, plus one vector of slack
 * (the last vector of a row reads up to S2_V - 1 columns past Wo + 1: zeros). */
static size_t s2_row_width(const or_conv_shape *s)
{
    return ((size_t)s->wo + 1 + S2_V - 1) / S2_V * S2_V + S2_V;
}

static size_t s2_weight_floats(const or_conv_shape *s)
{
    return (size_t)s2_groups(s->co) * s->ci * 9 * S2_CB;
}

/* Floats of the four phase planes of one input channel for `rows` output rows. */
static size_t s2_plane_floats(const or_conv_shape *s, int rows)
{
    return 4 * (size_t)(rows + 1) * s2_row_width(s);
}

/* Output rows per block within `budget` bytes (all if they fit), 0 when one row does not fit. */
int conv2d_s2_rows(const or_conv_shape *s, size_t budget)
{
    size_t fit = budget < S2_BLOCK_BYTES ? budget : S2_BLOCK_BYTES;
    size_t fixed = (s2_weight_floats(s) + (size_t)s->ci * s2_plane_floats(s, 0)) * sizeof(float);
    size_t per_row = (size_t)s->ci * 4 * s2_row_width(s) * sizeof(float);
    if (fixed + per_row > budget)
        return 0;
    size_t rows = fixed + per_row > fit ? 1 : (fit - fixed) / per_row;
    return rows > (size_t)s->ho ? s->ho : (int)rows;
}

size_t conv2d_s2_scratch_bytes(const or_conv_shape *s, int rows)
{
    return (s2_weight_floats(s) + (size_t)s->ci * s2_plane_floats(s, rows)) * sizeof(float);
}

static void pack_weights(const float *w, const or_conv_shape *s, float *wp)
{
    memset(wp, 0, s2_weight_floats(s) * sizeof(float));
    for (int o = 0; o < s->co; o++)
        for (int i = 0; i < s->ci; i++)
            for (int t = 0; t < 9; t++)
                wp[(((size_t)(o / S2_CB) * s->ci + i) * 9 + t) * S2_CB + o % S2_CB] =
                    w[((size_t)o * s->ci + i) * 9 + t];
}

/* Phase planes of channel xc for output rows [oy0, oy0 + rows): plane ab row r, column j holds
 * xp[2 (oy0 + r) + a][2 j + b] = x[2 (oy0 + r) + a - 1][2 j + b - 1], zero outside. */
static void make_phases(const float *xc, const or_conv_shape *s, int oy0, int rows, float *ph)
{
    size_t pw = s2_row_width(s), plane = (size_t)(rows + 1) * pw;
    for (int a = 0; a < 2; a++)
        for (int r = 0; r <= rows; r++) {
            float *d0 = ph + (size_t)(2 * a) * plane + (size_t)r * pw, *d1 = d0 + plane;
            int iy = 2 * (oy0 + r) + a - 1;
            memset(d0, 0, pw * sizeof(float));
            memset(d1, 0, pw * sizeof(float));
            if (iy < 0 || iy >= s->h)
                continue;
            const float *xr = xc + (size_t)iy * s->w;
            for (int ix = 0; ix < s->w; ix++) { /* column 2j + b - 1 = ix */
                int j = (ix + 1) >> 1;
                if ((ix + 1) & 1)
                    d1[j] = xr[ix];
                else
                    d0[j] = xr[ix];
            }
        }
}

/* Output pixels [ox0, ox0 + m) (m <= S2_TILE) of row r of the block, channel group wg: S2_CB
 * output rows y0 (hw_out apart) of which nco are stored. */
CPU_CLONES S2_FMA static void s2_tile(const float *ph, const float *wg, const or_conv_shape *s, int rows,
                              int r, int ox0, int m, int nco, float *y0, size_t hw_out)
{
    size_t pw = s2_row_width(s), plane = (size_t)(rows + 1) * pw, chan = 4 * plane;
    for (int ox = ox0; ox < ox0 + m; ox += S2_V) {
        s2_vec a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0}, a6 = {0}, a7 = {0};
        for (int i = 0; i < s->ci; i++) {
            const float *pc = ph + (size_t)i * chan + (size_t)r * pw + ox;
            const float *wt = wg + (size_t)i * 9 * S2_CB;
#pragma GCC unroll 9
            for (int t = 0; t < 9; t++, wt += S2_CB) {
                int ky = t / 3, kx = t % 3;
                s2_vec v;
                memcpy(&v, pc + (size_t)(2 * (ky & 1) + (kx & 1)) * plane + (size_t)(ky >> 1) * pw +
                               (kx >> 1),
                       sizeof v);
                a0 += wt[0] * v, a1 += wt[1] * v, a2 += wt[2] * v, a3 += wt[3] * v;
                a4 += wt[4] * v, a5 += wt[5] * v, a6 += wt[6] * v, a7 += wt[7] * v;
            }
        }
        s2_vec acc[S2_CB] = {a0, a1, a2, a3, a4, a5, a6, a7};
        int n = s->wo - ox < S2_V ? s->wo - ox : S2_V;
        for (int c = 0; c < nco; c++)
            memcpy(y0 + (size_t)c * hw_out + ox, &acc[c], (size_t)n * sizeof(float));
    }
}

/* Output row r of the block, every channel group, a tile of S2_TILE pixels at a time: the tile's
 * phase rows (Ci x 6 x S2_TILE floats) stay in L1/L2 while every group and vector reads them. */
static void s2_row(const float *ph, const float *wp, const or_conv_shape *s, int rows, int r,
                   float *yrow, size_t hw_out)
{
    int groups = s2_groups(s->co);
    for (int ox0 = 0; ox0 < s->wo; ox0 += S2_TILE) {
        int m = s->wo - ox0 < S2_TILE ? s->wo - ox0 : S2_TILE;
        for (int g = 0; g < groups; g++) {
            int nco = s->co - g * S2_CB < S2_CB ? s->co - g * S2_CB : S2_CB;
            s2_tile(ph, wp + (size_t)g * s->ci * 9 * S2_CB, s, rows, r, ox0, m, nco,
                    yrow + (size_t)g * S2_CB * hw_out, hw_out);
        }
    }
}

void conv2d_s2_f32(const float *x, const float *w, float *y, const or_conv_shape *s, int rows,
                   float *scratch)
{
    float *wp = scratch, *ph = scratch + s2_weight_floats(s);
    size_t hw_out = (size_t)s->ho * s->wo;
    pack_weights(w, s, wp);
    for (int n = 0; n < s->n; n++) {
        const float *xn = x + (size_t)n * s->ci * s->h * s->w;
        float *yn = y + (size_t)n * s->co * hw_out;
        for (int oy0 = 0; oy0 < s->ho; oy0 += rows) {
            int r = s->ho - oy0 < rows ? s->ho - oy0 : rows;
            size_t chan = s2_plane_floats(s, r);
#pragma omp parallel for schedule(static)
            for (int i = 0; i < s->ci; i++)
                make_phases(xn + (size_t)i * s->h * s->w, s, oy0, r, ph + (size_t)i * chan);
#pragma omp parallel for schedule(static)
            for (int rr = 0; rr < r; rr++)
                s2_row(ph, wp, s, r, rr, yn + (size_t)(oy0 + rr) * s->wo, hw_out);
        }
    }
}
