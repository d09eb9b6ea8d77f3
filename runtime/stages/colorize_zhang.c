/* colorize_zhang.c: Zhang et al.'s Lab pipeline, as the official demo
 * (richzhang/colorization demo_release.py + colorizers/util.py):
 *
 *   load_img:         np.asarray(Image.open(path)); gray (2-D) tiled to 3 channels
 *   preprocess_img:   img_rs = Image.fromarray(uint8 RGB).resize((256, 256), BICUBIC)
 *                     (runtime/io/resize_pil.c, bit-exact); L_rs = rgb2lab(img_rs)[..., 0];
 *                     L_orig = rgb2lab(img)[..., 0]
 *   network:          ab = net(L_rs) (+ hints for siggraph17: input_B, mask_B)
 *   postprocess_tens: ab_orig = F.interpolate(ab, size=(H, W), mode='bilinear')
 *                     (align_corners False; skipped at 256x256), lab = (L_orig, ab_orig),
 *                     rgb = lab2rgb(lab) (skimage: z < 0 clipped, rgb clipped to [0,1])
 *
 * The colour conversions run on the network's backend in f32 (or_rgb_to_lab /
 * or_lab_to_rgb); the network in its dtype.
 *
 * 16-bit inputs: the official code only handles 8-bit images (PIL opens a
 * 16-bit PNG as mode I, which neither resize_img nor rgb2lab treat as the demo
 * expects).  We give the network what it would see from the 8-bit version of
 * the picture (round(v * 255), then the PIL resize), and compute the full-size
 * L from the full-precision samples, so the output keeps the 16-bit luminance.
 * For 8-bit inputs both are the same thing.
 *
 * Hints (siggraph17 only): each (x, y, colour) becomes ab = the colour snapped
 * to the image's lightness at the hint (or_zhang_snap_ab below, as
 * interactive-deep-colorization's GUI does before drawing the colour),
 * written into input_B and 1 into mask_B over a 5x5 patch (the hint's size:
 * odd, 1..9) centred at (floor(x * 256 / W), floor(y * 256 / H)) of the 256x256
 * network input, clipped at the borders: interactive-deep-colorization's point
 * edit (ui_control.py) draws a filled cv2.rectangle from p - w to p + w with
 * w = int(brushWidth / scale) = 2 at its default brush (its mouse wheel sizes
 * the patch 1x1 to 9x9).  Later hints overwrite earlier ones where patches
 * overlap.  eccv16 ignores hints (hints_used = 0).
 * Temperature (o->temperature > 0): the annealed mean of the class head
 * (runtime/nets/net_zhang.h) instead of the release's output.
 * Alpha is copied unchanged. */
#include <stdlib.h>
#include <string.h>

#include "kernels/color_px.h"
#include "colorize.h"
#include "colorize_zhang.h"
#include "runtime/core/ops_color.h"
#include "runtime/nets/net_zhang.h"
#include "runtime/core/ops_resample.h"
#include "runtime/io/resize_pil.h"

#define ZH_NET_SIDE OR_ZHANG_SIDE

/* The input as 3 RGB planes in [0,1] (gray tiled). */
float *or_zhang_rgb_planes(const or_image *in)
{
    size_t hw = (size_t)in->width * in->height;
    float *rgb = malloc(3 * hw * sizeof(float));
    if (!rgb)
        return NULL;
    for (int c = 0; c < 3; c++)
        memcpy(rgb + c * hw, or_image_plane(in, in->channels == 3 ? c : 0), hw * sizeof(float));
    return rgb;
}

/* The 256x256 RGB the network's L comes from: 8-bit, PIL BICUBIC. */
or_status or_zhang_resized_rgb(const float *rgb, int w, int h, float *out, or_err *err)
{
    size_t hw = (size_t)w * h, n_rs = 3 * (size_t)ZH_NET_SIDE * ZH_NET_SIDE;
    uint8_t *u8 = malloc(3 * hw), *rs = malloc(n_rs);
    or_status s = OR_OK;
    if (!u8 || !rs)
        s = or_errf(err, OR_ENOMEM, "colorize: out of memory for a %dx%d image", w, h);
    if (!s) {
        or_planes_to_u8(rgb, 3 * hw, u8);
        s = or_resize_pil_u8(u8, w, h, 3, rs, ZH_NET_SIDE, ZH_NET_SIDE, OR_PIL_BICUBIC, err);
    }
    if (!s)
        or_u8_to_planes(rs, n_rs, out);
    free(u8), free(rs);
    return s;
}

