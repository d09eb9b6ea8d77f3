/* test_ckpt.c: the checkpoint reader (convert/ckpt.h) and its pickle VM.
 * Fixtures and their expected values come from
 * tests/fixtures/make_reader_fixtures.py (expected.txt, compared bit-exact). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "convert/ckpt.h"
#include "convert/pickle.h"
#include "test_util.h"

#define FIX "tests/fixtures/ckpt_reader/"
#define PWNED "/tmp/oprestore-ckpt-pwned"   /* what the hostile fixtures would create */

static uint8_t *load_fixture(const char *name, size_t *len)
{
    uint8_t *buf = tu_read_file(tu_src(name), len);
    cr_assert(buf, "cannot read %s", name);
    return buf;
}

static or_status read_mem(const uint8_t *buf, size_t len, ck_state_dict *sd, or_err *err)
{
    memset(err, 0, sizeof *err);
    return ckpt_read_state_dict_mem(buf, len, "mem.pth", sd, err);
}

/* ---- fixtures vs expected.txt ------------------------------------------------------ */

typedef struct {
    ck_state_dict sd;
    int open, next;
    char file[256];
} expect_state;

static void close_record(expect_state *s)
{
    if (s->open)
        cr_expect_eq(s->next, s->sd.n, "%s: %d tensors checked of %d", s->file, s->next, s->sd.n);
    ckpt_free(&s->sd);
    s->open = 0;
}

static void check_ok(expect_state *s, char *rest)
{
    char *save, *file = strtok_r(rest, " ", &save), *fmt = strtok_r(NULL, " ", &save);
    char *wrapper = strtok_r(NULL, " ", &save);
    int stripped = atoi(strtok_r(NULL, " ", &save)), n = atoi(strtok_r(NULL, " ", &save));
    char rel[512];
    snprintf(rel, sizeof rel, FIX "%s", file);
    snprintf(s->file, sizeof s->file, "%s", file);
    or_err err = {0};
    or_status st = ckpt_read_state_dict(tu_src(rel), &s->sd, &err);
    cr_assert_eq(st, OR_OK, "%s: %s", file, err.msg);
    s->open = 1;
    s->next = 0;
    cr_expect_str_eq(s->sd.format, fmt, "%s", file);
    cr_expect_str_eq(s->sd.wrapper, strcmp(wrapper, "-") ? wrapper : "", "%s", file);
    cr_expect_eq(s->sd.stripped_module_prefix, stripped, "%s", file);
    cr_expect_eq(s->sd.n, n, "%s: %d tensors, want %d", file, s->sd.n, n);
}

static void check_tensor(expect_state *s, char *rest)
{
    cr_assert(s->open && s->next < s->sd.n, "%s: more tensors expected than read", s->file);
    const ck_tensor *t = &s->sd.t[s->next++];
    char *save, *name = strtok_r(rest, " ", &save), *dtype = strtok_r(NULL, " ", &save);
    cr_expect_str_eq(t->name, name, "%s: tensor #%d", s->file, s->next - 1);
    cr_expect_str_eq(ck_dtype_name(t->src_dtype), dtype, "%s: %s", s->file, name);
    int ndim = atoi(strtok_r(NULL, " ", &save));
    cr_assert_eq(t->ndim, ndim, "%s: %s ndim %d, want %d", s->file, name, t->ndim, ndim);
    for (int d = 0; d < ndim; d++)
        cr_expect_eq(t->shape[d], atoll(strtok_r(NULL, " ", &save)), "%s: %s dim %d", s->file, name, d);
    int64_t numel = atoll(strtok_r(NULL, " ", &save));
    cr_assert_eq(t->numel, numel, "%s: %s numel", s->file, name);
    int bad = 0;
    for (int64_t i = 0; i < numel; i++) {
        uint32_t want = (uint32_t)strtoul(strtok_r(NULL, " ", &save), NULL, 16), got;
        memcpy(&got, &t->data[i], 4);
        if (got != want && !bad++)
            cr_expect_fail("%s: %s[%lld] = %08x, want %08x", s->file, name, (long long)i, got, want);
    }
}

