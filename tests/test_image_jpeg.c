/* test_image_jpeg.c: JPEG reading (gray, colour, progressive; CMYK/YCCK refused), JPEG
 * writing, and the real photographs of ../shared/testdata (skipped when absent). */
#include "test_image_helpers.h"

static void check_jpeg(int w, int h, int ncomp, J_COLOR_SPACE jpeg_cs, int progressive,
                       or_image_src_color want_src, double min_psnr)
{
    uint8_t *pix = smooth_pixels(w, h, ncomp);
    membuf jpg = make_jpeg(pix, w, h, ncomp, ncomp == 1 ? JCS_GRAYSCALE : JCS_RGB, jpeg_cs,
                           progressive, 95);
    or_image img;
    or_err err = {0};
    cr_assert_eq(or_image_read_mem(jpg.data, jpg.len, "t.jpg", NULL, &img, &err), OR_OK, "%s",
                 err.msg);
    cr_assert_eq(img.width, w);
    cr_assert_eq(img.height, h);
    cr_assert_eq(img.channels, ncomp);
    cr_assert_null(img.alpha);
    cr_assert_eq(img.src_format, OR_IMAGE_FMT_JPEG);
    cr_assert_eq(img.src_color, want_src, "got %s", or_image_src_color_name(img.src_color));
    cr_assert_eq(img.src_bit_depth, 8);
    cr_assert_eq(img.src_interlaced, progressive);
    float *ref = to_planes(pix, w, h, ncomp);
    double psnr = tu_psnr(img.planes, ref, (size_t)w * h * ncomp, 1.0);
    cr_assert_geq(psnr, min_psnr, "%dx%d ncomp %d progressive %d: PSNR %.1f dB", w, h, ncomp,
                  progressive, psnr);
    free(ref);
    free(pix);
    free(jpg.data);
    or_image_free(&img);
}

Test(image, jpeg_gray_colour_progressive)
{
    static const int sizes[][2] = {{1, 1}, {17, 23}, {160, 120}};
    for (int z = 0; z < 3; z++) {
        int w = sizes[z][0], h = sizes[z][1];
        double min_psnr = w == 1 ? 30.0 : 36.0;
        check_jpeg(w, h, 1, JCS_UNKNOWN, 0, OR_IMAGE_SRC_JPEG_GRAY, min_psnr);
        check_jpeg(w, h, 1, JCS_UNKNOWN, 1, OR_IMAGE_SRC_JPEG_GRAY, min_psnr);
        check_jpeg(w, h, 3, JCS_UNKNOWN, 0, OR_IMAGE_SRC_JPEG_YCBCR, min_psnr - 4);
        check_jpeg(w, h, 3, JCS_UNKNOWN, 1, OR_IMAGE_SRC_JPEG_YCBCR, min_psnr - 4);
        check_jpeg(w, h, 3, JCS_RGB, 0, OR_IMAGE_SRC_JPEG_RGB, min_psnr - 4);
    }
}

Test(image, jpeg_write_round_trip)
{
    for (int ch = 1; ch <= 3; ch += 2) {
        or_image img, back;
        or_err err = {0};
        uint8_t *pix = smooth_pixels(61, 47, ch);
        float *ref = to_planes(pix, 61, 47, ch);
        cr_assert_eq(or_image_alloc(&img, 61, 47, ch, 1, &err), OR_OK); /* alpha is dropped */
        memcpy(img.planes, ref, (size_t)61 * 47 * ch * sizeof(float));
        const char *path = tu_tmp(ch == 1 ? "w1.jpg" : "w3.jpg");
        for (int q = 70; q <= 95; q += 25) {
            cr_assert_eq(or_image_write_jpeg(path, &img, q, &err), OR_OK, "%s", err.msg);
            cr_assert_eq(or_image_read(path, NULL, &back, &err), OR_OK, "%s", err.msg);
            cr_assert_eq(back.channels, ch, "gray must stay gray");
            cr_assert_eq(back.src_color, ch == 1 ? OR_IMAGE_SRC_JPEG_GRAY : OR_IMAGE_SRC_JPEG_YCBCR);
            cr_assert_null(back.alpha);
            double psnr = tu_psnr(back.planes, ref, (size_t)61 * 47 * ch, 1.0);
            cr_assert_geq(psnr, q == 95 ? 38.0 : 30.0, "q %d ch %d: PSNR %.1f", q, ch, psnr);
            or_image_free(&back);
        }
        free(pix);
        free(ref);
        or_image_free(&img);
    }
}

Test(image, jpeg_cmyk_and_ycck_refused)
{
    uint8_t *pix = smooth_pixels(16, 16, 4);
    for (int ycck = 0; ycck <= 1; ycck++) {
        membuf jpg = make_jpeg(pix, 16, 16, 4, JCS_CMYK, ycck ? JCS_YCCK : JCS_UNKNOWN, 0, 90);
        or_image img;
        or_err err = {0};
        or_status s = or_image_read_mem(jpg.data, jpg.len, "cmyk.jpg", NULL, &img, &err);
        assert_clean_error(s, &err, "cmyk.jpg", &img);
        cr_assert_eq(s, OR_EUNSUPPORTED);
        cr_assert_str_eq(err.msg, "cmyk.jpg: CMYK JPEG is not supported (convert it to RGB first)");
        free(jpg.data);
    }
    free(pix);
}


/* ---- real photographs ----------------------------------------------------------------- */

static void check_real(const char *file, int w, int h, int channels, or_image_format fmt)
{
    char rel[256];
    snprintf(rel, sizeof rel, "testdata/bw_photos/%s", file);
    const char *path = tu_shared(rel);
    if (!file_exists(path))
        cr_skip_test("%s not found (set OPRESTORE_SHARED to the folder holding testdata/)",
                     path);
    or_image img, back;
    or_err err = {0};
    cr_assert_eq(or_image_read(path, NULL, &img, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(img.width, w, "%s: width %d", file, img.width);
    cr_assert_eq(img.height, h, "%s: height %d", file, img.height);
    if (channels)
        cr_assert_eq(img.channels, channels, "%s: channels %d", file, img.channels);
    cr_assert_eq(img.src_format, fmt);
    size_t n = (size_t)w * h * img.channels;
    for (size_t i = 0; i < n; i++)
        cr_assert(img.planes[i] >= 0.0f && img.planes[i] <= 1.0f);
    /* Through our PNG writer and back: exact. */
    const char *out = tu_tmp("real.png");
    int depth = img.src_format == OR_IMAGE_FMT_PNG && img.src_bit_depth == 16 ? 16 : 8;
    cr_assert_eq(or_image_write_png(out, &img, depth, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_image_read(out, NULL, &back, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(memcmp(back.planes, img.planes, n * sizeof(float)), 0, "%s: round trip", file);
    cr_assert_eq(back.gray_as_rgb, img.gray_as_rgb);
    or_image_free(&back);
    or_image_free(&img);
}

Test(image, real_evelyn_nesbit_gray_jpeg)
{
    check_real("Evelyn_Nesbit.jpg", 1200, 1566, 1, OR_IMAGE_FMT_JPEG);
}

Test(image, real_1870_girl_rgb_jpeg)
{
    check_real("1870Girl.jpg", 640, 875, 3, OR_IMAGE_FMT_JPEG);
}

Test(image, real_1890s_med_students_png)
{
    check_real("1890sMedStudents.png", 591, 495, 0, OR_IMAGE_FMT_PNG);
}

