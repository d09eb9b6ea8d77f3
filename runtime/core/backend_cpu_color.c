/* backend_cpu_color.c: the CPU backend's table of the "color" op family
 * (ops_color.h): unpacks the tensors and calls the kernels of kernels/color_cpu.c
 * (the conversion kinds OR_COLOR_* of kernels/color_px.h). */
#include "kernels/color_kernels.h"
#include "kernels/color_px.h"
#include "backend_tables.h"
#include "ops_color.h"

static or_status convert(int kind, const or_tensor *x, or_tensor *y)
{
    color_convert_nchw_f32(kind, (const float *)x->data, (float *)y->data, x->n,
                           (size_t)x->h * x->w);
    return OR_OK;
}

static or_status rgb_to_lab(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err)
{
    return convert(OR_COLOR_RGB2LAB, x, y);
}
static or_status rgb_to_l(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err)
{
    return convert(OR_COLOR_RGB2L, x, y);
}
static or_status lab_to_rgb(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err)
{
    return convert(OR_COLOR_LAB2RGB, x, y);
}
static or_status rgb_to_yuv(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err)
{
    return convert(OR_COLOR_RGB2YUV, x, y);
}
static or_status yuv_to_rgb(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err)
{
    return convert(OR_COLOR_YUV2RGB, x, y);
}

static or_status class_to_ab(or_backend *be, const or_tensor *z, const or_tensor *w, float T,
                             float scale, or_tensor *y, or_err *err)
{
    class_to_ab_nchw_f32(z->data, w->data, T, scale, y->data, z->n, z->c, (size_t)z->h * z->w);
    return OR_OK;
}

const struct or_ops_color or_ops_color_cpu = {rgb_to_lab, lab_to_rgb, rgb_to_yuv, yuv_to_rgb,
                                              class_to_ab, rgb_to_l};
