/* fuzz_safetensors.c: libFuzzer target for the safetensors header parser
 * (and through it the JSON reader). Every input must parse or fail cleanly. */
#include <stddef.h>
#include <stdint.h>

#include "weights/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    st_file f;
    or_err err;
    if (st_parse(data, size, "fuzz", &f, &err) == OR_OK) {
        float tmp[64];
        for (int i = 0; i < f.n; i++)
            if (f.t[i].numel <= 64)
                st_read_f32(&f, &f.t[i], tmp, &err);
        st_close(&f);
    }
    return 0;
}
