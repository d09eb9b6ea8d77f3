/* test_image_limits.c: size limits checked before allocating, and malformed input
 * (empty, random, truncated, corrupted, mutated): clean one-line errors, no
 * crash, nothing printed by the decoders. */
#include "test_image_helpers.h"

/* ---- limits ----------------------------------------------------------------------- */

Test(image, forged_huge_png_refused_before_allocation)
{
    /* Allocating the 120 GB this IHDR asks for would fail too, so the
     * message must show it was the limit, checked before any allocation. */
    membuf png = forged_png(100000, 100000, 8, PNG_COLOR_TYPE_RGB);
    const char *path = tu_tmp("huge.png");
    cr_assert_eq(tu_write_file(path, png.data, png.len), 0);
    or_image img;
    or_err err = {0};
    clock_t t0 = clock();
    or_status s = or_image_read(path, NULL, &img, &err);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_clean_error(s, &err, path, &img);
    cr_assert_eq(s, OR_ENOMEM);
    cr_assert(strstr(err.msg, "100000x100000 pixels exceeds the limit of 20000x20000 (400000000 pixels)"),
              "%s", err.msg);
    cr_assert_lt(secs, 0.5);
    free(png.data);

    png = forged_png(30000, 30000, 16, PNG_COLOR_TYPE_GRAY);
    s = or_image_read_mem(png.data, png.len, "big.png", NULL, &img, &err);
    cr_assert_str_eq(err.msg,
                     "big.png: 30000x30000 pixels exceeds the limit of 20000x20000 (400000000 pixels)");
    free(png.data);
}

Test(image, custom_limit_and_zero_size)
{
    or_image_limits lim = {.max_pixels = 100};
    png_made m;
    make_png(&m, (png_case){17, 23, 8, PNG_COLOR_TYPE_GRAY, 1, 0});
    or_image img;
    or_err err = {0};
    or_status s = or_image_read_mem(m.file.data, m.file.len, "small.png", &lim, &img, &err);
    cr_assert_eq(s, OR_ENOMEM);
    cr_assert_str_eq(err.msg, "small.png: 17x23 pixels exceeds the limit of 10x10 (100 pixels)");
    lim.max_pixels = 17 * 23;
    cr_assert_eq(or_image_read_mem(m.file.data, m.file.len, "ok.png", &lim, &img, &err), OR_OK);
    or_image_free(&img);
    png_made_free(&m);

    uint8_t *pix = smooth_pixels(17, 23, 3);
    membuf jpg = make_jpeg(pix, 17, 23, 3, JCS_RGB, JCS_UNKNOWN, 1, 90);
    lim.max_pixels = 300;
    s = or_image_read_mem(jpg.data, jpg.len, "small.jpg", &lim, &img, &err);
    assert_clean_error(s, &err, "small.jpg", &img);
    cr_assert_str_eq(err.msg, "small.jpg: 17x23 pixels exceeds the limit of 300 pixels");
    free(jpg.data);
    free(pix);

    membuf zero = forged_png(0, 5, 8, PNG_COLOR_TYPE_GRAY);
    s = or_image_read_mem(zero.data, zero.len, "zero.png", NULL, &img, &err);
    assert_clean_error(s, &err, "zero.png", &img);
    cr_assert(strstr(err.msg, "zero size"), "%s", err.msg);
    free(zero.data);
}

/* ---- malformed input -------------------------------------------------------------- */

Test(image, empty_random_text_missing)
{
    or_image img;
    or_err err = {0};
    const char *empty = tu_tmp("empty.png");
    cr_assert_eq(tu_write_file(empty, "", 0), 0);
    or_status s = or_image_read(empty, NULL, &img, &err);
    assert_clean_error(s, &err, empty, &img);
    cr_assert(strstr(err.msg, ": empty file"), "%s", err.msg);

    const char text[] = "hello, this is not an image\n";
    s = or_image_read_mem(text, sizeof text, "x.txt", NULL, &img, &err);
    cr_assert_str_eq(err.msg, "x.txt: not a PNG or JPEG image");

    uint8_t junk[4096];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)hash3((uint32_t)i, 5, 5);
    s = or_image_read_mem(junk, sizeof junk, "junk.bin", NULL, &img, &err);
    assert_clean_error(s, &err, "junk.bin", &img);

    /* Valid signatures followed by garbage. */
    static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(junk, png_sig, 8);
    s = or_image_read_mem(junk, sizeof junk, "junk.png", NULL, &img, &err);
    assert_clean_error(s, &err, "junk.png", &img);
    junk[0] = 0xFF, junk[1] = 0xD8, junk[2] = 0xFF;
    s = or_image_read_mem(junk, sizeof junk, "junk.jpg", NULL, &img, &err);
    assert_clean_error(s, &err, "junk.jpg", &img);

    const char *missing = tu_tmp("does-not-exist.png");
    s = or_image_read(missing, NULL, &img, &err);
    assert_clean_error(s, &err, missing, &img);
    cr_assert_eq(s, OR_EIO);
    s = or_image_read(tu_tmpdir(), NULL, &img, &err);
    assert_clean_error(s, &err, tu_tmpdir(), &img);
}

