/* test_cli_common.c: the flag parser every oprestore-gpu command shares
 * (runtime/cli/cli_common.c: cli_opts_init, cli_parse, cli_models_dir,
 * cli_image_format, cli_resolve_model), called directly: defaults, every
 * flag, -j, bad values (exit 2 with one line on stderr naming the command),
 * a command's own flags through the callback, $OPRESTORE_MODELS.
 * (The commands are the oprestore_cli library, which every test links.) */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/cli/cli_common.h"
#include "runtime/stages/scene.h"
#include "cli_test_util.h"
#include "test_util.h"

#define PROG "oprestore-gpu test"

static char err_line[4096];
static char out_text[8192];

static void no_usage(FILE *f) { fputs("usage: test\n", f); }

/* A command's own flags: -r N (1..9) and --flag. */
typedef struct {
    int r, flag;
} extra_ctx;

static int extra(void *ctx, int argc, char **argv, int *i)
{
    extra_ctx *e = ctx;
    if (!strcmp(argv[*i], "--flag")) {
        e->flag = 1;
        return CLI_TAKEN;
    }
    if (strcmp(argv[*i], "-r"))
        return CLI_UNKNOWN;
    if (*i + 1 >= argc || argv[*i + 1][0] < '1' || argv[*i + 1][0] > '9' || argv[*i + 1][1])
        return CLI_BAD;
    e->r = argv[++*i][0] - '0';
    return CLI_TAKEN;
}

/* Read a capture file back into buf and empty it for the next call. */
static void take(int fd, char *buf, size_t len)
{
    ssize_t got = pread(fd, buf, len - 1, 0);
    buf[got > 0 ? got : 0] = 0;
    cr_assert_eq(ftruncate(fd, 0), 0);
    lseek(fd, 0, SEEK_SET);
}

/* cli_parse on the space-separated words of args (loose: -i/-o not required),
 * with stdout and stderr captured into out_text and err_line. */
static int parse_args(cli_opts *o, extra_ctx *e, int loose, const char *args)
{
    static char words[4096];
    char *argv[64];
    int argc = 0;
    snprintf(words, sizeof words, "%s", args);
    for (char *w = strtok(words, " "); w && argc < 64; w = strtok(NULL, " "))
        argv[argc++] = w;
    cli_opts_init(o, PROG, "default-model");
    static int cap_err = -1, cap_out = -1;
    if (cap_err < 0) {
        cap_err = open(tu_tmp("stderr.txt"), O_RDWR | O_CREAT | O_TRUNC, 0644);
        cap_out = open(tu_tmp("stdout.txt"), O_RDWR | O_CREAT | O_TRUNC, 0644);
        cr_assert(cap_err >= 0 && cap_out >= 0);
    }
    fflush(stderr), fflush(stdout);
    int save_err = dup(2), save_out = dup(1);
    dup2(cap_err, 2);
    dup2(cap_out, 1);
    int rc = loose ? cli_parse_loose(o, argc, argv, extra, e, no_usage)
                   : cli_parse(o, argc, argv, extra, e, no_usage);
    fflush(stderr), fflush(stdout);
    dup2(save_err, 2), dup2(save_out, 1);
    close(save_err), close(save_out);
    take(cap_err, err_line, sizeof err_line);
    take(cap_out, out_text, sizeof out_text);
    return rc;
}

static int parse(cli_opts *o, const char *args)
{
    extra_ctx e = {0};
    return parse_args(o, &e, 0, args);
}

/* exit 2, one line on stderr: "<prog>: ... part ... (see <prog> -h)". */
static void expect_usage_error(const char *args, const char *part)
{
    cli_opts o;
    int rc = parse(&o, args);
    cr_expect_eq(rc, 2, "'%s' gave %d", args, rc);
    size_t n = strlen(err_line);
    cr_expect(n && err_line[n - 1] == '\n' && !memchr(err_line, '\n', n - 1),
              "'%s': not one line: %s", args, err_line);
    cr_expect(!strncmp(err_line, PROG ": ", strlen(PROG) + 2), "'%s': %s", args, err_line);
    cr_expect(strstr(err_line, part), "'%s': expected '%s' in: %s", args, part, err_line);
    cr_expect(strstr(err_line, "(see " PROG " -h)"), "'%s': %s", args, err_line);
}

