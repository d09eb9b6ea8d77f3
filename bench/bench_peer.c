/* bench_peer.c: --merge FILE, PyTorch's numbers beside ours.  FILE is what
 * bench/pytorch_peer.py writes: {"results": [{"stage", "name", "mode", "fps",
 * "available"}, ...]} with mode eager_fp32 / eager_fp16 / compile_fp16, or an
 * oprestore-bench JSON into which pytorch_peer.py --merge put each result's
 * "pytorch": {"<mode>": {"fps": ...}} (both are accepted).  Rows match on
 * stage and name. */
#include <string.h>

#include "bench.h"
#include "weights/json.h"

static const char *modes[3] = {"eager_fp32", "eager_fp16", "compile_fp16"};

static int mode_index(const char *m)
{
    for (int i = 0; m && i < 3; i++)
        if (strcmp(m, modes[i]) == 0)
            return i;
    return -1;
}

static bench_result *find(bench_result *r, int n, const char *stage, const char *name)
{
    for (int i = 0; stage && name && i < n; i++)
        if (strcmp(r[i].stage, stage) == 0 && strcmp(r[i].name, name) == 0)
            return &r[i];
    return NULL;
}

or_status bench_merge_peer(const char *path, bench_result *r, int n, or_err *err)
{
    json_value *root;
    OR_TRY(json_parse_file(path, &root, err));
    const json_value *res = json_get(root, "results");
    if (!res || res->type != JSON_ARRAY) {
        json_free(root);
        return or_errf(err, OR_EFORMAT, "%s: no \"results\" array", path);
    }
    for (size_t i = 0; i < res->n; i++) {
        const json_value *e = &res->items[i];
        bench_result *x = find(r, n, json_str(e, "stage", NULL), json_str(e, "name", NULL));
        if (!x)
            continue;
        const json_value *avail = json_get(e, "available");
        int ok = !avail || (avail->type == JSON_BOOL && avail->num != 0);
        int m = mode_index(json_str(e, "mode", NULL));
        if (m >= 0 && ok)
            x->torch_fps[m] = json_num(e, "fps", 0);
        const json_value *pt = json_get(e, "pytorch");
        for (int k = 0; pt && pt->type == JSON_OBJECT && k < 3; k++) {
            const json_value *v = json_get(pt, modes[k]);
            if (v && v->type == JSON_OBJECT)
                x->torch_fps[k] = json_num(v, "fps", 0);
        }
    }
    json_free(root);
    return OR_OK;
}
