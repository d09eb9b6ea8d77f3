// resample_cuda.cu: the CUDA kernels of the "resample" op family (runtime/ops_resample.h).
#include "../runtime/backend_cuda.h"
#include "../runtime/ops_resample.h"

extern "C" const struct or_ops_resample or_ops_resample_cuda = {};
