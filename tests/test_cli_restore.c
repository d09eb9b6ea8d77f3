/* test_cli_restore.c: `oprestore-gpu restore` (and upscale on a video) as a
 * user runs it: the built binary on the CPU with a tiny SRVGG x4 fixture
 * converted into a temporary models folder, on small generated clips
 * (tests/video_clip.h) and on a short, scaled-down segment of
 * ../shared/testdata/film (skipped when missing).  Checked with libavformat
 * (ffprobe is not needed): frame count, size and rate, audio and subtitle
 * packets identical, colour range kept, --overwrite, inputs never
 * overwritten, a stage that fails gives one line and no file, Ctrl-C
 * (SIGINT) leaves nothing. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "runtime/io/video.h"
#include "cli_test_util.h"
#include "test_util.h"
#include "video_clip.h"

/* A models folder holding tiny.safetensors (SRVGG x4, 16 features, PReLU). */
static const char *models(void) { return ct_model("sr_srvgg_x4_prelu.zip.pth", "tiny"); }

static void same_payloads(const char *a, const char *b, enum AVMediaType type)
{
    size_t la, lb;
    int pa, pb;
    uint8_t *x = vc_payloads(a, type, &la, &pa), *y = vc_payloads(b, type, &lb, &pb);
    cr_assert_gt(la, 0, "no stream of type %d in %s", type, a);
    cr_assert(pa == pb && la == lb && !memcmp(x, y, la), "type %d: %d/%zu vs %d/%zu", type, pa,
              la, pb, lb);
    free(x);
    free(y);
}

Test(cli_restore, upscale_a_clip_keeps_audio_subtitles_range_and_rate)
{
    const char *in = ct_tmp("clip.mkv"), *out = ct_tmp("clip_x4.mkv");
    vc_spec s = {40, 24, 6, 12, 1, 1, 1, 0, NULL};
    vc_make(in, &s);
    char a[9000];
    snprintf(a, sizeof a, "restore -i '%s' -o '%s' --upscale tiny -M '%s' -g cpu -q", in, out,
             models());
    cr_assert_eq(ct_run("%s", a), 0, "%s", ct_err);
    cr_assert_eq(ct_err[0], 0, "-q: %s", ct_err);
    vc_facts f = vc_probe(out);
    cr_assert_eq(f.width, 160);
    cr_assert_eq(f.height, 96);
    cr_assert_eq(f.frames, 6);
    /* Matroska stores milliseconds: with B-frames libavformat guesses 12000/1001 */
    cr_assert_leq(fabs((double)f.rate_num / f.rate_den - 12), 0.02, "%d/%d", f.rate_num,
                  f.rate_den);
    cr_assert_eq(f.range, AVCOL_RANGE_JPEG, "full range kept");
    cr_assert_eq(f.matrix, AVCOL_SPC_BT470BG);
    cr_assert_str_eq(f.codec, avcodec_find_encoder_by_name("libx264") ? "h264" : "ffv1");
    same_payloads(in, out, AVMEDIA_TYPE_AUDIO);
    same_payloads(in, out, AVMEDIA_TYPE_SUBTITLE);

    /* again: the output exists -> kept without --overwrite, replaced with it */
    struct stat before, after;
    stat(out, &before);
    cr_assert_eq(ct_run("%s", a), 1, "%s", ct_err);
    cr_assert(strstr(ct_err, "--overwrite"), "%s", ct_err);
    stat(out, &after);
    cr_assert_eq(before.st_ino, after.st_ino);
    snprintf(a, sizeof a,
             "restore -i '%s' -o '%s' --upscale tiny -M '%s' -g cpu -q --overwrite --codec ffv1",
             in, out, models());
    cr_assert_eq(ct_run("%s", a), 0, "%s", ct_err);
    cr_assert_str_eq(vc_probe(out).codec, "ffv1");
    /* the input is never the output */
    snprintf(a, sizeof a, "restore -i '%s' -o '%s' --upscale tiny -M '%s' -g cpu --overwrite",
             in, in, models());
    cr_assert_eq(ct_run("%s", a), 2, "%s", ct_err);
    cr_assert(strstr(ct_err, "never overwritten"), "%s", ct_err);
    cr_assert_eq(ct_files_starting_with(tu_tmpdir(), "clip_x4.mkv.tmp"), 0);
}

