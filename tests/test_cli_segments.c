/* test_cli_segments.c: `restore --segment K/N` and `join`, as a cluster runs
 * them (the built binary, -g cpu): the joined film equals a single restore
 * run exactly (frame count, time stamps, every pixel, audio and subtitle
 * packets) for N = 1, 2, 3 and 16 (more segments than the plan can fill:
 * empty ones), on a 14-frame clip whose scene cuts fall at awkward places:
 * after the first frame, two adjacent cuts (a one-frame scene), before the
 * last frame; and on a clip without cuts, where every boundary needs the
 * look-ahead frame.  RIFE -n 2 (seeded v4.6 fixture) interpolates, so a
 * boundary in the wrong place would show as a wrong in-between.  FFV1 is
 * lossless, so the decoded pixels are the pixels the stages made.
 * Deep Exemplar (seeded fixture, four references by order, scenes.json, keyframes
 * coloured by the seeded eccv16) with RIFE: boundaries only at cuts, each
 * segment's chain starting with the single run's frame and scene index, so
 * the joined film is the single run's too; -g cpu,cpu refused with it.
 * Also: a missing or failed segment is named, re-running only that K is
 * enough; other settings are refused; a finished segment is not redone;
 * join --status; usage errors. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli_test_util.h"
#include "stage_case_util.h"
#include "runtime/io/video.h"
#include "video_clip.h"

#define W 48
#define H 32
#define FRAMES 14
#define ARGS "--interpolate rife -n 2 -g cpu -q --codec ffv1 -j 1:1:1"

static const int awkward_cuts[] = {1, 6, 7, 13, 0};

/* The clip (with PCM audio and SubRip subtitles), made once per name. */
static const char *clip(const char *name, const int *cuts)
{
    const char *p = ct_tmp(name);
    if (!ct_exists(p)) {
        vc_spec s = {W, H, FRAMES, 12, 0, 1, 1, 0, cuts};
        vc_make(p, &s);
    }
    return p;
}

static const char *single_run(const char *in, const char *name)
{
    const char *out = ct_tmp(name);
    if (!ct_exists(out))
        cr_assert_eq(ct_run("restore -i '%s' -o '%s' -M '%s' " ARGS, in, out, sc_models()), 0,
                     "%s", ct_err);
    return out;
}

static void run_segment(const char *in, const char *dir, int k, int n, const char *more)
{
    cr_assert_eq(ct_run("restore -i '%s' -o '%s' -M '%s' --segment %d/%d " ARGS " %s", in, dir,
                        sc_models(), k, n, more ? more : ""),
                 0, "segment %d/%d: %s", k, n, ct_err);
}

/* The single run with more options (another stage) before ARGS. */
static const char *single_run_with(const char *in, const char *name, const char *more)
{
    const char *out = ct_tmp(name);
    if (!ct_exists(out))
        cr_assert_eq(ct_run("restore -i '%s' -o '%s' -M '%s' %s " ARGS, in, out, sc_models(),
                            more), 0, "%s", ct_err);
    return out;
}

/* a and b are the same film (video_clip.h): pts, pixels, audio, subtitles. */
static void expect_same_frames(const char *a, const char *b)
{
    char why[1024];
    cr_expect(vc_same_film(a, b, why, sizeof why), "%s and %s: %s", a, b, why);
    char frames[32];
    snprintf(frames, sizeof frames, "%d frames", 2 * FRAMES);
    cr_expect_str_eq(why, frames);
    sc_expect_same_audio(a, b); /* and there is audio */
}

/* All N segments into a fresh folder, joined, compared with the single run
 * (more: options for every segment, or NULL). */
static void segments_equal_single_with(const char *in, const char *single, const char *tag,
                                       int n, const char *more)
{
    char name[64];
    snprintf(name, sizeof name, "seg_%s_%d", tag, n);
    const char *dir = ct_tmp(name), *out;
    snprintf(name, sizeof name, "joined_%s_%d.mkv", tag, n);
    out = ct_tmp(name);
    for (int k = n - 1; k >= 0; k--) /* any order: nothing is shared but the input */
        run_segment(in, dir, k, n, more);
    cr_assert_eq(ct_run("join -o '%s' '%s' -q", out, dir), 0, "%s", ct_err);
    expect_same_frames(single, out);
}

