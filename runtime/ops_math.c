/* ops_math.c: argument checks and dispatch of the "math" op family (STUB: to be written). */
#include "ops_math.h"

or_status or_mul(const or_tensor *a, const or_tensor *b, or_tensor *y, or_err *err)
{
    (void)a;
    (void)b;
    (void)y;
    return or_errf(err, OR_EUNSUPPORTED, "mul: not implemented yet");
}

or_status or_scale_shift(const or_tensor *x, float alpha, float beta, or_tensor *y, or_err *err)
{
    (void)x;
    (void)alpha;
    (void)beta;
    (void)y;
    return or_errf(err, OR_EUNSUPPORTED, "scale_shift: not implemented yet");
}

or_status or_fill(or_tensor *y, float v, or_err *err)
{
    (void)y;
    (void)v;
    return or_errf(err, OR_EUNSUPPORTED, "fill: not implemented yet");
}

or_status or_clamp(const or_tensor *x, float lo, float hi, or_tensor *y, or_err *err)
{
    (void)x;
    (void)lo;
    (void)hi;
    (void)y;
    return or_errf(err, OR_EUNSUPPORTED, "clamp: not implemented yet");
}
