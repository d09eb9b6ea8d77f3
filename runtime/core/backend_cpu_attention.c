/* backend_cpu_attention.c: the CPU backend's table of the "attention" op family
 * (ops_attention.h): scratch from the arena and the kernel of kernels/attention_cpu.c. */
#include "kernels/attention_kernels.h"
#include "backend_tables.h"
#include "ops_attention.h"

static or_status cpu_self_attention(or_backend *be, const or_tensor *x, const or_tensor *wq,
                                    const or_tensor *wk, const or_tensor *wv, float gamma,
                                    or_tensor *y, or_err *err)
{
    if (x->dtype != OR_F32)
        return or_errf(err, OR_EUNSUPPORTED,
                       "self_attention: %s is f16: the CPU backend computes in f32",
                       x->name ? x->name : "tensor");
    int p = x->h * x->w;
    size_t bytes = self_attention_scratch_floats(x->c, wq->n, (size_t)p) * sizeof(float);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    void *scratch;
    OR_TRY(or_arena_alloc(&be->arena, bytes, &scratch, err));
    self_attention_f32(x->data, wq->data, wk->data, wv->data, gamma, y->data, x->n, x->c, wq->n, p,
                       scratch);
    or_arena_reset(&be->arena, m);
    return OR_OK;
}

static or_status cpu_exemplar_attention(or_backend *be, const or_tensor *q, const or_tensor *k,
                                        const or_tensor *v, float temperature, or_tensor *y,
                                        or_tensor *sim, or_err *err)
{
    (void)be;
    if (q->dtype != OR_F32)
        return or_errf(err, OR_EUNSUPPORTED,
                       "exemplar_attention: %s is f16: the CPU backend computes in f32",
                       q->name ? q->name : "tensor");
    exemplar_attention_f32(q->data, k->data, v->data, temperature, y->data,
                           sim ? sim->data : NULL, q->n, q->c, q->h * q->w, k->h * k->w, v->c);
    return OR_OK;
}

const struct or_ops_attention or_ops_attention_cpu = {cpu_self_attention,
                                                      cpu_exemplar_attention};
