/* video_clip.h: tiny synthetic clips for the video tests, made with
 * libavformat/libavcodec (nothing committed): FFV1 video (lossless, so the
 * YUV samples are known exactly) in Matroska, with optional raw PCM audio and
 * SubRip subtitle streams written packet by packet, and an optional scene cut.
 *   scene A (frames < cut_at): a diagonal ramp that moves 4 levels per frame
 *   scene B (frames >= cut_at): a 8x8 checkerboard, slightly brighter each frame
 * or, with cuts (a 0-terminated increasing list of frames that start a scene),
 * scenes that alternate between the two pictures (the checkerboard's cells 8
 * or 4 pixels, the ramp's slope changing), so that every cut is one.
 * Y uses the whole 0..255 in full range and 16..235 in limited range.
 * Also: reading every packet payload of a stream type, and comparing two
 * films frame by frame, for comparisons. */
#ifndef OR_TEST_VIDEO_CLIP_H
#define OR_TEST_VIDEO_CLIP_H

#include <criterion/criterion.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/io/video.h"

typedef struct {
    int w, h, frames, rate;
    int full_range;
    int audio, subtitles;
    int cut_at; /* 0: no cut */
    const int *cuts; /* NULL, or several cuts (above) */
} vc_spec;

static int vc_y(const vc_spec *s, int x, int y, int t)
{
    int lo = s->full_range ? 0 : 16, span = s->full_range ? 256 : 220;
    if (s->cuts) {
        int scene = 0;
        for (const int *c = s->cuts; *c && *c <= t; c++)
            scene++;
        int cell = scene % 4 == 1 ? 8 : 4;
        if (scene & 1)
            return ((x / cell + y / cell) & 1) ? lo + span - 1 - 40 + t % 8 : lo + 30 + t % 8;
        return lo + (x * (7 + scene) + y * 3 + t * 4) % span;
    }
    if (s->cut_at && t >= s->cut_at)
        return ((x / 8 + y / 8) & 1) ? lo + span - 1 - 40 + t % 8 : lo + 30 + t % 8;
    return lo + (x * 7 + y * 3 + t * 4) % span;
}

static void vc_fill(const vc_spec *s, AVFrame *f, int t)
{
    for (int y = 0; y < s->h; y++)
        for (int x = 0; x < s->w; x++)
            f->data[0][y * f->linesize[0] + x] = (uint8_t)vc_y(s, x, y, t);
    for (int y = 0; y < s->h / 2; y++)
        for (int x = 0; x < s->w / 2; x++) {
            f->data[1][y * f->linesize[1] + x] = (uint8_t)(100 + (x * 5) % 40);
            f->data[2][y * f->linesize[2] + x] = (uint8_t)(160 - (y * 5) % 40);
        }
}

static void vc_write(AVFormatContext *fmt, AVPacket *p, int stream, AVRational from)
{
    av_packet_rescale_ts(p, from, fmt->streams[stream]->time_base);
    p->stream_index = stream;
    cr_assert_geq(av_interleaved_write_frame(fmt, p), 0);
}

