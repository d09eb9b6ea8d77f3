/* sr_eval.h: super-resolution quality on Set5 / Set14 style folders
 * (oprestore-bench --sr-eval; bench/sr_eval.sh writes docs/results.md with it).
 *
 * A set folder holds HR/<name>.png and LR_bicubic_x<scale>/<name>.png.  The
 * protocol is the EDSR/RCAN/ESRGAN one as BasicSR computes it
 * (shared/testdata/README.md section 3):
 *   GT      the HR image cropped from the top-left to scale x the LR size
 *           (BasicSR's GTmod12); a single-channel HR is R = G = B
 *   output  or_upscale_image with the default options, clamped and rounded
 *           to 8 bits as the PNG writer does (BasicSR's tensor2img)
 *   metric  PSNR on Y = 16 + 65.481 R + 128.553 G + 24.966 B (R, G, B in
 *           [0,1]; MATLAB rgb2ycbcr, Y not rounded), in double, with `scale`
 *           pixels cropped from every border; the set's figure is the mean
 *           of the per-image PSNRs. */
#ifndef OR_SR_EVAL_H
#define OR_SR_EVAL_H

#include <stdint.h>
#include <stdio.h>

#include "runtime/io/image.h"
#include "runtime/nets/net.h"

#define SR_EVAL_MAX_IMAGES 256
#define SR_EVAL_MAX_SETS 8

/* PSNR (dB) of the Y channel between two 8-bit RGB images a and b of w x h,
 * plane-major (sample (c,y,x) at [(c*h + y)*w + x]), crop pixels left out on
 * every side.  INFINITY when they are equal inside the crop, NAN when the
 * crop leaves nothing. */
double sr_eval_psnr_y(const uint8_t *a, const uint8_t *b, int w, int h, int crop);

/* The top-left w x h of img as 8-bit RGB (layout as above) in out (3*w*h
 * bytes): gray replicated, values clamped and rounded as or_image_write_png. */
or_status sr_eval_rgb8(const or_image *img, int w, int h, uint8_t *out, or_err *err);

typedef struct {
    char name[128];  /* file name without .png */
    int lr_w, lr_h;
    double psnr;     /* dB */
    double sec;      /* wall clock of or_upscale_image plus a backend sync */
    int tiles;       /* tiles run (0: the whole image at once) */
} sr_eval_row;

typedef struct {
    char set[128];         /* the folder's name ("Set5") */
    char model[256];       /* model file name without folders and extension */
    char arch[32];
    char device[128];      /* backend name: "cpu (2 threads)", "cuda:0 NVIDIA H100 ..." */
    char dtype[8];
    int scale, crop, warmup;
    int n;
    sr_eval_row rows[SR_EVAL_MAX_IMAGES];
    double mean_psnr, total_sec;
} sr_eval_result;

/* Evaluate net on every LR image of the set folder dir (sorted by name), after
 * `warmup` untimed runs on the first image; crop < 0: net->scale. */
or_status sr_eval_set(or_net *net, const char *dir, int crop, int warmup, sr_eval_result *r,
                      or_err *err);

/* The result as markdown: a heading, the per-image table, then one line
 * "Mean PSNR-Y over N images: **xx.xxxx dB** ..." (bench/sr_eval.sh reads it). */
void sr_eval_markdown(FILE *f, const sr_eval_result *r);

/* oprestore-bench --sr-eval. */
typedef struct {
    const char *device;    /* -g: "cpu" or a CUDA device number */
    int dtype;             /* OR_F32 / OR_F16, or -1: f16 on CUDA, f32 on the CPU */
    const char *model_file;
    const char *dirs[SR_EVAL_MAX_SETS];
    int n_dirs;
    const char *markdown;  /* also write the tables to this file (or NULL) */
    int warmup;            /* untimed runs before each set (-1: 1) */
} sr_eval_opts;

/* Run the evaluation, print the tables on stdout; returns an exit code
 * (0 success, 1 runtime error). */
int sr_eval_run(const sr_eval_opts *o);

#endif
