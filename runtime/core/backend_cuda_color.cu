// backend_cuda_color.cu: the CUDA backend's table of the "color" op family
// (ops_color.h): unpacks the tensors and launches the kernels of
// kernels/color_cuda.cu on or_cuda_stream(be).
#include "kernels/color_kernels_cuda.h"
#include "kernels/color_px.h"
#include "backend_cuda.h"
#include "backend_tables.h"
#include "ops_color.h"

namespace {

int is_f16(const or_tensor *t) { return t->dtype == OR_F16; }

or_status convert(or_backend *be, int kind, const or_tensor *x, or_tensor *y, or_err *err)
{
    return or_cuda_launched("color conversion",
                            color_convert_cuda(or_cuda_stream(be), kind, x->data, y->data,
                                               is_f16(x), x->n, (size_t)x->h * x->w),
                            err);
}

or_status rgb_to_lab(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err)
{
    return convert(be, OR_COLOR_RGB2LAB, x, y, err);
}
or_status rgb_to_l(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err)
{
    return convert(be, OR_COLOR_RGB2L, x, y, err);
}
or_status lab_to_rgb(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err)
{
    return convert(be, OR_COLOR_LAB2RGB, x, y, err);
}
or_status rgb_to_yuv(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err)
{
    return convert(be, OR_COLOR_RGB2YUV, x, y, err);
}
or_status yuv_to_rgb(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err)
{
    return convert(be, OR_COLOR_YUV2RGB, x, y, err);
}

or_status class_to_ab(or_backend *be, const or_tensor *z, const or_tensor *w, float T,
                      float scale, or_tensor *y, or_err *err)
{
    return or_cuda_launched("class_to_ab",
                            class_to_ab_cuda(or_cuda_stream(be), z->data, w->data, T, scale,
                                             y->data, is_f16(z), z->n, z->c,
                                             (size_t)z->h * z->w),
                            err);
}

} // namespace

extern "C" const struct or_ops_color or_ops_color_cuda = {rgb_to_lab, lab_to_rgb, rgb_to_yuv,
                                                          yuv_to_rgb, class_to_ab, rgb_to_l};
