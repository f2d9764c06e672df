/*
 * test_net.c - the HTTP server, HTTP client and WebSocket connections over
 * real loopback sockets (TCP and TLS) and in-memory bufferevent pairs.
 *
 * Every test gets a fresh event_base and a real lx_clock; loops are bounded
 * by a guard timer so a bug fails the test instead of hanging it.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "lotusx/lx_clock.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_tls.h"
#include "lotusx/lx_ws.h"
#include "core/lx_internal.h"
#include "lx_test.h"

#define SEC ((int64_t)1000000000)

struct fx {
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_http_server *srv;
    struct lx_http_client *cli;
    struct lx_timer *guard;
    char base_url[64];
    struct lx_ws *srv_ws;
    struct lx_ws *cli_ws;
    int ws_opened;
    int ws_msgs;
    int ws_closed;
    int ws_srv_closed;
    int ws_close_code;
    int ws_close_err;
    int ws_accept_rc;
    int ws_srv_err;
    int ws_srv_code;
    char ws_last[256];
    /* results */
    int nresp;
    int last_err;
    int last_status;
    char last_body[512];
    char order[64];
    int nreq;
    int ntap_open;
    int ntap_http;
    uint64_t conn_ids[8];
    int nconn_ids;
};

static void guard_cb(struct lx_timer *t, void *ud)
{
    struct fx *f = ud;

    (void)t;
    event_base_loopbreak(f->base);
    fail_msg("test loop guard expired");
}

static void ws_accept_echo(struct fx *f, struct lx_http_req *req);

/* Echo handler: "METHOD TARGET BODY"; upgrade requests become WS echoes. */
static void handler(struct lx_http_req *req, void *ud)
{
    struct fx *f = ud;
    const struct lx_http_msg *m = lx_http_req_msg(req);
    char body[600];
    size_t blen;
    const char *b = lx_http_msg_body(m, &blen);
    int n;

    f->nreq++;
    if (lx_http_msg_header(m, "Upgrade", NULL) != NULL) {
        ws_accept_echo(f, req);
        return;
    }
    n = lx__snprintf(body, sizeof(body), "%s %s %.*s", lx_http_msg_method(m),
                     lx_http_msg_target(m), (int)blen, b != NULL ? b : "");
    assert_true(n > 0);
    assert_int_equal(
        lx_http_req_respond_body(req, 200, NULL, "text/plain", body, (size_t)n),
        LX_OK);
}

static void tap_cb(void *ud, const struct lx_tap_event *ev)
{
    struct fx *f = ud;

    if (ev->side != LX_TAP_CLIENT) {
        return;
    }
    if (ev->kind == LX_TAP_CONN_OPEN) {
        f->ntap_open++;
    } else if (ev->kind == LX_TAP_HTTP) {
        f->ntap_http++;
        if (f->nconn_ids < 8) {
            f->conn_ids[f->nconn_ids++] = ev->conn_id;
        }
    }
}

static int setup(void **state)
{
    struct fx *f = lx__calloc(NULL, 1, sizeof(*f));

    f->base = event_base_new();
    assert_int_equal(lx_clock_new_real(&f->clock, NULL, f->base), LX_OK);
    assert_int_equal(lx_net_new(&f->net, NULL, f->base, f->clock), LX_OK);
    lx_net_set_tap(f->net, tap_cb, f);
    assert_int_equal(lx_http_server_new(&f->srv, f->net, handler, f), LX_OK);
    assert_int_equal(lx_http_server_listen(f->srv, "127.0.0.1", 0, NULL),
                     LX_OK);
    assert_true(lx_http_server_port(f->srv) > 0);
    lx__snprintf(f->base_url, sizeof(f->base_url), "http://127.0.0.1:%u",
                 (unsigned)lx_http_server_port(f->srv));
    assert_int_equal(lx_http_client_new(&f->cli, f->net), LX_OK);
    assert_int_equal(lx_timer_new(&f->guard, f->clock, guard_cb, f), LX_OK);
    lx_timer_start(f->guard, 60 * SEC,
                   0); /* a hang detector; valgrind is slow */
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    lx_timer_free(f->guard);
    lx_http_client_free(f->cli);
    lx_http_server_free(f->srv);
    lx_net_free(f->net);
    lx_clock_free(f->clock);
    /* bufferevents are finalized by the loop: let it run once. */
    event_base_loop(f->base, EVLOOP_NONBLOCK);
    /* Everything we created must be gone from the loop. */
    assert_int_equal(event_base_get_num_events(f->base, EVENT_BASE_COUNT_ADDED),
                     0);
    event_base_free(f->base);
    lx__free(NULL, f);
    return 0;
}

