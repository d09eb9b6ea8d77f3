/* video_read.c: decoding the first video stream of a file into RGB frames
 * (see video.h), and keeping its audio/subtitle packets for a writer. */
#include <stdlib.h>
#include <string.h>

#include <libavutil/imgutils.h>
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>

#include "video_internal.h"

static int log_level_set;

void or_video_log_level(int level)
{
    av_log_set_level(level);
    log_level_set = 1;
}

static void quiet_by_default(void)
{
    if (!log_level_set)
        or_video_log_level(AV_LOG_QUIET);
}

or_status or_video_averr(or_err *err, or_status code, int averr, const char *path, const char *what)
{
    char msg[AV_ERROR_MAX_STRING_SIZE] = "";
    av_strerror(averr, msg, sizeof msg);
    return or_errf(err, code, "%s: %s (%s)", path, what, msg);
}

const int *or_video_sws_coeffs(int matrix)
{
    /* sws_getCoefficients takes the SWS_CS_* values, which are the AVCOL_SPC_* values. */
    return sws_getCoefficients(matrix);
}

or_video_colour or_video_resolve_colour(or_video_colour t, int height, int pix_fmt)
{
    or_video_colour c = t;
    if (c.range != AVCOL_RANGE_MPEG && c.range != AVCOL_RANGE_JPEG) {
        int j = pix_fmt == AV_PIX_FMT_YUVJ420P || pix_fmt == AV_PIX_FMT_YUVJ422P ||
                pix_fmt == AV_PIX_FMT_YUVJ444P || pix_fmt == AV_PIX_FMT_YUVJ440P ||
                pix_fmt == AV_PIX_FMT_YUVJ411P;
        c.range = j ? AVCOL_RANGE_JPEG : AVCOL_RANGE_MPEG;
    }
    if (c.matrix == AVCOL_SPC_UNSPECIFIED || c.matrix == AVCOL_SPC_RESERVED ||
        c.matrix >= AVCOL_SPC_NB)
        c.matrix = height >= 720 ? AVCOL_SPC_BT709 : AVCOL_SPC_SMPTE170M;
    return c;
}

int or_video_probe(const char *path)
{
    quiet_by_default();
    AVFormatContext *fmt = NULL;
    if (avformat_open_input(&fmt, path, NULL, NULL) < 0)
        return 0;
    const char *name = fmt->iformat->name;
    size_t n = strlen(name);
    int still = strstr(name, "image2") || (n > 5 && !strcmp(name + n - 5, "_pipe"));
    int video = 0;
    if (!still && avformat_find_stream_info(fmt, NULL) >= 0) {
        int s = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
        video = s >= 0 && !(fmt->streams[s]->disposition & AV_DISPOSITION_ATTACHED_PIC);
    }
    avformat_close_input(&fmt);
    return video;
}

static or_status open_decoder(or_video_reader *r, or_err *err)
{
    AVStream *st = r->fmt->streams[r->vstream];
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec)
        return or_errf(err, OR_EUNSUPPORTED, "%s: no decoder for the video codec %s", r->path,
                       avcodec_get_name(st->codecpar->codec_id));
    r->dec = avcodec_alloc_context3(codec);
    if (!r->dec)
        return or_errf(err, OR_ENOMEM, "%s: out of memory", r->path);
    int e = avcodec_parameters_to_context(r->dec, st->codecpar);
    if (e < 0)
        return or_video_averr(err, OR_EFORMAT, e, r->path, "bad video stream parameters");
    r->dec->pkt_timebase = st->time_base;
    r->dec->thread_count = 0;
    e = avcodec_open2(r->dec, codec, NULL);
    if (e < 0)
        return or_video_averr(err, OR_EUNSUPPORTED, e, r->path, "cannot open the video decoder");
    snprintf(r->info.codec, sizeof r->info.codec, "%s", codec->name);
    return OR_OK;
}

static void fill_info(or_video_reader *r)
{
    AVStream *st = r->fmt->streams[r->vstream];
    AVCodecParameters *p = st->codecpar;
    or_video_info *in = &r->info;
    in->width = p->width;
    in->height = p->height;
    AVRational rate = av_guess_frame_rate(r->fmt, st, NULL);
    if (rate.num <= 0 || rate.den <= 0)
        rate = (AVRational){25, 1};
    in->rate_num = rate.num, in->rate_den = rate.den;
    in->tb_num = st->time_base.num, in->tb_den = st->time_base.den;
    if (st->duration > 0)
        in->duration = st->duration * av_q2d(st->time_base);
    else if (r->fmt->duration > 0)
        in->duration = (double)r->fmt->duration / AV_TIME_BASE;
    in->frames = st->nb_frames > 0 ? st->nb_frames
                                   : (int64_t)(in->duration * av_q2d(rate) + 0.5);
    in->pix_fmt = p->format;
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(p->format);
    in->bit_depth = d ? d->comp[0].depth : 8;
    in->colour = (or_video_colour){p->color_range, p->color_primaries, p->color_trc,
                                   p->color_space};
    in->used = or_video_resolve_colour(in->colour, p->height, p->format);
    snprintf(in->container, sizeof in->container, "%s", r->fmt->iformat->name);
}

