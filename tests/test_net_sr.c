/* test_net_sr.c: the super-resolution networks (runtime/nets/net_rrdbnet.c,
 * runtime/nets/net_srvgg.c) on the CPU backend against PyTorch's outputs
 * (tests/fixtures/net/), plus the load-time failures and the steady state.
 *
 * Tolerance: max abs error <= 1e-4. Both sides compute in fp32; they differ
 * only in accumulation order (OpenBLAS sgemm over im2col here, PyTorch's own
 * convolution kernels there), which moves each conv output by a few ulp of
 * its O(1) values. The fixture README measures the fp32 reference itself
 * within 4e-6 of a float64 forward; 1e-4 leaves room for those rounding
 * differences through ~25 layers while still catching any wrong weight,
 * slope, residual scale or layout (which shift outputs by >= 1e-2). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net_sr_fixtures.h"
#include "weights/model_builder.h"

static or_backend *be;

static void open_cpu(void)
{
    or_err err;
    cr_assert_eq(or_backend_cpu_create(2, &be, &err), OR_OK, "%s", err.msg);
}

static void close_cpu(void)
{
    if (be)
        or_backend_destroy(be);
    be = NULL;
}

TestSuite(net_sr, .init = open_cpu, .fini = close_cpu);

/* Run every fixture with (shared == want_shared); returns how many ran. */
static int run_fixtures(int want_shared)
{
    static char names[NF_MAX][256];
    int n = nf_list(names, NF_MAX), ran = 0;
    for (int i = 0; i < n; i++) {
        nf_fixture fx;
        if (!nf_open(names[i], &fx))
            continue;
        if (fx.shared != want_shared) {
            nf_close(&fx);
            continue;
        }
        or_err err;
        or_net *net = NULL;
        cr_assert_eq(or_net_load(nf_model(&fx), be, OR_F32, &net, &err), OR_OK, "%s: %s",
                     fx.stem, err.msg);
        cr_expect_eq(net->layout, be->act_layout[OR_F32], "%s: layout", fx.stem);
        cr_expect_eq(fx.h * net->scale, fx.oh, "%s: scale %d", fx.stem, net->scale);
        cr_expect_eq(fx.w * net->scale, fx.ow, "%s: scale %d", fx.stem, net->scale);
        float *y = nf_run(net, fx.in, fx.h, fx.w, &err);
        cr_assert(y, "%s: %s", fx.stem, err.msg);
        double d = tu_max_abs_diff(y, fx.out, (size_t)3 * fx.oh * fx.ow);
        cr_expect(d <= 1e-4, "%s: max abs error %.3g > 1e-4 (output max |y| %.3g)", fx.stem, d,
                  nf_max_abs(fx.out, (size_t)3 * fx.oh * fx.ow));
        cr_log_info("%s: max abs error %.3g", fx.stem, d);
        free(y);
        or_net_free(net);
        nf_close(&fx);
        ran++;
    }
    return ran;
}

Test(net_sr, seeded_fixtures_match_pytorch, .timeout = 300)
{
    int ran = run_fixtures(0);
    cr_assert_geq(ran, 10, "only %d SR fixtures found in tests/fixtures/net", ran);
}

/* The same fixtures with the activations in NHWC (the layout CUDA f16 uses):
 * channel-strided dense-block views, KRSC weights, the layout conversions at
 * the network's ends; same tolerance. */
Test(net_sr, seeded_fixtures_match_pytorch_nhwc, .timeout = 300)
{
    be->act_layout[OR_F32] = OR_NHWC;
    int ran = run_fixtures(0);
    if (nf_shared_present())
        ran += run_fixtures(1);
    be->act_layout[OR_F32] = OR_NCHW;
    cr_assert_geq(ran, 10, "only %d SR fixtures found in tests/fixtures/net", ran);
}

Test(net_sr, real_model_fixtures_match_pytorch, .timeout = 300)
{
    if (!nf_shared_present())
        cr_skip_test("shared/weights/realesr-animevideov3.pth absent");
    cr_assert_geq(run_fixtures(1), 1, "no fixture uses the shared checkpoint");
}

