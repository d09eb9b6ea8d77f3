/* test_video.c: runtime/io/video.h and the video pipeline on small generated
 * clips (tests/video_clip.h): colour range and matrix kept, audio and
 * subtitle packets copied unchanged, frame count and rate (n-times with an
 * interpolation callback), scene cuts, an interrupted run leaving nothing,
 * one-line errors. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <libavutil/pixdesc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/pipeline/pipeline.h"
#include "runtime/io/video.h"
#include "cli_test_util.h"
#include "test_util.h"
#include "video_clip.h"

static const char *tmp(const char *name) { return ct_tmp(name); }

/* ---- a reader -> pipeline -> writer run, as the CLI does it ------------------------- */

typedef struct {
    or_video_reader *r;
    or_video_info info;
    or_video_writer *w;
    or_video_out_opts wo;
    const char *out;
    int stop_after; /* raise the stop flag once this many frames are written (0: never) */
    int written;
    volatile int64_t frames_seen; /* on_frame calls */
    volatile sig_atomic_t stop;
} run_ctx;

static or_status rd(void *ctx, or_image *img, int64_t *pts, int *got, or_err *err)
{
    return or_video_read(((run_ctx *)ctx)->r, img, pts, got, err);
}

static or_status wr(void *ctx, const or_image *img, int64_t pts, or_err *err)
{
    run_ctx *c = ctx;
    if (!c->w) {
        c->wo.width = img->width, c->wo.height = img->height;
        OR_TRY(or_video_writer_open(c->out, &c->wo, c->r, &c->w, err));
    }
    OR_TRY(or_video_write(c->w, img, pts, err));
    /* the stop is raised here, not from on_frame: only then is the output surely
     * started when it comes (raised on reading, it could beat the first write) */
    if (c->stop_after && ++c->written >= c->stop_after)
        c->stop = 1;
    return OR_OK;
}

/* Linear blend: a test stand-in for an interpolation network. */
static or_status blend(void *ctx, const or_image *a, const or_image *b, float t, or_image *out,
                       or_err *err)
{
    (void)ctx;
    OR_TRY(or_image_copy(a, out, err));
    size_t n = (size_t)a->channels * a->width * a->height;
    for (size_t i = 0; i < n; i++)
        out->planes[i] = (1 - t) * a->planes[i] + t * b->planes[i];
    return OR_OK;
}

static void on_frame(void *ctx, int64_t i)
{
    (void)i;
    ((run_ctx *)ctx)->frames_seen++;
}

/* in -> out through the pipeline with multiplier n and codec; returns the
 * status, stats in *s. */
static or_status transcode(const char *in, const char *out, int n, or_vcodec codec,
                           run_ctx *c, or_pipe_stats *s, or_err *err)
{
    memset(c, 0, sizeof *c);
    c->out = out;
    OR_TRY(or_video_open(in, &c->r, &c->info, err));
    c->wo = or_video_out_defaults();
    c->wo.codec = codec;
    c->wo.rate_num = c->info.rate_num * n, c->wo.rate_den = c->info.rate_den;
    c->wo.tb_num = c->info.tb_num, c->wo.tb_den = c->info.tb_den * n;
    c->wo.colour = c->info.used;
    c->wo.src_pix_fmt = c->info.pix_fmt;
    or_video_keep_streams(c->r);
    or_pipe_video p = {.read = rd, .read_ctx = c, .multiplier = n, .interp = blend,
                       .scene_threshold = 0.2,
                       .frame_duration = (int64_t)((double)c->info.tb_den * c->info.rate_den /
                                                   ((double)c->info.tb_num * c->info.rate_num) + 0.5),
                       .write = wr, .write_ctx = c, .load_depth = 2, .save_depth = 2,
                       .stop = &c->stop, .on_frame = on_frame, .on_frame_ctx = c};
    or_status st = or_pipe_video_run(&p, s, err);
    if (st == OR_OK && !s->stopped)
        st = or_video_writer_finish(c->w, err);
    else
        or_video_writer_abort(c->w);
    c->w = NULL;
    or_video_close(c->r);
    return st;
}

