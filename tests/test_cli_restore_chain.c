/* test_cli_restore_chain.c: `oprestore-gpu restore` with the real stages, as
 * a user runs it (the built binary on the CPU), on an 8-frame 64x48 FFV1 clip
 * with PCM audio (tests/video_clip.h): --colorize (seeded siggraph17 and
 * DeOldify deep fixtures), --interpolate rife-v4.6 (seeded) with -n 2, and
 * colorize + upscale (SRVGG x4 fixture) + interpolate chained; and the
 * single-stage commands given that video (colorize -r, interpolate -n).
 * Fixture checkpoints are converted with the converter API into a temporary
 * models folder (tests/cli_test_util.c).  Checked with libavformat: frame
 * count, size, frame rate, audio packets byte-identical, and DeOldify's
 * render factor (21 on video unless -r / --render-factor) in the -v output. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli_test_util.h"
#include "stage_case_util.h"
#include "runtime/io/video.h"
#include "test_util.h"
#include "video_clip.h"

#define CLIP_W 64
#define CLIP_H 48
#define CLIP_RATE 12

/* An n-frame 64x48 clip at 12 fps with 8 kHz PCM audio (and no subtitles). */
static const char *clip(const char *name, int frames)
{
    return sc_clip(name, CLIP_W, CLIP_H, frames, CLIP_RATE);
}

/* The output has frames x w x h at rate fps (Matroska keeps milliseconds, so
 * the rate libavformat guesses may be off by a rounding: 0.5% allowed; it
 * cannot guess from a single frame: rate 0 skips the check). */
static void expect_video(const char *path, int frames, int w, int h, double rate)
{
    vc_facts f = vc_probe(path);
    cr_expect_eq(f.frames, frames, "%s: %d frames", path, f.frames);
    cr_expect(f.width == w && f.height == h, "%s: %dx%d", path, f.width, f.height);
    double got = (double)f.rate_num / f.rate_den;
    if (rate > 0)
        cr_expect_leq(fabs(got - rate), rate * 0.005, "%s: %d/%d fps, expected %g", path,
                      f.rate_num, f.rate_den, rate);
    cr_expect_str_eq(f.codec, "ffv1");
}

/* Mean |a - b| over the RGB planes of the first frames of two videos. */
static double first_frame_diff(const char *a, const char *b)
{
    or_image fa, fb;
    const char *paths[2] = {a, b};
    or_image *imgs[2] = {&fa, &fb};
    for (int k = 0; k < 2; k++) {
        or_video_reader *r;
        or_video_info info;
        or_err err;
        int64_t pts;
        int got;
        cr_assert_eq(or_video_open(paths[k], &r, &info, &err), OR_OK, "%s", err.msg);
        cr_assert_eq(or_video_read(r, imgs[k], &pts, &got, &err), OR_OK, "%s", err.msg);
        cr_assert(got);
        or_video_close(r);
    }
    cr_assert(fa.width == fb.width && fa.height == fb.height && fa.channels == fb.channels);
    size_t n = (size_t)fa.channels * fa.width * fa.height;
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += fabs(fa.planes[i] - fb.planes[i]);
    or_image_free(&fa), or_image_free(&fb);
    return s / n;
}

Test(cli_restore_chain, colorize_siggraph17_keeps_frames_rate_and_audio)
{
    const char *in = clip("c_sig.mkv", 8), *out = ct_tmp("c_sig_out.mkv");
    cr_assert_eq(ct_run("restore -i '%s' -o '%s' --colorize sig -M '%s' -g cpu -q --codec ffv1",
                        in, out, sc_models()), 0, "%s", ct_err);
    cr_expect_eq(ct_err[0], 0, "-q: %s", ct_err);
    expect_video(out, 8, CLIP_W, CLIP_H, CLIP_RATE);
    sc_expect_same_audio(in, out);
    /* the clip has colour of its own: the network's chroma replaces it */
    cr_expect_gt(first_frame_diff(in, out), 1e-3, "colorize changed nothing");
}

/* DeOldify on a video runs at render factor 21 (16*21 = 336 square); -r and
 * --render-factor override it; the -v output says which. */
