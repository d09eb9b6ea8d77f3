/* conv2d_winograd_avx512_cpu.c: the AVX-512 pieces of the Winograd F(4x4,3x3) convolution
 * (conv2d_winograd_cpu.c calls them where the CPU has AVX-512F): the GEMM with 16 tiles per zmm
 * register and the input and output transforms of 16 tiles at a time. Lane for lane they do
 * what the AVX2 code does, with the same operations in the same order (fused multiply-adds
 * where that code has them under x86-64-v4), so their results are the same bits
 * (test_ops conv2d_winograd_avx512_equals_avx2); only the instruction count halves. */
#include "conv2d_winograd_internal.h"
#include "simd_cpu.h"

typedef float v16 __attribute__((vector_size(64)));
typedef int v16i __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4), may_alias));
#define v16_load(p) (*(const v16u *)(p))
#define v16_store(p, a) (*(v16u *)(p) = (a))
#define v16_set1(f) ((v16){f, f, f, f, f, f, f, f, f, f, f, f, f, f, f, f})

/* ---- GEMM --------------------------------------------------------------------------------- */

WINO_AVX512 CPU_INLINE void micro_kernel16(const float *u, const float *v, size_t ldv, int ci,
                                            float *m, size_t ldm, int nv, int rows, int add)
WINO_MICRO_KERNEL(v16, v16_load, v16_store, v16_set1, 4, 16)

WINO_AVX512 CPU_INLINE void micro_kernel16_tall(const float *u0, const float *u1, const float *v,
                                                 size_t ldv, int ci, float *m, size_t ldm, int rows,
                                                 int add)
WINO_TALL_KERNEL(v16, v16_load, v16_store, v16_set1)

/* ncol columns (a multiple of 8): 4 zmm at a time, then 3, 2 or 1, then a ymm */
WINO_AVX512 CPU_INLINE void cols16(const float *u, const float *v, size_t ldv, int ci, float *m,
                                   size_t ldm, int ncol, int rows, int add)
{
    int j = 0;
    for (; j + 64 <= ncol; j += 64)
        micro_kernel16(u, v + j, ldv, ci, m + j, ldm, 4, rows, add);
    switch ((ncol - j) / 16) {
    case 3: micro_kernel16(u, v + j, ldv, ci, m + j, ldm, 3, rows, add); break;
    case 2: micro_kernel16(u, v + j, ldv, ci, m + j, ldm, 2, rows, add); break;
    case 1: micro_kernel16(u, v + j, ldv, ci, m + j, ldm, 1, rows, add); break;
    }
    j += (ncol - j) / 16 * 16;
    if (ncol - j == 8)
        micro_kernel(u, v + j, ldv, ci, m + j, ldm, 1, rows, add);
}

/* ncol 8 or 16: one ymm or one zmm of tiles, two blocks of U */
WINO_AVX512 CPU_INLINE void tall16(const float *u0, const float *u1, const float *v, size_t ldv,
                                   int ci, float *m, size_t ldm, int ncol, int rows, int add)
{
    if (ncol == 16)
        micro_kernel16_tall(u0, u1, v, ldv, ci, m, ldm, rows, add);
    else
        micro_kernel_tall(u0, u1, v, ldv, ci, m, ldm, rows, add);
}

WINO_AVX512
void wino_gemm_position_avx512(const float *u, const float *v, size_t ldv, float *m, size_t ldm,
                               int co, int ci, int ncol, int kc)
{
    wino_gemm_loop(u, v, ldv, m, ldm, co, ci, ncol, kc, 16, cols16, tall16);
}

/* ---- transforms of 16 tiles -------------------------------------------------------------- */

/* c[k][t] = row[4t + k], k < 6, t < 16: the six columns of 16 adjacent tiles, from 66 floats. */
WINO_AVX512 CPU_INLINE void deinterleave16(const float *row, v16 c[WN])
{
    v16 a0 = v16_load(row), a1 = v16_load(row + 16), a2 = v16_load(row + 32), a3 = v16_load(row + 48);
    /* x: columns 0 and 1 of tiles 0..7 (a0, a1) or 8..15 (a2, a3); y: columns 2 and 3 */
    v16 x01 = __builtin_shufflevector(a0, a1, 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
    v16 y01 = __builtin_shufflevector(a0, a1, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
    v16 x23 = __builtin_shufflevector(a2, a3, 0, 4, 8, 12, 16, 20, 24, 28, 1, 5, 9, 13, 17, 21, 25, 29);
    v16 y23 = __builtin_shufflevector(a2, a3, 2, 6, 10, 14, 18, 22, 26, 30, 3, 7, 11, 15, 19, 23, 27, 31);
    c[0] = __builtin_shufflevector(x01, x23, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    c[1] = __builtin_shufflevector(x01, x23, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    c[2] = __builtin_shufflevector(y01, y23, 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
    c[3] = __builtin_shufflevector(y01, y23, 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    v16 tail = v16_load(row + 50); /* row[64], row[65] in lanes 14, 15 (no read past row[65]) */
    c[4] = __builtin_shufflevector(c[0], tail, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 30);
    c[5] = __builtin_shufflevector(c[1], tail, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 31);
}

WINO_AVX512 CPU_INLINE void input_transform16(v16 d[WN][WN], float *v, size_t pstride)
WINO_INPUT_TRANSFORM(v16, v16_store)

void WINO_AVX512 wino_input_row16_avx512(const float *x0, int w, float *v, size_t pstride)
{
    v16 d[WN][WN];
    for (int r = 0; r < WN; r++)
        deinterleave16(x0 + (size_t)r * w, d[r]);
    input_transform16(d, v, pstride);
}

/* out[4t + b] = o[b][t], b < 4, t < 16 (inverse of deinterleave16 for a row of output tiles). */
WINO_AVX512 CPU_INLINE void interleave16(const v16 o[WT], v16 w[4])
{
    v16 lo01 = __builtin_shufflevector(o[0], o[1], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    v16 hi01 = __builtin_shufflevector(o[0], o[1], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    v16 lo23 = __builtin_shufflevector(o[2], o[3], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    v16 hi23 = __builtin_shufflevector(o[2], o[3], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    w[0] = __builtin_shufflevector(lo01, lo23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
    w[1] = __builtin_shufflevector(lo01, lo23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
    w[2] = __builtin_shufflevector(hi01, hi23, 0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7, 22, 23);
    w[3] = __builtin_shufflevector(hi01, hi23, 8, 9, 24, 25, 10, 11, 26, 27, 12, 13, 28, 29, 14, 15, 30, 31);
}

WINO_AVX512 CPU_INLINE void output_transform16(const float *m, size_t pstride,
                                               const tile_epilogue *e, v16 o[WT][WT])
WINO_OUTPUT_TRANSFORM(v16, v16i, v16_load, v16_set1, 16)

void WINO_AVX512 wino_output_row16_avx512(const float *m, size_t pstride, const tile_epilogue *e,
                                          float *y0, const float *r0, int wo)
{
    v16 o[WT][WT], w[4];
    output_transform16(m, pstride, e, o);
    for (int a = 0; a < WT; a++) {
        interleave16(o[a], w);
        float *yr = y0 + (size_t)a * wo;
        const float *rr = r0 ? r0 + (size_t)a * wo : NULL;
        for (int k = 0; k < 4; k++)
            v16_store(yr + 16 * k, rr ? w[k] + v16_load(rr + 16 * k) : w[k]);
    }
}
