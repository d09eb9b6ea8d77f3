/* arch_sr_ncnn.c: ncnn graph -> RRDBNet / SRVGGNetCompact state dict
 * (arch_sr_ncnn.h).  The matchers walk back from the output node:
 *
 *   SRVGG:   out = PixelShuffle_s(conv_last(act(conv_K(... act(conv_0(x))))))
 *                  + Interp_nearest_s(x)
 *   RRDBNet: out = conv_last(lrelu(conv_hr(lrelu(conv_upK(nearest2x(...
 *                  (f + conv_body(blocks(f))), f = conv_first(x),
 *            block(y) = y + 0.2 * rdb3(rdb2(rdb1(y))),
 *            rdb(y)   = y + 0.2 * conv5(cat(y, c1..c4)),
 *            cK       = lrelu(convK(cat(y, c1..cK-1)))   (lrelu slope 0.2)
 *
 * Every Convolution and PReLU layer must be used by the match exactly once. */
#include "arch_sr_ncnn.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ncnn_graph.h"
#include "runtime/core/fileutil.h"

typedef struct {
    ng_graph *ng;
    ck_state_dict *sd;
    char *claimed; /* per layer */
    or_err *err;
} matcher;

static int near(double a, double b) { return fabs(a - b) <= 1e-6 * fabs(b) + 1e-9; }

/* ---- state dict ------------------------------------------------------------------- */

static or_status sd_push(matcher *m, const char *name, int ndim, const int64_t *shape,
                         const float *data, ck_dtype src)
{
    ck_state_dict *sd = m->sd;
    ck_tensor *t = realloc(sd->t, (size_t)(sd->n + 1) * sizeof *t);
    if (!t)
        return or_errf(m->err, OR_ENOMEM, "out of memory");
    sd->t = t;
    ck_tensor *x = &t[sd->n];
    memset(x, 0, sizeof *x);
    x->ndim = ndim;
    x->numel = 1;
    for (int d = 0; d < ndim; d++)
        x->numel *= (x->shape[d] = shape[d]);
    x->src_dtype = src;
    x->name = strdup(name);
    x->data = malloc((size_t)x->numel * sizeof(float));
    if (!x->name || !x->data) {
        free(x->name);
        free(x->data);
        return or_errf(m->err, OR_ENOMEM, "out of memory");
    }
    memcpy(x->data, data, (size_t)x->numel * sizeof(float));
    sd->n++;
    return OR_OK;
}

static or_status emit_conv(matcher *m, int layer, const char *prefix)
{
    ng_graph *ng = m->ng;
    char name[160];
    int64_t w_shape[4] = {ng->out_ch[layer], ng->in_ch[layer], 3, 3}, b_shape[1] = {w_shape[0]};
    snprintf(name, sizeof name, "%s.weight", prefix);
    OR_TRY(sd_push(m, name, 4, w_shape, ng->w[layer],
                   ng->store[layer] == NCNN_STORE_F16 ? CK_F16 : CK_F32));
    snprintf(name, sizeof name, "%s.bias", prefix);
    return sd_push(m, name, 1, b_shape, ng->b[layer], CK_F32);
}

/* PReLU slopes [ch]; a single shared slope is repeated. */
static or_status emit_prelu(matcher *m, int layer, int ch, const char *name)
{
    ng_graph *ng = m->ng;
    float *v = malloc((size_t)ch * sizeof *v);
    if (!v)
        return or_errf(m->err, OR_ENOMEM, "out of memory");
    for (int i = 0; i < ch; i++)
        v[i] = ng->w[layer][ng->wn[layer] == 1 ? 0 : i];
    int64_t shape[1] = {ch};
    or_status s = sd_push(m, name, 1, shape, v, CK_F32);
    free(v);
    return s;
}

/* ---- matching helpers --------------------------------------------------------------- */

static or_status claim(matcher *m, int node, int layer)
{
    if (m->claimed[layer])
        return ng_err(m->err, m->ng, node, "layer %d '%s' is used twice by the network", layer,
                      m->ng->g->layers[layer].name);
    m->claimed[layer] = 1;
    return OR_OK;
}

