/* convert.h: checkpoint -> model file, the library side of oprestore-convert. */
#ifndef OR_CONVERT_H
#define OR_CONVERT_H

#include "../weights/model_builder.h"
#include "../runtime/core/sha256.h" /* or_sha256_file */
#include "arch.h"

#define OR_CONVERTER_VERSION "1"

typedef struct {
    const char *arch;  /* NULL: detect from the tensors */
    mb_dtype dtype;    /* f32 (default) or f16 */
    int verbose;       /* list every tensor read */
} or_convert_opts;

/* Convert a state dict already read: detect/check/fold into mb, with metadata
 * (arch, converter version; source_* are added by or_convert_file). */
or_status or_convert_state_dict(const ck_state_dict *sd, const or_convert_opts *o,
                                or_model_builder *mb, const or_arch **arch_out, or_err *err);
/* Read in_path, convert, write out_path (temporary file + rename).  An ncnn
 * .param (recognised by its content) is read with the .bin next to it. */
or_status or_convert_file(const char *in_path, const char *out_path, const or_convert_opts *o,
                          or_err *err);
/* An ncnn model (param_path + bin_path) of a super-resolution network
 * (arch_sr_ncnn.h); metadata source_format "ncnn", source_bin_file,
 * source_bin_sha256 and source_weights_storage ("fp16", "fp32", "mixed"). */
or_status or_convert_ncnn(const char *param_path, const char *bin_path, const char *out_path,
                          const or_convert_opts *o, or_err *err);
/* A model released as several checkpoints (Deep Exemplar: nonlocal_net_iter_76000.pth,
 * colornet_iter_76000.pth, vgg19_conv.pth, in any order), or n == 1 and the folder
 * holding them (its root or the release zip's checkpoints/video_moredata_l1/ and
 * data/): each part is found by its tensors, the parts are merged and converted as
 * one state dict (convert_multi.c).  source_file / source_sha256 list the three
 * files, comma-separated, in that order. */
or_status or_convert_files(const char *const *paths, int n, const char *out_path,
                           const or_convert_opts *o, or_err *err);
/* 1 when path is a folder (or_convert_files takes one). */
int or_convert_is_folder(const char *path);
/* 1 when path is an ncnn .param (starts with the magic line). */
int or_convert_is_ncnn_param(const char *path);

#endif
