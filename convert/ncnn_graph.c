/* ncnn_graph.c: ncnn layers -> value nodes + weights (ncnn_graph.h). */
#include "ncnn_graph.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    ng_graph *ng;
    int *blob_node;
    or_err *err;
} builder;

or_status ng_err(or_err *err, const ng_graph *ng, int node, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return ncnn_layer_err(err, OR_EFORMAT, ng->g, node >= 0 ? ng->v[node].layer : -1, "%s", what);
}

const char *ng_describe(const ng_graph *ng, int node, char *buf, size_t n)
{
    const ng_node *x = &ng->v[node];
    const ncnn_layer *l = &ng->g->layers[x->layer];
    static const char *const kinds[] = {"the input", "a convolution", "a concatenation",
                                        "a (weighted) sum", "a resize", "a pixel shuffle"};
    snprintf(buf, n, "%s (layer %d '%s', %s)", kinds[x->kind], x->layer, l->name, l->type);
    return buf;
}

static or_status lerr(builder *b, int layer, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static or_status lerr(builder *b, int layer, const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return ncnn_layer_err(b->err, OR_EUNSUPPORTED, b->ng->g, layer, "%s", what);
}

/* ---- layer checks ----------------------------------------------------------------- */

static or_status check_io(builder *b, int li, int n_in_min, int n_in_max, int n_out_min,
                          int n_out_max)
{
    const ncnn_layer *l = &b->ng->g->layers[li];
    if (l->n_in < n_in_min || l->n_in > n_in_max || l->n_out < n_out_min || l->n_out > n_out_max)
        return lerr(b, li, "%d input(s) and %d output(s): expected %d..%d and %d..%d", l->n_in,
                    l->n_out, n_in_min, n_in_max, n_out_min, n_out_max);
    return OR_OK;
}

/* Only the parameter ids in `allowed` (terminated by -1) may be set. */
static or_status check_params(builder *b, int li, const int *allowed)
{
    const ncnn_layer *l = &b->ng->g->layers[li];
    for (int id = 0; id < NCNN_MAX_PARAM_ID; id++) {
        if (!l->p[id].set)
            continue;
        int ok = 0;
        for (const int *a = allowed; *a >= 0; a++)
            ok |= *a == id;
        if (!ok)
            return lerr(b, li, "parameter %d is not one this converter understands", id);
    }
    return OR_OK;
}

static int new_node(builder *b, ng_kind kind, int layer, int ch)
{
    ng_node *x = &b->ng->v[b->ng->n];
    memset(x, 0, sizeof *x);
    x->kind = kind;
    x->layer = layer;
    x->ch = ch;
    return b->ng->n++;
}

static void set_out(builder *b, int li, int node)
{
    const ncnn_layer *l = &b->ng->g->layers[li];
    for (int i = 0; i < l->n_out; i++)
        b->blob_node[l->out[i]] = node;
}

static int in_node(builder *b, int li, int i) { return b->blob_node[b->ng->g->layers[li].in[i]]; }

/* ---- the layer types -------------------------------------------------------------- */

static or_status l_input(builder *b, int li)
{
    static const int ok[] = {0, 1, 2, 11, -1};
    OR_TRY(check_io(b, li, 0, 0, 1, 1));
    OR_TRY(check_params(b, li, ok));
    if (b->ng->input >= 0)
        return lerr(b, li, "a second Input layer (the first is layer %d): one input expected",
                    b->ng->v[b->ng->input].layer);
    int c = ncnn_pint(&b->ng->g->layers[li], 2, 0);
    b->ng->input = new_node(b, NG_INPUT, li, c > 0 ? c : -1);
    set_out(b, li, b->ng->input);
    return OR_OK;
}

static or_status l_alias(builder *b, int li, int max_out)
{
    static const int none[] = {-1};
    OR_TRY(check_io(b, li, 1, 1, 1, max_out));
    OR_TRY(check_params(b, li, none));
    set_out(b, li, in_node(b, li, 0));
    return OR_OK;
}

static or_status conv_geometry(builder *b, int li)
{
    const ncnn_layer *l = &b->ng->g->layers[li];
    int kw = ncnn_pint(l, 1, 0), kh = ncnn_pint(l, 11, kw);
    int dw = ncnn_pint(l, 2, 1), dh = ncnn_pint(l, 12, dw);
    int sw = ncnn_pint(l, 3, 1), sh = ncnn_pint(l, 13, sw);
    int pl = ncnn_pint(l, 4, 0), pt = ncnn_pint(l, 14, pl);
    int pr = ncnn_pint(l, 15, pl), pb = ncnn_pint(l, 16, pt);
    if (kw != 3 || kh != 3 || dw != 1 || dh != 1 || sw != 1 || sh != 1)
        return lerr(b, li, "kernel %dx%d, dilation %dx%d, stride %dx%d: the networks mapped here "
                    "have 3x3 convolutions, dilation 1, stride 1", kh, kw, dh, dw, sh, sw);
    /* -233 / -234: ncnn's SAME padding, which is 1 for a 3x3 stride-1 kernel. */
    int pads[4] = {pl, pt, pr, pb};
    for (int i = 0; i < 4; i++)
        if (pads[i] != 1 && pads[i] != -233 && pads[i] != -234)
            return lerr(b, li, "padding %d %d %d %d (left top right bottom): expected 1", pl, pt,
                        pr, pb);
    if (ncnn_pint(l, 8, 0) != 0)
        return lerr(b, li, "int8-quantized convolution (8=%d): not supported, use the fp32 or "
                    "fp16 model files", ncnn_pint(l, 8, 0));
    if (ncnn_pint(l, 19, 0) != 0)
        return lerr(b, li, "dynamic weights (19=1): not supported");
    return OR_OK;
}

static or_status l_conv(builder *b, int li)
{
    static const int ok[] = {0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, -1};
    ng_graph *ng = b->ng;
    const ncnn_layer *l = &ng->g->layers[li];
    OR_TRY(check_io(b, li, 1, 1, 1, 1));
    OR_TRY(check_params(b, li, ok));
    OR_TRY(conv_geometry(b, li));
    long long out = ncnn_pint(l, 0, 0), wds = ncnn_pint(l, 6, 0);
    if (out < 1 || out > 65536 || wds < 1)
        return lerr(b, li, "num_output %lld, weight_data_size %lld: both must be positive", out,
                    wds);
    int src = in_node(b, li, 0);
    ng_node *s = &ng->v[src];
    if (s->ch < 0) { /* the input: its channels come from the first conv that reads it */
        if (wds % (out * 9) != 0 || wds / (out * 9) > 65536)
            return ncnn_layer_err(b->err, OR_ESHAPE, ng->g, li,
                                  "weight_data_size %lld is not num_output %lld x channels x 3x3",
                                  wds, out);
        s->ch = (int)(wds / (out * 9));
    }
    if (wds != out * s->ch * 9)
        return ncnn_layer_err(b->err, OR_ESHAPE, ng->g, li,
                              "weight_data_size %lld does not match %lldx%dx3x3 (num_output x "
                              "input channels x kernel)", wds, out, s->ch);
    int act = ncnn_pint(l, 9, 0);
    const ncnn_pval *ap = ncnn_parray(l, 10);
    int x = new_node(b, NG_CONV, li, (int)out);
    ng_node *c = &ng->v[x];
    c->n_src = 1;
    c->src[0] = src;
    c->conv = li;
    if (act == 1) {
        c->act = NG_ACT_LEAKY;
        c->slope = 0;
    } else if (act == 2) {
        c->act = NG_ACT_LEAKY;
        c->slope = ap && ap->n >= 1 ? ap->arr[0] : 0;
    } else if (act != 0) {
        return lerr(b, li, "fused activation type %d (9=%d): only none (0), ReLU (1) and "
                    "LeakyReLU (2) appear in the networks mapped here", act, act);
    }
    ng->in_ch[li] = s->ch;
    ng->out_ch[li] = (int)out;
    ng->wn[li] = wds;
    set_out(b, li, x);
    return OR_OK;
}

/* ReLU / PReLU on a convolution without activation: a copy with it. */
static or_status l_act(builder *b, int li, int prelu)
{
    static const int ok[] = {0, -1};
    ng_graph *ng = b->ng;
    const ncnn_layer *l = &ng->g->layers[li];
    OR_TRY(check_io(b, li, 1, 1, 1, 1));
    OR_TRY(check_params(b, li, ok));
    int src = in_node(b, li, 0);
    if (ng->v[src].kind != NG_CONV || ng->v[src].act != NG_ACT_NONE) {
        char d[512];
        return lerr(b, li, "applied to %s: the networks mapped here only activate a "
                    "convolution's output", ng_describe(ng, src, d, sizeof d));
    }
    int x = new_node(b, NG_CONV, li, 0);
    ng->v[x] = ng->v[src];
    ng->v[x].layer = li;
    if (prelu) {
        int n = ncnn_pint(l, 0, 0);
        if (n != 1 && n != ng->v[src].ch)
            return ncnn_layer_err(b->err, OR_ESHAPE, ng->g, li,
                                  "num_slope %d: expected 1 or the %d channels of its input", n,
                                  ng->v[src].ch);
        ng->v[x].act = NG_ACT_PRELU;
        ng->v[x].prelu = li;
        ng->wn[li] = n;
    } else {
        ng->v[x].act = NG_ACT_LEAKY;
        ng->v[x].slope = ncnn_pfloat(l, 0, 0);
    }
    set_out(b, li, x);
    return OR_OK;
}

/* A weighted sum; inputs that are themselves x*s (one-input sums) are folded in. */
static or_status add_node(builder *b, int li, const int *srcs, const double *coef, int n)
{
    ng_graph *ng = b->ng;
    int x = new_node(b, NG_ADD, li, ng->v[srcs[0]].ch);
    for (int i = 0; i < n; i++) {
        const ng_node *s = &ng->v[srcs[i]];
        int src = srcs[i];
        double k = coef[i];
        if (s->kind == NG_ADD && s->n_src == 1) {
            k *= s->coef[0];
            src = s->src[0];
        }
        if (ng->v[src].ch != ng->v[x].ch)
            return ncnn_layer_err(b->err, OR_ESHAPE, ng->g, li,
                                  "adds inputs of %d and %d channels", ng->v[x].ch, ng->v[src].ch);
        ng->v[x].src[i] = src;
        ng->v[x].coef[i] = k;
    }
    ng->v[x].n_src = n;
    set_out(b, li, x);
    return OR_OK;
}

static or_status l_eltwise(builder *b, int li)
{
    static const int ok[] = {0, 1, -1};
    const ncnn_layer *l = &b->ng->g->layers[li];
    OR_TRY(check_io(b, li, 2, NG_MAX_SRC, 1, 1));
    OR_TRY(check_params(b, li, ok));
    if (ncnn_pint(l, 0, 0) != 1)
        return lerr(b, li, "op_type %d: only sum (1) is mapped", ncnn_pint(l, 0, 0));
    const ncnn_pval *c = ncnn_parray(l, 1);
    if (c && c->n != l->n_in)
        return lerr(b, li, "%d coefficients for %d inputs", c->n, l->n_in);
    int srcs[NG_MAX_SRC];
    double coef[NG_MAX_SRC];
    for (int i = 0; i < l->n_in; i++) {
        srcs[i] = in_node(b, li, i);
        coef[i] = c ? c->arr[i] : 1.0;
    }
    return add_node(b, li, srcs, coef, l->n_in);
}

static or_status l_binary(builder *b, int li)
{
    static const int ok[] = {0, 1, 2, -1};
    const ncnn_layer *l = &b->ng->g->layers[li];
    OR_TRY(check_io(b, li, 1, 2, 1, 1));
    OR_TRY(check_params(b, li, ok));
    int op = ncnn_pint(l, 0, 0), scalar = ncnn_pint(l, 1, 0);
    double v = ncnn_pfloat(l, 2, 0);
    int srcs[2] = {in_node(b, li, 0), l->n_in > 1 ? in_node(b, li, 1) : 0};
    double coef[2] = {1, 1};
    if (op == 0 && !scalar && l->n_in == 2)
        return add_node(b, li, srcs, coef, 2);
    if ((op == 2 || (op == 3 && v != 0)) && scalar && l->n_in == 1) {
        coef[0] = op == 2 ? v : 1 / v;
        return add_node(b, li, srcs, coef, 1);
    }
    return lerr(b, li, "op_type %d with_scalar %d on %d input(s): only the sum of two inputs "
                "and the product with a scalar are mapped", op, scalar, l->n_in);
}

static or_status l_interp(builder *b, int li)
{
    static const int ok[] = {0, 1, 2, 3, 4, 5, 6, -1};
    const ncnn_layer *l = &b->ng->g->layers[li];
    OR_TRY(check_io(b, li, 1, 1, 1, 1));
    OR_TRY(check_params(b, li, ok));
    if (ncnn_pint(l, 3, 0) || ncnn_pint(l, 4, 0) || ncnn_pint(l, 5, 0))
        return lerr(b, li, "a fixed or dynamic output size (3=, 4=, 5=): only scale factors "
                    "are mapped");
    int src = in_node(b, li, 0);
    int x = new_node(b, NG_INTERP, li, b->ng->v[src].ch);
    ng_node *n = &b->ng->v[x];
    n->n_src = 1;
    n->src[0] = src;
    n->mode = ncnn_pint(l, 0, 0);
    n->sh = ncnn_pfloat(l, 1, 1);
    n->sw = ncnn_pfloat(l, 2, 1);
    set_out(b, li, x);
    return OR_OK;
}

static or_status l_pshuf(builder *b, int li)
{
    static const int ok[] = {0, 1, -1};
    const ncnn_layer *l = &b->ng->g->layers[li];
    OR_TRY(check_io(b, li, 1, 1, 1, 1));
    OR_TRY(check_params(b, li, ok));
    int f = ncnn_pint(l, 0, 1), src = in_node(b, li, 0), ch = b->ng->v[src].ch;
    if (ncnn_pint(l, 1, 0) != 0)
        return lerr(b, li, "mode %d: only PyTorch's PixelShuffle order (0) is mapped",
                    ncnn_pint(l, 1, 0));
    if (f < 1 || f > 16 || ch < 0 || ch % (f * f) != 0)
        return ncnn_layer_err(b->err, OR_ESHAPE, b->ng->g, li,
                              "upscale factor %d on %d channels: channels must be a multiple of "
                              "the factor squared", f, ch);
    int x = new_node(b, NG_PSHUF, li, ch / (f * f));
    b->ng->v[x].n_src = 1;
    b->ng->v[x].src[0] = src;
    b->ng->v[x].factor = f;
    set_out(b, li, x);
    return OR_OK;
}

static or_status l_concat(builder *b, int li)
{
    static const int ok[] = {0, -1};
    const ncnn_layer *l = &b->ng->g->layers[li];
    OR_TRY(check_io(b, li, 1, NG_MAX_SRC, 1, 1));
    OR_TRY(check_params(b, li, ok));
    if (ncnn_pint(l, 0, 0) != 0)
        return lerr(b, li, "axis %d: only channel concatenation (0) is mapped",
                    ncnn_pint(l, 0, 0));
    int x = new_node(b, NG_CAT, li, 0);
    ng_node *n = &b->ng->v[x];
    for (int i = 0; i < l->n_in; i++) {
        n->src[i] = in_node(b, li, i);
        int c = b->ng->v[n->src[i]].ch;
        if (c < 0)
            return lerr(b, li, "concatenates the input before any convolution gives its channels");
        n->ch += c;
    }
    n->n_src = l->n_in;
    set_out(b, li, x);
    return OR_OK;
}

static or_status build_layer(builder *b, int li)
{
    const char *t = b->ng->g->layers[li].type;
    if (!strcmp(t, "Input"))
        return l_input(b, li);
    if (!strcmp(t, "Split"))
        return l_alias(b, li, NCNN_MAX_IO);
    if (!strcmp(t, "Noop"))
        return l_alias(b, li, 1);
    if (!strcmp(t, "Convolution"))
        return l_conv(b, li);
    if (!strcmp(t, "ReLU"))
        return l_act(b, li, 0);
    if (!strcmp(t, "PReLU"))
        return l_act(b, li, 1);
    if (!strcmp(t, "Eltwise"))
        return l_eltwise(b, li);
    if (!strcmp(t, "BinaryOp"))
        return l_binary(b, li);
    if (!strcmp(t, "Interp"))
        return l_interp(b, li);
    if (!strcmp(t, "PixelShuffle"))
        return l_pshuf(b, li);
    if (!strcmp(t, "Concat"))
        return l_concat(b, li);
    return lerr(b, li, "layer type not supported: the converter maps RRDBNet and "
                "SRVGGNetCompact graphs (Input, Convolution, ReLU, PReLU, Eltwise, BinaryOp, "
                "Interp, PixelShuffle, Split, Concat, Noop)");
}

/* ---- weights ------------------------------------------------------------------------ */

static or_status read_weights(ng_graph *ng, ncnn_bin *bin, or_err *err)
{
    const ncnn_graph *g = ng->g;
    int last = -1;
    for (int li = 0; li < g->n_layers; li++) {
        const ncnn_layer *l = &g->layers[li];
        int conv = !strcmp(l->type, "Convolution"), prelu = !strcmp(l->type, "PReLU");
        if (!conv && !prelu)
            continue;
        last = li;
        if (!(ng->w[li] = malloc((size_t)ng->wn[li] * sizeof(float))))
            return or_errf(err, OR_ENOMEM, "%s: out of memory", g->path);
        if (prelu) {
            OR_TRY(ncnn_bin_f32(bin, g, li, "slope_data", ng->wn[li], ng->w[li], err));
            continue;
        }
        OR_TRY(ncnn_bin_tagged(bin, g, li, "weight_data", ng->wn[li], ng->w[li], &ng->store[li],
                               err));
        ng->n_f16 += ng->store[li] == NCNN_STORE_F16;
        ng->n_f32 += ng->store[li] == NCNN_STORE_F32;
        int out = ng->out_ch[li];
        if (!(ng->b[li] = calloc((size_t)out, sizeof(float))))
            return or_errf(err, OR_ENOMEM, "%s: out of memory", g->path);
        if (ncnn_pint(l, 5, 0))
            OR_TRY(ncnn_bin_f32(bin, g, li, "bias_data", out, ng->b[li], err));
    }
    if (bin->pos != bin->len)
        return or_errf(err, OR_EFORMAT,
                       "%s: %zu bytes left over after the weights of the last layer with weights "
                       "(layer %d '%s'): the .bin does not belong to this .param", bin->path,
                       bin->len - bin->pos, last, last >= 0 ? g->layers[last].name : "");
    return OR_OK;
}

/* ---- the graph ---------------------------------------------------------------------- */

static or_status find_output(ng_graph *ng, const int *blob_node, or_err *err)
{
    const ncnn_graph *g = ng->g;
    int out = -1;
    for (int i = 0; i < g->n_blobs; i++) {
        if (g->blob_uses[i])
            continue;
        if (out >= 0)
            return or_errf(err, OR_EUNSUPPORTED,
                           "%s: blobs '%s' (layer %d '%s') and '%s' (layer %d '%s') are both "
                           "unused outputs: the networks mapped here have one output", g->path,
                           g->blob_names[out], g->blob_producer[out],
                           g->layers[g->blob_producer[out]].name, g->blob_names[i],
                           g->blob_producer[i], g->layers[g->blob_producer[i]].name);
        out = i;
    }
    if (out < 0)
        return or_errf(err, OR_EFORMAT, "%s: no output blob (every blob is consumed)", g->path);
    ng->output = blob_node[out];
    if (ng->input < 0)
        return or_errf(err, OR_EUNSUPPORTED, "%s: no Input layer", g->path);
    return OR_OK;
}

or_status ng_build(const ncnn_graph *g, ncnn_bin *bin, ng_graph *ng, or_err *err)
{
    memset(ng, 0, sizeof *ng);
    ng->g = g;
    ng->input = -1;
    size_t nl = (size_t)g->n_layers;
    builder b = {ng, calloc((size_t)g->n_blobs, sizeof(int)), err};
    ng->v = calloc(nl, sizeof *ng->v);
    ng->w = calloc(nl, sizeof *ng->w);
    ng->b = calloc(nl, sizeof *ng->b);
    ng->wn = calloc(nl, sizeof *ng->wn);
    ng->out_ch = calloc(nl, sizeof *ng->out_ch);
    ng->in_ch = calloc(nl, sizeof *ng->in_ch);
    ng->store = calloc(nl, sizeof *ng->store);
    or_status s = OR_OK;
    if (!b.blob_node || !ng->v || !ng->w || !ng->b || !ng->wn || !ng->out_ch || !ng->in_ch ||
        !ng->store)
        s = or_errf(err, OR_ENOMEM, "%s: out of memory", g->path);
    for (int li = 0; s == OR_OK && li < g->n_layers; li++)
        s = build_layer(&b, li);
    if (s == OR_OK)
        s = find_output(ng, b.blob_node, err);
    if (s == OR_OK)
        s = read_weights(ng, bin, err);
    free(b.blob_node);
    if (s != OR_OK)
        ng_free(ng);
    return s;
}

void ng_free(ng_graph *ng)
{
    if (!ng || !ng->g)
        return;
    for (int i = 0; i < ng->g->n_layers; i++) {
        if (ng->w)
            free(ng->w[i]);
        if (ng->b)
            free(ng->b[i]);
    }
    free(ng->v);
    free(ng->w);
    free(ng->b);
    free(ng->wn);
    free(ng->out_ch);
    free(ng->in_ch);
    free(ng->store);
    memset(ng, 0, sizeof *ng);
}
