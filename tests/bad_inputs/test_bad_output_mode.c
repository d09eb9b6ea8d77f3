/* test_bad_output_mode.c (label bad-input): every output -- an image, a
 * video, a model file from the converter -- gets the mode the user's umask
 * says (0666 & ~umask: 0644 under 022, 0640 under 027), as cp or ffmpeg
 * would give it, not the 0600 of the temporary file it was written to. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "bad_inputs/bad_input_util.h"
#include "cli_test_util.h"
#include "test_util.h"
#include "video_clip.h"

static unsigned mode_of(const char *path)
{
    struct stat sb;
    cr_assert_eq(stat(path, &sb), 0, "%s missing", path);
    return sb.st_mode & 0777;
}

/* Run "umask U; TOOL ARGS" and expect exit 0. */
static void run_umask(unsigned um, const char *tool, const char *args)
{
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "sh -c \"umask %03o; exec '%s/%s' %s\" </dev/null >/dev/null 2>&1",
             um, OR_BINARY_DIR, tool, args);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static void check(unsigned um)
{
    char tag[32], args[8192];
    snprintf(tag, sizeof tag, "umask%03o", um);
    const char *dir = bi_case_dir(tag);
    unsigned want = 0666u & ~um;
    size_t len;
    unsigned char *png = bi_png_bytes(16, 12, 9, &len);
    const char *in = bi_write(dir, "in.png", png, len);
    free(png);
    const char *out = bi_path(dir, "out.png");
    snprintf(args, sizeof args, "upscale -m srvgg -M '%s' -i '%s' -o '%s' -q", bi_models(), in,
             out);
    run_umask(um, "oprestore-gpu", args);
    cr_assert_eq(mode_of(out), want, "image: %o, expected %o", mode_of(out), want);

    const char *clip = bi_path(dir, "in.mkv");
    vc_make(clip, &(vc_spec){.w = 16, .h = 12, .frames = 2, .rate = 25});
    const char *vout = bi_path(dir, "out.mkv");
    snprintf(args, sizeof args, "restore --upscale srvgg -M '%s' -i '%s' -o '%s' -q --codec ffv1",
             bi_models(), clip, vout);
    run_umask(um, "oprestore-gpu", args);
    cr_assert_eq(mode_of(vout), want, "video: %o, expected %o", mode_of(vout), want);

    const char *model = bi_path(dir, "m.safetensors");
    snprintf(args, sizeof args, "'%s/tests/fixtures/ckpt/sr_srvgg_x4_prelu.zip.pth' -o '%s'",
             OR_SOURCE_DIR, model);
    run_umask(um, "oprestore-convert", args);
    cr_assert_eq(mode_of(model), want, "model: %o, expected %o", mode_of(model), want);
}

Test(bad_output_mode, umask_022) { check(022); }

Test(bad_output_mode, umask_027) { check(027); }