/* node must be a convolution with the activation act (slope for LEAKY). */
static or_status want_conv(matcher *m, int node, ng_act act, double slope, const char *role)
{
    const ng_node *x = &m->ng->v[node];
    char d[512];
    if (x->kind != NG_CONV)
        return ng_err(m->err, m->ng, node, "expected %s (a convolution), found %s", role,
                      ng_describe(m->ng, node, d, sizeof d));
    static const char *const acts[] = {"no activation", "LeakyReLU", "PReLU"};
    if (x->act != act || (act == NG_ACT_LEAKY && !near(x->slope, slope))) {
        char want[64] = "", got[64] = "";
        if (act == NG_ACT_LEAKY)
            snprintf(want, sizeof want, " (slope %g)", slope);
        if (x->act == NG_ACT_LEAKY)
            snprintf(got, sizeof got, " (slope %g)", x->slope);
        return ng_err(m->err, m->ng, node, "expected %s with %s%s, found %s%s", role, acts[act],
                      want, acts[x->act], got);
    }
    OR_TRY(claim(m, node, x->conv));
    return act == NG_ACT_PRELU ? claim(m, node, x->prelu) : OR_OK;
}

/* node = skip + scale * branch (scale 0.2 in RRDBNet). */
static or_status want_residual(matcher *m, int node, double scale, const char *role, int *branch,
                               int *skip)
{
    const ng_node *x = &m->ng->v[node];
    char d[512];
    if (x->kind != NG_ADD || x->n_src != 2)
        return ng_err(m->err, m->ng, node, "expected %s (a sum of two), found %s", role,
                      ng_describe(m->ng, node, d, sizeof d));
    for (int i = 0; i < 2; i++)
        if (near(x->coef[i], scale) && near(x->coef[1 - i], 1.0)) {
            *branch = x->src[i];
            *skip = x->src[1 - i];
            return OR_OK;
        }
    return ng_err(m->err, m->ng, node, "expected %s, found coefficients %g and %g (want %g and 1)",
                  role, x->coef[0], x->coef[1], scale);
}

/* ---- RRDBNet ---------------------------------------------------------------------------- */

/* A residual dense block ending at node out: its conv layers and its input. */
static or_status match_rdb(matcher *m, int out, int convs[5], int *in)
{
    ng_graph *ng = m->ng;
    int node[6], y;
    OR_TRY(want_residual(m, out, 0.2, "a dense block's x + 0.2*conv5(...)", &node[5], &y));
    for (int c = 5; c >= 1; c--) {
        OR_TRY(want_conv(m, node[c], c == 5 ? NG_ACT_NONE : NG_ACT_LEAKY, 0.2,
                         c == 5 ? "a dense block's conv5" : "a dense block's conv1..4"));
        convs[c - 1] = ng->v[node[c]].conv;
        int src = ng->v[node[c]].src[0];
        if (c == 1) {
            if (src != y)
                return ng_err(m->err, ng, node[c], "a dense block's conv1 does not read the "
                              "block's input");
            break;
        }
        const ng_node *cat = &ng->v[src];
        if (cat->kind != NG_CAT || cat->n_src != c || cat->src[0] != y)
            return ng_err(m->err, ng, src >= 0 ? src : node[c],
                          "expected the concatenation of a dense block's input and its %d "
                          "earlier outputs (input of conv%d)", c - 1, c);
        for (int k = 1; k < c; k++) {
            if (c < 5 && cat->src[k] != node[k])
                return ng_err(m->err, ng, src, "dense block concatenation: input %d is not "
                              "conv%d's output", k, k);
            node[k] = cat->src[k];
        }
    }
    *in = y;
    return OR_OK;
}

