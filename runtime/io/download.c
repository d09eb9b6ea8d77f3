/* download.c: URL -> file with resume, size and sha256 checks (download.h). */
#include "download.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/core/sha256.h"

#ifdef OR_HAVE_CURL
#include <curl/curl.h>
#include <time.h>

typedef struct {
    const or_download_req *req;
    FILE *f;
    CURL *curl;
    int64_t resumed;    /* bytes in the .part before this transfer */
    int64_t written;    /* bytes written by this transfer */
    int write_failed;   /* errno of a failed write, or 0 */
    int stopped;        /* the progress callback asked to stop */
    struct timespec t0;
} dl_state;

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + 1e-9 * (double)(t.tv_nsec - t0->tv_nsec);
}

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    dl_state *s = ctx;
    size_t w = fwrite(p, size, n, s->f);
    if (w != n) {
        s->write_failed = errno ? errno : EIO;
        return 0;
    }
    s->written += (int64_t)(size * n);
    return size * n;
}

static int on_progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ult,
                       curl_off_t uln)
{
    (void)ult, (void)uln;
    dl_state *s = ctx;
    const or_download_req *r = s->req;
    int64_t total = r->size ? r->size : (dltotal > 0 ? s->resumed + (int64_t)dltotal : 0);
    if (r->progress &&
        r->progress(r->ctx, s->resumed + (int64_t)dlnow, total, s->resumed, seconds_since(&s->t0))) {
        s->stopped = 1;
        return 1;
    }
    return 0;
}

static void set_options(CURL *c, const or_download_req *r, dl_state *s, char *errbuf)
{
    curl_easy_setopt(c, CURLOPT_URL, r->url);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "oprestore-gpu/" OR_VERSION);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                     r->connect_timeout_s > 0 ? r->connect_timeout_s : OR_DOWNLOAD_CONNECT_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME,
                     r->stall_timeout_s > 0 ? r->stall_timeout_s : OR_DOWNLOAD_STALL_TIMEOUT_S);
    curl_easy_setopt(c, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)s->resumed);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, s);
    const char *ca = getenv("CURL_CA_BUNDLE");
    if (!ca || !*ca)
        ca = getenv("SSL_CERT_FILE");
    if (ca && *ca)
        curl_easy_setopt(c, CURLOPT_CAINFO, ca);
}

/* The curl result as one line about the URL. */
static or_status transfer_error(CURLcode rc, dl_state *s, const char *part, const char *errbuf,
                                or_err *err)
{
    const or_download_req *r = s->req;
    long code = 0;
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
    int64_t have = s->resumed + s->written;
    char kept[4400] = "";
    if (have > 0)
        snprintf(kept, sizeof kept, "; %lld bytes kept in %s, the next try resumes there",
                 (long long)have, part);
    if (s->write_failed)
        return or_errf(err, OR_EIO, "%s: write failed: %s", part, strerror(s->write_failed));
    if (rc == CURLE_ABORTED_BY_CALLBACK && s->stopped)
        return or_errf(err, OR_EIO, "%s: interrupted%s", r->url, kept);
    if (rc == CURLE_HTTP_RETURNED_ERROR)
        return or_errf(err, OR_EIO, "%s: HTTP %ld%s%s", r->url, code,
                       code == 404 ? " (no such file on the server)" : "", kept);
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return or_errf(err, OR_EIO, "%s: timed out (%s)%s", r->url, *errbuf ? errbuf : "no data",
                       kept);
    return or_errf(err, OR_EIO, "%s: %s%s", r->url, *errbuf ? errbuf : curl_easy_strerror(rc),
                   kept);
}

/* Append the missing bytes to part.  A 416 on a part that holds the whole
 * file (size unknown) counts as done: the checks below decide.  *no_range:
 * the server refused to resume (the caller starts over). */
