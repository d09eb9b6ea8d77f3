/* bench_workloads.c: the workloads of issue 7 and how each is run.
 *
 * A workload is a stage, a model of the registry and a size.  Weights come
 * from -M DIR/<model>.safetensors when present, else are seeded
 * (runtime/nets/net_seeded.h) with the official release's metadata (--tiny: the
 * small widths of the converter fixtures, for the CI smoke run).  A workload
 * whose network or pipeline is not available yet is reported as unavailable
 * with the reason (the library's one-line error), never a crash.
 *
 * Kinds: the network alone (net->forward on device tensors; the input size is
 * rounded up to the network's size multiple), interpolation (net->interpolate
 * between two device frames at t = 0.5), and the whole pipelines on host
 * images (or_upscale_image, or_colorize_image: uploads, padding, resizing and
 * downloads included).  Inputs rotate among BENCH_ROTATE buffers.  Each
 * workload: warm-up, timed iterations, then separate profiled steps (FLOPs,
 * bytes and, with --kernels, the per-kernel table). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "runtime/stages/colorize.h"
#include "runtime/stages/interpolate.h"
#include "runtime/nets/net_seeded.h"
#include "runtime/stages/upscale.h"

typedef enum { K_NET, K_INTERP, K_UPSCALE_PIPE, K_COLORIZE_PIPE, K_CONV } wl_kind;

struct bench_workload {
    const char *stage, *name, *model;
    wl_kind kind;
    int w, h, tiny_w, tiny_h;
    const char *tiny_meta; /* small widths for --tiny (the converter fixtures') */
    const char *what;
    int render_factor, tiny_render_factor; /* DeOldify pipeline */
    double outscale;                        /* upscale pipeline */
    int ci, co, k;                          /* kernel (conv) workloads */
};

#define DEO_TINY                                                                              \
    "arch=deoldify variant=deep body=resnet34 nf_factor=1.5 in_ch=3 out_ch=3 base_width=4 "   \
    "body_blocks=3,4,6,3 enc_widths=4,8,16,32 dec_widths=48,48,42,18 attn_block=1 "           \
    "y_range=-3,3"
#define ZHANG_TINY "arch=siggraph17 in_ch=4 width=4 classes=529"
#define ECCV_TINY "arch=eccv16 in_ch=1 width=4 classes=313"
#define RRDB_TINY                                                                             \
    "arch=rrdbnet naming=real-esrgan num_in_ch=3 num_out_ch=3 num_feat=8 num_grow_ch=4 "     \
    "num_block=1 num_upconv=2 pixel_unshuffle=1 scale=4"
#define SRVGG_TINY "arch=srvgg num_in_ch=3 num_out_ch=3 num_feat=8 num_conv=2 scale=4 act=prelu"
#define RIFE46_TINY                                                                           \
    "arch=rife version=4.6 n_blocks=4 head_width=0 head_channels=0 block_channels=6 "         \
    "feat_channels=0 mask=add block0.width=24 block1.width=16 block2.width=12 block3.width=8 " \
    "scales=8,4,2,1"
#define RIFE425_TINY                                                                          \
    "arch=rife version=4.25-4.26 n_blocks=5 head_width=16 head_channels=4 block_channels=13 " \
    "feat_channels=8 mask=replace block0.width=24 block1.width=16 block2.width=12 "           \
    "block3.width=8 block4.width=4 scales=16,8,4,2,1"
#define DAIN_TINY                                                                             \
    "arch=dain filter_size=4 flow_scale=20 kernel_widths=2,4,8,16,32,64,64,32,16,8,4,2 "      \
    "ctx_width=8 rectify_width=16 flow_md=4 flow_pyramid=2,4,8,12,16,24 "                     \
    "flow_dense=16,16,12,8,4 flow_refine=16,16,16,12,8,4 depth_width=16"

