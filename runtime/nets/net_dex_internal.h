/* net_dex_internal.h: what net_dex.c (VGG19, WarpNet, the frame) and
 * net_dex_color.c (ColorVidNet) share.  Not part of the public interface
 * (net_dex.h). */
#ifndef OR_NET_DEX_INTERNAL_H
#define OR_NET_DEX_INTERNAL_H

#include "net_dex.h"
#include "net_internal.h"

typedef struct {
    or_tensor w, b;
} dex_conv_w;

/* ColorVidNet's convolutions, in the order of convert/arch_dex.c's table. */
enum {
    CV_1_1A, CV_1_1B, CV_1_2, CV_2_1, CV_2_2, CV_3_1, CV_3_2, CV_3_3, CV_4_1, CV_4_2, CV_4_3,
    CV_5_1, CV_5_2, CV_5_3, CV_6_1, CV_6_2, CV_6_3, CV_7_1, CV_7_2, CV_7_3, CV_8_1,
    CV_3_3_SHORT, CV_8_2, CV_8_3, CV_9_1, CV_2_2_SHORT, CV_9_2, CV_10_1, CV_1_2_SHORT, CV_10_2,
    CV_10_AB, CV_COUNT
};

typedef struct {
    or_net net; /* first: net->impl points here */
    or_net_weights wts;
    int vgg[6];       /* VGG widths: vgg[0] = 3, vgg[b] of block b */
    int mid[6];       /* WarpNet layerN_1 inner widths (N = 2..5) */
    int fc, inter;    /* WarpNet feature channels per level, theta/phi channels */
    int cw[6];        /* ColorVidNet widths cw[1..5] (32, 64, 128, 256, 512 released) */
    dex_conv_w vgg_conv[5][4];
    dex_conv_w head1[6], head2[6];
    or_tensor prelu1[6], prelu2[6];
    dex_conv_w res1[3], res2[3];
    or_tensor res_prelu[3];
    dex_conv_w theta, phi;
    dex_conv_w color[CV_COUNT];
    or_tensor ss[3]; /* conv1_2norm_ss, conv2_2norm_ss, conv3_3norm_ss as scales [1,C,1,1] */
} dex;

/* A new activation [1,c,h,w] in the network's dtype from the arena. */
or_status dex_take(dex *m, int c, int h, int w, const char *name, or_tensor *t, or_err *err);
/* y = act(conv(x) + b) (+ residual after the activation). */
or_status dex_conv(const or_tensor *x, const dex_conv_w *c, int stride, int pad, int dil,
                   or_act act, float alpha, const or_tensor *residual, or_tensor *y, or_err *err);

/* ColorVidNet (net_dex_color.c): in [7,h,w] -> ab [2,h,w] (tanh * 128). */
or_status dex_colornet(dex *m, const or_tensor *in, or_tensor *ab, or_err *err);
or_status dex_colornet_load(dex *m, or_err *err);

#endif