/* All frames of a video as RGB images (*n of them, malloc'ed). */
static or_image *read_all(const char *path, int *n, or_video_info *info)
{
    or_video_reader *r;
    or_err err;
    cr_assert_eq(or_video_open(path, &r, info, &err), OR_OK, "%s", err.msg);
    or_image *v = NULL;
    *n = 0;
    for (;;) {
        or_image img;
        int64_t pts;
        int got;
        cr_assert_eq(or_video_read(r, &img, &pts, &got, &err), OR_OK, "%s", err.msg);
        if (!got)
            break;
        v = realloc(v, (size_t)(*n + 1) * sizeof *v);
        v[(*n)++] = img;
    }
    or_video_close(r);
    return v;
}

static void free_all(or_image *v, int n)
{
    for (int i = 0; i < n; i++)
        or_image_free(&v[i]);
    free(v);
}

static double luma(const or_image *img, size_t i)
{
    return 0.299 * img->planes[i] + 0.587 * or_image_plane(img, 1)[i] +
           0.114 * or_image_plane(img, 2)[i];
}

/* Max luma difference over the pixels where a's RGB is not clipped to 0 or 1
 * (out-of-gamut YUV decodes to clipped RGB, which re-encodes to other YUV:
 * those pixels cannot round-trip). */
static double max_luma_diff(const or_image *a, const or_image *b)
{
    double m = 0;
    for (size_t i = 0; i < (size_t)a->width * a->height; i++) {
        int clipped = 0;
        for (int c = 0; c < 3; c++) {
            float v = or_image_plane(a, c)[i];
            clipped |= v <= 0.f || v >= 1.f;
        }
        if (!clipped)
            m = fmax(m, fabs(luma(a, i) - luma(b, i)));
    }
    return m;
}

/* ---- tests --------------------------------------------------------------------------- */

Test(video, probe_by_content)
{
    const char *clip = tmp("probe.mkv"), *png = tmp("probe.png"), *txt = tmp("probe.mkv.txt");
    vc_spec s = {32, 16, 3, 10, 0, 0, 0, 0, NULL};
    vc_make(clip, &s);
    or_image img;
    or_err err;
    cr_assert_eq(or_image_alloc(&img, 4, 4, 3, 0, &err), OR_OK);
    cr_assert_eq(or_image_write_png(png, &img, 8, &err), OR_OK);
    or_image_free(&img);
    cr_assert_eq(tu_write_file(txt, "not a video at all", 18), 0);
    cr_assert_eq(or_video_probe(clip), 1);
    cr_assert_eq(or_video_probe(png), 0);
    cr_assert_eq(or_video_probe(txt), 0);
    cr_assert_eq(or_video_probe("/nonexistent/x.mp4"), 0);
}

/* Decoded RGB must give back the coded luma with the stream's own range:
 * BT.601 luma of the RGB = Y/255 (full) or (Y-16)/219 (limited).  A range
 * mix-up (washed out or crushed) is off by 0.03 or more; the conversion
 * rounds to 8 bits, hence 2.5/255.  Pixels whose RGB clips are skipped. */
Test(video, read_uses_the_streams_range)
{
    for (int full = 0; full <= 1; full++) {
        const char *clip = tmp(full ? "range_pc.mkv" : "range_tv.mkv");
        vc_spec s = {64, 48, 2, 10, full, 0, 0, 0, NULL};
        vc_make(clip, &s);
        or_video_info info;
        int n;
        or_image *f = read_all(clip, &n, &info);
        cr_assert_eq(n, 2);
        cr_assert_eq(info.colour.range, full ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG);
        int checked = 0;
        for (int y = 0; y < s.h; y++)
            for (int x = 0; x < s.w; x++) {
                size_t i = (size_t)y * s.w + x;
                int clipped = 0;
                for (int c = 0; c < 3; c++)
                    clipped |= or_image_plane(&f[1], c)[i] <= 0.f || or_image_plane(&f[1], c)[i] >= 1.f;
                if (clipped)
                    continue;
                int Y = vc_y(&s, x, y, 1);
                double want = full ? Y / 255.0 : (Y - 16) / 219.0;
                cr_assert_leq(fabs(luma(&f[1], i) - want), 2.5 / 255, "%s (%d,%d): %f vs %f",
                              clip, x, y, luma(&f[1], i), want);
                checked++;
            }
        cr_assert_gt(checked, s.w * s.h / 2, "too few unclipped pixels: %d", checked);
        free_all(f, n);
    }
}

