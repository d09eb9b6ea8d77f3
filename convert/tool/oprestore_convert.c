/* oprestore-convert: PyTorch checkpoint -> oprestore model file (safetensors).
 * Exit codes: 0 success, 1 runtime error, 2 usage error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "convert/convert.h"
#include "runtime/core/fileutil.h"
#include "weights/registry.h"
#include "weights/safetensors.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: oprestore-convert IN.pth -o OUT.safetensors [--arch NAME] [--dtype f32|f16] [-v]\n"
            "       oprestore-convert IN.pth -M MODELS_DIR [...]  write MODELS_DIR/<model>.safetensors,\n"
            "                         naming the model from the registry (sha256, then file name);\n"
            "                         skipped when that file was already made from the same checkpoint\n"
            "       oprestore-convert --inspect FILE      list the tensors of a .pth or .safetensors\n"
            "       oprestore-convert --list-archs        architectures the converter knows\n"
            "Reads both torch.save formats (zip and legacy), never executes code from the pickle,\n"
            "finds the state dict in the usual wrappers, detects the architecture from the tensor\n"
            "names and shapes, checks every tensor, folds BatchNorm and spectral norm, and writes\n"
            "one safetensors file with the architecture and its hyperparameters as metadata.\n");
}

static int list_archs(void)
{
    for (int i = 0; i < or_arch_count(); i++)
        printf("%-12s %s\n", or_arch_at(i)->name, or_arch_at(i)->description);
    return 0;
}

static int inspect_safetensors(const char *path)
{
    st_file f;
    or_err err;
    if (st_open(path, &f, &err) != OR_OK) {
        fprintf(stderr, "oprestore-convert: %s\n", err.msg);
        return 1;
    }
    for (int i = 0; i < f.n_meta; i++)
        printf("meta %s = %s\n", f.meta_keys[i], f.meta_vals[i]);
    for (int i = 0; i < f.n; i++) {
        printf("%-48s %-4s [", f.t[i].name, st_dtype_name(f.t[i].dtype));
        for (int d = 0; d < f.t[i].ndim; d++)
            printf("%s%lld", d ? "," : "", (long long)f.t[i].shape[d]);
        printf("]\n");
    }
    st_close(&f);
    return 0;
}

static int inspect(const char *path)
{
    size_t n = strlen(path);
    if (n > 12 && strcmp(path + n - 12, ".safetensors") == 0)
        return inspect_safetensors(path);
    ck_state_dict sd;
    or_err err;
    if (ckpt_read_state_dict(path, &sd, &err) != OR_OK) {
        fprintf(stderr, "oprestore-convert: %s\n", err.msg);
        return 1;
    }
    printf("format %s, wrapper %s%s, %d tensors\n", sd.format, sd.wrapper[0] ? sd.wrapper : "(bare)",
           sd.stripped_module_prefix ? ", 'module.' prefix removed" : "", sd.n);
    for (int i = 0; i < sd.n; i++) {
        printf("%-48s %-5s [", sd.t[i].name, ck_dtype_name(sd.t[i].src_dtype));
        for (int d = 0; d < sd.t[i].ndim; d++)
            printf("%s%lld", d ? "," : "", (long long)sd.t[i].shape[d]);
        printf("]\n");
    }
    const or_arch *a = or_arch_detect(&sd);
    printf("architecture: %s\n", a ? a->name : "unknown");
    ckpt_free(&sd);
    return 0;
}

/* MODELS_DIR/<name>.safetensors for a checkpoint; 1 if it is already up to date. */
static int output_in_dir(const char *in, const char *dir, char *out, size_t n, or_err *err,
                         int *failed)
{
    char sha[65];
    *failed = 0;
    if (or_sha256_file(in, sha, err) != OR_OK) {
        *failed = 1;
        return 0;
    }
    const char *base = strrchr(in, '/') ? strrchr(in, '/') + 1 : in;
    const or_model_info *m = or_registry_match_checkpoint(base, sha);
    char stem[256];
    snprintf(stem, sizeof stem, "%s", m ? m->name : base);
    if (!m && strrchr(stem, '.'))
        *strrchr(stem, '.') = 0;
    snprintf(out, n, "%s/%s.safetensors", dir, stem);
    st_file f;
    int same = 0;
    if (st_open(out, &f, err) == OR_OK) {
        const char *prev = st_meta(&f, "source_sha256");
        same = prev && strcmp(prev, sha) == 0;
        st_close(&f);
    }
    return same;
}

int main(int argc, char **argv)
{
    const char *in = NULL, *out = NULL, *into = NULL;
    or_convert_opts o = {NULL, MB_F32, 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--list-archs")) {
            return list_archs();
        } else if (!strcmp(a, "--inspect") && i + 1 < argc) {
            return inspect(argv[i + 1]);
        } else if (!strcmp(a, "-o") && i + 1 < argc) {
            out = argv[++i];
        } else if (!strcmp(a, "-M") && i + 1 < argc) {
            into = argv[++i];
        } else if (!strcmp(a, "--arch") && i + 1 < argc) {
            o.arch = argv[++i];
        } else if (!strcmp(a, "--dtype") && i + 1 < argc) {
            const char *d = argv[++i];
            if (strcmp(d, "f32") && strcmp(d, "f16")) {
                fprintf(stderr, "oprestore-convert: --dtype %s: expected f32 or f16\n", d);
                return 2;
            }
            o.dtype = strcmp(d, "f16") ? MB_F32 : MB_F16;
        } else if (!strcmp(a, "-v")) {
            o.verbose = 1;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "oprestore-convert: unknown or incomplete option %s (see -h)\n", a);
            return 2;
        } else if (!in) {
            in = a;
        } else {
            fprintf(stderr, "oprestore-convert: more than one input (%s, %s)\n", in, a);
            return 2;
        }
    }
    if (!in || !(out || into) || (out && into)) {
        usage(stderr);
        return 2;
    }
    or_err err;
    char dir_out[4096 + 300];
    if (into) {
        int failed;
        mkdir(into, 0755);
        if (output_in_dir(in, into, dir_out, sizeof dir_out, &err, &failed)) {
            printf("%s: up to date (from %s)\n", dir_out, in);
            return 0;
        }
        if (failed) {
            fprintf(stderr, "oprestore-convert: %s\n", err.msg);
            return 1;
        }
        out = dir_out;
    }
    if (!strcmp(in, out) || or_same_file(in, out)) {
        fprintf(stderr, "oprestore-convert: %s: the output would overwrite the input\n", out);
        return 2;
    }
    if (or_convert_file(in, out, &o, &err) != OR_OK) {
        fprintf(stderr, "oprestore-convert: %s\n", err.msg);
        return 1;
    }
    st_file f;
    if (st_open(out, &f, &err) == OR_OK) {
        printf("%s: %s, %d tensors, %s\n", out, st_meta(&f, "arch"), f.n, st_meta(&f, "dtype"));
        st_close(&f);
    }
    return 0;
}