Test(cli_common, defaults)
{
    cli_opts o;
    cr_assert_eq(parse(&o, "-i in.png -o out.png"), -1, "%s", err_line);
    cr_expect_str_eq(o.prog, PROG);
    cr_expect_str_eq(o.in, "in.png");
    cr_expect_str_eq(o.out, "out.png");
    cr_expect_str_eq(o.model, "default-model");
    cr_expect(o.load_threads == 1 && o.proc_threads == 2 && o.save_threads == 2, "-j 1:2:2");
    cr_expect_eq(o.scale, 0);
    cr_expect_eq(o.tile, 0);
    cr_expect_null(o.gpu);
    cr_expect_eq(o.multiplier, 0);
    cr_expect_null(o.format);
    cr_expect_null(o.models_flag);
    cr_expect(!o.verbose && !o.quiet && !o.fp32 && !o.overwrite);
    cr_expect_null(o.codec);
    cr_expect_eq(o.crf, -1);
    cr_expect_null(o.preset);
    cr_expect_eq(o.scene_threshold, OR_SCENE_THRESHOLD);
    cr_expect_eq(o.render_factor, 0);
    cr_expect_eq(err_line[0], 0, "%s", err_line);
}

Test(cli_common, every_flag)
{
    cli_opts o;
    cr_assert_eq(parse(&o, "-i a -o b -m net -s 2.5 -t 64 -g cpu -j 4:3:2 -n 3 -f jpg -M dir "
                           "--fp32 --overwrite -v --codec ffv1 --crf 10 --preset fast "
                           "--scene-threshold 0.5 --render-factor 21"),
                 -1, "%s", err_line);
    cr_expect_str_eq(o.in, "a");
    cr_expect_str_eq(o.out, "b");
    cr_expect_str_eq(o.model, "net");
    cr_expect_eq(o.scale, 2.5);
    cr_expect_eq(o.tile, 64);
    cr_expect_str_eq(o.gpu, "cpu");
    cr_expect(o.load_threads == 4 && o.proc_threads == 3 && o.save_threads == 2);
    cr_expect_eq(o.multiplier, 3);
    cr_expect_str_eq(o.format, "jpg");
    cr_expect_str_eq(o.models_flag, "dir");
    cr_expect(o.fp32 && o.overwrite && o.verbose && !o.quiet);
    cr_expect_str_eq(o.codec, "ffv1");
    cr_expect_eq(o.crf, 10);
    cr_expect_str_eq(o.preset, "fast");
    cr_expect_eq(o.scene_threshold, 0.5);
    cr_expect_eq(o.render_factor, 21);
    cr_expect_eq(cli_image_format(&o, "x.png"), 'j', "-f beats the name");
    /* long spellings, -q, and -q winning over -v */
    cr_assert_eq(parse(&o, "-i a -o b --quiet --verbose"), -1, "%s", err_line);
    cr_expect(o.quiet && !o.verbose);
    cr_assert_eq(parse(&o, "-i a -o b --verbose"), -1);
    cr_expect(o.verbose && !o.quiet);
    cr_assert_eq(parse(&o, "-i a -o b -f PNG -g 1"), -1);
    cr_expect_eq(cli_image_format(&o, "x.jpg"), 'p');
    cr_expect_str_eq(o.gpu, "1");
}

Test(cli_common, output_format_from_the_name)
{
    cli_opts o;
    cr_assert_eq(parse(&o, "-i a -o b"), -1);
    cr_expect_eq(cli_image_format(&o, "x.JPG"), 'j');
    cr_expect_eq(cli_image_format(&o, "x.jpeg"), 'j');
    cr_expect_eq(cli_image_format(&o, "x.png"), 'p');
    cr_expect_eq(cli_image_format(&o, "folder"), 'p', "png otherwise");
}

