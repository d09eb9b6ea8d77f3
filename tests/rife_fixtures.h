/* rife_fixtures.h: helpers shared by test_net_rife.c, test_gpu_net_rife.c and
 * test_interpolate.c (header-only).  The fixtures are
 * tests/fixtures/rife/{net,pipe}_*.safetensors (make_rife_fixtures.py): frames
 * "x0", "x1" and PyTorch's "y" [1,3,H,W], with the checkpoint, timestep and
 * flow scale in the metadata.  Use only from inside a Criterion test. */
#ifndef OR_RIFE_FIXTURES_H
#define OR_RIFE_FIXTURES_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convert/convert.h"
#include "runtime/nets/net.h"
#include "test_util.h"
#include "weights/safetensors.h"

#define RF_MAX_FIXTURES 32

typedef struct {
    char name[256];   /* file name */
    char ckpt[4096];  /* the seeded checkpoint */
    char stem[64];    /* rife_v4_6 ... */
    float t, scale;   /* timestep, flow scale */
    int h, w;
    float *x0, *x1, *y; /* malloc'd [1,3,h,w] */
} rf_fixture;

/* Sorted file names of the fixtures starting with prefix ("net_", "pipe_"). */
static inline int rf_list(const char *prefix, char names[][256], int max)
{
    return tu_list_safetensors("tests/fixtures/rife", prefix, names, max);
}

static inline float *rf_read(const st_file *f, const char *name, int h, int w)
{
    const st_tensor *t;
    or_err err;
    int64_t shape[4] = {1, 3, h, w};
    cr_assert_eq(st_expect(f, name, 4, shape, &t, &err), OR_OK, "%s", err.msg);
    float *p = malloc((size_t)t->numel * sizeof(float));
    cr_assert(p);
    cr_assert_eq(st_read_f32(f, t, p, &err), OR_OK, "%s", err.msg);
    return p;
}

static inline void rf_open(const char *name, rf_fixture *fx)
{
    or_err err;
    st_file f;
    char path[4400];
    memset(fx, 0, sizeof *fx);
    snprintf(fx->name, sizeof fx->name, "%.255s", name);
    snprintf(path, sizeof path, "%.4000s/%.255s", tu_src("tests/fixtures/rife"), name);
    cr_assert_eq(st_open(path, &f, &err), OR_OK, "%s", err.msg);
    const char *ck = st_meta(&f, "checkpoint"), *t = st_meta(&f, "timestep");
    const char *s = st_meta(&f, "flow_scale"), *stem = st_meta(&f, "stem");
    cr_assert(ck && t && s && stem, "%s: metadata", path);
    snprintf(fx->ckpt, sizeof fx->ckpt, "%.4000s", tu_src(ck));
    snprintf(fx->stem, sizeof fx->stem, "%.63s", stem);
    fx->t = strtof(t, NULL);
    fx->scale = strtof(s, NULL);
    const st_tensor *x0 = st_find(&f, "x0");
    cr_assert(x0 && x0->ndim == 4, "%s: x0", path);
    fx->h = (int)x0->shape[2], fx->w = (int)x0->shape[3];
    fx->x0 = rf_read(&f, "x0", fx->h, fx->w);
    fx->x1 = rf_read(&f, "x1", fx->h, fx->w);
    fx->y = rf_read(&f, "y", fx->h, fx->w);
    st_close(&f);
}

static inline void rf_close(rf_fixture *fx)
{
    free(fx->x0), free(fx->x1), free(fx->y);
    fx->x0 = fx->x1 = fx->y = NULL;
}

/* Convert the fixture's checkpoint with the converter API (once per process
 * and checkpoint) and return the model path. */
static inline const char *rf_model(const char *ckpt) { return tu_model(ckpt); }

/* y = net->interpolate(x0, x1, t, scale) on frames [1,3,h,w]; malloc'd result,
 * NULL with err filled on failure.  Leaves the arena as it found it. */
static inline float *rf_run(or_net *net, const float *x0, const float *x1, int h, int w, float t,
                            float scale, or_err *err)
{
    or_backend *be = net->be;
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_tensor a, b, y;
    float *out = malloc((size_t)3 * h * w * sizeof(float));
    or_status st = or_tensor_alloc(be, &a, 1, 3, h, w, net->dtype, "x0", err);
    if (st == OR_OK) st = or_tensor_alloc(be, &b, 1, 3, h, w, net->dtype, "x1", err);
    if (st == OR_OK) st = or_tensor_alloc(be, &y, 1, 3, h, w, net->dtype, "y", err);
    if (st == OR_OK) st = or_tensor_upload_f32(&a, x0, err);
    if (st == OR_OK) st = or_tensor_upload_f32(&b, x1, err);
    if (st == OR_OK) st = net->interpolate(net, &a, &b, t, scale, &y, err);
    if (st == OR_OK) st = or_tensor_download_f32(&y, out, err);
    if (st == OR_OK) st = be->sync(be, err);
    or_arena_reset(&be->arena, m);
    if (st != OR_OK) {
        free(out);
        return NULL;
    }
    return out;
}

#endif