static void resp_cb(void *ud, int err, const struct lx_http_msg *resp,
                    const char *errmsg)
{
    struct fx *f = ud;
    size_t n = 0;
    const char *b;

    f->nresp++;
    f->last_err = err;
    if (err == LX_OK) {
        f->last_status = lx_http_msg_status(resp);
        b = lx_http_msg_body(resp, &n);
        lx__snprintf(f->last_body, sizeof(f->last_body), "%.*s", (int)n,
                     b != NULL ? b : "");
    } else {
        lx__snprintf(f->last_body, sizeof(f->last_body), "%s", errmsg);
    }
}

static void run_until(struct fx *f, int *counter, int want)
{
    while (*counter < want) {
        assert_int_equal(event_base_loop(f->base, EVLOOP_ONCE), 0);
    }
}

static void send_req(struct fx *f, const char *method, const char *target,
                     const char *body)
{
    struct lx_http_msg *m;

    assert_int_equal(lx_http_msg_new_request(&m, NULL, method, target), LX_OK);
    if (body != NULL) {
        assert_int_equal(lx_http_msg_set_body(m, body, strlen(body)), LX_OK);
    }
    assert_int_equal(
        lx_http_client_send(f->cli, f->base_url, m, 30 * SEC, resp_cb, f),
        LX_OK);
}

static void test_get_post_keepalive(void **state)
{
    struct fx *f = *state;

    send_req(f, "GET", "/api/v3/time", NULL);
    assert_int_equal(f->nresp, 0); /* never inside the call */
    run_until(f, &f->nresp, 1);
    assert_int_equal(f->last_err, LX_OK);
    assert_int_equal(f->last_status, 200);
    assert_string_equal(f->last_body, "GET /api/v3/time ");

    send_req(f, "POST", "/api/v3/order",
             "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=0.001");
    run_until(f, &f->nresp, 2);
    assert_string_equal(f->last_body,
                        "POST /api/v3/order "
                        "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=0.001");
    /* Both requests went over one kept-alive connection. */
    assert_int_equal(f->ntap_open, 1);
    assert_int_equal(f->ntap_http, 4);
    assert_true(f->conn_ids[0] == f->conn_ids[3]);
}

/* ---- raw socket peer: exact bytes in, everything until EOF out ---------- */

struct raw {
    struct fx *f;
    struct evbuffer *got;
    int eof;
};

static void raw_read_cb(struct bufferevent *bev, void *ud)
{
    struct raw *r = ud;

    evbuffer_add_buffer(r->got, bufferevent_get_input(bev));
}

static void raw_event_cb(struct bufferevent *bev, short what, void *ud)
{
    struct raw *r = ud;

    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        evbuffer_add_buffer(r->got, bufferevent_get_input(bev));
        r->eof = 1;
    }
}

/* Sends `in` (then keeps the socket open) and returns all bytes to EOF. */
static char *raw_exchange(struct fx *f, const char *in, size_t len)
{
    struct raw r = {f, evbuffer_new(), 0};
    struct bufferevent *bev;
    char addr[32];
    struct sockaddr_storage ss;
    int sslen = sizeof(ss);
    char *out;
    size_t n;

    bev = bufferevent_socket_new(f->base, -1, BEV_OPT_CLOSE_ON_FREE);
    lx__snprintf(addr, sizeof(addr), "127.0.0.1:%u",
                 (unsigned)lx_http_server_port(f->srv));
    assert_int_equal(
        evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss, &sslen), 0);
    bufferevent_setcb(bev, raw_read_cb, NULL, raw_event_cb, &r);
    assert_int_equal(
        bufferevent_socket_connect(bev, (struct sockaddr *)&ss, sslen), 0);
    bufferevent_enable(bev, EV_READ);
    bufferevent_write(bev, in, len);
    run_until(f, &r.eof, 1);
    bufferevent_free(bev);
    n = evbuffer_get_length(r.got);
    out = lx__malloc(NULL, n + 1);
    evbuffer_remove(r.got, out, n);
    out[n] = '\0';
    evbuffer_free(r.got);
    return out;
}