static void segments_equal_single(const char *in, const char *single, const char *tag, int n)
{
    segments_equal_single_with(in, single, tag, n, NULL);
}

Test(cli_segments, awkward_cuts_n1_n2_n3_n16_equal_a_single_run)
{
    const char *in = clip("awkward.mkv", awkward_cuts), *single = single_run(in, "awk_single.mkv");
    segments_equal_single(in, single, "awk", 1);
    segments_equal_single(in, single, "awk", 2);
    segments_equal_single(in, single, "awk", 3);
    segments_equal_single(in, single, "awk", 16); /* empty segments, a boundary at every cut */
}

/* Deep Exemplar's chain (the previous output, the scene index that picks the
 * reference by order) restarts only at cuts: with it the plan puts every
 * boundary on a cut (N = 2: 7; N = 3: 6 and 7, a one-frame segment), and a
 * segment's chain starts with the single run's frame and scene index (four
 * references by order, so a segment that counted its scenes from 0 would
 * take the wrong one; scenes.json, by frame).  The small working size keeps
 * it fast. */
#define DEX_ARGS "--colorize dex --work-pixels 4096"

static const char *dex_references(void)
{
    const char *dir = ct_tmp("dex_seg_refs");
    mkdir(dir, 0755);
    char p[4200];
    for (int r = 0; r < 4; r++) {
        snprintf(p, sizeof p, "%s/ref%d.png", dir, r);
        if (!ct_exists(p))
            ct_write_png(p, 24 + 8 * r, 20, 3, 0, 8, 70 + r);
    }
    return dir;
}

Test(cli_segments, deep_exemplar_segments_equal_a_single_run, .timeout = 600)
{
    ct_dex_model();
    const char *in = clip("awkward.mkv", awkward_cuts);
    char more[8400];
    snprintf(more, sizeof more, DEX_ARGS " --reference '%s'", dex_references());
    const char *single = single_run_with(in, "dex_single.mkv", more);
    for (int n = 1; n <= 3; n++)
        segments_equal_single_with(in, single, "dex", n, more);
    char path[4096], text[8192];
    snprintf(path, sizeof path, "%s/segment-0000-of-0003.json", ct_tmp("seg_dex_3"));
    FILE *f = fopen(path, "r");
    cr_assert(f, "%s", path);
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = 0;
    cr_expect(strstr(text, "\"bounds\": [0, 6, 7, 14]"), "the cuts nearest 4 and 9: %s", text);
    cr_expect(strstr(text, "bounds=cuts"), "%s", text);
    /* scenes.json: the reference by frame number (a change at frame 9, inside the
     * last segment: a segment counting its frames from 0 would change at 16) */
    const char *ranges = ct_tmp("dex_seg_ranges");
    mkdir(ranges, 0755);
    snprintf(path, sizeof path, "%s/a.png", ranges);
    ct_write_png(path, 30, 20, 3, 0, 8, 80);
    snprintf(path, sizeof path, "%s/b.png", ranges);
    ct_write_png(path, 20, 30, 3, 0, 8, 81);
    snprintf(path, sizeof path, "%s/scenes.json", ranges);
    f = fopen(path, "w");
    cr_assert(f, "%s", path);
    fputs("[{\"first\": 0, \"last\": 8, \"reference\": \"a.png\"},"
          " {\"first\": 9, \"last\": 13, \"reference\": \"b.png\"}]\n", f);
    fclose(f);
    snprintf(more, sizeof more, DEX_ARGS " --reference '%s'", ranges);
    single = single_run_with(in, "dex_ranges_single.mkv", more);
    segments_equal_single_with(in, single, "dexranges", 3, more);
    /* keyframe mode: each scene's first frame coloured by eccv16 is its reference */
    ct_model("zhang_eccv16.zip.pth", "eccv");
    const char *kf = DEX_ARGS " --keyframes eccv";
    single = single_run_with(in, "dex_kf_single.mkv", kf);
    segments_equal_single_with(in, single, "dexkf", 3, kf);
}

/* Several devices in one process would each run their own chain over
 * interleaved frames: refused, pointing to --segment. */
