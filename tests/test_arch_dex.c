/* test_arch_dex.c: the Deep Exemplar converter (convert/arch_dex.c,
 * convert/convert_multi.c) on the three seeded release files of
 * tests/fixtures/dex/ (make_dex_fixtures.py: the official class definitions,
 * saved as the release saves them): the three in any order or their folder
 * give the same model file; every output tensor that is a copy equals its
 * source bit for bit, the PReLU slopes are repeated per channel and the
 * depthwise 1x1 convs become per-channel scales; a lone part, a missing part,
 * a part given twice, a file that is no part and a folder without the files
 * are refused with a message naming the problem, and nothing is written.
 * test_net_dex runs the converted network against PyTorch. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convert/convert.h"
#include "test_util.h"
#include "weights/safetensors.h"

#define WARP "tests/fixtures/dex/nonlocal_net_iter_76000.pth"
#define COLOR "tests/fixtures/dex/colornet_iter_76000.pth"
#define VGG "tests/fixtures/dex/vgg19_conv.pth"

static or_status convert3(const char *a, const char *b, const char *c, const char *out,
                          or_err *err)
{
    const char *p[3] = {tu_src(a), tu_src(b), tu_src(c)};
    int n = c ? 3 : b ? 2 : 1;
    return or_convert_files(p, n, out, NULL, err);
}

/* dst in the model file == src of checkpoint ck (every element, repeated when src has
 * one element and dst more). */
static void check_copy(const st_file *f, const char *dst, const char *ck, const char *src)
{
    ck_state_dict sd;
    or_err err;
    cr_assert_eq(ckpt_read_state_dict(tu_src(ck), &sd, &err), OR_OK, "%s", err.msg);
    const ck_tensor *s = ckpt_find(&sd, src);
    const st_tensor *t = st_find(f, dst);
    cr_assert(s && t, "%s / %s", src, dst);
    float *v = malloc((size_t)t->numel * sizeof *v);
    cr_assert_eq(st_read_f32(f, t, v, &err), OR_OK, "%s", err.msg);
    cr_assert(s->numel == t->numel || s->numel == 1, "%s: %lld elements, %s: %lld", src,
              (long long)s->numel, dst, (long long)t->numel);
    for (int64_t i = 0; i < t->numel; i++)
        cr_assert(v[i] == s->data[s->numel == 1 ? 0 : i], "%s[%lld] != %s", dst, (long long)i, src);
    free(v);
    ckpt_free(&sd);
}

Test(arch_dex, three_files_in_any_order_and_the_folder)
{
    or_err err;
    const char *a = tu_tmp("dex_a.safetensors"), *b = tu_tmp("dex_b.safetensors");
    cr_assert_eq(convert3(VGG, COLOR, WARP, a, &err), OR_OK, "%s", err.msg);
    const char *dir[1] = {tu_src("tests/fixtures/dex")};
    cr_assert_eq(or_convert_files(dir, 1, b, NULL, &err), OR_OK, "%s", err.msg);
    size_t na, nb;
    uint8_t *fa = tu_read_file(a, &na), *fb = tu_read_file(b, &nb);
    cr_assert(fa && fb && na == nb && memcmp(fa, fb, na) == 0, "the two model files differ");
    free(fa), free(fb);

    st_file f;
    cr_assert_eq(st_open(a, &f, &err), OR_OK, "%s", err.msg);
    cr_assert_str_eq(st_meta(&f, "arch"), "deep-exemplar");
    cr_assert_str_eq(st_meta(&f, "source_file"),
                     "nonlocal_net_iter_76000.pth,colornet_iter_76000.pth,vgg19_conv.pth");
    cr_assert_str_eq(st_meta(&f, "warp_inter"), "16");
    cr_assert_str_eq(st_meta(&f, "vgg_width5"), "32");
    cr_assert_str_eq(st_meta(&f, "color_width1"), "2");
    /* 28 VGG tensors (conv5_3/5_4 dropped) + WarpNet 16 convs *2 + 11 PReLUs +
     * ColorVidNet 31 convs * 2 + 3 scales */
    cr_assert_eq(f.n, 28 + 32 + 11 + 62 + 3, "%d tensors", f.n);
    cr_assert_null(st_find(&f, "vgg.conv5_3.weight"));
    check_copy(&f, "vgg.conv5_2.bias", VGG, "conv5_2.bias");
    check_copy(&f, "warp.l5.conv2.weight", WARP, "layer5_1.6.weight");
    check_copy(&f, "warp.l5.prelu2", WARP, "layer5_1.8.weight");
    check_copy(&f, "warp.l2.prelu1", WARP, "layer2_1.3.weight");
    check_copy(&f, "warp.res2.prelu", WARP, "layer.2.prelu.weight");
    check_copy(&f, "warp.phi.weight", WARP, "phi.weight");
    check_copy(&f, "color.conv1_1b.weight", COLOR, "conv1_1.2.weight");
    check_copy(&f, "color.conv9_1.bias", COLOR, "conv9_1.1.bias");
    check_copy(&f, "color.conv2_2norm_ss", COLOR, "conv2_2norm_ss.weight");
    check_copy(&f, "color.conv10_ab.weight", COLOR, "conv10_ab.weight");
    cr_assert_eq(st_find(&f, "warp.res0.prelu")->shape[0], 16);
    st_close(&f);
}

static void refused(const char *a, const char *b, const char *c, const char *needle)
{
    or_err err;
    const char *out = tu_tmp("dex_refused.safetensors");
    cr_assert_neq(convert3(a, b, c, out, &err), OR_OK, "accepted %s %s %s", a, b ? b : "",
                  c ? c : "");
    cr_assert(strstr(err.msg, needle), "message '%s' does not say '%s'", err.msg, needle);
    cr_assert_neq(access(out, F_OK), 0, "%s written", out);
}

Test(arch_dex, refusals_name_the_problem)
{
    refused(WARP, COLOR, NULL, "the VGG19 features (vgg19_conv.pth) is missing");
    refused(WARP, WARP, VGG, "both hold the WarpNet");
    refused(WARP, COLOR, "tests/fixtures/ckpt/zhang_eccv16.zip.pth", "not a part of Deep Exemplar");
    refused("tests/fixtures/ckpt", NULL, NULL, "no nonlocal_net_iter_76000.pth");
    /* one part alone through the one-file entry */
    or_err err;
    const char *out = tu_tmp("dex_single.safetensors");
    cr_assert_neq(or_convert_file(tu_src(WARP), out, NULL, &err), OR_OK);
    cr_assert(strstr(err.msg, "one of the three files of Deep Exemplar"), "%s", err.msg);
    cr_assert_neq(access(out, F_OK), 0);
}