Test(image, truncated_png_every_cut_point)
{
    png_case cases[] = {{17, 23, 16, PNG_COLOR_TYPE_RGB_ALPHA, 1, 0},
                        {9, 7, 2, PNG_COLOR_TYPE_PALETTE, 0, 1},
                        {1, 1, 8, PNG_COLOR_TYPE_GRAY, 0, 0}};
    for (int k = 0; k < 3; k++) {
        png_made m;
        make_png(&m, cases[k]);
        for (size_t cut = 0; cut < m.file.len; cut++) {
            or_image img;
            or_err err = {0};
            or_status s = or_image_read_mem(m.file.data, cut, "cut.png", NULL, &img, &err);
            cr_assert_neq(s, OR_OK, "case %d: cut at %zu of %zu accepted", k, cut, m.file.len);
            assert_clean_error(s, &err, "cut.png", &img);
            if (cut > 0 && cut < m.file.len)
                cr_assert(strstr(err.msg, "truncated PNG") || strstr(err.msg, "malformed PNG"),
                          "cut %zu: %s", cut, err.msg);
        }
        png_made_free(&m);
    }
    /* The message says how much was there. */
    png_made m;
    make_png(&m, cases[0]);
    or_image img;
    or_err err = {0};
    or_image_read_mem(m.file.data, 100, "x.png", NULL, &img, &err);
    cr_assert_eq(strncmp(err.msg, "x.png: truncated PNG (read 100 of ", 34), 0, "%s", err.msg);
    png_made_free(&m);
}

Test(image, truncated_jpeg_is_an_error)
{
    uint8_t *pix = smooth_pixels(40, 33, 3);
    for (int prog = 0; prog <= 1; prog++) {
        membuf jpg = make_jpeg(pix, 40, 33, 3, JCS_RGB, JCS_UNKNOWN, prog, 90);
        size_t step = jpg.len / 150 + 1;
        for (size_t cut = 0; cut < jpg.len; cut += (cut + 8 < jpg.len ? step : 1)) {
            or_image img;
            or_err err = {0};
            or_status s = or_image_read_mem(jpg.data, cut, "cut.jpg", NULL, &img, &err);
            cr_assert_neq(s, OR_OK, "progressive %d: cut at %zu of %zu accepted", prog, cut,
                          jpg.len);
            assert_clean_error(s, &err, "cut.jpg", &img);
        }
        or_image img;
        or_err err = {0};
        or_image_read_mem(jpg.data, jpg.len / 2, "half.jpg", NULL, &img, &err);
        cr_assert(strstr(err.msg, "half.jpg: truncated JPEG"), "%s", err.msg);
        free(jpg.data);
    }
    free(pix);
}

Test(image, corrupted_png_crc_and_ihdr)
{
    png_made m;
    make_png(&m, (png_case){17, 23, 8, PNG_COLOR_TYPE_RGB, 0, 0});
    uint8_t *bad = malloc(m.file.len);
    or_image img;
    or_err err = {0};

    /* IHDR width changed, CRC not updated. */
    memcpy(bad, m.file.data, m.file.len);
    bad[19] ^= 0x01;
    or_status s = or_image_read_mem(bad, m.file.len, "crc.png", NULL, &img, &err);
    assert_clean_error(s, &err, "crc.png", &img);
    cr_assert_eq(s, OR_EFORMAT);
    cr_assert(strstr(err.msg, "CRC"), "%s", err.msg);

    /* IHDR with an invalid bit depth and a correct CRC. */
    memcpy(bad, m.file.data, m.file.len);
    bad[24] = 3;
    put_be32(bad + 29, crc32_png(bad + 12, 17));
    s = or_image_read_mem(bad, m.file.len, "ihdr.png", NULL, &img, &err);
    assert_clean_error(s, &err, "ihdr.png", &img);
    cr_assert_eq(s, OR_EFORMAT);

    /* A flipped byte inside the IDAT data (its CRC no longer matches). */
    memcpy(bad, m.file.data, m.file.len);
    bad[33 + 8 + 10] ^= 0x40;
    s = or_image_read_mem(bad, m.file.len, "idat.png", NULL, &img, &err);
    assert_clean_error(s, &err, "idat.png", &img);
    free(bad);
    png_made_free(&m);
}

