/* net_dex.h: Deep Exemplar-based Video Colorization (Zhang, He, Liao et al.,
 * CVPR 2019), the network side: one frame of the official test.py loop at the
 * network size (half the working size).  The stage (runtime/stages/) does the
 * resizing, the Lab conversions, the upsampling and the post-filter. */
#ifndef OR_NET_DEX_H
#define OR_NET_DEX_H

#ifdef __cplusplus
extern "C" {
#endif

#include "net.h"

/* The official temperature of the correspondence softmax (test.py passes 1e-10
 * to frame_colorization: in effect an argmax). */
#define OR_DEX_TEMPERATURE 1e-10f

/* 1 when net is a Deep Exemplar network (arch "deep-exemplar"). */
int or_net_is_dex(const or_net *net);

/* models/FrameColor.py frame_colorization as test.py calls it, in net->dtype on
 * net->be, every tensor [1,C,h,w] with h % 8 == 0, w % 16 == 0, h >= 32, w >= 32:
 *   a_lab [1,3]   the frame in normalised Lab (L - 50, a, b)
 *   b_lab [1,3]   the reference, likewise (the same size)
 *   last  [1,3]   the previous frame's cat(L - 50, predicted ab), or NULL (zeros: the
 *                 first frame of a chain)
 *   ab    [1,2]   out: ColorVidNet's ab (tanh * 128)
 *   warp_ab [1,2], sim [1,1]  out, optional (NULL): WarpNet's warped reference ab and
 *                 similarity map (nearest x4 from the h/4 x w/4 correspondence)
 * temperature: OR_DEX_TEMPERATURE as the official test.  Scratch from the arena,
 * given back. */
or_status or_dex_frame(or_net *net, const or_tensor *a_lab, const or_tensor *b_lab,
                       const or_tensor *last, float temperature, or_tensor *ab,
                       or_tensor *warp_ab, or_tensor *sim, or_err *err);

#ifdef __cplusplus
}
#endif

#endif
