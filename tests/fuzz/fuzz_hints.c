/* fuzz_hints.c: libFuzzer target for the --hints reader (runtime/stages/hints.c),
 * the --keyframe-hints reader and its check against a film's scenes
 * (runtime/stages/dex_keyhints.c), and the JSON reader under them (weights/json.c).  or_hints_load takes a path,
 * so the input is written to a memfd and read back through /proc/self/fd/N,
 * as the CLI would read a file.  Any input must give hints or a clean
 * error: no crash, hang, leak or out-of-bounds access, and an error message
 * that is one line with no control characters (names and colours from the
 * file are escaped: or_esc, runtime/core/status.h).
 * Seed corpus: tests/fuzz/corpus/fuzz_hints/ (make_seeds.sh writes the first seeds). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_memfd.h"
#include "runtime/stages/colorize.h"
#include "runtime/stages/dex_keyhints.h"
#include "weights/json.h"

/* Traps unless msg says something, on one line, with no raw control byte. */
static void check_message(const char *msg)
{
    if (!msg[0])
        __builtin_trap();
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The JSON reader straight from memory (no NUL terminator after the input). */
    json_value *root = NULL;
    or_err err = {0};
    if (json_parse((const char *)data, size, "fuzz", &root, &err) == OR_OK)
        json_free(root);
    else
        check_message(err.msg); /* every error says what went wrong, on one line */

    char path[64];
    int fd = fuzz_memfd("fuzz_hints", data, size, path);
    if (fd < 0)
        return 0;
    or_color_hint *h = NULL;
    int n = 0;
    err = (or_err){0};
    if (or_hints_load(path, &h, &n, &err) == OR_OK) {
        volatile float sum = 0.0f;
        for (int i = 0; i < n; i++)
            sum += h[i].r + h[i].g + h[i].b + (float)h[i].x + (float)h[i].y;
        (void)sum;
        free(h);
    } else {
        check_message(err.msg);
        if (h || n)
            __builtin_trap(); /* an error leaves no hints behind */
    }
    /* the same file as --keyframe-hints, checked against a film of 3 scenes, 64x48 */
    or_dex_key_hint_set set = {0};
    static const int64_t first[3] = {0, 10, 20};
    err = (or_err){0};
    if (or_dex_key_hints_add_file(&set, path, &err) != OR_OK) {
        check_message(err.msg);
    } else {
        err = (or_err){0};
        if (or_dex_key_hints_check(&set, first, 3, 64, 48, &err) != OR_OK)
            check_message(err.msg);
        else if (set.n && !or_dex_key_hints_find(&set, set.v[0].scene))
            __builtin_trap(); /* a checked list is found by its scene */
    }
    or_dex_key_hint_set_free(&set);
    close(fd);
    return 0;
}
