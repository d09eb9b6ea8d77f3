/* conv2d_direct_cpu.c: direct NCHW convolutions for the shapes the Winograd and GEMM paths serve
 * badly, vectorised over output pixels with the sums held in registers:
 *   - few taps (Ci kh kw <= DIRECT_MAX_TAPS, stride 1, undilated): the first layer of the Zhang
 *     networks (4 -> 64 or 1 -> 64, 3x3, at full size), below Winograd's Ci minimum, where the
 *     im2col GEMM has K = 36 and ran at 0.016-0.04 TFLOP/s;
 *   - 1x1 with few outputs (Co <= DIRECT_MAX_CO_1X1, no padding): SIGGRAPH17's last layer
 *     (128 -> 2 at full size), a GEMM with M = 2.
 * Per output row (or run of pixels), a block of COB output channels times NV vectors of 8 pixels
 * accumulates over every tap (ci, ky, kx) in registers (16 vectors), starting from the bias; the
 * epilogue is applied on the way out. Each output is the sum of its Ci kh kw products in tap order
 * in float (fused multiply-adds where the CPU has them): the error of a dot product of that
 * length, |err| <= gamma_K sum |w x| with K = Ci kh kw + 1. */
#include <stdint.h>
#include <string.h>

#include "kernels.h"
#include "simd_cpu.h"

#define DIRECT_MAX_TAPS 72
#define DIRECT_MAX_CO_1X1 4
#define DIRECT_MAX_CI_1X1 512

int conv2d_direct_applies(const or_conv_shape *s)
{
    if (s->sh != 1 || s->sw != 1 || s->dh != 1 || s->dw != 1 || s->ho < 1 || s->wo < 1)
        return 0;
    if (s->ci * s->kh * s->kw <= DIRECT_MAX_TAPS)
        return 1;
    return s->kh == 1 && s->kw == 1 && s->ph == 0 && s->pw == 0 && s->co <= DIRECT_MAX_CO_1X1 &&
           s->ci <= DIRECT_MAX_CI_1X1;
}

/* Output channels per block and vectors of 8 pixels per block: 16 accumulators either way. */
static int co_block(const or_conv_shape *s) { return s->co <= 2 ? 2 : 8; }

static int px_block(const or_conv_shape *s) { return 8 * (16 / co_block(s)); }

/* The padded input (1x1 without padding reads x in place): ho + kh - 1 rows of `pitch` floats
 * per channel, pitch >= the last block's reach. */
static int pad_pitch(const or_conv_shape *s)
{
    int pb = px_block(s);
    return (s->wo + pb - 1) / pb * pb + s->kw - 1;
}

static int reads_in_place(const or_conv_shape *s)
{
    return s->kh == 1 && s->kw == 1 && s->ph == 0 && s->pw == 0;
}

static size_t packed_w_floats(const or_conv_shape *s)
{
    int cob = co_block(s);
    return (size_t)(s->co + cob - 1) / cob * cob * s->ci * s->kh * s->kw;
}

/* Read in place, the last block of each image (past the end of the plane) is copied first:
 * ci x px_block floats. */
size_t conv2d_direct_scratch_bytes(const or_conv_shape *s)
{
    size_t pad = reads_in_place(s) ? (size_t)s->ci * px_block(s)
                                    : (size_t)s->n * s->ci * (s->ho + s->kh - 1) * pad_pitch(s);
    return (packed_w_floats(s) + pad) * sizeof(float) + 64;
}

/* wp[cb][tap][c] = w[cb cob + c][tap] (zeros past Co), tap = (ci kh + ky) kw + kx. */
static void pack_weights(const float *w, const or_conv_shape *s, float *wp)
{
    int cob = co_block(s), taps = s->ci * s->kh * s->kw, ncb = (s->co + cob - 1) / cob;
    for (int cb = 0; cb < ncb; cb++)
        for (int t = 0; t < taps; t++)
            for (int c = 0; c < cob; c++) {
                int o = cb * cob + c;
                wp[((size_t)cb * taps + t) * cob + c] = o < s->co ? w[(size_t)o * taps + t] : 0.0f;
            }
}

static void pad_input(const float *x, const or_conv_shape *s, float *xp)
{
    int rows = s->ho + s->kh - 1, pitch = pad_pitch(s);
#pragma omp parallel for schedule(static)
    for (int nc = 0; nc < s->n * s->ci; nc++)
        for (int r = 0; r < rows; r++) {
            float *dst = xp + ((size_t)nc * rows + r) * pitch;
            int iy = r - s->ph;
            memset(dst, 0, (size_t)pitch * sizeof(float));
            if (iy < 0 || iy >= s->h)
                continue;
            int lo = s->pw, n = s->w < pitch - lo ? s->w : pitch - lo;
            if (n > 0)
                memcpy(dst + lo, x + ((size_t)nc * s->h + iy) * s->w, (size_t)n * sizeof(float));
        }
}

