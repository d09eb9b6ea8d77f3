/* arch_deoldify_body.c: the ResNet encoder of a DeOldify generator.
 *
 * fastai's create_body keeps a torchvision ResNet's children minus avgpool and
 * fc, so under "layers.0." sit 0 conv1, 1 bn1, (2 relu, 3 maxpool), 4..7
 * layer1..layer4 with torchvision's block names.  Every BatchNorm here follows
 * its conv directly, so it is folded into the conv (arch_fold_conv_bn). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "arch_deoldify.h"

const char *deo_name(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return buf;
}

typedef struct {
    int bottleneck, blocks[4];
    const char *name;
} known_resnet;

static const known_resnet known[] = {
    {0, {2, 2, 2, 2}, "resnet18"},  {0, {3, 4, 6, 3}, "resnet34"},
    {1, {3, 4, 6, 3}, "resnet50"},  {1, {3, 4, 23, 3}, "resnet101"},
    {1, {3, 8, 36, 3}, "resnet152"},
};

static const char *resnet_name(const deo_body *b)
{
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        if (known[i].bottleneck == b->bottleneck &&
            memcmp(known[i].blocks, b->blocks, sizeof b->blocks) == 0)
            return known[i].name;
    return NULL;
}

/* Blocks in layer L: the longest run of indices with any of conv1/bn1/conv2,
 * so that one missing tensor does not shorten the count. */
static int count_blocks(const ck_state_dict *sd, int layer)
{
    static const char *const leaves[] = {"conv1.weight", "bn1.weight", "conv2.weight"};
    char fmt[96];
    int best = 0;
    for (int i = 0; i < 3; i++) {
        deo_name(fmt, sizeof fmt, "layers.0.%d.%%d.%s", 4 + layer, leaves[i]);
        int n = arch_count(sd, fmt, 0);
        best = n > best ? n : best;
    }
    return best;
}

/* dim 0 of the first of the given tensors present, else -1. */
static int64_t first_dim0(const ck_state_dict *sd, const char *a, const char *b)
{
    int64_t d = arch_dim(sd, a, 0);
    return d >= 0 ? d : arch_dim(sd, b, 0);
}

or_status deo_body_infer(const ck_state_dict *sd, deo_body *b, or_err *err)
{
    char a[96], c[96];
    memset(b, 0, sizeof *b);
    b->base = first_dim0(sd, "layers.0.0.weight", "layers.0.1.weight");
    b->in_ch = arch_dim(sd, "layers.0.0.weight", 1);
    if (b->in_ch < 0)
        b->in_ch = 3;
    b->bottleneck = arch_has(sd, "layers.0.4.0.conv3.weight") ||
                    arch_has(sd, "layers.0.4.0.bn3.weight");
    int64_t expansion = b->bottleneck ? 4 : 1;
    for (int L = 0; L < 4; L++) {
        b->blocks[L] = count_blocks(sd, L);
        b->planes[L] = first_dim0(sd, deo_name(a, sizeof a, "layers.0.%d.0.conv1.weight", 4 + L),
                                  deo_name(c, sizeof c, "layers.0.%d.0.bn1.weight", 4 + L));
        b->out[L] = b->planes[L] * expansion;
        if (b->blocks[L] == 0 || b->planes[L] <= 0)
            return or_errf(err, OR_EFORMAT,
                           "deoldify: no ResNet layer%d in the body (layers.0.%d.0.conv1.weight)",
                           L + 1, 4 + L);
    }
    if (b->base <= 0)
        return or_errf(err, OR_EFORMAT, "deoldify: no ResNet stem (layers.0.0.weight)");
    b->name = resnet_name(b);
    if (!b->name)
        return or_errf(err, OR_EUNSUPPORTED,
                       "deoldify: a ResNet body of %s blocks [%d,%d,%d,%d] is not one of "
                       "torchvision's resnet18/34/50/101/152",
                       b->bottleneck ? "Bottleneck" : "BasicBlock", b->blocks[0], b->blocks[1],
                       b->blocks[2], b->blocks[3]);
    return OR_OK;
}

