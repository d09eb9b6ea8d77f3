/* kernels.h: raw-pointer kernels, shared by the backends.
 * CPU kernels (plain C) are in <family>_cpu.c; CUDA kernels in <family>_cuda.cu
 * (declared in kernels_cuda.h).  Tensors are NCHW and contiguous, except in
 * the *_nhwc kernels: there element (n, c, y, x) of an [n,c,h,w] tensor sits at
 * ((n*h + y)*w + x)*ld + c, where ld >= c (the "pixel stride", ldx/ldy/...)
 * lets a kernel read or write a channel slice of a wider NHWC buffer.  An
 * NHWC convolution weight is [co][kh][kw][ci] (KRSC). */
#ifndef OR_KERNELS_H
#define OR_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>
#include <stdint.h>

#include "half.h"

typedef struct {
    int n, ci, h, w;    /* input  */
    int co, kh, kw;     /* weight */
    int sh, sw, ph, pw, dh, dw;
    int ho, wo;         /* output */
} or_conv_shape;

/* Activation codes of the kernels' `act` arguments.  The core's or_act
 * (runtime/core/ops.h) has the same values; runtime/core/ops.c checks it. */
enum {
    OR_KERNEL_ACT_NONE = 0,
    OR_KERNEL_ACT_RELU,
    OR_KERNEL_ACT_LEAKY,   /* x < 0 ? alpha*x : x */
    OR_KERNEL_ACT_PRELU,   /* x < 0 ? slope[c]*x : x */
    OR_KERNEL_ACT_SIGMOID,
    OR_KERNEL_ACT_TANH
};

/* Epilogue: y = act(y + bias[c]) * res_scale + residual.  act: OR_KERNEL_ACT_*. */
typedef struct {
    const float *bias;     /* [C] or NULL */
    int act;
    float alpha;
    const float *prelu;    /* [C] when act == PReLU */
    const float *residual; /* same layout as y, or NULL */
    float res_scale;
} or_epilogue_f32;

/* ---- conv2d_cpu.c ---- */
/* Direct 7-loop convolution in double accumulation: the reference everything is tested against. */
void conv2d_nchw_f32_naive(const float *x, const float *w, const float *bias, float *y,
                           const or_conv_shape *s);
/* The scratch budget the CPU backend gives one convolution (backend_cpu.c); networks size
 * their memory estimates with it (or_net_conv_scratch_bound in runtime/nets/net.c). */
#define OR_CPU_CONV_SCRATCH_BUDGET ((size_t)64 << 20)
/* Bytes of scratch conv2d_nchw_f32_sgemm needs for shape s under a budget: <= budget, or one
 * output row of im2col when that alone is larger. */
size_t conv2d_nchw_sgemm_scratch_bytes(const or_conv_shape *s, size_t budget);
/* OpenBLAS sgemm over blocks of output rows: shifted per-tap GEMMs for stride 1 (Ci >= 16),
 * the direct stride-2 kernel (conv2d_s2_cpu.c) for 3x3 stride 2 padding 1 with Ci <= 32, im2col
 * otherwise, one GEMM for 1x1; no bias, no epilogue. scratch_bytes picks the block size and the
 * path: pass what conv2d_nchw_sgemm_scratch_bytes returned for the same budget. */
void conv2d_nchw_f32_sgemm(const float *x, const float *w, float *y, const or_conv_shape *s,
                           float *scratch, size_t scratch_bytes);

/* ---- conv2d_s2_cpu.c ---- */
/* 3x3, stride 2, padding 1, dilation 1 (output (H+1)/2 x (W+1)/2), Ci <= 32: a direct
 * register-blocked kernel over the input's four phases, taken by conv2d_nchw_f32_sgemm. */
int conv2d_s2_applies(const or_conv_shape *s);
/* Output rows per block whose scratch fits `budget` (all if they fit), 0 if one does not. */
int conv2d_s2_rows(const or_conv_shape *s, size_t budget);
size_t conv2d_s2_scratch_bytes(const or_conv_shape *s, int rows);
/* y = conv(x, w), no bias, no epilogue; scratch: conv2d_s2_scratch_bytes(s, rows). */
void conv2d_s2_f32(const float *x, const float *w, float *y, const or_conv_shape *s, int rows,
                   float *scratch);

