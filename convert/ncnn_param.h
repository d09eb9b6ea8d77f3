/* ncnn_param.h: reading ncnn model files (.param text graph + .bin weights).
 *
 * The .param format (ncnn's ParamDict / Net::load_param):
 *   7767517                         magic
 *   LAYER_COUNT BLOB_COUNT
 *   TYPE NAME N_IN N_OUT IN_BLOB... OUT_BLOB... ID=VALUE ...   one line per layer
 * VALUE is an int, a float (has '.', 'e' or 'E') or, for ID <= -23300, an array
 * of parameter -ID-23300: "-23310=N,v1,...,vN".  Parameter ids are 0..31.
 *
 * The .bin is the layers' weights in layer order, no header.  Each layer type
 * reads its own: a Convolution reads weight_data_size values *with* a 4-byte
 * storage tag (ModelBin::load(w, 0)) and then num_output fp32 biases with no
 * tag (load(w, 1)); a PReLU reads num_slope fp32 values with no tag.  Tags:
 * 0 = fp32, 0x01306B47 = fp16 (data padded to 4 bytes), 0x000D4B38 = int8;
 * any other non-zero tag is ncnn's 8-bit quantization table.
 *
 * Everything is bounded and validated; every message is one line naming the
 * file and the layer (index from 0, as ncnn counts, its name and type). */
#ifndef OR_NCNN_PARAM_H
#define OR_NCNN_PARAM_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/core/status.h"

#define NCNN_MAGIC 7767517
#define NCNN_MAX_PARAM_ID 32         /* ncnn's NCNN_MAX_PARAM_COUNT */
#define NCNN_MAX_LAYERS 65536
#define NCNN_MAX_BLOBS (4 * NCNN_MAX_LAYERS)
#define NCNN_MAX_IO 1024             /* inputs or outputs of one layer */
#define NCNN_MAX_ARRAY 4096          /* values in one array parameter */
#define NCNN_MAX_PARAM_BYTES (16u << 20)
#define NCNN_MAX_BIN_BYTES (4ull << 30)

#define NCNN_TAG_F16 0x01306B47u
#define NCNN_TAG_INT8 0x000D4B38u

typedef struct {
    int set;      /* 1 when the line gave this id */
    int is_array;
    int is_float; /* scalar written as a float */
    double v;     /* scalar value */
    int n;        /* array length */
    double *arr;
} ncnn_pval;

typedef struct {
    char type[64], name[256];
    int line;     /* 1-based line of the .param */
    int n_in, n_out;
    int *in, *out; /* blob indices */
    ncnn_pval p[NCNN_MAX_PARAM_ID];
} ncnn_layer;

typedef struct {
    char path[512];   /* for messages */
    int n_layers, n_blobs;
    ncnn_layer *layers;
    char **blob_names;
    int *blob_producer; /* layer index */
    int *blob_uses;     /* number of layer inputs naming the blob */
} ncnn_graph;

/* Parse .param text (len bytes, need not be NUL-terminated). */
or_status ncnn_param_parse(const char *text, size_t len, const char *path, ncnn_graph *g,
                           or_err *err);
or_status ncnn_param_read(const char *path, ncnn_graph *g, or_err *err);
void ncnn_graph_free(ncnn_graph *g);
/* 1 when buf starts (after blanks) with the magic number line. */
int ncnn_param_sniff(const uint8_t *buf, size_t len);

/* Parameters with ncnn's defaults. */
int ncnn_pint(const ncnn_layer *l, int id, int def);
double ncnn_pfloat(const ncnn_layer *l, int id, double def);
const ncnn_pval *ncnn_parray(const ncnn_layer *l, int id); /* NULL when absent */

/* "x.param: layer 17 'Conv_13' (Convolution): " prefix for messages. */
or_status ncnn_layer_err(or_err *err, or_status code, const ncnn_graph *g, int layer,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Sequential reader of the .bin. */
typedef struct {
    const uint8_t *buf;
    size_t len, pos;
    char path[512];
} ncnn_bin;

typedef enum { NCNN_STORE_F32 = 0, NCNN_STORE_F16 = 1 } ncnn_storage;

/* n values with a storage tag (ModelBin::load(n, 0)) into out; *storage says
 * which.  int8 / quantized data and non-finite values are refused. */
or_status ncnn_bin_tagged(ncnn_bin *b, const ncnn_graph *g, int layer, const char *what,
                          int64_t n, float *out, ncnn_storage *storage, or_err *err);
/* n raw fp32 values (ModelBin::load(n, 1)). */
or_status ncnn_bin_f32(ncnn_bin *b, const ncnn_graph *g, int layer, const char *what, int64_t n,
                       float *out, or_err *err);

float ncnn_half_to_float(uint16_t h);

#endif
