/* bench_cost.h: FLOPs and bytes of each op from its shapes, and the key that
 * groups calls of one shape in the per-kernel table (bench_cost.c).
 *
 * FLOPs: a multiply-add is 2; convolutions count the MACs of the dense
 * computation (zero padding included, as cuDNN executes it); elementwise ops
 * count their arithmetic per output element (documented per op).
 * Bytes: the compulsory traffic, each input and output tensor read or written
 * once (weights included); what a kernel re-reads from cache is not counted,
 * so achieved GB/s is a lower bound of the real traffic. */
#ifndef OR_BENCH_COST_H
#define OR_BENCH_COST_H

#include "bench.h"
#include "runtime/core/ops.h"
#include "runtime/core/ops_attention.h"
#include "runtime/core/ops_color.h"
#include "runtime/core/ops_deconv.h"
#include "runtime/core/ops_flow.h"
#include "runtime/core/ops_math.h"
#include "runtime/core/ops_pool.h"
#include "runtime/core/ops_resample.h"

bench_cost cost_conv2d(const or_tensor *x, const or_tensor *w, const or_tensor *b,
                       const or_conv2d_params *p, const or_tensor *y, char *key, size_t n);
bench_cost cost_deconv2d(const or_tensor *x, const or_tensor *w, const or_tensor *b,
                         const or_deconv2d_params *p, const or_tensor *y, char *key, size_t n);
bench_cost cost_attention(const or_tensor *x, const or_tensor *wq, const or_tensor *wk,
                          const or_tensor *wv, const or_tensor *y, char *key, size_t n);
/* An op reading `in` tensors (NULL entries skipped) and writing y, with
 * flops_per_out arithmetic per output element. */
bench_cost cost_eltwise(const char *op, const or_tensor *const *in, int n_in, const or_tensor *y,
                        double flops_per_out, char *key, size_t n);
/* Pooling: kh*kw operations per output element. */
bench_cost cost_pool(const char *op, const or_tensor *x, int kh, int kw, const or_tensor *y,
                     char *key, size_t n);

#endif