/* ---- conv2d_winograd_cpu.c: Winograd F(4x4,3x3) for 3x3 stride-1 undilated NCHW convolutions.
 * conv2d_winograd_applies: the shapes it takes (Ci >= 8, Co >= 4; any padding, batch, size).
 * conv2d_winograd_weights: w [Co][Ci][3][3] -> u [36][Co/4][Ci][4] (Co rounded up to 4 with zeros;
 *   conv2d_winograd_weight_floats),
 *   computed in double and rounded once; done once per weight (the backend caches u).
 * conv2d_winograd_f32: y = epilogue(conv(x, w)) with the epilogue fused (ep may be NULL), over
 *   `threads` OpenMP threads; scratch: conv2d_winograd_scratch_bytes(s, threads). y must not
 *   alias x; the residual may alias y. */
int conv2d_winograd_applies(const or_conv_shape *s);
/* conv2d_winograd_avx512(on): whether the GEMM uses AVX-512 registers (16 tiles a vector) where
 * the CPU has them (default: yes, unless OPRESTORE_CPU_AVX512=0); returns whether it now does.
 * Its results equal the AVX2 path's on the same CPU bit for bit (same products, order, FMAs). */
int conv2d_winograd_avx512(int on);
size_t conv2d_winograd_weight_floats(int co, int ci);
void conv2d_winograd_weights(const float *w, int co, int ci, float *u);
size_t conv2d_winograd_scratch_bytes(const or_conv_shape *s, int threads);
void conv2d_winograd_f32(const float *x, const float *u, float *y, const or_conv_shape *s,
                         const or_epilogue_f32 *ep, int threads, float *scratch);
/* Dilated 3x3 stride-1 convolutions with padding = dilation d and H, W multiples of d (Zhang's
 * "same" dilated layers): the d*d phases of x, cut into 4-row segments laid side by side,
 * convolved by the Winograd path above in one call with the same u (undilated transform). Scratch: conv2d_winograd_dilated_scratch_bytes. */
int conv2d_winograd_dilated_applies(const or_conv_shape *s);
size_t conv2d_winograd_dilated_scratch_bytes(const or_conv_shape *s, int threads);
void conv2d_winograd_dilated_f32(const float *x, const float *u, float *y, const or_conv_shape *s,
                                 const or_epilogue_f32 *ep, int threads, float *scratch);
/* 3x3 convolutions with stride 2 and dilation 2, any padding (SIGGRAPH17's "[::2, ::2] then a 3x3
 * conv"): x subsampled at the taps' parity, then the Winograd path above with the same u (the
 * undilated transform). Scratch: conv2d_winograd_subsampled_scratch_bytes. */
int conv2d_winograd_subsampled_applies(const or_conv_shape *s);
size_t conv2d_winograd_subsampled_scratch_bytes(const or_conv_shape *s, int threads);
void conv2d_winograd_subsampled_f32(const float *x, const float *u, float *y,
                                    const or_conv_shape *s, const or_epilogue_f32 *ep, int threads,
                                    float *scratch);

/* ---- conv2d_direct_cpu.c: direct stride-1 undilated NCHW convolutions vectorised over output
 * pixels, for few taps (Ci kh kw <= 72: first layers below Winograd's Ci minimum) and for 1x1
 * with Co <= 4 (no padding, Ci <= 512); the epilogue fused. Scratch:
 * conv2d_direct_scratch_bytes (the packed weights and the padded input). */
int conv2d_direct_applies(const or_conv_shape *s);
size_t conv2d_direct_scratch_bytes(const or_conv_shape *s);
void conv2d_direct_f32(const float *x, const float *w, float *y, const or_conv_shape *s,
                       const or_epilogue_f32 *ep, float *scratch);

/* NHWC (conv2d_nhwc_cpu.c): im2col of (ky,kx,ci) patches per output pixel +
 * OpenBLAS sgemm writing y's rows with pixel stride ldy; no bias, no epilogue.
 * Scratch: conv2d_nhwc_im2col_scratch_bytes (>= one output row of patches). */
