/* eltwise_cpu.c: elementwise kernels on the CPU (activations, the convolution
 * epilogue, add, per-channel affine, dtype casts), threaded with OpenMP. */
#include <math.h>

#include "half.h"
#include "kernels.h"
#include "simd_cpu.h"

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

static inline float relu(float v) { return v > 0.0f ? v : 0.0f; }

/* y[i] = act(x[i] + bias) * scale + r[i] (r may be NULL) over one channel plane: the
 * activation picked once per plane, so the common cases (none, ReLU, leaky) are plain loops the
 * compiler vectorises (the switch per element kept these at ~2 ns/element), built for AVX-512,
 * AVX2 and the baseline (no contraction in this file: the same results from every clone). */
CPU_CLONES void epilogue_run_f32(const float *x, float *y, size_t hw, float bias, int act,
                                 float alpha, float slope, const float *r, float scale)
{
    if (act == OR_KERNEL_ACT_PRELU) {
        act = OR_KERNEL_ACT_LEAKY;
        alpha = slope;
    }
    switch (act) {
    case OR_KERNEL_ACT_NONE:
        if (r)
            for (size_t i = 0; i < hw; i++)
                y[i] = (x[i] + bias) * scale + r[i];
        else
            for (size_t i = 0; i < hw; i++)
                y[i] = x[i] + bias;
        return;
    case OR_KERNEL_ACT_RELU:
        if (r)
            for (size_t i = 0; i < hw; i++)
                y[i] = relu(x[i] + bias) * scale + r[i];
        else
            for (size_t i = 0; i < hw; i++)
                y[i] = relu(x[i] + bias);
        return;
    case OR_KERNEL_ACT_LEAKY:
        for (size_t i = 0; i < hw; i++) {
            float v = x[i] + bias;
            v = v >= 0.0f ? v : v * alpha;
            y[i] = r ? v * scale + r[i] : v;
        }
        return;
    default:
        for (size_t i = 0; i < hw; i++) {
            float v = act_apply_f32(x[i] + bias, act, alpha, slope);
            y[i] = r ? v * scale + r[i] : v;
        }
    }
}

void epilogue_nchw_f32(float *y, int n, int c, size_t hw, const or_epilogue_f32 *ep)
{
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++) {
            size_t off = ((size_t)b * c + ch) * hw;
            epilogue_run_f32(y + off, y + off, hw, ep->bias ? ep->bias[ch] : 0.0f, ep->act,
                           ep->alpha, ep->prelu ? ep->prelu[ch] : 0.0f,
                           ep->residual ? ep->residual + off : NULL, ep->res_scale);
        }
}

void activation_nchw_f32(const float *x, float *y, int n, int c, size_t hw, int act, float alpha,
                         const float *prelu)
{
#pragma omp parallel for collapse(2) schedule(static)
    for (int b = 0; b < n; b++)
        for (int ch = 0; ch < c; ch++) {
            size_t off = ((size_t)b * c + ch) * hw;
            epilogue_run_f32(x + off, y + off, hw, 0.0f, act, alpha, prelu ? prelu[ch] : 0.0f,
                           NULL, 1.0f);
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
