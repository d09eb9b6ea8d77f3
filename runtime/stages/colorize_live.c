/* colorize_live.c: the live colourisation of colorize_live.h, built from the
 * parts of colorize_zhang.c so that a run computes what or_colorize_zhang
 * computes (same 256x256 input, same hint planes, same network call), only
 * recombined at the preview's size instead of the photo's. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/color_px.h"
#include "colorize_live.h"
#include "colorize_zhang.h"
#include "runtime/io/resize_pil.h"
#include "runtime/nets/net_zhang.h"

#define LIVE_GRID (OR_ZHANG_SIDE / 4) /* the class head's resolution */

struct or_live {
    or_net *net;
    or_image in;        /* the photo */
    float *rgb_rs;      /* [3][256][256] network input */
    float *hints;       /* [3][256][256] hint planes */
    or_image gray;      /* the photo at preview size (RGB) */
    or_image preview;   /* last run */
    int q;              /* classes */
    float *bins;        /* [2][q] ab */
    float *prob;        /* [q][64][64] softmax of the last run's logits */
    float *entropy;     /* [64][64] */
    int have_run;
};

void or_live_free(or_live *lv)
{
    if (!lv)
        return;
    or_image_free(&lv->in), or_image_free(&lv->gray), or_image_free(&lv->preview);
    free(lv->rgb_rs), free(lv->hints), free(lv->bins), free(lv->prob), free(lv->entropy);
    free(lv);
}

/* The photo at preview size: its 8-bit RGB resized with PIL BICUBIC. */
static or_status make_gray(or_live *lv, const float *rgb, int max_side, or_err *err)
{
    int w = lv->in.width, h = lv->in.height, pw = w, ph = h;
    if (max_side > 0 && (w > max_side || h > max_side)) {
        if (w >= h)
            pw = max_side, ph = (int)((long long)h * max_side / w);
        else
            ph = max_side, pw = (int)((long long)w * max_side / h);
        pw = pw < 1 ? 1 : pw, ph = ph < 1 ? 1 : ph;
    }
    size_t hw = (size_t)w * h, phw = (size_t)pw * ph;
    OR_TRY(or_image_alloc(&lv->gray, pw, ph, 3, 0, err));
    OR_TRY(or_image_alloc(&lv->preview, pw, ph, 3, 0, err));
    if (pw == w && ph == h) {
        memcpy(lv->gray.planes, rgb, 3 * hw * sizeof(float));
    } else {
        uint8_t *u8 = malloc(3 * hw), *rs = malloc(3 * phw);
        or_status s = OR_OK;
        if (!u8 || !rs)
            s = or_errf(err, OR_ENOMEM, "studio: out of memory for a %dx%d preview", pw, ph);
        if (!s) {
            or_planes_to_u8(rgb, 3 * hw, u8);
            s = or_resize_pil_u8(u8, w, h, 3, rs, pw, ph, OR_PIL_BICUBIC, err);
        }
        if (!s)
            or_u8_to_planes(rs, 3 * phw, lv->gray.planes);
        free(u8), free(rs);
        OR_TRY(s);
    }
    memcpy(lv->preview.planes, lv->gray.planes, 3 * phw * sizeof(float));
    return OR_OK;
}

