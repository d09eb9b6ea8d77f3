/* convert.c: checkpoint -> safetensors model file. */
#include "convert.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "arch_dex.h"
#include "arch_sr_ncnn.h"
#include "runtime/core/fileutil.h"
#include "ncnn_param.h"

static or_status list_names(const ck_state_dict *sd, char *buf, size_t n)
{
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; i < sd->n && i < 6 && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? ", " : "", sd->t[i].name);
    if (sd->n > 6 && k < n)
        snprintf(buf + k, n - k, ", ... (%d tensors)", sd->n);
    return OR_OK;
}

or_status or_convert_state_dict(const ck_state_dict *sd, const or_convert_opts *o,
                                or_model_builder *mb, const or_arch **arch_out, or_err *err)
{
    const or_arch *arch = NULL;
    if (o && o->arch) {
        arch = or_arch_find(o->arch);
        if (!arch)
            return or_errf(err, OR_EINVAL, "--arch %s: unknown architecture (see --list-archs)",
                           OR_ESC(o->arch));
    } else {
        arch = or_arch_detect(sd);
        if (!arch) {
            char names[512];
            list_names(sd, names, sizeof names);
            return or_errf(err, OR_EUNSUPPORTED,
                           "unknown checkpoint layout: no supported architecture has tensors named "
                           "like %s (use --arch to force one)",
                           OR_ESC(names));
        }
    }
    if (!arch->convert)
        return or_errf(err, OR_EUNSUPPORTED, "%s: converter not available in this build",
                       OR_ESC(arch->name));
    mb_meta_str(mb, "arch", arch->name);
    OR_TRY(arch->convert(sd, mb, err));
    mb_meta_str(mb, "arch", arch->name);
    mb_meta_str(mb, "converter_version", OR_CONVERTER_VERSION);
    if (arch_out)
        *arch_out = arch;
    return OR_OK;
}

/* Source metadata and the file; sd and mb are consumed by the caller. */
static or_status write_model(or_model_builder *mb, const char *in_path, const char *format,
                             const char *wrapper, const char *out_path, const or_convert_opts *o,
                             or_err *err)
{
    char sha[65];
    OR_TRY(or_sha256_file(in_path, sha, err));
    const char *base = strrchr(in_path, '/');
    mb_meta_str(mb, "source_file", base ? base + 1 : in_path);
    mb_meta_str(mb, "source_sha256", sha);
    mb_meta_str(mb, "source_format", format);
    mb_meta_str(mb, "source_wrapper", wrapper[0] ? wrapper : "(bare)");
    mb_meta_str(mb, "dtype", o && o->dtype == MB_F16 ? "f16" : "f32");
    return mb_write_safetensors(mb, out_path, o ? o->dtype : MB_F32, err);
}

int or_convert_is_ncnn_param(const char *path)
{
    /* regular files only (or_open_input): sniffing a FIFO must not block */
    uint8_t head[64];
    int fd;
    size_t size;
    or_err err;
    if (or_open_input(path, 0, &fd, &size, &err) != OR_OK)
        return 0;
    ssize_t n = read(fd, head, sizeof head);
    close(fd);
    return n > 0 && ncnn_param_sniff(head, (size_t)n);
}

or_status or_convert_ncnn(const char *param_path, const char *bin_path, const char *out_path,
                          const or_convert_opts *o, or_err *err)
{
    ck_state_dict sd;
    ncnn_sr_info info;
    OR_TRY(ncnn_sr_state_dict(param_path, bin_path, &sd, &info, err));
    or_convert_opts oo = o ? *o : (or_convert_opts){NULL, MB_F32, 0};
    if (oo.arch && strcmp(oo.arch, info.arch) != 0) {
        ckpt_free(&sd);
        return or_errf(err, OR_EINVAL, "%s: --arch %s, but the graph is %s", param_path, oo.arch,
                       info.arch);
    }
    oo.arch = info.arch;
    or_model_builder mb;
    mb_init(&mb);
    char sha[65];
    or_status s = or_convert_state_dict(&sd, &oo, &mb, NULL, err);
    if (s != OR_OK)
        or_err_prefix(err, "%s", OR_ESC(param_path));
    if (s == OR_OK)
        s = or_sha256_file(bin_path, sha, err);
    if (s == OR_OK) {
        const char *base = strrchr(bin_path, '/');
        mb_meta_str(&mb, "source_bin_file", base ? base + 1 : bin_path);
        mb_meta_str(&mb, "source_bin_sha256", sha);
        mb_meta_str(&mb, "source_weights_storage", info.storage);
        s = write_model(&mb, param_path, "ncnn", "(ncnn graph)", out_path, &oo, err);
    }
    mb_free(&mb);
    ckpt_free(&sd);
    return s;
}

or_status or_convert_file(const char *in_path, const char *out_path, const or_convert_opts *o,
                          or_err *err)
{
    size_t n = strlen(in_path);
    /* a .param without the magic gets the ncnn parser's message */
    if (or_convert_is_ncnn_param(in_path) || (n > 6 && !strcmp(in_path + n - 6, ".param"))) {
        char bin[4096];
        ncnn_bin_path_for(in_path, bin, sizeof bin);
        return or_convert_ncnn(in_path, bin, out_path, o, err);
    }
    ck_state_dict sd;
    OR_TRY(ckpt_read_state_dict(in_path, &sd, err));
    if (!(o && o->arch) && dex_part_of(&sd)) {
        or_errf(err, OR_EINVAL,
                "%s: one of the three files of Deep Exemplar (%s); convert the three together "
                "(nonlocal_net_iter_76000.pth colornet_iter_76000.pth vgg19_conv.pth, or their "
                "folder)", OR_ESC(in_path), dex_part_of(&sd));
        ckpt_free(&sd);
        return OR_EINVAL;
    }
    or_model_builder mb;
    mb_init(&mb);
    or_status s = or_convert_state_dict(&sd, o, &mb, NULL, err);
    if (s != OR_OK)
        or_err_prefix(err, "%s", in_path);
    if (s == OR_OK)
        s = write_model(&mb, in_path, sd.format, sd.wrapper, out_path, o, err);
    mb_free(&mb);
    ckpt_free(&sd);
    return s;
}
