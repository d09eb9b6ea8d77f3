/* test_bad_truncated.c (label bad-input): every input cut short at several
 * points (images, a model file) is refused with one line naming it; nothing
 * is written.  The cuts are generated from valid files made here. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

#include "bad_inputs/bad_input_util.h"
#include "test_util.h"

static void truncations(const char *tag, const unsigned char *b, size_t len, const char *ext)
{
    const size_t cuts[] = {0, 1, 8, 33, len / 2, len - 3};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        char name[64];
        snprintf(name, sizeof name, "%s-cut%zu", tag, cuts[i]);
        const char *dir = bi_case_dir(name);
        snprintf(name, sizeof name, "in%s", ext);
        const char *in = bi_write(dir, name, b, cuts[i]);
        const char *out = bi_path(dir, "out.png");
        bi_refused(&(bi_expect){.rc = 1, .names = in, .out = out},
                   "upscale -m srvgg -M '%s' -i '%s' -o '%s'", bi_models(), in, out);
    }
}

Test(bad_truncated, png)
{
    size_t len;
    unsigned char *b = bi_png_bytes(40, 30, 1, &len);
    truncations("png", b, len, ".png");
    free(b);
}

Test(bad_truncated, model_file)
{
    const char *dir = bi_case_dir("model");
    size_t len;
    unsigned char *m = tu_read_file(bi_path(bi_models(), "srvgg.safetensors"), &len);
    cr_assert(m);
    const char *models = bi_case_dir("model-models");
    bi_write(models, "cut.safetensors", m, len / 3);
    free(m);
    size_t plen;
    unsigned char *png = bi_png_bytes(16, 16, 2, &plen);
    const char *in = bi_write(dir, "in.png", png, plen);
    free(png);
    const char *out = bi_path(dir, "out.png");
    bi_refused(&(bi_expect){.rc = 1, .names = "cut.safetensors", .out = out},
               "upscale -m cut -M '%s' -i '%s' -o '%s'", models, in, out);
}