typedef struct {
    const float *bias, *prelu, *res;
    int act;
    float alpha, res_scale;
} direct_ep;

/* *fp = epilogue(*fp) for output channel o at the pixels of `res` (NULL: none); no v8 passes
 * through a call (the clone without AVX). */
CPU_INLINE void apply_ep(v8 *fp, const direct_ep *e, int o, const float *res)
{
    v8 f = *fp, zero = v8_set1(0.0f);
    if (e->act == OR_KERNEL_ACT_RELU) {
        f = (v8)((v8i)f & (f > zero));
    } else if (e->act == OR_KERNEL_ACT_LEAKY || e->act == OR_KERNEL_ACT_PRELU) {
        float slope = e->act == OR_KERNEL_ACT_PRELU ? e->prelu[o] : e->alpha;
        v8i pos = f >= zero;
        f = (v8)(((v8i)f & pos) | ((v8i)(f * slope) & ~pos));
    } else if (e->act != OR_KERNEL_ACT_NONE) {
        float t[8];
        v8_store(t, f);
        for (int k = 0; k < 8; k++)
            t[k] = act_apply_f32(t[k], e->act, e->alpha, 0.0f);
        f = v8_load(t);
    }
    if (res)
        f = f * e->res_scale + v8_load(res);
    *fp = f;
}

/* COB channels x NV vectors of pixels from x0 (tap t at x0 + off[t]) into y0 (channel planes
 * `plane` apart), n of the NV * 8 pixels stored. */
