/* resize_pil.c: Pillow's resampling (libImaging/Resample.c) on host planes.
 * See resize_pil.h for what is matched; names follow Pillow's where they help. */
#include "resize_pil.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PIL_PRECISION_BITS (32 - 8 - 2)

static double filter_box(double x) { return x > -0.5 && x <= 0.5 ? 1.0 : 0.0; }

static double filter_bilinear(double x)
{
    x = fabs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}

static double filter_hamming(double x)
{
    x = fabs(x);
    if (x == 0.0)
        return 1.0;
    if (x >= 1.0)
        return 0.0;
    x = x * M_PI;
    return sin(x) / x * (0.54 + 0.46 * cos(x));
}

static double filter_bicubic(double x)
{
    const double a = -0.5;
    x = fabs(x);
    if (x < 1.0)
        return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
    if (x < 2.0)
        return (((x - 5) * x + 8) * x - 4) * a;
    return 0.0;
}

static double sinc(double x)
{
    if (x == 0.0)
        return 1.0;
    x = x * M_PI;
    return sin(x) / x;
}

static double filter_lanczos(double x)
{
    return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
}

typedef struct {
    double (*fn)(double);
    double support;
} pil_filter;

static int pick_filter(or_pil_filter f, pil_filter *out)
{
    switch (f) {
    case OR_PIL_BOX: *out = (pil_filter){filter_box, 0.5}; return 1;
    case OR_PIL_BILINEAR: *out = (pil_filter){filter_bilinear, 1.0}; return 1;
    case OR_PIL_HAMMING: *out = (pil_filter){filter_hamming, 1.0}; return 1;
    case OR_PIL_BICUBIC: *out = (pil_filter){filter_bicubic, 2.0}; return 1;
    case OR_PIL_LANCZOS: *out = (pil_filter){filter_lanczos, 3.0}; return 1;
    }
    return 0;
}

const char *or_pil_filter_name(or_pil_filter f)
{
    switch (f) {
    case OR_PIL_BOX: return "box";
    case OR_PIL_BILINEAR: return "bilinear";
    case OR_PIL_HAMMING: return "hamming";
    case OR_PIL_BICUBIC: return "bicubic";
    case OR_PIL_LANCZOS: return "lanczos";
    }
    return "?";
}

/* One axis: per output pixel its first input (bounds[2i]), tap count
 * (bounds[2i+1]) and ksize normalised coefficients (Pillow's precompute_coeffs). */
typedef struct {
    int ksize;
    int *bounds;
    double *kk;
} pil_coeffs;

static int precompute_coeffs(int in_size, int out_size, const pil_filter *f, pil_coeffs *c)
{
    double scale = (double)in_size / out_size, filterscale = scale < 1.0 ? 1.0 : scale;
    double support = f->support * filterscale;
    c->ksize = (int)ceil(support) * 2 + 1;
    c->kk = calloc((size_t)out_size * c->ksize, sizeof(double));
    c->bounds = malloc((size_t)out_size * 2 * sizeof(int));
    if (!c->kk || !c->bounds)
        return 0;
    for (int xx = 0; xx < out_size; xx++) {
        double center = (xx + 0.5) * scale, ww = 0.0, ss = 1.0 / filterscale;
        int xmin = (int)(center - support + 0.5), xmax = (int)(center + support + 0.5);
        if (xmin < 0)
            xmin = 0;
        if (xmax > in_size)
            xmax = in_size;
        xmax -= xmin;
        double *k = &c->kk[(size_t)xx * c->ksize];
        for (int x = 0; x < xmax; x++) {
            double w = f->fn((x + xmin - center + 0.5) * ss);
            k[x] = w;
            ww += w;
        }
        for (int x = 0; x < xmax; x++)
            if (ww != 0.0)
                k[x] /= ww;
        c->bounds[xx * 2] = xmin;
        c->bounds[xx * 2 + 1] = xmax;
    }
    return 1;
}

static void free_coeffs(pil_coeffs *c)
{
    free(c->bounds);
    free(c->kk);
}

/* Pillow's normalize_coeffs_8bpc: round half away from zero to fixed point. */
static int32_t *fixed_coeffs(const pil_coeffs *c, int out_size)
{
    size_t n = (size_t)out_size * c->ksize;
    int32_t *k = malloc(n * sizeof(int32_t));
    if (!k)
        return NULL;
    for (size_t i = 0; i < n; i++)
        k[i] = c->kk[i] < 0 ? (int32_t)(-0.5 + c->kk[i] * (1 << PIL_PRECISION_BITS))
                            : (int32_t)(0.5 + c->kk[i] * (1 << PIL_PRECISION_BITS));
    return k;
}

static uint8_t clip8(int64_t v)
{
    if (v >= ((int64_t)1 << PIL_PRECISION_BITS << 8))
        return 255;
    if (v <= 0)
        return 0;
    return (uint8_t)(v >> PIL_PRECISION_BITS);
}

/* A pass over one plane: out[y][x] = sum_t in[(y + y0) * ... ] along the axis.
 * horizontal: in rows y0 .. y0+oh-1, taps along x; vertical: taps along y. */
static void pass_u8(const uint8_t *in, int iw, uint8_t *out, int ow, int oh, int y0, int horiz,
                    const pil_coeffs *c, const int32_t *k)
{
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
            int i = horiz ? x : y;
            int lo = c->bounds[2 * i], n = c->bounds[2 * i + 1];
            const int32_t *kr = &k[(size_t)i * c->ksize];
            int64_t ss = (int64_t)1 << (PIL_PRECISION_BITS - 1);
            if (horiz) {
                const uint8_t *row = in + (size_t)(y + y0) * iw + lo;
                for (int t = 0; t < n; t++)
                    ss += (int64_t)row[t] * kr[t];
            } else {
                for (int t = 0; t < n; t++)
                    ss += (int64_t)in[(size_t)(lo + t) * iw + x] * kr[t];
            }
            out[(size_t)y * ow + x] = clip8(ss);
        }
}