static void check_err(char *rest)
{
    char *sp = strchr(rest, ' ');
    cr_assert(sp);
    *sp = 0;
    const char *file = rest, *want = sp + 1;
    char rel[512];
    snprintf(rel, sizeof rel, FIX "%s", file);
    const char *path = tu_src(rel);
    ck_state_dict sd;
    or_err err = {0};
    or_status st = ckpt_read_state_dict(path, &sd, &err);
    cr_expect_neq(st, OR_OK, "%s: read, but should fail with \"%s\"", file, want);
    cr_expect(strstr(err.msg, want), "%s: message \"%s\" lacks \"%s\"", file, err.msg, want);
    cr_expect(!strncmp(err.msg, path, strlen(path)), "%s: message does not start with the path: %s",
              file, err.msg);
    cr_expect(!strchr(err.msg, '\n'), "multi-line message: %s", err.msg);
    cr_expect_eq(sd.n, 0);
    cr_expect_null(sd.t);
}

Test(ckpt, fixtures_match_expected)
{
    size_t len;
    char *txt = (char *)load_fixture(FIX "expected.txt", &len);
    txt = realloc(txt, len + 1);
    txt[len] = 0;
    expect_state s = {0};
    int n_ok = 0, n_err = 0;
    char *save;
    for (char *line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (!strncmp(line, "ok ", 3)) {
            close_record(&s);
            check_ok(&s, line + 3);
            n_ok++;
        } else if (!strncmp(line, "t ", 2)) {
            check_tensor(&s, line + 2);
        } else if (!strncmp(line, "err ", 4)) {
            close_record(&s);
            check_err(line + 4);
            n_err++;
        }
    }
    close_record(&s);
    free(txt);
    cr_expect_geq(n_ok, 20, "only %d readable fixtures", n_ok);
    cr_expect_geq(n_err, 15, "only %d refused fixtures", n_err);
}

/* ---- a few behaviours spelled out (also covered by expected.txt) ---------------------- */

static void read_fixture(const char *name, ck_state_dict *sd)
{
    char rel[256];
    snprintf(rel, sizeof rel, FIX "%s", name);
    or_err err = {0};
    cr_assert_eq(ckpt_read_state_dict(tu_src(rel), sd, &err), OR_OK, "%s", err.msg);
}

Test(ckpt, params_ema_preferred_over_params)
{
    ck_state_dict ema, plain;
    read_fixture("params_ema.zip.pth", &ema);
    read_fixture("params.zip.pth", &plain);
    cr_expect_str_eq(ema.wrapper, "params_ema");
    const ck_tensor *a = ckpt_find(&ema, "conv.weight"), *b = ckpt_find(&plain, "conv.weight");
    cr_assert(a && b);
    cr_expect_neq(a->data[0], b->data[0], "params_ema and params hold different seeds");
    ckpt_free(&ema);
    ckpt_free(&plain);
}

Test(ckpt, zero_dim_and_shared_storage)
{
    ck_state_dict sd;
    read_fixture("layouts.legacy.pth", &sd);
    const ck_tensor *s = ckpt_find(&sd, "scalar_i64"), *e = ckpt_find(&sd, "empty");
    cr_assert(s && e);
    cr_expect_eq(s->ndim, 0);
    cr_expect_eq(s->numel, 1);
    cr_expect_eq(s->data[0], 5.0f);
    cr_expect_eq(e->numel, 0);
    const ck_tensor *a = ckpt_find(&sd, "shared_a"), *o = ckpt_find(&sd, "offset");
    cr_assert(a && o);
    cr_expect_eq(a->data[5], o->data[0], "big[5] through two views of one storage");
    ckpt_free(&sd);
}

