/* arch_common.c: the expectation list every architecture converter builds,
 * and the check that compares it with a state dict. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"

const char *arch_fmt(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
    return buf;
}

void arch_expect(arch_expect_list *l, const char *name, int ndim, int64_t d0, int64_t d1,
                 int64_t d2, int64_t d3)
{
    if (l->n == l->cap) {
        int nc = l->cap ? l->cap * 2 : 128;
        arch_expect_t *ne = realloc(l->e, (size_t)nc * sizeof *ne);
        if (!ne)
            return; /* arch_check reports the tensors as unexpected: never silent */
        l->e = ne;
        l->cap = nc;
    }
    arch_expect_t *e = &l->e[l->n++];
    snprintf(e->name, sizeof e->name, "%s", name);
    e->ndim = ndim;
    int64_t d[4] = {d0, d1, d2, d3};
    for (int i = 0; i < 4; i++)
        e->shape[i] = d[i];
}

static void expect_named(arch_expect_list *l, const char *prefix, const char *leaf, int ndim,
                         int64_t d0, int64_t d1, int64_t d2, int64_t d3)
{
    char name[160];
    snprintf(name, sizeof name, "%s.%s", prefix, leaf);
    arch_expect(l, name, ndim, d0, d1, d2, d3);
}

void arch_expect_conv(arch_expect_list *l, const char *prefix, int64_t o, int64_t i,
                      int64_t kh, int64_t kw, int with_bias)
{
    expect_named(l, prefix, "weight", 4, o, i, kh, kw);
    if (with_bias)
        expect_named(l, prefix, "bias", 1, o, 0, 0, 0);
}

void arch_expect_bn(arch_expect_list *l, const char *prefix, int64_t c)
{
    static const char *leaves[] = {"weight", "bias", "running_mean", "running_var"};
    for (int i = 0; i < 4; i++)
        expect_named(l, prefix, leaves[i], 1, c, 0, 0, 0);
    expect_named(l, prefix, "num_batches_tracked", -1, 0, 0, 0, 0); /* optional, 0-dim */
}

void arch_expect_sn_conv(arch_expect_list *l, const char *prefix, int64_t o, int64_t i,
                         int64_t kh, int64_t kw, int with_bias)
{
    expect_named(l, prefix, "weight_orig", 4, o, i, kh, kw);
    expect_named(l, prefix, "weight_u", 1, o, 0, 0, 0);
    expect_named(l, prefix, "weight_v", 1, i * kh * kw, 0, 0, 0);
    if (with_bias)
        expect_named(l, prefix, "bias", 1, o, 0, 0, 0);
}

void arch_expect_free(arch_expect_list *l)
{
    free(l->e);
    memset(l, 0, sizeof *l);
}

/* ---- the check ----------------------------------------------------------------- */

typedef struct {
    char *s;
    size_t n, cap;
    int items, shown;
} msgbuf;

