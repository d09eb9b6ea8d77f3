/* test_cli_colorize_dex.c: `oprestore-gpu colorize -m deep-exemplar --reference REF`
 * as a user runs it (the built binary, on the CPU) with the seeded release files of
 * tests/fixtures/dex converted into the temporary models folder: odd sizes, alpha
 * kept, gray / RGBA / smaller / larger references, a folder as one chain of frames
 * (the previous frame changes the next one; a scene cut restarts the chain), a
 * video with a cut (every frame out, the chain restarted at the cut), a
 * reference folder with scenes.json (frame ranges pick the reference; a bad
 * file is one line naming it), the keyframe mode (each scene's first frame
 * coloured by another colouriser, here the seeded eccv16, becomes its reference), and
 * the refusals: no --reference (usage, 2), a missing reference or one that is no
 * picture (1, one line naming it, nothing written). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_test_util.h"
#include "runtime/io/image.h"
#include "test_util.h"
#include "video_clip.h"

static int run_dex(const char *fmt_args)
{
    /* a small working size (the default 432x768 costs seconds per frame on 2 cores) */
    return ct_run("colorize -m dex -M '%s' -g cpu --work-pixels 12288 %s", ct_dex_model(), fmt_args);
}

static void assert_one_line(const char *part)
{
    ct_assert_one_line("oprestore-gpu colorize", part);
}

Test(cli_colorize_dex, photo_odd_size_alpha_and_references)
{
    const char *in = ct_tmp("dex_in.png"), *out = ct_tmp("dex_out.png");
    ct_write_png(in, 37, 29, 1, 1, 8, 11); /* gray + alpha, odd size */
    const char *refs[4] = {ct_tmp("ref_rgb_big.png"), ct_tmp("ref_gray.png"),
                           ct_tmp("ref_rgba.png"), ct_tmp("ref_small.png")};
    ct_write_png(refs[0], 120, 70, 3, 0, 8, 12);
    ct_write_png(refs[1], 50, 50, 1, 0, 8, 13);
    ct_write_png(refs[2], 40, 60, 3, 1, 8, 14);
    ct_write_png(refs[3], 9, 7, 3, 0, 16, 15);
    or_image src, img;
    ct_read_img(in, &src);
    for (int r = 0; r < 4; r++) {
        char a[12000];
        snprintf(a, sizeof a, "--reference '%s' -i '%s' -o '%s' --overwrite", refs[r], in,
                 out);
        cr_assert_eq(run_dex(a), 0, "%s: %s", refs[r], ct_err);
        ct_read_img(out, &img);
        cr_expect(img.width == 37 && img.height == 29 && img.channels == 3 && img.alpha,
                  "%s: %dx%d, %d channels", refs[r], img.width, img.height, img.channels);
        cr_expect_eq(tu_max_abs_diff(img.alpha, src.alpha, 37 * 29), 0.0, "alpha changed");
        or_image_free(&img);
    }
    or_image_free(&src);
}

Test(cli_colorize_dex, refusals_write_nothing)
{
    const char *in = ct_tmp("dex_in2.png"), *out = ct_tmp("dex_never.png");
    ct_write_png(in, 32, 24, 1, 0, 8, 21);
    char a[12000];
    snprintf(a, sizeof a, "-i '%s' -o '%s'", in, out);
    cr_expect_eq(run_dex(a), 2, "%s", ct_err);
    assert_one_line("--reference");
    snprintf(a, sizeof a, "--reference '%s' -i '%s' -o '%s'", ct_tmp("no_such_ref.png"), in, out);
    cr_expect_eq(run_dex(a), 1, "%s", ct_err);
    assert_one_line("no_such_ref.png");
    const char *txt = ct_write_text("not_a_picture.png", "hello, I am text\n");
    snprintf(a, sizeof a, "--reference '%s' -i '%s' -o '%s'", txt, in, out);
    cr_expect_eq(run_dex(a), 1, "%s", ct_err);
    assert_one_line("not_a_picture.png");
    const char *empty = ct_tmp("empty_ref_dir");
    mkdir(empty, 0755);
    snprintf(a, sizeof a, "--reference '%s' -i '%s' -o '%s'", empty, in, out);
    cr_expect_eq(run_dex(a), 1, "%s", ct_err);
    assert_one_line("no PNG or JPEG");
    cr_expect(!ct_exists(out), "%s written", out);
    cr_expect_eq(ct_files_starting_with(tu_tmpdir(), "dex_never.png.tmp"), 0);
}

