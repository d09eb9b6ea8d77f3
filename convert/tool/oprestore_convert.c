/* oprestore-convert: PyTorch checkpoint -> oprestore model file (safetensors).
 * Exit codes: 0 success, 1 runtime error, 2 usage error. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include "convert/arch_sr_ncnn.h"
#include "convert/convert.h"
#include "runtime/core/fileutil.h"
#include "weights/registry.h"
#include "weights/safetensors.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: oprestore-convert IN.pth -o OUT.safetensors [--arch NAME] [--dtype f32|f16] [-v]\n"
            "       oprestore-convert MODEL.param [MODEL.bin] -o OUT.safetensors [...]\n"
            "                         an ncnn model of a super-resolution network (RRDBNet,\n"
            "                         SRVGGNetCompact; MODEL.bin defaults to the .param's sibling)\n"
            "       oprestore-convert A.pth B.pth C.pth -o OUT.safetensors [...]\n"
            "       oprestore-convert FOLDER -o OUT.safetensors [...]\n"
            "                         a model released as several files (Deep Exemplar:\n"
            "                         nonlocal_net_iter_76000.pth colornet_iter_76000.pth\n"
            "                         vgg19_conv.pth, in any order, or the unzipped release\n"
            "                         folder); -M names it deep-exemplar.safetensors\n"
            "       oprestore-convert IN.pth -M MODELS_DIR [...]  write MODELS_DIR/<model>.safetensors,\n"
            "                         naming the model from the registry (sha256, then file name);\n"
            "                         skipped when that file was already made from the same checkpoint\n"
            "       oprestore-convert --inspect FILE      list the tensors of a .pth, .param or .safetensors\n"
            "       oprestore-convert --list-archs        architectures the converter knows\n"
            "Reads both torch.save formats (zip and legacy), never executes code from the pickle,\n"
            "finds the state dict in the usual wrappers, detects the architecture from the tensor\n"
            "names and shapes, checks every tensor, folds BatchNorm and spectral norm, and writes\n"
            "one safetensors file with the architecture and its hyperparameters as metadata.\n"
            "An ncnn .param (recognised by its content) is matched against RRDBNet and\n"
            "SRVGGNetCompact; a graph that does not match is refused naming the first layer\n"
            "that does not fit; int8-quantized models are refused.\n");
}

/* "oprestore-convert: <message>" as one line on stderr (control bytes
 * escaped); returns rc. */
