/* upscale.c: the image side of the upscaler (RealESRGANer.enhance): gray and
 * alpha handling, clamping, and the resize to an output scale other than the
 * network's.  The tiling itself is in tile.c. */
#include "upscale.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/io/resize.h"

int or_upscale_out_size(int n, double outscale)
{
    double v = floor((double)n * outscale);
    return v < 1 ? 1 : v > INT32_MAX ? INT32_MAX : (int)v;
}

static void clamp01(float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = x[i] < 0.0f ? 0.0f : x[i] > 1.0f ? 1.0f : x[i];
}

/* Real-ESRGAN turns its RGB result back into one channel with
 * cv2.cvtColor(BGR2GRAY), i.e. Y = 0.299 R + 0.587 G + 0.114 B (BT.601); done
 * in place into plane 0 (each sample is read before it is written). */
static void rgb_to_gray(float *p, size_t n)
{
    const float *g = p + n, *b = p + 2 * n;
    for (size_t i = 0; i < n; i++)
        p[i] = 0.299f * p[i] + 0.587f * g[i] + 0.114f * b[i];
}

/* 3 planes from 1 (cv2 GRAY2RGB: replicated). */
static float *replicate3(const float *plane, size_t n)
{
    float *p = malloc(3 * n * sizeof *p);
    if (p)
        for (int c = 0; c < 3; c++)
            memcpy(p + c * n, plane, n * sizeof *p);
    return p;
}

/* Run the 3-channel planes in through the network, clamp, and keep `keep`
 * channels (1: gray conversion).  Returns a malloc'd 3*onpx buffer whose first
 * keep planes hold the result. */
static or_status run3(or_net *net, const float *in, int h, int w, const or_upscale_opts *o,
                      int keep, float **res, or_upscale_info *info, or_err *err)
{
    const size_t onpx = (size_t)h * net->scale * (size_t)w * net->scale;
    float *out = malloc(3 * onpx * sizeof *out);
    if (!out)
        return or_errf(err, OR_ENOMEM, "upscale: out of host memory for a %dx%d result",
                       w * net->scale, h * net->scale);
    or_status st = or_upscale_planes(net, in, h, w, o, out, info, err);
    if (st != OR_OK) {
        free(out);
        return st;
    }
    clamp01(out, 3 * onpx);
    if (keep == 1)
        rgb_to_gray(out, onpx);
    *res = out;
    return OR_OK;
}

/* Real-ESRGAN's outscale path: the result is first quantised to the output's
 * integer samples (it resizes the uint8/uint16 array), then resized with
 * INTER_LANCZOS4 and saturated back into range: 8-bit with OpenCV's fixed-point
 * arithmetic (bit-exact), 16-bit in float (OpenCV's 16-bit path is float too). */
static or_status resize_planes(float **planes, int c, int sh, int sw, int dh, int dw, int levels,
                               or_err *err)
{
    const size_t sn = (size_t)c * sh * sw, dn = (size_t)c * dh * dw;
    float *src = *planes;
    for (size_t i = 0; i < sn; i++)
        src[i] = roundf(src[i] * (float)levels) / (float)levels;
    float *dst = malloc(dn * sizeof *dst);
    unsigned char *s8 = levels == 255 ? malloc(sn + dn) : NULL;
    if (!dst || (levels == 255 && !s8)) {
        free(dst);
        return or_errf(err, OR_ENOMEM, "upscale: out of host memory to resize to %dx%d", dw, dh);
    }
    or_status st;
    if (s8) {
        unsigned char *d8 = s8 + sn;
        for (size_t i = 0; i < sn; i++)
            s8[i] = (unsigned char)lrintf(src[i] * 255.0f);
        st = or_resize_lanczos4_u8(s8, c, sh, sw, d8, dh, dw, err);
        for (size_t i = 0; st == OR_OK && i < dn; i++)
            dst[i] = d8[i] / 255.0f;
        free(s8);
    } else {
        st = or_resize_lanczos4(src, c, sh, sw, dst, dh, dw, err);
    }
    if (st != OR_OK) {
        free(dst);
        return st;
    }
    clamp01(dst, dn);
    free(src);
    *planes = dst;
    return OR_OK;
}

or_status or_upscale_image(or_net *net, const or_image *in, const or_upscale_opts *o,
                           or_image *out, or_upscale_info *info, or_err *err)
{
    or_upscale_info tmp_info;
    if (!info)
        info = &tmp_info;
    memset(info, 0, sizeof *info);
    memset(out, 0, sizeof *out);
    or_upscale_opts def = or_upscale_defaults();
    if (!o)
        o = &def;
    if (net->in_ch != 3 || net->out_ch != 3 || net->scale < 1)
        return or_errf(err, OR_EINVAL,
                       "%s: not an image upscaler (%s, %d -> %d channels, scale %d)",
                       net->model_path, net->arch ? net->arch : "?", net->in_ch, net->out_ch,
                       net->scale);
    if (in->channels != 1 && in->channels != 3)
        return or_errf(err, OR_EINVAL, "upscale: image with %d channels", in->channels);
    if (!(o->outscale >= 0) || o->outscale > 64)
        return or_errf(err, OR_EINVAL, "upscale: bad output scale %g", o->outscale);

    const int h = in->height, w = in->width, s = net->scale;
    const int oh = h * s, ow = w * s;
    const size_t npx = (size_t)h * w;
    const int keep = in->channels;
    float *color = NULL, *alpha = NULL, *gray3 = NULL;
    or_status st;

    if (keep == 1) {
        gray3 = replicate3(in->planes, npx);
        if (!gray3)
            return or_errf(err, OR_ENOMEM, "upscale: out of host memory for %dx%d", w, h);
        info->gray = 1;
    }
    st = run3(net, gray3 ? gray3 : in->planes, h, w, o, keep, &color, info, err);
    free(gray3);
    if (st != OR_OK)
        return st;

    if (in->alpha) {
        int tiles = info->tiles;
        float *a3 = replicate3(in->alpha, npx);
        if (!a3) {
            free(color);
            return or_errf(err, OR_ENOMEM, "upscale: out of host memory for %dx%d", w, h);
        }
        st = run3(net, a3, h, w, o, 1, &alpha, info, err);
        free(a3);
        if (st != OR_OK) {
            free(color);
            return or_err_prefix(err, "alpha");
        }
        info->alpha = 1;
        info->tiles += tiles;
    }

    /* the planes become the output image (shrunk to the channels kept) */
    const size_t onpx = (size_t)oh * ow;
    float *p = realloc(color, (size_t)keep * onpx * sizeof *p);
    color = p ? p : color;
    float *a = alpha ? realloc(alpha, onpx * sizeof *a) : NULL;
    alpha = a ? a : alpha;

    int fh = oh, fw = ow;
    double os = o->outscale > 0 ? o->outscale : s;
    if (os != (double)s) {
        fh = or_upscale_out_size(h, os);
        fw = or_upscale_out_size(w, os);
        const int levels = in->src_bit_depth == 16 ? 65535 : 255;
        st = resize_planes(&color, keep, oh, ow, fh, fw, levels, err);
        if (st == OR_OK && alpha)
            st = resize_planes(&alpha, 1, oh, ow, fh, fw, levels, err);
        if (st != OR_OK) {
            free(color);
            free(alpha);
            return st;
        }
        info->resized = 1;
    }

    *out = *in; /* src_* fields */
    out->width = fw;
    out->height = fh;
    out->channels = keep;
    out->planes = color;
    out->alpha = alpha;
    return OR_OK;
}
