/*
 * test_tls.c - TLS settings, the dialer and the in-memory transport, over
 * real loopback sockets (127.0.0.1 and ::1 only) and bufferevent pairs.
 *
 * Every test gets a fresh event_base, a context over CMocka's allocator
 * (leaks fail the test) whose log lines are captured, and a dialer. Loops
 * are bounded by a guard timer so a bug fails the test instead of hanging
 * it. Teardown frees the dialer, lets the loop run the dialer's deferred
 * cleanup, and asserts that no event is left on the base.
 *
 * Certificates are generated at run time; keys only ever touch disk in
 * mkstemp files that are removed before the test ends.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/dns_struct.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "core/lx_internal.h"
#include "net/dial.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_tls.h"
#include "lx_test.h"

#define GUARD_MS  5000
#define MAX_CONNS 16

/* ---- fixture ---- */

struct srv {
    struct event_base *base;
    struct evconnlistener *l;
    struct lx_tls *tls; /* borrowed; NULL = plain TCP */
    uint16_t port;
    bool silent; /* accept but never read or answer */
    struct bufferevent *conns[MAX_CONNS];
    int naccepted;
    int nclosed;
    int nhandshakes;
    char last_err[320];
};

struct fx {
    struct event_base *base;
    struct lx_ctx *ctx;
    struct lx__dialer *d;
    int expired;
    /* dial results */
    int ncb;
    int err;
    char msg[400];
    struct bufferevent *bev;
    char order[16]; /* 'a' = accept_fn ran, 'c' = client callback ran */
    /* client reads */
    char rx[256];
    int nrx;
    int client_eof;
    /* in-memory mode */
    char accepted_host[64];
    unsigned accepted_port;
    struct bufferevent *srv_end;
    int srv_end_eof;
    struct lx__dial_req *req;
    struct bufferevent *first;
    struct lx_clock *clock; /* set: dial_cb records its mono time */
    int64_t dial_mono;
    /* captured log */
    char log[2048];
    /* temp files to remove */
    char paths[8][32];
    int npaths;
};

static void log_sink(void *ud, int level, const char *subsys, const char *msg)
{
    struct fx *f = ud;
    size_t n = strlen(f->log);

    (void)level;
    lx__snprintf(f->log + n, sizeof(f->log) - n, "%s: %s\n", subsys, msg);
}

static int setup(void **state)
{
    struct fx *f = test_calloc(1, sizeof(*f));

    assert_non_null(f);
    f->base = event_base_new();
    assert_non_null(f->base);
    assert_int_equal(lx_ctx_new(&f->ctx, lx_test_mem()), LX_OK);
    lx_ctx_set_log(f->ctx, log_sink, f);
    *state = f;
    return 0;
}

/*
 * Starts a test body. The dialer is made here, not in setup: CMocka checks
 * each test body for leaks on its own, against the last block setup
 * allocated, so the body must free exactly what it allocated.
 */
static struct fx *begin(void **state)
{
    struct fx *f = *state;

    assert_int_equal(lx__dialer_new(&f->d, f->ctx, f->base), LX_OK);
    return f;
}

/* Lets the loop run the dialer's deferred cleanup (at most 3 passes). */
static void flush_loop(struct event_base *base)
{
    int i;

    for (i = 0; i < 6; i++) {
        event_base_loop(base, EVLOOP_NONBLOCK);
    }
}

/* Ends a test body: everything it made must be gone (see begin). */
static void done(struct fx *f)
{
    lx__dial_close(f->bev);
    f->bev = NULL;
    lx__dialer_free(f->d);
    f->d = NULL;
    flush_loop(f->base);
    assert_int_equal(event_base_get_num_events(f->base, EVENT_BASE_COUNT_ADDED),
                     0);
}

static int teardown(void **state)
{
    struct fx *f = *state;
    int i;

    /* f->d is still set only if the test failed midway; CMocka has then
     * freed what the body allocated, so the dialer is left alone. */
    for (i = 0; i < f->npaths; i++) {
        unlink(f->paths[i]);
    }
    if (f->d == NULL) {
        event_base_free(f->base);
        lx_ctx_free(f->ctx);
    }
    test_free(f);
    return 0;
}

/* A fresh empty temp file whose name teardown removes. */
static const char *temp_path(struct fx *f)
{
    char *p;
    int fd;

    assert_true(f->npaths < (int)(sizeof(f->paths) / sizeof(f->paths[0])));
    p = f->paths[f->npaths++];
    lx__snprintf(p, sizeof(f->paths[0]), "/tmp/lx-tls-XXXXXX");
    fd = mkstemp(p);
    assert_true(fd >= 0);
    close(fd);
    return p;
}

static void guard_cb(evutil_socket_t fd, short what, void *arg)
{
    struct fx *f = arg;

    (void)fd;
    (void)what;
    f->expired = 1;
    event_base_loopbreak(f->base);
}

/* Runs the loop until *counter reaches target or ms pass; 1 if reached. */
static int run_until(struct fx *f, const int *counter, int target, int ms)
{
    struct event *g = evtimer_new(f->base, guard_cb, f);
    struct timeval tv;

    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    f->expired = 0;
    evtimer_add(g, &tv);
    while ((counter == NULL || *counter < target) && !f->expired) {
        event_base_loop(f->base, EVLOOP_ONCE);
    }
    event_free(g);
    return counter != NULL && *counter >= target;
}

static void dial_cb(void *ud, int err, struct bufferevent *bev,
                    const char *errmsg)
{
    struct fx *f = ud;
    size_t n = strlen(f->order);

    assert_non_null(errmsg);
    f->ncb++;
    f->err = err;
    if (f->clock != NULL) {
        f->dial_mono = lx_clock_mono_ns(f->clock);
    }
    f->bev = bev;
    lx__snprintf(f->msg, sizeof(f->msg), "%s", errmsg);
    if (n + 1 < sizeof(f->order)) {
        f->order[n] = 'c';
    }
    if (err == LX_OK) {
        assert_non_null(bev);
        assert_string_equal(errmsg, "");
    } else {
        assert_null(bev);
        assert_true(errmsg[0] != '\0');
    }
}