Test(cli_common, threads)
{
    static const struct {
        const char *j;
        int l, p, s;
    } ok[] = {{"4:3:2", 4, 3, 2}, {"4::", 4, 2, 2}, {":5:", 1, 5, 2}, {"::7", 1, 2, 7},
              {"8", 8, 2, 2},     {"64:64:64", 64, 64, 64}, {"1:1:1", 1, 1, 1}};
    cli_opts o;
    char a[256];
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        snprintf(a, sizeof a, "-i a -o b -j %s", ok[i].j);
        cr_assert_eq(parse(&o, a), -1, "-j %s: %s", ok[i].j, err_line);
        cr_expect(o.load_threads == ok[i].l && o.proc_threads == ok[i].p &&
                      o.save_threads == ok[i].s,
                  "-j %s gave %d:%d:%d", ok[i].j, o.load_threads, o.proc_threads, o.save_threads);
    }
    static const char *bad[] = {"0:1:1", "65", "a", "1:2:3:4", "1:-2:1", "2x", "1:1:1:"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(a, sizeof a, "-i a -o b -j %s", bad[i]);
        expect_usage_error(a, "-j");
    }
}

Test(cli_common, bad_values_exit_2_with_one_line)
{
    static const char *bad[][2] = {
        {"-i a -o b -s 0", "-s 0"},          {"-i a -o b -s 17", "-s 17"},
        {"-i a -o b -s x", "-s x"},          {"-i a -o b -t -1", "-t -1"},
        {"-i a -o b -t 8px", "-t 8px"},      {"-i a -o b -n 0", "-n 0"},
        {"-i a -o b -n 65", "-n 65"},        {"-i a -o b -f gif", "-f gif"},
        {"-i a -o b -f webp", "webp"},       {"-i a -o b --crf 52", "--crf 52"},
        {"-i a -o b --crf -1", "--crf -1"},  {"-i a -o b --render-factor 0", "--render-factor"},
        {"-i a -o b --render-factor 129", "--render-factor"},
        {"-i a -o b --scene-threshold 2", "--scene-threshold"},
        {"-i a -o b --codec vp9", "--codec"}, {"-i a -o b --bogus", "unknown option '--bogus'"},
        {"-i a -o b -x", "unknown option '-x'"}, {"-i a -o b -r 0", "-r"},
        {"-i a -o", "-o needs a value"},      {"-i", "-i needs a value"},
        {"-o b", "-i is required"},           {"-i a", "-o is required"},
        {"-i a -o b -m", "-m needs a value"}, {"-i a -o b -M", "-M needs a value"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        expect_usage_error(bad[i][0], bad[i][1]);
}

Test(cli_common, help_and_the_commands_own_flags)
{
    cli_opts o;
    cr_expect_eq(parse(&o, "-h"), 0);
    cr_expect_str_eq(out_text, "usage: test\n", "usage on stdout for -h");
    cr_expect_eq(err_line[0], 0);
    cr_expect_eq(parse(&o, "-i a --help -o"), 0, "-h wins wherever it is");
    extra_ctx e = {0};
    cr_assert_eq(parse_args(&o, &e, 0, "-r 7 -i a --flag -o b"), -1, "%s", err_line);
    cr_expect(e.r == 7 && e.flag);
    cr_expect_eq(parse_args(&o, &e, 0, "-i a -o b -r x"), 2);
    cr_expect(strstr(err_line, "bad or missing value for -r"), "%s", err_line);
    /* loose: -i and -o left to the command */
    cr_expect_eq(parse_args(&o, &e, 1, "--flag"), -1, "%s", err_line);
    cr_expect_null(o.in);
}

Test(cli_common, models_folder)
{
    const char *old = getenv("OPRESTORE_MODELS");
    char *saved = old ? strdup(old) : NULL;
    unsetenv("OPRESTORE_MODELS");
    cr_expect_str_eq(cli_models_dir(NULL), "./models");
    setenv("OPRESTORE_MODELS", "", 1);
    cr_expect_str_eq(cli_models_dir(NULL), "./models", "empty counts as unset");
    setenv("OPRESTORE_MODELS", "/srv/models", 1);
    cr_expect_str_eq(cli_models_dir(NULL), "/srv/models");
    cr_expect_str_eq(cli_models_dir("mine"), "mine", "-M beats $OPRESTORE_MODELS");

    /* resolution through $OPRESTORE_MODELS: a file there is found, a registered
     * name of another stage is a usage error, a missing one says where to get it */
    const char *dir = tu_tmp("env_models");
    char path[4096], got[4096];
    mkdir(dir, 0755);
    snprintf(path, sizeof path, "%s/mine.safetensors", dir);
    cr_assert_eq(tu_write_file(path, "x", 1), 0);
    setenv("OPRESTORE_MODELS", dir, 1);
    cli_opts o;
    cr_assert_eq(parse(&o, "-i a -o b"), -1);
    cr_expect_eq(cli_resolve_model(&o, "mine", "upscale", got, sizeof got), -1);
    cr_expect_str_eq(got, path);
    FILE *cap = freopen(tu_tmp("resolve.txt"), "w", stderr);
    cr_assert(cap);
    cr_expect_eq(cli_resolve_model(&o, "realesr-animevideov3", "colorize", got, sizeof got), 2,
                 "an upscaler asked for as a colouriser");
    cr_expect_eq(cli_resolve_model(&o, "deoldify-video", "colorize", got, sizeof got), 1,
                 "missing");
    fflush(stderr);
    size_t n;
    char *text = (char *)tu_read_file(tu_tmp("resolve.txt"), &n);
    cr_assert(text);
    text = realloc(text, n + 1);
    text[n] = 0;
    cr_expect(strstr(text, "not a colorize model"), "%s", text);
    cr_expect(strstr(text, "ColorizeVideo_gen.pth"), "%s", text);
    cr_expect(strstr(text, dir), "names the folder from $OPRESTORE_MODELS: %s", text);
    free(text);
    if (saved)
        setenv("OPRESTORE_MODELS", saved, 1), free(saved);
    else
        unsetenv("OPRESTORE_MODELS");
}

Test(cli_common, numbers)
{
    int i = 7;
    double d = 7;
    cr_expect(cli_parse_int("12", 1, 64, &i) == 0 && i == 12);
    cr_expect(cli_parse_int("65", 1, 64, &i) == -1 && i == 12, "out of range, untouched");
    cr_expect_eq(cli_parse_int("", 1, 64, &i), -1);
    cr_expect_eq(cli_parse_int("3 ", 1, 64, &i), -1, "trailing text");
    cr_expect(cli_parse_double("0.25", 0.25, 4, &d) == 0 && d == 0.25);
    cr_expect_eq(cli_parse_double("nan", 0, 1, &d), -1);
    cr_expect_eq(cli_parse_double("1e400", 0, 1e9, &d), -1, "overflow");
}

/* The binary: every image command takes the common flags through the same
 * parser, so the same bad value gives the same exit code and message. */
Test(cli_common, every_command_shares_the_flags)
{
    static const char *cmds[] = {"colorize", "upscale", "interpolate", "restore --upscale x"};
    static const char *bad[][2] = {{"-f gif", "-f gif: expected png, jpg or webp"},
                                   {"-j 0:1:1", "-j 0:1:1: expected load:proc:save"},
                                   {"-n 0", "-n 0: expected a frame multiplier"},
                                   {"--crf 99", "--crf 99: expected 0..51"},
                                   {"-M", "-M needs a value"},
                                   {"-g", "-g needs a value"},
                                   {"--bogus", "unknown option '--bogus'"}};
    for (size_t c = 0; c < sizeof cmds / sizeof *cmds; c++) {
        char prog[64];
        snprintf(prog, sizeof prog, "oprestore-gpu %.*s", (int)strcspn(cmds[c], " "), cmds[c]);
        for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
            cr_expect_eq(ct_run("%s -i in.png -o out.png -v -q --overwrite --fp32 %s", cmds[c],
                                bad[b][0]), 2, "%s %s: %s", cmds[c], bad[b][0], ct_err);
            ct_assert_one_line(prog, bad[b][1]);
        }
        cr_expect_eq(ct_run("%s -h", cmds[c]), 0, "%s -h", cmds[c]);
    }
}
