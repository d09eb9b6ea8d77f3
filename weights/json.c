#include "json.h"
#include "runtime/core/fileutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 64

typedef struct {
    const char *s;
    size_t len, pos;
    const char *name;
    or_err *err;
} jparser;

static or_status jfail(jparser *p, const char *what)
{
    return or_errf(p->err, OR_EFORMAT, "%s: malformed JSON at byte %zu: %s", OR_ESC(p->name),
                   p->pos, what);
}

static void skip_ws(jparser *p)
{
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        p->pos++;
    }
}

static int put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) { o[0] = (char)cp; return 1; }
    if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F)); return 4;
}

static int hex4(const char *s, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        unsigned d;
        if (c >= '0' && c <= '9') d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') d = (unsigned)(c - 'A' + 10);
        else return 0;
        *v = *v * 16 + d;
    }
    return 1;
}

static or_status parse_string(jparser *p, char **out)
{
    p->pos++; /* opening quote */
    size_t start = p->pos;
    /* upper bound of output size: input length until closing quote */
    size_t end = start;
    while (end < p->len && p->s[end] != '"') {
        if (p->s[end] == '\\')
            end++;
        end++;
    }
    if (end >= p->len)
        return jfail(p, "unterminated string");
    char *o = malloc(end - start + 1);
    if (!o)
        return or_errf(p->err, OR_ENOMEM, "%s: out of memory parsing JSON", OR_ESC(p->name));
    size_t k = 0;
    while (p->pos < end) {
        unsigned char c = (unsigned char)p->s[p->pos];
        if (c < 0x20) { free(o); return jfail(p, "control character in string"); }
        if (c != '\\') { o[k++] = (char)c; p->pos++; continue; }
        p->pos++;
        char e = p->s[p->pos++];
        switch (e) {
        case '"': o[k++] = '"'; break;
        case '\\': o[k++] = '\\'; break;
        case '/': o[k++] = '/'; break;
        case 'b': o[k++] = '\b'; break;
        case 'f': o[k++] = '\f'; break;
        case 'n': o[k++] = '\n'; break;
        case 'r': o[k++] = '\r'; break;
        case 't': o[k++] = '\t'; break;
        case 'u': {
            unsigned cp;
            if (p->pos + 4 > end || !hex4(p->s + p->pos, &cp)) { free(o); return jfail(p, "bad \\u escape"); }
            p->pos += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && p->pos + 6 <= end && p->s[p->pos] == '\\' &&
                p->s[p->pos + 1] == 'u') {
                unsigned lo;
                if (hex4(p->s + p->pos + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    p->pos += 6;
                }
            }
            if (cp == 0) { free(o); return jfail(p, "NUL in string"); }
            k += (size_t)put_utf8(o + k, cp); /* escapes are >= 6 bytes, output <= 4 */
            break;
        }
        default: free(o); return jfail(p, "bad escape");
        }
    }
    o[k] = 0;
    p->pos = end + 1;
    *out = o;
    return OR_OK;
}

static or_status parse_value(jparser *p, json_value *v, int depth);

static or_status grow(jparser *p, json_value *v, size_t *cap, int obj)
{
    if (v->n < *cap)
        return OR_OK;
    size_t nc = *cap ? *cap * 2 : 8;
    json_value *ni = realloc(v->items, nc * sizeof *ni);
    if (!ni)
        return or_errf(p->err, OR_ENOMEM, "%s: out of memory parsing JSON", OR_ESC(p->name));
    v->items = ni;
    if (obj) {
        char **nk = realloc(v->keys, nc * sizeof *nk);
        if (!nk)
            return or_errf(p->err, OR_ENOMEM, "%s: out of memory parsing JSON", OR_ESC(p->name));
        v->keys = nk;
    }
    *cap = nc;
    return OR_OK;
}