/* Dials and waits for the callback, checking it did not run inline. */
static int dial_wait(struct fx *f, const char *host, uint16_t port, bool tls)
{
    int before = f->ncb;

    assert_int_equal(lx__dial(f->d, host, port, tls, dial_cb, f, NULL), LX_OK);
    assert_int_equal(f->ncb, before);
    assert_true(run_until(f, &f->ncb, before + 1, GUARD_MS));
    return f->err;
}

/* ---- loopback servers ---- */

static void srv_read_cb(struct bufferevent *bev, void *arg)
{
    (void)arg;
    evbuffer_add_buffer(bufferevent_get_output(bev),
                        bufferevent_get_input(bev));
}

static void srv_forget(struct srv *s, struct bufferevent *bev)
{
    int i;

    for (i = 0; i < MAX_CONNS; i++) {
        if (s->conns[i] == bev) {
            s->conns[i] = NULL;
        }
    }
}

static void srv_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct srv *s = arg;

    if (what & BEV_EVENT_CONNECTED) {
        s->nhandshakes++;
        return;
    }
    if (s->tls != NULL && (what & BEV_EVENT_ERROR)) {
        lx__tls_bev_error(bev, what, NULL, s->last_err, sizeof(s->last_err));
    }
    srv_forget(s, bev);
    bufferevent_free(bev);
    s->nclosed++;
}

static void srv_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
                          struct sockaddr *sa, int salen, void *arg)
{
    struct srv *s = arg;
    struct bufferevent *bev = NULL;

    (void)l;
    (void)sa;
    (void)salen;
    if (s->tls != NULL) {
        assert_int_equal(lx__tls_server_wrap(s->tls, s->base, fd, &bev), LX_OK);
    } else {
        bev = bufferevent_socket_new(
            s->base, fd, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    }
    assert_non_null(bev);
    assert_true(s->naccepted < MAX_CONNS);
    s->conns[s->naccepted++] = bev;
    if (!s->silent) {
        bufferevent_setcb(bev, srv_read_cb, NULL, srv_event_cb, s);
        bufferevent_enable(bev, EV_READ | EV_WRITE);
    }
}

/* Listens on addr ("127.0.0.1" or "::1") port 0; false if unsupported. */
static bool srv_start(struct srv *s, struct event_base *base, const char *addr,
                      struct lx_tls *tls)
{
    struct sockaddr_storage ss;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    socklen_t len = sizeof(ss);

    memset(s, 0, sizeof(*s));
    memset(&ss, 0, sizeof(ss));
    s->base = base;
    s->tls = tls;
    if (strchr(addr, ':') != NULL) {
        sin6->sin6_family = AF_INET6;
        assert_int_equal(inet_pton(AF_INET6, addr, &sin6->sin6_addr), 1);
        len = sizeof(*sin6);
    } else {
        sin->sin_family = AF_INET;
        assert_int_equal(inet_pton(AF_INET, addr, &sin->sin_addr), 1);
        len = sizeof(*sin);
    }
    s->l = evconnlistener_new_bind(base, srv_accept_cb, s,
                                   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                                   16, (struct sockaddr *)&ss, (int)len);
    if (s->l == NULL) {
        return false;
    }
    len = sizeof(ss);
    assert_int_equal(
        getsockname(evconnlistener_get_fd(s->l), (struct sockaddr *)&ss, &len),
        0);
    s->port = ntohs(ss.ss_family == AF_INET ? sin->sin_port : sin6->sin6_port);
    return true;
}

static void srv_stop(struct srv *s)
{
    int i;

    for (i = 0; i < MAX_CONNS; i++) {
        if (s->conns[i] != NULL) {
            bufferevent_free(s->conns[i]);
            s->conns[i] = NULL;
        }
    }
    if (s->l != NULL) {
        evconnlistener_free(s->l);
        s->l = NULL;
    }
}

/* ---- client helpers ---- */

static void cli_read_cb(struct bufferevent *bev, void *arg)
{
    struct fx *f = arg;
    size_t n = bufferevent_read(bev, f->rx + f->nrx,
                                sizeof(f->rx) - 1 - (size_t)f->nrx);

    f->nrx += (int)n;
    f->rx[f->nrx] = '\0';
}

static void cli_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct fx *f = arg;

    (void)bev;
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        f->client_eof++;
    }
}

/* Sends msg over f->bev and waits for the echo. */
static void echo_roundtrip(struct fx *f, const char *msg)
{
    f->nrx = 0;
    f->rx[0] = '\0';
    bufferevent_setcb(f->bev, cli_read_cb, NULL, cli_event_cb, f);
    bufferevent_enable(f->bev, EV_READ | EV_WRITE);
    bufferevent_write(f->bev, msg, strlen(msg));
    assert_true(run_until(f, &f->nrx, (int)strlen(msg), GUARD_MS));
    assert_string_equal(f->rx, msg);
    assert_int_equal(f->client_eof, 0);
}

static void close_client(struct fx *f)
{
    lx__dial_close(f->bev);
    f->bev = NULL;
}

/* Writes a self-signed server certificate to a temp file for clients. */
static const char *write_ca(struct fx *f, struct lx_tls *server)
{
    const char *path = temp_path(f);

    assert_int_equal(lx_tls_write_cert_pem(server, path), LX_OK);
    assert_string_equal(lx_tls_last_error(server), "");
    return path;
}

static void write_text(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* A crafted key + certificate pair on disk (for mismatch and expiry). */
static void write_crafted(struct fx *f, const char *cn, const char *san,
                          long nb, long na, const char **cert_path,
                          const char **key_path)
{
    EVP_PKEY *key;
    X509 *x;
    FILE *fp;

    assert_int_equal(lx__tls_make_cert(cn, san, nb, na, &key, &x), LX_OK);
    *cert_path = temp_path(f);
    *key_path = temp_path(f);
    fp = fopen(*cert_path, "w");
    assert_non_null(fp);
    assert_int_equal(PEM_write_X509(fp, x), 1);
    fclose(fp);
    fp = fopen(*key_path, "w");
    assert_non_null(fp);
    assert_int_equal(PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL),
                     1);
    fclose(fp);
    X509_free(x);
    EVP_PKEY_free(key);
}

