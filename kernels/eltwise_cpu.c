/* eltwise_cpu.c: elementwise kernels on the CPU (activations, the convolution
 * epilogue, add, per-channel affine, dtype casts), threaded with OpenMP. */
#include <math.h>

#include "half.h"
#include "kernels.h"

float act_apply_f32(float v, int act, float alpha, float prelu_slope)
{
    switch (act) {
    case OR_KERNEL_ACT_RELU: return v > 0.0f ? v : 0.0f;
    case OR_KERNEL_ACT_LEAKY: return v >= 0.0f ? v : v * alpha;
    case OR_KERNEL_ACT_PRELU: return v >= 0.0f ? v : v * prelu_slope;
    case OR_KERNEL_ACT_SIGMOID: return 1.0f / (1.0f + expf(-v));
    case OR_KERNEL_ACT_TANH: return tanhf(v);
    default: return v;
    }
}

#define ELT_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

/* The epilogue over one channel's span for the activations without a libm call (none, ReLU,
 * LeakyReLU, PReLU): act_apply_f32's expressions, one loop per kind so that each vectorises;
 * identical results. Returns 0 (nothing done) for the other activations. */
ELT_CLONES static int epilogue_span(float *y, const float *rr, size_t count, float bias, int act,
                                    float slope, float rs)
{
    if (act == OR_KERNEL_ACT_LEAKY || act == OR_KERNEL_ACT_PRELU) {
        for (size_t i = 0; i < count; i++) {
            float v = y[i] + bias;
            v = v >= 0.0f ? v : v * slope;
            y[i] = rr ? v * rs + rr[i] : v;
        }
    } else if (act == OR_KERNEL_ACT_RELU) {
        for (size_t i = 0; i < count; i++) {
            float v = y[i] + bias;
            v = v > 0.0f ? v : 0.0f;
            y[i] = rr ? v * rs + rr[i] : v;
        }
    } else if (act == OR_KERNEL_ACT_NONE) {
        for (size_t i = 0; i < count; i++) {
            float v = y[i] + bias;
            y[i] = rr ? v * rs + rr[i] : v;
        }
    } else {
        return 0;
    }
    return 1;
}

void epilogue_nchw_f32(float *y, int n, int c, size_t hw, const or_epilogue_f32 *ep)
{
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++) {
            size_t off = ((size_t)b * c + ch) * hw;
            float bias = ep->bias ? ep->bias[ch] : 0.0f;
            float slope = ep->prelu ? ep->prelu[ch] : 0.0f;
            float *yy = y + off;
            const float *rr = ep->residual ? ep->residual + off : NULL;
            if (epilogue_span(yy, rr, hw, bias, ep->act,
                              ep->act == OR_KERNEL_ACT_LEAKY ? ep->alpha : slope, ep->res_scale))
                continue;
            for (size_t i = 0; i < hw; i++) {
                float v = act_apply_f32(yy[i] + bias, ep->act, ep->alpha, slope);
                yy[i] = rr ? v * ep->res_scale + rr[i] : v;
            }
        }
}

/* y = v >= 0 ? v : v * slope over a span: act_apply_f32's LeakyReLU and PReLU, as one
 * vectorisable loop (the same compare and multiply: identical results), built for AVX-512,
 * AVX2 and the baseline, chosen at run time. */
ELT_CLONES static void leaky_span(const float *x, float *y, size_t count, float slope)
{
    for (size_t i = 0; i < count; i++)
        y[i] = x[i] >= 0.0f ? x[i] : x[i] * slope;
}

void activation_nchw_f32(const float *x, float *y, int n, int c, size_t hw, int act, float alpha,
                         const float *prelu)
{
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++) {
            size_t off = ((size_t)b * c + ch) * hw;
            float slope = prelu ? prelu[ch] : 0.0f;
            if (act == OR_KERNEL_ACT_LEAKY || act == OR_KERNEL_ACT_PRELU) {
                leaky_span(x + off, y + off, hw, act == OR_KERNEL_ACT_LEAKY ? alpha : slope);
                continue;
            }
            for (size_t i = 0; i < hw; i++)
                y[off + i] = act_apply_f32(x[off + i], act, alpha, slope);
        }
}

void add_f32(const float *a, float alpha, const float *b, float beta, float *y, size_t count)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < count; i++)
        y[i] = alpha * a[i] + beta * b[i];
}

void channel_affine_nchw_f32(const float *x, const float *scale, const float *shift, float *y,
                             int n, int c, size_t hw)
{
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++) {
            size_t off = ((size_t)b * c + ch) * hw;
            for (size_t i = 0; i < hw; i++)
                y[off + i] = x[off + i] * scale[ch] + shift[ch];
        }
}

void cast_f32_to_f16(const float *x, uint16_t *y, size_t count)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < count; i++)
        y[i] = or_f32_to_f16(x[i]);
}

void cast_f16_to_f32(const uint16_t *x, float *y, size_t count)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < count; i++)
        y[i] = or_f16_to_f32(x[i]);
}