#define DIRECT_BLOCK(NAME, COB, NV)                                                             \
    CPU_CLONES static void NAME(const float *x0, const size_t *off, int taps,               \
                                   const float *wp, const direct_ep *e, int o0, int co,         \
                                   float *y0, size_t plane, int n)                             \
    {                                                                                          \
        v8 acc[COB][NV];                                                                       \
        for (int c = 0; c < COB; c++) {                                                        \
            float b = e->bias && o0 + c < co ? e->bias[o0 + c] : 0.0f;                         \
            for (int q = 0; q < NV; q++)                                                       \
                acc[c][q] = v8_set1(b);                                                        \
        }                                                                                      \
        for (int t = 0; t < taps; t++) {                                                       \
            const float *xt = x0 + off[t], *wt = wp + (size_t)t * COB;                         \
            v8 xv[NV];                                                                         \
            for (int q = 0; q < NV; q++)                                                       \
                xv[q] = v8_load(xt + 8 * q);                                                   \
            for (int c = 0; c < COB; c++) {                                                    \
                v8 wv = v8_set1(wt[c]);                                                        \
                for (int q = 0; q < NV; q++)                                                   \
                    acc[c][q] += wv * xv[q];                                                   \
            }                                                                                  \
        }                                                                                      \
        for (int c = 0; c < COB && o0 + c < co; c++) {                                         \
            float *yc = y0 + (size_t)c * plane;                                                \
            const float *rc = e->res ? e->res + (yc - y0) : NULL;                              \
            for (int q = 0; q < NV && 8 * q < n; q++) {                                        \
                const float *rq = rc ? rc + 8 * q : NULL;                                      \
                if (8 * q + 8 <= n) {                                                          \
                    apply_ep(&acc[c][q], e, o0 + c, rq);                                       \
                    v8_store(yc + 8 * q, acc[c][q]);                                           \
                } else {                                                                       \
                    float t8[8], r8[8] = {0};                                                  \
                    if (rq)                                                                    \
                        memcpy(r8, rq, (size_t)(n - 8 * q) * sizeof(float));                   \
                    apply_ep(&acc[c][q], e, o0 + c, rq ? r8 : NULL);                           \
                    v8_store(t8, acc[c][q]);                                                   \
                    memcpy(yc + 8 * q, t8, (size_t)(n - 8 * q) * sizeof(float));               \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
    }

DIRECT_BLOCK(block_8x2, 8, 2)
DIRECT_BLOCK(block_2x8, 2, 8)

typedef struct {
    const float *src; /* the (padded) input */
    const size_t *off; /* tap offsets from a block's first pixel */
    int taps;
    size_t in_plane;   /* floats per channel of src */
    int pitch;         /* floats per row of src */
} direct_src;

/* Block b of run r of image n, channel block cb: from the source, or from `tail` (the block's
 * pixels copied, ci x pb, offsets toff) when given. */
static void run_block(const or_conv_shape *s, const direct_src *d, const float *wp,
                      const or_epilogue_f32 *ep, const direct_ep *e0, int n, int cb, int r,
                      int px, int cnt, const float *tail, const size_t *toff, float *y)
{
    int cob = co_block(s);
    size_t out_plane = (size_t)s->ho * s->wo;
    const float *x0 = tail ? tail
                           : d->src + (size_t)n * s->ci * d->in_plane + (size_t)r * d->pitch + px;
    size_t yoff = ((size_t)n * s->co + (size_t)cb * cob) * out_plane + (size_t)r * s->wo + px;
    direct_ep e = *e0;
    e.res = ep && ep->residual ? ep->residual + yoff : NULL;
    const float *wb = wp + (size_t)cb * d->taps * cob;
    const size_t *off = tail ? toff : d->off;
    if (cob == 8)
        block_8x2(x0, off, d->taps, wb, &e, cb * cob, s->co, y + yoff, out_plane, cnt);
    else
        block_2x8(x0, off, d->taps, wb, &e, cb * cob, s->co, y + yoff, out_plane, cnt);
}

void conv2d_direct_f32(const float *x, const float *w, float *y, const or_conv_shape *s,
                       const or_epilogue_f32 *ep, float *scratch)
{
    int cob = co_block(s), pb = px_block(s), ncb = (s->co + cob - 1) / cob;
    int taps = s->ci * s->kh * s->kw, in_place = reads_in_place(s);
    float *wp = scratch;
    float *xp = (float *)(((uintptr_t)(wp + packed_w_floats(s)) + 63) & ~(uintptr_t)63);
    pack_weights(w, s, wp);
    int rows = in_place ? s->h : s->ho + s->kh - 1, pitch = in_place ? s->w : pad_pitch(s);
    if (!in_place)
        pad_input(x, s, xp);
    size_t off[DIRECT_MAX_CI_1X1 > DIRECT_MAX_TAPS ? DIRECT_MAX_CI_1X1 : DIRECT_MAX_TAPS];
    size_t toff[DIRECT_MAX_CI_1X1 > DIRECT_MAX_TAPS ? DIRECT_MAX_CI_1X1 : DIRECT_MAX_TAPS];
    direct_src d = {in_place ? x : xp, off, taps, (size_t)rows * pitch, pitch};
    for (int t = 0; t < taps; t++) {
        int kx = t % s->kw, ky = t / s->kw % s->kh, ci = t / (s->kw * s->kh);
        off[t] = (size_t)ci * d.in_plane + (size_t)ky * pitch + kx;
        toff[t] = (size_t)t * pb; /* in place: 1x1, so tap = ci */
    }
    /* runs: an output row each, or (1x1 read in place) every pixel of an image as one run, whose
     * last block, when part-full, is copied to xp and run after the others */
    int runs = in_place ? 1 : s->ho, run_px = in_place ? s->ho * s->wo : s->wo;
    int nblk = in_place ? run_px / pb : (run_px + pb - 1) / pb;
    direct_ep e0 = {ep ? ep->bias : NULL, ep ? ep->prelu : NULL, NULL,
                    ep ? ep->act : OR_KERNEL_ACT_NONE, ep ? ep->alpha : 0.0f,
                    ep ? ep->res_scale : 1.0f};
#pragma omp parallel for collapse(3) schedule(static)
    for (int n = 0; n < s->n; n++)
        for (int cb = 0; cb < ncb; cb++)
            for (int r = 0; r < runs; r++)
                for (int b = 0; b < nblk; b++) {
                    int px = b * pb, cnt = run_px - px < pb ? run_px - px : pb;
                    run_block(s, &d, wp, ep, &e0, n, cb, r, px, cnt, NULL, NULL, y);
                }
    int rest = in_place ? run_px - nblk * pb : 0;
    for (int n = 0; rest > 0 && n < s->n; n++) {
        for (int ci = 0; ci < s->ci; ci++) {
            memset(xp + (size_t)ci * pb, 0, (size_t)pb * sizeof(float));
            memcpy(xp + (size_t)ci * pb, x + ((size_t)n * s->ci + ci) * run_px + nblk * pb,
                   (size_t)rest * sizeof(float));
        }
        for (int cb = 0; cb < ncb; cb++)
            run_block(s, &d, wp, ep, &e0, n, cb, 0, nblk * pb, rest, xp, toff, y);
    }
}
