/* dex_keyhints.c: colour hints for Deep Exemplar's keyframes, by scene
 * (dex_keyhints.h).  Errors are one line naming the file:
 * "k/scene-0007-f000120.json: scene 7: the film has 3 scenes (0..2)". */
#include "dex_keyhints.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weights/json.h"

#define KEYHINTS_MAX_SCENES 1000000

/* 1..max_digits decimal digits at *p, advancing it; -1 when none or too many. */
static long digits(const char **p, int max_digits)
{
    long v = 0;
    int k = 0;
    while (**p >= '0' && **p <= '9') {
        if (++k > max_digits)
            return -1;
        v = v * 10 + (**p - '0');
        ++*p;
    }
    return k ? v : -1;
}

int or_dex_scene_name(const char *name, int *scene, long *frame, const char **rest)
{
    const char *p = name;
    if (strncmp(p, "scene-", 6))
        return 0;
    p += 6;
    long sc = digits(&p, 9);
    if (sc < 0)
        return 0;
    long fr = -1;
    if (!strncmp(p, "-f", 2) && p[2] >= '0' && p[2] <= '9') {
        p += 2;
        if ((fr = digits(&p, 12)) < 0)
            return 0;
    }
    *scene = (int)sc, *frame = fr, *rest = p;
    return 1;
}

/* Appends one list: the hints of v (an array) for scene/frame from source. */
static or_status add_list(or_dex_key_hint_set *set, const char *source, int scene, long frame,
                          const json_value *v, or_err *err)
{
    or_dex_key_hints *grown = realloc(set->v, (size_t)(set->n + 1) * sizeof *grown);
    if (!grown)
        return or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(source));
    set->v = grown;
    or_dex_key_hints *k = &set->v[set->n];
    memset(k, 0, sizeof *k);
    k->scene = scene, k->frame = frame;
    if (!(k->source = strdup(source)))
        return or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(source));
    or_status s = or_hints_from_json(source, v, &k->hints, &k->n, err);
    if (s != OR_OK) {
        free(k->source);
        return s;
    }
    set->n++;
    return OR_OK;
}

or_status or_dex_key_hints_add_file(or_dex_key_hint_set *set, const char *path, or_err *err)
{
    json_value *root;
    OR_TRY(json_parse_file(path, &root, err));
    or_status s = OR_OK;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    int scene = -1;
    long frame = -1;
    const char *rest;
    if (root->type == JSON_ARRAY) {
        if (!or_dex_scene_name(base, &scene, &frame, &rest))
            scene = -1, frame = -1;
        s = add_list(set, path, scene, frame, root, err);
    } else if (root->type == JSON_OBJECT && root->n > 0 && root->n <= KEYHINTS_MAX_SCENES) {
        for (size_t i = 0; !s && i < root->n; i++) {
            char source[4400];
            snprintf(source, sizeof source, "%s: %s", path, root->keys[i]);
            if (!or_dex_scene_name(root->keys[i], &scene, &frame, &rest) || *rest)
                s = or_errf(err, OR_EINVAL, "%s: member \"%s\": expected a scene name "
                            "(\"scene-0003\" or \"scene-0003-f000412\")", OR_ESC(path),
                            OR_ESC(root->keys[i]));
            else
                s = add_list(set, source, scene, frame, &root->items[i], err);
        }
    } else {
        s = or_errf(err, OR_EINVAL, "%s: expected a hints list [{\"x\", \"y\", \"color\"}, ...] "
                    "or an object of them by scene {\"scene-0003-f000412\": [...], ...}",
                    OR_ESC(path));
    }
    json_free(root);
    return s;
}

or_status or_dex_key_hints_check(or_dex_key_hint_set *set, const int64_t *scene_first,
                                 int n_scenes, int w, int h, or_err *err)
{
    for (int i = 0; i < set->n; i++) {
        or_dex_key_hints *k = &set->v[i];
        if (k->scene < 0) {
            if (n_scenes != 1)
                return or_errf(err, OR_EINVAL, "%s: names no scene, and the film has %d scenes: "
                               "name the file after its keyframe (scene-0003-f000412.json, as "
                               "--keyframes-out names it)", OR_ESC(k->source), n_scenes);
            k->scene = 0;
        }
        if (k->scene >= n_scenes)
            return or_errf(err, OR_EINVAL, "%s: scene %d: the film has %d scene%s (0..%d)",
                           OR_ESC(k->source), k->scene, n_scenes, n_scenes == 1 ? "" : "s",
                           n_scenes - 1);
        if (k->frame >= 0 && k->frame != scene_first[k->scene])
            return or_errf(err, OR_EINVAL, "%s: scene %d starts at frame %lld, not %ld (were "
                           "the keyframes written with another --scene-threshold?)",
                           OR_ESC(k->source), k->scene, (long long)scene_first[k->scene],
                           k->frame);
        for (int j = 0; j < i; j++)
            if (set->v[j].scene == k->scene)
                return or_errf(err, OR_EINVAL, "%s: scene %d has hints in %s too",
                               OR_ESC(k->source), k->scene, OR_ESC(set->v[j].source));
        for (int e = 0; e < k->n; e++)
            if (k->hints[e].x >= w || k->hints[e].y >= h)
                return or_errf(err, OR_EINVAL, "%s: entry %d: (%d, %d) is outside the %dx%d "
                               "frame", OR_ESC(k->source), e, k->hints[e].x, k->hints[e].y, w,
                               h);
    }
    return OR_OK;
}

const or_dex_key_hints *or_dex_key_hints_find(const or_dex_key_hint_set *set, int scene)
{
    for (int i = 0; i < set->n; i++)
        if (set->v[i].scene == scene)
            return &set->v[i];
    return NULL;
}

void or_dex_key_hint_set_free(or_dex_key_hint_set *set)
{
    for (int i = 0; i < set->n; i++) {
        free(set->v[i].source);
        free(set->v[i].hints);
    }
    free(set->v);
    set->v = NULL, set->n = 0;
}