static const bench_workload workloads[] = {
    {"colorize", "deoldify-artistic", "deoldify-artistic", K_COLORIZE_PIPE, 1920, 1080, 64, 48,
     DEO_TINY, "whole pipeline, render factor 35 (network at 560x560)", 35, 4, 0, 0, 0, 0},
    {"colorize", "deoldify-artistic-net", "deoldify-artistic", K_NET, 560, 560, 64, 64, DEO_TINY,
     "network alone at render factor 35", 0, 0, 0, 0, 0, 0},
    {"colorize", "siggraph17", "siggraph17", K_COLORIZE_PIPE, 1920, 1080, 64, 48, ZHANG_TINY,
     "whole pipeline (network at 256x256, automatic: no hints)", 0, 0, 0, 0, 0, 0},
    {"colorize", "siggraph17-net", "siggraph17", K_NET, 256, 256, 32, 32, ZHANG_TINY,
     "network alone", 0, 0, 0, 0, 0, 0},
    {"colorize", "eccv16-net", "eccv16", K_NET, 256, 256, 32, 32, ECCV_TINY, "network alone", 0,
     0, 0, 0, 0, 0},
    {"upscale", "realesrgan-x4plus", "realesrgan-x4plus", K_NET, 480, 270, 24, 16, RRDB_TINY,
     "network alone, 480x270 -> 1920x1080", 0, 0, 0, 0, 0, 0},
    {"upscale", "realesr-general-x4v3", "realesr-general-x4v3", K_NET, 480, 270, 24, 16,
     SRVGG_TINY, "network alone, 480x270 -> 1920x1080", 0, 0, 0, 0, 0, 0},
    {"upscale", "realesr-animevideov3", "realesr-animevideov3", K_NET, 480, 270, 24, 16,
     SRVGG_TINY, "network alone, 480x270 -> 1920x1080", 0, 0, 0, 0, 0, 0},
    {"upscale", "realesr-animevideov3-4k", "realesr-animevideov3", K_UPSCALE_PIPE, 1920, 1080, 32,
     24, SRVGG_TINY, "whole pipeline, 1920x1080 -> 3840x2160 (x4 then Lanczos to x2)", 0, 0, 2.0,
     0, 0, 0},
    {"upscale", "realesrgan-x4plus-4k", "realesrgan-x4plus", K_UPSCALE_PIPE, 1920, 1080, 32, 24,
     RRDB_TINY, "whole pipeline, 1920x1080 -> 3840x2160 (x4 then Lanczos to x2)", 0, 0, 2.0, 0,
     0, 0},
    {"interpolate", "rife-v4.6", "rife-v4.6", K_INTERP, 1920, 1080, 64, 64, RIFE46_TINY,
     "network alone, one middle frame (2x) per step", 0, 0, 0, 0, 0, 0},
    {"interpolate", "rife-v4.25", "rife-v4.25", K_INTERP, 1920, 1080, 64, 64, RIFE425_TINY,
     "network alone, one middle frame (2x) per step", 0, 0, 0, 0, 0, 0},
    {"interpolate", "dain", "dain", K_INTERP, 1280, 720, 64, 64, DAIN_TINY,
     "network alone, one middle frame (2x) per step", 0, 0, 0, 0, 0, 0},
    {"kernel", "conv3x3-64-64", NULL, K_CONV, 480, 270, 24, 16, NULL,
     "conv 3x3 64->64 + lrelu (RRDB trunk at 480x270)", 0, 0, 0, 64, 64, 3},
    {"kernel", "conv3x3-64-32", NULL, K_CONV, 480, 270, 24, 16, NULL,
     "conv 3x3 64->32 + lrelu (dense block at 480x270)", 0, 0, 0, 64, 32, 3},
    {"kernel", "conv3x3-3-64", NULL, K_CONV, 480, 270, 24, 16, NULL,
     "conv 3x3 3->64 + lrelu (first layer at 480x270)", 0, 0, 0, 3, 64, 3},
    {"kernel", "conv1x1-256-64", NULL, K_CONV, 240, 135, 24, 16, NULL,
     "conv 1x1 256->64 + lrelu (bottleneck at 240x135)", 0, 0, 0, 256, 64, 1},
};

size_t bench_workload_count(void) { return sizeof workloads / sizeof workloads[0]; }
const bench_workload *bench_workload_at(size_t i)
{
    return i < bench_workload_count() ? &workloads[i] : NULL;
}
const char *bench_workload_stage(const bench_workload *w) { return w->stage; }
const char *bench_workload_name(const bench_workload *w) { return w->name; }
const char *bench_workload_model(const bench_workload *w) { return w->model ? w->model : "-"; }

/* --stage and --model take comma-separated lists. */
static int in_list(const char *list, const char *s)
{
    if (!s)
        return 0;
    size_t n = strlen(s);
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, s, n) == 0)
            return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

/* A --model entry names a workload; one that names none selects every
 * workload of that model. */
static int model_selects(const char *list, const bench_workload *w)
{
    if (in_list(list, w->name))
        return 1;
    for (const char *p = list; p && *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        int is_name = 0;
        for (size_t i = 0; i < bench_workload_count(); i++)
            is_name |= strlen(workloads[i].name) == len && !strncmp(workloads[i].name, p, len);
        if (!is_name && w->model && strlen(w->model) == len && !strncmp(w->model, p, len))
            return 1;
        p = e ? e + 1 : NULL;
    }
    return 0;
}

