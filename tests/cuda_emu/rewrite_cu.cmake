# rewrite_cu.cmake: turn one project .cu file into a C++17 file for the CUDA
# emulator (cmake -DSRC=<file.cu> -DDST=<file.cpp> -P rewrite_cu.cmake).
#
#   name<<<grid, block, shmem, stream>>>(args)   (name may carry <template args>)
# becomes
#   ::or_emu::launcher(OR_EMU_FIBERS, __FILE__, __LINE__, grid, block, shmem, stream)(
#       [](auto &&...or_emu_a) { name(or_emu_a...); })(args)
# on the same line (a generic lambda: template kernels are deduced as nvcc does),
# after a `#line 1 "<file.cu>"` so that diagnostics and __FILE__/__LINE__ name the
# source.  The launch mode is chosen per file: a file that mentions __syncthreads
# or __shfl runs the threads of each block on cooperative fibers
# (OR_EMU_FIBERS true), any other file runs them one after another.
if(NOT SRC OR NOT DST)
  message(FATAL_ERROR "usage: cmake -DSRC=file.cu -DDST=file.cpp -P rewrite_cu.cmake")
endif()
file(READ "${SRC}" text)
set(fibers false)
if(text MATCHES "__syncthreads|__shfl")
  set(fibers true)
endif()
string(REGEX REPLACE
  "([A-Za-z_][A-Za-z0-9_:]*(<[^<>;]*>)?)[ \t]*<<<([^;]*)>>>[ \t]*\\("
  "::or_emu::launcher(OR_EMU_FIBERS, __FILE__, __LINE__, \\3)([](auto &&...or_emu_a) { \\1(or_emu_a...); })("
  text "${text}")
if(text MATCHES "<<<|>>>")
  message(FATAL_ERROR "${SRC}: a kernel launch the rewrite did not understand is left")
endif()
set(out "// Generated from ${SRC} by tests/cuda_emu/rewrite_cu.cmake: do not edit.\n")
string(APPEND out "#define OR_EMU_FIBERS ${fibers}\n")
string(APPEND out "#include \"or_emu_prelude.h\"\n")
string(APPEND out "#line 1 \"${SRC}\"\n")
string(APPEND out "${text}")
file(WRITE "${DST}.tmp" "${out}")
file(COPY_FILE "${DST}.tmp" "${DST}" ONLY_IF_DIFFERENT)
file(REMOVE "${DST}.tmp")
