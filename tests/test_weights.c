/* test_weights.c: the safetensors writer and reader (including malformed files),
 * the JSON reader, sha256, the folds and the model registry. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convert/arch.h"
#include "convert/convert.h"
#include "runtime/core/tensor.h"
#include "test_util.h"
#include "weights/json.h"
#include "weights/registry.h"
#include "weights/safetensors.h"
#include "runtime/core/sha256.h"

static void build_small(or_model_builder *mb)
{
    or_err err;
    mb_init(mb);
    int64_t s1[4] = {2, 3, 3, 3}, s2[1] = {2};
    float w[54], b[2] = {0.5f, -1.25f};
    for (int i = 0; i < 54; i++)
        w[i] = (float)i / 7.0f - 3.0f;
    cr_assert_eq(mb_add(mb, "conv.weight", 4, s1, w, &err), OR_OK);
    cr_assert_eq(mb_add(mb, "conv.bias", 1, s2, b, &err), OR_OK);
    mb_meta_str(mb, "arch", "test\"arch\\");
    mb_meta_int(mb, "num_feat", 64);
}

Test(safetensors, round_trip_f32_and_f16)
{
    or_model_builder mb;
    build_small(&mb);
    or_err err;
    for (int f16 = 0; f16 < 2; f16++) {
        const char *path = tu_tmp(f16 ? "rt16.safetensors" : "rt32.safetensors");
        cr_assert_eq(mb_write_safetensors(&mb, path, f16 ? MB_F16 : MB_F32, &err), OR_OK, "%s", err.msg);
        st_file f;
        cr_assert_eq(st_open(path, &f, &err), OR_OK, "%s", err.msg);
        cr_expect_str_eq(st_meta(&f, "arch"), "test\"arch\\");
        cr_expect_str_eq(st_meta(&f, "num_feat"), "64");
        const st_tensor *t;
        int64_t shape[4] = {2, 3, 3, 3};
        cr_assert_eq(st_expect(&f, "conv.weight", 4, shape, &t, &err), OR_OK, "%s", err.msg);
        cr_expect_eq(t->dtype, f16 ? ST_F16 : ST_F32);
        cr_expect_eq((uintptr_t)(f.t[0].data - (const uint8_t *)f.map) % 64, 0,
                     "the data section starts 64-byte aligned");
        float got[54];
        cr_assert_eq(st_read_f32(&f, t, got, &err), OR_OK);
        for (int i = 0; i < 54; i++) {
            float want = (float)i / 7.0f - 3.0f;
            if (f16)
                want = or_f16_to_f32(or_f32_to_f16(want));
            cr_expect_eq(got[i], want, "element %d: %g != %g", i, got[i], want);
        }
        int64_t wrong[4] = {2, 3, 5, 5};
        cr_expect_eq(st_expect(&f, "conv.weight", 4, wrong, NULL, &err), OR_ESHAPE);
        cr_expect(strstr(err.msg, "conv.weight: expected [2,3,5,5], got [2,3,3,3]"), "%s", err.msg);
        cr_expect(strstr(err.msg, path), "message names the file: %s", err.msg);
        cr_expect_eq(st_expect(&f, "conv.nope", 1, wrong, NULL, &err), OR_EFORMAT);
        st_close(&f);
    }
    mb_free(&mb);
}

/* Write a raw safetensors file from a header string and a data size. */
static const char *raw_st(const char *name, const char *header, size_t data_bytes, long hdr_len_override)
{
    size_t hl = strlen(header);
    size_t len = 8 + hl + data_bytes;
    uint8_t *buf = calloc(1, len);
    uint64_t n = hdr_len_override >= 0 ? (uint64_t)hdr_len_override : hl;
    for (int i = 0; i < 8; i++)
        buf[i] = (uint8_t)(n >> (8 * i));
    memcpy(buf + 8, header, hl);
    const char *p = tu_tmp(name);
    tu_write_file(p, buf, len);
    free(buf);
    return p;
}

