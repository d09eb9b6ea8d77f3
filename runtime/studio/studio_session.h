/* studio_session.h: the studio's state and its network worker (studio_session.c),
 * used by the HTTP layer (studio_http.c).  Nothing here knows HTTP: each call
 * returns bytes (PNG, JSON) or an error with the status code it deserves. */
#ifndef OR_STUDIO_SESSION_H
#define OR_STUDIO_SESSION_H

#include <pthread.h>
#include <stdint.h>

#include "runtime/stages/colorize.h"
#include "runtime/stages/colorize_live.h"
#include "studio.h"

typedef struct {
    uint8_t *data;
    size_t len;
} st_blob;

/* An answer: HTTP status, content (owned), its type; an error is JSON {"error": msg}. */
typedef struct {
    int status;
    st_blob body;
    const char *type;
    char extra_header[160]; /* "Name: value" or empty */
} st_reply;

typedef struct studio {
    or_studio_opts o;
    pthread_mutex_t m;
    pthread_cond_t wake, done;
    int stopping;
    /* the request (under m) */
    or_image *pending_image; /* a new photo for the worker (owned) */
    or_color_hint *hints;
    int n_hints;
    float temperature;
    long req_gen, started_gen;
    /* the photo and the results (under m) */
    int have_image, img_w, img_h;
    char name[128];
    long image_id;
    long done_gen;
    char run_error[1024]; /* the last run's error, "" when it worked */
    st_blob preview_png, entropy_png, gray_png;
    /* the network (net_lock): every run, suggestion, baseline and export */
    pthread_mutex_t net_lock;
    or_live *live;
    st_blob baseline_png[OR_STUDIO_MAX_BASELINES];
    long baseline_image[OR_STUDIO_MAX_BASELINES];
    pthread_t worker;
    int worker_started;
} studio;

or_status st_start(studio *s, const or_studio_opts *o, or_err *err);
void st_stop(studio *s); /* wakes every waiter, joins the worker, frees */

/* The API (docs/studio.md).  Each fills *r. */
void st_state(studio *s, st_reply *r);
void st_upload(studio *s, const uint8_t *data, size_t len, const char *name, st_reply *r);
void st_put_hints(studio *s, const char *body, size_t len, const char *temperature,
                  st_reply *r);
void st_get_hints(studio *s, st_reply *r);
void st_preview(studio *s, const char *gen, st_reply *r);
void st_entropy(studio *s, st_reply *r);
void st_gray(studio *s, st_reply *r);
void st_suggest(studio *s, const char *x, const char *y, st_reply *r);
void st_baseline(studio *s, const char *name, st_reply *r);
void st_export(studio *s, st_reply *r);

/* r = status with {"error": msg}. */
void st_error(st_reply *r, int status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