/* upscale (and colorize / interpolate) route a video input to the video path. */
Test(cli_restore, upscale_command_takes_a_video)
{
    if (!avcodec_find_encoder_by_name("libx264"))
        cr_skip_test("no libx264");
    const char *in = ct_tmp("route.mkv"), *out = ct_tmp("route.mp4");
    vc_spec s = {32, 16, 4, 10, 0, 1, 0, 0, NULL};
    vc_make(in, &s);
    char a[9000];
    snprintf(a, sizeof a, "upscale -i '%s' -o '%s' -m tiny -M '%s' -g cpu", in, out, models());
    cr_assert_eq(ct_run("%s", a), 0, "%s", ct_err);
    cr_assert(strstr(ct_err, "left out"), "PCM cannot go into MP4, and says so: %s", ct_err);
    vc_facts f = vc_probe(out);
    cr_assert_eq(f.width, 128);
    cr_assert_eq(f.frames, 4);
    cr_assert_eq(f.range, AVCOL_RANGE_MPEG);
    cr_assert_eq(f.streams, 1);
}

/* A minimal .safetensors with metadata only: a model file whose network
 * cannot be built (no tensors). */
static void fake_model(const char *path, const char *arch)
{
    char json[512];
    int n = snprintf(json, sizeof json, "{\"__metadata__\":{\"arch\":\"%s\",\"format\":\"pt\"}}",
                     arch);
    while (n % 8)
        json[n++] = ' ';
    FILE *f = fopen(path, "wb");
    uint64_t len = (uint64_t)n;
    fwrite(&len, 8, 1, f);
    fwrite(json, 1, (size_t)n, f);
    fclose(f);
}

Test(cli_restore, failing_stage_is_one_line_and_leaves_nothing)
{
    const char *in = ct_tmp("fail.mkv"), *out = ct_tmp("fail_out.mkv"), *m = ct_tmp("broken-rife.safetensors");
    vc_spec s = {32, 16, 4, 10, 0, 0, 0, 0, NULL};
    vc_make(in, &s);
    fake_model(m, "rife");
    char a[9000];
    snprintf(a, sizeof a, "restore -i '%s' -o '%s' --upscale tiny --interpolate '%s' -n 2 -M '%s' -g cpu",
             in, out, m, models());
    cr_assert_eq(ct_run("%s", a), 1, "%s", ct_err);
    cr_assert(strncmp(ct_err, "oprestore-gpu restore: ", 23) == 0, "%s", ct_err);
    cr_assert_eq(strchr(ct_err, '\n'), ct_err + strlen(ct_err) - 1, "one line: %s", ct_err);
    cr_assert_not(ct_exists(out));
    cr_assert_eq(ct_files_starting_with(tu_tmpdir(), "fail_out.mkv"), 0);
    /* a registered model that is missing says where to get it */
    snprintf(a, sizeof a, "restore -i '%s' -o '%s' --colorize deoldify-video -M '%s' -g cpu", in,
             out, models());
    cr_assert_eq(ct_run("%s", a), 1, "%s", ct_err);
    cr_assert(strstr(ct_err, "ColorizeVideo_gen.pth"), "%s", ct_err);
    cr_assert_not(ct_exists(out));
}

Test(cli_restore, usage_errors)
{
    const char *in = ct_tmp("u.mkv"), *out = ct_tmp("u_out.mkv");
    vc_spec s = {16, 16, 2, 10, 0, 0, 0, 0, NULL};
    vc_make(in, &s);
    const char *bad[] = {"", "-n 2 --upscale tiny", "--upscale tiny -m tiny", "--upscale",
                         "--upscale tiny --codec vp9", "--upscale tiny --crf 99",
                         "--upscale tiny -j 0:1:1", "--upscale tiny -f gif",
                         "--upscale tiny --scene-threshold 2"};
    char a[9000];
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(a, sizeof a, "restore -i '%s' -o '%s' -M '%s' %s", in, out, models(), bad[i]);
        cr_assert_eq(ct_run("%s", a), 2, "'%s': %s", bad[i], ct_err);
        cr_assert(strstr(ct_err, "oprestore-gpu restore: "), "%s", ct_err);
    }
    cr_assert_eq(ct_run("%s", "restore -h"), 0);
    cr_assert_eq(ct_run("%s", "models -h"), 0);
    cr_assert_not(ct_exists(out));
}

