/* fuzz_image.c: libFuzzer target for the PNG/JPEG readers.
 * Any input must give either an image or a clean error: no crash, leak,
 * out-of-bounds access or output on stderr. The pixel limit is lowered so
 * that a tiny header cannot make one run allocate and decode gigabytes. */
#include <stddef.h>
#include <stdint.h>

#include "runtime/io/image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    or_image_limits lim = {.max_pixels = 2048L * 2048L};
    or_image img;
    or_err err = {0};
    if (or_image_read_mem(data, size, "fuzz", &lim, &img, &err) == OR_OK) {
        /* Touch every sample so out-of-range writes during decode show up. */
        size_t n = (size_t)img.width * img.height;
        volatile float sum = 0.0f;
        for (size_t i = 0; i < n * img.channels; i++)
            sum += img.planes[i];
        for (size_t i = 0; img.alpha && i < n; i++)
            sum += img.alpha[i];
        or_image_free(&img);
    }
    return 0;
}
