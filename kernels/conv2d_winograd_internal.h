/* conv2d_winograd_internal.h: what the Winograd F(4x4,3x3) files share (not a public header):
 * the tile constants, the transforms' 1-D steps, the epilogue of one output channel, the AVX2
 * micro-kernel, the zero-block test of U, and the AVX-512 pieces (conv2d_winograd_avx512_cpu.c)
 * that conv2d_winograd_cpu.c calls where the CPU has them (vectors and clones: simd_cpu.h). */
#ifndef OR_CONV2D_WINOGRAD_INTERNAL_H
#define OR_CONV2D_WINOGRAD_INTERNAL_H

#include <stddef.h>
#include <string.h>

#include "kernels.h"
#include "simd_cpu.h"

#define WT 4  /* output tile side */
#define WN 6  /* input tile side: WT + 3 - 1 */
#define WP 36 /* transform positions */
#define WG 8  /* tiles transformed together (one AVX2 vector of floats) */
#define MR 4  /* micro-kernel: output channels */
#define NR 24 /* micro-kernel: tiles (3 vectors) */

#define WINO_AVX512 __attribute__((target("avx512f,avx512vl,avx2,fma")))

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
        __typeof__(m1) a_ = m1 + m2, b_ = m1 - m2, c_ = m3 + m4, e_ = m3 - m4;                                \
        o[0] = m0 + a_ + c_;                                                                      \
        o[1] = b_ + 2.0f * e_;                                                                    \
        o[2] = a_ + 4.0f * c_;                                                                    \
        o[3] = b_ + 8.0f * e_ + m5;                                                               \
    } while (0)

/* The epilogue of one output channel: bias, activation (slope: leaky alpha or the channel's
 * PReLU weight), residual scale (res: a residual is added after it). */
typedef struct {
    float bias, slope, res_scale;
    int act, res;
} tile_epilogue;

/* f = act(f) * res_scale (f already holds the sum plus bias) for one vector of N tiles of type
 * VT (VI: its int twin), as the epilogue e says; zero: a VT of zeros. The AVX2 and AVX-512
 * output transforms both use it, so their lanes stay the same operations. */
#define TILE_EPILOGUE(f, e, zero, VT, VI, N)                                                      \
    do {                                                                                          \
        if ((e)->act == OR_KERNEL_ACT_RELU) {                                                     \
            f = (VT)((VI)f & (f > zero));                                                         \
        } else if ((e)->act == OR_KERNEL_ACT_LEAKY || (e)->act == OR_KERNEL_ACT_PRELU) {          \
            VI pos_ = f >= zero;                                                                  \
            f = (VT)(((VI)f & pos_) | ((VI)(f * (e)->slope) & ~pos_));                            \
        } else if ((e)->act != OR_KERNEL_ACT_NONE) {                                              \
            float lanes_[N];                                                                      \
            memcpy(lanes_, &f, sizeof lanes_);                                                    \
            for (int t_ = 0; t_ < (N); t_++)                                                      \
                lanes_[t_] = act_apply_f32(lanes_[t_], (e)->act, (e)->slope, (e)->slope);         \
            memcpy(&f, lanes_, sizeof lanes_);                                                    \
        }                                                                                         \
        if ((e)->res)                                                                             \
            f *= (e)->res_scale;                                                                  \
    } while (0)

/* The input transform's body for one vector of tiles (VT): V[k*6 + l] (at v + (k*6 + l) * pstride)
 * = (B^T d B)[k][l], d[r][c] VT d[WN][WN]; shared by the AVX2 and AVX-512 code. */
#define WINO_INPUT_TRANSFORM(VT, STORE)                                                           \
    {                                                                                             \
        VT tmp[WN][WN], o[WN];                                                                    \
        for (int c = 0; c < WN; c++) {                                                            \
            BT6(d[0][c], d[1][c], d[2][c], d[3][c], d[4][c], d[5][c], o);                         \
            for (int k = 0; k < WN; k++)                                                          \
                tmp[k][c] = o[k];                                                                 \
        }                                                                                         \
        for (int k = 0; k < WN; k++) {                                                            \
            BT6(tmp[k][0], tmp[k][1], tmp[k][2], tmp[k][3], tmp[k][4], tmp[k][5], o);             \
            for (int l = 0; l < WN; l++)                                                          \
                STORE(v + (size_t)(k * WN + l) * pstride, o[l]);                                  \
        }                                                                                         \
    }

/* The output transform's body for one vector of N tiles (VT, VI its int twin): o[a][b] =
 * epilogue((A^T M A)[a][b]) without the residual, M[p] at m + p * pstride, epilogue e. */
