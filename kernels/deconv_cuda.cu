// deconv_cuda.cu: the CUDA kernels of the "deconv" op family (runtime/ops_deconv.h).
#include "../runtime/backend_cuda.h"
#include "../runtime/ops_deconv.h"

extern "C" const struct or_ops_deconv or_ops_deconv_cuda = {};
