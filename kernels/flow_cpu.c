/* flow_cpu.c: the plain-C kernels of the "flow" op family (runtime/ops_flow.h),
 * DAIN's custom layers.  f32 only (the CPU backend).  The per-pixel arithmetic
 * is shared with the CUDA kernels through flow_px.h.  The flow projection runs
 * its pixels in row-major order: that fixes the float summation order the
 * official CUDA kernel leaves to its atomics (docs/stages/dain.md). */
#include <math.h>
#include <string.h>

#include "../runtime/ops_flow.h"
#include "flow_px.h"

#define LDF(p, i) ((p)[i])

static or_status cpu_correlation(or_backend *be, const or_tensor *a, const or_tensor *b, int md,
                                 or_tensor *y, or_err *err)
{
    (void)be, (void)err;
    const int c = a->c, h = a->h, w = a->w, d = 2 * md + 1;
    const long hw = (long)h * w;
    const float inv = (float)c; /* the official kernel divides by kernel^2 * C */
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < a->n; n++)
        for (int k = 0; k < d * d; k++) {
            const int dy = k / d - md, dx = k % d - md;
            const float *pa = (const float *)a->data + (long)n * c * hw;
            const float *pb = (const float *)b->data + (long)n * c * hw;
            float *py = (float *)y->data + ((long)n * d * d + k) * hw;
            for (int i = 0; i < h; i++)
                for (int j = 0; j < w; j++) {
                    int i2 = i + dy, j2 = j + dx;
                    float s = 0.0f;
                    if (i2 >= 0 && i2 < h && j2 >= 0 && j2 < w)
                        for (int ch = 0; ch < c; ch++)
                            s += pa[ch * hw + (long)i * w + j] * pb[ch * hw + (long)i2 * w + j2];
                    py[(long)i * w + j] = s / inv;
                }
        }
    return OR_OK;
}

static or_status cpu_pwc_warp(or_backend *be, const or_tensor *x, const or_tensor *flow,
                              or_tensor *y, or_err *err)
{
    (void)be, (void)err;
    const int c = x->c, h = x->h, w = x->w;
    const long hw = (long)h * w;
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < x->n; n++)
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                const float *f = (const float *)flow->data + (long)n * 2 * hw + (long)i * w + j;
                float ix = fpx_warp_coord(j, f[0], w), iy = fpx_warp_coord(i, f[hw], h);
                float wt[4];
                long o[4];
                int keep = fpx_bilinear(ix, iy, h, w, wt, o);
                for (int ch = 0; ch < c; ch++) {
                    const float *px = (const float *)x->data + ((long)n * c + ch) * hw;
                    float v = 0.0f;
                    for (int k = 0; k < 4; k++)
                        if (o[k] >= 0)
                            v += px[o[k]] * wt[k];
                    ((float *)y->data)[((long)n * c + ch) * hw + (long)i * w + j] =
                        keep ? v : 0.0f;
                }
            }
    return OR_OK;
}

/* One image: scatter (row-major), average, fill the holes. */
static void project_one(const float *fu, const float *fv, const float *dinv, int h, int w,
                        int fill, float *count, float *u, float *v)
{
    long hw = (long)h * w;
    memset(count, 0, (size_t)hw * sizeof *count);
    memset(u, 0, (size_t)hw * sizeof *u);
    memset(v, 0, (size_t)hw * sizeof *v);
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            long p = (long)i * w + j, o[4];
            float fx = fu[p], fy = fv[p];
            if (!fpx_proj_corners(i, j, fx, fy, h, w, o))
                continue;
            float t = dinv[p];
            for (int k = 0; k < 4; k++) {
                u[o[k]] += -t * fx;
                v[o[k]] += -t * fy;
                count[o[k]] += t * 1;
            }
        }
    for (long p = 0; p < hw; p++)
        if (count[p] > 0.0f) {
            u[p] /= count[p];
            v[p] /= count[p];
        }
    if (!fill)
        return;
    for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++) {
            long p = (long)i * w + j;
            float a, b;
            if (count[p] <= 0.0f && fpx_fill_hole(count, u, v, i, j, h, w, &a, &b))
                u[p] = a, v[p] = b;
        }
}

static or_status cpu_depth_flow_projection(or_backend *be, const or_tensor *flow,
                                           const or_tensor *depth_inv, int fill_holes,
                                           or_tensor *count, or_tensor *y, or_err *err)
{
    (void)be, (void)err;
    const int h = flow->h, w = flow->w;
    const long hw = (long)h * w;
#pragma omp parallel for schedule(static)
    for (int n = 0; n < flow->n; n++) {
        const float *f = (const float *)flow->data + (long)n * 2 * hw;
        float *o = (float *)y->data + (long)n * 2 * hw;
        project_one(f, f + hw, (const float *)depth_inv->data + (long)n * hw, h, w, fill_holes,
                    (float *)count->data + (long)n * hw, o, o + hw);
    }
    return OR_OK;
}

static or_status cpu_filter_interpolation(or_backend *be, const or_tensor *x,
                                          const or_tensor *flow, const or_tensor *filter,
                                          int fs, or_tensor *y, or_err *err)
{
    (void)be, (void)err;
    const int c = x->c, h = x->h, w = x->w;
    const long hw = (long)h * w;
#pragma omp parallel for collapse(2) schedule(static)
    for (int n = 0; n < x->n; n++)
        for (int i = 0; i < h; i++)
            for (int j = 0; j < w; j++) {
                long p = (long)i * w + j;
                const float *f = (const float *)flow->data + (long)n * 2 * hw;
                const float *taps = (const float *)filter->data + (long)n * fs * fs * hw + p;
                float fx = f[p], fy = f[hw + p];
                float x2 = (float)j + fx, y2 = (float)i + fy;
                int valid = fpx_filter_valid(fx, fy, x2, y2, h, w);
                for (int ch = 0; ch < c; ch++) {
                    const float *img = (const float *)x->data + ((long)n * c + ch) * hw;
                    float out = img[p];
#define TAP(k) taps[(long)(k) * hw]
                    if (valid)
                        FPX_FILTER_PIXEL(out, img, LDF, TAP, fs, x2, y2, h, w);
#undef TAP
                    ((float *)y->data)[((long)n * c + ch) * hw + p] = out;
                }
            }
    return OR_OK;
}

static or_status cpu_inv_exp(or_backend *be, const or_tensor *x, float eps, or_tensor *y,
                             or_err *err)
{
    (void)be, (void)err;
    size_t count = or_numel(x);
    const float *px = x->data;
    float *py = y->data;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < count; i++)
        py[i] = eps + 1.0f / expf(px[i]);
    return OR_OK;
}

const struct or_ops_flow or_ops_flow_cpu = {
    .correlation = cpu_correlation,
    .pwc_warp = cpu_pwc_warp,
    .depth_flow_projection = cpu_depth_flow_projection,
    .filter_interpolation = cpu_filter_interpolation,
    .inv_exp = cpu_inv_exp,
};
