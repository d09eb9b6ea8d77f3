/* fgs.h: the fast global smoother (Min et al., "Fast Global Image Smoothing
 * Based on Weighted Least Squares", TIP 2014) as OpenCV's
 * cv::ximgproc::FastGlobalSmootherFilter computes it: Deep Exemplar's post-filter
 * of the ab planes, guided by the 8-bit L (test.py: lambda 500, sigma_color 4,
 * OpenCV's defaults lambda_attenuation 0.25, num_iter 3). */
#ifndef OR_FGS_H
#define OR_FGS_H

#include <stdint.h>

#include "runtime/core/status.h"

#define OR_FGS_LAMBDA 500.0
#define OR_FGS_SIGMA 4.0
#define OR_FGS_ATTENUATION 0.25
#define OR_FGS_ITERATIONS 3

/* Filter each of the n planes [h][w] of x in place, guided by guide [h][w] (one
 * 8-bit channel).  Per iteration: a horizontal then a vertical pass, each a
 * tridiagonal solve per row / column with weights lambda * -exp(-|g_p - g_q| /
 * sigma) between neighbours; lambda *= attenuation after each iteration.  f32
 * arithmetic in OpenCV's scalar order.  Fails only when memory runs out. */
or_status or_fgs_filter(const uint8_t *guide, int w, int h, float *x, int n, double lambda,
                        double sigma, double attenuation, int iterations, or_err *err);

#endif
