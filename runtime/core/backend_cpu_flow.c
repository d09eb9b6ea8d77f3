/* backend_cpu_flow.c: the CPU backend's table of the "flow" op family
 * (ops_flow.h): unpacks the tensors and calls the kernels of kernels/flow_cpu.c. */
#include <limits.h>

#include "kernels/flow_kernels.h"
#include "backend_tables.h"
#include "ops_flow.h"

static or_status cpu_correlation(or_backend *be, const or_tensor *a, const or_tensor *b, int md,
                                 or_tensor *y, or_err *err)
{
    (void)be, (void)err;
    correlation_nchw_f32(a->data, b->data, y->data, a->n, a->c, a->h, a->w, md);
    return OR_OK;
}

static or_status cpu_pwc_warp(or_backend *be, const or_tensor *x, const or_tensor *flow,
                              or_tensor *y, or_err *err)
{
    (void)be, (void)err;
    pwc_warp_nchw_f32(x->data, flow->data, y->data, x->n, x->c, x->h, x->w);
    return OR_OK;
}

static or_status cpu_depth_flow_projection(or_backend *be, const or_tensor *flow,
                                           const or_tensor *depth_inv, int fill_holes,
                                           or_tensor *count, or_tensor *y, or_err *err)
{
    (void)be, (void)err;
    depth_flow_projection_f32(flow->data, depth_inv->data, fill_holes, count->data, y->data,
                              flow->n, flow->h, flow->w);
    return OR_OK;
}

static or_status cpu_filter_interpolation(or_backend *be, const or_tensor *x,
                                          const or_tensor *flow, const or_tensor *filter,
                                          int fs, or_tensor *y, or_err *err)
{
    (void)be;
    if ((long)x->h * x->w > INT_MAX)
        return or_errf(err, OR_EUNSUPPORTED, "filter_interpolation: %d x %d pixels: at most %d",
                       x->h, x->w, INT_MAX);
    filter_interpolation_nchw_f32(x->data, flow->data, filter->data, fs, y->data, x->n, x->c,
                                  x->h, x->w);
    return OR_OK;
}

static or_status cpu_inv_exp(or_backend *be, const or_tensor *x, float eps, or_tensor *y,
                             or_err *err)
{
    (void)be, (void)err;
    inv_exp_f32(x->data, eps, y->data, or_numel(x));
    return OR_OK;
}

const struct or_ops_flow or_ops_flow_cpu = {
    .correlation = cpu_correlation,
    .pwc_warp = cpu_pwc_warp,
    .depth_flow_projection = cpu_depth_flow_projection,
    .filter_interpolation = cpu_filter_interpolation,
    .inv_exp = cpu_inv_exp,
};
