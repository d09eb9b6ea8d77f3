/* net_zhang.c: Zhang et al.'s colorization networks on ops.h, as the official
 * release computes them (richzhang/colorization, colorizers/eccv16.py and
 * colorizers/siggraph17.py; canonical tensor names: docs/converters/colorize.md).
 *
 * Shared encoder: blocks 1..7 of 2,2,3,3,3,3,3 3x3 convs (width w, 2w, 4w, 8w x4;
 * dilation 2 in blocks 5, 6), each conv + ReLU fused, then the block's BatchNorm
 * (after a ReLU, so an affine: or_channel_affine in place).
 *   eccv16:     the last conv of blocks 1..3 has stride 2.
 *   siggraph17: the block outputs 1..3 are subsampled by [:, :, ::2, ::2] before
 *               blocks 2..4.  conv(x[::2, ::2]) with a 3x3 kernel, pad 1 equals
 *               conv(x) with stride 2, dilation 2, pad 2 (same taps, same zero
 *               border, same ceil(H/2) size), so the subsampling is fused into
 *               the first conv of blocks 2..4: no copy.
 * eccv16 head: up8 (ConvTranspose2d 4x4 s2 p1) + ReLU, conv8_1, conv8_2 (+ReLU),
 *   class (1x1 -> 313 logits); ab = 110 * model_out(softmax(logits)) (or_class_to_ab),
 *   then nn.Upsample(scale_factor=4, bilinear, align_corners=False).  Scaling by
 *   110 before the (linear) upsample instead of after changes only the rounding.
 * siggraph17 head: conv8_up = up8(conv7_3) + short3_8(conv3_3) (the shortcut conv
 *   is the deconv's residual); model8 = ReLU, conv8_1+ReLU, conv8_2+ReLU, norm8;
 *   likewise up9/short2_9/model9 and up10/short1_10/model10 (ReLU, conv10_1,
 *   LeakyReLU 0.2); ab = 110 * tanh(out(conv10_2)).  model_class (1x1 -> 529 logits on
 *   conv8_3) is loaded for or_net_zhang_forward (net_zhang.h): its logits, and with a
 *   temperature the annealed mean of its 529 ab bins instead of the regression head.
 * Input: eccv16 x = L [1,1,H,W] in [0,100]; siggraph17 x = (L, a, b, mask)
 *   [1,4,H,W] with the hint ab in Lab units (input_B) and mask_B; normalised here
 *   as normalize_l / normalize_ab: (L-50)/100, ab/110, mask as is.  Output y =
 *   ab [1,2,H,W] in Lab units (unnormalize_ab).  H, W multiples of 8 (siggraph17's
 *   shortcut sums need them; the official code fails otherwise).
 * Arena: every activation taken in order; a block's temporaries are given back
 * when the block ends; the same walk in "dry" mode counts the peak for
 * workspace_bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_internal.h"
#include "net_zhang.h"
#include "runtime/core/ops_color.h"
#include "runtime/core/ops_deconv.h"
#include "runtime/core/ops_math.h"
#include "runtime/core/ops_resample.h"

#define ZH_BLOCKS 7

static const int zh_nconv[ZH_BLOCKS] = {2, 2, 3, 3, 3, 3, 3};
static const int zh_dil[ZH_BLOCKS] = {1, 1, 1, 1, 2, 2, 1};
static const int zh_wmul[ZH_BLOCKS] = {1, 2, 4, 8, 8, 8, 8};

typedef struct {
    or_tensor w, b;
} zh_conv;

typedef struct {
    or_net net; /* first: net->impl points here */
    or_net_weights wts;
    int eccv, width, classes;
    zh_conv conv[ZH_BLOCKS][3];
    or_tensor scale[ZH_BLOCKS + 2], shift[ZH_BLOCKS + 2]; /* norm1..norm9 */
    zh_conv up8, conv8_1, conv8_2, cls, out;
    zh_conv up9, up10, short3_8, short2_9, short1_10, conv9_1, conv10_1;
} zhang;

