/* video_internal.h: what the video reader and writer share (not a public API). */
#ifndef OR_VIDEO_INTERNAL_H
#define OR_VIDEO_INTERNAL_H

#include <pthread.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libswscale/swscale.h>

#include "video.h"

struct or_video_reader {
    char path[1024];
    AVFormatContext *fmt;
    AVCodecContext *dec;
    int vstream;
    AVPacket *pkt;
    AVFrame *frame;
    int flushing;          /* the decoder was sent the end of the stream */
    int64_t next_pts;      /* for frames without a time stamp */
    struct SwsContext *sws;
    int out_w, out_h;      /* the first frame's size: every frame is scaled to it */
    int64_t decoded;       /* frames converted so far */
    int64_t resized;       /* frames of another size, scaled */
    int resized_w, resized_h;
    int64_t resized_at;    /* index of the first of them */
    or_video_info info;
    int *copy;             /* per input stream: 1 when its packets are kept for a writer */
    /* packets of the copied streams, handed to the writer's thread */
    pthread_mutex_t lock;
    AVPacket **q;
    int q_head, q_n, q_cap;
    int keep;              /* a writer is attached: keep copied packets */
    int demux_done;        /* no more packets will come */
};

/* Range and matrix resolved for a stream (see video.h): unspecified range ->
 * limited (full for the yuvj* formats), unspecified matrix -> BT.709 from 720
 * lines up, else SMPTE 170M. */
or_video_colour or_video_resolve_colour(or_video_colour tagged, int height, int pix_fmt);

/* Take the oldest copied packet (caller frees it); NULL when none is waiting.
 * *done = 1 when none is waiting and none will come. */
AVPacket *or_video_reader_take_packet(or_video_reader *r, int *done);

/* swscale's coefficient table for an AVColorSpace value. */
const int *or_video_sws_coeffs(int matrix);

/* "x.mp4: what (libav message)" */
or_status or_video_averr(or_err *err, or_status code, int averr, const char *path, const char *what);

#endif
