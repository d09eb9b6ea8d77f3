/* test_convert_fixtures.c: every checkpoint fixture written by PyTorch
 * (tests/fixtures/make_fixtures.py) is read in both torch.save formats and
 * compared with what PyTorch recorded: every raw tensor exactly, then the
 * converter's output (renamed, folded) and its inferred hyperparameters, then
 * the safetensors file it writes. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/convert.h"
#include "test_util.h"
#include "weights/json.h"
#include "weights/safetensors.h"

/* Folded tensors: the C fold computes in double, PyTorch's reference in
 * float32 or double rounded once: a few ulp apart at most. */
#define FOLD_REL 1e-6
#define FOLD_ABS 1e-7

static int shape_eq(const json_value *shape, int ndim, const int64_t *dims)
{
    if (!shape || shape->type != JSON_ARRAY || (int)shape->n != ndim)
        return 0;
    for (int i = 0; i < ndim; i++)
        if ((int64_t)shape->items[i].num != dims[i])
            return 0;
    return 1;
}

/* Compare a flat f32 array with a record {shape, sum, abssum, samples}. */
static int check_values(const char *fx, const char *name, const float *data, int64_t numel,
                        const json_value *rec, double rel, double abs_tol)
{
    int bad = 0;
    double sum = 0;
    for (int64_t i = 0; i < numel; i++)
        sum += (double)data[i];
    double want_sum = json_num(rec, "sum", NAN), abssum = json_num(rec, "abssum", 0);
    if (!(fabs(sum - want_sum) <= rel * abssum + abs_tol + 1e-9 * abssum)) {
        cr_log_error("%s: %s: sum %.12g, PyTorch %.12g", fx, name, sum, want_sum);
        bad++;
    }
    const json_value *samples = json_get(rec, "samples");
    for (size_t k = 0; samples && k < samples->n; k++) {
        int64_t idx = (int64_t)samples->items[k].items[0].num;
        double want = samples->items[k].items[1].num;
        if (idx >= numel || !(fabs((double)data[idx] - want) <= rel * fabs(want) + abs_tol)) {
            cr_log_error("%s: %s[%lld] = %.9g, PyTorch %.9g", fx, name, (long long)idx,
                         idx < numel ? (double)data[idx] : NAN, want);
            bad++;
        }
    }
    return bad;
}

static int check_raw_tensors(const char *fx, const ck_state_dict *sd, const json_value *rec)
{
    const json_value *tensors = json_get(rec, "tensors"), *ints = json_get(rec, "int_tensors");
    int bad = 0;
    size_t want_n = tensors->n + (ints ? ints->n : 0);
    if ((size_t)sd->n != want_n) {
        cr_log_error("%s: %d tensors read, PyTorch saved %zu", fx, sd->n, want_n);
        bad++;
    }
    for (size_t i = 0; i < tensors->n; i++) {
        const char *name = tensors->keys[i];
        const ck_tensor *t = ckpt_find(sd, name);
        if (!t) {
            cr_log_error("%s: tensor %s not read", fx, name);
            bad++;
            continue;
        }
        if (!shape_eq(json_get(&tensors->items[i], "shape"), t->ndim, t->shape)) {
            cr_log_error("%s: tensor %s: shape differs from PyTorch's", fx, name);
            bad++;
            continue;
        }
        bad += check_values(fx, name, t->data, t->numel, &tensors->items[i], 0, 0);
    }
    return bad;
}

static int check_converted(const char *fx, const or_model_builder *mb, const json_value *rec)
{
    const json_value *folded = json_get(rec, "folded"), *meta = json_get(rec, "meta");
    int bad = 0;
    if (mb->n != (int)folded->n) {
        cr_log_error("%s: converter wrote %d tensors, expected %zu", fx, mb->n, folded->n);
        bad++;
    }
    for (size_t i = 0; i < folded->n; i++) {
        const char *name = folded->keys[i];
        const mb_tensor *t = mb_find(mb, name);
        if (!t) {
            cr_log_error("%s: converter did not write %s", fx, name);
            bad++;
        } else if (!shape_eq(json_get(&folded->items[i], "shape"), t->ndim, t->shape)) {
            cr_log_error("%s: converted %s: shape differs", fx, name);
            bad++;
        } else {
            bad += check_values(fx, name, t->data, t->numel, &folded->items[i], FOLD_REL, FOLD_ABS);
        }
    }
    for (size_t i = 0; meta && i < meta->n; i++) {
        const char *got = mb_meta_get(mb, meta->keys[i]);
        const char *want = meta->items[i].type == JSON_STRING ? meta->items[i].str : "(not a string)";
        if (!got || strcmp(got, want) != 0) {
            cr_log_error("%s: metadata %s = %s, expected %s", fx, meta->keys[i], got ? got : "(absent)", want);
            bad++;
        }
    }
    return bad;
}

