/* oprestore-bench: frames per second of each stage and throughput of each
 * kernel, on a GPU or the CPU, beside PyTorch's numbers (bench/pytorch_peer.py).
 * The pieces are listed in bench/bench.h; the method is in docs/perf.md.
 *
 *   oprestore-bench -g 0 --json bench/results/h100-2025-01-01.json --chart fps.png
 *   oprestore-bench -g cpu --tiny               (the CI smoke run)
 *   oprestore-bench --roofline                  (FLOPs, bytes and floors from shapes only)
 *   oprestore-bench --sr-eval ../shared/testdata/sr/Set5 --model-file m.safetensors
 *                                               (PSNR-Y and time per image; bench/sr_eval.sh)
 *   oprestore-bench --flicker gray.mkv --flicker-candidates deoldify=a.mkv,keyframes=b.mkv
 *                                               (temporal flicker of colorized clips; flicker.h)
 *
 * Exit codes: 0 success (unavailable workloads are reported, not failures),
 * 1 runtime error, 2 usage error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "flicker.h"
#include "runtime/stages/scene.h"
#include "sr_eval.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: oprestore-bench [-g cpu|N] [--stage S[,S]] [--model M[,M]] [--size WxH]\n"
            "                       [--dtype f16|f32] [--layout nchw|nhwc] [--iters N] [--warmup N] [-M DIR]\n"
            "                       [--cpu-time]\n"
            "                       [--json FILE] [--csv FILE] [--chart FILE.png] [--merge FILE]\n"
            "                       [--kernels] [--tiny] [--roofline] [--list]\n"
            "       oprestore-bench --sr-eval DIR [--sr-eval DIR] --model-file PATH [-g cpu|N]\n"
            "                       [--dtype f16|f32] [--warmup N] [--markdown FILE]\n"
            "       oprestore-bench --flicker SOURCE --flicker-candidates [LABEL=]CLIP[,...]\n"
            "                       [--flow-model RIFE.safetensors] [--flow-scale S]\n"
            "                       [--flicker-frames N] [--scene-threshold T] [-g cpu|N]\n"
            "                       [--dtype f16|f32] [--json FILE] [--markdown FILE]\n"
            "  -g          device: cpu (default) or a CUDA device number\n"
            "  --stage     colorize, upscale, interpolate, kernel (conv cases; only when named)\n"
            "  --model     workload or model names (see --list)\n"
            "  --size      input size of the selected workloads (default: each workload's)\n"
            "  --dtype     compute dtype (default f16 on CUDA and for --roofline, f32 on the CPU)\n"
            "  --layout    nchw|nhwc: activation layout of the SR networks (default: the\n"
            "              backend's, NHWC for CUDA f16, else NCHW)\n"
            "  --iters     timed iterations (default 20; --tiny 2), --warmup (default 3; --tiny 1)\n"
            "  --cpu-time  CPU backend: time the iterations by the process's CPU time instead of\n"
            "              the wall clock (comparisons on a loaded machine; 1 thread = wall time)\n"
            "  -M          model folder: DIR/<model>.safetensors is used when present, else\n"
            "              seeded weights with the official architecture\n"
            "  --json/--csv/--chart  write the results; --merge FILE: PyTorch's numbers\n"
            "              (from bench/pytorch_peer.py) beside ours\n"
            "  --kernels   per-kernel table (time, count, FLOPs, bytes, share of the ceilings)\n"
            "  --tiny      small sizes and widths (CI smoke run; numbers mean nothing)\n"
            "  --roofline  count FLOPs and bytes from the shapes without computing, with the\n"
            "              H100 floors\n"
            "  --sr-eval   super-resolution quality: PSNR-Y (crop = scale) and time per image of\n"
            "              DIR/LR_bicubic_x<scale>/*.png against DIR/HR (Set5/Set14 layout) with\n"
            "              the model file of --model-file; markdown tables on stdout and in\n"
            "              --markdown FILE; --warmup untimed runs first (default 1)\n"
            "  --flicker   temporal flicker of colorized clips of the video SOURCE (the gray\n"
            "              film they were made from): for each pair of frames, RIFE's flows\n"
            "              on SOURCE's luma, the pixels whose forward and backward flows agree,\n"
            "              and the mean Lab ab change between frame t+1 and frame t warped onto\n"
            "              it (the warping error of Lai et al. 2018), per candidate clip;\n"
            "              candidates have SOURCE's size and at least its frames (LABEL names\n"
            "              a row; default the file name); --flow-model: a converted RIFE model\n"
            "              (default: seeded rife-v4.6 weights, whose flows mean nothing);\n"
            "              --flicker-frames: the first N frames only; --scene-threshold: pairs\n"
            "              of SOURCE with SSIM below it are cuts, left out (default 0.2, 0:\n"
            "              none); --json: the figures and every pair's; --markdown: the\n"
            "              table (bench/flicker.sh writes docs/results.md with it)\n");
}

static int parse_size(const char *s, int *w, int *h)
{
    char x;
    return sscanf(s, "%d%c%d", w, &x, h) == 3 && (x == 'x' || x == 'X') && *w > 0 && *h > 0 &&
           *w <= 16384 && *h <= 16384;
}

/* Returns 0 on success, 2 on a usage error (after printing it). */
static int parse_args(int argc, char **argv, bench_opts *o, int *list, sr_eval_opts *sr,
                      flicker_opts *fl)
{
    char *candidates = NULL;
    memset(o, 0, sizeof *o);
    memset(sr, 0, sizeof *sr);
    memset(fl, 0, sizeof *fl);
    fl->flow_scale = 1.0f;
    fl->scene_threshold = OR_SCENE_THRESHOLD;
    o->device = "cpu";
    o->iters = -1, o->warmup = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
#define TAKE(dst)                                                                 \
    do {                                                                          \
        if (!v) {                                                                 \
            fprintf(stderr, "oprestore-bench: %s needs a value\n", a);           \
            return 2;                                                             \
        }                                                                         \
        dst = v;                                                                  \
        i++;                                                                      \
    } while (0)
        const char *val = NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            exit(0);
        } else if (!strcmp(a, "-g")) {
            TAKE(o->device);
        } else if (!strcmp(a, "--stage")) {
            TAKE(o->stage);
        } else if (!strcmp(a, "--model")) {
            TAKE(o->model);
        } else if (!strcmp(a, "-M")) {
            TAKE(o->models_dir);
        } else if (!strcmp(a, "--json")) {
            TAKE(o->json);
        } else if (!strcmp(a, "--csv")) {
            TAKE(o->csv);
        } else if (!strcmp(a, "--chart")) {
            TAKE(o->chart);
        } else if (!strcmp(a, "--merge")) {
            TAKE(o->merge);
        } else if (!strcmp(a, "--size")) {
            TAKE(val);
            if (!parse_size(val, &o->w, &o->h)) {
                fprintf(stderr, "oprestore-bench: --size %s: expected WxH\n", val);
                return 2;
            }
        } else if (!strcmp(a, "--dtype")) {
            TAKE(val);
            if (strcmp(val, "f16") && strcmp(val, "f32")) {
                fprintf(stderr, "oprestore-bench: --dtype %s: expected f16 or f32\n", val);
                return 2;
            }
            o->dtype = strcmp(val, "f16") ? OR_F32 : OR_F16;
            o->dtype_set = 1;
        } else if (!strcmp(a, "--layout")) {
            TAKE(val);
            if (strcmp(val, "nchw") && strcmp(val, "nhwc")) {
                fprintf(stderr, "oprestore-bench: --layout %s: expected nchw or nhwc\n", val);
                return 2;
            }
            o->layout = strcmp(val, "nhwc") ? OR_NCHW : OR_NHWC;
            o->layout_set = 1;
        } else if (!strcmp(a, "--iters") || !strcmp(a, "--warmup")) {
            TAKE(val);
            char *end;
            long k = strtol(val, &end, 10);
            int lo = strcmp(a, "--iters") ? 0 : 1;
            if (*end || k < lo || k > BENCH_MAX_ITERS) {
                fprintf(stderr, "oprestore-bench: %s %s: expected %d..%d\n", a, val, lo,
                        BENCH_MAX_ITERS);
                return 2;
            }
            *(strcmp(a, "--iters") ? &o->warmup : &o->iters) = (int)k;
        } else if (!strcmp(a, "--kernels")) {
            o->kernels = 1;
        } else if (!strcmp(a, "--cpu-time")) {
            bench_cpu_time = 1;
        } else if (!strcmp(a, "--tiny")) {
            o->tiny = 1;
        } else if (!strcmp(a, "--roofline")) {
            o->roofline = 1;
        } else if (!strcmp(a, "--list")) {
            *list = 1;
        } else if (!strcmp(a, "--sr-eval")) {
            if (sr->n_dirs == SR_EVAL_MAX_SETS) {
                fprintf(stderr, "oprestore-bench: at most %d --sr-eval folders\n",
                        SR_EVAL_MAX_SETS);
                return 2;
            }
            TAKE(sr->dirs[sr->n_dirs]);
            sr->n_dirs++;
        } else if (!strcmp(a, "--model-file")) {
            TAKE(sr->model_file);
        } else if (!strcmp(a, "--markdown")) {
            TAKE(sr->markdown);
        } else if (!strcmp(a, "--flicker")) {
            TAKE(fl->source);
        } else if (!strcmp(a, "--flicker-candidates")) {
            TAKE(val);
            candidates = argv[i]; /* split in place */
            if (flicker_parse_candidates(candidates, fl))
                return 2;
        } else if (!strcmp(a, "--flow-model")) {
            TAKE(fl->flow_model);
        } else if (!strcmp(a, "--flicker-frames") || !strcmp(a, "--flow-scale") ||
                   !strcmp(a, "--scene-threshold")) {
            TAKE(val);
            char *end;
            double d = strtod(val, &end);
            int ok = *end == '\0' && end != val;
            if (!strcmp(a, "--flicker-frames")) {
                ok = ok && d >= 2 && d <= 1e9 && d == (long)d;
                fl->frames = (long)d;
            } else if (!strcmp(a, "--flow-scale")) {
                ok = ok && (d == 0.25 || d == 0.5 || d == 1 || d == 2 || d == 4);
                fl->flow_scale = (float)d;
            } else {
                ok = ok && d >= 0 && d <= 1;
                fl->scene_threshold = d;
            }
            if (!ok) {
                fprintf(stderr, "oprestore-bench: %s %s: expected %s\n", a, val,
                        !strcmp(a, "--flicker-frames") ? "a frame count of 2 or more"
                        : !strcmp(a, "--flow-scale")   ? "0.25, 0.5, 1, 2 or 4"
                                                       : "an SSIM in [0,1]");
                return 2;
            }
        } else {
            fprintf(stderr, "oprestore-bench: unknown option %s\n", a);
            usage(stderr);
            return 2;
        }
