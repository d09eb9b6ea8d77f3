/* cli_common.h: what the oprestore-gpu commands share. */
#ifndef OR_CLI_COMMON_H
#define OR_CLI_COMMON_H

/* The models folder: the -M flag, else $OPRESTORE_MODELS, else ./models. */
const char *cli_models_dir(const char *flag);

/* oprestore-gpu upscale ... (runtime/cli/cmd_upscale.c); argv[0] is the first option.
 * Returns the exit code: 0 success, 1 runtime error, 2 usage error. */
int cmd_upscale(int argc, char **argv);
/* The other commands, same convention (runtime/cli/cmd_<name>.c). */
int cmd_colorize(int argc, char **argv);
int cmd_interpolate(int argc, char **argv);
int cmd_restore(int argc, char **argv);

#endif