int bench_workload_selected(const bench_workload *w, const bench_opts *o)
{
    if (o->stage && !in_list(o->stage, w->stage))
        return 0;
    if (o->model && !model_selects(o->model, w))
        return 0;
    if (!o->stage && !o->model && w->kind == K_CONV)
        return 0; /* the kernel cases run only when asked for (--stage kernel) */
    return 1;
}

/* ---- memory accounting: every raw allocation of the backend ------------------------- */

#define MEM_SLOTS 4096
static struct {
    void *(*alloc)(or_backend *, size_t);
    void (*free)(or_backend *, void *);
    void *ptr[MEM_SLOTS];
    size_t size[MEM_SLOTS];
    size_t live, peak;
} M;

static void *mem_alloc_tracked(or_backend *be, size_t bytes)
{
    void *p = M.alloc(be, bytes);
    if (!p)
        return p;
    for (int i = 0; i < MEM_SLOTS; i++)
        if (!M.ptr[i]) {
            M.ptr[i] = p, M.size[i] = bytes;
            break;
        }
    M.live += bytes;
    M.peak = M.live > M.peak ? M.live : M.peak;
    return p;
}

static void mem_free_tracked(or_backend *be, void *p)
{
    for (int i = 0; p && i < MEM_SLOTS; i++)
        if (M.ptr[i] == p) {
            M.live -= M.size[i];
            M.ptr[i] = NULL;
            break;
        }
    M.free(be, p);
}

static void mem_track(or_backend *be)
{
    memset(&M, 0, sizeof M);
    M.alloc = be->mem_alloc, M.free = be->mem_free;
    be->mem_alloc = mem_alloc_tracked, be->mem_free = mem_free_tracked;
}

static void mem_untrack(or_backend *be)
{
    be->mem_alloc = M.alloc, be->mem_free = M.free;
}

/* ---- one prepared workload ----------------------------------------------------------- */

typedef struct {
    const bench_workload *w;
    or_backend *be;
    or_dtype dt;
    or_net *net;
    or_tensor x[BENCH_ROTATE + 1], y, wt, b; /* device inputs (K_INTERP: BENCH_ROTATE+1 frames) */
    or_image img[BENCH_ROTATE];
    int in_w, in_h, out_w, out_h;
    int rf;
} wl_run;

static or_status upload_random(or_tensor *t, uint64_t seed, or_err *err)
{
    size_t n = or_numel(t);
    float *h = malloc(n * sizeof(float));
    if (!h)
        return or_errf(err, OR_ENOMEM, "bench: out of host memory");
    uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        h[i] = (float)(s >> 40) / (float)(1 << 24);
    }
    or_status st = or_tensor_upload_f32(t, h, err);
    free(h);
    return st;
}

static void random_image(or_image *img, uint64_t seed)
{
    size_t n = (size_t)img->channels * img->width * img->height;
    uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        img->planes[i] = (float)(s >> 40) / (float)(1 << 24);
    }
}

static or_status load_net(wl_run *r, const bench_opts *o, char *weights, size_t wlen,
                          or_err *err)
{
    const bench_workload *w = r->w;
    char path[1024];
    if (o->models_dir && !o->tiny && !o->roofline) {
        snprintf(path, sizeof path, "%s/%s.safetensors", o->models_dir, w->model);
        if (access(path, R_OK) == 0) {
            snprintf(weights, wlen, "file");
            return or_net_load(path, r->be, r->dt, &r->net, err);
        }
    }
    const char *meta = o->tiny ? w->tiny_meta : or_net_official_meta(w->model);
    if (!meta)
        return or_errf(err, OR_EINVAL, "%s: no official metadata for model %s", w->name, w->model);
    snprintf(weights, wlen, o->tiny ? "seeded-tiny" : "seeded");
    return or_net_load_seeded(meta, r->be, r->dt, 1, &r->net, err);
}

static int round_up(int x, int m) { return m > 1 ? (x + m - 1) / m * m : x; }