/* ---- TLS over loopback ---- */

static void test_tls_echo_trusted(void **state)
{
    struct fx *f = begin(state);
    struct lx_tls *st, *ct;
    const char *ca;
    struct srv s;

    assert_int_equal(lx_tls_server_new_selfsigned(&st, f->ctx, "localhost"),
                     LX_OK);
    assert_true(lx_tls_is_server(st));
    assert_true(srv_start(&s, f->base, "127.0.0.1", st));
    ca = write_ca(f, st);
    assert_int_equal(lx__dialer_set_ca_file(f->d, ca), LX_OK);

    /* By name: SNI + host-name check. */
    assert_int_equal(dial_wait(f, "localhost", s.port, true), LX_OK);
    assert_string_equal(lx__dial_transport(f->bev), "tls");
    echo_roundtrip(f, "hello over tls");
    close_client(f);

    /* By IP literal (the certificate lists IP:127.0.0.1), with settings
     * the caller owns. */
    assert_int_equal(lx_tls_client_new(&ct, f->ctx, ca), LX_OK);
    assert_false(lx_tls_is_server(ct));
    assert_int_equal(lx__dialer_set_tls(f->d, ct), LX_OK);
    assert_int_equal(dial_wait(f, "127.0.0.1", s.port, true), LX_OK);
    /* Settings may be freed while connections live. */
    assert_int_equal(lx__dialer_set_tls(f->d, NULL), LX_OK);
    lx_tls_free(ct);
    echo_roundtrip(f, "by address");
    close_client(f);
    assert_true(run_until(f, &s.nclosed, 2, GUARD_MS));
    assert_int_equal(s.nhandshakes, 2);
    srv_stop(&s);
    lx_tls_free(st);
    done(f);
}

static void test_tls_untrusted(void **state)
{
    struct fx *f = begin(state);
    struct lx_tls *st;
    struct srv s;

    assert_int_equal(lx_tls_server_new_selfsigned(&st, f->ctx, NULL), LX_OK);
    assert_true(srv_start(&s, f->base, "127.0.0.1", st));
    /* No CA file: the system store does not know this certificate. */
    assert_int_equal(dial_wait(f, "localhost", s.port, true), LX_ERR_TLS);
    assert_non_null(
        strstr(f->msg, "tls: certificate verify failed for host 'localhost': "
                       "self"));
    assert_non_null(strstr(f->msg, "signed certificate"));
    /* The server sees the client's alert. */
    assert_true(run_until(f, &s.nclosed, 1, GUARD_MS));
    assert_non_null(strstr(s.last_err, "tls: "));
    srv_stop(&s);
    lx_tls_free(st);
    done(f);
}

static void test_tls_name_mismatch(void **state)
{
    struct fx *f = begin(state);
    const char *cert, *key;
    struct lx_tls *st;
    struct srv s;

    /* Valid and trusted, but for another name and without any IP. */
    write_crafted(f, "example.test", "DNS:example.test", -60, 3600, &cert,
                  &key);
    assert_int_equal(lx_tls_server_new(&st, f->ctx, cert, key), LX_OK);
    assert_true(srv_start(&s, f->base, "127.0.0.1", st));
    assert_int_equal(lx__dialer_set_ca_file(f->d, cert), LX_OK);

    assert_int_equal(dial_wait(f, "127.0.0.1", s.port, true), LX_ERR_TLS);
    assert_string_equal(f->msg, "tls: certificate verify failed for host "
                                "'127.0.0.1': IP address mismatch");
    assert_int_equal(dial_wait(f, "localhost", s.port, true), LX_ERR_TLS);
    assert_string_equal(f->msg, "tls: certificate verify failed for host "
                                "'localhost': hostname mismatch");
    srv_stop(&s);
    lx_tls_free(st);
    done(f);
}

static void test_tls_expired(void **state)
{
    struct fx *f = begin(state);
    const char *cert, *key;
    struct lx_tls *st;
    struct srv s;

    write_crafted(f, "localhost", "DNS:localhost", -7200, -3600, &cert, &key);
    assert_int_equal(lx_tls_server_new(&st, f->ctx, cert, key), LX_OK);
    assert_true(srv_start(&s, f->base, "127.0.0.1", st));
    assert_int_equal(lx__dialer_set_ca_file(f->d, cert), LX_OK);
    assert_int_equal(dial_wait(f, "localhost", s.port, true), LX_ERR_TLS);
    assert_non_null(strstr(f->msg, "'localhost': certificate has expired"));
    srv_stop(&s);
    lx_tls_free(st);
    done(f);
}

/* A TLS client against a plain echo server gets its hello echoed back. */
static void test_tls_against_plain_server(void **state)
{
    struct fx *f = begin(state);
    struct srv s;

    assert_true(srv_start(&s, f->base, "127.0.0.1", NULL));
    assert_int_equal(dial_wait(f, "127.0.0.1", s.port, true), LX_ERR_TLS);
    assert_non_null(strstr(f->msg, "tls: handshake with host '127.0.0.1' "
                                   "failed: "));
    srv_stop(&s);
    done(f);
}

static void test_tls_handshake_timeout(void **state)
{
    struct fx *f = begin(state);
    struct srv s;
    char want[128];

    assert_true(srv_start(&s, f->base, "127.0.0.1", NULL));
    s.silent = true;
    lx__dialer_set_connect_timeout(f->d, 200 * INT64_C(1000000));
    assert_int_equal(dial_wait(f, "127.0.0.1", s.port, true), LX_ERR_TIMEOUT);
    lx__snprintf(want, sizeof(want),
                 "tls: dial to '127.0.0.1' port %u timed out after 200 ms "
                 "in the TLS handshake",
                 (unsigned)s.port);
    assert_string_equal(f->msg, want);
    srv_stop(&s);
    done(f);
}

