/* dex_keyhints.h: colour hints for Deep Exemplar's keyframes (restore --keyframes
 * siggraph17 --keyframe-hints, docs/stages/deep_exemplar.md): which scene's first
 * frame takes which --hints list (runtime/stages/dex_keyhints.c).
 *
 * A scene is named as --keyframes-out names its keyframe: "scene-0003-f000412"
 * (scene 3, whose first frame is frame 412 of the film; the frame part may be left
 * out, "scene-0003").  A hints file is either a plain --hints array (what the
 * colour studio saves), for the scene its file name names (scene-0003-f000412.json,
 * anything may follow the name: "scene-0003-f000412 (1).json"), or, when its name
 * names none, for the film's only scene; or an object of such lists by scene name:
 * {"scene-0003-f000412": [...], "scene-0005": [...]}.  Hint points are frame
 * pixels (the keyframe PNG's), as --hints. */
#ifndef OR_DEX_KEYHINTS_H
#define OR_DEX_KEYHINTS_H

#include <stdint.h>

#include "colorize.h"

typedef struct {
    int scene;    /* the scene's index; -1: not named (a file for the film's only scene) */
    long frame;   /* its first frame as named; -1: not named */
    char *source; /* the file (": scene-0003" for an object's member), for errors */
    or_color_hint *hints;
    int n;
} or_dex_key_hints;

typedef struct {
    or_dex_key_hints *v;
    int n;
} or_dex_key_hint_set;

/* "scene-<digits>[-f<digits>]...": 1 and the scene and frame (-1 when absent),
 * *rest the text after them; 0 when name is no scene name. */
int or_dex_scene_name(const char *name, int *scene, long *frame, const char **rest);
/* Reads the hints file path into set (either form above).  Errors name the file
 * (and the member and entry). */
or_status or_dex_key_hints_add_file(or_dex_key_hint_set *set, const char *path, or_err *err);
/* Checks set against the film: scene k (0..n_scenes-1) starts at frame
 * scene_first[k]; frames are w x h.  A file that names no scene becomes scene 0's
 * when the film has one scene.  Refuses (one line naming the file) a scene that
 * does not exist, a frame that is not the scene's first, two lists for one scene,
 * and points outside the frame. */
or_status or_dex_key_hints_check(or_dex_key_hint_set *set, const int64_t *scene_first,
                                 int n_scenes, int w, int h, or_err *err);
/* The list for scene, or NULL. */
const or_dex_key_hints *or_dex_key_hints_find(const or_dex_key_hint_set *set, int scene);
void or_dex_key_hint_set_free(or_dex_key_hint_set *set);

#endif