static or_status prepare(wl_run *r, const bench_opts *o, char *weights, size_t wlen, or_err *err)
{
    const bench_workload *w = r->w;
    int W = o->w ? o->w : (o->tiny ? w->tiny_w : w->w);
    int H = o->h ? o->h : (o->tiny ? w->tiny_h : w->h);
    or_backend *be = r->be;
    if (w->kind == K_CONV) {
        snprintf(weights, wlen, "random");
        r->in_w = r->out_w = W, r->in_h = r->out_h = H;
        for (int i = 0; i < BENCH_ROTATE; i++) {
            OR_TRY(or_tensor_alloc(be, &r->x[i], 1, w->ci, H, W, r->dt, "x", err));
            OR_TRY(upload_random(&r->x[i], (uint64_t)i + 1, err));
        }
        OR_TRY(or_tensor_alloc(be, &r->wt, w->co, w->ci, w->k, w->k, r->dt, "w", err));
        OR_TRY(or_tensor_alloc(be, &r->b, 1, w->co, 1, 1, OR_F32, "b", err));
        OR_TRY(or_tensor_alloc(be, &r->y, 1, w->co, H, W, r->dt, "y", err));
        OR_TRY(upload_random(&r->wt, 11, err));
        return upload_random(&r->b, 12, err);
    }
    OR_TRY(load_net(r, o, weights, wlen, err));
    or_net *net = r->net;
    r->dt = net->dtype; /* what the network computes in: DAIN is f32 whatever was asked */
    if (w->kind == K_NET || w->kind == K_INTERP) {
        if ((w->kind == K_NET) != (net->forward != NULL))
            return or_errf(err, OR_EUNSUPPORTED, "%s: the network has no %s", net->model_path,
                           w->kind == K_NET ? "forward" : "interpolate");
        int m = net->size_multiple > 0 ? net->size_multiple : 1;
        r->in_w = round_up(W, m), r->in_h = round_up(H, m);
        int ic = w->kind == K_NET ? net->in_ch : 3, oc = w->kind == K_NET ? net->out_ch : 3;
        int s = w->kind == K_NET ? net->scale : 1;
        r->out_w = r->in_w * s, r->out_h = r->in_h * s;
        int nx = w->kind == K_INTERP ? BENCH_ROTATE + 1 : BENCH_ROTATE;
        for (int i = 0; i < nx; i++) {
            OR_TRY(or_tensor_alloc(be, &r->x[i], 1, ic, r->in_h, r->in_w, r->dt, "input", err));
            OR_TRY(upload_random(&r->x[i], (uint64_t)i + 1, err));
        }
        return or_tensor_alloc(be, &r->y, 1, oc, r->out_h, r->out_w, r->dt, "output", err);
    }
    r->in_w = W, r->in_h = H;
    int ch = w->kind == K_COLORIZE_PIPE ? 1 : 3;
    for (int i = 0; i < BENCH_ROTATE; i++) {
        OR_TRY(or_image_alloc(&r->img[i], W, H, ch, 0, err));
        random_image(&r->img[i], (uint64_t)i + 1);
    }
    if (w->kind == K_UPSCALE_PIPE) {
        r->out_w = or_upscale_out_size(W, w->outscale);
        r->out_h = or_upscale_out_size(H, w->outscale);
    } else {
        r->out_w = W, r->out_h = H;
        r->rf = o->tiny ? w->tiny_render_factor : w->render_factor;
    }
    return OR_OK;
}

static or_status step(wl_run *r, int i, or_err *err)
{
    const bench_workload *w = r->w;
    int k = i % BENCH_ROTATE;
    switch (w->kind) {
    case K_CONV: {
        or_conv2d_params p = or_conv2d_default(w->k, w->k);
        p.ep.act = OR_ACT_LEAKY;
        p.ep.alpha = 0.2f;
        return or_conv2d(&r->x[k], &r->wt, &r->b, &p, &r->y, err);
    }
    case K_NET:
        return r->net->forward(r->net, &r->x[k], &r->y, err);
    case K_INTERP:
        return r->net->interpolate(r->net, &r->x[k], &r->x[k + 1], 0.5f, 1.0f, &r->y, err);
    case K_UPSCALE_PIPE: {
        or_upscale_opts uo = or_upscale_defaults();
        uo.outscale = w->outscale;
        or_image out = {0};
        or_status s = or_upscale_image(r->net, &r->img[k], &uo, &out, NULL, err);
        or_image_free(&out);
        return s;
    }
    case K_COLORIZE_PIPE: {
        or_colorize_opts co = or_colorize_defaults();
        if (r->rf)
            co.render_factor = r->rf;
        or_image out = {0};
        or_status s = or_colorize_image(r->net, &r->img[k], &co, &out, NULL, err);
        or_image_free(&out);
        return s;
    }
    }
    return or_errf(err, OR_EINVAL, "bench: unknown workload kind");
}

