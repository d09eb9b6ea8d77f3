/* studio_http.c: the studio's HTTP server on libmicrohttpd (studio.h): the
 * token check, body limits, routing to studio_session.c and the embedded page.
 *
 * Routes (all need the token; docs/studio.md):
 *   GET  /  /studio.js  /studio.css          the page
 *   GET  /api/state                          JSON: model, photo, generations, baselines
 *   POST /api/image                          body: a PNG or JPEG (413 past the limits)
 *   PUT  /api/hints[?temperature=T]          body: the --hints JSON array
 *   GET  /api/hints.json                     the hints, as a --hints file
 *   GET  /api/preview.png[?gen=N]            waits until edit N is shown
 *   GET  /api/entropy.png  /api/photo.png    uncertainty overlay, the photo (preview size)
 *   GET  /api/suggest?x=X&y=Y                JSON: suggested colours at photo pixel (X, Y)
 *   GET  /api/baseline.png?name=eccv16       an automatic result to compare against
 *   GET  /api/export.png                     the full-size result (= colorize --hints) */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "studio.h"

#ifndef OR_HAVE_MHD

int or_studio_available(void) { return 0; }

or_status or_studio_serve(const or_studio_opts *o, or_err *err)
{
    (void)o;
    return or_errf(err, OR_EUNSUPPORTED,
                   "studio: this build has no web server (install libmicrohttpd-dev, as "
                   "./setup.sh does, and rebuild)");
}

#else

#include <microhttpd.h>

#include "studio_session.h"

/* the page (runtime/studio/page/, studio_page.S) */
extern const char or_studio_page_html[], or_studio_page_html_end[];
extern const char or_studio_page_js[], or_studio_page_js_end[];
extern const char or_studio_page_css[], or_studio_page_css_end[];

#define ST_MAX_HINTS_BODY ((size_t)1 << 20)
#define ST_MAX_CONNECTIONS 32

typedef struct {
    studio s;
    char token[OR_STUDIO_TOKEN_LEN + 1];
} server;

/* One request's body. */
typedef struct {
    char *data;
    size_t len, cap, limit;
    int too_big;
} req_body;

int or_studio_available(void) { return 1; }

static int token_ok(const server *sv, const char *t)
{
    if (!t || strlen(t) != OR_STUDIO_TOKEN_LEN)
        return 0;
    unsigned char diff = 0; /* constant time */
    for (int i = 0; i < OR_STUDIO_TOKEN_LEN; i++)
        diff |= (unsigned char)(t[i] ^ sv->token[i]);
    return diff == 0;
}

static enum MHD_Result send_reply(struct MHD_Connection *con, st_reply *r)
{
    struct MHD_Response *resp =
        r->body.data ? MHD_create_response_from_buffer(r->body.len, r->body.data,
                                                       MHD_RESPMEM_MUST_FREE)
                     : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(r->body.data);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", r->type ? r->type : "application/json");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' blob: data:; "
                            "style-src 'self'; script-src 'self'; connect-src 'self'; "
                            "frame-ancestors 'none'");
    char *colon = strchr(r->extra_header, ':');
    if (colon && colon[1] == ' ') {
        *colon = 0;
        MHD_add_response_header(resp, r->extra_header, colon + 2);
    }
    enum MHD_Result ret = MHD_queue_response(con, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *con, int status, const char *msg)
{
    st_reply r = {0};
    st_error(&r, status, "%s", msg);
    return send_reply(con, &r);
}

/* The page, with @TOKEN@ replaced (html) or as is. */
static void page(const server *sv, const char *b, const char *e, const char *type, int subst,
                 st_reply *r)
{
    size_t n = (size_t)(e - b), cap = n + 1;
    if (subst)
        cap += 8 * OR_STUDIO_TOKEN_LEN;
    char *out = malloc(cap), *o = out;
    if (!out) {
        st_error(r, 503, "out of memory");
        return;
    }
    int left = 8;
    for (const char *p = b; p < e;) {
        if (subst && left > 0 && e - p >= 7 && !memcmp(p, "@TOKEN@", 7)) {
            memcpy(o, sv->token, OR_STUDIO_TOKEN_LEN);
            o += OR_STUDIO_TOKEN_LEN, p += 7, left--;
        } else {
            *o++ = *p++;
        }
    }
    r->status = 200, r->type = type;
    r->body.data = (uint8_t *)out, r->body.len = (size_t)(o - out);
}

