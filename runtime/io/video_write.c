/* video_write.c: encoding RGB frames to H.264 / H.265 / FFV1 and copying the
 * source's audio and subtitle streams (see video.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>

#include "runtime/core/fileutil.h"
#include "video_internal.h"

struct or_video_writer {
    char path[4096], tmp[4096];
    or_video_out_opts o;
    AVFormatContext *fmt;
    AVCodecContext *enc;
    AVStream *vst;
    or_video_reader *src;
    int *map;               /* input stream -> output stream, or -1 */
    int copied, left_out;
    struct SwsContext *sws;
    AVFrame *frame;
    AVPacket *pkt;
    uint8_t *rgb;           /* GBRP or GBRP16 staging buffer */
    int deep;               /* more than 8 bits per sample */
    int64_t last_pts;
    int file_open;
};

or_video_out_opts or_video_out_defaults(void)
{
    or_video_out_opts o;
    memset(&o, 0, sizeof o);
    o.crf = -1;
    o.rate_num = 25, o.rate_den = 1;
    o.tb_num = 1, o.tb_den = 25;
    o.colour = (or_video_colour){AVCOL_RANGE_MPEG, AVCOL_PRI_UNSPECIFIED,
                                 AVCOL_TRC_UNSPECIFIED, AVCOL_SPC_UNSPECIFIED};
    o.src_pix_fmt = -1;
    return o;
}

or_status or_vcodec_parse(const char *s, or_vcodec *out, or_err *err)
{
    if (!strcmp(s, "h264") || !strcmp(s, "x264") || !strcmp(s, "avc") || !strcmp(s, "libx264"))
        *out = OR_VCODEC_H264;
    else if (!strcmp(s, "h265") || !strcmp(s, "x265") || !strcmp(s, "hevc") ||
             !strcmp(s, "libx265"))
        *out = OR_VCODEC_H265;
    else if (!strcmp(s, "ffv1"))
        *out = OR_VCODEC_FFV1;
    else
        return or_errf(err, OR_EINVAL, "unknown video codec '%s' (h264, h265 or ffv1)", OR_ESC(s));
    return OR_OK;
}

or_status or_video_preset_check(const char *name, or_err *err)
{
    static const char *const presets[] = {"ultrafast", "superfast", "veryfast", "faster", "fast",
                                          "medium", "slow", "slower", "veryslow", "placebo"};
    for (size_t i = 0; i < sizeof presets / sizeof *presets; i++)
        if (!strcmp(name, presets[i]))
            return OR_OK;
    return or_errf(err, OR_EINVAL, "preset '%s': expected ultrafast, superfast, veryfast, "
                   "faster, fast, medium, slow, slower, veryslow or placebo", OR_ESC(name));
}

const char *or_vcodec_name(or_vcodec c)
{
    return c == OR_VCODEC_H265 ? "h265" : c == OR_VCODEC_FFV1 ? "ffv1" : "h264";
}

void or_video_writer_counts(const or_video_writer *w, int *copied, int *left_out)
{
    *copied = w->copied;
    *left_out = w->left_out;
}

/* The encoder's pixel format closest to the source's (never a yuvj* one). */
static enum AVPixelFormat pick_pix_fmt(const AVCodec *codec, int src)
{
    enum AVPixelFormat want = src < 0 ? AV_PIX_FMT_YUV420P : (enum AVPixelFormat)src;
    switch (want) {
    case AV_PIX_FMT_YUVJ420P: want = AV_PIX_FMT_YUV420P; break;
    case AV_PIX_FMT_YUVJ422P: want = AV_PIX_FMT_YUV422P; break;
    case AV_PIX_FMT_YUVJ444P: want = AV_PIX_FMT_YUV444P; break;
    default: break;
    }
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(want);
    /* gray, RGB, palette and alpha sources: 4:2:0 YUV at the source depth (colour may be added) */
    if (!d || d->nb_components < 3 || (d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL)) ||
        (d->flags & AV_PIX_FMT_FLAG_ALPHA))
        want = d && d->comp[0].depth > 8 ? AV_PIX_FMT_YUV420P10 : AV_PIX_FMT_YUV420P;
    if (!codec->pix_fmts)
        return want;
    enum AVPixelFormat list[64];
    int n = 0;
    for (const enum AVPixelFormat *p = codec->pix_fmts; *p != AV_PIX_FMT_NONE && n < 63; p++) {
        const AVPixFmtDescriptor *pd = av_pix_fmt_desc_get(*p);
        if (pd && !strncmp(pd->name, "yuvj", 4))
            continue;
        list[n++] = *p;
    }
    list[n] = AV_PIX_FMT_NONE;
    enum AVPixelFormat best = avcodec_find_best_pix_fmt_of_list(list, want, 0, NULL);
    return best == AV_PIX_FMT_NONE ? codec->pix_fmts[0] : best;
}

