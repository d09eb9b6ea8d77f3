/* test_sr_published.c: ESRGAN's published PSNR of RRDB_PSNR_x4 reproduced by
 * the runtime (bench/sr_eval.c, compiled in) on the CPU: Set5 mean PSNR-Y,
 * crop 4, within 0.02 dB of 32.73 (README of xinntao/ESRGAN, commit 0411c8fd;
 * shared/testdata/README.md section 3).
 *
 * Only when shared/weights/RRDB_PSNR_x4.pth exists: without it main() reports
 * the test skipped and exits 77, which tests/CMakeLists.txt makes ctest list
 * as "Skipped" (never as passed).  Set5 only: RRDBNet costs ~36 MFLOP per LR
 * pixel, about 2 minutes for Set5 on a 2-core CPU and 10 more for Set14, which
 * bench/sr_eval.sh covers (it checks Set14's 28.99 as well). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <unistd.h>

#include "bench/sr_eval.h"
#include "runtime/core/backend.h"
#include "test_util.h"

#define CKPT "weights/RRDB_PSNR_x4.pth"
#define PUBLISHED_SET5 32.73
#define TOL 0.02 /* dB: the published figure has 2 decimals */

Test(sr_published, rrdb_psnr_x4_set5_reproduces_32_73_db, .timeout = 1800)
{
    or_err err;
    or_backend *be = NULL;
    or_net *net = NULL;
    cr_assert_eq(or_backend_cpu_create(0, &be, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_net_load(tu_model(tu_shared(CKPT)), be, OR_F32, &net, &err), OR_OK, "%s",
                 err.msg);
    static sr_eval_result r;
    cr_assert_eq(sr_eval_set(net, tu_shared("testdata/sr/Set5"), -1, 0, &r, &err), OR_OK, "%s",
                 err.msg);
    for (int i = 0; i < r.n; i++)
        cr_log_info("Set5/%s: %.4f dB (%.1f s)\n", r.rows[i].name, r.rows[i].psnr,
                    r.rows[i].sec);
    cr_log_info("Set5 mean: %.4f dB (published %.2f)\n", r.mean_psnr, PUBLISHED_SET5);
    cr_expect_eq(r.n, 5);
    cr_expect(fabs(r.mean_psnr - PUBLISHED_SET5) <= TOL,
              "RRDB_PSNR_x4 Set5 mean PSNR-Y %.4f dB, published %.2f dB (tolerance %.2f)",
              r.mean_psnr, PUBLISHED_SET5, TOL);
    or_net_free(net);
    or_backend_destroy(be);
}

int main(int argc, char *argv[])
{
    struct criterion_test_set *tests = criterion_initialize();
    const char *ckpt = tu_shared(CKPT);
    if (access(ckpt, R_OK) != 0) {
        printf("[SKIP] %zu test(s) skipped: %s not present (the published numbers need it)\n",
               tests->tests, ckpt);
        criterion_finalize(tests);
        return 77;
    }
    int result = 0;
    if (criterion_handle_args(argc, argv, true))
        result = !criterion_run_all_tests(tests);
    criterion_finalize(tests);
    return result;
}