static inline void vc_make(const char *path, const vc_spec *s)
{
    AVFormatContext *fmt = NULL;
    cr_assert_geq(avformat_alloc_output_context2(&fmt, NULL, "matroska", path), 0);
    const AVCodec *codec = avcodec_find_encoder(AV_CODEC_ID_FFV1);
    AVCodecContext *enc = avcodec_alloc_context3(codec);
    enc->width = s->w, enc->height = s->h, enc->pix_fmt = AV_PIX_FMT_YUV420P;
    enc->time_base = (AVRational){1, s->rate};
    enc->framerate = (AVRational){s->rate, 1};
    enc->color_range = s->full_range ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
    enc->colorspace = AVCOL_SPC_BT470BG;
    enc->color_primaries = AVCOL_PRI_BT470BG;
    enc->color_trc = AVCOL_TRC_SMPTE170M;
    enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    cr_assert_geq(avcodec_open2(enc, codec, NULL), 0);
    AVStream *vs = avformat_new_stream(fmt, NULL);
    vs->time_base = enc->time_base;
    avcodec_parameters_from_context(vs->codecpar, enc);
    int as = -1, ss = -1;
    if (s->audio) {
        AVStream *st = avformat_new_stream(fmt, NULL);
        st->codecpar->codec_type = AVMEDIA_TYPE_AUDIO;
        st->codecpar->codec_id = AV_CODEC_ID_PCM_S16LE;
        st->codecpar->sample_rate = 8000;
        st->codecpar->format = AV_SAMPLE_FMT_S16;
        av_channel_layout_default(&st->codecpar->ch_layout, 1);
        st->codecpar->bits_per_coded_sample = 16;
        st->codecpar->block_align = 2;
        st->time_base = (AVRational){1, 8000};
        as = st->index;
    }
    if (s->subtitles) {
        AVStream *st = avformat_new_stream(fmt, NULL);
        st->codecpar->codec_type = AVMEDIA_TYPE_SUBTITLE;
        st->codecpar->codec_id = AV_CODEC_ID_SUBRIP;
        st->time_base = (AVRational){1, 1000};
        ss = st->index;
    }
    cr_assert_geq(avio_open(&fmt->pb, path, AVIO_FLAG_WRITE), 0);
    cr_assert_geq(avformat_write_header(fmt, NULL), 0);
    AVFrame *f = av_frame_alloc();
    f->format = AV_PIX_FMT_YUV420P, f->width = s->w, f->height = s->h;
    cr_assert_geq(av_frame_get_buffer(f, 0), 0);
    AVPacket *p = av_packet_alloc();
    int64_t samples = 0, per = 8000 / s->rate;
    for (int t = 0; t <= s->frames; t++) {
        if (t < s->frames) {
            av_frame_make_writable(f);
            vc_fill(s, f, t);
            f->pts = t;
            f->color_range = enc->color_range;
            cr_assert_geq(avcodec_send_frame(enc, f), 0);
        } else {
            avcodec_send_frame(enc, NULL);
        }
        while (avcodec_receive_packet(enc, p) == 0)
            vc_write(fmt, p, vs->index, enc->time_base);
        if (t < s->frames && as >= 0) { /* 1/rate s of a 440 Hz-ish square wave */
            cr_assert_geq(av_new_packet(p, (int)per * 2), 0);
            for (int i = 0; i < per; i++) {
                int16_t v = (int16_t)((((samples + i) / 9) & 1) ? 3000 + t : -3000 - t);
                memcpy(p->data + 2 * i, &v, 2);
            }
            p->pts = p->dts = samples;
            p->duration = per;
            samples += per;
            vc_write(fmt, p, as, (AVRational){1, 8000});
        }
        if (t < s->frames && ss >= 0 && t % 5 == 0) {
            char text[32];
            snprintf(text, sizeof text, "line %d", t);
            cr_assert_geq(av_new_packet(p, (int)strlen(text)), 0);
            memcpy(p->data, text, strlen(text));
            p->pts = p->dts = t * 1000 / s->rate;
            p->duration = 100;
            vc_write(fmt, p, ss, (AVRational){1, 1000});
        }
    }
    cr_assert_geq(av_write_trailer(fmt), 0);
    avio_closep(&fmt->pb);
    av_packet_free(&p);
    av_frame_free(&f);
    avcodec_free_context(&enc);
    avformat_free_context(fmt);
}

/* A clip of `frames` frames of the vc_fill picture encoded with the encoder
 * named `codec` ("mjpeg", "libx264", "mpeg4", ...) in the container the file
 * name says, at 25 fps; from frame change_at on (0: never) the frames are
 * w2 x h2 instead of w x h, which needs a codec that carries the size in
 * every frame (mjpeg: each packet is a whole JPEG).  0 when the encoder is
 * not in this build. */
static inline int vc_make_coded(const char *path, const char *codec, int w, int h, int frames,
                         int change_at, int w2, int h2)
{
    const AVCodec *c = avcodec_find_encoder_by_name(codec);
    if (!c)
        return 0;
    AVFormatContext *fmt = NULL;
    cr_assert_geq(avformat_alloc_output_context2(&fmt, NULL, NULL, path), 0);
    AVCodecContext *enc[2] = {NULL, NULL};
    int pix = !strcmp(codec, "mjpeg") ? AV_PIX_FMT_YUVJ420P : AV_PIX_FMT_YUV420P;
    for (int k = 0; k < (change_at ? 2 : 1); k++) {
        enc[k] = avcodec_alloc_context3(c);
        enc[k]->width = k ? w2 : w, enc[k]->height = k ? h2 : h, enc[k]->pix_fmt = pix;
        enc[k]->time_base = (AVRational){1, 25};
        enc[k]->framerate = (AVRational){25, 1};
        if (fmt->oformat->flags & AVFMT_GLOBALHEADER)
            enc[k]->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
        cr_assert_geq(avcodec_open2(enc[k], c, NULL), 0, "%s", codec);
    }
    AVStream *vs = avformat_new_stream(fmt, NULL);
    vs->time_base = enc[0]->time_base;
    avcodec_parameters_from_context(vs->codecpar, enc[0]);
    cr_assert_geq(avio_open(&fmt->pb, path, AVIO_FLAG_WRITE), 0);
    cr_assert_geq(avformat_write_header(fmt, NULL), 0);
    AVPacket *p = av_packet_alloc();
    for (int t = 0; t < frames; t++) {
        AVCodecContext *e = change_at && t >= change_at ? enc[1] : enc[0];
        vc_spec s = {.w = e->width, .h = e->height, .full_range = pix == AV_PIX_FMT_YUVJ420P};
        AVFrame *f = av_frame_alloc();
        f->format = pix, f->width = s.w, f->height = s.h;
        cr_assert_geq(av_frame_get_buffer(f, 0), 0);
        vc_fill(&s, f, t);
        f->pts = t;
        cr_assert_geq(avcodec_send_frame(e, f), 0);
        av_frame_free(&f);
        if (change_at && t == change_at - 1)
            avcodec_send_frame(e, NULL); /* drain the first encoder before switching */
        while (avcodec_receive_packet(e, p) == 0)
            vc_write(fmt, p, vs->index, e->time_base);
    }
    AVCodecContext *last = change_at && frames > change_at ? enc[1] : enc[0];
    avcodec_send_frame(last, NULL);
    while (avcodec_receive_packet(last, p) == 0)
        vc_write(fmt, p, vs->index, last->time_base);
    cr_assert_geq(av_write_trailer(fmt), 0);
    avio_closep(&fmt->pb);
    av_packet_free(&p);
    avcodec_free_context(&enc[0]);
    avcodec_free_context(&enc[1]);
    avformat_free_context(fmt);
    return 1;
}