Test(ckpt, module_prefix_stripped)
{
    ck_state_dict sd;
    read_fixture("module_prefix.legacy.pth", &sd);
    cr_expect_eq(sd.stripped_module_prefix, 1);
    cr_expect_not_null(ckpt_find(&sd, "conv.weight"));
    cr_expect_null(ckpt_find(&sd, "module.conv.weight"));
    ckpt_free(&sd);
}

Test(ckpt, hostile_pickles_never_execute)
{
    unlink(PWNED);
    const char *files[] = {"evil_system.legacy.pth", "evil_system.zip.pth", "evil_wrapped.zip.pth",
                           "evil_beside.zip.pth", "evil_beside.legacy.pth"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char rel[256];
        snprintf(rel, sizeof rel, FIX "%s", files[i]);
        ck_state_dict sd;
        or_err err = {0};
        ckpt_read_state_dict(tu_src(rel), &sd, &err);
        ckpt_free(&sd);
    }
    cr_expect_neq(access(PWNED, F_OK), 0, "%s exists: a pickle was executed", PWNED);
}

/* ---- the real Real-ESRGAN checkpoint -------------------------------------------------------- */

static uint32_t bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

Test(ckpt, realesr_animevideov3)
{
    const char *path = tu_shared("weights/realesr-animevideov3.pth");
    if (access(path, R_OK) != 0)
        cr_skip_test("%s is absent (shared weights not installed)", path);
    ck_state_dict sd;
    or_err err = {0};
    cr_assert_eq(ckpt_read_state_dict(path, &sd, &err), OR_OK, "%s", err.msg);
    cr_expect_str_eq(sd.format, "zip");
    cr_expect_str_eq(sd.wrapper, "params");
    cr_expect_eq(sd.n, 53);
    const ck_tensor *w0 = ckpt_find(&sd, "body.0.weight"), *w34 = ckpt_find(&sd, "body.34.weight");
    const ck_tensor *p1 = ckpt_find(&sd, "body.1.weight"), *b34 = ckpt_find(&sd, "body.34.bias");
    cr_assert(w0 && w34 && p1 && b34);
    cr_assert_eq(w0->ndim, 4);
    cr_expect(w0->shape[0] == 64 && w0->shape[1] == 3 && w0->shape[2] == 3 && w0->shape[3] == 3);
    cr_assert_eq(w34->ndim, 4);
    cr_expect(w34->shape[0] == 48 && w34->shape[1] == 64 && w34->shape[2] == 3 && w34->shape[3] == 3);
    /* Values from torch.load (Debian python3-torch 1.13), as float32 bits. */
    cr_expect_eq(bits(w0->data[0]), 0xbd420792u);
    cr_expect_eq(bits(w0->data[1]), 0xbd41ab48u);
    cr_expect_eq(bits(w0->data[1727]), 0x405f7a0au);
    cr_expect_eq(bits(w34->data[0]), 0x3b2ce765u);
    cr_expect_eq(bits(w34->data[1]), 0x3bef62ccu);
    cr_expect_eq(bits(w34->data[27647]), 0xbb03c510u);
    cr_expect_eq(bits(p1->data[0]), 0x3a840670u);
    cr_expect_eq(bits(p1->data[1]), 0xbf5052d2u);
    cr_expect_eq(bits(p1->data[63]), 0xbdd7e818u);
    cr_expect_eq(bits(b34->data[0]), 0x3c84ee19u);
    cr_expect_eq(bits(b34->data[47]), 0x3c4cbffdu);
    ckpt_free(&sd);
}

/* ---- malformed containers ---------------------------------------------------------------------- */

Test(ckpt, empty_and_missing_files)
{
    const char *p = tu_tmp("empty.pth");
    cr_assert_eq(tu_write_file(p, "", 0), 0);
    ck_state_dict sd;
    or_err err = {0};
    cr_expect_eq(ckpt_read_state_dict(p, &sd, &err), OR_EFORMAT);
    cr_expect(strstr(err.msg, "empty file"), "%s", err.msg);
    cr_expect_eq(ckpt_read_state_dict(tu_tmp("nonexistent.pth"), &sd, &err), OR_EIO);
    cr_expect(strstr(err.msg, "nonexistent.pth"), "%s", err.msg);
    cr_expect_eq(read_mem(NULL, 0, &sd, &err), OR_EFORMAT);
}

