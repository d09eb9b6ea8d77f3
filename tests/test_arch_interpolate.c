/* test_arch_interpolate.c: the frame-interpolation converters (arch_rife.c,
 * arch_dain.c).
 *
 * test_convert_fixtures checks the converted values of every fixture; this
 * file checks what the converters recognise (RIFE release names, DAIN
 * widths) and the failure paths: a tensor removed, reshaped or added must be
 * named in the message.  The fixtures are read with the checkpoint reader
 * and then edited; other RIFE releases are built here from their shapes. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch_test_util.h"
#include "convert/arch.h"
#include "test_util.h"

extern const or_arch or_arch_rife, or_arch_dain;

/* ---- synthetic RIFE ---------------------------------------------------------------- */

typedef struct {
    int n_blocks;
    int64_t width[5];
    int64_t head_width, head_ch, k, feat;
} rife_shape;

static void make_rife(ck_state_dict *sd, const rife_shape *r)
{
    char name[160];
    tu_seed(17);
    if (r->head_ch) {
        sd_add_conv(sd, "encode.cnn0", r->head_width, 3, 3);
        sd_add_conv(sd, "encode.cnn1", r->head_width, r->head_width, 3);
        sd_add_conv(sd, "encode.cnn2", r->head_width, r->head_width, 3);
        sd_add(sd, "encode.cnn3.weight", 4, r->head_width, r->head_ch, 4, 4);
        sd_add(sd, "encode.cnn3.bias", 1, r->head_ch, 0, 0, 0);
    }
    for (int b = 0; b < r->n_blocks; b++) {
        int64_t c = r->width[b];
        int64_t in = b == 0 ? 7 + 2 * r->head_ch : 12 + 2 * r->head_ch + r->feat;
        snprintf(name, sizeof name, "block%d.conv0.0.0", b);
        sd_add_conv(sd, name, c / 2, in, 3);
        snprintf(name, sizeof name, "block%d.conv0.1.0", b);
        sd_add_conv(sd, name, c, c / 2, 3);
        for (int j = 0; j < 8; j++) {
            snprintf(name, sizeof name, "block%d.convblock.%d.conv", b, j);
            sd_add_conv(sd, name, c, c, 3);
            snprintf(name, sizeof name, "block%d.convblock.%d.beta", b, j);
            sd_add(sd, name, 4, 1, c, 1, 1);
        }
        snprintf(name, sizeof name, "block%d.lastconv.0.weight", b);
        sd_add(sd, name, 4, c, 4 * r->k, 4, 4);
        snprintf(name, sizeof name, "block%d.lastconv.0.bias", b);
        sd_add(sd, name, 1, 4 * r->k, 0, 0, 0);
    }
}

static void rife_version_is(const rife_shape *r, const char *want)
{
    ck_state_dict sd = {0};
    make_rife(&sd, r);
    cr_assert(or_arch_rife.detect(&sd));
    cr_assert_not(or_arch_dain.detect(&sd));
    or_model_builder mb;
    at_convert_ok(&or_arch_rife, &sd, &mb);
    at_assert_meta(&mb, "version", want);
    mb_free(&mb);
    ckpt_free(&sd);
}

/* ---- RIFE: the fixtures ------------------------------------------------------------- */

Test(arch_interpolate, rife_v4_6_fixture)
{
    static const char *const files[] = {"rife_v4_6.zip.pth", "rife_v4_6.legacy.pth"};
    for (int f = 0; f < 2; f++) {
        ck_state_dict sd = {0};
        at_load_fixture(files[f], &sd);
        cr_assert(sd.stripped_module_prefix, "%s: module. prefix not seen", files[f]);
        cr_assert_eq(or_arch_detect(&sd), &or_arch_rife);
        or_model_builder mb;
        at_convert_ok(&or_arch_rife, &sd, &mb);
        at_assert_meta(&mb, "arch", "rife");
        at_assert_meta(&mb, "version", "4.6");
        at_assert_meta(&mb, "n_blocks", "4");
        at_assert_meta(&mb, "head_channels", "0");
        at_assert_meta(&mb, "block_channels", "6");
        at_assert_meta(&mb, "mask", "add");
        at_assert_meta(&mb, "scales", "8,4,2,1");
        at_assert_meta(&mb, "block0.width", "24");
        cr_assert_null(mb_find(&mb, "head.conv0.weight"));
        cr_assert_not_null(mb_find(&mb, "block3.res7.weight"));
        mb_free(&mb);
        ckpt_free(&sd);
    }
}

