/* ops_deconv.c: argument checks and dispatch of the "deconv" op family (STUB: to be written). */
#include "ops_deconv.h"

or_deconv2d_params or_deconv2d_default(void)
{
    or_deconv2d_params p = {1, 1, 0, 0, 0, 0, 1, 1, {OR_ACT_NONE, 0.f, 0, 0, 1.f}};
    return p;
}

int or_deconv_out_size(int in, int k, int stride, int pad, int out_pad, int dil)
{
    return (in - 1) * stride - 2 * pad + dil * (k - 1) + out_pad + 1;
}

or_status or_conv_transpose2d(const or_tensor *x, const or_tensor *w, const or_tensor *b,
                              const or_deconv2d_params *p, or_tensor *y, or_err *err)
{
    (void)x;
    (void)w;
    (void)b;
    (void)p;
    (void)y;
    return or_errf(err, OR_EUNSUPPORTED, "conv_transpose2d: not implemented yet");
}
