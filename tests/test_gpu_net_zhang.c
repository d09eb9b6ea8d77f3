/* test_gpu_net_zhang.c: ECCV16 / SIGGRAPH17 and their pipeline on CUDA against
 * the CPU backend (the CPU is checked against PyTorch by test_net_zhang and
 * test_colorize_zhang).  Network output in normalised units (ab / 110, what
 * model_out produces): f32 max abs <= 1e-3; f16 PSNR >= 45 dB (peak 1, i.e. ab
 * 110).  The whole pipeline (RGB in [0,1]) in f16: PSNR >= 45 dB.  Without a
 * device gpu_main.c reports every test skipped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert.h"
#include "gpu_test.h"
#include "runtime/stages/colorize.h"
#include "runtime/nets/net.h"
#include "test_util.h"
#include "weights/safetensors.h"

GT_CUDA_CPU_FIXTURE(gpu, cpu, 0)
TestSuite(net_zhang_cuda, .init = gt_open, .fini = gt_close);

/* ab / 110 of net on the fixture's input. */
static float *run(or_backend *be, or_dtype dt, const char *model, const float *in, int c, int h,
                  int w)
{
    or_net *net;
    or_err err;
    cr_assert_eq(or_net_load(model, be, dt, &net, &err), OR_OK, "%s", err.msg);
    or_tensor x, y;
    cr_assert_eq(or_tensor_alloc(be, &x, 1, c, h, w, dt, "x", &err), OR_OK);
    cr_assert_eq(or_tensor_alloc(be, &y, 1, 2, h, w, dt, "y", &err), OR_OK);
    cr_assert_eq(or_tensor_upload_f32(&x, in, &err), OR_OK);
    cr_assert_eq(net->forward(net, &x, &y, &err), OR_OK, "%s", err.msg);
    size_t n = (size_t)2 * h * w;
    float *out = malloc(n * sizeof(float));
    cr_assert_eq(or_tensor_download_f32(&y, out, &err), OR_OK, "%s", err.msg);
    for (size_t i = 0; i < n; i++)
        out[i] /= 110.0f;
    or_net_free(net);
    return out;
}

static void compare_arch(const char *arch)
{
    or_err err;
    char ck[64];
    snprintf(ck, sizeof ck, "zhang_%s.zip.pth", arch);
    const char *model = tu_model_ckpt(ck);
    static const char *sizes[] = {"8x8", "24x40", "32x16"};
    for (int i = 0; i < 3; i++) {
        char fx[256];
        snprintf(fx, sizeof fx, "tests/fixtures/zhang/net_%s_%s.safetensors", arch, sizes[i]);
        st_file f;
        cr_assert_eq(st_open(tu_src(fx), &f, &err), OR_OK, "%s", err.msg);
        const st_tensor *t = st_find(&f, "input");
        cr_assert(t);
        int c = (int)t->shape[1], h = (int)t->shape[2], w = (int)t->shape[3];
        float *in = malloc((size_t)t->numel * sizeof(float));
        cr_assert_eq(st_read_f32(&f, t, in, &err), OR_OK);
        float *ref = run(cpu, OR_F32, model, in, c, h, w);
        float *o32 = run(gpu, OR_F32, model, in, c, h, w);
        float *o16 = run(gpu, OR_F16, model, in, c, h, w);
        size_t n = (size_t)2 * h * w;
        double d = tu_max_abs_diff(o32, ref, n), p = tu_psnr(o16, ref, n, 1.0);
        printf("%s %s: cuda f32 max abs %.3g, f16 %.1f dB\n", arch, sizes[i], d, p);
        cr_expect_leq(d, 1e-3, "%s f32: max abs %g", fx, d);
        cr_expect_geq(p, 45.0, "%s f16: %.1f dB", fx, p);
        free(in), free(ref), free(o32), free(o16);
        st_close(&f);
    }
}

Test(net_zhang_cuda, eccv16_matches_cpu) { compare_arch("eccv16"); }
Test(net_zhang_cuda, siggraph17_matches_cpu) { compare_arch("siggraph17"); }

/* The pipeline on a synthetic 300x200 gray image with hints, f16 on CUDA vs the CPU. */
Test(net_zhang_cuda, pipeline_f16_matches_cpu)
{
    or_net *nc, *ng;
    or_err err;
    const char *model = tu_model_ckpt("zhang_siggraph17.zip.pth");
    cr_assert_eq(or_net_load(model, cpu, OR_F32, &nc, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_net_load(model, gpu, OR_F16, &ng, &err), OR_OK, "%s", err.msg);
    or_image in, a, b;
    cr_assert_eq(or_image_alloc(&in, 300, 200, 1, 0, &err), OR_OK);
    for (int y = 0; y < 200; y++)
        for (int x = 0; x < 300; x++)
            in.planes[y * 300 + x] = (float)((x * 7 + y * 3) % 256) / 255.0f;
    static const or_color_hint hints[] = {{10, 20, 0.8f, 0.2f, 0.1f, 0}, {250, 150, 0.1f, 0.3f, 0.9f, 0}};
    or_colorize_opts o = or_colorize_defaults();
    o.hints = hints;
    o.n_hints = 2;
    cr_assert_eq(or_colorize_image(nc, &in, &o, &a, NULL, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_colorize_image(ng, &in, &o, &b, NULL, &err), OR_OK, "%s", err.msg);
    double p = tu_psnr(b.planes, a.planes, (size_t)3 * 300 * 200, 1.0);
    printf("pipeline cuda f16 vs cpu: %.1f dB\n", p);
    cr_expect_geq(p, 45.0, "%.1f dB", p);
    or_image_free(&in), or_image_free(&a), or_image_free(&b);
    or_net_free(nc), or_net_free(ng);
}
