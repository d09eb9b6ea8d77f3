/* backend.c: opening a backend by name and the tensor helpers common to all. */
#include "backend.h"

#include <stdlib.h>
#include <string.h>

#include "ops.h"

or_status or_backend_open(const char *spec, or_backend **out, or_err *err)
{
    if (!spec || !*spec || strcmp(spec, "cpu") == 0)
        return or_backend_cpu_create(0, out, err);
    const char *num = strncmp(spec, "cuda:", 5) == 0 ? spec + 5 : spec;
    char *end;
    long dev = strtol(num, &end, 10);
    if (*num == 0 || *end || dev < 0 || dev > 64)
        return or_errf(err, OR_EINVAL, "-g %s: expected a GPU id (0, 1, ...) or 'cpu'", spec);
    return or_backend_cuda_create((int)dev, out, err);
}

void or_backend_destroy(or_backend *be)
{
    if (!be)
        return;
    or_arena_release(&be->arena);
    be->destroy(be);
}

or_status or_tensor_alloc(or_backend *be, or_tensor *t, int n, int c, int h, int w, or_dtype dt,
                          const char *name, or_err *err)
{
    memset(t, 0, sizeof *t);
    if (n < 1 || c < 1 || h < 1 || w < 1)
        return or_errf(err, OR_EINVAL, "tensor %s: bad shape [%d,%d,%d,%d]", name ? name : "?", n,
                       c, h, w);
    t->n = n, t->c = c, t->h = h, t->w = w;
    t->dtype = dt;
    t->be = be;
    t->name = name;
    or_status s = or_arena_alloc(&be->arena, or_nbytes(t), &t->data, err);
    if (s != OR_OK)
        or_err_prefix(err, "tensor %s [%d,%d,%d,%d]", name ? name : "?", n, c, h, w);
    return s;
}

/* Host staging: f32 tensors copy straight; f16 tensors convert on the host. */
or_status or_tensor_upload_f32(or_tensor *t, const float *host, or_err *err)
{
    size_t count = or_numel(t);
    if (t->dtype == OR_F32)
        return t->be->copy_in(t->be, t->data, host, count * 4, err);
    uint16_t *tmp = malloc(count * 2);
    if (!tmp)
        return or_errf(err, OR_ENOMEM, "upload %s: out of host memory", t->name ? t->name : "");
    for (size_t i = 0; i < count; i++)
        tmp[i] = or_f32_to_f16(host[i]);
    or_status s = t->be->copy_in(t->be, t->data, tmp, count * 2, err);
    free(tmp);
    return s;
}

or_status or_tensor_download_f32(const or_tensor *t, float *host, or_err *err)
{
    size_t count = or_numel(t);
    if (t->dtype == OR_F32)
        return t->be->copy_out(t->be, host, t->data, count * 4, err);
    uint16_t *tmp = malloc(count * 2);
    if (!tmp)
        return or_errf(err, OR_ENOMEM, "download %s: out of host memory", t->name ? t->name : "");
    or_status s = t->be->copy_out(t->be, tmp, t->data, count * 2, err);
    for (size_t i = 0; s == OR_OK && i < count; i++)
        host[i] = or_f16_to_f32(tmp[i]);
    free(tmp);
    return s;
}

#ifdef OR_HAVE_CUDA
or_status or_backend_cuda_use(or_backend *be, or_err *err); /* backend_cuda.cu */
#endif

or_status or_backend_use(or_backend *be, or_err *err)
{
#ifdef OR_HAVE_CUDA
    if (be->kind == OR_BACKEND_CUDA)
        return or_backend_cuda_use(be, err);
#endif
    (void)be, (void)err;
    return OR_OK;
}

#ifndef OR_HAVE_CUDA
int or_cuda_device_count(void) { return 0; }

or_status or_backend_cuda_create(int device, or_backend **out, or_err *err)
{
    *out = NULL;
    return or_errf(err, OR_EDEVICE,
                   "-g %d: this build has no CUDA backend (built without nvcc or cuDNN); use -g cpu",
                   device);
}
#endif
