// pool_cuda.cu: the CUDA kernels of the "pool" op family (runtime/ops_pool.h).
#include "../runtime/backend_cuda.h"
#include "../runtime/ops_pool.h"

extern "C" const struct or_ops_pool or_ops_pool_cuda = {};
