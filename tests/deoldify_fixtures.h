/* deoldify_fixtures.h: helpers shared by test_net_deoldify.c,
 * test_gpu_net_deoldify.c and test_colorize_deoldify.c (header-only; use from
 * inside Criterion tests).  Fixtures: tests/fixtures/deoldify/ (made by
 * tests/fixtures/make_deoldify_fixtures.py); models: the seeded official-layout
 * checkpoints in tests/fixtures/ckpt/, converted once per process. */
#ifndef OR_DEOLDIFY_FIXTURES_H
#define OR_DEOLDIFY_FIXTURES_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convert/convert.h"
#include "runtime/nets/net.h"
#include "test_util.h"
#include "weights/safetensors.h"

/* The checkpoint tests/fixtures/ckpt/<ckpt> converted to a temporary model file. */
static inline const char *dfx_model(const char *ckpt) { return tu_model_ckpt(ckpt); }

/* A whole float tensor of fixture file f; shape[0..ndim) filled (ndim <= 4). */
static inline float *dfx_read(const st_file *f, const char *name, int64_t *shape, int *ndim)
{
    const st_tensor *t = st_find(f, name);
    or_err err;
    cr_assert(t, "%s: no tensor %s", f->path, name);
    *ndim = t->ndim;
    for (int i = 0; i < t->ndim && i < 4; i++)
        shape[i] = t->shape[i];
    float *p = malloc((size_t)t->numel * sizeof(float) + 1);
    cr_assert(p);
    cr_assert_eq(st_read_f32(f, t, p, &err), OR_OK, "%s", err.msg);
    return p;
}

/* y = net(x) for x [1,3,h,w] on net's backend (uploaded, downloaded as f32). */
static inline float *dfx_forward(or_net *net, const float *x, int h, int w, or_err *err)
{
    or_backend *be = net->be;
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_tensor tx, ty;
    float *y = malloc((size_t)3 * h * w * sizeof(float));
    or_status s = or_tensor_alloc(be, &tx, 1, 3, h, w, net->dtype, "input", err);
    if (!s) s = or_tensor_alloc(be, &ty, 1, 3, h, w, net->dtype, "output", err);
    if (!s) s = or_tensor_upload_f32(&tx, x, err);
    if (!s) s = net->forward(net, &tx, &ty, err);
    if (!s) s = or_tensor_download_f32(&ty, y, err);
    or_arena_reset(&be->arena, m);
    if (s) {
        free(y);
        return NULL;
    }
    return y;
}

#endif
