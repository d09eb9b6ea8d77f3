/* resize.c: Lanczos-4 resampling with OpenCV's INTER_LANCZOS4 conventions
 * (what Real-ESRGAN uses when the requested scale is not the network's). */
#include "resize.h"

#include <math.h>
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