Test(cli_segments, deep_exemplar_refuses_several_devices)
{
    ct_dex_model();
    const char *in = clip("awkward.mkv", awkward_cuts), *out = ct_tmp("dex_two_devices.mkv");
    cr_expect_eq(ct_run("restore -i '%s' -o '%s' -M '%s' " DEX_ARGS " --reference '%s' "
                        "-g cpu,cpu", in, out, sc_models(), dex_references()), 2, "%s", ct_err);
    ct_assert_one_line("oprestore-gpu restore", "-g cpu,cpu: deep-exemplar colours the frames as "
                                                "one chain");
    cr_expect(strstr(ct_err, "--segment K/N"), "%s", ct_err);
    cr_expect_not(ct_exists(out));
}

Test(cli_segments, no_cuts_boundaries_use_the_look_ahead)
{
    const char *in = clip("nocut.mkv", NULL), *single = single_run(in, "nocut_single.mkv");
    segments_equal_single(in, single, "nocut", 3);
}

/* The plan puts the 2-segment boundary on a cut: segment 0's manifest ends there. */
Test(cli_segments, manifest_names_the_plan_and_the_models)
{
    const char *in = clip("awkward.mkv", awkward_cuts), *dir = ct_tmp("seg_manifest");
    run_segment(in, dir, 0, 2, NULL);
    char path[4096];
    snprintf(path, sizeof path, "%s/segment-0000-of-0002.json", dir);
    FILE *f = fopen(path, "r");
    cr_assert(f, "%s", path);
    char text[8192];
    size_t len = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[len] = 0;
    cr_expect(strstr(text, "\"bounds\": [0, 7, 14]"), "the cut at 7, nearest the middle: %s", text);
    cr_expect(strstr(text, "\"frames_out\": 14"), "%s", text);
    cr_expect(strstr(text, "interpolate=rife n=2"), "%s", text);
    cr_expect(strstr(text, "\"models\": \"interpolate="), "%s", text);
    cr_expect(strstr(text, "\"time_base\": [1, 2000]"), "mkv's 1/1000 over -n 2: %s", text);
    snprintf(path, sizeof path, "%s/segment-0000-of-0002.nut", dir);
    cr_expect(ct_exists(path));
}

Test(cli_segments, missing_failed_and_mismatched_segments_are_named)
{
    const char *in = clip("awkward.mkv", awkward_cuts), *dir = ct_tmp("seg_errors");
    const char *out = ct_tmp("seg_errors.mkv");
    run_segment(in, dir, 0, 3, NULL);
    run_segment(in, dir, 2, 3, NULL);
    /* segment 1 never ran */
    cr_assert_eq(ct_run("join -o '%s' '%s'", out, dir), 1);
    ct_assert_one_line("oprestore-gpu join", "segment 1 of 3 is missing");
    cr_expect_not(ct_exists(out));
    cr_expect_eq(ct_run("join --status '%s'", dir), 3);
    /* segment 1 failed: the progress file says why, and join repeats it */
    char prog[4096];
    snprintf(prog, sizeof prog, "%s/segment-0001-of-0003.progress", dir);
    FILE *f = fopen(prog, "w");
    fprintf(f, "{\"segment\": 1, \"segments\": 3, \"bounds\": [0, 4, 9, 14], \"state\": "
               "\"failed\", \"frames\": 5, \"done\": 2, \"host\": \"node7\", \"error\": "
               "\"frame 6, interpolate: out of GPU memory\"}\n");
    fclose(f);
    cr_assert_eq(ct_run("join -o '%s' '%s'", out, dir), 1);
    ct_assert_one_line("oprestore-gpu join", "segment 1 of 3 failed on node7: frame 6, "
                                             "interpolate: out of GPU memory");
    /* other settings for segment 1: refused, naming what differs */
    run_segment(in, dir, 1, 3, "--scene-threshold 0.3");
    cr_assert_eq(ct_run("join -o '%s' '%s'", out, dir), 1);
    ct_assert_one_line("oprestore-gpu join", "segment-0001-of-0003.json: its settings differs");
    /* the same K again with the film's settings: refused without --overwrite ... */
    cr_assert_eq(ct_run("restore -i '%s' -o '%s' -M '%s' --segment 1/3 " ARGS, in, dir,
                        sc_models()), 1);
    ct_assert_one_line("oprestore-gpu restore", "other settings (add --overwrite");
    /* ... redone with it; then the film joins */
    run_segment(in, dir, 1, 3, "--overwrite");
    cr_assert_eq(ct_run("join -o '%s' '%s' -q", out, dir), 0, "%s", ct_err);
    expect_same_frames(single_run(in, "awk_single.mkv"), out);
    /* a finished segment run again is not redone */
    cr_assert_eq(ct_run("restore -i '%s' -o '%s' -M '%s' --segment 1/3 --interpolate rife -n 2 "
                        "-g cpu --codec ffv1", in, dir, sc_models()), 0, "%s", ct_err);
    cr_expect(strstr(ct_err, "segment 1 of 3 is already done"), "%s", ct_err);
    /* the output exists: --overwrite */
    cr_assert_eq(ct_run("join -o '%s' '%s'", out, dir), 1);
    ct_assert_one_line("oprestore-gpu join", "exists (add --overwrite");
    /* a source that is not the input */
    const char *other = clip("nocut.mkv", NULL);
    cr_assert_eq(ct_run("join -o '%s' '%s' -i '%s' --overwrite", out, dir, other), 1);
    ct_assert_one_line("oprestore-gpu join", "not the input the segments were made from");
}

