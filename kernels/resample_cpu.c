/* resample_cpu.c: the plain-C kernels of the "resample" op family (runtime/ops_resample.h). */
#include "../runtime/ops_resample.h"

const struct or_ops_resample or_ops_resample_cpu = {0};
