/* simd_cpu.h: what the vectorised CPU kernels share: the run-time clones (AVX-512, AVX2 + FMA,
 * baseline x86-64, chosen by the CPU at load) and vectors of 8 floats as GCC/clang vector
 * extensions (an AVX register in the AVX clones, two SSE registers in the baseline). */
#ifndef OR_SIMD_CPU_H
#define OR_SIMD_CPU_H

#define CPU_INLINE static inline __attribute__((always_inline))
#define CPU_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

typedef float v8 __attribute__((vector_size(32)));
typedef int v8i __attribute__((vector_size(32)));

/* Unaligned loads and stores as expressions: no v8 passes through a call, which clang refuses in
 * the clone built without AVX. v8_set1 takes a plain variable (evaluated 8 times). */
typedef float v8u __attribute__((vector_size(32), aligned(4), may_alias));
#define v8_load(p) (*(const v8u *)(p))
#define v8_store(p, a) (*(v8u *)(p) = (a))
#define v8_set1(f) ((v8){f, f, f, f, f, f, f, f})

#endif