Test(cli_segments, status_reports_done_running_missing_and_eta)
{
    const char *in = clip("awkward.mkv", awkward_cuts), *dir = ct_tmp("seg_status");
    run_segment(in, dir, 0, 3, NULL);
    char prog[4096];
    snprintf(prog, sizeof prog, "%s/segment-0001-of-0003.progress", dir);
    FILE *f = fopen(prog, "w");
    double now = (double)time(NULL);
    fprintf(f, "{\"segment\": 1, \"segments\": 3, \"bounds\": [0, 4, 9, 14], \"state\": "
               "\"running\", \"frames\": 5, \"done\": 2, \"started\": %.1f, \"updated\": %.1f, "
               "\"host\": \"node3\"}\n", now - 20, now);
    fclose(f);
    const char *log = ct_tmp("status.txt");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s/oprestore-gpu' join --status '%s' > '%s'", OR_BINARY_DIR, dir,
             log);
    int st = system(cmd);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 3, "status %d", st);
    FILE *g = fopen(log, "r");
    char text[4096];
    size_t len = fread(text, 1, sizeof text - 1, g);
    fclose(g);
    text[len] = 0;
    cr_expect(strstr(text, "segment 0 of 3: done     frames 0..3, 4 of 4 done"), "%s", text);
    cr_expect(strstr(text, "segment 1 of 3: running  frames 4..8, 2 of 5 done, 0.10 frames/s, "
                           "ETA 30s, on node3"), "%s", text);
    cr_expect(strstr(text, "segment 2 of 3: missing  frames 9..13, 0 of 5 done"), "%s", text);
    /* 3 + 5 frames left at 0.1 frames/s */
    cr_expect(strstr(text, "1 of 3 done, 1 running, 0 failed, 0 stalled, 1 missing; input frames "
                           "6 of 14 done; ETA 1m20s"), "%s", text);
    /* segment 2 scanning the input for the plan; segment 1 silent for 10 minutes */
    snprintf(prog, sizeof prog, "%s/segment-0002-of-0003.progress", dir);
    f = fopen(prog, "w");
    fprintf(f, "{\"segment\": 2, \"segments\": 3, \"state\": \"planning\", \"done\": 7, "
               "\"started\": %.1f, \"updated\": %.1f, \"host\": \"node5\"}\n", now - 2, now);
    fclose(f);
    snprintf(prog, sizeof prog, "%s/segment-0001-of-0003.progress", dir);
    f = fopen(prog, "w");
    fprintf(f, "{\"segment\": 1, \"segments\": 3, \"bounds\": [0, 4, 9, 14], \"state\": "
               "\"running\", \"frames\": 5, \"done\": 2, \"started\": %.1f, \"updated\": %.1f, "
               "\"host\": \"node3\"}\n", now - 900, now - 600);
    fclose(f);
    st = system(cmd);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 3, "status %d", st);
    g = fopen(log, "r");
    len = fread(text, 1, sizeof text - 1, g);
    fclose(g);
    text[len] = 0;
    cr_expect(strstr(text, "segment 1 of 3: stalled  frames 4..8, 2 of 5 done"), "%s", text);
    cr_expect(strstr(text, "segment 2 of 3: planning frames 9..13, 0 of 5 done (scanning the input: "
                           "7 frames), on node5"), "%s", text);
    cr_expect(strstr(text, "1 of 3 done, 1 running, 0 failed, 1 stalled, 0 missing"), "%s", text);
}

