/* interpolate.h: making in-between frames with an interpolation network
 * (RIFE, DAIN: net->interpolate), as Practical-RIFE's inference_video.py does:
 *
 *   frames  -> RIFE: zero-padded at the bottom/right (F.pad) up to a multiple of
 *              max(128, 128/flow_scale) (inference_video.py; also a multiple of
 *              what the network needs at that flow scale).  DAIN: edge-replicated
 *              on all sides as demo_MiddleBury.py (ReplicationPad2d up to the next
 *              multiple of 128, split evenly; 32 per side when already one)
 *   network -> net->interpolate(x0, x1, t, flow_scale) on the padded frames
 *   output  -> cropped, clamped to [0,1]
 *   gray    -> both frames gray: run as RGB (replicated), returned gray (the
 *              mean of the three output channels, which are equal)
 *   alpha   -> blended linearly: (1-t)*alpha_a + t*alpha_b (a missing alpha is 1)
 *
 * Any size works, 1-pixel strips included (they are padded like the rest).
 * The official writer truncates (x*255).byte(); our image writers round. */
#ifndef OR_INTERPOLATE_H
#define OR_INTERPOLATE_H

#ifdef __cplusplus
extern "C" {
#endif

#include "runtime/io/image.h"
#include "runtime/nets/net.h"

typedef struct {
    float flow_scale;  /* RIFE's scale: 1, or 0.5 for 4K (the official UHD mode); 0.25, 0.5,
                          1, 2 or 4 as inference_video.py allows */
} or_interpolate_opts;

or_interpolate_opts or_interpolate_defaults(void);

/* The size a 1-pixel frame side is padded to (net->frame_pad): the multiple
 * RIFE's frames are zero-padded to, 128 for DAIN; 1 for a network that does not
 * interpolate. */
int or_interpolate_multiple(const or_net *net, const or_interpolate_opts *o);

/* out = the frame at time t in (0,1) between a (t = 0) and b (t = 1); a and b
 * have the same size and channels (gray is run as RGB and returned gray; alpha is
 * blended linearly).  out is a new image with a's layout and src_* info. */
or_status or_interpolate_image(or_net *net, const or_image *a, const or_image *b, float t,
                               const or_interpolate_opts *o, or_image *out, or_err *err);

/* The n-1 frames at t = k/n, k = 1..n-1, between a and b (n >= 2) into
 * out[0..n-2] (what inference_video.py --multi n writes between two frames);
 * the frames are padded and uploaded once.  On failure every out[] is freed. */
or_status or_interpolate_n(or_net *net, const or_image *a, const or_image *b, int n,
                           const or_interpolate_opts *o, or_image *out, or_err *err);

/* Optical flow between a and b from the network's own flow estimate (RIFE:
 * net->flows; other networks are refused), padded as for interpolation and
 * cropped back, in pixels, x then y, planes [2, h, w]:
 *   fw = F_a->b, RIFE's F_t->1 at t = 0: a's pixel (j, i) is at (j + fw_x, i + fw_y) in b,
 *   bw = F_b->a, RIFE's F_t->0 at t = 1: b's pixel (j, i) is at (j + bw_x, i + bw_y) in a,
 * so sampling a at (j, i) + bw(j, i) backward-warps a onto b.  Two network
 * passes (t = 0 and t = 1), the frames uploaded once; gray frames are run as
 * RGB as for interpolation. */
or_status or_interpolate_flows(or_net *net, const or_image *a, const or_image *b,
                               const or_interpolate_opts *o, float *fw, float *bw, or_err *err);

#ifdef __cplusplus
}
#endif

#endif