static const char *arg(struct MHD_Connection *con, const char *key)
{
    return MHD_lookup_connection_value(con, MHD_GET_ARGUMENT_KIND, key);
}

/* Routes a complete request. */
static void route(server *sv, struct MHD_Connection *con, const char *url, const char *method,
                  req_body *b, st_reply *r)
{
    studio *s = &sv->s;
    int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
    struct {
        const char *url, *method;
    } const known[] = {{"/", "GET"}, {"/index.html", "GET"}, {"/studio.js", "GET"},
                       {"/studio.css", "GET"}, {"/api/state", "GET"}, {"/api/image", "POST"},
                       {"/api/hints", "PUT"}, {"/api/hints.json", "GET"},
                       {"/api/preview.png", "GET"}, {"/api/entropy.png", "GET"},
                       {"/api/photo.png", "GET"}, {"/api/suggest", "GET"},
                       {"/api/baseline.png", "GET"}, {"/api/export.png", "GET"}};
    int found = -1;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (!strcmp(url, known[i].url))
            found = (int)i;
    if (found < 0) {
        st_error(r, 404, "no such page");
        return;
    }
    const char *want = known[found].method;
    if (!(strcmp(want, "GET") ? !strcmp(method, want) : get)) {
        st_error(r, 405, "%s takes %s", known[found].url, want);
        return;
    }
    if (!strcmp(url, "/") || !strcmp(url, "/index.html"))
        page(sv, or_studio_page_html, or_studio_page_html_end, "text/html; charset=utf-8", 1, r);
    else if (!strcmp(url, "/studio.js"))
        page(sv, or_studio_page_js, or_studio_page_js_end, "text/javascript; charset=utf-8", 0,
             r);
    else if (!strcmp(url, "/studio.css"))
        page(sv, or_studio_page_css, or_studio_page_css_end, "text/css; charset=utf-8", 0, r);
    else if (!strcmp(url, "/api/state"))
        st_state(s, r);
    else if (!strcmp(url, "/api/image")) {
        if (!b->len)
            st_error(r, 400, "upload: empty body (send the image file's bytes)");
        else
            st_upload(s, (const uint8_t *)b->data, b->len,
                      MHD_lookup_connection_value(con, MHD_HEADER_KIND, "X-Studio-Name"), r);
    } else if (!strcmp(url, "/api/hints"))
        st_put_hints(s, b->data ? b->data : "", b->len, arg(con, "temperature"), r);
    else if (!strcmp(url, "/api/hints.json"))
        st_get_hints(s, r);
    else if (!strcmp(url, "/api/preview.png"))
        st_preview(s, arg(con, "gen"), r);
    else if (!strcmp(url, "/api/entropy.png"))
        st_entropy(s, r);
    else if (!strcmp(url, "/api/photo.png"))
        st_gray(s, r);
    else if (!strcmp(url, "/api/suggest"))
        st_suggest(s, arg(con, "x"), arg(con, "y"), r);
    else if (!strcmp(url, "/api/baseline.png"))
        st_baseline(s, arg(con, "name"), r);
    else
        st_export(s, r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **ctx)
{
    (void)version;
    server *sv = cls;
    req_body *b = *ctx;
    if (!b) { /* the headers: check what can be checked before any body */
        b = calloc(1, sizeof *b);
        if (!b)
            return MHD_NO;
        *ctx = b;
        const char *t = arg(con, "t");
        if (!t)
            t = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "X-Studio-Token");
        if (!token_ok(sv, t))
            return send_error(con, 403, "forbidden: the token of the URL the studio printed "
                                        "is missing or wrong");
        b->limit = !strcmp(url, "/api/image") ? sv->s.o.max_upload_bytes : ST_MAX_HINTS_BODY;
        const char *cl = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > b->limit) {
            char msg[160];
            snprintf(msg, sizeof msg, "upload: %s bytes is more than the limit of %zu bytes", cl,
                     b->limit);
            return send_error(con, 413, msg);
        }
        return MHD_YES;
    }
    if (*upload_size) { /* a piece of the body */
        size_t n = *upload_size;
        *upload_size = 0;
        if (b->too_big || b->len + n > b->limit) {
            b->too_big = 1;
            return MHD_YES;
        }
        if (b->len + n + 1 > b->cap) {
            size_t cap = b->cap ? b->cap : 65536;
            while (cap < b->len + n + 1)
                cap *= 2;
            char *p = realloc(b->data, cap);
            if (!p)
                return MHD_NO;
            b->data = p, b->cap = cap;
        }
        memcpy(b->data + b->len, upload_data, n);
        b->len += n;
        b->data[b->len] = 0;
        return MHD_YES;
    }
    if (b->too_big) {
        char msg[120];
        snprintf(msg, sizeof msg, "upload: more than the limit of %zu bytes", b->limit);
        return send_error(con, 413, msg);
    }
    st_reply r = {0};
    route(sv, con, url, method, b, &r);
    return send_reply(con, &r);
}

