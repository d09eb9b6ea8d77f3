/* studio_session.c: the studio's state, its network worker and the API's
 * answers (studio_session.h).
 *
 * Edits: PUT hints stores the newest hint list and temperature and bumps
 * req_gen; the worker wakes, takes the newest state (edits that arrived during
 * a run are thereby coalesced: only the last one runs), runs the network under
 * net_lock and publishes the preview with done_gen = the generation it ran.  A
 * preview request for generation N waits (at most ST_WAIT_S) until done_gen >= N. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "studio_session.h"
#include "weights/json.h"

#define ST_WAIT_S 30
#define ST_MAX_SUGGESTIONS 8


static void reply_blob(st_reply *r, const uint8_t *data, size_t len, const char *type)
{
    r->body.data = malloc(len ? len : 1);
    if (!r->body.data) {
        st_error(r, 503, "out of memory");
        return;
    }
    memcpy(r->body.data, data, len);
    r->body.len = len;
    r->status = 200;
    r->type = type;
}

/* A JSON reply from an open_memstream. */
static void reply_json(st_reply *r, FILE *f, char **p, size_t *n)
{
    if (fclose(f) != 0) { /* the stream sets *p and *n when closed */
        free(*p);
        st_error(r, 503, "out of memory");
        return;
    }
    r->status = 200, r->type = "application/json";
    r->body.data = (uint8_t *)*p, r->body.len = *n;
}

void st_error(st_reply *r, int status, const char *fmt, ...)
{
    char msg[1200], *p = NULL;
    size_t n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    FILE *f = open_memstream(&p, &n);
    r->status = status;
    r->type = "application/json";
    r->body.data = NULL, r->body.len = 0;
    if (!f)
        return;
    fputs("{\"error\": ", f);
    json_write_str(f, msg, 1);
    fputs("}\n", f);
    if (fclose(f) == 0)
        r->body.data = (uint8_t *)p, r->body.len = n;
    else
        free(p);
}

static void blob_free(st_blob *b)
{
    free(b->data);
    b->data = NULL, b->len = 0;
}

static or_status encode_png(const or_image *img, st_blob *b, or_err *err)
{
    blob_free(b);
    return or_image_write_png_mem(img, 8, &b->data, &b->len, err);
}

/* The entropy map as RGBA: one warm colour, alpha = entropy. */
static or_status encode_entropy(const or_live *lv, st_blob *b, or_err *err)
{
    int gw, gh;
    const float *e = or_live_entropy(lv, &gw, &gh);
    or_image img;
    OR_TRY(or_image_alloc(&img, gw, gh, 3, 1, err));
    size_t hw = (size_t)gw * gh;
    for (size_t i = 0; i < hw; i++) {
        img.planes[i] = 1.0f, img.planes[hw + i] = 0.15f, img.planes[2 * hw + i] = 0.55f;
        img.alpha[i] = e[i];
    }
    or_status s = encode_png(&img, b, err);
    or_image_free(&img);
    return s;
}

/* ---- the worker ---- */

/* The options of the current state (s->m held): a copy of the hints (the caller
 * frees co.hints) and the temperature. */
static or_colorize_opts opts_locked(const studio *s)
{
    or_colorize_opts co = or_colorize_defaults();
    int n = s->n_hints;
    or_color_hint *hints = n ? malloc((size_t)n * sizeof *hints) : NULL;
    if (hints)
        memcpy(hints, s->hints, (size_t)n * sizeof *hints);
    co.hints = hints, co.n_hints = hints ? n : 0, co.temperature = s->temperature;
    return co;
}