/* ---- the forward walk (real, or dry to count arena bytes) ---- */

typedef struct {
    zhang *m;
    int dry;
    size_t cur, peak; /* dry mode: bytes taken now, most ever */
    or_err *err;
    float T;          /* > 0: ab = annealed mean at temperature T (net_zhang.h) */
    or_tensor *logits; /* optional: the class logits [1,Q,H/4,W/4] */
} zh_run;

typedef struct {
    or_arena_mark mark;
    size_t cur;
} zh_mark;

static or_status take(zh_run *r, int c, int h, int w, const char *name, or_tensor *t)
{
    if (!r->dry)
        return or_tensor_alloc(r->m->net.be, t, 1, c, h, w, r->m->net.dtype, name, r->err);
    memset(t, 0, sizeof *t);
    t->n = 1, t->c = c, t->h = h, t->w = w, t->dtype = r->m->net.dtype, t->name = name;
    r->cur += or_net_act_bytes(c, h, w, r->m->net.dtype);
    if (r->cur > r->peak)
        r->peak = r->cur;
    return OR_OK;
}

static zh_mark mark(zh_run *r)
{
    zh_mark k = {or_arena_get_mark(&r->m->net.be->arena), r->cur};
    return k;
}

static void reset(zh_run *r, zh_mark k)
{
    if (r->dry)
        r->cur = k.cur;
    else
        or_arena_reset(&r->m->net.be->arena, k.mark);
}

/* Run an op only in a real walk. */
#define ZH_DO(r, call)                                                                      \
    do {                                                                                    \
        if (!(r)->dry)                                                                      \
            OR_TRY(call);                                                                   \
    } while (0)

static or_status conv(zh_run *r, const or_tensor *x, const zh_conv *c, int stride, int dil,
                      or_act act, float alpha, or_tensor *y)
{
    or_conv2d_params p = or_conv2d_default(c->w.h, c->w.w);
    p.stride_h = p.stride_w = stride;
    p.dil_h = p.dil_w = dil;
    p.pad_h = p.pad_w = (c->w.h - 1) / 2 * dil;
    p.ep.act = act;
    p.ep.alpha = alpha;
    ZH_DO(r, or_conv2d(x, &c->w, &c->b, &p, y, r->err));
    return OR_OK;
}

/* y = act(up(x) + b) + residual: the 4x4 stride-2 transposed convs. */
static or_status deconv(zh_run *r, const or_tensor *x, const zh_conv *c, or_act act,
                        const or_tensor *residual, or_tensor *y)
{
    or_deconv2d_params p = or_deconv2d_default();
    p.stride_h = p.stride_w = 2;
    p.pad_h = p.pad_w = 1;
    p.ep.act = act;
    p.ep.residual = residual;
    p.ep.res_scale = 1.0f;
    ZH_DO(r, or_conv_transpose2d(x, &c->w, &c->b, &p, y, r->err));
    return OR_OK;
}

static int out_size(int in, int stride) { return (in - 1) / stride + 1; }

/* Encoder block b (0-based) on x into a new tensor *out (taken before the block's
 * temporaries, so it outlives them). */