or_status or_live_open(or_net *net, const or_image *in, int preview_max, or_live **out,
                       or_err *err)
{
    *out = NULL;
    int q = or_net_zhang_classes(net);
    if (!q)
        return or_errf(err, OR_EINVAL, "%s: the studio needs a Zhang network (siggraph17, eccv16)",
                       net->model_path);
    if (in->channels != 1 && in->channels != 3)
        return or_errf(err, OR_EINVAL, "studio: %d-channel image", in->channels);
    or_live *lv = calloc(1, sizeof *lv);
    if (!lv)
        return or_errf(err, OR_ENOMEM, "studio: out of memory");
    const size_t n_rs = 3 * (size_t)OR_ZHANG_SIDE * OR_ZHANG_SIDE;
    const size_t cells = (size_t)LIVE_GRID * LIVE_GRID;
    lv->net = net, lv->q = q;
    lv->rgb_rs = malloc(n_rs * sizeof(float));
    lv->hints = malloc(n_rs * sizeof(float));
    lv->bins = malloc(2 * (size_t)q * sizeof(float));
    lv->prob = malloc((size_t)q * cells * sizeof(float));
    lv->entropy = calloc(cells, sizeof(float));
    float *rgb = or_zhang_rgb_planes(in);
    or_status s = OR_OK;
    if (!lv->rgb_rs || !lv->hints || !lv->bins || !lv->prob || !lv->entropy || !rgb)
        s = or_errf(err, OR_ENOMEM, "studio: out of memory for a %dx%d image", in->width,
                    in->height);
    if (!s)
        s = or_image_copy(in, &lv->in, err);
    if (!s)
        s = or_zhang_resized_rgb(rgb, in->width, in->height, lv->rgb_rs, err);
    if (!s)
        s = make_gray(lv, rgb, preview_max, err);
    if (!s)
        s = or_net_zhang_bins(net, lv->bins, err);
    free(rgb);
    if (s) {
        or_live_free(lv);
        return s;
    }
    *out = lv;
    return OR_OK;
}

/* prob = softmax(logits) per cell (ECCV16's release logits carry 1/0.38: divided
 * out, so that this is the network's own distribution), entropy / log(q). */
static void distribution(or_live *lv, const float *logits)
{
    const size_t cells = (size_t)LIVE_GRID * LIVE_GRID;
    const int q = lv->q;
    const double u = strcmp(lv->net->arch, "eccv16") ? 1.0 : 1.0 / OR_ZHANG_ECCV16_LOGIT_SCALE;
    for (size_t p = 0; p < cells; p++) {
        double mx = logits[p], sum = 0, ent = 0;
        for (int k = 1; k < q; k++)
            mx = fmax(mx, logits[(size_t)k * cells + p]);
        for (int k = 0; k < q; k++)
            sum += exp(u * (logits[(size_t)k * cells + p] - mx));
        for (int k = 0; k < q; k++) {
            double pk = exp(u * (logits[(size_t)k * cells + p] - mx)) / sum;
            lv->prob[(size_t)k * cells + p] = (float)pk;
            if (pk > 0)
                ent -= pk * log(pk);
        }
        lv->entropy[p] = (float)(ent / log((double)q));
    }
}

or_status or_live_run(or_live *lv, const or_colorize_opts *o, or_err *err)
{
    or_net *net = lv->net;
    int w = lv->in.width, h = lv->in.height;
    for (int i = 0; o && i < o->n_hints; i++)
        if (o->hints[i].x < 0 || o->hints[i].y < 0 || o->hints[i].x >= w ||
            o->hints[i].y >= h)
            return or_errf(err, OR_EINVAL, "hint %d (x %d, y %d) is outside the %dx%d image", i,
                           o->hints[i].x, o->hints[i].y, w, h);
    const size_t cells = (size_t)LIVE_GRID * LIVE_GRID;
    memset(lv->hints, 0, 3 * (size_t)OR_ZHANG_SIDE * OR_ZHANG_SIDE * sizeof(float));
    if (net->in_ch == 4)
        or_zhang_hint_planes(o, w, h, lv->rgb_rs, lv->hints);
    float *host = malloc((size_t)lv->q * cells * sizeof(float));
    if (!host)
        return or_errf(err, OR_ENOMEM, "studio: out of memory");
    or_arena_mark m = or_arena_get_mark(&net->be->arena);
    or_tensor ab256, logits;
    or_status s = or_tensor_alloc(net->be, &logits, 1, lv->q, LIVE_GRID, LIVE_GRID, net->dtype,
                                  "class logits", err);
    if (!s)
        s = or_zhang_run_net(net, lv->rgb_rs, lv->hints, o ? o->temperature : 0, &ab256,
                             &logits, err);
    if (!s)
        s = or_tensor_download_f32(&logits, host, err);
    size_t phw = (size_t)lv->gray.width * lv->gray.height;
    memcpy(lv->preview.planes, lv->gray.planes, 3 * phw * sizeof(float));
    if (!s)
        s = or_zhang_recombine(net, &ab256, lv->gray.width, lv->gray.height, lv->preview.planes,
                               err);
    or_arena_reset(&net->be->arena, m);
    if (!s) {
        distribution(lv, host);
        lv->have_run = 1;
    }
    free(host);
    return s;
}

