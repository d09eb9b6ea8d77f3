/* resize.c: Lanczos-4 resampling with OpenCV's INTER_LANCZOS4 conventions
 * (what Real-ESRGAN uses when the requested scale is not the network's). */
#include "resize.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define TAPS 8

/* Per output position: the first source index (may be outside the image) and
 * 8 normalised weights. */
typedef struct {
    int *first;
    float *w;
} taps;

static double sinc(double t) { return t == 0.0 ? 1.0 : sin(t) / t; }

static int make_taps(int src, int dst, taps *t)
{
    t->first = malloc((size_t)dst * sizeof *t->first);
    t->w = malloc((size_t)dst * TAPS * sizeof *t->w);
    if (!t->first || !t->w)
        return -1;
    const double scale = (double)src / dst;
    for (int d = 0; d < dst; d++) {
        double pos = (d + 0.5) * scale - 0.5;
        double base = floor(pos);
        double f = pos - base;
        float *w = t->w + (size_t)d * TAPS;
        t->first[d] = (int)base - 3;
        double k[TAPS], sum = 0;
        for (int i = 0; i < TAPS; i++) {
            double dist = f + 3 - i; /* distance from tap i to the sampling position */
            k[i] = f < 1e-7 ? (i == 3) : sinc(M_PI * dist) * sinc(M_PI * dist / 4);
            sum += k[i];
        }
        for (int i = 0; i < TAPS; i++)
            w[i] = (float)(k[i] / sum);
    }
    return 0;
}

static void free_taps(taps *t)
{
    free(t->first);
    free(t->w);
}

static inline int clampi(int i, int n) { return i < 0 ? 0 : i >= n ? n - 1 : i; }

or_status or_resize_lanczos4(const float *src, int c, int sh, int sw, float *dst, int dh, int dw,
                             or_err *err)
{
    if (c < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1)
        return or_errf(err, OR_EINVAL, "resize: bad sizes %dx%d -> %dx%d", sw, sh, dw, dh);
    taps tx = {0}, ty = {0};
    float *tmp = malloc((size_t)c * sh * dw * sizeof *tmp);
    if (!tmp || make_taps(sw, dw, &tx) || make_taps(sh, dh, &ty)) {
        free(tmp);
        free_taps(&tx);
        free_taps(&ty);
        return or_errf(err, OR_ENOMEM, "resize: out of memory for %dx%d -> %dx%d", sw, sh, dw,
                       dh);
    }
    /* horizontal: [c][sh][sw] -> [c][sh][dw] */
    const long rows = (long)c * sh;
#pragma omp parallel for schedule(static)
    for (long r = 0; r < rows; r++) {
        const float *s = src + (size_t)r * sw;
        float *o = tmp + (size_t)r * dw;
        for (int x = 0; x < dw; x++) {
            const float *w = tx.w + (size_t)x * TAPS;
            int x0 = tx.first[x];
            float acc = 0;
            if (x0 >= 0 && x0 + TAPS <= sw) {
                for (int i = 0; i < TAPS; i++)
                    acc += w[i] * s[x0 + i];
            } else {
                for (int i = 0; i < TAPS; i++)
                    acc += w[i] * s[clampi(x0 + i, sw)];
            }
            o[x] = acc;
        }
    }
    /* vertical: [c][sh][dw] -> [c][dh][dw] */
    const long orows = (long)c * dh;
#pragma omp parallel for schedule(static)
    for (long r = 0; r < orows; r++) {
        const int ch = (int)(r / dh), y = (int)(r % dh);
        const float *w = ty.w + (size_t)y * TAPS;
        const float *rowp[TAPS];
        for (int i = 0; i < TAPS; i++)
            rowp[i] = tmp + ((size_t)ch * sh + clampi(ty.first[y] + i, sh)) * dw;
        float *o = dst + (size_t)r * dw;
        for (int x = 0; x < dw; x++) {
            float acc = 0;
            for (int i = 0; i < TAPS; i++)
                acc += w[i] * rowp[i][x];
            o[x] = acc;
        }
    }
    free(tmp);
    free_taps(&tx);
    free_taps(&ty);
    return OR_OK;
}

/* ---- OpenCV's 8-bit fixed-point path ------------------------------------------------- */