/* ---- load failures -------------------------------------------------------------------- */

/* Copy model src to dst: tensor `reshape` (if any) gets shape new_shape (zeros),
 * tensor `drop` is left out, metadata mkey is set to mval. */
static void rewrite(const char *src, const char *dst, const char *reshape, int ndim,
                    const int64_t *new_shape, const char *drop, const char *mkey,
                    const char *mval)
{
    st_file f;
    or_err err;
    or_model_builder mb;
    cr_assert_eq(st_open(src, &f, &err), OR_OK, "%s", err.msg);
    mb_init(&mb);
    for (int i = 0; i < f.n_meta; i++)
        mb_meta_str(&mb, f.meta_keys[i], f.meta_vals[i]);
    if (mkey)
        mb_meta_str(&mb, mkey, mval);
    for (int i = 0; i < f.n; i++) {
        const st_tensor *t = &f.t[i];
        if (drop && strcmp(t->name, drop) == 0)
            continue;
        if (reshape && strcmp(t->name, reshape) == 0) {
            cr_assert(mb_add_empty(&mb, t->name, ndim, new_shape, &err), "%s", err.msg);
            continue;
        }
        int64_t shape[MB_MAX_DIMS];
        for (int k = 0; k < t->ndim; k++)
            shape[k] = t->shape[k];
        float *data = malloc((size_t)t->numel * sizeof(float));
        cr_assert_eq(st_read_f32(&f, t, data, &err), OR_OK, "%s", err.msg);
        cr_assert_eq(mb_add(&mb, t->name, t->ndim, shape, data, &err), OR_OK, "%s", err.msg);
        free(data);
    }
    st_close(&f);
    cr_assert_eq(mb_write_safetensors(&mb, dst, MB_F32, &err), OR_OK, "%s", err.msg);
    mb_free(&mb);
}

static const char *load_fails(const char *path, or_status want)
{
    static or_err err;
    or_net *net = NULL;
    or_status s = or_net_load(path, be, OR_F32, &net, &err);
    cr_assert_eq(s, want, "load %s: got %s (%s)", path, or_status_name(s), err.msg);
    cr_assert_null(net);
    return err.msg;
}

static void expect_msg(const char *msg, const char *want)
{
    cr_expect_str_eq(msg, want);
}

Test(net_sr, wrong_shape_weight_fails)
{
    const char *good = tu_model_ckpt("sr_rrdb_x4_ema.zip.pth");
    const char *bad = tu_tmp("rrdb_bad_shape.safetensors");
    int64_t shape[4] = {8, 8, 3, 3}; /* conv1 of a dense block is [gc=4, nf=8, 3, 3] */
    rewrite(good, bad, "body.1.rdb2.conv1.weight", 4, shape, NULL, NULL, NULL);
    char want[2048];
    snprintf(want, sizeof want,
             "%s: tensor body.1.rdb2.conv1.weight: expected [4,8,3,3], got [8,8,3,3]", bad);
    expect_msg(load_fails(bad, OR_ESHAPE), want);

    const char *gone = tu_tmp("srvgg_missing.safetensors");
    rewrite(tu_model_ckpt("sr_srvgg_x4_prelu.zip.pth"), gone, NULL, 0, NULL, "prelu.2.weight",
            NULL, NULL);
    snprintf(want, sizeof want, "%s: tensor prelu.2.weight: missing", gone);
    expect_msg(load_fails(gone, OR_EFORMAT), want);
}

