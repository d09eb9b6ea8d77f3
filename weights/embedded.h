/* embedded.h: model files linked into the binary (weights/embedded/, built in
 * by CMake through weights/embedded/embedded_models.S.in), so that the
 * default upscale model works with no models folder and no network.
 * st_open("embedded:<name>") opens one (safetensors.h); a command uses it
 * when models/<name>.safetensors is not there (runtime/cli/cli_common.c). */
#ifndef OR_EMBEDDED_H
#define OR_EMBEDDED_H

#include <stddef.h>
#include <stdint.h>

#define OR_EMBEDDED_PREFIX "embedded:"

typedef struct {
    const char *name;     /* the registry's model name */
    const uint8_t *data;  /* the model file's bytes (64-byte aligned) */
    size_t size;
    const char *file;     /* its file in the source tree, with LICENSE and README beside it */
} or_embedded_model;

size_t or_embedded_count(void);
const or_embedded_model *or_embedded_at(size_t i);
/* By model name, or by "embedded:<name>"; NULL when not built in. */
const or_embedded_model *or_embedded_find(const char *name);

#endif
