/* tile.c: running a network over an image tile by tile (or_upscale_planes),
 * the padding to the network's size multiple, and the automatic tile size.
 *
 * The tiling is RealESRGANer.tile_process(): the (padded) image is cut into a
 * grid of tile x tile pieces; each is run with up to `pad` pixels of context
 * on every side, clipped at the image border, and only the piece's own region,
 * times the scale, is copied to the output.  Within the image, a convolution
 * whose receptive field is narrower than the context sees exactly what it
 * would see in one pass, so the seams cannot be seen.
 *
 * Two departures, both so that every tile a pixel-unshuffle network receives
 * has sides that are multiples of net->size_multiple: the tile size and the
 * context are rounded up to that multiple (Real-ESRGAN's 10-pixel context
 * breaks its own x1 model, whose multiple is 4). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "upscale.h"

static int round_up(int x, int m) { return (x + m - 1) / m * m; }
static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

or_upscale_opts or_upscale_defaults(void)
{
    or_upscale_opts o = {0};
    o.tile_pad = OR_UPSCALE_TILE_PAD;
    return o;
}

static int net_multiple(const or_net *net)
{
    return net->size_multiple > 0 ? net->size_multiple : 1;
}

/* Arena bytes one forward of a th x tw tile needs: the network's workspace and
 * the input and output tensors (with their alignment). */
static size_t tile_cost(const or_net *net, int th, int tw)
{
    size_t ds = or_dtype_size(net->dtype), s = (size_t)net->scale;
    size_t ws = net->workspace_bytes ? net->workspace_bytes(net, th, tw) : 0;
    size_t px = (size_t)th * (size_t)tw;
    return ws + px * (size_t)net->in_ch * ds + px * s * s * (size_t)net->out_ch * ds +
           2 * OR_ARENA_ALIGN;
}

size_t or_upscale_budget(or_backend *be)
{
    size_t avail = be->mem_available ? be->mem_available(be) : 0;
    size_t cap = or_arena_capacity(&be->arena);
    size_t held = cap > be->arena.used ? cap - be->arena.used : 0;
    size_t budget = avail ? (avail + held) / 5 * 4 : OR_UPSCALE_CPU_BUDGET;
    if (be->kind == OR_BACKEND_CPU && budget > OR_UPSCALE_CPU_BUDGET)
        budget = OR_UPSCALE_CPU_BUDGET;
    return budget;
}

int or_upscale_auto_tile(const or_net *net, int h, int w, int tile_pad, size_t budget)
{
    int m = net_multiple(net);
    int hp = round_up(h, m), wp = round_up(w, m), pad = round_up(tile_pad, m);
    if (tile_cost(net, hp, wp) <= budget)
        return 0;
    int maxd = imax(hp, wp);
    for (int t = maxd / 32 * 32; t >= 32; t -= 32) {
        int tt = round_up(t, m);
        if (tile_cost(net, imin(tt + 2 * pad, hp), imin(tt + 2 * pad, wp)) <= budget)
            return tt;
    }
    return round_up(OR_UPSCALE_MIN_TILE, m);
}

/* Several devices and no tile size given: the largest tile (a multiple of m, at most `tile`, at
 * least OR_UPSCALE_MIN_TILE) that cuts the image into at least two tiles per device, so that every
 * device works on one image (the output is then that of -g 0 with this tile size). */
static int tile_for_devices(int tile, int hp, int wp, int m, int devices)
{
    int lo = round_up(OR_UPSCALE_MIN_TILE, m);
    for (int t = tile / m * m; t >= lo; t -= m) {
        long count = (long)((hp + t - 1) / t) * ((wp + t - 1) / t);
        if (count >= 2L * devices)
            return t;
    }
    return tile > lo ? lo : tile;
}

/* Index of row/column i (n <= i < n+pad) after padding n samples at the end:
 * torch 'reflect' (the edge sample not repeated) when pad < n, else the edge. */
static int pad_index(int i, int n, int pad)
{
    if (i < n)
        return i;
    return pad < n ? 2 * (n - 1) - i : n - 1;
}

