/* test_arch_sr.c: the super-resolution converters (convert/arch_sr.c).
 *
 * The fixture records (test_convert_fixtures) cover every naming scheme; this
 * file adds the real realesr-animevideov3 checkpoint and the failure paths:
 * a state dict with one tensor removed, one shape changed or one tensor added
 * must fail with a message that names that tensor. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch_test_util.h"
#include "convert/arch.h"
#include "test_util.h"

extern const or_arch or_arch_rrdbnet, or_arch_srvgg;

/* ---- synthetic state dicts ------------------------------------------------------ */

/* SRVGGNetCompact(num_feat 8, num_conv 3, x2, PReLU): body.0..body.8. */
static void make_srvgg(ck_state_dict *sd)
{
    char name[64];
    tu_seed(7);
    for (int k = 0; k <= 4; k++) {
        snprintf(name, sizeof name, "body.%d", 2 * k);
        sd_add_conv(sd, name, k == 4 ? 12 : 8, k == 0 ? 3 : 8, 3);
        if (k < 4) {
            snprintf(name, sizeof name, "body.%d.weight", 2 * k + 1);
            sd_add(sd, name, 1, 8, 0, 0, 0);
        }
    }
}

/* Real-ESRGAN RRDBNet(num_feat 8, num_grow_ch 4, 2 blocks, x4). */
static void make_rrdb(ck_state_dict *sd)
{
    char name[64];
    tu_seed(11);
    sd_add_conv(sd, "conv_first", 8, 3, 3);
    for (int b = 0; b < 2; b++)
        for (int r = 1; r <= 3; r++)
            for (int c = 1; c <= 5; c++) {
                snprintf(name, sizeof name, "body.%d.rdb%d.conv%d", b, r, c);
                sd_add_conv(sd, name, c == 5 ? 8 : 4, 8 + 4 * (c - 1), 3);
            }
    static const char *const tail[] = {"conv_body", "conv_up1", "conv_up2", "conv_hr"};
    for (int i = 0; i < 4; i++)
        sd_add_conv(sd, tail[i], 8, 8, 3);
    sd_add_conv(sd, "conv_last", 3, 8, 3);
}

/* ---- synthetic: good and bad ------------------------------------------------------- */

Test(arch_sr, srvgg_synthetic_converts)
{
    ck_state_dict sd = {0};
    make_srvgg(&sd);
    cr_assert(or_arch_srvgg.detect(&sd));
    cr_assert_not(or_arch_rrdbnet.detect(&sd));
    or_model_builder mb;
    at_convert_ok(&or_arch_srvgg, &sd, &mb);
    at_assert_meta(&mb, "num_conv", "3");
    at_assert_meta(&mb, "scale", "2");
    at_assert_meta(&mb, "act", "prelu");
    cr_assert_eq(mb.n, sd.n);
    cr_assert(mb_find(&mb, "conv.4.weight") && mb_find(&mb, "prelu.3.weight"));
    mb_free(&mb);
    ckpt_free(&sd);
}

Test(arch_sr, srvgg_without_prelu_is_lrelu)
{
    ck_state_dict sd = {0};
    make_srvgg(&sd);
    sd_remove(&sd, "body.1.weight");
    sd_remove(&sd, "body.3.weight");
    sd_remove(&sd, "body.5.weight");
    sd_remove(&sd, "body.7.weight");
    or_model_builder mb;
    at_convert_ok(&or_arch_srvgg, &sd, &mb);
    at_assert_meta(&mb, "act", "lrelu");
    at_assert_meta(&mb, "num_conv", "3");
    mb_free(&mb);
    ckpt_free(&sd);
}

Test(arch_sr, srvgg_missing_tensor_named)
{
    ck_state_dict sd = {0};
    make_srvgg(&sd);
    sd_remove(&sd, "body.4.weight");
    const char *msg = at_convert_fails(&or_arch_srvgg, &sd);
    at_assert_contains(msg, "missing");
    at_assert_contains(msg, "body.4.weight [8,8,3,3]");
    ckpt_free(&sd);
}

