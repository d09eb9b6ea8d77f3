// cuda_common.cuh: launch helpers shared by the CUDA kernel files.
#ifndef OR_CUDA_COMMON_CUH
#define OR_CUDA_COMMON_CUH

#include <cuda_runtime.h>

// Blocks of 256 threads for `count` elements, capped: the kernels grid-stride.
// At least one block: a launch of zero blocks is an error (an empty tensor is a
// no-op, not a failure).
static inline unsigned or_grid_for(size_t count)
{
    size_t blocks = (count + 255) / 256;
    if (blocks == 0)
        return 1;
    return (unsigned)(blocks > 65535u * 16u ? 65535u * 16u : blocks);
}

#define OR_GRID_STRIDE_LOOP(i, count)                                            \
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < (count); \
         i += (size_t)gridDim.x * blockDim.x)

#endif
