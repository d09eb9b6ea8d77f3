/* eltwise_nhwc_cpu.c: the elementwise kernels of eltwise_cpu.c for NHWC
 * tensors whose pixels sit ld elements apart (channel views of a wider
 * buffer).  Every value is computed with the same expression, in the same
 * order, as the NCHW kernel, so NHWC and NCHW agree bit for bit on the CPU.
 * Threaded with OpenMP over pixels; in place (y == x, y == b) is fine: each
 * element is read before it is written, by the same thread. */
#include <string.h>

#include "half.h"
#include "kernels.h"

void epilogue_nhwc_f32(float *y, int ldy, size_t pixels, int c, const or_epilogue_f32 *ep,
                       int ldr)
{
#pragma omp parallel for schedule(static)
    for (size_t p = 0; p < pixels; p++) {
        float *yy = y + p * (size_t)ldy;
        const float *rr = ep->residual ? ep->residual + p * (size_t)ldr : NULL;
        for (int ch = 0; ch < c; ch++) {
            float bias = ep->bias ? ep->bias[ch] : 0.0f;
            float slope = ep->prelu ? ep->prelu[ch] : 0.0f;
            float v = act_apply_f32(yy[ch] + bias, ep->act, ep->alpha, slope);
            yy[ch] = rr ? v * ep->res_scale + rr[ch] : v;
        }
    }
}

void activation_nhwc_f32(const float *x, int ldx, float *y, int ldy, size_t pixels, int c,
                         int act, float alpha, const float *prelu)
{
#pragma omp parallel for schedule(static)
    for (size_t p = 0; p < pixels; p++) {
        const float *xx = x + p * (size_t)ldx;
        float *yy = y + p * (size_t)ldy;
        for (int ch = 0; ch < c; ch++)
            yy[ch] = act_apply_f32(xx[ch], act, alpha, prelu ? prelu[ch] : 0.0f);
    }
}

void add_nhwc_f32(const float *a, int lda, float alpha, const float *b, int ldb, float beta,
                  float *y, int ldy, size_t pixels, int c)
{
#pragma omp parallel for schedule(static)
    for (size_t p = 0; p < pixels; p++) {
        const float *aa = a + p * (size_t)lda, *bb = b + p * (size_t)ldb;
        float *yy = y + p * (size_t)ldy;
        for (int ch = 0; ch < c; ch++)
            yy[ch] = alpha * aa[ch] + beta * bb[ch];
    }
}

/* One pixel of c values from xs to ys (dtype per side; same dtype copies the bits). */
static void cast_pixel(const void *xs, int x_f16, void *ys, int y_f16, int c)
{
    if (x_f16 == y_f16) {
        memmove(ys, xs, (size_t)c * (x_f16 ? 2 : 4));
    } else if (x_f16) {
        const uint16_t *xx = xs;
        float *yy = ys;
        for (int ch = 0; ch < c; ch++)
            yy[ch] = or_f16_to_f32(xx[ch]);
    } else {
        const float *xx = xs;
        uint16_t *yy = ys;
        for (int ch = 0; ch < c; ch++)
            yy[ch] = or_f32_to_f16(xx[ch]);
    }
}

void cast_nhwc_cpu(const void *x, int x_f16, int ldx, void *y, int y_f16, int ldy, size_t pixels,
                   int c)
{
    size_t xs = x_f16 ? 2 : 4, ys = y_f16 ? 2 : 4;
#pragma omp parallel for schedule(static)
    for (size_t p = 0; p < pixels; p++)
        cast_pixel((const char *)x + p * (size_t)ldx * xs, x_f16, (char *)y + p * (size_t)ldy * ys,
                   y_f16, c);
}
