/* pickle.c: the pickle virtual machine of pickle.h.  Data-only: see the
 * header for what is recognised and why nothing is ever called. */
#include "pickle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PK_MAX_STACK (1u << 20)     /* values on the stack at once */
#define PK_MAX_MARKS (1u << 20)     /* open MARKs */
#define PK_MAX_LINE 1024            /* GLOBAL module / name lines */
#define PK_DEFAULT_BUDGET ((size_t)1 << 30)

struct pk_doc {
    pk_value **all;                 /* every value, freed together */
    size_t n_all, cap_all;
    pk_value **persids;
    size_t n_persid, cap_persid;
    size_t budget, used;            /* bytes allowed / charged so far */
};

typedef struct {
    pk_doc *d;
    const uint8_t *buf;
    size_t len, pos, op_pos;
    uint8_t op;
    pk_value **stack;
    size_t sp, stack_cap;
    size_t *marks;                  /* stack heights at each open MARK */
    size_t n_marks, marks_cap;
    pk_value **memo;                /* index -> value, NULL where unset */
    size_t memo_cap, memo_count, memo_limit;
    or_err *err;
} pk_vm;

/* ---- errors -------------------------------------------------------------- */

static or_status vm_fail(pk_vm *vm, or_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static or_status vm_fail(pk_vm *vm, or_status code, const char *fmt, ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return or_errf(vm->err, code, "pickle: %s at byte %zu", what, vm->op_pos);
}

static or_status vm_nomem(pk_vm *vm)
{
    return vm_fail(vm, OR_ENOMEM, "allocation limit reached (%zu bytes)", vm->d->budget);
}

/* ---- allocation, charged against the doc's budget ------------------------ */

static int charge(pk_doc *d, size_t n)
{
    if (n > d->budget - d->used)
        return 0;
    d->used += n;
    return 1;
}

/* Grow *p (an array of elem-sized items, capacity *cap) to hold need items. */
static int grow(pk_doc *d, void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 1;
    size_t ncap = *cap ? *cap : 4;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / elem)
            return 0;
        ncap *= 2;
    }
    if (!charge(d, (ncap - *cap) * elem))
        return 0;
    void *np = realloc(*p, ncap * elem);
    if (!np)
        return 0;
    *p = np;
    *cap = ncap;
    return 1;
}

pk_doc *pk_doc_new(size_t budget)
{
    pk_doc *d = calloc(1, sizeof *d);
    if (d)
        d->budget = budget ? budget : PK_DEFAULT_BUDGET;
    return d;
}

void pk_doc_free(pk_doc *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_all; i++) {
        pk_value *v = d->all[i];
        free(v->s);
        free(v->items);
        free(v->t);
        free(v);
    }
    free(d->all);
    free(d->persids);
    free(d);
}

size_t pk_doc_persid_count(const pk_doc *d) { return d ? d->n_persid : 0; }
pk_value *pk_doc_persid(const pk_doc *d, size_t i) { return d && i < d->n_persid ? d->persids[i] : NULL; }

static pk_value *new_value(pk_vm *vm, pk_kind kind)
{
    pk_doc *d = vm->d;
    if (!grow(d, (void **)&d->all, &d->cap_all, d->n_all + 1, sizeof *d->all))
        return NULL;
    if (!charge(d, sizeof(pk_value)))
        return NULL;
    pk_value *v = calloc(1, sizeof *v);
    if (!v)
        return NULL;
    v->kind = kind;
    d->all[d->n_all++] = v;
    return v;
}

/* A value owning a NUL-terminated copy of s[0..len). */
static pk_value *new_blob(pk_vm *vm, pk_kind kind, const void *s, size_t len)
{
    pk_value *v = new_value(vm, kind);
    if (!v || len == SIZE_MAX || !charge(vm->d, len + 1))
        return NULL;
    v->s = malloc(len + 1);
    if (!v->s)
        return NULL;
    if (len)
        memcpy(v->s, s, len);
    v->s[len] = 0;
    v->len = len;
    return v;
}

