/* test_image_png.c: PNG reading (every bit depth x colour type, palette, tRNS,
 * interlace, ancillary chunks), PNG writing (exact round trips, clamping and
 * rounding) and the image conversions (runtime/io/image.h). */
#include "test_image_helpers.h"

/* What the reader must return for one raw sample of the file. */
static float expect_sample(unsigned v, int depth)
{
    if (depth == 16)
        return (float)v / 65535.0f;
    return (float)(v * (255u / ((1u << depth) - 1))) / 255.0f;
}

static or_image_src_color expect_src_color(const png_case *pc)
{
    switch (pc->color_type) {
    case PNG_COLOR_TYPE_GRAY: return OR_IMAGE_SRC_GRAY;
    case PNG_COLOR_TYPE_GRAY_ALPHA: return OR_IMAGE_SRC_GRAY_ALPHA;
    case PNG_COLOR_TYPE_RGB: return OR_IMAGE_SRC_RGB;
    case PNG_COLOR_TYPE_RGB_ALPHA: return OR_IMAGE_SRC_RGBA;
    default: return pc->trns ? OR_IMAGE_SRC_PALETTE_TRNS : OR_IMAGE_SRC_PALETTE;
    }
}

/* Expected colour c and alpha of pixel i. */
static float expect_color(const png_made *m, size_t i, int c)
{
    const unsigned *p = m->raw + i * m->nch;
    if (m->pc.color_type == PNG_COLOR_TYPE_PALETTE) {
        const png_color *e = &m->pal[p[0]];
        return (c == 0 ? e->red : c == 1 ? e->green : e->blue) / 255.0f;
    }
    return expect_sample(p[c], m->pc.depth);
}

static float expect_alpha(const png_made *m, size_t i)
{
    const unsigned *p = m->raw + i * m->nch;
    switch (m->pc.color_type) {
    case PNG_COLOR_TYPE_GRAY_ALPHA: return expect_sample(p[1], m->pc.depth);
    case PNG_COLOR_TYPE_RGB_ALPHA: return expect_sample(p[3], m->pc.depth);
    case PNG_COLOR_TYPE_PALETTE: return (int)p[0] < m->ntrans ? m->trans[p[0]] / 255.0f : 1.0f;
    case PNG_COLOR_TYPE_GRAY: return p[0] == m->key.gray ? 0.0f : 1.0f;
    default:
        return p[0] == m->key.red && p[1] == m->key.green && p[2] == m->key.blue ? 0.0f : 1.0f;
    }
}

static void check_png_case(png_case pc)
{
    png_made m;
    make_png(&m, pc);
    char name[96];
    snprintf(name, sizeof name, "%dx%d depth %d type %d%s%s.png", pc.w, pc.h, pc.depth,
             pc.color_type, pc.interlace ? " adam7" : "", pc.trns ? " tRNS" : "");
    or_image img;
    or_err err = {0};
    or_status s = or_image_read_mem(m.file.data, m.file.len, name, NULL, &img, &err);
    cr_assert_eq(s, OR_OK, "%s: %s", name, err.msg);

    int colour = pc.color_type & PNG_COLOR_MASK_COLOR ? 3 : 1;
    int has_alpha = (pc.color_type & PNG_COLOR_MASK_ALPHA) || pc.trns;
    cr_assert_eq(img.width, pc.w, "%s", name);
    cr_assert_eq(img.height, pc.h, "%s", name);
    cr_assert_eq(img.channels, colour, "%s", name);
    cr_assert_eq(img.alpha != NULL, has_alpha, "%s: alpha plane", name);
    cr_assert_eq(img.src_format, OR_IMAGE_FMT_PNG);
    cr_assert_eq(img.src_color, expect_src_color(&pc), "%s: src colour %s", name,
                 or_image_src_color_name(img.src_color));
    cr_assert_eq(img.src_bit_depth, pc.depth, "%s", name);
    cr_assert_eq(img.src_interlaced, pc.interlace, "%s", name);
    cr_assert_eq(img.src_color_key, pc.trns && pc.color_type != PNG_COLOR_TYPE_PALETTE, "%s",
                 name);

    size_t npix = (size_t)pc.w * pc.h;
    int all_gray = 1;
    for (size_t i = 0; i < npix; i++) {
        for (int c = 0; c < colour; c++) {
            float want = expect_color(&m, i, c), got = or_image_plane(&img, c)[i];
            cr_assert_eq(got, want, "%s: pixel %zu channel %d: got %.9g want %.9g", name, i, c,
                         got, want);
        }
        if (colour == 3)
            all_gray &= expect_color(&m, i, 0) == expect_color(&m, i, 1) &&
                        expect_color(&m, i, 1) == expect_color(&m, i, 2);
        if (has_alpha)
            cr_assert_eq(img.alpha[i], expect_alpha(&m, i), "%s: alpha of pixel %zu", name, i);
    }
    cr_assert_eq(img.gray_as_rgb, colour == 3 && all_gray, "%s: gray_as_rgb", name);
    or_image_free(&img);
    png_made_free(&m);
}

