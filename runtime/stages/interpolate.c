/* interpolate.c: the frame interpolation pipeline (see interpolate.h). */
#include "interpolate.h"

#include <stdlib.h>
#include <string.h>

or_interpolate_opts or_interpolate_defaults(void)
{
    or_interpolate_opts o = {1.0f};
    return o;
}

int or_interpolate_multiple(const or_net *net, const or_interpolate_opts *o)
{
    int padded = 1, before, replicate;
    if (net->frame_pad)
        net->frame_pad(net, 1, o && o->flow_scale > 0 ? o->flow_scale : 1.0f, &padded, &before,
                       &replicate);
    return padded;
}

typedef struct {
    int h, w, ph, pw;
    int top, left;   /* where the frame sits in the padded one */
    int replicate;   /* edge replication (DAIN's demo) instead of zeros (RIFE's) */
    float *host;     /* [3, ph, pw] staging */
    or_tensor x0, x1, y;
} ip_state;

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

/* Frame img as RGB into the padded staging buffer, then into t. */
static or_status upload(ip_state *s, const or_image *img, or_tensor *t, or_err *err)
{
    size_t plane = (size_t)s->ph * s->pw;
    for (int c = 0; c < 3; c++) {
        const float *src = or_image_plane(img, img->channels == 1 ? 0 : c);
        for (int y = 0; y < s->ph; y++) {
            float *row = s->host + c * plane + (size_t)y * s->pw;
            int sy = y - s->top;
            if (!s->replicate && (sy < 0 || sy >= s->h)) {
                memset(row, 0, (size_t)s->pw * sizeof(float));
                continue;
            }
            const float *srow = src + (size_t)clampi(sy, 0, s->h - 1) * s->w;
            for (int x = 0; x < s->pw; x++) {
                int sx = x - s->left;
                row[x] = !s->replicate && (sx < 0 || sx >= s->w) ? 0.0f
                                                                 : srow[clampi(sx, 0, s->w - 1)];
            }
        }
    }
    return or_tensor_upload_f32(t, s->host, err);
}

static float clamp01(float v) { return v < 0.0f ? 0.0f : v > 1.0f ? 1.0f : v; }

/* out = the cropped, clamped network output (gray: channel mean), alpha blended. */
static or_status finish(ip_state *s, const or_image *a, const or_image *b, float t,
                        or_image *out, or_err *err)
{
    OR_TRY(or_tensor_download_f32(&s->y, s->host, err));
    int with_alpha = a->alpha || b->alpha;
    OR_TRY(or_image_alloc(out, s->w, s->h, a->channels, with_alpha, err));
    size_t plane = (size_t)s->ph * s->pw;
    for (int y = 0; y < s->h; y++)
        for (int x = 0; x < s->w; x++) {
            size_t p = (size_t)(y + s->top) * s->pw + (x + s->left), q = (size_t)y * s->w + x;
            if (a->channels == 1) {
                float v = (s->host[p] + s->host[plane + p] + s->host[2 * plane + p]) / 3.0f;
                out->planes[q] = clamp01(v);
            } else {
                for (int c = 0; c < 3; c++)
                    or_image_plane(out, c)[q] = clamp01(s->host[c * plane + p]);
            }
            if (with_alpha) {
                float aa = a->alpha ? a->alpha[q] : 1.0f, ab = b->alpha ? b->alpha[q] : 1.0f;
                out->alpha[q] = clamp01((1.0f - t) * aa + t * ab);
            }
        }
    or_image_copy_source(out, a);
    out->gray_as_rgb = a->gray_as_rgb && b->gray_as_rgb;
    return OR_OK;
}

static or_status check_pair(const or_net *net, const or_image *a, const or_image *b,
                            const or_interpolate_opts *o, or_err *err)
{
    if (!net->interpolate || !net->frame_pad)
        return or_errf(err, OR_EINVAL, "%s: a %s network does not interpolate frames",
                       net->model_path, net->arch);
    if (a->width != b->width || a->height != b->height || a->channels != b->channels)
        return or_errf(err, OR_EINVAL,
                       "frames differ: %dx%d with %d channel(s) and %dx%d with %d channel(s)",
                       a->width, a->height, a->channels, b->width, b->height, b->channels);
    if (a->width < 1 || a->height < 1 || (a->channels != 1 && a->channels != 3))
        return or_errf(err, OR_EINVAL, "frame %dx%d with %d channels: expected gray or RGB",
                       a->width, a->height, a->channels);
    float fs = o ? o->flow_scale : 1.0f;
    if (fs != 0.25f && fs != 0.5f && fs != 1.0f && fs != 2.0f && fs != 4.0f)
        return or_errf(err, OR_EINVAL, "flow scale %g: expected 0.25, 0.5, 1, 2 or 4",
                       (double)fs);
    return OR_OK;
}

/* Pad and upload a and b; the caller resets the arena. */
static or_status prepare(or_net *net, const or_image *a, const or_image *b,
                         const or_interpolate_opts *o, ip_state *s, or_err *err)
{
    float fs = o && o->flow_scale > 0 ? o->flow_scale : 1.0f;
    s->h = a->height, s->w = a->width;
    net->frame_pad(net, s->h, fs, &s->ph, &s->top, &s->replicate);
    net->frame_pad(net, s->w, fs, &s->pw, &s->left, &s->replicate);
    s->host = malloc((size_t)3 * s->ph * s->pw * sizeof(float));
    if (!s->host)
        return or_errf(err, OR_ENOMEM, "out of host memory for a %dx%d frame", s->pw, s->ph);
    or_backend *be = net->be;
    OR_TRY(or_tensor_alloc(be, &s->x0, 1, 3, s->ph, s->pw, net->dtype, "frame0", err));
    OR_TRY(or_tensor_alloc(be, &s->x1, 1, 3, s->ph, s->pw, net->dtype, "frame1", err));
    OR_TRY(or_tensor_alloc(be, &s->y, 1, 3, s->ph, s->pw, net->dtype, "frame", err));
    OR_TRY(upload(s, a, &s->x0, err));
    return upload(s, b, &s->x1, err);
}