static void test_tls_ipv6_literal(void **state)
{
    struct fx *f = begin(state);
    struct lx_tls *st;
    struct srv s;

    assert_int_equal(lx_tls_server_new_selfsigned(&st, f->ctx, "localhost"),
                     LX_OK);
    if (!srv_start(&s, f->base, "::1", st)) {
        lx_tls_free(st);
        done(f);
        skip(); /* no IPv6 loopback on this machine */
    }
    assert_int_equal(lx__dialer_set_ca_file(f->d, write_ca(f, st)), LX_OK);
    assert_int_equal(dial_wait(f, "[::1]", s.port, true), LX_OK);
    echo_roundtrip(f, "v6 tls");
    close_client(f);
    srv_stop(&s);
    lx_tls_free(st);
    done(f);
}

/* ---- plain TCP ---- */

static void test_tcp_echo(void **state)
{
    struct fx *f = begin(state);
    struct srv s;

    assert_true(srv_start(&s, f->base, "127.0.0.1", NULL));
    assert_int_equal(dial_wait(f, "127.0.0.1", s.port, false), LX_OK);
    assert_string_equal(lx__dial_transport(f->bev), "tcp");
    echo_roundtrip(f, "plain");
    close_client(f);
    assert_int_equal(dial_wait(f, "localhost", s.port, false), LX_OK);
    echo_roundtrip(f, "plain by name");
    close_client(f);
    assert_true(run_until(f, &s.nclosed, 2, GUARD_MS));
    srv_stop(&s);
    done(f);
}

static void test_tcp_ipv6_and_fallback(void **state)
{
    struct fx *f = begin(state);
    struct srv s;

    if (!srv_start(&s, f->base, "::1", NULL)) {
        done(f);
        skip();
    }
    assert_int_equal(dial_wait(f, "::1", s.port, false), LX_OK);
    echo_roundtrip(f, "v6");
    close_client(f);
    /* "localhost" tries 127.0.0.1 first (refused here), then ::1. */
    assert_int_equal(dial_wait(f, "localhost", s.port, false), LX_OK);
    echo_roundtrip(f, "fallback");
    close_client(f);
    srv_stop(&s);
    done(f);
}

static void test_tcp_refused(void **state)
{
    struct fx *f = begin(state);
    struct srv s;
    char want[128];

    assert_true(srv_start(&s, f->base, "127.0.0.1", NULL));
    srv_stop(&s); /* the port is closed now */
    assert_int_equal(dial_wait(f, "127.0.0.1", s.port, false), LX_ERR_IO);
    lx__snprintf(want, sizeof(want),
                 "tcp: connect to '127.0.0.1' port %u failed: %s",
                 (unsigned)s.port, strerror(ECONNREFUSED));
    assert_string_equal(f->msg, want);
    /* By name, the first address's reason is reported. */
    assert_int_equal(dial_wait(f, "localhost", s.port, true), LX_ERR_IO);
    lx__snprintf(want, sizeof(want),
                 "tcp: connect to 'localhost' port %u failed (127.0.0.1: %s)",
                 (unsigned)s.port, strerror(ECONNREFUSED));
    assert_string_equal(f->msg, want);
    done(f);
}

/* ---- DNS ---- */

static void test_dns_invalid(void **state)
{
    struct fx *f = begin(state);

    assert_int_equal(dial_wait(f, "no-such-host.invalid", 443, true),
                     LX_ERR_DNS);
    assert_string_equal(f->msg, "dns: cannot resolve 'no-such-host.invalid': "
                                "names under .invalid never resolve (RFC "
                                "6761)");
    assert_int_equal(dial_wait(f, "INVALID.", 80, false), LX_ERR_DNS);
    assert_non_null(strstr(f->msg, "'INVALID.'"));
    done(f);
}

struct dns_srv {
    struct evdns_server_port *port;
    struct evdns_server_request *held[8];
    int nheld;
    int nqueries;
    char addr[32];
};

static void dns_srv_cb(struct evdns_server_request *req, void *arg)
{
    struct dns_srv *x = arg;
    const struct evdns_server_question *q = req->questions[0];
    struct in_addr lo;

    x->nqueries++;
    lo.s_addr = htonl(INADDR_LOOPBACK);
    if (strcasecmp(q->name, "slow.test") == 0 && x->nheld < 8) {
        x->held[x->nheld++] = req; /* never answered */
        return;
    }
    if (strcasecmp(q->name, "echo.test") == 0) {
        if (q->type == EVDNS_TYPE_A) {
            evdns_server_request_add_a_reply(req, q->name, 1, &lo, 60);
        }
        evdns_server_request_respond(req, 0);
        return;
    }
    evdns_server_request_respond(req, DNS_ERR_NOTEXIST);
}

static void dns_srv_start(struct dns_srv *x, struct event_base *base)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    evutil_socket_t fd = socket(AF_INET, SOCK_DGRAM, 0);

    memset(x, 0, sizeof(*x));
    memset(&sin, 0, sizeof(sin));
    assert_true(fd >= 0);
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    evutil_make_socket_nonblocking(fd);
    x->port = evdns_add_server_port_with_base(base, fd, 0, dns_srv_cb, x);
    assert_non_null(x->port);
    lx__snprintf(x->addr, sizeof(x->addr), "127.0.0.1:%u",
                 (unsigned)ntohs(sin.sin_port));
}

static void dns_srv_stop(struct dns_srv *x)
{
    int i;

    for (i = 0; i < x->nheld; i++) {
        evdns_server_request_drop(x->held[i]);
    }
    evdns_close_server_port(x->port);
}

