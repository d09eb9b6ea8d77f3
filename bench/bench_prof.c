/* bench_prof.c: the per-kernel profiler.  bench_prof_attach() swaps a
 * backend's op tables (be->ops and the family tables be->fam.*) for copies in
 * which every known slot is a trampoline: it computes the call's FLOPs, bytes
 * and grouping key from the shapes (bench_cost.c), times the real kernel and
 * adds the call to the profile.  Slots the profiler does not know (slots added
 * to a family later) keep the real kernel and show up as unattributed time.
 *
 * Timing: CPU, wall clock around the call (the CPU backend is synchronous).
 * GPU, a pair of CUDA events on the backend's stream around the launch,
 * resolved after a sync by bench_prof_flush (or when the event pool is full,
 * which adds a sync in the middle of a profiled step: profiled steps are
 * separate from the timed ones).  Count-only mode (the counting backend of
 * --roofline) calls no kernel at all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_cost.h"

#define PROF_EVENTS 4096 /* event pairs pending before a forced flush (GPU) */

typedef struct {
    char op[32], key[160];
    bench_cost cost;
    double t0;
    int ev; /* GPU: event pair index */
} pending;

static struct {
    or_backend *be;
    bench_profile *p;
    int count_only;
    const or_ops *orig_ops;
    or_op_families orig_fam;
    struct or_ops ops;
    struct or_ops_math math;
    struct or_ops_resample resample;
    struct or_ops_deconv deconv;
    struct or_ops_pool pool;
    struct or_ops_color color;
    struct or_ops_attention attention;
    struct or_ops_flow flow;
    pending *pend; /* GPU: calls waiting for their events */
    int n_pend;
#ifdef OR_HAVE_CUDA
    bench_cuda_events *ev;
#endif
} P;

void bench_prof_add(bench_profile *p, const char *op, const char *key, bench_cost c, double sec)
{
    bench_kernel_row *r = NULL;
    for (int i = 0; i < p->n && !r; i++)
        if (strcmp(p->rows[i].key, key) == 0)
            r = &p->rows[i];
    if (!r) {
        if (p->n == p->cap) {
            int cap = p->cap ? 2 * p->cap : 64;
            bench_kernel_row *nr = realloc(p->rows, (size_t)cap * sizeof *nr);
            if (!nr)
                return; /* the profile loses a row; the run goes on */
            p->rows = nr, p->cap = cap;
        }
        r = &p->rows[p->n++];
        memset(r, 0, sizeof *r);
        snprintf(r->key, sizeof r->key, "%s", key);
        snprintf(r->op, sizeof r->op, "%s", op);
    }
    r->count++;
    r->sec += sec;
    r->flops += c.flops;
    r->bytes += c.bytes;
}

void bench_profile_free(bench_profile *p)
{
    free(p->rows);
    memset(p, 0, sizeof *p);
}

static or_status resolve_pending(or_err *err)
{
#ifdef OR_HAVE_CUDA
    if (P.ev && P.n_pend) {
        OR_TRY(P.be->sync(P.be, err));
        for (int i = 0; i < P.n_pend; i++) {
            double sec;
            OR_TRY(bench_cuda_elapsed(P.ev, 2 * P.pend[i].ev, 2 * P.pend[i].ev + 1, &sec, err));
            bench_prof_add(P.p, P.pend[i].op, P.pend[i].key, P.pend[i].cost, sec);
        }
    }
#endif
    (void)err;
    P.n_pend = 0;
    return OR_OK;
}

/* Before the kernel: returns the slot of this call. */
static int prof_begin(const char *op, const char *key, bench_cost c)
{
#ifdef OR_HAVE_CUDA
    if (P.ev && P.n_pend == PROF_EVENTS) {
        or_err e;
        if (resolve_pending(&e) != OR_OK)
            P.n_pend = 0;
    }
#endif
    int i = P.n_pend++;
    pending *q = &P.pend[i];
    snprintf(q->op, sizeof q->op, "%s", op);
    snprintf(q->key, sizeof q->key, "%s", key);
    q->cost = c;
    q->ev = i;
#ifdef OR_HAVE_CUDA
    if (P.ev) {
        bench_cuda_event_record(P.ev, 2 * i);
        return i;
    }
#endif
    q->t0 = bench_now();
    return i;
}

static void prof_end(int i)
{
#ifdef OR_HAVE_CUDA
    if (P.ev) {
        bench_cuda_event_record(P.ev, 2 * i + 1);
        return;
    }
#endif
    pending *q = &P.pend[i];
    bench_prof_add(P.p, q->op, q->key, q->cost, P.count_only ? 0.0 : bench_now() - q->t0);
    P.n_pend--; /* CPU: calls do not nest, the slot is free again */
}

