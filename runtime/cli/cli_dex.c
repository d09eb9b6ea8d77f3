/* cli_dex.c: --reference for Deep Exemplar (cli_dex.h).  Every reference is read
 * (and refused with a one-line error naming it) before any input is touched, so
 * a bad reference writes nothing. */
#include "cli_dex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "cli_jobs.h"

int cli_dex_flag(int argc, char **argv, int *i, cli_dex_flags *f)
{
    const char *a = argv[*i];
    if (!strcmp(a, "--no-smooth")) {
        f->no_smooth = 1;
        return CLI_TAKEN;
    }
    const char **dst = !strcmp(a, "--reference")        ? &f->reference
                       : !strcmp(a, "--keyframes")      ? &f->keyframes
                       : !strcmp(a, "--keyframes-out")  ? &f->keyframes_out
                       : !strcmp(a, "--keyframe-hints") ? &f->keyframe_hints
                                                        : NULL;
    if (!dst && strcmp(a, "--work-pixels"))
        return CLI_UNKNOWN;
    if (*i + 1 >= argc || !*argv[*i + 1])
        return CLI_BAD;
    const char *v = argv[++*i];
    if (dst) {
        *dst = v;
        return CLI_TAKEN;
    }
    int px;
    if (cli_parse_int(v, 64 * 64, 4096 * 4096, &px))
        return CLI_BAD;
    f->work_pixels = px;
    return CLI_TAKEN;
}

/* The picture files of --reference: path itself; the folder's scenes.json entries
 * (*ranges set); or the folder's pictures by name. */
static int reference_paths(const cli_opts *o, const char *path, char ***paths, int *n,
                           or_dex_range **ranges)
{
    struct stat st;
    *ranges = NULL;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        char json[4200];
        snprintf(json, sizeof json, "%s/scenes.json", path);
        char **names = NULL;
        if (stat(json, &st) == 0) {
            or_err err;
            if (or_dex_scenes_load(json, ranges, &names, n, &err) != OR_OK) {
                cli_say(o, "--reference: %s", err.msg);
                return 1;
            }
        } else {
            names = cli_list_images(path, n);
        }
        if (!*n) {
            free(names);
            cli_say(o, "--reference %s: the folder holds no PNG or JPEG picture", path);
            return 1;
        }
        for (int i = 0; i < *n; i++) {
            size_t len = strlen(path) + strlen(names[i]) + 2;
            char *full = malloc(len);
            if (full)
                snprintf(full, len, "%s/%s", path, names[i]);
            free(names[i]);
            names[i] = full;
        }
        *paths = names;
        return -1;
    }
    *paths = malloc(sizeof **paths);
    if (*paths)
        (*paths)[0] = strdup(path);
    *n = 1;
    return -1;
}

/* --keyframes-out: DIR/NAME, written atomically at the frame's bit depth. */
static or_status write_keyframe_png(const cli_dex *d, const char *name, const or_image *img,
                                    or_err *err)
{
    char path[4400];
    if (cli_mkdirs(d->keyframes_out))
        return or_errf(err, OR_EIO, "--keyframes-out %s: cannot create the folder: %s",
                       OR_ESC(d->keyframes_out), strerror(errno));
    snprintf(path, sizeof path, "%s/%s", d->keyframes_out, name);
    return or_image_write_png(path, img, img->src_bit_depth > 8 ? 16 : 8, err);
}

/* --keyframes: the keyframe colouriser's picture of the frame (or_dex_keyframe_fn),
 * with the scene's hints (--keyframe-hints); --keyframes-out writes the frame as
 * scene-0003-f000412.png (what the studio opens) and its colouring as
 * scene-0003-f000412-reference.png. */
static or_status keyframe(void *ctx, const or_image *frame, int scene, long frame_index,
                          or_image *ref, or_err *err)
{
    cli_dex *d = ctx;
    char name[64];
    snprintf(name, sizeof name, "scene-%04d-f%06ld", scene, frame_index);
    if (d->key_hints.n && !d->key_hints_checked) /* (cli_dex_open refuses this) */
        return or_errf(err, OR_EINVAL, "--keyframe-hints: not checked against the film");
    char file[80];
    snprintf(file, sizeof file, "%s.png", name);
    if (d->keyframes_out)
        OR_TRY(write_keyframe_png(d, file, frame, err));
    or_colorize_opts co = or_colorize_defaults();
    co.render_factor = d->render_factor;
    const or_dex_key_hints *h = or_dex_key_hints_find(&d->key_hints, scene);
    if (h)
        co.hints = h->hints, co.n_hints = h->n;
    if (d->o->verbose)
        cli_say(d->o, "%s: the keyframe of scene %d, coloured by %s%s%s", name, scene,
                d->key_net->arch, h ? " with the hints of " : "", h ? h->source : "");
    OR_TRY(or_colorize_image(d->key_net, frame, &co, ref, NULL, err));
    snprintf(file, sizeof file, "%s-reference.png", name);
    if (d->keyframes_out)
        OR_TRY(write_keyframe_png(d, file, ref, err));
    return OR_OK;
}