static void pad_planes(const float *in, int c, int h, int w, float *out, int hp, int wp)
{
    for (int ch = 0; ch < c; ch++)
        for (int y = 0; y < hp; y++) {
            const float *src = in + ((size_t)ch * h + pad_index(y, h, hp - h)) * w;
            float *dst = out + ((size_t)ch * hp + y) * wp;
            memcpy(dst, src, (size_t)w * sizeof *dst);
            for (int x = w; x < wp; x++)
                dst[x] = src[pad_index(x, w, wp - w)];
        }
}

typedef struct {
    const float *img; /* padded input, in_ch x hp x wp */
    int hp, wp;
    int h, w;         /* the unpadded size: output is cropped to h*s x w*s */
    float *out;
} tile_job;

/* One pass over the grid: tile i is row i / cols, column i % cols.  Tile k <
 * workers goes to worker k (so every device gets work even when its thread
 * starts late); the others are taken in turn from the shared counter. */
typedef struct {
    const tile_job *j;
    int tile, ctx, cols, count, workers;
    atomic_int next; /* the next tile nobody has taken */
    atomic_int stop; /* a worker failed: the others stop taking tiles */
} tile_grid;

typedef struct {
    tile_grid *g;
    or_net *net;
    int first[OR_UPSCALE_MAX_DEVICES], nfirst, taken; /* tiles dealt before the counter */
    int done;   /* tiles this worker ran */
    or_status st;
    or_err err;
} tile_worker;

static int next_tile(tile_worker *w)
{
    return w->taken < w->nfirst ? w->first[w->taken++] : atomic_fetch_add(&w->g->next, 1);
}

/* Tile i through w->net (tin, tout: host buffers of the largest tile), its own
 * region written into the output. */
static or_status run_tile(tile_worker *w, int i, float *tin, float *tout)
{
    const tile_grid *g = w->g;
    const tile_job *j = g->j;
    or_net *net = w->net;
    or_backend *be = net->be;
    or_err *err = &w->err;
    const int C = net->in_ch, Co = net->out_ch, s = net->scale, tile = g->tile, ctx = g->ctx;
    const size_t oh = (size_t)j->h * s, ow = (size_t)j->w * s;
    const int y0 = i / g->cols * tile, x0 = i % g->cols * tile;
    const int y1 = imin(y0 + tile, j->hp), x1 = imin(x0 + tile, j->wp);
    const int yp0 = imax(y0 - ctx, 0), yp1 = imin(y1 + ctx, j->hp);
    const int xp0 = imax(x0 - ctx, 0), xp1 = imin(x1 + ctx, j->wp);
    const int th = yp1 - yp0, tw = xp1 - xp0;
    for (int c = 0; c < C; c++)
        for (int y = yp0; y < yp1; y++)
            memcpy(tin + ((size_t)c * th + (y - yp0)) * tw,
                   j->img + ((size_t)c * j->hp + y) * j->wp + xp0, (size_t)tw * sizeof *tin);

    or_arena_mark mark = or_arena_get_mark(&be->arena);
    or_tensor x, yt;
    or_status st = or_tensor_alloc(be, &x, 1, C, th, tw, net->dtype, "upscale tile input", err);
    if (st == OR_OK)
        st = or_tensor_upload_f32(&x, tin, err);
    if (st == OR_OK)
        st = or_tensor_alloc(be, &yt, 1, Co, th * s, tw * s, net->dtype, "upscale tile output",
                             err);
    if (st == OR_OK)
        st = net->forward(net, &x, &yt, err);
    if (st == OR_OK)
        st = or_tensor_download_f32(&yt, tout, err);
    or_arena_reset(&be->arena, mark);
    if (st != OR_OK)
        return st;

    /* the tile's own region, scaled, cropped to the unpadded output */
    const size_t oy0 = (size_t)y0 * s, oy1 = imin(y1 * s, (int)oh);
    const size_t ox0 = (size_t)x0 * s, ox1 = imin(x1 * s, (int)ow);
    if (oy0 >= oy1 || ox0 >= ox1)
        return OR_OK;
    const size_t tws = (size_t)tw * s, ths = (size_t)th * s;
    for (int c = 0; c < Co; c++)
        for (size_t oy = oy0; oy < oy1; oy++)
            memcpy(j->out + ((size_t)c * oh + oy) * ow + ox0,
                   tout + ((size_t)c * ths + (oy - (size_t)yp0 * s)) * tws +
                       (ox0 - (size_t)xp0 * s),
                   (ox1 - ox0) * sizeof *tout);
    return OR_OK;
}

