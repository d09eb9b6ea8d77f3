/* video_join.c: segment files joined by stream copy, with the source's audio
 * and subtitles (see video.h, or_video_join). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/core/fileutil.h"
#include "video_internal.h"

#define MAX_DELAY 16 /* reorder frames at most (H.264's limit) */

typedef struct {
    const or_video_join_opts *o;
    char tmp[4096];
    int tmp_made;
    AVFormatContext *out, *seg, *src;
    AVStream *vst;
    int seg_i;           /* segment open in seg */
    int64_t seg_packets; /* video packets read from it */
    int *map;            /* source stream -> output stream, or -1 */
    int64_t last_dts;
    AVCodecParameters *first; /* the first segment's parameters */
    /* the last delay + 1 pts, ascending (make_dts); delay: the reorder depth */
    int64_t pts_buf[MAX_DELAY + 1];
    int delay, filled;
} join_state;

static or_status open_in(const char *path, AVFormatContext **fmt, or_err *err)
{
    OR_TRY(or_check_input(path, 0, err));
    int e = avformat_open_input(fmt, path, NULL, NULL);
    if (e < 0)
        return or_video_averr(err, OR_EFORMAT, e, path, "cannot open");
    if ((e = avformat_find_stream_info(*fmt, NULL)) < 0)
        return or_video_averr(err, OR_EFORMAT, e, path, "cannot read the stream information");
    return OR_OK;
}

/* The segment's one video stream, of the first segment's codec, size and header. */
static or_status check_segment(join_state *j, const char *path, or_err *err)
{
    if (j->seg->nb_streams != 1 || j->seg->streams[0]->codecpar->codec_type != AVMEDIA_TYPE_VIDEO)
        return or_errf(err, OR_EFORMAT, "%s: a segment holds one video stream, this has %u streams",
                       OR_ESC(path), j->seg->nb_streams);
    const AVCodecParameters *a = j->first, *b = j->seg->streams[0]->codecpar;
    if (!a)
        return OR_OK;
    if (a->codec_id != b->codec_id || a->width != b->width || a->height != b->height ||
        a->format != b->format)
        return or_errf(err, OR_EFORMAT, "%s: %s %dx%d, the first segment is %s %dx%d: segments "
                       "of one film have one codec and size", OR_ESC(path),
                       avcodec_get_name(b->codec_id), b->width, b->height,
                       avcodec_get_name(a->codec_id), a->width, a->height);
    if (a->extradata_size != b->extradata_size ||
        (a->extradata_size && memcmp(a->extradata, b->extradata, (size_t)a->extradata_size)))
        return or_errf(err, OR_EFORMAT, "%s: its codec header differs from the first segment's "
                       "(encoded with other settings?)", OR_ESC(path));
    return OR_OK;
}

static or_status open_segment(join_state *j, int i, or_err *err)
{
    avformat_close_input(&j->seg);
    j->seg_i = i;
    j->seg_packets = 0;
    OR_TRY(open_in(j->o->segments[i], &j->seg, err));
    return check_segment(j, j->o->segments[i], err);
}

static or_status open_output(join_state *j, or_err *err)
{
    const or_video_join_opts *o = j->o;
    const AVOutputFormat *ofmt = av_guess_format(NULL, o->out, NULL);
    if (!ofmt)
        return or_errf(err, OR_EINVAL, "%s: unknown video container (use .mkv, .mp4, .mov, ...)",
                       OR_ESC(o->out));
    if (snprintf(j->tmp, sizeof j->tmp, "%s.tmp-XXXXXX", o->out) >= (int)sizeof j->tmp)
        return or_errf(err, OR_EINVAL, "%s: path too long", OR_ESC(o->out));
    int fd = or_mkstemp_output(j->tmp);
    if (fd < 0)
        return or_errf(err, OR_EIO, "%s: cannot create a temporary file beside it: %s",
                       OR_ESC(o->out), strerror(errno));
    close(fd);
    j->tmp_made = 1;
    int e = avformat_alloc_output_context2(&j->out, ofmt, NULL, j->tmp);
    if (e < 0)
        return or_video_averr(err, OR_ENOMEM, e, o->out, "cannot set up the container");
    AVCodecParameters *vp = j->seg->streams[0]->codecpar;
    if (avformat_query_codec(ofmt, vp->codec_id, FF_COMPLIANCE_NORMAL) == 0)
        return or_errf(err, OR_EINVAL, "%s: a %s file cannot hold %s video (use .mkv)",
                       OR_ESC(o->out), OR_ESC(ofmt->name), avcodec_get_name(vp->codec_id));
    if (!(j->vst = avformat_new_stream(j->out, NULL)) || !(j->first = avcodec_parameters_alloc()))
        return or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(o->out));
    avcodec_parameters_copy(j->first, vp);
    avcodec_parameters_copy(j->vst->codecpar, vp);
    j->delay = vp->video_delay < 0 ? 0 : vp->video_delay > MAX_DELAY ? MAX_DELAY : vp->video_delay;
    AVCodecParameters *p = j->vst->codecpar;
    p->codec_tag = 0;
    /* as the single run's encoder had them (a segment container may not keep them) */
    p->color_range = o->colour.range;
    p->color_primaries = o->colour.primaries;
    p->color_trc = o->colour.transfer;
    p->color_space = o->colour.matrix;
    p->sample_aspect_ratio = (AVRational){1, 1};
    j->vst->time_base = (AVRational){o->tb_num, o->tb_den};
    j->vst->avg_frame_rate = (AVRational){o->rate_num, o->rate_den};
    return OR_OK;
}

