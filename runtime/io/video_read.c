/* video_read.c: decoding the first video stream of a file into RGB frames
 * (see video.h), and keeping its audio/subtitle packets for a writer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libavutil/imgutils.h>
#include <libavutil/log.h>
#include <libavutil/pixdesc.h>

#include "runtime/core/fileutil.h"
#include "video_internal.h"

static int log_level_set;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_last[256]; /* the last error libav logged, one line */

/* libav's log: kept (the last error, for or_video_averr's words) and passed
 * on to the default callback only at the level asked for (quiet by default). */
static void log_cb(void *avcl, int level, const char *fmt, va_list vl)
{
    if (level <= AV_LOG_ERROR) {
        char line[256];
        int prefix = 0;
        av_log_format_line2(NULL, level, fmt, vl, line, sizeof line, &prefix);
        line[strcspn(line, "\r\n")] = 0;
        pthread_mutex_lock(&log_lock);
        if (line[0])
            snprintf(log_last, sizeof log_last, "%s", line);
        pthread_mutex_unlock(&log_lock);
    }
    if (level <= av_log_get_level())
        av_log_default_callback(avcl, level, fmt, vl);
}

void or_video_log_level(int level)
{
    av_log_set_level(level);
    av_log_set_callback(log_cb);
    log_level_set = 1;
}

/* Take the last logged error (empty when none) into dst[256]; NULL forgets it. */
static void take_last_log(char *dst)
{
    pthread_mutex_lock(&log_lock);
    if (dst)
        memcpy(dst, log_last, sizeof log_last);
    log_last[0] = 0;
    pthread_mutex_unlock(&log_lock);
}

static void quiet_by_default(void)
{
    if (!log_level_set)
        or_video_log_level(AV_LOG_QUIET);
}

or_status or_video_averr(or_err *err, or_status code, int averr, const char *path, const char *what)
{
    char msg[AV_ERROR_MAX_STRING_SIZE] = "", last[256];
    av_strerror(averr, msg, sizeof msg);
    take_last_log(last);
    if (strstr(last, "moov atom not found"))
        return or_errf(err, code, "%s: truncated: moov atom missing (the index an MP4/MOV "
                       "writes at its end)", OR_ESC(path));
    if (last[0])
        return or_errf(err, code, "%s: %s (%s: %s)", OR_ESC(path), what, msg, OR_ESC(last));
    return or_errf(err, code, "%s: %s (%s)", OR_ESC(path), what, msg);
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

/* The demuxer that recognises the file open on fd by its first bytes (not its
 * name) with some confidence; NULL when none does. */
static const AVInputFormat *sniff(int fd)
{
    unsigned char buf[4096 + AVPROBE_PADDING_SIZE] = {0};
    ssize_t n = read(fd, buf, 4096);
    if (n <= 0)
        return NULL;
    AVProbeData pd = {.filename = "", .buf = buf, .buf_size = (int)n};
    int score = 0;
    const AVInputFormat *fmt = av_probe_input_format3(&pd, 1, &score);
    return fmt && score > AVPROBE_SCORE_MAX / 2 ? fmt : NULL;
}

static int is_still(const AVInputFormat *f)
{
    size_t n = strlen(f->name);
    return strstr(f->name, "image2") || (n > 5 && !strcmp(f->name + n - 5, "_pipe"));
}

/* "no video stream (2 audio streams)" for a container without a usable video stream. */
static or_status no_video(const char *path, AVFormatContext *fmt, or_err *err)
{
    int audio = 0, other = 0;
    for (unsigned i = 0; i < fmt->nb_streams; i++)
        audio += fmt->streams[i]->codecpar->codec_type == AVMEDIA_TYPE_AUDIO;
    other = (int)fmt->nb_streams - audio;
    char what[96] = "no streams at all";
    if (fmt->nb_streams)
        snprintf(what, sizeof what, "%d audio stream%s, %d other", audio, audio == 1 ? "" : "s",
                 other);
    return or_errf(err, OR_EFORMAT, "%s: no video stream (%s: %s)", OR_ESC(path),
                   OR_ESC(fmt->iformat->name), what);
}

int or_video_classify(const char *path, or_err *err)
{
    quiet_by_default();
    int fd;
    size_t size;
    or_err ignored;
    if (or_open_input(path, 0, &fd, &size, &ignored) != OR_OK)
        return OR_MEDIA_OTHER; /* missing, a folder, a FIFO: the image side says what */
    const AVInputFormat *guess = sniff(fd);
    close(fd);
    AVFormatContext *fmt = NULL;
    take_last_log(NULL);
    int e = avformat_open_input(&fmt, path, NULL, NULL);
    if (e < 0) {
        if (!guess || is_still(guess))
            return OR_MEDIA_OTHER;
        or_video_averr(err, OR_EFORMAT, e, path, "cannot open as a video");
        return OR_MEDIA_BAD;
    }
    int kind = OR_MEDIA_OTHER;
    if (!is_still(fmt->iformat)) {
        int s = avformat_find_stream_info(fmt, NULL) >= 0
                    ? av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0) : -1;
        if (s >= 0 && !(fmt->streams[s]->disposition & AV_DISPOSITION_ATTACHED_PIC))
            kind = OR_MEDIA_VIDEO;
        else if (guess && !is_still(guess)) {
            no_video(path, fmt, err);
            kind = OR_MEDIA_BAD;
        }
    }
    avformat_close_input(&fmt);
    return kind;
}

