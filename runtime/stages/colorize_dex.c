/* colorize_dex.c: Deep Exemplar-based Video Colorization, frame by frame as the
 * official test.py runs a clip (colorize_video), on any frame size:
 *
 *   working size  test.py resizes every frame to 432x768 (CenterPad: cover and
 *                 centre-crop, skimage resize with anti-aliasing, uint8).  Here the
 *                 frame keeps its whole picture: it is resized (Lanczos-4) to the
 *                 size of about 432*768 pixels (or the state's work_pixels) with
 *                 its aspect ratio, height a
 *                 multiple of 16 and width of 32 (what the network needs at half
 *                 size); a 16:9 frame gets exactly 432x768.  Values are cut to the
 *                 8-bit grid as the uint8 cast does.  The reference is covered and
 *                 centre-cropped to that size, as CenterPad + CenterCrop do.
 *   Lab           rgb2lab, L - 50 (Normalize); bilinear x0.5 (F.interpolate
 *                 scale_factor 0.5) to the network size
 *   network       or_dex_frame (runtime/nets/net_dex.h): the reference's and the
 *                 frame's VGG features, WarpNet, ColorVidNet, with the previous
 *                 frame's cat(L, ab) (zeros at the start of a chain), temperature 1e-10
 *   upsampling    ab bilinear x2 * 1.25 (as test.py)
 *   post-filter   the fast global smoother of each ab plane guided by
 *                 uint8(L * 255 / 100) at the working size, lambda 500, sigma 4
 *                 (fgs.h; on by default as in test.py)
 *   output        ab resized (bilinear) to the frame's own size and combined with
 *                 the frame's own full-resolution L (the official output stays at
 *                 the working size); lab2rgb; alpha kept
 * The state (or_dex_state) carries the chain: the previous output and the scene
 * index.  A scene cut (scene.h: SSIM of 32x32 thumbnails below the threshold)
 * restarts the chain and moves to the next reference when several are given;
 * frame ranges (scenes.json) pick the reference by frame index instead, and a
 * change of reference restarts the chain too. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "colorize.h"
#include "fgs.h"
#include "runtime/core/ops_color.h"
#include "runtime/core/ops_math.h"
#include "runtime/core/ops_resample.h"
#include "runtime/io/resize.h"
#include "runtime/nets/net_dex.h"
#include "scene.h"

struct or_dex_state {
    or_image *refs; /* RGB copies */
    int n_refs;
    int filter;
    double scene_threshold;
    long work_pixels;    /* the working size's pixel count */
    int scene;           /* index of the current scene (the first scene - 1 before the
                            first frame) */
    int started;         /* a frame was given (its thumbnail is in thumb) */
    float thumb[OR_SCENE_THUMB * OR_SCENE_THUMB];
    float *last;         /* the previous output cat(L - 50, ab) at network size, or NULL */
    int last_w, last_h;
    float *ref_lab;      /* the current reference's Lab (L - 50) at network size */
    int ref_w, ref_h, ref_index;
    or_dex_range *ranges; /* frame ranges -> reference (scenes.json), or NULL */
    int n_ranges;
    long frame;          /* frames seen */
    int cur_ref;         /* the reference of the current frame (-1 before the first;
                            DEX_KEYFRAME: key_ref) */
    or_dex_keyframe_fn keyframe; /* keyframe mode, or NULL */
    void *keyframe_ctx;
    or_image key_ref;    /* the current scene's keyframe, RGB */
};

#define DEX_KEYFRAME (-2)
#define DEX_STALE (-3) /* ref_index after a new keyframe: prepare again */

or_status or_dex_state_new(const or_image *refs, int n, int filter, double scene_threshold,
                           long work_pixels, or_dex_state **out, or_err *err)
{
    *out = NULL;
    if (n < 0)
        return or_errf(err, OR_EINVAL, "deep-exemplar: no reference picture");
    or_dex_state *s = calloc(1, sizeof *s);
    if (!s || !(s->refs = calloc((size_t)(n ? n : 1), sizeof *s->refs))) {
        free(s);
        return or_errf(err, OR_ENOMEM, "deep-exemplar: out of memory");
    }
    s->n_refs = n, s->filter = filter, s->scene_threshold = scene_threshold;
    s->work_pixels = work_pixels > 0 ? work_pixels : OR_DEX_WORK_PIXELS;
    s->scene = -1, s->ref_index = -1, s->cur_ref = -1;
    for (int i = 0; i < n; i++) {
        or_status st = or_image_to_rgb(&refs[i], &s->refs[i], err);
        if (st != OR_OK) {
            or_dex_state_free(s);
            return st;
        }
    }
    *out = s;
    return OR_OK;
}

