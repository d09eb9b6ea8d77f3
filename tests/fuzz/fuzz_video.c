/* fuzz_video.c: libFuzzer target for video demuxing and decoding through
 * runtime/io/video_read.c (libavformat/libavcodec/libswscale underneath).
 * The input is written to a memfd and opened by name (/proc/self/fd/N), so
 * the container is found by content, as with a user's file.  At most
 * FUZZ_FRAMES frames are decoded and converted to RGB, and frames are capped
 * at FUZZ_MAX_PIXELS (the decoder's own max_pixels, so a size change in the
 * middle of a stream is capped too), so that one input cannot allocate
 * gigabytes.  libav's logging stays silenced (the library's default).  The
 * audio/subtitle packets kept for a writer are taken and freed as a writer
 * would.  Any input must give frames or a clean error: no crash, leak, hang,
 * out-of-bounds access or undefined behaviour in our code.
 * Seed corpus: tests/fuzz/corpus/fuzz_video/ (make_video_seeds writes the
 * first seeds: tiny FFV1, MJPEG and rawvideo clips in Matroska, AVI and NUT). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "fuzz_memfd.h"
#include "runtime/io/video.h"
#include "runtime/io/video_internal.h"

#define FUZZ_FRAMES 8
#define FUZZ_MAX_PIXELS (512L * 512L)

static void drain(or_video_reader *r)
{
    int done = 0;
    AVPacket *p;
    while ((p = or_video_reader_take_packet(r, &done)) != NULL)
        av_packet_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    int fd = fuzz_memfd("fuzz_video", data, size, path);
    if (fd < 0)
        return 0;
    (void)or_video_probe(path);
    or_video_reader *r = NULL;
    or_video_info info;
    or_err err = {0};
    if (or_video_open(path, &r, &info, &err) != OR_OK) {
        if (!err.msg[0] || r)
            __builtin_trap(); /* a failed open leaves nothing behind and says why */
        close(fd);
        return 0;
    }
    if ((long)info.width * info.height <= FUZZ_MAX_PIXELS) {
        r->dec->max_pixels = FUZZ_MAX_PIXELS;
        or_video_keep_streams(r);
        for (int i = 0; i < FUZZ_FRAMES; i++) {
            or_image img;
            int64_t pts;
            int got = 0;
            err = (or_err){0};
            if (or_video_read(r, &img, &pts, &got, &err) != OR_OK) {
                if (!err.msg[0])
                    __builtin_trap();
                break;
            }
            if (!got)
                break;
            /* Touch every sample so a short conversion shows up. */
            volatile float sum = 0.0f;
            size_t n = (size_t)img.width * img.height * img.channels;
            for (size_t k = 0; k < n; k++)
                sum += img.planes[k];
            (void)sum;
            or_image_free(&img);
            drain(r);
        }
        drain(r);
    }
    or_video_close(r);
    close(fd);
    return 0;
}
