// flow_cuda.cu: the CUDA kernels of the "flow" op family (runtime/ops_flow.h).
#include "../runtime/backend_cuda.h"
#include "../runtime/ops_flow.h"

extern "C" const struct or_ops_flow or_ops_flow_cuda = {};
