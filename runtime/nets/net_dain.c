/* net_dain.c: DAIN (baowenbo/DAIN networks/DAIN.py; DAIN_slowmotion.py for
 * t != 0.5) at inference, on the canonical tensors of convert/arch_dain.c.
 *
 *   log_d_k = depth(I_k); ctx_k = cat(ctx(I_k), log_d_k)         k = 0, 1
 *   filt_0, filt_1 = kernel(cat(I_0, I_1))                        F*F taps each
 *   off_0 = project(up4(20 t     * pwc(I_0 -> I_1)), 1e-6 + 1/exp(log_d_0))
 *   off_1 = project(up4(20 (1-t) * pwc(I_1 -> I_0)), 1e-6 + 1/exp(log_d_1))
 *   ref_k = filter_interp(I_k, off_k, filt_k); ctxw_k = filter_interp(ctx_k, ...)
 *   cur = (1-t) ref_0 + t ref_1          (ref_0/2 + ref_1/2 at t = 0.5: equal in float)
 *   y = rectify(cat(cur, ref_0, ref_1, off_0, off_1, filt_0, filt_1, ctxw_0, ctxw_1)) + cur
 *
 * up4 is bilinear (align_corners=False), the projection fills its holes
 * (fillhole = 1 at inference).  Frames are [1,3,H,W] with H, W multiples of 64
 * (PWC-Net's six stride-2 levels must come back up by its 2x deconvolutions);
 * the official demo pads them (replicate) further, see docs/stages/dain.md.
 * The pieces of the rectifier's input are written in place into one buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_dain_parts.h"
#include "runtime/core/ops_flow.h"
#include "runtime/core/ops_math.h"
#include "runtime/core/ops_resample.h"

#define DAIN_MULTIPLE 64

typedef struct {
    or_net net; /* first: net->impl points here */
    or_net_weights wts;
    int fs;     /* filter_size */
    float flow_scale;
    dn_kernel_net kern;
    dn_ctx_net ctx;
    dn_rectify_net rect;
    dn_pwc_net pwc;
    dn_depth_net depth;
} dain;

static int ctx_channels(const dain *m) { return 3 + 3 * m->ctx.width + 1; }

/* Slices of the rectifier input, in its order. */
enum { R_CUR, R_REF0, R_REF1, R_OFF0, R_OFF1, R_FILT0, R_FILT1, R_CTX0, R_CTX1, R_N };

static int rect_slice(const dain *m, int k, int *c0)
{
    int taps = m->fs * m->fs, cc = ctx_channels(m);
    const int width[R_N] = {3, 3, 3, 2, 2, taps, taps, cc, cc};
    int at = 0;
    for (int i = 0; i < k; i++)
        at += width[i];
    *c0 = at;
    return width[k];
}

static or_status slice(const dain *m, const or_tensor *buf, int k, or_tensor *v, or_err *err)
{
    int c0, c = rect_slice(m, k, &c0);
    return or_tensor_channels(buf, c0, c, v, err);
}

/* Depth and context of one frame: ctx [1, cc, H, W] (log depth last), dinv f32. */
static or_status frame_features(const dain *m, const or_tensor *im, or_tensor *ctx,
                                or_tensor *dinv, or_err *err)
{
    or_tensor ld, c;
    OR_TRY(or_tensor_channels(ctx, ctx->c - 1, 1, &ld, err));
    OR_TRY(dn_depth_run(&m->depth, im, &ld, err));
    OR_TRY(or_inv_exp(&ld, 1e-6f, dinv, err));
    OR_TRY(or_tensor_channels(ctx, 0, ctx->c - 1, &c, err));
    return dn_ctx_run(&m->ctx, im, &c, err);
}

/* off (f32 [1,2,H,W]) = the projected flow from PWC's flow (1/4 size) times s. */
static or_status project(const or_tensor *flow, float s, const or_tensor *dinv, or_tensor *off,
                         or_err *err)
{
    or_backend *be = flow->be;
    or_arena_mark mk = or_arena_get_mark(&be->arena);
    or_tensor scaled, up, count;
    or_status st = dn_alloc(be, flow->dtype, 2, flow->h, flow->w, "dain.flow", &scaled, err);
    if (!st) st = dn_alloc(be, flow->dtype, 2, off->h, off->w, "dain.flow_up", &up, err);
    if (!st) st = or_tensor_alloc(be, &count, 1, 1, off->h, off->w, OR_F32, "dain.count", err);
    if (!st) st = or_scale_shift(flow, s, 0.0f, &scaled, err);
    if (!st) st = or_resize_bilinear(&scaled, 0, 4.0, 4.0, &up, err);
    if (!st) st = or_depth_flow_projection(&up, dinv, 1, &count, off, err);
    or_arena_reset(&be->arena, mk);
    return st;
}