static or_status block(zh_run *r, int b, const or_tensor *x, or_tensor *out)
{
    zhang *m = r->m;
    int n = zh_nconv[b], c = m->width * zh_wmul[b];
    /* where the block subsamples: eccv16 last conv stride 2 (blocks 1..3); siggraph17
     * first conv stride 2 dilation 2 (blocks 2..4, the fused [::2, ::2]) */
    int s_first = !m->eccv && b >= 1 && b <= 3 ? 2 : 1, s_last = m->eccv && b <= 2 ? 2 : 1;
    int h = out_size(x->h, s_first * s_last), w = out_size(x->w, s_first * s_last);
    static const char *names[ZH_BLOCKS] = {"conv1_2", "conv2_2", "conv3_3", "conv4_3",
                                           "conv5_3", "conv6_3", "conv7_3"};
    OR_TRY(take(r, c, h, w, names[b], out));
    zh_mark k = mark(r);
    const or_tensor *cur = x;
    or_tensor t[2];
    for (int i = 0; i < n; i++) {
        int stride = i == 0 ? s_first : i == n - 1 ? s_last : 1;
        int dil = i == 0 && s_first == 2 ? 2 : zh_dil[b];
        int th = out_size(cur->h, stride), tw = out_size(cur->w, stride);
        or_tensor *y = out;
        if (i < n - 1) {
            y = &t[i & 1];
            OR_TRY(take(r, c, th, tw, "encoder", y));
        }
        OR_TRY(conv(r, cur, &m->conv[b][i], stride, dil, OR_ACT_RELU, 0, y));
        cur = y;
    }
    ZH_DO(r, or_channel_affine(out, &m->scale[b], &m->shift[b], out, r->err));
    reset(r, k);
    return OR_OK;
}

/* x [1,in_ch,H,W] -> the normalised input [1,in_ch,H,W]. */
static or_status normalize_input(zh_run *r, const or_tensor *x, or_tensor *in)
{
    OR_TRY(take(r, x->c, x->h, x->w, "normalized input", in));
    if (r->dry)
        return OR_OK;
    or_tensor xv, iv;
    /* (L - 50) / 100 */
    OR_TRY(or_tensor_channels(x, 0, 1, &xv, r->err));
    OR_TRY(or_tensor_channels(in, 0, 1, &iv, r->err));
    OR_TRY(or_scale_shift(&xv, 0.01f, -0.5f, &iv, r->err));
    if (x->c == 1)
        return OR_OK;
    /* ab / 110, then the mask unchanged */
    OR_TRY(or_tensor_channels(x, 1, 2, &xv, r->err));
    OR_TRY(or_tensor_channels(in, 1, 2, &iv, r->err));
    OR_TRY(or_scale_shift(&xv, 1.0f / 110.0f, 0.0f, &iv, r->err));
    OR_TRY(or_tensor_channels(x, 3, 1, &xv, r->err));
    OR_TRY(or_tensor_channels(in, 3, 1, &iv, r->err));
    return or_scale_shift(&xv, 1.0f, 0.0f, &iv, r->err);
}

static or_status eccv16_head(zh_run *r, const or_tensor *f7, or_tensor *y)
{
    zhang *m = r->m;
    int c = 4 * m->width, h = 2 * f7->h, w = 2 * f7->w;
    or_tensor a, b, z, ab;
    OR_TRY(take(r, c, h, w, "conv8_up", &a));
    OR_TRY(deconv(r, f7, &m->up8, OR_ACT_RELU, NULL, &a));
    OR_TRY(take(r, c, h, w, "conv8_1", &b));
    OR_TRY(conv(r, &a, &m->conv8_1, 1, 1, OR_ACT_RELU, 0, &b));
    OR_TRY(conv(r, &b, &m->conv8_2, 1, 1, OR_ACT_RELU, 0, &a));
    if (r->logits)
        z = *r->logits;
    else
        OR_TRY(take(r, m->classes, h, w, "class logits", &z));
    OR_TRY(conv(r, &a, &m->cls, 1, 1, OR_ACT_NONE, 0, &z));
    OR_TRY(take(r, 2, h, w, "ab/4", &ab));
    /* the release's logits carry the Caffe model's 1/T (net_zhang.h) */
    float t = r->T > 0 ? r->T * OR_ZHANG_ECCV16_LOGIT_SCALE : 1.0f;
    ZH_DO(r, or_class_to_ab(&z, &m->out.w, t, 110.0f, &ab, r->err));
    ZH_DO(r, or_resize_bilinear(&ab, 0, 4.0, 4.0, y, r->err));
    return OR_OK;
}

