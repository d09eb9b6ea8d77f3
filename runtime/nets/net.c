/* net.c: or_net_load (open the model file, read "arch", dispatch) and the
 * helpers the network implementations share (net_internal.h): metadata,
 * weight upload into one backend allocation, input checks, arena views. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/kernels.h"
#include "net_internal.h"

static size_t align_up(size_t x)
{
    return (x + OR_ARENA_ALIGN - 1) & ~(size_t)(OR_ARENA_ALIGN - 1);
}

/* ---- weights ----------------------------------------------------------------------- */

or_status or_netw_init(or_net_weights *w, const st_file *f, or_backend *be, or_dtype dtype,
                       or_err *err)
{
    memset(w, 0, sizeof *w);
    w->be = be;
    w->dtype = dtype;
    w->f = f;
    if (or_net_discovery_of(f))
        return OR_OK; /* discovery pass: weights are recorded, not stored */
    size_t max_numel = 1;
    for (int i = 0; i < f->n; i++) {
        /* 4 bytes per element bounds both f16 weights and f32 vectors */
        w->size += align_up((size_t)f->t[i].numel * 4);
        w->names_size += strlen(f->t[i].name) + 1;
        if ((size_t)f->t[i].numel > max_numel)
            max_numel = (size_t)f->t[i].numel;
    }
    if (w->size == 0)
        return or_errf(err, OR_EFORMAT, "%s: the model file holds no tensors", OR_ESC(f->path));
    w->names = malloc(w->names_size);
    w->host = malloc(max_numel * sizeof(float));
    w->host_cap = max_numel;
    if (!w->names || !w->host) {
        or_netw_free(w);
        return or_errf(err, OR_ENOMEM, "%s: out of host memory for the weights", OR_ESC(f->path));
    }
    w->base = be->mem_alloc(be, w->size);
    if (!w->base) {
        or_netw_free(w);
        return or_errf(err, OR_ENOMEM, "%s: cannot allocate %zu MiB for the weights on %s",
                       OR_ESC(f->path), (w->size + (1 << 20) - 1) >> 20, OR_ESC(be->name));
    }
    return OR_OK;
}

void or_netw_done_loading(or_net_weights *w)
{
    free(w->host);
    w->host = NULL;
    w->host_cap = 0;
    w->f = NULL;
}

void or_netw_free(or_net_weights *w)
{
    if (w->base)
        w->be->mem_free(w->be, w->base);
    free(w->names);
    free(w->host);
    memset(w, 0, sizeof *w);
}

/* host[n][c][h][wd] -> [n][h][wd][c] (OIHW -> KRSC), in place through a copy. */
static or_status permute_to_krsc(float *host, int n, int c, int h, int wd, or_err *err)
{
    size_t per = (size_t)c * h * wd;
    float *tmp = malloc(per * sizeof *tmp);
    if (!tmp)
        return or_errf(err, OR_ENOMEM, "out of host memory permuting a weight");
    for (int o = 0; o < n; o++) {
        float *src = host + (size_t)o * per;
        memcpy(tmp, src, per * sizeof *tmp);
        for (int i = 0; i < c; i++)
            for (int p = 0; p < h * wd; p++)
                src[(size_t)p * c + i] = tmp[(size_t)i * h * wd + p];
    }
    free(tmp);
    return OR_OK;
}