/* Both flows (I0 -> I1 scaled by t, I1 -> I0 by 1 - t), projected. */
static or_status flows(const dain *m, const or_tensor *x0, const or_tensor *x1, float t,
                       const or_tensor dinv[2], or_tensor off[2], or_err *err)
{
    or_backend *be = x0->be;
    or_arena_mark mk = or_arena_get_mark(&be->arena);
    or_tensor f0[6], f1[6], fl;
    or_status s = dn_pwc_features(&m->pwc, x0, f0, err);
    if (!s) s = dn_pwc_features(&m->pwc, x1, f1, err);
    if (!s) s = dn_alloc(be, x0->dtype, 2, x0->h / 4, x0->w / 4, "dain.pwc", &fl, err);
    if (!s) s = dn_pwc_flow(&m->pwc, f0, f1, &fl, err);
    if (!s) s = project(&fl, m->flow_scale * t, &dinv[0], &off[0], err);
    if (!s) s = dn_pwc_flow(&m->pwc, f1, f0, &fl, err);
    if (!s) s = project(&fl, m->flow_scale * (1.0f - t), &dinv[1], &off[1], err);
    or_arena_reset(&be->arena, mk);
    return s;
}

static or_status run(dain *m, const or_tensor *x0, const or_tensor *x1, float t, or_tensor *y,
                     or_err *err)
{
    or_backend *be = m->net.be;
    or_dtype dt = m->net.dtype;
    int h = x0->h, w = x0->w, c0;
    int rc = rect_slice(m, R_CTX1, &c0) + c0;
    or_tensor rect, ctx[2], dinv[2], off[2], both, v[R_N], tmp;
    OR_TRY(dn_alloc(be, dt, rc, h, w, "dain.rectify_in", &rect, err));
    for (int k = 0; k < R_N; k++)
        OR_TRY(slice(m, &rect, k, &v[k], err));
    for (int k = 0; k < 2; k++) {
        OR_TRY(dn_alloc(be, dt, ctx_channels(m), h, w, "dain.ctx", &ctx[k], err));
        OR_TRY(or_tensor_alloc(be, &dinv[k], 1, 1, h, w, OR_F32, "dain.depth_inv", err));
        OR_TRY(or_tensor_alloc(be, &off[k], 1, 2, h, w, OR_F32, "dain.offset", err));
        OR_TRY(frame_features(m, k ? x1 : x0, &ctx[k], &dinv[k], err));
    }
    or_arena_mark mk = or_arena_get_mark(&be->arena);
    OR_TRY(dn_alloc(be, dt, 6, h, w, "dain.frames", &both, err));
    OR_TRY(or_tensor_channels(&both, 0, 3, &tmp, err));
    OR_TRY(or_cast(x0, &tmp, err));
    OR_TRY(or_tensor_channels(&both, 3, 3, &tmp, err));
    OR_TRY(or_cast(x1, &tmp, err));
    OR_TRY(dn_kernel_run(&m->kern, &both, &v[R_FILT0], &v[R_FILT1], err));
    or_arena_reset(&be->arena, mk);
    OR_TRY(flows(m, x0, x1, t, dinv, off, err));
    for (int k = 0; k < 2; k++) {
        const or_tensor *im = k ? x1 : x0, *filt = &v[R_FILT0 + k];
        OR_TRY(or_filter_interpolation(&ctx[k], &off[k], filt, m->fs, &v[R_CTX0 + k], err));
        OR_TRY(or_filter_interpolation(im, &off[k], filt, m->fs, &v[R_REF0 + k], err));
        OR_TRY(or_cast(&off[k], &v[R_OFF0 + k], err));
    }
    OR_TRY(or_add(&v[R_REF0], 1.0f - t, &v[R_REF1], t, &v[R_CUR], err));
    return dn_rectify_run(&m->rect, &rect, &v[R_CUR], y, err);
}

static or_status check_frames(const or_net *net, const or_tensor *x0, const or_tensor *x1,
                              const or_tensor *y, float t, or_err *err)
{
    char a[64], b[64];
    OR_TRY(or_net_check_io(net, x0, y, err));
    OR_TRY(or_net_check_io(net, x1, y, err));
    if (!or_same_shape(x0, x1))
        return or_errf(err, OR_ESHAPE, "%s: frames %s and %s differ in size", net->model_path,
                       or_shape_str(x0, a, sizeof a), or_shape_str(x1, b, sizeof b));
    if (!(t > 0.0f && t < 1.0f))
        return or_errf(err, OR_EINVAL, "%s: time %g outside (0,1)", net->model_path, (double)t);
    return OR_OK;
}

static or_status dain_interpolate(or_net *net, const or_tensor *x0, const or_tensor *x1, float t,
                                  float flow_scale, or_tensor *y, or_err *err)
{
    (void)flow_scale; /* RIFE's; DAIN has none */
    OR_TRY(check_frames(net, x0, x1, y, t, err));
    or_arena_mark mk = or_arena_get_mark(&net->be->arena);
    or_status s = run(net->impl, x0, x1, t, y, err);
    or_arena_reset(&net->be->arena, mk);
    if (s != OR_OK)
        or_err_prefix(err, "%s", net->model_path);
    return s;
}

