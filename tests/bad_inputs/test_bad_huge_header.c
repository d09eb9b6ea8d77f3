/* test_bad_huge_header.c (label bad-input): an image whose header claims a
 * huge size over a few bytes of data is refused from the header, before any
 * large allocation: the stage's output size against --max-pixels (upscale),
 * or the header's claim against the file's length.  Each run is under an
 * address-space limit of 2 GiB (RLIMIT_AS, inherited by the tool), so a
 * decode that allocated the claimed gigabytes would fail the test.  Under
 * AddressSanitizer (the sanitizer tree), which reserves terabytes of shadow
 * address space, the same bound is ASan's own: no single allocation over
 * 2 GiB (max_allocation_size_mb, returning NULL as malloc would). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <zlib.h>

#include "bad_inputs/bad_input_util.h"
#include "cli_test_util.h"

#define AS_LIMIT ((rlim_t)2 << 30)

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static void limit_memory(void)
{
#ifdef UNDER_ASAN
    char opts[1024];
    const char *old = getenv("ASAN_OPTIONS");
    snprintf(opts, sizeof opts, "%s%smax_allocation_size_mb=2048:allocator_may_return_null=1",
             old ? old : "", old && *old ? ":" : "");
    cr_assert_eq(setenv("ASAN_OPTIONS", opts, 1), 0);
#else
    struct rlimit r = {AS_LIMIT, AS_LIMIT};
    cr_assert_eq(setrlimit(RLIMIT_AS, &r), 0);
#endif
}

/* A valid small JPEG with its SOF0 patched to w x h. */
static unsigned char *huge_jpeg(int w, int h, size_t *len)
{
    unsigned char *b = bi_jpeg_bytes(32, 24, 11, len);
    size_t p = 2;
    while (p + 9 < *len && !(b[p] == 0xFF && b[p + 1] == 0xC0))
        p += 2 + ((size_t)b[p + 2] << 8 | b[p + 3]);
    cr_assert(p + 9 < *len, "no SOF0");
    b[p + 5] = (unsigned char)(h >> 8), b[p + 6] = (unsigned char)h;
    b[p + 7] = (unsigned char)(w >> 8), b[p + 8] = (unsigned char)w;
    return b;
}

/* A valid small PNG with its IHDR patched to w x h (CRC recomputed). */
static unsigned char *huge_png(int w, int h, size_t *len)
{
    unsigned char *b = bi_png_bytes(32, 24, 12, len);
    const unsigned char wh[8] = {(unsigned char)(w >> 24), (unsigned char)(w >> 16),
                                 (unsigned char)(w >> 8),  (unsigned char)w,
                                 (unsigned char)(h >> 24), (unsigned char)(h >> 16),
                                 (unsigned char)(h >> 8),  (unsigned char)h};
    memcpy(b + 16, wh, 8);
    uint32_t crc = (uint32_t)crc32(0, b + 12, 17);
    b[29] = (unsigned char)(crc >> 24), b[30] = (unsigned char)(crc >> 16);
    b[31] = (unsigned char)(crc >> 8), b[32] = (unsigned char)crc;
    return b;
}

static const char *write_case(const char *tag, const char *name, unsigned char *b,
                              const size_t *len)
{
    const char *in = bi_write(bi_case_dir(tag), name, b, *len);
    free(b);
    return in;
}

Test(bad_huge_header, upscale_output_over_the_limit)
{
    size_t len;
    const char *jpg = write_case("up-jpg", "in.jpg", huge_jpeg(19000, 19000, &len), &len);
    const char *png = write_case("up-png", "in.png", huge_png(19000, 19000, &len), &len);
    const char *models = bi_models();
    limit_memory();
    const char *ins[2] = {jpg, png};
    for (int i = 0; i < 2; i++) {
        const char *out = bi_path(bi_case_dir(i ? "up-png-out" : "up-jpg-out"), "out.png");
        bi_refused(&(bi_expect){.rc = 1, .names = ins[i],
                                .part = "19000x19000 would upscale to 76000x76000, more than "
                                        "the 400000000-pixel limit (--max-pixels)",
                                .out = out, .timeout_s = 30},
                   "upscale -m srvgg -M '%s' -i '%s' -o '%s'", models, ins[i], out);
    }
}

Test(bad_huge_header, max_pixels_flag)
{
    size_t len;
    const char *in = write_case("flag", "in.png", bi_png_bytes(40, 30, 13, &len), &len);
    const char *out = bi_path(bi_case_dir("flag-out"), "out.png");
    bi_refused(&(bi_expect){.rc = 1, .names = in,
                            .part = "40x30 would upscale to 160x120, more than the 10000-pixel "
                                    "limit (--max-pixels)",
                            .out = out},
               "upscale -m srvgg -M '%s' -i '%s' -o '%s' --max-pixels 10000", bi_models(), in,
               out);
    bi_refused(&(bi_expect){.rc = 1, .names = in, .part = "(--max-pixels)", .out = out},
               "upscale -m srvgg -M '%s' -i '%s' -o '%s' --max-pixels 1000", bi_models(), in,
               out);
    bi_refused(&(bi_expect){.rc = 2, .names = "--max-pixels"},
               "upscale -m srvgg -M '%s' -i '%s' -o '%s' --max-pixels lots", bi_models(), in,
               out);
    bi_accepted(NULL, out, "upscale -m srvgg -M '%s' -i '%s' -o '%s' --max-pixels 19200",
                bi_models(), in, out);
}

/* Colorize and interpolate keep the size: the header's claim is refused
 * against the file's length, before decoding. */
static void claim_refused(const char *tag, const char *in, int colorize)
{
    const char *out = bi_path(bi_case_dir(tag), "out.png");
    bi_expect e = {.rc = 1, .names = in, .part = "the header claims 19000x19000 pixels",
                   .out = out, .timeout_s = 30};
    if (colorize)
        bi_refused(&e, "colorize -m siggraph17 -M '%s' -i '%s' -o '%s'",
                   ct_model("zhang_siggraph17.zip.pth", "siggraph17"), in, out);
    else
        bi_refused(&e, "interpolate -m rife -M '%s' -0 '%s' -1 '%s' -o '%s'",
                   ct_model("rife_v4_6.zip.pth", "rife"), in, in, out);
}

Test(bad_huge_header, colorize_and_interpolate)
{
    size_t len;
    const char *jpg = write_case("ci-jpg", "in.jpg", huge_jpeg(19000, 19000, &len), &len);
    const char *png = write_case("ci-png", "in.png", huge_png(19000, 19000, &len), &len);
    ct_model("zhang_siggraph17.zip.pth", "siggraph17");
    ct_model("rife_v4_6.zip.pth", "rife");
    limit_memory();
    claim_refused("co-jpg", jpg, 1);
    claim_refused("co-png", png, 1);
    claim_refused("ip-jpg", jpg, 0);
    claim_refused("ip-png", png, 0);
}

/* Also with --allow-corrupt: the claim is a size policy, not corrupt data. */
Test(bad_huge_header, allow_corrupt_does_not_lift_the_claim)
{
    size_t len;
    const char *jpg = write_case("ac-jpg", "in.jpg", huge_jpeg(19000, 19000, &len), &len);
    const char *models = ct_model("zhang_siggraph17.zip.pth", "siggraph17");
    limit_memory();
    const char *out = bi_path(bi_case_dir("ac-out"), "out.png");
    bi_refused(&(bi_expect){.rc = 1, .names = jpg, .part = "the header claims", .out = out,
                            .timeout_s = 30},
               "colorize -m siggraph17 -M '%s' -i '%s' -o '%s' --allow-corrupt", models, jpg, out);
}