/* Every prefix of a valid checkpoint is an error, never a crash. */
static void truncations(const char *fixture)
{
    size_t len;
    uint8_t *full = load_fixture(fixture, &len);
    size_t cuts[80], n = 0;
    for (size_t i = 0; i < 50; i++)
        cuts[n++] = len * i / 50;
    size_t tail[] = {1, 2, 4, 8, 20, 21, 22, 23, 42, 43, 98, 99, 100};
    for (size_t i = 0; i < sizeof tail / sizeof *tail; i++) {
        cuts[n++] = tail[i];
        cuts[n++] = len - tail[i];
    }
    for (size_t i = 0; i < n; i++) {
        uint8_t *cut = malloc(cuts[i] ? cuts[i] : 1);   /* own allocation: ASan/valgrind see overreads */
        memcpy(cut, full, cuts[i]);
        ck_state_dict sd;
        or_err err;
        or_status st = read_mem(cut, cuts[i], &sd, &err);
        cr_expect_neq(st, OR_OK, "%s cut to %zu of %zu bytes was accepted", fixture, cuts[i], len);
        cr_expect(err.msg[0], "no message for %s cut to %zu", fixture, cuts[i]);
        ckpt_free(&sd);
        free(cut);
    }
    free(full);
}

Test(ckpt, truncated_zip) { truncations(FIX "dtypes.zip.pth"); }
Test(ckpt, truncated_legacy) { truncations(FIX "dtypes.legacy.pth"); }
Test(ckpt, truncated_rezipped) { truncations(FIX "rezipped.zip.pth"); }
Test(ckpt, truncated_zip64) { truncations(FIX "zip64.zip.pth"); }

static uint32_t rd32(const uint8_t *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static void wr16(uint8_t *p, uint16_t v) { p[0] = v & 0xff; p[1] = v >> 8; }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, v & 0xffff); wr16(p + 2, v >> 16); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

/* A torch.save zip: no comment, ZIP64 end records, data.pkl first. */
typedef struct {
    uint8_t *buf;
    size_t len, eocd64, cd;
} zip_layout;

static zip_layout torch_zip(void)
{
    zip_layout z;
    z.buf = load_fixture(FIX "params.zip.pth", &z.len);
    cr_assert_eq(rd32(z.buf + z.len - 22), 0x06054b50u);
    cr_assert_eq(rd32(z.buf + z.len - 42), 0x07064b50u);
    z.eocd64 = rd32(z.buf + z.len - 42 + 8);
    cr_assert_eq(rd32(z.buf + z.eocd64), 0x06064b50u);
    z.cd = rd32(z.buf + z.eocd64 + 48);
    cr_assert_eq(rd32(z.buf + z.cd), 0x02014b50u);
    cr_assert(!memcmp(z.buf + z.cd + 46 + rd32(z.buf + z.cd + 28) % 65536 - 8, "data.pkl", 8));
    return z;
}

static void expect_corrupt(zip_layout *z, const char *what, const char *msg)
{
    ck_state_dict sd;
    or_err err;
    or_status st = read_mem(z->buf, z->len, &sd, &err);
    cr_expect_neq(st, OR_OK, "%s: accepted", what);
    if (msg)
        cr_expect(strstr(err.msg, msg), "%s: \"%s\" lacks \"%s\"", what, err.msg, msg);
    ckpt_free(&sd);
    free(z->buf);
}