void or_dex_state_free(or_dex_state *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n_refs; i++)
        or_image_free(&s->refs[i]);
    or_image_free(&s->key_ref);
    free(s->refs), free(s->last), free(s->ref_lab), free(s->ranges);
    free(s);
}

void or_dex_state_set_keyframes(or_dex_state *s, or_dex_keyframe_fn fn, void *ctx)
{
    s->keyframe = fn, s->keyframe_ctx = ctx;
}

void or_dex_state_set_origin(or_dex_state *s, long first_frame, int first_scene)
{
    s->frame = first_frame, s->scene = first_scene - 1;
}

/* Keyframe mode, first frame of a scene: the keyframe colouriser's picture of it
 * becomes the reference. */
static or_status new_keyframe(or_dex_state *s, const or_image *in, or_err *err)
{
    or_image k;
    memset(&k, 0, sizeof k);
    OR_TRY(s->keyframe(s->keyframe_ctx, in, s->scene, s->frame, &k, err));
    or_image_free(&s->key_ref);
    or_status st = or_image_to_rgb(&k, &s->key_ref, err);
    or_image_free(&k);
    s->ref_index = DEX_STALE;
    return st;
}

or_status or_dex_state_set_ranges(or_dex_state *s, const or_dex_range *r, int n, or_err *err)
{
    for (int i = 0; i < n; i++)
        if (r[i].ref < 0 || r[i].ref >= s->n_refs || r[i].first < 0 || r[i].last < r[i].first)
            return or_errf(err, OR_EINVAL, "deep-exemplar: range %d (frames %ld..%ld, reference "
                           "%d of %d) is invalid", i, r[i].first, r[i].last, r[i].ref, s->n_refs);
    or_dex_range *c = n ? malloc((size_t)n * sizeof *c) : NULL;
    if (n && !c)
        return or_errf(err, OR_ENOMEM, "deep-exemplar: out of memory");
    if (n)
        memcpy(c, r, (size_t)n * sizeof *c);
    free(s->ranges);
    s->ranges = c, s->n_ranges = n;
    return OR_OK;
}

/* The next frame starts a new chain (no previous-frame input). */
static void restart_chain(or_dex_state *s)
{
    free(s->last);
    s->last = NULL;
}

/* The working size of a w x h frame: about `pixels` pixels with its aspect ratio,
 * height a multiple of 16, width of 32, both at least 64 (16:9 at 432*768 gives
 * 768x432). */
static void work_size(int w, int h, long pixels, int *ww, int *wh)
{
    double aspect = (double)w / h;
    int hh = (int)lround(sqrt((double)pixels / aspect) / 16.0) * 16;
    hh = hh < 64 ? 64 : hh;
    int wd = (int)lround(hh * aspect / 32.0) * 32;
    *wh = hh, *ww = wd < 64 ? 64 : wd;
}

/* RGB planes resized to dw x dh (Lanczos-4), cut to the 8-bit grid (the uint8 cast
 * truncates; the epsilon keeps exact 8-bit values where they are). */
static or_status to_work(const float *rgb, int w, int h, float *dst, int dw, int dh, or_err *err)
{
    size_t n = 3 * (size_t)dw * dh;
    if (w == dw && h == dh)
        memcpy(dst, rgb, n * sizeof(float));
    else
        OR_TRY(or_resize_lanczos4(rgb, 3, h, w, dst, dh, dw, err));
    for (size_t i = 0; i < n; i++) {
        float v = dst[i] < 0 ? 0 : dst[i] > 1 ? 1 : dst[i];
        dst[i] = floorf(v * 255.0f + 1e-3f) / 255.0f;
    }
    return OR_OK;
}

/* CenterPad + CenterCrop of the reference: cover dw x dh keeping the aspect
 * (int(side * ratio) as the official), then the centre. */