Test(video, ffv1_copy_keeps_range_audio_and_subtitles)
{
    for (int full = 0; full <= 1; full++) {
        const char *in = tmp(full ? "copy_in_pc.mkv" : "copy_in_tv.mkv");
        const char *out = tmp(full ? "copy_out_pc.mkv" : "copy_out_tv.mkv");
        vc_spec s = {48, 32, 10, 12, full, 1, 1, 0, NULL};
        vc_make(in, &s);
        run_ctx c;
        or_pipe_stats st;
        or_err err;
        cr_assert_eq(transcode(in, out, 1, OR_VCODEC_FFV1, &c, &st, &err), OR_OK, "%s", err.msg);
        cr_assert_eq(st.frames_in, 10);
        cr_assert_eq(st.frames_out, 10);
        vc_facts fi = vc_probe(in), fo = vc_probe(out);
        cr_assert_eq(fo.frames, 10);
        cr_assert_str_eq(fo.codec, "ffv1");
        cr_assert_eq(fo.rate_num * fi.rate_den, fi.rate_num * fo.rate_den, "rate %d/%d",
                     fo.rate_num, fo.rate_den);
        cr_assert_eq(fo.range, full ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG);
        cr_assert_eq(fo.matrix, AVCOL_SPC_BT470BG);
        cr_assert_eq(fo.streams, 3);
        for (int type = AVMEDIA_TYPE_AUDIO; type <= AVMEDIA_TYPE_SUBTITLE; type++) {
            if (type == AVMEDIA_TYPE_DATA)
                continue;
            size_t la, lb;
            int pa, pb;
            uint8_t *a = vc_payloads(in, type, &la, &pa), *b = vc_payloads(out, type, &lb, &pb);
            cr_assert_gt(la, 0);
            cr_assert_eq(pa, pb, "type %d: %d packets in, %d out", type, pa, pb);
            cr_assert(la == lb && !memcmp(a, b, la), "type %d payloads differ", type);
            free(a);
            free(b);
        }
        /* pictures: RGB -> YUV -> RGB at 8 bits moves luma by a level or two */
        or_video_info ii, io;
        int ni, no;
        or_image *a = read_all(in, &ni, &ii), *b = read_all(out, &no, &io);
        cr_assert_eq(io.colour.range, ii.colour.range);
        for (int i = 0; i < ni; i++)
            cr_assert_leq(max_luma_diff(&a[i], &b[i]), 3.0 / 255, "frame %d: %f", i,
                          max_luma_diff(&a[i], &b[i]));
        free_all(a, ni);
        free_all(b, no);
    }
}

static int have_encoder(const char *name)
{
    return avcodec_find_encoder_by_name(name) != NULL;
}

Test(video, h264_mp4_limited_range)
{
    if (!have_encoder("libx264"))
        cr_skip_test("no libx264 in this FFmpeg");
    const char *in = tmp("h264_in.mkv"), *out = tmp("h264_out.mp4");
    vc_spec s = {64, 48, 8, 25, 0, 1, 0, 0, NULL};
    vc_make(in, &s);
    run_ctx c;
    or_pipe_stats st;
    or_err err;
    cr_assert_eq(transcode(in, out, 1, OR_VCODEC_H264, &c, &st, &err), OR_OK, "%s", err.msg);
    vc_facts fo = vc_probe(out);
    cr_assert_str_eq(fo.codec, "h264");
    cr_assert_eq(fo.frames, 8);
    cr_assert_eq(fo.rate_num, 25 * fo.rate_den);
    cr_assert_eq(fo.range, AVCOL_RANGE_MPEG);
    cr_assert_eq(fo.streams, 1, "PCM cannot go into MP4: left out");
    or_video_info ii, io;
    int ni, no;
    or_image *a = read_all(in, &ni, &ii), *b = read_all(out, &no, &io);
    cr_assert_eq(no, ni);
    double psnr = tu_psnr(a[4].planes, b[4].planes, (size_t)3 * s.w * s.h, 1.0);
    cr_assert_gt(psnr, 30, "CRF 18 H.264 of a synthetic frame: %.1f dB", psnr);
    free_all(a, ni);
    free_all(b, no);
}