static or_status open_encoder(or_video_writer *w, or_err *err)
{
    const or_video_out_opts *o = &w->o;
    const char *name = o->codec == OR_VCODEC_H265 ? "libx265"
                       : o->codec == OR_VCODEC_FFV1 ? "ffv1" : "libx264";
    const AVCodec *codec = avcodec_find_encoder_by_name(name);
    if (!codec)
        return or_errf(err, OR_EUNSUPPORTED, "%s: this FFmpeg has no %s encoder (try --codec %s)",
                       OR_ESC(w->path), OR_ESC(name), o->codec == OR_VCODEC_FFV1 ? "h264" : "ffv1");
    int q = avformat_query_codec(w->fmt->oformat, codec->id, FF_COMPLIANCE_NORMAL);
    if (q == 0)
        return or_errf(err, OR_EINVAL, "%s: a %s file cannot hold %s video (use .mkv)",
                       OR_ESC(w->path), OR_ESC(w->fmt->oformat->name), or_vcodec_name(o->codec));
    AVCodecContext *c = w->enc = avcodec_alloc_context3(codec);
    if (!c)
        return or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(w->path));
    c->pix_fmt = pick_pix_fmt(codec, o->src_pix_fmt);
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(c->pix_fmt);
    c->width = o->width & ~((1 << d->log2_chroma_w) - 1);
    c->height = o->height & ~((1 << d->log2_chroma_h) - 1);
    if (c->width <= 0 || c->height <= 0)
        return or_errf(err, OR_EINVAL, "%s: frames of %dx%d are too small to encode",
                       OR_ESC(w->path), o->width, o->height);
    w->deep = d->comp[0].depth > 8;
    c->time_base = (AVRational){o->tb_num, o->tb_den};
    c->framerate = (AVRational){o->rate_num, o->rate_den};
    c->sample_aspect_ratio = (AVRational){1, 1};
    c->color_range = o->colour.range;
    c->color_primaries = o->colour.primaries;
    c->color_trc = o->colour.transfer;
    c->colorspace = o->colour.matrix;
    c->thread_count = o->threads;
    if (w->fmt->oformat->flags & AVFMT_GLOBALHEADER)
        c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    char crf[16];
    if (o->codec == OR_VCODEC_FFV1) {
        c->level = 3;
        c->gop_size = 1;
        av_opt_set(c->priv_data, "slicecrc", "1", 0);
    } else {
        if (o->preset && or_video_preset_check(o->preset, err) != OR_OK)
            return or_err_prefix(err, "%s", OR_ESC(w->path));
        snprintf(crf, sizeof crf, "%d", o->crf >= 0 ? o->crf : o->codec == OR_VCODEC_H265 ? 20 : 18);
        av_opt_set(c->priv_data, "crf", crf, 0);
        av_opt_set(c->priv_data, "preset", o->preset ? o->preset : "medium", 0);
        if (o->codec == OR_VCODEC_H265)
            av_opt_set(c->priv_data, "x265-params", "log-level=error", 0);
    }
    int e = avcodec_open2(c, codec, NULL);
    if (e < 0)
        return or_video_averr(err, OR_EUNSUPPORTED, e, w->path, "cannot open the video encoder");
    w->vst = avformat_new_stream(w->fmt, NULL);
    if (!w->vst)
        return or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(w->path));
    w->vst->time_base = c->time_base;
    w->vst->avg_frame_rate = c->framerate;
    if ((e = avcodec_parameters_from_context(w->vst->codecpar, c)) < 0)
        return or_video_averr(err, OR_EUNSUPPORTED, e, w->path, "bad encoder parameters");
    return OR_OK;
}

