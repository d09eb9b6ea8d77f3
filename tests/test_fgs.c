/* test_fgs.c: the fast global smoother (runtime/stages/fgs.c) against OpenCV's
 * cv2.ximgproc FastGlobalSmootherFilter (tests/fixtures/dex/fgs.bin, written by
 * make_dex_fixtures.py with opencv-contrib-python-headless): test.py's lambda 500,
 * sigma 4 (attenuation 0.25, 3 iterations) on odd sizes, one row, one column, a
 * guide with a flat region and edges; other parameters; lambda 0 (identity).
 * Tolerance: 2e-3 absolute on values in [-100, 100] (1e-5 relative): the same f32
 * recurrences, but OpenCV's SIMD paths group the denominator's terms differently
 * ((1 - (a + b)) - c vs (1 - a - b) - c) and its exp differs from expf by an
 * ulp; three iterations of forward and backward sweeps carry those roundings. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/stages/fgs.h"
#include "test_util.h"

#define FGS_TOL 2e-3

Test(fgs, matches_opencv)
{
    size_t len, off = 0;
    uint8_t *buf = tu_read_file(tu_src("tests/fixtures/dex/fgs.bin"), &len);
    cr_assert(buf, "tests/fixtures/dex/fgs.bin");
    int cases = 0;
    while (off + 24 <= len) {
        int32_t hw[3];
        float par[3];
        memcpy(hw, buf + off, 12);
        memcpy(par, buf + off + 12, 12);
        off += 24;
        int h = hw[0], w = hw[1], iters = hw[2];
        size_t px = (size_t)h * w;
        cr_assert(off + px * 9 <= len, "truncated fixture");
        const uint8_t *guide = buf + off;
        float *x = malloc(px * sizeof(float)), *ref = malloc(px * sizeof(float));
        memcpy(x, buf + off + px, px * 4);
        memcpy(ref, buf + off + px * 5, px * 4);
        off += px * 9;
        or_err err;
        cr_assert_eq(or_fgs_filter(guide, w, h, x, 1, par[0], par[1], par[2], iters, &err), OR_OK,
                     "%s", err.msg);
        double d = tu_max_abs_diff(x, ref, px);
        printf("fgs %dx%d lambda %g sigma %g att %g x%d: max abs diff %.3g\n", w, h,
               (double)par[0], (double)par[1], (double)par[2], iters, d);
        cr_expect_leq(d, FGS_TOL, "%dx%d: %g", w, h, d);
        free(x), free(ref);
        cases++;
    }
    cr_expect_eq(cases, 7);
    free(buf);
}

Test(fgs, smooths_within_regions_not_across_edges)
{
    /* a guide with two flat halves: the filter flattens noise inside each half and
     * keeps the step between them */
    enum { W = 40, H = 20 };
    uint8_t g[W * H];
    float x[W * H];
    tu_seed(3);
    for (int i = 0; i < W * H; i++) {
        g[i] = (i % W) < W / 2 ? 30 : 200;
        x[i] = ((i % W) < W / 2 ? -40.0f : 50.0f) + tu_uniform(-5, 5);
    }
    or_err err;
    cr_assert_eq(or_fgs_filter(g, W, H, x, 1, 500, 4, 0.25, 3, &err), OR_OK);
    for (int i = 0; i < W * H; i++) {
        float want = (i % W) < W / 2 ? -40.0f : 50.0f;
        cr_expect(fabsf(x[i] - want) < 1.5f, "pixel %d: %g, want about %g", i, (double)x[i],
                  (double)want);
    }
    cr_expect_neq(or_fgs_filter(g, 0, H, x, 1, 500, 4, 0.25, 3, &err), OR_OK);
}