/* Time `call` (an expression of the original slot) under op/key/cost. */
#define PROF(op, cost, key, call)                    \
    do {                                             \
        int slot_ = prof_begin(op, key, cost);       \
        or_status s_ = P.count_only ? OR_OK : (call); \
        prof_end(slot_);                             \
        return s_;                                   \
    } while (0)

#define KEY char key[160]
#define T1(t) ((const or_tensor *const[]){t})
#define T2(a, b) ((const or_tensor *const[]){a, b})

/* ---- core ops (ops.h) ---------------------------------------------------------------- */
static or_status p_conv2d(or_backend *be, const or_tensor *x, const or_tensor *w,
                          const or_tensor *b, const or_conv2d_params *p, or_tensor *y, or_err *err)
{
    KEY;
    bench_cost c = cost_conv2d(x, w, b, p, y, key, sizeof key);
    PROF("conv2d", c, key, P.orig_ops->conv2d(be, x, w, b, p, y, err));
}
static or_status p_activation(or_backend *be, const or_tensor *x, or_act act, float alpha,
                              const or_tensor *prelu, or_tensor *y, or_err *err)
{
    KEY;
    bench_cost c = cost_eltwise("activation", T2(x, prelu), 2, y, 1, key, sizeof key);
    PROF("activation", c, key, P.orig_ops->activation(be, x, act, alpha, prelu, y, err));
}
static or_status p_add(or_backend *be, const or_tensor *a, float alpha, const or_tensor *b,
                       float beta, or_tensor *y, or_err *err)
{
    KEY;
    bench_cost c = cost_eltwise("add", T2(a, b), 2, y, 3, key, sizeof key);
    PROF("add", c, key, P.orig_ops->add(be, a, alpha, b, beta, y, err));
}
static or_status p_channel_affine(or_backend *be, const or_tensor *x, const or_tensor *scale,
                                  const or_tensor *shift, or_tensor *y, or_err *err)
{
    KEY;
    bench_cost c = cost_eltwise("channel_affine", T1(x), 1, y, 2, key, sizeof key);
    PROF("channel_affine", c, key, P.orig_ops->channel_affine(be, x, scale, shift, y, err));
}
static or_status p_cast(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err)
{
    KEY;
    bench_cost c = cost_eltwise("cast", T1(x), 1, y, 0, key, sizeof key);
    PROF("cast", c, key, P.orig_ops->cast(be, x, y, err));
}
static or_status p_pixel_shuffle(or_backend *be, const or_tensor *x, int r, or_tensor *y,
                                 or_err *err)
{
    KEY;
    bench_cost c = cost_eltwise("pixel_shuffle", T1(x), 1, y, 0, key, sizeof key);
    PROF("pixel_shuffle", c, key, P.orig_ops->pixel_shuffle(be, x, r, y, err));
}
static or_status p_pixel_unshuffle(or_backend *be, const or_tensor *x, int r, or_tensor *y,
                                   or_err *err)
{
    KEY;
    bench_cost c = cost_eltwise("pixel_unshuffle", T1(x), 1, y, 0, key, sizeof key);
    PROF("pixel_unshuffle", c, key, P.orig_ops->pixel_unshuffle(be, x, r, y, err));
}
static or_status p_upsample_nearest(or_backend *be, const or_tensor *x, int s, or_tensor *y,
                                    or_err *err)
{
    KEY;
    bench_cost c = cost_eltwise("upsample_nearest", T1(x), 1, y, 0, key, sizeof key);
    PROF("upsample_nearest", c, key, P.orig_ops->upsample_nearest(be, x, s, y, err));
}
static or_status p_convert_layout(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err)
{
    KEY;
    bench_cost c = cost_eltwise(y->layout == OR_NHWC ? "to_nhwc" : "to_nchw", T1(x), 1, y, 0, key,
                                sizeof key);
    PROF("convert_layout", c, key, P.orig_ops->convert_layout(be, x, y, err));
}

