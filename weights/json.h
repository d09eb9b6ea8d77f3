/* json.h: a small strict JSON reader (DOM) for safetensors headers, fixture
 * records and hint files.  Depth and size are bounded; malformed input is an
 * error with the byte offset, never a crash. */
#ifndef OR_JSON_H
#define OR_JSON_H

#include <stddef.h>
#include <stdio.h>

#include "runtime/core/status.h"

typedef enum { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT } json_type;

typedef struct json_value json_value;
struct json_value {
    json_type type;
    double num;       /* JSON_NUMBER (and JSON_BOOL as 0/1) */
    char *str;        /* JSON_STRING, NUL-terminated (embedded NULs refused) */
    size_t n;         /* number of items / members */
    json_value *items;/* JSON_ARRAY items, JSON_OBJECT member values */
    char **keys;      /* JSON_OBJECT member keys */
};

/* Parse text[0..len). name is used in error messages. */
or_status json_parse(const char *text, size_t len, const char *name, json_value **out,
                     or_err *err);
/* At most JSON_MAX_FILE_BYTES, from a regular file only (runtime/core/fileutil.h). */
#define JSON_MAX_FILE_BYTES ((size_t)64 << 20)
or_status json_parse_file(const char *path, json_value **out, or_err *err);
void json_free(json_value *v);

const json_value *json_get(const json_value *obj, const char *key); /* NULL if absent */
/* Typed accessors with defaults when absent or of another type. */
double json_num(const json_value *obj, const char *key, double dflt);
const char *json_str(const json_value *obj, const char *key, const char *dflt);

/* Writes s (NULL: "") as a JSON string: quotes, backslashes and control bytes
 * escaped; with ascii_only, bytes >= 0x7f too (as \u00XX), so the text stays
 * 7-bit whatever the bytes were. */
void json_write_str(FILE *f, const char *s, int ascii_only);

#endif
