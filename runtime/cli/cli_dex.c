/* cli_dex.c: --reference for Deep Exemplar (cli_dex.h).  Every reference is read
 * (and refused with a one-line error naming it) before any input is touched, so
 * a bad reference writes nothing. */
#include "cli_dex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_jobs.h"

int cli_dex_flag(int argc, char **argv, int *i, cli_dex_flags *f)
{
    const char *a = argv[*i];
    if (!strcmp(a, "--no-smooth")) {
        f->no_smooth = 1;
        return CLI_TAKEN;
    }
    if (strcmp(a, "--reference") && strcmp(a, "--work-pixels") && strcmp(a, "--keyframes"))
        return CLI_UNKNOWN;
    if (*i + 1 >= argc || !*argv[*i + 1])
        return CLI_BAD;
    const char *v = argv[++*i];
    if (!strcmp(a, "--reference") || !strcmp(a, "--keyframes")) {
        *(!strcmp(a, "--reference") ? &f->reference : &f->keyframes) = v;
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

/* --keyframes: the keyframe colouriser's picture of the frame (or_dex_keyframe_fn). */
static or_status keyframe(void *ctx, const or_image *frame, or_image *ref, or_err *err)
{
    cli_dex *d = ctx;
    or_colorize_opts co = or_colorize_defaults();
    co.render_factor = d->render_factor;
    return or_colorize_image(d->key_net, frame, &co, ref, NULL, err);
}

static int open_keyframes(const cli_opts *o, const cli_dex_flags *f, or_backend *be, cli_dex *d)
{
    or_err err;
    int rc = cli_load_net(o, be, f->keyframes, "colorize", &d->key_net);
    if (rc >= 0)
        return rc;
    const char *a = d->key_net->arch;
    if (strcmp(a, "deoldify") && strcmp(a, "siggraph17") && strcmp(a, "eccv16")) {
        cli_say(o, "--keyframes %s: a %s model; the keyframes take deoldify-*, siggraph17 or "
                   "eccv16", f->keyframes, a);
        return 1;
    }
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
