/* backend_cpu_resample.c: the CPU backend's table of the "resample" op family
 * (ops_resample.h): unpacks the tensors and calls the kernels of
 * kernels/resample_cpu.c, with the coordinate scales of kernels/resample_coords.h. */
#include "kernels/resample_coords.h"
#include "kernels/resample_kernels.h"
#include "backend_tables.h"
#include "ops_resample.h"

static or_status cpu_resize_bilinear(or_backend *be, const or_tensor *x, int align_corners,
                                     double scale_h, double scale_w, or_tensor *y, or_err *err)
{
    (void)be, (void)err;
    resize_bilinear_f32(x->data, y->data, (size_t)x->n * x->c, x->h, x->w, y->h, y->w,
                        rs_linear_scale(x->h, y->h, align_corners, scale_h),
                        rs_linear_scale(x->w, y->w, align_corners, scale_w), align_corners);
    return OR_OK;
}

static or_status cpu_resize_nearest(or_backend *be, const or_tensor *x, double scale_h,
                                    double scale_w, or_tensor *y, or_err *err)
{
    (void)be, (void)err;
    resize_nearest_f32(x->data, y->data, (size_t)x->n * x->c, x->h, x->w, y->h, y->w,
                       rs_nearest_scale(x->h, y->h, scale_h), rs_nearest_scale(x->w, y->w, scale_w));
    return OR_OK;
}

static or_status cpu_warp_bilinear(or_backend *be, const or_tensor *x, const or_tensor *flow,
                                   or_grid_pad pad, int align_corners, or_tensor *y, or_err *err)
{
    (void)be, (void)err;
    warp_bilinear_f32(x->data, flow->data, y->data, x->n, x->c, x->h, x->w, align_corners,
                      pad == OR_GRID_PAD_BORDER);
    return OR_OK;
}

const struct or_ops_resample or_ops_resample_cpu = {cpu_resize_bilinear, cpu_resize_nearest,
                                                    cpu_warp_bilinear};