static int fail(int rc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(int rc, const char *fmt, ...)
{
    char line[4096], safe[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "oprestore-convert: %s\n", or_esc_line(safe, sizeof safe, line));
    return rc;
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
    if (st_open(path, &f, &err) != OR_OK)
        return fail(1, "%s", err.msg);
    if (!f.n) {
        st_close(&f);
        return fail(1, "%s: the header holds no tensors", OR_ESC(path));
    }
    for (int i = 0; i < f.n_meta; i++)
        printf("meta %s = %s\n", OR_ESC(f.meta_keys[i]), OR_ESC(f.meta_vals[i]));
    for (int i = 0; i < f.n; i++) {
        printf("%-48s %-4s [", OR_ESC(f.t[i].name), st_dtype_name(f.t[i].dtype));
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
    if (or_convert_is_ncnn_param(path)) {
        /* the graph as the converter maps it: official PyTorch names */
        char bin[4096];
        ncnn_sr_info info;
        ncnn_bin_path_for(path, bin, sizeof bin);
        if (ncnn_sr_state_dict(path, bin, &sd, &info, &err) != OR_OK)
            return fail(1, "%s", err.msg);
        printf("ncnn graph: %d layers, %d convolutions, weights stored %s; mapped to %s, "
               "as PyTorch names:\n", info.n_layers, info.n_conv, info.storage, info.arch);
    } else if (ckpt_read_state_dict(path, &sd, &err) != OR_OK) {
        return fail(1, "%s", err.msg);
    }
    if (!sd.n) {
        ckpt_free(&sd);
        return fail(1, "%s: the checkpoint holds no tensors", OR_ESC(path));
    }
    printf("format %s, wrapper %s%s, %d tensors\n", sd.format, sd.wrapper[0] ? OR_ESC(sd.wrapper) : "(bare)",
           sd.stripped_module_prefix ? ", 'module.' prefix removed" : "", sd.n);
    for (int i = 0; i < sd.n; i++) {
        printf("%-48s %-5s [", OR_ESC(sd.t[i].name), ck_dtype_name(sd.t[i].src_dtype));
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
static int output_in_dir(const char *in, const char *in_bin, const char *dir, char *out,
                         size_t n, or_err *err, int *failed)
{
    char sha[65];
    *failed = 0;
    if (or_sha256_file(in, sha, err) != OR_OK) {
        *failed = 1;
        return 0;
    }
    const char *base = strrchr(in, '/') ? strrchr(in, '/') + 1 : in;
    or_match_kind how;
    const or_model_info *m = or_registry_match_checkpoint(base, sha, &how);
    if (how == OR_MATCH_KNOWN_COPY)
        printf("%s: %s: %s (sha256 %.16s...); converting it as %s\n", in, m->name, m->copy_note,
               sha, m->name);
    char stem[256];
    snprintf(stem, sizeof stem, "%s", m ? m->name : base);
    if (!m && strrchr(stem, '.')) /* x.pth, x.param -> x */
        *strrchr(stem, '.') = 0;
    snprintf(out, n, "%s/%s.safetensors", dir, stem);
    st_file f;
    int same = 0;
    if (st_open(out, &f, err) == OR_OK) {
        const char *prev = st_meta(&f, "source_sha256");
        same = prev && strcmp(prev, sha) == 0;
        const char *prev_bin = st_meta(&f, "source_bin_sha256");
        char bin_sha[65];
        if (same && in_bin) /* an ncnn model: the weights must be the same too */
            same = prev_bin && or_sha256_file(in_bin, bin_sha, err) == OR_OK &&
                   strcmp(prev_bin, bin_sha) == 0;
        st_close(&f);
    }
    return same;
}

/* "OUT: arch, N tensors, dtype" after a conversion; 0. */
static int report_output(const char *out)
{
    st_file f;
    or_err err;
    if (st_open(out, &f, &err) == OR_OK) {
        printf("%s: %s, %d tensors, %s\n", OR_ESC(out), OR_ESC(st_meta(&f, "arch")), f.n,
               OR_ESC(st_meta(&f, "dtype")));
        st_close(&f);
    }
    return 0;
}

#define USAGE_LINE                                                                          \
    "usage: oprestore-convert IN.pth -o OUT.safetensors | -M DIR [--arch NAME] [--dtype f32|f16] " \
    "[-v], or --inspect FILE, or --list-archs (see oprestore-convert -h)"

/* A flag that takes a value: the value, or NULL when the line ends (message printed). */
static const char *value_of(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fail(2, "%s needs a value (see oprestore-convert -h)", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

#define MAX_INPUTS 3

typedef struct {
    const char *in, *in_bin, *out, *into; /* in_bin: an ncnn model's .bin after its .param */
    const char *ins[MAX_INPUTS];          /* several checkpoints of one model (Deep Exemplar) */
    int n_in;
    or_convert_opts o;
} args;

/* One argument at argv[*i]: -1 to go on, else the exit code (0: -h/--list-archs/--inspect done). */
static int parse_arg(args *g, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v = NULL;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(a, "--list-archs"))
        return list_archs();
    if (!strcmp(a, "-v")) {
        g->o.verbose = 1;
        return -1;
    }
    int valued = !strcmp(a, "--inspect") || !strcmp(a, "-o") || !strcmp(a, "-M") ||
                 !strcmp(a, "--arch") || !strcmp(a, "--dtype");
    if (valued && !(v = value_of(argc, argv, i)))
        return 2;
    if (!strcmp(a, "--inspect"))
        return inspect(v);
    if (!strcmp(a, "-o"))
        g->out = v;
    else if (!strcmp(a, "-M"))
        g->into = v;
    else if (!strcmp(a, "--arch"))
        g->o.arch = v;
    else if (!strcmp(a, "--dtype")) {
        if (strcmp(v, "f32") && strcmp(v, "f16"))
            return fail(2, "--dtype %s: expected f32 or f16 (see oprestore-convert -h)", v);
        g->o.dtype = strcmp(v, "f16") ? MB_F32 : MB_F16;
    } else if (a[0] == '-' && a[1])
        return fail(2, "unknown option '%s' (see oprestore-convert -h)", a);
    else if (!g->in)
        g->in = g->ins[g->n_in++] = a;
    else if (!g->in_bin && or_convert_is_ncnn_param(g->in))
        g->in_bin = a;
    else if (g->n_in < MAX_INPUTS)
        g->ins[g->n_in++] = a;
    else
        return fail(2, "more than %d inputs (%s, %s, ...) (see oprestore-convert -h)", MAX_INPUTS,
                    g->in, a);
    return -1;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return fail(2, "%s", USAGE_LINE);
    args g = {.o = {NULL, MB_F32, 0}};
    for (int i = 1; i < argc; i++) {
        int rc = parse_arg(&g, argc, argv, &i);
        if (rc >= 0)
            return rc;
    }
    const char *in = g.in, *in_bin = g.in_bin, *out = g.out, *into = g.into;
    or_convert_opts o = g.o;
    if (!in)
        return fail(2, "no input checkpoint given (see oprestore-convert -h)");
    if (!out == !into)
        return fail(2, "%s: give -o OUT.safetensors or -M MODELS_DIR, one of them (see "
                    "oprestore-convert -h)", in);
    or_err err;
    char dir_out[4096 + 300], bin_default[4096];
    if (g.n_in > 1 || or_convert_is_folder(in)) { /* one model in several files */
        if (into) {
            mkdir(into, 0755);
            snprintf(dir_out, sizeof dir_out, "%s/deep-exemplar.safetensors", into);
            out = dir_out;
        }
        for (int i = 0; i < g.n_in; i++)
            if (!strcmp(g.ins[i], out) || or_same_file(g.ins[i], out))
                return fail(2, "%s: the output would overwrite the input", out);
        if (or_convert_files(g.ins, g.n_in, out, &o, &err) != OR_OK)
            return fail(1, "%s", err.msg);
        return report_output(out);
    }
    if (!in_bin && or_convert_is_ncnn_param(in)) {
        ncnn_bin_path_for(in, bin_default, sizeof bin_default);
        in_bin = bin_default;
    }
    if (into) {
        int failed;
        mkdir(into, 0755);
        if (output_in_dir(in, in_bin, into, dir_out, sizeof dir_out, &err, &failed)) {
            printf("%s: up to date (from %s)\n", OR_ESC(dir_out), OR_ESC(in));
            return 0;
        }
        if (failed)
            return fail(1, "%s", err.msg);
        out = dir_out;
    }
    if (!strcmp(in, out) || or_same_file(in, out) ||
        (in_bin && (!strcmp(in_bin, out) || or_same_file(in_bin, out))))
        return fail(2, "%s: the output would overwrite the input", out);
    or_status s = in_bin ? or_convert_ncnn(in, in_bin, out, &o, &err)
                         : or_convert_file(in, out, &o, &err);
    if (s != OR_OK)
        return fail(1, "%s", err.msg);
    return report_output(out);
}
