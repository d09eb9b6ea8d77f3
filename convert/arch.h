/* arch.h: architecture converters.
 *
 * Each supported architecture family provides one or more or_arch entries.
 * An entry recognises a state dict from its tensor names and shapes,
 * infers the hyperparameters from the shapes (number of blocks, widths,
 * scale), checks EVERY tensor against what those hyperparameters imply
 * (failing with the list of missing / unexpected / wrong-shape tensors), and
 * writes the inference tensors into a model builder: renamed to one canonical
 * scheme, with BatchNorm folded into the preceding convolution (or into a
 * per-channel affine where no convolution precedes it) and spectral norm
 * folded into the effective weight.
 *
 * Tensors that carry no inference information (BatchNorm num_batches_tracked,
 * the spectral-norm u/v after folding) are consumed, not copied. */
#ifndef OR_ARCH_H
#define OR_ARCH_H

#include "ckpt.h"
#include "../weights/model_builder.h"

typedef struct {
    const char *name;        /* architecture name written in the metadata, e.g. "rrdbnet" */
    const char *description; /* one line for --help / models listing */
    /* Return 1 if the state dict looks like this architecture (names only;
     * shapes are checked by convert). Must not fail or allocate. */
    int (*detect)(const ck_state_dict *sd);
    /* Check and convert. Sets architecture hyperparameters as metadata
     * (mb_meta_int / mb_meta_str) and adds the output tensors. */
    or_status (*convert)(const ck_state_dict *sd, or_model_builder *mb, or_err *err);
} or_arch;

/* All known architectures (arch_registry.c). */
int or_arch_count(void);
const or_arch *or_arch_at(int i);
const or_arch *or_arch_find(const char *name);
/* First architecture whose detect() accepts sd, or NULL. */
const or_arch *or_arch_detect(const ck_state_dict *sd);

/* ---- shared helpers (arch_common.c) -------------------------------------
 * The expectation list: an architecture converter declares every tensor it
 * expects with its shape, then arch_check() compares with the state dict and
 * reports everything that differs in one message:
 *   "rrdbnet: 2 missing (body.3.rdb1.conv1.weight [32,64,3,3], ...),
 *    1 unexpected (foo.bar [3]), 1 wrong shape (conv_first.weight: expected
 *    [64,3,3,3], got [64,12,3,3])"
 * Shapes are given with up to 4 dims; ndim counts them. */
typedef struct {
    char name[160];
    int ndim;
    int64_t shape[4];
} arch_expect_t;

typedef struct {
    arch_expect_t *e;
    int n, cap;
} arch_expect_list;

void arch_expect(arch_expect_list *l, const char *name, int ndim,
                 int64_t d0, int64_t d1, int64_t d2, int64_t d3);
/* Conveniences: conv weight [o,i,k,k] + bias [o]; bias may be omitted. */
void arch_expect_conv(arch_expect_list *l, const char *prefix, int64_t o, int64_t i,
                      int64_t kh, int64_t kw, int with_bias);
/* BatchNorm2d: weight, bias, running_mean, running_var [c], num_batches_tracked [] (optional). */
void arch_expect_bn(arch_expect_list *l, const char *prefix, int64_t c);
/* Spectral-norm conv: weight_orig [o,i,kh,kw], weight_u [o], weight_v [i*kh*kw], bias [o] optional. */
void arch_expect_sn_conv(arch_expect_list *l, const char *prefix, int64_t o, int64_t i,
                         int64_t kh, int64_t kw, int with_bias);
/* Compare; optional tensors (num_batches_tracked) may be absent. */
or_status arch_check(const char *arch, const ck_state_dict *sd, const arch_expect_list *l,
                     or_err *err);
void arch_expect_free(arch_expect_list *l);

/* Shape helpers: return -1 when the tensor is absent or the dim is out of range. */
int64_t arch_dim(const ck_state_dict *sd, const char *name, int dim);
int arch_has(const ck_state_dict *sd, const char *name);
/* Count consecutive indices i = start.. for which printf(fmt, i) names a tensor. */
int arch_count(const ck_state_dict *sd, const char *fmt, int start);

/* printf into buf (a tensor name built from a pattern); returns buf. */
const char *arch_fmt(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Copy a tensor unchanged into the builder under a new name. */
or_status arch_copy(const ck_state_dict *sd, or_model_builder *mb, const char *src,
                    const char *dst, or_err *err);

/* ---- folds (fold.c) ------------------------------------------------------
 * All folds compute in double and round once to float. */
/* conv (weight [o,...], bias [o] or NULL) followed by BatchNorm(eps):
 * w' = w * g/sqrt(v+eps), b' = (b - m) * g/sqrt(v+eps) + beta.
 * w_out [o*k], b_out [o] must be allocated by the caller. */
void fold_bn_into_conv(const float *w, const float *b, int64_t o, int64_t k,
                       const float *gamma, const float *beta, const float *mean,
                       const float *var, double eps, float *w_out, float *b_out);
/* BatchNorm alone as y = x*scale + shift. */
void fold_bn_affine(const float *gamma, const float *beta, const float *mean,
                    const float *var, int64_t c, double eps, float *scale, float *shift);
/* Spectral norm in eval mode, as torch.nn.utils.spectral_norm computes it
 * without power iteration: W_mat = weight_orig with dim `dim` moved first and
 * flattened to [rows, cols]; sigma = u . (W_mat v); weight = weight_orig / sigma.
 * dim is 0 for Conv/Linear, 1 for ConvTranspose. Returns sigma. */
double fold_spectral_norm(const float *weight_orig, int ndim, const int64_t *shape, int dim,
                          const float *u, const float *v, float *w_out);

/* Helpers that read the named tensors from sd and add the folded result to mb. */
or_status arch_fold_conv_bn(const ck_state_dict *sd, or_model_builder *mb, const char *conv,
                            const char *bn, const char *dst, double eps, or_err *err);
or_status arch_fold_bn_affine(const ck_state_dict *sd, or_model_builder *mb, const char *bn,
                              const char *dst, double eps, or_err *err);
or_status arch_fold_sn(const ck_state_dict *sd, or_model_builder *mb, const char *conv,
                       const char *dst, int dim, or_err *err);

#endif