/* The source's audio and subtitle streams, chosen as the video reader chooses them. */
static or_status add_source_streams(join_state *j, int *copied, int *left_out, or_err *err)
{
    if (!j->o->source)
        return OR_OK;
    OR_TRY(open_in(j->o->source, &j->src, err));
    int n = (int)j->src->nb_streams;
    int vs = av_find_best_stream(j->src, AVMEDIA_TYPE_VIDEO, -1, -1, NULL, 0);
    if (!(j->map = malloc((size_t)n * sizeof *j->map)))
        return or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(j->o->out));
    for (int i = 0; i < n; i++) {
        AVStream *is = j->src->streams[i];
        enum AVMediaType t = is->codecpar->codec_type;
        j->map[i] = -1;
        if (i == vs || (t != AVMEDIA_TYPE_AUDIO && t != AVMEDIA_TYPE_SUBTITLE)) {
            is->discard = AVDISCARD_ALL;
            continue;
        }
        if (avformat_query_codec(j->out->oformat, is->codecpar->codec_id,
                                 FF_COMPLIANCE_NORMAL) == 0) {
            ++*left_out;
            is->discard = AVDISCARD_ALL;
            continue;
        }
        AVStream *os = avformat_new_stream(j->out, NULL);
        if (!os)
            return or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(j->o->out));
        int e = avcodec_parameters_copy(os->codecpar, is->codecpar);
        if (e < 0)
            return or_video_averr(err, OR_EFORMAT, e, j->o->out, "cannot copy a stream");
        os->codecpar->codec_tag = 0;
        os->time_base = is->time_base;
        os->disposition = is->disposition;
        av_dict_copy(&os->metadata, is->metadata, 0);
        j->map[i] = os->index;
        ++*copied;
    }
    return OR_OK;
}

/* The next video packet of the segments (rescaled to the output), or *got = 0. */
static or_status next_video(join_state *j, AVPacket *p, int *got, or_err *err)
{
    const or_video_join_opts *o = j->o;
    *got = 0;
    while (j->seg) {
        int e = av_read_frame(j->seg, p);
        if (e >= 0) {
            av_packet_rescale_ts(p, j->seg->streams[0]->time_base, j->vst->time_base);
            p->stream_index = j->vst->index;
            p->pos = -1;
            j->seg_packets++;
            *got = 1;
            return OR_OK;
        }
        if (e != AVERROR_EOF)
            return or_video_averr(err, OR_EIO, e, o->segments[j->seg_i], "reading failed");
        if (o->frames && j->seg_packets != o->frames[j->seg_i])
            return or_errf(err, OR_EFORMAT, "%s: %lld frames, its manifest says %lld (a "
                           "truncated segment: run it again)", OR_ESC(o->segments[j->seg_i]),
                           (long long)j->seg_packets, (long long)o->frames[j->seg_i]);
        if (j->seg_i + 1 >= o->n) {
            avformat_close_input(&j->seg);
            return OR_OK;
        }
        OR_TRY(open_segment(j, j->seg_i + 1, err));
    }
    return OR_OK;
}

/* The next packet of a copied source stream (rescaled to the output), or *got = 0. */
static or_status next_source(join_state *j, AVPacket *p, int *got, or_err *err)
{
    *got = 0;
    while (j->src) {
        int e = av_read_frame(j->src, p);
        if (e == AVERROR_EOF) {
            avformat_close_input(&j->src);
            return OR_OK;
        }
        if (e < 0)
            return or_video_averr(err, OR_EIO, e, j->o->source, "reading failed");
        int os = j->map[p->stream_index];
        if (os < 0) {
            av_packet_unref(p);
            continue;
        }
        av_packet_rescale_ts(p, j->src->streams[p->stream_index]->time_base,
                             j->out->streams[os]->time_base);
        p->stream_index = os;
        p->pos = -1;
        *got = 1;
        return OR_OK;
    }
    return OR_OK;
}

static int64_t when(const AVPacket *p)
{
    return p->dts != AV_NOPTS_VALUE ? p->dts : p->pts;
}

/* Decode time stamps for the joined stream, made from the pts alone (the
 * segments' own do not join: an encoder with B-frames starts each segment's
 * dts the reorder delay before its first pts, and NUT, which stores only pts,
 * leaves the first delay of them unset).  As libavformat does for a packet
 * without one: the smallest of the last delay + 1 pts (the first ones
 * extrapolated back by a frame duration each), which increases and never
 * passes a packet's pts; without B-frames, the pts itself. */
