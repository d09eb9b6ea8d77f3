/* op_matrix_color.h: the "color" op family (Lab, YUV) on a backend and dtype
 * against a plain double reference written here from skimage's / OpenCV's
 * formulas, and against values computed in numpy by tests/fixtures/zhang_nets.py
 * (skimage.color's rgb2lab / lab2rgb, transcribed). */
#ifndef OR_OP_MATRIX_COLOR_H
#define OR_OP_MATRIX_COLOR_H

#include "runtime/core/ops_color.h"

/* Every conversion on awkward shapes (1 pixel, odd sizes, batch 2), out of place
 * and in place; tolerances as op_matrix.h (f32 1e-5 x max(1,max|ref|), f16 45 dB). */
int om_color_cases(or_backend *be, or_dtype dt);
/* rgb2lab / lab2rgb against tests/fixtures/zhang/color_numpy.bin (numpy, float64). */
int om_color_numpy_cases(or_backend *be, or_dtype dt);

/* class_to_ab (ECCV16's softmax + model_out decoding) against a double reference:
 * Q = 313 / 529 / 3 classes, T = 1 and 0.38, awkward sizes, batch 2. */
int om_class_to_ab_cases(or_backend *be, or_dtype dt);

#endif