#define WINO_OUTPUT_TRANSFORM(VT, VI, LOAD, SET1, N)                                              \
    {                                                                                             \
        VT tmp[WT][WN], r[WT];                                                                    \
        for (int c = 0; c < WN; c++) {                                                            \
            const float *mc = m + (size_t)c * pstride;                                            \
            size_t rs = (size_t)WN * pstride;                                                     \
            AT6(LOAD(mc), LOAD(mc + rs), LOAD(mc + 2 * rs), LOAD(mc + 3 * rs), LOAD(mc + 4 * rs), \
                LOAD(mc + 5 * rs), r);                                                            \
            for (int a = 0; a < WT; a++)                                                          \
                tmp[a][c] = r[a];                                                                 \
        }                                                                                         \
        VT bias = SET1(e->bias), zero = SET1(0.0f);                                               \
        for (int a = 0; a < WT; a++) {                                                            \
            AT6(tmp[a][0], tmp[a][1], tmp[a][2], tmp[a][3], tmp[a][4], tmp[a][5], r);             \
            for (int b = 0; b < WT; b++) {                                                        \
                VT f = r[b] + bias;                                                               \
                TILE_EPILOGUE(f, e, zero, VT, VI, N);                                             \
                o[a][b] = f;                                                                      \
            }                                                                                     \
        }                                                                                         \
    }

/* ---- GEMM: M[p] [Co x ncol] = U[p] [Co x Ci] . V[p] [Ci x ncol] ----------------------------- */

/* m[r][j] (+)= sum_i u[i][r] v[i][j] for r < rows (<= MR), j < 8 nv, i < ci: u packed [Ci][MR],
 * v rows ldv floats apart, m rows ldm floats apart; add: accumulate onto m. 4 x 3 accumulators,
 * one broadcast per row and k. */
/* The body of micro_kernel and its AVX-512 twin: vectors VT of W floats, up to NVMAX of them. */
#define WINO_MICRO_KERNEL(VT, LOAD, STORE, SET1, NVMAX, W)                                        \
    {                                                                                             \
        VT acc[MR][NVMAX];                                                                        \
        for (int r = 0; r < MR; r++)                                                              \
            for (int q = 0; q < NVMAX; q++)                                                       \
                acc[r][q] = add && r < rows && q < nv ? (VT)LOAD(m + (size_t)r * ldm + (W) * q)   \
                                                      : SET1(0.0f);                               \
        for (int i = 0; i < ci; i++) {                                                            \
            const float *vi = v + (size_t)i * ldv;                                                \
            VT b[NVMAX];                                                                          \
            for (int q = 0; q < nv; q++)                                                          \
                b[q] = LOAD(vi + (W) * q);                                                        \
            for (int r = 0; r < MR; r++) {                                                        \
                VT a = SET1(u[(size_t)i * MR + r]);                                               \
                for (int q = 0; q < nv; q++)                                                      \
                    acc[r][q] += a * b[q];                                                        \
            }                                                                                     \
        }                                                                                         \
        for (int r = 0; r < rows; r++)                                                            \
            for (int q = 0; q < nv; q++)                                                          \
                STORE(m + (size_t)r * ldm + (W) * q, acc[r][q]);                                  \
    }

CPU_INLINE void micro_kernel(const float *u, const float *v, size_t ldv, int ci, float *m,
                              size_t ldm, int nv, int rows, int add)
WINO_MICRO_KERNEL(v8, v8_load, v8_store, v8_set1, 3, 8)

/* Whether a block of U (ci rows of MR) is all zeros: a transposed convolution's stacked phase kernels
 * (conv2d_winograd_phases_cpu.c) have a zero row or column, so G g G^T is zero at 11 of the 36
 * positions for each phase: 31% of the GEMM. Such a block is skipped, its rows of M set to zero
 * (or left, when accumulating): the sums of the others are unchanged. A nonzero block returns at
 * its first nonzero element. */
CPU_INLINE int u_block_zero(const float *u, int ci)
{
    for (int i = 0; i < ci * MR; i++)
        if (u[i] != 0.0f)
            return 0;
    return 1;
}

CPU_INLINE void zero_rows(float *m, size_t ldm, int rows, int ncol)
{
    for (int r = 0; r < rows; r++)
        memset(m + (size_t)r * ldm, 0, (size_t)ncol * sizeof(float));
}

/* m[r][j] (+)= sum_i u{0,1}[i][r] v[i][j] for r < rows (MR < rows <= 2 MR: the rows past MR from
 * u1, the next block of U), j < the lanes of one vector VT: 2 MR accumulators where
 * micro_kernel has MR for one vector of tiles, enough to cover the FMA latency (4 chains left
 * the FMA units half idle on 16x16 images). Each m[r][j] is the same chain of operations as in
 * micro_kernel, so the results are the same bits. */
