/* arch_sr_ncnn.h: super-resolution networks from ncnn model files.
 *
 * The graph (ncnn_graph.h) is matched against Real-ESRGAN / ESRGAN RRDBNet and
 * SRVGGNetCompact; the hyperparameters come from the structure and the
 * shapes, and the weights become a state dict in the PyTorch names of the
 * official checkpoints (BasicSR's conv_first / body.N.rdbR.convC / ... for
 * RRDBNet, body.K for SRVGG), which the rrdbnet / srvgg converters
 * (arch_sr.c) then check and rename exactly as for a .pth.  A graph that does
 * not match is refused naming the first layer that does not fit.
 * docs/converters/ncnn.md has the details. */
#ifndef OR_ARCH_SR_NCNN_H
#define OR_ARCH_SR_NCNN_H

#include <stddef.h>
#include <stdint.h>

#include "ckpt.h"

typedef struct {
    char arch[16];    /* "rrdbnet" or "srvgg" */
    char storage[8];  /* convolution weights in the .bin: "fp16", "fp32" or "mixed" */
    int n_layers, n_conv;
} ncnn_sr_info;

/* param_text/bin: the two files' bytes; the paths are for messages.  sd gets
 * format "ncnn", no wrapper; free it with ckpt_free. */
or_status ncnn_sr_state_dict_mem(const char *param_text, size_t param_len,
                                 const char *param_path, const uint8_t *bin, size_t bin_len,
                                 const char *bin_path, ck_state_dict *sd, ncnn_sr_info *info,
                                 or_err *err);
or_status ncnn_sr_state_dict(const char *param_path, const char *bin_path, ck_state_dict *sd,
                             ncnn_sr_info *info, or_err *err);

/* The .bin next to a .param: x.param -> x.bin, otherwise x -> x.bin. */
void ncnn_bin_path_for(const char *param_path, char *out, size_t n);

#endif
