/* arch_test_util.c: helpers for the converter tests; see arch_test_util.h. */
#include "arch_test_util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"

void sd_add(ck_state_dict *sd, const char *name, int ndim, int64_t d0, int64_t d1, int64_t d2,
            int64_t d3)
{
    cr_assert(ndim >= 1 && ndim <= 4, "sd_add: %d dims", ndim);
    sd->t = realloc(sd->t, (size_t)(sd->n + 1) * sizeof *sd->t);
    cr_assert(sd->t);
    ck_tensor *t = &sd->t[sd->n++];
    memset(t, 0, sizeof *t);
    t->name = strdup(name);
    t->ndim = ndim;
    const int64_t d[4] = {d0, d1, d2, d3};
    t->numel = 1;
    for (int i = 0; i < ndim; i++) {
        t->shape[i] = d[i];
        t->numel *= d[i];
    }
    t->data = malloc((size_t)t->numel * sizeof(float));
    cr_assert(t->name && t->data);
    tu_fill_uniform(t->data, (size_t)t->numel, -1, 1);
}

void sd_add_conv(ck_state_dict *sd, const char *prefix, int64_t o, int64_t i, int64_t k)
{
    char name[256];
    cr_assert(strlen(prefix) < sizeof name - sizeof ".weight", "prefix too long: %s", prefix);
    snprintf(name, sizeof name, "%s.weight", prefix);
    sd_add(sd, name, 4, o, i, k, k);
    snprintf(name, sizeof name, "%s.bias", prefix);
    sd_add(sd, name, 1, o, 0, 0, 0);
}

ck_tensor *sd_get(ck_state_dict *sd, const char *name)
{
    for (int i = 0; i < sd->n; i++)
        if (strcmp(sd->t[i].name, name) == 0)
            return &sd->t[i];
    cr_assert_fail("no tensor %s", name);
    return NULL;
}

/* Remove tensor i: the last one takes its place. */
static void remove_at(ck_state_dict *sd, int i)
{
    free(sd->t[i].name);
    free(sd->t[i].data);
    sd->t[i] = sd->t[--sd->n];
}

void sd_remove(ck_state_dict *sd, const char *name)
{
    for (int i = 0; i < sd->n; i++)
        if (strcmp(sd->t[i].name, name) == 0) {
            remove_at(sd, i);
            return;
        }
    cr_assert_fail("no tensor %s to remove", name);
}

int sd_remove_prefix(ck_state_dict *sd, const char *prefix)
{
    int removed = 0;
    size_t np = strlen(prefix);
    for (int i = sd->n - 1; i >= 0; i--)
        if (strncmp(sd->t[i].name, prefix, np) == 0) {
            remove_at(sd, i);
            removed++;
        }
    return removed;
}

int sd_remove_suffix(ck_state_dict *sd, const char *suffix)
{
    int removed = 0;
    size_t ns = strlen(suffix);
    for (int i = sd->n - 1; i >= 0; i--) {
        size_t nn = strlen(sd->t[i].name);
        if (nn >= ns && strcmp(sd->t[i].name + nn - ns, suffix) == 0) {
            remove_at(sd, i);
            removed++;
        }
    }
    return removed;
}

void at_load_fixture(const char *file, ck_state_dict *sd)
{
    char rel[256];
    or_err err = {0};
    snprintf(rel, sizeof rel, "tests/fixtures/ckpt/%s", file);
    cr_assert_eq(ckpt_read_state_dict(tu_src(rel), sd, &err), OR_OK, "%s: %s", rel, err.msg);
}

const char *at_convert_fails(const or_arch *a, const ck_state_dict *sd)
{
    static or_err err;
    or_model_builder mb;
    mb_init(&mb);
    memset(&err, 0, sizeof err);
    or_status s = a->convert(sd, &mb, &err);
    mb_free(&mb);
    cr_assert_neq(s, OR_OK, "conversion by %s should have failed", a->name);
    return err.msg;
}

void at_convert_ok(const or_arch *a, const ck_state_dict *sd, or_model_builder *mb)
{
    or_err err = {0};
    mb_init(mb);
    cr_assert_eq(a->convert(sd, mb, &err), OR_OK, "%s: %s", a->name, err.msg);
}

void at_assert_meta(const or_model_builder *mb, const char *key, const char *want)
{
    const char *v = mb_meta_get(mb, key);
    cr_assert(v && strcmp(v, want) == 0, "meta %s: got %s, want %s", key, v ? v : "(none)", want);
}

void at_assert_contains(const char *msg, const char *part)
{
    cr_assert(strstr(msg, part), "message lacks \"%s\": %s", part, msg);
}
