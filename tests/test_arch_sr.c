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

#include "convert/arch.h"
#include "test_util.h"

extern const or_arch or_arch_rrdbnet, or_arch_srvgg;

/* ---- synthetic state dicts ------------------------------------------------------ */

static void sd_add(ck_state_dict *sd, const char *name, int ndim, int64_t d0, int64_t d1,
                   int64_t d2, int64_t d3)
{
    sd->t = realloc(sd->t, (size_t)(sd->n + 1) * sizeof *sd->t);
    cr_assert(sd->t);
    ck_tensor *t = &sd->t[sd->n++];
    memset(t, 0, sizeof *t);
    t->name = strdup(name);
    t->ndim = ndim;
    int64_t d[4] = {d0, d1, d2, d3};
    t->numel = 1;
    for (int i = 0; i < ndim; i++) {
        t->shape[i] = d[i];
        t->numel *= d[i];
    }
    t->data = malloc((size_t)t->numel * sizeof(float));
    cr_assert(t->data);
    tu_fill_uniform(t->data, (size_t)t->numel, -1, 1);
}

static void sd_add_conv(ck_state_dict *sd, const char *prefix, int64_t o, int64_t i)
{
    char name[160];
    snprintf(name, sizeof name, "%s.weight", prefix);
    sd_add(sd, name, 4, o, i, 3, 3);
    snprintf(name, sizeof name, "%s.bias", prefix);
    sd_add(sd, name, 1, o, 0, 0, 0);
}

static void sd_free(ck_state_dict *sd)
{
    for (int i = 0; i < sd->n; i++) {
        free(sd->t[i].name);
        free(sd->t[i].data);
    }
    free(sd->t);
    memset(sd, 0, sizeof *sd);
}

static void sd_remove(ck_state_dict *sd, const char *name)
{
    for (int i = 0; i < sd->n; i++)
        if (strcmp(sd->t[i].name, name) == 0) {
            free(sd->t[i].name);
            free(sd->t[i].data);
            sd->t[i] = sd->t[--sd->n];
            return;
        }
    cr_assert_fail("no tensor %s to remove", name);
}

static ck_tensor *sd_get(ck_state_dict *sd, const char *name)
{
    for (int i = 0; i < sd->n; i++)
        if (strcmp(sd->t[i].name, name) == 0)
            return &sd->t[i];
    cr_assert_fail("no tensor %s", name);
    return NULL;
}