Test(arch_sr, srvgg_missing_prelu_named)
{
    ck_state_dict sd = {0};
    make_srvgg(&sd);
    sd_remove(&sd, "body.5.weight");
    const char *msg = at_convert_fails(&or_arch_srvgg, &sd);
    at_assert_contains(msg, "body.5.weight [8]");
    ckpt_free(&sd);
}

Test(arch_sr, srvgg_wrong_shape_named)
{
    ck_state_dict sd = {0};
    make_srvgg(&sd);
    sd_get(&sd, "body.6.weight")->shape[1] = 9;
    const char *msg = at_convert_fails(&or_arch_srvgg, &sd);
    at_assert_contains(msg, "tensor body.6.weight: expected [8,8,3,3], got [8,9,3,3]");
    ckpt_free(&sd);
}

Test(arch_sr, srvgg_extra_tensor_named)
{
    ck_state_dict sd = {0};
    make_srvgg(&sd);
    sd_add(&sd, "body.4.running_mean", 1, 8, 0, 0, 0);
    const char *msg = at_convert_fails(&or_arch_srvgg, &sd);
    at_assert_contains(msg, "unexpected");
    at_assert_contains(msg, "body.4.running_mean");
    ckpt_free(&sd);
}

Test(arch_sr, srvgg_bad_scale_named)
{
    ck_state_dict sd = {0};
    make_srvgg(&sd);
    sd_get(&sd, "body.8.weight")->shape[0] = 10; /* not 3*s^2 */
    const char *msg = at_convert_fails(&or_arch_srvgg, &sd);
    at_assert_contains(msg, "body.8.weight");
    ckpt_free(&sd);
}

Test(arch_sr, rrdb_synthetic_converts)
{
    ck_state_dict sd = {0};
    make_rrdb(&sd);
    cr_assert(or_arch_rrdbnet.detect(&sd));
    cr_assert_not(or_arch_srvgg.detect(&sd));
    or_model_builder mb;
    at_convert_ok(&or_arch_rrdbnet, &sd, &mb);
    at_assert_meta(&mb, "naming", "real-esrgan");
    at_assert_meta(&mb, "num_block", "2");
    at_assert_meta(&mb, "num_grow_ch", "4");
    at_assert_meta(&mb, "scale", "4");
    cr_assert_eq(mb.n, sd.n);
    mb_free(&mb);
    ckpt_free(&sd);
}

Test(arch_sr, rrdb_missing_tensor_named)
{
    ck_state_dict sd = {0};
    make_rrdb(&sd);
    sd_remove(&sd, "body.1.rdb2.conv3.bias");
    const char *msg = at_convert_fails(&or_arch_rrdbnet, &sd);
    at_assert_contains(msg, "missing");
    at_assert_contains(msg, "body.1.rdb2.conv3.bias [4]");
    ckpt_free(&sd);
}

Test(arch_sr, rrdb_wrong_shape_named)
{
    ck_state_dict sd = {0};
    make_rrdb(&sd);
    sd_get(&sd, "body.1.rdb1.conv1.weight")->shape[1] = 16;
    const char *msg = at_convert_fails(&or_arch_rrdbnet, &sd);
    at_assert_contains(msg, "tensor body.1.rdb1.conv1.weight: expected [4,8,3,3], got [4,16,3,3]");
    ckpt_free(&sd);
}

Test(arch_sr, rrdb_extra_tensor_named)
{
    ck_state_dict sd = {0};
    make_rrdb(&sd);
    sd_add(&sd, "conv_up3.weight", 4, 8, 8, 3, 3); /* lone weight: bias reported missing */
    sd_add(&sd, "body.0.rdb4.conv1.weight", 4, 4, 8, 3, 3);
    const char *msg = at_convert_fails(&or_arch_rrdbnet, &sd);
    at_assert_contains(msg, "unexpected");
    at_assert_contains(msg, "body.0.rdb4.conv1.weight");
    at_assert_contains(msg, "conv_up3.bias");
    ckpt_free(&sd);
}

