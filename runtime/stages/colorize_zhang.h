/* colorize_zhang.h: internals of runtime/stages/colorize_zhang.c exposed for tests. */
#ifndef OR_COLORIZE_ZHANG_H
#define OR_COLORIZE_ZHANG_H

#ifdef __cplusplus
extern "C" {
#endif

/* interactive-deep-colorization's data/lab_gamut.py snap_ab(L, rgb8) followed
 * by rgb2lab of its uint8 result: the (a, b) the network is given for a hint
 * of colour rgb8 (8-bit) clicked on a pixel of lightness L (0..100). */
void or_zhang_snap_ab(double L, const unsigned char rgb8[3], double ab[2]);

#ifdef __cplusplus
}
#endif

#endif