static void *worker_main(void *arg)
{
    studio *s = arg;
    pthread_mutex_lock(&s->m);
    while (!s->stopping) {
        if (s->started_gen == s->req_gen) {
            pthread_cond_wait(&s->wake, &s->m);
            continue;
        }
        long gen = s->req_gen;
        s->started_gen = gen;
        or_image *img = s->pending_image;
        s->pending_image = NULL;
        or_colorize_opts co = opts_locked(s);
        or_color_hint *hints = (or_color_hint *)co.hints;
        pthread_mutex_unlock(&s->m);

        or_err err = {0};
        or_status rs = OR_OK;
        st_blob gray = {0}, pv = {0}, ent = {0};
        pthread_mutex_lock(&s->net_lock);
        if (img) {
            or_live_free(s->live);
            s->live = NULL;
            rs = or_live_open(s->o.net, img, s->o.preview_max, &s->live, &err);
            if (!rs)
                rs = encode_png(or_live_gray(s->live), &gray, &err);
            or_image_free(img);
            free(img);
        }
        if (!rs && !s->live)
            rs = or_errf(&err, OR_EINVAL, "no photo");
        if (!rs) {
            rs = or_live_run(s->live, &co, &err);
            if (!rs)
                rs = encode_png(or_live_preview(s->live), &pv, &err);
            if (!rs)
                rs = encode_entropy(s->live, &ent, &err);
        }
        pthread_mutex_unlock(&s->net_lock);
        free(hints);

        pthread_mutex_lock(&s->m);
        if (gray.data)
            blob_free(&s->gray_png), s->gray_png = gray;
        if (pv.data)
            blob_free(&s->preview_png), s->preview_png = pv;
        if (ent.data)
            blob_free(&s->entropy_png), s->entropy_png = ent;
        if (rs) { /* nothing stale is served after a failed run */
            snprintf(s->run_error, sizeof s->run_error, "%s", err.msg);
            blob_free(&gray), blob_free(&pv), blob_free(&ent);
            blob_free(&s->preview_png), blob_free(&s->entropy_png);
        } else {
            s->run_error[0] = 0;
        }
        s->done_gen = gen;
        pthread_cond_broadcast(&s->done);
    }
    pthread_mutex_unlock(&s->m);
    return NULL;
}

/* Makes img the photo (takes it); under m. */
static void set_photo_locked(studio *s, or_image *img, const char *name)
{
    if (s->pending_image) {
        or_image_free(s->pending_image);
        free(s->pending_image);
    }
    s->pending_image = img;
    s->have_image = 1;
    s->img_w = img->width, s->img_h = img->height;
    snprintf(s->name, sizeof s->name, "%s", name && *name ? name : "photo");
    s->image_id++;
    free(s->hints);
    s->hints = NULL, s->n_hints = 0;
    s->req_gen++;
    pthread_cond_signal(&s->wake);
}

static or_status copy_photo(const or_image *src, or_image **out, or_err *err)
{
    *out = calloc(1, sizeof **out);
    if (!*out)
        return or_errf(err, OR_ENOMEM, "studio: out of memory");
    or_status s = or_image_copy(src, *out, err);
    if (s)
        free(*out), *out = NULL;
    return s;
}

or_status st_start(studio *s, const or_studio_opts *o, or_err *err)
{
    memset(s, 0, sizeof *s);
    s->o = *o;
    if (!s->o.max_upload_bytes)
        s->o.max_upload_bytes = OR_STUDIO_MAX_UPLOAD_BYTES;
    if (!s->o.max_upload_pixels)
        s->o.max_upload_pixels = OR_STUDIO_MAX_UPLOAD_PIXELS;
    if (!s->o.preview_max)
        s->o.preview_max = OR_STUDIO_PREVIEW_MAX;
    pthread_mutex_init(&s->m, NULL);
    pthread_mutex_init(&s->net_lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    pthread_cond_init(&s->done, NULL);
    if (o->photo) {
        or_image *img;
        OR_TRY(copy_photo(o->photo, &img, err));
        set_photo_locked(s, img, o->photo_name);
    }
    if (pthread_create(&s->worker, NULL, worker_main, s) != 0)
        return or_errf(err, OR_EIO, "studio: cannot start the network thread");
    s->worker_started = 1;
    return OR_OK;
}

void st_stop(studio *s)
{
    pthread_mutex_lock(&s->m);
    s->stopping = 1;
    pthread_cond_broadcast(&s->wake);
    pthread_cond_broadcast(&s->done);
    pthread_mutex_unlock(&s->m);
    if (s->worker_started)
        pthread_join(s->worker, NULL);
    or_live_free(s->live);
    if (s->pending_image) {
        or_image_free(s->pending_image);
        free(s->pending_image);
    }
    free(s->hints);
    blob_free(&s->preview_png), blob_free(&s->entropy_png), blob_free(&s->gray_png);
    for (int i = 0; i < OR_STUDIO_MAX_BASELINES; i++)
        blob_free(&s->baseline_png[i]);
    pthread_cond_destroy(&s->wake), pthread_cond_destroy(&s->done);
    pthread_mutex_destroy(&s->m), pthread_mutex_destroy(&s->net_lock);
}

/* ---- the API ---- */

void st_state(studio *s, st_reply *r)
{
    char *p = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&p, &n);
    if (!f) {
        st_error(r, 503, "out of memory");
        return;
    }
    pthread_mutex_lock(&s->m);
    fprintf(f, "{\"model\": ");
    json_write_str(f, s->o.net->arch, 1);
    fprintf(f, ", \"hints_supported\": %s, \"baselines\": [",
            s->o.net->in_ch == 4 ? "true" : "false");
    for (int i = 0; i < s->o.n_baselines; i++) {
        fputs(i ? ", " : "", f);
        json_write_str(f, s->o.baseline_names[i], 1);
    }
    fprintf(f, "], \"image\": ");
    if (s->have_image) {
        fprintf(f, "{\"width\": %d, \"height\": %d, \"name\": ", s->img_w, s->img_h);
        json_write_str(f, s->name, 1);
        fprintf(f, ", \"id\": %ld}", s->image_id);
    } else {
        fputs("null", f);
    }
    fprintf(f, ", \"gen\": %ld, \"done_gen\": %ld, \"temperature\": %g, \"error\": ",
            s->req_gen, s->done_gen, (double)s->temperature);
    json_write_str(f, s->run_error, 1);
    fprintf(f, ", \"max_upload_bytes\": %zu, \"max_upload_pixels\": %ld}\n",
            s->o.max_upload_bytes, s->o.max_upload_pixels);
    pthread_mutex_unlock(&s->m);
    reply_json(r, f, &p, &n);
}