/* SRVGGNetCompact(num_feat 8, num_conv 3, x2, PReLU): body.0..body.8. */
static void make_srvgg(ck_state_dict *sd)
{
    char name[64];
    tu_seed(7);
    for (int k = 0; k <= 4; k++) {
        snprintf(name, sizeof name, "body.%d", 2 * k);
        sd_add_conv(sd, name, k == 4 ? 12 : 8, k == 0 ? 3 : 8);
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
    sd_add_conv(sd, "conv_first", 8, 3);
    for (int b = 0; b < 2; b++)
        for (int r = 1; r <= 3; r++)
            for (int c = 1; c <= 5; c++) {
                snprintf(name, sizeof name, "body.%d.rdb%d.conv%d", b, r, c);
                sd_add_conv(sd, name, c == 5 ? 8 : 4, 8 + 4 * (c - 1));
            }
    static const char *const tail[] = {"conv_body", "conv_up1", "conv_up2", "conv_hr"};
    for (int i = 0; i < 4; i++)
        sd_add_conv(sd, tail[i], 8, 8);
    sd_add_conv(sd, "conv_last", 3, 8);
}

/* Convert with a, expecting failure; returns the message. */
static const char *convert_fails(const or_arch *a, const ck_state_dict *sd)
{
    static or_err err;
    or_model_builder mb;
    mb_init(&mb);
    memset(&err, 0, sizeof err);
    or_status s = a->convert(sd, &mb, &err);
    mb_free(&mb);
    cr_assert_neq(s, OR_OK, "conversion should have failed");
    return err.msg;
}

static void convert_ok(const or_arch *a, const ck_state_dict *sd, or_model_builder *mb)
{
    or_err err = {0};
    mb_init(mb);
    cr_assert_eq(a->convert(sd, mb, &err), OR_OK, "%s", err.msg);
}

static void assert_meta(const or_model_builder *mb, const char *key, const char *want)
{
    const char *v = mb_meta_get(mb, key);
    cr_assert(v && strcmp(v, want) == 0, "meta %s: got %s, want %s", key, v ? v : "(none)", want);
}

/* ---- synthetic: good and bad ------------------------------------------------------- */

Test(arch_sr, srvgg_synthetic_converts)
{
    ck_state_dict sd = {0};
    make_srvgg(&sd);
    cr_assert(or_arch_srvgg.detect(&sd));
    cr_assert_not(or_arch_rrdbnet.detect(&sd));
    or_model_builder mb;
    convert_ok(&or_arch_srvgg, &sd, &mb);
    assert_meta(&mb, "num_conv", "3");
    assert_meta(&mb, "scale", "2");
    assert_meta(&mb, "act", "prelu");
    cr_assert_eq(mb.n, sd.n);
    cr_assert(mb_find(&mb, "conv.4.weight") && mb_find(&mb, "prelu.3.weight"));
    mb_free(&mb);
    sd_free(&sd);
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
    convert_ok(&or_arch_srvgg, &sd, &mb);
    assert_meta(&mb, "act", "lrelu");
    assert_meta(&mb, "num_conv", "3");
    mb_free(&mb);
    sd_free(&sd);
}

Test(arch_sr, srvgg_missing_tensor_named)
{
    ck_state_dict sd = {0};
    make_srvgg(&sd);
    sd_remove(&sd, "body.4.weight");
    const char *msg = convert_fails(&or_arch_srvgg, &sd);
    cr_assert(strstr(msg, "missing") && strstr(msg, "body.4.weight [8,8,3,3]"), "%s", msg);
    sd_free(&sd);
}

Test(arch_sr, srvgg_missing_prelu_named)
{
    ck_state_dict sd = {0};
    make_srvgg(&sd);
    sd_remove(&sd, "body.5.weight");
    const char *msg = convert_fails(&or_arch_srvgg, &sd);
    cr_assert(strstr(msg, "body.5.weight [8]"), "%s", msg);
    sd_free(&sd);
}

Test(arch_sr, srvgg_wrong_shape_named)
{
    ck_state_dict sd = {0};
    make_srvgg(&sd);
    sd_get(&sd, "body.6.weight")->shape[1] = 9;
    const char *msg = convert_fails(&or_arch_srvgg, &sd);
    cr_assert(strstr(msg, "tensor body.6.weight: expected [8,8,3,3], got [8,9,3,3]"), "%s", msg);
    sd_free(&sd);
}

Test(arch_sr, srvgg_extra_tensor_named)
{
    ck_state_dict sd = {0};
    make_srvgg(&sd);
    sd_add(&sd, "body.4.running_mean", 1, 8, 0, 0, 0);
    const char *msg = convert_fails(&or_arch_srvgg, &sd);
    cr_assert(strstr(msg, "unexpected") && strstr(msg, "body.4.running_mean"), "%s", msg);
    sd_free(&sd);
}

Test(arch_sr, srvgg_bad_scale_named)
{
    ck_state_dict sd = {0};
    make_srvgg(&sd);
    sd_get(&sd, "body.8.weight")->shape[0] = 10; /* not 3*s^2 */
    const char *msg = convert_fails(&or_arch_srvgg, &sd);
    cr_assert(strstr(msg, "body.8.weight"), "%s", msg);
    sd_free(&sd);
}

Test(arch_sr, rrdb_synthetic_converts)
{
    ck_state_dict sd = {0};
    make_rrdb(&sd);
    cr_assert(or_arch_rrdbnet.detect(&sd));
    cr_assert_not(or_arch_srvgg.detect(&sd));
    or_model_builder mb;
    convert_ok(&or_arch_rrdbnet, &sd, &mb);
    assert_meta(&mb, "naming", "real-esrgan");
    assert_meta(&mb, "num_block", "2");
    assert_meta(&mb, "num_grow_ch", "4");
    assert_meta(&mb, "scale", "4");
    cr_assert_eq(mb.n, sd.n);
    mb_free(&mb);
    sd_free(&sd);
}

Test(arch_sr, rrdb_missing_tensor_named)
{
    ck_state_dict sd = {0};
    make_rrdb(&sd);
    sd_remove(&sd, "body.1.rdb2.conv3.bias");
    const char *msg = convert_fails(&or_arch_rrdbnet, &sd);
    cr_assert(strstr(msg, "missing") && strstr(msg, "body.1.rdb2.conv3.bias [4]"), "%s", msg);
    sd_free(&sd);
}

Test(arch_sr, rrdb_wrong_shape_named)
{
    ck_state_dict sd = {0};
    make_rrdb(&sd);
    sd_get(&sd, "body.1.rdb1.conv1.weight")->shape[1] = 16;
    const char *msg = convert_fails(&or_arch_rrdbnet, &sd);
    cr_assert(strstr(msg, "tensor body.1.rdb1.conv1.weight: expected [4,8,3,3], got [4,16,3,3]"),
              "%s", msg);
    sd_free(&sd);
}

Test(arch_sr, rrdb_extra_tensor_named)
{
    ck_state_dict sd = {0};
    make_rrdb(&sd);
    sd_add(&sd, "conv_up3.weight", 4, 8, 8, 3, 3); /* lone weight: bias reported missing */
    sd_add(&sd, "body.0.rdb4.conv1.weight", 4, 4, 8, 3, 3);
    const char *msg = convert_fails(&or_arch_rrdbnet, &sd);
    cr_assert(strstr(msg, "unexpected") && strstr(msg, "body.0.rdb4.conv1.weight"), "%s", msg);
    cr_assert(strstr(msg, "conv_up3.bias"), "%s", msg);
    sd_free(&sd);
}

Test(arch_sr, detect_ignores_other_families)
{
    ck_state_dict sd = {0};
    sd_add_conv(&sd, "block0.conv0.0.0", 8, 7);
    sd_add_conv(&sd, "body.0", 8, 3); /* a stray 'body' must not make it SRVGG */
    sd_add_conv(&sd, "body.2", 8, 8);
    cr_assert_not(or_arch_rrdbnet.detect(&sd));
    cr_assert_not(or_arch_srvgg.detect(&sd));
    sd_free(&sd);
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
    convert_ok(&or_arch_srvgg, &sd, &mb);
    assert_meta(&mb, "arch", "srvgg");
    assert_meta(&mb, "num_feat", "64");
    assert_meta(&mb, "num_conv", "16");
    assert_meta(&mb, "scale", "4");
    assert_meta(&mb, "act", "prelu");
    assert_meta(&mb, "num_in_ch", "3");
    assert_meta(&mb, "num_out_ch", "3");
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
