/* net_discovery.c: the recorder of the seeded-weights discovery pass
 * (net_discovery.h).  Below both net.c (whose weight reads record here during
 * the pass) and net_seeded.c (which runs the pass): neither calls the other
 * for it. */
#include "net_discovery.h"

#include <stdlib.h>
#include <string.h>

/* ---- discovery --------------------------------------------------------------------- */

static _Thread_local struct {
    const st_file *f;
    or_net_discovery *d;
} active;

void or_net_discovery_begin(const st_file *f, or_net_discovery *d)
{
    active.f = f, active.d = d;
}

void or_net_discovery_end(void) { active.f = NULL, active.d = NULL; }

or_net_discovery *or_net_discovery_of(const st_file *f)
{
    return f && active.f == f ? active.d : NULL;
}

or_status or_net_discovery_record(or_net_discovery *d, const char *name, int ndim,
                                  const int64_t *shape, or_err *err)
{
    if (ndim < 1 || ndim > 4)
        return or_errf(err, OR_EUNSUPPORTED, "seeded weights: tensor %s: %d dimensions", name,
                       ndim);
    for (int i = 0; i < d->n; i++)
        if (strcmp(d->w[i].name, name) == 0)
            return or_errf(err, OR_EFORMAT, "seeded weights: tensor %s requested twice", name);
    if (d->n == d->cap) {
        int cap = d->cap ? 2 * d->cap : 64;
        or_net_weight_spec *p = realloc(d->w, (size_t)cap * sizeof *p);
        if (!p)
            return or_errf(err, OR_ENOMEM, "seeded weights: out of host memory");
        d->w = p, d->cap = cap;
    }
    or_net_weight_spec *t = &d->w[d->n];
    memset(t, 0, sizeof *t);
    if (!(t->name = strdup(name)))
        return or_errf(err, OR_ENOMEM, "seeded weights: out of host memory");
    t->ndim = ndim;
    for (int i = 0; i < ndim; i++)
        t->shape[i] = shape[i];
    d->n++;
    return OR_OK;
}

#define DISCOVERY_MARK "discovery pass complete"

or_status or_net_discovery_finish(or_net_discovery *d, const st_file *f, or_err *err)
{
    d->complete = 1;
    return or_errf(err, OR_EINVAL, "%s: " DISCOVERY_MARK, f->path);
}

void or_net_weight_list_free(or_net_weight_list *l)
{
    for (int i = 0; i < l->n; i++)
        free(l->w[i].name);
    free(l->w);
    memset(l, 0, sizeof *l);
}
