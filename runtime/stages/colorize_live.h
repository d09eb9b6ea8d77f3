/* colorize_live.h: one photo colourised again and again with changing hints, as
 * the colour studio (runtime/studio/) needs: the photo is prepared once (its
 * 256x256 network input and a preview-size copy), then each run gives the
 * preview (the network's ab on the preview's L, as or_colorize_zhang does at full
 * size), the class head's distribution per network cell (64x64), its entropy, and
 * suggested colours at any pixel.  Zhang networks only (siggraph17, eccv16). */
#ifndef OR_COLORIZE_LIVE_H
#define OR_COLORIZE_LIVE_H

#ifdef __cplusplus
extern "C" {
#endif

#include "colorize.h"

typedef struct {
    float a, b;           /* the cluster's centre in ab (Lab units) */
    float p;              /* its probability mass (clusters that snap to one colour summed) */
    unsigned char rgb[3]; /* the colour a hint of it gives at the pixel's L (snapped, 8-bit) */
} or_live_suggestion;

typedef struct or_live or_live;

/* Prepares `in` (copied) for net; the preview is `in` scaled to at most
 * preview_max pixels per side (never enlarged). */
or_status or_live_open(or_net *net, const or_image *in, int preview_max, or_live **out,
                       or_err *err);
void or_live_free(or_live *lv);

/* One run with o's hints (input pixels) and temperature; the results below are
 * this run's.  Hints outside the image are refused. */
or_status or_live_run(or_live *lv, const or_colorize_opts *o, or_err *err);

const or_image *or_live_input(const or_live *lv);   /* the photo as given */
const or_image *or_live_gray(const or_live *lv);    /* the photo at preview size */
const or_image *or_live_preview(const or_live *lv); /* the last run at preview size */
/* Entropy of the class distribution per cell / log(Q): [gh][gw] in [0,1]. */
const float *or_live_entropy(const or_live *lv, int *gw, int *gh);
/* The suggested colours at input pixel (x, y), as the authors' demo makes them: the cell's
 * distribution clustered in ab by k-means (k = max, at most 16; weighted by probability, which
 * is the limit of the demo's k-means on samples), most probable cluster first, distinct
 * colours; *L the pixel's lightness in the network input.  Returns the count (0 before a run
 * or outside the image). */
int or_live_suggest(const or_live *lv, int x, int y, or_live_suggestion *s, int max, double *L);

#ifdef __cplusplus
}
#endif

#endif