/* An audio-only file (AAC, a second of a tone) in the container the name says. */
static inline void vc_make_audio_only(const char *path)
{
    const AVCodec *c = avcodec_find_encoder(AV_CODEC_ID_AAC);
    cr_assert(c, "no AAC encoder");
    AVFormatContext *fmt = NULL;
    cr_assert_geq(avformat_alloc_output_context2(&fmt, NULL, NULL, path), 0);
    AVCodecContext *enc = avcodec_alloc_context3(c);
    enc->sample_rate = 44100, enc->sample_fmt = AV_SAMPLE_FMT_FLTP, enc->bit_rate = 64000;
    av_channel_layout_default(&enc->ch_layout, 1);
    enc->time_base = (AVRational){1, 44100};
    if (fmt->oformat->flags & AVFMT_GLOBALHEADER)
        enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    cr_assert_geq(avcodec_open2(enc, c, NULL), 0);
    AVStream *st = avformat_new_stream(fmt, NULL);
    st->time_base = enc->time_base;
    avcodec_parameters_from_context(st->codecpar, enc);
    cr_assert_geq(avio_open(&fmt->pb, path, AVIO_FLAG_WRITE), 0);
    cr_assert_geq(avformat_write_header(fmt, NULL), 0);
    AVPacket *p = av_packet_alloc();
    for (int k = 0; k <= 44; k++) {
        if (k < 44) {
            AVFrame *f = av_frame_alloc();
            f->format = AV_SAMPLE_FMT_FLTP, f->nb_samples = enc->frame_size;
            f->sample_rate = 44100;
            av_channel_layout_copy(&f->ch_layout, &enc->ch_layout);
            cr_assert_geq(av_frame_get_buffer(f, 0), 0);
            for (int i = 0; i < f->nb_samples; i++)
                ((float *)f->data[0])[i] = ((k * f->nb_samples + i) / 50) & 1 ? 0.3f : -0.3f;
            f->pts = (int64_t)k * enc->frame_size;
            cr_assert_geq(avcodec_send_frame(enc, f), 0);
            av_frame_free(&f);
        } else {
            avcodec_send_frame(enc, NULL);
        }
        while (avcodec_receive_packet(enc, p) == 0)
            vc_write(fmt, p, st->index, enc->time_base);
    }
    cr_assert_geq(av_write_trailer(fmt), 0);
    avio_closep(&fmt->pb);
    av_packet_free(&p);
    avcodec_free_context(&enc);
    avformat_free_context(fmt);
}

/* Concatenated payloads of every packet of the first stream of `type`, and
 * their count; *len = 0 and NULL when there is no such stream. */
static inline uint8_t *vc_payloads(const char *path, enum AVMediaType type, size_t *len, int *packets)
{
    AVFormatContext *fmt = NULL;
    cr_assert_geq(avformat_open_input(&fmt, path, NULL, NULL), 0, "%s", path);
    cr_assert_geq(avformat_find_stream_info(fmt, NULL), 0);
    int s = av_find_best_stream(fmt, type, -1, -1, NULL, 0);
    uint8_t *buf = NULL;
    *len = 0;
    *packets = 0;
    AVPacket *p = av_packet_alloc();
    while (s >= 0 && av_read_frame(fmt, p) >= 0) {
        if (p->stream_index == s) {
            buf = realloc(buf, *len + p->size);
            memcpy(buf + *len, p->data, p->size);
            *len += p->size;
            ++*packets;
        }
        av_packet_unref(p);
    }
    av_packet_free(&p);
    avformat_close_input(&fmt);
    return buf;
}

