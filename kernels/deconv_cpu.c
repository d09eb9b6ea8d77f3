/* deconv_cpu.c: the plain-C kernels of the "deconv" op family (runtime/ops_deconv.h). */
#include "../runtime/ops_deconv.h"

const struct or_ops_deconv or_ops_deconv_cpu = {0};
