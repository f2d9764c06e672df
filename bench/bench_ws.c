/*
 * bench_ws.c - WebSocket server push throughput over loopback: an
 * lx_http_server that upgrades each client with lx_ws_accept and pushes
 * text messages (a ~100-byte bookTicker and a ~1 KB depth update, Binance's
 * exact shapes) to 1 client and to 100 clients, against the transport
 * ceiling measured in the same run: the same payload bytes written to
 * plain TCP bufferevents, no framing.
 *
 * Layout: the server (the side measured) runs in this process on one
 * event_base; the clients, all of them, run in one forked child on one
 * event_base of their own, so the two sides use different cores, as a
 * venue gateway and its subscribers would. Each case runs three times:
 *   - WebSocket to bare frame counters (a few lines below that find each
 *     frame's length and answer the close): the server push figure, since
 *     these clients cost about what TCP clients do and the server sets
 *     the pace;
 *   - WebSocket to lx_ws_connect clients (UTF-8 checks, reassembly): the
 *     end-to-end figure, which the receiving side limits;
 *   - plain TCP bufferevents both ends, clients that only count bytes: the
 *     reference.
 * CPU time per message (getrusage, user + system) is printed for the
 * server and for the clients: it is the figure least disturbed by other
 * work on the machine, and it shows which side is the limit.
 *
 * Flow control, identical for both transports: each client acknowledges
 * every ACK_BYTES of payload with a small message (a masked WebSocket text
 * frame with the count, or 8 raw bytes), and the server keeps at most
 * WINDOW_BYTES of payload unacknowledged per client. Without it the server
 * would just fill memory and the figure would be memcpy speed. The server
 * pushes for PUSH_NS, then closes (close handshake, or TCP half-close once
 * drained); the clock stops when the last client is gone, so every message
 * counted was delivered. The child reports what it received through a pipe
 * and the run fails unless that equals what was sent.
 *
 * Figures: messages/s and payload MB/s (10^6 bytes, framing not counted);
 * ratio = WebSocket / TCP (1 = framing costs nothing).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_err.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_ws.h"
#include "bench_util.h"

#define MAX_CLIENTS  100
#define PUSH_NS      INT64_C(1000000000)
#define GUARD_NS     (30 * LX_SEC)
#define WINDOW_BYTES ((int64_t)256 * 1024)
#define ACK_BYTES    ((int64_t)32 * 1024)

static const char small_msg[] =
    "{\"u\":400900217,\"s\":\"BNBUSDT\",\"b\":\"25.35190000\","
    "\"B\":\"31.21000000\",\"a\":\"25.36520000\",\"A\":\"40.66000000\"}";

static char large_msg[1100];
static size_t large_len;

struct bench;

/* ---- server side (this process) ------------------------------------------ */

struct sconn {
    struct bench *b;
    struct lx_ws *ws;
    struct bufferevent *bev;
    int64_t sent;
    int64_t acked;
    int closing;
    int done;
};

struct bench {
    int tcp; /* plain TCP reference, else WebSocket */
    int raw; /* WebSocket read by the bare frame counter, not lx_ws */
    int nclients;
    const char *msg;
    size_t len;
    int64_t window; /* messages unacknowledged per client */
    int64_t ack_every;
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_http_server *srv;
    struct evconnlistener *lst;
    struct lx_timer *guard;
    struct sconn conns[MAX_CLIENTS];
    int naccepted;
    int ndone;
    int failed;
    int64_t t0;
    int64_t t1;
    int64_t cpu0;
    int64_t cpu1;
};

static void fill(struct sconn *c);