/* interactive-deep-colorization data/lab_gamut.py snap_ab(input_l, input_rgb),
 * called by ui/gui_draw.py calibrate_color with input_l = im_l[y, x] (L of the
 * GUI's 256x256 image at the click) and the picked uint8 colour; the GUI draws
 * the returned uint8 colour into its hint image and the network gets its
 * rgb2lab ab.  The official loop (skimage, float64):
 *     lab = rgb2lab(rgb8 / 255)
 *     repeat at most 20 times:
 *         lab[0] = input_l; old = lab          (old taken after the overwrite)
 *         lab = rgb2lab(clip(lab2rgb(lab), 0, 1))
 *         if sum(|lab - old|) < 1: break
 *     rgb8 = np.round(clip(lab2rgb(lab), 0, 1) * 255)   (half to even: rint)
 * then ab = rgb2lab(rgb8 / 255)[1:].  color_lab_to_rgb_px clips to [0, 1] as
 * skimage's lab2rgb does. */
void or_zhang_snap_ab(double L, const unsigned char rgb8[3], double ab[2])
{
    const double m[9] = OR_XYZ_FROM_RGB;
    double minv[9], lab[3], old[3], rgb[3];
    color_inv3(m, minv);
    color_rgb_to_lab_px(rgb8[0] / 255.0, rgb8[1] / 255.0, rgb8[2] / 255.0, lab);
    for (int t = 0; t < 20; t++) {
        lab[0] = L;
        memcpy(old, lab, sizeof old);
        color_lab_to_rgb_px(lab[0], lab[1], lab[2], minv, rgb);
        color_rgb_to_lab_px(rgb[0], rgb[1], rgb[2], lab);
        if (fabs(lab[0] - old[0]) + fabs(lab[1] - old[1]) + fabs(lab[2] - old[2]) < 1)
            break;
    }
    color_lab_to_rgb_px(lab[0], lab[1], lab[2], minv, rgb);
    for (int c = 0; c < 3; c++)
        rgb[c] = rint(rgb[c] * 255.0) / 255.0;
    color_rgb_to_lab_px(rgb[0], rgb[1], rgb[2], lab);
    ab[0] = lab[1], ab[1] = lab[2];
}

/* 0..1 -> the 8-bit value it came from (hint colours are #rrggbb; rgb_rs is u8 / 255). */
static unsigned char to_u8(float v)
{
    return (unsigned char)lrintf((v < 0 ? 0 : v > 1 ? 1 : v) * 255.0f);
}

/* input_B (a, b) and mask_B planes [3][256][256] from the hints, each snapped at
 * the L of the network input rgb_rs [3][256][256] under it; returns hints used. */
int or_zhang_hint_planes(const or_colorize_opts *o, int w, int h, const float *rgb_rs,
                       float *planes)
{
    const size_t side = ZH_NET_SIDE, hw = side * side;
    memset(planes, 0, 3 * hw * sizeof(float));
    int used = 0;
    for (int i = 0; o && i < o->n_hints; i++) {
        const or_color_hint *hn = &o->hints[i];
        if (hn->x < 0 || hn->y < 0 || hn->x >= w || hn->y >= h)
            continue; /* the CLI refuses these; the library skips them */
        int px = (int)((long long)hn->x * ZH_NET_SIDE / w), py = (int)((long long)hn->y * ZH_NET_SIDE / h);
        size_t c0 = (size_t)py * side + px;
        double lab_img[3], ab[2];
        color_rgb_to_lab_px(to_u8(rgb_rs[c0]) / 255.0, to_u8(rgb_rs[hw + c0]) / 255.0,
                            to_u8(rgb_rs[2 * hw + c0]) / 255.0, lab_img);
        const unsigned char rgb8[3] = {to_u8(hn->r), to_u8(hn->g), to_u8(hn->b)};
        or_zhang_snap_ab(lab_img[0], rgb8, ab);
        int rad = (hn->size > 0 ? hn->size : OR_HINT_SIZE_DEFAULT) / 2;
        for (int y = py - rad; y <= py + rad; y++)
            for (int x = px - rad; x <= px + rad; x++) {
                if (x < 0 || y < 0 || x >= ZH_NET_SIDE || y >= ZH_NET_SIDE)
                    continue;
                size_t p = (size_t)y * side + x;
                planes[p] = (float)ab[0], planes[hw + p] = (float)ab[1], planes[2 * hw + p] = 1.0f;
            }
        used++;
    }
    return used;
}

/* dst (channels of a tensor, maybe another dtype) = src. */
static or_status copy_into(const or_tensor *src, or_tensor *dst, or_err *err)
{
    return or_cast(src, dst, err);
}

/* Runs the network on the 256x256 inputs; ab256 [1,2,256,256] in the net dtype;
 * logits (optional) the class logits [1,Q,64,64] in the net dtype. */
