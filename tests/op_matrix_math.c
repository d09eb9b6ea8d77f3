/* op_matrix_math.c: the "math" op family against plain references (see
 * op_matrix_math.h). */
#include "op_matrix_math.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "op_matrix_util.h"
#include "test_util.h"

typedef struct {
    int n, c, h, w;
    int mc;      /* channels of the multiplier: c, or 1 (broadcast) */
    int inplace; /* y is a */
} mul_case;

static const mul_case mul_cases[] = {
    {1, 1, 1, 1, 1, 0},   {1, 3, 17, 23, 3, 0}, {1, 3, 17, 23, 1, 0}, {2, 5, 9, 7, 1, 0},
    {2, 4, 1, 40, 4, 1},  {1, 3, 33, 31, 1, 1}, {1, 1, 6, 5, 1, 1},
};

static int mul_one(or_backend *be, or_dtype dt, const mul_case *mc, int idx)
{
    or_err err;
    char what[384];
    snprintf(what, sizeof what, "mul case %d [%d,%d,%d,%d]*[%d,%d,%d,%d]%s on %s", idx, mc->n,
             mc->c, mc->h, mc->w, mc->n, mc->mc, mc->h, mc->w, mc->inplace ? " in place" : "",
             be->name);
    size_t hw = (size_t)mc->h * mc->w, na = (size_t)mc->n * mc->c * hw;
    float *a = om_rand(na, -2, 2, dt), *m = om_rand((size_t)mc->n * mc->mc * hw, -1, 1, dt);
    float *ref = malloc(na * sizeof(float)), *out = malloc(na * sizeof(float));
    for (int b = 0; b < mc->n; b++)
        for (int k = 0; k < mc->c; k++)
            for (size_t p = 0; p < hw; p++) {
                size_t i = ((size_t)b * mc->c + k) * hw + p;
                int mk = mc->mc == 1 ? 0 : k;
                ref[i] = (float)((double)a[i] * m[((size_t)b * mc->mc + mk) * hw + p]);
            }
    or_arena_mark mark = or_arena_get_mark(&be->arena);
    or_tensor ta, tm, ty;
    or_status st = om_put(be, &ta, mc->n, mc->c, mc->h, mc->w, dt, "a", a, &err);
    if (!st) st = om_put(be, &tm, mc->n, mc->mc, mc->h, mc->w, dt, "m", m, &err);
    if (!st && !mc->inplace) st = om_put(be, &ty, mc->n, mc->c, mc->h, mc->w, dt, "y", NULL, &err);
    or_tensor *y = mc->inplace ? &ta : &ty;
    if (!st) st = or_mul(&ta, &tm, y, &err);
    if (!st) st = or_tensor_download_f32(y, out, &err);
    int fail = st != OR_OK;
    if (fail)
        printf("FAIL %s: %s\n", what, err.msg);
    else
        fail = om_check(what, out, ref, na, dt);
    or_arena_reset(&be->arena, mark);
    free(a), free(m), free(ref), free(out);
    return fail;
}

int om_mul_cases(or_backend *be, or_dtype dt)
{
    int fails = 0;
    tu_seed(41);
    for (int i = 0; i < (int)(sizeof mul_cases / sizeof mul_cases[0]); i++)
        fails += mul_one(be, dt, &mul_cases[i], i);
    return fails;
}

/* Shapes shared by the unary ops: 1 pixel, odd, batch 2, strips. */
static const int unary_shapes[][4] = {
    {1, 1, 1, 1}, {1, 3, 17, 23}, {2, 5, 9, 7}, {1, 2, 1, 41}, {1, 13, 31, 3},
};
#define N_UNARY ((int)(sizeof unary_shapes / sizeof unary_shapes[0]))

enum { U_SCALE_SHIFT, U_FILL, U_CLAMP };

static int unary_one(or_backend *be, or_dtype dt, int op, const int *s, int inplace, int idx)
{
    static const char *names[] = {"scale_shift", "fill", "clamp"};
    const float alpha = -1.75f, beta = 0.375f, lo = -0.5f, hi = 0.75f, v = -0.3125f;
    or_err err;
    char what[384];
    snprintf(what, sizeof what, "%s case %d [%d,%d,%d,%d]%s on %s", names[op], idx, s[0], s[1],
             s[2], s[3], inplace ? " in place" : "", be->name);
    size_t count = (size_t)s[0] * s[1] * s[2] * s[3];
    float *x = om_rand(count, -2, 2, dt), *ref = malloc(count * sizeof(float));
    float *out = malloc(count * sizeof(float));
    for (size_t i = 0; i < count; i++) {
        double r = op == U_SCALE_SHIFT ? (double)x[i] * alpha + beta
                   : op == U_FILL      ? v
                                       : fmin(fmax(x[i], lo), hi);
        ref[i] = (float)r;
    }
    or_arena_mark mark = or_arena_get_mark(&be->arena);
    or_tensor tx, ty;
    or_status st = om_put(be, &tx, s[0], s[1], s[2], s[3], dt, "x", x, &err);
    if (!st && !inplace) st = om_put(be, &ty, s[0], s[1], s[2], s[3], dt, "y", NULL, &err);
    or_tensor *y = inplace ? &tx : &ty;
    if (!st)
        st = op == U_SCALE_SHIFT ? or_scale_shift(&tx, alpha, beta, y, &err)
             : op == U_FILL      ? or_fill(y, v, &err)
                                 : or_clamp(&tx, lo, hi, y, &err);
    if (!st) st = or_tensor_download_f32(y, out, &err);
    int fail = st != OR_OK;
    if (fail)
        printf("FAIL %s: %s\n", what, err.msg);
    else
        fail = om_check(what, out, ref, count, dt);
    or_arena_reset(&be->arena, mark);
    free(x), free(ref), free(out);
    return fail;
}

static int unary_cases(or_backend *be, or_dtype dt, int op)
{
    int fails = 0;
    tu_seed(42 + (uint64_t)op);
    for (int i = 0; i < N_UNARY; i++)
        for (int inplace = 0; inplace < 2; inplace++)
            fails += unary_one(be, dt, op, unary_shapes[i], inplace, i);
    return fails;
}

int om_scale_shift_cases(or_backend *be, or_dtype dt) { return unary_cases(be, dt, U_SCALE_SHIFT); }
int om_fill_cases(or_backend *be, or_dtype dt) { return unary_cases(be, dt, U_FILL); }
int om_clamp_cases(or_backend *be, or_dtype dt) { return unary_cases(be, dt, U_CLAMP); }
