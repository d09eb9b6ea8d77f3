/* test_bad_not_regular.c (label bad-input): inputs that are not regular
 * files (a FIFO nobody writes to, /dev/zero) are refused quickly with one
 * line naming them: "not a regular file".  A hang (the FIFO) or reading
 * without bound (/dev/zero) fails the time limit. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "bad_inputs/bad_input_util.h"
#include "cli_test_util.h"

#define QUICK_S 20

static const char *fifo(const char *dir, const char *name)
{
    const char *p = bi_path(dir, name);
    cr_assert_eq(mkfifo(p, 0644), 0, "mkfifo %s", p);
    return p;
}

static void refused(const char *tool, const char *names, const char *out, const char *args)
{
    bi_refused(&(bi_expect){.tool = tool, .rc = 1, .names = names, .part = "not a regular file",
                            .out = out, .timeout_s = QUICK_S},
               "%s", args);
}

Test(bad_not_regular, image_inputs)
{
    const char *dir = bi_case_dir("image");
    const char *in = fifo(dir, "in.png"), *out = bi_path(dir, "out.png");
    char args[8192];
    const char *ins[2] = {in, "/dev/zero"};
    for (int i = 0; i < 2; i++) {
        snprintf(args, sizeof args, "upscale -m srvgg -M '%s' -i '%s' -o '%s'", bi_models(),
                 ins[i], out);
        refused(NULL, ins[i], out, args);
        snprintf(args, sizeof args, "interpolate -m rife -M '%s' -0 '%s' -1 '%s' -o '%s'",
                 ct_model("rife_v4_6.zip.pth", "rife"), ins[i], ins[i], out);
        refused(NULL, ins[i], out, args);
    }
}

Test(bad_not_regular, model_file)
{
    const char *models = bi_case_dir("models");
    fifo(models, "x.safetensors");
    const char *dir = bi_case_dir("model-in");
    size_t len;
    unsigned char *png = bi_png_bytes(16, 16, 21, &len);
    const char *in = bi_write(dir, "in.png", png, len);
    free(png);
    const char *out = bi_path(dir, "out.png");
    char args[8192];
    snprintf(args, sizeof args, "upscale -m x -M '%s' -i '%s' -o '%s'", models, in, out);
    refused(NULL, "x.safetensors", out, args);
}

Test(bad_not_regular, hints_file)
{
    const char *dir = bi_case_dir("hints");
    const char *hints = fifo(dir, "hints.json");
    size_t len;
    unsigned char *png = bi_png_bytes(16, 16, 22, &len);
    const char *in = bi_write(dir, "in.png", png, len);
    free(png);
    const char *out = bi_path(dir, "out.png");
    char args[8192];
    const char *files[2] = {hints, "/dev/zero"};
    for (int i = 0; i < 2; i++) {
        snprintf(args, sizeof args, "colorize -m siggraph17 -M '%s' --hints '%s' -i '%s' -o '%s'",
                 ct_model("zhang_siggraph17.zip.pth", "siggraph17"), files[i], in, out);
        refused(NULL, files[i], out, args);
    }
}

/* A FIFO or device as a video input is refused like any other input (never
 * handed to FFmpeg, which would block on the FIFO). */
Test(bad_not_regular, video_input)
{
    const char *dir = bi_case_dir("video");
    const char *in = fifo(dir, "in.mp4"), *out = bi_path(dir, "out.mp4");
    char args[8192];
    snprintf(args, sizeof args, "restore --upscale srvgg -M '%s' -i '%s' -o '%s'", bi_models(),
             in, out);
    refused(NULL, in, out, args);
    snprintf(args, sizeof args, "restore --interpolate rife -M '%s' -i '%s' -o '%s'",
             ct_model("rife_v4_6.zip.pth", "rife"), "/dev/zero", out);
    refused(NULL, "/dev/zero", out, args);
}

Test(bad_not_regular, convert_input)
{
    const char *dir = bi_case_dir("convert");
    const char *in = fifo(dir, "x.pth"), *out = bi_path(dir, "x.safetensors");
    char args[8192];
    const char *ins[2] = {in, "/dev/zero"};
    for (int i = 0; i < 2; i++) {
        snprintf(args, sizeof args, "'%s' -o '%s'", ins[i], out);
        refused("oprestore-convert", ins[i], out, args);
        snprintf(args, sizeof args, "'%s' -M '%s'", ins[i], dir);
        refused("oprestore-convert", ins[i], out, args);
        snprintf(args, sizeof args, "--inspect '%s'", ins[i]);
        refused("oprestore-convert", ins[i], NULL, args);
    }
}
