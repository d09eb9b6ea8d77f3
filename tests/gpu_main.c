/* main() of the GPU test executables: without a usable CUDA device every test
 * is reported as skipped, with the count, and the process exits 77 so that
 * ctest lists it as "Skipped" (never as passed). */
#include <criterion/criterion.h>
#include <stdio.h>

#include "test_util.h"

int main(int argc, char *argv[])
{
    struct criterion_test_set *tests = criterion_initialize();
    if (!tu_have_cuda()) {
        printf("[SKIP] %zu GPU test(s) skipped: no CUDA device%s\n", tests->tests,
#ifdef OR_HAVE_CUDA
               ""
#else
               " (CPU-only build)"
#endif
        );
        criterion_finalize(tests);
        return 77;
    }
    int result = 0;
    if (criterion_handle_args(argc, argv, true))
        result = !criterion_run_all_tests(tests);
    criterion_finalize(tests);
    return result;
}