or_status cli_dex_keyframe_only(cli_dex *d, const or_image *frame, int scene, long frame_index,
                                or_err *err)
{
    or_image ref;
    memset(&ref, 0, sizeof ref);
    or_status st = keyframe(d, frame, scene, frame_index, &ref, err);
    or_image_free(&ref);
    return st;
}

static int json_name(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return e->d_name[0] != '.' && n > 5 && !strcasecmp(e->d_name + n - 5, ".json");
}

/* --keyframe-hints PATH: a hints file, or a folder of them named by scene. */
static int read_key_hints(const cli_opts *o, const char *path, or_dex_key_hint_set *set)
{
    struct stat st;
    or_err err;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        if (or_dex_key_hints_add_file(set, path, &err) == OR_OK)
            return -1;
        cli_say(o, "--keyframe-hints: %s", err.msg);
        return 1;
    }
    struct dirent **list;
    int n = scandir(path, &list, json_name, alphasort), rc = -1;
    if (n < 0) {
        cli_say(o, "--keyframe-hints %s: %s", OR_ESC(path), strerror(errno));
        return 1;
    }
    if (!n) {
        cli_say(o, "--keyframe-hints %s: the folder holds no hints file (scene-0003-f000412.json, "
                   "named after its keyframe)", OR_ESC(path));
        rc = 1;
    }
    for (int i = 0; i < n; i++) {
        char file[4400];
        int scene;
        long frame;
        const char *rest;
        snprintf(file, sizeof file, "%s/%s", path, list[i]->d_name);
        int named = or_dex_scene_name(list[i]->d_name, &scene, &frame, &rest);
        free(list[i]);
        if (rc >= 0)
            continue; /* (freeing the rest) */
        if (!named) {
            cli_say(o, "--keyframe-hints: %s: in a folder, a hints file is named after its "
                       "keyframe (scene-0003-f000412.json, as --keyframes-out names it)",
                    OR_ESC(file));
            rc = 1;
        } else if (or_dex_key_hints_add_file(set, file, &err) != OR_OK) {
            cli_say(o, "--keyframe-hints: %s", err.msg);
            rc = 1;
        }
    }
    free(list);
    return rc;
}

int cli_dex_check_hints(const cli_opts *o, cli_dex *d, const uint8_t *cut, int64_t frames,
                        int w, int h)
{
    int64_t *first = malloc((size_t)(frames > 0 ? frames : 1) * sizeof *first);
    if (!first) {
        cli_say(o, "out of memory");
        return 1;
    }
    int n = frames > 0;
    first[0] = 0;
    for (int64_t i = 1; i < frames; i++)
        if (cut[i])
            first[n++] = i;
    or_err err;
    int rc = -1;
    if (or_dex_key_hints_check(&d->key_hints, first, n, w, h, &err) != OR_OK) {
        cli_say(o, "--keyframe-hints: %s", err.msg);
        rc = 1;
    }
    free(first);
    d->key_hints_checked = rc < 0;
    if (rc < 0 && o->verbose)
        cli_say(o, "--keyframe-hints: hints for %d of the %d scenes", d->key_hints.n, n);
    return rc;
}

