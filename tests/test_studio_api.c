/* test_studio_api.c: the colour studio's HTTP API (runtime/studio/) from C with
 * libcurl, against the server started in the test process on 127.0.0.1 (any
 * free port) with the seeded SIGGRAPH17 (and ECCV16 as the baseline):
 * every endpoint, the token, upload limits (bytes and pixels), junk bodies and
 * arguments (4xx, and the server keeps serving), concurrent edits (coalesced:
 * the newest one is shown), and the export equal, pixel for pixel, to
 * `oprestore-gpu colorize --hints` with the hints file the studio saves.
 * Exits 77 (ctest: skipped) when the build has no server or no libcurl. */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_test_util.h"
#include "runtime/studio/studio.h"
#include "test_util.h"

#ifdef OR_TEST_HAVE_CURL
#include <curl/curl.h>

#define TOKEN "0123456789abcdef0123456789abcdef"
#define PHOTO_W 96
#define PHOTO_H 64

typedef struct {
    or_studio_opts o;
    volatile sig_atomic_t stop;
    pthread_t th;
    char base[128];
    pthread_mutex_t m;
    pthread_cond_t cv;
    int ready;
    or_status result;
    or_backend *be;
    or_net *net, *eccv;
    or_image photo;
} server;

static void on_ready(void *ctx, const char *url)
{
    server *s = ctx;
    pthread_mutex_lock(&s->m);
    const char *q = strstr(url, "/?t=");
    snprintf(s->base, sizeof s->base, "%.*s", (int)(q - url), url);
    s->ready = 1;
    pthread_cond_signal(&s->cv);
    pthread_mutex_unlock(&s->m);
}

static void *serve(void *arg)
{
    server *s = arg;
    or_err err;
    s->result = or_studio_serve(&s->o, &err);
    if (s->result) {
        fprintf(stderr, "serve: %s\n", err.msg);
        on_ready(s, "x/?t=");
    }
    return NULL;
}

static const char *model_path(const char *arch)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/%s.safetensors",
             ct_model(!strcmp(arch, "eccv16") ? "zhang_eccv16.zip.pth" : "zhang_siggraph17.zip.pth",
                      arch),
             arch);
    return ct_dup(p);
}

/* The photo the tests use: seeded RGB noise, 8-bit. */
static const char *photo_path(void)
{
    const char *p = ct_tmp("studio_photo.png");
    if (access(p, F_OK) != 0)
        ct_write_png(p, PHOTO_W, PHOTO_H, 3, 0, 8, 7);
    return p;
}

static void start(server *s, size_t max_bytes, long max_pixels)
{
    memset(s, 0, sizeof *s);
    or_err err;
    pthread_mutex_init(&s->m, NULL);
    pthread_cond_init(&s->cv, NULL);
    cr_assert_eq(or_backend_cpu_create(0, &s->be, &err), OR_OK);
    cr_assert_eq(or_net_load(model_path("siggraph17"), s->be, OR_F32, &s->net, &err), OR_OK, "%s",
                 err.msg);
    cr_assert_eq(or_net_load(model_path("eccv16"), s->be, OR_F32, &s->eccv, &err), OR_OK, "%s",
                 err.msg);
    cr_assert_eq(or_image_read(photo_path(), NULL, &s->photo, &err), OR_OK, "%s", err.msg);
    s->o.port = 0;
    s->o.net = s->net;
    s->o.baselines[0] = s->eccv;
    s->o.baseline_names[0] = "eccv16";
    s->o.n_baselines = 1;
    s->o.photo = &s->photo;
    s->o.photo_name = "studio_photo.png";
    s->o.max_upload_bytes = max_bytes;
    s->o.max_upload_pixels = max_pixels;
    s->o.token = TOKEN;
    s->o.stop = &s->stop;
    s->o.on_ready = on_ready;
    s->o.ctx = s;
    cr_assert_eq(pthread_create(&s->th, NULL, serve, s), 0);
    pthread_mutex_lock(&s->m);
    while (!s->ready)
        pthread_cond_wait(&s->cv, &s->m);
    pthread_mutex_unlock(&s->m);
    cr_assert_eq(s->result, OR_OK);
}