Test(ckpt, corrupted_central_directory)
{
    zip_layout z = torch_zip();
    z.buf[z.cd] ^= 0xff;
    expect_corrupt(&z, "central signature", "damaged central directory");
    z = torch_zip();
    wr16(z.buf + z.cd + 28, 0xffff);
    expect_corrupt(&z, "name length", "damaged central directory");
    z = torch_zip();
    wr32(z.buf + z.cd + 42, 0xfffffff0u);
    expect_corrupt(&z, "local header offset", "bad local header offset");
    z = torch_zip();
    wr32(z.buf + z.cd + 20, 0x7fffffffu);
    wr32(z.buf + z.cd + 24, 0x7fffffffu);
    expect_corrupt(&z, "entry sizes", "runs past the end");
    z = torch_zip();
    wr64(z.buf + z.eocd64 + 48, (uint64_t)z.len * 2);
    expect_corrupt(&z, "central directory offset", "lies outside the file");
    z = torch_zip();
    wr64(z.buf + z.eocd64 + 32, (uint64_t)1 << 60);
    expect_corrupt(&z, "entry count", "entries in");
    z = torch_zip();
    wr64(z.buf + z.len - 42 + 8, (uint64_t)z.len * 3);
    expect_corrupt(&z, "ZIP64 locator", "ZIP64");
    z = torch_zip();
    z.buf[z.len - 22] = 0;
    expect_corrupt(&z, "end record", "no end-of-central-directory");
    z = torch_zip();
    wr16(z.buf + z.cd + 10, 12);
    expect_corrupt(&z, "bzip2 method", "compression method 12");
    z = torch_zip();
    wr16(z.buf + z.cd + 10, 8);
    expect_corrupt(&z, "stored data claimed deflated", "data.pkl");
    z = torch_zip();
    z.buf[z.cd + 46 + rd32(z.buf + z.cd + 28) % 65536 - 1] = 'X';
    expect_corrupt(&z, "renamed data.pkl", "without <name>/data.pkl");
    z = torch_zip();
    z.buf[0] = 'Q';   /* also breaks the zip sniff: the file no longer starts with PK */
    expect_corrupt(&z, "local header", NULL);
    z = torch_zip();
    wr16(z.buf + z.cd + 8, 1);
    expect_corrupt(&z, "encrypted flag", "encrypted");
}

Test(ckpt, deflated_entry_crc_checked)
{
    size_t len;
    uint8_t *buf = load_fixture(FIX "rezipped.zip.pth", &len);
    /* Flip a bit in the middle of the (deflated) data of the first entry. */
    buf[60] ^= 0x10;
    ck_state_dict sd;
    or_err err;
    cr_expect_neq(read_mem(buf, len, &sd, &err), OR_OK);
    cr_expect(strstr(err.msg, "deflate") || strstr(err.msg, "CRC"), "%s", err.msg);
    free(buf);
}

/* Random byte changes in valid files: any outcome but a crash or a leak. */
static void mutations(const char *fixture, int rounds, uint64_t seed)
{
    size_t len;
    uint8_t *orig = load_fixture(fixture, &len);
    uint8_t *buf = malloc(len);
    tu_seed(seed);
    for (int r = 0; r < rounds; r++) {
        memcpy(buf, orig, len);
        int k = 1 + (int)tu_uniform(0, 4);
        for (int j = 0; j < k; j++)
            buf[(size_t)tu_uniform(0, (float)len) % len] = (uint8_t)tu_uniform(0, 256);
        ck_state_dict sd;
        or_err err;
        if (read_mem(buf, len, &sd, &err) != OR_OK)
            cr_expect(err.msg[0], "%s round %d: error without a message", fixture, r);
        ckpt_free(&sd);
    }
    free(buf);
    free(orig);
}

Test(ckpt, mutated_zip) { mutations(FIX "layouts.zip.pth", 300, 1); }
Test(ckpt, mutated_legacy) { mutations(FIX "layouts.legacy.pth", 300, 2); }
Test(ckpt, mutated_rezipped) { mutations(FIX "rezipped.zip.pth", 200, 3); }
Test(ckpt, mutated_fastai) { mutations(FIX "fastai_model.legacy.pth", 200, 4); }