int or_video_probe(const char *path)
{
    return or_video_classify(path, NULL) == OR_MEDIA_VIDEO;
}

static or_status open_decoder(or_video_reader *r, or_err *err)
{
    AVStream *st = r->fmt->streams[r->vstream];
    const AVCodec *codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec)
        return or_errf(err, OR_EUNSUPPORTED, "%s: no decoder for the video codec %s",
                       OR_ESC(r->path), avcodec_get_name(st->codecpar->codec_id));
    r->dec = avcodec_alloc_context3(codec);
    if (!r->dec)
        return or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(r->path));
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
        return or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(path));
    snprintf(r->path, sizeof r->path, "%s", path);
    pthread_mutex_init(&r->lock, NULL);
    r->vstream = -1;
    /* Only regular files: a FIFO would block FFmpeg, and refusing it keeps
     * video inputs consistent with every other input. */
    take_last_log(NULL);
    or_status st = or_check_input(path, 0, err);
    if (st != OR_OK)
        goto fail;
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
        st = no_video(path, r->fmt, err);
        goto fail;
    }
    r->copy = calloc(r->fmt->nb_streams, sizeof *r->copy);
    r->pkt = av_packet_alloc();
    r->frame = av_frame_alloc();
    if (!r->copy || !r->pkt || !r->frame) {
        st = or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(path));
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
        st = or_errf(err, OR_EFORMAT, "%s: the video stream has no frame size", OR_ESC(path));
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
    if (!r->out_w) /* every frame comes out at the first frame's size, as ffmpeg does */
        r->out_w = f->width, r->out_h = f->height;
    if ((f->width != r->out_w || f->height != r->out_h) && !r->resized++)
        r->resized_w = f->width, r->resized_h = f->height, r->resized_at = r->decoded;
    r->decoded++;
    r->sws = sws_getCachedContext(r->sws, f->width, f->height, f->format, r->out_w, r->out_h,
                                  dst, SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT,
                                  NULL, NULL, NULL);
    if (!r->sws)
        return or_errf(err, OR_EUNSUPPORTED, "%s: cannot convert %s frames to RGB", OR_ESC(r->path),
                       av_get_pix_fmt_name(f->format));
    const int *coef = or_video_sws_coeffs(c.matrix);
    sws_setColorspaceDetails(r->sws, coef, c.range == AVCOL_RANGE_JPEG, coef, 1, 0, 1 << 16,
                             1 << 16);
    OR_TRY(or_image_alloc(img, r->out_w, r->out_h, 3, 0, err));
    int bpp = deep ? 2 : 1;
    size_t plane = (size_t)r->out_w * r->out_h;
    uint8_t *buf = malloc(plane * 3 * bpp);
    if (!buf) {
        or_image_free(img);
        return or_errf(err, OR_ENOMEM, "%s: out of memory for a %dx%d frame", OR_ESC(r->path),
                       r->out_w, r->out_h);
    }
    /* GBRP planes: 0 = G, 1 = B, 2 = R */
    uint8_t *planes[4] = {buf, buf + plane * bpp, buf + 2 * plane * bpp, NULL};
    int strides[4] = {r->out_w * bpp, r->out_w * bpp, r->out_w * bpp, 0};
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
            return or_errf(err, OR_EFORMAT, "%s: the decoder stalled at the end", OR_ESC(r->path));
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

int64_t or_video_resized(const or_video_reader *r, int *w, int *h, int64_t *first,
                         int *out_w, int *out_h)
{
    *w = r->resized_w, *h = r->resized_h, *first = r->resized_at;
    *out_w = r->out_w, *out_h = r->out_h;
    return r->resized;
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
