/* conv2d_winograd_phases_cpu.c: layers that become Winograd F(4x4,3x3) convolutions by splitting
 * pixels into phases (kernels/conv2d_winograd_cpu.c runs them):
 *   - dilated 3x3 stride-1 convolutions (padding = dilation), the Zhang networks' conv5/conv6;
 *   - 4x4 stride-2 transposed convolutions with padding 1 (ConvTranspose2d(ci, co, 4, 2, 1)), the
 *     Zhang decoders' upsampling.
 * Both are exact re-indexings of the same sums, so the Winograd error bound carries over
 * (tests/op_matrix_winograd.c checks them against it). */
#include <stdlib.h>
#include <string.h>

#include "deconv_kernels.h"
#include "kernels.h"

/* ---- dilated 3x3 convolutions ----------------------------------------------------------------
 * With dilation d, padding d and H, W multiples of d, output pixel (d a + r, d b + t) reads only
 * input pixels (d i + r, d j + t): each of the d*d phases of y is the undilated 3x3 convolution
 * (padding 1) of the same phase of x with the same weights. The phases of an image are laid side
 * by side, each H/d x W/d followed by PHASE_GAP zero columns (so a phase's border reads zeros, as
 * its own padding), and the resulting (H/d) x d*d*(W/d + PHASE_GAP) images are convolved by
 * Winograd as one call: one wide image keeps the 8-tile groups full and the blocks few where the
 * phases alone would be a few tiles wide (SIGGRAPH17's 512-channel layers: 16x16 phases). An exact
 * re-indexing, so the error bound is the undilated one. */

#define PHASE_GAP 2

static int phase_pitch(const or_conv_shape *s) { return s->w / s->dw + PHASE_GAP; }

static or_conv_shape phase_shape(const or_conv_shape *s)
{
    int d = s->dh;
    or_conv_shape p = *s;
    p.h = p.ho = s->h / d;
    p.w = p.wo = d * d * phase_pitch(s);
    p.ph = p.pw = 1;
    p.dh = p.dw = 1;
    return p;
}

int conv2d_winograd_dilated_applies(const or_conv_shape *s)
{
    int d = s->dh;
    if (d < 2 || s->dw != d || s->ph != d || s->pw != d || s->h % d || s->w % d ||
        s->ho != s->h || s->wo != s->w)
        return 0;
    or_conv_shape p = phase_shape(s);
    return conv2d_winograd_applies(&p);
}

static size_t phase_floats(const or_conv_shape *s, int c)
{
    or_conv_shape p = phase_shape(s);
    return (size_t)s->n * c * p.h * p.w;
}

size_t conv2d_winograd_dilated_scratch_bytes(const or_conv_shape *s, int threads)
{
    or_conv_shape p = phase_shape(s);
    size_t planes = (phase_floats(s, s->ci) + phase_floats(s, s->co)) * sizeof(float);
    return (planes + 255) / 256 * 256 + conv2d_winograd_scratch_bytes(&p, threads);
}

/* ph[n][c][i][k pitch + j] = full[n][c][d i + r][d j + t] for phase k = r d + t, gaps zero
 * (to_phases), or the reverse. */
static void phases_copy(float *ph, float *full, const or_conv_shape *s, int c, int to_phases)
{
    int d = s->dh, hp = s->h / d, wp = s->w / d, pitch = phase_pitch(s), pw = d * d * pitch;
#pragma omp parallel for collapse(2) schedule(static)
    for (int nc = 0; nc < s->n * c; nc++)
        for (int i = 0; i < hp; i++) {
            float *row = ph + ((size_t)nc * hp + i) * pw;
            for (int k = 0; k < d * d; k++) {
                const size_t fr = ((size_t)nc * s->h + d * i + k / d) * s->w + k % d;
                float *pr = row + (size_t)k * pitch;
                for (int j = 0; j < wp; j++) {
                    if (to_phases)
                        pr[j] = full[fr + (size_t)d * j];
                    else
                        full[fr + (size_t)d * j] = pr[j];
                }
                if (to_phases)
                    memset(pr + wp, 0, PHASE_GAP * sizeof(float));
            }
        }
}

