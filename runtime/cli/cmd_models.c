/* cmd_models.c: oprestore-gpu models (the converted models found, the
 * built-in ones and the registered ones missing), models --get (download,
 * check, convert: docs/cli.md, "models") and oprestore-gpu devices. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "convert/convert.h"
#include "runtime/core/backend.h"
#include "runtime/cli/cli_common.h"
#include "runtime/io/download.h"
#include "weights/embedded.h"
#include "weights/registry.h"
#include "weights/safetensors.h"

#define PROG "oprestore-gpu models"
#define MAX_GET 64

static int devices(void);
static int installed(const char *dir, const char *name);

typedef struct {
    const char *dir;           /* -M */
    const char *get[MAX_GET];  /* --get NAME..., "all", "defaults" */
    int n_get;
    int keep, quiet;           /* --keep-checkpoint, -q */
} models_args;

/* What one --get shares: where, how to show progress, the timeouts. */
typedef struct {
    const models_args *a;
    const char *dir;
    const char *name;          /* the model being fetched */
    int tty;                   /* a progress bar on stderr */
    double last_draw;
    long connect_s, stall_s;   /* $OPRESTORE_CONNECT_TIMEOUT, $OPRESTORE_STALL_TIMEOUT */
} get_ctx;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: oprestore-gpu models [-M DIR]\n"
            "       oprestore-gpu models --get NAME... | all | defaults [-M DIR] [--keep-checkpoint] [-q]\n"
            "Lists the converted models in DIR (default $OPRESTORE_MODELS, else ./models):\n"
            "name, architecture, size, dtype and the sha256 of the checkpoint it came from;\n"
            "the built-in ones (\"embedded\"); then the registered models that are missing.\n"
            "--get downloads each official checkpoint (resuming a NAME.part left by an\n"
            "interrupted download), checks its size and sha256 (a mismatch is kept as .bad\n"
            "and nothing is installed), converts it into DIR/NAME.safetensors and removes the\n"
            "checkpoint (--keep-checkpoint keeps it).  'all': every registered model that can\n"
            "be downloaded; 'defaults': the default model of every command.  Models published\n"
            "on a web page (Google Drive, a model list) are named with what to download by hand.\n"
            "Environment: OPRESTORE_MODEL_BASE_URL (a mirror: BASE/<checkpoint file name>),\n"
            "OPRESTORE_REGISTRY (a JSON file of more models: docs/weights.md),\n"
            "OPRESTORE_CONNECT_TIMEOUT, OPRESTORE_STALL_TIMEOUT (seconds), http(s)_proxy,\n"
            "no_proxy, CURL_CA_BUNDLE / SSL_CERT_FILE.\n");
}

/* -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, models_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "-M")) {
            if (i + 1 >= argc) {
                fprintf(stderr, PROG ": -M needs a value (see " PROG " -h)\n");
                return 2;
            }
            a->dir = argv[++i];
        } else if (!strcmp(argv[i], "--keep-checkpoint")) {
            a->keep = 1;
        } else if (!strcmp(argv[i], "-q")) {
            a->quiet = 1;
        } else if (!strcmp(argv[i], "--get")) {
            while (i + 1 < argc && argv[i + 1][0] != '-' && a->n_get < MAX_GET)
                a->get[a->n_get++] = argv[++i];
            if (!a->n_get) {
                fprintf(stderr, PROG ": --get needs a model name, 'all' or 'defaults' (see -h)\n");
                return 2;
            }
        } else {
            fprintf(stderr, PROG ": unknown option '%s' (see " PROG " -h)\n", OR_ESC(argv[i]));
            return 2;
        }
    }
    return -1;
}

static long env_seconds(const char *name)
{
    const char *v = getenv(name);
    long s = v ? strtol(v, NULL, 10) : 0;
    return s > 0 ? s : 0;
}

/* The progress bar (a terminal) or nothing (quiet lines are printed around). */
static int on_progress(void *ctx, int64_t done, int64_t total, int64_t resumed, double secs)
{
    get_ctx *g = ctx;
    if (cli_stop)
        return 1;
    if (!g->tty || (secs - g->last_draw < 0.1 && done != total))
        return 0;
    g->last_draw = secs;
    double rate = secs > 0 ? (double)(done - resumed) / secs : 0;
    char eta[32] = "--:--";
    if (rate > 0 && total > done) {
        long s = (long)((double)(total - done) / rate);
        snprintf(eta, sizeof eta, "%ld:%02ld", s / 60, s % 60);
    }
    fprintf(stderr, "\r  %-24s %7.1f / %.1f MB  %6.2f MB/s  ETA %s   ", g->name, (double)done / 1e6,
            (double)total / 1e6, rate / 1e6, eta);
    return 0;
}

/* A web page, not a file (or a release archive to unpack first): what to download and
 * where to put it. */