/* The first 10 frames of ../shared/testdata/film, 2x smaller, as an FFV1 clip. */
static const char *film_segment(int frames)
{
    const char *src = tu_shared("testdata/film/a-bomb_blast_effects_part.mp4");
    if (access(src, R_OK) != 0)
        return NULL;
    char name[64];
    snprintf(name, sizeof name, "film%d.mkv", frames);
    const char *dst = ct_tmp(name);
    or_video_reader *r;
    or_video_info info;
    or_err err;
    cr_assert_eq(or_video_open(src, &r, &info, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(info.width, 432);
    or_video_out_opts o = or_video_out_defaults();
    o.codec = OR_VCODEC_FFV1;
    o.width = info.width / 2, o.height = info.height / 2;
    o.rate_num = info.rate_num, o.rate_den = info.rate_den;
    o.tb_num = info.tb_num, o.tb_den = info.tb_den;
    o.colour = info.used;
    o.src_pix_fmt = info.pix_fmt;
    or_video_writer *w;
    cr_assert_eq(or_video_writer_open(dst, &o, NULL, &w, &err), OR_OK, "%s", err.msg);
    for (int i = 0; i < frames; i++) {
        or_image f, h;
        int64_t pts;
        int got;
        cr_assert_eq(or_video_read(r, &f, &pts, &got, &err), OR_OK, "%s", err.msg);
        cr_assert(got);
        cr_assert_eq(or_image_alloc(&h, o.width, o.height, 3, 0, &err), OR_OK);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < o.height; y++)
                for (int x = 0; x < o.width; x++) {
                    const float *p = or_image_plane(&f, c);
                    or_image_plane(&h, c)[y * o.width + x] =
                        (p[2 * y * f.width + 2 * x] + p[2 * y * f.width + 2 * x + 1] +
                         p[(2 * y + 1) * f.width + 2 * x] + p[(2 * y + 1) * f.width + 2 * x + 1]) / 4;
                }
        cr_assert_eq(or_video_write(w, &h, pts, &err), OR_OK, "%s", err.msg);
        or_image_free(&f);
        or_image_free(&h);
    }
    cr_assert_eq(or_video_writer_finish(w, &err), OR_OK, "%s", err.msg);
    or_video_close(r);
    return dst;
}

Test(cli_restore, film_segment_upscaled)
{
    const char *seg = film_segment(8);
    if (!seg)
        cr_skip_test("../shared/testdata/film missing");
    const char *out = ct_tmp("film_x4.mkv");
    char a[9000];
    snprintf(a, sizeof a, "restore -i '%s' -o '%s' --upscale tiny -M '%s' -g cpu -j 1:1:1 -v",
             seg, out, models());
    cr_assert_eq(ct_run("%s", a), 0, "%s", ct_err);
    cr_assert(strstr(ct_err, "8 frames in, 8 out"), "%s", ct_err);
    vc_facts f = vc_probe(out);
    cr_assert_eq(f.width, 216 * 4);
    cr_assert_eq(f.height, 160 * 4);
    cr_assert_eq(f.frames, 8);
    cr_assert_eq(f.rate_num, 29 * f.rate_den);
    cr_assert_eq(f.range, AVCOL_RANGE_MPEG);
}

/* SIGINT while a film segment is being upscaled: exit 130, no output, no temporary. */
Test(cli_restore, sigint_leaves_nothing)
{
    const char *seg = film_segment(60);
    if (!seg)
        cr_skip_test("../shared/testdata/film missing");
    const char *out = ct_tmp("film_int.mkv");
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", 1);
        dup2(null, 2);
        char bin[4096];
        snprintf(bin, sizeof bin, "%s/oprestore-gpu", OR_BINARY_DIR);
        execl(bin, bin, "restore", "-i", seg, "-o", out, "--upscale", "tiny", "-M", models(),
              "-g", "cpu", (char *)NULL);
        _exit(99);
    }
    /* wait until the temporary output exists (the first frame is being
     * written): "<out's name>.tmp-XXXXXX" beside it (ct_tmp prefixes the pid) */
    const char *base = strrchr(out, '/') + 1;
    char tmp_prefix[512];
    snprintf(tmp_prefix, sizeof tmp_prefix, "%s.tmp", base);
    for (int i = 0; i < 1500 && !ct_files_starting_with(tu_tmpdir(), tmp_prefix); i++)
        usleep(20000);
    cr_assert_eq(ct_files_starting_with(tu_tmpdir(), tmp_prefix), 1,
                 "no temporary output %s* within 30 s", tmp_prefix);
    kill(pid, SIGINT);
    int st;
    waitpid(pid, &st, 0);
    cr_assert(WIFEXITED(st), "ended by the signal instead of stopping cleanly");
    cr_assert_eq(WEXITSTATUS(st), 130, "exit %d: the SIGINT came after the last frame?",
                 WEXITSTATUS(st));
    cr_assert_not(ct_exists(out));
    cr_assert_eq(ct_files_starting_with(tu_tmpdir(), base), 0, "%s or its temporary left", base);
}
