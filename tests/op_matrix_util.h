/* op_matrix_util.h: what every op matrix (op_matrix.c, op_matrix_<family>.c)
 * shares: the tolerances, stated once, the one comparison that applies them,
 * random inputs rounded like the backend stores them, and NaN-poisoned outputs
 * (an element a kernel forgets to write fails the comparison). */
#ifndef OR_OP_MATRIX_UTIL_H
#define OR_OP_MATRIX_UTIL_H

#include <stddef.h>

#include "kernels/kernels.h"
#include "runtime/core/ops.h"

/* Tolerances (see docs/architecture.md, "Testing"):
 *  f32: max |out - ref| <= 1e-5 * max(1, max |ref|): the references accumulate in
 *       double; f32 sgemm/cuDNN-FMA accumulation over K <= 1200 terms of O(1/sqrt(K))
 *       products, and the families' short sums (pooling windows, bilinear taps,
 *       softmax rows, the flow projection's atomics in any order), stay around 1e-6
 *       relative.
 *  f16: PSNR >= 45 dB against the f32 reference with peak max(1, max |ref|) (inputs
 *       and weights are rounded to f16, 2^-11 relative, and the output too), and no
 *       NaN or infinity anywhere.
 *  Layout ops (values moved, never computed): bit-exact in both dtypes, om_same_bits. */
#define OM_TOL_F32 1e-5
#define OM_PSNR_F16 45.0

/* 0 if out matches ref under dt's tolerance; else prints "FAIL what: ..." and returns 1. */
int om_check(const char *what, const float *out, const float *ref, size_t n, or_dtype dt);
/* 0 if out equals ref bit for bit; else prints the first difference and returns 1. */
int om_same_bits(const char *what, const float *out, const float *ref, size_t n);

/* Round x through f16 when dt is f16, so a reference sees what an f16 backend sees. */
void om_quantize(float *x, size_t n, or_dtype dt);
/* malloc'd values uniform in [lo,hi) (tu_seed's stream), rounded like dt. */
float *om_rand(size_t n, float lo, float hi, or_dtype dt);
/* Allocate t in be's arena and upload host; host NULL: fill with NaN (an output). */
or_status om_put(or_backend *be, or_tensor *t, int n, int c, int h, int w, or_dtype dt,
                 const char *name, const float *host, or_err *err);
/* Finish a case: unless st already failed, download y and om_check it against ref;
 * prints the error of a failed call.  Returns 1 on failure. */
int om_finish(or_status st, const or_err *err, const char *what, const or_tensor *y,
              const float *ref, or_dtype dt);

/* Host layout conversion of an [n,c,h,w] tensor: NCHW x into channels [c0, c0+c)
 * of an NHWC buffer y with pixel stride ld (its other channels left as they are),
 * and back.  ld == c, c0 == 0 is a packed NHWC tensor; an NHWC conv weight
 * [co,ci,kh,kw] (KRSC) is om_nchw_to_nhwc of the NCHW one with n = co. */
void om_nchw_to_nhwc(const float *x, float *y, int ld, int c0, int n, int c, int h, int w);
void om_nhwc_to_nchw(const float *x, int ld, int c0, float *y, int n, int c, int h, int w);

/* The epilogue activations in double, written independently of the kernels:
 * alpha is LeakyReLU's slope, slope the PReLU channel's. */
double om_ref_act(double v, or_act act, double alpha, double slope);
/* The conv cases' reference, NCHW: ref = act(conv2d_nchw_f32_naive(x, w, b)) with
 * LeakyReLU slope 0.2 / PReLU slopes pr, then * 0.2 + res when res is given. */
void om_conv_ref(const float *x, const float *w, const float *b, const or_conv_shape *s,
                 or_act act, const float *pr, const float *res, float *ref);

#endif
