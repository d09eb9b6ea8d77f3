/* pool_cpu.c: the plain-C kernels of the "pool" op family (pool_kernels.h; the op
 * table that calls them is runtime/core/backend_cpu_pool.c):
 * max/avg pooling as F.max_pool2d / F.avg_pool2d (ceil_mode=False) and padding
 * as F.pad (constant 0, replicate, reflect).  One OpenMP task per plane. */
#include <float.h>
#include <stddef.h>

#include "pool_kernels.h"

void maxpool2d_f32(const float *x, float *y, int planes, int h, int w, int kh, int kw, int sh,
                   int sw, int ph, int pw, int ho, int wo)
{
#pragma omp parallel for schedule(static)
    for (int pl = 0; pl < planes; pl++) {
        const float *xp = x + (size_t)pl * h * w;
        float *yp = y + (size_t)pl * ho * wo;
        for (int oh = 0; oh < ho; oh++) {
            int h0, h1, hl;
            pool_window(oh, h, kh, sh, ph, &h0, &h1, &hl);
            for (int ow = 0; ow < wo; ow++) {
                int w0, w1, wl;
                pool_window(ow, w, kw, sw, pw, &w0, &w1, &wl);
                float m = -FLT_MAX;
                int any = 0;
                for (int i = h0; i < h1; i++)
                    for (int j = w0; j < w1; j++) {
                        float v = xp[(size_t)i * w + j];
                        if (!any || v > m || v != v) /* NaN propagates, as in PyTorch */
                            m = v, any = 1;
                        if (m != m)
                            break;
                    }
                yp[(size_t)oh * wo + ow] = m;
            }
        }
    }
}

void avgpool2d_f32(const float *x, float *y, int planes, int h, int w, int kh, int kw, int sh,
                   int sw, int ph, int pw, int cip, int ho, int wo)
{
#pragma omp parallel for schedule(static)
    for (int pl = 0; pl < planes; pl++) {
        const float *xp = x + (size_t)pl * h * w;
        float *yp = y + (size_t)pl * ho * wo;
        for (int oh = 0; oh < ho; oh++) {
            int h0, h1, hl;
            pool_window(oh, h, kh, sh, ph, &h0, &h1, &hl);
            for (int ow = 0; ow < wo; ow++) {
                int w0, w1, wl;
                pool_window(ow, w, kw, sw, pw, &w0, &w1, &wl);
                float s = 0;
                for (int i = h0; i < h1; i++)
                    for (int j = w0; j < w1; j++)
                        s += xp[(size_t)i * w + j];
                int cnt = cip ? hl * wl : (h1 - h0) * (w1 - w0);
                yp[(size_t)oh * wo + ow] = s / (float)cnt;
            }
        }
    }
}

void pad2d_f32(const float *x, float *y, int planes, int h, int w, int left, int top, int mode,
               int ho, int wo)
{
#pragma omp parallel for schedule(static)
    for (int pl = 0; pl < planes; pl++) {
        const float *xp = x + (size_t)pl * h * w;
        float *yp = y + (size_t)pl * ho * wo;
        for (int oh = 0; oh < ho; oh++) {
            int sh = pool_pad_src(oh - top, h, mode);
            for (int ow = 0; ow < wo; ow++) {
                int sw = pool_pad_src(ow - left, w, mode);
                yp[(size_t)oh * wo + ow] = sh < 0 || sw < 0 ? 0.0f : xp[(size_t)sh * w + sw];
            }
        }
    }
}
