/* test_arch_colorize.c: the colorization converters (convert/arch_zhang.c,
 * convert/arch_deoldify.c).
 *
 * test_convert_fixtures compares every output tensor with PyTorch; this file
 * checks what the fixtures alone do not: that each detector claims only its
 * own family, that the two DeOldify bodies are told apart, that the
 * spectral-norm fold equals the value PyTorch computed in eval mode, and that
 * a state dict with one tensor removed, one shape changed or one tensor added
 * fails with a message naming that tensor. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch_test_util.h"
#include "convert/arch.h"
#include "test_util.h"
#include "weights/json.h"

extern const or_arch or_arch_eccv16, or_arch_siggraph17, or_arch_deoldify;

/* ---- detection ------------------------------------------------------------------------ */

static void check_detect(const char *fixture, const or_arch *want)
{
    const or_arch *mine[3] = {&or_arch_eccv16, &or_arch_siggraph17, &or_arch_deoldify};
    ck_state_dict sd = {0};
    at_load_fixture(fixture, &sd);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(mine[i]->detect(&sd), mine[i] == want, "%s: detect by %s", fixture,
                     mine[i]->name);
    cr_assert_eq(or_arch_detect(&sd), want, "%s: or_arch_detect picked %s", fixture,
                 or_arch_detect(&sd) ? or_arch_detect(&sd)->name : "nothing");
    ckpt_free(&sd);
}

Test(arch_colorize, each_detector_claims_only_its_family)
{
    check_detect("zhang_eccv16.zip.pth", &or_arch_eccv16);
    check_detect("zhang_siggraph17.zip.pth", &or_arch_siggraph17);
    check_detect("deoldify_deep_r34.zip.pth", &or_arch_deoldify);
    check_detect("deoldify_wide_r101.zip.pth", &or_arch_deoldify);
}

/* ---- Zhang ------------------------------------------------------------------------------ */

Test(arch_colorize, zhang_metadata)
{
    ck_state_dict sd = {0};
    or_model_builder mb;
    at_load_fixture("zhang_siggraph17.zip.pth", &sd);
    at_convert_ok(&or_arch_siggraph17, &sd, &mb);
    at_assert_meta(&mb, "arch", "siggraph17");
    at_assert_meta(&mb, "in_ch", "4");
    at_assert_meta(&mb, "classes", "529");
    cr_assert(mb_find(&mb, "norm9.scale") && mb_find(&mb, "up10.weight"));
    cr_assert_null(mb_find(&mb, "model1.0.weight"));
    mb_free(&mb);
    ckpt_free(&sd);
}

Test(arch_colorize, zhang_missing_tensor_named)
{
    ck_state_dict sd = {0};
    at_load_fixture("zhang_eccv16.zip.pth", &sd);
    sd_remove(&sd, "model3.2.weight");
    const char *msg = at_convert_fails(&or_arch_eccv16, &sd);
    at_assert_contains(msg, "1 missing (model3.2.weight [16,16,3,3])");
    cr_assert_null(strstr(msg, "wrong shape"), "%s", msg);
    ckpt_free(&sd);
}

Test(arch_colorize, zhang_missing_bn_stat_named)
{
    ck_state_dict sd = {0};
    at_load_fixture("zhang_siggraph17.zip.pth", &sd);
    sd_remove(&sd, "model8.5.running_var");
    at_assert_contains(at_convert_fails(&or_arch_siggraph17, &sd), "model8.5.running_var [16]");
    ckpt_free(&sd);
}

Test(arch_colorize, zhang_wrong_shape_named)
{
    ck_state_dict sd = {0};
    at_load_fixture("zhang_siggraph17.zip.pth", &sd);
    sd_get(&sd, "model2short9.0.weight")->shape[1] = 7;
    at_assert_contains(at_convert_fails(&or_arch_siggraph17, &sd),
               "tensor model2short9.0.weight: expected [8,8,3,3], got [8,7,3,3]");
    ckpt_free(&sd);
}

