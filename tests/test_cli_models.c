/* test_cli_models.c: `oprestore-gpu models --get` as a user runs it, against
 * a loopback HTTP server of this test (127.0.0.1, a free port, never the
 * internet), and the built-in default model.
 *
 * The server (a thread of the test process) serves tests/fixtures/ckpt's
 * sr_srvgg_x4_prelu.zip.pth under several names, by the first path element:
 *   /files/NAME  the file, with Range (206) support
 *   /norange/NAME  the whole file (200) whatever the Range
 *   /cut/NAME    headers for the whole file, half the bytes, then a close
 *   /hang/NAME   reads the request and never answers
 * The models come from a registry file (OPRESTORE_REGISTRY) whose sha256 is
 * the fixture's; OPRESTORE_MODEL_BASE_URL picks the behaviour. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "convert/convert.h"
#include "runtime/core/sha256.h"
#include "weights/embedded.h"
#include "weights/safetensors.h"
#include "cli_test_util.h"
#include "test_util.h"

#define FIXTURE "sr_srvgg_x4_prelu.zip.pth"

static struct {
    int fd, port;
    uint8_t *body;            /* the served checkpoint */
    size_t len;
    volatile long long range_from; /* the last Range start seen, -1: none */
} srv = {.fd = -1, .range_from = -1};

static void send_all(int c, const void *p, size_t n)
{
    const char *b = p;
    while (n) {
        ssize_t k = send(c, b, n, MSG_NOSIGNAL);
        if (k <= 0)
            return;
        b += k;
        n -= (size_t)k;
    }
}

/* Wait until the client hangs up (at most 30 s). */
static void hang(int c)
{
    char buf[256];
    struct pollfd p = {c, POLLIN, 0};
    for (int i = 0; i < 300 && poll(&p, 1, 100) >= 0; i++)
        if ((p.revents & (POLLIN | POLLHUP)) && recv(c, buf, sizeof buf, 0) <= 0)
            return;
}

static void respond(int c, const char *mode, const char *name, long long from)
{
    char h[512];
    int known = strstr(name, "absent") == NULL;
    if (!known || (strcmp(mode, "files") && strcmp(mode, "cut") && strcmp(mode, "norange"))) {
        snprintf(h, sizeof h, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        send_all(c, h, strlen(h));
        return;
    }
    size_t start = !strcmp(mode, "files") && from > 0 && (size_t)from < srv.len ? (size_t)from : 0;
    if (start)
        snprintf(h, sizeof h,
                 "HTTP/1.1 206 Partial Content\r\nContent-Length: %zu\r\nContent-Range: bytes "
                 "%zu-%zu/%zu\r\nConnection: close\r\n\r\n",
                 srv.len - start, start, srv.len - 1, srv.len);
    else
        snprintf(h, sizeof h, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                 srv.len);
    send_all(c, h, strlen(h));
    size_t n = !strcmp(mode, "cut") ? srv.len / 2 : srv.len - start;
    send_all(c, srv.body + start, n);
}

static void handle(int c)
{
    char req[8192] = "";
    size_t n = 0;
    while (n < sizeof req - 1 && !strstr(req, "\r\n\r\n")) {
        ssize_t k = recv(c, req + n, sizeof req - 1 - n, 0);
        if (k <= 0)
            return;
        n += (size_t)k;
        req[n] = 0;
    }
    char mode[64] = "", name[256] = "";
    if (sscanf(req, "GET /%63[^/]/%255s", mode, name) != 2)
        return;
    const char *r = strstr(req, "Range: bytes=");
    long long from = r ? atoll(r + 13) : -1;
    srv.range_from = from;
    if (!strcmp(mode, "hang"))
        hang(c);
    else
        respond(c, mode, name, from);
}

static void *serve(void *arg)
{
    (void)arg;
    for (;;) {
        int c = accept(srv.fd, NULL, NULL);
        if (c < 0)
            continue;
        handle(c);
        close(c);
    }
    return NULL;
}

static void start_server(void)
{
    if (srv.fd >= 0)
        return;
    char p[4096];
    snprintf(p, sizeof p, "%s/" FIXTURE, tu_src("tests/fixtures/ckpt"));
    srv.body = tu_read_file(p, &srv.len);
    cr_assert(srv.body && srv.len > 1000, "%s", p);
    srv.fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    cr_assert(bind(srv.fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(srv.fd, 8) == 0 &&
              getsockname(srv.fd, (struct sockaddr *)&a, &al) == 0);
    srv.port = ntohs(a.sin_port);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, serve, NULL), 0);
    pthread_detach(t);
}

