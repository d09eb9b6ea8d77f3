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
/* Read in_path, convert, write out_path (temporary file + rename). */
or_status or_convert_file(const char *in_path, const char *out_path, const or_convert_opts *o,
                          or_err *err);

#endif
