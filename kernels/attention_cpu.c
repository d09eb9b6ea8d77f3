/* attention_cpu.c: the plain-C kernels of the "attention" op family (runtime/ops_attention.h). */
#include "../runtime/ops_attention.h"

const struct or_ops_attention or_ops_attention_cpu = {0};
