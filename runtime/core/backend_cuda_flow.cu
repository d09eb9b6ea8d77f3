// backend_cuda_flow.cu: the CUDA backend's table of the "flow" op family
// (ops_flow.h): unpacks the tensors (each with its own storage type) and
// launches the kernels of kernels/flow_cuda.cu on or_cuda_stream(be).
#include "kernels/flow_kernels_cuda.h"
#include "backend_cuda.h"
#include "backend_tables.h"
#include "ops_flow.h"

namespace {

flow_buf B(const or_tensor *t) { return flow_buf{t->data, t->dtype == OR_F16}; }

or_status cuda_correlation(or_backend *be, const or_tensor *a, const or_tensor *b, int md,
                           or_tensor *y, or_err *err)
{
    return or_cuda_launched("correlation",
                            correlation_cuda(or_cuda_stream(be), B(a), B(b), B(y), a->n, a->c,
                                             a->h, a->w, md),
                            err);
}

or_status cuda_pwc_warp(or_backend *be, const or_tensor *x, const or_tensor *flow, or_tensor *y,
                        or_err *err)
{
    return or_cuda_launched("pwc_warp",
                            pwc_warp_cuda(or_cuda_stream(be), B(x), B(flow), B(y), x->n, x->c,
                                          x->h, x->w),
                            err);
}

or_status cuda_depth_flow_projection(or_backend *be, const or_tensor *flow,
                                     const or_tensor *depth_inv, int fill_holes, or_tensor *count,
                                     or_tensor *y, or_err *err)
{
    return or_cuda_launched("depth_flow_projection",
                            depth_flow_projection_cuda(or_cuda_stream(be), B(flow), B(depth_inv),
                                                       fill_holes, (float *)count->data,
                                                       (float *)y->data, flow->n, flow->h,
                                                       flow->w),
                            err);
}

or_status cuda_filter_interpolation(or_backend *be, const or_tensor *x, const or_tensor *flow,
                                    const or_tensor *filter, int fs, or_tensor *y, or_err *err)
{
    return or_cuda_launched("filter_interpolation",
                            filter_interpolation_cuda(or_cuda_stream(be), B(x), B(flow),
                                                      B(filter), fs, B(y), x->n, x->c, x->h,
                                                      x->w),
                            err);
}

or_status cuda_inv_exp(or_backend *be, const or_tensor *x, float eps, or_tensor *y, or_err *err)
{
    return or_cuda_launched("inv_exp",
                            inv_exp_cuda(or_cuda_stream(be), B(x), eps, B(y), or_numel(x)), err);
}

} // namespace

extern "C" const struct or_ops_flow or_ops_flow_cuda = {
    cuda_correlation, cuda_pwc_warp, cuda_depth_flow_projection, cuda_filter_interpolation,
    cuda_inv_exp,
};
