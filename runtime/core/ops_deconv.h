/* ops_deconv.h: transposed convolution (family "deconv"; kernels/deconv_cpu.c,
 * runtime/core/backend_cuda_deconv.cu).  f32, or f16 on CUDA with f16 weights. */
#ifndef OR_OPS_DECONV_H
#define OR_OPS_DECONV_H

#ifdef __cplusplus
extern "C" {
#endif

#include "ops.h"

typedef struct {
    int stride_h, stride_w;
    int pad_h, pad_w;
    int out_pad_h, out_pad_w;  /* output_padding */
    int dil_h, dil_w;
    or_epilogue ep;
} or_deconv2d_params;

/* stride 1, pad 0, output_padding 0, dilation 1, no activation. */
or_deconv2d_params or_deconv2d_default(void);
/* Ho = (H-1)*stride - 2*pad + dil*(k-1) + out_pad + 1. */
int or_deconv_out_size(int in, int k, int stride, int pad, int out_pad, int dil);

/* y = epilogue(F.conv_transpose2d(x, w, stride, padding, output_padding, groups=1,
 * dilation) + b): x [N,Ci,H,W], w [Ci,Co,kh,kw] (PyTorch's ConvTranspose2d weight
 * layout), b [1,Co,1,1] f32 or NULL, y [N,Co,Ho,Wo]. */
or_status or_conv_transpose2d(const or_tensor *x, const or_tensor *w, const or_tensor *b,
                              const or_deconv2d_params *p, or_tensor *y, or_err *err);

struct or_ops_deconv {
    or_status (*conv_transpose2d)(or_backend *be, const or_tensor *x, const or_tensor *w,
                                  const or_tensor *b, const or_deconv2d_params *p, or_tensor *y,
                                  or_err *err);
};

#ifdef __cplusplus
}
#endif

#endif