/* Walk back over the trunk from node x to the node f (conv_first's output). */
static or_status match_blocks(matcher *m, int x, int f, int **blocks, int *n_blocks)
{
    int cap = 0;
    while (x != f) {
        int branch, skip;
        OR_TRY(want_residual(m, x, 0.2, "an RRDB's x + 0.2*rdb3(rdb2(rdb1(x)))", &branch,
                             &skip));
        if (*n_blocks == cap) {
            cap = cap ? 2 * cap : 32;
            int *nb = realloc(*blocks, (size_t)cap * 15 * sizeof **blocks);
            if (!nb)
                return or_errf(m->err, OR_ENOMEM, "out of memory");
            *blocks = nb;
        }
        int *convs = *blocks + 15 * (*n_blocks)++;
        for (int r = 3; r >= 1; r--)
            OR_TRY(match_rdb(m, branch, convs + 5 * (r - 1), &branch));
        if (branch != skip)
            return ng_err(m->err, m->ng, x, "an RRDB's first dense block does not read the "
                          "RRDB's input");
        x = skip;
    }
    if (*n_blocks == 0)
        return ng_err(m->err, m->ng, x, "RRDBNet trunk without any RRDB");
    return OR_OK;
}

static or_status emit_rrdb(matcher *m, int first, const int *blocks, int nb, int body,
                           const int *up, int n_up, int hr, int last)
{
    char name[64];
    OR_TRY(emit_conv(m, first, "conv_first"));
    for (int b = 0; b < nb; b++) {
        /* blocks were collected from the output back: the last one first */
        const int *c = blocks + 15 * (nb - 1 - b);
        for (int r = 0; r < 3; r++)
            for (int k = 0; k < 5; k++) {
                snprintf(name, sizeof name, "body.%d.rdb%d.conv%d", b, r + 1, k + 1);
                OR_TRY(emit_conv(m, c[5 * r + k], name));
            }
    }
    OR_TRY(emit_conv(m, body, "conv_body"));
    for (int k = 0; k < n_up; k++) {
        snprintf(name, sizeof name, "conv_up%d", k + 1);
        OR_TRY(emit_conv(m, up[n_up - 1 - k], name));
    }
    OR_TRY(emit_conv(m, hr, "conv_hr"));
    return emit_conv(m, last, "conv_last");
}

static or_status match_rrdb(matcher *m)
{
    ng_graph *ng = m->ng;
    int x = ng->output, up[4], n_up = 0;
    OR_TRY(want_conv(m, x, NG_ACT_NONE, 0, "RRDBNet's conv_last"));
    int last = ng->v[x].conv;
    x = ng->v[x].src[0];
    OR_TRY(want_conv(m, x, NG_ACT_LEAKY, 0.2, "RRDBNet's conv_hr"));
    int hr = ng->v[x].conv;
    x = ng->v[x].src[0];
    /* upsamplers: lrelu(conv_up(nearest x2(...))) */
    while (ng->v[x].kind == NG_CONV && ng->v[ng->v[x].src[0]].kind == NG_INTERP) {
        int ip = ng->v[x].src[0];
        const ng_node *u = &ng->v[ip];
        if (u->mode != 1 || !near(u->sh, 2) || !near(u->sw, 2))
            return ng_err(m->err, ng, ip, "expected a nearest x2 upsampling, found resize type "
                          "%d, scale %g x %g", u->mode, u->sh, u->sw);
        if (n_up == 4)
            return ng_err(m->err, ng, ip, "more than 4 upsamplings");
        OR_TRY(want_conv(m, x, NG_ACT_LEAKY, 0.2, "RRDBNet's conv_up"));
        up[n_up++] = ng->v[x].conv;
        x = u->src[0];
    }
    int conv_body_node, f;
    char d[512];
    const ng_node *sum = &ng->v[x];
    if (sum->kind != NG_ADD || sum->n_src != 2 || !near(sum->coef[0], 1) ||
        !near(sum->coef[1], 1))
        return ng_err(m->err, ng, x, "expected RRDBNet's feat + conv_body(trunk), found %s",
                      ng_describe(ng, x, d, sizeof d));
    int i0 = ng->v[sum->src[0]].kind == NG_CONV && ng->v[sum->src[0]].src[0] == ng->input;
    f = sum->src[i0 ? 0 : 1];
    conv_body_node = sum->src[i0 ? 1 : 0];
    OR_TRY(want_conv(m, f, NG_ACT_NONE, 0, "RRDBNet's conv_first on the input"));
    if (ng->v[f].src[0] != ng->input)
        return ng_err(m->err, ng, f, "RRDBNet's conv_first does not read the input (a "
                      "pixel-unshuffled x2/x1 model is not mapped from ncnn)");
    OR_TRY(want_conv(m, conv_body_node, NG_ACT_NONE, 0, "RRDBNet's conv_body"));
    int *blocks = NULL, nb = 0;
    or_status s = match_blocks(m, ng->v[conv_body_node].src[0], f, &blocks, &nb);
    if (s == OR_OK)
        s = emit_rrdb(m, ng->v[f].conv, blocks, nb, ng->v[conv_body_node].conv, up, n_up, hr,
                      last);
    free(blocks);
    return s;
}

