/* conv2d_winograd_phases_cpu.c: layers that become Winograd F(4x4,3x3) convolutions by splitting
 * pixels into phases (kernels/conv2d_winograd_cpu.c runs them):
 *   - dilated 3x3 stride-1 convolutions (padding = dilation), the Zhang networks' conv5/conv6;
 *   - 3x3 convolutions with stride 2 and dilation 2 (SIGGRAPH17's "[::2, ::2] then conv");
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
 * (padding 1) of the same phase of x with the same weights. Each phase (H/d x W/d) is cut into
 * segments of SEG_ROWS = 4 rows (one row of 4x4 tiles), and all d*d*ceil(H/(4d)) segments are
 * laid side by side in one image SEG_ROWS + 2 rows high, each with its row above and below (the
 * phase's, or zeros outside it) and followed by one zero column (so a segment's left and right
 * borders read zeros, as the phase's padding). That image is convolved by Winograd without
 * vertical padding (so its 4 output rows are the segments' rows) and one column of horizontal
 * padding, in one call. One tile row of the whole layer keeps the 8-tile groups full: SIGGRAPH17's
 * 512-channel layers at 256x256 input (16x16 phases) are 68 tiles here, against 72 tiles padded
 * to 96 with the phases side by side (16 rows x 4 x 18 columns) and 64 for an undilated layer of
 * the same size. An exact re-indexing, so the error bound is the undilated one on this layout. */

#define SEG_ROWS 4

typedef struct {
    int d, hp, wp; /* dilation; a phase's rows and columns */
    int nseg;      /* segments per phase */
    int pitch;     /* columns from a segment to the next: wp + 1 */
} seg_layout;

static seg_layout seg_layout_of(const or_conv_shape *s)
{
    seg_layout l = {s->dh, s->h / s->dh, s->w / s->dw, 0, s->w / s->dw + 1};
    l.nseg = (l.hp + SEG_ROWS - 1) / SEG_ROWS;
    return l;
}

/* The undilated convolution the layout is convolved by. */
static or_conv_shape seg_shape(const or_conv_shape *s)
{
    seg_layout l = seg_layout_of(s);
    or_conv_shape p = *s;
    p.h = SEG_ROWS + 2;
    p.ho = SEG_ROWS;
    p.w = p.wo = l.d * l.d * l.nseg * l.pitch;
    p.ph = 0;
    p.pw = 1;
    p.dh = p.dw = 1;
    return p;
}

int conv2d_winograd_dilated_applies(const or_conv_shape *s)
{
    int d = s->dh;
    if (d < 2 || s->dw != d || s->ph != d || s->pw != d || s->h % d || s->w % d ||
        s->ho != s->h || s->wo != s->w || s->sh != 1 || s->sw != 1)
        return 0;
    or_conv_shape p = seg_shape(s);
    return conv2d_winograd_applies(&p);
}

static size_t seg_floats(const or_conv_shape *s, int c, int rows)
{
    or_conv_shape p = seg_shape(s);
    return (size_t)s->n * c * rows * p.w;
}

size_t conv2d_winograd_dilated_scratch_bytes(const or_conv_shape *s, int threads)
{
    or_conv_shape p = seg_shape(s);
    size_t planes = (seg_floats(s, s->ci, p.h) + seg_floats(s, s->co, p.ho)) * sizeof(float);
    return (planes + 255) / 256 * 256 + conv2d_winograd_scratch_bytes(&p, threads);
}

/* Segment layout sg[n][c][row][g pitch + j] of full [n][c][H][W] for segment g = k nseg + q of
 * phase k = r d + t: row `row` of the segment is the phase's row SEG_ROWS q + row - halo, i.e.
 * full row d (SEG_ROWS q + row - halo) + r, column j is full column d j + t. halo = 1, rows =
 * SEG_ROWS + 2 (to_seg: zeros outside the phase and in the gaps) for an input, halo = 0, rows =
 * SEG_ROWS for an output (to_seg, or back into full when !to_seg: rows outside the phase
 * skipped). */
static void seg_copy(float *sg, float *full, const or_conv_shape *s, int c, int rows, int halo,
                     int to_seg)
{
    seg_layout l = seg_layout_of(s);
    int nseg = l.d * l.d * l.nseg, sw = nseg * l.pitch;
#pragma omp parallel for collapse(2) schedule(static)
    for (int nc = 0; nc < s->n * c; nc++)
        for (int g = 0; g < nseg; g++) {
            int k = g / l.nseg, q = g % l.nseg, r = k / l.d, t = k % l.d;
            for (int row = 0; row < rows; row++) {
                float *sr = sg + ((size_t)nc * rows + row) * sw + (size_t)g * l.pitch;
                int i = SEG_ROWS * q + row - halo; /* the phase's row */
                if (i < 0 || i >= l.hp) {
                    if (to_seg)
                        memset(sr, 0, (size_t)l.pitch * sizeof(float));
                    continue;
                }
                float *fr = full + ((size_t)nc * s->h + (size_t)l.d * i + r) * s->w + t;
                for (int j = 0; j < l.wp; j++) {
                    if (to_seg)
                        sr[j] = fr[(size_t)l.d * j];
                    else
                        fr[(size_t)l.d * j] = sr[j];
                }
                if (to_seg)
                    sr[l.wp] = 0.0f;
            }
        }
}