/* Stream facts of the first video stream. */
typedef struct {
    int width, height, frames, range, matrix, rate_num, rate_den, streams;
    char codec[32];
    double duration;
} vc_facts;

static inline vc_facts vc_probe(const char *path)
{
    vc_facts v;
    memset(&v, 0, sizeof v);
    AVFormatContext *fmt = NULL;
    cr_assert_geq(avformat_open_input(&fmt, path, NULL, NULL), 0, "%s", path);
    cr_assert_geq(avformat_find_stream_info(fmt, NULL), 0);
    int s = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    cr_assert_geq(s, 0);
    AVCodecParameters *p = fmt->streams[s]->codecpar;
    v.width = p->width, v.height = p->height, v.range = p->color_range, v.matrix = p->color_space;
    AVRational r = av_guess_frame_rate(fmt, fmt->streams[s], NULL);
    v.rate_num = r.num, v.rate_den = r.den;
    v.streams = (int)fmt->nb_streams;
    v.duration = fmt->duration > 0 ? (double)fmt->duration / AV_TIME_BASE : 0;
    snprintf(v.codec, sizeof v.codec, "%s", avcodec_get_name(p->codec_id));
    AVPacket *pk = av_packet_alloc();
    while (av_read_frame(fmt, pk) >= 0) {
        v.frames += pk->stream_index == s;
        av_packet_unref(pk);
    }
    av_packet_free(&pk);
    avformat_close_input(&fmt);
    return v;
}

/* 1 when a and b hold the same film: the same time base, decoded frames of
 * the same pts and identical pixels, byte-identical audio and subtitle
 * packets; else 0 and why (one line).  No Criterion assertions: the Slurm
 * test's helper (tests/slurm/slurm_test_tool.c) calls it outside a test. */
static inline int vc_same_film(const char *a, const char *b, char *why, size_t len)
{
    or_video_reader *r[2] = {NULL, NULL};
    or_video_info info[2];
    const char *path[2] = {a, b};
    or_err err;
    int same = 1, frames = 0;
    for (int k = 0; k < 2; k++)
        if (or_video_open(path[k], &r[k], &info[k], &err) != OR_OK) {
            snprintf(why, len, "%s", err.msg);
            or_video_close(r[0]);
            return 0;
        }
    if ((int64_t)info[0].tb_num * info[1].tb_den != (int64_t)info[1].tb_num * info[0].tb_den) {
        snprintf(why, len, "time bases %d/%d and %d/%d", info[0].tb_num, info[0].tb_den,
                 info[1].tb_num, info[1].tb_den);
        same = 0;
    }
    while (same) {
        or_image f[2];
        int64_t pts[2];
        int got[2];
        memset(f, 0, sizeof f);
        for (int k = 0; k < 2 && same; k++)
            if (or_video_read(r[k], &f[k], &pts[k], &got[k], &err) != OR_OK) {
                snprintf(why, len, "%s", err.msg);
                same = 0;
            }
        if (same && got[0] != got[1]) {
            snprintf(why, len, "frame %d is in %s only", frames, got[0] ? a : b);
            same = 0;
        } else if (same && got[0] && pts[0] != pts[1]) {
            snprintf(why, len, "frame %d: pts %lld and %lld", frames, (long long)pts[0],
                     (long long)pts[1]);
            same = 0;
        } else if (same && got[0] &&
                   (f[0].width != f[1].width || f[0].height != f[1].height ||
                    f[0].channels != f[1].channels ||
                    memcmp(f[0].planes, f[1].planes, (size_t)f[0].channels * f[0].width *
                                                         f[0].height * sizeof(float)))) {
            snprintf(why, len, "frame %d: the pixels differ", frames);
            same = 0;
        }
        or_image_free(&f[0]);
        or_image_free(&f[1]);
        if (!got[0] || !got[1])
            break;
        frames++;
    }
    or_video_close(r[0]);
    or_video_close(r[1]);
    static const enum AVMediaType types[2] = {AVMEDIA_TYPE_AUDIO, AVMEDIA_TYPE_SUBTITLE};
    for (int t = 0; t < 2 && same; t++) {
        size_t la, lb;
        int na, nb;
        uint8_t *x = vc_payloads(a, types[t], &la, &na), *y = vc_payloads(b, types[t], &lb, &nb);
        if (na != nb || la != lb || (la && memcmp(x, y, la))) {
            snprintf(why, len, "%s: %d and %d packets, %zu and %zu bytes",
                     t ? "subtitles" : "audio", na, nb, la, lb);
            same = 0;
        }
        free(x);
        free(y);
    }
    if (same)
        snprintf(why, len, "%d frames", frames);
    return same;
}

#endif