static void release(wl_run *r)
{
    or_net_free(r->net);
    r->net = NULL;
    for (int i = 0; i < BENCH_ROTATE; i++)
        or_image_free(&r->img[i]);
}

/* ---- running one workload --------------------------------------------------------------- */

static or_status timed(wl_run *r, const bench_opts *o, bench_result *res, or_err *err)
{
    int iters = o->roofline ? 0 : o->iters;
    for (int i = 0; i < (o->roofline ? 0 : o->warmup); i++)
        OR_TRY(step(r, i, err));
    OR_TRY(r->be->sync(r->be, err));
    if (iters > 0) {
        bench_timer *t = NULL;
        double *sec = calloc((size_t)iters, sizeof *sec);
        if (!sec)
            return or_errf(err, OR_ENOMEM, "bench: out of memory");
        or_status s = bench_timer_create(r->be, iters, &t, err);
        for (int i = 0; s == OR_OK && i < iters; i++) {
            bench_timer_start(t, i);
            s = step(r, o->warmup + i, err);
            bench_timer_stop(t, i);
        }
        if (s == OR_OK)
            s = bench_timer_finish(t, sec, err);
        if (s == OR_OK)
            bench_stats_of(sec, iters, &res->st);
        if (t)
            bench_timer_free(t);
        free(sec);
        if (s != OR_OK)
            return s;
        res->fps = res->st.median > 0 ? 1.0 / res->st.median : 0;
    }
    /* Profiled steps (separate: the trampolines cost time).  On the counting
     * backend the profiler is already attached in count-only mode. */
    int steps = o->roofline ? 1 : (o->kernels ? (o->iters < 3 ? o->iters : 3) : 1);
    if (!o->roofline)
        OR_TRY(bench_prof_attach(r->be, &res->prof, 0, err));
    or_status s = OR_OK;
    double t0 = bench_now();
    for (int i = 0; s == OR_OK && i < steps; i++)
        s = step(r, i, err);
    if (s == OR_OK)
        s = r->be->sync(r->be, err);
    res->prof.step_sec = bench_now() - t0;
    if (s == OR_OK)
        s = bench_prof_flush(err);
    if (!o->roofline)
        bench_prof_detach();
    res->prof.steps = steps;
    for (int i = 0; i < res->prof.n; i++) {
        res->flops += res->prof.rows[i].flops / steps;
        res->bytes += res->prof.rows[i].bytes / steps;
    }
    return s;
}

void bench_run_workload(const bench_workload *w, const bench_opts *o, or_backend *be,
                        bench_result *res)
{
    or_err err = {0};
    memset(res, 0, sizeof *res);
    snprintf(res->stage, sizeof res->stage, "%s", w->stage);
    snprintf(res->name, sizeof res->name, "%s", w->name);
    snprintf(res->model, sizeof res->model, "%s", bench_workload_model(w));
    snprintf(res->what, sizeof res->what, "%s", w->what);
    or_backend *count_be = NULL;
    if (o->roofline) {
        if (bench_count_backend_create(o->dtype, &res->prof, &count_be, &err) != OR_OK) {
            snprintf(res->reason, sizeof res->reason, "%s", err.msg);
            return;
        }
        be = count_be;
        if (o->layout_set)
            be->act_layout[o->dtype] = o->layout;
    }
    wl_run r = {0};
    r.w = w, r.be = be, r.dt = o->dtype;
    snprintf(res->dtype, sizeof res->dtype, "%s", or_dtype_name(o->dtype));
    mem_track(be);
    be->arena.peak = be->arena.used;
    size_t arena_base = be->arena.used;
    or_status s = prepare(&r, o, res->weights, sizeof res->weights, &err);
    snprintf(res->dtype, sizeof res->dtype, "%s", or_dtype_name(r.dt));
    if (s == OR_OK) {
        res->weight_bytes = M.live - or_arena_capacity(&be->arena);
        s = timed(&r, o, res, &err);
    }
    res->in_w = r.in_w, res->in_h = r.in_h, res->out_w = r.out_w, res->out_h = r.out_h;
    res->arena_peak = be->arena.peak - arena_base;
    res->mem_peak = M.peak;
    release(&r);
    or_arena_release(&be->arena);
    mem_untrack(be);
    if (s == OR_OK) {
        res->available = 1;
    } else {
        res->available = 0;
        snprintf(res->reason, sizeof res->reason, "%s", err.msg);
    }
    if (count_be)
        or_backend_destroy(count_be);
}