const or_image *or_live_input(const or_live *lv) { return &lv->in; }
const or_image *or_live_gray(const or_live *lv) { return &lv->gray; }
const or_image *or_live_preview(const or_live *lv) { return &lv->preview; }

const float *or_live_entropy(const or_live *lv, int *gw, int *gh)
{
    *gw = *gh = LIVE_GRID;
    return lv->entropy;
}

int or_live_suggest(const or_live *lv, int x, int y, or_live_suggestion *s, int max, double *L)
{
    int w = lv->in.width, h = lv->in.height;
    if (!lv->have_run || x < 0 || y < 0 || x >= w || y >= h || max <= 0)
        return 0;
    /* L as or_zhang_hint_planes takes it: the 8-bit network input under the point */
    const size_t side = OR_ZHANG_SIDE, hw = side * side;
    size_t px = (size_t)((long long)x * OR_ZHANG_SIDE / w);
    size_t py = (size_t)((long long)y * OR_ZHANG_SIDE / h);
    size_t c0 = py * side + px;
    double lab[3];
    color_rgb_to_lab_px(lrintf(lv->rgb_rs[c0] * 255) / 255.0,
                        lrintf(lv->rgb_rs[hw + c0] * 255) / 255.0,
                        lrintf(lv->rgb_rs[2 * hw + c0] * 255) / 255.0, lab);
    *L = lab[0];
    const size_t cells = (size_t)LIVE_GRID * LIVE_GRID, cell = (py / 4) * LIVE_GRID + px / 4;
    /* bins by probability (selection: q is 529 at most, max small) */
    int n = 0, q = lv->q;
    char *taken = calloc((size_t)q, 1);
    if (!taken)
        return 0;
    while (n < max) {
        int best = -1;
        for (int k = 0; k < q; k++)
            if (!taken[k] && (best < 0 || lv->prob[(size_t)k * cells + cell] >
                                              lv->prob[(size_t)best * cells + cell]))
                best = k;
        if (best < 0)
            break;
        taken[best] = 1;
        float p = lv->prob[(size_t)best * cells + cell];
        if (p < 1e-4f && n > 0)
            break;
        /* the colour this bin gives at L, as a hint of it would (snapped, 8-bit) */
        const double m[9] = OR_XYZ_FROM_RGB;
        double minv[9], rgb[3], ab[2];
        color_inv3(m, minv);
        color_lab_to_rgb_px(lab[0], lv->bins[best], lv->bins[q + best], minv, rgb);
        unsigned char c8[3];
        for (int c = 0; c < 3; c++)
            c8[c] = (unsigned char)lrint(fmin(fmax(rgb[c], 0), 1) * 255);
        or_zhang_snap_ab(lab[0], c8, ab);
        color_lab_to_rgb_px(lab[0], ab[0], ab[1], minv, rgb);
        for (int c = 0; c < 3; c++)
            c8[c] = (unsigned char)lrint(fmin(fmax(rgb[c], 0), 1) * 255);
        int dup = -1;
        for (int i = 0; i < n; i++)
            if (!memcmp(s[i].rgb, c8, 3))
                dup = i;
        if (dup >= 0) {
            s[dup].p += p;
            continue;
        }
        s[n].a = lv->bins[best], s[n].b = lv->bins[q + best], s[n].p = p;
        memcpy(s[n].rgb, c8, 3);
        n++;
    }
    free(taken);
    for (int i = 1; i < n; i++) /* merged duplicates may have moved up */
        for (int j = i; j > 0 && s[j].p > s[j - 1].p; j--) {
            or_live_suggestion t = s[j];
            s[j] = s[j - 1], s[j - 1] = t;
        }
    return n;
}
