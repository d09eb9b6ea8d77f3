/* video.h: reading and writing video through FFmpeg's libraries
 * (libavformat, libavcodec, libswscale, libavutil).
 *
 * Reading (runtime/io/video_read.c): the first video stream is decoded and each
 * frame converted by swscale to planar RGB floats in [0,1] (an or_image with 3
 * channels), using the stream's own YUV matrix and range: limited ("tv",
 * 16..235) or full ("pc", 0..255), so nothing comes out washed out or crushed.
 * An unspecified matrix is taken as BT.709 for frames at least 720 lines high
 * and as BT.601 (SMPTE 170M) below, as players do; an unspecified range as
 * limited.  Audio and subtitle packets are kept aside, unchanged, for the
 * writer to copy (or_video_writer_open with the reader as source).
 *
 * Writing (runtime/io/video_write.c): RGB frames are converted back to YUV with
 * the source's matrix and range (or_video_colour), tagged with the source's
 * range, primaries, transfer and matrix, and encoded with
 *   H.264 (libx264, CRF 18, preset medium)     OR_VCODEC_H264, the default
 *   H.265 (libx265, CRF 20, preset medium)     OR_VCODEC_H265
 *   FFV1 version 3, lossless, for archives     OR_VCODEC_FFV1
 * in the container that the output name says (.mkv, .mp4, .mov, .avi, .nut, ...).
 * The pixel format follows the source (chroma subsampling and bit depth) as
 * far as the encoder allows; 4:2:0 and 4:2:2 outputs of odd size lose their
 * last column / row.  Audio and subtitle streams of the source are copied
 * packet for packet (stream copy, time stamps rescaled to the output stream's
 * time base); a stream the container cannot hold is left out and counted.
 * The file is written to "<path>.tmp-XXXXXX" beside the target and renamed
 * over it by or_video_writer_finish only; or_video_writer_abort removes it.
 *
 * The library never prints: libav* logging is silenced to errors (see
 * or_video_log_level) and every error is one line naming the file. */
#ifndef OR_VIDEO_H
#define OR_VIDEO_H

