/* cublas_lazy.h: why libcublas could not be loaded on first use (cublas_lazy.c),
 * or NULL when it was (or was never asked for). The CUDA emulator defines it to
 * return NULL: it has no library to load. */
#ifndef OR_CUBLAS_LAZY_H
#define OR_CUBLAS_LAZY_H

#ifdef __cplusplus
extern "C" {
#endif
const char *or_cublas_lazy_error(void);
#ifdef __cplusplus
}
#endif

#endif
