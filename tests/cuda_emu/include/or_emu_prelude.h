// or_emu_prelude.h: included first by every .cu file rewritten for the CUDA
// emulator (rewrite_cu.cmake).  nvcc defines __CUDACC__ and includes
// cuda_runtime.h implicitly; so does this (host-side code paths, no __CUDA_ARCH__:
// device and host code are one compilation here).
#ifndef OR_EMU_PRELUDE_H
#define OR_EMU_PRELUDE_H

#define __CUDACC__ 1
#include "cuda_runtime.h"

#endif
