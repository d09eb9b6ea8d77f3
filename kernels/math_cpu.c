/* math_cpu.c: the plain-C kernels of the "math" op family (runtime/ops_math.h). */
#include "../runtime/ops_math.h"

const struct or_ops_math or_ops_math_cpu = {0};
