/* dain_fixtures.h: helpers shared by test_net_dain.c and test_gpu_net_dain.c
 * (header-only).  The fixtures are tests/fixtures/dain/<stem>.safetensors
 * (tests/fixtures/make_dain_fixtures.py): "input0", "input1" and the PyTorch
 * "output" of DAIN at time "t" (metadata) for the seeded checkpoint the
 * metadata "checkpoint" names, which the test converts with oprestore's
 * converter first.  Use only from inside a Criterion test. */
#ifndef OR_DAIN_FIXTURES_H
#define OR_DAIN_FIXTURES_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert.h"
#include "runtime/nets/net.h"
#include "test_util.h"
#include "weights/safetensors.h"

static const char *const df_stems[] = {"dain_small_64x64_t050", "dain_small_64x128_t050",
                                       "dain_small_128x64_t025"};
#define DF_N (sizeof df_stems / sizeof df_stems[0])

typedef struct {
    int h, w;
    float t;
    float *in0, *in1, *out; /* malloc'd [1,3,h,w] */
} df_fixture;

static inline float *df_read(const st_file *f, const char *name, int *h, int *w)
{
    const st_tensor *t = NULL;
    for (int i = 0; i < f->n; i++)
        if (strcmp(f->t[i].name, name) == 0)
            t = &f->t[i];
    cr_assert(t && t->ndim == 4 && t->shape[0] == 1 && t->shape[1] == 3, "%s: %s", f->path,
              name);
    *h = (int)t->shape[2], *w = (int)t->shape[3];
    float *p = malloc((size_t)t->numel * sizeof(float));
    or_err err;
    cr_assert_eq(st_read_f32(f, t, p, &err), OR_OK, "%s", err.msg);
    return p;
}

static inline void df_open(const char *stem, df_fixture *fx)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.safetensors", tu_src("tests/fixtures/dain"), stem);
    st_file f;
    or_err err;
    cr_assert_eq(st_open(path, &f, &err), OR_OK, "%s", err.msg);
    int h, w;
    fx->in0 = df_read(&f, "input0", &fx->h, &fx->w);
    fx->in1 = df_read(&f, "input1", &h, &w);
    fx->out = df_read(&f, "output", &h, &w);
    const char *t = st_meta(&f, "t");
    cr_assert(t, "%s: no t", path);
    fx->t = strtof(t, NULL);
    st_close(&f);
}

static inline void df_free(df_fixture *fx) { free(fx->in0), free(fx->in1), free(fx->out); }

/* The seeded checkpoint converted to a model file (once per process). */
static inline const char *df_model(void)
{
    return tu_model(tu_src("tests/fixtures/dain/dain_small.pth"));
}

/* y (host, [1,3,h,w]) = net->interpolate on the fixture's frames. */
static inline void df_run(or_net *net, const df_fixture *fx, float *y)
{
    or_backend *be = net->be;
    or_tensor a, b, o;
    or_err err;
    or_arena_mark mk = or_arena_get_mark(&be->arena);
    cr_assert_eq(or_tensor_alloc(be, &a, 1, 3, fx->h, fx->w, net->dtype, "frame0", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &b, 1, 3, fx->h, fx->w, net->dtype, "frame1", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &o, 1, 3, fx->h, fx->w, net->dtype, "middle", &err), OR_OK);
    cr_assert_eq(or_tensor_upload_f32(&a, fx->in0, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_tensor_upload_f32(&b, fx->in1, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(net->interpolate(net, &a, &b, fx->t, 1.0f, &o, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_tensor_download_f32(&o, y, &err), OR_OK, "%s", err.msg);
    or_arena_reset(&be->arena, mk);
}

#endif
