/* test_cli_dex_keyhints.c: the keyframe workflow of `restore --colorize deep-exemplar
 * --keyframes siggraph17` as a restorer runs it (the built binary, -g cpu, the
 * seeded Deep Exemplar and SIGGRAPH17 fixtures, an 8-frame FFV1 clip with cuts
 * before frames 3 and 6, so three scenes starting at 0, 3 and 6):
 *   --keyframes-out DIR writes one PNG per scene, named by scene and frame, and
 *   the colouring that became the scene's reference; without -o, the same files
 *   and no film;
 *   --keyframe-hints DIR with a hints file for scene 1 only: scene 1's reference is
 *   exactly `colorize -m siggraph17 --hints FILE` of the keyframe PNG (what the studio
 *   exports for it), the other scenes' references are the automatic ones, and the
 *   film differs from the automatic run in scene 1's frames only;
 *   a one-scene clip takes a plain hints file (a studio export of any name);
 *   --segment K/N with hints: the joined segments equal the single run;
 *   bad hints (malformed, unknown scene, another first frame, points outside the
 *   frame, a file that names no scene for a film of several, a folder file named
 *   after no scene, a keyframe model without hints, a picture input): one line
 *   naming the file, non-zero exit, no output, no keyframe folder. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_test_util.h"
#include "runtime/io/image.h"
#include "runtime/io/video.h"
#include "test_util.h"
#include "video_clip.h"

#define W 48
#define H 32
#define FRAMES 8
#define ARGS "--colorize dex --work-pixels 4096 --keyframes sig -g cpu -q --codec ffv1"

static const int three_scenes[] = {3, 6, 0};

static const char *clip(const char *name, const int *cuts)
{
    const char *p = ct_tmp(name);
    if (!ct_exists(p)) {
        vc_spec s = {W, H, FRAMES, 12, 0, 0, 0, 0, cuts};
        vc_make(p, &s);
    }
    return p;
}

static const char *models(void)
{
    ct_dex_model();
    return ct_model("zhang_siggraph17.zip.pth", "sig");
}

static int restore(const char *in, const char *out, const char *more)
{
    return ct_run("restore -i '%s' -o '%s' -M '%s' " ARGS " %s", in, out, models(), more);
}

static const char *path_in(const char *dir, const char *name)
{
    char p[4400];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return ct_dup(p);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

static double png_diff(const char *a, const char *b)
{
    or_image x, y;
    ct_read_img(a, &x);
    ct_read_img(b, &y);
    cr_assert(x.width == y.width && x.height == y.height && x.channels == y.channels, "%s, %s",
              a, b);
    double d = tu_max_abs_diff(x.planes, y.planes, (size_t)x.channels * x.width * x.height);
    or_image_free(&x), or_image_free(&y);
    return d;
}

/* Per frame of two films of FRAMES frames: 1 where the pixels differ. */
static void frames_differ(const char *a, const char *b, int *differ)
{
    or_video_reader *r[2];
    or_err err;
    cr_assert_eq(or_video_open(a, &r[0], NULL, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_video_open(b, &r[1], NULL, &err), OR_OK, "%s", err.msg);
    for (int t = 0; t < FRAMES; t++) {
        or_image f[2];
        int64_t pts;
        int got[2];
        for (int k = 0; k < 2; k++) {
            cr_assert_eq(or_video_read(r[k], &f[k], &pts, &got[k], &err), OR_OK, "%s", err.msg);
            cr_assert(got[k], "frame %d missing", t);
        }
        differ[t] = tu_max_abs_diff(f[0].planes, f[1].planes, (size_t)f[0].channels * W * H) > 0;
        or_image_free(&f[0]), or_image_free(&f[1]);
    }
    or_video_close(r[0]), or_video_close(r[1]);
}

static const char *scene1_hints =
    "[\n  {\"x\": 10, \"y\": 8, \"color\": \"#e01010\", \"size\": 9},\n"
    "  {\"x\": 40, \"y\": 25, \"color\": \"#1030e0\"}\n]\n";

Test(cli_dex_keyhints, keyframes_out_then_hints_for_one_scene)
{
    const char *in = clip("kh_three.mkv", three_scenes);
    const char *kdir = ct_tmp("kh_keys"), *auto_out = ct_tmp("kh_auto.mkv");
    char more[8192];
    snprintf(more, sizeof more, "--keyframes-out '%s'", kdir);
    cr_assert_eq(restore(in, auto_out, more), 0, "%s", ct_err);
    static const char *names[3] = {"scene-0000-f000000", "scene-0001-f000003",
                                   "scene-0002-f000006"};
    char name[64];
    for (int k = 0; k < 3; k++) {
        snprintf(name, sizeof name, "%s.png", names[k]);
        cr_expect(ct_exists(path_in(kdir, name)), "%s missing", name);
        snprintf(name, sizeof name, "%s-reference.png", names[k]);
        cr_expect(ct_exists(path_in(kdir, name)), "%s missing", name);
    }
    cr_expect_eq(ct_files_starting_with(kdir, "scene-"), 6, "one keyframe and reference per scene");
    or_image key;
    ct_read_img(path_in(kdir, "scene-0001-f000003.png"), &key);
    cr_expect(key.width == W && key.height == H, "the keyframe at full size: %dx%d", key.width,
              key.height);
    or_image_free(&key);

    /* without -o: the same keyframes and references, and no film (a quick first pass) */
    const char *konly = ct_tmp("kh_keys_only");
    cr_assert_eq(ct_run("restore -i '%s' -M '%s' " ARGS " --keyframes-out '%s'", in, models(),
                        konly), 0, "%s", ct_err);
    cr_expect_eq(ct_files_starting_with(konly, "scene-"), 6);
    for (int k = 0; k < 3; k++)
        for (int r = 0; r < 2; r++) {
            snprintf(name, sizeof name, "%s%s.png", names[k], r ? "-reference" : "");
            cr_assert(ct_exists(path_in(konly, name)), "%s missing", name);
            cr_expect_eq(png_diff(path_in(konly, name), path_in(kdir, name)), 0.0, "%s", name);
        }

    /* the user's hints for scene 1, saved beside its keyframe */
    const char *hfile = path_in(kdir, "scene-0001-f000003.json");
    write_file(hfile, scene1_hints);
    const char *kdir2 = ct_tmp("kh_keys2"), *hint_out = ct_tmp("kh_hints.mkv");
    snprintf(more, sizeof more, "--keyframe-hints '%s' --keyframes-out '%s'", kdir, kdir2);
    cr_assert_eq(restore(in, hint_out, more), 0, "%s", ct_err);

    /* scene 1's reference is what colorize --hints makes of the keyframe PNG */
    const char *by_colorize = ct_tmp("kh_colorize.png");
    cr_assert_eq(ct_run("colorize -m sig -M '%s' -g cpu -i '%s' -o '%s' --hints '%s' -q",
                        models(), path_in(kdir, "scene-0001-f000003.png"), by_colorize, hfile),
                 0, "%s", ct_err);
    cr_expect_eq(png_diff(path_in(kdir2, "scene-0001-f000003-reference.png"), by_colorize), 0.0,
                 "scene 1's keyframe differs from colorize --hints");
    cr_expect_gt(png_diff(path_in(kdir2, "scene-0001-f000003-reference.png"),
                          path_in(kdir, "scene-0001-f000003-reference.png")), 1.0 / 255,
                 "the hints did not change scene 1's keyframe");
    for (int k = 0; k < 3; k += 2) {
        snprintf(name, sizeof name, "%s-reference.png", names[k]);
        cr_expect_eq(png_diff(path_in(kdir2, name), path_in(kdir, name)), 0.0,
                     "scene %d (no hints) changed", k);
    }
    /* the film: only scene 1's frames (3, 4, 5) change */
    int differ[FRAMES];
    frames_differ(auto_out, hint_out, differ);
    for (int t = 0; t < FRAMES; t++)
        cr_expect_eq(differ[t], t >= 3 && t < 6, "frame %d %s", t,
                     differ[t] ? "changed" : "did not change");

    /* the same hints as one file of scenes, and by --segment: the same film */
    const char *map = ct_write_text("kh_map.json",
                                    "{\"scene-0001\": [{\"x\": 10, \"y\": 8, \"color\": "
                                    "\"#e01010\", \"size\": 9}, {\"x\": 40, \"y\": 25, "
                                    "\"color\": \"#1030e0\"}]}");
    const char *segdir = ct_tmp("kh_segments"), *joined = ct_tmp("kh_joined.mkv");
    const char *segkeys = ct_tmp("kh_segment_keys");
    for (int k = 0; k < 2; k++) {
        snprintf(more, sizeof more, "--keyframe-hints '%s' --segment %d/2 --keyframes-out '%s'",
                 map, k, segkeys);
        cr_assert_eq(restore(in, segdir, more), 0, "segment %d: %s", k, ct_err);
    }
    cr_assert_eq(ct_run("join -o '%s' '%s' -q", joined, segdir), 0, "%s", ct_err);
    char why[1024];
    cr_expect(vc_same_film(hint_out, joined, why, sizeof why), "%s", why);
    /* the segments wrote the single run's keyframes and references, under the same names */
    cr_expect_eq(ct_files_starting_with(segkeys, "scene-"), 6);
    for (int k = 0; k < 3; k++)
        for (int r = 0; r < 2; r++) {
            snprintf(name, sizeof name, "%s%s.png", names[k], r ? "-reference" : "");
            cr_expect(ct_exists(path_in(segkeys, name)), "%s missing", name);
            if (ct_exists(path_in(segkeys, name)))
                cr_expect_eq(png_diff(path_in(segkeys, name), path_in(kdir2, name)), 0.0, "%s",
                             name);
        }
}

/* A clip without cuts is one scene: a plain hints file of any name (the studio
 * saves hints.json) colours its keyframe. */
Test(cli_dex_keyhints, one_scene_clip_takes_a_plain_hints_file)
{
    const char *in = clip("kh_one.mkv", NULL), *out = ct_tmp("kh_one_out.mkv");
    const char *kdir = ct_tmp("kh_one_keys");
    const char *hfile = ct_write_text("kh_hints.json", scene1_hints);
    char more[8192];
    snprintf(more, sizeof more, "--keyframe-hints '%s' --keyframes-out '%s'", hfile, kdir);
    cr_assert_eq(restore(in, out, more), 0, "%s", ct_err);
    const char *by_colorize = ct_tmp("kh_one_colorize.png");
    cr_assert_eq(ct_run("colorize -m sig -M '%s' -g cpu -i '%s' -o '%s' --hints '%s' -q",
                        models(), path_in(kdir, "scene-0000-f000000.png"), by_colorize, hfile),
                 0, "%s", ct_err);
    cr_expect_eq(png_diff(path_in(kdir, "scene-0000-f000000-reference.png"), by_colorize), 0.0);
    cr_expect_eq(ct_files_starting_with(kdir, "scene-"), 2);
}

/* Bad hints: one line naming the file, exit 1 (2 for usage), nothing written. */
static void refused(const char *hints, int code, const char *part)
{
    const char *in = clip("kh_three.mkv", three_scenes), *out = ct_tmp("kh_never.mkv");
    const char *kdir = ct_tmp("kh_never_keys");
    char more[8192];
    snprintf(more, sizeof more, "--keyframe-hints '%s' --keyframes-out '%s'", hints, kdir);
    cr_expect_eq(restore(in, out, more), code, "%s: %s", hints, ct_err);
    ct_assert_one_line("oprestore-gpu restore", part);
    cr_expect(!ct_exists(out), "%s written", out);
    cr_expect(!ct_exists(kdir), "%s written", kdir);
    char tmp[4400];
    snprintf(tmp, sizeof tmp, "%s.tmp", strrchr(out, '/') + 1);
    cr_expect_eq(ct_files_starting_with(tu_tmpdir(), tmp), 0, "%s left", tmp);
}

static const char *hint_dir(const char *dir, const char *file, const char *text)
{
    const char *d = ct_tmp(dir);
    mkdir(d, 0755);
    write_file(path_in(d, file), text);
    return d;
}

Test(cli_dex_keyhints, bad_hints_fail_cleanly)
{
    refused(ct_write_text("kh_bad.json", "[{\"x\": 1, \"y\": 2, \"color\": \"#12\"}]"), 1,
            "kh_bad.json: entry 0: color \"#12\": expected #rrggbb");
    refused(ct_write_text("kh_junk.json", "[{\"x\": 1, "), 1, "kh_junk.json");
    refused(hint_dir("kh_d_unknown", "scene-0007-f000100.json", "[]"), 1,
            "scene-0007-f000100.json: scene 7: the film has 3 scenes (0..2)");
    refused(hint_dir("kh_d_frame", "scene-0001-f000004.json", "[]"), 1,
            "scene-0001-f000004.json: scene 1 starts at frame 3, not 4");
    refused(hint_dir("kh_d_outside", "scene-0002.json",
                     "[{\"x\": 3, \"y\": 2, \"color\": \"#102030\"},"
                     " {\"x\": 48, \"y\": 2, \"color\": \"#102030\"}]"),
            1, "scene-0002.json: entry 1: (48, 2) is outside the 48x32 frame");
    refused(hint_dir("kh_d_unnamed", "hints.json", "[]"), 1,
            "hints.json: in a folder, a hints file is named after its keyframe");
    refused(ct_write_text("kh_unnamed.json", "[]"), 1,
            "kh_unnamed.json: names no scene, and the film has 3 scenes");
    refused(ct_write_text("kh_map_bad.json", "{\"scene-1\": [], \"hero\": []}"), 1,
            "kh_map_bad.json: member \"hero\": expected a scene name");
    refused(ct_write_text("kh_map_twice.json", "{\"scene-1\": [], \"scene-0001-f000003\": []}"),
            1, "scene 1 has hints in");
    refused(ct_tmp("kh_no_such.json"), 1, "kh_no_such.json");
    const char *empty = ct_tmp("kh_d_empty");
    mkdir(empty, 0755);
    refused(empty, 1, "kh_d_empty: the folder holds no hints file");
}

Test(cli_dex_keyhints, hints_need_siggraph17_keyframes_and_a_video)
{
    const char *in = clip("kh_three.mkv", three_scenes), *out = ct_tmp("kh_never2.mkv");
    const char *h = ct_write_text("scene-0001.json", "[]");
    ct_model("zhang_eccv16.zip.pth", "eccv");
    cr_expect_eq(ct_run("restore -i '%s' -o '%s' -M '%s' --colorize dex --keyframes eccv "
                        "--keyframe-hints '%s' -g cpu", in, out, models(), h), 2, "%s", ct_err);
    ct_assert_one_line("oprestore-gpu restore", "--keyframe-hints: hints colour a keyframe only "
                                                "with --keyframes siggraph17");
    cr_expect_eq(ct_run("restore -i '%s' -o '%s' -M '%s' --colorize dex --keyframe-hints '%s' "
                        "-g cpu", in, out, models(), h), 2, "%s", ct_err);
    ct_assert_one_line("oprestore-gpu restore", "--keyframe-hints goes with --keyframes MODEL");
    const char *pic = ct_tmp("kh_pic.png"), *pic_out = ct_tmp("kh_pic_out.png");
    ct_write_png(pic, 40, 30, 1, 0, 8, 5);
    cr_expect_eq(ct_run("colorize -m dex -M '%s' --keyframes sig --keyframe-hints '%s' -i '%s' "
                        "-o '%s' -g cpu", models(), h, pic, pic_out), 2, "%s", ct_err);
    ct_assert_one_line("oprestore-gpu colorize", "--keyframe-hints: the scenes are those of a "
                                                 "video");
    cr_expect(!ct_exists(out) && !ct_exists(pic_out));
    /* no -o: only with --keyframes-out, on a video, in one run (not a segment) */
    cr_expect_eq(ct_run("restore -i '%s' -M '%s' --colorize dex --keyframes sig -g cpu", in,
                        models()), 2, "%s", ct_err);
    ct_assert_one_line("oprestore-gpu restore", "-o is required");
    cr_expect_eq(ct_run("restore -i '%s' -M '%s' --colorize dex --keyframes sig -g cpu "
                        "--keyframes-out '%s' --segment 0/2", in, models(), ct_tmp("kh_k3")),
                 2, "%s", ct_err);
    ct_assert_one_line("oprestore-gpu restore", "-o is required");
    cr_expect_eq(ct_run("restore -i '%s' -M '%s' --colorize dex --keyframes sig -g cpu "
                        "--keyframes-out '%s'", pic, models(), ct_tmp("kh_k4")), 2, "%s", ct_err);
    ct_assert_one_line("oprestore-gpu restore", "is not a video");
    cr_expect_eq(ct_run("restore -i '%s' -M '%s' --colorize sig -g cpu --keyframes-out '%s'", in,
                        models(), ct_tmp("kh_k5")), 2, "%s", ct_err);
    ct_assert_one_line("oprestore-gpu restore", "-o is required");
    cr_expect(!ct_exists(ct_tmp("kh_k3")) && !ct_exists(ct_tmp("kh_k4")) &&
              !ct_exists(ct_tmp("kh_k5")));
}
