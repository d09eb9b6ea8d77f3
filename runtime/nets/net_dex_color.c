/* net_dex_color.c: ColorVidNet (models/ColorVidNet.py as test.py builds it: the
 * transposed convs replaced by nearest x2 + conv, every BatchNorm by an
 * InstanceNorm2d without parameters) on ops.h.
 *
 *   conv1_1 (conv, ReLU, conv) + ReLU, conv1_2 + ReLU, IN        -> c12 (kept)
 *   [::2, ::2] * s1 (the depthwise 1x1 stride-2 conv without bias)
 *   conv2_1, conv2_2 (+ ReLU), IN                                -> c22 (kept)
 *   [::2, ::2] * s2, conv3_1..3_3 (+ ReLU), IN                   -> c33 (kept)
 *   [::2, ::2] * s3, conv4_1..4_3, IN; conv5_*, conv6_* (dilation 2), IN; conv7_*, IN
 *   ReLU(conv8_1(up2) + conv3_3_short(c33)), conv8_2, conv8_3, IN
 *   ReLU(conv9_1(up2) + conv2_2_short(c22)), conv9_2, IN
 *   ReLU(conv10_1(up2) + conv1_2_short(c12)), conv10_2 + LeakyReLU 0.2
 *   128 * tanh(conv10_ab)
 * The shortcut conv is computed first and added as conv8_1's residual; the ReLU
 * of the sum follows.  The subsampled scale is a nearest resize by 1/2 (source
 * pixel 2i, as [::2, ::2] for even sizes) and a per-channel affine with shift 0. */
#include <stdio.h>

#include "net_dex_internal.h"
#include "runtime/core/ops_math.h"
#include "runtime/core/ops_norm.h"
#include "runtime/core/ops_resample.h"

#define DEX_IN_EPS 1e-5f

/* y = ReLU(conv(x)) into a new tensor (3x3, padding = dilation). */
static or_status relu_conv(dex *m, const or_tensor *x, int idx, int dil, or_tensor *y,
                           or_err *err)
{
    const dex_conv_w *c = &m->color[idx];
    OR_TRY(dex_take(m, c->w.n, x->h, x->w, "colornet", y, err));
    return dex_conv(x, c, 1, dil, dil, OR_ACT_RELU, 0, NULL, y, err);
}

/* n convs (+ ReLU) from first, then the InstanceNorm in place: *out. */
static or_status block(dex *m, const or_tensor *x, int first, int n, int dil, or_tensor *out,
                       or_err *err)
{
    or_tensor t[3];
    const or_tensor *cur = x;
    for (int k = 0; k < n; k++) {
        OR_TRY(relu_conv(m, cur, first + k, dil, &t[k], err));
        cur = &t[k];
    }
    *out = t[n - 1];
    return or_instance_norm(out, DEX_IN_EPS, out, err);
}

/* x[:, :, ::2, ::2] * scale[c] (the depthwise stride-2 1x1 conv). */
static or_status subsample_scale(dex *m, const or_tensor *x, const or_tensor *scale,
                                 or_tensor *zero, or_tensor *y, or_err *err)
{
    OR_TRY(dex_take(m, x->c, x->h / 2, x->w / 2, "colornet subsampled", y, err));
    OR_TRY(or_resize_nearest(x, 0.5, 0.5, y, err));
    return or_channel_affine(y, scale, zero, y, err);
}

/* ReLU(conv(up2(x)) + short(skip)). */
static or_status up_merge(dex *m, const or_tensor *x, int up, const or_tensor *skip, int shortcut,
                          or_tensor *y, or_err *err)
{
    or_tensor u, s;
    const dex_conv_w *c = &m->color[up];
    OR_TRY(dex_take(m, c->w.n, skip->h, skip->w, "colornet merge", y, err));
    OR_TRY(dex_take(m, x->c, x->h * 2, x->w * 2, "colornet up", &u, err));
    OR_TRY(or_upsample_nearest(x, 2, &u, err));
    OR_TRY(dex_take(m, c->w.n, skip->h, skip->w, "colornet shortcut", &s, err));
    OR_TRY(dex_conv(skip, &m->color[shortcut], 1, 1, 1, OR_ACT_NONE, 0, NULL, &s, err));
    OR_TRY(dex_conv(&u, c, 1, 1, 1, OR_ACT_NONE, 0, &s, y, err));
    return or_activation(y, OR_ACT_RELU, 0, NULL, y, err);
}

