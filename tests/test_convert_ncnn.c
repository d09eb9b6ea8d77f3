/* test_convert_ncnn.c: ncnn model files (convert/ncnn_param.c, ncnn_graph.c,
 * arch_sr_ncnn.c).
 *
 * tests/fixtures/ncnn/ (make_ncnn_fixtures.py, numpy only) holds tiny seeded
 * SRVGG and RRDBNet graphs in ncnn's .param/.bin format, laid out as the
 * official exports (fused and unfused, fp16 and fp32 storage), each with the
 * same weights as a PyTorch checkpoint.  Converting the two must give the same
 * canonical tensors, byte for byte, the same architecture metadata, and the
 * same network output.  Then malformed files, each refused with one line
 * naming the file and the layer. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "cli_test_util.h"
#include "convert/convert.h"
#include "runtime/core/backend.h"
#include "runtime/nets/net.h"
#include "runtime/stages/upscale.h"
#include "test_util.h"
#include "weights/safetensors.h"

static const struct {
    const char *name, *storage, *arch;
} fixtures[] = {
    {"ncnn_srvgg_x4_prelu", "fp16", "srvgg"},
    {"ncnn_srvgg_x2_lrelu_fp32", "fp32", "srvgg"},
    {"ncnn_rrdb_x4", "fp16", "rrdbnet"},
    {"ncnn_rrdb_x4_unfused_fp32", "fp32", "rrdbnet"},
};
#define N_FIXTURES (int)(sizeof fixtures / sizeof fixtures[0])

static const char *fx(const char *name, const char *ext)
{
    static char buf[4][1024];
    static int k;
    char rel[512];
    snprintf(rel, sizeof rel, "tests/fixtures/ncnn/%s%s", name, ext);
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s", tu_src(rel));
    return buf[k];
}

/* Convert a fixture (.param or .pth) into a temporary model file. */
static const char *convert(const char *name, const char *ext)
{
    char out[256];
    snprintf(out, sizeof out, "%s%s.safetensors", name, ext);
    const char *path = tu_tmp(out);
    or_err err;
    cr_assert_eq(or_convert_file(fx(name, ext), path, NULL, &err), OR_OK, "%s", err.msg);
    return path;
}

static int is_source_key(const char *k) { return !strncmp(k, "source_", 7); }

Test(convert_ncnn, same_tensors_and_metadata_as_the_pth)
{
    for (int i = 0; i < N_FIXTURES; i++) {
        const char *name = fixtures[i].name;
        st_file a, b;
        or_err err;
        cr_assert_eq(st_open(convert(name, ".param"), &a, &err), OR_OK, "%s", err.msg);
        cr_assert_eq(st_open(convert(name, ".pth"), &b, &err), OR_OK, "%s", err.msg);
        cr_assert_eq(a.n, b.n, "%s: %d tensors from ncnn, %d from the pth", name, a.n, b.n);
        for (int t = 0; t < a.n; t++) {
            const st_tensor *x = &a.t[t], *y = st_find(&b, x->name);
            cr_assert(y, "%s: %s only in the ncnn conversion", name, x->name);
            cr_expect_eq(x->ndim, y->ndim, "%s: %s", name, x->name);
            cr_expect_eq(memcmp(x->shape, y->shape, sizeof x->shape), 0, "%s: %s shape", name,
                         x->name);
            cr_expect(x->nbytes == y->nbytes && !memcmp(x->data, y->data, x->nbytes),
                      "%s: tensor %s differs", name, x->name);
        }
        for (int k = 0; k < b.n_meta; k++) {
            if (is_source_key(b.meta_keys[k]))
                continue;
            const char *v = st_meta(&a, b.meta_keys[k]);
            cr_expect(v && !strcmp(v, b.meta_vals[k]), "%s: metadata %s = %s, pth gives %s",
                      name, b.meta_keys[k], v ? v : "(absent)", b.meta_vals[k]);
        }
        cr_expect_str_eq(st_meta(&a, "arch"), fixtures[i].arch, "%s", name);
        cr_expect_str_eq(st_meta(&a, "source_format"), "ncnn", "%s", name);
        cr_expect_str_eq(st_meta(&a, "source_weights_storage"), fixtures[i].storage, "%s", name);
        char bin[256];
        snprintf(bin, sizeof bin, "%s.bin", name);
        cr_expect_str_eq(st_meta(&a, "source_bin_file"), bin, "%s", name);
        st_close(&a);
        st_close(&b);
    }
}