#define WINO_TALL_KERNEL(VT, LOAD, STORE, SET1)                                                   \
    {                                                                                             \
        VT acc[2 * MR];                                                                           \
        for (int r = 0; r < 2 * MR; r++)                                                          \
            acc[r] = add && r < rows ? (VT)LOAD(m + (size_t)r * ldm) : SET1(0.0f);                \
        for (int i = 0; i < ci; i++) {                                                            \
            VT b = LOAD(v + (size_t)i * ldv);                                                     \
            for (int r = 0; r < MR; r++) {                                                        \
                acc[r] += SET1(u0[(size_t)i * MR + r]) * b;                                       \
                acc[MR + r] += SET1(u1[(size_t)i * MR + r]) * b;                                  \
            }                                                                                     \
        }                                                                                         \
        for (int r = 0; r < rows; r++)                                                            \
            STORE(m + (size_t)r * ldm, acc[r]);                                                   \
    }

CPU_INLINE void micro_kernel_tall(const float *u0, const float *u1, const float *v, size_t ldv,
                                  int ci, float *m, size_t ldm, int rows, int add)
WINO_TALL_KERNEL(v8, v8_load, v8_store, v8_set1)

/* The columns of one block of MR output channels (cols) and of two blocks whose columns are one
 * vector (tall: ncol <= tall_ncol): the micro-kernels of one vector width. */
typedef void (*wino_cols_fn)(const float *u, const float *v, size_t ldv, int ci, float *m,
                             size_t ldm, int ncol, int rows, int add);
typedef void (*wino_tall_fn)(const float *u0, const float *u1, const float *v, size_t ldv, int ci,
                             float *m, size_t ldm, int ncol, int rows, int add);

/* One transform position: u [Co_padded / MR][Ci][MR] (ldu = Ci: the full U's row of blocks),
 * v [Ci][ldv], m [co][ldm]; ncol a multiple of WG. Ci in chunks of kc rows, so that the chunk of
 * V (kc x ncol) stays in L1 while every MR output channels run over it; a zero block of U is
 * skipped (u_block_zero). Both GEMMs (AVX2, AVX-512) are this loop with their own micro-kernels,
 * inlined (constant function pointers). */
CPU_INLINE void wino_gemm_loop(const float *u, const float *v, size_t ldv, float *m, size_t ldm,
                               int co, int ci, int ncol, int kc, int tall_ncol, wino_cols_fn cols,
                               wino_tall_fn tall)
{
    for (int k0 = 0; k0 < ci; k0 += kc) {
        int kn = ci - k0 < kc ? ci - k0 : kc, add = k0 > 0;
        const float *vk = v + (size_t)k0 * ldv;
        for (int o = 0; o < co; o += MR) {
            int rows = co - o < MR ? co - o : MR;
            const float *uo = u + (size_t)o * ci + (size_t)k0 * MR;
            float *mo = m + (size_t)o * ldm;
            if (u_block_zero(uo, kn)) {
                if (!add)
                    zero_rows(mo, ldm, rows, ncol);
                continue;
            }
            if (ncol <= tall_ncol && co - o > MR && !u_block_zero(uo + (size_t)MR * ci, kn)) {
                int rows2 = co - o < 2 * MR ? co - o : 2 * MR;
                tall(uo, uo + (size_t)MR * ci, vk, ldv, kn, mo, ldm, ncol, rows2, add);
                o += MR;
                continue;
            }
            cols(uo, vk, ldv, kn, mo, ldm, ncol, rows, add);
        }
    }
}

/* ---- AVX-512 (conv2d_winograd_avx512_cpu.c; call only where the CPU has AVX-512F) ----------
 * Each computes what its AVX2 twin in conv2d_winograd_cpu.c computes, lane for lane with the
 * same operations, so the two agree bit for bit (test_ops conv2d_winograd_avx512_equals_avx2). */

/* gemm_position's twin: 4 x 64 register blocks (16 zmm accumulators). */
void wino_gemm_position_avx512(const float *u, const float *v, size_t ldv, float *m, size_t ldm,
                               int co, int ci, int ncol, int kc);
/* input_row_of_tiles' twin for 16 horizontally adjacent tiles (66 floats of 6 rows). */
void wino_input_row16_avx512(const float *x0, int w, float *v, size_t pstride);
/* output_row_of_tiles' twin for 16 tiles, all 4x4 inside the output. */
void wino_output_row16_avx512(const float *m, size_t pstride, const tile_epilogue *e, float *y0,
                              const float *r0, int wo);

#endif
