/* download.h: one URL into one file, checked before anyone uses it
 * (libcurl; built without it, or_download fails with OR_EUNSUPPORTED).
 *
 *   <path>.part  while the transfer runs, and after an interruption or a
 *                cut connection: the next call resumes it (HTTP Range)
 *   <path>.bad   the complete transfer whose size or sha256 did not match
 *                (kept for inspection; nothing is installed)
 *   <path>       only after the size and the sha256 matched (a rename)
 *
 * Proxies come from the environment as libcurl reads them (http_proxy,
 * https_proxy, no_proxy, ...); a CA bundle from CURL_CA_BUNDLE or
 * SSL_CERT_FILE, else libcurl's default.  A stalled transfer (under 1 byte/s
 * for stall_timeout_s seconds) and a connection that does not open within
 * connect_timeout_s are errors, never a hang. */
#ifndef OR_DOWNLOAD_H
#define OR_DOWNLOAD_H

#include <stdint.h>

#include "runtime/core/status.h"

#define OR_DOWNLOAD_CONNECT_TIMEOUT_S 30
#define OR_DOWNLOAD_STALL_TIMEOUT_S 60

/* Called while bytes arrive: done and total (0: unknown) count the whole file,
 * resumed bytes included; resumed is where this transfer started.  A
 * non-zero return stops the transfer (the .part is kept). */
typedef int (*or_download_progress_fn)(void *ctx, int64_t done, int64_t total, int64_t resumed,
                                       double seconds);

typedef struct {
    const char *url;
    const char *path;          /* the destination */
    int64_t size;              /* expected bytes; 0: unknown */
    const char *sha256;        /* expected: 64 hex digits or a published prefix; NULL: none */
    long connect_timeout_s;    /* 0: OR_DOWNLOAD_CONNECT_TIMEOUT_S */
    long stall_timeout_s;      /* 0: OR_DOWNLOAD_STALL_TIMEOUT_S */
    or_download_progress_fn progress; /* may be NULL */
    void *ctx;
} or_download_req;

typedef struct {
    char sha256[65];           /* of the complete file (also when it mismatched) */
    int64_t bytes;             /* size of the file */
    int64_t resumed;           /* bytes already in the .part when this call began */
    int interrupted;           /* the progress callback stopped it */
} or_download_info;

/* 1 when this build can download (libcurl), else 0. */
int or_download_available(void);
/* Fetch req->url into req->path as described above.  Errors are one line
 * naming the URL or the file: "<url>: HTTP 404", "<url>: sha256 mismatch:
 * expected ..., got ... (kept as <path>.bad; nothing installed)". */
or_status or_download(const or_download_req *req, or_download_info *info, or_err *err);

#endif