Test(arch_sr, detect_ignores_other_families)
{
    ck_state_dict sd = {0};
    sd_add_conv(&sd, "block0.conv0.0.0", 8, 7, 3);
    sd_add_conv(&sd, "body.0", 8, 3, 3); /* a stray 'body' must not make it SRVGG */
    sd_add_conv(&sd, "body.2", 8, 8, 3);
    cr_assert_not(or_arch_rrdbnet.detect(&sd));
    cr_assert_not(or_arch_srvgg.detect(&sd));
    ckpt_free(&sd);
}

/* ---- the real checkpoint ------------------------------------------------------------- */

static const char *ANIMEVIDEO = "weights/realesr-animevideov3.pth";

/* Values read with torch.load (Debian python3-torch 1.13) from the official file. */
static const struct {
    const char *name;
    int64_t index;
    float value;
} animevideo_values[] = {
    {"conv.0.weight", 0, -0.0473705009f},     /* body.0.weight[0,0,0,0] */
    {"conv.0.weight", 1726, 1.02902186f},     /* body.0.weight[63,2,2,1] */
    {"conv.0.bias", 5, 0.0334948413f},        /* body.0.bias[5] */
    {"prelu.0.weight", 0, 0.00100727193f},    /* body.1.weight[0] */
    {"prelu.8.weight", 40, 0.156361148f},     /* body.17.weight[40] */
    {"conv.10.weight", 5945, -0.0607828721f}, /* body.20.weight[10,20,1,2] */
    {"prelu.16.weight", 63, 0.372773707f},    /* body.33.weight[63] */
    {"conv.17.weight", 27647, -0.00201064721f}, /* body.34.weight[47,63,2,2] */
    {"conv.17.bias", 47, 0.0124969454f},      /* body.34.bias[47] */
};

Test(arch_sr, realesr_animevideov3)
{
    const char *path = tu_shared(ANIMEVIDEO);
    if (access(path, R_OK) != 0)
        cr_skip_test("%s not present", path);
    ck_state_dict sd = {0};
    or_err err = {0};
    cr_assert_eq(ckpt_read_state_dict(path, &sd, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(sd.n, 53);
    cr_assert_eq(or_arch_detect(&sd), &or_arch_srvgg);
    or_model_builder mb;
    at_convert_ok(&or_arch_srvgg, &sd, &mb);
    at_assert_meta(&mb, "arch", "srvgg");
    at_assert_meta(&mb, "num_feat", "64");
    at_assert_meta(&mb, "num_conv", "16");
    at_assert_meta(&mb, "scale", "4");
    at_assert_meta(&mb, "act", "prelu");
    at_assert_meta(&mb, "num_in_ch", "3");
    at_assert_meta(&mb, "num_out_ch", "3");
    cr_assert_eq(mb.n, 53);
    char name[32];
    for (int k = 0; k <= 17; k++) {
        snprintf(name, sizeof name, "conv.%d.weight", k);
        const mb_tensor *w = mb_find(&mb, name);
        cr_assert(w, "%s missing", name);
        cr_assert_eq(w->shape[0], k == 17 ? 48 : 64);
        cr_assert_eq(w->shape[1], k == 0 ? 3 : 64);
        snprintf(name, sizeof name, "conv.%d.bias", k);
        cr_assert(mb_find(&mb, name), "%s missing", name);
        snprintf(name, sizeof name, "prelu.%d.weight", k);
        cr_assert_eq(mb_find(&mb, name) != NULL, k <= 16, "%s", name);
    }
    for (size_t i = 0; i < sizeof animevideo_values / sizeof animevideo_values[0]; i++) {
        const mb_tensor *t = mb_find(&mb, animevideo_values[i].name);
        cr_assert(t && animevideo_values[i].index < t->numel);
        cr_assert_eq(t->data[animevideo_values[i].index], animevideo_values[i].value,
                     "%s[%lld]", animevideo_values[i].name,
                     (long long)animevideo_values[i].index);
    }
    mb_free(&mb);
    ckpt_free(&sd);
}
