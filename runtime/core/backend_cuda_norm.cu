// backend_cuda_norm.cu: the CUDA backend's table of the "norm" op family
// (ops_norm.h): unpacks the tensors and launches the kernels of
// kernels/norm_cuda.cu on or_cuda_stream(be).
#include "kernels/norm_kernels_cuda.h"
#include "backend_cuda.h"
#include "backend_tables.h"
#include "ops_norm.h"

namespace {

or_status cuda_instance_norm(or_backend *be, const or_tensor *x, int scale, float eps,
                             or_tensor *y, or_err *err)
{
    return or_cuda_launched(scale ? "instance_norm" : "spatial_center",
                            instance_norm_cuda(or_cuda_stream(be), x->data, y->data,
                                               x->dtype == OR_F16, (unsigned)(x->n * x->c),
                                               (size_t)x->h * x->w, scale, eps),
                            err);
}

or_status cuda_channel_normalize(or_backend *be, const or_tensor *x, float eps, or_tensor *y,
                                 or_err *err)
{
    return or_cuda_launched("channel_normalize",
                            channel_normalize_cuda(or_cuda_stream(be), x->data, y->data,
                                                   x->dtype == OR_F16, x->n, x->c,
                                                   (size_t)x->h * x->w, eps),
                            err);
}

} // namespace

extern "C" const struct or_ops_norm or_ops_norm_cuda = {cuda_instance_norm,
                                                        cuda_channel_normalize};