Test(image, png_every_depth_and_colour_type)
{
    static const struct {
        int color_type, depths[5], trns_ok;
    } kinds[] = {
        {PNG_COLOR_TYPE_GRAY, {1, 2, 4, 8, 16}, 1},
        {PNG_COLOR_TYPE_GRAY_ALPHA, {8, 16}, 0},
        {PNG_COLOR_TYPE_RGB, {8, 16}, 1},
        {PNG_COLOR_TYPE_RGB_ALPHA, {8, 16}, 0},
        {PNG_COLOR_TYPE_PALETTE, {1, 2, 4, 8}, 1},
    };
    static const int sizes[][2] = {{1, 1}, {17, 23}, {64, 5}, {3, 40}};
    int ncases = 0;
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        for (int d = 0; d < 5 && kinds[k].depths[d]; d++)
            for (int trns = 0; trns <= kinds[k].trns_ok; trns++)
                for (int il = 0; il <= 1; il++)
                    for (size_t z = 0; z < sizeof sizes / sizeof sizes[0]; z++, ncases++)
                        check_png_case((png_case){sizes[z][0], sizes[z][1], kinds[k].depths[d],
                                                  kinds[k].color_type, il, trns});
    cr_assert_eq(ncases, 26 * 2 * 4);
}

Test(image, png_read_from_file_matches_memory)
{
    png_made m;
    make_png(&m, (png_case){17, 23, 16, PNG_COLOR_TYPE_RGB_ALPHA, 1, 0});
    const char *path = tu_tmp("rgba16.png");
    cr_assert_eq(tu_write_file(path, m.file.data, m.file.len), 0);
    or_image a, b;
    or_err err = {0};
    cr_assert_eq(or_image_read(path, NULL, &a, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_image_read_mem(m.file.data, m.file.len, "mem", NULL, &b, &err), OR_OK);
    size_t n = (size_t)17 * 23;
    cr_assert_eq(memcmp(a.planes, b.planes, 3 * n * sizeof(float)), 0);
    cr_assert_eq(memcmp(a.alpha, b.alpha, n * sizeof(float)), 0);
    or_image_free(&a);
    or_image_free(&b);
    png_made_free(&m);
}

Test(image, png_gamma_and_icc_are_ignored)
{
    png_made m;
    make_png(&m, (png_case){17, 23, 8, PNG_COLOR_TYPE_RGB, 0, 0});
    uint8_t gama[4];
    put_be32(gama, 100000); /* gamma 1.0: would change every sample if applied */
    membuf with_gama = insert_after_ihdr(&m.file, "gAMA", gama, 4);
    static const uint8_t junk[] = "junk\0\0not a zlib stream and not a profile";
    membuf with_icc = insert_after_ihdr(&with_gama, "iCCP", junk, sizeof junk);
    or_image a, b;
    or_err err = {0};
    cr_assert_eq(or_image_read_mem(m.file.data, m.file.len, "plain.png", NULL, &a, &err), OR_OK);
    cr_assert_eq(or_image_read_mem(with_icc.data, with_icc.len, "icc.png", NULL, &b, &err), OR_OK,
                 "%s", err.msg);
    cr_assert_eq(memcmp(a.planes, b.planes, (size_t)3 * 17 * 23 * sizeof(float)), 0);
    or_image_free(&a);
    or_image_free(&b);
    free(with_gama.data);
    free(with_icc.data);
    png_made_free(&m);
}

/* ---- PNG writing ----------------------------------------------------------------- */

static void fill_levels(or_image *img, unsigned levels, uint32_t seed)
{
    size_t n = (size_t)img->width * img->height;
    for (size_t i = 0; i < n * img->channels; i++)
        img->planes[i] = (float)(hash3((uint32_t)i, seed, 1) % (levels + 1)) / (float)levels;
    for (size_t i = 0; img->alpha && i < n; i++)
        img->alpha[i] = (float)(hash3((uint32_t)i, seed, 2) % (levels + 1)) / (float)levels;
}

static void check_exact_round_trip(int w, int h, int channels, int alpha, int depth)
{
    or_image img, back;
    or_err err = {0};
    cr_assert_eq(or_image_alloc(&img, w, h, channels, alpha, &err), OR_OK);
    fill_levels(&img, depth == 16 ? 65535 : 255, (uint32_t)(w * 31 + channels + depth));
    char name[64];
    snprintf(name, sizeof name, "rt_%dx%d_c%d_a%d_%d.png", w, h, channels, alpha, depth);
    const char *path = tu_tmp(name);
    cr_assert_eq(or_image_write_png(path, &img, depth, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_image_read(path, NULL, &back, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(back.width, w);
    cr_assert_eq(back.height, h);
    cr_assert_eq(back.channels, channels);
    cr_assert_eq(back.src_bit_depth, depth);
    cr_assert_eq(back.alpha != NULL, alpha, "%s: alpha not kept", name);
    size_t n = (size_t)w * h;
    for (size_t i = 0; i < n * channels; i++)
        cr_assert_eq(back.planes[i], img.planes[i], "%s: sample %zu: %.9g != %.9g", name, i,
                     back.planes[i], img.planes[i]);
    for (size_t i = 0; alpha && i < n; i++)
        cr_assert_eq(back.alpha[i], img.alpha[i], "%s: alpha %zu", name, i);
    or_image_free(&img);
    or_image_free(&back);
}

Test(image, png_round_trip_exact_8_and_16_bit)
{
    static const int sizes[][2] = {{1, 1}, {17, 23}, {100, 3}};
    for (int z = 0; z < 3; z++)
        for (int ch = 1; ch <= 3; ch += 2)
            for (int a = 0; a <= 1; a++) {
                check_exact_round_trip(sizes[z][0], sizes[z][1], ch, a, 8);
                check_exact_round_trip(sizes[z][0], sizes[z][1], ch, a, 16);
            }
}

Test(image, png_write_clamps_and_rounds)
{
    or_image img, back;
    or_err err = {0};
    cr_assert_eq(or_image_alloc(&img, 6, 1, 1, 0, &err), OR_OK);
    const float in[6] = {-0.5f, 1.5f, NAN, 0.5f, 1.0f / 510.0f - 1e-6f, 1e-3f};
    const float want8[6] = {0, 1, 0, 128 / 255.0f, 0, 0};
    memcpy(img.planes, in, sizeof in);
    const char *path = tu_tmp("clamp.png");
    cr_assert_eq(or_image_write_png(path, &img, 8, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_image_read(path, NULL, &back, &err), OR_OK);
    for (int i = 0; i < 6; i++)
        cr_assert_eq(back.planes[i], want8[i], "value %d: %.9g", i, back.planes[i]);
    or_image_free(&back);
    /* Arbitrary floats survive 16 bits to within half a step. */
    or_image big;
    cr_assert_eq(or_image_alloc(&big, 33, 9, 3, 1, &err), OR_OK);
    tu_seed(7);
    tu_fill_uniform(big.planes, (size_t)3 * 33 * 9, 0.0f, 1.0f);
    tu_fill_uniform(big.alpha, (size_t)33 * 9, 0.0f, 1.0f);
    cr_assert_eq(or_image_write_png(path, &big, 16, &err), OR_OK);
    cr_assert_eq(or_image_read(path, NULL, &back, &err), OR_OK);
    cr_assert_leq(tu_max_abs_diff(back.planes, big.planes, (size_t)3 * 33 * 9), 0.5 / 65535 + 1e-7);
    cr_assert_leq(tu_max_abs_diff(back.alpha, big.alpha, (size_t)33 * 9), 0.5 / 65535 + 1e-7);
    or_image_free(&back);
    or_image_free(&big);
    or_image_free(&img);
}

Test(image, gray_stored_as_rgb_is_flagged)
{
    or_image img, back;
    or_err err = {0};
    cr_assert_eq(or_image_alloc(&img, 17, 23, 1, 0, &err), OR_OK);
    fill_levels(&img, 255, 3);
    or_image rgb;
    cr_assert_eq(or_image_to_rgb(&img, &rgb, &err), OR_OK);
    cr_assert(or_image_is_gray(&rgb, 0.0f));
    const char *path = tu_tmp("grayrgb.png");
    cr_assert_eq(or_image_write_png(path, &rgb, 8, &err), OR_OK);
    cr_assert_eq(or_image_read(path, NULL, &back, &err), OR_OK);
    cr_assert_eq(back.channels, 3);
    cr_assert_eq(back.src_color, OR_IMAGE_SRC_RGB);
    cr_assert(back.gray_as_rgb);
    or_image_free(&back);
    /* A gray photo saved as a colour JPEG also decodes to R=G=B exactly. */
    const char *jpath = tu_tmp("grayrgb.jpg");
    cr_assert_eq(or_image_write_jpeg(jpath, &rgb, 95, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_image_read(jpath, NULL, &back, &err), OR_OK);
    cr_assert_eq(back.src_color, OR_IMAGE_SRC_JPEG_YCBCR);
    cr_assert(back.gray_as_rgb);
    or_image_free(&back);
    /* One different pixel clears the flag. */
    or_image_plane(&rgb, 2)[100] = 1.0f - or_image_plane(&rgb, 1)[100];
    cr_assert_not(or_image_is_gray(&rgb, 0.0f));
    cr_assert_eq(or_image_write_png(path, &rgb, 8, &err), OR_OK);
    cr_assert_eq(or_image_read(path, NULL, &back, &err), OR_OK);
    cr_assert_not(back.gray_as_rgb);
    or_image_free(&back);
    or_image_free(&rgb);
    or_image_free(&img);
}

Test(image, conversions)
{
    or_image img, rgb, gray, copy;
    or_err err = {0};
    cr_assert_eq(or_image_alloc(&img, 5, 4, 3, 1, &err), OR_OK);
    for (int i = 0; i < 20; i++) {
        or_image_plane(&img, 0)[i] = 1.0f;
        or_image_plane(&img, 1)[i] = 0.5f;
        img.alpha[i] = 0.25f;
    }
    cr_assert_eq(or_image_to_gray(&img, &gray, &err), OR_OK);
    cr_assert_eq(gray.channels, 1);
    cr_assert_float_eq(gray.planes[7], 0.299f + 0.587f * 0.5f, 1e-6);
    cr_assert_eq(gray.alpha[7], 0.25f);
    cr_assert_eq(or_image_to_rgb(&gray, &rgb, &err), OR_OK);
    cr_assert_eq(rgb.channels, 3);
    cr_assert(rgb.gray_as_rgb);
    cr_assert(or_image_is_gray(&rgb, 0.0f));
    cr_assert_not(or_image_is_gray(&img, 0.4f));
    cr_assert(or_image_is_gray(&img, 1.0f));
    cr_assert_eq(or_image_copy(&img, &copy, &err), OR_OK);
    cr_assert_eq(memcmp(copy.planes, img.planes, 60 * sizeof(float)), 0);
    cr_assert_eq(memcmp(copy.alpha, img.alpha, 20 * sizeof(float)), 0);
    or_image_free(&copy);
    cr_assert_eq(or_image_alloc(&copy, 0, 4, 3, 0, &err), OR_EINVAL);
    cr_assert_null(copy.planes);
    cr_assert_eq(or_image_alloc(&copy, 4, 4, 2, 0, &err), OR_EINVAL);
    or_image_free(&img);
    or_image_free(&gray);
    or_image_free(&rgb);
    or_image_free(NULL);
}

