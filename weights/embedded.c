/* embedded.c: the table of built-in model files (embedded.h).  The bytes come
 * from weights/embedded/embedded_models.S.in (.incbin, configured by CMake). */
#include "embedded.h"

#include <string.h>

extern const uint8_t or_embedded_realesr_animevideov3[];
extern const uint8_t or_embedded_realesr_animevideov3_end[];

size_t or_embedded_count(void) { return 1; }

const or_embedded_model *or_embedded_at(size_t i)
{
    static or_embedded_model models[1];
    if (!models[0].name)
        models[0] = (or_embedded_model){
            "realesr-animevideov3", or_embedded_realesr_animevideov3,
            (size_t)(or_embedded_realesr_animevideov3_end - or_embedded_realesr_animevideov3),
            "weights/embedded/realesr-animevideov3.f16.safetensors"};
    return i < or_embedded_count() ? &models[i] : NULL;
}

const or_embedded_model *or_embedded_find(const char *name)
{
    size_t k = strlen(OR_EMBEDDED_PREFIX);
    if (strncmp(name, OR_EMBEDDED_PREFIX, k) == 0)
        name += k;
    for (size_t i = 0; i < or_embedded_count(); i++)
        if (strcmp(or_embedded_at(i)->name, name) == 0)
            return or_embedded_at(i);
    return NULL;
}