static void test_pipelined_in_order(void **state)
{
    struct fx *f = *state;
    static const char in[] = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
                             "GET /b HTTP/1.1\r\nHost: x\r\n\r\n"
                             "GET /c HTTP/1.1\r\nHost: x\r\n"
                             "Connection: close\r\n\r\n";
    char *out = raw_exchange(f, in, sizeof(in) - 1);
    char *a = strstr(out, "GET /a "), *b = strstr(out, "GET /b "),
         *c = strstr(out, "GET /c ");

    assert_int_equal(f->nreq, 3);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(c);
    assert_true(a < b && b < c);
    assert_non_null(strstr(out, "Connection: close\r\n"));
    lx__free(NULL, out);
}

static void test_bad_request_400(void **state)
{
    struct fx *f = *state;
    static const char in[] = "GARBAGE\x01\x02 nonsense\r\n\r\n";
    char *out = raw_exchange(f, in, sizeof(in) - 1);

    assert_memory_equal(out, "HTTP/1.1 400 ", 13);
    assert_int_equal(f->nreq, 0);
    lx__free(NULL, out);
}

static void test_oversize_headers_431(void **state)
{
    struct fx *f = *state;
    size_t n = 32 * 1024, i;
    char *in = lx__malloc(NULL, n + 64);
    char *out;
    int len;

    len = lx__snprintf(in, 64, "GET / HTTP/1.1\r\nX-Big: ");
    for (i = 0; i < n; i++) {
        in[len + (int)i] = 'a';
    }
    memcpy(in + len + n, "\r\n\r\n", 4);
    out = raw_exchange(f, in, (size_t)len + n + 4);
    assert_memory_equal(out, "HTTP/1.1 431 ", 13);
    assert_int_equal(f->nreq, 0);
    lx__free(NULL, in);
    lx__free(NULL, out);
}

/* A client that never finishes its request is cut off (slowloris). */
static void test_request_timeout(void **state)
{
    struct fx *f = *state;
    static const char in[] = "GET /slow HTTP/1.1\r\nHost: x\r\nX-Part";
    char *out;

    lx_http_server_set_limits(f->srv, 0, 0, SEC / 5, 0);
    out = raw_exchange(f, in, sizeof(in) - 1);
    assert_string_equal(out, "");
    assert_int_equal(f->nreq, 0);
    lx__free(NULL, out);
}

static void test_connection_refused(void **state)
{
    struct fx *f = *state;
    struct lx_http_msg *m;
    char url[64];
    uint16_t port = lx_http_server_port(f->srv);

    /* Free the listener so nothing accepts on that port any more. */
    lx_http_server_free(f->srv);
    assert_int_equal(lx_http_server_new(&f->srv, f->net, handler, f), LX_OK);
    lx__snprintf(url, sizeof(url), "http://127.0.0.1:%u", (unsigned)port);
    assert_int_equal(lx_http_msg_new_request(&m, NULL, "GET", "/"), LX_OK);
    assert_int_equal(lx_http_client_send(f->cli, url, m, 5 * SEC, resp_cb, f),
                     LX_OK);
    run_until(f, &f->nresp, 1);
    assert_int_equal(f->last_err, LX_ERR_IO);
    assert_true(strlen(f->last_body) > 0);
}

static void test_many_concurrent(void **state)
{
    struct fx *f = *state;
    int i;

    for (i = 0; i < 20; i++) {
        send_req(f, "GET", "/api/v3/depth?symbol=BTCUSDT", NULL);
    }
    run_until(f, &f->nresp, 20);
    assert_int_equal(f->nreq, 20);
    assert_int_equal(f->last_err, LX_OK);
    /* At most 8 connections per origin. */
    assert_true(f->ntap_open <= 8);
    assert_true(f->ntap_open >= 1);
}

/* ---- raw server: answers any request with canned bytes ------------------ */

struct canned {
    const char *reply;
    struct bufferevent *bev;
};

static void canned_read_cb(struct bufferevent *bev, void *ud)
{
    struct canned *c = ud;

    evbuffer_drain(bufferevent_get_input(bev),
                   evbuffer_get_length(bufferevent_get_input(bev)));
    bufferevent_write(bev, c->reply, strlen(c->reply));
}

static void canned_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
                             struct sockaddr *sa, int salen, void *ud)
{
    struct canned *c = ud;