static int tell_by_hand(const get_ctx *g, const or_model_info *m)
{
    if (m->convert_from) {
        fprintf(stderr,
                PROG ": %s: download %s (%s) and unpack it, then run 'oprestore-convert %s -M "
                "%s'\n",
                m->name, m->checkpoint, m->url, m->convert_from, g->dir);
        return 1;
    }
    fprintf(stderr,
            PROG ": %s: %s is a web page, not a file: download %s from there%s%s, then run "
            "'oprestore-convert %s -M %s'\n",
            m->name, m->url, m->checkpoint, m->sha256 ? " (sha256 " : "",
            m->sha256 ? m->sha256 : "", m->checkpoint, g->dir);
    return 1;
}

static void say_done(const get_ctx *g, const or_model_info *m, const char *url,
                     const or_download_info *info, const char *out)
{
    if (g->tty)
        fputc('\n', stderr);
    if (!m->sha256)
        fprintf(stderr, PROG ": %s: no published sha256 to check %s against; it has sha256 %s\n",
                m->name, url, info->sha256);
    if (!g->a->quiet)
        printf("%s: installed %s (%s, %.1f MB, sha256 %s%s)\n", m->name, out, m->checkpoint,
               (double)info->bytes / 1e6, m->sha256 ? "checked" : "not checked",
               strlen(m->sha256 ? m->sha256 : "") == 8 ? " against the published prefix" : "");
}

/* Convert the checked checkpoint into out, then drop the checkpoint. */
static int convert_into(const get_ctx *g, const or_model_info *m, const char *ckpt,
                        const char *out)
{
    or_convert_opts co = {m->arch, MB_F32, 0};
    or_err err;
    if (or_convert_file(ckpt, out, &co, &err) != OR_OK) {
        fprintf(stderr, PROG ": %s (the checked checkpoint is kept as %s)\n", err.msg, ckpt);
        return 1;
    }
    if (!g->a->keep)
        unlink(ckpt);
    return 0;
}

static int get_one(get_ctx *g, const or_model_info *m)
{
    char out[4096], ckpt[4096], buf[4096];
    snprintf(out, sizeof out, "%s/%s.safetensors", g->dir, m->name);
    snprintf(ckpt, sizeof ckpt, "%s/%s", g->dir, m->checkpoint);
    if (access(out, R_OK) == 0) {
        if (!g->a->quiet)
            printf("%s: already installed (%s; remove it to get it again)\n", m->name, out);
        return 0;
    }
    const char *url = or_registry_download_url(m, buf, sizeof buf);
    if (!url)
        return tell_by_hand(g, m);
    if (mkdir(g->dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, PROG ": %s: cannot create the models folder: %s\n", g->dir, strerror(errno));
        return 1;
    }
    if (access(g->dir, W_OK) != 0) {
        fprintf(stderr, PROG ": %s: the models folder is not writable: %s\n", g->dir, strerror(errno));
        return 1;
    }
    if (!g->tty && !g->a->quiet)
        printf("%s: downloading %s%s\n", m->name, url, m->size ? "" : " (size unknown)");
    g->name = m->name;
    g->last_draw = -1;
    or_download_req req = {url, ckpt, m->size, m->sha256, g->connect_s, g->stall_s, on_progress, g};
    or_download_info info;
    or_err err;
    if (or_download(&req, &info, &err) != OR_OK) {
        if (g->tty)
            fputc('\n', stderr);
        fprintf(stderr, PROG ": %s\n", err.msg);
        return info.interrupted ? CLI_EXIT_INTERRUPTED : 1;
    }
    int rc = convert_into(g, m, ckpt, out);
    if (!rc)
        say_done(g, m, url, &info, out);
    return rc;
}

/* --get all / defaults: every downloadable entry (or default); pages are
 * listed at the end as what to get by hand, not counted as failures. */
static int get_group(get_ctx *g, int defaults_only)
{
    int failed = 0;
    for (size_t i = 0; i < or_registry_count() && !cli_stop; i++) {
        const or_model_info *m = or_registry_at(i);
        char buf[8];
        if ((defaults_only && !m->default_of) || !or_registry_download_url(m, buf, sizeof buf))
            continue;
        int rc = get_one(g, m);
        if (rc == CLI_EXIT_INTERRUPTED)
            return rc;
        failed += rc != 0;
    }
    for (size_t i = 0; i < or_registry_count(); i++) {
        const or_model_info *m = or_registry_at(i);
        char buf[8];
        if ((!defaults_only || m->default_of) && !or_registry_download_url(m, buf, sizeof buf) &&
            !installed(g->dir, m->name))
            tell_by_hand(g, m);
    }
    return failed ? 1 : 0;
}