static void mb_appendf(msgbuf *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mb_appendf(msgbuf *m, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    if ((size_t)k >= sizeof tmp)
        k = sizeof tmp - 1;
    if (m->n + (size_t)k + 1 > m->cap) {
        size_t nc = m->cap ? m->cap * 2 : 1024;
        while (nc < m->n + (size_t)k + 1)
            nc *= 2;
        char *ns = realloc(m->s, nc);
        if (!ns)
            return;
        m->s = ns;
        m->cap = nc;
    }
    memcpy(m->s + m->n, tmp, (size_t)k + 1);
    m->n += (size_t)k;
}

static void shape_str(char *buf, size_t n, int ndim, const int64_t *shape)
{
    size_t k = (size_t)snprintf(buf, n, "[");
    for (int i = 0; i < ndim && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%lld", i ? "," : "", (long long)shape[i]);
    if (k < n)
        snprintf(buf + k, n - k, "]");
}

static int shape_matches(const arch_expect_t *e, const ck_tensor *t)
{
    if (e->ndim < 0) /* 0-dim scalar (num_batches_tracked) */
        return t->ndim == 0 || (t->ndim == 1 && t->shape[0] == 1);
    if (t->ndim != e->ndim)
        return 0;
    for (int i = 0; i < e->ndim; i++)
        if (t->shape[i] != e->shape[i])
            return 0;
    return 1;
}

static const arch_expect_t *find_expect(const arch_expect_list *l, const char *name)
{
    for (int i = 0; i < l->n; i++)
        if (strcmp(l->e[i].name, name) == 0)
            return &l->e[i];
    return NULL;
}

/* At most this many items are spelled out per category; the count is exact. */
#define MAX_LISTED 12

static void list_item(msgbuf *m, int *count, const char *text)
{
    if (*count < MAX_LISTED)
        mb_appendf(m, "%s%s", *count ? ", " : "", text);
    else if (*count == MAX_LISTED)
        mb_appendf(m, ", ...");
    (*count)++;
}

or_status arch_check(const char *arch, const ck_state_dict *sd, const arch_expect_list *l,
                     or_err *err)
{
    msgbuf missing = {0}, wrong = {0}, extra = {0};
    int n_missing = 0, n_wrong = 0, n_extra = 0;
    char a[96], b[96], item[512];
    for (int i = 0; i < l->n; i++) {
        const arch_expect_t *e = &l->e[i];
        const ck_tensor *t = ckpt_find(sd, e->name);
        if (e->ndim < 0 && !t)
            continue; /* optional scalar */
        shape_str(a, sizeof a, e->ndim < 0 ? 0 : e->ndim, e->shape);
        if (!t) {
            snprintf(item, sizeof item, "%s %s", e->name, a);
            list_item(&missing, &n_missing, item);
        } else if (!shape_matches(e, t)) {
            shape_str(b, sizeof b, t->ndim, t->shape);
            snprintf(item, sizeof item, "tensor %s: expected %s, got %s", e->name, a, b);
            list_item(&wrong, &n_wrong, item);
        }
    }
    for (int i = 0; i < sd->n; i++)
        if (!find_expect(l, sd->t[i].name)) {
            shape_str(b, sizeof b, sd->t[i].ndim, sd->t[i].shape);
            snprintf(item, sizeof item, "%s %s", sd->t[i].name, b);
            list_item(&extra, &n_extra, item);
        }
    or_status s = OR_OK;
    if (n_missing || n_wrong || n_extra) {
        msgbuf m = {0};
        mb_appendf(&m, "%s:", arch);
        if (n_wrong)
            mb_appendf(&m, " %d wrong shape (%s)", n_wrong, wrong.s);
        if (n_missing)
            mb_appendf(&m, "%s %d missing (%s)", n_wrong ? ";" : "", n_missing, missing.s);
        if (n_extra)
            mb_appendf(&m, "%s %d unexpected (%s)", (n_wrong || n_missing) ? ";" : "", n_extra,
                       extra.s);
        s = or_errf(err, n_wrong ? OR_ESHAPE : OR_EFORMAT, "%s", m.s ? m.s : arch);
        free(m.s);
    }
    free(missing.s);
    free(wrong.s);
    free(extra.s);
    return s;
}

int64_t arch_dim(const ck_state_dict *sd, const char *name, int dim)
{
    const ck_tensor *t = ckpt_find(sd, name);
    if (!t || dim < 0 || dim >= t->ndim)
        return -1;
    return t->shape[dim];
}

int arch_has(const ck_state_dict *sd, const char *name) { return ckpt_find(sd, name) != NULL; }

int arch_count(const ck_state_dict *sd, const char *fmt, int start)
{
    char name[256];
    int n = 0;
    for (;;) {
        snprintf(name, sizeof name, fmt, start + n);
        if (!ckpt_find(sd, name))
            return n;
        n++;
    }
}

or_status arch_copy(const ck_state_dict *sd, or_model_builder *mb, const char *src,
                    const char *dst, or_err *err)
{
    const ck_tensor *t = ckpt_find(sd, src);
    if (!t)
        return or_errf(err, OR_EFORMAT, "tensor %s: missing", OR_ESC(src));
    return mb_add(mb, dst, t->ndim, t->shape, t->data, err);
}