static or_status netw_store(or_net_weights *w, const char *name, int ndim, const int64_t *shape,
                            or_dtype dt, or_layout l, int n, int c, int h, int wd, or_tensor *t,
                            or_err *err)
{
    or_net_discovery *d = or_net_discovery_of(w->f);
    if (d) { /* discovery pass: record the request, hand back a tensor without data */
        memset(t, 0, sizeof *t);
        t->n = n, t->c = c, t->h = h, t->w = wd;
        t->dtype = dt;
        t->layout = l;
        t->be = w->be;
        return or_net_discovery_record(d, name, ndim, shape, err);
    }
    const st_tensor *st;
    OR_TRY(st_expect(w->f, name, ndim, shape, &st, err));
    if ((size_t)st->numel > w->host_cap)
        return or_errf(err, OR_EFORMAT, "%s: tensor %s: larger than planned", OR_ESC(w->f->path),
                       OR_ESC(name));
    OR_TRY(st_read_f32(w->f, st, w->host, err));
    if (l == OR_NHWC)
        OR_TRY(permute_to_krsc(w->host, n, c, h, wd, err));
    memset(t, 0, sizeof *t);
    t->n = n, t->c = c, t->h = h, t->w = wd;
    t->dtype = dt;
    t->layout = l;
    t->be = w->be;
    size_t bytes = align_up(or_nbytes(t));
    size_t len = strlen(name) + 1;
    if (w->off + bytes > w->size || w->names_off + len > w->names_size)
        return or_errf(err, OR_EFORMAT, "%s: tensor %s: weight memory exhausted",
                       OR_ESC(w->f->path), OR_ESC(name));
    t->data = w->base + w->off;
    w->off += bytes;
    memcpy(w->names + w->names_off, name, len);
    t->name = w->names + w->names_off;
    w->names_off += len;
    or_status s = or_tensor_upload_f32(t, w->host, err);
    if (s != OR_OK)
        or_err_prefix(err, "%s: tensor %s", OR_ESC(w->f->path), OR_ESC(name));
    return s;
}

or_status or_netw_tensor(or_net_weights *w, const char *name, int ndim, const int64_t *shape,
                         or_dtype dt, int n, int c, int h, int wd, or_tensor *t, or_err *err)
{
    return netw_store(w, name, ndim, shape, dt, OR_NCHW, n, c, h, wd, t, err);
}

or_status or_netw_scalar(or_net_weights *w, const char *name, or_tensor *t, float *v,
                         or_err *err)
{
    int64_t shape[1] = {1};
    *v = 0.0f;
    OR_TRY(or_netw_tensor(w, name, 1, shape, OR_F32, 1, 1, 1, 1, t, err));
    if (!or_net_discovery_of(w->f))
        *v = w->host[0]; /* the staging buffer still holds what was just uploaded */
    return OR_OK;
}

or_status or_netw_conv(or_net_weights *w, const char *prefix, int co, int ci, int k,
                       or_tensor *wt, or_tensor *b, or_err *err)
{
    char name[256];
    int64_t shape[4] = {co, ci, k, k};
    snprintf(name, sizeof name, "%s.weight", prefix);
    OR_TRY(netw_store(w, name, 4, shape, w->dtype, w->layout, co, ci, k, k, wt, err));
    snprintf(name, sizeof name, "%s.bias", prefix);
    return or_netw_vec(w, name, co, b, err);
}

or_status or_netw_deconv(or_net_weights *w, const char *prefix, int ci, int co, int k,
                         or_tensor *wt, or_tensor *b, or_err *err)
{
    char name[256];
    int64_t shape[4] = {ci, co, k, k};
    snprintf(name, sizeof name, "%s.weight", prefix);
    OR_TRY(or_netw_tensor(w, name, 4, shape, w->dtype, ci, co, k, k, wt, err));
    snprintf(name, sizeof name, "%s.bias", prefix);
    return or_netw_vec(w, name, co, b, err);
}

or_status or_netw_vec(or_net_weights *w, const char *name, int c, or_tensor *t, or_err *err)
{
    int64_t shape[1] = {c};
    return or_netw_tensor(w, name, 1, shape, OR_F32, 1, c, 1, 1, t, err);
}

/* ---- metadata ------------------------------------------------------------------------ */

or_status or_net_meta_str(const st_file *f, const char *key, const char **out, or_err *err)
{
    *out = st_meta(f, key);
    if (!*out)
        return or_errf(err, OR_EFORMAT, "%s: metadata %s: missing", OR_ESC(f->path), OR_ESC(key));
    return OR_OK;
}