Test(ckpt, random_bytes)
{
    tu_seed(7);
    static const uint8_t starts[][4] = {{0, 0, 0, 0}, {'P', 'K', 3, 4}, {0x80, 2, 0, 0}, {0x80, 5, 0, 0}};
    for (int r = 0; r < 400; r++) {
        size_t len = 1 + (size_t)tu_uniform(0, 600);
        uint8_t *buf = malloc(len);
        for (size_t i = 0; i < len; i++)
            buf[i] = (uint8_t)tu_uniform(0, 256);
        int s = r % 4;
        if (s)
            memcpy(buf, starts[s], len < 4 ? len : (s == 1 ? 4 : 2));
        ck_state_dict sd;
        or_err err;
        cr_expect_neq(read_mem(buf, len, &sd, &err), OR_OK, "random buffer %d accepted", r);
        ckpt_free(&sd);
        free(buf);
    }
}

/* ---- the pickle VM on hand-written opcode streams ------------------------------------------------- */

typedef struct {
    pk_doc *doc;
    pk_value *root;
    or_err err;
    or_status st;
} pk_run;

static pk_run run_pickle(const void *bytes, size_t n, size_t budget)
{
    pk_run r = {0};
    r.doc = pk_doc_new(budget);
    cr_assert(r.doc);
    r.st = pk_parse(r.doc, bytes, n, NULL, &r.root, &r.err);
    return r;
}

#define PK(lit) run_pickle(lit, sizeof(lit) - 1, 0)

static void expect_pickle_error(pk_run r, const char *msg)
{
    cr_expect_neq(r.st, OR_OK, "accepted, expected \"%s\"", msg);
    cr_expect(strstr(r.err.msg, msg), "\"%s\" lacks \"%s\"", r.err.msg, msg);
    pk_doc_free(r.doc);
}

Test(pickle, scalars_and_ints)
{
    pk_run r = PK("\x80\x02(K\x05M\xff\xffJ\xfe\xff\xff\xff\x8a\x00\x8a\x01\xff"
                  "\x8a\x09\xff\xff\xff\xff\xff\xff\xff\x7f\x00"
                  "\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x80"
                  "\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"
                  "G\x3f\xf8\x00\x00\x00\x00\x00\x00\x88\x89Nt.");
    cr_assert_eq(r.st, OR_OK, "%s", r.err.msg);
    cr_assert_eq(r.root->kind, PK_TUPLE);
    cr_assert_eq(r.root->n, 12);
    pk_value **v = r.root->items;
    int64_t want[] = {5, 65535, -2, 0, -1, INT64_MAX, INT64_MIN};
    for (int i = 0; i < 7; i++) {
        cr_expect_eq(v[i]->kind, PK_INT, "item %d", i);
        cr_expect_eq(v[i]->i, want[i], "item %d", i);
    }
    cr_expect_eq(v[7]->kind, PK_BIGINT);
    cr_expect_eq(v[7]->len, 10);
    cr_expect_eq(v[8]->kind, PK_FLOAT);
    cr_expect_eq(v[8]->f, 1.5);
    cr_expect(v[9]->kind == PK_BOOL && v[9]->i == 1 && v[10]->kind == PK_BOOL && v[10]->i == 0);
    cr_expect_eq(v[11]->kind, PK_NONE);
    pk_doc_free(r.doc);
}