static or_status cover_crop(const or_image *ref, float *dst, int dw, int dh, or_err *err)
{
    int w = ref->width, h = ref->height, rw, rh;
    if ((double)h / w > (double)dh / dw)
        rw = dw, rh = (int)((double)h * dw / w);
    else
        rh = dh, rw = (int)((double)w * dh / h);
    rw = rw < dw ? dw : rw, rh = rh < dh ? dh : rh;
    float *big = malloc(3 * (size_t)rw * rh * sizeof(float));
    if (!big)
        return or_errf(err, OR_ENOMEM, "deep-exemplar: out of memory for the reference");
    or_status s = to_work(ref->planes, w, h, big, rw, rh, err);
    int y0 = (rh - dh) / 2, x0 = (rw - dw) / 2;
    for (int c = 0; s == OR_OK && c < 3; c++)
        for (int y = 0; y < dh; y++)
            memcpy(dst + ((size_t)c * dh + y) * dw, big + ((size_t)c * rh + y0 + y) * rw + x0,
                   (size_t)dw * sizeof(float));
    free(big);
    return s;
}

/* rgb [3,dh,dw] host -> Lab with L - 50 at half size, f32, on the backend; also the
 * working-size L (0..100) on the host when l_work is given. */
static or_status lab_half(or_backend *be, const float *rgb, int dw, int dh, or_tensor *half,
                          float *l_work, or_err *err)
{
    or_tensor lab, l;
    OR_TRY(or_tensor_alloc(be, &lab, 1, 3, dh, dw, OR_F32, "working lab", err));
    OR_TRY(or_tensor_upload_f32(&lab, rgb, err));
    OR_TRY(or_rgb_to_lab(&lab, &lab, err));
    OR_TRY(or_tensor_channels(&lab, 0, 1, &l, err));
    if (l_work)
        OR_TRY(or_tensor_download_f32(&l, l_work, err));
    OR_TRY(or_scale_shift(&l, 1.0f, -50.0f, &l, err));
    OR_TRY(or_tensor_alloc(be, half, 1, 3, dh / 2, dw / 2, OR_F32, "network lab", err));
    return or_resize_bilinear(&lab, 0, 0.5, 0.5, half, err);
}

/* The current frame's reference at network size, prepared once per reference and size. */
static or_status prepare_reference(or_net *net, or_dex_state *s, int dw, int dh, or_err *err)
{
    int idx = s->cur_ref;
    if (s->ref_lab && s->ref_index == idx && s->ref_w == dw / 2 && s->ref_h == dh / 2)
        return OR_OK;
    free(s->ref_lab);
    s->ref_lab = NULL;
    size_t n = 3 * (size_t)dw * dh;
    float *rgb = malloc(n * sizeof(float));
    s->ref_lab = malloc(n / 4 * sizeof(float));
    if (!rgb || !s->ref_lab) {
        free(rgb);
        return or_errf(err, OR_ENOMEM, "deep-exemplar: out of memory for the reference");
    }
    or_arena_mark mk = or_arena_get_mark(&net->be->arena);
    or_tensor half;
    or_status st = cover_crop(idx == DEX_KEYFRAME ? &s->key_ref : &s->refs[idx], rgb, dw, dh,
                              err);
    if (st == OR_OK)
        st = lab_half(net->be, rgb, dw, dh, &half, NULL, err);
    if (st == OR_OK)
        st = or_tensor_download_f32(&half, s->ref_lab, err);
    or_arena_reset(&net->be->arena, mk);
    free(rgb);
    if (st != OR_OK) {
        free(s->ref_lab);
        s->ref_lab = NULL;
        return st;
    }
    s->ref_w = dw / 2, s->ref_h = dh / 2, s->ref_index = idx;
    return OR_OK;
}

/* An f32 tensor in the network's dtype (itself when that is f32). */
static or_status as_net_dtype(or_net *net, const or_tensor *f, or_tensor *t, or_err *err)
{
    if (net->dtype == OR_F32) {
        *t = *f;
        return OR_OK;
    }
    OR_TRY(or_tensor_alloc(net->be, t, 1, f->c, f->h, f->w, net->dtype, f->name, err));
    return or_cast(f, t, err);
}

/* A host f32 [c,h,w] as a tensor in the network's dtype. */
static or_status upload_as(or_net *net, const float *host, int c, int h, int w, const char *name,
                           or_tensor *t, or_err *err)
{
    or_tensor f;
    OR_TRY(or_tensor_alloc(net->be, &f, 1, c, h, w, OR_F32, name, err));
    OR_TRY(or_tensor_upload_f32(&f, host, err));
    return as_net_dtype(net, &f, t, err);
}