static or_status fetch(const or_download_req *r, const char *part, int64_t have,
                       or_download_info *info, int *no_range, or_err *err)
{
    dl_state s = {.req = r, .resumed = have};
    clock_gettime(CLOCK_MONOTONIC, &s.t0);
    s.f = fopen(part, "ab");
    if (!s.f)
        return or_errf(err, OR_EIO, "%s: %s", part, strerror(errno));
    s.curl = curl_easy_init();
    if (!s.curl) {
        fclose(s.f);
        return or_errf(err, OR_ENOMEM, "%s: cannot start libcurl", r->url);
    }
    char errbuf[CURL_ERROR_SIZE] = "";
    set_options(s.curl, r, &s, errbuf);
    CURLcode rc = curl_easy_perform(s.curl);
    long code = 0;
    curl_easy_getinfo(s.curl, CURLINFO_RESPONSE_CODE, &code);
    int closed = fclose(s.f) == 0;
    or_status st = OR_OK;
    if (rc == CURLE_HTTP_RETURNED_ERROR && code == 416 && have > 0)
        rc = CURLE_OK;
    *no_range = rc == CURLE_RANGE_ERROR && have > 0;
    if (rc != CURLE_OK)
        st = transfer_error(rc, &s, part, errbuf, err);
    else if (!closed)
        st = or_errf(err, OR_EIO, "%s: write failed: %s", part, strerror(errno));
    info->interrupted = s.stopped;
    curl_easy_cleanup(s.curl);
    return st;
}

int or_download_available(void) { return 1; }

static void global_init(void)
{
    static int done;
    if (!done)
        curl_global_init(CURL_GLOBAL_DEFAULT);
    done = 1;
}
#else
int or_download_available(void) { return 0; }
#endif

static int64_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (int64_t)sb.st_size : -1;
}

/* Size and sha256 of the complete part; on a mismatch it becomes bad. */
static or_status check(const or_download_req *r, const char *part, const char *bad,
                       or_download_info *info, or_err *err)
{
    info->bytes = file_size(part);
    OR_TRY(or_sha256_file(part, info->sha256, err));
    size_t n = r->sha256 ? strlen(r->sha256) : 0;
    int size_ok = !r->size || info->bytes == r->size;
    if (size_ok && (!n || strncasecmp(info->sha256, r->sha256, n) == 0))
        return OR_OK;
    int kept = rename(part, bad) == 0;
    if (!size_ok)
        return or_errf(err, OR_EFORMAT,
                       "%s: size mismatch: expected %lld bytes (sha256 %s), got %lld (sha256 %s; "
                       "%s%s; nothing installed)",
                       r->url, (long long)r->size, n ? r->sha256 : "unknown", (long long)info->bytes,
                       info->sha256,
                       kept ? "kept as " : "could not keep it as ", bad);
    return or_errf(err, OR_EFORMAT,
                   "%s: sha256 mismatch: expected %s%s, got %s (%s%s; nothing installed)", r->url,
                   r->sha256, n < 64 ? "..." : "", info->sha256,
                   kept ? "kept as " : "could not keep it as ", bad);
}

or_status or_download(const or_download_req *r, or_download_info *info, or_err *err)
{
    memset(info, 0, sizeof *info);
#ifndef OR_HAVE_CURL
    (void)check;
    return or_errf(err, OR_EUNSUPPORTED,
                   "%s: this build cannot download (built without libcurl: install "
                   "libcurl4-openssl-dev and rebuild)",
                   r->url);
#else
    char part[4200], bad[4200];
    if (snprintf(part, sizeof part, "%s.part", r->path) >= (int)sizeof part ||
        snprintf(bad, sizeof bad, "%s.bad", r->path) >= (int)sizeof bad)
        return or_errf(err, OR_EINVAL, "%s: path too long", r->path);
    global_init();
    int64_t have = file_size(part);
    if (have > 0 && r->size && have > r->size) /* not a prefix of this file */
        have = unlink(part) == 0 ? 0 : have;
    info->resumed = have > 0 ? have : 0;
    if (!(r->size && have == r->size)) {
        int no_range = 0;
        or_status st = fetch(r, part, info->resumed, info, &no_range, err);
        if (no_range && unlink(part) == 0) { /* the server cannot resume: start over */
            info->resumed = 0;
            st = fetch(r, part, 0, info, &no_range, err);
        }
        if (st != OR_OK) {
            if (file_size(part) == 0)
                unlink(part); /* nothing to resume */
            return st;
        }
    }
    /* a transfer that ended cleanly is the server's whole file: a short one
     * is a wrong file (a cut connection is CURLE_PARTIAL_FILE, kept above) */
    OR_TRY(check(r, part, bad, info, err));
    if (rename(part, r->path) != 0)
        return or_errf(err, OR_EIO, "%s: cannot rename %s: %s", r->path, part, strerror(errno));
    return OR_OK;
#endif
}