size_t conv2d_nhwc_im2col_scratch_bytes(const or_conv_shape *s, size_t budget);
void conv2d_nhwc_f32_im2col(const float *x, int ldx, const float *w, float *y, int ldy,
                            const or_conv_shape *s, float *scratch, size_t scratch_bytes);

/* ---- eltwise_cpu.c ---- */
void epilogue_nchw_f32(float *y, int n, int c, size_t hw, const or_epilogue_f32 *ep);
/* One run of hw elements of one channel: y = act(x + bias) * scale + r (r may be NULL; y may be x);
 * slope: the channel's PReLU slope. */
void epilogue_run_f32(const float *x, float *y, size_t hw, float bias, int act, float alpha,
                      float slope, const float *r, float scale);
void activation_nchw_f32(const float *x, float *y, int n, int c, size_t hw, int act, float alpha,
                         const float *prelu);
void add_f32(const float *a, float alpha, const float *b, float beta, float *y, size_t count);
void channel_affine_nchw_f32(const float *x, const float *scale, const float *shift, float *y,
                             int n, int c, size_t hw);
void cast_f32_to_f16(const float *x, uint16_t *y, size_t count);
void cast_f16_to_f32(const uint16_t *x, float *y, size_t count);
/* NHWC twins over `pixels` = n*h*w pixels of c channels, each tensor with its own
 * pixel stride (ep->residual has stride ldr). */
void epilogue_nhwc_f32(float *y, int ldy, size_t pixels, int c, const or_epilogue_f32 *ep,
                       int ldr);
void activation_nhwc_f32(const float *x, int ldx, float *y, int ldy, size_t pixels, int c,
                         int act, float alpha, const float *prelu);
void add_nhwc_f32(const float *a, int lda, float alpha, const float *b, int ldb, float beta,
                  float *y, int ldy, size_t pixels, int c);
/* y = x with dtype conversion (x_f16 / y_f16: uint16_t halves, else float). */
void cast_nhwc_cpu(const void *x, int x_f16, int ldx, void *y, int y_f16, int ldy, size_t pixels,
                   int c);
/* Scalar activation shared by every CPU kernel (act: OR_KERNEL_ACT_*). */
float act_apply_f32(float v, int act, float alpha, float prelu_slope);

/* ---- layout_cpu.c: (n, c, h, w) is the input's shape; values are moved, never changed ---- */
/* y [n, c/(r*r), h*r, w*r] = pixel_shuffle(x, r) */
void pixel_shuffle_f32(const float *x, float *y, int n, int c, int h, int w, int r);
/* y [n, c*r*r, h/r, w/r] = pixel_unshuffle(x, r) */
void pixel_unshuffle_f32(const float *x, float *y, int n, int c, int h, int w, int r);
/* y [n, c, h*s, w*s] = nearest upsampling by the integer factor s */
void upsample_nearest_f32(const float *x, float *y, int n, int c, int h, int w, int s);
/* NHWC twins (layout_nhwc_cpu.c), same index semantics as the NCHW ones, with
 * pixel strides ldx (input) and ldy (output). */
void pixel_shuffle_nhwc_f32(const float *x, int ldx, float *y, int ldy, int n, int c, int h,
                            int w, int r);
void pixel_unshuffle_nhwc_f32(const float *x, int ldx, float *y, int ldy, int n, int c, int h,
                              int w, int r);
void upsample_nearest_nhwc_f32(const float *x, int ldx, float *y, int ldy, int n, int c, int h,
                               int w, int s);
/* Layout conversion of an [n,c,h,w] tensor (either side may be f16 or f32 = same
 * dtype given by f16; elements are moved, not converted). */
void nchw_to_nhwc_cpu(const void *x, void *y, int ldy, int f16, int n, int c, int h, int w);
void nhwc_to_nchw_cpu(const void *x, int ldx, void *y, int f16, int n, int c, int h, int w);

#ifdef __cplusplus
}
#endif

#endif
