/* fuzz_ncnn.c: libFuzzer target for the ncnn model reader (convert/ncnn_param.c,
 * ncnn_graph.c, arch_sr_ncnn.c).  The input is a .param and a .bin: the first
 * two bytes give the .param's length (little-endian, at most 65535), then the
 * .param text, then the .bin.  Any input must give a state dict or a clean
 * one-line error: no crash, hang, leak or out-of-bounds access.
 * Seed corpus: build it from tests/fixtures/ncnn/ (printf the length, cat the
 * two files), e.g. for the SRVGG fixture:
 *   f=tests/fixtures/ncnn/ncnn_srvgg_x4_prelu; n=$(stat -c %s $f.param)
 *   { printf "\\x$(printf %02x $((n & 255)))\\x$(printf %02x $((n >> 8)))"; cat $f.param $f.bin; } > corpus/srvgg */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "convert/arch_sr_ncnn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t pl = (size_t)data[0] | (size_t)data[1] << 8;
    if (pl > size - 2)
        return 0;
    ck_state_dict sd;
    ncnn_sr_info info;
    or_err err = {0};
    if (ncnn_sr_state_dict_mem((const char *)data + 2, pl, "fuzz.param", data + 2 + pl,
                               size - 2 - pl, "fuzz.bin", &sd, &info, &err) == OR_OK) {
        volatile float sum = 0.0f;
        for (int i = 0; i < sd.n; i++)
            for (int64_t j = 0; j < sd.t[i].numel; j++)
                sum += sd.t[i].data[j];
        (void)sum;
        ckpt_free(&sd);
    } else if (!err.msg[0] || strchr(err.msg, '\n')) {
        __builtin_trap();
    }
    return 0;
}
