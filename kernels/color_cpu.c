/* color_cpu.c: the plain-C kernels of the "color" op family (runtime/ops_color.h). */
#include "../runtime/ops_color.h"

const struct or_ops_color or_ops_color_cpu = {0};
