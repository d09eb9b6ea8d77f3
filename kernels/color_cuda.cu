// color_cuda.cu: the CUDA kernels of the "color" op family (runtime/ops_color.h).
#include "../runtime/backend_cuda.h"
#include "../runtime/ops_color.h"

extern "C" const struct or_ops_color or_ops_color_cuda = {};
