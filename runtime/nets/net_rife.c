/* net_rife.c: the RIFE IFNet, v4.5 and later (Practical-RIFE
 * train_log/IFNet_HDv3.py): hyperparameters from the converter's metadata
 * (docs/converters/interpolate.md) and the canonical weights.  The forward
 * pass is in net_rife_forward.c; docs/stages/rife.md describes both. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net_rife.h"

static or_status load_weights(void *impl, or_err *err)
{
    rife *m = impl;
    or_net_weights *w = &m->wts;
    char name[64];
    if (m->head_ch) {
        int hw = m->head_w;
        OR_TRY(or_netw_conv(w, "head.conv0", hw, 3, 3, &m->head[0].w, &m->head[0].b, err));
        OR_TRY(or_netw_conv(w, "head.conv1", hw, hw, 3, &m->head[1].w, &m->head[1].b, err));
        OR_TRY(or_netw_conv(w, "head.conv2", hw, hw, 3, &m->head[2].w, &m->head[2].b, err));
        OR_TRY(or_netw_deconv(w, "head.deconv", hw, m->head_ch, 4, &m->head[3].w, &m->head[3].b,
                           err));
    }
    for (int i = 0; i < m->n_blocks; i++) {
        rf_block *b = &m->blk[i];
        snprintf(name, sizeof name, "block%d.conv0", i);
        OR_TRY(or_netw_conv(w, name, b->c / 2, b->cin, 3, &b->conv0.w, &b->conv0.b, err));
        snprintf(name, sizeof name, "block%d.conv1", i);
        OR_TRY(or_netw_conv(w, name, b->c, b->c / 2, 3, &b->conv1.w, &b->conv1.b, err));
        for (int j = 0; j < RF_N_RES; j++) {
            snprintf(name, sizeof name, "block%d.res%d", i, j);
            OR_TRY(or_netw_conv(w, name, b->c, b->c, 3, &b->res[j].w, &b->res[j].b, err));
        }
        snprintf(name, sizeof name, "block%d.up", i);
        OR_TRY(or_netw_deconv(w, name, b->c, 4 * m->k, 4, &b->up.w, &b->up.b, err));
    }
    return OR_OK;
}

static void rife_destroy(or_net *net)
{
    rife *m = net->impl;
    or_netw_free(&m->wts);
    free(m);
}

/* "scales" must be 2^(N-1-i): the official scale_list (Model.inference) the
 * forward pass implements. */
static or_status check_scales(const st_file *f, int n, or_err *err)
{
    const char *v;
    char want[96] = "";
    OR_TRY(or_net_meta_str(f, "scales", &v, err));
    for (int i = 0; i < n; i++) {
        size_t len = strlen(want);
        snprintf(want + len, sizeof want - len, "%s%d", i ? "," : "", 1 << (n - 1 - i));
    }
    if (strcmp(v, want) != 0)
        return or_errf(err, OR_EUNSUPPORTED,
                       "%s: metadata scales = '%s': only the official '%s' is supported", f->path,
                       v, want);
    return OR_OK;
}

static or_status read_meta(const st_file *f, rife *m, or_err *err)
{
    const char *mask;
    char key[32];
    OR_TRY(or_net_meta_int(f, "n_blocks", 1, RF_MAX_BLOCKS, &m->n_blocks, err));
    OR_TRY(or_net_meta_int(f, "block_channels", 5, 256, &m->k, err));
    OR_TRY(or_net_meta_int(f, "head_width", 0, 4096, &m->head_w, err));
    OR_TRY(or_net_meta_int(f, "head_channels", 0, 4096, &m->head_ch, err));
    OR_TRY(or_net_meta_int(f, "feat_channels", 0, 256, &m->feat, err));
    OR_TRY(or_net_meta_str(f, "mask", &mask, err));
    OR_TRY(check_scales(f, m->n_blocks, err));
    if (strcmp(mask, "add") && strcmp(mask, "replace"))
        return or_errf(err, OR_EFORMAT, "%s: metadata mask = '%s': expected 'add' or 'replace'",
                       f->path, mask);
    m->add_mask = strcmp(mask, "add") == 0;
    if (m->feat != 0 && m->feat != m->k - 5)
        return or_errf(err, OR_EFORMAT,
                       "%s: metadata feat_channels = %d: expected 0 or block_channels - 5 = %d",
                       f->path, m->feat, m->k - 5);
    if ((m->head_w == 0) != (m->head_ch == 0))
        return or_errf(err, OR_EFORMAT,
                       "%s: metadata head_width = %d, head_channels = %d: both or neither",
                       f->path, m->head_w, m->head_ch);
    for (int i = 0; i < m->n_blocks; i++) {
        snprintf(key, sizeof key, "block%d.width", i);
        OR_TRY(or_net_meta_int(f, key, 2, 8192, &m->blk[i].c, err));
        if (m->blk[i].c % 2)
            return or_errf(err, OR_EFORMAT, "%s: metadata %s = %d: must be even", f->path, key,
                           m->blk[i].c);
        m->blk[i].cin = rf_block_in(m, i);
    }
    return OR_OK;
}

or_status or_net_rife_load(const st_file *f, or_backend *be, or_dtype dtype, or_net **out,
                           or_err *err)
{
    *out = NULL;
    rife *m = calloc(1, sizeof *m);
    if (!m)
        return or_errf(err, OR_ENOMEM, "%s: out of host memory", f->path);
    or_status s = read_meta(f, m, err);
    if (s != OR_OK) {
        free(m);
        return s;
    }
    or_net *net = &m->net;
    /* in/out: 3 channels (the frames); scale 1; the multiple for flow scale 1
     * (interpolate() checks the one of the scale it is given). */
    or_net_init_common(net, "rife", f->path, be, dtype, 3, 3, 1, rf_size_multiple(m, 1.0f));
    net->interpolate = rf_interpolate;
    net->flows = rf_flows;
    net->frame_pad = rf_frame_pad;
    net->workspace_bytes = rf_workspace;
    net->destroy = rife_destroy;
    net->impl = m;
    return or_net_finish_load(net, &m->wts, f, load_weights, out, err);
}
