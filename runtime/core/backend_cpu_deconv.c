/* backend_cpu_deconv.c: the CPU backend's table of the "deconv" op family
 * (ops_deconv.h): ConvTranspose2d(4, 2, 1) by Winograd (backend_cpu_conv.c, the epilogue fused),
 * else the gemm kernel of kernels/deconv_cpu.c with scratch from the arena; then the epilogue kernel of
 * kernels/eltwise_cpu.c. */
#include "kernels/deconv_kernels.h"
#include "kernels/kernels.h"
#include "backend_cpu_conv.h"
#include "backend_tables.h"
#include "ops_deconv.h"

#define DECONV_CPU_BUDGET ((size_t)64 << 20)

static or_status cpu_conv_transpose2d(or_backend *be, const or_tensor *x, const or_tensor *w,
                                      const or_tensor *b, const or_deconv2d_params *p,
                                      or_tensor *y, or_err *err)
{
    or_deconv_shape s = {x->n, x->c, x->h, x->w, w->c, w->h, w->w, p->stride_h, p->stride_w,
                         p->pad_h, p->pad_w, p->dil_h, p->dil_w, y->h, y->w};
    const or_epilogue *ep = &p->ep;
    or_epilogue_f32 e = {b ? (const float *)b->data : NULL, ep->act, ep->alpha,
                         ep->prelu ? (const float *)ep->prelu->data : NULL,
                         ep->residual ? (const float *)ep->residual->data : NULL, ep->res_scale};
    or_status st;
    if (or_cpu_deconv2d_winograd(be, x, w, &s, &e, y, &st, err))
        return st; /* the epilogue is fused there */
    size_t bytes = deconv2d_gemm_scratch_bytes(&s, DECONV_CPU_BUDGET);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    void *scratch = NULL;
    OR_TRY(or_arena_alloc(&be->arena, bytes, &scratch, err));
    deconv2d_nchw_f32_gemm(x->data, w->data, y->data, &s, scratch, bytes);
    or_arena_reset(&be->arena, m);
    epilogue_nchw_f32(y->data, y->n, y->c, (size_t)y->h * y->w, &e);
    return OR_OK;
}

const struct or_ops_deconv or_ops_deconv_cpu = {cpu_conv_transpose2d};
