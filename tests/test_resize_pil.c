/* test_resize_pil.c: runtime/io/resize_pil.c against Pillow's Image.resize
 * (tests/fixtures/zhang/resize_pil.bin, written by make_zhang_fixtures.py with
 * Pillow 9.4): 8-bit images bit-exact; float ('F') images within 1e-6 (the same
 * double sums in the same order: equal unless a compiler contracts to FMA). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/io/resize_pil.h"
#include "test_util.h"

Test(resize_pil, equals_pillow)
{
    size_t len, off = 0;
    uint8_t *buf = tu_read_file(tu_src("tests/fixtures/zhang/resize_pil.bin"), &len);
    cr_assert(buf, "tests/fixtures/zhang/resize_pil.bin missing");
    int cases = 0, u8_cases = 0;
    while (off + 28 <= len) {
        int32_t h[7];
        memcpy(h, buf + off, sizeof h);
        off += sizeof h;
        int filt = h[0], planes = h[1], sw = h[2], sh = h[3], dw = h[4], dh = h[5];
        size_t es = h[6] ? 4 : 1, ns = (size_t)planes * sw * sh, nd = (size_t)planes * dw * dh;
        cr_assert_leq(off + (ns + nd) * es, len, "truncated fixture");
        const uint8_t *src = buf + off, *want = src + ns * es;
        off += (ns + nd) * es;
        void *got = malloc(nd * es);
        or_err err;
        if (h[6]) {
            float *s = malloc(ns * 4), *w = malloc(nd * 4);
            memcpy(s, src, ns * 4), memcpy(w, want, nd * 4);
            cr_assert_eq(or_resize_pil_f32(s, sw, sh, planes, got, dw, dh, filt, &err), OR_OK,
                         "%s", err.msg);
            double d = tu_max_abs_diff(got, w, nd);
            cr_expect_leq(d, 1e-6, "%s f32 %dx%d -> %dx%d: max abs diff %g",
                          or_pil_filter_name(filt), sw, sh, dw, dh, d);
            free(s), free(w);
        } else {
            cr_assert_eq(or_resize_pil_u8(src, sw, sh, planes, got, dw, dh, filt, &err), OR_OK,
                         "%s", err.msg);
            size_t bad = 0;
            for (size_t i = 0; i < nd; i++)
                bad += ((uint8_t *)got)[i] != want[i];
            cr_expect_eq(bad, 0, "%s u8 %dx%dx%d -> %dx%d: %zu of %zu values differ",
                         or_pil_filter_name(filt), sw, sh, planes, dw, dh, bad, nd);
            u8_cases++;
        }
        free(got);
        cases++;
    }
    cr_expect_eq(off, len);
    cr_expect_geq(u8_cases, 10, "fixture has %d 8-bit cases", u8_cases);
    cr_expect_geq(cases, 19);
    free(buf);
}

Test(resize_pil, same_size_copies_and_errors)
{
    uint8_t a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {0};
    or_err err;
    cr_assert_eq(or_resize_pil_u8(a, 3, 2, 1, b, 3, 2, OR_PIL_BICUBIC, &err), OR_OK);
    cr_expect_arr_eq(a, b, 6);
    cr_expect_eq(or_resize_pil_u8(a, 3, 2, 1, b, 0, 2, OR_PIL_BICUBIC, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "3x2 -> 0x2"), "%s", err.msg);
    cr_expect_eq(or_resize_pil_u8(a, 3, 2, 1, b, 2, 2, (or_pil_filter)0, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "filter"), "%s", err.msg);
}

Test(resize_pil, planes_u8_round_trip)
{
    float x[5] = {0.f, 1.f, 0.5f, -0.2f, 1.7f}, back[5];
    uint8_t u[5];
    or_planes_to_u8(x, 5, u);
    cr_expect(u[0] == 0 && u[1] == 255 && u[2] == 128 && u[3] == 0 && u[4] == 255);
    or_u8_to_planes(u, 5, back);
    cr_expect_float_eq(back[2], 128 / 255.0f, 1e-7);
}