    (void)sa;
    (void)salen;
    c->bev = bufferevent_socket_new(evconnlistener_get_base(l), fd,
                                    BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(c->bev, canned_read_cb, NULL, NULL, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

/* An interim 100 Continue is skipped; the final answer is delivered. */
static void test_interim_1xx_skipped(void **state)
{
    struct fx *f = *state;
    struct canned c = {"HTTP/1.1 100 Continue\r\n\r\n"
                       "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal",
                       NULL};
    struct sockaddr_in sin;
    socklen_t slen = sizeof(sin);
    struct evconnlistener *l;

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l = evconnlistener_new_bind(f->base, canned_accept_cb, &c,
                                LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 8,
                                (struct sockaddr *)&sin, sizeof(sin));
    assert_non_null(l);
    getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin, &slen);
    lx__snprintf(f->base_url, sizeof(f->base_url), "http://127.0.0.1:%u",
                 (unsigned)ntohs(sin.sin_port));
    send_req(f, "POST", "/api/v3/order", "symbol=BTCUSDT");
    run_until(f, &f->nresp, 1);
    assert_int_equal(f->last_err, LX_OK);
    assert_int_equal(f->last_status, 200);
    assert_string_equal(f->last_body, "final");
    lx_http_client_free(f->cli);
    f->cli = NULL;
    if (c.bev != NULL) {
        bufferevent_free(c.bev);
    }
    evconnlistener_free(l);
}

static void test_inmem(void **state)
{
    struct fx *f = *state;

    lx_net_set_inmem_server(f->net, f->srv);
    lx__snprintf(f->base_url, sizeof(f->base_url), "https://api.binance.com");
    send_req(f, "GET", "/api/v3/ping", NULL);
    run_until(f, &f->nresp, 1);
    assert_int_equal(f->last_err, LX_OK);
    assert_string_equal(f->last_body, "GET /api/v3/ping ");
    lx_net_set_inmem_server(f->net, NULL);
}

/* ---- WebSocket ------------------------------------------------------------
 */

static void srv_ws_message(struct lx_ws *ws, int opcode, const uint8_t *data,
                           size_t len, void *ud)
{
    (void)ud;
    if (opcode == LX_WS_TEXT) {
        assert_int_equal(lx_ws_send_text(ws, data, len), LX_OK);
    } else {
        assert_int_equal(lx_ws_send_binary(ws, data, len), LX_OK);
    }
}

static void srv_ws_close(struct lx_ws *ws, int err, int code,
                         const char *reason, void *ud)
{
    struct fx *f = ud;

    (void)reason;
    f->ws_srv_err = err;
    f->ws_srv_code = code;
    f->ws_srv_closed++;
    lx_ws_free(ws); /* freeing inside the callback is allowed */
    f->srv_ws = NULL;
}

static void ws_accept_echo(struct fx *f, struct lx_http_req *req)
{
    static const struct lx_ws_cbs cbs = {NULL, srv_ws_message, NULL, NULL,
                                         srv_ws_close};

    /* A bad handshake is answered 400 by lx_ws_accept itself. */
    f->ws_accept_rc = lx_ws_accept(&f->srv_ws, req, &cbs, f);
}

static void cli_ws_open(struct lx_ws *ws, void *ud)
{
    struct fx *f = ud;

    f->ws_opened++;
    assert_int_equal(lx_ws_send_text(ws, "{\"method\":\"SUBSCRIBE\"}", 22),
                     LX_OK);
}

static void cli_ws_message(struct lx_ws *ws, int opcode, const uint8_t *data,
                           size_t len, void *ud)
{
    struct fx *f = ud;

    (void)opcode;
    f->ws_msgs++;
    lx__snprintf(f->ws_last, sizeof(f->ws_last), "%.*s", (int)len,
                 (const char *)data);
    if (f->ws_msgs == 1) {
        assert_int_equal(lx_ws_send_binary(ws, "\x00\x01\xff", 3), LX_OK);
    } else if (f->ws_msgs == 2) {
        assert_int_equal(lx_ws_close(ws, 1000, "done"), LX_OK);
    }
}

static void cli_ws_close(struct lx_ws *ws, int err, int code,
                         const char *reason, void *ud)
{
    struct fx *f = ud;

    (void)ws;
    (void)reason;
    f->ws_closed++;
    f->ws_close_code = code;
    f->ws_close_err = err;
}

static void test_ws_echo_and_close(void **state)
{
    struct fx *f = *state;
    static const struct lx_ws_cbs cbs = {cli_ws_open, cli_ws_message, NULL,
                                         NULL, cli_ws_close};
    char url[80];

    lx__snprintf(url, sizeof(url), "ws://127.0.0.1:%u/ws/btcusdt@depth",
                 (unsigned)lx_http_server_port(f->srv));
    assert_int_equal(lx_ws_connect(&f->cli_ws, f->net, url, NULL, &cbs, f),
                     LX_OK);
    assert_int_equal(f->ws_opened, 0);
    run_until(f, &f->ws_closed, 1);
    assert_int_equal(f->ws_opened, 1);
    assert_int_equal(f->ws_msgs, 2);
    assert_int_equal(f->ws_close_err, LX_OK);
    assert_int_equal(f->ws_close_code, 1000);
    run_until(f, &f->ws_srv_closed, 1);
    lx_ws_free(f->cli_ws);
}

/* A peer sending a frame with a reserved opcode gets close 1002, then EOF. */
static void test_ws_garbage_frame_1002(void **state)
{
    struct fx *f = *state;
    static const char in[] =
        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        "\x83\x80\x01\x02\x03\x04"; /* FIN, opcode 3 (reserved), masked */
    static const char close1002[] = "\x88\x02\x03\xea";
    char *out = raw_exchange(f, in, sizeof(in) - 1);
    const char *body;

    assert_memory_equal(out, "HTTP/1.1 101 ", 13);
    assert_non_null(
        strstr(out, "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"));
    body = strstr(out, "\r\n\r\n");
    assert_non_null(body);
    assert_memory_equal(body + 4, close1002, 4);
    assert_int_equal(f->ws_srv_closed, 1);
    assert_int_equal(f->ws_srv_err, LX_ERR_PROTO);
    assert_int_equal(f->ws_srv_code, 1002);
    lx__free(NULL, out);
}

static void test_ws_bad_handshake(void **state)
{
    struct fx *f = *state;
    static const char in[] = "GET /ws HTTP/1.1\r\nHost: x\r\n"
                             "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Version: 13\r\n\r\n";
    char *out = raw_exchange(f, in, sizeof(in) - 1);

    assert_memory_equal(out, "HTTP/1.1 400 ", 13);
    assert_non_null(strstr(out, "Connection: close\r\n"));
    assert_int_equal(f->ws_accept_rc, LX_ERR_PROTO);
    lx__free(NULL, out);
}

/* ---- TLS ---------------------------------------------------------------- */

static void test_tls_verify(void **state)
{
    struct fx *f = *state;
    struct lx_http_server *tsrv;
    struct lx_tls *tls;
    char path[] = "/tmp/lx-test-ca-XXXXXX";
    int fd = mkstemp(path);

    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(lx_tls_server_new_selfsigned(&tls, NULL, "localhost"),
                     LX_OK);
    assert_int_equal(lx_tls_write_cert_pem(tls, path), LX_OK);
    assert_int_equal(lx_http_server_new(&tsrv, f->net, handler, f), LX_OK);
    assert_int_equal(lx_http_server_listen(tsrv, "127.0.0.1", 0, tls), LX_OK);
    lx__snprintf(f->base_url, sizeof(f->base_url), "https://localhost:%u",
                 (unsigned)lx_http_server_port(tsrv));

    /* Not trusted yet: a clear verification error naming the host. */
    send_req(f, "GET", "/api/v3/time", NULL);
    run_until(f, &f->nresp, 1);
    assert_int_equal(f->last_err, LX_ERR_TLS);
    assert_non_null(strstr(f->last_body, "localhost"));

    assert_int_equal(lx_net_set_ca_file(f->net, path), LX_OK);
    send_req(f, "GET", "/api/v3/time", NULL);
    run_until(f, &f->nresp, 2);
    assert_int_equal(f->last_err, LX_OK);
    assert_string_equal(f->last_body, "GET /api/v3/time ");

    lx_http_client_free(f->cli);
    assert_int_equal(lx_http_client_new(&f->cli, f->net), LX_OK);
    lx_http_server_free(tsrv);
    lx_tls_free(tls);
    unlink(path);
}

/* ---- virtual time over real TCP --------------------------------------
 */

struct vt {
    struct fx *f;
    int64_t resp_at[20]; /* virtual time of each answer */
    int nresp;
    int64_t timer_at;
};

static void vt_resp(void *ud, int err, const struct lx_http_msg *resp,
                    const char *errmsg)
{
    struct vt *v = ud;
    struct lx_http_msg *m;

    (void)errmsg;
    assert_int_equal(err, LX_OK);
    assert_int_equal(lx_http_msg_status(resp), 200);
    v->resp_at[v->nresp++] = lx_clock_mono_ns(v->f->clock);
    if (v->nresp == 20) {
        return;
    }
    /* The next request only once this answer is in: a chain of 20. */
    assert_int_equal(lx_http_msg_new_request(&m, NULL, "GET", "/next"), LX_OK);
    assert_int_equal(
        lx_http_client_send(v->f->cli, v->f->base_url, m, 30 * SEC, vt_resp, v),
        LX_OK);
}

/* Answers every request with 1 MiB: more than a socket buffer holds. */
static void vt_handler(struct lx_http_req *req, void *ud)
{
    static char big[1 << 20];

    (void)ud;
    memset(big, 'x', sizeof(big));
    assert_int_equal(lx_http_req_respond_body(req, 200, NULL, "text/plain", big,
                                              sizeof(big)),
                     LX_OK);
}

static void vt_timer(struct lx_timer *t, void *ud)
{
    struct vt *v = ud;

    (void)t;
    v->timer_at = lx_clock_mono_ns(v->f->clock);
}

/*
 * A virtual clock with client and server in one process over loopback
 * TCP: time does not move while bytes are in flight, so a chain of 20
 * round trips with 1 MiB answers (each spans many socket-buffer fills)
 * completes at virtual time 0, before a timer due at 1 ms. Without the
 * clock's socket accounting the runner jumps to the timer while an
 * answer waits for the socket to drain.
 */
static void test_virtual_clock_over_tcp(void **state)
{
    struct fx f;
    struct vt v;
    struct lx_timer *t = NULL;
    struct lx_http_msg *m;
    int i;

    (void)state;
    memset(&f, 0, sizeof(f));
    memset(&v, 0, sizeof(v));
    v.f = &f;
    v.timer_at = -1;
    f.base = event_base_new();
    assert_int_equal(lx_clock_new_virtual(&f.clock, NULL, f.base, 0), LX_OK);
    assert_int_equal(lx_net_new(&f.net, NULL, f.base, f.clock), LX_OK);
    assert_int_equal(lx_http_server_new(&f.srv, f.net, vt_handler, &f), LX_OK);
    assert_int_equal(lx_http_server_listen(f.srv, "127.0.0.1", 0, NULL), LX_OK);
    lx__snprintf(f.base_url, sizeof(f.base_url), "http://127.0.0.1:%u",
                 (unsigned)lx_http_server_port(f.srv));
    assert_int_equal(lx_http_client_new(&f.cli, f.net), LX_OK);
    assert_int_equal(lx_timer_new(&t, f.clock, vt_timer, &v), LX_OK);
    assert_int_equal(lx_timer_start(t, 1000000, 0), LX_OK);
    assert_int_equal(lx_http_msg_new_request(&m, NULL, "GET", "/first"), LX_OK);
    assert_int_equal(
        lx_http_client_send(f.cli, f.base_url, m, 30 * SEC, vt_resp, &v),
        LX_OK);
    assert_int_equal(lx_clock_run(f.clock, 2000000), LX_OK);
    assert_int_equal(v.nresp, 20);
    for (i = 0; i < 20; i++) {
        assert_int_equal(v.resp_at[i], 0);
    }
    assert_int_equal(v.timer_at, 1000000);
    lx_timer_free(t);
    lx_http_client_free(f.cli);
    lx_http_server_free(f.srv);
    (void)lx_clock_run(f.clock, lx_clock_mono_ns(f.clock));
    lx_net_free(f.net);
    lx_clock_free(f.clock);
    event_base_loop(f.base, EVLOOP_NONBLOCK);
    event_base_free(f.base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_post_keepalive, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_pipelined_in_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bad_request_400, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversize_headers_431, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_request_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connection_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_many_concurrent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_interim_1xx_skipped, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_inmem, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ws_echo_and_close, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ws_bad_handshake, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ws_garbage_frame_1002, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tls_verify, setup, teardown),
        cmocka_unit_test(test_virtual_clock_over_tcp),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
