/* arch_dain_depth.c: the layer table of DAIN's depthNet, the MegaDepth
 * hourglass (MegaDepth/pytorch_DIW_scratch.py, converted from Torch7).
 *
 *   depthNet.0 conv7x7 3->128, .1 BatchNorm(128), .2 ReLU,
 *   depthNet.3 Channels4, depthNet.4 conv3x3 64->1
 *
 * ChannelsN = Sequential(ConcatTable(branch, branch), CAddTable): one branch
 * goes down (pool, inceptions, Channels(N-1), inceptions, nearest 2x
 * upsample), the other is a skip path of inceptions; the two are added.
 * Channels4/3 put the down path first and max-pool, Channels2/1 put the skip
 * path first and average-pool.  Every inception is a Concat of 4 towers:
 *   t0: conv1x1, BN, ReLU                                   (.0 conv, .1 BN)
 *   tT: conv1x1 (reduce), BN, ReLU, convKxK, BN, ReLU        (.0/.1, .3/.4)
 * with BatchNorm2d(c, 1e-5, 0.1, affine=False): running stats only.
 * The widths are hard-coded; a narrowed copy (all widths / div) is accepted. */
#include <stdarg.h>
#include <stdio.h>

#include "arch_dain.h"

/* snprintf for the short layer names built here (never near the buffer
 * sizes); through vsnprintf so that -Wformat-truncation stays quiet. */
static void fmt(char *buf, size_t n, const char *f, ...) __attribute__((format(printf, 3, 4)));
static void fmt(char *buf, size_t n, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, n, f, ap);
    va_end(ap);
}

/* One inception: 1x1 width, then (kernel, reduce width, width) of towers 1..3. */
typedef struct {
    int c0;
    int k[3], r[3], c[3];
} inception_spec;

enum { A128_32, A128_64, A256, B256, A256_32, B128_32, C128_32, D128_16, E128_16 };

static const inception_spec inceptions[] = {
    [A128_32] = {32, {3, 5, 7}, {32, 32, 32}, {32, 32, 32}},
    [A128_64] = {64, {3, 5, 7}, {32, 32, 32}, {64, 64, 64}},
    [A256] = {64, {3, 5, 7}, {32, 32, 32}, {64, 64, 64}},
    [B256] = {64, {3, 7, 11}, {64, 64, 64}, {64, 64, 64}},
    [A256_32] = {32, {3, 5, 7}, {32, 32, 32}, {32, 32, 32}},
    [B128_32] = {32, {3, 7, 11}, {64, 64, 64}, {32, 32, 32}},
    [C128_32] = {32, {3, 5, 7}, {64, 64, 64}, {32, 32, 32}},
    [D128_16] = {16, {3, 7, 11}, {32, 32, 32}, {16, 16, 16}},
    [E128_16] = {16, {3, 7, 11}, {64, 64, 64}, {16, 16, 16}},
};

/* Path items: an inception id, or one of these parameter-free steps. */
enum { POOL = -1, UP = -2, INNER = -3, END = -9 };

typedef struct {
    int in;          /* input width (official) */
    int down_first;  /* branch order inside the ConcatTable */
    int down[8], skip[3];
} level_spec;

static const level_spec levels[5] = {
    [4] = {128, 1, {POOL, A128_32, A128_32, INNER, C128_32, D128_16, UP, END}, {E128_16, END}},
    [3] = {128, 1, {POOL, A128_32, A128_64, INNER, A256, A256_32, UP, END}, {A128_32, B128_32, END}},
    [2] = {256, 0, {POOL, A256, A256, INNER, A256, B256, UP, END}, {A256, B256, END}},
    [1] = {256, 0, {POOL, A256, A256, A256, UP, END}, {A256, A256, END}},
};

static int inception_width(const inception_spec *s) { return s->c0 + s->c[0] + s->c[1] + s->c[2]; }

static void add_tower_conv(dain_layers *t, const char *dst, const char *src, int conv_idx,
                           int64_t o, int64_t i, int64_t k)
{
    char s[128];
    fmt(s, sizeof s, "%s.%d", src, conv_idx);
    dain_layer *y = dain_add(t, DL_CONV_BNSTAT, dst, s, o, i, k, k, 1);
    if (y)
        fmt(y->bn, sizeof y->bn, "%s.%d", src, conv_idx + 1);
}

/* Inception at source path src, canonical prefix dst, input width in. */
static void add_inception(dain_layers *t, const inception_spec *s, const char *src,
                          const char *dst, int64_t in, int64_t div)
{
    char ts[128], td[96];
    fmt(ts, sizeof ts, "%s.0", src);
    fmt(td, sizeof td, "%s.t0", dst);
    add_tower_conv(t, td, ts, 0, s->c0 / div, in, 1);
    for (int k = 0; k < 3; k++) {
        fmt(ts, sizeof ts, "%s.%d", src, k + 1);
        fmt(td, sizeof td, "%s.t%d.reduce", dst, k + 1);
        add_tower_conv(t, td, ts, 0, s->r[k] / div, in, 1);
        fmt(td, sizeof td, "%s.t%d.conv", dst, k + 1);
        add_tower_conv(t, td, ts, 3, s->c[k] / div, s->r[k] / div, s->k[k]);
    }
}

static void add_level(dain_layers *t, int level, const char *src, int64_t div);

/* One branch: the items of a path at src.<pos>; canonical depth.c<level>.<name>.inc<j>. */
static void add_path(dain_layers *t, int level, const int *items, const char *name,
                     const char *src, int64_t div)
{
    int64_t width = levels[level].in / div;
    char s[128], d[96];
    for (int pos = 0, j = 0; items[pos] != END; pos++) {
        fmt(s, sizeof s, "%s.%d", src, pos);
        if (items[pos] == INNER) {
            add_level(t, level - 1, s, div); /* same width in and out */
        } else if (items[pos] >= 0) {
            fmt(d, sizeof d, "depth.c%d.%s.inc%d", level, name, j++);
            add_inception(t, &inceptions[items[pos]], s, d, width, div);
            width = inception_width(&inceptions[items[pos]]) / div;
        }
    }
}

static void add_level(dain_layers *t, int level, const char *src, int64_t div)
{
    const level_spec *l = &levels[level];
    char down[128], skip[128];
    fmt(down, sizeof down, "%s.0.%d", src, l->down_first ? 0 : 1);
    fmt(skip, sizeof skip, "%s.0.%d", src, l->down_first ? 1 : 0);
    add_path(t, level, l->down, "down", down, div);
    add_path(t, level, l->skip, "skip", skip, div);
}

void dain_depth_layers(dain_layers *t, int64_t div)
{
    dain_layer *y = dain_add(t, DL_CONV_BN, "depth.stem", "depthNet.0", 128 / div, 3, 7, 7, 1);
    if (y)
        fmt(y->bn, sizeof y->bn, "depthNet.1");
    add_level(t, 4, "depthNet.3", div);
    dain_add(t, DL_CONV, "depth.out", "depthNet.4", 1, 64 / div, 3, 3, 1);
}
