/* test_net_seeded.c: networks built from metadata with seeded weights
 * (runtime/nets/net_seeded.c) on the CPU backend.
 *   - a seeded rrdbnet / srvgg runs; the same seed gives bit-identical
 *     outputs, another seed a different output;
 *   - a converted model file and a seeded network of the same metadata ask for
 *     exactly the same weights (names and shapes; for SR none left over in the file)
 *     and build networks of the same geometry, for every converter fixture
 *     whose network exists (the others are logged, and join in when their
 *     loaders land);
 *   - the official metadata give the published parameter counts;
 *   - malformed metadata fail with a message. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convert/convert.h"
#include "runtime/nets/net_seeded.h"
#include "test_util.h"
#include "weights/safetensors.h"

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

TestSuite(net_seeded, .init = open_cpu, .fini = close_cpu);

#define RRDB_SMALL                                                                            \
    "arch=rrdbnet naming=real-esrgan num_in_ch=3 num_out_ch=3 num_feat=8 num_grow_ch=4 "     \
    "num_block=2 num_upconv=2 pixel_unshuffle=1 scale=4"
#define SRVGG_SMALL "arch=srvgg num_in_ch=3 num_out_ch=3 num_feat=8 num_conv=3 scale=2 act=prelu"

/* Output of a seeded network on a fixed 3 x h x w input (malloc'ed). */
static float *run_seeded(const char *meta, uint64_t seed, int h, int w, size_t *n_out)
{
    or_err err;
    or_net *net;
    cr_assert_eq(or_net_load_seeded(meta, be, OR_F32, seed, &net, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(strncmp(net->model_path, "seeded:", 7), 0, "%s", net->model_path);
    or_arena_mark m = or_arena_get_mark(&be->arena);
    or_tensor x, y;
    int s = net->scale;
    cr_assert_eq(or_tensor_alloc(be, &x, 1, 3, h, w, OR_F32, "x", &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_tensor_alloc(be, &y, 1, 3, h * s, w * s, OR_F32, "y", &err), OR_OK, "%s",
                 err.msg);
    float *in = malloc((size_t)3 * h * w * sizeof(float));
    *n_out = (size_t)3 * h * s * w * s;
    float *out = malloc(*n_out * sizeof(float));
    cr_assert(in && out);
    tu_seed(7);
    tu_fill_uniform(in, (size_t)3 * h * w, 0.0f, 1.0f);
    cr_assert_eq(or_tensor_upload_f32(&x, in, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(net->forward(net, &x, &y, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_tensor_download_f32(&y, out, &err), OR_OK, "%s", err.msg);
    or_arena_reset(&be->arena, m);
    or_net_free(net);
    free(in);
    return out;
}

static void check_seeds(const char *meta)
{
    size_t n;
    float *a = run_seeded(meta, 1, 11, 13, &n);
    float *b = run_seeded(meta, 1, 11, 13, &n);
    float *c = run_seeded(meta, 2, 11, 13, &n);
    double amax = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert(isfinite(a[i]), "%s: output %zu is %g", meta, i, a[i]);
        amax = fmax(amax, fabs(a[i]));
    }
    cr_expect_eq(memcmp(a, b, n * sizeof(float)), 0, "%s: same seed, different outputs", meta);
    double d = tu_max_abs_diff(a, c, n);
    cr_expect(d > 1e-3, "%s: seeds 1 and 2 give outputs within %g", meta, d);
    cr_log_info("%s: max |y| %.3g, seed 1 vs 2 max abs diff %.3g", meta, amax, d);
    free(a);
    free(b);
    free(c);
}

Test(net_seeded, rrdbnet_runs_and_is_deterministic, .timeout = 60) { check_seeds(RRDB_SMALL); }

Test(net_seeded, srvgg_runs_and_is_deterministic, .timeout = 60) { check_seeds(SRVGG_SMALL); }

Test(net_seeded, json_and_kv_metadata_agree, .timeout = 60)
{
    const char *json = "{\"arch\": \"srvgg\", \"num_in_ch\": 3, \"num_out_ch\": 3, "
                       "\"num_feat\": 8, \"num_conv\": 3, \"scale\": \"2\", \"act\": \"prelu\"}";
    size_t n1, n2;
    float *a = run_seeded(json, 5, 6, 7, &n1);
    float *b = run_seeded(SRVGG_SMALL, 5, 6, 7, &n2);
    cr_assert_eq(n1, n2);
    cr_expect_eq(memcmp(a, b, n1 * sizeof(float)), 0);
    free(a);
    free(b);
}

static int64_t count_params(const or_net_weight_list *l)
{
    int64_t total = 0;
    for (int i = 0; i < l->n; i++) {
        int64_t k = 1;
        for (int d = 0; d < l->w[i].ndim; d++)
            k *= l->w[i].shape[d];
        total += k;
    }
    return total;
}

/* Published sizes: RealESRGAN_x4plus has 16,697,987 parameters (702 tensors),
 * realesr-animevideov3 621,424 (53 tensors, docs/converters/sr.md). */
Test(net_seeded, official_metadata_give_the_published_sizes)
{
    or_err err;
    or_net_weight_list l;
    cr_assert_eq(or_net_seeded_weights(or_net_official_meta("realesrgan-x4plus"), be, OR_F32, &l,
                                       &err),
                 OR_OK, "%s", err.msg);
    cr_expect_eq(l.n, 702);
    cr_expect_eq(count_params(&l), 16697987);
    cr_expect_eq(be->n_mem_allocs, 0, "the discovery pass allocated backend memory");
    or_net_weight_list_free(&l);
    cr_assert_eq(or_net_seeded_weights(or_net_official_meta("realesr-animevideov3"), be, OR_F32,
                                       &l, &err),
                 OR_OK, "%s", err.msg);
    cr_expect_eq(l.n, 53);
    cr_expect_eq(count_params(&l), 621424);
    or_net_weight_list_free(&l);
    cr_expect_null(or_net_official_meta("no-such-model"));
}

Test(net_seeded, bad_metadata_fail_with_a_message)
{
    or_err err;
    or_net *net = NULL;
    cr_expect_eq(or_net_load_seeded("num_feat=8", be, OR_F32, 1, &net, &err), OR_EINVAL);
    cr_expect(strstr(err.msg, "arch"), "%s", err.msg);
    cr_expect_eq(or_net_load_seeded("arch=nonet", be, OR_F32, 1, &net, &err), OR_EUNSUPPORTED);
    cr_expect(strstr(err.msg, "nonet"), "%s", err.msg);
    cr_expect_neq(or_net_load_seeded("arch=rrdbnet novalue", be, OR_F32, 1, &net, &err), OR_OK);
    cr_expect(strstr(err.msg, "novalue"), "%s", err.msg);
    cr_expect_neq(or_net_load_seeded("arch=rrdbnet num_feat=8", be, OR_F32, 1, &net, &err), OR_OK);
    cr_expect(strstr(err.msg, "num_grow_ch"), "%s", err.msg); /* the loader's own message */
    cr_expect_eq(or_net_load_seeded("{\"arch\": [1]}", be, OR_F32, 1, &net, &err), OR_EFORMAT);
    cr_expect_eq(or_net_load_seeded(SRVGG_SMALL, be, OR_F16, 1, &net, &err), OR_EUNSUPPORTED);
    cr_expect_null(net);
}

/* ---- a converted file and a seeded network of its metadata ------------------------- */

static void json_str(char *buf, size_t cap, const char *s)
{
    size_t n = strlen(buf);
    if (n + 1 < cap)
        buf[n++] = '"';
    for (; *s && n + 3 < cap; s++) {
        if (*s == '"' || *s == '\\')
            buf[n++] = '\\';
        buf[n++] = *s;
    }
    buf[n++] = '"';
    buf[n] = 0;
}

static char *meta_json(const st_file *f)
{
    size_t cap = 1 << 16;
    char *j = calloc(cap, 1);
    cr_assert(j);
    strcat(j, "{");
    for (int i = 0; i < f->n_meta; i++) {
        if (i)
            strcat(j, ",");
        json_str(j, cap, f->meta_keys[i]);
        strcat(j, ":");
        json_str(j, cap, f->meta_vals[i]);
    }
    strcat(j, "}");
    return j;
}

/* 1 when checked, 0 when the architecture has no network yet. */
static int compare_with_file(const char *stem)
{
    char src[512], dst[512];
    snprintf(src, sizeof src, "tests/fixtures/ckpt/%s.zip.pth", stem);
    snprintf(dst, sizeof dst, "%s.safetensors", stem);
    const char *out = tu_tmp(dst);
    or_err err;
    or_convert_opts co = {0};
    cr_assert_eq(or_convert_file(tu_src(src), out, &co, &err), OR_OK, "%s", err.msg);
    or_net *real = NULL;
    or_status s = or_net_load(out, be, OR_F32, &real, &err);
    if (s == OR_EUNSUPPORTED) {
        cr_log_info("%s: not compared (%s)", stem, err.msg);
        unlink(out);
        return 0;
    }
    cr_assert_eq(s, OR_OK, "%s: %s", stem, err.msg);
    st_file f;
    cr_assert_eq(st_open(out, &f, &err), OR_OK, "%s", err.msg);
    char *meta = meta_json(&f);
    or_net_weight_list l;
    cr_assert_eq(or_net_seeded_weights(meta, be, OR_F32, &l, &err), OR_OK, "%s: %s", stem,
                 err.msg);
    /* The file may hold tensors the network never reads (siggraph17's classification
     * head); the SR converters write exactly the network's weights. */
    if (strncmp(stem, "sr_", 3) == 0)
        cr_expect_eq(l.n, f.n, "%s: the loader asks for %d weights, the file holds %d", stem,
                     l.n, f.n);
    else
        cr_expect_leq(l.n, f.n, "%s: the loader asks for %d weights, the file holds %d", stem,
                      l.n, f.n);
    for (int i = 0; i < l.n; i++) {
        const st_tensor *t;
        cr_expect_eq(st_expect(&f, l.w[i].name, l.w[i].ndim, l.w[i].shape, &t, &err), OR_OK,
                     "%s: %s", stem, err.msg);
    }
    or_net *seeded;
    cr_assert_eq(or_net_load_seeded(meta, be, OR_F32, 3, &seeded, &err), OR_OK, "%s: %s", stem,
                 err.msg);
    cr_expect_str_eq(seeded->arch, real->arch);
    cr_expect_eq(seeded->in_ch, real->in_ch, "%s", stem);
    cr_expect_eq(seeded->out_ch, real->out_ch, "%s", stem);
    cr_expect_eq(seeded->scale, real->scale, "%s", stem);
    cr_expect_eq(seeded->size_multiple, real->size_multiple, "%s", stem);
    cr_expect_eq(!seeded->forward, !real->forward, "%s", stem);
    cr_expect_eq(!seeded->interpolate, !real->interpolate, "%s", stem);
    if (real->workspace_bytes)
        cr_expect_eq(seeded->workspace_bytes(seeded, 64, 64), real->workspace_bytes(real, 64, 64),
                     "%s", stem);
    cr_log_info("%s: %d weights, same names and shapes (%d tensors in the file)", stem, l.n,
                f.n);
    or_net_free(seeded);
    or_net_free(real);
    or_net_weight_list_free(&l);
    free(meta);
    st_close(&f);
    unlink(out);
    return 1;
}

Test(net_seeded, converted_files_and_seeded_nets_have_the_same_weights, .timeout = 120)
{
    static const char *stems[] = {
        "sr_rrdb_x4_ema",    "sr_rrdb_x2",         "sr_rrdb_x1",        "sr_esrgan_oldest_x2",
        "sr_srvgg_x4_prelu", "sr_srvgg_x2_lrelu",  "zhang_siggraph17",  "zhang_eccv16",
        "deoldify_deep_r34", "deoldify_wide_r101", "rife_v4_6",         "rife_v4_25",
        "dain_best",
    };
    int checked = 0;
    for (size_t i = 0; i < sizeof stems / sizeof stems[0]; i++)
        checked += compare_with_file(stems[i]);
    cr_assert_geq(checked, 6, "only %d fixtures compared", checked); /* the six SR ones at least */
}

/* The official metadata table against the real checkpoint, when ../shared has it. */
Test(net_seeded, official_metadata_match_the_real_checkpoint, .timeout = 60)
{
    const char *ckpt = tu_shared("weights/realesr-animevideov3.pth");
    if (access(ckpt, R_OK) != 0)
        cr_skip_test("%s absent", ckpt);
    const char *out = tu_tmp("animevideov3.safetensors");
    or_err err;
    or_convert_opts co = {0};
    cr_assert_eq(or_convert_file(ckpt, out, &co, &err), OR_OK, "%s", err.msg);
    st_file f;
    cr_assert_eq(st_open(out, &f, &err), OR_OK, "%s", err.msg);
    or_net_weight_list l;
    cr_assert_eq(or_net_seeded_weights(or_net_official_meta("realesr-animevideov3"), be, OR_F32,
                                       &l, &err),
                 OR_OK, "%s", err.msg);
    cr_expect_eq(l.n, f.n);
    for (int i = 0; i < l.n; i++)
        cr_expect_eq(st_expect(&f, l.w[i].name, l.w[i].ndim, l.w[i].shape, NULL, &err), OR_OK,
                     "%s", err.msg);
    or_net_weight_list_free(&l);
    st_close(&f);
    unlink(out);
}