Test(pickle, dicts_memo_and_ordered_dict)
{
    /* OrderedDict() then SETITEMS, a memoised key fetched back, BUILD ignored. */
    pk_run r = PK("\x80\x02\x63\x63ollections\nOrderedDict\nq\x00)Rq\x01(X\x01\x00\x00\x00" "aq\x02K\x01"
                  "X\x01\x00\x00\x00" "bh\x02u}(X\x09\x00\x00\x00_metadataK\x00ub\x94.");
    cr_assert_eq(r.st, OR_OK, "%s", r.err.msg);
    cr_assert_eq(r.root->kind, PK_DICT);
    cr_assert_eq(pk_dict_len(r.root), 2);
    cr_expect(pk_is_str(pk_dict_key(r.root, 0), "a"));
    cr_expect_eq(pk_dict_get(r.root, "a")->i, 1);
    cr_expect(pk_is_str(pk_dict_get(r.root, "b"), "a"), "value fetched from the memo");
    cr_expect_null(pk_dict_get(r.root, "_metadata"), "BUILD state is not merged into items");
    pk_doc_free(r.doc);
}

Test(pickle, globals_become_opaque_and_nothing_runs)
{
    unlink(PWNED);
    pk_run r = PK("\x80\x02\x63os\nsystem\nX\x1f\x00\x00\x00touch /tmp/oprestore-ckpt-pwned\x85R"
                  "\x8c\x05posix\x8c\x06system\x93X\x01\x00\x00\x00x\x85R}b"
                  "\x63\x62uiltins\neval\n\x81\x86.");
    cr_assert_eq(r.st, OR_OK, "%s", r.err.msg);
    cr_assert_eq(r.root->kind, PK_TUPLE);
    cr_expect_eq(r.root->items[0]->kind, PK_OPAQUE);
    cr_expect_str_eq(r.root->items[0]->s, "os.system");
    cr_expect_neq(access(PWNED, F_OK), 0);
    pk_doc_free(r.doc);
    expect_pickle_error(PK("\x80\x02\x63os\nsystem\n\x81."), "stack underflow");
}

Test(pickle, tensor_records)
{
    pk_run r = PK("\x80\x02\x63torch._utils\n_rebuild_tensor_v2\n("
                  "(X\x07\x00\x00\x00storage\x63torch\nHalfStorage\nX\x01\x00\x00\x00" "0"
                  "X\x03\x00\x00\x00" "cpuK\x06tQ"
                  "K\x01K\x02K\x02\x86K\x01K\x02\x86\x89NtR.");
    cr_assert_eq(r.st, OR_OK, "%s", r.err.msg);
    cr_assert_eq(r.root->kind, PK_TENSOR);
    const pk_tensor *t = r.root->t;
    cr_expect_eq(t->offset, 1);
    cr_expect(t->ndim == 2 && t->size[0] == 2 && t->size[1] == 2 && t->stride[0] == 1 && t->stride[1] == 2);
    cr_expect_eq(t->storage->kind, PK_PERSID);
    cr_expect_eq(pk_doc_persid_count(r.doc), 1);
    pk_doc_free(r.doc);
    expect_pickle_error(PK("\x80\x02\x63torch._utils\n_rebuild_tensor_v2\nK\x01\x85R."),
                        "malformed arguments");
    expect_pickle_error(PK("\x80\x02\x63torch._utils\n_rebuild_tensor_v2\n(NK\x00(KKKKKKKKKKKKKKKKKKt"
                           "(KKKKKKKKKKKKKKKKKKt\x89NtR."), "malformed arguments");
}

