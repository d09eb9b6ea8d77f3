/* studio.h: the colour studio (oprestore-gpu studio, docs/studio.md): a local
 * web server (libmicrohttpd) whose page (runtime/studio/page/, embedded in the
 * binary) lets a person place colour hints on a photo and see SIGGRAPH17 spread
 * them, with the network's suggested colours and its uncertainty.
 *
 * Safety: every request must carry the session's random token (query "t" or
 * header X-Studio-Token; 403 otherwise); uploads are bounded in bytes and pixels
 * (413 with a message); the client never names a server path (the only files are
 * the -i photo given on the command line); malformed requests get 4xx and the
 * server goes on; one network run at a time (every run, suggestion, baseline and
 * export holds the network lock); edits arriving during a run are coalesced (the
 * worker always runs the newest state, nothing queues). */
#ifndef OR_STUDIO_H
#define OR_STUDIO_H

#ifdef __cplusplus
extern "C" {
#endif

#include <signal.h>
#include <stddef.h>

#include "runtime/io/image.h"
#include "runtime/nets/net.h"

#define OR_STUDIO_MAX_BASELINES 4
#define OR_STUDIO_DEFAULT_PORT 8765
#define OR_STUDIO_MAX_UPLOAD_BYTES ((size_t)64 << 20)
#define OR_STUDIO_MAX_UPLOAD_PIXELS (8000L * 8000L)
#define OR_STUDIO_PREVIEW_MAX 768
#define OR_STUDIO_TOKEN_LEN 32

typedef struct {
    const char *host;            /* address to listen on; NULL: 127.0.0.1 */
    int port;                    /* 0: any free port */
    or_net *net;                 /* siggraph17 (hints) or eccv16: the studio's network */
    or_net *baselines[OR_STUDIO_MAX_BASELINES]; /* compared against (may share net's backend) */
    const char *baseline_names[OR_STUDIO_MAX_BASELINES];
    int n_baselines;
    const or_image *photo;       /* optional: the -i photo (copied) */
    const char *photo_name;      /* its name for the page */
    size_t max_upload_bytes;     /* 0: OR_STUDIO_MAX_UPLOAD_BYTES */
    long max_upload_pixels;      /* 0: OR_STUDIO_MAX_UPLOAD_PIXELS */
    int preview_max;             /* 0: OR_STUDIO_PREVIEW_MAX */
    const char *token;           /* NULL: random (tests may fix it) */
    volatile sig_atomic_t *stop; /* the server stops when this becomes non-zero */
    /* called once listening, with the URL to open (token included) */
    void (*on_ready)(void *ctx, const char *url);
    void *ctx;
} or_studio_opts;

/* 1 when this build has the server (libmicrohttpd was found). */
int or_studio_available(void);

/* Serves until *o->stop; returns OR_OK after a clean stop.  Errors: the address
 * cannot be bound, the photo is unusable, no server in this build. */
or_status or_studio_serve(const or_studio_opts *o, or_err *err);

#ifdef __cplusplus
}
#endif

#endif