static void on_completed(void *cls, struct MHD_Connection *con, void **ctx,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls, (void)con, (void)toe;
    req_body *b = *ctx;
    if (b)
        free(b->data), free(b);
    *ctx = NULL;
}

static or_status make_token(char *t, or_err *err)
{
    unsigned char r[OR_STUDIO_TOKEN_LEN / 2];
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t n = getrandom(r + got, sizeof r - got, 0);
        if (n <= 0)
            return or_errf(err, OR_EIO, "studio: no random numbers for the token");
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof r; i++)
        snprintf(t + 2 * i, 3, "%02x", r[i]);
    return OR_OK;
}

or_status or_studio_serve(const or_studio_opts *o, or_err *err)
{
    if (!o->net || !o->stop)
        return or_errf(err, OR_EINVAL, "studio: no network or no stop flag");
    server *sv = calloc(1, sizeof *sv);
    if (!sv)
        return or_errf(err, OR_ENOMEM, "studio: out of memory");
    if (o->token) {
        if (strlen(o->token) != OR_STUDIO_TOKEN_LEN) {
            free(sv);
            return or_errf(err, OR_EINVAL, "studio: the token must be %d characters",
                           OR_STUDIO_TOKEN_LEN);
        }
        memcpy(sv->token, o->token, OR_STUDIO_TOKEN_LEN);
    } else if (make_token(sv->token, err) != OR_OK) {
        free(sv);
        return err->code;
    }
    const char *host = o->host ? o->host : "127.0.0.1";
    struct sockaddr_in a4 = {0};
    struct sockaddr_in6 a6 = {0};
    struct sockaddr *sa;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION;
    if (inet_pton(AF_INET, host, &a4.sin_addr) == 1) {
        a4.sin_family = AF_INET, a4.sin_port = htons((uint16_t)o->port);
        sa = (struct sockaddr *)&a4;
    } else if (inet_pton(AF_INET6, host, &a6.sin6_addr) == 1) {
        a6.sin6_family = AF_INET6, a6.sin6_port = htons((uint16_t)o->port);
        sa = (struct sockaddr *)&a6;
        flags |= MHD_USE_IPv6;
    } else {
        free(sv);
        return or_errf(err, OR_EINVAL, "studio: --host %s: expected a numeric IPv4 or IPv6 address",
                       OR_ESC(host));
    }
    or_status rs = st_start(&sv->s, o, err);
    struct MHD_Daemon *d = NULL;
    if (!rs) {
        d = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, on_request, sv,
                             MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
                             sv, MHD_OPTION_CONNECTION_LIMIT, (unsigned)ST_MAX_CONNECTIONS,
                             MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_END);
        if (!d)
            rs = or_errf(err, OR_EIO, "studio: cannot listen on %s port %d (in use? try --port)",
                         OR_ESC(host), o->port);
    }
    if (!rs) {
        const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
        int port = info ? info->port : o->port;
        char url[256];
        int v6 = sa->sa_family == AF_INET6;
        snprintf(url, sizeof url, "http://%s%s%s:%d/?t=%s", v6 ? "[" : "", host, v6 ? "]" : "",
                 port, sv->token);
        if (o->on_ready)
            o->on_ready(o->ctx, url);
        while (!*o->stop) {
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
    }
    /* wake the waiting handlers first, then stop the connections */
    pthread_mutex_lock(&sv->s.m);
    sv->s.stopping = 1;
    pthread_cond_broadcast(&sv->s.done);
    pthread_mutex_unlock(&sv->s.m);
    if (d)
        MHD_stop_daemon(d);
    st_stop(&sv->s);
    free(sv);
    return rs;
}

#endif