/* n = 3 over a clip with a cut at frame 6 of 12: 36 frames at 3x the rate,
 * the same duration, audio identical; the in-betweens at the cut repeat the
 * frame before it, the others are blends. */
Test(video, interpolation_rate_and_scene_cut)
{
    const char *in = tmp("interp_in.mkv"), *out = tmp("interp_out.mkv");
    vc_spec s = {64, 48, 12, 10, 0, 1, 0, 6, NULL};
    vc_make(in, &s);
    run_ctx c;
    or_pipe_stats st;
    or_err err;
    cr_assert_eq(transcode(in, out, 3, OR_VCODEC_FFV1, &c, &st, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(st.frames_in, 12);
    cr_assert_eq(st.frames_out, 36);
    cr_assert_eq(st.cuts, 1);
    cr_assert_eq(st.interpolated, (11 - 1) * 2);
    vc_facts fi = vc_probe(in), fo = vc_probe(out);
    cr_assert_eq(fo.frames, 36);
    cr_assert_eq(fo.rate_num * fi.rate_den, 3 * fi.rate_num * fo.rate_den, "rate %d/%d",
                 fo.rate_num, fo.rate_den);
    cr_assert_leq(fabs(fo.duration - fi.duration), 0.11, "%f vs %f", fo.duration, fi.duration);
    size_t la, lb;
    int pa, pb;
    uint8_t *a = vc_payloads(in, AVMEDIA_TYPE_AUDIO, &la, &pa);
    uint8_t *b = vc_payloads(out, AVMEDIA_TYPE_AUDIO, &lb, &pb);
    cr_assert(la && la == lb && !memcmp(a, b, la));
    free(a);
    free(b);
    or_video_info ii, io;
    int ni, no;
    or_image *fin = read_all(in, &ni, &ii), *fout = read_all(out, &no, &io);
    cr_assert_eq(no, 36);
    /* across the cut (5 -> 6): outputs 16 and 17 repeat input 5 */
    cr_assert_leq(max_luma_diff(&fout[16], &fin[5]), 3.0 / 255);
    cr_assert_leq(max_luma_diff(&fout[17], &fin[5]), 3.0 / 255);
    cr_assert_leq(max_luma_diff(&fout[18], &fin[6]), 3.0 / 255);
    /* inside a scene: output 7 is 2/3 of input 2 + 1/3 of input 3 */
    or_image mix;
    cr_assert_eq(blend(NULL, &fin[2], &fin[3], 1.0f / 3, &mix, &err), OR_OK);
    cr_assert_leq(max_luma_diff(&fout[7], &mix), 3.0 / 255);
    cr_assert_gt(max_luma_diff(&fout[7], &fin[2]), 10.0 / 255, "a real in-between");
    or_image_free(&mix);
    /* the last frame is repeated to keep the duration */
    cr_assert_leq(max_luma_diff(&fout[35], &fin[11]), 3.0 / 255);
    free_all(fin, ni);
    free_all(fout, no);
}

Test(video, interrupted_run_leaves_nothing)
{
    const char *in = tmp("stop_in.mkv"), *out = tmp("stop_out.mkv");
    vc_spec s = {48, 32, 30, 10, 0, 1, 0, 0, NULL};
    vc_make(in, &s);
    run_ctx c;
    or_pipe_stats st;
    or_err err;
    memset(&c, 0, sizeof c);
    /* transcode() resets c: set stop_after through a second pass of the fields */
    or_video_reader *r;
    cr_assert_eq(or_video_open(in, &r, &c.info, &err), OR_OK);
    c.r = r, c.out = out, c.stop_after = 2;
    c.wo = or_video_out_defaults();
    c.wo.codec = OR_VCODEC_FFV1;
    c.wo.tb_num = c.info.tb_num, c.wo.tb_den = c.info.tb_den;
    c.wo.colour = c.info.used;
    or_video_keep_streams(r);
    or_pipe_video p = {.read = rd, .read_ctx = &c, .multiplier = 1, .write = wr,
                       .write_ctx = &c, .load_depth = 2, .save_depth = 2, .stop = &c.stop,
                       .on_frame = on_frame, .on_frame_ctx = &c};
    cr_assert_eq(or_pipe_video_run(&p, &st, &err), OR_OK, "%s", err.msg);
    cr_assert(st.stopped);
    cr_assert_lt(st.frames_in, 30);
    cr_assert_geq(c.written, 2);
    cr_assert_gt(c.frames_seen, 0);
    cr_assert_not_null(c.w, "the output was started before the stop");
    or_video_writer_abort(c.w);
    or_video_close(r);
    cr_assert_eq(ct_files_starting_with(tu_tmpdir(), strrchr(out, '/') + 1), 0,
                 "no output and no temporary file");
}

Test(video, one_line_errors)
{
    or_video_reader *r;
    or_video_info info;
    or_err err;
    cr_assert_neq(or_video_open("/nonexistent/film.mp4", &r, &info, &err), OR_OK);
    cr_assert(strstr(err.msg, "/nonexistent/film.mp4") && !strchr(err.msg, '\n'), "%s", err.msg);
    const char *txt = tmp("junk.mkv");
    cr_assert_eq(tu_write_file(txt, "junk junk junk junk", 19), 0);
    cr_assert_neq(or_video_open(txt, &r, &info, &err), OR_OK);
    cr_assert(strstr(err.msg, "junk.mkv"), "%s", err.msg);

    or_video_out_opts o = or_video_out_defaults();
    o.width = 16, o.height = 16;
    o.codec = OR_VCODEC_FFV1;
    or_video_writer *w;
    const char *mp4 = tmp("ffv1.mp4");
    cr_assert_eq(or_video_writer_open(mp4, &o, NULL, &w, &err), OR_EINVAL);
    cr_assert(strstr(err.msg, "cannot hold") && strstr(err.msg, ".mkv"), "%s", err.msg);
    cr_assert_eq(access(mp4, F_OK), -1);
    cr_assert_eq(ct_files_starting_with(tu_tmpdir(), "ffv1.mp4"), 0);
    cr_assert_neq(or_video_writer_open(tmp("x.nosuchcontainer"), &o, NULL, &w, &err), OR_OK);
    or_vcodec vc;
    cr_assert_eq(or_vcodec_parse("hevc", &vc, &err), OR_OK);
    cr_assert_eq(vc, OR_VCODEC_H265);
    cr_assert_eq(or_vcodec_parse("vp9", &vc, &err), OR_EINVAL);

    /* a truncated file: frames up to the cut, or a one-line error, never a crash */
    const char *full = tmp("whole.mkv"), *cut = tmp("cut.mkv");
    vc_spec s = {48, 32, 10, 10, 0, 1, 0, 0, NULL};
    vc_make(full, &s);
    size_t n;
    uint8_t *bytes = tu_read_file(full, &n);
    cr_assert_eq(tu_write_file(cut, bytes, n / 2), 0);
    free(bytes);
    cr_assert_eq(or_video_open(cut, &r, &info, &err), OR_OK, "%s", err.msg);
    int frames = 0;
    for (;;) {
        or_image img;
        int64_t pts;
        int got;
        if (or_video_read(r, &img, &pts, &got, &err) != OR_OK) {
            cr_assert(!strchr(err.msg, '\n'));
            break;
        }
        if (!got)
            break;
        or_image_free(&img);
        frames++;
    }
    cr_assert_lt(frames, 10);
    or_video_close(r);
}