/* interpolateLanczos4(x, coeffs) of imgproc/src/resize.cpp, float for float. */
static void cv_lanczos4_coeffs(float x, float c[TAPS])
{
    static const double s45 = 0.70710678118654752440084436210485;
    static const double cs[TAPS][2] = {{1, 0},  {-s45, -s45}, {0, 1},  {s45, -s45},
                                       {-1, 0}, {s45, s45},   {0, -1}, {-s45, s45}};
    float sum = 0;
    const double y0 = -(double)(x + 3) * M_PI * 0.25, s0 = sin(y0), c0 = cos(y0);
    for (int i = 0; i < TAPS; i++) {
        const float y0_ = x + 3 - (float)i;
        if (fabsf(y0_) >= 1e-6f) {
            const double y = -(double)y0_ * M_PI * 0.25;
            c[i] = (float)((cs[i][0] * s0 + cs[i][1] * c0) / (y * y));
        } else {
            c[i] = 1e30f; /* OpenCV's limit of sinc(x)/x at 0 */
        }
        sum += c[i];
    }
    sum = 1.f / sum;
    for (int i = 0; i < TAPS; i++)
        c[i] *= sum;
}

static inline int16_t sat_s16(float v)
{
    long r = lrintf(v); /* cvRound: to nearest, ties to even */
    return (int16_t)(r < INT16_MIN ? INT16_MIN : r > INT16_MAX ? INT16_MAX : r);
}

/* OpenCV's per-position source index and weights * 2048 (resize(): fx computed
 * from the double scale 1 / (dst / src) and rounded to float). */
static void cv_fixed_taps(int src, int dst, int *first, int16_t *w)
{
    const double scale = 1.0 / ((double)dst / src);
    for (int d = 0; d < dst; d++) {
        float fx = (float)((d + 0.5) * scale - 0.5);
        const int sx = (int)floorf(fx);
        fx -= (float)sx;
        float c[TAPS];
        cv_lanczos4_coeffs(fx, c);
        first[d] = sx - 3;
        for (int i = 0; i < TAPS; i++)
            w[(size_t)d * TAPS + i] = sat_s16(c[i] * 2048.0f);
    }
}

or_status or_resize_lanczos4_u8(const unsigned char *src, int c, int sh, int sw, unsigned char *dst,
                                int dh, int dw, or_err *err)
{
    if (c < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1)
        return or_errf(err, OR_EINVAL, "resize: bad sizes %dx%d -> %dx%d", sw, sh, dw, dh);
    int *fx = malloc((size_t)dw * sizeof *fx), *fy = malloc((size_t)dh * sizeof *fy);
    int16_t *wx = malloc((size_t)dw * TAPS * sizeof *wx), *wy = malloc((size_t)dh * TAPS * sizeof *wy);
    int32_t *tmp = malloc((size_t)c * sh * dw * sizeof *tmp);
    or_status st = OR_OK;
    if (!fx || !fy || !wx || !wy || !tmp) {
        st = or_errf(err, OR_ENOMEM, "resize: out of memory for %dx%d -> %dx%d", sw, sh, dw, dh);
        goto done;
    }
    cv_fixed_taps(sw, dw, fx, wx);
    cv_fixed_taps(sh, dh, fy, wy);
    /* horizontal: [c][sh][sw] u8 -> [c][sh][dw] int (sums of u8 * short) */
    const long rows = (long)c * sh;
#pragma omp parallel for schedule(static)
    for (long r = 0; r < rows; r++) {
        const unsigned char *s = src + (size_t)r * sw;
        int32_t *o = tmp + (size_t)r * dw;
        for (int x = 0; x < dw; x++) {
            const int16_t *w = wx + (size_t)x * TAPS;
            int32_t acc = 0;
            for (int i = 0; i < TAPS; i++)
                acc += (int32_t)s[clampi(fx[x] + i, sw)] * w[i];
            o[x] = acc;
        }
    }
    /* vertical: int * short summed in int, then (v + 2^21) >> 22 saturated */
    const long orows = (long)c * dh;
#pragma omp parallel for schedule(static)
    for (long r = 0; r < orows; r++) {
        const int ch = (int)(r / dh), y = (int)(r % dh);
        const int16_t *w = wy + (size_t)y * TAPS;
        const int32_t *rowp[TAPS];
        for (int i = 0; i < TAPS; i++)
            rowp[i] = tmp + ((size_t)ch * sh + clampi(fy[y] + i, sh)) * dw;
        unsigned char *o = dst + (size_t)r * dw;
        for (int x = 0; x < dw; x++) {
            int32_t acc = 0;
            for (int i = 0; i < TAPS; i++)
                acc += rowp[i][x] * w[i];
            const int32_t v = (acc + (1 << 21)) >> 22;
            o[x] = (unsigned char)(v < 0 ? 0 : v > 255 ? 255 : v);
        }
    }
done:
    free(fx), free(fy), free(wx), free(wy), free(tmp);
    return st;
}
