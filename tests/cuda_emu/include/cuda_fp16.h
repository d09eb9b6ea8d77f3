// cuda_fp16.h: the CUDA emulator's __half (tests/cuda_emu): IEEE binary16 storage
// and the two conversions oprestore uses, in software, bit-exact: round to nearest
// even, subnormals, infinities; NaN becomes the canonical 0x7fff as on the device.
#ifndef OR_EMU_CUDA_FP16_H
#define OR_EMU_CUDA_FP16_H

#include <string.h>

#include "cuda_runtime.h"

struct __half {
    unsigned short __x;
};

static inline __half __float2half_rn(float f)
{
    unsigned x;
    memcpy(&x, &f, sizeof x);
    unsigned short sign = (unsigned short)((x >> 16) & 0x8000u);
    unsigned ax = x & 0x7fffffffu;
    __half h;
    if (ax > 0x7f800000u) { // NaN
        h.__x = 0x7fffu;
    } else if (ax >= 0x477ff000u) { // >= 65520 (incl. inf): rounds to infinity
        h.__x = (unsigned short)(sign | 0x7c00u);
    } else if (ax >= 0x38800000u) { // normal half (>= 2^-14)
        unsigned r = (ax - 0x38000000u) >> 13, rem = ax & 0x1fffu;
        if (rem > 0x1000u || (rem == 0x1000u && (r & 1u)))
            r++;
        h.__x = (unsigned short)(sign | r);
    } else if (ax <= 0x33000000u) { // <= 2^-25: rounds to zero (the tie goes to even 0)
        h.__x = sign;
    } else { // subnormal half, in units of 2^-24
        unsigned e = ax >> 23, m = (ax & 0x7fffffu) | 0x800000u, shift = 126u - e;
        unsigned r = m >> shift, rem = m & ((1u << shift) - 1u), half = 1u << (shift - 1u);
        if (rem > half || (rem == half && (r & 1u)))
            r++;
        h.__x = (unsigned short)(sign | r);
    }
    return h;
}

static inline float __half2float(__half h)
{
    unsigned sign = (unsigned)(h.__x & 0x8000u) << 16, e = (h.__x >> 10) & 0x1fu,
             m = h.__x & 0x3ffu, x;
    if (e == 0) {
        float v = (float)m * 5.9604644775390625e-8f; // m * 2^-24, exact
        return sign ? -v : v;
    }
    if (e == 31)
        x = sign | 0x7f800000u | (m << 13);
    else
        x = sign | ((e + 112u) << 23) | (m << 13);
    float f;
    memcpy(&f, &x, sizeof f);
    return f;
}

#endif
