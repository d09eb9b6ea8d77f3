/* fuzz_ckpt.c: libFuzzer target for the checkpoint reader (zip, legacy
 * pickle, tensor layouts).  Any input must give a state dict or a clean
 * one-line error: no crash, hang, leak or out-of-bounds access.
 * Seed corpus: tests/fixtures/ckpt_reader/ (stored zip entries carry no
 * CRC check, so mutations reach the pickle VM through zip files too). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "convert/ckpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ck_state_dict sd;
    or_err err = {0};
    if (ckpt_read_state_dict_mem(data, size, "fuzz", &sd, &err) == OR_OK) {
        /* Touch every output value so a short allocation shows up. */
        volatile float sum = 0.0f;
        for (int i = 0; i < sd.n; i++)
            for (int64_t j = 0; j < sd.t[i].numel; j++)
                sum += sd.t[i].data[j];
        (void)sum;
        ckpt_free(&sd);
    } else if (!err.msg[0] || strchr(err.msg, '\n')) {
        __builtin_trap();   /* every error must say what went wrong, on one line */
    }
    return 0;
}