/* One decoder stage of siggraph17: u = up(x) + short(skip); ReLU(u) in place. */
static or_status up_stage(zh_run *r, const or_tensor *x, const zh_conv *up, const zh_conv *sc,
                          const or_tensor *skip, int c, const char *name, or_tensor *u)
{
    or_tensor s;
    OR_TRY(take(r, c, skip->h, skip->w, name, u));
    zh_mark k = mark(r);
    OR_TRY(take(r, c, skip->h, skip->w, "shortcut", &s));
    OR_TRY(conv(r, skip, sc, 1, 1, OR_ACT_NONE, 0, &s));
    OR_TRY(deconv(r, x, up, OR_ACT_NONE, &s, u));
    reset(r, k);
    ZH_DO(r, or_activation(u, OR_ACT_RELU, 0, NULL, u, r->err));
    return OR_OK;
}

/* SIGGRAPH17's ab bins: q = 23 * ia + ib <-> (a, b) = (10 ia - 110, 10 ib - 110)
 * (colorization-pytorch util.py encode_ab_ind / decode_mean: ab_max 110,
 * ab_quant 10), divided by 110 as ECCV16's out.weight is. */
static void sig_bins(float *w)
{
    for (int q = 0; q < OR_ZHANG_SIG_CLASSES; q++) {
        w[q] = (float)(10 * (q / OR_ZHANG_SIG_SIDE) - 110) / 110.0f;
        w[OR_ZHANG_SIG_CLASSES + q] = (float)(10 * (q % OR_ZHANG_SIG_SIDE) - 110) / 110.0f;
    }
}

/* The classification head on conv8_3 (model_class: 1x1 conv -> Q logits at H/4):
 * into r->logits when given; with T > 0, y = bilinear x4 of 110 * the annealed
 * mean (as ECCV16's output) and *annealed = 1. */
static or_status class_branch(zh_run *r, const or_tensor *f8, or_tensor *y, int *annealed)
{
    zhang *m = r->m;
    int h = f8->h, w = f8->w;
    zh_mark k = mark(r);
    or_tensor z, bins, ab;
    if (r->logits)
        z = *r->logits;
    else
        OR_TRY(take(r, m->classes, h, w, "class logits", &z));
    OR_TRY(conv(r, f8, &m->cls, 1, 1, OR_ACT_NONE, 0, &z));
    if (r->T > 0 || r->dry) {
        if (m->classes != OR_ZHANG_SIG_CLASSES && !r->dry)
            return or_errf(r->err, OR_EFORMAT,
                           "metadata classes = %d: the annealed mean needs the %d ab bins",
                           m->classes, OR_ZHANG_SIG_CLASSES);
        OR_TRY(take(r, 2 * m->classes, 1, 1, "ab bins", &bins));
        if (!r->dry) {
            float host[2 * OR_ZHANG_SIG_CLASSES];
            sig_bins(host);
            bins.n = 2, bins.c = m->classes;
            OR_TRY(or_tensor_upload_f32(&bins, host, r->err));
        }
        OR_TRY(take(r, 2, h, w, "ab/4", &ab));
        ZH_DO(r, or_class_to_ab(&z, &bins, r->T, 110.0f, &ab, r->err));
        if (r->T > 0) {
            ZH_DO(r, or_resize_bilinear(&ab, 0, 4.0, 4.0, y, r->err));
            *annealed = 1;
        }
    }
    reset(r, k);
    return OR_OK;
}

