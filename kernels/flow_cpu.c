/* flow_cpu.c: the plain-C kernels of the "flow" op family (runtime/ops_flow.h). */
#include "../runtime/ops_flow.h"

const struct or_ops_flow or_ops_flow_cpu = {0};