#ifdef __cplusplus
extern "C" {
#endif

#include <stdint.h>

#include "image.h"
#include "runtime/core/status.h"

typedef struct or_video_reader or_video_reader;
typedef struct or_video_writer or_video_writer;

/* Colour description of a stream, as libavutil's AVCOL_* enum values. */
typedef struct {
    int range;      /* AVColorRange: 1 limited (tv), 2 full (pc) */
    int primaries;  /* AVColorPrimaries */
    int transfer;   /* AVColorTransferCharacteristic */
    int matrix;     /* AVColorSpace */
} or_video_colour;

typedef struct {
    int width, height;
    int rate_num, rate_den;   /* frame rate (libavformat's guess from the stream) */
    int tb_num, tb_den;       /* time base of the pts values or_video_read returns */
    int64_t frames;           /* frame count from the header, or duration * rate; 0 if unknown */
    double duration;          /* seconds; 0 if unknown */
    int pix_fmt;              /* AVPixelFormat of the decoded frames */
    int bit_depth;            /* of the luma plane */
    or_video_colour colour;   /* as tagged in the file (AVCOL_*_UNSPECIFIED when not) */
    or_video_colour used;     /* what the conversion used: unspecified resolved */
    int copy_streams;         /* audio + subtitle streams that a writer copies */
    char codec[32];           /* decoder name */
    char container[32];       /* demuxer name */
} or_video_info;

/* 1 when path is a video libavformat can open (by content, not by name): a
 * video stream that is not a single still picture; 0 otherwise (still images
 * such as PNG or JPEG, unreadable files). */
int or_video_probe(const char *path);

/* What path holds, by content: OR_MEDIA_VIDEO (a video stream to decode),
 * OR_MEDIA_OTHER (not a regular file, a still image, or nothing libavformat
 * recognises: the image readers say what), OR_MEDIA_BAD (a media file that
 * is no usable video; err says why in words: "no video stream (mov,mp4,...:
 * 1 audio stream, 0 other)", "truncated: moov atom missing ..."). */
enum { OR_MEDIA_OTHER = 0, OR_MEDIA_VIDEO = 1, OR_MEDIA_BAD = -1 };
int or_video_classify(const char *path, or_err *err);

or_status or_video_open(const char *path, or_video_reader **r, or_video_info *info, or_err *err);
/* The next frame, as a new 3-channel image (src_bit_depth = the stream's bit
 * depth) and its pts in the info's time base.  *got = 0 at the end of the
 * stream (frame untouched).  Decoder errors are one line naming the file. */
or_status or_video_read(or_video_reader *r, or_image *frame, int64_t *pts, int *got, or_err *err);
void or_video_close(or_video_reader *r);
/* A stream whose frame size changes is read at its first frame's size
 * (*out_w x *out_h), the other frames scaled to it, as ffmpeg does.  Returns
 * how many frames were scaled; *w x *h is the size of the first of them and
 * *first its index (call after reading, from the reading thread or after it). */
int64_t or_video_resized(const or_video_reader *r, int *w, int *h, int64_t *first,
                         int *out_w, int *out_h);
/* Keep the audio/subtitle packets from now on, for a writer opened later
 * (or_video_writer_open does this too). */
void or_video_keep_streams(or_video_reader *r);

typedef enum {
    OR_VCODEC_AUTO = 0, /* H.264 */
    OR_VCODEC_H264,
    OR_VCODEC_H265,
    OR_VCODEC_FFV1
} or_vcodec;

typedef struct {
    or_vcodec codec;
    int crf;                  /* quality for H.264/H.265 (lower is better); -1: the codec's default above */
    const char *preset;       /* x264/x265 preset; NULL: "medium" */
    int width, height;        /* frame size written */
    int rate_num, rate_den;   /* frame rate of the output */
    int tb_num, tb_den;       /* time base of the pts passed to or_video_write */
    or_video_colour colour;   /* tags and YUV conversion (pass the reader's info.used) */
    int src_pix_fmt;          /* pixel format to follow (the reader's info.pix_fmt); -1: yuv420p */
    int threads;              /* encoder threads; 0: automatic */
} or_video_out_opts;

or_video_out_opts or_video_out_defaults(void);

/* OR_OK when name is an x264/x265 preset (ultrafast ... placebo); else OR_EINVAL
 * with "preset NAME: expected ultrafast, ..." (checked before the encoder opens:
 * x264 would print its own lines). */
or_status or_video_preset_check(const char *name, or_err *err);

/* Parse "h264", "x264", "avc", "h265", "x265", "hevc", "ffv1"; OR_EINVAL otherwise. */
or_status or_vcodec_parse(const char *name, or_vcodec *out, or_err *err);
const char *or_vcodec_name(or_vcodec c);

/* Open path for writing (through a temporary file).  src, when not NULL,
 * gives the streams to copy: its audio and subtitle packets are taken from
 * it as they are read, from the writer's thread (the reader may run in
 * another thread: the hand-over is locked). */
or_status or_video_writer_open(const char *path, const or_video_out_opts *o, or_video_reader *src,
                               or_video_writer **w, or_err *err);
/* Encode one RGB (or gray) frame of o->width x o->height with pts in o's time base. */
or_status or_video_write(or_video_writer *w, const or_image *frame, int64_t pts, or_err *err);
/* Flush the encoder and the copied streams, write the trailer, rename over
 * the target; frees w whatever happens (the temporary is removed on failure). */
or_status or_video_writer_finish(or_video_writer *w, or_err *err);
/* Stop: close and remove the temporary file, free w (NULL-safe). */
void or_video_writer_abort(or_video_writer *w);
/* Streams copied and left out (the container cannot hold them) so far. */
void or_video_writer_counts(const or_video_writer *w, int *copied, int *left_out);

/* Silence libav* below this AV_LOG_* level (default AV_LOG_ERROR is set on
 * first use; the CLI passes AV_LOG_QUIET, or AV_LOG_WARNING with -v). */
void or_video_log_level(int level);

/* Joining segments (runtime/io/video_join.c, `oprestore-gpu join`): the
 * video packets of the segment files, in order, copied (no re-encoding) into
 * one file, with the audio and subtitle streams of the source copied once,
 * packet for packet, as or_video_writer copies them in a single run.  Every
 * segment must hold one video stream of the same codec, size, pixel format
 * and codec header (extradata) as the first.  Written through a temporary
 * file renamed at the end. */
typedef struct {
    const char *out;
    const char *const *segments; /* n files, in order */
    const int64_t *frames;       /* packets each must hold (NULL: not checked) */
    int n;
    const char *source;          /* audio/subtitles from here; NULL: none */
    int tb_num, tb_den;          /* the video time base a single run's encoder had */
    int rate_num, rate_den;      /* its frame rate */
    or_video_colour colour;      /* its colour tags */
} or_video_join_opts;

/* copied / left_out: the source's streams (as or_video_writer_counts). */
or_status or_video_join(const or_video_join_opts *o, int64_t *packets, int *copied,
                        int *left_out, or_err *err);

#ifdef __cplusplus
}
#endif

#endif