/* Network, upsampling and filter: ab [2,dh,dw] on the host from the frame's rgb
 * [3,dh,dw]; updates the chain. */
static or_status frame_ab(or_net *net, or_dex_state *s, const float *rgb, int dw, int dh,
                          float *ab, float *l_work, or_err *err)
{
    or_backend *be = net->be;
    int h2 = dh / 2, w2 = dw / 2;
    size_t p2 = (size_t)h2 * w2;
    or_tensor a32, a, b, last, out, out32, up;
    OR_TRY(lab_half(be, rgb, dw, dh, &a32, l_work, err));
    float *a_host = malloc(3 * p2 * sizeof(float));
    if (!a_host)
        return or_errf(err, OR_ENOMEM, "deep-exemplar: out of memory");
    or_status st = or_tensor_download_f32(&a32, a_host, err); /* (for the chain) */
    if (!st) st = as_net_dtype(net, &a32, &a, err);
    if (!st) st = upload_as(net, s->ref_lab, 3, h2, w2, "reference lab", &b, err);
    int have_last = s->last && s->last_w == w2 && s->last_h == h2;
    if (!st && have_last)
        st = upload_as(net, s->last, 3, h2, w2, "previous frame", &last, err);
    if (!st) st = or_tensor_alloc(be, &out, 1, 2, h2, w2, net->dtype, "ab", err);
    if (!st)
        st = or_dex_frame(net, &a, &b, have_last ? &last : NULL, OR_DEX_TEMPERATURE, &out, NULL,
                          NULL, err);
    out32 = out;
    if (!st && net->dtype != OR_F32) {
        st = or_tensor_alloc(be, &out32, 1, 2, h2, w2, OR_F32, "ab f32", err);
        if (!st) st = or_cast(&out, &out32, err);
    }
    /* the chain: cat(L - 50 of this frame, its ab) */
    if (!st) {
        float *n = realloc(s->last, 3 * p2 * sizeof(float));
        if (!n)
            st = or_errf(err, OR_ENOMEM, "deep-exemplar: out of memory");
        else
            s->last = n;
    }
    if (!st) {
        memcpy(s->last, a_host, p2 * sizeof(float));
        st = or_tensor_download_f32(&out32, s->last + p2, err);
        s->last_w = w2, s->last_h = h2;
    }
    free(a_host);
    if (!st) st = or_tensor_alloc(be, &up, 1, 2, dh, dw, OR_F32, "ab working", err);
    if (!st) st = or_resize_bilinear(&out32, 0, 2.0, 2.0, &up, err);
    if (!st) st = or_scale_shift(&up, 1.25f, 0.0f, &up, err);
    if (!st) st = or_tensor_download_f32(&up, ab, err);
    if (st != OR_OK) {
        restart_chain(s); /* never continue a chain from a failed frame */
        return st;
    }
    if (!s->filter)
        return OR_OK;
    size_t pw = (size_t)dw * dh;
    uint8_t *guide = malloc(pw);
    if (!guide)
        return or_errf(err, OR_ENOMEM, "deep-exemplar: out of memory");
    for (size_t i = 0; i < pw; i++) { /* uint8(uncenter_l(L) * 255 / 100): truncation */
        float g = l_work[i] * 255.0f / 100.0f;
        guide[i] = (uint8_t)(g < 0 ? 0 : g > 255 ? 255 : g);
    }
    st = or_fgs_filter(guide, dw, dh, ab, 2, OR_FGS_LAMBDA, OR_FGS_SIGMA, OR_FGS_ATTENUATION,
                       OR_FGS_ITERATIONS, err);
    free(guide);
    return st;
}

/* out = lab2rgb(L of the full frame, ab resized to it). */
static or_status recombine(or_net *net, const float *rgb_full, int w, int h, const float *ab,
                           int dw, int dh, float *rgb_out, or_err *err)
{
    or_backend *be = net->be;
    or_tensor lab, abv, abw;
    OR_TRY(or_tensor_alloc(be, &lab, 1, 3, h, w, OR_F32, "lab", err));
    OR_TRY(or_tensor_upload_f32(&lab, rgb_full, err));
    OR_TRY(or_rgb_to_l(&lab, &lab, err)); /* a and b are replaced below */
    OR_TRY(or_tensor_alloc(be, &abw, 1, 2, dh, dw, OR_F32, "ab working", err));
    OR_TRY(or_tensor_upload_f32(&abw, ab, err));
    OR_TRY(or_tensor_channels(&lab, 1, 2, &abv, err));
    OR_TRY(or_resize_bilinear(&abw, 0, 0.0, 0.0, &abv, err));
    OR_TRY(or_lab_to_rgb(&lab, &lab, err));
    return or_tensor_download_f32(&lab, rgb_out, err);
}

