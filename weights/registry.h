/* registry.h: the models oprestore-gpu knows: name, architecture, where the
 * official checkpoint comes from, its sha256 where published, its license.
 * The sha256 values come from ../shared/weights/MANIFEST.md. */
#ifndef OR_REGISTRY_H
#define OR_REGISTRY_H

#include <stddef.h>

typedef struct {
    const char *name;        /* model name used with -m, and models/<name>.safetensors */
    const char *arch;        /* converter / network architecture */
    const char *stage;       /* "upscale", "colorize", "interpolate" */
    const char *checkpoint;  /* official file name */
    const char *url;         /* official download location */
    const char *sha256;      /* official sha256 (64 hex), or a published prefix, or NULL */
    const char *license;
    const char *notes;
} or_model_info;

size_t or_registry_count(void);
const or_model_info *or_registry_at(size_t i);
const or_model_info *or_registry_find(const char *name);
/* Match a checkpoint by sha256 first (full or published prefix), then by file name. */
const or_model_info *or_registry_match_checkpoint(const char *file_name, const char *sha256);

#endif
