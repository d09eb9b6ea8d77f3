/* net_internal.h: helpers shared by the network implementations (net_*.c):
 * metadata parsing, weight upload, arena planning and input checks.
 * Not part of the public interface (net.h). */
#ifndef OR_NET_INTERNAL_H
#define OR_NET_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "weights/safetensors.h"
#include "net.h"

/* Weights of one network: a single backend allocation (be->mem_alloc, not the
 * arena) carved into tensors, plus a pool for their names (error messages). */
typedef struct {
    or_backend *be;
    or_dtype dtype;          /* compute dtype of conv weights */
    or_layout layout;        /* conv weights: NCHW (OIHW) or NHWC (KRSC); from net->layout */
    const st_file *f;        /* only during loading */
    char *base;              /* backend memory */
    size_t size, off;
    char *names;             /* host copies of tensor names */
    size_t names_size, names_off;
    float *host;             /* staging (loading only) */
    size_t host_cap;
} or_net_weights;

/* Reserve backend memory for every tensor of f (an upper bound of what a
 * network can load from it). */
or_status or_netw_init(or_net_weights *w, const st_file *f, or_backend *be, or_dtype dtype,
                       or_err *err);
/* Drop the staging buffer and the file reference (after the last load). */
void or_netw_done_loading(or_net_weights *w);
void or_netw_free(or_net_weights *w);

/* "<prefix>.weight" [co,ci,k,k] in the compute dtype and the weights' layout
 * (NHWC: permuted to KRSC on the host) and "<prefix>.bias" [co] as f32
 * [1,co,1,1]. Shapes are checked with st_expect. */
or_status or_netw_conv(or_net_weights *w, const char *prefix, int co, int ci, int k,
                       or_tensor *wt, or_tensor *b, or_err *err);
/* Any weight: `name` must have the ndim/shape given (checked with st_expect); it
 * is read as f32, stored as dtype dt with tensor shape [n,c,h,wd] in the weight
 * block and uploaded.  In a seeded-weights discovery pass it is only recorded
 * (the tensor gets its shape but no data). */
or_status or_netw_tensor(or_net_weights *w, const char *name, int ndim, const int64_t *shape,
                         or_dtype dt, int n, int c, int h, int wd, or_tensor *t, or_err *err);
/* A scalar weight `name` of shape [1]: uploaded as f32 [1,1,1,1] into *t and its
 * value returned in *v (0 in a discovery pass). */
or_status or_netw_scalar(or_net_weights *w, const char *name, or_tensor *t, float *v,
                         or_err *err);
/* A transposed convolution: "<prefix>.weight" [ci,co,k,k] (PyTorch's
 * ConvTranspose2d layout) in the compute dtype and "<prefix>.bias" [co] as f32. */
or_status or_netw_deconv(or_net_weights *w, const char *prefix, int ci, int co, int k,
                         or_tensor *wt, or_tensor *b, or_err *err);
/* A per-channel vector `name` [c] (bias, PReLU slopes) as f32 [1,c,1,1]. */
or_status or_netw_vec(or_net_weights *w, const char *name, int c, or_tensor *t, or_err *err);

/* Metadata: an integer in [lo,hi] / a string. Errors name the file and key. */
or_status or_net_meta_int(const st_file *f, const char *key, int lo, int hi, int *out,
                          or_err *err);
or_status or_net_meta_str(const st_file *f, const char *key, const char **out, or_err *err);

/* Fill the common fields of net (everything but forward/workspace/destroy/impl). */
void or_net_init_common(or_net *net, const char *arch, const char *path, or_backend *be,
                        or_dtype dtype, int in_ch, int out_ch, int scale, int size_multiple);

/* The end of every network constructor: reserve the weight memory w, run
 * load(net->impl) to read every weight, drop the staging buffers; on failure
 * net->destroy(net) and the error. On success *out = net. */
or_status or_net_finish_load(or_net *net, or_net_weights *w, const st_file *f,
                             or_status (*load)(void *impl, or_err *err), or_net **out,
                             or_err *err);

/* Check x [1,in_ch,H,W] and y [1,out_ch,H*s,W*s] (dtype, backend, H and W
 * multiples of size_multiple). */
or_status or_net_check_io(const or_net *net, const or_tensor *x, const or_tensor *y, or_err *err);

/* The body of a forward(): check x and y, run(net->impl, x, y) with the arena
 * given back afterwards, errors prefixed with the model path. */
or_status or_net_forward_scoped(or_net *net, const or_tensor *x, or_tensor *y,
                                or_status (*run)(void *impl, const or_tensor *x, or_tensor *y,
                                                 or_err *err),
                                or_err *err);

/* A tensor at byte offset `off` of an arena block (no allocation), NCHW /
 * in layout l (packed). */
or_tensor or_net_view(void *block, size_t off, int c, int h, int w, or_dtype dt, or_backend *be,
                      const char *name);
or_tensor or_net_view_l(void *block, size_t off, int c, int h, int w, or_dtype dt, or_layout l,
                        or_backend *be, const char *name);

/* Bytes of an activation [1,c,h,w], rounded up to the arena alignment. */
size_t or_net_act_bytes(int c, int h, int w, or_dtype dt);

/* Upper bound of the CPU convolution scratch of a 3x3 conv with ci input channels
 * and output width wo (the 64 MiB budget, or one output row if larger). */
size_t or_net_conv_scratch_bound(int ci, int wo);

/* or_net_load on an open model file (f stays owned by the caller: the network
 * keeps no reference to it); 1 when arch has a network constructor. */
or_status or_net_load_st(const st_file *f, or_backend *be, or_dtype dtype, or_net **out,
                         or_err *err);
int or_net_arch_known(const char *arch);

/* Network constructors (net_rrdbnet.c, net_srvgg.c); f stays owned by the caller. */
or_status or_net_rrdbnet_load(const st_file *f, or_backend *be, or_dtype dtype, or_net **out,
                              or_err *err);
or_status or_net_srvgg_load(const st_file *f, or_backend *be, or_dtype dtype, or_net **out,
                            or_err *err);
/* net_zhang.c ("siggraph17", "eccv16"), net_deoldify.c, net_rife.c, net_dain.c.
 * Hyperparameters come from the metadata only (never from probing which tensors
 * exist), so that a network can also be built with seeded weights. */
or_status or_net_zhang_load(const st_file *f, or_backend *be, or_dtype dtype, or_net **out,
                            or_err *err);
or_status or_net_deoldify_load(const st_file *f, or_backend *be, or_dtype dtype, or_net **out,
                               or_err *err);
or_status or_net_rife_load(const st_file *f, or_backend *be, or_dtype dtype, or_net **out,
                           or_err *err);
or_status or_net_dex_load(const st_file *f, or_backend *be, or_dtype dtype, or_net **out,
                          or_err *err);
or_status or_net_dain_load(const st_file *f, or_backend *be, or_dtype dtype, or_net **out,
                           or_err *err);

/* ---- seeded weights: the discovery pass (net_discovery.h) ---- */
#include "net_discovery.h"

#endif
