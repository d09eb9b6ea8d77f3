/* cli_test_util.h: what the tests of the oprestore-gpu binary share
 * (tests/test_cli_*.c): running the built binary with its stderr captured,
 * checking one-line errors, a temporary models folder with fixture
 * checkpoints converted through the converter API, small images to feed it.
 * Linked into every test (tests/CMakeLists.txt globs *util*.c). */
#ifndef OR_CLI_TEST_UTIL_H
#define OR_CLI_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>

#include "runtime/io/image.h"

/* stderr of the last ct_run, NUL-terminated (truncated to 8 KiB). */
extern char ct_err[8192];

/* A copy of s that lives as long as the test process (kept reachable, so
 * LeakSanitizer does not report it). */
const char *ct_dup(const char *s);
/* A copy of tu_tmp(name) (tu_tmp rotates static buffers), as ct_dup. */
const char *ct_tmp(const char *name);
/* Run `PREFIX OR_BINARY_DIR/TOOL ARGS` through the shell, ARGS formatted
 * printf-style (quote paths with '...'); stdin from /dev/null, stdout dropped,
 * stderr into err (cap bytes, NUL-terminated).  Returns the exit code,
 * 128 + the signal when killed, -1 when the shell could not run. */
int ct_vrun(const char *prefix, const char *tool, char *err, size_t cap, const char *fmt,
            va_list ap);
/* ct_vrun of oprestore-gpu with stderr into ct_err. */
int ct_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same with a shell prefix before the binary ("cd DIR && X=1", "setpriv ..."). */
int ct_run_in(const char *prefix, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* ct_err is exactly one line, starting "<prog>: " and containing part. */
void ct_assert_one_line(const char *prog, const char *part);
/* The temporary models folder (created on the first call). */
const char *ct_models(void);
/* Convert tests/fixtures/ckpt/<ckpt> into ct_models()/<name>.safetensors once
 * (converter API); returns the models folder. */
const char *ct_model(const char *ckpt, const char *name);
/* The seeded Deep Exemplar release files (tests/fixtures/dex) converted into
 * ct_models()/dex.safetensors once (-m dex / --colorize dex).  Returns ct_models(). */
const char *ct_dex_model(void);
/* A seeded random PNG (channels 1 or 3, optional alpha, depth 8 or 16). */
void ct_write_png(const char *path, int w, int h, int channels, int alpha, int depth,
                  unsigned seed);
void ct_read_img(const char *path, or_image *img);
/* Write text to ct_tmp(name); returns the path. */
const char *ct_write_text(const char *name, const char *text);
int ct_exists(const char *path);
/* How many entries of dir start with prefix (e.g. left-over ".tmp-" files). */
int ct_files_starting_with(const char *dir, const char *prefix);

#endif