/* A folder is one chain: frame 2 (the same picture as frame 1) differs from the same
 * picture run alone, because it gets frame 1's output; frame 3 (another picture) is
 * a scene cut and starts a new chain, as -v reports. */
Test(cli_colorize_dex, folder_is_one_chain_with_scene_cuts)
{
    const char *dir = ct_tmp("dex_frames"), *odir = ct_tmp("dex_frames_out");
    const char *ref = ct_tmp("dex_ref.png"), *alone = ct_tmp("dex_alone.png");
    mkdir(dir, 0755);
    char p[3][4200];
    for (int k = 0; k < 3; k++) {
        snprintf(p[k], sizeof p[k], "%s/f%d.png", dir, k + 1);
        ct_write_png(p[k], 48, 32, 1, 0, 8, k < 2 ? 31 : 32);
    }
    ct_write_png(ref, 64, 48, 3, 0, 8, 33);
    char a[12000];
    snprintf(a, sizeof a, "--reference '%s' -i '%s' -o '%s' -v", ref, dir, odir);
    cr_assert_eq(run_dex(a), 0, "%s", ct_err);
    cr_expect(strstr(ct_err, "f1.png") && strstr(ct_err, "scene 0, reference 0 (new chain)"),
              "%s", ct_err);
    const char *f2 = strstr(ct_err, "f2.png ->"), *f3 = strstr(ct_err, "f3.png ->");
    cr_assert(f2 && f3, "%s", ct_err);
    cr_expect(!strncmp(strstr(f2, "scene"), "scene 0, reference 0,", 21), "frame 2: %.80s", f2);
    cr_expect(!strncmp(strstr(f3, "scene"), "scene 1, reference 0 (new chain)", 32),
              "frame 3: %.80s", f3);

    snprintf(a, sizeof a, "--reference '%s' -i '%s' -o '%s'", ref, p[1], alone);
    cr_assert_eq(run_dex(a), 0, "%s", ct_err);
    or_image chained, single;
    char o2[4200];
    snprintf(o2, sizeof o2, "%s/f2.png", odir);
    ct_read_img(o2, &chained);
    ct_read_img(alone, &single);
    double d = tu_max_abs_diff(chained.planes, single.planes, (size_t)3 * 48 * 32);
    cr_expect_gt(d, 1.0 / 255, "the previous frame did not change frame 2 (max diff %g)", d);
    or_image_free(&chained), or_image_free(&single);
}

/* A video goes through the restore machinery frame by frame in order: every frame
 * comes out, at the input's size. */
Test(cli_colorize_dex, video_frames_in_order)
{
    const char *in = ct_tmp("dex_clip.mkv"), *out = ct_tmp("dex_clip_out.mkv");
    const char *ref = ct_tmp("dex_vref.png");
    vc_spec s = {48, 32, 5, 10, 0, 0, 0, 3, NULL};
    vc_make(in, &s);
    ct_write_png(ref, 64, 40, 3, 0, 8, 41);
    char a[12000];
    snprintf(a, sizeof a, "--reference '%s' -i '%s' -o '%s' -q", ref, in, out);
    cr_assert_eq(run_dex(a), 0, "%s", ct_err);
    vc_facts f = vc_probe(out);
    cr_expect_eq(f.width, 48);
    cr_expect_eq(f.height, 32);
    cr_expect_eq(f.frames, 5);
    /* no --reference on a video: the same usage error, nothing written */
    const char *never = ct_tmp("dex_clip_never.mkv");
    snprintf(a, sizeof a, "-i '%s' -o '%s'", in, never);
    cr_expect_eq(run_dex(a), 2, "%s", ct_err);
    cr_expect(!ct_exists(never));
}

/* REF/scenes.json: frame 0 takes a.png, frames 1..2 b.png; the change of reference
 * starts a new chain although the frames are the same picture. */