static void stop(server *s)
{
    s->stop = 1;
    pthread_join(s->th, NULL);
    cr_expect_eq(s->result, OR_OK, "the server stops cleanly");
    or_net_free(s->net), or_net_free(s->eccv);
    or_backend_destroy(s->be);
    or_image_free(&s->photo);
}

typedef struct {
    long status;
    char *body;
    size_t len;
    char gen_header[64];
    char disposition[128]; /* Content-Disposition */
} resp;

static size_t on_body(char *p, size_t sz, size_t n, void *ctx)
{
    resp *r = ctx;
    char *q = realloc(r->body, r->len + sz * n + 1);
    if (!q)
        return 0;
    r->body = q;
    memcpy(r->body + r->len, p, sz * n);
    r->len += sz * n;
    r->body[r->len] = 0;
    return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ctx)
{
    resp *r = ctx;
    if (sz * n > 14 && !strncasecmp(p, "X-Studio-Gen: ", 14))
        snprintf(r->gen_header, sizeof r->gen_header, "%.*s", (int)(sz * n - 14 - 2), p + 14);
    if (sz * n > 21 && !strncasecmp(p, "Content-Disposition: ", 21))
        snprintf(r->disposition, sizeof r->disposition, "%.*s", (int)(sz * n - 21 - 2), p + 21);
    return sz * n;
}

/* One request: path (with its query), token "q" (in the query), "h" (header) or "" (none). */
static resp req(const server *s, const char *method, const char *path, const char *tok,
                const void *body, size_t len)
{
    resp r = {0};
    char url[1024];
    const char *sep = strchr(path, '?') ? "&" : "?";
    if (!strcmp(tok, "q"))
        snprintf(url, sizeof url, "%s%s%st=%s", s->base, path, sep, TOKEN);
    else
        snprintf(url, sizeof url, "%s%s", s->base, path);
    CURL *c = curl_easy_init();
    cr_assert(c);
    struct curl_slist *h = NULL;
    if (!strcmp(tok, "h"))
        h = curl_slist_append(h, "X-Studio-Token: " TOKEN);
    h = curl_slist_append(h, "Expect:");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    else
        r.status = -1; /* the server closed the connection */
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (!r.body)
        r.body = calloc(1, 1);
    return r;
}

static resp get(const server *s, const char *path) { return req(s, "GET", path, "q", NULL, 0); }

static resp put_hints(const server *s, const char *path, const char *json)
{
    return req(s, "PUT", path, "q", json, strlen(json));
}

static long json_long(const char *body, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\": ", key);
    const char *p = strstr(body, k);
    cr_assert(p, "%s missing in %s", key, body);
    return strtol(p + strlen(k), NULL, 10);
}

static void decode_png(const resp *r, or_image *img)
{
    or_err err;
    cr_assert_eq(r->status, 200, "%ld: %s", r->status, r->body);
    cr_assert_eq(or_image_read_mem(r->body, r->len, "response", NULL, img, &err), OR_OK, "%s",
                 err.msg);
}

static char *file_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "%s", path);
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc(*len + 1);
    cr_assert_eq(fread(b, 1, *len, f), *len);
    fclose(f);
    return b;
}

static void done(resp *r) { free(r->body); }

Test(studio_api, token_required)
{
    server s;
    start(&s, 0, 0);
    static const char *paths[] = {"/", "/studio.js", "/api/state", "/api/preview.png",
                                  "/api/export.png", "/api/hints.json"};
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        resp r = req(&s, "GET", paths[i], "", NULL, 0);
        cr_expect_eq(r.status, 403, "%s without the token: %ld", paths[i], r.status);
        done(&r);
        char bad[256];
        snprintf(bad, sizeof bad, "%s?t=0123456789abcdef0123456789abcdee", paths[i]);
        r = req(&s, "GET", bad, "", NULL, 0);
        cr_expect_eq(r.status, 403, "%s with a wrong token: %ld", paths[i], r.status);
        done(&r);
    }
    resp r = req(&s, "PUT", "/api/hints", "", "[]", 2);
    cr_expect_eq(r.status, 403);
    done(&r);
    r = req(&s, "GET", "/api/state", "h", NULL, 0); /* the header works too */
    cr_expect_eq(r.status, 200);
    done(&r);
    r = get(&s, "/");
    cr_expect_eq(r.status, 200);
    cr_expect(strstr(r.body, "studio.js?t=" TOKEN), "the page links its script with the token");
    cr_expect(!strstr(r.body, "@TOKEN@"));
    done(&r);
    stop(&s);
}

