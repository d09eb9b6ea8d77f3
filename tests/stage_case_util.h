/* stage_case_util.h: what the command-line tests of the stages share, written
 * once: tests/test_cli_restore_chain.c runs the cases at -g cpu, and
 * tests/cuda_emu/test_emu_tools.c at -g cpu and -g 0 on the CUDA emulator.
 * The seeded fixture models, a tiny clip with audio, and the video commands
 * with the output each must give.  Linked into every test (*util*.c). */
#ifndef OR_STAGE_CASE_UTIL_H
#define OR_STAGE_CASE_UTIL_H

/* The temporary models folder with the seeded official-layout fixtures of
 * tests/fixtures/ckpt converted once (converter API): sig (SIGGRAPH17), deo
 * (DeOldify deep, ResNet-34), rife (v4.6), srvgg (SRVGG x4, PReLU), dain. */
const char *sc_models(void);

/* An n-frame w x h FFV1 clip at rate fps with 8 kHz PCM audio (video_clip.h),
 * written to ct_tmp(name); returns the path. */
const char *sc_clip(const char *name, int w, int h, int frames, int rate);

/* b carries a's audio packets byte for byte (and a has some). */
void sc_expect_same_audio(const char *a, const char *b);

/* A video command of oprestore-gpu: `args -i IN -o OUT -M sc_models() ...`
 * gives frames_in * per_frame frames (interpolation repeats the last frame, so
 * the duration stays) of scale x the input's size, and with -v says `said`
 * (NULL: nothing particular) and, when per_frame > 1, "<n> frames in, <m> out". */
typedef struct {
    const char *args;
    int per_frame, scale;
    const char *said;
} sc_video_case;

extern const sc_video_case sc_chain;          /* restore: colorize -> upscale -> interpolate */
extern const sc_video_case sc_upscale;        /* upscale given a video */
extern const sc_video_case sc_colorize_deo;   /* colorize (DeOldify, -r 2) given a video */
extern const sc_video_case sc_interpolate_rife; /* interpolate given a video */
extern const sc_video_case sc_interpolate_dain;

/* log (the -v output of case c run on frames_in frames) says what it must. */
void sc_expect_said(const sc_video_case *c, int frames_in, const char *log);

#endif