/* The fixture's sha256, and a registry file with tiny-sr (right sha256),
 * tiny-bad (a wrong one) and tiny-404 (a checkpoint the server lacks). */
static const char *fixture_sha(void)
{
    static char hex[65];
    if (!hex[0]) {
        or_err err;
        char p[4096];
        snprintf(p, sizeof p, "%s/" FIXTURE, tu_src("tests/fixtures/ckpt"));
        cr_assert_eq(or_sha256_file(p, hex, &err), OR_OK, "%s", err.msg);
    }
    return hex;
}

static const char *registry(void)
{
    static char text[4096];
    snprintf(text, sizeof text,
             "[{\"name\": \"tiny-sr\", \"arch\": \"srvgg\", \"stage\": \"upscale\", \"checkpoint\": "
             "\"tiny-sr.pth\", \"url\": \"http://127.0.0.1:1/unused\", \"sha256\": \"%s\", \"size\": "
             "%zu},\n"
             " {\"name\": \"tiny-bad\", \"arch\": \"srvgg\", \"stage\": \"upscale\", \"checkpoint\": "
             "\"tiny-bad.pth\", \"url\": \"http://127.0.0.1:1/unused\", \"sha256\": "
             "\"00000000000000000000000000000000000000000000000000000000000000ff\"},\n"
             " {\"name\": \"tiny-404\", \"arch\": \"srvgg\", \"stage\": \"upscale\", \"checkpoint\": "
             "\"absent.pth\", \"url\": \"http://127.0.0.1:1/unused\"}]\n",
             fixture_sha(), srv.len);
    return ct_write_text("registry.json", text);
}

/* `OPRESTORE_REGISTRY=... OPRESTORE_MODEL_BASE_URL=http://127.0.0.1:P/<mode>
 * oprestore-gpu models --get NAME -M dir`, with 1 s timeouts. */
static int get(const char *mode, const char *name, const char *dir)
{
    start_server();
    char pre[8192];
    snprintf(pre, sizeof pre,
             "OPRESTORE_REGISTRY='%s' OPRESTORE_MODEL_BASE_URL=http://127.0.0.1:%d/%s "
             "OPRESTORE_CONNECT_TIMEOUT=2 OPRESTORE_STALL_TIMEOUT=1",
             registry(), srv.port, mode);
    return ct_run_in(pre, "models --get %s -M '%s'", name, dir);
}

static const char *fresh_dir(const char *name)
{
    const char *d = ct_tmp(name);
    mkdir(d, 0755);
    return d;
}