/* Random byte flips: every result is either an image or a clean error. */
Test(image, mutated_inputs_never_crash)
{
    png_made m;
    make_png(&m, (png_case){13, 11, 8, PNG_COLOR_TYPE_PALETTE, 1, 1});
    uint8_t *pix = smooth_pixels(24, 16, 3);
    membuf jpg = make_jpeg(pix, 24, 16, 3, JCS_RGB, JCS_UNKNOWN, 1, 80);
    const membuf *srcs[2] = {&m.file, &jpg};
    for (int k = 0; k < 2; k++) {
        uint8_t *buf = malloc(srcs[k]->len);
        for (uint32_t iter = 0; iter < 300; iter++) {
            memcpy(buf, srcs[k]->data, srcs[k]->len);
            int flips = 1 + hash3(iter, k, 9) % 4;
            for (int f = 0; f < flips; f++)
                buf[hash3(iter, f, k) % srcs[k]->len] ^= (uint8_t)(1 + hash3(f, iter, 3) % 255);
            or_image img;
            or_err err = {0};
            or_status s = or_image_read_mem(buf, srcs[k]->len, "mut", NULL, &img, &err);
            if (s == OR_OK) {
                cr_assert(img.planes && img.width > 0);
                or_image_free(&img);
            } else {
                assert_clean_error(s, &err, "mut", &img);
            }
        }
        free(buf);
    }
    free(jpg.data);
    free(pix);
    png_made_free(&m);
}

