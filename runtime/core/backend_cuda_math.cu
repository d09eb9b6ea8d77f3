// backend_cuda_math.cu: the CUDA backend's table of the "math" op family
// (ops_math.h): unpacks the tensors and launches the kernels of
// kernels/math_cuda.cu on or_cuda_stream(be).
#include "kernels/math_kernels_cuda.h"
#include "backend_cuda.h"
#include "backend_tables.h"
#include "ops_math.h"

namespace {

int is_f16(const or_tensor *t) { return t->dtype == OR_F16; }

or_status cuda_mul(or_backend *be, const or_tensor *a, const or_tensor *b, or_tensor *y,
                   or_err *err)
{
    size_t count = or_numel(a), hw = (size_t)a->h * a->w;
    return or_cuda_launched("mul",
                            mul_cuda(or_cuda_stream(be), a->data, b->data, y->data, is_f16(a),
                                     a->c, hw, b->c == a->c, count),
                            err);
}

or_status cuda_scale_shift(or_backend *be, const or_tensor *x, float alpha, float beta,
                           or_tensor *y, or_err *err)
{
    return or_cuda_launched("scale_shift",
                            scale_shift_cuda(or_cuda_stream(be), x->data, alpha, beta, y->data,
                                             is_f16(x), or_numel(x)),
                            err);
}

or_status cuda_fill(or_backend *be, or_tensor *y, float v, or_err *err)
{
    return or_cuda_launched("fill", fill_cuda(or_cuda_stream(be), y->data, v, is_f16(y),
                                              or_numel(y)),
                            err);
}

or_status cuda_clamp(or_backend *be, const or_tensor *x, float lo, float hi, or_tensor *y,
                     or_err *err)
{
    return or_cuda_launched("clamp",
                            clamp_cuda(or_cuda_stream(be), x->data, lo, hi, y->data, is_f16(x),
                                       or_numel(x)),
                            err);
}

} // namespace

extern "C" const struct or_ops_math or_ops_math_cuda = {cuda_mul, cuda_scale_shift, cuda_fill,
                                                        cuda_clamp};