static void *tile_worker_run(void *arg)
{
    tile_worker *w = arg;
    tile_grid *g = w->g;
    const tile_job *j = g->j;
    const or_net *net = w->net;
    const int s = net->scale;
    const int max_th = imin(g->tile + 2 * g->ctx, j->hp);
    const int max_tw = imin(g->tile + 2 * g->ctx, j->wp);
    float *tin = malloc((size_t)net->in_ch * max_th * max_tw * sizeof *tin);
    float *tout = malloc((size_t)net->out_ch * max_th * s * max_tw * s * sizeof *tout);
    w->st = OR_OK;
    if (!tin || !tout)
        w->st = or_errf(&w->err, OR_ENOMEM, "upscale: out of host memory for %dx%d tiles",
                        max_tw, max_th);
    else if (g->workers > 1) /* the calling thread too: it drives the first device */
        w->st = or_backend_use(net->be, &w->err);
    for (int i = next_tile(w); w->st == OR_OK && i < g->count && !atomic_load(&g->stop);
         i = next_tile(w)) {
        w->st = run_tile(w, i, tin, tout);
        w->done += w->st == OR_OK;
    }
    if (w->st != OR_OK) {
        atomic_store(&g->stop, 1);
        if (g->workers > 1)
            or_err_prefix(&w->err, "%s", net->be->name);
    }
    free(tin);
    free(tout);
    return NULL;
}

/* One pass over the grid with the given tile size on the n nets (one worker
 * each, nets[0] on this thread); done[k]: tiles nets[k] ran.  The first
 * worker's failure other than running out of memory is returned, else
 * OR_ENOMEM when one ran out (the caller halves the tile). */
static or_status run_tiles(const tile_job *j, or_net *const *nets, int n, int tile, int pad,
                           int *done, or_err *err)
{
    tile_grid g = {.j = j, .tile = tile, .workers = n};
    g.ctx = (tile >= j->hp && tile >= j->wp) ? 0 : pad;
    g.cols = (j->wp + tile - 1) / tile;
    g.count = g.cols * ((j->hp + tile - 1) / tile);
    atomic_init(&g.next, n);
    atomic_init(&g.stop, 0);
    tile_worker w[OR_UPSCALE_MAX_DEVICES];
    pthread_t t[OR_UPSCALE_MAX_DEVICES];
    int started[OR_UPSCALE_MAX_DEVICES] = {0};
    for (int k = 0; k < n; k++)
        w[k] = (tile_worker){.g = &g, .net = nets[k], .first = {k}, .nfirst = 1};
    /* a worker whose thread cannot start: its first tile to this thread's */
    for (int k = 1; k < n; k++)
        if (!(started[k] = pthread_create(&t[k], NULL, tile_worker_run, &w[k]) == 0))
            w[0].first[w[0].nfirst++] = k;
    tile_worker_run(&w[0]);
    or_status st = OR_OK;
    for (int k = 0; k < n; k++) {
        if (started[k])
            pthread_join(t[k], NULL);
        done[k] = w[k].done;
        if (w[k].st != OR_OK && (st == OR_OK || (st == OR_ENOMEM && w[k].st != OR_ENOMEM))) {
            st = w[k].st;
            *err = w[k].err;
        }
    }
    return st;
}

