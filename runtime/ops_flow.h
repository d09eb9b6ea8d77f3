/* ops_flow.h: DAIN's optical-flow layers (family "flow"; kernels/flow_cpu.c,
 * kernels/flow_cuda.cu): correlation, depth-aware flow projection, filter
 * interpolation.  (Declarations and table to be filled by the DAIN work.) */
#ifndef OR_OPS_FLOW_H
#define OR_OPS_FLOW_H

#ifdef __cplusplus
extern "C" {
#endif

#include "backend.h"

struct or_ops_flow {
    int reserved; /* replaced by the op slots */
};

#ifdef __cplusplus
}
#endif

#endif