Test(convert_ncnn, same_network_output_as_the_pth)
{
    or_err err;
    or_backend *be = NULL;
    cr_assert_eq(or_backend_cpu_create(0, &be, &err), OR_OK, "%s", err.msg);
    for (int i = 0; i < N_FIXTURES; i++) {
        const char *name = fixtures[i].name;
        or_net *n1 = NULL, *n2 = NULL;
        cr_assert_eq(or_net_load(convert(name, ".param"), be, OR_F32, &n1, &err), OR_OK, "%s",
                     err.msg);
        cr_assert_eq(or_net_load(convert(name, ".pth"), be, OR_F32, &n2, &err), OR_OK, "%s",
                     err.msg);
        int h = 12, w = 16, s = n1->scale;
        cr_assert_eq(s, n2->scale);
        size_t no = (size_t)3 * h * s * w * s;
        float *in = malloc((size_t)3 * h * w * sizeof *in), *y1 = malloc(no * sizeof *y1),
              *y2 = malloc(no * sizeof *y2);
        tu_seed(40 + (uint64_t)i);
        tu_fill_uniform(in, (size_t)3 * h * w, 0, 1);
        or_upscale_opts o = or_upscale_defaults();
        cr_assert_eq(or_upscale_planes(n1, in, h, w, &o, y1, NULL, &err), OR_OK, "%s", err.msg);
        cr_assert_eq(or_upscale_planes(n2, in, h, w, &o, y2, NULL, &err), OR_OK, "%s", err.msg);
        cr_expect_eq(memcmp(y1, y2, no * sizeof *y1), 0, "%s: outputs differ (max %g)", name,
                     tu_max_abs_diff(y1, y2, no));
        free(in);
        free(y1);
        free(y2);
        or_net_free(n1);
        or_net_free(n2);
    }
    or_backend_destroy(be);
}

Test(convert_ncnn, bin_given_explicitly)
{
    /* oprestore-convert MODEL.param OTHER.bin: the .bin need not sit next to it */
    size_t n;
    uint8_t *bin = tu_read_file(fx("ncnn_srvgg_x4_prelu", ".bin"), &n);
    cr_assert(bin);
    const char *other = tu_tmp("weights-elsewhere.bin"), *out = tu_tmp("explicit.safetensors");
    cr_assert_eq(tu_write_file(other, bin, n), 0);
    free(bin);
    or_err err;
    cr_assert_eq(or_convert_ncnn(fx("ncnn_srvgg_x4_prelu", ".param"), other, out, NULL, &err),
                 OR_OK, "%s", err.msg);
    cr_expect(or_convert_is_ncnn_param(fx("ncnn_rrdb_x4", ".param")));
    cr_expect(!or_convert_is_ncnn_param(fx("ncnn_rrdb_x4", ".pth")));
}

/* ---- malformed files ---------------------------------------------------------------- */

typedef struct {
    char *param;
    uint8_t *bin;
    size_t bin_len;
} model_text;

static model_text load(const char *name)
{
    model_text m;
    size_t n;
    uint8_t *p = tu_read_file(fx(name, ".param"), &n);
    cr_assert(p);
    m.param = realloc(p, n + 1);
    m.param[n] = 0;
    m.bin = tu_read_file(fx(name, ".bin"), &m.bin_len);
    cr_assert(m.bin);
    return m;
}

/* Replace the first `from` in the text by `to`. */
static void replace(model_text *m, const char *from, const char *to)
{
    char *at = strstr(m->param, from);
    cr_assert(at, "fixture text has no '%s'", from);
    size_t n = strlen(m->param), nf = strlen(from), nt = strlen(to);
    char *s = malloc(n - nf + nt + 1);
    memcpy(s, m->param, (size_t)(at - m->param));
    memcpy(s + (at - m->param), to, nt);
    strcpy(s + (at - m->param) + nt, at + nf);
    free(m->param);
    m->param = s;
}

/* Write m as bad.param / bad.bin, convert, expect failure; the message is one
 * line, starts with the file it is about and contains every part given. */