static or_status run_t(or_net *net, ip_state *s, const or_image *a, const or_image *b, float t,
                       float fs, or_image *out, or_err *err)
{
    OR_TRY(net->interpolate(net, &s->x0, &s->x1, t, fs, &s->y, err));
    return finish(s, a, b, t, out, err);
}

or_status or_interpolate_n(or_net *net, const or_image *a, const or_image *b, int n,
                           const or_interpolate_opts *o, or_image *out, or_err *err)
{
    OR_TRY(check_pair(net, a, b, o, err));
    if (n < 2 || n > 1024)
        return or_errf(err, OR_EINVAL, "multiplier %d: expected 2..1024", n);
    for (int k = 0; k < n - 1; k++)
        memset(&out[k], 0, sizeof out[k]);
    float fs = o ? o->flow_scale : 1.0f;
    ip_state s;
    memset(&s, 0, sizeof s);
    or_arena_mark mk = or_arena_get_mark(&net->be->arena);
    or_status st = prepare(net, a, b, o, &s, err);
    for (int k = 1; k < n && st == OR_OK; k++)
        st = run_t(net, &s, a, b, (float)k / (float)n, fs, &out[k - 1], err);
    or_arena_reset(&net->be->arena, mk);
    free(s.host);
    if (st != OR_OK)
        for (int k = 0; k < n - 1; k++)
            or_image_free(&out[k]);
    return st;
}

or_status or_interpolate_image(or_net *net, const or_image *a, const or_image *b, float t,
                               const or_interpolate_opts *o, or_image *out, or_err *err)
{
    memset(out, 0, sizeof *out);
    OR_TRY(check_pair(net, a, b, o, err));
    if (!(t >= 0.0f && t <= 1.0f))
        return or_errf(err, OR_EINVAL, "time %g: expected a value in [0,1]", (double)t);
    float fs = o ? o->flow_scale : 1.0f;
    ip_state s;
    memset(&s, 0, sizeof s);
    or_arena_mark mk = or_arena_get_mark(&net->be->arena);
    or_status st = prepare(net, a, b, o, &s, err);
    if (st == OR_OK)
        st = run_t(net, &s, a, b, t, fs, out, err);
    or_arena_reset(&net->be->arena, mk);
    free(s.host);
    if (st != OR_OK)
        or_image_free(out);
    return st;
}

/* The flow channels c0, c0 + 1 of the padded [1,4,ph,pw] download `host`, cropped, into out [2,h,w]. */
static void crop_flow(const ip_state *s, const float *host, int c0, float *out)
{
    size_t plane = (size_t)s->ph * s->pw;
    for (int c = 0; c < 2; c++)
        for (int y = 0; y < s->h; y++)
            memcpy(out + ((size_t)c * s->h + y) * s->w,
                   host + (c0 + c) * plane + (size_t)(y + s->top) * s->pw + s->left,
                   (size_t)s->w * sizeof(float));
}

static or_status run_flows(or_net *net, ip_state *s, float fs, float *fw, float *bw,
                           or_err *err)
{
    or_tensor flow;
    float *host = malloc((size_t)4 * s->ph * s->pw * sizeof(float));
    if (!host)
        return or_errf(err, OR_ENOMEM, "out of host memory for the flows of a %dx%d frame",
                       s->pw, s->ph);
    or_status st = or_tensor_alloc(net->be, &flow, 1, 4, s->ph, s->pw, net->dtype, "flow", err);
    /* t = 0: channels 2,3 are F_0->1; t = 1: channels 0,1 are F_1->0 (net.h). */
    if (st == OR_OK)
        st = net->flows(net, &s->x0, &s->x1, 0.0f, fs, &flow, NULL, err);
    if (st == OR_OK)
        st = or_tensor_download_f32(&flow, host, err);
    if (st == OR_OK) {
        crop_flow(s, host, 2, fw);
        st = net->flows(net, &s->x0, &s->x1, 1.0f, fs, &flow, NULL, err);
    }
    if (st == OR_OK)
        st = or_tensor_download_f32(&flow, host, err);
    if (st == OR_OK)
        crop_flow(s, host, 0, bw);
    free(host);
    return st;
}

or_status or_interpolate_flows(or_net *net, const or_image *a, const or_image *b,
                               const or_interpolate_opts *o, float *fw, float *bw, or_err *err)
{
    OR_TRY(check_pair(net, a, b, o, err));
    if (!net->flows)
        return or_errf(err, OR_EINVAL, "%s: a %s network does not give its flows (RIFE does)",
                       net->model_path, net->arch);
    float fs = o ? o->flow_scale : 1.0f;
    ip_state s;
    memset(&s, 0, sizeof s);
    or_arena_mark mk = or_arena_get_mark(&net->be->arena);
    or_status st = prepare(net, a, b, o, &s, err);
    if (st == OR_OK)
        st = run_flows(net, &s, fs, fw, bw, err);
    or_arena_reset(&net->be->arena, mk);
    free(s.host);
    return st;
}