static const char *in_dir(const char *dir, const char *name)
{
    static char p[8][4200];
    static int k;
    k = (k + 1) % 8;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

static long long size_of(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* Nothing half-made: no .part, no temporary, no model file for name. */
static void assert_clean(const char *dir, const char *name)
{
    char model[300];
    snprintf(model, sizeof model, "%s.safetensors", name);
    cr_expect(!ct_exists(in_dir(dir, model)), "%s installed", model);
    cr_expect_eq(ct_files_starting_with(dir, model), 0, "no temporary of %s", model);
}

Test(cli_models, get_downloads_checks_and_converts)
{
    const char *dir = fresh_dir("m_clean");
    cr_assert_eq(get("files", "tiny-sr", dir), 0, "%s", ct_err);
    const char *model = in_dir(dir, "tiny-sr.safetensors");
    cr_assert(ct_exists(model), "%s", ct_err);
    cr_expect(!ct_exists(in_dir(dir, "tiny-sr.pth")), "the checkpoint is removed after conversion");
    cr_expect(!ct_exists(in_dir(dir, "tiny-sr.pth.part")));
    cr_expect_eq(srv.range_from, -1, "a fresh download sends no Range");
    st_file f;
    or_err err;
    cr_assert_eq(st_open(model, &f, &err), OR_OK, "%s", err.msg);
    cr_expect_str_eq(st_meta(&f, "source_sha256"), fixture_sha());
    cr_expect_str_eq(st_meta(&f, "arch"), "srvgg");
    st_close(&f);
    /* the model works, and a second --get does nothing */
    const char *in = ct_tmp("get_in.png"), *out = ct_tmp("get_out.png");
    ct_write_png(in, 8, 6, 3, 0, 8, 5);
    cr_assert_eq(ct_run("upscale -m tiny-sr -M '%s' -g cpu -i '%s' -o '%s'", dir, in, out), 0,
                 "%s", ct_err);
    cr_assert_eq(get("files", "tiny-sr", dir), 0, "%s", ct_err);
}

Test(cli_models, wrong_sha256_installs_nothing_and_keeps_bad)
{
    const char *dir = fresh_dir("m_bad");
    cr_assert_eq(get("files", "tiny-bad", dir), 1);
    ct_assert_one_line("oprestore-gpu models", "sha256 mismatch: expected 0000000000");
    cr_assert(strstr(ct_err, fixture_sha()), "the hash that came: %s", ct_err);
    cr_assert(strstr(ct_err, "tiny-bad.pth.bad"), "%s", ct_err);
    cr_expect_eq(size_of(in_dir(dir, "tiny-bad.pth.bad")), (long long)srv.len);
    cr_expect(!ct_exists(in_dir(dir, "tiny-bad.pth")));
    cr_expect(!ct_exists(in_dir(dir, "tiny-bad.pth.part")));
    assert_clean(dir, "tiny-bad");
}

Test(cli_models, cut_transfer_resumes_with_range)
{
    const char *dir = fresh_dir("m_cut");
    cr_assert_eq(get("cut", "tiny-sr", dir), 1);
    ct_assert_one_line("oprestore-gpu models", "kept in");
    const char *part = in_dir(dir, "tiny-sr.pth.part");
    cr_assert_eq(size_of(part), (long long)(srv.len / 2), "%s", ct_err);
    assert_clean(dir, "tiny-sr");
    cr_assert_eq(get("files", "tiny-sr", dir), 0, "%s", ct_err);
    cr_expect_eq(srv.range_from, (long long)(srv.len / 2), "resumed with Range: bytes=%zu-",
                 srv.len / 2);
    cr_expect(ct_exists(in_dir(dir, "tiny-sr.safetensors")));
    cr_expect(!ct_exists(part));
}

Test(cli_models, server_without_range_starts_over)
{
    const char *dir = fresh_dir("m_norange");
    cr_assert_eq(get("cut", "tiny-sr", dir), 1);
    cr_assert_eq(get("norange", "tiny-sr", dir), 0, "%s", ct_err);
    cr_expect_eq(srv.range_from, -1, "the last request starts over, without Range");
    cr_expect(ct_exists(in_dir(dir, "tiny-sr.safetensors")));
    cr_expect(!ct_exists(in_dir(dir, "tiny-sr.pth.part")));
}

Test(cli_models, not_found_404)
{
    const char *dir = fresh_dir("m_404");
    cr_assert_eq(get("files", "tiny-404", dir), 1);
    ct_assert_one_line("oprestore-gpu models", "HTTP 404");
    cr_expect(!ct_exists(in_dir(dir, "absent.pth.part")), "no empty .part left");
    assert_clean(dir, "tiny-404");
}

Test(cli_models, silent_server_times_out)
{
    const char *dir = fresh_dir("m_hang");
    time_t t0 = time(NULL);
    cr_assert_eq(get("hang", "tiny-sr", dir), 1);
    cr_expect_leq(time(NULL) - t0, 20, "a timeout, not a hang");
    ct_assert_one_line("oprestore-gpu models", "timed out");
    cr_expect(!ct_exists(in_dir(dir, "tiny-sr.pth.part")));
    assert_clean(dir, "tiny-sr");
}

Test(cli_models, read_only_models_folder)
{
    const char *dir = fresh_dir("m_ro");
    cr_assert_eq(chmod(dir, 0555), 0);
    /* root writes anywhere: run the command as nobody then */
    chmod(tu_tmpdir(), 0755);
    const char *as = geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups" : "";
    char pre[8192];
    start_server();
    snprintf(pre, sizeof pre, "OPRESTORE_REGISTRY='%s' OPRESTORE_MODEL_BASE_URL=http://127.0.0.1:%d/files %s",
             registry(), srv.port, as);
    cr_assert_eq(ct_run_in(pre, "models --get tiny-sr -M '%s'", dir), 1, "%s", ct_err);
    ct_assert_one_line("oprestore-gpu models", "not writable");
    cr_expect_eq(srv.range_from, -1, "nothing was requested");
    chmod(dir, 0755);
}

Test(cli_models, page_entries_say_what_to_download)
{
    const char *dir = fresh_dir("m_page");
    cr_assert_eq(get("files", "rife-v4.6", dir), 1);
    ct_assert_one_line("oprestore-gpu models", "is a web page, not a file: download flownet.pkl");
    cr_assert(strstr(ct_err, "oprestore-convert flownet.pkl -M"), "%s", ct_err);
    cr_assert_eq(get("files", "nosuch", dir), 2);
}

/* The built-in model is the repository's file, byte for byte. */
Test(cli_models, embedded_bytes_are_the_committed_file)
{
    const or_embedded_model *m = or_embedded_find("realesr-animevideov3");
    cr_assert(m);
    size_t n;
    uint8_t *b = tu_read_file(tu_src(m->file), &n);
    cr_assert(b);
    cr_expect_eq(n, m->size);
    cr_expect(n == m->size && !memcmp(b, m->data, n));
    cr_expect_eq((uintptr_t)m->data % 64, 0, "64-byte aligned");
    free(b);
}

/* upscale with no -M, no models folder, no ../shared: the built-in model;
 * its output equals (bit for bit) the one of the official checkpoint converted
 * with --dtype f16 (on the CPU both widen the same f16 weights to f32), and is
 * within 60 dB PSNR of the f32 conversion. */
Test(cli_models, embedded_default_upscales_like_the_official_checkpoint)
{
    const char *empty = fresh_dir("nothing_here"), *in = ct_tmp("emb_in.png");
    const char *out = ct_tmp("emb_out.png");
    ct_write_png(in, 24, 16, 3, 0, 8, 11);
    char pre[8192];
    snprintf(pre, sizeof pre, "cd '%s' && env -u OPRESTORE_MODELS HOME='%s' OPRESTORE_SHARED='%s'",
             empty, empty, empty);
    cr_assert_eq(ct_run_in(pre, "upscale -i '%s' -o '%s' -g cpu", in, out), 0, "%s", ct_err);
    const char *ckpt = tu_shared("weights/realesr-animevideov3.pth");
    if (access(ckpt, R_OK) != 0)
        cr_skip_test("%s is absent: compared only with the committed file", ckpt);
    const char *f16 = ct_tmp("official.f16.safetensors"), *f32 = ct_tmp("official.f32.safetensors");
    or_convert_opts o16 = {NULL, MB_F16, 0}, o32 = {NULL, MB_F32, 0};
    or_err err;
    cr_assert_eq(or_convert_file(ckpt, f16, &o16, &err), OR_OK, "%s", err.msg);
    cr_assert_eq(or_convert_file(ckpt, f32, &o32, &err), OR_OK, "%s", err.msg);
    const char *o_16 = ct_tmp("emb_ref16.png"), *o_32 = ct_tmp("emb_ref32.png");
    cr_assert_eq(ct_run("upscale -m '%s' -i '%s' -o '%s' -g cpu", f16, in, o_16), 0, "%s", ct_err);
    cr_assert_eq(ct_run("upscale -m '%s' -i '%s' -o '%s' -g cpu", f32, in, o_32), 0, "%s", ct_err);
    or_image a, b, c;
    ct_read_img(out, &a);
    ct_read_img(o_16, &b);
    ct_read_img(o_32, &c);
    size_t n = (size_t)a.width * a.height * a.channels;
    cr_assert_eq(a.width, 96);
    cr_expect_eq(memcmp(a.planes, b.planes, n * sizeof(float)), 0, "bit-identical to the f16 conversion");
    double psnr = tu_psnr(a.planes, c.planes, n, 1.0);
    cr_log_info("built-in vs f32 conversion: PSNR %.1f dB", psnr);
    cr_expect_geq(psnr, 60.0, "PSNR %.1f dB against the f32 model", psnr);
    or_image_free(&a);
    or_image_free(&b);
    or_image_free(&c);
}