Test(pickle, malformed_streams)
{
    expect_pickle_error(PK("\x80\x02."), "stack underflow");
    expect_pickle_error(PK("\x80\x06N."), "protocol 6");
    expect_pickle_error(PK("\x80\x02h\x07."), "memo key 7 not found");
    expect_pickle_error(PK("\x80\x02X\xff\xff\xff\x7f" "ab."), "truncated");
    expect_pickle_error(PK("\x80\x02\x8d\xff\xff\xff\xff\xff\xff\xff\xff."), "truncated");
    expect_pickle_error(PK("\x80\x02\x8b\xff\xff\xff\xff."), "negative length");
    expect_pickle_error(PK("\x80\x02\x95\x00\x00\x00\x00\x00\x01\x00\x00N."), "FRAME");
    expect_pickle_error(PK("\x80\x02N"), "no STOP");
    expect_pickle_error(PK("\x80\x02Nr\xff\xff\xff\x00."), "memo index");
    expect_pickle_error(PK("\x80\x02}(K\x01u."), "odd number");
    expect_pickle_error(PK("\x80\x02}K\x01" "a."), "APPEND on a dict");
    expect_pickle_error(PK("\x80\x02]K\x01K\x02s."), "SETITEM on a list");
    expect_pickle_error(PK("\x80\x02K\x01K\x01" "a."), "APPEND on a int");
    expect_pickle_error(PK("\x80\x02(u."), "no target");
    expect_pickle_error(PK("\x80\x02I1\n."), "protocol 0/1");
    expect_pickle_error(PK("\x80\x02\xff."), "unknown pickle opcode 0xff");
    expect_pickle_error(PK("\x80\x05\x97."), "out-of-band");
    expect_pickle_error(PK("\x80\x02K\x01K\x02\x93."), "STACK_GLOBAL");
    expect_pickle_error(PK("\x80\x02\x63os"), "unterminated");
    expect_pickle_error(PK("\x80\x02(N\x86."), "stack underflow");
    expect_pickle_error(PK("\x80\x02t."), "without a MARK");
}

Test(pickle, cycles_depth_and_limits)
{
    /* A list that contains itself: fine, and freed without recursion. */
    pk_run r = PK("\x80\x02]q\x00h\x00" "a.");
    cr_assert_eq(r.st, OR_OK, "%s", r.err.msg);
    cr_expect_eq(r.root->items[0], r.root);
    pk_doc_free(r.doc);

    size_t n = 300000, len = 0;
    uint8_t *buf = malloc(4 * n + 8);
    buf[len++] = 0x80;
    buf[len++] = 2;
    for (size_t i = 0; i < n; i++)
        buf[len++] = ']';
    for (size_t i = 1; i < n; i++)
        buf[len++] = 'a';
    buf[len++] = '.';
    r = run_pickle(buf, len, 0);
    cr_expect_eq(r.st, OR_OK, "300000 nested lists: %s", r.err.msg);
    pk_doc_free(r.doc);

    len = 2;
    for (size_t i = 0; i < (1u << 20) + 1; i++)
        buf[len++] = 'N';
    buf[len++] = '.';
    expect_pickle_error(run_pickle(buf, len, 0), "stack deeper");
    len = 2;
    for (size_t i = 0; i < (1u << 20) + 1; i++)
        buf[len++] = '(';
    buf[len++] = '.';
    expect_pickle_error(run_pickle(buf, len, 0), "open MARKs");
    len = 2;
    for (size_t i = 0; i < 10000; i++)
        buf[len++] = ']';
    buf[len++] = '.';
    expect_pickle_error(run_pickle(buf, len, 4096), "allocation limit");
    free(buf);
}

Test(pickle, back_to_back_pickles)
{
    const char two[] = "\x80\x02K\x01.\x80\x02K\x02.";
    pk_doc *d = pk_doc_new(0);
    pk_value *a, *b;
    size_t used = 0;
    or_err err = {0};
    cr_assert_eq(pk_parse(d, (const uint8_t *)two, sizeof two - 1, &used, &a, &err), OR_OK);
    cr_expect_eq(used, 5);
    cr_assert_eq(pk_parse(d, (const uint8_t *)two + used, sizeof two - 1 - used, NULL, &b, &err), OR_OK);
    cr_expect(a->i == 1 && b->i == 2);
    pk_doc_free(d);
}

Test(ckpt, dtype_names_and_find)
{
    cr_expect_str_eq(ck_dtype_name(CK_BF16), "bfloat16");
    cr_expect_str_eq(ck_dtype_name(CK_BOOL), "bool");
    ck_state_dict sd = {0};
    cr_expect_null(ckpt_find(&sd, "x"));
    ckpt_free(&sd);
    ckpt_free(NULL);
}