static int seq_push(pk_vm *vm, pk_value *seq, pk_value *item)
{
    if (!grow(vm->d, (void **)&seq->items, &seq->cap, seq->n + 1, sizeof *seq->items))
        return 0;
    seq->items[seq->n++] = item;
    return 1;
}

/* ---- stack, marks, memo --------------------------------------------------- */

static size_t mark_base(const pk_vm *vm) { return vm->n_marks ? vm->marks[vm->n_marks - 1] : 0; }

static or_status push(pk_vm *vm, pk_value *v)
{
    if (!v)
        return vm_nomem(vm);
    if (vm->sp >= PK_MAX_STACK)
        return vm_fail(vm, OR_ENOMEM, "stack deeper than %u values", PK_MAX_STACK);
    if (!grow(vm->d, (void **)&vm->stack, &vm->stack_cap, vm->sp + 1, sizeof *vm->stack))
        return vm_nomem(vm);
    vm->stack[vm->sp++] = v;
    return OR_OK;
}

/* Stack and argument readers set their outputs even on failure, which
 * keeps -Wmaybe-uninitialized quiet without initialising every caller. */
static or_status pop(pk_vm *vm, pk_value **v)
{
    *v = NULL;
    if (vm->sp <= mark_base(vm))
        return vm_fail(vm, OR_EFORMAT, "stack underflow (opcode 0x%02x)", vm->op);
    *v = vm->stack[--vm->sp];
    return OR_OK;
}

static or_status top(pk_vm *vm, pk_value **v)
{
    *v = NULL;
    if (vm->sp <= mark_base(vm))
        return vm_fail(vm, OR_EFORMAT, "stack underflow (opcode 0x%02x)", vm->op);
    *v = vm->stack[vm->sp - 1];
    return OR_OK;
}

static or_status push_mark(pk_vm *vm)
{
    if (vm->n_marks >= PK_MAX_MARKS)
        return vm_fail(vm, OR_ENOMEM, "more than %u open MARKs", PK_MAX_MARKS);
    if (!grow(vm->d, (void **)&vm->marks, &vm->marks_cap, vm->n_marks + 1, sizeof *vm->marks))
        return vm_nomem(vm);
    vm->marks[vm->n_marks++] = vm->sp;
    return OR_OK;
}

/* Close the innermost MARK: the values above it are stack[*base .. vm->sp);
 * the caller consumes them and then sets vm->sp = *base. */
static or_status pop_mark(pk_vm *vm, size_t *base)
{
    *base = vm->sp;
    if (!vm->n_marks)
        return vm_fail(vm, OR_EFORMAT, "opcode 0x%02x without a MARK", vm->op);
    *base = vm->marks[--vm->n_marks];
    return OR_OK;
}

static or_status memo_put(pk_vm *vm, uint64_t idx)
{
    pk_value *v;
    OR_TRY(top(vm, &v));
    /* Picklers number memo entries 0, 1, 2, ...: an index beyond the input
     * length cannot come from one and would only make us allocate. */
    if (idx >= vm->memo_limit)
        return vm_fail(vm, OR_EFORMAT, "memo index %llu out of range", (unsigned long long)idx);
    size_t old = vm->memo_cap;
    if (!grow(vm->d, (void **)&vm->memo, &vm->memo_cap, (size_t)idx + 1, sizeof *vm->memo))
        return vm_nomem(vm);
    memset(vm->memo + old, 0, (vm->memo_cap - old) * sizeof *vm->memo);
    if (!vm->memo[idx])
        vm->memo_count++;
    vm->memo[idx] = v;
    return OR_OK;
}

static or_status memo_get(pk_vm *vm, uint64_t idx)
{
    if (idx >= vm->memo_cap || !vm->memo[idx])
        return vm_fail(vm, OR_EFORMAT, "memo key %llu not found", (unsigned long long)idx);
    return push(vm, vm->memo[idx]);
}

/* ---- reading opcode arguments ---------------------------------------------- */

