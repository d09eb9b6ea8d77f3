/* test_util.h: shared helpers for the Criterion tests. */
#ifndef OR_TEST_UTIL_H
#define OR_TEST_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Paths: OR_SOURCE_DIR/<rel>, OR_SHARED_DIR/<rel> (env OPRESTORE_SHARED overrides),
 * and a fresh temporary directory per process. Returned strings are static
 * buffers rotated over 8 slots. */
const char *tu_src(const char *rel);
const char *tu_shared(const char *rel);
const char *tu_tmpdir(void);
const char *tu_tmp(const char *name);

/* Deterministic random numbers (xorshift), uniform in [lo,hi). */
void tu_seed(uint64_t seed);
float tu_uniform(float lo, float hi);
void tu_fill_uniform(float *x, size_t n, float lo, float hi);

/* Max abs difference and PSNR (peak 1) between two float arrays. */
double tu_max_abs_diff(const float *a, const float *b, size_t n);
double tu_psnr(const float *a, const float *b, size_t n, double peak);
/* The fraction of pixels (planar, channels planes of `pixels` each) where any
 * channel differs by more than tight (NaN counts as off). */
double tu_frac_pixels_off(const float *a, const float *b, int channels, size_t pixels,
                          double tight);

/* Read a whole file into malloc'd memory; NULL on error. */
uint8_t *tu_read_file(const char *path, size_t *len);
int tu_write_file(const char *path, const void *buf, size_t len);

/* Fixtures.  tu_model: the checkpoint at path ckpt converted with the converter
 * API into a temporary model file, once per process and path (the returned path
 * stays valid); tu_model_ckpt(name) does it for tests/fixtures/ckpt/<name>. */
const char *tu_model(const char *ckpt);
const char *tu_model_ckpt(const char *name);
/* Sorted names of the .safetensors files in <repo>/<dir_rel> that start with
 * prefix ("" for all); at most max, each < 256 bytes. */
int tu_list_safetensors(const char *dir_rel, const char *prefix, char names[][256], int max);

/* 1 if a CUDA device is usable in this process. */
int tu_have_cuda(void);

#endif