Test(arch_colorize, zhang_unexpected_tensor_named)
{
    ck_state_dict sd = {0};
    at_load_fixture("zhang_eccv16.zip.pth", &sd);
    sd_add(&sd, "model8.8.bias", 1, 16, 0, 0, 0);
    at_assert_contains(at_convert_fails(&or_arch_eccv16, &sd), "1 unexpected (model8.8.bias [16])");
    ckpt_free(&sd);
}

/* ---- DeOldify ------------------------------------------------------------------------------ */

Test(arch_colorize, deoldify_bodies_told_apart)
{
    ck_state_dict sd = {0};
    or_model_builder mb;
    at_load_fixture("deoldify_deep_r34.zip.pth", &sd);
    at_convert_ok(&or_arch_deoldify, &sd, &mb);
    at_assert_meta(&mb, "variant", "deep");
    at_assert_meta(&mb, "body", "resnet34");
    at_assert_meta(&mb, "body_blocks", "3,4,6,3");
    at_assert_meta(&mb, "nf_factor", "1.5");
    cr_assert(mb_find(&mb, "enc.layer4.2.conv2.weight"));
    cr_assert_null(mb_find(&mb, "enc.layer1.0.conv3.weight"));
    mb_free(&mb);
    ckpt_free(&sd);

    at_load_fixture("deoldify_wide_r101.zip.pth", &sd);
    at_convert_ok(&or_arch_deoldify, &sd, &mb);
    at_assert_meta(&mb, "variant", "wide");
    at_assert_meta(&mb, "body", "resnet101");
    at_assert_meta(&mb, "body_blocks", "3,4,23,3");
    at_assert_meta(&mb, "nf_factor", "2");
    cr_assert(mb_find(&mb, "enc.layer3.22.conv3.weight"));
    cr_assert(mb_find(&mb, "enc.layer1.0.downsample.weight"));
    cr_assert(mb_find(&mb, "dec.1.attn.query.weight") && mb_find(&mb, "dec.3.conv.weight"));
    mb_free(&mb);
    ckpt_free(&sd);
}

Test(arch_colorize, deoldify_missing_weight_u_named)
{
    ck_state_dict sd = {0};
    at_load_fixture("deoldify_deep_r34.zip.pth", &sd);
    sd_remove(&sd, "layers.4.conv1.0.weight_u");
    const char *msg = at_convert_fails(&or_arch_deoldify, &sd);
    at_assert_contains(msg, "1 missing (layers.4.conv1.0.weight_u [48])");
    cr_assert_null(strstr(msg, "wrong shape"), "%s", msg);
    ckpt_free(&sd);

    at_load_fixture("deoldify_wide_r101.zip.pth", &sd);
    sd_remove(&sd, "layers.5.conv.3.query.weight_u");
    at_assert_contains(at_convert_fails(&or_arch_deoldify, &sd), "layers.5.conv.3.query.weight_u [2]");
    ckpt_free(&sd);
}

Test(arch_colorize, deoldify_missing_body_bn_named)
{
    ck_state_dict sd = {0};
    at_load_fixture("deoldify_wide_r101.zip.pth", &sd);
    sd_remove(&sd, "layers.0.6.17.bn3.running_mean");
    at_assert_contains(at_convert_fails(&or_arch_deoldify, &sd),
               "1 missing (layers.0.6.17.bn3.running_mean [32])");
    ckpt_free(&sd);
}

Test(arch_colorize, deoldify_wrong_shape_named)
{
    ck_state_dict sd = {0};
    at_load_fixture("deoldify_deep_r34.zip.pth", &sd);
    sd_get(&sd, "layers.10.layers.1.0.weight_v")->shape[0] = 188;
    at_assert_contains(at_convert_fails(&or_arch_deoldify, &sd),
               "tensor layers.10.layers.1.0.weight_v: expected [189], got [188]");
    ckpt_free(&sd);
}

