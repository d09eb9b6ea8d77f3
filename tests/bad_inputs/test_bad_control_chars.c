/* test_bad_control_chars.c (label bad-input): control characters (a newline,
 * a tab, an escape) inside what a message echoes -- a checkpoint key, a
 * safetensors tensor name or metadata value, a hint file's member name or
 * colour string, a file name -- come out escaped ("\n", "\x1b"), so the
 * refusal is still one line and cannot forge a line in a log.  The files are
 * made here from valid ones. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bad_inputs/bad_input_util.h"
#include "cli_test_util.h"
#include "runtime/core/status.h"
#include "test_util.h"
#include "weights/model_builder.h"

/* The seeded legacy SRVGG checkpoint with its first "body.0." key renamed
 * (same length, so the pickle stays valid) to "body<c>0.". */
static const char *ckpt_with_key_char(const char *dir, char c)
{
    size_t len;
    unsigned char *b = tu_read_file(OR_SOURCE_DIR "/tests/fixtures/ckpt/sr_srvgg_x4_prelu.legacy.pth",
                                    &len);
    cr_assert(b);
    unsigned char *k = memmem(b, len, "body.0.weight", 13);
    cr_assert(k, "no body.0.weight key in the fixture");
    k[4] = (unsigned char)c;
    const char *p = bi_write(dir, "ckpt.pth", b, len);
    free(b);
    return p;
}

Test(bad_control_chars, checkpoint_key_newline)
{
    const char *dir = bi_case_dir("ckpt-nl");
    const char *in = ckpt_with_key_char(dir, '\n');
    const char *out = bi_path(dir, "out.safetensors");
    bi_refused(&(bi_expect){.tool = "oprestore-convert", .rc = 1, .names = in, .out = out},
               "'%s' -o '%s' --arch srvgg", in, out);
}

Test(bad_control_chars, checkpoint_key_escape_inspect)
{
    const char *dir = bi_case_dir("ckpt-esc");
    const char *in = ckpt_with_key_char(dir, '\x1b');
    /* --inspect lists the key escaped, one line per tensor */
    const char *txt = bi_path(dir, "inspect.txt");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s/oprestore-convert' --inspect '%s' >'%s' 2>&1", OR_BINARY_DIR,
             in, txt);
    cr_assert_eq(system(cmd), 0);
    size_t n;
    char *t = (char *)tu_read_file(txt, &n);
    cr_assert(t);
    cr_assert(memmem(t, n, "body\\x1b0.weight", 16), "key not escaped: %.*s", (int)n, t);
    cr_assert(!memchr(t, 0x1b, n), "raw ESC in --inspect output");
    free(t);
    unlink(txt);
}

/* A model file whose metadata and a tensor name hold control characters. */
static const char *bad_model(const char *dir)
{
    or_model_builder mb;
    mb_init(&mb);
    mb_meta_str(&mb, "arch", "srvgg\nforged: ok");
    mb_meta_str(&mb, "note\tkey", "value\r\n");
    int64_t shape[1] = {4};
    float v[4] = {0};
    or_err err;
    cr_assert_eq(mb_add(&mb, "body.0\n.weight", 1, shape, v, &err), OR_OK, "%s", err.msg);
    const char *p = bi_path(dir, "bad.safetensors");
    cr_assert_eq(mb_write_safetensors(&mb, p, MB_F32, &err), OR_OK, "%s", err.msg);
    mb_free(&mb);
    return p;
}

Test(bad_control_chars, safetensors_metadata_and_name)
{
    const char *models = bi_case_dir("st-models");
    bad_model(models);
    const char *dir = bi_case_dir("st");
    size_t plen;
    unsigned char *png = bi_png_bytes(16, 16, 3, &plen);
    const char *in = bi_write(dir, "in.png", png, plen);
    free(png);
    const char *out = bi_path(dir, "out.png");
    bi_refused(&(bi_expect){.rc = 1, .names = "bad.safetensors", .out = out},
               "upscale -m bad -M '%s' -i '%s' -o '%s'", models, in, out);
    /* --inspect prints the file escaped: no raw control bytes on stdout either */
    const char *txt = bi_path(dir, "inspect.txt");
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s/oprestore-convert' --inspect '%s' >'%s' 2>&1", OR_BINARY_DIR,
             bi_path(models, "bad.safetensors"), txt);
    cr_assert_eq(system(cmd), 0);
    size_t n;
    char *t = (char *)tu_read_file(txt, &n);
    cr_assert(t);
    int lines = 0;
    for (size_t i = 0; i < n; i++) {
        lines += t[i] == '\n';
        cr_assert(t[i] == '\n' || ((unsigned char)t[i] >= 0x20 && t[i] != 0x7f),
                  "raw control byte 0x%02x in: %.*s", (unsigned char)t[i], (int)n, t);
    }
    cr_assert_eq(lines, 3, "two metadata lines and one tensor line: %.*s", (int)n, t);
    cr_assert(strstr(t, "srvgg\\nforged: ok") && strstr(t, "body.0\\n.weight"), "%.*s", (int)n, t);
    free(t);
    unlink(txt);
}

static void hints_case(const char *tag, const char *json, const char *part)
{
    const char *dir = bi_case_dir(tag);
    const char *models = ct_model("zhang_siggraph17.zip.pth", "sig");
    size_t plen;
    unsigned char *png = bi_png_bytes(24, 16, 4, &plen);
    const char *in = bi_write(dir, "in.png", png, plen);
    free(png);
    const char *h = bi_write(dir, "hints.json", json, strlen(json));
    const char *out = bi_path(dir, "out.png");
    bi_refused(&(bi_expect){.rc = 1, .names = h, .part = part, .out = out},
               "colorize -m sig -M '%s' -i '%s' -o '%s' --hints '%s'", models, in, out, h);
}

Test(bad_control_chars, hint_member_name)
{
    hints_case("hint-member", "[{\"x\": 1, \"y\": 1, \"color\": \"#102030\", \"c\\nolor\": 1}]",
               "\"c\\nolor\"");
}

Test(bad_control_chars, hint_colour_string)
{
    hints_case("hint-colour", "[{\"x\": 1, \"y\": 1, \"color\": \"#10\\n2030\\u001b\"}]",
               "#10\\n2030\\x1b");
}

Test(bad_control_chars, file_name_with_newline)
{
    const char *dir = bi_case_dir("name-nl");
    size_t len;
    unsigned char *png = bi_png_bytes(16, 16, 5, &len);
    const char *in = bi_write(dir, "in\nforged: line.png", png, len / 2);
    free(png);
    const char *out = bi_path(dir, "out.png");
    bi_refused(&(bi_expect){.rc = 1, .names = "in\\nforged: line.png", .out = out},
               "upscale -m srvgg -M '%s' -i '%s' -o '%s'", bi_models(), in, out);
}

Test(bad_control_chars, escape_helper)
{
    char b[OR_ESC_CAP];
    cr_assert_str_eq(or_esc(b, sizeof b, "a\nb\t\\\x01\xff\xc3\xa9"), "a\\nb\\t\\\\\\x01\\xff\xc3\xa9");
    char s[16];
    cr_assert_str_eq(or_esc(s, sizeof s, "0123456789abcdefghij"), "0123456789ab...");
    cr_assert_str_eq(or_esc_line(b, sizeof b, "x\\y\nz"), "x\\y\\nz");
    or_err err;
    or_errf(&err, OR_EFORMAT, "%s: key %s", "f", "k\nforged");
    cr_assert_str_eq(err.msg, "f: key k\\nforged");
}
