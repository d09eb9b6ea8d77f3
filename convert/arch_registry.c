/* arch_registry.c: the list of architecture converters.
 * Each family lives in its own file (arch_sr.c, arch_zhang.c, arch_deoldify.c,
 * arch_rife.c, arch_dain.c, arch_dex.c) and defines the or_arch objects declared here. */
#include <stddef.h>
#include <string.h>

#include "arch.h"

#define OR_ARCH_DECL(x) extern const or_arch x
OR_ARCH_DECL(or_arch_rrdbnet);
OR_ARCH_DECL(or_arch_srvgg);
OR_ARCH_DECL(or_arch_siggraph17);
OR_ARCH_DECL(or_arch_eccv16);
OR_ARCH_DECL(or_arch_deoldify);
OR_ARCH_DECL(or_arch_rife);
OR_ARCH_DECL(or_arch_dain);
OR_ARCH_DECL(or_arch_deep_exemplar);

static const or_arch *const all_archs[] = {
    &or_arch_rrdbnet,  &or_arch_srvgg, &or_arch_siggraph17, &or_arch_eccv16,
    &or_arch_deoldify, &or_arch_rife,  &or_arch_dain, &or_arch_deep_exemplar,
};
#define N_ARCHS (sizeof all_archs / sizeof all_archs[0])

int or_arch_count(void)
{
    int n = 0;
    for (size_t i = 0; i < N_ARCHS; i++)
        n += all_archs[i] != NULL;
    return n;
}

const or_arch *or_arch_at(int i)
{
    for (size_t k = 0; k < N_ARCHS; k++)
        if (all_archs[k] && i-- == 0)
            return all_archs[k];
    return NULL;
}

const or_arch *or_arch_find(const char *name)
{
    for (int i = 0; i < or_arch_count(); i++)
        if (strcmp(or_arch_at(i)->name, name) == 0)
            return or_arch_at(i);
    return NULL;
}

const or_arch *or_arch_detect(const ck_state_dict *sd)
{
    for (int i = 0; i < or_arch_count(); i++)
        if (or_arch_at(i)->detect(sd))
            return or_arch_at(i);
    return NULL;
}
