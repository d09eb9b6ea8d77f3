// backend_cuda_pool.cu: the CUDA backend's table of the "pool" op family
// (ops_pool.h): unpacks the tensors and launches the kernels of
// kernels/pool_cuda.cu on or_cuda_stream(be).
#include "kernels/pool_kernels_cuda.h"
#include "backend_cuda.h"
#include "backend_tables.h"
#include "ops_pool.h"

namespace {

int is_f16(const or_tensor *t) { return t->dtype == OR_F16; }
size_t planes(const or_tensor *x) { return (size_t)x->n * x->c; }

or_status cuda_maxpool2d(or_backend *be, const or_tensor *x, int kh, int kw, int sh, int sw,
                         int ph, int pw, or_tensor *y, or_err *err)
{
    return or_cuda_launched("maxpool2d",
                            maxpool2d_cuda(or_cuda_stream(be), x->data, y->data, is_f16(x),
                                           planes(x), x->h, x->w, kh, kw, sh, sw, ph, pw, y->h,
                                           y->w),
                            err);
}

or_status cuda_avgpool2d(or_backend *be, const or_tensor *x, int kh, int kw, int sh, int sw,
                         int ph, int pw, int cip, or_tensor *y, or_err *err)
{
    return or_cuda_launched("avgpool2d",
                            avgpool2d_cuda(or_cuda_stream(be), x->data, y->data, is_f16(x),
                                           planes(x), x->h, x->w, kh, kw, sh, sw, ph, pw, cip,
                                           y->h, y->w),
                            err);
}

or_status cuda_pad2d(or_backend *be, const or_tensor *x, int left, int right, int top, int bottom,
                     or_pad_mode mode, or_tensor *y, or_err *err)
{
    (void)right, (void)bottom;
    return or_cuda_launched("pad2d",
                            pad2d_cuda(or_cuda_stream(be), x->data, y->data, is_f16(x), planes(x),
                                       x->h, x->w, left, top, (int)mode, y->h, y->w),
                            err);
}

} // namespace

extern "C" const struct or_ops_pool or_ops_pool_cuda = {cuda_maxpool2d, cuda_avgpool2d, cuda_pad2d};