static or_status parse_container(jparser *p, json_value *v, int depth, int obj)
{
    char close = obj ? '}' : ']';
    size_t cap = 0;
    v->type = obj ? JSON_OBJECT : JSON_ARRAY;
    p->pos++;
    skip_ws(p);
    if (p->pos < p->len && p->s[p->pos] == close) { p->pos++; return OR_OK; }
    for (;;) {
        OR_TRY(grow(p, v, &cap, obj));
        char *key = NULL;
        skip_ws(p);
        if (obj) {
            if (p->pos >= p->len || p->s[p->pos] != '"')
                return jfail(p, "expected a string key");
            OR_TRY(parse_string(p, &key));
            skip_ws(p);
            if (p->pos >= p->len || p->s[p->pos] != ':') { free(key); return jfail(p, "expected ':'"); }
            p->pos++;
            v->keys[v->n] = key;
        }
        memset(&v->items[v->n], 0, sizeof v->items[0]);
        v->n++; /* counted before parsing so that json_free releases partial items */
        OR_TRY(parse_value(p, &v->items[v->n - 1], depth + 1));
        skip_ws(p);
        if (p->pos >= p->len)
            return jfail(p, "unexpected end");
        char c = p->s[p->pos++];
        if (c == close)
            return OR_OK;
        if (c != ',')
            return jfail(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
    }
}

static or_status parse_number(jparser *p, json_value *v)
{
    size_t i = p->pos;
    if (i < p->len && p->s[i] == '-') i++;
    if (i >= p->len || p->s[i] < '0' || p->s[i] > '9')
        return jfail(p, "bad number");
    while (i < p->len && ((p->s[i] >= '0' && p->s[i] <= '9') || p->s[i] == '.' || p->s[i] == 'e' ||
                          p->s[i] == 'E' || p->s[i] == '+' || p->s[i] == '-'))
        i++;
    char buf[64];
    if (i - p->pos >= sizeof buf)
        return jfail(p, "number too long");
    memcpy(buf, p->s + p->pos, i - p->pos);
    buf[i - p->pos] = 0;
    char *end;
    errno = 0;
    v->num = strtod(buf, &end);
    if (*end)
        return jfail(p, "bad number");
    v->type = JSON_NUMBER;
    p->pos = i;
    return OR_OK;
}

static or_status parse_value(jparser *p, json_value *v, int depth)
{
    if (depth > JSON_MAX_DEPTH)
        return jfail(p, "nesting too deep");
    skip_ws(p);
    if (p->pos >= p->len)
        return jfail(p, "unexpected end");
    char c = p->s[p->pos];
    if (c == '{') return parse_container(p, v, depth, 1);
    if (c == '[') return parse_container(p, v, depth, 0);
    if (c == '"') { v->type = JSON_STRING; return parse_string(p, &v->str); }
    static const struct { const char *lit; json_type t; double n; } lits[] = {
        {"true", JSON_BOOL, 1}, {"false", JSON_BOOL, 0}, {"null", JSON_NULL, 0}};
    for (size_t i = 0; i < 3; i++) {
        size_t l = strlen(lits[i].lit);
        if (p->len - p->pos >= l && memcmp(p->s + p->pos, lits[i].lit, l) == 0) {
            v->type = lits[i].t;
            v->num = lits[i].n;
            p->pos += l;
            return OR_OK;
        }
    }
    return parse_number(p, v);
}

static void free_inner(json_value *v)
{
    free(v->str);
    for (size_t i = 0; i < v->n; i++) {
        free_inner(&v->items[i]);
        if (v->keys)
            free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
}

void json_free(json_value *v)
{
    if (!v)
        return;
    free_inner(v);
    free(v);
}

or_status json_parse(const char *text, size_t len, const char *name, json_value **out,
                     or_err *err)
{
    jparser p = {text, len, 0, name, err};
    json_value *v = calloc(1, sizeof *v);
    if (!v)
        return or_errf(err, OR_ENOMEM, "%s: out of memory parsing JSON", OR_ESC(name));
    or_status s = parse_value(&p, v, 0);
    if (s == OR_OK) {
        skip_ws(&p);
        if (p.pos != len)
            s = jfail(&p, "trailing characters");
    }
    if (s != OR_OK) {
        json_free(v);
        return s;
    }
    *out = v;
    return OR_OK;
}

or_status json_parse_file(const char *path, json_value **out, or_err *err)
{
    uint8_t *buf;
    size_t n;
    OR_TRY(or_read_input(path, JSON_MAX_FILE_BYTES, &buf, &n, err));
    or_status s = json_parse((const char *)buf, n, path, out, err);
    free(buf);
    return s;
}

const json_value *json_get(const json_value *obj, const char *key)
{
    if (!obj || obj->type != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0)
            return &obj->items[i];
    return NULL;
}

double json_num(const json_value *obj, const char *key, double dflt)
{
    const json_value *v = json_get(obj, key);
    return v && v->type == JSON_NUMBER ? v->num : dflt;
}

const char *json_str(const json_value *obj, const char *key, const char *dflt)
{
    const json_value *v = json_get(obj, key);
    return v && v->type == JSON_STRING ? v->str : dflt;
}

void json_write_str(FILE *f, const char *s, int ascii_only)
{
    fputc('"', f);
    for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(f, "\\%c", *c);
        else if (*c < 0x20 || (ascii_only && *c >= 0x7f))
            fprintf(f, "\\u%04x", *c);
        else
            fputc(*c, f);
    }
    fputc('"', f);
}
