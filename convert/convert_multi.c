/* convert_multi.c: a model released as several checkpoints (Deep Exemplar:
 * WarpNet, ColorVidNet and VGG19 in three files) -> one model file.
 * Each file is read as any checkpoint (never executing the pickle), told
 * apart by its tensors (dex_part_of), and its tensors are renamed under the
 * part's prefix into one state dict, which the architecture converter then
 * checks as a whole (convert.h: or_convert_files). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "arch_dex.h"
#include "convert.h"

#define N_PARTS 3

static const struct {
    const char *prefix, *file, *what;
    const char *dirs[3]; /* where the release zip puts it, relative to the folder given */
} parts[N_PARTS] = {
    {DEX_PART_WARP, "nonlocal_net_iter_76000.pth", "WarpNet",
     {"", "checkpoints/video_moredata_l1/", "video_moredata_l1/"}},
    {DEX_PART_COLOR, "colornet_iter_76000.pth", "ColorVidNet",
     {"", "checkpoints/video_moredata_l1/", "video_moredata_l1/"}},
    {DEX_PART_VGG, "vgg19_conv.pth", "VGG19 features", {"", "data/", NULL}},
};

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int or_convert_is_folder(const char *path) { return is_dir(path); }

/* The release files inside dir (its root, or the release zip's folders). */
static or_status find_in_folder(const char *dir, char found[N_PARTS][4096], or_err *err)
{
    for (int p = 0; p < N_PARTS; p++) {
        found[p][0] = 0;
        for (int d = 0; d < 3 && parts[p].dirs[d] && !found[p][0]; d++) {
            struct stat st;
            snprintf(found[p], sizeof found[p], "%s/%s%s", dir, parts[p].dirs[d], parts[p].file);
            if (stat(found[p], &st) != 0 || !S_ISREG(st.st_mode))
                found[p][0] = 0;
        }
        if (!found[p][0])
            return or_errf(err, OR_EIO,
                           "%s: no %s (%s) in the folder or its %s%s (a Deep Exemplar release "
                           "folder holds nonlocal_net_iter_76000.pth, colornet_iter_76000.pth "
                           "and vgg19_conv.pth)",
                           OR_ESC(dir), parts[p].file, parts[p].what, parts[p].dirs[1],
                           parts[p].dirs[2] ? " or video_moredata_l1/" : "");
    }
    return OR_OK;
}

/* Move the tensors of part into merged under "<prefix>." (part is emptied). */
static or_status merge(ck_state_dict *merged, ck_state_dict *part, const char *prefix,
                       or_err *err)
{
    ck_tensor *t = realloc(merged->t, (size_t)(merged->n + part->n) * sizeof *t);
    if (!t)
        return or_errf(err, OR_ENOMEM, "out of memory merging checkpoints");
    merged->t = t;
    for (int i = 0; i < part->n; i++) {
        ck_tensor *src = &part->t[i];
        size_t n = strlen(prefix) + strlen(src->name) + 2;
        char *name = malloc(n);
        if (!name)
            return or_errf(err, OR_ENOMEM, "out of memory merging checkpoints");
        snprintf(name, n, "%s.%s", prefix, src->name);
        free(src->name);
        src->name = name;
        merged->t[merged->n++] = *src;
    }
    free(part->t);
    memset(part, 0, sizeof *part);
    return OR_OK;
}

/* Read the files, identify each, merge them in part order into sd; order[p]
 * is the index of part p's file. */
