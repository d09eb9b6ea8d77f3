/* net_zhang.h: what Zhang et al.'s networks (net_zhang.c) give beyond forward():
 * the classification head's logits and the annealed mean.
 *
 *   ECCV16: ab = 110 * sum_q softmax(z / T')_q * bin_q over its 313 ab bins
 *     (out.weight).  The Caffe release scales the logits by 2.606 before the
 *     softmax (colorization_deploy_v2.prototxt, layer conv8_313_rh: the paper's
 *     annealed mean, T = 1 / 2.606 = 0.38); the PyTorch release has no such layer
 *     and gives the same colours, so its logits z already carry the factor.  With
 *     the paper's temperature T we therefore use T' = 2.606 T: T = 0.3837 is the
 *     release, T = 1 the plain mean (duller), smaller T more vivid.
 *   SIGGRAPH17: model_class (1x1 conv on conv8_3, 529 logits at H/4 x W/4) over the
 *     23x23 grid of ab bins q = 23 ia + ib, (a, b) = (10 ia - 110, 10 ib - 110)
 *     (colorization-pytorch util.py, ab_max 110, ab_quant 10; trained with a plain
 *     softmax).  With T > 0 the output is the annealed mean softmax(z / T) over
 *     these bins, upsampled x4 bilinearly (as ECCV16), instead of the regression
 *     head; T = 0 keeps the release's regression output. */
#ifndef OR_NET_ZHANG_H
#define OR_NET_ZHANG_H

#ifdef __cplusplus
extern "C" {
#endif

#include "net.h"

#define OR_ZHANG_ECCV16_LOGIT_SCALE 2.606f
#define OR_ZHANG_SIG_SIDE 23
#define OR_ZHANG_SIG_CLASSES (OR_ZHANG_SIG_SIDE * OR_ZHANG_SIG_SIDE)

typedef struct {
    float temperature;  /* 0: the release's output; > 0: the annealed mean at T (above) */
    or_tensor *logits;  /* optional: filled with the class logits, [1,Q,H/4,W/4] in net->dtype */
} or_zhang_fwd;

/* forward() with the options above (o may be NULL: forward()). */
or_status or_net_zhang_forward(or_net *net, const or_tensor *x, const or_zhang_fwd *o,
                               or_tensor *y, or_err *err);
/* Q (313 or 529), 0 for another network. */
int or_net_zhang_classes(const or_net *net);
/* The bins' ab in Lab units: ab[q] = a, ab[Q + q] = b (ab: 2 Q floats). */
or_status or_net_zhang_bins(const or_net *net, float *ab, or_err *err);

#ifdef __cplusplus
}
#endif

#endif