static or_status add_copied_streams(or_video_writer *w, or_err *err)
{
    or_video_reader *r = w->src;
    if (!r)
        return OR_OK;
    int n = (int)r->fmt->nb_streams;
    w->map = malloc((size_t)n * sizeof *w->map);
    if (!w->map)
        return or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(w->path));
    for (int i = 0; i < n; i++) {
        w->map[i] = -1;
        if (!r->copy[i])
            continue;
        AVStream *is = r->fmt->streams[i];
        if (avformat_query_codec(w->fmt->oformat, is->codecpar->codec_id, FF_COMPLIANCE_NORMAL) ==
            0) {
            w->left_out++;
            continue;
        }
        AVStream *os = avformat_new_stream(w->fmt, NULL);
        if (!os)
            return or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(w->path));
        int e = avcodec_parameters_copy(os->codecpar, is->codecpar);
        if (e < 0)
            return or_video_averr(err, OR_EFORMAT, e, w->path, "cannot copy a stream");
        os->codecpar->codec_tag = 0;
        os->time_base = is->time_base;
        os->disposition = is->disposition;
        av_dict_copy(&os->metadata, is->metadata, 0);
        w->map[i] = os->index;
        w->copied++;
    }
    return OR_OK;
}

static or_status make_temp(or_video_writer *w, or_err *err)
{
    if (snprintf(w->tmp, sizeof w->tmp, "%s.tmp-XXXXXX", w->path) >= (int)sizeof w->tmp)
        return or_errf(err, OR_EINVAL, "%s: path too long", OR_ESC(w->path));
    int fd = or_mkstemp_output(w->tmp);
    if (fd < 0)
        return or_errf(err, OR_EIO, "%s: cannot create a temporary file beside it: %s",
                       OR_ESC(w->path), strerror(errno));
    close(fd);
    w->file_open = 1;
    return OR_OK;
}

or_status or_video_writer_open(const char *path, const or_video_out_opts *o, or_video_reader *src,
                               or_video_writer **out, or_err *err)
{
    *out = NULL;
    or_video_writer *w = calloc(1, sizeof *w);
    if (!w)
        return or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(path));
    snprintf(w->path, sizeof w->path, "%s", path);
    w->o = *o;
    w->src = src;
    w->last_pts = INT64_MIN;
    or_status st;
    const AVOutputFormat *ofmt = av_guess_format(NULL, path, NULL);
    if (!ofmt) {
        st = or_errf(err, OR_EINVAL, "%s: unknown video container (use .mkv, .mp4, .mov, ...)",
                     OR_ESC(path));
        goto fail;
    }
    if ((st = make_temp(w, err)) != OR_OK)
        goto fail;
    int e = avformat_alloc_output_context2(&w->fmt, ofmt, NULL, w->tmp);
    if (e < 0) {
        st = or_video_averr(err, OR_ENOMEM, e, path, "cannot set up the container");
        goto fail;
    }
    if ((st = open_encoder(w, err)) != OR_OK || (st = add_copied_streams(w, err)) != OR_OK)
        goto fail;
    w->frame = av_frame_alloc();
    w->pkt = av_packet_alloc();
    size_t plane = (size_t)o->width * o->height;
    w->rgb = malloc(plane * 3 * (w->deep ? 2 : 1));
    if (!w->frame || !w->pkt || !w->rgb) {
        st = or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(path));
        goto fail;
    }
    w->frame->format = w->enc->pix_fmt;
    w->frame->width = w->enc->width;
    w->frame->height = w->enc->height;
    if ((e = av_frame_get_buffer(w->frame, 0)) < 0) {
        st = or_video_averr(err, OR_ENOMEM, e, path, "cannot allocate a frame");
        goto fail;
    }
    w->sws = sws_getContext(w->enc->width, w->enc->height,
                            w->deep ? AV_PIX_FMT_GBRP16 : AV_PIX_FMT_GBRP, w->enc->width,
                            w->enc->height, w->enc->pix_fmt,
                            SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP, NULL, NULL, NULL);
    if (!w->sws) {
        st = or_errf(err, OR_EUNSUPPORTED, "%s: cannot convert RGB to %s", OR_ESC(path),
                     av_get_pix_fmt_name(w->enc->pix_fmt));
        goto fail;
    }
    const int *coef = or_video_sws_coeffs(o->colour.matrix);
    sws_setColorspaceDetails(w->sws, coef, 1, coef, o->colour.range == AVCOL_RANGE_JPEG, 0,
                             1 << 16, 1 << 16);
    if (!(w->fmt->oformat->flags & AVFMT_NOFILE) &&
        (e = avio_open(&w->fmt->pb, w->tmp, AVIO_FLAG_WRITE)) < 0) {
        st = or_video_averr(err, OR_EIO, e, path, "cannot write");
        goto fail;
    }
    /* The frames' pts are the film's.  With B-frames (H.264, H.265) the first
     * decode time stamps fall before the first pts; NUT (restore --segment's
     * files) would shift the whole file to make them non-negative, moving a
     * segment by the reorder delay.  NUT stores only pts: keep them.  (Matroska
     * shifts only negative pts, MP4 takes negative dts: both keep pts as is.) */
    if (!strcmp(w->fmt->oformat->name, "nut"))
        w->fmt->avoid_negative_ts = AVFMT_AVOID_NEG_TS_DISABLED;
    if ((e = avformat_write_header(w->fmt, NULL)) < 0) {
        st = or_video_averr(err, OR_EIO, e, path, "cannot write the header");
        goto fail;
    }
    if (src) {
        pthread_mutex_lock(&src->lock);
        src->keep = 1;
        pthread_mutex_unlock(&src->lock);
    }
    *out = w;
    return OR_OK;