static or_status siggraph17_head(zh_run *r, const or_tensor *f1, const or_tensor *f2,
                                 const or_tensor *f3, const or_tensor *f7, or_tensor *y)
{
    zhang *m = r->m;
    int w = m->width;
    or_tensor u8, t8, u9, t9, u10, t10;
    OR_TRY(up_stage(r, f7, &m->up8, &m->short3_8, f3, 4 * w, "conv8_up", &u8));
    OR_TRY(take(r, 4 * w, u8.h, u8.w, "conv8_2", &t8));
    OR_TRY(conv(r, &u8, &m->conv8_1, 1, 1, OR_ACT_RELU, 0, &t8));
    OR_TRY(conv(r, &t8, &m->conv8_2, 1, 1, OR_ACT_RELU, 0, &u8));
    ZH_DO(r, or_channel_affine(&u8, &m->scale[7], &m->shift[7], &u8, r->err));
    if (r->dry || r->T > 0 || r->logits) {
        int annealed = 0;
        OR_TRY(class_branch(r, &u8, y, &annealed));
        if (annealed)
            return OR_OK;
    }
    OR_TRY(up_stage(r, &u8, &m->up9, &m->short2_9, f2, 2 * w, "conv9_up", &u9));
    OR_TRY(take(r, 2 * w, u9.h, u9.w, "conv9_3", &t9));
    OR_TRY(conv(r, &u9, &m->conv9_1, 1, 1, OR_ACT_RELU, 0, &t9));
    ZH_DO(r, or_channel_affine(&t9, &m->scale[8], &m->shift[8], &t9, r->err));
    OR_TRY(up_stage(r, &t9, &m->up10, &m->short1_10, f1, 2 * w, "conv10_up", &u10));
    OR_TRY(take(r, 2 * w, u10.h, u10.w, "conv10_2", &t10));
    OR_TRY(conv(r, &u10, &m->conv10_1, 1, 1, OR_ACT_LEAKY, 0.2f, &t10));
    OR_TRY(conv(r, &t10, &m->out, 1, 1, OR_ACT_TANH, 0, y));
    ZH_DO(r, or_add(y, 110.0f, y, 0.0f, y, r->err)); /* unnormalize_ab */
    return OR_OK;
}

static or_status walk(zh_run *r, const or_tensor *x, or_tensor *y)
{
    or_tensor in, f[ZH_BLOCKS];
    OR_TRY(normalize_input(r, x, &in));
    const or_tensor *cur = &in;
    for (int b = 0; b < ZH_BLOCKS; b++) {
        OR_TRY(block(r, b, cur, &f[b]));
        cur = &f[b];
    }
    if (r->m->eccv)
        return eccv16_head(r, &f[6], y);
    return siggraph17_head(r, &f[0], &f[1], &f[2], &f[6], y);
}

static int is_zhang(const or_net *net)
{
    return net && net->forward && net->arch &&
           (!strcmp(net->arch, "eccv16") || !strcmp(net->arch, "siggraph17"));
}

int or_net_zhang_classes(const or_net *net)
{
    return is_zhang(net) ? ((const zhang *)net->impl)->classes : 0;
}

or_status or_net_zhang_bins(const or_net *net, float *ab, or_err *err)
{
    if (!is_zhang(net))
        return or_errf(err, OR_EINVAL, "%s: not a Zhang colorization network",
                       net ? net->model_path : "(none)");
    const zhang *m = net->impl;
    if (m->eccv) {
        OR_TRY(or_tensor_download_f32(&m->out.w, ab, err));
    } else if (m->classes == OR_ZHANG_SIG_CLASSES) {
        sig_bins(ab);
    } else {
        return or_errf(err, OR_EFORMAT, "%s: metadata classes = %d: expected %d ab bins",
                       net->model_path, m->classes, OR_ZHANG_SIG_CLASSES);
    }
    for (int i = 0; i < 2 * m->classes; i++)
        ab[i] *= 110.0f;
    return OR_OK;
}

