/* ckpt.h: reading PyTorch checkpoints (torch.save output) without Python.
 *
 * Both on-disk formats are understood:
 *   - zip (torch >= 1.6): <archive>/data.pkl + <archive>/data/<key>, stored
 *     (uncompressed) entries; a deflated entry is refused with a message.
 *   - legacy (pre-1.6, _use_new_zipfile_serialization=False): magic number,
 *     protocol, sys info, pickled object, storage key list, raw storages.
 * The pickle reader (pickle.h) builds plain data and never imports or calls
 * anything: torch._utils._rebuild_tensor_v2, collections.OrderedDict and the
 * storage classes are recognised by name; any other global becomes an opaque
 * value, and a checkpoint that needs one to reach its tensors is refused.
 *
 * ckpt_read_state_dict() then finds the state dict inside the usual wrappers
 * (Real-ESRGAN params_ema (preferred) / params, fastai 'model', 'state_dict',
 * a bare dict), strips a 'module.' prefix present on every key (RIFE), and
 * returns a flat list of tensors, contiguous, converted to float32. */
#ifndef OR_CKPT_H
#define OR_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "runtime/core/status.h"

#define CK_MAX_DIMS 8

typedef enum {
    CK_F32 = 0, CK_F16, CK_BF16, CK_F64, CK_I64, CK_I32, CK_I16, CK_I8, CK_U8, CK_BOOL
} ck_dtype;

typedef struct {
    char *name;                 /* key in the state dict, wrapper and 'module.' removed */
    ck_dtype src_dtype;         /* dtype of the storage in the checkpoint */
    int ndim;
    int64_t shape[CK_MAX_DIMS];
    int64_t numel;
    float *data;                /* contiguous row-major copy, converted to f32 (ints too) */
} ck_tensor;

typedef struct {
    ck_tensor *t;
    int n;
    char format[16];            /* "zip" or "legacy" */
    char wrapper[32];           /* "params_ema", "params", "model", "state_dict", "" (bare) */
    int stripped_module_prefix; /* 1 when 'module.' was removed from every key */
} ck_state_dict;

/* Read path into sd. On error sd is left empty and err says
 * "<path>: <what>" in one line. */
or_status ckpt_read_state_dict(const char *path, ck_state_dict *sd, or_err *err);
/* Same, from a buffer (for tests and the fuzzer); name is used in messages. */
or_status ckpt_read_state_dict_mem(const uint8_t *buf, size_t len, const char *name,
                                   ck_state_dict *sd, or_err *err);
void ckpt_free(ck_state_dict *sd);

/* Lookup by exact name; NULL when absent. */
const ck_tensor *ckpt_find(const ck_state_dict *sd, const char *name);
const char *ck_dtype_name(ck_dtype d);

#endif