fail:
    or_video_writer_abort(w);
    return st;
}

/* Write every copied packet waiting in the source (all of them when final). */
static or_status copy_packets(or_video_writer *w, or_err *err)
{
    if (!w->src)
        return OR_OK;
    int done;
    AVPacket *p;
    while ((p = or_video_reader_take_packet(w->src, &done))) {
        int os = w->map ? w->map[p->stream_index] : -1;
        if (os < 0) {
            av_packet_free(&p);
            continue;
        }
        av_packet_rescale_ts(p, w->src->fmt->streams[p->stream_index]->time_base,
                             w->fmt->streams[os]->time_base);
        p->stream_index = os;
        p->pos = -1;
        int e = av_interleaved_write_frame(w->fmt, p);
        av_packet_free(&p);
        if (e < 0)
            return or_video_averr(err, OR_EIO, e, w->path, "writing a copied stream failed");
    }
    return OR_OK;
}

static or_status drain_encoder(or_video_writer *w, or_err *err)
{
    for (;;) {
        int e = avcodec_receive_packet(w->enc, w->pkt);
        if (e == AVERROR(EAGAIN) || e == AVERROR_EOF)
            return OR_OK;
        if (e < 0)
            return or_video_averr(err, OR_EIO, e, w->path, "video encoding failed");
        av_packet_rescale_ts(w->pkt, w->enc->time_base, w->vst->time_base);
        w->pkt->stream_index = w->vst->index;
        e = av_interleaved_write_frame(w->fmt, w->pkt);
        av_packet_unref(w->pkt);
        if (e < 0)
            return or_video_averr(err, OR_EIO, e, w->path, "writing failed");
    }
}