/* The written file holds exactly the builder's tensors, bit for bit. */
static int check_written(const char *fx, const or_model_builder *mb)
{
    or_err err;
    const char *path = tu_tmp("fixture.safetensors");
    if (mb_write_safetensors(mb, path, MB_F32, &err) != OR_OK) {
        cr_log_error("%s: %s", fx, err.msg);
        return 1;
    }
    st_file f;
    if (st_open(path, &f, &err) != OR_OK) {
        cr_log_error("%s: %s", fx, err.msg);
        return 1;
    }
    int bad = f.n != mb->n;
    for (int i = 0; i < mb->n && !bad; i++) {
        const st_tensor *t = st_find(&f, mb->t[i].name);
        bad = !t || t->nbytes != (size_t)mb->t[i].numel * 4 ||
              memcmp(t->data, mb->t[i].data, t->nbytes) != 0;
        if (bad)
            cr_log_error("%s: %s differs in the written file", fx, mb->t[i].name);
    }
    st_close(&f);
    return bad;
}

static int check_fixture(const char *json_path)
{
    json_value *rec;
    or_err err;
    cr_assert_eq(json_parse_file(json_path, &rec, &err), OR_OK, "%s", err.msg);
    const char *fx = json_str(rec, "name", "?"), *arch = json_str(rec, "arch", "?");
    const json_value *files = json_get(rec, "files");
    int bad = 0;
    for (size_t k = 0; files && k < files->n; k++) {
        char path[4096], what[256];
        snprintf(path, sizeof path, "%s", tu_src("tests/fixtures/ckpt/"));
        strncat(path, files->items[k].str, sizeof path - strlen(path) - 1);
        snprintf(what, sizeof what, "%s (%s)", fx, files->keys[k]);
        ck_state_dict sd;
        if (ckpt_read_state_dict(path, &sd, &err) != OR_OK) {
            cr_log_error("%s: %s", what, err.msg);
            bad++;
            continue;
        }
        const char *wrapper = json_str(rec, "wrapper", "");
        if (*wrapper && strcmp(sd.wrapper, wrapper) != 0) {
            cr_log_error("%s: wrapper %s, expected %s", what, sd.wrapper, wrapper);
            bad++;
        }
        bad += check_raw_tensors(what, &sd, rec);
        const or_arch *detected = or_arch_detect(&sd);
        if (!detected || strcmp(detected->name, arch) != 0) {
            cr_log_error("%s: detected as %s, expected %s", what, detected ? detected->name : "nothing", arch);
            bad++;
        }
        or_model_builder mb;
        mb_init(&mb);
        or_convert_opts o = {arch, MB_F32, 0};
        if (or_convert_state_dict(&sd, &o, &mb, NULL, &err) != OR_OK) {
            cr_log_error("%s: %s", what, err.msg);
            bad++;
        } else {
            bad += check_converted(what, &mb, rec);
            bad += check_written(what, &mb);
        }
        mb_free(&mb);
        ckpt_free(&sd);
    }
    if (!files || files->n != 2) {
        cr_log_error("%s: the record names %zu files, expected zip and legacy", fx, files ? files->n : 0);
        bad++;
    }
    json_free(rec);
    return bad;
}

Test(convert_fixtures, every_fixture_matches_pytorch)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", tu_src("tests/fixtures/ckpt"));
    DIR *d = opendir(dir);
    cr_assert(d, "cannot open %s", dir);
    struct dirent *e;
    int n = 0, failed = 0;
    char archs_seen[1024] = " ";
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".json"))
            continue;
        char path[4096 + 300];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        int bad = check_fixture(path);
        n++;
        failed += bad != 0;
        cr_log_info("%-40s %s", e->d_name, bad ? "FAIL" : "ok");
        json_value *rec;
        or_err err;
        if (json_parse_file(path, &rec, &err) == OR_OK) {
            char key[64];
            snprintf(key, sizeof key, " %s ", json_str(rec, "arch", "?"));
            if (!strstr(archs_seen, key) && strlen(archs_seen) + strlen(key) < sizeof archs_seen)
                strcat(archs_seen, key + 1); /* the list keeps " a b c " form */
            json_free(rec);
        }
    }
    closedir(d);
    cr_expect_eq(failed, 0, "%d of %d fixtures differ from PyTorch (details above)", failed, n);
    /* every architecture family has fixtures: the test cannot pass on an empty folder
     * (deep-exemplar is three files, checked by test_arch_dex and test_net_dex) */
    for (int i = 0; i < or_arch_count(); i++) {
        char key[64];
        if (!strcmp(or_arch_at(i)->name, "deep-exemplar"))
            continue;
        snprintf(key, sizeof key, " %s ", or_arch_at(i)->name);
        cr_expect(strstr(archs_seen, key) != NULL, "no fixture for architecture %s", or_arch_at(i)->name);
    }
}