or_status dex_colornet(dex *m, const or_tensor *in, or_tensor *ab, or_err *err)
{
    if (in->h % 8 || in->w % 8)
        return or_errf(err, OR_ESHAPE, "ColorVidNet: %dx%d is not a multiple of 8", in->w,
                       in->h);
    or_tensor zero, a, c12, c22, c33, d, e, f;
    OR_TRY(or_tensor_alloc(m->net.be, &zero, 1, m->cw[5], 1, 1, OR_F32, "zero shift", err));
    OR_TRY(or_fill(&zero, 0.0f, err));
    or_tensor z2 = zero, z3 = zero, z4 = zero;
    z2.c = m->cw[2], z3.c = m->cw[3], z4.c = m->cw[4];
    OR_TRY(relu_conv(m, in, CV_1_1A, 1, &a, err));
    OR_TRY(block(m, &a, CV_1_1B, 2, 1, &c12, err)); /* relu1_1(conv1_1), relu1_2(conv1_2), IN */
    OR_TRY(subsample_scale(m, &c12, &m->ss[0], &z2, &d, err));
    OR_TRY(block(m, &d, CV_2_1, 2, 1, &c22, err));
    OR_TRY(subsample_scale(m, &c22, &m->ss[1], &z3, &d, err));
    OR_TRY(block(m, &d, CV_3_1, 3, 1, &c33, err));
    OR_TRY(subsample_scale(m, &c33, &m->ss[2], &z4, &d, err));
    OR_TRY(block(m, &d, CV_4_1, 3, 1, &e, err));
    OR_TRY(block(m, &e, CV_5_1, 3, 2, &d, err));
    OR_TRY(block(m, &d, CV_6_1, 3, 2, &e, err));
    OR_TRY(block(m, &e, CV_7_1, 3, 1, &d, err));
    OR_TRY(up_merge(m, &d, CV_8_1, &c33, CV_3_3_SHORT, &e, err));
    OR_TRY(block(m, &e, CV_8_2, 2, 1, &d, err));
    OR_TRY(up_merge(m, &d, CV_9_1, &c22, CV_2_2_SHORT, &e, err));
    OR_TRY(block(m, &e, CV_9_2, 1, 1, &d, err));
    OR_TRY(up_merge(m, &d, CV_10_1, &c12, CV_1_2_SHORT, &e, err));
    OR_TRY(dex_take(m, m->color[CV_10_2].w.n, e.h, e.w, "conv10_2", &f, err));
    OR_TRY(dex_conv(&e, &m->color[CV_10_2], 1, 1, 1, OR_ACT_LEAKY, 0.2f, NULL, &f, err));
    OR_TRY(dex_conv(&f, &m->color[CV_10_AB], 1, 0, 1, OR_ACT_TANH, 0, NULL, ab, err));
    return or_scale_shift(ab, 128.0f, 0.0f, ab, err);
}

/* The conv table of convert/arch_dex.c: canonical name, out and in width indices
 * into cw (0: the 7 input channels, -1: the 2 ab channels), kernel size. */
static const struct {
    const char *name;
    int o, i, k;
} color_table[CV_COUNT] = {
    {"conv1_1a", 1, 0, 3}, {"conv1_1b", 2, 1, 3}, {"conv1_2", 2, 2, 3}, {"conv2_1", 3, 2, 3},
    {"conv2_2", 3, 3, 3},  {"conv3_1", 4, 3, 3},  {"conv3_2", 4, 4, 3}, {"conv3_3", 4, 4, 3},
    {"conv4_1", 5, 4, 3},  {"conv4_2", 5, 5, 3},  {"conv4_3", 5, 5, 3}, {"conv5_1", 5, 5, 3},
    {"conv5_2", 5, 5, 3},  {"conv5_3", 5, 5, 3},  {"conv6_1", 5, 5, 3}, {"conv6_2", 5, 5, 3},
    {"conv6_3", 5, 5, 3},  {"conv7_1", 5, 5, 3},  {"conv7_2", 5, 5, 3}, {"conv7_3", 5, 5, 3},
    {"conv8_1", 4, 5, 3},  {"conv3_3_short", 4, 4, 3}, {"conv8_2", 4, 4, 3},
    {"conv8_3", 4, 4, 3},  {"conv9_1", 3, 4, 3},  {"conv2_2_short", 3, 3, 3},
    {"conv9_2", 3, 3, 3},  {"conv10_1", 3, 3, 3}, {"conv1_2_short", 3, 2, 3},
    {"conv10_2", 3, 3, 3}, {"conv10_ab", -1, 3, 1},
};

or_status dex_colornet_load(dex *m, or_err *err)
{
    char name[64];
    for (int i = 0; i < CV_COUNT; i++) {
        int o = color_table[i].o < 0 ? 2 : m->cw[color_table[i].o];
        int in = color_table[i].i == 0 ? 7 : m->cw[color_table[i].i];
        snprintf(name, sizeof name, "color.%s", color_table[i].name);
        OR_TRY(or_netw_conv(&m->wts, name, o, in, color_table[i].k, &m->color[i].w,
                            &m->color[i].b, err));
    }
    static const char *ss[3] = {"color.conv1_2norm_ss", "color.conv2_2norm_ss",
                                "color.conv3_3norm_ss"};
    for (int i = 0; i < 3; i++)
        OR_TRY(or_netw_vec(&m->wts, ss[i], m->cw[2 + i], &m->ss[i], err));
    return OR_OK;
}
