/* oprestore-gpu: the user's command.
 * Exit codes: 0 success, 1 runtime error, 2 usage error. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/backend.h"
#include "runtime/cli/cli_common.h"
#include "weights/registry.h"
#include "weights/safetensors.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: oprestore-gpu COMMAND [options]\n"
            "commands:\n"
            "  upscale -i IN -o OUT  super-resolve an image or a folder (oprestore-gpu upscale -h)\n"
            "  models [-M DIR]   list the models found in DIR and the registered ones missing\n"
            "  devices           list the backends this build can use\n"
            "  version           print the version\n"
            "The models folder is -M, else $OPRESTORE_MODELS, else ./models.\n");
}

static void print_model_file(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    st_file f;
    or_err err;
    struct stat sb;
    if (st_open(path, &f, &err) != OR_OK) {
        printf("  %-28s unreadable: %s\n", name, err.msg);
        return;
    }
    stat(path, &sb);
    const char *sha = st_meta(&f, "source_sha256");
    printf("  %-28s %-10s %7.1f MB  %-3s  source sha256 %.16s%s\n", name,
           st_meta(&f, "arch") ? st_meta(&f, "arch") : "?", (double)sb.st_size / 1e6,
           st_meta(&f, "dtype") ? st_meta(&f, "dtype") : "?", sha ? sha : "?", sha ? "..." : "");
    st_close(&f);
}

static int cmd_models(int argc, char **argv)
{
    const char *flag = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-M") && i + 1 < argc)
            flag = argv[++i];
        else if (!strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            fprintf(stderr, "oprestore-gpu models: unknown option %s\n", argv[i]);
            return 2;
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

static int cmd_devices(void)
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

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "upscale"))
        return cmd_upscale(argc - 2, argv + 2);
    if (!strcmp(cmd, "colorize"))
        return cmd_colorize(argc - 2, argv + 2);
    if (!strcmp(cmd, "interpolate"))
        return cmd_interpolate(argc - 2, argv + 2);
    if (!strcmp(cmd, "restore"))
        return cmd_restore(argc - 2, argv + 2);
    if (!strcmp(cmd, "models"))
        return cmd_models(argc - 2, argv + 2);
    if (!strcmp(cmd, "devices"))
        return cmd_devices();
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("oprestore-gpu %s\n", OR_VERSION);
        return 0;
    }
    fprintf(stderr, "oprestore-gpu: unknown command '%s' (see oprestore-gpu -h)\n", cmd);
    return 2;
}
