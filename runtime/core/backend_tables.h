/* backend_tables.h: the op-family tables of each backend, for the backend that
 * owns them (backend_cpu.c, backend_cuda.cu fill be->fam with their own).
 * Core-internal: networks reach the families through be->fam only. */
#ifndef OR_BACKEND_TABLES_H
#define OR_BACKEND_TABLES_H

#ifdef __cplusplus
extern "C" {
#endif

#include "backend.h"

extern const struct or_ops_math or_ops_math_cpu;
extern const struct or_ops_resample or_ops_resample_cpu;
extern const struct or_ops_deconv or_ops_deconv_cpu;
extern const struct or_ops_pool or_ops_pool_cpu;
extern const struct or_ops_color or_ops_color_cpu;
extern const struct or_ops_attention or_ops_attention_cpu;
extern const struct or_ops_flow or_ops_flow_cpu;
extern const struct or_ops_norm or_ops_norm_cpu;

/* defined only in a CUDA build (the CUDA backend files) */
extern const struct or_ops_math or_ops_math_cuda;
extern const struct or_ops_resample or_ops_resample_cuda;
extern const struct or_ops_deconv or_ops_deconv_cuda;
extern const struct or_ops_pool or_ops_pool_cuda;
extern const struct or_ops_color or_ops_color_cuda;
extern const struct or_ops_attention or_ops_attention_cuda;
extern const struct or_ops_flow or_ops_flow_cuda;
extern const struct or_ops_norm or_ops_norm_cuda;

#ifdef __cplusplus
}
#endif

#endif