static void fill_rgb(or_video_writer *w, const or_image *img)
{
    int W = w->o.width, H = w->o.height;
    size_t plane = (size_t)W * H;
    static const int from[3] = {1, 2, 0}; /* GBRP plane p holds RGB channel from[p] */
    for (int p = 0; p < 3; p++) {
        const float *s = or_image_plane(img, img->channels == 1 ? 0 : from[p]);
        if (w->deep) {
            uint16_t *d = (uint16_t *)w->rgb + p * plane;
            for (size_t i = 0; i < plane; i++) {
                float v = s[i] < 0 ? 0 : s[i] > 1 ? 1 : s[i];
                d[i] = (uint16_t)(v * 65535.0f + 0.5f);
            }
        } else {
            uint8_t *d = w->rgb + p * plane;
            for (size_t i = 0; i < plane; i++) {
                float v = s[i] < 0 ? 0 : s[i] > 1 ? 1 : s[i];
                d[i] = (uint8_t)(v * 255.0f + 0.5f);
            }
        }
    }
}

or_status or_video_write(or_video_writer *w, const or_image *img, int64_t pts, or_err *err)
{
    if (img->width != w->o.width || img->height != w->o.height ||
        (img->channels != 1 && img->channels != 3))
        return or_errf(err, OR_ESHAPE, "%s: frame of %dx%dx%d, the video is %dx%dx3",
                       OR_ESC(w->path), img->width, img->height, img->channels, w->o.width,
                       w->o.height);
    OR_TRY(copy_packets(w, err));
    int e = av_frame_make_writable(w->frame);
    if (e < 0)
        return or_video_averr(err, OR_ENOMEM, e, w->path, "cannot allocate a frame");
    fill_rgb(w, img);
    int bpp = w->deep ? 2 : 1;
    size_t plane = (size_t)w->o.width * w->o.height * bpp;
    const uint8_t *src[4] = {w->rgb, w->rgb + plane, w->rgb + 2 * plane, NULL};
    int strides[4] = {w->o.width * bpp, w->o.width * bpp, w->o.width * bpp, 0};
    sws_scale(w->sws, src, strides, 0, w->enc->height, w->frame->data, w->frame->linesize);
    if (pts <= w->last_pts)
        pts = w->last_pts + 1;
    w->last_pts = pts;
    w->frame->pts = pts;
    w->frame->color_range = w->enc->color_range;
    w->frame->color_primaries = w->enc->color_primaries;
    w->frame->color_trc = w->enc->color_trc;
    w->frame->colorspace = w->enc->colorspace;
    e = avcodec_send_frame(w->enc, w->frame);
    if (e < 0)
        return or_video_averr(err, OR_EIO, e, w->path, "video encoding failed");
    return drain_encoder(w, err);
}

or_status or_video_writer_finish(or_video_writer *w, or_err *err)
{
    or_status st = OR_OK;
    int e = avcodec_send_frame(w->enc, NULL);
    if (e < 0)
        st = or_video_averr(err, OR_EIO, e, w->path, "video encoding failed");
    if (st == OR_OK)
        st = drain_encoder(w, err);
    if (st == OR_OK)
        st = copy_packets(w, err);
    if (st == OR_OK && (e = av_write_trailer(w->fmt)) < 0)
        st = or_video_averr(err, OR_EIO, e, w->path, "writing the end of the file failed");
    if (st == OR_OK && w->fmt->pb) {
        avio_flush(w->fmt->pb);
        if (w->fmt->pb->error < 0)
            st = or_video_averr(err, OR_EIO, w->fmt->pb->error, w->path, "writing failed");
        if ((e = avio_closep(&w->fmt->pb)) < 0 && st == OR_OK)
            st = or_video_averr(err, OR_EIO, e, w->path, "writing failed");
    }
    if (st == OR_OK && rename(w->tmp, w->path) != 0)
        st = or_errf(err, OR_EIO, "%s: cannot rename the finished file into place: %s",
                     OR_ESC(w->path), strerror(errno));
    if (st == OR_OK)
        w->file_open = 0;
    or_video_writer_abort(w);
    return st;
}

void or_video_writer_abort(or_video_writer *w)
{
    if (!w)
        return;
    if (w->fmt && w->fmt->pb)
        avio_closep(&w->fmt->pb);
    if (w->file_open)
        unlink(w->tmp);
    sws_freeContext(w->sws);
    av_frame_free(&w->frame);
    av_packet_free(&w->pkt);
    avcodec_free_context(&w->enc);
    avformat_free_context(w->fmt);
    free(w->map);
    free(w->rgb);
    free(w);
}