/* A resolver on 127.0.0.1 that answers or denies. */
static void test_dns_server(void **state)
{
    struct fx *f = begin(state);
    struct dns_srv x;
    struct srv s;

    dns_srv_start(&x, f->base);
    assert_true(srv_start(&s, f->base, "127.0.0.1", NULL));
    assert_int_equal(lx__dialer_set_nameserver(f->d, x.addr), LX_OK);

    assert_int_equal(dial_wait(f, "echo.test", s.port, false), LX_OK);
    echo_roundtrip(f, "resolved");
    close_client(f);
    assert_true(x.nqueries >= 1);
    /* The resolver exists now: changing it is refused. */
    assert_int_equal(lx__dialer_set_nameserver(f->d, x.addr), LX_ERR_STATE);

    assert_int_equal(dial_wait(f, "nx.test", s.port, false), LX_ERR_DNS);
    assert_non_null(strstr(f->msg, "dns: cannot resolve 'nx.test': "));
    srv_stop(&s);
    dns_srv_stop(&x);
    done(f);
}

/* A resolver that never answers: deadline, cancel, and freeing the dialer
 * with lookups in flight (each leaves a zombie until evdns confirms). */
static void test_dns_unanswered(void **state)
{
    struct fx *f = begin(state);
    struct dns_srv x;

    dns_srv_start(&x, f->base);
    assert_int_equal(lx__dialer_set_nameserver(f->d, x.addr), LX_OK);
    lx__dialer_set_connect_timeout(f->d, 150 * INT64_C(1000000));
    assert_int_equal(dial_wait(f, "slow.test", 80, false), LX_ERR_TIMEOUT);
    assert_string_equal(f->msg, "dns: dial to 'slow.test' port 80 timed out "
                                "after 150 ms resolving");

    assert_int_equal(
        lx__dial(f->d, "slow.test", 80, false, dial_cb, f, &f->req), LX_OK);
    assert_non_null(f->req);
    lx__dial_cancel(f->req);
    run_until(f, NULL, 0, 300);
    assert_int_equal(f->ncb, 1);

    assert_int_equal(lx__dial(f->d, "slow.test", 80, false, dial_cb, f, NULL),
                     LX_OK);
    lx__dialer_free(f->d);
    f->d = NULL;
    flush_loop(f->base);
    assert_int_equal(f->ncb, 1);
    assert_true(x.nheld >= 3);
    dns_srv_stop(&x);
    done(f);
}

/* ---- cancel ---- */

static void test_cancel(void **state)
{
    struct fx *f = begin(state);
    struct lx_tls *st;
    struct srv s, ts;

    assert_true(srv_start(&s, f->base, "127.0.0.1", NULL));
    assert_int_equal(lx_tls_server_new_selfsigned(&st, f->ctx, NULL), LX_OK);
    assert_true(srv_start(&ts, f->base, "127.0.0.1", st));
    assert_int_equal(lx__dialer_set_ca_file(f->d, write_ca(f, st)), LX_OK);

    /* While connecting. */
    assert_int_equal(
        lx__dial(f->d, "127.0.0.1", s.port, false, dial_cb, f, &f->req), LX_OK);
    lx__dial_cancel(f->req);

    /* In the middle of the TLS handshake: the server has accepted. */
    assert_int_equal(
        lx__dial(f->d, "localhost", ts.port, true, dial_cb, f, &f->req), LX_OK);
    assert_true(run_until(f, &ts.naccepted, 1, GUARD_MS));
    assert_int_equal(f->ncb, 0);
    lx__dial_cancel(f->req);
    assert_true(run_until(f, &ts.nclosed, 1, GUARD_MS));

    /* A failure already scheduled is not delivered either. */
    assert_int_equal(lx__dial(f->d, "x.invalid", 1, false, dial_cb, f, &f->req),
                     LX_OK);
    lx__dial_cancel(f->req);
    lx__dial_cancel(NULL);
    run_until(f, NULL, 0, 100);
    assert_int_equal(f->ncb, 0);
    srv_stop(&s);
    srv_stop(&ts);
    lx_tls_free(st);
    done(f);
}

/* Dials in progress when the dialer goes are cancelled silently. */
static void test_free_with_dials_pending(void **state)
{
    struct fx *f = begin(state);
    struct srv s;

    assert_true(srv_start(&s, f->base, "127.0.0.1", NULL));
    s.silent = true;
    assert_int_equal(
        lx__dial(f->d, "127.0.0.1", s.port, true, dial_cb, f, NULL), LX_OK);
    assert_true(run_until(f, &s.naccepted, 1, GUARD_MS));
    assert_int_equal(
        lx__dial(f->d, "localhost", s.port, false, dial_cb, f, NULL), LX_OK);
    assert_int_equal(lx__dial(f->d, "a.invalid", 1, false, dial_cb, f, NULL),
                     LX_OK);
    lx__dialer_free(f->d);
    f->d = NULL;
    run_until(f, NULL, 0, 100);
    assert_int_equal(f->ncb, 0);
    srv_stop(&s);
    done(f);
}

/* ---- in-memory transport ---- */

static void mem_srv_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct fx *f = arg;

    if (what & BEV_EVENT_EOF) {
        f->srv_end_eof++;
        bufferevent_free(bev);
        f->srv_end = NULL;
    }
}

static int accept_echo(void *ud, const char *host, uint16_t port,
                       struct bufferevent *server_end)
{
    struct fx *f = ud;
    size_t n = strlen(f->order);

    f->order[n] = 'a';
    lx__snprintf(f->accepted_host, sizeof(f->accepted_host), "%s", host);
    f->accepted_port = port;
    f->srv_end = server_end;
    assert_string_equal(lx__dial_transport(server_end), "mem");
    bufferevent_setcb(server_end, srv_read_cb, NULL, mem_srv_event_cb, f);
    bufferevent_enable(server_end, EV_READ | EV_WRITE);
    return LX_OK;
}

static int accept_refuse(void *ud, const char *host, uint16_t port,
                         struct bufferevent *server_end)
{
    (void)ud;
    (void)host;
    (void)port;
    bufferevent_free(server_end);
    return LX_ERR_STATE;
}