Test(cli_restore_chain, deoldify_uses_render_factor_21_on_video)
{
    /* one frame: DeOldify at 336x336 is the slowest network here */
    const char *in = clip("c_deo.mkv", 1), *out = ct_tmp("c_deo_out.mkv");
    cr_assert_eq(ct_run("restore -i '%s' -o '%s' --colorize deo -M '%s' -g cpu -v --codec ffv1",
                        in, out, sc_models()), 0, "%s", ct_err);
    cr_expect(strstr(ct_err, "DeOldify render factor 21 (network 336x336, the video default)"),
              "%s", ct_err);
    expect_video(out, 1, CLIP_W, CLIP_H, 0);
    sc_expect_same_audio(in, out);
    /* the colorize command given a video: the same path; -r overrides */
    cr_assert_eq(ct_run("colorize -i '%s' -o '%s' -m deo -r 4 -M '%s' -g cpu -v --codec ffv1 "
                        "--overwrite", in, out, sc_models()), 0, "%s", ct_err);
    cr_expect(strstr(ct_err, "DeOldify render factor 4 (network 64x64, given)"), "%s", ct_err);
    cr_assert_eq(ct_run("restore -i '%s' -o '%s' --colorize deo --render-factor 5 -M '%s' -g cpu "
                        "-v --codec ffv1 --overwrite", in, out, sc_models()), 0, "%s", ct_err);
    cr_expect(strstr(ct_err, "DeOldify render factor 5 (network 80x80, given)"), "%s", ct_err);
    /* Zhang's networks have no render factor: nothing is said */
    cr_assert_eq(ct_run("restore -i '%s' -o '%s' --colorize sig -M '%s' -g cpu -v --codec ffv1 "
                        "--overwrite", in, out, sc_models()), 0, "%s", ct_err);
    cr_expect_null(strstr(ct_err, "render factor"), "%s", ct_err);
    /* image-only flags of colorize are refused on a video */
    cr_expect_eq(ct_run("colorize -i '%s' -o '%s' -m deo -M '%s' -g cpu --hints h.json", in, out,
                        sc_models()), 2, "%s", ct_err);
    ct_assert_one_line("oprestore-gpu colorize", "--hints");
}

/* -n 2: 2x the frames (the last one repeated, so the duration and the audio
 * sync stay), 2x the frame rate, the audio untouched. */
Test(cli_restore_chain, interpolate_rife_doubles_frames_and_rate)
{
    const char *in = clip("c_rife.mkv", 8), *out = ct_tmp("c_rife_out.mkv");
    cr_assert_eq(ct_run("restore -i '%s' -o '%s' --interpolate rife -n 2 -M '%s' -g cpu -v "
                        "--codec ffv1", in, out, sc_models()), 0, "%s", ct_err);
    cr_expect(strstr(ct_err, "8 frames in, 16 out"), "%s", ct_err);
    expect_video(out, 16, CLIP_W, CLIP_H, 2 * CLIP_RATE);
    sc_expect_same_audio(in, out);
    cr_expect_leq(fabs(vc_probe(out).duration - vc_probe(in).duration), 0.1,
                  "duration kept: %g vs %g", vc_probe(out).duration, vc_probe(in).duration);
}

Test(cli_restore_chain, interpolate_command_routes_a_video)
{
    const char *in = clip("c_route.mkv", 4), *out = ct_tmp("c_route_out.mkv");
    cr_assert_eq(ct_run("interpolate -i '%s' -o '%s' -m rife -n 2 --scale 0.5 -M '%s' -g cpu -q "
                        "--codec ffv1", in, out, sc_models()), 0, "%s", ct_err);
    expect_video(out, 8, CLIP_W, CLIP_H, 2 * CLIP_RATE);
    sc_expect_same_audio(in, out);
    /* the pair flags are for images */
    cr_expect_eq(ct_run("interpolate -i '%s' -o '%s' -m rife --time 0.3 -M '%s' -g cpu", in, out,
                        sc_models()), 2, "%s", ct_err);
    ct_assert_one_line("oprestore-gpu interpolate", "--time");
}

/* The shared video cases (tests/stage_case_util.c) at -g cpu: the restore
 * chain (one worker per stage), and each single-stage command given a video. */
static void video_case(const sc_video_case *c, const char *tag, int frames, const char *extra)
{
    char name[64];
    snprintf(name, sizeof name, "c_%s.mkv", tag);
    const char *in = clip(name, frames);
    snprintf(name, sizeof name, "c_%s_out.mkv", tag);
    const char *out = ct_tmp(name);
    cr_assert_eq(ct_run("%s -i '%s' -o '%s' -M '%s' -g cpu -v --codec ffv1 %s", c->args, in, out,
                        sc_models(), extra),
                 0, "%s: %s", c->args, ct_err);
    sc_expect_said(c, frames, ct_err);
    /* libavformat guesses a rate only from enough frames (8 here) */
    expect_video(out, frames * c->per_frame, c->scale * CLIP_W, c->scale * CLIP_H,
                 frames >= 8 ? c->per_frame * CLIP_RATE : 0);
    sc_expect_same_audio(in, out);
}

Test(cli_restore_chain, colorize_upscale_interpolate_chained)
{
    video_case(&sc_chain, "all", 8, "-j 1:1:1");
}

Test(cli_restore_chain, single_stage_commands_given_a_video)
{
    video_case(&sc_upscale, "up", 2, "");
    video_case(&sc_colorize_deo, "deo2", 2, "");
    video_case(&sc_interpolate_rife, "rife2", 3, "");
    video_case(&sc_interpolate_dain, "dain", 2, "");
}