/* ---- SRVGGNetCompact ---------------------------------------------------------------------- */

static or_status match_srvgg(matcher *m)
{
    ng_graph *ng = m->ng;
    const ng_node *o = &ng->v[ng->output];
    int p = o->src[0], u = o->src[1];
    if (ng->v[p].kind != NG_PSHUF) {
        p = o->src[1];
        u = o->src[0];
    }
    if (ng->v[p].kind != NG_PSHUF || ng->v[u].kind != NG_INTERP || !near(o->coef[0], 1) ||
        !near(o->coef[1], 1))
        return ng_err(m->err, ng, ng->output, "expected SRVGGNetCompact's output "
                      "PixelShuffle(body) + nearest-upsampled input");
    int s = ng->v[p].factor;
    const ng_node *un = &ng->v[u];
    if (un->mode != 1 || !near(un->sh, s) || !near(un->sw, s) || un->src[0] != ng->input)
        return ng_err(m->err, ng, u, "expected a nearest x%d upsampling of the input (resize "
                      "type %d, scale %g x %g)", s, un->mode, un->sh, un->sw);
    int x = ng->v[p].src[0];
    OR_TRY(want_conv(m, x, NG_ACT_NONE, 0, "SRVGGNetCompact's last convolution"));
    int last = x, n = 0;
    int *convs = malloc((size_t)ng->g->n_layers * sizeof *convs);
    if (!convs)
        return or_errf(m->err, OR_ENOMEM, "out of memory");
    or_status st = OR_OK;
    ng_act act = NG_ACT_NONE;
    for (x = ng->v[x].src[0]; st == OR_OK; x = ng->v[x].src[0]) {
        const ng_node *c = &ng->v[x];
        if (c->kind != NG_CONV || c->act == NG_ACT_NONE) {
            char d[512];
            st = ng_err(m->err, ng, x, "expected an activated convolution of SRVGGNetCompact's "
                        "body, found %s", ng_describe(ng, x, d, sizeof d));
            break;
        }
        if (n == 0)
            act = c->act;
        if (c->act == NG_ACT_LEAKY && !near(c->slope, 0.1))
            st = ng_err(m->err, ng, x, "LeakyReLU slope %g: SRVGGNetCompact's LeakyReLU has 0.1 "
                        "(and ReLU is not mapped)", c->slope);
        else
            st = want_conv(m, x, act, 0.1, "an SRVGGNetCompact body convolution");
        convs[n++] = x;
        if (c->src[0] == ng->input)
            break;
    }
    char name[64];
    for (int k = 0; st == OR_OK && k < n; k++) { /* convs[] runs from the output back */
        const ng_node *c = &ng->v[convs[n - 1 - k]];
        snprintf(name, sizeof name, "body.%d", 2 * k);
        st = emit_conv(m, c->conv, name);
        if (st == OR_OK && act == NG_ACT_PRELU) {
            snprintf(name, sizeof name, "body.%d.weight", 2 * k + 1);
            st = emit_prelu(m, c->prelu, c->ch, name);
        }
    }
    if (st == OR_OK) {
        snprintf(name, sizeof name, "body.%d", 2 * n);
        st = emit_conv(m, ng->v[last].conv, name);
    }
    free(convs);
    return st;
}

/* ---- the whole ------------------------------------------------------------------------------ */