/* CPU time (user + system) this process has used, in ns. */
static int64_t cpu_ns(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ((int64_t)ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * LX_SEC +
           ((int64_t)ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * LX_USEC;
}

static void conn_done(struct sconn *c)
{
    struct bench *b = c->b;

    if (c->done) {
        return;
    }
    c->done = 1;
    if (++b->ndone == b->nclients) {
        b->t1 = bench_now_ns();
        b->cpu1 = cpu_ns();
        lx_clock_stop_run(b->clock);
    }
}

/* TCP: half-close once the output is drained, so no byte is lost. */
static void tcp_maybe_shutdown(struct sconn *c)
{
    if (c->closing == 1 &&
        evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
        c->closing = 2;
        shutdown(bufferevent_getfd(c->bev), SHUT_WR);
    }
}

static void start_close(struct sconn *c)
{
    if (c->closing) {
        return;
    }
    c->closing = 1;
    if (c->b->tcp) {
        tcp_maybe_shutdown(c);
    } else if (lx_ws_close(c->ws, 1000, "done") != LX_OK) {
        c->b->failed = 1;
    }
}

/* Pushes until the window is full, or closes once the time is up. */
static void fill(struct sconn *c)
{
    struct bench *b = c->b;
    int rc = LX_OK;

    if (c->closing) {
        return;
    }
    if (bench_now_ns() - b->t0 >= PUSH_NS) {
        start_close(c);
        return;
    }
    while (c->sent - c->acked < b->window && rc == LX_OK) {
        rc = b->tcp ? bufferevent_write(c->bev, b->msg, b->len)
                    : lx_ws_send_text(c->ws, b->msg, b->len);
        c->sent += rc == LX_OK ? 1 : 0;
    }
    if (rc != LX_OK) {
        b->failed = 1;
        start_close(c);
    }
}

static void start_push(struct bench *b)
{
    int i;

    b->t0 = bench_now_ns();
    b->cpu0 = cpu_ns();
    for (i = 0; i < b->nclients; i++) {
        fill(&b->conns[i]);
    }
}

static void ack(struct sconn *c, int64_t n)
{
    if (n > c->sent || n < c->acked) {
        c->b->failed = 1;
        return;
    }
    c->acked = n;
    fill(c);
}

static void sws_message(struct lx_ws *ws, int opcode, const uint8_t *data,
                        size_t len, void *ud)
{
    int64_t n;

    LX_UNUSED(ws);
    LX_UNUSED(opcode);
    if (lx__parse_i64((const char *)data, len, &n) == LX_OK) {
        ack(ud, n);
    } else {
        ((struct sconn *)ud)->b->failed = 1;
    }
}

static void sws_close(struct lx_ws *ws, int err, int code, const char *reason,
                      void *ud)
{
    struct sconn *c = ud;

    LX_UNUSED(code);
    LX_UNUSED(reason);
    if (err != LX_OK) {
        c->b->failed = 1;
    }
    lx_ws_free(ws);
    c->ws = NULL;
    conn_done(c);
}

static void handler(struct lx_http_req *req, void *ud)
{
    static const struct lx_ws_cbs cbs = {NULL, sws_message, NULL, NULL,
                                         sws_close};
    struct bench *b = ud;
    struct sconn *c;

    if (b->naccepted == b->nclients) {
        lx_http_req_respond_body(req, 503, NULL, NULL, NULL, 0);
        return;
    }
    c = &b->conns[b->naccepted];
    if (lx_ws_accept(&c->ws, req, &cbs, c) != LX_OK) {
        b->failed = 1;
        lx_clock_stop_run(b->clock);
        return;
    }
    if (++b->naccepted == b->nclients) {
        start_push(b);
    }
}

static void stcp_read(struct bufferevent *bev, void *arg)
{
    struct evbuffer *in = bufferevent_get_input(bev);
    int64_t n = -1;

    while (evbuffer_get_length(in) >= sizeof(n)) {
        evbuffer_remove(in, &n, sizeof(n));
    }
    if (n >= 0) {
        ack(arg, n);
    }
}

static void stcp_write(struct bufferevent *bev, void *arg)
{
    LX_UNUSED(bev);
    tcp_maybe_shutdown(arg);
}

static void stcp_event(struct bufferevent *bev, short what, void *arg)
{
    struct sconn *c = arg;

    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        if (c->closing != 2 || (what & BEV_EVENT_ERROR)) {
            c->b->failed = 1;
        }
        bufferevent_free(bev);
        c->bev = NULL;
        conn_done(c);
    }
}

static void stcp_accept(struct evconnlistener *l, evutil_socket_t fd,
                        struct sockaddr *sa, int salen, void *arg)
{
    struct bench *b = arg;
    struct sconn *c;

    LX_UNUSED(l);
    LX_UNUSED(sa);
    LX_UNUSED(salen);
    if (b->naccepted == b->nclients) {
        evutil_closesocket(fd);
        return;
    }
    c = &b->conns[b->naccepted];
    c->bev = bufferevent_socket_new(b->base, fd, BEV_OPT_CLOSE_ON_FREE);
    if (c->bev == NULL) {
        evutil_closesocket(fd);
        b->failed = 1;
        lx_clock_stop_run(b->clock);
        return;
    }
    bufferevent_setcb(c->bev, stcp_read, stcp_write, stcp_event, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    if (++b->naccepted == b->nclients) {
        start_push(b);
    }
}

static void guard_cb(struct lx_timer *t, void *ud)
{
    struct bench *b = ud;

    LX_UNUSED(t);
    fprintf(stderr, "bench_ws: case did not finish within %d s\n",
            (int)(GUARD_NS / LX_SEC));
    b->failed = 1;
    lx_clock_stop_run(b->clock);
}

/* Listens on 127.0.0.1, any port; returns the port or 0. */
static uint16_t server_listen(struct bench *b)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);

    if (!b->tcp) {
        if (lx_net_new(&b->net, NULL, b->base, b->clock) != LX_OK ||
            lx_http_server_new(&b->srv, b->net, handler, b) != LX_OK ||
            lx_http_server_listen(b->srv, "127.0.0.1", 0, NULL) != LX_OK) {
            return 0;
        }
        return lx_http_server_port(b->srv);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    b->lst = evconnlistener_new_bind(b->base, stcp_accept, b,
                                     LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                                     128, (struct sockaddr *)&sa, sizeof(sa));
    if (b->lst == NULL || getsockname(evconnlistener_get_fd(b->lst),
                                      (struct sockaddr *)&sa, &len) != 0) {
        return 0;
    }
    return ntohs(sa.sin_port);
}

static void server_free(struct bench *b)
{
    int i;

    for (i = 0; i < b->nclients; i++) {
        lx_ws_free(b->conns[i].ws);
        if (b->conns[i].bev != NULL) {
            bufferevent_free(b->conns[i].bev);
        }
    }
    if (b->lst != NULL) {
        evconnlistener_free(b->lst);
    }
    lx_http_server_free(b->srv);
    lx_net_free(b->net);
    lx_timer_free(b->guard);
    lx_clock_free(b->clock);
    if (b->base != NULL) {
        event_base_loop(b->base, EVLOOP_NONBLOCK);
        event_base_free(b->base);
    }
}

/* ---- client side (forked child) ------------------------------------------ */

struct client;

struct cconn {
    struct client *cl;
    struct lx_ws *ws;
    struct bufferevent *bev;
    int64_t count;
    int64_t bytes;
    int64_t next_ack;
    int handshaken; /* raw: the 101 arrived */
    int got_close;  /* raw: the server's close frame arrived */
    int done;
};

struct client {
    const struct bench *b;
    struct lx_clock *clock;
    struct cconn conns[MAX_CLIENTS];
    int ndone;
    int bad;
    int64_t t0; /* first payload received */
    int64_t t1; /* last client closed */
    int64_t cpu0;
    int64_t cpu1;
};

/* What the child tells the parent at the end. */
struct report {
    int64_t messages;
    int64_t bytes;
    int64_t bad;
    int64_t wall_ns; /* from the first payload to the last close */
    int64_t cpu_ns;  /* CPU used over that span */
};

static void client_first_data(struct client *cl)
{
    if (cl->t0 == 0) {
        cl->t0 = bench_now_ns();
        cl->cpu0 = cpu_ns();
    }
}

static void cconn_done(struct cconn *c)
{
    if (!c->done) {
        c->done = 1;
        if (++c->cl->ndone == c->cl->b->nclients) {
            c->cl->t1 = bench_now_ns();
            c->cl->cpu1 = cpu_ns();
            lx_clock_stop_run(c->cl->clock);
        }
    }
}

static void cws_message(struct lx_ws *ws, int opcode, const uint8_t *data,
                        size_t len, void *ud)
{
    struct cconn *c = ud;
    char buf[24];
    int n;

    LX_UNUSED(data);
    client_first_data(c->cl);
    if (opcode != LX_WS_TEXT || len != c->cl->b->len) {
        c->cl->bad++;
    }
    c->count++;
    c->bytes += (int64_t)len;
    if (c->count == c->next_ack) {
        c->next_ack += c->cl->b->ack_every;
        n = lx__snprintf(buf, sizeof(buf), "%lld", (long long)c->count);
        if (lx_ws_send_text(ws, buf, (size_t)n) != LX_OK) {
            c->cl->bad++;
        }
    }
}

static void cws_close(struct lx_ws *ws, int err, int code, const char *reason,
                      void *ud)
{
    struct cconn *c = ud;

    LX_UNUSED(code);
    if (err != LX_OK) {
        fprintf(stderr, "bench_ws: client closed: %s\n", reason);
        c->cl->bad++;
    }
    lx_ws_free(ws);
    c->ws = NULL;
    cconn_done(c);
}

/*
 * The bare frame counter: a WebSocket client reduced to what the protocol
 * requires of a receiver of unmasked text frames (find each frame's
 * length, answer the close), so the server, not the client, sets the
 * pace. It trusts the server it benches: no UTF-8 or reserved-bit checks.
 */
static void raw_send(struct bufferevent *bev, int opcode, const char *data,
                     size_t len)
{
    static const uint8_t mask[4] = {0x12, 0x34, 0x56, 0x78};
    uint8_t frame[2 + 4 + 32];
    size_t i;

    frame[0] = (uint8_t)(0x80 | opcode);
    frame[1] = (uint8_t)(0x80 | len); /* len < 32 here */
    memcpy(frame + 2, mask, 4);
    for (i = 0; i < len; i++) {
        frame[6 + i] = (uint8_t)(data[i] ^ mask[i & 3]);
    }
    bufferevent_write(bev, frame, 6 + len);
}

static void raw_read(struct bufferevent *bev, void *arg);
static void ctcp_event(struct bufferevent *bev, short what, void *arg);

/* The answer to the close frame is out: the connection is done. */
static void raw_closed(struct bufferevent *bev, void *arg)
{
    struct cconn *c = arg;

    bufferevent_free(bev);
    c->bev = NULL;
    cconn_done(c);
}

/* Consumes whole frames from in; returns 0 when more bytes are needed. */
static int raw_frame(struct cconn *c, struct evbuffer *in)
{
    uint8_t h[10];
    size_t have = evbuffer_get_length(in), hlen = 2;
    uint64_t plen;
    char buf[24];
    int i, n;

    if (evbuffer_copyout(in, h, have < 10 ? have : 10) < 2) {
        return 0;
    }
    plen = h[1] & 0x7f;
    if (plen >= 126) {
        hlen = plen == 126 ? 4 : 10;
        if (have < hlen) {
            return 0;
        }
        for (plen = 0, i = 2; i < (int)hlen; i++) {
            plen = plen << 8 | h[i];
        }
    }
    if (have < hlen + plen) {
        return 0;
    }
    evbuffer_drain(in, hlen + (size_t)plen);
    if ((h[0] & 0x0f) == LX_WS_CLOSE) {
        /* Answer, and close once the answer is out (the server may wait
         * for our close before it closes the TCP connection). */
        c->got_close = 1;
        bufferevent_setcb(c->bev, raw_read, raw_closed, ctcp_event, c);
        raw_send(c->bev, LX_WS_CLOSE, "\x03\xe8", 2);
        return 0;
    }
    if ((h[0] & 0x0f) != LX_WS_TEXT || plen != c->cl->b->len) {
        c->cl->bad++;
    }
    c->count++;
    c->bytes += (int64_t)plen;
    if (c->count == c->next_ack) {
        c->next_ack += c->cl->b->ack_every;
        n = lx__snprintf(buf, sizeof(buf), "%lld", (long long)c->count);
        raw_send(c->bev, LX_WS_TEXT, buf, (size_t)n);
    }
    return 1;
}

static void raw_read(struct bufferevent *bev, void *arg)
{
    struct cconn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    struct evbuffer_ptr eoh;

    if (!c->handshaken) {
        eoh = evbuffer_search(in, "\r\n\r\n", 4, NULL);
        if (eoh.pos < 0) {
            return;
        }
        if (evbuffer_get_length(in) < 12 ||
            memcmp(evbuffer_pullup(in, 12), "HTTP/1.1 101", 12) != 0) {
            c->cl->bad++;
        }
        evbuffer_drain(in, (size_t)eoh.pos + 4);
        c->handshaken = 1;
    }
    client_first_data(c->cl);
    while (!c->got_close && raw_frame(c, in)) {
    }
}

static void ctcp_read(struct bufferevent *bev, void *arg)
{
    struct cconn *c = arg;
    struct evbuffer *in = bufferevent_get_input(bev);
    size_t n = evbuffer_get_length(in);
    int64_t msgs;

    client_first_data(c->cl);
    evbuffer_drain(in, n);
    c->bytes += (int64_t)n;
    msgs = c->bytes / (int64_t)c->cl->b->len;
    if (msgs >= c->next_ack) {
        c->next_ack = msgs + c->cl->b->ack_every;
        bufferevent_write(bev, &msgs, sizeof(msgs));
    }
}

static void ctcp_event(struct bufferevent *bev, short what, void *arg)
{
    struct cconn *c = arg;

    if (what & BEV_EVENT_CONNECTED) {
        return;
    }
    if ((what & BEV_EVENT_ERROR) || (c->cl->b->raw && !c->got_close)) {
        c->cl->bad++;
    }
    if (!c->cl->b->raw) {
        c->count = c->bytes / (int64_t)c->cl->b->len;
    }
    bufferevent_free(bev);
    c->bev = NULL;
    cconn_done(c);
}

static int client_connect(struct client *cl, struct event_base *base,
                          struct lx_net *net, uint16_t port, int i)
{
    static const struct lx_ws_cbs cbs = {NULL, cws_message, NULL, NULL,
                                         cws_close};
    struct cconn *c = &cl->conns[i];
    struct sockaddr_in sa;
    char url[64], hs[256];
    int n;

    c->cl = cl;
    c->next_ack = cl->b->ack_every;
    if (!cl->b->tcp && !cl->b->raw) {
        lx__snprintf(url, sizeof(url), "ws://127.0.0.1:%u/stream",
                     (unsigned)port);
        return lx_ws_connect(&c->ws, net, url, NULL, &cbs, c);
    }
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    if (c->bev == NULL) {
        return LX_ERR_NOMEM;
    }
    bufferevent_setcb(c->bev, cl->b->raw ? raw_read : ctcp_read, NULL,
                      ctcp_event, c);
    bufferevent_enable(c->bev, EV_READ | EV_WRITE);
    if (cl->b->raw) {
        n = lx__snprintf(hs, sizeof(hs),
                         "GET /stream HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                         "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                         "Sec-WebSocket-Version: 13\r\n\r\n",
                         (unsigned)port);
        bufferevent_write(c->bev, hs, (size_t)n);
    }
    return bufferevent_socket_connect(c->bev, (struct sockaddr *)&sa,
                                      sizeof(sa)) == 0
               ? LX_OK
               : LX_ERR_IO;
}

/* The child: connects every client, counts until all are closed. */
static int client_main(const struct bench *b, uint16_t port, int out_fd)
{
    static struct client cl;
    struct report r = {0, 0, 0, 0, 0};
    struct event_base *base = event_base_new();
    struct lx_net *net = NULL;
    int i, rc = base == NULL ? LX_ERR_NOMEM : LX_OK;

    cl.b = b;
    if (rc == LX_OK) {
        rc = lx_clock_new_real(&cl.clock, NULL, base);
    }
    if (rc == LX_OK) {
        rc = lx_net_new(&net, NULL, base, cl.clock);
    }
    for (i = 0; rc == LX_OK && i < b->nclients; i++) {
        rc = client_connect(&cl, base, net, port, i);
    }
    if (rc == LX_OK) {
        lx_clock_run(cl.clock, bench_now_ns() + GUARD_NS);
    }
    for (i = 0; i < b->nclients; i++) {
        r.messages += cl.conns[i].count;
        r.bytes += cl.conns[i].bytes;
    }
    r.bad = cl.bad + (rc != LX_OK) + (cl.ndone != b->nclients);
    r.wall_ns = cl.t1 - cl.t0;
    r.cpu_ns = cl.cpu1 - cl.cpu0;
    return write(out_fd, &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 1;
}

/* ---- one case -------------------------------------------------------------
 */

struct outcome {
    double msgs_per_s;
    double mb_per_s;
    double srv_ns; /* server CPU (user + system) per message */
    double cli_ns; /* client CPU per message */
    int ok;
};

static int run_clients(struct bench *b, uint16_t port, pid_t *pid, int *fd)
{
    int p[2];

    if (pipe(p) != 0) {
        return 0;
    }
    fflush(stdout);
    fflush(stderr);
    *pid = fork();
    if (*pid == 0) {
        close(p[0]);
        _exit(client_main(b, port, p[1]));
    }
    close(p[1]);
    *fd = p[0];
    return *pid > 0;
}

static struct outcome run_case(int tcp, int raw, int nclients, const char *msg,
                               size_t len)
{
    static struct bench b;
    struct outcome o = {0, 0, 0, 0, 0};
    struct report r = {0, 0, 1, 0, 0};
    int64_t sent = 0;
    uint16_t port;
    pid_t pid = -1;
    int fd = -1, i;

    memset(&b, 0, sizeof(b));
    b.tcp = tcp;
    b.raw = raw;
    b.nclients = nclients;
    b.msg = msg;
    b.len = len;
    b.ack_every = ACK_BYTES / (int64_t)len;
    b.window = WINDOW_BYTES / (int64_t)len;
    for (i = 0; i < nclients; i++) {
        b.conns[i].b = &b;
    }
    b.base = event_base_new();
    if (b.base == NULL || lx_clock_new_real(&b.clock, NULL, b.base) != LX_OK ||
        lx_timer_new(&b.guard, b.clock, guard_cb, &b) != LX_OK ||
        (port = server_listen(&b)) == 0 || !run_clients(&b, port, &pid, &fd)) {
        fprintf(stderr, "bench_ws: setup failed\n");
        server_free(&b);
        return o;
    }
    lx_timer_start(b.guard, GUARD_NS, 0);
    lx_clock_run(b.clock, INT64_MAX);
    if (read(fd, &r, sizeof(r)) != (ssize_t)sizeof(r)) {
        r.bad = 1;
    }
    close(fd);
    waitpid(pid, NULL, 0);
    for (i = 0; i < nclients; i++) {
        sent += b.conns[i].sent;
    }
    if (b.failed || r.bad != 0 || b.ndone != nclients || r.messages != sent ||
        r.bytes != sent * (int64_t)len) {
        fprintf(stderr,
                "bench_ws: %s %d clients: sent %lld, received %lld (%lld "
                "bytes), errors %lld%s\n",
                tcp   ? "tcp"
                : raw ? "ws (frame counter)"
                      : "ws",
                nclients, (long long)sent, (long long)r.messages,
                (long long)r.bytes, (long long)r.bad,
                b.failed ? ", server failed" : "");
    } else {
        double s = (double)(b.t1 - b.t0) / 1e9;

        o.msgs_per_s = (double)sent / s;
        o.mb_per_s = (double)sent * (double)len / s / 1e6;
        o.srv_ns = (double)(b.cpu1 - b.cpu0) / (double)sent;
        o.cli_ns = (double)r.cpu_ns / (double)sent;
        o.ok = 1;
    }
    server_free(&b);
    return o;
}

/* ---- main -----------------------------------------------------------------
 */

/* A depth update with 14 levels a side (~1 KB), Binance's diff-depth shape. */
static size_t make_large(char *buf, size_t cap)
{
    size_t n = 0;
    int i, side;

    n += (size_t)lx__snprintf(buf + n, cap - n,
                              "{\"e\":\"depthUpdate\",\"E\":1764633600123,"
                              "\"s\":\"BTCUSDT\",\"U\":157,\"u\":160");
    for (side = 0; side < 2; side++) {
        n += (size_t)lx__snprintf(buf + n, cap - n, ",\"%s\":[",
                                  side == 0 ? "b" : "a");
        for (i = 0; i < 14; i++) {
            long cents = side == 0 ? 9183763 - i : 9183764 + i;
            n += (size_t)lx__snprintf(buf + n, cap - n,
                                      "%s[\"%ld.%02ld000000\",\"%d.%08d\"]",
                                      i > 0 ? "," : "", cents / 100,
                                      cents % 100, i % 3, 54698000 - i * 1237);
        }
        n += (size_t)lx__snprintf(buf + n, cap - n, "]");
    }
    n += (size_t)lx__snprintf(buf + n, cap - n, "}");
    return n;
}

/* One case: the server pushing to each kind of client. */
struct trio {
    char name[40];
    struct outcome raw; /* lx_ws server, bare frame counters */
    struct outcome lx;  /* lx_ws server, lx_ws clients */
    struct outcome tcp; /* plain TCP both ends */
};

static void print_rows(const struct trio *t, int n)
{
    int i;

    bench_header("server push (clients: bare frame counters; reference: "
                 "the same bytes over plain TCP bufferevents; ratio = ws / "
                 "tcp)",
                 "case                   ws msg/s   ws MB/s   tcp msg/s  "
                 "tcp MB/s   ratio");
    for (i = 0; i < n; i++) {
        printf("%-20s %10.0f %9.1f %11.0f %9.1f %7.2f\n", t[i].name,
               t[i].raw.msgs_per_s, t[i].raw.mb_per_s, t[i].tcp.msgs_per_s,
               t[i].tcp.mb_per_s, t[i].raw.msgs_per_s / t[i].tcp.msgs_per_s);
    }
    bench_header("end to end (lx_ws server -> lx_ws clients; reference: "
                 "plain TCP; ratio = ws / tcp)",
                 "case                   ws msg/s   ws MB/s   tcp msg/s  "
                 "tcp MB/s   ratio");
    for (i = 0; i < n; i++) {
        printf("%-20s %10.0f %9.1f %11.0f %9.1f %7.2f\n", t[i].name,
               t[i].lx.msgs_per_s, t[i].lx.mb_per_s, t[i].tcp.msgs_per_s,
               t[i].tcp.mb_per_s, t[i].lx.msgs_per_s / t[i].tcp.msgs_per_s);
    }
    bench_header("CPU per message (ns, user + system, less sensitive to "
                 "other load than msg/s; ratio = ws / tcp)",
                 "case                 server ws   tcp   ratio   "
                 "lx_ws client   tcp   ratio");
    for (i = 0; i < n; i++) {
        printf("%-20s %9.0f %5.0f %7.2f %14.0f %5.0f %7.2f\n", t[i].name,
               t[i].raw.srv_ns, t[i].tcp.srv_ns,
               t[i].raw.srv_ns / t[i].tcp.srv_ns, t[i].lx.cli_ns,
               t[i].tcp.cli_ns, t[i].lx.cli_ns / t[i].tcp.cli_ns);
    }
}

int main(void)
{
    static const int clients[] = {1, 100};
    static struct trio t[4];
    const char *msg;
    size_t len;
    int ci, si, i, n = 0, rc = 0;

    signal(SIGPIPE, SIG_IGN);
    large_len = make_large(large_msg, sizeof(large_msg));
    printf("websocket push: lx_ws server (this process) -> clients (one "
           "forked process, one loop) over 127.0.0.1; text messages; "
           "%.1f s of pushing per case; window %lld KiB per client\n",
           (double)PUSH_NS / 1e9, (long long)(WINDOW_BYTES / 1024));
    for (ci = 0; ci < 2; ci++) {
        for (si = 0; si < 2; si++) {
            msg = si == 0 ? small_msg : large_msg;
            len = si == 0 ? sizeof(small_msg) - 1 : large_len;
            i = n;
            lx__snprintf(t[i].name, sizeof(t[i].name), "%d client%s, %zu B",
                         clients[ci], clients[ci] > 1 ? "s" : "", len);
            t[i].raw = run_case(0, 1, clients[ci], msg, len);
            t[i].lx = run_case(0, 0, clients[ci], msg, len);
            t[i].tcp = run_case(1, 0, clients[ci], msg, len);
            if (t[i].raw.ok && t[i].lx.ok && t[i].tcp.ok) {
                n++;
            } else {
                printf("%s: failed\n", t[i].name);
                rc = 1;
            }
        }
    }
    print_rows(t, n);
    return rc;
}
