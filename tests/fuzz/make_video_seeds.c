/* make_video_seeds.c: writes the first seeds of the fuzz_video corpus into
 * the folder given: tiny clips (16x16 or 24x8, 3 frames) made with libav's
 * encoders, in several containers:
 *   ffv1.mkv ffv1_av.mkv (with PCM audio and SubRip subtitles) mjpeg.avi
 *   mjpeg.mkv rawvideo.nut rawvideo.avi ffv1_odd.nut (odd size, 4:2:2)
 * Usage: make_video_seeds DIR (built with -DOPRESTORE_FUZZ=ON; the fuzzers
 * grow the corpus from there, tests/fuzz/README.md). */
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/pixdesc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(x)                                                   \
    do {                                                           \
        if ((x) < 0) {                                             \
            fprintf(stderr, "%s:%d: %s failed\n", __FILE__, __LINE__, #x); \
            exit(1);                                               \
        }                                                          \
    } while (0)

typedef struct {
    const char *name, *format;
    enum AVCodecID codec;
    enum AVPixelFormat pix;
    int w, h, frames, extras;
} seed;

static void fill(AVFrame *f, int t)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
    for (int p = 0; p < 3; p++) {
        int w = p ? AV_CEIL_RSHIFT(f->width, d->log2_chroma_w) : f->width;
        int h = p ? AV_CEIL_RSHIFT(f->height, d->log2_chroma_h) : f->height;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                f->data[p][y * f->linesize[p] + x] =
                    (uint8_t)(p ? 100 + p * 30 + x - y : 16 + (x * 7 + y * 3 + t * 4) % 220);
    }
}

static void write_pkt(AVFormatContext *fmt, AVPacket *p, int stream, AVRational from)
{
    av_packet_rescale_ts(p, from, fmt->streams[stream]->time_base);
    p->stream_index = stream;
    CHECK(av_interleaved_write_frame(fmt, p));
}

static void make(const char *dir, const seed *s)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, s->name);
    AVFormatContext *fmt = NULL;
    CHECK(avformat_alloc_output_context2(&fmt, NULL, s->format, path));
    const AVCodec *codec = avcodec_find_encoder(s->codec);
    if (!codec) {
        fprintf(stderr, "%s: no encoder, skipped\n", s->name);
        avformat_free_context(fmt);
        return;
    }
    AVCodecContext *enc = avcodec_alloc_context3(codec);
    enc->width = s->w, enc->height = s->h, enc->pix_fmt = s->pix;
    enc->time_base = (AVRational){1, 10};
    enc->framerate = (AVRational){10, 1};
    enc->color_range = s->codec == AV_CODEC_ID_MJPEG ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
    if (fmt->oformat->flags & AVFMT_GLOBALHEADER)
        enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    CHECK(avcodec_open2(enc, codec, NULL));
    AVStream *vs = avformat_new_stream(fmt, NULL);
    vs->time_base = enc->time_base;
    CHECK(avcodec_parameters_from_context(vs->codecpar, enc));
    int as = -1, ss = -1;
    if (s->extras) {
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
        st = avformat_new_stream(fmt, NULL);
        st->codecpar->codec_type = AVMEDIA_TYPE_SUBTITLE;
        st->codecpar->codec_id = AV_CODEC_ID_SUBRIP;
        st->time_base = (AVRational){1, 1000};
        ss = st->index;
    }
    CHECK(avio_open(&fmt->pb, path, AVIO_FLAG_WRITE));
    CHECK(avformat_write_header(fmt, NULL));
    AVFrame *f = av_frame_alloc();
    f->format = s->pix, f->width = s->w, f->height = s->h;
    CHECK(av_frame_get_buffer(f, 0));
    AVPacket *p = av_packet_alloc();
    for (int t = 0; t <= s->frames; t++) {
        if (t < s->frames) {
            CHECK(av_frame_make_writable(f));
            fill(f, t);
            f->pts = t;
            CHECK(avcodec_send_frame(enc, f));
        } else {
            avcodec_send_frame(enc, NULL);
        }
        while (avcodec_receive_packet(enc, p) == 0)
            write_pkt(fmt, p, vs->index, enc->time_base);
        if (t < s->frames && as >= 0) {
            CHECK(av_new_packet(p, 1600));
            memset(p->data, t * 7, 1600);
            p->pts = p->dts = t * 800;
            p->duration = 800;
            write_pkt(fmt, p, as, (AVRational){1, 8000});
        }
        if (t < s->frames && ss >= 0) {
            CHECK(av_new_packet(p, 6));
            memcpy(p->data, "line 1", 6);
            p->pts = p->dts = t * 100;
            p->duration = 50;
            write_pkt(fmt, p, ss, (AVRational){1, 1000});
        }
    }
    CHECK(av_write_trailer(fmt));
    avio_closep(&fmt->pb);
    av_packet_free(&p);
    av_frame_free(&f);
    avcodec_free_context(&enc);
    avformat_free_context(fmt);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_video_seeds DIR\n");
        return 2;
    }
    static const seed seeds[] = {
        {"ffv1.mkv", "matroska", AV_CODEC_ID_FFV1, AV_PIX_FMT_YUV420P, 16, 16, 3, 0},
        {"ffv1_av.mkv", "matroska", AV_CODEC_ID_FFV1, AV_PIX_FMT_YUV420P, 16, 16, 3, 1},
        {"ffv1_odd.nut", "nut", AV_CODEC_ID_FFV1, AV_PIX_FMT_YUV422P, 15, 9, 2, 0},
        {"mjpeg.avi", "avi", AV_CODEC_ID_MJPEG, AV_PIX_FMT_YUVJ420P, 16, 16, 3, 0},
        {"mjpeg.mkv", "matroska", AV_CODEC_ID_MJPEG, AV_PIX_FMT_YUVJ422P, 24, 8, 2, 0},
        {"rawvideo.nut", "nut", AV_CODEC_ID_RAWVIDEO, AV_PIX_FMT_YUV420P, 16, 16, 3, 0},
        {"rawvideo.avi", "avi", AV_CODEC_ID_RAWVIDEO, AV_PIX_FMT_YUV420P, 8, 8, 2, 0},
    };
    av_log_set_level(AV_LOG_ERROR);
    for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++)
        make(argv[1], &seeds[i]);
    return 0;
}
