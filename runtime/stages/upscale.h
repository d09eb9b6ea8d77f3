/* upscale.h: running a super-resolution network over a whole image, as
 * Real-ESRGAN's RealESRGANer.enhance() does (realesrgan/utils.py, with the
 * defaults of inference_realesrgan.py: tile_pad 10, pre_pad 0):
 *
 *   gray input   -> replicated to RGB, run, back to gray (cv2 RGB2GRAY weights)
 *   H, W         -> padded at the bottom/right up to net->size_multiple by
 *                   reflection (Real-ESRGAN's mod_pad; tiny inputs, where a
 *                   reflection is impossible, by edge replication)
 *   tiles        -> each tile is run with tile_pad pixels of context on every
 *                   side (clipped at the image border) and only its own region,
 *                   scaled, is copied into the output: no visible seams
 *   output       -> padding cropped, clamped to [0,1]
 *   alpha        -> upscaled separately through the same network as a 3-channel
 *                   gray image, taken back to one channel (alpha_upsampler='realesrgan')
 *   outscale     -> when it differs from the network's scale, the result is
 *                   quantised to the source bit depth and resized with
 *                   OpenCV's INTER_LANCZOS4 (runtime/io/resize.c), as Real-ESRGAN does.
 *
 * Memory: tile 0 picks the largest tile that fits the backend's free memory
 * (or the whole image), and a tile whose allocation fails is retried at half
 * the size, down to 32 pixels.  The library never prints: what was done is
 * reported in or_upscale_info.
 *
 * Several devices (the CLI's -g 0,1,...): with or_upscale_opts.more_nets (the
 * same network loaded on other backends) the tiles of one image are spread
 * over the devices, one worker thread per device (each binds its device with
 * or_backend_use; net's worker is the calling thread, left bound to net's
 * device), each taking the next
 * tile from a shared counter and writing its region of the output in place.
 * The grid is the one net alone would cut (the automatic tile size comes from
 * net's backend), so the result is the one-device result wherever the
 * devices compute alike. */
#ifndef OR_UPSCALE_H
#define OR_UPSCALE_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>

#include "runtime/io/image.h"
#include "runtime/nets/net.h"

#define OR_UPSCALE_TILE_PAD 10      /* Real-ESRGAN's default tile_pad */
#define OR_UPSCALE_MIN_TILE 32      /* smallest tile tried after allocation failures */
#define OR_UPSCALE_CPU_BUDGET ((size_t)1 << 30) /* auto tile cap on the CPU */
#define OR_UPSCALE_MAX_DEVICES 16   /* net and up to 15 more_nets */

typedef struct {
    int tile;          /* tile size in input pixels; 0: automatic (whole image when it fits) */
    int tile_pad;      /* context pixels on each side of a tile */
    double outscale;   /* output size = floor(input size * outscale); 0: the network's scale */
    size_t mem_budget; /* bytes a tile may use for tile 0; 0: from the backend (or_upscale_budget) */
    /* the same network on other devices: tiles spread over net and these (above);
     * NULL / 0: net alone, on the calling thread */
    or_net *const *more_nets;
    int n_more;
} or_upscale_opts;

typedef struct {
    int tile;          /* tile size of the last pass; 0 when the image ran in one piece */
    int tiles;         /* tiles run in the last pass (per plane set: colour, then alpha) */
    int retries;       /* times the tile size was halved after an allocation failure */
    int pad_h, pad_w;  /* rows/columns added for size_multiple */
    int tiny_pad;      /* that padding was edge replication (image too small to reflect) */
    int gray;          /* a gray image was run as RGB */
    int alpha;         /* the alpha plane was upscaled through the network */
    int resized;       /* the network output was resized to outscale (Lanczos-4) */
    int devices;       /* devices the tiles were spread over: 1 + n_more */
    /* tiles each device ran (net first, then more_nets), added up over the
     * passes of or_upscale_image (colour, alpha; halved retries not counted) */
    int device_tiles[OR_UPSCALE_MAX_DEVICES];
} or_upscale_info;

or_upscale_opts or_upscale_defaults(void);

/* Bytes a tile may use on be with -t 0: 80% of what the backend can still
 * allocate plus what its arena holds unused; at most OR_UPSCALE_CPU_BUDGET on
 * the CPU (which keeps the working set cache-friendly). */
size_t or_upscale_budget(or_backend *be);

/* The tile size -t 0 chooses for an h x w input: 0 when the whole (padded)
 * image fits budget, else the largest multiple of 32 (>= 32) whose tile with
 * context (net->workspace_bytes plus the input/output tensors) fits. */
int or_upscale_auto_tile(const or_net *net, int h, int w, int tile_pad, size_t budget);

/* Run net over in (net->in_ch planes of h x w, plane-major) tile by tile into
 * out (net->out_ch planes of h*scale x w*scale, caller's memory), padding to
 * net->size_multiple and cropping again.  Values are not clamped.  Activations
 * come from the backend arena and are given back.  info->device_tiles and
 * ->retries are added to (zero info first). */
or_status or_upscale_planes(or_net *net, const float *in, int h, int w, const or_upscale_opts *o,
                            float *out, or_upscale_info *info, or_err *err);

/* The whole pipeline on an image (gray or RGB, optional alpha); out is a new
 * image with the same channels and alpha presence, and src_* copied from in
 * (so the caller can write the same bit depth).  net must be 3 -> 3 channels. */
or_status or_upscale_image(or_net *net, const or_image *in, const or_upscale_opts *o,
                           or_image *out, or_upscale_info *info, or_err *err);

/* Output size for an input dimension: floor(n * outscale), at least 1
 * (Python's int(w_input * outscale) in Real-ESRGAN). */
int or_upscale_out_size(int n, double outscale);

#ifdef __cplusplus
}
#endif

#endif
