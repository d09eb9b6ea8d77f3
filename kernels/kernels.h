/* kernels.h: raw-pointer kernels, shared by the backends.
 * CPU kernels (plain C) are in <family>_cpu.c; CUDA kernels in <family>_cuda.cu
 * (declared in kernels_cuda.h).  All tensors are NCHW, contiguous. */
#ifndef OR_KERNELS_H
#define OR_KERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stddef.h>
#include <stdint.h>

typedef struct {
    int n, ci, h, w;    /* input  */
    int co, kh, kw;     /* weight */
    int sh, sw, ph, pw, dh, dw;
    int ho, wo;         /* output */
} or_conv_shape;

/* Epilogue: y = act(y + bias[c]) * res_scale + residual.  act values as or_act. */
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
/* Bytes of scratch conv2d_nchw_f32_im2col needs for shape s under a budget (>= one output row). */
size_t conv2d_im2col_scratch_bytes(const or_conv_shape *s, size_t budget);
/* im2col over blocks of output rows + OpenBLAS sgemm; no bias, no epilogue. */
void conv2d_nchw_f32_im2col(const float *x, const float *w, float *y, const or_conv_shape *s,
                            float *scratch, size_t scratch_bytes);

/* ---- eltwise_cpu.c ---- */
void epilogue_nchw_f32(float *y, int n, int c, size_t hw, const or_epilogue_f32 *ep);
void activation_nchw_f32(const float *x, float *y, int n, int c, size_t hw, int act, float alpha,
                         const float *prelu);
void add_f32(const float *a, float alpha, const float *b, float beta, float *y, size_t count);
void channel_affine_nchw_f32(const float *x, const float *scale, const float *shift, float *y,
                             int n, int c, size_t hw);
void cast_f32_to_f16(const float *x, uint16_t *y, size_t count);
void cast_f16_to_f32(const uint16_t *x, float *y, size_t count);
/* Scalar activation shared by every CPU kernel (act values as or_act). */
float act_apply_f32(float v, int act, float alpha, float prelu_slope);

/* ---- layout_cpu.c: (n, c, h, w) is the input's shape; values are moved, never changed ---- */
/* y [n, c/(r*r), h*r, w*r] = pixel_shuffle(x, r) */
void pixel_shuffle_f32(const float *x, float *y, int n, int c, int h, int w, int r);
/* y [n, c*r*r, h/r, w/r] = pixel_unshuffle(x, r) */
void pixel_unshuffle_f32(const float *x, float *y, int n, int c, int h, int w, int r);
/* y [n, c, h*s, w*s] = nearest upsampling by the integer factor s */
void upsample_nearest_f32(const float *x, float *y, int n, int c, int h, int w, int s);

#ifdef __cplusplus
}
#endif

#endif
