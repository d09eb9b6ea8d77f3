/* registry.h: the models oprestore-gpu knows: name, architecture, where the
 * official checkpoint comes from, its size and sha256 where established, its
 * license, and known non-release copies (docs/weights.md, "The registry").
 * Sizes and sha256 values: ../shared/weights/MANIFEST.md and the sources
 * cited in docs/weights.md. */
#ifndef OR_REGISTRY_H
#define OR_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/core/status.h"

typedef struct {
    const char *name;        /* model name used with -m, and models/<name>.safetensors */
    const char *arch;        /* converter / network architecture */
    const char *stage;       /* "upscale", "colorize", "interpolate" */
    const char *checkpoint;  /* official file name */
    const char *url;         /* official download location (a file, or a page: url_is_page) */
    const char *sha256;      /* official sha256 (64 hex), or a published prefix, or NULL */
    const char *license;
    const char *notes;
    int64_t size;            /* official file size in bytes; 0: not established */
    int url_is_page;         /* url is a web page (Google Drive, a model list), not the file,
                                or an archive to unpack by hand (convert_from) */
    const char *default_of;  /* the command whose default this is ("upscale", ...), or NULL */
    /* a known copy that is not the release file (same network, other bytes) */
    const char *copy_sha256, *copy_note;
    /* what to give oprestore-convert when it is not the checkpoint itself (a release
     * zip to unpack first), or NULL */
    const char *convert_from;
} or_model_info;

typedef enum {
    OR_MATCH_NONE = 0,
    OR_MATCH_SHA256,     /* the official file (full sha256 or its published prefix) */
    OR_MATCH_KNOWN_COPY, /* copy_sha256: accepted, "not the release file" */
    OR_MATCH_NAME        /* by file name only */
} or_match_kind;

size_t or_registry_count(void);
const or_model_info *or_registry_at(size_t i);
const or_model_info *or_registry_find(const char *name);
/* Match a checkpoint by sha256 first (full, published prefix, then known
 * copies), then by file name; *how (may be NULL) says which. */
const or_model_info *or_registry_match_checkpoint(const char *file_name, const char *sha256,
                                                  or_match_kind *how);
/* Add the models of a JSON file to the table (an entry of the same name
 * replaces the built-in one): [{"name", "arch", "stage", "checkpoint", "url"
 * (required), "sha256", "size", "license", "notes", "default_of",
 * "url_is_page", "convert_from"}].  Private models, mirrors, tests; oprestore-gpu reads
 * $OPRESTORE_REGISTRY.  Pointers from before a load or reset are invalid. */
or_status or_registry_load(const char *path, or_err *err);
void or_registry_reset(void); /* back to the built-in table */
/* The download URL of m: $OPRESTORE_MODEL_BASE_URL/<checkpoint> when that is
 * set (a mirror, or a test server), else m->url; NULL when m->url is a page
 * (the user downloads it by hand). */
const char *or_registry_download_url(const or_model_info *m, char *buf, size_t len);

#endif