/* A rough upper bound: the full-size buffers (rectifier input, two contexts,
 * the rectifier's three work tensors, the kernel U-Net's two widest full-size
 * maps and the hourglass stem) in the compute dtype, plus the f32 flows. */
static size_t dain_workspace(const or_net *net, int h, int w)
{
    const dain *m = net->impl;
    int c0, rc = rect_slice(m, R_CTX1, &c0) + c0;
    size_t full = (size_t)rc + 2 * (size_t)ctx_channels(m) + 3 * (size_t)m->rect.width +
                  4 * (size_t)m->kern.widths[0] + 2 * (size_t)m->depth.width + 64;
    size_t px = (size_t)h * w;
    return full * px * or_dtype_size(net->dtype) + 16 * px * 4 + or_net_conv_scratch_bound(rc, w);
}

static void dain_destroy(or_net *net)
{
    dain *m = net->impl;
    or_netw_free(&m->wts);
    free(m);
}

static or_status load_weights(void *impl, or_err *err)
{
    dain *m = impl;
    dn_loader l = {&m->wts, m->fs};
    OR_TRY(dn_kernel_load(&l, &m->kern, err));
    OR_TRY(dn_ctx_load(&l, &m->ctx, err));
    OR_TRY(dn_rectify_load(&l, &m->rect, err));
    OR_TRY(dn_pwc_load(&l, &m->pwc, err));
    return dn_depth_load(&l, &m->depth, err);
}

static or_status read_meta(const st_file *f, dain *m, or_err *err)
{
    int fscale;
    OR_TRY(or_net_meta_int(f, "filter_size", 2, 8, &m->fs, err));
    if (m->fs % 2)
        return or_errf(err, OR_EFORMAT, "%s: metadata filter_size = %d: must be even", f->path,
                       m->fs);
    OR_TRY(or_net_meta_int(f, "flow_scale", 1, 1000, &fscale, err));
    m->flow_scale = (float)fscale;
    OR_TRY(dn_meta_list(f, "kernel_widths", 12, 1, 4096, m->kern.widths, err));
    OR_TRY(or_net_meta_int(f, "ctx_width", 1, 4096, &m->ctx.width, err));
    OR_TRY(or_net_meta_int(f, "rectify_width", 1, 4096, &m->rect.width, err));
    OR_TRY(or_net_meta_int(f, "flow_md", 0, 16, &m->pwc.md, err));
    OR_TRY(dn_meta_list(f, "flow_pyramid", 6, 1, 4096, m->pwc.pyr, err));
    OR_TRY(dn_meta_list(f, "flow_dense", 5, 1, 4096, m->pwc.dense, err));
    OR_TRY(dn_meta_list(f, "flow_refine", 6, 1, 4096, m->pwc.refine, err));
    OR_TRY(or_net_meta_int(f, "depth_width", 8, 128, &m->depth.width, err));
    m->depth.div = 128 / m->depth.width;
    if (128 % m->depth.width || 16 % m->depth.div)
        return or_errf(err, OR_EFORMAT,
                       "%s: metadata depth_width = %d: must be 128/d with d dividing 16", f->path,
                       m->depth.width);
    m->rect.in = 9 + 4 + 2 * m->fs * m->fs + 2 * ctx_channels(m);
    return OR_OK;
}

/* demo_MiddleBury.py: ReplicationPad2d up to the next multiple of 128, split
 * evenly (the odd pixel after); 32 on each side when n already is one. */
static void dain_frame_pad(const or_net *net, int n, float flow_scale, int *padded, int *before,
                           int *replicate)
{
    *replicate = 1;
    if (n % 128) {
        *padded = (n / 128 + 1) * 128;
        *before = (*padded - n) / 2;
    } else {
        *padded = n + 64;
        *before = 32;
    }
}

or_status or_net_dain_load(const st_file *f, or_backend *be, or_dtype dtype, or_net **out,
                           or_err *err)
{
    *out = NULL;
    dain *m = calloc(1, sizeof *m);
    if (!m)
        return or_errf(err, OR_ENOMEM, "%s: out of host memory", f->path);
    or_status s = read_meta(f, m, err);
    if (s != OR_OK) {
        free(m);
        return s;
    }
    /* DAIN computes in f32 whatever dtype is asked for: its flow projection,
     * hole filling and the filter's validity test are discrete in the flow, and
     * f16 flows flip them, leaving scattered pixels off by up to full scale
     * (15-34 dB against f32 on the CUDA emulator; docs/stages/dain.md).  The
     * net's dtype says so (the CLI prints it). */
    (void)dtype;
    or_net *net = &m->net;
    or_net_init_common(net, "dain", f->path, be, OR_F32, 3, 3, 1, DAIN_MULTIPLE);
    net->interpolate = dain_interpolate;
    net->frame_pad = dain_frame_pad;
    net->workspace_bytes = dain_workspace;
    net->destroy = dain_destroy;
    net->impl = m;
    return or_net_finish_load(net, &m->wts, f, load_weights, out, err);
}
