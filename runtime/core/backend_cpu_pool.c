/* backend_cpu_pool.c: the CPU backend's table of the "pool" op family
 * (ops_pool.h): unpacks the tensors and calls the kernels of kernels/pool_cpu.c. */
#include "kernels/pool_kernels.h"
#include "backend_tables.h"
#include "ops_pool.h"

static or_status need_f32(const char *op, const or_tensor *t, or_err *err)
{
    if (t->dtype != OR_F32)
        return or_errf(err, OR_EUNSUPPORTED, "%s: %s is f16: the CPU backend computes in f32", op,
                       t->name ? t->name : "tensor");
    return OR_OK;
}

static or_status cpu_maxpool2d(or_backend *be, const or_tensor *x, int kh, int kw, int sh, int sw,
                               int ph, int pw, or_tensor *y, or_err *err)
{
    (void)be;
    OR_TRY(need_f32("maxpool2d", x, err));
    maxpool2d_f32(x->data, y->data, x->n * x->c, x->h, x->w, kh, kw, sh, sw, ph, pw, y->h, y->w);
    return OR_OK;
}

static or_status cpu_avgpool2d(or_backend *be, const or_tensor *x, int kh, int kw, int sh, int sw,
                               int ph, int pw, int cip, or_tensor *y, or_err *err)
{
    (void)be;
    OR_TRY(need_f32("avgpool2d", x, err));
    avgpool2d_f32(x->data, y->data, x->n * x->c, x->h, x->w, kh, kw, sh, sw, ph, pw, cip, y->h,
                  y->w);
    return OR_OK;
}

static or_status cpu_pad2d(or_backend *be, const or_tensor *x, int left, int right, int top,
                           int bottom, or_pad_mode mode, or_tensor *y, or_err *err)
{
    (void)be, (void)right, (void)bottom;
    OR_TRY(need_f32("pad2d", x, err));
    pad2d_f32(x->data, y->data, x->n * x->c, x->h, x->w, left, top, (int)mode, y->h, y->w);
    return OR_OK;
}

const struct or_ops_pool or_ops_pool_cpu = {cpu_maxpool2d, cpu_avgpool2d, cpu_pad2d};