or_status or_colorize_dex(or_net *net, const or_image *in, const or_colorize_opts *o,
                          or_image *out, or_colorize_info *info, or_err *err)
{
    memset(out, 0, sizeof *out);
    or_dex_state *s = o ? o->dex : NULL;
    if (!s)
        return or_errf(err, OR_EINVAL, "%s: deep-exemplar needs a reference picture (--reference)",
                       net->model_path);
    if (in->channels != 1 && in->channels != 3)
        return or_errf(err, OR_EINVAL, "colorize: %d-channel image", in->channels);
    /* scene cuts: restart the chain, take the next reference */
    float thumb[OR_SCENE_THUMB * OR_SCENE_THUMB];
    or_scene_thumb(in, thumb);
    int cut = !s->started ||
              (s->scene_threshold > 0 && or_scene_ssim_thumbs(s->thumb, thumb) < s->scene_threshold);
    if (cut)
        s->scene++;
    s->started = 1;
    memcpy(s->thumb, thumb, sizeof thumb);
    if (s->keyframe && (cut || !s->key_ref.planes)) { /* (again after a failed one) */
        OR_TRY(new_keyframe(s, in, err));
        cut = 1;
    }
    if (!s->keyframe && s->n_refs < 1)
        return or_errf(err, OR_EINVAL, "deep-exemplar: no reference picture and no keyframes");
    /* the reference: the keyframe; the frame's range (scenes.json); the scene's by order */
    int ref = s->keyframe ? DEX_KEYFRAME : -1;
    for (int i = 0; !s->keyframe && i < s->n_ranges && ref < 0; i++)
        if (s->ranges[i].first <= s->frame && s->frame <= s->ranges[i].last)
            ref = s->ranges[i].ref;
    if (ref == -1)
        ref = s->scene < s->n_refs ? s->scene : s->n_refs - 1;
    s->frame++;
    if (ref != s->cur_ref) /* another reference: another chain */
        cut = 1;
    s->cur_ref = ref;
    if (cut)
        restart_chain(s);
    int dw, dh;
    work_size(in->width, in->height, s->work_pixels, &dw, &dh);
    size_t hw = (size_t)in->width * in->height, pw = (size_t)dw * dh;
    or_image rgb_img;
    memset(&rgb_img, 0, sizeof rgb_img);
    float *work = malloc(3 * pw * sizeof(float)), *ab = malloc(2 * pw * sizeof(float));
    float *l_work = malloc(pw * sizeof(float)), *res = malloc(3 * hw * sizeof(float));
    or_status st = !work || !ab || !l_work || !res
                       ? or_errf(err, OR_ENOMEM, "colorize: out of memory for a %dx%d image",
                                 in->width, in->height)
                       : or_image_to_rgb(in, &rgb_img, err);
    or_arena_mark mk = or_arena_get_mark(&net->be->arena);
    if (!st) st = prepare_reference(net, s, dw, dh, err);
    if (!st) st = to_work(rgb_img.planes, in->width, in->height, work, dw, dh, err);
    if (!st) st = frame_ab(net, s, work, dw, dh, ab, l_work, err);
    or_arena_reset(&net->be->arena, mk);
    if (!st) st = recombine(net, rgb_img.planes, in->width, in->height, ab, dw, dh, res, err);
    or_arena_reset(&net->be->arena, mk);
    if (!st) st = or_image_alloc(out, in->width, in->height, 3, in->alpha != NULL, err);
    if (!st) {
        memcpy(out->planes, res, 3 * hw * sizeof(float));
        if (in->alpha)
            memcpy(out->alpha, in->alpha, hw * sizeof(float));
        or_image_copy_source(out, in);
    }
    if (!st && info) {
        info->net_w = dw / 2, info->net_h = dh / 2;
        info->was_gray = in->channels == 1;
        info->scene = s->scene;
        info->reference = s->cur_ref;
        info->chain_restarted = cut;
    }
    or_image_free(&rgb_img);
    free(work), free(ab), free(l_work), free(res);
    return st;
}