/* libpng and libjpeg must not print warnings or errors themselves. */
Test(image, decoders_print_nothing)
{
    const char *log = tu_tmp("stderr.txt");
    fflush(stderr);
    int saved = dup(2), fd = open(log, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    cr_assert(saved >= 0 && fd >= 0);
    dup2(fd, 2);

    png_made m;
    make_png(&m, (png_case){17, 23, 8, PNG_COLOR_TYPE_RGB, 0, 0});
    uint8_t *pix = smooth_pixels(40, 33, 3);
    membuf jpg = make_jpeg(pix, 40, 33, 3, JCS_RGB, JCS_UNKNOWN, 0, 90);
    or_image img;
    or_err err = {0};
    or_image_read_mem(m.file.data, m.file.len / 2, "a.png", NULL, &img, &err);
    or_image_read_mem(jpg.data, jpg.len / 2, "a.jpg", NULL, &img, &err);
    m.file.data[19] ^= 1; /* IHDR CRC */
    or_image_read_mem(m.file.data, m.file.len, "b.png", NULL, &img, &err);
    /* Garbage in the middle of the entropy-coded data: libjpeg warns. */
    for (size_t i = jpg.len / 2; i < jpg.len / 2 + 40; i++)
        jpg.data[i] = 0xFF;
    if (or_image_read_mem(jpg.data, jpg.len, "b.jpg", NULL, &img, &err) == OR_OK)
        or_image_free(&img);

    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    size_t len;
    uint8_t *out = tu_read_file(log, &len);
    cr_assert_eq(len, 0, "decoders wrote to stderr: %.*s", (int)len, (const char *)out);
    free(out);
    free(jpg.data);
    free(pix);
    png_made_free(&m);
}


/* ---- issue 16: stage output size, header claims, corrupt data -------------------- */

Test(image, stage_output_size_checked_from_the_header)
{
    png_made m;
    make_png(&m, (png_case){17, 23, 8, PNG_COLOR_TYPE_GRAY, 1, 0});
    or_image img;
    or_err err = {0};
    or_image_limits lim = {.max_pixels = 1000, .scale = 4, .verb = "upscale",
                           .flag = "--max-pixels"};
    or_status s = or_image_read_mem(m.file.data, m.file.len, "s.png", &lim, &img, &err);
    assert_clean_error(s, &err, "s.png", &img);
    cr_assert_str_eq(err.msg, "s.png: 17x23 would upscale to 68x92, more than the 1000-pixel "
                              "limit (--max-pixels)");
    lim.max_pixels = 68 * 92;
    cr_assert_eq(or_image_read_mem(m.file.data, m.file.len, "s.png", &lim, &img, &err), OR_OK,
                 "%s", err.msg);
    or_image_free(&img);
    png_made_free(&m);
}

Test(image, header_claim_against_file_length)
{
    /* 20000x20000 RGB in a few hundred bytes: refused before allocating. */
    membuf png = forged_png(20000, 20000, 8, PNG_COLOR_TYPE_RGB);
    or_image img;
    or_err err = {0};
    or_status s = or_image_read_mem(png.data, png.len, "claim.png", NULL, &img, &err);
    assert_clean_error(s, &err, "claim.png", &img);
    cr_assert(strstr(err.msg, "claim.png: the header claims 20000x20000 pixels"), "%s", err.msg);
    free(png.data);
}

Test(image, corrupt_jpeg_refused_or_allowed)
{
    uint8_t *pix = smooth_pixels(40, 33, 3);
    membuf jpg = make_jpeg(pix, 40, 33, 3, JCS_RGB, JCS_UNKNOWN, 0, 90);
    size_t cut = jpg.len * 2 / 3;
    jpg.data[cut] = 0xFF, jpg.data[cut + 1] = 0xD9; /* cut and closed with EOI */
    or_image img;
    or_err err = {0};
    or_status s = or_image_read_mem(jpg.data, cut + 2, "eoi.jpg", NULL, &img, &err);
    assert_clean_error(s, &err, "eoi.jpg", &img);
    cr_assert(strstr(err.msg, "eoi.jpg: corrupt JPEG data ("), "%s", err.msg);
    or_image_limits lim = {.allow_corrupt = 1};
    cr_assert_eq(or_image_read_mem(jpg.data, cut + 2, "eoi.jpg", &lim, &img, &err), OR_OK, "%s",
                 err.msg);
    cr_assert(img.src_corrupt[0] && img.width == 40 && img.height == 33);
    or_image_free(&img);
    free(jpg.data);
    jpg = make_jpeg(pix, 40, 33, 3, JCS_RGB, JCS_UNKNOWN, 0, 90);
    cr_assert_eq(or_image_read_mem(jpg.data, jpg.len - 40, "cut.jpg", &lim, &img, &err), OR_OK,
                 "%s", err.msg);
    cr_assert_str_eq(img.src_corrupt, "premature end of data");
    or_image_free(&img);
    cr_assert_eq(or_image_read_mem(jpg.data, jpg.len, "ok.jpg", &lim, &img, &err), OR_OK);
    cr_assert_str_eq(img.src_corrupt, "");
    or_image_free(&img);
    free(jpg.data);
    free(pix);
}

Test(image, not_a_regular_file)
{
    or_image img;
    or_err err = {0};
    const char *fifo = tu_tmp("fifo.png");
    cr_assert_eq(mkfifo(fifo, 0644), 0);
    or_status s = or_image_read(fifo, NULL, &img, &err);
    assert_clean_error(s, &err, fifo, &img);
    cr_assert(strstr(err.msg, "not a regular file (a FIFO)"), "%s", err.msg);
    s = or_image_read("/dev/zero", NULL, &img, &err);
    assert_clean_error(s, &err, "/dev/zero", &img);
    cr_assert(strstr(err.msg, "not a regular file"), "%s", err.msg);
    png_made m;
    make_png(&m, (png_case){17, 23, 8, PNG_COLOR_TYPE_GRAY, 1, 0});
    const char *path = tu_tmp("big.png");
    cr_assert_eq(tu_write_file(path, m.file.data, m.file.len), 0);
    or_image_limits lim = {.max_file_bytes = 10};
    s = or_image_read(path, &lim, &img, &err);
    assert_clean_error(s, &err, path, &img);
    cr_assert(strstr(err.msg, "-byte limit"), "%s", err.msg);
    png_made_free(&m);
}
