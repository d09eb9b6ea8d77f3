/* gpu_test.h: the setup every CUDA test suite shares (tests/test_gpu_*.c, built
 * with gpu_main.c, which reports every test skipped without a device).
 *
 *   GT_CUDA_FIXTURE(be)                 static or_backend *be: CUDA device 0
 *   GT_CUDA_CPU_FIXTURE(gpu, cpu, thr)  and a CPU backend with thr threads
 *                                       (0: all), for comparisons against it
 *
 * Each defines gt_open / gt_close for the suite:
 *   TestSuite(ops_cuda, .init = gt_open, .fini = gt_close); */
#ifndef OR_GPU_TEST_H
#define OR_GPU_TEST_H

#include <criterion/criterion.h>

#include "runtime/core/backend.h"
#include "test_util.h"

/* Open CUDA device 0 into *gpu (skip the test without a device) and, when cpu
 * is not NULL, a CPU backend with cpu_threads threads into *cpu. */
static inline void gt_open_backends(or_backend **gpu, or_backend **cpu, int cpu_threads)
{
    or_err err;
    if (!tu_have_cuda())
        cr_skip_test("no CUDA device");
    cr_assert_eq(or_backend_cuda_create(0, gpu, &err), OR_OK, "%s", err.msg);
    if (cpu)
        cr_assert_eq(or_backend_cpu_create(cpu_threads, cpu, &err), OR_OK, "%s", err.msg);
}

static inline void gt_close_backend(or_backend **be)
{
    if (*be)
        or_backend_destroy(*be);
    *be = NULL;
}

#define GT_CUDA_FIXTURE(gpu)                                                                  \
    static or_backend *gpu;                                                                   \
    static void gt_open(void) { gt_open_backends(&gpu, NULL, 0); }                            \
    static void gt_close(void) { gt_close_backend(&gpu); }

#define GT_CUDA_CPU_FIXTURE(gpu, cpu, cpu_threads)                                            \
    static or_backend *gpu, *cpu;                                                             \
    static void gt_open(void) { gt_open_backends(&gpu, &cpu, cpu_threads); }                  \
    static void gt_close(void)                                                                \
    {                                                                                         \
        gt_close_backend(&gpu);                                                               \
        gt_close_backend(&cpu);                                                               \
    }

#endif