Test(studio_api, endpoints)
{
    server s;
    start(&s, 0, 0);
    resp r = get(&s, "/api/state");
    cr_assert_eq(r.status, 200);
    cr_expect(strstr(r.body, "\"model\": \"siggraph17\""), "%s", r.body);
    cr_expect(strstr(r.body, "\"baselines\": [\"eccv16\"]"), "%s", r.body);
    cr_expect_eq(json_long(r.body, "width"), PHOTO_W);
    done(&r);
    static const char *statics[][2] = {{"/studio.js", "text/javascript"},
                                       {"/studio.css", "text/css"}};
    for (int i = 0; i < 2; i++) {
        r = get(&s, statics[i][0]);
        cr_expect_eq(r.status, 200);
        cr_expect_gt(r.len, 100);
        done(&r);
    }
    r = put_hints(&s, "/api/hints", "[{\"x\": 10, \"y\": 20, \"color\": \"#c04020\"}, "
                                    "{\"x\": 60, \"y\": 40, \"color\": \"#2060d0\", \"size\": 3}]");
    cr_assert_eq(r.status, 202, "%s", r.body);
    long gen = json_long(r.body, "gen");
    done(&r);
    char path[128];
    snprintf(path, sizeof path, "/api/preview.png?gen=%ld", gen);
    r = get(&s, path);
    or_image img;
    decode_png(&r, &img);
    cr_expect_eq(img.width, PHOTO_W);
    cr_expect_eq(img.height, PHOTO_H);
    cr_expect_eq(atol(r.gen_header), gen, "X-Studio-Gen %s", r.gen_header);
    or_image_free(&img);
    done(&r);
    r = get(&s, "/api/entropy.png");
    decode_png(&r, &img);
    cr_expect_eq(img.width, 64);
    cr_expect(img.alpha != NULL);
    or_image_free(&img);
    done(&r);
    r = get(&s, "/api/photo.png");
    decode_png(&r, &img);
    cr_expect_eq(img.width, PHOTO_W);
    or_image_free(&img);
    done(&r);
    r = get(&s, "/api/suggest?x=10&y=20");
    cr_expect_eq(r.status, 200, "%s", r.body);
    cr_expect(strstr(r.body, "\"colors\": [{\"color\": \"#"), "%s", r.body);
    done(&r);
    r = get(&s, "/api/hints.json");
    cr_expect_eq(r.status, 200);
    /* named after the photo (a keyframe scene-0003-f000412.png saves scene-0003-f000412.json,
     * the name restore --keyframe-hints matches) */
    cr_expect_str_eq(r.disposition, "attachment; filename=\"studio_photo.json\"");
    cr_expect(strstr(r.body, "{\"x\": 60, \"y\": 40, \"color\": \"#2060d0\", \"size\": 3}"), "%s",
              r.body);
    done(&r);
    r = get(&s, "/api/baseline.png?name=eccv16");
    decode_png(&r, &img);
    or_image_free(&img);
    done(&r);
    r = get(&s, "/api/baseline.png?name=deoldify-artistic");
    cr_expect_eq(r.status, 404, "%s", r.body);
    done(&r);
    r = get(&s, "/api/export.png");
    decode_png(&r, &img);
    cr_expect_eq(img.width, PHOTO_W);
    or_image_free(&img);
    done(&r);
    /* a new photo: the hints start again */
    size_t len;
    char *png = file_bytes(photo_path(), &len);
    r = req(&s, "POST", "/api/image", "q", png, len);
    cr_expect_eq(r.status, 200, "%s", r.body);
    done(&r);
    free(png);
    r = get(&s, "/api/hints.json");
    cr_expect_str_eq(r.body, "[]\n");
    done(&r);
    stop(&s);
}

