/* flow_px.h: the per-pixel arithmetic of the "flow" family, shared by the
 * plain-C kernels (flow_cpu.c) and the CUDA kernels (flow_cuda.cu) so both
 * evaluate the same float expressions in the same order.  Values are read
 * through a loader `ld(p, i)` the caller provides (f32 or f16 storage). */
#ifndef OR_FLOW_PX_H
#define OR_FLOW_PX_H

#ifdef __CUDACC__
#define FPX_HD static __host__ __device__ __forceinline__
#else
#define FPX_HD static inline
#endif

/* The sampling position of PWC-Net's warp along one axis: the grid j + f is
 * normalised by max(n-1,1) and grid_sample (align_corners=True) maps it back by
 * (n-1)/2, both in float as PyTorch does (for n == 1 it is always 0). */
FPX_HD float fpx_warp_coord(int j, float f, int n)
{
    float g = 2.0f * ((float)j + f) / (float)(n > 1 ? n - 1 : 1) - 1.0f;
    return (g + 1.0f) / 2.0f * (float)(n - 1);
}

/* Bilinear corners and weights of PyTorch's grid_sample (bilinear, zeros):
 * the corner weights w[4] (nw, ne, sw, se), their indices o[4] (-1 outside)
 * and the returned mask: 1 when the weights of the corners inside sum to
 * >= 0.9999 (PWC-Net's mask), else 0. */
FPX_HD int fpx_bilinear(float ix, float iy, int h, int w, float wt[4], long o[4])
{
    float fx = floorf(ix), fy = floorf(iy);
    int x0 = (int)fx, y0 = (int)fy;
    float e = ix - fx, s = iy - fy;
    wt[0] = (1.0f - e) * (1.0f - s);
    wt[1] = e * (1.0f - s);
    wt[2] = (1.0f - e) * s;
    wt[3] = e * s;
    float m = 0.0f;
    for (int k = 0; k < 4; k++) {
        int xx = x0 + (k & 1), yy = y0 + (k >> 1);
        int in = xx >= 0 && xx < w && yy >= 0 && yy < h;
        o[k] = in ? (long)yy * w + xx : -1;
        if (in)
            m += wt[k];
    }
    return m >= 0.9999f;
}

/* FilterInterpolation: the quadrant sums of the F x F window at (x2, y2)
 * weighted by filter taps tap(k) for one channel plane img (h x w). */
#define FPX_FILTER_PIXEL(ACC_OUT, img, LD, tap, F, x2, y2, h, w)                               \
    do {                                                                                       \
        int ix_ = (int)(x2), iy_ = (int)(y2);                                                  \
        int l_ = ix_ + 1 - (F) / 2, t_ = iy_ + 1 - (F) / 2;                                    \
        float q_[4] = {0.0f, 0.0f, 0.0f, 0.0f};                                                \
        for (int fj_ = t_; fj_ < t_ + (F); fj_++) {                                            \
            int cj_ = fj_ < 0 ? 0 : fj_ > (h) - 1 ? (h) - 1 : fj_;                             \
            for (int fi_ = l_; fi_ < l_ + (F); fi_++) {                                        \
                int ci_ = fi_ < 0 ? 0 : fi_ > (w) - 1 ? (w) - 1 : fi_;                         \
                int qd_ = (fj_ > iy_ ? 2 : 0) + (fi_ > ix_ ? 1 : 0);                           \
                q_[qd_] += LD(img, (long)cj_ * (w) + ci_) * tap((fj_ - t_) * (F) + (fi_ - l_)); \
            }                                                                                  \
        }                                                                                      \
        float a_ = (x2) - (float)ix_, b_ = (y2) - (float)iy_;                                  \
        ACC_OUT = (1 - a_) * (1 - b_) * q_[0] + a_ * (1 - b_) * q_[1] + (1 - a_) * b_ * q_[2] + \
                  a_ * b_ * q_[3];                                                             \
    } while (0)

/* FilterInterpolation's validity test of the displaced position. */
FPX_HD int fpx_filter_valid(float fx, float fy, float x2, float y2, int h, int w)
{
    return x2 >= 0.0f && y2 >= 0.0f && x2 <= (float)(w - 1) && y2 <= (float)(h - 1) &&
           fabsf(fx) < (float)w / 2.0f && fabsf(fy) < (float)h / 2.0f;
}

/* DepthFlowProjection: the four (possibly repeated) corners of x2 inside the
 * image, row-major offsets; returns 0 when x2 is outside. */
FPX_HD int fpx_proj_corners(int i, int j, float fx, float fy, int h, int w, long o[4])
{
    float x2 = (float)j + fx, y2 = (float)i + fy;
    if (!(x2 >= 0.0f && y2 >= 0.0f && x2 <= (float)(w - 1) && y2 <= (float)(h - 1)))
        return 0;
    int l = (int)x2, t = (int)y2;
    int r = l + 1 < w - 1 ? l + 1 : w - 1, b = t + 1 < h - 1 ? t + 1 : h - 1;
    o[0] = (long)t * w + l;
    o[1] = (long)t * w + r;
    o[2] = (long)b * w + l;
    o[3] = (long)b * w + r;
    return 1;
}

/* DepthFlowFillhole for the hole at (i, j) of one image: the mean of the
 * projected flow (planes u, v) at the first counted pixel to the left, right,
 * top and bottom.  Returns 0 (leave the zeros) when none is found. */
FPX_HD int fpx_fill_hole(const float *count, const float *u, const float *v, int i, int j, int h,
                         int w, float *ou, float *ov)
{
    int l = j, r = j, t = i, b = i;
    float cl = 0.0f, cr = 0.0f, ct = 0.0f, cb = 0.0f;
    while (cl == 0.0f && l - 1 >= 0)
        cl = count[(long)i * w + --l];
    while (cr == 0.0f && r + 1 <= w - 1)
        cr = count[(long)i * w + ++r];
    while (ct == 0.0f && t - 1 >= 0)
        ct = count[(long)--t * w + j];
    while (cb == 0.0f && b + 1 <= h - 1)
        cb = count[(long)++b * w + j];
    if (cl + cr + ct + cb <= 0.0f)
        return 0;
    float kl = cl > 0.0f ? 1.0f : 0.0f, kr = cr > 0.0f ? 1.0f : 0.0f;
    float kt = ct > 0.0f ? 1.0f : 0.0f, kb = cb > 0.0f ? 1.0f : 0.0f;
    long pl = (long)i * w + l, pr = (long)i * w + r, pt = (long)t * w + j, pb = (long)b * w + j;
    float n = kl + kr + kt + kb;
    *ou = (kl * u[pl] + kr * u[pr] + kt * u[pt] + kb * u[pb]) / n;
    *ov = (kl * v[pl] + kr * v[pr] + kt * v[pt] + kb * v[pb]) / n;
    return 1;
}

#endif