or_status or_upscale_planes(or_net *net, const float *in, int h, int w, const or_upscale_opts *o,
                            float *out, or_upscale_info *info, or_err *err)
{
    or_upscale_opts def = or_upscale_defaults();
    if (!o)
        o = &def;
    if (h < 1 || w < 1)
        return or_errf(err, OR_EINVAL, "upscale: bad input size %dx%d", w, h);
    if (net->scale < 1 || net->in_ch < 1 || net->out_ch < 1 || !net->forward)
        return or_errf(err, OR_EINVAL, "upscale: network %s is not an upscaler (scale %d)",
                       net->arch ? net->arch : "?", net->scale);
    if (o->tile < 0 || o->tile_pad < 0)
        return or_errf(err, OR_EINVAL, "upscale: bad tile size %d / tile pad %d", o->tile,
                       o->tile_pad);
    if ((double)h * net->scale > INT32_MAX / 4 || (double)w * net->scale > INT32_MAX / 4)
        return or_errf(err, OR_EINVAL, "upscale: %dx%d x%d is too large", w, h, net->scale);
    if (o->n_more < 0 || o->n_more >= OR_UPSCALE_MAX_DEVICES || (o->n_more && !o->more_nets))
        return or_errf(err, OR_EINVAL, "upscale: %d more devices (at most %d in all)", o->n_more,
                       OR_UPSCALE_MAX_DEVICES);
    or_net *nets[OR_UPSCALE_MAX_DEVICES] = {net};
    const int n = 1 + o->n_more;
    for (int k = 1; k < n; k++) {
        const or_net *x = nets[k] = o->more_nets[k - 1];
        if (!x || !x->forward || x->scale != net->scale || x->in_ch != net->in_ch ||
            x->out_ch != net->out_ch || net_multiple(x) != net_multiple(net))
            return or_errf(err, OR_EINVAL, "upscale: the network on device %d is not the one on "
                           "the first", k);
    }

    const int m = net_multiple(net);
    const int hp = round_up(h, m), wp = round_up(w, m), pad = round_up(o->tile_pad, m);
    if (info) {
        info->pad_h = hp - h;
        info->pad_w = wp - w;
        info->tiny_pad = hp - h >= h || wp - w >= w;
    }
    float *padded = NULL;
    if (hp != h || wp != w) {
        padded = malloc((size_t)net->in_ch * hp * wp * sizeof *padded);
        if (!padded)
            return or_errf(err, OR_ENOMEM, "upscale: out of host memory for %dx%d", wp, hp);
        pad_planes(in, net->in_ch, h, w, padded, hp, wp);
    }
    tile_job j = {padded ? padded : in, hp, wp, h, w, out};

    int tile = o->tile;
    if (tile == 0) {
        size_t budget = o->mem_budget ? o->mem_budget : or_upscale_budget(net->be);
        tile = or_upscale_auto_tile(net, h, w, o->tile_pad, budget);
    }
    tile = tile ? round_up(tile, m) : 0;
    if (tile == 0 || (tile >= hp && tile >= wp))
        tile = imax(hp, wp); /* one piece */
    if (o->tile == 0 && n > 1)
        tile = tile_for_devices(tile, hp, wp, m, n);

    int done[OR_UPSCALE_MAX_DEVICES] = {0}, ntiles = 0, retries = 0;
    or_status st;
    for (;;) {
        st = run_tiles(&j, nets, n, tile, pad, done, err);
        if (st != OR_ENOMEM)
            break;
        if (tile <= OR_UPSCALE_MIN_TILE) {
            or_err_prefix(err, "upscale: out of memory even with %dx%d tiles", tile, tile);
            break;
        }
        tile = round_up(imax(tile / 2 / m * m, OR_UPSCALE_MIN_TILE), m);
        retries++;
    }
    free(padded);
    if (info) {
        info->tile = tile >= hp && tile >= wp ? 0 : tile;
        info->retries += retries;
        info->devices = n;
        for (int k = 0; k < n; k++) {
            ntiles += done[k];
            info->device_tiles[k] += done[k];
        }
        info->tiles = ntiles;
    }
    return st;
}
