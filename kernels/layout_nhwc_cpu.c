/* layout_nhwc_cpu.c: the layout kernels of layout_cpu.c for NHWC tensors
 * (pixels ldx / ldy elements apart), and the NCHW <-> NHWC conversions.
 * Same index semantics as the NCHW kernels; values are only moved, so the
 * results are bit-exact.  Threaded with OpenMP over output rows.  Shapes
 * (n, c, h, w) are the input's. */
#include <string.h>

#include "kernels.h"

/* y[b, k, oh, ow] = x[b, k*r*r + (oh%r)*r + ow%r, oh/r, ow/r],  y [n, c/(r*r), h*r, w*r] */
void pixel_shuffle_nhwc_f32(const float *x, int ldx, float *y, int ldy, int n, int c, int h,
                            int w, int r)
{
    int co = c / (r * r), ho = h * r, wo = w * r;
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < n; b++)
        for (int oh = 0; oh < ho; oh++)
            for (int ow = 0; ow < wo; ow++) {
                float *yp = y + (((size_t)b * ho + oh) * wo + ow) * ldy;
                const float *xp = x + (((size_t)b * h + oh / r) * w + ow / r) * ldx +
                                  (oh % r) * r + ow % r;
                for (int k = 0; k < co; k++)
                    yp[k] = xp[(size_t)k * r * r];
            }
}

/* y[b, k*r*r + i*r + j, oh, ow] = x[b, k, oh*r + i, ow*r + j],  y [n, c*r*r, h/r, w/r] */
void pixel_unshuffle_nhwc_f32(const float *x, int ldx, float *y, int ldy, int n, int c, int h,
                              int w, int r)
{
    int ho = h / r, wo = w / r;
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < n; b++)
        for (int oh = 0; oh < ho; oh++)
            for (int ow = 0; ow < wo; ow++) {
                float *yp = y + (((size_t)b * ho + oh) * wo + ow) * ldy;
                for (int i = 0; i < r; i++)
                    for (int j = 0; j < r; j++) {
                        size_t iy = (size_t)oh * r + i, ix = (size_t)ow * r + j;
                        const float *xp = x + (((size_t)b * h + iy) * w + ix) * ldx;
                        for (int k = 0; k < c; k++)
                            yp[(size_t)k * r * r + i * r + j] = xp[k];
                    }
            }
}

/* y[b, k, oh, ow] = x[b, k, oh/s, ow/s],  y [n, c, h*s, w*s] */
void upsample_nearest_nhwc_f32(const float *x, int ldx, float *y, int ldy, int n, int c, int h,
                               int w, int s)
{
    int ho = h * s, wo = w * s;
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < n; b++)
        for (int oh = 0; oh < ho; oh++)
            for (int ow = 0; ow < wo; ow++) {
                const float *xp = x + (((size_t)b * h + oh / s) * w + ow / s) * ldx;
                memcpy(y + (((size_t)b * ho + oh) * wo + ow) * ldy, xp, (size_t)c * sizeof(float));
            }
}

/* The conversions move 2- or 4-byte elements as bits (T = uint16_t / uint32_t),
 * one output row per iteration. */
#define NCHW_TO_NHWC(T)                                                                        \
    do {                                                                                      \
        const T *xs = x;                                                                      \
        T *ys = y;                                                                            \
        _Pragma("omp parallel for collapse(2) schedule(static)")                              \
        for (int b = 0; b < n; b++)                                                           \
            for (int yy = 0; yy < h; yy++)                                                    \
                for (int xx = 0; xx < w; xx++) {                                              \
                    T *yp = ys + (((size_t)b * h + yy) * w + xx) * ldy;                       \
                    const T *xp = xs + (size_t)b * c * hw + (size_t)yy * w + xx;              \
                    for (int ch = 0; ch < c; ch++)                                            \
                        yp[ch] = xp[(size_t)ch * hw];                                         \
                }                                                                             \
    } while (0)

#define NHWC_TO_NCHW(T)                                                                        \
    do {                                                                                      \
        const T *xs = x;                                                                      \
        T *ys = y;                                                                            \
        _Pragma("omp parallel for collapse(2) schedule(static)")                              \
        for (int b = 0; b < n; b++)                                                           \
            for (int ch = 0; ch < c; ch++)                                                    \
                for (size_t p = 0; p < hw; p++)                                               \
                    ys[((size_t)b * c + ch) * hw + p] = xs[((size_t)b * hw + p) * ldx + ch];  \
    } while (0)

void nchw_to_nhwc_cpu(const void *x, void *y, int ldy, int f16, int n, int c, int h, int w)
{
    size_t hw = (size_t)h * w;
    if (f16)
        NCHW_TO_NHWC(uint16_t);
    else
        NCHW_TO_NHWC(uint32_t);
}

void nhwc_to_nchw_cpu(const void *x, int ldx, void *y, int f16, int n, int c, int h, int w)
{
    size_t hw = (size_t)h * w;
    if (f16)
        NHWC_TO_NCHW(uint16_t);
    else
        NHWC_TO_NCHW(uint32_t);
}