static void expect_refused(model_text *m, const char *file_ext, const char *part1,
                           const char *part2)
{
    const char *pp = tu_tmp("bad.param"), *bp = tu_tmp("bad.bin");
    cr_assert_eq(tu_write_file(pp, m->param, strlen(m->param)), 0);
    cr_assert_eq(tu_write_file(bp, m->bin, m->bin_len), 0);
    or_err err;
    cr_assert_neq(or_convert_ncnn(pp, bp, tu_tmp("bad.safetensors"), NULL, &err), OR_OK,
                  "accepted (expected: %s)", part1);
    const char *file = !strcmp(file_ext, ".bin") ? bp : pp;
    cr_expect(!strncmp(err.msg, file, strlen(file)), "message does not start with %s: %s", file,
              err.msg);
    cr_expect(!strchr(err.msg, '\n'), "message is not one line: %s", err.msg);
    cr_expect(strstr(err.msg, part1), "no '%s' in: %s", part1, err.msg);
    if (part2)
        cr_expect(strstr(err.msg, part2), "no '%s' in: %s", part2, err.msg);
    free(m->param);
    free(m->bin);
}

Test(convert_ncnn, bad_magic)
{
    model_text m = load("ncnn_srvgg_x4_prelu");
    replace(&m, "7767517", "7767518");
    expect_refused(&m, ".param", "line 1: bad magic '7767518'", NULL);
}

Test(convert_ncnn, truncated_bin_names_the_layer)
{
    model_text m = load("ncnn_srvgg_x4_prelu");
    m.bin_len -= 6;
    expect_refused(&m, ".bin", "layer 8 'Conv_7' (Convolution): bias_data needs 192 bytes",
                   "truncated");
}

Test(convert_ncnn, bin_with_extra_bytes)
{
    model_text m = load("ncnn_srvgg_x4_prelu");
    m.bin = realloc(m.bin, m.bin_len + 8);
    memset(m.bin + m.bin_len, 0, 8);
    m.bin_len += 8;
    expect_refused(&m, ".bin", "8 bytes left over", "(layer 8 'Conv_7')");
}

Test(convert_ncnn, unknown_layer_type_is_named)
{
    model_text m = load("ncnn_srvgg_x4_prelu");
    replace(&m, "PixelShuffle             DepthToSpace_8", "Deconvolution            DepthToSpace_8");
    expect_refused(&m, ".param", "layer 9 'DepthToSpace_8' (Deconvolution): layer type not "
                   "supported", NULL);
}

Test(convert_ncnn, int8_storage_is_refused)
{
    model_text m = load("ncnn_srvgg_x4_prelu");
    static const uint8_t tag[4] = {0x38, 0x4B, 0x0D, 0x00}; /* 0x000D4B38, little-endian */
    memcpy(m.bin, tag, 4); /* the first layer with weights: Conv_1 */
    expect_refused(&m, ".bin", "layer 2 'Conv_1' (Convolution)", "int8-quantized");
}

Test(convert_ncnn, int8_convolution_parameter_is_refused)
{
    model_text m = load("ncnn_srvgg_x4_prelu");
    replace(&m, "6=576", "6=576 8=2");
    expect_refused(&m, ".param", "layer 4 'Conv_3' (Convolution): int8-quantized", NULL);
}

Test(convert_ncnn, shape_mismatch)
{
    model_text m = load("ncnn_srvgg_x4_prelu");
    replace(&m, "6=576", "6=512");
    expect_refused(&m, ".param", "layer 4 'Conv_3' (Convolution): weight_data_size 512 does "
                   "not match 8x8x3x3", NULL);
}

Test(convert_ncnn, huge_counts)
{
    model_text m = load("ncnn_srvgg_x4_prelu");
    replace(&m, "\n12 13\n", "\n2000000000 13\n");
    expect_refused(&m, ".param", "line 2: declares 2000000000 layers", NULL);
    m = load("ncnn_srvgg_x4_prelu");
    replace(&m, "\n12 13\n", "\n12 99999999999\n");
    expect_refused(&m, ".param", "declares 99999999999 blobs", NULL);
    m = load("ncnn_rrdb_x4");
    replace(&m, "-23310=1,", "-23310=99999999,");
    expect_refused(&m, ".param", "line 6: layer 'Conv_2' (Convolution): array parameter 10: bad "
                   "length", NULL);
    m = load("ncnn_srvgg_x4_prelu");
    replace(&m, "Conv_1                   1 1", "Conv_1                   1 2000");
    expect_refused(&m, ".param", "input/output counts '1 2000'", NULL);
}