void st_upload(studio *s, const uint8_t *data, size_t len, const char *name, st_reply *r)
{
    or_image_limits lim = or_image_limits_default();
    lim.max_pixels = s->o.max_upload_pixels;
    lim.max_file_bytes = s->o.max_upload_bytes;
    lim.verb = "studio";
    or_image *img = calloc(1, sizeof *img);
    or_err err;
    if (!img) {
        st_error(r, 503, "out of memory");
        return;
    }
    or_status rs = or_image_read_mem(data, len, "upload", &lim, img, &err);
    if (rs) {
        free(img);
        /* OR_ENOMEM: the pixel bound (checked from the header, before decoding) */
        st_error(r, rs == OR_ENOMEM ? 413 : 415, "%s", err.msg);
        return;
    }
    if ((long)img->width * img->height > s->o.max_upload_pixels) {
        st_error(r, 413, "upload: %dx%d is more than %ld pixels", img->width, img->height,
                 s->o.max_upload_pixels);
        or_image_free(img);
        free(img);
        return;
    }
    pthread_mutex_lock(&s->m);
    set_photo_locked(s, img, name);
    long gen = s->req_gen;
    int w = s->img_w, h = s->img_h;
    pthread_mutex_unlock(&s->m);
    char buf[128];
    int k = snprintf(buf, sizeof buf, "{\"width\": %d, \"height\": %d, \"gen\": %ld}\n", w, h,
                     gen);
    reply_blob(r, (const uint8_t *)buf, (size_t)k, "application/json");
}

void st_put_hints(studio *s, const char *body, size_t len, const char *temperature,
                  st_reply *r)
{
    double t = 0;
    if (temperature) {
        char *end;
        errno = 0;
        t = strtod(temperature, &end);
        if (errno || end == temperature || *end || !(t == 0 || (t >= 0.01 && t <= 100))) {
            st_error(r, 400, "temperature \"%.32s\": expected 0 (off) or 0.01..100",
                     temperature);
            return;
        }
    }
    or_color_hint *h;
    int n;
    or_err err;
    if (or_hints_parse(body, len, "hints", &h, &n, &err) != OR_OK) {
        st_error(r, 400, "%s", err.msg);
        return;
    }
    pthread_mutex_lock(&s->m);
    if (!s->have_image) {
        pthread_mutex_unlock(&s->m);
        free(h);
        st_error(r, 409, "no photo yet: upload one first");
        return;
    }
    for (int i = 0; i < n; i++)
        if (h[i].x >= s->img_w || h[i].y >= s->img_h) {
            int w = s->img_w, hh = s->img_h;
            pthread_mutex_unlock(&s->m);
            st_error(r, 400, "hints: entry %d (x %d, y %d) is outside the %dx%d photo", i,
                     h[i].x, h[i].y, w, hh);
            free(h);
            return;
        }
    free(s->hints);
    s->hints = h, s->n_hints = n;
    s->temperature = (float)t;
    long gen = ++s->req_gen;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->m);
    char buf[64];
    int k = snprintf(buf, sizeof buf, "{\"gen\": %ld}\n", gen);
    reply_blob(r, (const uint8_t *)buf, (size_t)k, "application/json");
    r->status = 202;
}