or_status or_zhang_run_net(or_net *net, const float *rgb_rs, const float *hints, float T,
                         or_tensor *ab256, or_tensor *logits, or_err *err)
{
    or_backend *be = net->be;
    const int s = ZH_NET_SIDE;
    or_tensor lab, x, xv, lv, hv, ht;
    OR_TRY(or_tensor_alloc(be, &lab, 1, 3, s, s, OR_F32, "lab 256", err));
    OR_TRY(or_tensor_upload_f32(&lab, rgb_rs, err));
    OR_TRY(or_rgb_to_l(&lab, &lab, err)); /* only L goes to the network */
    OR_TRY(or_tensor_alloc(be, &x, 1, net->in_ch, s, s, net->dtype, "network input", err));
    OR_TRY(or_tensor_channels(&lab, 0, 1, &lv, err));
    OR_TRY(or_tensor_channels(&x, 0, 1, &xv, err));
    OR_TRY(copy_into(&lv, &xv, err));
    if (net->in_ch == 4) {
        OR_TRY(or_tensor_alloc(be, &ht, 1, 3, s, s, OR_F32, "hints", err));
        OR_TRY(or_tensor_upload_f32(&ht, hints, err));
        OR_TRY(or_tensor_channels(&x, 1, 3, &hv, err));
        OR_TRY(copy_into(&ht, &hv, err));
    }
    OR_TRY(or_tensor_alloc(be, ab256, 1, 2, s, s, net->dtype, "ab 256", err));
    or_zhang_fwd fo = {T, logits};
    return or_net_zhang_forward(net, &x, &fo, ab256, err);
}

/* rgb (full size) -> (L_orig, bilinear(ab256)) -> lab2rgb, into rgb. */
or_status or_zhang_recombine(or_net *net, const or_tensor *ab256, int w, int h, float *rgb,
                           or_err *err)
{
    or_backend *be = net->be;
    or_tensor lab, abv, abn;
    OR_TRY(or_tensor_alloc(be, &lab, 1, 3, h, w, OR_F32, "lab", err));
    OR_TRY(or_tensor_upload_f32(&lab, rgb, err));
    OR_TRY(or_rgb_to_l(&lab, &lab, err)); /* a and b are replaced below */
    OR_TRY(or_tensor_channels(&lab, 1, 2, &abv, err));
    if (w == ZH_NET_SIDE && h == ZH_NET_SIDE) {
        OR_TRY(copy_into(ab256, &abv, err));
    } else if (ab256->dtype == OR_F32) {
        OR_TRY(or_resize_bilinear(ab256, 0, 0.0, 0.0, &abv, err));
    } else {
        OR_TRY(or_tensor_alloc(be, &abn, 1, 2, h, w, ab256->dtype, "ab", err));
        OR_TRY(or_resize_bilinear(ab256, 0, 0.0, 0.0, &abn, err));
        OR_TRY(copy_into(&abn, &abv, err));
    }
    OR_TRY(or_lab_to_rgb(&lab, &lab, err));
    return or_tensor_download_f32(&lab, rgb, err);
}

static or_status make_output(const or_image *in, float *rgb, or_image *out, or_err *err)
{
    size_t hw = (size_t)in->width * in->height;
    OR_TRY(or_image_alloc(out, in->width, in->height, 3, in->alpha != NULL, err));
    memcpy(out->planes, rgb, 3 * hw * sizeof(float));
    if (in->alpha)
        memcpy(out->alpha, in->alpha, hw * sizeof(float));
    or_image_copy_source(out, in);
    return OR_OK;
}

or_status or_colorize_zhang(or_net *net, const or_image *in, const or_colorize_opts *o,
                            or_image *out, or_colorize_info *info, or_err *err)
{
    memset(out, 0, sizeof *out);
    if (net->in_ch != 1 && net->in_ch != 4)
        return or_errf(err, OR_EINVAL, "%s: not a Zhang colorization network", net->model_path);
    if (in->channels != 1 && in->channels != 3)
        return or_errf(err, OR_EINVAL, "colorize: %d-channel image", in->channels);
    const size_t n_rs = 3 * (size_t)ZH_NET_SIDE * ZH_NET_SIDE;
    float *rgb = or_zhang_rgb_planes(in), *rgb_rs = malloc(n_rs * sizeof(float));
    float *hints = malloc(n_rs * sizeof(float));
    or_status s = OR_OK;
    if (!rgb || !rgb_rs || !hints)
        s = or_errf(err, OR_ENOMEM, "colorize: out of memory for a %dx%d image", in->width,
                    in->height);
    if (!s)
        s = or_zhang_resized_rgb(rgb, in->width, in->height, rgb_rs, err);
    int used = net->in_ch == 4 && !s ? or_zhang_hint_planes(o, in->width, in->height, rgb_rs, hints) : 0;
    or_arena_mark m = or_arena_get_mark(&net->be->arena);
    or_tensor ab256;
    if (!s)
        s = or_zhang_run_net(net, rgb_rs, hints, o ? o->temperature : 0, &ab256, NULL, err);
    if (!s)
        s = or_zhang_recombine(net, &ab256, in->width, in->height, rgb, err);
    or_arena_reset(&net->be->arena, m);
    if (!s)
        s = make_output(in, rgb, out, err);
    if (!s && info) {
        info->net_w = info->net_h = ZH_NET_SIDE;
        info->hints_used = used;
        info->was_gray = in->channels == 1;
    }
    free(rgb), free(rgb_rs), free(hints);
    return s;
}
