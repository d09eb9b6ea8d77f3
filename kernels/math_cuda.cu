// math_cuda.cu: the CUDA kernels of the "math" op family (runtime/ops_math.h).
#include "../runtime/backend_cuda.h"
#include "../runtime/ops_math.h"

extern "C" const struct or_ops_math or_ops_math_cuda = {};