static void pass_f32(const float *in, int iw, float *out, int ow, int oh, int y0, int horiz,
                     const pil_coeffs *c)
{
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++) {
            int i = horiz ? x : y;
            int lo = c->bounds[2 * i], n = c->bounds[2 * i + 1];
            const double *kr = &c->kk[(size_t)i * c->ksize];
            double ss = 0.0;
            if (horiz) {
                const float *row = in + (size_t)(y + y0) * iw + lo;
                for (int t = 0; t < n; t++)
                    ss += row[t] * kr[t];
            } else {
                for (int t = 0; t < n; t++)
                    ss += in[(size_t)(lo + t) * iw + x] * kr[t];
            }
            out[(size_t)y * ow + x] = (float)ss;
        }
}

/* Pillow's ImagingResampleInner for one element type (u8 when f32 pointers are NULL). */
static or_status resample(const uint8_t *s8, const float *sf, int sw, int sh, int planes,
                          uint8_t *d8, float *df, int dw, int dh, or_pil_filter filter,
                          or_err *err)
{
    pil_filter f;
    if (!pick_filter(filter, &f))
        return or_errf(err, OR_EINVAL, "resize_pil: unknown filter %d", (int)filter);
    if (sw < 1 || sh < 1 || dw < 1 || dh < 1 || planes < 1)
        return or_errf(err, OR_EINVAL, "resize_pil: bad size %dx%d -> %dx%d (%d planes)", sw, sh,
                       dw, dh, planes);
    size_t esz = s8 ? 1 : sizeof(float);
    int need_h = dw != sw, need_v = dh != sh;
    if (!need_h && !need_v) {
        memcpy(s8 ? (void *)d8 : (void *)df, s8 ? (const void *)s8 : (const void *)sf,
               (size_t)planes * sw * sh * esz);
        return OR_OK;
    }
    pil_coeffs ch = {0}, cv = {0};
    int32_t *kh = NULL, *kv = NULL;
    void *tmp = NULL;
    or_status st = OR_OK;
    if (!precompute_coeffs(sw, dw, &f, &ch) || !precompute_coeffs(sh, dh, &f, &cv))
        goto oom;
    /* rows of the source the vertical pass reads */
    int ybox_first = cv.bounds[0], ybox_last = cv.bounds[dh * 2 - 2] + cv.bounds[dh * 2 - 1];
    int th = need_h ? (need_v ? ybox_last - ybox_first : dh) : sh;
    if (need_h)
        for (int i = 0; i < dh; i++)
            cv.bounds[i * 2] -= ybox_first;
    if (!need_v)
        ybox_first = 0;
    if (s8 && (!(kh = fixed_coeffs(&ch, dw)) || !(kv = fixed_coeffs(&cv, dh))))
        goto oom;
    if (need_h && need_v && !(tmp = malloc((size_t)dw * th * esz)))
        goto oom;
    for (int p = 0; p < planes; p++) {
        size_t so = (size_t)p * sw * sh, dof = (size_t)p * dw * dh;
        if (s8) {
            const uint8_t *vin = s8 + so;
            int vw = sw;
            if (need_h) {
                uint8_t *hout = need_v ? (uint8_t *)tmp : d8 + dof;
                pass_u8(s8 + so, sw, hout, dw, th, ybox_first, 1, &ch, kh);
                vin = hout, vw = dw;
            }
            if (need_v)
                pass_u8(vin, vw, d8 + dof, vw, dh, 0, 0, &cv, kv);
        } else {
            const float *vin = sf + so;
            int vw = sw;
            if (need_h) {
                float *hout = need_v ? (float *)tmp : df + dof;
                pass_f32(sf + so, sw, hout, dw, th, ybox_first, 1, &ch);
                vin = hout, vw = dw;
            }
            if (need_v)
                pass_f32(vin, vw, df + dof, vw, dh, 0, 0, &cv);
        }
    }
    goto done;
oom:
    st = or_errf(err, OR_ENOMEM, "resize_pil: out of memory for %dx%d -> %dx%d", sw, sh, dw, dh);
done:
    free(tmp), free(kh), free(kv);
    free_coeffs(&ch), free_coeffs(&cv);
    return st;
}

or_status or_resize_pil_u8(const uint8_t *src, int sw, int sh, int planes, uint8_t *dst, int dw,
                           int dh, or_pil_filter filter, or_err *err)
{
    return resample(src, NULL, sw, sh, planes, dst, NULL, dw, dh, filter, err);
}

or_status or_resize_pil_f32(const float *src, int sw, int sh, int planes, float *dst, int dw,
                            int dh, or_pil_filter filter, or_err *err)
{
    return resample(NULL, src, sw, sh, planes, NULL, dst, dw, dh, filter, err);
}

void or_planes_to_u8(const float *x, size_t count, uint8_t *y)
{
    for (size_t i = 0; i < count; i++) {
        float v = x[i] * 255.0f;
        y[i] = v <= 0.0f ? 0 : v >= 255.0f ? 255 : (uint8_t)lrintf(v);
    }
}

void or_u8_to_planes(const uint8_t *x, size_t count, float *y)
{
    for (size_t i = 0; i < count; i++)
        y[i] = x[i] / 255.0f;
}
