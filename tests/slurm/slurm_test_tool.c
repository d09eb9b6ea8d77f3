/* slurm_test_tool.c: what tests/slurm/test_slurm.sh needs that a shell has
 * not (no ffmpeg on the CI machine):
 *   slurm_test_tool clip OUT.mkv        the 14-frame 48x32 FFV1 clip with PCM audio,
 *                                       SubRip subtitles and scene cuts after the
 *                                       first frame, at 6 and 7, before the last
 *                                       (tests/video_clip.h, as test_cli_segments)
 *   slurm_test_tool model CKPT OUT      convert a fixture checkpoint (converter API)
 *   slurm_test_tool same A B            exit 0 when A and B are the same film
 *                                       (frames, pts, pixels, audio, subtitles) */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "convert/convert.h"
#include "video_clip.h"

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "clip")) {
        static const int cuts[] = {1, 6, 7, 13, 0};
        vc_spec s = {48, 32, 14, 12, 0, 1, 1, 0, cuts};
        vc_make(argv[2], &s);
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "model")) {
        or_err err;
        or_convert_opts o = {0};
        if (or_convert_file(argv[2], argv[3], &o, &err) != OR_OK) {
            fprintf(stderr, "slurm_test_tool: %s\n", err.msg);
            return 1;
        }
        return 0;
    }
    if (argc == 4 && !strcmp(argv[1], "same")) {
        char why[1024];
        int same = vc_same_film(argv[2], argv[3], why, sizeof why);
        printf("%s and %s: %s%s\n", argv[2], argv[3], same ? "the same film, " : "", why);
        return same ? 0 : 1;
    }
    fprintf(stderr, "usage: slurm_test_tool clip OUT | model CKPT OUT | same A B\n");
    return 2;
}