Test(arch_interpolate, rife_v4_25_fixture)
{
    ck_state_dict sd = {0};
    at_load_fixture("rife_v4_25.zip.pth", &sd);
    cr_assert_eq(or_arch_detect(&sd), &or_arch_rife);
    or_model_builder mb;
    at_convert_ok(&or_arch_rife, &sd, &mb);
    at_assert_meta(&mb, "version", "4.25-4.26");
    at_assert_meta(&mb, "n_blocks", "5");
    at_assert_meta(&mb, "head_width", "16");
    at_assert_meta(&mb, "head_channels", "4");
    at_assert_meta(&mb, "block_channels", "13");
    at_assert_meta(&mb, "feat_channels", "8");
    at_assert_meta(&mb, "mask", "replace");
    at_assert_meta(&mb, "scales", "16,8,4,2,1");
    at_assert_meta(&mb, "block4.width", "4");
    const mb_tensor *up = mb_find(&mb, "block4.up.weight");
    cr_assert(up && up->shape[0] == 4 && up->shape[1] == 52);
    cr_assert_not_null(mb_find(&mb, "head.deconv.bias"));
    mb_free(&mb);
    ckpt_free(&sd);
}

/* ---- RIFE: other releases, recognised from their shapes ------------------------------ */

Test(arch_interpolate, rife_releases_recognised)
{
    const rife_shape v4_5 = {4, {24, 16, 12, 8}, 0, 0, 5, 0};
    const rife_shape v4_14 = {4, {24, 16, 12, 8}, 32, 8, 6, 0};
    const rife_shape v4_20 = {4, {48, 24, 12, 6}, 32, 8, 6, 0};
    const rife_shape v4_22 = {4, {32, 24, 12, 6}, 32, 8, 13, 8};
    const rife_shape odd = {3, {32, 24, 12}, 16, 4, 13, 8};
    rife_version_is(&v4_5, "4.5");
    rife_version_is(&v4_14, "4.14-4.19,4.24");
    rife_version_is(&v4_20, "4.20");
    rife_version_is(&v4_22, "4.21-4.23");
    rife_version_is(&odd, "unknown");
}

Test(arch_interpolate, rife_training_modules_dropped)
{
    const rife_shape v4_22 = {4, {32, 24, 12, 6}, 32, 8, 13, 8};
    ck_state_dict sd = {0};
    make_rife(&sd, &v4_22);
    int n = sd.n;
    sd_add(&sd, "teacher.conv0.0.0.weight", 4, 8, 60, 3, 3);
    sd_add(&sd, "caltime.0.weight", 4, 8, 25, 3, 3);
    or_model_builder mb;
    at_convert_ok(&or_arch_rife, &sd, &mb);
    cr_assert_eq(mb.n, n - 8 * 4); /* the betas are folded away */
    for (int i = 0; i < mb.n; i++)
        cr_assert(strncmp(mb.t[i].name, "teacher", 7) && strncmp(mb.t[i].name, "caltime", 7));
    mb_free(&mb);
    ckpt_free(&sd);
}

Test(arch_interpolate, rife_older_generations_refused)
{
    ck_state_dict sd = {0};
    tu_seed(3);
    sd_add_conv(&sd, "block0.conv0.0.0", 96, 7, 3);
    sd_add_conv(&sd, "block0.convblock.0.0", 192, 192, 3); /* conv + PReLU: v4.0-v4.3 */
    sd_add(&sd, "block0.lastconv.weight", 4, 192, 5, 4, 4);
    cr_assert(or_arch_rife.detect(&sd));
    at_assert_contains(at_convert_fails(&or_arch_rife, &sd), "v4.0-v4.3");
    ckpt_free(&sd);
}

/* ---- RIFE: errors name the tensor ------------------------------------------------------ */

Test(arch_interpolate, rife_missing_tensor_named)
{
    ck_state_dict sd = {0};
    at_load_fixture("rife_v4_6.zip.pth", &sd);
    sd_remove(&sd, "block2.convblock.5.conv.weight");
    sd_remove(&sd, "block3.convblock.0.beta");
    const char *msg = at_convert_fails(&or_arch_rife, &sd);
    at_assert_contains(msg, "2 missing");
    at_assert_contains(msg, "block2.convblock.5.conv.weight [12,12,3,3]");
    at_assert_contains(msg, "block3.convblock.0.beta [1,8,1,1]");
    ckpt_free(&sd);
}

