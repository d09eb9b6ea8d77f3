// attention_cuda.cu: the CUDA kernels of the "attention" op family (runtime/ops_attention.h).
#include "../runtime/backend_cuda.h"
#include "../runtime/ops_attention.h"

extern "C" const struct or_ops_attention or_ops_attention_cuda = {};
