/* ncnn_graph.h: an ncnn graph (ncnn_param.h) turned into value nodes, with the
 * weights read from the .bin; what arch_sr_ncnn.c pattern-matches.
 *
 * Each blob is one node.  Split and Noop outputs are their input's node; an
 * activation layer (ReLU, PReLU) on a convolution's output makes a copy of the
 * convolution node with the activation set, as ncnn's fused activation
 * (Convolution 9=...) does; x*s (BinaryOp with a scalar) and sums (Eltwise sum
 * with coefficients, BinaryOp add) become one weighted-sum node.  Any layer
 * type or parameter outside that small set is refused, naming the layer.
 * Channel counts are propagated and every convolution's weight_data_size is
 * checked against its input's channels. */
#ifndef OR_NCNN_GRAPH_H
#define OR_NCNN_GRAPH_H

#include "ncnn_param.h"

#define NG_MAX_SRC 16

typedef enum { NG_INPUT, NG_CONV, NG_CAT, NG_ADD, NG_INTERP, NG_PSHUF } ng_kind;
typedef enum { NG_ACT_NONE, NG_ACT_LEAKY, NG_ACT_PRELU } ng_act; /* LEAKY with slope 0: ReLU */

typedef struct {
    ng_kind kind;
    int layer;                /* the layer whose output this is (messages) */
    int ch;                   /* channels; -1: the input before a conv has used it */
    int n_src;
    int src[NG_MAX_SRC];      /* node indices */
    double coef[NG_MAX_SRC];  /* NG_ADD: sum of coef[i] * src[i] */
    int conv;                 /* NG_CONV: the Convolution layer */
    ng_act act;
    double slope;             /* NG_ACT_LEAKY */
    int prelu;                /* NG_ACT_PRELU: the PReLU layer */
    int mode;                 /* NG_INTERP: 1 nearest, 2 bilinear, 3 bicubic */
    double sh, sw;            /* NG_INTERP: height / width scale */
    int factor;               /* NG_PSHUF */
} ng_node;

typedef struct {
    const ncnn_graph *g;
    ng_node *v;
    int n;
    int input;                /* node of the Input layer */
    int output;               /* node of the one blob no layer consumes */
    /* Per layer: weights (Convolution [out*in*kh*kw], PReLU slopes), bias, sizes. */
    float **w, **b;
    int64_t *wn;
    int *out_ch, *in_ch;      /* Convolution */
    ncnn_storage *store;
    int n_f16, n_f32;         /* convolutions by weight storage */
} ng_graph;

/* Build the nodes from g (kept by pointer), then read the weights from bin. */
or_status ng_build(const ncnn_graph *g, ncnn_bin *bin, ng_graph *ng, or_err *err);
void ng_free(ng_graph *ng);

/* "layer 17 'x' (Convolution): " + message, for the node's layer. */
or_status ng_err(or_err *err, const ng_graph *ng, int node, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
const char *ng_describe(const ng_graph *ng, int node, char *buf, size_t n);

#endif
