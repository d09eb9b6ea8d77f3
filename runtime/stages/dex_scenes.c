/* dex_scenes.c: Deep Exemplar's scenes.json (colorize.h or_dex_scenes_load): which
 * reference picture colours which frames.  Errors name the file and the entry:
 * "refs/scenes.json: entry 1: frames 90..150 overlap entry 0 (0..99)". */
#include <stdlib.h>
#include <string.h>

#include "colorize.h"
#include "weights/json.h"

#define DEX_SCENES_MAX 100000

/* A JSON number that is an integer in [0, 1e12]. */
static int frame_index(const json_value *v, long *out)
{
    if (!v || v->type != JSON_NUMBER || v->num < 0 || v->num > 1e12 ||
        v->num != (double)(long)v->num)
        return 0;
    *out = (long)v->num;
    return 1;
}

static or_status parse_entry(const char *path, size_t i, const json_value *e, or_dex_range *r,
                             char **name, or_err *err)
{
    if (e->type != JSON_OBJECT)
        return or_errf(err, OR_EINVAL, "%s: entry %zu: expected an object {\"first\", \"last\", "
                       "\"reference\"}", OR_ESC(path), i);
    for (size_t k = 0; k < e->n; k++)
        if (strcmp(e->keys[k], "first") && strcmp(e->keys[k], "last") &&
            strcmp(e->keys[k], "reference"))
            return or_errf(err, OR_EINVAL, "%s: entry %zu: unknown member \"%s\"", OR_ESC(path), i,
                           OR_ESC(e->keys[k]));
    if (!frame_index(json_get(e, "first"), &r->first) ||
        !frame_index(json_get(e, "last"), &r->last) || r->last < r->first)
        return or_errf(err, OR_EINVAL, "%s: entry %zu: \"first\" and \"last\" must be frame "
                       "numbers (integers >= 0, first <= last)", OR_ESC(path), i);
    const json_value *ref = json_get(e, "reference");
    if (!ref || ref->type != JSON_STRING || !ref->str[0] || strchr(ref->str, '/'))
        return or_errf(err, OR_EINVAL, "%s: entry %zu: \"reference\" must name a picture in the "
                       "folder", OR_ESC(path), i);
    if (!(*name = strdup(ref->str)))
        return or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(path));
    return OR_OK;
}

or_status or_dex_scenes_load(const char *path, or_dex_range **ranges, char ***names, int *n,
                             or_err *err)
{
    *ranges = NULL, *names = NULL, *n = 0;
    json_value *root;
    OR_TRY(json_parse_file(path, &root, err));
    or_status s = OR_OK;
    size_t m = root->type == JSON_ARRAY ? root->n : 0;
    if (root->type != JSON_ARRAY || m == 0 || m > DEX_SCENES_MAX)
        s = or_errf(err, OR_EINVAL, "%s: expected a JSON array of 1..%d scenes {\"first\", "
                    "\"last\", \"reference\"}", OR_ESC(path), DEX_SCENES_MAX);
    or_dex_range *r = s ? NULL : calloc(m, sizeof *r);
    char **nm = s ? NULL : calloc(m, sizeof *nm);
    if (!s && (!r || !nm))
        s = or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(path));
    for (size_t i = 0; !s && i < m; i++) {
        s = parse_entry(path, i, &root->items[i], &r[i], &nm[i], err);
        r[i].ref = (int)i;
        for (size_t j = 0; !s && j < i; j++)
            if (r[i].first <= r[j].last && r[j].first <= r[i].last)
                s = or_errf(err, OR_EINVAL, "%s: entry %zu: frames %ld..%ld overlap entry %zu "
                            "(%ld..%ld)", OR_ESC(path), i, r[i].first, r[i].last, j, r[j].first,
                            r[j].last);
    }
    json_free(root);
    if (s) {
        for (size_t i = 0; nm && i < m; i++)
            free(nm[i]);
        free(nm), free(r);
        return s;
    }
    *ranges = r, *names = nm, *n = (int)m;
    return OR_OK;
}