void conv2d_winograd_dilated_f32(const float *x, const float *u, float *y, const or_conv_shape *s,
                                 const or_epilogue_f32 *ep, int threads, float *scratch)
{
    or_conv_shape p = phase_shape(s);
    float *xp = scratch, *yp = scratch + phase_floats(s, s->ci);
    size_t planes = phase_floats(s, s->ci) + phase_floats(s, s->co);
    float *wino = (float *)((char *)scratch + (planes * sizeof(float) + 255) / 256 * 256);
    phases_copy(xp, (float *)x, s, s->ci, 1);
    or_epilogue_f32 e;
    if (ep) {
        e = *ep;
        if (ep->residual) { /* the residual's phases, in place in y's (which may alias it) */
            phases_copy(yp, (float *)ep->residual, s, s->co, 1);
            e.residual = yp;
        }
    }
    conv2d_winograd_f32(xp, u, yp, &p, ep ? &e : NULL, threads, wino);
    phases_copy(yp, y, s, s->co, 0);
}

/* ---- 4x4 stride-2 transposed convolutions --------------------------------------------------------
 * ConvTranspose2d(k = 4, s = 2, p = 1): y[2a + r] = x[a - 1] w[3] + x[a] w[1] (r = 0) and
 * x[a] w[2] + x[a + 1] w[0] (r = 1), along each axis. So output phase (r, t) is the 3x3
 * convolution (padding 1) of x with the kernel whose taps (ky, kx) are w[tap(r, ky)][tap(t, kx)]
 * (zero where tap is -1): the four phases stacked as 4 Co output channels make one Winograd
 * convolution, 2.25 multiplies per output and input channel instead of the direct 4. */

static const int deconv_tap[2][3] = {{3, 1, -1}, {-1, 2, 0}};

int deconv2d_winograd_applies(const or_deconv_shape *s)
{
    if (s->kh != 4 || s->kw != 4 || s->sh != 2 || s->sw != 2 || s->ph != 1 || s->pw != 1 ||
        s->dh != 1 || s->dw != 1 || s->ho != 2 * s->h || s->wo != 2 * s->w)
        return 0;
    or_conv_shape c = {s->n, s->ci, s->h, s->w, 4 * s->co, 3, 3, 1, 1, 1, 1, 1, 1, s->h, s->w};
    return conv2d_winograd_applies(&c);
}

void deconv2d_phase_kernels(const float *w, int ci, int co, float *k3)
{
    for (int q = 0; q < 4; q++)
        for (int o = 0; o < co; o++)
            for (int i = 0; i < ci; i++) {
                const float *wi = w + ((size_t)i * co + o) * 16;
                float *k = k3 + (((size_t)q * co + o) * ci + i) * 9;
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++) {
                        int ty = deconv_tap[q / 2][ky], tx = deconv_tap[q % 2][kx];
                        k[ky * 3 + kx] = ty < 0 || tx < 0 ? 0.0f : wi[ty * 4 + tx];
                    }
            }
}

static or_conv_shape stacked_shape(const or_deconv_shape *s)
{
    or_conv_shape c = {s->n, s->ci, s->h, s->w, 4 * s->co, 3, 3, 1, 1, 1, 1, 1, 1, s->h, s->w};
    return c;
}

size_t deconv2d_winograd_scratch_bytes(const or_deconv_shape *s, int threads)
{
    or_conv_shape c = stacked_shape(s);
    size_t y4 = (size_t)s->n * 4 * s->co * s->h * s->w * sizeof(float);
    return (y4 + 255) / 256 * 256 + conv2d_winograd_scratch_bytes(&c, threads);
}

void deconv2d_winograd_f32(const float *x, const float *u, float *y, const or_deconv_shape *s,
                           int threads, float *scratch)
{
    or_conv_shape c = stacked_shape(s);
    size_t plane = (size_t)s->h * s->w;
    size_t y4_bytes = (size_t)s->n * 4 * s->co * plane * sizeof(float);
    float *y4 = scratch, *wino = (float *)((char *)scratch + (y4_bytes + 255) / 256 * 256);
    conv2d_winograd_f32(x, u, y4, &c, NULL, threads, wino);
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < s->n; n++)
        for (int o = 0; o < s->co; o++)
            for (int q = 0; q < 4; q++) {
                const float *src = y4 + (((size_t)n * 4 + q) * s->co + o) * plane;
                float *dst = y + ((size_t)n * s->co + o) * 4 * plane;
                int r = q / 2, t = q % 2;
                for (int a = 0; a < s->h; a++)
                    for (int b = 0; b < s->w; b++)
                        dst[(size_t)(2 * a + r) * s->wo + 2 * b + t] = src[(size_t)a * s->w + b];
            }
}