Test(arch_interpolate, rife_wrong_shape_named)
{
    ck_state_dict sd = {0};
    at_load_fixture("rife_v4_25.zip.pth", &sd);
    sd_get(&sd, "block1.lastconv.0.weight")->shape[1] = 48;
    sd_get(&sd, "encode.cnn1.weight")->shape[1] = 8;
    const char *msg = at_convert_fails(&or_arch_rife, &sd);
    at_assert_contains(msg, "tensor block1.lastconv.0.weight: expected [16,52,4,4], got [16,48,4,4]");
    at_assert_contains(msg, "tensor encode.cnn1.weight: expected [16,16,3,3], got [16,8,3,3]");
    ckpt_free(&sd);
}

Test(arch_interpolate, rife_block_inputs_checked)
{
    ck_state_dict sd = {0};
    at_load_fixture("rife_v4_25.zip.pth", &sd);
    sd_get(&sd, "block3.conv0.0.0.weight")->shape[1] = 20; /* feat not passed on */
    const char *msg = at_convert_fails(&or_arch_rife, &sd);
    at_assert_contains(msg, "tensor block3.conv0.0.0.weight: expected [4,28,3,3], got [4,20,3,3]");
    ckpt_free(&sd);
}

Test(arch_interpolate, rife_extra_tensor_named)
{
    ck_state_dict sd = {0};
    at_load_fixture("rife_v4_6.zip.pth", &sd);
    sd_add(&sd, "block0.convblock.8.conv.weight", 4, 24, 24, 3, 3);
    sd_add(&sd, "contextnet.conv1.weight", 4, 8, 3, 3, 3);
    const char *msg = at_convert_fails(&or_arch_rife, &sd);
    at_assert_contains(msg, "2 unexpected");
    at_assert_contains(msg, "block0.convblock.8.conv.weight [24,24,3,3]");
    at_assert_contains(msg, "contextnet.conv1.weight");
    ckpt_free(&sd);
}

Test(arch_interpolate, rife_missing_block_named)
{
    ck_state_dict sd = {0};
    at_load_fixture("rife_v4_6.zip.pth", &sd);
    char name[64];
    for (int i = sd.n - 1; i >= 0; i--)
        if (strncmp(sd.t[i].name, "block1.", 7) == 0 && !strstr(sd.t[i].name, "conv0.1.0")) {
            snprintf(name, sizeof name, "%s", sd.t[i].name);
            sd_remove(&sd, name);
        }
    const char *msg = at_convert_fails(&or_arch_rife, &sd);
    at_assert_contains(msg, "28 missing"); /* 2 + 8 * 3 + 2 */
    at_assert_contains(msg, "block1.conv0.0.0.weight [8,12,3,3]");
    at_assert_contains(msg, "block1.convblock.0.conv.weight [16,16,3,3]");
    ckpt_free(&sd);
}

/* ---- DAIN --------------------------------------------------------------------------- */

Test(arch_interpolate, dain_fixture)
{
    static const char *const files[] = {"dain_best.zip.pth", "dain_best.legacy.pth"};
    for (int f = 0; f < 2; f++) {
        ck_state_dict sd = {0};
        at_load_fixture(files[f], &sd);
        cr_assert_eq(or_arch_detect(&sd), &or_arch_dain);
        cr_assert_not(or_arch_rife.detect(&sd));
        or_model_builder mb;
        at_convert_ok(&or_arch_dain, &sd, &mb);
        at_assert_meta(&mb, "arch", "dain");
        at_assert_meta(&mb, "filter_size", "4");
        at_assert_meta(&mb, "kernel_widths", "2,4,8,16,32,64,64,32,16,8,4,2");
        at_assert_meta(&mb, "ctx_width", "8");
        at_assert_meta(&mb, "rectify_width", "16");
        at_assert_meta(&mb, "flow_md", "4");
        at_assert_meta(&mb, "flow_pyramid", "2,4,8,12,16,24");
        at_assert_meta(&mb, "flow_dense", "16,16,12,8,4");
        at_assert_meta(&mb, "flow_refine", "16,16,16,12,8,4");
        at_assert_meta(&mb, "depth_width", "16");
        cr_assert_eq(mb.n, 487);
        const mb_tensor *t = mb_find(&mb, "depth.c1.down.inc2.t3.conv.weight");
        cr_assert(t && t->shape[0] == 8 && t->shape[1] == 4 && t->shape[2] == 7);
        cr_assert_not_null(mb_find(&mb, "depth.c1.down.inc2.t3.conv.bias"));
        cr_assert_null(mb_find(&mb, "ctx.stem.bias"));
        mb_free(&mb);
        ckpt_free(&sd);
    }
}