/* The hints file's name: the photo's without its extension, so that the hints of
 * a keyframe scene-0003-f000412.png (restore --keyframes-out) save as
 * scene-0003-f000412.json, the name restore --keyframe-hints matches; bytes
 * other than letters, digits, '-', '_' and '.' become '_'; "hints" when empty. */
static void hints_file_stem(const char *photo, char *stem, size_t cap)
{
    const char *dot = strrchr(photo, '.');
    size_t n = dot && dot != photo ? (size_t)(dot - photo) : strlen(photo), k = 0;
    for (size_t i = 0; i < n && k + 1 < cap; i++) {
        char c = photo[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_' || c == '.';
        stem[k++] = ok ? c : '_';
    }
    stem[k] = 0;
    if (!k)
        snprintf(stem, cap, "hints");
}

void st_get_hints(studio *s, st_reply *r)
{
    char stem[64];
    pthread_mutex_lock(&s->m);
    char *text = or_hints_format(s->hints, s->n_hints);
    hints_file_stem(s->name, stem, sizeof stem);
    pthread_mutex_unlock(&s->m);
    if (!text) {
        st_error(r, 503, "out of memory");
        return;
    }
    r->status = 200, r->type = "application/json";
    r->body.data = (uint8_t *)text, r->body.len = strlen(text);
    snprintf(r->extra_header, sizeof r->extra_header,
             "Content-Disposition: attachment; filename=\"%s.json\"", stem);
}

/* A whole-string integer in [lo, hi]; 0 when malformed. */
static int parse_long(const char *v, long lo, long hi, long *out)
{
    if (!v || !*v)
        return 0;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || *end || x < lo || x > hi)
        return 0;
    *out = x;
    return 1;
}

/* Waits (under m) until generation gen is done; 0 on time-out or stop. */
static int wait_done_locked(studio *s, long gen)
{
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += ST_WAIT_S;
    while (s->done_gen < gen && !s->stopping)
        if (pthread_cond_timedwait(&s->done, &s->m, &dl) == ETIMEDOUT)
            break;
    return s->done_gen >= gen;
}

static void reply_result(studio *s, const char *gen_arg, st_blob *b, const char *what,
                         st_reply *r)
{
    long gen = 0;
    if (gen_arg && !parse_long(gen_arg, 0, 1L << 60, &gen)) {
        st_error(r, 400, "gen \"%.32s\": expected an edit generation (integer)", gen_arg);
        return;
    }
    pthread_mutex_lock(&s->m);
    if (!s->have_image) {
        pthread_mutex_unlock(&s->m);
        st_error(r, 409, "no photo yet: upload one first");
        return;
    }
    if (gen > s->req_gen)
        gen = s->req_gen;
    if (!gen_arg)
        gen = s->req_gen;
    if (!wait_done_locked(s, gen)) {
        pthread_mutex_unlock(&s->m);
        st_error(r, 503, "%s: the network is still busy", what);
        return;
    }
    if (s->run_error[0] || !b->data) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s", s->run_error[0] ? s->run_error : "no result");
        pthread_mutex_unlock(&s->m);
        st_error(r, 422, "%s: %s", what, msg);
        return;
    }
    reply_blob(r, b->data, b->len, "image/png");
    snprintf(r->extra_header, sizeof r->extra_header, "X-Studio-Gen: %ld", s->done_gen);
    pthread_mutex_unlock(&s->m);
}

void st_preview(studio *s, const char *gen, st_reply *r)
{
    reply_result(s, gen, &s->preview_png, "preview", r);
}

void st_entropy(studio *s, st_reply *r) { reply_result(s, NULL, &s->entropy_png, "entropy", r); }

void st_gray(studio *s, st_reply *r) { reply_result(s, NULL, &s->gray_png, "photo", r); }

