/* op_matrix_norm.c: the "norm" family against double references (op_matrix_norm.h). */
#include "op_matrix_norm.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "op_matrix_util.h"
#include "test_util.h"

typedef struct {
    int n, c, h, w;
    float offset; /* added to every input: a large mean must be subtracted first */
} norm_case;

static const norm_case norm_cases[] = {
    {1, 3, 1, 1, 0.0f},  /* one pixel: variance 0 */
    {1, 1, 7, 9, 0.0f},  /* one channel, odd sizes */
    {2, 5, 6, 11, 0.5f}, /* batch 2 */
    {1, 16, 13, 17, 40.0f},
    {1, 4, 1, 300, -3.0f}, /* a long strip */
};

typedef enum { NORM_INSTANCE, NORM_CENTER, NORM_CHANNEL } norm_kind;

static void ref_norm(norm_kind kind, const float *x, float *y, const norm_case *c, double eps)
{
    size_t hw = (size_t)c->h * c->w;
    if (kind == NORM_CHANNEL) {
        for (int b = 0; b < c->n; b++)
            for (size_t p = 0; p < hw; p++) {
                double ss = 0;
                for (int k = 0; k < c->c; k++) {
                    double v = x[((size_t)b * c->c + k) * hw + p];
                    ss += v * v;
                }
                for (int k = 0; k < c->c; k++) {
                    size_t i = ((size_t)b * c->c + k) * hw + p;
                    y[i] = (float)(x[i] / (sqrt(ss) + eps));
                }
            }
        return;
    }
    for (int r = 0; r < c->n * c->c; r++) {
        double s = 0, ss = 0;
        for (size_t i = 0; i < hw; i++)
            s += x[r * hw + i];
        double mean = s / hw;
        for (size_t i = 0; i < hw; i++)
            ss += (x[r * hw + i] - mean) * (x[r * hw + i] - mean);
        double inv = kind == NORM_INSTANCE ? 1 / sqrt(ss / hw + eps) : 1;
        for (size_t i = 0; i < hw; i++)
            y[r * hw + i] = (float)((x[r * hw + i] - mean) * inv);
    }
}

static int norm_one(or_backend *be, or_dtype dt, norm_kind kind, const norm_case *c)
{
    static const char *names[] = {"instance_norm", "spatial_center", "channel_normalize"};
    size_t n = (size_t)c->n * c->c * c->h * c->w;
    float *x = om_rand(n, -1, 1, dt), *ref = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        x[i] += c->offset;
    if (kind == NORM_CHANNEL && c->h * c->w > 1) /* a zero pixel: eps keeps it finite */
        for (int k = 0; k < c->c; k++)
            x[(size_t)k * c->h * c->w] = 0.0f;
    om_quantize(x, n, dt);
    float eps = kind == NORM_CHANNEL ? 2.220446049250313e-16f : 1e-5f;
    ref_norm(kind, x, ref, c, eps);
    char what[200];
    snprintf(what, sizeof what, "%s [%d,%d,%d,%d] + %g %s on %s", names[kind], c->n, c->c, c->h,
             c->w, (double)c->offset, or_dtype_name(dt), be->name);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_tensor tx, ty;
    or_err err;
    or_status st = om_put(be, &tx, c->n, c->c, c->h, c->w, dt, "x", x, &err);
    if (!st) st = om_put(be, &ty, c->n, c->c, c->h, c->w, dt, "y", NULL, &err);
    if (!st)
        st = kind == NORM_INSTANCE ? or_instance_norm(&tx, eps, &ty, &err)
           : kind == NORM_CENTER   ? or_spatial_center(&tx, &ty, &err)
                                   : or_channel_normalize(&tx, eps, &ty, &err);
    int fail = om_finish(st, &err, what, &ty, ref, dt);
    or_arena_reset(&be->arena, m);
    free(x), free(ref);
    return fail;
}

static int norm_cases_of(or_backend *be, or_dtype dt, norm_kind kind)
{
    int fails = 0;
    tu_seed(41 + kind);
    for (size_t i = 0; i < sizeof norm_cases / sizeof norm_cases[0]; i++)
        fails += norm_one(be, dt, kind, &norm_cases[i]);
    return fails;
}

int om_instance_norm_cases(or_backend *be, or_dtype dt)
{
    return norm_cases_of(be, dt, NORM_INSTANCE);
}

int om_spatial_center_cases(or_backend *be, or_dtype dt)
{
    return norm_cases_of(be, dt, NORM_CENTER);
}

int om_channel_normalize_cases(or_backend *be, or_dtype dt)
{
    return norm_cases_of(be, dt, NORM_CHANNEL);
}
