/* hints.c: reading (and writing) --hints files for SIGGRAPH17:
 *   [{"x": 10, "y": 20, "color": "#rrggbb"}, {"x": 3, "y": 4, "color": "#00ff00", "size": 3}]
 * x, y: integer input-image pixels (>= 0; checked against the image by the
 * pipeline); color: 6 hex digits with a leading '#'; size (optional): the side of
 * the square patch in network pixels, odd, 1..9 (default 5).  Other members are
 * refused (a typo would otherwise be silent).  Errors are one line naming the
 * file and the entry index: "h.json: entry 2: color "#12345": expected #rrggbb". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/io/resize_pil.h"
#include "weights/json.h"
#include "colorize.h"

#define OR_HINTS_MAX 100000

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* "#rrggbb" -> r, g, b in [0,1] (8-bit values / 255); 0 when malformed. */
static int parse_color(const char *s, float rgb[3])
{
    if (!s || s[0] != '#' || strlen(s) != 7)
        return 0;
    for (int i = 0; i < 3; i++) {
        int hi = hex_digit(s[1 + 2 * i]), lo = hex_digit(s[2 + 2 * i]);
        if (hi < 0 || lo < 0)
            return 0;
        rgb[i] = (float)(hi * 16 + lo) / 255.0f;
    }
    return 1;
}

/* A JSON number that is an integer in [0, 1e9]. */
static int pixel_coord(const json_value *v, int *out)
{
    if (!v || v->type != JSON_NUMBER || v->num < 0 || v->num > 1e9 || v->num != (double)(long)v->num)
        return 0;
    *out = (int)v->num;
    return 1;
}

static or_status parse_entry(const char *path, size_t i, const json_value *e, or_color_hint *h,
                             or_err *err)
{
    if (e->type != JSON_OBJECT)
        return or_errf(err, OR_EINVAL,
                       "%s: entry %zu: expected an object {\"x\", \"y\", \"color\"}", OR_ESC(path),
                       i);
    for (size_t k = 0; k < e->n; k++)
        if (strcmp(e->keys[k], "x") && strcmp(e->keys[k], "y") && strcmp(e->keys[k], "color") &&
            strcmp(e->keys[k], "size"))
            return or_errf(err, OR_EINVAL, "%s: entry %zu: unknown member \"%s\"", OR_ESC(path), i,
                           OR_ESC(e->keys[k]));
    if (!pixel_coord(json_get(e, "x"), &h->x))
        return or_errf(err, OR_EINVAL, "%s: entry %zu: \"x\" must be a pixel column (integer >= 0)",
                       OR_ESC(path), i);
    if (!pixel_coord(json_get(e, "y"), &h->y))
        return or_errf(err, OR_EINVAL, "%s: entry %zu: \"y\" must be a pixel row (integer >= 0)",
                       OR_ESC(path), i);
    const json_value *c = json_get(e, "color");
    float rgb[3];
    if (!c || c->type != JSON_STRING)
        return or_errf(err, OR_EINVAL, "%s: entry %zu: \"color\" missing (expected \"#rrggbb\")",
                       OR_ESC(path), i);
    if (!parse_color(c->str, rgb))
        return or_errf(err, OR_EINVAL, "%s: entry %zu: color \"%s\": expected #rrggbb",
                       OR_ESC(path), i, or_esc((char[32]){0}, 32, c->str));
    h->r = rgb[0], h->g = rgb[1], h->b = rgb[2];
    const json_value *sz = json_get(e, "size");
    h->size = OR_HINT_SIZE_DEFAULT;
    if (sz && (!pixel_coord(sz, &h->size) || h->size < 1 || h->size > OR_HINT_SIZE_MAX ||
               h->size % 2 == 0))
        return or_errf(err, OR_EINVAL, "%s: entry %zu: \"size\" must be an odd integer 1..%d",
                       OR_ESC(path), i, OR_HINT_SIZE_MAX);
    return OR_OK;
}

or_status or_hints_from_json(const char *name, const struct json_value *root,
                            or_color_hint **hints, int *n, or_err *err)
{
    *hints = NULL;
    *n = 0;
    if (root->type != JSON_ARRAY)
        return or_errf(err, OR_EINVAL, "%s: expected a JSON array of hints", OR_ESC(name));
    if (root->n > OR_HINTS_MAX)
        return or_errf(err, OR_EINVAL, "%s: %zu hints (at most %d)", OR_ESC(name), root->n,
                       OR_HINTS_MAX);
    if (root->n == 0)
        return OR_OK;
    or_color_hint *h = calloc(root->n, sizeof *h);
    if (!h)
        return or_errf(err, OR_ENOMEM, "%s: out of memory", OR_ESC(name));
    for (size_t i = 0; i < root->n; i++) {
        or_status s = parse_entry(name, i, &root->items[i], &h[i], err);
        if (s) {
            free(h);
            return s;
        }
    }
    *hints = h, *n = (int)root->n;
    return OR_OK;
}

or_status or_hints_load(const char *path, or_color_hint **hints, int *n, or_err *err)
{
    *hints = NULL;
    *n = 0;
    json_value *root;
    OR_TRY(json_parse_file(path, &root, err));
    or_status s = or_hints_from_json(path, root, hints, n, err);
    json_free(root);
    return s;
}

or_status or_hints_parse(const char *text, size_t len, const char *name, or_color_hint **hints,
                         int *n, or_err *err)
{
    *hints = NULL;
    *n = 0;
    json_value *root;
    OR_TRY(json_parse(text, len, name, &root, err));
    or_status s = or_hints_from_json(name, root, hints, n, err);
    json_free(root);
    return s;
}

char *or_hints_format(const or_color_hint *hints, int n)
{
    size_t cap = 8 + (size_t)(n > 0 ? n : 0) * 96, len = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    len += (size_t)snprintf(s, cap, "[");
    for (int i = 0; i < n; i++) {
        const or_color_hint *h = &hints[i];
        const float rgb[3] = {h->r, h->g, h->b};
        uint8_t c[3];
        or_planes_to_u8(rgb, 3, c);
        len += (size_t)snprintf(s + len, cap - len,
                                "%s\n  {\"x\": %d, \"y\": %d, \"color\": \"#%02x%02x%02x\"",
                                i ? "," : "", h->x, h->y, c[0], c[1], c[2]);
        if (h->size && h->size != OR_HINT_SIZE_DEFAULT)
            len += (size_t)snprintf(s + len, cap - len, ", \"size\": %d", h->size);
        len += (size_t)snprintf(s + len, cap - len, "}");
    }
    snprintf(s + len, cap - len, "%s]\n", n ? "\n" : "");
    return s;
}