Test(studio_api, bad_requests_get_4xx_and_the_server_goes_on)
{
    server s;
    start(&s, 20000, 80 * 80);
    size_t len;
    char *png = file_bytes(photo_path(), &len); /* 96x64 noise: ~18 KB, 6144 pixels */
    struct {
        const char *method, *path, *body;
        long status;
        const char *msg;
    } cases[] = {
        {"GET", "/nope", NULL, 404, "no such page"},
        {"GET", "/../../etc/passwd", NULL, 404, NULL},
        {"DELETE", "/api/state", NULL, 405, NULL},
        {"GET", "/api/image", NULL, 405, NULL},
        {"POST", "/api/image", "", 400, "empty"},
        {"POST", "/api/image", "GIF89a not an image at all", 415, NULL},
        {"PUT", "/api/hints", "junk", 400, "hints"},
        {"PUT", "/api/hints", "{\"x\": 1}", 400, "array"},
        {"PUT", "/api/hints", "[{\"x\": 1, \"y\": 2, \"color\": \"red\"}]", 400, "#rrggbb"},
        {"PUT", "/api/hints", "[{\"x\": 96, \"y\": 2, \"color\": \"#ff0000\"}]", 400, "outside"},
        {"PUT", "/api/hints", "[{\"x\": 1, \"y\": 2, \"color\": \"#ff0000\", \"size\": 4}]", 400,
         "size"},
        {"PUT", "/api/hints?temperature=-1", "[]", 400, "temperature"},
        {"PUT", "/api/hints?temperature=abc", "[]", 400, "temperature"},
        {"GET", "/api/suggest?x=1", NULL, 400, NULL},
        {"GET", "/api/suggest?x=-1&y=2", NULL, 400, NULL},
        {"GET", "/api/suggest?x=1000&y=2", NULL, 400, "outside"},
        {"GET", "/api/preview.png?gen=abc", NULL, 400, "gen"},
        {"GET", "/api/baseline.png", NULL, 404, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *b = cases[i].body;
        resp r = req(&s, cases[i].method, cases[i].path, "q", b, b ? strlen(b) : 0);
        cr_expect_eq(r.status, cases[i].status, "%s %s: %ld %s", cases[i].method, cases[i].path,
                     r.status, r.body);
        if (cases[i].msg)
            cr_expect(strstr(r.body, cases[i].msg), "%s %s: %s", cases[i].method, cases[i].path,
                      r.body);
        done(&r);
    }
    /* too many bytes: refused from Content-Length (413 with the limit) */
    char *big = calloc(1, 30000);
    memcpy(big, png, len);
    resp r = req(&s, "POST", "/api/image", "q", big, 30000);
    cr_expect_eq(r.status, 413, "30000 bytes: %ld", r.status);
    cr_expect(strstr(r.body, "20000 bytes"), "%s", r.body);
    done(&r);
    free(big);
    stop(&s);
    /* too many pixels: a 96x64 photo against a 4000-pixel bound */
    start(&s, 0, 4000);
    r = req(&s, "POST", "/api/image", "q", png, len);
    cr_expect_eq(r.status, 413, "%s", r.body);
    cr_expect(strstr(r.body, "pixels"), "%s", r.body);
    done(&r);
    /* still serving, and the photo unchanged */
    r = get(&s, "/api/state");
    cr_expect_eq(r.status, 200);
    cr_expect_eq(json_long(r.body, "width"), PHOTO_W);
    done(&r);
    r = put_hints(&s, "/api/hints", "[{\"x\": 1, \"y\": 2, \"color\": \"#ff0000\"}]");
    cr_expect_eq(r.status, 202);
    done(&r);
    free(png);
    stop(&s);
}

typedef struct {
    const server *s;
    int id, n;
    long max_gen;
    int failures;
} editor;

static void *edit_loop(void *arg)
{
    editor *e = arg;
    for (int i = 0; i < e->n; i++) {
        char body[128];
        snprintf(body, sizeof body, "[{\"x\": %d, \"y\": %d, \"color\": \"#%02x40c0\"}]",
                 (e->id * 13 + i * 7) % PHOTO_W, (e->id * 5 + i * 3) % PHOTO_H, (i * 37) & 255);
        resp r = put_hints(e->s, "/api/hints", body);
        if (r.status != 202)
            e->failures++;
        else if (json_long(r.body, "gen") > e->max_gen)
            e->max_gen = json_long(r.body, "gen");
        done(&r);
    }
    return NULL;
}

Test(studio_api, concurrent_edits_are_coalesced)
{
    server s;
    start(&s, 0, 0);
    enum { THREADS = 4, EDITS = 15 };
    editor e[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        e[i] = (editor){&s, i, EDITS, 0, 0};
        cr_assert_eq(pthread_create(&th[i], NULL, edit_loop, &e[i]), 0);
    }
    long last = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        cr_expect_eq(e[i].failures, 0);
        last = e[i].max_gen > last ? e[i].max_gen : last;
    }
    /* every edit got its own generation (the photo was generation 1) */
    cr_expect_eq(last, 1 + THREADS * EDITS);
    char path[64];
    snprintf(path, sizeof path, "/api/preview.png?gen=%ld", last);
    resp r = get(&s, path);
    cr_expect_eq(r.status, 200);
    cr_expect_eq(atol(r.gen_header), last, "the newest edit is shown (%s)", r.gen_header);
    /* the shown preview is that of the newest hints: sending them again gives the same PNG */
    resp h = get(&s, "/api/hints.json");
    resp again = put_hints(&s, "/api/hints", h.body);
    snprintf(path, sizeof path, "/api/preview.png?gen=%ld", json_long(again.body, "gen"));
    resp r2 = get(&s, path);
    cr_expect_eq(r2.len, r.len);
    cr_expect(r.len == r2.len && !memcmp(r.body, r2.body, r.len));
    done(&r), done(&h), done(&again), done(&r2);
    stop(&s);
}