static void test_inmem(void **state)
{
    struct fx *f = begin(state);

    lx__dialer_set_inmem(f->d, accept_echo, f);
    /* TLS is requested but skipped: there is no wire to protect. */
    assert_int_equal(dial_wait(f, "api.venue.example", 443, true), LX_OK);
    assert_string_equal(f->order, "ac");
    assert_string_equal(f->accepted_host, "api.venue.example");
    assert_int_equal(f->accepted_port, 443);
    assert_string_equal(lx__dial_transport(f->bev), "mem");
    echo_roundtrip(f, "in memory");
    /* Closing the client end tells the server end. */
    close_client(f);
    assert_true(run_until(f, &f->srv_end_eof, 1, GUARD_MS));

    /* Cancelled before the next iteration: neither side hears of it. */
    f->order[0] = '\0';
    assert_int_equal(
        lx__dial(f->d, "api.venue.example", 443, true, dial_cb, f, &f->req),
        LX_OK);
    lx__dial_cancel(f->req);
    run_until(f, NULL, 0, 20);
    assert_string_equal(f->order, "");

    lx__dialer_set_inmem(f->d, accept_refuse, NULL);
    assert_int_equal(dial_wait(f, "venue", 80, false), LX_ERR_IO);
    assert_non_null(strstr(f->msg, "mem: the in-memory server refused "
                                   "'venue' port 80"));

    /* Back to real dialing. */
    lx__dialer_set_inmem(f->d, NULL, NULL);
    assert_int_equal(dial_wait(f, "x.invalid", 80, false), LX_ERR_DNS);
    done(f);
}

static void order_timer_cb(struct lx_timer *t, void *ud)
{
    struct fx *f = ud;
    size_t n = strlen(f->order);

    (void)t;
    f->order[n] = 't';
}

/* Dials again from inside the first dial's callback. */
static void redial_cb(void *ud, int err, struct bufferevent *bev,
                      const char *errmsg)
{
    struct fx *f = ud;

    dial_cb(ud, err, bev, errmsg);
    f->first = f->bev; /* closed at the end of the test */
    f->bev = NULL;
    assert_int_equal(lx__dial(f->d, "venue", 443, false, dial_cb, f, NULL),
                     LX_OK);
}

/*
 * Under a virtual clock an in-memory dial, even one started from a
 * callback, completes while lx_clock_run drains ready callbacks, before
 * time moves to the first timer.
 */
static void test_inmem_virtual_clock(void **state)
{
    struct fx *f = begin(state);
    struct lx_clock *c;
    struct lx_timer *t;

    assert_int_equal(lx_clock_new_virtual(&c, f->ctx, f->base, 0), LX_OK);
    f->clock = c;
    f->dial_mono = -1;
    assert_int_equal(lx_timer_new(&t, c, order_timer_cb, f), LX_OK);
    assert_int_equal(lx_timer_start(t, 1000000, 0), LX_OK); /* 1 ms */
    lx__dialer_set_inmem(f->d, accept_echo, f);
    assert_int_equal(lx__dial(f->d, "venue", 443, false, redial_cb, f, NULL),
                     LX_OK);
    assert_int_equal(lx_clock_run(c, 5000000), LX_OK);
    assert_string_equal(f->order, "acact");
    assert_int_equal(f->dial_mono, 0); /* both dials done at time 0 */
    assert_int_equal(f->err, LX_OK);
    assert_int_equal(lx_clock_mono_ns(c), 5000000);
    close_client(f);
    lx__dial_close(f->first);
    assert_int_equal(lx_clock_run(c, 5000000), LX_OK);
    assert_int_equal(f->srv_end_eof, 2);
    lx_timer_free(t);
    lx_clock_free(c);
    f->clock = NULL;
    done(f);
}

static void test_pair(void **state)
{
    struct fx *f = begin(state);
    struct bufferevent *c, *s;
    char buf[8];

    assert_int_equal(lx__dial_pair(f->base, &c, &s), LX_OK);
    assert_string_equal(lx__dial_transport(c), "mem");
    bufferevent_write(c, "ping", 4);
    f->srv_end = s;
    bufferevent_setcb(s, NULL, NULL, mem_srv_event_cb, f);
    bufferevent_enable(s, EV_READ);
    /* Pending output reaches the partner before the EOF does. */
    lx__dial_close(c);
    assert_int_equal(bufferevent_read(s, buf, sizeof(buf)), 4);
    assert_memory_equal(buf, "ping", 4);
    assert_true(run_until(f, &f->srv_end_eof, 1, GUARD_MS));
    assert_int_equal(lx__dial_pair(NULL, &c, &s), LX_ERR_INVAL);
    assert_null(c);
    assert_int_equal(lx__dial_pair(f->base, NULL, &s), LX_ERR_INVAL);
    done(f);
}

/* ---- settings and files ---- */

/* Reads back the certificate a server lx_tls would present. */
static X509 *read_back(struct fx *f, struct lx_tls *st)
{
    const char *path = write_ca(f, st);
    FILE *fp = fopen(path, "r");
    X509 *x;

    assert_non_null(fp);
    x = PEM_read_X509(fp, NULL, NULL, NULL);
    fclose(fp);
    assert_non_null(x);
    return x;
}