or_status or_video_open(const char *path, or_video_reader **out, or_video_info *info, or_err *err)
{
    quiet_by_default();
    *out = NULL;
    or_video_reader *r = calloc(1, sizeof *r);
    if (!r)
        return or_errf(err, OR_ENOMEM, "%s: out of memory", path);
    snprintf(r->path, sizeof r->path, "%s", path);
    pthread_mutex_init(&r->lock, NULL);
    r->vstream = -1;
    or_status st = OR_OK;
    int e = avformat_open_input(&r->fmt, path, NULL, NULL);
    if (e < 0) {
        st = or_video_averr(err, e == AVERROR(ENOENT) ? OR_EIO : OR_EFORMAT, e, path,
                            "cannot open as a video");
        goto fail;
    }
    if ((e = avformat_find_stream_info(r->fmt, NULL)) < 0) {
        st = or_video_averr(err, OR_EFORMAT, e, path, "cannot read the stream information");
        goto fail;
    }
    r->vstream = av_find_best_stream(r->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (r->vstream < 0) {
        st = or_errf(err, OR_EFORMAT, "%s: no video stream", path);
        goto fail;
    }
    r->copy = calloc(r->fmt->nb_streams, sizeof *r->copy);
    r->pkt = av_packet_alloc();
    r->frame = av_frame_alloc();
    if (!r->copy || !r->pkt || !r->frame) {
        st = or_errf(err, OR_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    for (unsigned i = 0; i < r->fmt->nb_streams; i++) {
        enum AVMediaType t = r->fmt->streams[i]->codecpar->codec_type;
        r->copy[i] = (int)i != r->vstream &&
                     (t == AVMEDIA_TYPE_AUDIO || t == AVMEDIA_TYPE_SUBTITLE);
        r->info.copy_streams += r->copy[i];
        if ((int)i != r->vstream && !r->copy[i])
            r->fmt->streams[i]->discard = AVDISCARD_ALL;
    }
    if ((st = open_decoder(r, err)) != OR_OK)
        goto fail;
    fill_info(r);
    if (r->info.width <= 0 || r->info.height <= 0) {
        st = or_errf(err, OR_EFORMAT, "%s: the video stream has no frame size", path);
        goto fail;
    }
    r->next_pts = AV_NOPTS_VALUE;
    if (info)
        *info = r->info;
    *out = r;
    return OR_OK;
fail:
    or_video_close(r);
    return st;
}

/* Decoded frame -> new RGB image. */
static or_status convert(or_video_reader *r, const AVFrame *f, or_image *img, or_err *err)
{
    const AVPixFmtDescriptor *d = av_pix_fmt_desc_get(f->format);
    int deep = d && d->comp[0].depth > 8;
    enum AVPixelFormat dst = deep ? AV_PIX_FMT_GBRP16 : AV_PIX_FMT_GBRP;
    or_video_colour tag = r->info.colour;
    if (f->color_range != AVCOL_RANGE_UNSPECIFIED)
        tag.range = f->color_range;
    if (f->colorspace != AVCOL_SPC_UNSPECIFIED)
        tag.matrix = f->colorspace;
    or_video_colour c = or_video_resolve_colour(tag, f->height, f->format);
    r->sws = sws_getCachedContext(r->sws, f->width, f->height, f->format, f->width, f->height,
                                  dst, SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT,
                                  NULL, NULL, NULL);
    if (!r->sws)
        return or_errf(err, OR_EUNSUPPORTED, "%s: cannot convert %s frames to RGB", r->path,
                       av_get_pix_fmt_name(f->format));
    const int *coef = or_video_sws_coeffs(c.matrix);
    sws_setColorspaceDetails(r->sws, coef, c.range == AVCOL_RANGE_JPEG, coef, 1, 0, 1 << 16,
                             1 << 16);
    OR_TRY(or_image_alloc(img, f->width, f->height, 3, 0, err));
    int bpp = deep ? 2 : 1;
    size_t plane = (size_t)f->width * f->height;
    uint8_t *buf = malloc(plane * 3 * bpp);
    if (!buf) {
        or_image_free(img);
        return or_errf(err, OR_ENOMEM, "%s: out of memory for a %dx%d frame", r->path, f->width,
                       f->height);
    }
    /* GBRP planes: 0 = G, 1 = B, 2 = R */
    uint8_t *planes[4] = {buf, buf + plane * bpp, buf + 2 * plane * bpp, NULL};
    int strides[4] = {f->width * bpp, f->width * bpp, f->width * bpp, 0};
    sws_scale(r->sws, (const uint8_t *const *)f->data, f->linesize, 0, f->height, planes,
              strides);
    static const int to_rgb[3] = {2, 0, 1}; /* R from plane 2, G from 0, B from 1 */
    for (int c3 = 0; c3 < 3; c3++) {
        float *o = or_image_plane(img, c3);
        const uint8_t *p = planes[to_rgb[c3]];
        if (deep)
            for (size_t i = 0; i < plane; i++)
                o[i] = ((const uint16_t *)p)[i] * (1.0f / 65535.0f);
        else
            for (size_t i = 0; i < plane; i++)
                o[i] = p[i] * (1.0f / 255.0f);
    }
    free(buf);
    img->src_bit_depth = d ? d->comp[0].depth : 8;
    return OR_OK;
}

static void keep_packet(or_video_reader *r, AVPacket *pkt)
{
    pthread_mutex_lock(&r->lock);
    if (r->keep) {
        if (r->q_n == r->q_cap) {
            int cap = r->q_cap ? r->q_cap * 2 : 64;
            AVPacket **q = malloc((size_t)cap * sizeof *q);
            if (q) {
                for (int i = 0; i < r->q_n; i++)
                    q[i] = r->q[(r->q_head + i) % r->q_cap];
                free(r->q);
                r->q = q, r->q_cap = cap, r->q_head = 0;
            }
        }
        AVPacket *c = r->q_n < r->q_cap ? av_packet_clone(pkt) : NULL;
        if (c)
            r->q[(r->q_head + r->q_n++) % r->q_cap] = c;
    }
    pthread_mutex_unlock(&r->lock);
}

AVPacket *or_video_reader_take_packet(or_video_reader *r, int *done)
{
    AVPacket *p = NULL;
    pthread_mutex_lock(&r->lock);
    if (r->q_n) {
        p = r->q[r->q_head];
        r->q_head = (r->q_head + 1) % r->q_cap;
        r->q_n--;
    }
    *done = !p && r->demux_done;
    pthread_mutex_unlock(&r->lock);
    return p;
}

void or_video_keep_streams(or_video_reader *r)
{
    pthread_mutex_lock(&r->lock);
    r->keep = 1;
    pthread_mutex_unlock(&r->lock);
}

static void set_demux_done(or_video_reader *r)
{
    pthread_mutex_lock(&r->lock);
    r->demux_done = 1;
    pthread_mutex_unlock(&r->lock);
}

or_status or_video_read(or_video_reader *r, or_image *img, int64_t *pts, int *got, or_err *err)
{
    *got = 0;
    for (;;) {
        int e = avcodec_receive_frame(r->dec, r->frame);
        if (e == 0) {
            int64_t t = r->frame->best_effort_timestamp;
            if (t == AV_NOPTS_VALUE)
                t = r->next_pts == AV_NOPTS_VALUE ? 0 : r->next_pts;
            int64_t dur = av_rescale_q(1, av_inv_q((AVRational){r->info.rate_num,
                                                                r->info.rate_den}),
                                       (AVRational){r->info.tb_num, r->info.tb_den});
            r->next_pts = t + (dur > 0 ? dur : 1);
            or_status st = convert(r, r->frame, img, err);
            av_frame_unref(r->frame);
            if (st != OR_OK)
                return st;
            *pts = t;
            *got = 1;
            return OR_OK;
        }
        if (e == AVERROR_EOF) {
            set_demux_done(r);
            return OR_OK;
        }
        if (e != AVERROR(EAGAIN))
            return or_video_averr(err, OR_EFORMAT, e, r->path, "video decoding failed");
        if (r->flushing)
            return or_errf(err, OR_EFORMAT, "%s: the decoder stalled at the end", r->path);
        e = av_read_frame(r->fmt, r->pkt);
        if (e == AVERROR_EOF) {
            r->flushing = 1;
            set_demux_done(r);
            avcodec_send_packet(r->dec, NULL);
            continue;
        }
        if (e < 0)
            return or_video_averr(err, OR_EIO, e, r->path, "reading failed");
        if (r->pkt->stream_index == r->vstream) {
            e = avcodec_send_packet(r->dec, r->pkt);
            av_packet_unref(r->pkt);
            if (e < 0 && e != AVERROR(EAGAIN))
                return or_video_averr(err, OR_EFORMAT, e, r->path, "video decoding failed");
        } else {
            if (r->copy[r->pkt->stream_index])
                keep_packet(r, r->pkt);
            av_packet_unref(r->pkt);
        }
    }
}

void or_video_close(or_video_reader *r)
{
    if (!r)
        return;
    for (int i = 0; i < r->q_n; i++)
        av_packet_free(&r->q[(r->q_head + i) % r->q_cap]);
    free(r->q);
    sws_freeContext(r->sws);
    av_frame_free(&r->frame);
    av_packet_free(&r->pkt);
    avcodec_free_context(&r->dec);
    avformat_close_input(&r->fmt);
    free(r->copy);
    pthread_mutex_destroy(&r->lock);
    free(r);
}