Test(cli_colorize_dex, scenes_json_picks_the_reference_by_frame)
{
    const char *dir = ct_tmp("dex_sj_frames"), *odir = ct_tmp("dex_sj_out");
    const char *refs = ct_tmp("dex_sj_refs");
    mkdir(dir, 0755);
    mkdir(refs, 0755);
    char p[4200];
    for (int k = 0; k < 3; k++) {
        snprintf(p, sizeof p, "%s/f%d.png", dir, k + 1);
        ct_write_png(p, 48, 32, 1, 0, 8, 51);
    }
    snprintf(p, sizeof p, "%s/a.png", refs);
    ct_write_png(p, 40, 40, 3, 0, 8, 52);
    snprintf(p, sizeof p, "%s/b.png", refs);
    ct_write_png(p, 40, 40, 3, 0, 8, 53);
    snprintf(p, sizeof p, "%s/scenes.json", refs);
    FILE *f = fopen(p, "w");
    fputs("[{\"first\": 0, \"last\": 0, \"reference\": \"a.png\"},\n"
          " {\"first\": 1, \"last\": 2, \"reference\": \"b.png\"}]\n", f);
    fclose(f);
    char a[12000];
    snprintf(a, sizeof a, "--reference '%s' -i '%s' -o '%s' -v", refs, dir, odir);
    cr_assert_eq(run_dex(a), 0, "%s", ct_err);
    const char *f1 = strstr(ct_err, "f1.png ->"), *f2 = strstr(ct_err, "f2.png ->");
    const char *f3 = strstr(ct_err, "f3.png ->");
    cr_assert(f1 && f2 && f3, "%s", ct_err);
    cr_expect(!strncmp(strstr(f1, "scene"), "scene 0, reference 0 (new chain)", 32), "%.90s", f1);
    cr_expect(!strncmp(strstr(f2, "scene"), "scene 0, reference 1 (new chain)", 32), "%.90s", f2);
    cr_expect(!strncmp(strstr(f3, "scene"), "scene 0, reference 1,", 21), "%.90s", f3);

    f = fopen(p, "w"); /* overlapping ranges: refused, nothing written */
    fputs("[{\"first\": 0, \"last\": 5, \"reference\": \"a.png\"},"
          " {\"first\": 5, \"last\": 9, \"reference\": \"b.png\"}]", f);
    fclose(f);
    const char *odir2 = ct_tmp("dex_sj_out2");
    snprintf(a, sizeof a, "--reference '%s' -i '%s' -o '%s'", refs, dir, odir2);
    cr_expect_eq(run_dex(a), 1, "%s", ct_err);
    assert_one_line("scenes.json: entry 1: frames 5..9 overlap entry 0");
    /* (the -o folder may exist: it is made before the model is read; it stays empty) */
    cr_expect(!ct_exists(odir2) || ct_files_starting_with(odir2, "f") == 0, "%s has files", odir2);
}

/* --keyframes eccv: no --reference; every scene's first frame is coloured by eccv16
 * and becomes that scene's reference; a keyframe model that is no colouriser, or
 * both --reference and --keyframes, are refused. */
Test(cli_colorize_dex, keyframes_colour_each_scene_first_frame)
{
    ct_model("zhang_eccv16.zip.pth", "eccv");
    const char *dir = ct_tmp("dex_kf_frames"), *odir = ct_tmp("dex_kf_out");
    mkdir(dir, 0755);
    char p[4200];
    for (int k = 0; k < 3; k++) {
        snprintf(p, sizeof p, "%s/f%d.png", dir, k + 1);
        ct_write_png(p, 48, 32, 1, 0, 8, k < 2 ? 61 : 62);
    }
    char a[12000];
    snprintf(a, sizeof a, "--keyframes eccv -i '%s' -o '%s' -v", dir, odir);
    cr_assert_eq(run_dex(a), 0, "%s", ct_err);
    cr_expect(strstr(ct_err, "coloured by eccv"), "%s", ct_err);
    const char *f2 = strstr(ct_err, "f2.png ->"), *f3 = strstr(ct_err, "f3.png ->");
    cr_assert(f2 && f3, "%s", ct_err);
    cr_expect(!strncmp(strstr(f2, "scene"), "scene 0, reference keyframe of scene 0,", 39),
              "%.90s", f2);
    cr_expect(!strncmp(strstr(f3, "scene"), "scene 1, reference keyframe of scene 1 (new chain)",
                       50), "%.90s", f3);
    snprintf(p, sizeof p, "%s/f3.png", odir);
    cr_expect(ct_exists(p));

    const char *ref = ct_tmp("dex_kf_ref.png");
    ct_write_png(ref, 20, 20, 3, 0, 8, 63);
    snprintf(a, sizeof a, "--keyframes eccv --reference '%s' -i '%s' -o '%s'", ref, dir,
             ct_tmp("dex_kf_never"));
    cr_expect_eq(run_dex(a), 2, "%s", ct_err);
    assert_one_line("--reference and --keyframes");
    snprintf(a, sizeof a, "--keyframes dex -i '%s' -o '%s'", dir, ct_tmp("dex_kf_never2"));
    cr_expect_eq(run_dex(a), 1, "%s", ct_err);
    assert_one_line("--keyframes dex");
}