void conv2d_winograd_dilated_f32(const float *x, const float *u, float *y, const or_conv_shape *s,
                                 const or_epilogue_f32 *ep, int threads, float *scratch)
{
    or_conv_shape p = seg_shape(s);
    float *xs = scratch, *ys = scratch + seg_floats(s, s->ci, p.h);
    size_t planes = seg_floats(s, s->ci, p.h) + seg_floats(s, s->co, p.ho);
    float *wino = (float *)((char *)scratch + (planes * sizeof(float) + 255) / 256 * 256);
    seg_copy(xs, (float *)x, s, s->ci, p.h, 1, 1);
    or_epilogue_f32 e;
    if (ep) {
        e = *ep;
        if (ep->residual) { /* the residual's segments, in place in y's (which may alias it) */
            seg_copy(ys, (float *)ep->residual, s, s->co, p.ho, 0, 1);
            e.residual = ys;
        }
    }
    conv2d_winograd_f32(xs, u, ys, &p, ep ? &e : NULL, threads, wino);
    seg_copy(ys, y, s, s->co, p.ho, 0, 0);
}

/* ---- 3x3 convolutions with stride 2 and dilation 2 ------------------------------------------------
 * Along an axis with padding p = 2 q + r (r = 0 or 1), output o reads input 2 o - p + 2 k
 * (k = 0, 1, 2) = 2 (o + k - q - r) + r: only the pixels r, r + 2, ... So the layer is the 3x3
 * stride-1 undilated convolution, padding q + r, of the subsampled x[:, :, rh::2, rw::2]
 * (ceil((H - r) / 2) pixels), the same output size and the same taps in the same order: Zhang's
 * SIGGRAPH17 "[::2, ::2] then conv" (p = 2) is its own convolution on the subsampled image, with
 * the undilated Winograd error bound on that image. The subsampling is one gather. */

static int sub_size(int n, int p) { return (n - (p & 1) + 1) / 2; }

static or_conv_shape sub_shape(const or_conv_shape *s)
{
    or_conv_shape p = *s;
    p.h = sub_size(s->h, s->ph);
    p.w = sub_size(s->w, s->pw);
    p.ph = s->ph / 2 + (s->ph & 1);
    p.pw = s->pw / 2 + (s->pw & 1);
    p.sh = p.sw = p.dh = p.dw = 1;
    return p;
}

int conv2d_winograd_subsampled_applies(const or_conv_shape *s)
{
    if (s->kh != 3 || s->kw != 3 || s->sh != 2 || s->sw != 2 || s->dh != 2 || s->dw != 2 ||
        s->ph < 0 || s->pw < 0)
        return 0;
    or_conv_shape p = sub_shape(s);
    return p.h > 0 && p.w > 0 && conv2d_winograd_applies(&p);
}

static size_t sub_floats(const or_conv_shape *s)
{
    or_conv_shape p = sub_shape(s);
    return (size_t)s->n * s->ci * p.h * p.w;
}

size_t conv2d_winograd_subsampled_scratch_bytes(const or_conv_shape *s, int threads)
{
    or_conv_shape p = sub_shape(s);
    return (sub_floats(s) * sizeof(float) + 255) / 256 * 256 +
           conv2d_winograd_scratch_bytes(&p, threads);
}

void conv2d_winograd_subsampled_f32(const float *x, const float *u, float *y,
                                    const or_conv_shape *s, const or_epilogue_f32 *ep, int threads,
                                    float *scratch)
{
    or_conv_shape p = sub_shape(s);
    float *xs = scratch;
    float *wino = (float *)((char *)scratch + (sub_floats(s) * sizeof(float) + 255) / 256 * 256);
    int rh = s->ph & 1, rw = s->pw & 1;
#pragma omp parallel for collapse(2) schedule(static)
    for (int nc = 0; nc < s->n * s->ci; nc++)
        for (int i = 0; i < p.h; i++) {
            const float *xr = x + ((size_t)nc * s->h + 2 * i + rh) * s->w + rw;
            float *sr = xs + ((size_t)nc * p.h + i) * p.w;
            for (int j = 0; j < p.w; j++)
                sr[j] = xr[2 * j];
        }
    conv2d_winograd_f32(xs, u, y, &p, ep, threads, wino);
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
                           const or_epilogue_f32 *ep, int threads, float *scratch)
{
    or_conv_shape c = stacked_shape(s);
    size_t plane = (size_t)s->h * s->w;
    size_t y4_bytes = (size_t)s->n * 4 * s->co * plane * sizeof(float);
    float *y4 = scratch, *wino = (float *)((char *)scratch + (y4_bytes + 255) / 256 * 256);
    conv2d_winograd_f32(x, u, y4, &c, NULL, threads, wino);
    /* interleave the phases, a row of y at a time, and apply the epilogue to it while in L1 */
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < s->n; n++)
        for (int o = 0; o < s->co; o++) {
            size_t off = ((size_t)n * s->co + o) * 4 * plane;
            float *dst = y + off;
            const float *res = ep && ep->residual ? ep->residual + off : NULL;
            float bias = ep && ep->bias ? ep->bias[o] : 0.0f;
            float slope = ep && ep->prelu ? ep->prelu[o] : 0.0f;
            for (int yy = 0; yy < s->ho; yy++) {
                int a = yy / 2, r = yy % 2;
                float *row = dst + (size_t)yy * s->wo;
                for (int t = 0; t < 2; t++) {
                    const float *src = y4 + (((size_t)n * 4 + 2 * r + t) * s->co + o) * plane +
                                       (size_t)a * s->w;
                    for (int b = 0; b < s->w; b++)
                        row[2 * b + t] = src[b];
                }
                if (ep)
                    epilogue_run_f32(row, row, (size_t)s->wo, bias, ep->act, ep->alpha, slope,
                                     res ? res + (size_t)yy * s->wo : NULL, ep->res_scale);
            }
        }
}
