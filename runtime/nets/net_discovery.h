/* net_discovery.h: the seeded-weights discovery pass, shared by net.c (the
 * loader's weight reads) and net_seeded.c (which runs the pass); owned by
 * net_discovery.c, below both. */
#ifndef OR_NET_DISCOVERY_H
#define OR_NET_DISCOVERY_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stdint.h>

#include "weights/safetensors.h"

/* The weights a network of this metadata loads, in load order. */
typedef struct {
    char *name;
    int ndim;
    int64_t shape[4];
} or_net_weight_spec;

typedef struct or_net_weight_list {
    or_net_weight_spec *w;
    int n, cap;
    int complete;  /* the loader asked for every weight it needs */
} or_net_weight_list;

void or_net_weight_list_free(or_net_weight_list *l);

/* ---- seeded weights: the discovery pass (run by runtime/nets/net_seeded.c) ----------------------
 * While or_net_seeded_weights() runs a loader on the metadata-only file f,
 * or_net_discovery_of(f) is that pass's recorder: or_netw_init reserves
 * nothing, or_netw_tensor records each (name, shape) and hands back a tensor without
 * data, and or_net_finish_load destroys the network and returns the pass's
 * marker error.  Loaders must therefore only read weights while loading (no
 * ops on them).  NULL outside a discovery pass, and for any other file. */
typedef or_net_weight_list or_net_discovery;
or_net_discovery *or_net_discovery_of(const st_file *f);
/* Start / end the pass on f (or_net_seeded_weights, this thread only). */
void or_net_discovery_begin(const st_file *f, or_net_discovery *d);
void or_net_discovery_end(void);
or_status or_net_discovery_record(or_net_discovery *d, const char *name, int ndim,
                                  const int64_t *shape, or_err *err);
/* The loader asked for every weight: mark the list complete and return the
 * marker error that stops the constructor. */
or_status or_net_discovery_finish(or_net_discovery *d, const st_file *f, or_err *err);

#ifdef __cplusplus
}
#endif

#endif
