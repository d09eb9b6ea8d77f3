/* ops_pool.h: pooling and padding (family "pool"; kernels/pool_cpu.c,
 * kernels/pool_cuda.cu).  f32, or f16 on CUDA.  Output sizes are given by y and
 * checked against PyTorch's formula (ceil_mode=False). */
#ifndef OR_OPS_POOL_H
#define OR_OPS_POOL_H

#ifdef __cplusplus
extern "C" {
#endif

#include "backend.h"

typedef enum { OR_PAD_ZERO = 0, OR_PAD_REPLICATE = 1, OR_PAD_REFLECT = 2 } or_pad_mode;

/* y = F.max_pool2d(x, (kh,kw), (sh,sw), (ph,pw)); padding counts as -inf. */
or_status or_maxpool2d(const or_tensor *x, int kh, int kw, int sh, int sw, int ph, int pw,
                       or_tensor *y, or_err *err);
/* y = F.avg_pool2d(x, (kh,kw), (sh,sw), (ph,pw), count_include_pad=cip). */
or_status or_avgpool2d(const or_tensor *x, int kh, int kw, int sh, int sw, int ph, int pw,
                       int count_include_pad, or_tensor *y, or_err *err);
/* y = F.pad(x, (left, right, top, bottom), mode) with mode zero ('constant', 0),
 * replicate or reflect; y [N,C,H+top+bottom,W+left+right]. */
or_status or_pad2d(const or_tensor *x, int left, int right, int top, int bottom, or_pad_mode mode,
                   or_tensor *y, or_err *err);

struct or_ops_pool {
    or_status (*maxpool2d)(or_backend *be, const or_tensor *x, int kh, int kw, int sh, int sw,
                           int ph, int pw, or_tensor *y, or_err *err);
    or_status (*avgpool2d)(or_backend *be, const or_tensor *x, int kh, int kw, int sh, int sw,
                           int ph, int pw, int count_include_pad, or_tensor *y, or_err *err);
    or_status (*pad2d)(or_backend *be, const or_tensor *x, int left, int right, int top,
                       int bottom, or_pad_mode mode, or_tensor *y, or_err *err);
};

#ifdef __cplusplus
}
#endif

#endif