or_status or_net_meta_int(const st_file *f, const char *key, int lo, int hi, int *out,
                          or_err *err)
{
    const char *v;
    OR_TRY(or_net_meta_str(f, key, &v, err));
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi)
        return or_errf(err, OR_EFORMAT, "%s: metadata %s = '%s': expected an integer in [%d, %d]",
                       OR_ESC(f->path), OR_ESC(key), OR_ESC(v), lo, hi);
    *out = (int)x;
    return OR_OK;
}

/* ---- common fields, checks, views ---------------------------------------------------------- */

or_status or_net_finish_load(or_net *net, or_net_weights *w, const st_file *f,
                             or_status (*load)(void *impl, or_err *err), or_net **out,
                             or_err *err)
{
    or_status s = or_netw_init(w, f, net->be, net->dtype, err);
    w->layout = net->layout;
    if (s == OR_OK)
        s = load(net->impl, err);
    or_netw_done_loading(w);
    or_net_discovery *d = or_net_discovery_of(f);
    if (s == OR_OK && d)
        s = or_net_discovery_finish(d, f, err); /* stops here: the network has no weights */
    if (s != OR_OK) {
        net->destroy(net);
        return s;
    }
    *out = net;
    return OR_OK;
}

void or_net_init_common(or_net *net, const char *arch, const char *path, or_backend *be,
                        or_dtype dtype, int in_ch, int out_ch, int scale, int size_multiple)
{
    net->arch = arch;
    snprintf(net->model_path, sizeof net->model_path, "%s", path);
    net->be = be;
    net->dtype = dtype;
    net->in_ch = in_ch;
    net->out_ch = out_ch;
    net->scale = scale;
    net->size_multiple = size_multiple;
    net->layout = OR_NCHW;
}

or_status or_net_check_io(const or_net *net, const or_tensor *x, const or_tensor *y, or_err *err)
{
    char a[64], b[64];
    const char *m = net->model_path;
    if (x->be != net->be || y->be != net->be || !x->data || !y->data)
        return or_errf(err, OR_EINVAL, "%s: input and output must live on %s", OR_ESC(m),
                       OR_ESC(net->be->name));
    if (x->dtype != net->dtype || y->dtype != net->dtype)
        return or_errf(err, OR_EINVAL, "%s: input %s and output %s: the network computes in %s",
                       OR_ESC(m), or_dtype_name(x->dtype), or_dtype_name(y->dtype),
                       or_dtype_name(net->dtype));
    if (x->n != 1 || x->c != net->in_ch)
        return or_errf(err, OR_ESHAPE, "%s: input %s: expected [1,%d,H,W]", OR_ESC(m),
                       or_shape_str(x, a, sizeof a), net->in_ch);
    int k = net->size_multiple;
    if (x->h % k || x->w % k)
        return or_errf(err, OR_ESHAPE,
                       "%s (%s x%d): input size %dx%d (HxW) is not a multiple of %d: pad it first",
                       OR_ESC(m), OR_ESC(net->arch), net->scale, x->h, x->w, k);
    if (y->n != 1 || y->c != net->out_ch || y->h != x->h * net->scale ||
        y->w != x->w * net->scale) {
        snprintf(b, sizeof b, "[1,%d,%d,%d]", net->out_ch, x->h * net->scale, x->w * net->scale);
        return or_errf(err, OR_ESHAPE, "%s: output %s: expected %s", OR_ESC(m),
                       or_shape_str(y, a, sizeof a), b);
    }
    return OR_OK;
}

or_status or_net_forward_scoped(or_net *net, const or_tensor *x, or_tensor *y,
                                or_status (*run)(void *impl, const or_tensor *x, or_tensor *y,
                                                 or_err *err),
                                or_err *err)
{
    OR_TRY(or_net_check_io(net, x, y, err));
    or_arena_mark mk = or_arena_get_mark(&net->be->arena);
    or_status s = run(net->impl, x, y, err);
    or_arena_reset(&net->be->arena, mk);
    if (s != OR_OK)
        or_err_prefix(err, "%s", OR_ESC(net->model_path));
    return s;
}