/* The export against `oprestore-gpu colorize --hints` (with --temperature when set). */
static void check_export_equals_cli(const char *temperature)
{
    server s;
    start(&s, 0, 0);
    char path[128];
    snprintf(path, sizeof path, "/api/hints%s%s", temperature ? "?temperature=" : "",
             temperature ? temperature : "");
    resp r = put_hints(&s, path, "[{\"x\": 10, \"y\": 20, \"color\": \"#c04020\"}, "
                                 "{\"x\": 60, \"y\": 40, \"color\": \"#2060d0\", \"size\": 9}, "
                                 "{\"x\": 95, \"y\": 0, \"color\": \"#10f010\", \"size\": 1}]");
    cr_assert_eq(r.status, 202);
    done(&r);
    resp ex = get(&s, "/api/export.png"), hj = get(&s, "/api/hints.json");
    cr_assert_eq(ex.status, 200);
    const char *hints = ct_write_text(temperature ? "studio_hints_t.json" : "studio_hints.json",
                                      hj.body);
    const char *out = ct_tmp(temperature ? "studio_cli_t.png" : "studio_cli.png");
    unlink(out);
    char extra[64] = "";
    if (temperature)
        snprintf(extra, sizeof extra, " --temperature %s", temperature);
    cr_assert_eq(ct_run("colorize -i %s -o %s -m %s --hints %s -g cpu -q%s", photo_path(), out,
                        model_path("siggraph17"), hints, extra),
                 0, "%s", ct_err);
    or_image a, b;
    decode_png(&ex, &a);
    ct_read_img(out, &b);
    cr_assert_eq(a.width, b.width);
    cr_assert_eq(a.height, b.height);
    size_t n = (size_t)3 * a.width * a.height, diff = 0;
    for (size_t i = 0; i < n; i++)
        diff += a.planes[i] != b.planes[i];
    cr_expect_eq(diff, 0, "%zu of %zu samples differ from the CLI's", diff, n);
    /* and the hints mattered */
    resp none = put_hints(&s, path, "[]");
    done(&none);
    resp ex0 = get(&s, "/api/export.png");
    cr_expect(ex0.len != ex.len || memcmp(ex0.body, ex.body, ex.len), "hints changed nothing");
    done(&ex0);
    or_image_free(&a), or_image_free(&b);
    done(&ex), done(&hj);
    stop(&s);
}

Test(studio_api, export_equals_cli_colorize_hints) { check_export_equals_cli(NULL); }
Test(studio_api, export_equals_cli_with_temperature) { check_export_equals_cli("0.38"); }

int main(int argc, char *argv[])
{
    struct criterion_test_set *tests = criterion_initialize();
    if (!or_studio_available()) {
        printf("[SKIP] %zu test(s) skipped: this build has no studio server (libmicrohttpd)\n",
               tests->tests);
        criterion_finalize(tests);
        return 77;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    int result = 0;
    if (criterion_handle_args(argc, argv, true))
        result = !criterion_run_all_tests(tests);
    criterion_finalize(tests);
    curl_global_cleanup();
    return result;
}

#else

int main(void)
{
    printf("[SKIP] test_studio_api: built without libcurl\n");
    return 77;
}

#endif