void st_suggest(studio *s, const char *xs, const char *ys, st_reply *r)
{
    long x, y;
    if (!parse_long(xs, 0, 1000000, &x) || !parse_long(ys, 0, 1000000, &y)) {
        st_error(r, 400, "suggest: x and y must be pixel coordinates (integers >= 0)");
        return;
    }
    pthread_mutex_lock(&s->m);
    int ok = s->have_image && wait_done_locked(s, s->req_gen) && !s->run_error[0];
    int w = s->img_w, h = s->img_h;
    pthread_mutex_unlock(&s->m);
    if (!ok) {
        st_error(r, 409, "suggest: no colourised photo yet");
        return;
    }
    if (x >= w || y >= h) {
        st_error(r, 400, "suggest: (%ld, %ld) is outside the %dx%d photo", x, y, w, h);
        return;
    }
    or_live_suggestion sg[ST_MAX_SUGGESTIONS];
    double L = 0;
    pthread_mutex_lock(&s->net_lock);
    int n = s->live ? or_live_suggest(s->live, (int)x, (int)y, sg, ST_MAX_SUGGESTIONS, &L) : 0;
    pthread_mutex_unlock(&s->net_lock);
    char *p = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&p, &len);
    if (!f) {
        st_error(r, 503, "out of memory");
        return;
    }
    fprintf(f, "{\"x\": %ld, \"y\": %ld, \"L\": %.3f, \"colors\": [", x, y, L);
    for (int i = 0; i < n; i++)
        fprintf(f, "%s{\"color\": \"#%02x%02x%02x\", \"p\": %.4f, \"a\": %.1f, \"b\": %.1f}",
                i ? ", " : "", sg[i].rgb[0], sg[i].rgb[1], sg[i].rgb[2], (double)sg[i].p,
                (double)sg[i].a, (double)sg[i].b);
    fprintf(f, "]}\n");
    reply_json(r, f, &p, &len);
}

void st_baseline(studio *s, const char *name, st_reply *r)
{
    int k = -1;
    for (int i = 0; name && i < s->o.n_baselines; i++)
        if (!strcmp(name, s->o.baseline_names[i]))
            k = i;
    if (k < 0) {
        st_error(r, 404, "baseline \"%.40s\": not installed (see GET /api/state)",
                 name ? name : "");
        return;
    }
    pthread_mutex_lock(&s->m);
    int ok = s->have_image && wait_done_locked(s, s->req_gen);
    long id = s->image_id;
    pthread_mutex_unlock(&s->m);
    pthread_mutex_lock(&s->net_lock);
    if (!ok || !s->live) {
        pthread_mutex_unlock(&s->net_lock);
        st_error(r, 409, "baseline: no photo yet");
        return;
    }
    or_err err;
    or_status rs = OR_OK;
    if (!s->baseline_png[k].data || s->baseline_image[k] != id) {
        or_image out;
        or_colorize_opts co = or_colorize_defaults();
        rs = or_colorize_image(s->o.baselines[k], or_live_gray(s->live), &co, &out, NULL, &err);
        if (!rs) {
            rs = encode_png(&out, &s->baseline_png[k], &err);
            or_image_free(&out);
        }
        s->baseline_image[k] = rs ? -1 : id;
    }
    if (rs)
        st_error(r, 500, "baseline %s: %s", name, err.msg);
    else
        reply_blob(r, s->baseline_png[k].data, s->baseline_png[k].len, "image/png");
    pthread_mutex_unlock(&s->net_lock);
}

void st_export(studio *s, st_reply *r)
{
    pthread_mutex_lock(&s->m);
    int ok = s->have_image && wait_done_locked(s, s->req_gen);
    or_colorize_opts co = opts_locked(s);
    or_color_hint *hints = (or_color_hint *)co.hints;
    pthread_mutex_unlock(&s->m);
    if (!ok) {
        free(hints);
        st_error(r, 409, "export: no photo yet");
        return;
    }
    /* the whole photo through the same call as `oprestore-gpu colorize --hints` */
    pthread_mutex_lock(&s->net_lock);
    or_err err;
    or_image out;
    or_status rs = s->live ? or_colorize_image(s->o.net, or_live_input(s->live), &co, &out,
                                               NULL, &err)
                           : or_errf(&err, OR_EINVAL, "no photo");
    pthread_mutex_unlock(&s->net_lock);
    free(hints);
    if (!rs) {
        rs = or_image_write_png_mem(&out, out.src_bit_depth == 16 ? 16 : 8, &r->body.data,
                                    &r->body.len, &err);
        or_image_free(&out);
    }
    if (rs) {
        st_error(r, 500, "export: %s", err.msg);
        return;
    }
    r->status = 200, r->type = "image/png";
    snprintf(r->extra_header, sizeof r->extra_header,
             "Content-Disposition: attachment; filename=\"colorized.png\"");
}