Test(convert_ncnn, counts_that_disagree_with_the_layers)
{
    model_text m = load("ncnn_srvgg_x4_prelu");
    replace(&m, "\n12 13\n", "\n12 14\n");
    expect_refused(&m, ".param", "declares 14 blobs, the layers produce 13", NULL);
    m = load("ncnn_srvgg_x4_prelu");
    replace(&m, "\n12 13\n", "\n11 13\n");
    expect_refused(&m, ".param", "more layers than the 11 declared", NULL);
}

Test(convert_ncnn, fewer_blob_names_than_announced)
{
    model_text m = load("ncnn_srvgg_x4_prelu");
    replace(&m, "PReLU                    PRelu_2                  1 1 101 102 0=8",
            "PReLU                    PRelu_2                  1 2 101 102 0=8");
    expect_refused(&m, ".param", "line 6: layer 3 'PRelu_2' (PReLU): 1 inputs and 2 outputs "
                   "announced, but '0=8' is a parameter", NULL);
}

Test(convert_ncnn, blob_read_before_it_is_made)
{
    model_text m = load("ncnn_srvgg_x4_prelu");
    replace(&m, "data_splitncnn_1 101", "nosuchblob 101");
    expect_refused(&m, ".param", "input blob 'nosuchblob' is not the output of an earlier layer",
                   NULL);
}

Test(convert_ncnn, wrong_residual_scale)
{
    model_text m = load("ncnn_rrdb_x4");
    replace(&m, "-23301=2,2.000000e-01", "-23301=2,3.000000e-01");
    expect_refused(&m, ".param", "(Eltwise): expected a dense block's x + 0.2*conv5(...), found "
                   "coefficients 0.3 and 1", NULL);
}

Test(convert_ncnn, resize_after_the_network_is_refused)
{
    model_text m = load("ncnn_srvgg_x4_prelu");
    replace(&m, "\n12 13\n", "\n13 14\n");
    replace(&m, "108 109 output", "108 109 112");
    size_t n = strlen(m.param);
    const char *tail = "Interp                   Resize_11                1 1 112 output 0=3 "
                       "1=5.000000e-01 2=5.000000e-01\n";
    m.param = realloc(m.param, n + strlen(tail) + 1);
    strcpy(m.param + n, tail);
    expect_refused(&m, ".param", "layer 12 'Resize_11' (Interp): the graph ends with a resize",
                   NULL);
}

/* ---- as a user runs it ------------------------------------------------------------------ */

/* oprestore-convert MODEL.param MODEL.bin -o, then oprestore-gpu upscale with it;
 * a broken .param: exit 1, one line on stderr. */
Test(convert_ncnn, command_line)
{
    const char *models = ct_models(), *err_file = ct_tmp("convert.err");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s/oprestore-convert' '%s' '%s' -o '%s/ncnn-tiny.safetensors' "
             ">/dev/null", OR_BINARY_DIR, fx("ncnn_srvgg_x4_prelu", ".param"),
             fx("ncnn_srvgg_x4_prelu", ".bin"), models);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    const char *in = ct_tmp("ncnn-in.png"), *out = ct_tmp("ncnn-out.png");
    ct_write_png(in, 10, 8, 3, 0, 8, 3);
    cr_assert_eq(ct_run("upscale -i '%s' -o '%s' -M '%s' -m ncnn-tiny -g cpu -q", in, out, models),
                 0, "%s", ct_err);
    or_image img;
    ct_read_img(out, &img);
    cr_expect_eq(img.width, 40);
    cr_expect_eq(img.height, 32);
    or_image_free(&img);

    const char *bad = ct_write_text("broken.param", "7767517\n1 1\nInput in 0 1 data 0=\n");
    snprintf(cmd, sizeof cmd, "'%s/oprestore-convert' '%s' -o '%s' 2>'%s'", OR_BINARY_DIR, bad,
             ct_tmp("broken.safetensors"), err_file);
    int rc = system(cmd);
    cr_expect(WIFEXITED(rc) && WEXITSTATUS(rc) == 1, "exit status %d", rc);
    size_t n;
    char *msg = (char *)tu_read_file(err_file, &n);
    cr_assert(msg);
    msg = realloc(msg, n + 1);
    msg[n] = 0;
    cr_expect(strstr(msg, "oprestore-convert: ") == msg && strstr(msg, "broken.param: line 3:") &&
              strchr(msg, '\n') == msg + n - 1, "stderr: %s", msg);
    free(msg);
}
