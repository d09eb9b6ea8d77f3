/* pool_cpu.c: the plain-C kernels of the "pool" op family (runtime/ops_pool.h). */
#include "../runtime/ops_pool.h"

const struct or_ops_pool or_ops_pool_cpu = {0};