/* torchvision: the first block of a layer downsamples when the stride is 2
 * (layer2..4) or the channels change (layer1 of a Bottleneck ResNet). */
static int has_downsample(const deo_body *b, int L, int blk, int64_t cin)
{
    return blk == 0 && (L > 0 || cin != b->out[L]);
}

static int64_t block_in(const deo_body *b, int L, int blk)
{
    if (blk > 0)
        return b->out[L];
    return L == 0 ? b->base : b->out[L - 1];
}

static void expect_block(const deo_body *b, arch_expect_list *l, int L, int blk)
{
    char p[96], q[112];
    int64_t cin = block_in(b, L, blk), pl = b->planes[L];
    deo_name(p, sizeof p, "layers.0.%d.%d", 4 + L, blk);
    if (b->bottleneck) {
        arch_expect_conv(l, deo_name(q, sizeof q, "%s.conv1", p), pl, cin, 1, 1, 0);
        arch_expect_conv(l, deo_name(q, sizeof q, "%s.conv2", p), pl, pl, 3, 3, 0);
        arch_expect_conv(l, deo_name(q, sizeof q, "%s.conv3", p), b->out[L], pl, 1, 1, 0);
        arch_expect_bn(l, deo_name(q, sizeof q, "%s.bn3", p), b->out[L]);
    } else {
        arch_expect_conv(l, deo_name(q, sizeof q, "%s.conv1", p), pl, cin, 3, 3, 0);
        arch_expect_conv(l, deo_name(q, sizeof q, "%s.conv2", p), pl, pl, 3, 3, 0);
    }
    arch_expect_bn(l, deo_name(q, sizeof q, "%s.bn1", p), pl);
    arch_expect_bn(l, deo_name(q, sizeof q, "%s.bn2", p), pl);
    if (has_downsample(b, L, blk, cin)) {
        arch_expect_conv(l, deo_name(q, sizeof q, "%s.downsample.0", p), b->out[L], cin, 1, 1,
                         0);
        arch_expect_bn(l, deo_name(q, sizeof q, "%s.downsample.1", p), b->out[L]);
    }
}

void deo_body_expect(const deo_body *b, arch_expect_list *l)
{
    arch_expect_conv(l, "layers.0.0", b->base, b->in_ch, 7, 7, 0);
    arch_expect_bn(l, "layers.0.1", b->base);
    for (int L = 0; L < 4; L++)
        for (int blk = 0; blk < b->blocks[L]; blk++)
            expect_block(b, l, L, blk);
}

static or_status convert_block(const ck_state_dict *sd, const deo_body *b,
                               or_model_builder *mb, int L, int blk, or_err *err)
{
    char p[96], conv[112], bn[112], dst[96];
    deo_name(p, sizeof p, "layers.0.%d.%d", 4 + L, blk);
    for (int k = 1; k <= (b->bottleneck ? 3 : 2); k++)
        OR_TRY(arch_fold_conv_bn(sd, mb, deo_name(conv, sizeof conv, "%s.conv%d", p, k),
                                 deo_name(bn, sizeof bn, "%s.bn%d", p, k),
                                 deo_name(dst, sizeof dst, "enc.layer%d.%d.conv%d", L + 1, blk, k),
                                 DEO_BN_EPS, err));
    if (!has_downsample(b, L, blk, block_in(b, L, blk)))
        return OR_OK;
    return arch_fold_conv_bn(sd, mb, deo_name(conv, sizeof conv, "%s.downsample.0", p),
                             deo_name(bn, sizeof bn, "%s.downsample.1", p),
                             deo_name(dst, sizeof dst, "enc.layer%d.%d.downsample", L + 1, blk),
                             DEO_BN_EPS, err);
}

or_status deo_body_convert(const ck_state_dict *sd, const deo_body *b, or_model_builder *mb,
                           or_err *err)
{
    OR_TRY(arch_fold_conv_bn(sd, mb, "layers.0.0", "layers.0.1", "enc.conv1", DEO_BN_EPS, err));
    for (int L = 0; L < 4; L++)
        for (int blk = 0; blk < b->blocks[L]; blk++)
            OR_TRY(convert_block(sd, b, mb, L, blk, err));
    return OR_OK;
}