Test(cli_segments, usage_errors)
{
    const char *in = clip("awkward.mkv", awkward_cuts), *dir = ct_tmp("seg_usage");
    cr_expect_eq(ct_run("restore -i '%s' -o '%s' --segment 3/3 " ARGS, in, dir), 2);
    ct_assert_one_line("oprestore-gpu restore", "--segment 3/3: expected K/N");
    cr_expect_eq(ct_run("restore -i '%s' -o '%s' --segment 1 " ARGS, in, dir), 2);
    ct_assert_one_line("oprestore-gpu restore", "expected K/N");
    const char *png = ct_tmp("seg_usage.png");
    ct_write_png(png, 8, 8, 3, 0, 8, 1);
    cr_expect_eq(ct_run("restore -i '%s' -o '%s' --segment 0/2 --upscale srvgg -M '%s' -g cpu",
                        png, dir, sc_models()), 2);
    ct_assert_one_line("oprestore-gpu restore", "--segment splits a video");
    cr_expect_eq(ct_run("join '%s'", dir), 2);
    ct_assert_one_line("oprestore-gpu join", "-o OUT is required");
    cr_expect_eq(ct_run("join -o x.mkv"), 2);
    ct_assert_one_line("oprestore-gpu join", "SEGMENT_DIR");
    cr_expect_eq(ct_run("join -o '%s' '%s'", ct_tmp("u.mkv"), ct_tmp("no_such_dir")), 1);
    ct_assert_one_line("oprestore-gpu join", "not a folder of segments");
}

/* Every decoded frame of path (its pts in ts[], up to max), appended to f[]
 * from index at; returns the new count.  The time base in tb[2] when given. */
static int read_frames(const char *path, or_image *f, int64_t *ts, int at, int max, int *tb)
{
    or_video_reader *r;
    or_video_info info;
    or_err err;
    cr_assert_eq(or_video_open(path, &r, &info, &err), OR_OK, "%s", err.msg);
    if (tb)
        tb[0] = info.tb_num, tb[1] = info.tb_den;
    for (;;) {
        or_image img;
        int64_t pts;
        int got;
        memset(&img, 0, sizeof img);
        cr_assert_eq(or_video_read(r, &img, &pts, &got, &err), OR_OK, "%s", err.msg);
        if (!got)
            break;
        cr_assert_lt(at, max, "%s: more than %d frames", path, max);
        f[at] = img;
        if (ts)
            ts[at] = pts;
        at++;
    }
    or_video_close(r);
    return at;
}

/* H.264 (libx264): each segment is its own encode, and join copies the
 * packets (no re-encode): the joined film decodes to exactly the segment
 * files' decoded frames, one segment after another, pixel for pixel, with
 * the frame count, time base and time stamps of a single run.  (Its pixels
 * are not the single run's: that is another encode, whose keyframes and
 * references differ; FFV1 above is the lossless case.) */
