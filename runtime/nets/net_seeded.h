/* net_seeded.h: networks built from metadata alone, with deterministic random
 * weights (for the benchmark, where speed does not depend on the values, and
 * for tests that need a network of official size without its checkpoint).
 *
 * The metadata are exactly the keys a converter writes ("arch" plus the
 * hyperparameters, docs/converters/ (*.md)).  The weights are whatever the
 * network's own loader asks for: a discovery pass runs the loader with
 * weight reads recorded instead of performed (runtime/nets/net.c, or_netw_tensor), an
 * in-memory safetensors file is filled with seeded values for exactly those
 * names and shapes, and the normal loader builds the network from it.  So any
 * architecture whose loader reads its hyperparameters from the metadata only
 * works here without further code.
 *
 * Values (deterministic in (seed, tensor name), independent of load order):
 *   "*.weight" of 2+ dims      He-uniform U(-b, b), b = sqrt(6 / fan_in),
 *                              fan_in = product of dims 1.. (PyTorch's convention)
 *   "*.bias", "*.shift"        0
 *   "*.scale"                  1
 *   1-D "*.weight" (PReLU)     0.25
 *   anything else              U(-0.1, 0.1) */
#ifndef OR_NET_SEEDED_H
#define OR_NET_SEEDED_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stdint.h>

#include "net.h"
#include "net_discovery.h" /* or_net_weight_list */

/* meta: a JSON object ({"arch": "rrdbnet", "num_feat": 64, ...}, values strings
 * or numbers) or key=value pairs separated by spaces, tabs, newlines or ';'
 * ("arch=rrdbnet num_feat=64 ...").  The network's model_path reads
 * "seeded:<arch>:<seed>". */
or_status or_net_load_seeded(const char *meta, or_backend *be, or_dtype dtype, uint64_t seed,
                             or_net **out, or_err *err);

/* Run the discovery pass only (nothing is allocated on be). */
or_status or_net_seeded_weights(const char *meta, or_backend *be, or_dtype dtype,
                                or_net_weight_list *out, or_err *err);

/* The metadata of the official release of a registry model ("realesrgan-x4plus",
 * "deoldify-artistic", "rife-v4.6", ...) as key=value pairs, as the converter
 * writes them for the official checkpoint; NULL for an unknown name. */
const char *or_net_official_meta(const char *model_name);

#ifdef __cplusplus
}
#endif

#endif