static or_status take(pk_vm *vm, uint64_t n, const uint8_t **p)
{
    *p = vm->buf + vm->pos;
    if (n > vm->len - vm->pos)
        return vm_fail(vm, OR_EFORMAT, "truncated: opcode 0x%02x needs %llu bytes, %zu left",
                       vm->op, (unsigned long long)n, vm->len - vm->pos);
    *p = vm->buf + vm->pos;
    vm->pos += (size_t)n;
    return OR_OK;
}

static uint64_t le_u(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static or_status take_uint(pk_vm *vm, int nbytes, uint64_t *v)
{
    *v = 0;
    const uint8_t *p;
    OR_TRY(take(vm, (uint64_t)nbytes, &p));
    *v = le_u(p, nbytes);
    return OR_OK;
}

/* A newline-terminated line (GLOBAL); *n excludes the newline. */
static or_status take_line(pk_vm *vm, const char **s, size_t *n)
{
    *s = "";
    *n = 0;
    size_t left = vm->len - vm->pos;
    size_t scan = left < PK_MAX_LINE ? left : PK_MAX_LINE;
    const uint8_t *nl = memchr(vm->buf + vm->pos, '\n', scan);
    if (!nl)
        return vm_fail(vm, OR_EFORMAT, "unterminated or over-long text argument of opcode 0x%02x",
                       vm->op);
    *s = (const char *)vm->buf + vm->pos;
    *n = (size_t)(nl - (vm->buf + vm->pos));
    vm->pos += *n + 1;
    return OR_OK;
}

/* ---- scalars and strings --------------------------------------------------- */

static or_status push_int(pk_vm *vm, int64_t i)
{
    pk_value *v = new_value(vm, PK_INT);
    if (v)
        v->i = i;
    return push(vm, v);
}

/* LONG1 / LONG4: little-endian two's complement of n bytes. */
static or_status op_long(pk_vm *vm, int len_bytes)
{
    uint64_t n;
    const uint8_t *p;
    OR_TRY(take_uint(vm, len_bytes, &n));
    if (len_bytes == 4 && n > INT32_MAX)
        return vm_fail(vm, OR_EFORMAT, "LONG4 with a negative length");
    OR_TRY(take(vm, n, &p));
    /* Drop redundant sign bytes so e.g. 2**63-1 written in 9 bytes still fits. */
    while (n > 1 && ((p[n - 1] == 0 && !(p[n - 2] & 0x80)) || (p[n - 1] == 0xff && (p[n - 2] & 0x80))))
        n--;
    if (n > 8)
        return push(vm, new_blob(vm, PK_BIGINT, p, (size_t)n));
    uint64_t u = n ? le_u(p, (int)n) : 0;
    if (n && n < 8 && (p[n - 1] & 0x80))
        u |= ~(uint64_t)0 << (8 * n);
    return push_int(vm, (int64_t)u);
}

static or_status op_binfloat(pk_vm *vm)
{
    const uint8_t *p;
    OR_TRY(take(vm, 8, &p));
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u = u << 8 | p[i];              /* big-endian, unlike everything else */
    pk_value *v = new_value(vm, PK_FLOAT);
    if (v)
        memcpy(&v->f, &u, sizeof v->f);
    return push(vm, v);
}

static or_status push_bool(pk_vm *vm, int b)
{
    pk_value *v = new_value(vm, PK_BOOL);
    if (v)
        v->i = b;
    return push(vm, v);
}

/* BINUNICODE & co: a length of len_bytes bytes, then the data. */
static or_status op_sized(pk_vm *vm, int len_bytes, pk_kind kind)
{
    uint64_t n;
    const uint8_t *p;
    OR_TRY(take_uint(vm, len_bytes, &n));
    OR_TRY(take(vm, n, &p));
    return push(vm, new_blob(vm, kind, p, (size_t)n));
}

static or_status op_global(pk_vm *vm)
{
    const char *mod, *name;
    size_t nm, nn;
    OR_TRY(take_line(vm, &mod, &nm));
    OR_TRY(take_line(vm, &name, &nn));
    char buf[2 * PK_MAX_LINE + 2];
    int k = snprintf(buf, sizeof buf, "%.*s.%.*s", (int)nm, mod, (int)nn, name);
    return push(vm, new_blob(vm, PK_GLOBAL, buf, (size_t)k));
}

static or_status op_stack_global(pk_vm *vm)
{
    pk_value *mod, *name;
    OR_TRY(pop(vm, &name));
    OR_TRY(pop(vm, &mod));
    if (mod->kind != PK_STR || name->kind != PK_STR || mod->len > PK_MAX_LINE || name->len > PK_MAX_LINE)
        return vm_fail(vm, OR_EFORMAT, "STACK_GLOBAL needs two short strings");
    char buf[2 * PK_MAX_LINE + 2];
    int k = snprintf(buf, sizeof buf, "%s.%s", mod->s, name->s);
    return push(vm, new_blob(vm, PK_GLOBAL, buf, (size_t)k));
}

/* ---- containers ---------------------------------------------------------------- */

static pk_value *new_seq(pk_vm *vm, pk_kind kind, pk_value **items, size_t n)
{
    pk_value *v = new_value(vm, kind);
    if (!v || !n)
        return v;
    if (!grow(vm->d, (void **)&v->items, &v->cap, n, sizeof *v->items))
        return NULL;
    memcpy(v->items, items, n * sizeof *items);
    v->n = n;
    return v;
}

static or_status op_tuple_n(pk_vm *vm, size_t n)
{
    if (vm->sp - mark_base(vm) < n)
        return vm_fail(vm, OR_EFORMAT, "stack underflow (TUPLE%zu)", n);
    vm->sp -= n;
    return push(vm, new_seq(vm, PK_TUPLE, vm->stack + vm->sp, n));
}

/* TUPLE, LIST, DICT, FROZENSET: everything above the MARK becomes one value. */
static or_status op_from_mark(pk_vm *vm, pk_kind kind)
{
    size_t base;
    OR_TRY(pop_mark(vm, &base));
    size_t n = vm->sp - base;
    if (kind == PK_DICT && n % 2)
        return vm_fail(vm, OR_EFORMAT, "DICT with an odd number of items");
    vm->sp = base;
    return push(vm, new_seq(vm, kind, vm->stack + base, n));
}

/* Append items to a list (or set), set pairs in a dict; other targets (an
 * opaque object with its own append or __setitem__) keep nothing. */
static or_status add_items(pk_vm *vm, pk_value *target, pk_value **items, size_t n, int pairs)
{
    if (target->kind == PK_OPAQUE)
        return OR_OK;
    if (target->kind != (pairs ? PK_DICT : PK_LIST))
        return vm_fail(vm, OR_EFORMAT, "%s on a %s", pairs ? "SETITEM" : "APPEND",
                       pk_kind_name(target->kind));
    for (size_t i = 0; i < n; i++)
        if (!seq_push(vm, target, items[i]))
            return vm_nomem(vm);
    return OR_OK;
}

static or_status op_setitem_append(pk_vm *vm, int pairs)
{
    size_t n = pairs ? 2 : 1;
    if (vm->sp - mark_base(vm) < n + 1)
        return vm_fail(vm, OR_EFORMAT, "stack underflow (opcode 0x%02x)", vm->op);
    vm->sp -= n;
    return add_items(vm, vm->stack[vm->sp - 1], vm->stack + vm->sp, n, pairs);
}

static or_status op_setitems_appends(pk_vm *vm, int pairs)
{
    size_t base;
    OR_TRY(pop_mark(vm, &base));
    size_t n = vm->sp - base;
    if (base <= mark_base(vm))
        return vm_fail(vm, OR_EFORMAT, "opcode 0x%02x with no target below its MARK", vm->op);
    if (pairs && n % 2)
        return vm_fail(vm, OR_EFORMAT, "SETITEMS with an odd number of items");
    vm->sp = base;
    return add_items(vm, vm->stack[base - 1], vm->stack + base, n, pairs);
}

/* ---- calls: recognised by name, never executed --------------------------------- */

static const char *callable_name(const pk_value *fn)
{
    if (fn->kind == PK_GLOBAL || fn->kind == PK_OPAQUE)
        return fn->s;
    /* Legacy torch.save of an nn.Module: ('module', cls, source_file, source). */
    if (fn->kind == PK_PERSID && fn->pid && fn->pid->kind == PK_TUPLE && fn->pid->n >= 2 &&
        fn->pid->items[1]->kind == PK_GLOBAL)
        return fn->pid->items[1]->s;
    return "<unknown>";
}

static int name_is(const pk_value *fn, const char *name)
{
    return fn->kind == PK_GLOBAL && !strcmp(fn->s, name);
}

static pk_value *new_opaque(pk_vm *vm, const char *cls)
{
    return new_blob(vm, PK_OPAQUE, cls, strlen(cls));
}

static int as_int(const pk_value *v, int64_t *i)
{
    if (v->kind != PK_INT && v->kind != PK_BOOL)
        return 0;
    *i = v->i;
    return 1;
}

static int int_tuple(const pk_value *v, int64_t *out, int *n)
{
    if ((v->kind != PK_TUPLE && v->kind != PK_LIST) || v->n > PK_MAX_DIMS)
        return 0;
    for (size_t i = 0; i < v->n; i++)
        if (!as_int(v->items[i], &out[i]))
            return 0;
    *n = (int)v->n;
    return 1;
}

/* _rebuild_tensor(storage, offset, size, stride) and its _v2 / _v3 forms. */
static or_status make_tensor(pk_vm *vm, const char *fn, const pk_value *args, pk_value **out)
{
    int v3 = !strcmp(fn, "torch._utils._rebuild_tensor_v3");
    size_t need = v3 ? 7 : 4;
    pk_tensor t = {0};
    int ns = 0, nt = 0;
    if (args->n < need || !as_int(args->items[1], &t.offset) ||
        !int_tuple(args->items[2], t.size, &ns) || !int_tuple(args->items[3], t.stride, &nt) || ns != nt)
        return vm_fail(vm, OR_EFORMAT, "malformed arguments to %s (or more than %d dims)", fn,
                       PK_MAX_DIMS);
    t.storage = args->items[0];
    t.ndim = ns;
    if (v3) {
        if (args->items[6]->kind != PK_GLOBAL)
            return vm_fail(vm, OR_EFORMAT, "malformed dtype argument to %s", fn);
        t.dtype = args->items[6]->s;
    }
    pk_value *v = new_value(vm, PK_TENSOR);
    if (!v || !charge(vm->d, sizeof t) || !(v->t = malloc(sizeof t)))
        return vm_nomem(vm);
    *v->t = t;
    *out = v;
    return OR_OK;
}

static int is_rebuild_tensor(const char *fn)
{
    return !strcmp(fn, "torch._utils._rebuild_tensor") || !strcmp(fn, "torch._utils._rebuild_tensor_v2") ||
           !strcmp(fn, "torch._utils._rebuild_tensor_v3");
}

/* The value of fn(*args), computed only for the functions we know. */
static or_status vm_call(pk_vm *vm, const pk_value *fn, const pk_value *args, int depth, pk_value **out)
{
    if (fn->kind == PK_GLOBAL && args->kind == PK_TUPLE) {
        const char *name = fn->s;
        if (is_rebuild_tensor(name))
            return make_tensor(vm, name, args, out);
        if (!strcmp(name, "collections.OrderedDict") && args->n == 0)
            return (*out = new_value(vm, PK_DICT)) ? OR_OK : vm_nomem(vm);
        if ((!strcmp(name, "torch._utils._rebuild_parameter") ||
             !strcmp(name, "torch._utils._rebuild_parameter_with_state")) &&
            args->n >= 1 && args->items[0]->kind == PK_TENSOR) {
            *out = args->items[0];
            return OR_OK;
        }
        /* Tensor subclasses: _rebuild_from_type_v2(func, type, args, state). */
        if (!strcmp(name, "torch._tensor._rebuild_from_type_v2") && depth == 0 && args->n >= 3 &&
            args->items[2]->kind == PK_TUPLE)
            return vm_call(vm, args->items[0], args->items[2], depth + 1, out);
        /* copyreg._reconstructor(cls, base, state): name the object by cls. */
        if ((!strcmp(name, "copyreg._reconstructor") || !strcmp(name, "copy_reg._reconstructor")) &&
            args->n >= 1)
            return (*out = new_opaque(vm, callable_name(args->items[0]))) ? OR_OK : vm_nomem(vm);
    }
    return (*out = new_opaque(vm, callable_name(fn))) ? OR_OK : vm_nomem(vm);
}

static or_status op_reduce(pk_vm *vm)
{
    pk_value *fn, *args, *out;
    OR_TRY(pop(vm, &args));
    OR_TRY(pop(vm, &fn));
    OR_TRY(vm_call(vm, fn, args, 0, &out));
    return push(vm, out);
}

/* NEWOBJ cls args / NEWOBJ_EX cls args kwargs: cls.__new__(cls, *args). */
static or_status op_newobj(pk_vm *vm, int with_kwargs)
{
    pk_value *cls, *args, *kwargs;
    if (with_kwargs)
        OR_TRY(pop(vm, &kwargs));
    OR_TRY(pop(vm, &args));
    OR_TRY(pop(vm, &cls));
    if (name_is(cls, "collections.OrderedDict"))
        return push(vm, new_value(vm, PK_DICT));
    return push(vm, new_opaque(vm, callable_name(cls)));
}

/* BUILD inst state: state would become attributes (an OrderedDict's
 * _metadata, a module's __dict__), never items, so it is dropped. */
static or_status op_build(pk_vm *vm)
{
    pk_value *state, *inst;
    OR_TRY(pop(vm, &state));
    return top(vm, &inst);
}

static or_status op_binpersid(pk_vm *vm)
{
    pk_value *pid;
    OR_TRY(pop(vm, &pid));
    pk_doc *d = vm->d;
    pk_value *v = new_value(vm, PK_PERSID);
    if (!v || !grow(d, (void **)&d->persids, &d->cap_persid, d->n_persid + 1, sizeof *d->persids))
        return vm_nomem(vm);
    v->pid = pid;
    d->persids[d->n_persid++] = v;
    return push(vm, v);
}

/* ---- dispatch ----------------------------------------------------------------- */

static or_status op_stack_misc(pk_vm *vm)
{
    pk_value *v;
    size_t base;
    switch (vm->op) {
    case '(': return push_mark(vm);
    case '0':                                   /* POP: a value, else the mark */
        if (vm->sp > mark_base(vm))
            return pop(vm, &v);
        OR_TRY(pop_mark(vm, &base));
        return OR_OK;
    case '1':                                   /* POP_MARK */
        OR_TRY(pop_mark(vm, &base));
        vm->sp = base;
        return OR_OK;
    case '2':                                   /* DUP */
        OR_TRY(top(vm, &v));
        return push(vm, v);
    }
    return vm_fail(vm, OR_EFORMAT, "internal: opcode 0x%02x", vm->op);
}

static or_status op_memo(pk_vm *vm)
{
    uint64_t i = 0;
    switch (vm->op) {
    case 'q': OR_TRY(take_uint(vm, 1, &i)); return memo_put(vm, i);
    case 'r': OR_TRY(take_uint(vm, 4, &i)); return memo_put(vm, i);
    case 0x94: return memo_put(vm, vm->memo_count);
    case 'h': OR_TRY(take_uint(vm, 1, &i)); return memo_get(vm, i);
    case 'j': OR_TRY(take_uint(vm, 4, &i)); return memo_get(vm, i);
    }
    return vm_fail(vm, OR_EFORMAT, "internal: opcode 0x%02x", vm->op);
}

static or_status op_scalar(pk_vm *vm)
{
    uint64_t u;
    switch (vm->op) {
    case 'N': return push(vm, new_value(vm, PK_NONE));
    case 0x88: return push_bool(vm, 1);
    case 0x89: return push_bool(vm, 0);
    case 'J': OR_TRY(take_uint(vm, 4, &u)); return push_int(vm, (int32_t)(uint32_t)u);
    case 'K': OR_TRY(take_uint(vm, 1, &u)); return push_int(vm, (int64_t)u);
    case 'M': OR_TRY(take_uint(vm, 2, &u)); return push_int(vm, (int64_t)u);
    case 0x8a: return op_long(vm, 1);
    case 0x8b: return op_long(vm, 4);
    case 'G': return op_binfloat(vm);
    case 'X': return op_sized(vm, 4, PK_STR);
    case 0x8c: return op_sized(vm, 1, PK_STR);
    case 0x8d: return op_sized(vm, 8, PK_STR);
    case 'T': return op_sized(vm, 4, PK_STR);   /* BINSTRING (Python 2 str) */
    case 'U': return op_sized(vm, 1, PK_STR);   /* SHORT_BINSTRING */
    case 'B': return op_sized(vm, 4, PK_BYTES);
    case 'C': return op_sized(vm, 1, PK_BYTES);
    case 0x8e: return op_sized(vm, 8, PK_BYTES);
    case 0x96: return op_sized(vm, 8, PK_BYTES); /* BYTEARRAY8 */
    }
    return vm_fail(vm, OR_EFORMAT, "internal: opcode 0x%02x", vm->op);
}

static or_status op_container(pk_vm *vm)
{
    switch (vm->op) {
    case '}': return push(vm, new_value(vm, PK_DICT));
    case ']': return push(vm, new_value(vm, PK_LIST));
    case ')': return push(vm, new_value(vm, PK_TUPLE));
    case 0x8f: return push(vm, new_value(vm, PK_LIST)); /* EMPTY_SET: a list will do */
    case 0x85: return op_tuple_n(vm, 1);
    case 0x86: return op_tuple_n(vm, 2);
    case 0x87: return op_tuple_n(vm, 3);
    case 't': return op_from_mark(vm, PK_TUPLE);
    case 'l': return op_from_mark(vm, PK_LIST);
    case 'd': return op_from_mark(vm, PK_DICT);
    case 0x91: return op_from_mark(vm, PK_TUPLE); /* FROZENSET */
    case 's': return op_setitem_append(vm, 1);
    case 'a': return op_setitem_append(vm, 0);
    case 'u': return op_setitems_appends(vm, 1);
    case 'e': return op_setitems_appends(vm, 0);
    case 0x90: return op_setitems_appends(vm, 0); /* ADDITEMS */
    }
    return vm_fail(vm, OR_EFORMAT, "internal: opcode 0x%02x", vm->op);
}

static or_status op_framing(pk_vm *vm)
{
    uint64_t u;
    switch (vm->op) {
    case 0x80:                                  /* PROTO */
        OR_TRY(take_uint(vm, 1, &u));
        if (u > 5)
            return vm_fail(vm, OR_EUNSUPPORTED, "pickle protocol %llu (newest known is 5)",
                           (unsigned long long)u);
        return OR_OK;
    case 0x95:                                  /* FRAME: a length hint only */
        OR_TRY(take_uint(vm, 8, &u));
        if (u > vm->len - vm->pos)
            return vm_fail(vm, OR_EFORMAT, "truncated: FRAME of %llu bytes, %zu left",
                           (unsigned long long)u, vm->len - vm->pos);
        return OR_OK;
    }
    return vm_fail(vm, OR_EFORMAT, "internal: opcode 0x%02x", vm->op);
}

static or_status step(pk_vm *vm)
{
    switch (vm->op) {
    case '(': case '0': case '1': case '2':
        return op_stack_misc(vm);
    case 'q': case 'r': case 0x94: case 'h': case 'j':
        return op_memo(vm);
    case 'N': case 0x88: case 0x89: case 'J': case 'K': case 'M': case 0x8a: case 0x8b:
    case 'G': case 'X': case 0x8c: case 0x8d: case 'T': case 'U': case 'B': case 'C':
    case 0x8e: case 0x96:
        return op_scalar(vm);
    case '}': case ']': case ')': case 0x8f: case 0x85: case 0x86: case 0x87: case 't':
    case 'l': case 'd': case 0x91: case 's': case 'a': case 'u': case 'e': case 0x90:
        return op_container(vm);
    case 'c': return op_global(vm);
    case 0x93: return op_stack_global(vm);
    case 'R': return op_reduce(vm);
    case 0x81: return op_newobj(vm, 0);
    case 0x92: return op_newobj(vm, 1);
    case 'b': return op_build(vm);
    case 'Q': return op_binpersid(vm);
    case 0x80: case 0x95:
        return op_framing(vm);
    case 0x97: case 0x98:
        return vm_fail(vm, OR_EUNSUPPORTED, "out-of-band buffer (protocol 5 NEXT_BUFFER)");
    }
    if (vm->op >= 0x20 && vm->op < 0x7f)
        return vm_fail(vm, OR_EUNSUPPORTED, "unsupported pickle opcode '%c' (0x%02x; protocol 0/1 "
                       "text opcodes are not read)", vm->op, vm->op);
    return vm_fail(vm, OR_EFORMAT, "unknown pickle opcode 0x%02x", vm->op);
}

or_status pk_parse(pk_doc *d, const uint8_t *buf, size_t len, size_t *used, pk_value **root,
                   or_err *err)
{
    pk_vm vm = {.d = d, .buf = buf, .len = len, .err = err};
    vm.memo_limit = len + 1;
    *root = NULL;
    /* A stack that exists from the start: stack + base is then always valid. */
    if (!grow(d, (void **)&vm.stack, &vm.stack_cap, 64, sizeof *vm.stack))
        return vm_nomem(&vm);
    or_status st = OR_OK;
    for (;;) {
        vm.op_pos = vm.pos;
        if (vm.pos >= vm.len) {
            st = vm_fail(&vm, OR_EFORMAT, "truncated: no STOP opcode");
            break;
        }
        vm.op = vm.buf[vm.pos++];
        if (vm.op == '.') {
            st = pop(&vm, root);
            break;
        }
        if ((st = step(&vm)) != OR_OK)
            break;
    }
    if (st == OR_OK && used)
        *used = vm.pos;
    free(vm.stack);
    free(vm.marks);
    free(vm.memo);
    return st;
}

/* ---- accessors ------------------------------------------------------------------ */

int pk_is_str(const pk_value *v, const char *s)
{
    return v && v->kind == PK_STR && strlen(s) == v->len && !memcmp(v->s, s, v->len);
}

size_t pk_dict_len(const pk_value *v) { return v && v->kind == PK_DICT ? v->n / 2 : 0; }
pk_value *pk_dict_key(const pk_value *v, size_t i) { return i < pk_dict_len(v) ? v->items[2 * i] : NULL; }
pk_value *pk_dict_val(const pk_value *v, size_t i) { return i < pk_dict_len(v) ? v->items[2 * i + 1] : NULL; }

pk_value *pk_dict_get(const pk_value *v, const char *key)
{
    for (size_t i = pk_dict_len(v); i-- > 0;)
        if (pk_is_str(pk_dict_key(v, i), key))
            return pk_dict_val(v, i);
    return NULL;
}

const char *pk_kind_name(pk_kind k)
{
    static const char *names[] = {"None", "bool", "int", "big int", "float", "str", "bytes",
                                  "tuple", "list", "dict", "global", "object", "persistent id",
                                  "tensor"};
    return (unsigned)k < sizeof names / sizeof *names ? names[k] : "?";
}
