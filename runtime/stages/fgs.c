/* fgs.c: the fast global smoother as OpenCV computes it (fgs.h).  Written from
 * Min et al. 2014 and checked against cv2.ximgproc (tests/fixtures/dex/fgs.bin,
 * test_fgs.c).
 *
 * Weights: c_h[i][j] between (i,j) and (i,j+1), c_v[i][j] between (i,j) and
 * (i+1,j), each LUT[d^2] = -exp(-sqrt(d^2) / sigma) of the guide difference d (0
 * past the last column / row).  One pass over a line x_0..x_{n-1} with weights
 * c_0..c_{n-1} solves (I - lambda L) y = x for the line's tridiagonal L by the
 * Thomas algorithm:
 *   forward   a_j = lambda c_j; den_j = 1 - a_{j-1} - a_j - e_{j-1} a_{j-1};
 *             e_j = a_j / den_j; y_j = (x_j - y_{j-1} a_{j-1}) / den_j
 *             (j = 0: den = 1 - a_0, no previous terms)
 *   backward  y_j -= e_j y_{j+1}.
 * The vertical pass runs the same recurrence down the columns, a row at a time
 * (each row's update is independent across columns, so it vectorises). */
#include "fgs.h"

#include <math.h>
#include <stdlib.h>

/* One row: x[0..w) with weights c[0..w), e: scratch [w]. */
static void solve_line(float *x, const float *c, float *e, int w, float lambda)
{
    float prev = lambda * c[0];
    e[0] = prev / (1 - prev);
    x[0] = x[0] / (1 - prev);
    for (int j = 1; j < w; j++) {
        float cur = lambda * c[j];
        float den = (1 - prev - cur) - e[j - 1] * prev;
        e[j] = cur / den;
        x[j] = (x[j] - x[j - 1] * prev) / den;
        prev = cur;
    }
    for (int j = w - 2; j >= 0; j--)
        x[j] = x[j] - e[j] * x[j + 1];
}

static void horizontal(float *x, const float *ch, float *e, int w, int h, float lambda)
{
#pragma omp parallel for schedule(static)
    for (int i = 0; i < h; i++)
        solve_line(x + (size_t)i * w, ch + (size_t)i * w, e + (size_t)i * w, w, lambda);
}

static void vertical(float *x, const float *cv, float *e, int w, int h, float lambda)
{
#pragma omp parallel for schedule(static)
    for (int j0 = 0; j0 < w; j0 += 64) { /* column stripes, rows walked in order */
        int j1 = j0 + 64 < w ? j0 + 64 : w;
        for (int j = j0; j < j1; j++) {
            float a = lambda * cv[j];
            e[j] = a / (1 - a);
            x[j] = x[j] / (1 - a);
        }
        for (int i = 1; i < h; i++) {
            const float *cp = cv + (size_t)(i - 1) * w, *cc = cv + (size_t)i * w;
            float *ep = e + (size_t)(i - 1) * w, *ec = e + (size_t)i * w;
            float *xp = x + (size_t)(i - 1) * w, *xc = x + (size_t)i * w;
            for (int j = j0; j < j1; j++) {
                float prev = lambda * cp[j], cur = lambda * cc[j];
                float den = (1 - prev - cur) - ep[j] * prev;
                ec[j] = cur / den;
                xc[j] = (xc[j] - xp[j] * prev) / den;
            }
        }
        for (int i = h - 2; i >= 0; i--) {
            float *xc = x + (size_t)i * w, *xn = x + (size_t)(i + 1) * w;
            const float *ec = e + (size_t)i * w;
            for (int j = j0; j < j1; j++)
                xc[j] = xc[j] - ec[j] * xn[j];
        }
    }
}

or_status or_fgs_filter(const uint8_t *guide, int w, int h, float *x, int n, double lambda,
                        double sigma, double attenuation, int iterations, or_err *err)
{
    if (w < 1 || h < 1 || n < 0 || iterations < 1 || !(lambda >= 0) || !(sigma > 0))
        return or_errf(err, OR_EINVAL,
                       "fast global smoother: %dx%d, %d planes, lambda %g, sigma %g, %d "
                       "iterations: out of range", w, h, n, lambda, sigma, iterations);
    size_t px = (size_t)w * h;
    float *lut = malloc(256 * sizeof(float));
    float *ch = malloc(px * sizeof(float)), *cv = malloc(px * sizeof(float));
    float *e = malloc(px * sizeof(float));
    if (!lut || !ch || !cv || !e) {
        free(lut), free(ch), free(cv), free(e);
        return or_errf(err, OR_ENOMEM, "fast global smoother: out of memory for %dx%d", w, h);
    }
    /* the LUT of squared differences, at the 256 values a 1-channel guide can give */
    for (int d = 0; d < 256; d++)
        lut[d] = -expf(-sqrtf((float)(d * d)) / (float)sigma);
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            size_t p = (size_t)i * w + j;
            ch[p] = j + 1 < w ? lut[abs(guide[p] - guide[p + 1])] : 0.0f;
            cv[p] = i + 1 < h ? lut[abs(guide[p] - guide[p + w])] : 0.0f;
        }
    for (int k = 0; k < n; k++) {
        float *plane = x + (size_t)k * px, lam = (float)lambda;
        for (int it = 0; it < iterations; it++) {
            horizontal(plane, ch, e, w, h, lam);
            vertical(plane, cv, e, w, h, lam);
            lam *= (float)attenuation;
        }
    }
    free(lut), free(ch), free(cv), free(e);
    return OR_OK;
}