static or_status read_parts(const char *const *paths, int n, ck_state_dict *sd, int *order,
                            or_err *err)
{
    ck_state_dict one[N_PARTS];
    memset(one, 0, sizeof one);
    memset(sd, 0, sizeof *sd);
    for (int p = 0; p < N_PARTS; p++)
        order[p] = -1;
    or_status s = OR_OK;
    for (int i = 0; i < n && s == OR_OK; i++) {
        ck_state_dict cur;
        s = ckpt_read_state_dict(paths[i], &cur, err);
        if (s != OR_OK)
            break;
        const char *part = dex_part_of(&cur);
        int p = 0;
        while (p < N_PARTS && (!part || strcmp(part, parts[p].prefix)))
            p++;
        if (p == N_PARTS)
            s = or_errf(err, OR_EUNSUPPORTED,
                        "%s: not a part of Deep Exemplar (expected the WarpNet, ColorVidNet or "
                        "VGG19 state dict of the release: nonlocal_net_iter_76000.pth, "
                        "colornet_iter_76000.pth, vgg19_conv.pth)", OR_ESC(paths[i]));
        else if (order[p] >= 0)
            s = or_errf(err, OR_EINVAL, "%s and %s: both hold the %s", OR_ESC(paths[order[p]]),
                        OR_ESC(paths[i]), parts[p].what);
        if (s != OR_OK) {
            ckpt_free(&cur);
            break;
        }
        order[p] = i;
        one[p] = cur;
    }
    for (int p = 0; p < N_PARTS && s == OR_OK; p++)
        if (order[p] < 0)
            s = or_errf(err, OR_EINVAL, "Deep Exemplar needs three files; the %s (%s) is missing",
                        parts[p].what, parts[p].file);
    for (int p = 0; p < N_PARTS && s == OR_OK; p++) {
        if (p == 0)
            snprintf(sd->format, sizeof sd->format, "%.15s", one[p].format);
        s = merge(sd, &one[p], parts[p].prefix, err);
    }
    for (int p = 0; p < N_PARTS; p++)
        ckpt_free(&one[p]);
    if (s != OR_OK)
        ckpt_free(sd);
    return s;
}

or_status or_convert_files(const char *const *paths, int n, const char *out_path,
                           const or_convert_opts *o, or_err *err)
{
    char found[N_PARTS][4096];
    const char *list[N_PARTS];
    if (n == 1 && is_dir(paths[0])) {
        OR_TRY(find_in_folder(paths[0], found, err));
        for (int p = 0; p < N_PARTS; p++)
            list[p] = found[p];
        paths = list;
        n = N_PARTS;
    }
    if (n > N_PARTS)
        return or_errf(err, OR_EINVAL, "%d checkpoints given: Deep Exemplar has %d files", n,
                       N_PARTS);
    ck_state_dict sd;
    int order[N_PARTS];
    OR_TRY(read_parts(paths, n, &sd, order, err));
    or_model_builder mb;
    mb_init(&mb);
    or_convert_opts oo = o ? *o : (or_convert_opts){NULL, MB_F32, 0};
    or_status s = or_convert_state_dict(&sd, &oo, &mb, NULL, err);
    if (s != OR_OK)
        or_err_prefix(err, "%s, %s, %s", OR_ESC(paths[order[0]]), OR_ESC(paths[order[1]]),
                      OR_ESC(paths[order[2]]));
    /* source_file / source_sha256: the three, in part order, comma-separated */
    char files[1024] = "", shas[3 * 65 + 3] = "";
    for (int p = 0; p < N_PARTS && s == OR_OK; p++) {
        char sha[65];
        s = or_sha256_file(paths[order[p]], sha, err);
        const char *base = strrchr(paths[order[p]], '/');
        size_t fl = strlen(files), sl = strlen(shas);
        snprintf(files + fl, sizeof files - fl, "%s%s", p ? "," : "",
                 base ? base + 1 : paths[order[p]]);
        snprintf(shas + sl, sizeof shas - sl, "%s%s", p ? "," : "", sha);
    }
    if (s == OR_OK) {
        mb_meta_str(&mb, "source_file", files);
        mb_meta_str(&mb, "source_sha256", shas);
        mb_meta_str(&mb, "source_format", sd.format);
        mb_meta_str(&mb, "source_wrapper", "(bare)");
        mb_meta_str(&mb, "dtype", oo.dtype == MB_F16 ? "f16" : "f32");
        s = mb_write_safetensors(&mb, out_path, oo.dtype, err);
    }
    mb_free(&mb);
    ckpt_free(&sd);
    return s;
}
