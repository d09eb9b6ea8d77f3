/* test_net_deoldify.c: DeOldify's generators (runtime/net_deoldify*.c) on the
 * CPU against PyTorch (tests/fixtures/deoldify/net_*.safetensors, made by
 * make_deoldify_fixtures.py from the seeded official-layout checkpoints with
 * our definitions of the official code, deoldify_nets.py), plus the load-time
 * failures and the arena's steady state.
 *
 * Tolerance: max abs error <= 1e-4 on the output (range (-3,3)).  Both sides
 * compute in f32 and differ only in accumulation order (sgemm over im2col vs
 * PyTorch's kernels, the attention's softmax sum): a few ulp per layer through
 * ~40 (resnet34) / ~110 (resnet101) layers; a wrong weight, fold, blur, skip or
 * resize moves the output by >= 1e-2. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>

#include "deoldify_fixtures.h"

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

TestSuite(net_deoldify, .init = open_cpu, .fini = close_cpu);

/* Run every net_<ckpt>_HxW fixture of one checkpoint; returns how many ran. */
static int run_net_fixtures(const char *ckpt_stem)
{
    DIR *d = opendir(tu_src("tests/fixtures/deoldify"));
    cr_assert(d, "tests/fixtures/deoldify missing");
    char ckpt[256], prefix[256];
    snprintf(ckpt, sizeof ckpt, "%s.zip.pth", ckpt_stem);
    snprintf(prefix, sizeof prefix, "net_%s_", ckpt_stem);
    or_err err;
    or_net *net = NULL;
    cr_assert_eq(or_net_load(dfx_model(ckpt), be, OR_F32, &net, &err), OR_OK, "%s", err.msg);
    cr_expect_str_eq(net->arch, "deoldify");
    int ran = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", tu_src("tests/fixtures/deoldify"), e->d_name);
        st_file f;
        cr_assert_eq(st_open(path, &f, &err), OR_OK, "%s", err.msg);
        int64_t sx[4] = {0}, sy[4] = {0};
        int nx, ny;
        float *x = dfx_read(&f, "input", sx, &nx), *ref = dfx_read(&f, "output", sy, &ny);
        int h = (int)sx[2], w = (int)sx[3];
        float *y = dfx_forward(net, x, h, w, &err);
        cr_assert(y, "%s: %s", e->d_name, err.msg);
        double dmax = tu_max_abs_diff(y, ref, (size_t)3 * h * w);
        cr_expect(dmax <= 1e-4, "%s: max abs error %.3g > 1e-4", e->d_name, dmax);
        cr_log_info("%s: max abs error %.3g", e->d_name, dmax);
        free(x), free(ref), free(y);
        st_close(&f);
        ran++;
    }
    closedir(d);
    or_net_free(net);
    return ran;
}

Test(net_deoldify, deep_resnet34_matches_pytorch, .timeout = 120)
{
    cr_expect_geq(run_net_fixtures("deoldify_deep_r34"), 4);
}

Test(net_deoldify, wide_resnet101_matches_pytorch, .timeout = 120)
{
    cr_expect_geq(run_net_fixtures("deoldify_wide_r101"), 2);
}

Test(net_deoldify, odd_sizes_are_refused_with_the_reason)
{
    or_err err;
    or_net *net = NULL;
    cr_assert_eq(or_net_load(dfx_model("deoldify_deep_r34.zip.pth"), be, OR_F32, &net, &err), OR_OK,
                 "%s", err.msg);
    cr_expect_eq(net->size_multiple, 2);
    float x[3 * 5 * 6] = {0};
    float *y = dfx_forward(net, x, 5, 6, &err);
    cr_expect_null(y);
    cr_expect(strstr(err.msg, "multiple of 2"), "%s", err.msg);
    or_net_free(net);
}

/* After the first forward of a size, repeating it allocates nothing. */
Test(net_deoldify, steady_state_allocates_nothing, .timeout = 60)
{
    or_err err;
    or_net *net = NULL;
    cr_assert_eq(or_net_load(dfx_model("deoldify_deep_r34.zip.pth"), be, OR_F32, &net, &err), OR_OK,
                 "%s", err.msg);
    float *x = calloc(3 * 40 * 56, sizeof(float));
    size_t after_first = 0;
    for (int it = 0; it < 3; it++) {
        float *y = dfx_forward(net, x, 40, 56, &err);
        cr_assert(y, "%s", err.msg);
        free(y);
        if (it == 0)
            after_first = be->n_mem_allocs;
        else
            cr_expect_eq(be->n_mem_allocs, after_first);
    }
    cr_expect_leq(be->arena.peak, net->workspace_bytes(net, 40, 56) + ((size_t)1 << 20),
                  "workspace_bytes is an upper bound of the arena peak");
    free(x);
    or_net_free(net);
}
