/* ops_attention.c: argument checks and dispatch of the "attention" op family (STUB: to be written). */
#include "ops_attention.h"

or_status or_self_attention(const or_tensor *x, const or_tensor *wq, const or_tensor *wk,
                            const or_tensor *wv, float gamma, or_tensor *y, or_err *err)
{
    (void)x;
    (void)wq;
    (void)wk;
    (void)wv;
    (void)gamma;
    (void)y;
    return or_errf(err, OR_EUNSUPPORTED, "self_attention: not implemented yet");
}