static int open_keyframes(const cli_opts *o, const cli_dex_flags *f, or_backend *be, cli_dex *d)
{
    or_err err;
    if (f->keyframe_hints && !f->video)
        return cli_fail_usage(o, "--keyframe-hints: the scenes are those of a video; -i %s is "
                                 "not one (use colorize -m siggraph17 --hints on a picture)",
                              o->in);
    int rc = cli_load_net(o, be, f->keyframes, "colorize", &d->key_net);
    if (rc >= 0)
        return rc;
    const char *a = d->key_net->arch;
    if (strcmp(a, "deoldify") && strcmp(a, "siggraph17") && strcmp(a, "eccv16")) {
        cli_say(o, "--keyframes %s: a %s model; the keyframes take deoldify-*, siggraph17 or "
                   "eccv16", f->keyframes, a);
        return 1;
    }
    if (f->keyframe_hints && strcmp(a, "siggraph17"))
        return cli_fail_usage(o, "--keyframe-hints: hints colour a keyframe only with "
                                 "--keyframes siggraph17 (%s is %s, which takes none)",
                              f->keyframes, a);
    d->o = o;
    d->keyframes_out = f->keyframes_out;
    if (f->keyframe_hints && (rc = read_key_hints(o, f->keyframe_hints, &d->key_hints)) >= 0)
        return rc;
    d->render_factor = o->render_factor ? o->render_factor : OR_DEOLDIFY_RENDER_FACTOR_VIDEO;
    if (or_dex_state_new(NULL, 0, !f->no_smooth, o->scene_threshold, f->work_pixels, &d->state,
                         &err) != OR_OK) {
        cli_say(o, "%s", err.msg);
        return 1;
    }
    or_dex_state_set_keyframes(d->state, keyframe, d);
    if (o->verbose)
        cli_say(o, "deep-exemplar: each scene's first frame coloured by %s (%s) as its reference",
                f->keyframes, a);
    return -1;
}

void cli_dex_close(cli_dex *d)
{
    or_dex_state_free(d->state);
    or_net_free(d->key_net);
    or_dex_key_hint_set_free(&d->key_hints);
    memset(d, 0, sizeof *d);
}

int cli_dex_open(const cli_opts *o, const cli_dex_flags *f, or_backend *be, const or_net *net,
                 cli_dex *d)
{
    const char *reference = f->reference;
    memset(d, 0, sizeof *d);
    or_dex_state **out = &d->state;
    if (!net->arch || strcmp(net->arch, "deep-exemplar")) {
        if ((reference || f->keyframes) && !o->quiet)
            cli_say(o, "note: --%s is for deep-exemplar; %s ignores it",
                    reference ? "reference" : "keyframes", net->arch);
        return -1;
    }
    if ((f->keyframes_out || f->keyframe_hints) && !f->keyframes)
        return cli_fail_usage(o, "--%s goes with --keyframes MODEL (the keyframes are the "
                                 "scenes' first frames that MODEL colours)",
                              f->keyframes_out ? "keyframes-out" : "keyframe-hints");
    if (reference && f->keyframes)
        return cli_fail_usage(o, "--reference and --keyframes: give one (the keyframes are "
                                 "the references)");
    if (f->keyframes)
        return open_keyframes(o, f, be, d);
    if (!reference)
        return cli_fail_usage(o, "deep-exemplar colours from a reference picture: give "
                                 "--reference PICTURE (or a folder of them, one per scene) "
                                 "or --keyframes MODEL");
    char **paths = NULL;
    or_dex_range *ranges = NULL;
    int n = 0, rc = reference_paths(o, reference, &paths, &n, &ranges);
    or_image *refs = rc < 0 ? calloc((size_t)n, sizeof *refs) : NULL;
    if (rc < 0 && (!paths || !refs)) {
        cli_say(o, "out of memory");
        rc = 1;
    }
    or_err err;
    for (int i = 0; rc < 0 && i < n; i++) {
        cli_opts ro = *o;
        ro.read_scale = 0; /* a reference is read, never enlarged */
        if (!paths[i] || cli_read_image(&ro, paths[i], &refs[i], &err) != OR_OK) {
            cli_say(o, "--reference: %s", paths[i] ? err.msg : "out of memory");
            rc = 1;
        }
    }
    if (rc < 0 && or_dex_state_new(refs, n, !f->no_smooth, o->scene_threshold, f->work_pixels,
                                   out, &err) != OR_OK) {
        cli_say(o, "%s", err.msg);
        rc = 1;
    }
    if (rc < 0 && ranges && or_dex_state_set_ranges(*out, ranges, n, &err) != OR_OK) {
        cli_say(o, "%s", err.msg);
        rc = 1;
    }
    if (rc < 0 && o->verbose)
        cli_say(o, "deep-exemplar: %d reference picture%s from %s%s", n, n == 1 ? "" : "s",
                reference, ranges ? "/scenes.json" : "");
    for (int i = 0; i < n; i++) {
        if (refs)
            or_image_free(&refs[i]);
        if (paths)
            free(paths[i]);
    }
    free(refs), free(paths), free(ranges);
    return rc;
}