Test(arch_interpolate, dain_without_num_batches_tracked)
{
    ck_state_dict sd = {0};
    at_load_fixture("dain_best.zip.pth", &sd);
    cr_assert_gt(sd_remove_suffix(&sd, ".num_batches_tracked"), 100);
    or_model_builder mb;
    at_convert_ok(&or_arch_dain, &sd, &mb);
    cr_assert_eq(mb.n, 487);
    mb_free(&mb);
    ckpt_free(&sd);
}

Test(arch_interpolate, dain_missing_tensor_named)
{
    ck_state_dict sd = {0};
    at_load_fixture("dain_best.zip.pth", &sd);
    /* Channels4 skip path, first inception, tower 2, its 7x7 conv */
    sd_remove(&sd, "depthNet.3.0.1.0.2.3.weight");
    /* Channels4 down path, first inception, tower 0's BatchNorm */
    sd_remove(&sd, "depthNet.3.0.0.1.0.1.running_var");
    /* a width is read from this one: the bias stands in, the weight is reported */
    sd_remove(&sd, "flownets.conv3a.0.weight");
    const char *msg = at_convert_fails(&or_arch_dain, &sd);
    at_assert_contains(msg, "3 missing");
    at_assert_contains(msg, "depthNet.3.0.1.0.2.3.weight [2,8,7,7]");
    at_assert_contains(msg, "depthNet.3.0.0.1.0.1.running_var [4]");
    at_assert_contains(msg, "flownets.conv3a.0.weight [8,4,3,3]");
    ckpt_free(&sd);
}

Test(arch_interpolate, dain_wrong_shape_named)
{
    ck_state_dict sd = {0};
    at_load_fixture("dain_best.zip.pth", &sd);
    sd_get(&sd, "flownets.conv4_2.0.weight")->shape[1] = 130;
    sd_get(&sd, "rectifyNet.block1.0.weight")->shape[1] = 100;
    const char *msg = at_convert_fails(&or_arch_dain, &sd);
    at_assert_contains(msg, "2 wrong shape");
    /* level 4 input: 81 correlation + 12 features + 4, then two dense outputs of 16 */
    at_assert_contains(msg, "tensor flownets.conv4_2.0.weight: expected [12,129,3,3], got [12,130,3,3]");
    at_assert_contains(msg, "tensor rectifyNet.block1.0.weight: expected [16,101,7,7], got [16,100,7,7]");
    ckpt_free(&sd);
}

Test(arch_interpolate, dain_extra_tensor_named)
{
    ck_state_dict sd = {0};
    at_load_fixture("dain_best.zip.pth", &sd);
    sd_add(&sd, "flownets.conv7a.0.weight", 4, 32, 24, 3, 3);
    sd_add(&sd, "ctxNet.block4.conv1.weight", 4, 8, 8, 3, 3);
    const char *msg = at_convert_fails(&or_arch_dain, &sd);
    at_assert_contains(msg, "2 unexpected");
    at_assert_contains(msg, "flownets.conv7a.0.weight [32,24,3,3]");
    at_assert_contains(msg, "ctxNet.block4.conv1.weight");
    ckpt_free(&sd);
}

Test(arch_interpolate, dain_bad_widths_explained)
{
    ck_state_dict sd = {0};
    at_load_fixture("dain_best.zip.pth", &sd);
    sd_get(&sd, "initScaleNets_filter1.2.weight")->shape[0] = 15;
    at_assert_contains(at_convert_fails(&or_arch_dain, &sd), "initScaleNets_filter1.2.weight has 15 outputs");
    ckpt_free(&sd);
    at_load_fixture("dain_best.zip.pth", &sd);
    sd_get(&sd, "depthNet.0.weight")->shape[0] = 12;
    at_assert_contains(at_convert_fails(&or_arch_dain, &sd), "depthNet.0.weight has 12 outputs");
    ckpt_free(&sd);
}

Test(arch_interpolate, detect_claims_only_its_family)
{
    ck_state_dict sd = {0};
    tu_seed(5);
    sd_add_conv(&sd, "conv1a.0", 16, 3, 3); /* a bare PWC-Net is not DAIN */
    sd_add_conv(&sd, "body.0", 8, 3, 3);
    sd_add_conv(&sd, "block0.conv0.0.0", 8, 7, 3); /* no lastconv: not RIFE */
    cr_assert_not(or_arch_rife.detect(&sd));
    cr_assert_not(or_arch_dain.detect(&sd));
    ckpt_free(&sd);
}