static int models_get(const models_args *a, const char *dir)
{
    if (!or_download_available()) {
        fprintf(stderr, PROG ": --get: this build cannot download (built without libcurl: "
                        "install libcurl4-openssl-dev, or run ./setup.sh, and rebuild)\n");
        return 1;
    }
    for (int i = 0; i < a->n_get; i++)
        if (strcmp(a->get[i], "all") && strcmp(a->get[i], "defaults") && !or_registry_find(a->get[i])) {
            fprintf(stderr, PROG ": --get %s: not a registered model ('oprestore-gpu models' lists them)\n",
                    a->get[i]);
            return 2;
        }
    get_ctx g = {a, dir, NULL, isatty(2) && !a->quiet, -1, env_seconds("OPRESTORE_CONNECT_TIMEOUT"),
                 env_seconds("OPRESTORE_STALL_TIMEOUT")};
    cli_install_signals();
    int failed = 0;
    for (int i = 0; i < a->n_get && !cli_stop; i++) {
        int all = !strcmp(a->get[i], "all"), defs = !strcmp(a->get[i], "defaults");
        int rc = all || defs ? get_group(&g, defs) : get_one(&g, or_registry_find(a->get[i]));
        if (rc == CLI_EXIT_INTERRUPTED)
            return rc;
        failed += rc != 0;
    }
    return cli_stop ? CLI_EXIT_INTERRUPTED : failed ? 1 : 0;
}

/* One model file: name, architecture, size, dtype, source sha256; label
 * "embedded" for a built-in one. */
static void print_model_file(const char *path, const char *name, const char *label)
{
    st_file f;
    or_err err;
    struct stat sb;
    if (st_open(path, &f, &err) != OR_OK) {
        printf("  %-28s unreadable: %s\n", OR_ESC(name), err.msg);
        return;
    }
    const or_embedded_model *em = or_embedded_find(path);
    double mb = em ? (double)em->size / 1e6 : stat(path, &sb) == 0 ? (double)sb.st_size / 1e6 : 0;
    const char *sha = st_meta(&f, "source_sha256"), *arch = st_meta(&f, "arch"),
               *dtype = st_meta(&f, "dtype");
    or_match_kind how = OR_MATCH_NONE;
    if (sha)
        or_registry_match_checkpoint(NULL, sha, &how);
    /* metadata and file names are escaped: one line per model */
    printf("  %-28s %-10s %7.1f MB  %-3s  source sha256 %.16s%s%s%s\n", OR_ESC(name),
           arch ? OR_ESC(arch) : "?", mb, dtype ? OR_ESC(dtype) : "?", sha ? OR_ESC(sha) : "?",
           sha ? "..." : "", how == OR_MATCH_KNOWN_COPY ? "  (not the release file)" : "", label);
    st_close(&f);
}

static int installed(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.safetensors", dir, name);
    return access(path, R_OK) == 0;
}

static void list_dir(const char *dir)
{
    printf("models in %s:\n", dir);
    DIR *d = opendir(dir);
    int found = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n > 12 && !strcmp(e->d_name + n - 12, ".safetensors")) {
            char path[4096], name[256];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            snprintf(name, sizeof name, "%.*s", (int)(n - 12), e->d_name);
            print_model_file(path, name, "");
            found++;
        }
    }
    for (size_t i = 0; i < or_embedded_count(); i++) {
        const or_embedded_model *em = or_embedded_at(i);
        char path[300];
        snprintf(path, sizeof path, "%s%s", OR_EMBEDDED_PREFIX, em->name);
        if (!installed(dir, em->name) && ++found)
            print_model_file(path, em->name, "  embedded (built in)");
    }
    if (d)
        closedir(d);
    if (!found)
        printf("  (none%s)\n", d ? "" : ": the folder does not exist");
}

static void list_missing(const char *dir)
{
    printf("registered but missing:\n");
    for (size_t i = 0; i < or_registry_count(); i++) {
        const or_model_info *m = or_registry_at(i);
        if (installed(dir, m->name) || or_embedded_find(m->name))
            continue;
        printf("  %-26s %-10s %s\n", m->name, m->arch, m->license);
        if (m->url_is_page)
            printf("      download %s by hand from %s, then 'oprestore-convert %s -M %s'\n",
                   m->checkpoint, m->url, m->convert_from ? m->convert_from : m->checkpoint,
                   dir);
        else
            printf("      oprestore-gpu models --get %s   (%s)\n", m->name, m->url);
        if (m->sha256)
            printf("      sha256 %s%s\n", m->sha256, strlen(m->sha256) < 64 ? " (prefix)" : "");
    }
}

int cmd_models(int argc, char **argv)
{
    models_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    const char *dir = cli_models_dir(a.dir);
    const char *extra = getenv("OPRESTORE_REGISTRY");
    or_err err;
    if (extra && *extra && or_registry_load(extra, &err) != OR_OK) {
        fprintf(stderr, PROG ": %s\n", err.msg);
        return 1;
    }
    if (a.n_get)
        return models_get(&a, dir);
    list_dir(dir);
    list_missing(dir);
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

