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
    float *logits;      /* [q][64][64] the last run's class logits */
    float *entropy;     /* [64][64] */
    int have_run;
};

void or_live_free(or_live *lv)
{
    if (!lv)
        return;
    or_image_free(&lv->in), or_image_free(&lv->gray), or_image_free(&lv->preview);
    free(lv->rgb_rs), free(lv->hints), free(lv->bins), free(lv->logits), free(lv->entropy);
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
    lv->logits = malloc((size_t)q * cells * sizeof(float));
    lv->entropy = calloc(cells, sizeof(float));
    float *rgb = or_zhang_rgb_planes(in);
    or_status s = OR_OK;
    if (!lv->rgb_rs || !lv->hints || !lv->bins || !lv->logits || !lv->entropy || !rgb)
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

/* The class distribution of one cell is softmax(u * logits): ECCV16's release logits carry
 * 1/0.38, divided out, so that this is the network's own distribution. */
static double logit_unscale(const or_live *lv)
{
    return strcmp(lv->net->arch, "eccv16") ? 1.0 : 1.0 / OR_ZHANG_ECCV16_LOGIT_SCALE;
}

/* Entropy / log(q) of every cell's distribution, one exp per logit: with z_k = u (l_k - max),
 * S = sum e^z_k and T = sum z_k e^z_k, H = -sum p_k log p_k = log S - T / S. In float, cells
 * across threads (4096 cells x 529 classes: the costliest part of a run outside the network
 * when it was done in double, once per use of each exp). */
static void entropy_map(or_live *lv)
{
    const int cells = LIVE_GRID * LIVE_GRID, q = lv->q;
    const float u = (float)logit_unscale(lv), norm = 1.0f / logf((float)q);
    const float *lg = lv->logits;
#pragma omp parallel for schedule(static)
    for (int p = 0; p < cells; p++) {
        float mx = lg[p];
        for (int k = 1; k < q; k++)
            mx = fmaxf(mx, lg[(size_t)k * cells + p]);
        float sum = 0, zsum = 0;
        for (int k = 0; k < q; k++) {
            float z = u * (lg[(size_t)k * cells + p] - mx), e = expf(z);
            sum += e, zsum += z * e;
        }
        float h = (logf(sum) - zsum / sum) * norm;
        lv->entropy[p] = h < 0 ? 0 : h;
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
    memset(lv->hints, 0, 3 * (size_t)OR_ZHANG_SIDE * OR_ZHANG_SIDE * sizeof(float));
    if (net->in_ch == 4)
        or_zhang_hint_planes(o, w, h, lv->rgb_rs, lv->hints);
    or_arena_mark m = or_arena_get_mark(&net->be->arena);
    or_tensor ab256, logits;
    or_status s = or_tensor_alloc(net->be, &logits, 1, lv->q, LIVE_GRID, LIVE_GRID, net->dtype,
                                  "class logits", err);
    if (!s)
        s = or_zhang_run_net(net, lv->rgb_rs, lv->hints, o ? o->temperature : 0, &ab256,
                             &logits, err);
    if (!s)
        s = or_tensor_download_f32(&logits, lv->logits, err);
    size_t phw = (size_t)lv->gray.width * lv->gray.height;
    memcpy(lv->preview.planes, lv->gray.planes, 3 * phw * sizeof(float));
    if (!s)
        s = or_zhang_recombine(net, &ab256, lv->gray.width, lv->gray.height, lv->preview.planes,
                               err);
    or_arena_reset(&net->be->arena, m);
    if (!s) {
        entropy_map(lv);
        lv->have_run = 1;
    }
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

/* The colour a hint of ab (a, b) gives at lightness L, as or_zhang_hint_planes takes hints
 * (8-bit, snapped to what the network sees). */
static void hint_colour(double L, double a, double b, unsigned char c8[3])
{
    const double m[9] = OR_XYZ_FROM_RGB;
    double minv[9], rgb[3], ab[2];
    color_inv3(m, minv);
    color_lab_to_rgb_px(L, a, b, minv, rgb);
    for (int c = 0; c < 3; c++)
        c8[c] = (unsigned char)lrint(fmin(fmax(rgb[c], 0), 1) * 255);
    or_zhang_snap_ab(L, c8, ab);
    color_lab_to_rgb_px(L, ab[0], ab[1], minv, rgb);
    for (int c = 0; c < 3; c++)
        c8[c] = (unsigned char)lrint(fmin(fmax(rgb[c], 0), 1) * 255);
}

/* Weighted k-means of the bins' ab with weights p (k <= KMEANS_MAX clusters): the limit, as
 * the sample count grows, of what the authors' demo does (ideepcolor's get_ab_reccs draws
 * 25000 samples from the cell's distribution and runs k-means on them), without its
 * randomness. Seeds: the most likely bin, then each next the bin with the largest
 * p * (squared distance to the nearest seed) (k-means++ made deterministic); then Lloyd's
 * iterations until no bin changes cluster. Returns the clusters found (<= k): centres ca, cb,
 * weights cw. */
#define KMEANS_MAX 16
static int weighted_kmeans(const float *a, const float *b, const double *p, int q, int k,
                           double *ca, double *cb, double *cw)
{
    int *lab = malloc((size_t)q * sizeof(int)), n = 0;
    if (!lab)
        return 0;
    for (; n < k; n++) {
        int best = -1;
        double bestv = 0;
        for (int i = 0; i < q; i++) {
            double d = n ? INFINITY : 1;
            for (int j = 0; j < n; j++)
                d = fmin(d, (a[i] - ca[j]) * (a[i] - ca[j]) + (b[i] - cb[j]) * (b[i] - cb[j]));
            if (p[i] * d > bestv)
                bestv = p[i] * d, best = i;
        }
        if (best < 0)
            break;
        ca[n] = a[best], cb[n] = b[best];
    }
    for (int i = 0; i < q; i++)
        lab[i] = -1;
    for (int it = 0; it < 100; it++) {
        int moved = 0;
        for (int i = 0; i < q; i++) {
            int bj = 0;
            double bd = INFINITY;
            for (int j = 0; j < n; j++) {
                double d = (a[i] - ca[j]) * (a[i] - ca[j]) + (b[i] - cb[j]) * (b[i] - cb[j]);
                if (d < bd)
                    bd = d, bj = j;
            }
            moved += lab[i] != bj;
            lab[i] = bj;
        }
        if (!moved)
            break;
        double sa[KMEANS_MAX] = {0}, sb[KMEANS_MAX] = {0}, sw[KMEANS_MAX] = {0};
        for (int i = 0; i < q; i++)
            sa[lab[i]] += p[i] * a[i], sb[lab[i]] += p[i] * b[i], sw[lab[i]] += p[i];
        for (int j = 0; j < n; j++)
            if (sw[j] > 0)
                ca[j] = sa[j] / sw[j], cb[j] = sb[j] / sw[j];
    }
    for (int j = 0; j < n; j++)
        cw[j] = 0;
    for (int i = 0; i < q; i++)
        cw[lab[i]] += p[i];
    free(lab);
    return n;
}

int or_live_suggest(const or_live *lv, int x, int y, or_live_suggestion *s, int max, double *L)
{
    int w = lv->in.width, h = lv->in.height, q = lv->q;
    if (!lv->have_run || x < 0 || y < 0 || x >= w || y >= h || max <= 0)
        return 0;
    max = max > KMEANS_MAX ? KMEANS_MAX : max;
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
    /* the cell's distribution, in double */
    const size_t cells = (size_t)LIVE_GRID * LIVE_GRID, cell = (py / 4) * LIVE_GRID + px / 4;
    double *p = malloc((size_t)q * sizeof(double)), u = logit_unscale(lv), mx = -INFINITY, sum = 0;
    if (!p)
        return 0;
    for (int k = 0; k < q; k++)
        mx = fmax(mx, lv->logits[(size_t)k * cells + cell]);
    for (int k = 0; k < q; k++)
        sum += p[k] = exp(u * (lv->logits[(size_t)k * cells + cell] - mx));
    for (int k = 0; k < q; k++)
        p[k] /= sum;
    double ca[KMEANS_MAX], cb[KMEANS_MAX], cw[KMEANS_MAX];
    int nc = weighted_kmeans(lv->bins, lv->bins + q, p, q, max, ca, cb, cw);
    free(p);
    /* clusters by weight; those whose colours snap to one are merged */
    int n = 0;
    for (int j = 0; j < nc; j++) {
        or_live_suggestion c = {(float)ca[j], (float)cb[j], (float)cw[j], {0, 0, 0}};
        if (c.p < 1e-4f)
            continue;
        hint_colour(lab[0], ca[j], cb[j], c.rgb);
        int dup = -1;
        for (int i = 0; i < n; i++)
            if (!memcmp(s[i].rgb, c.rgb, 3))
                dup = i;
        if (dup >= 0 && s[dup].p < c.p)
            s[dup].a = c.a, s[dup].b = c.b;
        if (dup >= 0)
            s[dup].p += c.p;
        else
            s[n++] = c;
    }
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && s[j].p > s[j - 1].p; j--) {
            or_live_suggestion t = s[j];
            s[j] = s[j - 1], s[j - 1] = t;
        }
    return n;
}