#define H264_ARGS "--interpolate rife -n 2 -g cpu -q --codec h264 -j 1:1:1"
Test(cli_segments, h264_segments_join_by_stream_copy)
{
    if (!avcodec_find_encoder_by_name("libx264"))
        cr_skip_test("no libx264");
    const char *in = clip("awkward.mkv", awkward_cuts), *single = ct_tmp("h264_single.mkv");
    const char *dir = ct_tmp("seg_h264"), *out = ct_tmp("h264_joined.mkv");
    enum { N = 3, MAX = 4 * FRAMES };
    cr_assert_eq(ct_run("restore -i '%s' -o '%s' -M '%s' " H264_ARGS, in, single, sc_models()), 0,
                 "%s", ct_err);
    for (int k = 0; k < N; k++)
        cr_assert_eq(ct_run("restore -i '%s' -o '%s' -M '%s' --segment %d/%d " H264_ARGS, in, dir,
                            sc_models(), k, N), 0, "segment %d: %s", k, ct_err);
    cr_assert_eq(ct_run("join -o '%s' '%s' -q", out, dir), 0, "%s", ct_err);
    cr_assert_str_eq(vc_probe(out).codec, "h264");

    static or_image joined[MAX], segs[MAX], one[MAX];
    static int64_t pts_joined[MAX], pts_one[MAX];
    int tb_joined[2], tb_one[2];
    int n_joined = read_frames(out, joined, pts_joined, 0, MAX, tb_joined);
    int n_one = read_frames(single, one, pts_one, 0, MAX, tb_one);
    int n_segs = 0;
    for (int k = 0; k < N; k++) {
        char seg[4200];
        snprintf(seg, sizeof seg, "%s/segment-%04d-of-%04d.nut", dir, k, N);
        cr_assert_str_eq(vc_probe(seg).codec, "h264", "%s", seg);
        n_segs = read_frames(seg, segs, NULL, n_segs, MAX, NULL);
    }
    cr_expect_eq(n_one, 2 * FRAMES);
    cr_expect_eq(n_joined, n_one);
    cr_expect_eq(n_segs, n_joined);
    cr_expect(tb_joined[0] == tb_one[0] && tb_joined[1] == tb_one[1], "time bases %d/%d and %d/%d",
              tb_joined[0], tb_joined[1], tb_one[0], tb_one[1]);
    for (int i = 0; i < n_joined && i < n_one; i++)
        cr_expect_eq(pts_joined[i], pts_one[i], "frame %d: pts %lld, the single run's %lld", i,
                     (long long)pts_joined[i], (long long)pts_one[i]);
    for (int i = 0; i < n_joined && i < n_segs; i++) {
        const or_image *a = &joined[i], *b = &segs[i];
        cr_expect(a->width == b->width && a->height == b->height && a->channels == b->channels &&
                      !memcmp(a->planes, b->planes,
                              (size_t)a->channels * a->width * a->height * sizeof(float)),
                  "frame %d: the joined film's pixels are not the segment's", i);
    }
    for (int i = 0; i < MAX; i++) {
        or_image_free(&joined[i]);
        or_image_free(&segs[i]);
        or_image_free(&one[i]);
    }
}

/* -g cpu,cpu: two devices (two CPU backends, one worker thread each) in one
 * process give the one-device film exactly, in order; with a segment too.
 * (The CUDA form, -g 0,1, runs on two emulated devices in test_emu_tools.) */
Test(cli_segments, two_devices_in_one_process_equal_one)
{
    const char *in = clip("awkward.mkv", awkward_cuts), *single = single_run(in, "awk_single.mkv");
    const char *out = ct_tmp("two_devices.mkv"), *dir = ct_tmp("seg_two_devices");
    cr_assert_eq(ct_run("restore -i '%s' -o '%s' -M '%s' --interpolate rife -n 2 -g cpu,cpu -v "
                        "--codec ffv1", in, out, sc_models()), 0, "%s", ct_err);
    cr_expect(strstr(ct_err, "frames spread over 2 devices (-g cpu,cpu)"), "%s", ct_err);
    expect_same_frames(single, out);
    for (int k = 0; k < 2; k++)
        cr_assert_eq(ct_run("restore -i '%s' -o '%s' -M '%s' --segment %d/2 --interpolate rife "
                            "-n 2 -g cpu,cpu -q --codec ffv1", in, dir, sc_models(), k), 0, "%s",
                     ct_err);
    cr_assert_eq(ct_run("join -o '%s' '%s' -q --overwrite", out, dir), 0, "%s", ct_err);
    expect_same_frames(single, out);
    /* (one image on several devices shares its tiles: test_cli_upscale) */
    cr_expect_eq(ct_run("restore -i '%s' -o '%s' --interpolate rife -M '%s' -g cpu,,cpu", in,
                        ct_tmp("x.mkv"), sc_models()), 2);
    ct_assert_one_line("oprestore-gpu restore", "comma-separated");
}