static void expect_bad(const char *name, const char *header, size_t data, long hl, const char *needle)
{
    st_file f;
    or_err err;
    const char *p = raw_st(name, header, data, hl);
    cr_expect_neq(st_open(p, &f, &err), OR_OK, "%s was accepted", name);
    cr_expect(strstr(err.msg, needle) != NULL, "%s: message '%s' lacks '%s'", name, err.msg, needle);
    cr_expect(strstr(err.msg, p) != NULL, "%s: message names the file: %s", name, err.msg);
}

Test(safetensors, malformed_files_are_errors)
{
    expect_bad("off_range", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, -1, "outside");
    expect_bad("overlap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                          "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 16, -1, "overlap");
    expect_bad("count", "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, -1, "bytes for 3");
    expect_bad("dtype", "{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, -1, "unknown dtype");
    expect_bad("neg", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, -1, "bad shape");
    expect_bad("hdrlen", "{}", 0, 1L << 40, "header length");
    expect_bad("json", "{\"a\":{\"dtype\":\"F32\",", 0, -1, "malformed JSON");
    expect_bad("dup", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                      "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, -1, "twice");
    expect_bad("meta", "{\"__metadata__\":{\"x\":1}}", 0, -1, "not a string");
    expect_bad("reversed", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 8, -1, "bytes");
    st_file f;
    or_err err;
    const char *p = tu_tmp("tiny");
    tu_write_file(p, "abc", 3);
    cr_expect_eq(st_open(p, &f, &err), OR_EFORMAT);
    cr_expect_eq(st_open(tu_tmp("does-not-exist"), &f, &err), OR_EIO);
}

/* Every truncation of a valid file fails cleanly. */
Test(safetensors, every_truncation_fails)
{
    or_model_builder mb;
    build_small(&mb);
    or_err err;
    const char *path = tu_tmp("trunc-src.safetensors");
    cr_assert_eq(mb_write_safetensors(&mb, path, MB_F32, &err), OR_OK);
    size_t len;
    uint8_t *buf = tu_read_file(path, &len);
    for (size_t cut = 0; cut < len; cut++) {
        st_file f;
        uint8_t *copy = malloc(cut ? cut : 1);
        memcpy(copy, buf, cut);
        cr_expect_neq(st_parse(copy, cut, "cut", &f, &err), OR_OK, "accepted at %zu of %zu", cut, len);
        free(copy);
    }
    free(buf);
    mb_free(&mb);
}

Test(safetensors, write_is_atomic)
{
    or_model_builder mb;
    build_small(&mb);
    or_err err;
    cr_expect_eq(mb_write_safetensors(&mb, "/nonexistent-dir/x.safetensors", MB_F32, &err), OR_EIO);
    const char *path = tu_tmp("atomic.safetensors");
    tu_write_file(path, "previous", 8);
    int64_t s[1] = {1};
    float v = 1;
    cr_assert_eq(mb_add(&mb, "conv.bias", 1, s, &v, &err), OR_EINVAL, "duplicate names refused");
    cr_assert_eq(mb_write_safetensors(&mb, path, MB_F32, &err), OR_OK);
    size_t len;
    uint8_t *buf = tu_read_file(path, &len);
    cr_expect_gt(len, 8);
    free(buf);
    mb_free(&mb);
}

Test(json, parses_and_rejects)
{
    json_value *v;
    or_err err;
    const char *ok = "{\"a\": [1, -2.5e3, true, null, \"x\\u00e9\\n\"], \"b\": {}}";
    cr_assert_eq(json_parse(ok, strlen(ok), "t", &v, &err), OR_OK, "%s", err.msg);
    const json_value *a = json_get(v, "a");
    cr_assert(a && a->type == JSON_ARRAY && a->n == 5);
    cr_expect_eq(a->items[1].num, -2500.0);
    cr_expect_str_eq(a->items[4].str, "x\xc3\xa9\n");
    json_free(v);
    const char *bad[] = {"", "{", "[1,]", "{\"a\" 1}", "01x", "\"\\x\"", "[1] 2", "{\"a\":\"\\u0000\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(json_parse(bad[i], strlen(bad[i]), "t", &v, &err), OR_EFORMAT, "accepted: %s", bad[i]);
    char deep[400];
    memset(deep, '[', sizeof deep);
    cr_expect_eq(json_parse(deep, sizeof deep, "t", &v, &err), OR_EFORMAT);
}

Test(sha256, known_vectors)
{
    or_sha256 s;
    char hex[65];
    or_sha256_init(&s);
    or_sha256_update(&s, "abc", 3);
    or_sha256_final(&s, hex);
    cr_expect_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    or_sha256_init(&s);
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    for (int i = 0; i < 3; i++) /* split updates across block boundaries */
        or_sha256_update(&s, m + i * 19, i < 2 ? 19 : strlen(m) - 38);
    or_sha256_final(&s, hex);
    cr_expect_str_eq(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

Test(sha256, real_checkpoint_matches_manifest)
{
    const char *p = tu_shared("weights/realesr-animevideov3.pth");
    if (access(p, R_OK) != 0)
        cr_skip_test("%s is absent", p);
    char hex[65];
    or_err err;
    cr_assert_eq(or_sha256_file(p, hex, &err), OR_OK);
    const or_model_info *m = or_registry_match_checkpoint("renamed.pth", hex, NULL);
    cr_assert(m, "registry matches by sha256");
    cr_expect_str_eq(m->name, "realesr-animevideov3");
}

Test(fold, batchnorm_into_conv_and_affine)
{
    /* conv with 2 outputs, 3 weights each; BN with eps 1e-5 */
    float w[6] = {1, 2, 3, -1, 0.5f, 4}, b[2] = {0.1f, -0.2f};
    float g[2] = {2, 0.5f}, be[2] = {0.3f, -0.4f}, mu[2] = {0.05f, 1}, var[2] = {4, 0.25f};
    float wo[6], bo[2], sc[2], sh[2];
    fold_bn_into_conv(w, b, 2, 3, g, be, mu, var, 1e-5, wo, bo);
    fold_bn_affine(g, be, mu, var, 2, 1e-5, sc, sh);
    for (int c = 0; c < 2; c++) {
        double s = g[c] / sqrt((double)var[c] + 1e-5);
        cr_expect_eq(sc[c], (float)s);
        cr_expect_eq(bo[c], (float)(((double)b[c] - mu[c]) * s + be[c]));
        cr_expect_eq(sh[c], (float)(be[c] - mu[c] * s));
        for (int j = 0; j < 3; j++)
            cr_expect_eq(wo[c * 3 + j], (float)(w[c * 3 + j] * s));
    }
}

Test(fold, spectral_norm_matches_definition)
{
    /* weight_orig [2,1,1,2] -> W_mat [2,2] = [[1,2],[3,4]], u=[0.6,0.8], v=[1,0]:
     * W v = [1,3], sigma = 0.6*1 + 0.8*3 = 3.0 */
    float w[4] = {1, 2, 3, 4}, u[2] = {0.6f, 0.8f}, v[2] = {1, 0}, out[4];
    int64_t shape[4] = {2, 1, 1, 2};
    double sigma = fold_spectral_norm(w, 4, shape, 0, u, v, out);
    cr_expect_float_eq(sigma, 3.0, 1e-7);
    for (int i = 0; i < 4; i++)
        cr_expect_float_eq(out[i], w[i] / 3.0f, 1e-6);
    /* ConvTranspose (dim 1): weight [1,2,1,1] -> W_mat rows are dim 1: [[1],[2]] */
    float wt[2] = {1, 2}, ut[2] = {0.6f, 0.8f}, vt[1] = {1};
    int64_t st[4] = {1, 2, 1, 1};
    sigma = fold_spectral_norm(wt, 4, st, 1, ut, vt, out);
    cr_expect_float_eq(sigma, 0.6 + 1.6, 1e-7);
}

Test(registry, every_model_has_an_architecture_and_a_source)
{
    cr_assert_geq(or_registry_count(), 15);
    for (size_t i = 0; i < or_registry_count(); i++) {
        const or_model_info *m = or_registry_at(i);
        cr_expect(or_arch_find(m->arch) != NULL, "%s: architecture %s has no converter", m->name, m->arch);
        cr_expect(m->url && m->license && m->checkpoint, "%s: incomplete entry", m->name);
        if (m->sha256) {
            size_t n = strlen(m->sha256);
            cr_expect(n == 64 || n == 8, "%s: sha256 length %zu", m->name, n);
        }
    }
    const char *names[] = {"realesrgan-x4plus", "realesrgan-x4plus-anime", "realesrgan-x2plus",
                           "esrgan-x4", "rrdb-psnr-x4", "realesr-general-x4v3", "realesr-animevideov3",
                           "deoldify-artistic", "siggraph17", "eccv16", "rife-v4.6", "rife-v4.25", "dain",
                           "deep-exemplar"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        cr_expect(or_registry_find(names[i]) != NULL, "%s is not registered", names[i]);
    cr_expect_eq(or_arch_count(), 8, "every architecture family is linked in");
}

Test(registry, known_copies_and_a_registry_file)
{
    or_match_kind how;
    const or_model_info *m = or_registry_match_checkpoint(
        "realesrgan-x4plus.pth", "5ae005c712d4079f14ee7fd3e02a8151fd9c1e69e8015a3b5f8af43c0e4e6cbb", &how);
    cr_assert(m);
    cr_expect_str_eq(m->name, "realesrgan-x4plus");
    cr_expect_eq(how, OR_MATCH_KNOWN_COPY, "the ncnn-recovered copy is not the release file");
    m = or_registry_match_checkpoint("x.pth", m->sha256, &how);
    cr_expect_eq(how, OR_MATCH_SHA256);
    m = or_registry_match_checkpoint("RealESRGAN_x2plus.pth", "ab", &how);
    cr_expect_eq(how, OR_MATCH_NAME);
    cr_expect(or_registry_find("siggraph17")->sha256 && strlen(or_registry_find("siggraph17")->sha256) == 64);

    size_t n0 = or_registry_count();
    const char *p = tu_tmp("reg.json");
    const char *text = "[{\"name\": \"mine\", \"arch\": \"srvgg\", \"stage\": \"upscale\", "
                       "\"checkpoint\": \"mine.pth\", \"url\": \"https://example.org/mine.pth\", "
                       "\"sha256\": \"00ff00ff\", \"size\": 12},"
                       " {\"name\": \"realesr-animevideov3\", \"arch\": \"srvgg\", \"stage\": "
                       "\"upscale\", \"checkpoint\": \"a.pth\", \"url\": \"https://m/a.pth\"}]";
    cr_assert_eq(tu_write_file(p, text, strlen(text)), 0);
    or_err err;
    cr_assert_eq(or_registry_load(p, &err), OR_OK, "%s", err.msg);
    cr_expect_eq(or_registry_count(), n0 + 1, "one added, one replaced");
    cr_expect_eq(or_registry_find("mine")->size, 12);
    cr_expect_str_eq(or_registry_find("realesr-animevideov3")->checkpoint, "a.pth");
    setenv("OPRESTORE_MODEL_BASE_URL", "http://127.0.0.1:9/base/", 1);
    char buf[256];
    cr_expect_str_eq(or_registry_download_url(or_registry_find("mine"), buf, sizeof buf),
                     "http://127.0.0.1:9/base/mine.pth");
    unsetenv("OPRESTORE_MODEL_BASE_URL");
    cr_expect_null(or_registry_download_url(or_registry_find("rife-v4.6"), buf, sizeof buf));
    or_registry_reset();
    cr_expect_eq(or_registry_count(), n0);
    const char *bad = "[{\"name\": \"x\", \"arch\": \"srvgg\"}]";
    cr_assert_eq(tu_write_file(p, bad, strlen(bad)), 0);
    cr_expect_eq(or_registry_load(p, &err), OR_EFORMAT);
    cr_expect(strstr(err.msg, "needs a string 'stage'"), "%s", err.msg);
    cr_expect_eq(or_registry_count(), n0, "a bad file changes nothing");
}
