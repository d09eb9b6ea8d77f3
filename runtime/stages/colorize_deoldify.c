/* colorize_deoldify.c: DeOldify's image pipeline, as deoldify/filters.py
 * ColorizerFilter.filter(orig, orig, render_factor) with post-processing, reached
 * through visualize.py's ModelImageVisualizer (PIL open -> convert('RGB')):
 *
 *   orig  = the input as 8-bit RGB (gray replicated; 16-bit rounded to 8 bits)
 *   m     = orig.resize((s, s), BILINEAR).convert('LA').convert('RGB'),  s = 16 * render_factor
 *   x     = (m / 255 - imagenet_mean) / imagenet_std          (f32, as torch)
 *   out   = clamp(net(x) * std + mean, 0, 1)                  (pred_batch denorm + reconstruct)
 *   raw   = uint8(out * 255)                                  (numpy astype: truncation)
 *   raw   = raw.resize(orig.size, BILINEAR)
 *   final = YUV2RGB(Y of RGB2YUV(orig), U,V of RGB2YUV(raw))  (OpenCV, 8-bit)
 *
 * Every step on 8-bit data is integer-exact: PIL's resize (runtime/io/resize_pil.h),
 * PIL's L conversion (L = (19595 R + 38470 G + 7471 B + 2^15) >> 16, Pillow >= 9)
 * and OpenCV's fixed-point YUV (below).  We follow jantic/DeOldify master since
 * 4ff02e5 (2023-03-29, "Fixing RGB/BGR conversion issue"): filters.py
 * _post_process converts with COLOR_RGB2YUV / COLOR_YUV2RGB; from 2018 until
 * then it used the BGR forms on RGB arrays, which kept a "luma" weighing R by
 * 0.114 and B by 0.299 and moved every pixel by about 0.185 (R - B) of the
 * network's colour (docs/stages/deoldify.md).  Alpha is copied unchanged; the
 * output is 3 channels. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "colorize.h"
#include "runtime/io/resize_pil.h"

static const float imagenet_mean[3] = {0.485f, 0.456f, 0.406f};
static const float imagenet_std[3] = {0.229f, 0.224f, 0.225f};

/* ---- OpenCV's 8-bit YUV (imgproc color_yuv: RGB2YCrCb_i / YCrCb2RGB_i, yuv_shift 14) ---- */

enum { YUV_SHIFT = 14 };
static inline int descale(int v) { return (v + (1 << (YUV_SHIFT - 1))) >> YUV_SHIFT; }
static inline uint8_t sat_u8(int v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); }

/* cv2.cvtColor(px, COLOR_RGB2YUV) for one pixel. */
static void rgb2yuv_u8(const uint8_t rgb[3], uint8_t yuv[3])
{
    int r = rgb[0], g = rgb[1], b = rgb[2];
    int y = descale(b * 1868 + g * 9617 + r * 4899);
    yuv[0] = sat_u8(y);
    yuv[1] = sat_u8(descale((b - y) * 8061 + (128 << YUV_SHIFT)));
    yuv[2] = sat_u8(descale((r - y) * 14369 + (128 << YUV_SHIFT)));
}

/* cv2.cvtColor(px, COLOR_YUV2RGB) for one pixel. */
static void yuv2rgb_u8(const uint8_t yuv[3], uint8_t rgb[3])
{
    int y = yuv[0], u = yuv[1] - 128, v = yuv[2] - 128;
    rgb[0] = sat_u8(y + descale(v * 18678));
    rgb[1] = sat_u8(y + descale(u * -6472 + v * -9519));
    rgb[2] = sat_u8(y + descale(u * 33292));
}

/* ---- steps ---- */

/* The input as PIL would hold it after convert('RGB'): 8-bit planes [3][h][w]. */
static void to_rgb8(const or_image *in, uint8_t *rgb)
{
    size_t n = (size_t)in->width * in->height;
    for (int c = 0; c < 3; c++)
        or_planes_to_u8(or_image_plane(in, in->channels == 1 ? 0 : c), n, rgb + c * n);
}

/* m.convert('LA').convert('RGB') then the normalisation, into x [3][s][s] f32. */
static void model_input(const uint8_t *sq, int s, float *x)
{
    size_t n = (size_t)s * s;
    for (size_t i = 0; i < n; i++) {
        unsigned l = (sq[i] * 19595u + sq[n + i] * 38470u + sq[2 * n + i] * 7471u + 0x8000u) >> 16;
        float v = (float)l / 255.0f;
        for (int c = 0; c < 3; c++)
            x[c * n + i] = (v - imagenet_mean[c]) / imagenet_std[c];
    }
}