static or_status match(matcher *m, ncnn_sr_info *info)
{
    ng_graph *ng = m->ng;
    const ng_node *o = &ng->v[ng->output];
    char d[512];
    if (o->kind == NG_INTERP)
        return ng_err(m->err, ng, ng->output,
                      "the graph ends with a resize (type %d, scale %g x %g) of the network's "
                      "output, which is not part of RRDBNet or SRVGGNetCompact: convert the model "
                      "without it (realesr-animevideov3-x2/x3 are the x4 network followed by a "
                      "downscale: convert realesr-animevideov3-x4 and upscale with -s)",
                      o->mode, o->sh, o->sw);
    if (o->kind == NG_ADD) {
        snprintf(info->arch, sizeof info->arch, "srvgg");
        OR_TRY(match_srvgg(m));
    } else if (o->kind == NG_CONV) {
        snprintf(info->arch, sizeof info->arch, "rrdbnet");
        OR_TRY(match_rrdb(m));
    } else {
        return ng_err(m->err, ng, ng->output, "the output is %s: neither RRDBNet's final "
                      "convolution nor SRVGGNetCompact's final sum",
                      ng_describe(ng, ng->output, d, sizeof d));
    }
    for (int li = 0; li < ng->g->n_layers; li++) {
        const char *t = ng->g->layers[li].type;
        if ((!strcmp(t, "Convolution") || !strcmp(t, "PReLU")) && !m->claimed[li])
            return ncnn_layer_err(m->err, OR_EUNSUPPORTED, ng->g, li,
                                  "not part of the %s structure found", info->arch);
    }
    return OR_OK;
}

or_status ncnn_sr_state_dict_mem(const char *param_text, size_t param_len,
                                 const char *param_path, const uint8_t *bin, size_t bin_len,
                                 const char *bin_path, ck_state_dict *sd, ncnn_sr_info *info,
                                 or_err *err)
{
    memset(sd, 0, sizeof *sd);
    memset(info, 0, sizeof *info);
    ncnn_graph g;
    OR_TRY(ncnn_param_parse(param_text, param_len, param_path, &g, err));
    ncnn_bin b = {bin, bin_len, 0, ""};
    snprintf(b.path, sizeof b.path, "%s", bin_path);
    ng_graph ng;
    or_status s = ng_build(&g, &b, &ng, err);
    if (s == OR_OK) {
        matcher m = {&ng, sd, calloc((size_t)g.n_layers, 1), err};
        s = m.claimed ? match(&m, info) : or_errf(err, OR_ENOMEM, "out of memory");
        free(m.claimed);
        info->n_layers = g.n_layers;
        info->n_conv = ng.n_f16 + ng.n_f32;
        snprintf(info->storage, sizeof info->storage, "%s",
                 ng.n_f32 == 0 ? "fp16" : ng.n_f16 == 0 ? "fp32" : "mixed");
        ng_free(&ng);
    }
    ncnn_graph_free(&g);
    if (s != OR_OK) {
        ckpt_free(sd);
        return s;
    }
    snprintf(sd->format, sizeof sd->format, "ncnn");
    return OR_OK;
}

or_status ncnn_sr_state_dict(const char *param_path, const char *bin_path, ck_state_dict *sd,
                             ncnn_sr_info *info, or_err *err)
{
    uint8_t *p = NULL, *b = NULL;
    size_t pl = 0, bl = 0;
    memset(sd, 0, sizeof *sd);
    or_status s = or_read_input(param_path, NCNN_MAX_PARAM_BYTES, &p, &pl, err);
    if (s == OR_OK && (s = or_read_input(bin_path, NCNN_MAX_BIN_BYTES, &b, &bl, err)) != OR_OK) {
        /* a broken .param says so before a missing .bin does */
        ncnn_graph g;
        or_err perr;
        if (ncnn_param_parse((const char *)p, pl, param_path, &g, &perr) != OR_OK) {
            s = perr.code;
            if (err)
                *err = perr;
        } else {
            ncnn_graph_free(&g);
        }
    }
    if (s == OR_OK)
        s = ncnn_sr_state_dict_mem((const char *)p, pl, param_path, b, bl, bin_path, sd, info,
                                   err);
    free(p);
    free(b);
    return s;
}

void ncnn_bin_path_for(const char *param_path, char *out, size_t n)
{
    size_t len = strlen(param_path);
    if (len > 6 && !strcmp(param_path + len - 6, ".param"))
        snprintf(out, n, "%.*s.bin", (int)(len - 6), param_path);
    else
        snprintf(out, n, "%s.bin", param_path);
}