Test(arch_colorize, deoldify_unexpected_tensor_named)
{
    ck_state_dict sd = {0};
    at_load_fixture("deoldify_deep_r34.zip.pth", &sd);
    sd_add(&sd, "layers.12.weight", 1, 3, 0, 0, 0);
    at_assert_contains(at_convert_fails(&or_arch_deoldify, &sd), "1 unexpected (layers.12.weight [3])");
    ckpt_free(&sd);
}

Test(arch_colorize, deoldify_unknown_resnet_refused)
{
    ck_state_dict sd = {0};
    at_load_fixture("deoldify_wide_r101.zip.pth", &sd);
    cr_assert_gt(sd_remove_prefix(&sd, "layers.0.6.22."), 0);
    or_model_builder mb;
    or_err err = {0};
    mb_init(&mb);
    cr_assert_eq(or_arch_deoldify.convert(&sd, &mb, &err), OR_EUNSUPPORTED, "%s", err.msg);
    at_assert_contains(err.msg, "[3,4,22,3]");
    mb_free(&mb);
    ckpt_free(&sd);
}

/* ---- the spectral-norm fold against PyTorch ------------------------------------------------- */

/* Compare out tensor `name` with the record's samples (PyTorch eval-mode values). */
static void check_against_record(const or_model_builder *mb, const json_value *rec,
                                 const char *name)
{
    const json_value *r = json_get(json_get(rec, "folded"), name);
    cr_assert(r, "no record for %s", name);
    const mb_tensor *t = mb_find(mb, name);
    cr_assert(t, "no output %s", name);
    const json_value *samples = json_get(r, "samples");
    cr_assert(samples && samples->n > 2);
    for (size_t k = 0; k < samples->n; k++) {
        int64_t i = (int64_t)samples->items[k].items[0].num;
        double want = samples->items[k].items[1].num;
        cr_assert_lt(i, t->numel);
        cr_assert(fabs(t->data[i] - want) <= 1e-6 * fabs(want) + 1e-7,
                  "%s[%lld]: %.9g, PyTorch %.9g", name, (long long)i, t->data[i], want);
    }
}

Test(arch_colorize, spectral_norm_fold_matches_pytorch)
{
    ck_state_dict sd = {0};
    or_model_builder mb;
    json_value *rec = NULL;
    or_err err = {0};
    at_load_fixture("deoldify_deep_r34.zip.pth", &sd);
    cr_assert_eq(json_parse_file(tu_src("tests/fixtures/ckpt/deoldify_deep_r34.json"), &rec,
                                 &err), OR_OK, "%s", err.msg);
    at_convert_ok(&or_arch_deoldify, &sd, &mb);
    /* plain SN conv; SN conv + BN folded; SN Conv1d written as a matrix; weight norm */
    check_against_record(&mb, rec, "dec.0.conv1.weight");
    check_against_record(&mb, rec, "dec.2.shuf.weight");
    check_against_record(&mb, rec, "dec.1.attn.query.weight");
    check_against_record(&mb, rec, "head.shuf.weight");
    const mb_tensor *q = mb_find(&mb, "dec.1.attn.query.weight");
    cr_assert_eq(q->ndim, 2);
    cr_assert_eq(q->shape[0], 6);
    cr_assert_eq(q->shape[1], 48);
    /* the fold really divides by sigma: the output differs from weight_orig */
    const ck_tensor *orig = ckpt_find(&sd, "layers.4.conv1.0.weight_orig");
    const mb_tensor *w = mb_find(&mb, "dec.0.conv1.weight");
    cr_assert(orig && w && orig->numel == w->numel);
    double ratio = (double)w->data[0] / orig->data[0];
    cr_assert(fabs(ratio - 1) > 1e-3, "sigma looks like 1: ratio %g", ratio);
    for (int64_t i = 1; i < w->numel; i += 97)
        cr_assert(fabs((double)w->data[i] - orig->data[i] * ratio) <= 1e-6 * fabs(w->data[i]) + 1e-7);
    json_free(rec);
    mb_free(&mb);
    ckpt_free(&sd);
}