or_status or_net_zhang_forward(or_net *net, const or_tensor *x, const or_zhang_fwd *o,
                               or_tensor *y, or_err *err)
{
    if (!is_zhang(net))
        return or_errf(err, OR_EINVAL, "%s: not a Zhang colorization network",
                       net ? net->model_path : "(none)");
    OR_TRY(or_net_check_io(net, x, y, err));
    zhang *m = net->impl;
    float T = o ? o->temperature : 0;
    or_tensor *lg = o ? o->logits : NULL;
    if (!(T >= 0) || T > 100)
        return or_errf(err, OR_EINVAL, "%s: temperature %g: expected 0 (off) or in (0, 100]",
                       net->model_path, (double)T);
    if (lg && (lg->n != 1 || lg->c != m->classes || lg->h != x->h / 4 || lg->w != x->w / 4 ||
               lg->dtype != net->dtype || lg->be != net->be || !lg->data))
        return or_errf(err, OR_ESHAPE, "%s: class logits %s: expected [1,%d,%d,%d] %s",
                       net->model_path, lg->name ? lg->name : "", m->classes, x->h / 4,
                       x->w / 4, or_dtype_name(net->dtype));
    or_arena_mark mk = or_arena_get_mark(&net->be->arena);
    zh_run r = {m, 0, 0, 0, err, T, lg};
    or_status s = walk(&r, x, y);
    or_arena_reset(&net->be->arena, mk);
    if (s != OR_OK)
        or_err_prefix(err, "%s", net->model_path);
    return s;
}

static or_status zhang_forward(or_net *net, const or_tensor *x, or_tensor *y, or_err *err)
{
    return or_net_zhang_forward(net, x, NULL, y, err);
}

static size_t zhang_workspace(const or_net *net, int h, int w)
{
    zhang *m = net->impl;
    or_tensor x = {1, net->in_ch, h, w, net->dtype, NULL, NULL, "x", OR_NCHW, 0};
    or_tensor y = {1, 2, h, w, net->dtype, NULL, NULL, "y", OR_NCHW, 0};
    zh_run r = {m, 1, 0, 0, NULL, 0, NULL};
    walk(&r, &x, &y);
    /* + convolution scratch (CPU) / the transposed conv's (CPU, same 64 MiB budget) */
    return r.peak + 2 * or_net_conv_scratch_bound(8 * m->width, w);
}

/* ---- weights ---- */

static void zhang_destroy(or_net *net)
{
    zhang *m = net->impl;
    or_netw_free(&m->wts);
    free(m);
}

/* A weight of any 4-D shape in the compute dtype: the transposed convs' [ci,co,4,4]
 * and ECCV16's bias-free out.weight, which or_netw_conv (weight [co,ci,k,k] + bias
 * [co]) cannot express. */
static or_status zh_tensor(or_net_weights *w, const char *name, int n, int c, int h, int wd,
                           or_tensor *t, or_err *err)
{
    int64_t shape[4] = {n, c, h, wd};
    return or_netw_tensor(w, name, 4, shape, w->dtype, n, c, h, wd, t, err);
}

/* "<prefix>.weight" [ci,co,4,4] (PyTorch's ConvTranspose2d layout) + bias [co]. */
static or_status zh_deconv(or_net_weights *w, const char *prefix, int ci, int co, zh_conv *c,
                           or_err *err)
{
    return or_netw_deconv(w, prefix, ci, co, 4, &c->w, &c->b, err);
}

static or_status zh_norm(zhang *m, int i, int c, or_err *err)
{
    char name[64];
    snprintf(name, sizeof name, "norm%d.scale", i + 1);
    OR_TRY(or_netw_vec(&m->wts, name, c, &m->scale[i], err));
    snprintf(name, sizeof name, "norm%d.shift", i + 1);
    return or_netw_vec(&m->wts, name, c, &m->shift[i], err);
}