#undef TAKE
    }
    if ((sr->model_file || (sr->markdown && !fl->source)) && !sr->n_dirs) {
        fprintf(stderr, "oprestore-bench: --model-file and --markdown go with --sr-eval "
                        "(--markdown also with --flicker)\n");
        return 2;
    }
    if (sr->n_dirs && !sr->model_file) {
        fprintf(stderr, "oprestore-bench: --sr-eval needs --model-file\n");
        return 2;
    }
    if (!fl->source != !candidates ||
        (!fl->source && (fl->flow_model || fl->frames || fl->flow_scale != 1.0f ||
                         fl->scene_threshold != OR_SCENE_THRESHOLD))) {
        fprintf(stderr, "oprestore-bench: --flicker SOURCE needs --flicker-candidates, and "
                        "--flicker-candidates, --flow-model, --flow-scale, --flicker-frames "
                        "and --scene-threshold go with --flicker\n");
        return 2;
    }
    if (fl->source && sr->n_dirs) {
        fprintf(stderr, "oprestore-bench: --flicker and --sr-eval are separate runs\n");
        return 2;
    }
    fl->device = o->device;
    fl->dtype = o->dtype_set ? (int)o->dtype : -1;
    fl->json = o->json;
    fl->markdown = sr->markdown;
    sr->device = o->device;
    sr->dtype = o->dtype_set ? (int)o->dtype : -1;
    sr->warmup = o->warmup;
    if (o->iters < 0)
        o->iters = o->tiny ? 2 : 20;
    if (o->warmup < 0)
        o->warmup = o->tiny ? 1 : 3;
    return 0;
}