/* ---- families ---------------------------------------------------------------------- */
static or_status p_mul(or_backend *be, const or_tensor *a, const or_tensor *b, or_tensor *y,
                       or_err *err)
{
    KEY;
    bench_cost c = cost_eltwise("mul", T2(a, b), 2, y, 1, key, sizeof key);
    PROF("mul", c, key, P.orig_fam.math->mul(be, a, b, y, err));
}
static or_status p_scale_shift(or_backend *be, const or_tensor *x, float alpha, float beta,
                               or_tensor *y, or_err *err)
{
    KEY;
    bench_cost c = cost_eltwise("scale_shift", T1(x), 1, y, 2, key, sizeof key);
    PROF("scale_shift", c, key, P.orig_fam.math->scale_shift(be, x, alpha, beta, y, err));
}
static or_status p_fill(or_backend *be, or_tensor *y, float v, or_err *err)
{
    KEY;
    bench_cost c = cost_eltwise("fill", NULL, 0, y, 0, key, sizeof key);
    PROF("fill", c, key, P.orig_fam.math->fill(be, y, v, err));
}
static or_status p_clamp(or_backend *be, const or_tensor *x, float lo, float hi, or_tensor *y,
                         or_err *err)
{
    KEY;
    bench_cost c = cost_eltwise("clamp", T1(x), 1, y, 2, key, sizeof key);
    PROF("clamp", c, key, P.orig_fam.math->clamp(be, x, lo, hi, y, err));
}
static or_status p_resize_bilinear(or_backend *be, const or_tensor *x, int ac, double sh,
                                   double sw, or_tensor *y, or_err *err)
{
    KEY; /* 4 taps: ~8 operations per output element */
    bench_cost c = cost_eltwise("resize_bilinear", T1(x), 1, y, 8, key, sizeof key);
    PROF("resize_bilinear", c, key, P.orig_fam.resample->resize_bilinear(be, x, ac, sh, sw, y, err));
}
static or_status p_resize_nearest(or_backend *be, const or_tensor *x, double sh, double sw,
                                  or_tensor *y, or_err *err)
{
    KEY;
    bench_cost c = cost_eltwise("resize_nearest", T1(x), 1, y, 0, key, sizeof key);
    PROF("resize_nearest", c, key, P.orig_fam.resample->resize_nearest(be, x, sh, sw, y, err));
}
static or_status p_warp_bilinear(or_backend *be, const or_tensor *x, const or_tensor *flow,
                                 or_grid_pad pad, int ac, or_tensor *y, or_err *err)
{
    KEY; /* coordinates + 4 taps: ~12 operations per output element */
    bench_cost c = cost_eltwise("warp_bilinear", T2(x, flow), 2, y, 12, key, sizeof key);
    PROF("warp_bilinear", c, key, P.orig_fam.resample->warp_bilinear(be, x, flow, pad, ac, y, err));
}
static or_status p_conv_transpose2d(or_backend *be, const or_tensor *x, const or_tensor *w,
                                    const or_tensor *b, const or_deconv2d_params *p, or_tensor *y,
                                    or_err *err)
{
    KEY;
    bench_cost c = cost_deconv2d(x, w, b, p, y, key, sizeof key);
    PROF("deconv2d", c, key, P.orig_fam.deconv->conv_transpose2d(be, x, w, b, p, y, err));
}
static or_status p_maxpool2d(or_backend *be, const or_tensor *x, int kh, int kw, int sh, int sw,
                             int ph, int pw, or_tensor *y, or_err *err)
{
    KEY;
    bench_cost c = cost_pool("maxpool2d", x, kh, kw, y, key, sizeof key);
    PROF("maxpool2d", c, key, P.orig_fam.pool->maxpool2d(be, x, kh, kw, sh, sw, ph, pw, y, err));
}
static or_status p_avgpool2d(or_backend *be, const or_tensor *x, int kh, int kw, int sh, int sw,
                             int ph, int pw, int cip, or_tensor *y, or_err *err)
{
    KEY;
    bench_cost c = cost_pool("avgpool2d", x, kh, kw, y, key, sizeof key);
    PROF("avgpool2d", c, key,
         P.orig_fam.pool->avgpool2d(be, x, kh, kw, sh, sw, ph, pw, cip, y, err));
}
static or_status p_pad2d(or_backend *be, const or_tensor *x, int l, int r, int t, int b,
                         or_pad_mode mode, or_tensor *y, or_err *err)
{
    KEY;
    bench_cost c = cost_eltwise("pad2d", T1(x), 1, y, 0, key, sizeof key);
    PROF("pad2d", c, key, P.orig_fam.pool->pad2d(be, x, l, r, t, b, mode, y, err));
}

