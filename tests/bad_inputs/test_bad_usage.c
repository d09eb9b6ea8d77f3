/* test_bad_usage.c (label bad-input): usage mistakes, in every command -- no
 * arguments, an unknown flag, a flag without its value, a bogus encoder
 * preset, an output over an input -- give one line and exit 2; an
 * --inspect of a model file without tensors one line and exit 1. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bad_inputs/bad_input_util.h"
#include "cli_test_util.h"
#include "test_util.h"
#include "video_clip.h"
#include "weights/model_builder.h"

static const char *const commands[] = {"upscale", "colorize", "interpolate", "restore"};
#define N_COMMANDS (sizeof commands / sizeof *commands)

Test(bad_usage, no_arguments)
{
    bi_refused(&(bi_expect){.tool = "oprestore-convert", .rc = 2, .names = "usage"}, "%s", "");
    bi_refused(&(bi_expect){.rc = 2, .names = "usage"}, "%s", "");
    for (size_t i = 0; i < N_COMMANDS; i++)
        bi_refused(&(bi_expect){.rc = 2, .names = "-i"}, "%s", commands[i]);
}

Test(bad_usage, help_stays_full)
{
    cr_assert_eq(bi_run("oprestore-convert", 30, "-h"), 0);
    cr_assert_eq(bi_run(NULL, 30, "-h"), 0);
}

Test(bad_usage, unknown_flag)
{
    bi_refused(&(bi_expect){.tool = "oprestore-convert", .rc = 2, .names = "--bogus"}, "--bogus");
    bi_refused(&(bi_expect){.rc = 2, .names = "nonsense"}, "nonsense");
    bi_refused(&(bi_expect){.rc = 2, .names = "--bogus"}, "models --bogus");
    bi_refused(&(bi_expect){.rc = 2, .names = "--bogus"}, "devices --bogus");
    bi_refused(&(bi_expect){.rc = 2, .names = "--bogus"}, "version --bogus");
    for (size_t i = 0; i < N_COMMANDS; i++)
        bi_refused(&(bi_expect){.rc = 2, .names = "--bogus"}, "%s --bogus", commands[i]);
}

Test(bad_usage, missing_value)
{
    static const char *const convert_flags[] = {"--inspect", "-o", "-M", "--arch", "--dtype"};
    for (size_t i = 0; i < sizeof convert_flags / sizeof *convert_flags; i++)
        bi_refused(&(bi_expect){.tool = "oprestore-convert", .rc = 2, .names = convert_flags[i],
                                .part = "needs a value"},
                   "x.pth %s", convert_flags[i]);
    bi_refused(&(bi_expect){.rc = 2, .names = "-M", .part = "needs a value"}, "models -M");
    for (size_t i = 0; i < N_COMMANDS; i++)
        bi_refused(&(bi_expect){.rc = 2, .names = "--preset", .part = "needs a value"},
                   "%s -i a -o b --preset", commands[i]);
}

Test(bad_usage, bogus_preset)
{
    const char *dir = bi_case_dir("preset");
    const char *clip = bi_path(dir, "in.mkv");
    vc_make(clip, &(vc_spec){.w = 32, .h = 24, .frames = 3, .rate = 25});
    const char *out = bi_path(dir, "out.mkv");
    for (size_t i = 0; i < N_COMMANDS; i++) {
        bi_refused(&(bi_expect){.rc = 2, .names = "nonsense", .part = "preset", .out = out},
                   "%s %s -M '%s' -i '%s' -o '%s' --preset nonsense", commands[i],
                   i == 3 ? "--upscale srvgg" : "-m srvgg", bi_models(), clip, out);
    }
}

Test(bad_usage, output_over_input)
{
    const char *dir = bi_case_dir("over");
    size_t len;
    unsigned char *png = bi_png_bytes(16, 16, 7, &len);
    const char *a = bi_write(dir, "a.png", png, len);
    const char *b = bi_write(dir, "b.png", png, len);
    free(png);
    const char *rife = ct_model("rife_v4_6.zip.pth", "rife");
    bi_refused(&(bi_expect){.rc = 2, .names = a, .dir = dir},
               "interpolate -m rife -M '%s' -0 '%s' -1 '%s' -o '%s' --overwrite", rife, a, b, a);
    bi_refused(&(bi_expect){.rc = 2, .names = a, .dir = dir},
               "upscale -m srvgg -M '%s' -i '%s' -o '%s' --overwrite", bi_models(), a, a);
    bi_refused(&(bi_expect){.rc = 2, .names = a, .dir = dir},
               "restore --upscale srvgg -M '%s' -i '%s' -o '%s' --overwrite", bi_models(), a, a);
    const char *ck = bi_write(dir, "c.pth", "x", 1);
    bi_refused(&(bi_expect){.tool = "oprestore-convert", .rc = 2, .names = ck, .dir = dir},
               "'%s' -o '%s'", ck, ck);
}

Test(bad_usage, inspect_without_tensors)
{
    const char *dir = bi_case_dir("empty-model");
    or_model_builder mb;
    mb_init(&mb);
    mb_meta_str(&mb, "arch", "srvgg");
    or_err err;
    const char *p = bi_path(dir, "empty.safetensors");
    cr_assert_eq(mb_write_safetensors(&mb, p, MB_F32, &err), OR_OK, "%s", err.msg);
    mb_free(&mb);
    bi_refused(&(bi_expect){.tool = "oprestore-convert", .rc = 1, .names = p,
                            .part = "no tensors", .dir = dir},
               "--inspect '%s'", p);
}
