/* net_sr_fixtures.h: helpers shared by test_net_sr.c and test_gpu_net_sr.c
 * (header-only: each test executable is one .c plus the common helpers).
 * The fixtures are tests/fixtures/net/<stem>.safetensors (see its README.md): an
 * "input" and the PyTorch "output" of the network whose checkpoint the
 * metadata "checkpoint" names. Use only from inside a Criterion test. */
#ifndef OR_NET_SR_FIXTURES_H
#define OR_NET_SR_FIXTURES_H

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

#define NF_MAX 128

typedef struct {
    char path[1024];  /* the fixture */
    char stem[256];
    int shared;       /* checkpoint from ../shared */
    char ckpt[1024];  /* checkpoint path */
    int h, w, oh, ow; /* input and output sizes (3 channels) */
    float *in, *out;  /* malloc'd */
} nf_fixture;

/* File names of the SR fixtures (arch rrdbnet or srvgg), sorted. */
static inline int nf_list(char names[][256], int max)
{
    return tu_list_safetensors("tests/fixtures/net", "", names, max);
}

static inline int nf_shared_present(void)
{
    return access(tu_shared("weights/realesr-animevideov3.pth"), R_OK) == 0;
}

static inline float *nf_read(const st_file *f, const char *name, int h, int w)
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

/* Read fixture `name`; returns 0 when it is not an SR fixture. */
static inline int nf_open(const char *name, nf_fixture *fx)
{
    or_err err;
    st_file f;
    memset(fx, 0, sizeof *fx);
    snprintf(fx->path, sizeof fx->path, "%s", tu_src("tests/fixtures/net"));
    snprintf(fx->path + strlen(fx->path), sizeof fx->path - strlen(fx->path), "/%s", name);
    snprintf(fx->stem, sizeof fx->stem, "%.*s", (int)(strlen(name) - 12), name);
    cr_assert_eq(st_open(fx->path, &f, &err), OR_OK, "%s", err.msg);
    const char *arch = st_meta(&f, "arch"), *ck = st_meta(&f, "checkpoint");
    if (!arch || (strcmp(arch, "rrdbnet") != 0 && strcmp(arch, "srvgg") != 0)) {
        st_close(&f);
        return 0;
    }
    cr_assert(ck, "%s: no checkpoint metadata", fx->path);
    if (strncmp(ck, "shared:", 7) == 0) {
        fx->shared = 1;
        snprintf(fx->ckpt, sizeof fx->ckpt, "%s", tu_shared(ck + 7));
    } else {
        snprintf(fx->ckpt, sizeof fx->ckpt, "%s/%s", tu_src("tests/fixtures/ckpt"), ck);
    }
    const st_tensor *in = st_find(&f, "input"), *out = st_find(&f, "output");
    cr_assert(in && out && in->ndim == 4 && out->ndim == 4, "%s: input/output", fx->path);
    fx->h = (int)in->shape[2], fx->w = (int)in->shape[3];
    fx->oh = (int)out->shape[2], fx->ow = (int)out->shape[3];
    fx->in = nf_read(&f, "input", fx->h, fx->w);
    fx->out = nf_read(&f, "output", fx->oh, fx->ow);
    st_close(&f);
    return 1;
}

static inline void nf_close(nf_fixture *fx)
{
    free(fx->in);
    free(fx->out);
    fx->in = fx->out = NULL;
}

/* Convert the fixture's checkpoint (once per process) and return the model path. */
static inline const char *nf_model(const nf_fixture *fx) { return tu_model(fx->ckpt); }

/* y = net(in) for a 3-channel hxw input; returns malloc'd [1,3,h*s,w*s] floats.
 * On failure returns NULL with err filled. Leaves the arena as it found it. */
static inline float *nf_run(or_net *net, const float *in, int h, int w, or_err *err)
{
    or_backend *be = net->be;
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_tensor x, y;
    int s = net->scale;
    float *out = malloc((size_t)3 * h * s * w * s * sizeof(float));
    or_status st = or_tensor_alloc(be, &x, 1, 3, h, w, net->dtype, "x", err);
    if (st == OR_OK)
        st = or_tensor_alloc(be, &y, 1, 3, h * s, w * s, net->dtype, "y", err);
    if (st == OR_OK)
        st = or_tensor_upload_f32(&x, in, err);
    if (st == OR_OK)
        st = net->forward(net, &x, &y, err);
    if (st == OR_OK)
        st = or_tensor_download_f32(&y, out, err);
    if (st == OR_OK)
        st = be->sync(be, err);
    or_arena_reset(&be->arena, m);
    if (st != OR_OK) {
        free(out);
        return NULL;
    }
    return out;
}

static inline double nf_max_abs(const float *v, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        m = fabs(v[i]) > m ? fabs(v[i]) : m;
    return m;
}

#endif