/* Colour conversions: ~30 operations per pixel (matrix, gamma / cube roots). */
#define COLOR_TRAMPOLINE(slot)                                                             \
    static or_status p_##slot(or_backend *be, const or_tensor *x, or_tensor *y, or_err *err) \
    {                                                                                      \
        KEY;                                                                               \
        bench_cost c = cost_eltwise(#slot, T1(x), 1, y, 10, key, sizeof key);              \
        PROF(#slot, c, key, P.orig_fam.color->slot(be, x, y, err));                        \
    }
COLOR_TRAMPOLINE(rgb_to_lab)
COLOR_TRAMPOLINE(lab_to_rgb)
COLOR_TRAMPOLINE(rgb_to_yuv)
COLOR_TRAMPOLINE(yuv_to_rgb)
COLOR_TRAMPOLINE(rgb_to_l)

static or_status p_self_attention(or_backend *be, const or_tensor *x, const or_tensor *wq,
                                  const or_tensor *wk, const or_tensor *wv, float gamma,
                                  or_tensor *y, or_err *err)
{
    KEY;
    bench_cost c = cost_attention(x, wq, wk, wv, y, key, sizeof key);
    PROF("self_attention", c, key,
         P.orig_fam.attention->self_attention(be, x, wq, wk, wv, gamma, y, err));
}

/* DAIN's flow layers.  FLOPs per output element: correlation a C-long dot product
 * per displacement; PWC warp two bilinear samples (image and mask); filter
 * interpolation F*F taps and the blend; projection ~10 (its scatter of four
 * corners with atomics, then the division); inv_exp 2. */
static or_status p_correlation(or_backend *be, const or_tensor *a, const or_tensor *b, int md,
                               or_tensor *y, or_err *err)
{
    KEY;
    bench_cost c = cost_eltwise("correlation", T2(a, b), 2, y, 2.0 * a->c + 1, key, sizeof key);
    PROF("correlation", c, key, P.orig_fam.flow->correlation(be, a, b, md, y, err));
}
static or_status p_pwc_warp(or_backend *be, const or_tensor *x, const or_tensor *flow,
                            or_tensor *y, or_err *err)
{
    KEY;
    bench_cost c = cost_eltwise("pwc_warp", T2(x, flow), 2, y, 16, key, sizeof key);
    PROF("pwc_warp", c, key, P.orig_fam.flow->pwc_warp(be, x, flow, y, err));
}
static or_status p_depth_flow_projection(or_backend *be, const or_tensor *flow,
                                         const or_tensor *depth_inv, int fill_holes,
                                         or_tensor *count, or_tensor *y, or_err *err)
{
    KEY;
    bench_cost c = cost_eltwise("depth_flow_projection", T2(flow, depth_inv), 2, y, 10, key,
                                sizeof key);
    c.bytes += 2.0 * (double)or_nbytes(count); /* the counter: cleared, then read */
    PROF("depth_flow_projection", c, key,
         P.orig_fam.flow->depth_flow_projection(be, flow, depth_inv, fill_holes, count, y, err));
}
static or_status p_filter_interpolation(or_backend *be, const or_tensor *x, const or_tensor *flow,
                                        const or_tensor *filter, int filter_size, or_tensor *y,
                                        or_err *err)
{
    KEY;
    const or_tensor *const in[] = {x, flow, filter};
    bench_cost c = cost_eltwise("filter_interpolation", in, 3, y,
                                2.0 * filter_size * filter_size + 8, key, sizeof key);
    PROF("filter_interpolation", c, key,
         P.orig_fam.flow->filter_interpolation(be, x, flow, filter, filter_size, y, err));
}
static or_status p_inv_exp(or_backend *be, const or_tensor *x, float eps, or_tensor *y,
                           or_err *err)
{
    KEY;
    bench_cost c = cost_eltwise("inv_exp", T1(x), 1, y, 2, key, sizeof key);
    PROF("inv_exp", c, key, P.orig_fam.flow->inv_exp(be, x, eps, y, err));
}

/* ---- attach / detach ------------------------------------------------------------------- */

/* Wrapped copy of a table: the original's slots, known ones replaced by the
 * trampoline when the original has them (or always when counting only). */
#define WRAP(tbl, orig, slot, fn) \
    tbl.slot = ((orig) && (orig)->slot) || count_only ? fn : ((orig) ? (orig)->slot : NULL)

or_status bench_prof_attach(or_backend *be, bench_profile *p, int count_only, or_err *err)
{
    if (P.be)
        return or_errf(err, OR_EINVAL, "bench: the profiler is already attached");
    memset(&P, 0, sizeof P);
    P.pend = calloc(PROF_EVENTS, sizeof *P.pend);
    if (!P.pend)
        return or_errf(err, OR_ENOMEM, "bench: out of memory");
#ifdef OR_HAVE_CUDA
    if (be->kind == OR_BACKEND_CUDA && !count_only) {
        or_status s = bench_cuda_events_create(be, 2 * PROF_EVENTS, &P.ev, err);
        if (s != OR_OK) {
            free(P.pend);
            return s;
        }
    }
#endif
    P.be = be, P.p = p, P.count_only = count_only;
    P.orig_ops = be->ops;
    P.orig_fam = be->fam;
    const or_ops *o = be->ops;
    const or_op_families *f = &P.orig_fam;
    if (o)
        P.ops = *o;
    WRAP(P.ops, o, conv2d, p_conv2d);
    WRAP(P.ops, o, activation, p_activation);
    WRAP(P.ops, o, add, p_add);
    WRAP(P.ops, o, channel_affine, p_channel_affine);
    WRAP(P.ops, o, cast, p_cast);
    WRAP(P.ops, o, pixel_shuffle, p_pixel_shuffle);
    WRAP(P.ops, o, pixel_unshuffle, p_pixel_unshuffle);
    WRAP(P.ops, o, upsample_nearest, p_upsample_nearest);
    WRAP(P.ops, o, convert_layout, p_convert_layout);
    be->ops = &P.ops;
    if (f->math || count_only) {
        if (f->math)
            P.math = *f->math;
        WRAP(P.math, f->math, mul, p_mul);
        WRAP(P.math, f->math, scale_shift, p_scale_shift);
        WRAP(P.math, f->math, fill, p_fill);
        WRAP(P.math, f->math, clamp, p_clamp);
        be->fam.math = &P.math;
    }
    if (f->resample || count_only) {
        if (f->resample)
            P.resample = *f->resample;
        WRAP(P.resample, f->resample, resize_bilinear, p_resize_bilinear);
        WRAP(P.resample, f->resample, resize_nearest, p_resize_nearest);
        WRAP(P.resample, f->resample, warp_bilinear, p_warp_bilinear);
        be->fam.resample = &P.resample;
    }
    if (f->deconv || count_only) {
        if (f->deconv)
            P.deconv = *f->deconv;
        WRAP(P.deconv, f->deconv, conv_transpose2d, p_conv_transpose2d);
        be->fam.deconv = &P.deconv;
    }
    if (f->pool || count_only) {
        if (f->pool)
            P.pool = *f->pool;
        WRAP(P.pool, f->pool, maxpool2d, p_maxpool2d);
        WRAP(P.pool, f->pool, avgpool2d, p_avgpool2d);
        WRAP(P.pool, f->pool, pad2d, p_pad2d);
        be->fam.pool = &P.pool;
    }
    if (f->color || count_only) {
        if (f->color)
            P.color = *f->color;
        WRAP(P.color, f->color, rgb_to_lab, p_rgb_to_lab);
        WRAP(P.color, f->color, lab_to_rgb, p_lab_to_rgb);
        WRAP(P.color, f->color, rgb_to_yuv, p_rgb_to_yuv);
        WRAP(P.color, f->color, yuv_to_rgb, p_yuv_to_rgb);
        WRAP(P.color, f->color, rgb_to_l, p_rgb_to_l);
        be->fam.color = &P.color;
    }
    if (f->attention || count_only) {
        if (f->attention)
            P.attention = *f->attention;
        WRAP(P.attention, f->attention, self_attention, p_self_attention);
        be->fam.attention = &P.attention;
    }
    if (f->flow || count_only) {
        if (f->flow)
            P.flow = *f->flow;
        WRAP(P.flow, f->flow, correlation, p_correlation);
        WRAP(P.flow, f->flow, pwc_warp, p_pwc_warp);
        WRAP(P.flow, f->flow, depth_flow_projection, p_depth_flow_projection);
        WRAP(P.flow, f->flow, filter_interpolation, p_filter_interpolation);
        WRAP(P.flow, f->flow, inv_exp, p_inv_exp);
        be->fam.flow = &P.flow;
    }
    return OR_OK;
}

or_status bench_prof_flush(or_err *err)
{
    if (!P.be)
        return OR_OK;
    return resolve_pending(err);
}

void bench_prof_detach(void)
{
    if (!P.be)
        return;
    or_err e;
    resolve_pending(&e);
    P.be->ops = P.orig_ops;
    P.be->fam = P.orig_fam;
#ifdef OR_HAVE_CUDA
    if (P.ev)
        bench_cuda_events_free(P.ev);
#endif
    free(P.pend);
    memset(&P, 0, sizeof P);
}
