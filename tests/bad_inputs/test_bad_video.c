/* test_bad_video.c (label bad-input): awkward and bad videos.  A clip whose
 * frame size changes mid-stream is accepted, as ffmpeg does: every frame at
 * the first frame's size, and one warning line.  An audio-only file and an
 * MP4 cut short (its moov atom, written at the end, lost) are refused with
 * one line naming the input and the problem -- not "not a PNG or JPEG". */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bad_inputs/bad_input_util.h"
#include "cli_test_util.h"
#include "test_util.h"
#include "video_clip.h"

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

Test(bad_video, frame_size_changes_mid_stream)
{
    const char *dir = bi_case_dir("resize");
    const char *in = bi_path(dir, "in.mkv");
    cr_assert(vc_make_coded(in, "mjpeg", 32, 24, 6, 3, 48, 36), "no mjpeg encoder");
    const char *out = bi_path(dir, "out.mkv");
    bi_accepted(NULL, out, "restore --upscale srvgg -M '%s' -i '%s' -o '%s' --codec ffv1",
                bi_models(), in, out);
    cr_assert_eq(count(bi_err, "frame size changes"), 1, "one warning: %s", bi_err);
    cr_assert(strstr(bi_err, "48x36") && strstr(bi_err, "32x24"), "%s", bi_err);
    vc_facts f = vc_probe(out);
    cr_assert_eq(f.width, 128);
    cr_assert_eq(f.height, 96);
    cr_assert_eq(f.frames, 6);
}

Test(bad_video, audio_only)
{
    const char *dir = bi_case_dir("audio");
    const char *in = bi_path(dir, "in.mp4");
    vc_make_audio_only(in);
    const char *out = bi_path(dir, "out.mkv");
    bi_refused(&(bi_expect){.rc = 1, .names = in, .part = "no video stream", .out = out},
               "upscale -m srvgg -M '%s' -i '%s' -o '%s'", bi_models(), in, out);
    bi_refused(&(bi_expect){.rc = 1, .names = in, .part = "no video stream", .out = out},
               "colorize -i '%s' -o '%s'", in, out);
}

Test(bad_video, truncated_mp4)
{
    const char *dir = bi_case_dir("trunc");
    const char *whole = bi_path(dir, "whole.mp4");
    if (!vc_make_coded(whole, "libx264", 64, 48, 10, 0, 0, 0))
        cr_assert(vc_make_coded(whole, "mpeg4", 64, 48, 10, 0, 0, 0));
    size_t len;
    unsigned char *b = tu_read_file(whole, &len);
    cr_assert(b);
    unlink(whole);
    const char *in = bi_write(dir, "in.mp4", b, len / 2);
    free(b);
    const char *out = bi_path(dir, "out.mkv");
    bi_refused(&(bi_expect){.rc = 1, .names = in, .part = "truncated: moov atom missing",
                            .out = out},
               "upscale -m srvgg -M '%s' -i '%s' -o '%s'", bi_models(), in, out);
}
