/* pool_cpu.c: the plain-C kernels of the "pool" op family (pool_kernels.h; the op
 * table that calls them is runtime/core/backend_cpu_pool.c):
 * max/avg pooling as F.max_pool2d / F.avg_pool2d (ceil_mode=False) and padding
 * as F.pad (constant 0, replicate, reflect).  One OpenMP task per plane. */
#include <float.h>
#include <stddef.h>
#include <string.h>

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

/* 2x2 windows, stride 1, no padding (fastai's blur after a pixel shuffle): the general loop's
 * sum in its order, ((0 + x00) + x01) + x10 + x11, over 4, vectorised along the row. */
static void avgpool2x2_s1_f32(const float *x, float *y, int planes, int h, int w, int ho, int wo)
{
#pragma omp parallel for collapse(2) schedule(static)
    for (int pl = 0; pl < planes; pl++)
        for (int oh = 0; oh < ho; oh++) {
            const float *r0 = x + ((size_t)pl * h + oh) * w, *r1 = r0 + w;
            float *yr = y + ((size_t)pl * ho + oh) * wo;
            for (int ow = 0; ow < wo; ow++)
                yr[ow] = (((0.0f + r0[ow]) + r0[ow + 1]) + r1[ow] + r1[ow + 1]) / 4.0f;
        }
}

void avgpool2d_f32(const float *x, float *y, int planes, int h, int w, int kh, int kw, int sh,
                   int sw, int ph, int pw, int cip, int ho, int wo)
{
    if (kh == 2 && kw == 2 && sh == 1 && sw == 1 && ph == 0 && pw == 0 && ho == h - 1 &&
        wo == w - 1) {
        avgpool2x2_s1_f32(x, y, planes, h, w, ho, wo);
        return;
    }
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
    /* output columns [c0, c1) copy input columns [c0 - left, c1 - left) as they are */
    int c0 = left > 0 ? left : 0, c1 = left + w < wo ? left + w : wo;
    c1 = c1 < c0 ? c0 : c1;
#pragma omp parallel for collapse(2) schedule(static)
    for (int pl = 0; pl < planes; pl++)
        for (int oh = 0; oh < ho; oh++) {
            const float *xp = x + (size_t)pl * h * w;
            float *yr = y + ((size_t)pl * ho + oh) * wo;
            int sh = pool_pad_src(oh - top, h, mode);
            if (sh < 0) {
                for (int ow = 0; ow < wo; ow++)
                    yr[ow] = 0.0f;
                continue;
            }
            const float *xr = xp + (size_t)sh * w;
            for (int ow = 0; ow < wo; ow++) {
                if (ow == c0 && c1 > c0) {
                    memcpy(yr + c0, xr + (c0 - left), (size_t)(c1 - c0) * sizeof(float));
                    ow = c1 - 1;
                    continue;
                }
                int sw = pool_pad_src(ow - left, w, mode);
                yr[ow] = sw < 0 ? 0.0f : xr[sw];
            }
        }
}
