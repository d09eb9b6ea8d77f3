/* oprestore-gpu: the user's command.  Each command lives in
 * runtime/cli/cmd_<name>.c; colorize / upscale / interpolate given a video
 * (-i probed by content) run as restore with that one stage.
 * Exit codes: 0 success, 1 runtime error, 2 usage error, 130 interrupted. */
#include <stdio.h>
#include <string.h>

#include "runtime/cli/cli_common.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: oprestore-gpu COMMAND [options]   (oprestore-gpu COMMAND -h for each)\n"
            "commands:\n"
            "  colorize -i IN -o OUT     colourise photos, folders or videos (DeOldify, Zhang)\n"
            "  upscale -i IN -o OUT      super-resolve photos, folders or videos (Real-ESRGAN)\n"
            "  interpolate -i IN -o OUT  make in-between frames (RIFE, DAIN)\n"
            "  restore -i IN -o OUT      chain colorize -> upscale -> interpolate in one pass\n"
            "                            (--segment K/N: one of N segments, for a cluster)\n"
            "  join -o OUT SEGMENT_DIR   join the segments into the film (--status: progress)\n"
            "  models [-M DIR]           list the models found in DIR and the registered ones missing\n"
            "  models --get NAME...|all  download, check and convert official checkpoints\n"
            "  devices                   list the backends this build can use\n"
            "  studio [-i PHOTO]         the colour studio: a local web page to correct colours by hand\n"
            "  version                   print the version\n"
            "The models folder is -M, else $OPRESTORE_MODELS, else ./models.\n"
            "Exit codes: 0 success, 1 runtime error, 2 usage error, 130 interrupted.\n");
}

/* The value of -i in argv, or NULL. */
static const char *input_of(int argc, char **argv)
{
    for (int i = 0; i + 1 < argc; i++)
        if (!strcmp(argv[i], "-i"))
            return argv[i + 1];
    return NULL;
}

static int has_help(int argc, char **argv)
{
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
            return 1;
    return 0;
}

/* colorize / interpolate: a video input goes to the restore machinery. */
static int stage_command(const char *stage, int (*images)(int, char **), int argc, char **argv)
{
    const char *in = input_of(argc, argv);
    char prog[64];
    snprintf(prog, sizeof prog, "oprestore-gpu %s", stage);
    int video = !has_help(argc, argv) && in ? cli_is_video(prog, in) : 0;
    if (video)
        return video < 0 ? 1 : cmd_restore_single(stage, argc, argv);
    return images(argc, argv);
}

int main(int argc, char **argv)
{
    cli_opts top;
    cli_opts_init(&top, "oprestore-gpu", NULL);
    if (argc < 2)
        return cli_fail_usage(&top, "usage: oprestore-gpu COMMAND [options]; commands: "
                              "colorize, upscale, interpolate, restore, join, models, devices, studio, version");
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        usage(stdout);
        return 0;
    }
    const char *cmd = argv[1];
    int n = argc - 2;
    char **a = argv + 2;
    if (!strcmp(cmd, "upscale"))
        return cmd_upscale(n, a);
    if (!strcmp(cmd, "colorize"))
        return stage_command("colorize", cmd_colorize, n, a);
    if (!strcmp(cmd, "interpolate"))
        return stage_command("interpolate", cmd_interpolate, n, a);
    if (!strcmp(cmd, "restore"))
        return cmd_restore(n, a);
    if (!strcmp(cmd, "join"))
        return cmd_join(n, a);
    if (!strcmp(cmd, "models"))
        return cmd_models(n, a);
    if (!strcmp(cmd, "devices"))
        return cmd_devices(n, a);
    if (!strcmp(cmd, "studio"))
        return cmd_studio(n, a);
    if ((!strcmp(cmd, "version") || !strcmp(cmd, "--version")) && n)
        return cli_fail_usage(&top, "%s takes no arguments ('%s')", cmd, OR_ESC(a[0]));
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("oprestore-gpu %s\n", OR_VERSION);
        return 0;
    }
    return cli_fail_usage(&top, "unknown command '%s'", OR_ESC(cmd));
}
