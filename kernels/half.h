/* half.h: IEEE half (binary16, stored as uint16_t) <-> float on the host, round
 * to nearest even (half.c).  Used by the CPU kernels' casts and, through
 * runtime/core/tensor.h, by the rest of the runtime. */
#ifndef OR_HALF_H
#define OR_HALF_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

uint16_t or_f32_to_f16(float f);
float or_f16_to_f32(uint16_t h);

#ifdef __cplusplus
}
#endif

#endif
