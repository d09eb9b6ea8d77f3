// backend_cuda_resample.cu: the CUDA backend's table of the "resample" op family
// (ops_resample.h): unpacks the tensors and launches the kernels of
// kernels/resample_cuda.cu on or_cuda_stream(be).
#include "kernels/resample_coords.h"
#include "kernels/resample_kernels_cuda.h"
#include "backend_cuda.h"
#include "backend_tables.h"
#include "ops_resample.h"

namespace {

int is_f16(const or_tensor *t) { return t->dtype == OR_F16; }

or_status cuda_resize_bilinear(or_backend *be, const or_tensor *x, int align_corners,
                               double scale_h, double scale_w, or_tensor *y, or_err *err)
{
    float sh = rs_linear_scale(x->h, y->h, align_corners, scale_h);
    float sw = rs_linear_scale(x->w, y->w, align_corners, scale_w);
    return or_cuda_launched("resize_bilinear",
                            resize_bilinear_cuda(or_cuda_stream(be), x->data, y->data, is_f16(x),
                                                 (size_t)x->n * x->c, x->h, x->w, y->h, y->w, sh,
                                                 sw, align_corners),
                            err);
}

or_status cuda_resize_nearest(or_backend *be, const or_tensor *x, double scale_h, double scale_w,
                              or_tensor *y, or_err *err)
{
    float sh = rs_nearest_scale(x->h, y->h, scale_h), sw = rs_nearest_scale(x->w, y->w, scale_w);
    return or_cuda_launched("resize_nearest",
                            resize_nearest_cuda(or_cuda_stream(be), x->data, y->data, is_f16(x),
                                                (size_t)x->n * x->c, x->h, x->w, y->h, y->w, sh,
                                                sw),
                            err);
}

or_status cuda_warp_bilinear(or_backend *be, const or_tensor *x, const or_tensor *flow,
                             or_grid_pad pad, int align_corners, or_tensor *y, or_err *err)
{
    return or_cuda_launched("warp_bilinear",
                            warp_bilinear_cuda(or_cuda_stream(be), x->data, flow->data, y->data,
                                               is_f16(x), x->n, x->c, x->h, x->w, align_corners,
                                               pad == OR_GRID_PAD_BORDER),
                            err);
}

} // namespace

extern "C" const struct or_ops_resample or_ops_resample_cuda = {
    cuda_resize_bilinear, cuda_resize_nearest, cuda_warp_bilinear};