/* Denormalise, clamp to [0,1], *255 and truncate, as the official code in f32. */
static void model_output(const float *y, int s, uint8_t *raw)
{
    size_t n = (size_t)s * s;
    for (int c = 0; c < 3; c++)
        for (size_t i = 0; i < n; i++) {
            float v = y[c * n + i] * imagenet_std[c] + imagenet_mean[c];
            v = v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v; /* NaN -> 1 (torch.clamp keeps NaN) */
            raw[c * n + i] = (uint8_t)(v * 255.0f);
        }
}

/* Keep orig's Y, take raw's U and V. */
static void post_process(const uint8_t *orig, const uint8_t *raw, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t po[3] = {orig[i], orig[n + i], orig[2 * n + i]};
        uint8_t pr[3] = {raw[i], raw[n + i], raw[2 * n + i]};
        uint8_t yo[3], yr[3], mix[3], res[3];
        rgb2yuv_u8(po, yo);
        rgb2yuv_u8(pr, yr);
        mix[0] = yo[0], mix[1] = yr[1], mix[2] = yr[2];
        yuv2rgb_u8(mix, res);
        out[i] = res[0], out[n + i] = res[1], out[2 * n + i] = res[2];
    }
}

/* The network on the model input x [3][s][s] -> y [3][s][s] (host f32). */
static or_status run_net(or_net *net, const float *x, int s, float *y, or_err *err)
{
    or_backend *be = net->be;
    or_arena_mark mk = or_arena_get_mark(&be->arena);
    or_tensor tx, ty;
    or_status st = or_tensor_alloc(be, &tx, 1, 3, s, s, net->dtype, "deoldify.input", err);
    if (!st) st = or_tensor_alloc(be, &ty, 1, 3, s, s, net->dtype, "deoldify.output", err);
    if (!st) st = or_tensor_upload_f32(&tx, x, err);
    if (!st) st = net->forward(net, &tx, &ty, err);
    if (!st) st = or_tensor_download_f32(&ty, y, err);
    or_arena_reset(&be->arena, mk);
    return st;
}

or_status or_colorize_deoldify(or_net *net, const or_image *in, const or_colorize_opts *o,
                               or_image *out, or_colorize_info *info, or_err *err)
{
    int rf = o && o->render_factor > 0 ? o->render_factor : OR_DEOLDIFY_RENDER_FACTOR_IMAGE;
    if (rf > 256)
        return or_errf(err, OR_EINVAL, "%s: render factor %d out of range [1,256]",
                       net->model_path, rf);
    if (in->channels != 1 && in->channels != 3)
        return or_errf(err, OR_EINVAL, "%s: input has %d channels: expected gray or RGB",
                       net->model_path, in->channels);
    int s = 16 * rf, w = in->width, h = in->height;
    size_t n = (size_t)w * h, ns = (size_t)s * s;
    uint8_t *orig = malloc(3 * n), *sq = malloc(3 * ns), *raw_s = malloc(3 * ns);
    uint8_t *raw = malloc(3 * n), *fin = malloc(3 * n);
    float *x = malloc(3 * ns * sizeof(float)), *y = malloc(3 * ns * sizeof(float));
    or_status st = OR_OK;
    memset(out, 0, sizeof *out);
    if (!orig || !sq || !raw_s || !raw || !fin || !x || !y)
        st = or_errf(err, OR_ENOMEM, "%s: out of host memory for a %dx%d image", net->model_path,
                     w, h);
    if (!st) {
        to_rgb8(in, orig);
        st = or_resize_pil_u8(orig, w, h, 3, sq, s, s, OR_PIL_BILINEAR, err);
    }
    if (!st) {
        model_input(sq, s, x);
        st = run_net(net, x, s, y, err);
    }
    if (!st) {
        model_output(y, s, raw_s);
        st = or_resize_pil_u8(raw_s, s, s, 3, raw, w, h, OR_PIL_BILINEAR, err);
    }
    if (!st) {
        post_process(orig, raw, n, fin);
        st = or_image_alloc(out, w, h, 3, in->alpha != NULL, err);
    }
    if (!st) {
        or_u8_to_planes(fin, 3 * n, out->planes);
        if (in->alpha)
            memcpy(out->alpha, in->alpha, n * sizeof(float));
        or_image_copy_source(out, in);
        if (info)
            info->net_w = info->net_h = s, info->hints_used = 0, info->was_gray = in->channels == 1;
    } else {
        or_image_free(out);
    }
    free(orig), free(sq), free(raw_s), free(raw), free(fin), free(x), free(y);
    return st;
}