or_tensor or_net_view(void *block, size_t off, int c, int h, int w, or_dtype dt, or_backend *be,
                      const char *name)
{
    return or_net_view_l(block, off, c, h, w, dt, OR_NCHW, be, name);
}

or_tensor or_net_view_l(void *block, size_t off, int c, int h, int w, or_dtype dt, or_layout l,
                        or_backend *be, const char *name)
{
    or_tensor t = {1, c, h, w, dt, be, (char *)block + off, name, l, 0};
    return t;
}

size_t or_net_act_bytes(int c, int h, int w, or_dtype dt)
{
    return align_up((size_t)c * (size_t)h * (size_t)w * or_dtype_size(dt));
}

size_t or_net_conv_scratch_bound(int ci, int wo)
{
    size_t budget = OR_CPU_CONV_SCRATCH_BUDGET;
    size_t row = (size_t)ci * 9 * (size_t)wo * sizeof(float);
    return align_up(row > budget ? row : budget);
}

/* ---- load ------------------------------------------------------------------------------ */

/* The "arch" metadata a converter writes -> the network constructor. */
static const struct {
    const char *arch;
    or_status (*load)(const st_file *f, or_backend *be, or_dtype dtype, or_net **out,
                      or_err *err);
} net_ctors[] = {
    {"rrdbnet", or_net_rrdbnet_load},     {"srvgg", or_net_srvgg_load},
    {"siggraph17", or_net_zhang_load},    {"eccv16", or_net_zhang_load},
    {"deoldify", or_net_deoldify_load},   {"rife", or_net_rife_load},
    {"dain", or_net_dain_load},           {"deep-exemplar", or_net_dex_load},
};

int or_net_arch_known(const char *arch)
{
    for (size_t i = 0; arch && i < sizeof net_ctors / sizeof net_ctors[0]; i++)
        if (strcmp(arch, net_ctors[i].arch) == 0)
            return 1;
    return 0;
}

or_status or_net_load_st(const st_file *f, or_backend *be, or_dtype dtype, or_net **out,
                         or_err *err)
{
    *out = NULL;
    if (be->kind == OR_BACKEND_CPU && dtype != OR_F32)
        return or_errf(err, OR_EUNSUPPORTED, "%s: the CPU backend computes in f32, not %s",
                       OR_ESC(f->path), or_dtype_name(dtype));
    const char *arch = st_meta(f, "arch");
    if (!arch)
        return or_errf(err, OR_EFORMAT,
                       "%s: no 'arch' in the metadata (not a model file from oprestore-convert?)",
                       OR_ESC(f->path));
    for (size_t i = 0; i < sizeof net_ctors / sizeof net_ctors[0]; i++)
        if (strcmp(arch, net_ctors[i].arch) == 0)
            return net_ctors[i].load(f, be, dtype, out, err);
    return or_errf(err, OR_EUNSUPPORTED, "%s: architecture '%s' has no network", OR_ESC(f->path),
                   OR_ESC(arch));
}

or_status or_net_load(const char *model_path, or_backend *be, or_dtype dtype, or_net **out,
                      or_err *err)
{
    *out = NULL;
    if (be->kind == OR_BACKEND_CPU && dtype != OR_F32)
        return or_errf(err, OR_EUNSUPPORTED, "%s: the CPU backend computes in f32, not %s",
                       OR_ESC(model_path), or_dtype_name(dtype));
    st_file f;
    OR_TRY(st_open(model_path, &f, err));
    or_status s = or_net_load_st(&f, be, dtype, out, err);
    st_close(&f);
    return s;
}

void or_net_free(or_net *net)
{
    if (net && net->destroy)
        net->destroy(net);
}
