/* cmd_models.c: oprestore-gpu models (the converted models found and the
 * registered ones missing) and oprestore-gpu devices. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/core/backend.h"
#include "runtime/cli/cli_common.h"
#include "weights/registry.h"
#include "weights/safetensors.h"

static int devices(void);

static void print_model_file(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    st_file f;
    or_err err;
    struct stat sb;
    if (st_open(path, &f, &err) != OR_OK) {
        printf("  %-28s unreadable: %s\n", OR_ESC(name), err.msg);
        return;
    }
    stat(path, &sb);
    const char *sha = st_meta(&f, "source_sha256"), *arch = st_meta(&f, "arch"),
               *dtype = st_meta(&f, "dtype");
    /* metadata and file names are escaped: one line per model */
    printf("  %-28s %-10s %7.1f MB  %-3s  source sha256 %.16s%s\n", OR_ESC(name),
           arch ? OR_ESC(arch) : "?", (double)sb.st_size / 1e6, dtype ? OR_ESC(dtype) : "?",
           sha ? OR_ESC(sha) : "?", sha ? "..." : "");
    st_close(&f);
}

int cmd_models(int argc, char **argv)
{
    const char *flag = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-M") && i + 1 < argc)
            flag = argv[++i];
        else if (!strcmp(argv[i], "-M")) {
            fprintf(stderr, "oprestore-gpu models: -M needs a value (see oprestore-gpu models -h)\n");
            return 2;
        }
        else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: oprestore-gpu models [-M DIR]\n"
                   "Lists the converted models in DIR (default $OPRESTORE_MODELS, else ./models):\n"
                   "name, architecture, size, dtype and the sha256 of the checkpoint it came from;\n"
                   "then the registered models that are missing, with where to get them.\n");
            return 0;
        } else {
            cli_opts o;
            cli_opts_init(&o, "oprestore-gpu models", NULL);
            return cli_fail_usage(&o, "unknown option '%s'", OR_ESC(argv[i]));
        }
    }
    const char *dir = cli_models_dir(flag);
    printf("models in %s:\n", dir);
    DIR *d = opendir(dir);
    int found = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n > 12 && !strcmp(e->d_name + n - 12, ".safetensors")) {
            print_model_file(dir, e->d_name);
            found++;
        }
    }
    if (d)
        closedir(d);
    if (!found)
        printf("  (none%s)\n", d ? "" : ": the folder does not exist");
    printf("registered but missing:\n");
    for (size_t i = 0; i < or_registry_count(); i++) {
        const or_model_info *m = or_registry_at(i);
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.safetensors", dir, m->name);
        if (access(path, R_OK) == 0)
            continue;
        printf("  %-26s %-10s %s\n      get %s from %s%s%s\n", m->name, m->arch, m->license,
               m->checkpoint, m->url, m->sha256 ? "\n      sha256 " : "",
               m->sha256 ? m->sha256 : "");
    }
    return 0;
}

int cmd_devices(int argc, char **argv)
{
    if (argc && (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help"))) {
        printf("usage: oprestore-gpu devices\nLists the backends this build can use.\n");
        return 0;
    }
    if (argc) {
        cli_opts o;
        cli_opts_init(&o, "oprestore-gpu devices", NULL);
        return cli_fail_usage(&o, "unexpected argument '%s'", OR_ESC(argv[0]));
    }
    return devices();
}

static int devices(void)
{
    printf("cpu\n");
    int n = or_cuda_device_count();
    for (int i = 0; i < n; i++) {
        or_backend *be;
        or_err err;
        if (or_backend_cuda_create(i, &be, &err) == OR_OK) {
            printf("%d  %s\n", i, be->name);
            or_backend_destroy(be);
        } else {
            printf("%d  unusable: %s\n", i, err.msg);
        }
    }
#ifndef OR_HAVE_CUDA
    printf("(this build has no CUDA backend)\n");
#else
    if (!n)
        printf("(no CUDA device found)\n");
#endif
    return 0;
}