static or_status load_weights(void *impl, or_err *err)
{
    zhang *m = impl;
    or_net_weights *W = &m->wts;
    int w = m->width, cin = m->net.in_ch;
    char name[64];
    for (int b = 0; b < ZH_BLOCKS; b++) {
        int c = w * zh_wmul[b];
        for (int i = 0; i < zh_nconv[b]; i++) {
            snprintf(name, sizeof name, "conv%d_%d", b + 1, i + 1);
            OR_TRY(or_netw_conv(W, name, c, i == 0 ? cin : c, 3, &m->conv[b][i].w,
                                &m->conv[b][i].b, err));
        }
        OR_TRY(zh_norm(m, b, c, err));
        cin = c;
    }
    OR_TRY(zh_deconv(W, "up8", 8 * w, 4 * w, &m->up8, err));
    OR_TRY(or_netw_conv(W, "conv8_1", 4 * w, 4 * w, 3, &m->conv8_1.w, &m->conv8_1.b, err));
    OR_TRY(or_netw_conv(W, "conv8_2", 4 * w, 4 * w, 3, &m->conv8_2.w, &m->conv8_2.b, err));
    /* the classification head: ECCV16's output; SIGGRAPH17's suggestions, entropy
     * and annealed mean (net_zhang.h) */
    OR_TRY(or_netw_conv(W, "class", m->classes, 4 * w, 1, &m->cls.w, &m->cls.b, err));
    if (m->eccv)
        return zh_tensor(W, "out.weight", 2, m->classes, 1, 1, &m->out.w, err);
    OR_TRY(or_netw_conv(W, "short3_8", 4 * w, 4 * w, 3, &m->short3_8.w, &m->short3_8.b, err));
    OR_TRY(zh_norm(m, 7, 4 * w, err));
    OR_TRY(zh_deconv(W, "up9", 4 * w, 2 * w, &m->up9, err));
    OR_TRY(or_netw_conv(W, "short2_9", 2 * w, 2 * w, 3, &m->short2_9.w, &m->short2_9.b, err));
    OR_TRY(or_netw_conv(W, "conv9_1", 2 * w, 2 * w, 3, &m->conv9_1.w, &m->conv9_1.b, err));
    OR_TRY(zh_norm(m, 8, 2 * w, err));
    OR_TRY(zh_deconv(W, "up10", 2 * w, 2 * w, &m->up10, err));
    OR_TRY(or_netw_conv(W, "short1_10", 2 * w, w, 3, &m->short1_10.w, &m->short1_10.b, err));
    OR_TRY(or_netw_conv(W, "conv10_1", 2 * w, 2 * w, 3, &m->conv10_1.w, &m->conv10_1.b, err));
    return or_netw_conv(W, "out", 2, 2 * w, 1, &m->out.w, &m->out.b, err);
}

or_status or_net_zhang_load(const st_file *f, or_backend *be, or_dtype dtype, or_net **out,
                            or_err *err)
{
    const char *arch;
    int in_ch, width, classes;
    OR_TRY(or_net_meta_str(f, "arch", &arch, err));
    int eccv = strcmp(arch, "eccv16") == 0;
    if (!eccv && strcmp(arch, "siggraph17") != 0)
        return or_errf(err, OR_EFORMAT, "%s: metadata arch = '%s': expected eccv16 or siggraph17",
                       f->path, arch);
    OR_TRY(or_net_meta_int(f, "in_ch", 1, 4, &in_ch, err));
    OR_TRY(or_net_meta_int(f, "width", 1, 4096, &width, err));
    OR_TRY(or_net_meta_int(f, "classes", 1, 4096, &classes, err));
    if (in_ch != (eccv ? 1 : 4))
        return or_errf(err, OR_EFORMAT, "%s: metadata in_ch = %d: %s takes %d", f->path, in_ch,
                       arch, eccv ? 1 : 4);
    zhang *m = calloc(1, sizeof *m);
    if (!m)
        return or_errf(err, OR_ENOMEM, "%s: out of host memory", f->path);
    m->eccv = eccv, m->width = width, m->classes = classes;
    or_net *net = &m->net;
    or_net_init_common(net, eccv ? "eccv16" : "siggraph17", f->path, be, dtype, in_ch, 2, 1, 8);
    net->forward = zhang_forward;
    net->workspace_bytes = zhang_workspace;
    net->destroy = zhang_destroy;
    net->impl = m;
    return or_net_finish_load(net, &m->wts, f, load_weights, out, err);
}