static void test_selfsigned_cert(void **state)
{
    struct fx *f = begin(state);
    struct lx_tls *st;
    X509 *x;
    int days, secs;
    char cn[80];

    assert_int_equal(lx_tls_server_new_selfsigned(&st, f->ctx, "venue.test"),
                     LX_OK);
    x = read_back(f, st);
    lx_tls_free(st);
    assert_int_equal(X509_get_version(x), 2); /* v3 */
    assert_true(X509_NAME_get_text_by_NID(X509_get_subject_name(x),
                                          NID_commonName, cn, sizeof(cn)) > 0);
    assert_string_equal(cn, "venue.test");
    assert_int_equal(X509_check_host(x, "venue.test", 0, 0, NULL), 1);
    assert_int_equal(X509_check_host(x, "localhost", 0, 0, NULL), 1);
    assert_int_equal(X509_check_host(x, "other.test", 0, 0, NULL), 0);
    assert_int_equal(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
    assert_int_equal(X509_check_ip_asc(x, "::1", 0), 1);
    assert_int_equal(X509_check_ip_asc(x, "127.0.0.2", 0), 0);
    assert_int_equal(X509_check_ca(x), 0);
    assert_int_equal(EVP_PKEY_base_id(X509_get0_pubkey(x)), EVP_PKEY_EC);
    assert_int_equal(EVP_PKEY_bits(X509_get0_pubkey(x)), 256);
    assert_int_equal(ASN1_TIME_diff(&days, &secs, X509_get0_notBefore(x),
                                    X509_get0_notAfter(x)),
                     1);
    assert_int_equal(days, 30);
    assert_int_equal(secs, 3600);
    X509_free(x);
    done(f);
}

/* An IP literal as common name, and names that could inject SANs. */
static void test_selfsigned_names(void **state)
{
    struct fx *f = begin(state);
    struct lx_tls *st = NULL;
    X509 *x;

    assert_int_equal(lx_tls_server_new_selfsigned(&st, f->ctx, "127.0.0.1"),
                     LX_OK);
    x = read_back(f, st);
    assert_int_equal(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
    assert_int_equal(X509_check_host(x, "localhost", 0, 0, NULL), 1);
    X509_free(x);
    lx_tls_free(st);
    assert_int_equal(lx_tls_server_new_selfsigned(&st, f->ctx, "a,IP:1.2.3.4"),
                     LX_ERR_INVAL);
    assert_null(st);
    assert_int_equal(lx_tls_server_new_selfsigned(&st, f->ctx, ""),
                     LX_ERR_INVAL);
    assert_int_equal(lx_tls_server_new_selfsigned(
                         &st, f->ctx,
                         "a23456789012345678901234567890123456789012345678901"
                         "234567890123.x"),
                     LX_ERR_INVAL);
    assert_int_equal(lx_tls_server_new_selfsigned(NULL, f->ctx, NULL),
                     LX_ERR_INVAL);
    done(f);
}

/* Missing, foreign and non-PEM files: the error, and a log line naming the
 * file with OpenSSL's reason. */
static void test_file_errors(void **state)
{
    struct fx *f = begin(state);
    const char *cert, *key, *cert2, *key2;
    const char *junk = temp_path(f);
    struct lx_tls *t = NULL;

    write_crafted(f, "localhost", "DNS:localhost", -60, 3600, &cert, &key);
    write_crafted(f, "localhost", "DNS:localhost", -60, 3600, &cert2, &key2);
    assert_int_equal(lx_tls_server_new(&t, f->ctx, "/nonexistent/c.pem", key),
                     LX_ERR_FILE);
    assert_null(t);
    assert_non_null(strstr(f->log, "file=/nonexistent/c.pem"));
    assert_non_null(strstr(f->log, "No such file or directory"));
    assert_int_equal(lx_tls_server_new(&t, f->ctx, cert, "/nonexistent/k.pem"),
                     LX_ERR_FILE);
    assert_int_equal(lx_tls_client_new(&t, f->ctx, "/nonexistent/ca.pem"),
                     LX_ERR_FILE);
    assert_int_equal(lx__dialer_set_ca_file(f->d, "/nonexistent/ca.pem"),
                     LX_ERR_FILE);

    f->log[0] = '\0'; /* a key that belongs to another certificate */
    assert_int_equal(lx_tls_server_new(&t, f->ctx, cert, key2), LX_ERR_TLS);
    assert_null(t);
    assert_non_null(strstr(f->log, key2));
    assert_non_null(strstr(f->log, "key values mismatch"));

    write_text(junk, "this is not a certificate\n");
    f->log[0] = '\0';
    assert_int_equal(lx_tls_server_new(&t, f->ctx, junk, key), LX_ERR_TLS);
    assert_non_null(strstr(f->log, junk));
    assert_non_null(strstr(f->log, "no start line"));
    f->log[0] = '\0';
    assert_int_equal(lx_tls_server_new(&t, f->ctx, cert, junk), LX_ERR_TLS);
    assert_non_null(strstr(f->log, "cannot load private key from"));
    assert_int_equal(lx_tls_client_new(&t, f->ctx, junk), LX_ERR_TLS);
    assert_null(t);
    done(f);
}

static void test_write_and_misuse(void **state)
{
    struct fx *f = begin(state);
    const char *cert, *key, *out = temp_path(f);
    struct bufferevent *bev = (struct bufferevent *)1;
    struct lx_tls *t, *ct;

    write_crafted(f, "localhost", "DNS:localhost", -60, 3600, &cert, &key);
    assert_int_equal(lx_tls_server_new(&t, f->ctx, cert, key), LX_OK);
    assert_int_equal(lx_tls_write_cert_pem(t, "/nonexistent/dir/x.pem"),
                     LX_ERR_FILE);
    assert_non_null(strstr(lx_tls_last_error(t), "'/nonexistent/dir/x.pem'"));
    assert_non_null(strstr(lx_tls_last_error(t), "No such file"));
    assert_int_equal(lx_tls_write_cert_pem(t, out), LX_OK);
    assert_string_equal(lx_tls_last_error(t), "");

    /* Client settings have no certificate to write and cannot serve;
     * server settings cannot dial. */
    assert_int_equal(lx_tls_client_new(&ct, f->ctx, cert), LX_OK);
    assert_int_equal(lx_tls_write_cert_pem(ct, out), LX_ERR_INVAL);
    assert_int_equal(lx__dialer_set_tls(f->d, t), LX_ERR_INVAL);
    assert_int_equal(lx__tls_server_wrap(ct, f->base, 0, &bev), LX_ERR_INVAL);
    assert_null(bev);
    lx_tls_free(ct);
    lx_tls_free(t);
    lx_tls_free(NULL);
    assert_string_equal(lx_tls_last_error(NULL), "");
    done(f);
}

static void test_bad_arguments(void **state)
{
    struct fx *f = begin(state);
    struct lx__dialer *d = (struct lx__dialer *)1;
    char longhost[300];

    memset(longhost, 'a', sizeof(longhost) - 1);
    longhost[sizeof(longhost) - 1] = '\0';
    assert_int_equal(lx__dialer_new(&d, f->ctx, NULL), LX_ERR_INVAL);
    assert_null(d);
    assert_int_equal(lx__dialer_new(NULL, f->ctx, f->base), LX_ERR_INVAL);
    f->req = (struct lx__dial_req *)1;
    assert_int_equal(lx__dial(NULL, "h", 1, false, dial_cb, f, &f->req),
                     LX_ERR_INVAL);
    assert_null(f->req);
    assert_int_equal(lx__dial(f->d, NULL, 1, false, dial_cb, f, NULL),
                     LX_ERR_INVAL);
    assert_int_equal(lx__dial(f->d, "", 1, false, dial_cb, f, NULL),
                     LX_ERR_INVAL);
    assert_int_equal(lx__dial(f->d, "[]", 1, false, dial_cb, f, NULL),
                     LX_ERR_INVAL);
    assert_int_equal(lx__dial(f->d, longhost, 1, false, dial_cb, f, NULL),
                     LX_ERR_INVAL);
    assert_int_equal(lx__dial(f->d, "h", 0, false, dial_cb, f, NULL),
                     LX_ERR_INVAL);
    assert_int_equal(lx__dial(f->d, "h", 1, false, NULL, f, NULL),
                     LX_ERR_INVAL);
    assert_int_equal(lx__dialer_set_nameserver(f->d, "not an address"),
                     LX_ERR_INVAL);
    assert_int_equal(lx__dialer_set_ca_file(f->d, NULL), LX_ERR_INVAL);
    assert_string_equal(lx__dial_transport(NULL), "none");
    lx__dialer_free(NULL);
    lx__dial_close(NULL);
    run_until(f, NULL, 0, 20);
    assert_int_equal(f->ncb, 0);
    done(f);
}

/* ---- failmalloc ---- */

struct fm {
    int ncb;
    int err;
    struct bufferevent *bev;
};

static void fm_dial_cb(void *ud, int err, struct bufferevent *bev,
                       const char *errmsg)
{
    struct fm *m = ud;

    (void)errmsg;
    m->ncb++;
    m->err = err;
    m->bev = bev;
}

static int fm_accept(void *ud, const char *host, uint16_t port,
                     struct bufferevent *server_end)
{
    (void)ud;
    (void)host;
    (void)port;
    bufferevent_free(server_end);
    return LX_OK;
}

/* Runs base until m->ncb is set (bounded by iterations, not time). */
static void fm_run(struct event_base *base, struct fm *m)
{
    int i;

    for (i = 0; i < 2000 && m->ncb == 0; i++) {
        event_base_loop(base, EVLOOP_ONCE);
    }
}

/* In-memory dial: dialer, request, delivery, teardown. */
static int scenario_inmem(const struct lx_mem *mem, void *ud)
{
    struct event_base *base = event_base_new();
    struct lx__dialer *d = NULL;
    struct lx_ctx *ctx = NULL;
    struct fm m = {0, 0, NULL};
    int rc;

    (void)ud;
    rc = lx_ctx_new(&ctx, mem);
    if (rc == LX_OK) {
        lx_ctx_set_log_level(ctx, LX_LOG_NONE);
        rc = lx__dialer_new(&d, ctx, base);
    }
    if (rc == LX_OK) {
        lx__dialer_set_inmem(d, fm_accept, NULL);
        rc = lx__dial(d, "venue", 443, true, fm_dial_cb, &m, NULL);
    }
    if (rc == LX_OK) {
        fm_run(base, &m);
        assert_int_equal(m.ncb, 1);
        rc = m.err;
        lx__dial_close(m.bev);
    }
    lx__dialer_free(d);
    flush_loop(base);
    event_base_free(base);
    lx_ctx_free(ctx);
    return rc;
}

/* TLS over loopback: server settings, client settings, dial, handshake. */
static int scenario_tls(const struct lx_mem *mem, void *ud)
{
    struct event_base *base = event_base_new();
    struct lx__dialer *d = NULL;
    struct lx_ctx *ctx = NULL;
    struct lx_tls *st = NULL;
    const char *ca = ud;
    struct fm m = {0, 0, NULL};
    struct srv s;
    int rc;

    memset(&s, 0, sizeof(s));
    rc = lx_ctx_new(&ctx, mem);
    if (rc == LX_OK) {
        lx_ctx_set_log_level(ctx, LX_LOG_NONE);
        rc = lx_tls_server_new_selfsigned(&st, ctx, "localhost");
    }
    if (rc == LX_OK) {
        assert_int_equal(lx_tls_write_cert_pem(st, ca), LX_OK);
        assert_true(srv_start(&s, base, "127.0.0.1", st));
        rc = lx__dialer_new(&d, ctx, base);
    }
    if (rc == LX_OK) {
        rc = lx__dialer_set_ca_file(d, ca);
    }
    if (rc == LX_OK) {
        rc = lx__dial(d, "localhost", s.port, true, fm_dial_cb, &m, NULL);
    }
    if (rc == LX_OK) {
        fm_run(base, &m);
        assert_int_equal(m.ncb, 1);
        rc = m.err;
        lx__dial_close(m.bev);
    }
    lx__dialer_free(d);
    srv_stop(&s);
    flush_loop(base);
    event_base_free(base);
    lx_tls_free(st);
    lx_ctx_free(ctx);
    return rc;
}

static void test_failmalloc(void **state)
{
    struct fx *f = begin(state);

    lx_test_failmalloc(scenario_inmem, NULL);
    lx_test_failmalloc(scenario_tls, (void *)temp_path(f));
    done(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tls_echo_trusted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls_untrusted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls_name_mismatch, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tls_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tls_against_plain_server, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tls_handshake_timeout, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tls_ipv6_literal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_echo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_ipv6_and_fallback, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tcp_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dns_invalid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dns_server, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dns_unanswered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_with_dials_pending, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_inmem, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inmem_virtual_clock, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pair, setup, teardown),
        cmocka_unit_test_setup_teardown(test_selfsigned_cert, setup, teardown),
        cmocka_unit_test_setup_teardown(test_selfsigned_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_and_misuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failmalloc, setup, teardown),
    };

    /* A peer that resets a connection must not kill the test with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