static void make_dts(join_state *j, AVPacket *p)
{
    if (p->pts == AV_NOPTS_VALUE)
        return;
    const int d = j->delay;
    if (!j->filled) {
        int64_t dur = p->duration > 0 ? p->duration : 1;
        for (int i = 1; i <= d; i++)
            j->pts_buf[i] = p->pts + (i - d - 1) * dur;
        j->filled = 1;
    }
    j->pts_buf[0] = p->pts;
    for (int i = 0; i < d && j->pts_buf[i] > j->pts_buf[i + 1]; i++) {
        int64_t t = j->pts_buf[i];
        j->pts_buf[i] = j->pts_buf[i + 1];
        j->pts_buf[i + 1] = t;
    }
    p->dts = j->pts_buf[0];
}

/* Keep the decode time stamps increasing; one past a pts is an overlap. */
static or_status fix_dts(join_state *j, AVPacket *p, or_err *err)
{
    make_dts(j, p);
    if (p->dts == AV_NOPTS_VALUE)
        return OR_OK;
    if (j->last_dts != AV_NOPTS_VALUE && p->dts <= j->last_dts)
        p->dts = j->last_dts + 1;
    if (p->pts != AV_NOPTS_VALUE && p->dts > p->pts)
        return or_errf(err, OR_EFORMAT, "%s: its time stamps overlap the segment before it",
                       OR_ESC(j->o->segments[j->seg_i]));
    j->last_dts = p->dts;
    return OR_OK;
}

static or_status copy_all(join_state *j, int64_t *packets, or_err *err)
{
    AVPacket *pv = av_packet_alloc(), *pa = av_packet_alloc();
    or_status st = pv && pa ? OR_OK : or_errf(err, OR_ENOMEM, "out of memory");
    int gv = 0, ga = 0;
    if (st == OR_OK)
        st = next_video(j, pv, &gv, err);
    if (st == OR_OK)
        st = next_source(j, pa, &ga, err);
    while (st == OR_OK && (gv || ga)) {
        int video = gv && (!ga || av_compare_ts(when(pv), j->vst->time_base, when(pa),
                                                j->out->streams[pa->stream_index]->time_base) <= 0);
        AVPacket *p = video ? pv : pa;
        if (video && (st = fix_dts(j, p, err)) != OR_OK)
            break;
        int e = av_interleaved_write_frame(j->out, p);
        if (e < 0) {
            st = or_video_averr(err, OR_EIO, e, j->o->out, "writing failed");
            break;
        }
        if (video) {
            ++*packets;
            st = next_video(j, pv, &gv, err);
        } else {
            st = next_source(j, pa, &ga, err);
        }
    }
    av_packet_free(&pv);
    av_packet_free(&pa);
    return st;
}

or_status or_video_join(const or_video_join_opts *o, int64_t *packets, int *copied,
                        int *left_out, or_err *err)
{
    join_state j;
    memset(&j, 0, sizeof j);
    j.o = o;
    j.last_dts = AV_NOPTS_VALUE;
    *packets = 0;
    *copied = *left_out = 0;
    if (o->n < 1)
        return or_errf(err, OR_EINVAL, "%s: no segments to join", OR_ESC(o->out));
    or_status st = open_segment(&j, 0, err);
    if (st == OR_OK)
        st = open_output(&j, err);
    if (st == OR_OK)
        st = add_source_streams(&j, copied, left_out, err);
    int e;
    if (st == OR_OK && (e = avio_open(&j.out->pb, j.tmp, AVIO_FLAG_WRITE)) < 0)
        st = or_video_averr(err, OR_EIO, e, o->out, "cannot write");
    if (st == OR_OK && (e = avformat_write_header(j.out, NULL)) < 0)
        st = or_video_averr(err, OR_EIO, e, o->out, "cannot write the header");
    if (st == OR_OK)
        st = copy_all(&j, packets, err);
    if (st == OR_OK && (e = av_write_trailer(j.out)) < 0)
        st = or_video_averr(err, OR_EIO, e, o->out, "writing the end of the file failed");
    if (j.out && j.out->pb) {
        if (st == OR_OK && j.out->pb->error < 0)
            st = or_video_averr(err, OR_EIO, j.out->pb->error, o->out, "writing failed");
        if ((e = avio_closep(&j.out->pb)) < 0 && st == OR_OK)
            st = or_video_averr(err, OR_EIO, e, o->out, "writing failed");
    }
    if (st == OR_OK && rename(j.tmp, o->out) != 0)
        st = or_errf(err, OR_EIO, "%s: cannot rename the finished file into place: %s",
                     OR_ESC(o->out), strerror(errno));
    if (st != OR_OK && j.tmp_made)
        unlink(j.tmp);
    avformat_close_input(&j.seg);
    avformat_close_input(&j.src);
    avformat_free_context(j.out);
    avcodec_parameters_free(&j.first);
    free(j.map);
    return st;
}