static void list_workloads(void)
{
    printf("%-12s %-26s %-24s\n", "stage", "workload", "model");
    for (size_t i = 0; i < bench_workload_count(); i++) {
        const bench_workload *w = bench_workload_at(i);
        printf("%-12s %-26s %-24s\n", bench_workload_stage(w), bench_workload_name(w),
               bench_workload_model(w));
    }
}

int main(int argc, char **argv)
{
    bench_opts o;
    sr_eval_opts sr;
    flicker_opts fl;
    int list = 0;
    if (parse_args(argc, argv, &o, &list, &sr, &fl))
        return 2;
    if (fl.source)
        return flicker_run(&fl);
    if (sr.n_dirs)
        return sr_eval_run(&sr);
    if (list) {
        list_workloads();
        return 0;
    }
    or_err err;
    or_backend *be = NULL;
    if (!o.roofline && or_backend_open(o.device, &be, &err) != OR_OK) {
        fprintf(stderr, "oprestore-bench: %s\n", err.msg);
        return 1;
    }
    if (!o.dtype_set)
        o.dtype = o.roofline || (be && be->kind == OR_BACKEND_CUDA) ? OR_F16 : OR_F32;
    if (be && o.layout_set)
        be->act_layout[o.dtype] = o.layout;
    if (be && be->kind == OR_BACKEND_CPU && o.dtype != OR_F32) {
        fprintf(stderr, "oprestore-bench: the CPU backend computes in f32 only (--dtype f32)\n");
        or_backend_destroy(be);
        return 2;
    }
    size_t nw = bench_workload_count();
    int n_sel = 0;
    for (size_t i = 0; i < nw; i++)
        n_sel += bench_workload_selected(bench_workload_at(i), &o);
    if (n_sel == 0) {
        fprintf(stderr, "oprestore-bench: no workload matches --stage/--model (see --list)\n");
        or_backend_destroy(be);
        return 2;
    }
    bench_env env;
    bench_env_fill(&env, be);
    if (be) {
        if (bench_measure_ceilings(be, o.tiny, &env.ceil, &err) != OR_OK)
            fprintf(stderr, "oprestore-bench: ceilings not measured: %s\n", err.msg);
        else
            env.have_ceil = 1;
    }
    bench_result *res = calloc(nw, sizeof *res);
    if (!res) {
        fprintf(stderr, "oprestore-bench: out of memory\n");
        or_backend_destroy(be);
        return 1;
    }
    int n = 0;
    for (size_t i = 0; i < nw; i++) {
        const bench_workload *w = bench_workload_at(i);
        if (!bench_workload_selected(w, &o))
            continue;
        fprintf(stderr, "oprestore-bench: %s/%s ...\n", bench_workload_stage(w),
                bench_workload_name(w));
        bench_run_workload(w, &o, be, &res[n++]);
    }
    int rc = 0;
    if (o.merge && bench_merge_peer(o.merge, res, n, &err) != OR_OK) {
        fprintf(stderr, "oprestore-bench: %s\n", err.msg);
        rc = 1;
    }
    bench_print_table(&env, res, n, &o);
    for (int i = 0; o.kernels && i < n; i++)
        bench_print_kernels(&env, &res[i], &o);
    if (o.json && bench_write_json(o.json, &env, res, n, &o, &err) != OR_OK) {
        fprintf(stderr, "oprestore-bench: %s\n", err.msg);
        rc = 1;
    }
    if (o.csv && bench_write_csv(o.csv, &env, res, n, &err) != OR_OK) {
        fprintf(stderr, "oprestore-bench: %s\n", err.msg);
        rc = 1;
    }
    if (o.chart && !o.roofline && bench_write_chart(o.chart, &env, res, n, &err) != OR_OK) {
        fprintf(stderr, "oprestore-bench: %s\n", err.msg);
        rc = 1;
    }
    for (int i = 0; i < n; i++)
        bench_profile_free(&res[i].prof);
    free(res);
    or_backend_destroy(be);
    return rc;
}