Test(net_sr, bad_metadata_fails)
{
    char want[2048];
    const char *vgg = tu_model_ckpt("sr_srvgg_x2_lrelu.zip.pth");
    const char *p = tu_tmp("vit.safetensors");
    rewrite(vgg, p, NULL, 0, NULL, NULL, "arch", "vit");
    snprintf(want, sizeof want, "%s: architecture 'vit' has no network", p);
    expect_msg(load_fails(p, OR_EUNSUPPORTED), want);

    p = tu_tmp("act.safetensors");
    rewrite(vgg, p, NULL, 0, NULL, NULL, "act", "gelu");
    snprintf(want, sizeof want, "%s: metadata act = 'gelu': expected 'prelu' or 'lrelu'", p);
    expect_msg(load_fails(p, OR_EFORMAT), want);

    p = tu_tmp("feat.safetensors");
    rewrite(vgg, p, NULL, 0, NULL, NULL, "num_feat", "8x");
    snprintf(want, sizeof want, "%s: metadata num_feat = '8x': expected an integer in [1, 4096]",
             p);
    expect_msg(load_fails(p, OR_EFORMAT), want);

    p = tu_tmp("scale.safetensors");
    rewrite(tu_model_ckpt("sr_rrdb_x2.zip.pth"), p, NULL, 0, NULL, NULL, "scale", "4");
    cr_expect(strstr(load_fails(p, OR_EFORMAT), "metadata scale = 4 does not match"), "scale");
}

Test(net_sr, cpu_refuses_f16)
{
    or_err err;
    or_net *net = NULL;
    cr_assert_eq(or_net_load(tu_model_ckpt("sr_srvgg_x2_lrelu.zip.pth"), be, OR_F16, &net, &err),
                 OR_EUNSUPPORTED);
    cr_expect(strstr(err.msg, "computes in f32"), "%s", err.msg);
}

Test(net_sr, size_not_a_multiple_is_refused)
{
    or_err err;
    or_net *net = NULL;
    const char *path = tu_model_ckpt("sr_rrdb_x1.zip.pth");
    cr_assert_eq(or_net_load(path, be, OR_F32, &net, &err), OR_OK, "%s", err.msg);
    cr_expect_eq(net->size_multiple, 4);
    cr_expect_eq(net->scale, 1);
    float in[3 * 6 * 8] = {0};
    float *y = nf_run(net, in, 6, 8, &err);
    cr_expect_null(y);
    char want[2048];
    snprintf(want, sizeof want,
             "%s (rrdbnet x1): input size 6x8 (HxW) is not a multiple of 4: pad it first", path);
    cr_expect_str_eq(err.msg, want);
    or_net_free(net);
}

/* After the first forward of a size, forwards allocate nothing, give every
 * arena byte back, and stay within workspace_bytes. */
Test(net_sr, steady_state_allocates_nothing)
{
    static const char *const ck[] = {"sr_rrdb_x2.zip.pth", "sr_srvgg_x4_prelu.zip.pth"};
    for (int m = 0; m < 2; m++) {
        or_err err;
        or_net *net = NULL;
        cr_assert_eq(or_net_load(tu_model_ckpt(ck[m]), be, OR_F32, &net, &err), OR_OK, "%s",
                     err.msg);
        int h = 18, w = 24, s = net->scale;
        float *in = malloc((size_t)3 * h * w * sizeof(float));
        tu_seed(5);
        tu_fill_uniform(in, (size_t)3 * h * w, 0, 1);
        size_t allocs = 0;
        float *first = NULL;
        for (int it = 0; it < 4; it++) {
            size_t used = be->arena.used;
            be->arena.peak = used;
            float *y = nf_run(net, in, h, w, &err);
            cr_assert(y, "%s", err.msg);
            cr_expect_eq(be->arena.used, used, "%s: arena not given back", ck[m]);
            /* the peak above nf_run's x and y is what forward took */
            size_t io = 2 * 256 + (size_t)3 * h * w * 4 * (1 + (size_t)s * s);
            cr_expect_leq(be->arena.peak - used, net->workspace_bytes(net, h, w) + io,
                          "%s: forward used more than workspace_bytes", ck[m]);
            if (it == 0) {
                allocs = be->n_mem_allocs;
                first = y;
                continue;
            }
            cr_expect_eq(be->n_mem_allocs, allocs, "%s: forward %d allocated", ck[m], it);
            cr_expect_eq(memcmp(y, first, (size_t)3 * h * s * w * s * sizeof(float)), 0,
                         "%s: forward %d differs", ck[m], it);
            free(y);
        }
        free(first);
        free(in);
        or_net_free(net);
    }
}
