/*
 * http_server.c - the HTTP/1.1 front door: accepts connections (TCP, TLS,
 * or adopted in-memory bufferevents), parses requests with the shared codec,
 * hands each to the handler, and writes responses back in request order.
 *
 * It does not route (the handler does), does not speak WebSocket frames
 * (lx_ws_accept takes an upgrade request over), and never blocks. Slow or
 * silent peers are bounded by two lx_clock timers per connection: a request
 * must arrive completely within request_timeout of its first byte, and an
 * idle keep-alive connection is closed after idle_timeout.
 */
#include <errno.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/bufferevent_ssl.h>

#include "net/http_codec.h"
#include "net/http_server.h"
#include "net/net_internal.h"
#include "net/dial.h"

#define SRV_MAX_INFLIGHT 64
/*
 * Bytes one recv may take in direct mode: a request fits an evbuffer chain
 * of 4 KiB; the rest of a longer one (a body) comes 16 KiB at a time.
 */
#define SRV_READ_CHUNK      4000
#define SRV_READ_CHUNK_MORE 16000

struct srv_conn;

struct lx_http_req {
    struct srv_conn *conn;
    struct lx_http_msg *msg;
    struct lx_http_msg *resp; /* set when answered, written in order */
    void (*abort_cb)(struct lx_http_req *req, void *ud);
    void *abort_ud;
    TAILQ_ENTRY(lx_http_req) link;
};

TAILQ_HEAD(req_list, lx_http_req);

struct srv_conn {
    struct lx_http_server *srv;
    struct bufferevent *bev;
    struct lx__http_parser *parser;
    struct lx_timer *timer;
    struct req_list reqs;
    unsigned ninflight;
    struct lx__tapper tap;
    char peer[64];
    int loopback;
    int closing;  /* no more reads; free once output drains */
    int partial;  /* bytes of an unfinished request are buffered */
    int deadline; /* which limit the timer runs for: DL_NONE/REQUEST/IDLE */
    int64_t idle_from; /* DL_IDLE: idle since then (mono clock) */
    int in_feed;       /* parser running: defer frees to after the feed */
    int dead;          /* freed once the current feed returns */
    /*
     * Direct mode (plain TCP): the socket is read by our own event rev,
     * one recv per readiness, and what the responses left in the output
     * is written by one writev per connection once the loop has run the
     * callbacks of this round (srv_flush_cb); the bufferevent only holds
     * the buffers, and writes (wpending) only what the socket would not
     * take at once. This spares the FIONREAD ioctl of every bufferevent
     * read and the two epoll_ctl calls of arming and disarming its write
     * event around each response.
     */
    evutil_socket_t fd;
    struct event *rev; /* NULL: not direct */
    int reading;       /* rev is added */
    int wpending;      /* the bufferevent's write event drains the output */
    int dirty;         /* on the server's flush list */
    TAILQ_ENTRY(srv_conn) dirty_link;
    LIST_ENTRY(srv_conn) link;
};

struct lx_http_server {
    struct lx_net *net;
    lx_http_handler_fn handler;
    void *ud;
    struct evconnlistener *listener;
    struct lx_tls *tls;
    uint16_t port;
    struct lx__http_limits limits;
    int64_t request_timeout_ns;
    int64_t idle_timeout_ns;
    LIST_HEAD(, srv_conn) conns;
    /* direct-mode connections with output to write (srv_flush_cb) */
    TAILQ_HEAD(, srv_conn) dirty;
    struct event *flush_ev;
};

static void conn_free(struct srv_conn *c, const char *reason);
static void conn_read_cb(struct bufferevent *bev, void *arg);

/* Reading on or off: our own read event in direct mode, else the bev's. */
static void conn_reading(struct srv_conn *c, int on)
{
    if (c->rev == NULL) {
        if (on) {
            bufferevent_enable(c->bev, EV_READ);
        } else {
            bufferevent_disable(c->bev, EV_READ);
        }
    } else if (on && !c->reading) {
        c->reading = event_add(c->rev, NULL) == 0;
    } else if (!on && c->reading) {
        event_del(c->rev);
        c->reading = 0;
    }
}

/*
 * Direct mode: writes what the output holds, in one writev; what the
 * socket does not take is left to the bufferevent's write event until the
 * output drains (conn_write_cb). Returns LX_OK, or LX_ERR_IO when the
 * socket failed (the caller frees the connection).
 */
static int conn_push(struct srv_conn *c)
{
    struct evbuffer *out = bufferevent_get_output(c->bev);
    int n;

    if (c->rev == NULL || c->wpending || evbuffer_get_length(out) == 0) {
        return LX_OK;
    }
    /* A bufferevent freezes the start of its output but for its writes. */
    evbuffer_unfreeze(out, 1);
    n = evbuffer_write(out, c->fd);
    evbuffer_freeze(out, 1);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        return LX_ERR_IO;
    }
    if (evbuffer_get_length(out) > 0) {
        c->wpending = 1;
        bufferevent_enable(c->bev, EV_WRITE);
    }
    return LX_OK;
}

/*
 * Direct mode: the output of c is written once this loop round's
 * callbacks have run, with every other connection's (responses to the
 * requests of one round go out together, as a bufferevent would send them
 * on its next write event, without arming one).
 */
static void conn_want_push(struct srv_conn *c)
{
    if (c->rev == NULL || c->dirty || c->wpending ||
        evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
        return;
    }
    c->dirty = 1;
    TAILQ_INSERT_TAIL(&c->srv->dirty, c, dirty_link);
    event_active(c->srv->flush_ev, EV_WRITE, 0);
}

static void conn_unlist(struct srv_conn *c)
{
    if (c->dirty) {
        TAILQ_REMOVE(&c->srv->dirty, c, dirty_link);
        c->dirty = 0;
    }
}

static void srv_flush_cb(evutil_socket_t fd, short what, void *arg)
{
    struct lx_http_server *s = arg;
    struct srv_conn *c;

    LX_UNUSED(fd);
    LX_UNUSED(what);
    while ((c = TAILQ_FIRST(&s->dirty)) != NULL) {
        conn_unlist(c);
        if (conn_push(c) != LX_OK) {
            conn_free(c, "transport error");
        } else if (c->closing &&
                   evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
            conn_free(c, "closed after response");
        }
    }
}

int lx_http_server_new(struct lx_http_server **out, struct lx_net *net,
                       lx_http_handler_fn handler, void *ud)
{
    struct lx_http_server *s;

    if (out == NULL || net == NULL || handler == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    s = lx__calloc(net->mem, 1, sizeof(*s));
    if (s == NULL) {
        return LX_ERR_NOMEM;
    }
    s->net = net;
    s->handler = handler;
    s->ud = ud;
    lx__http_limits_default(&s->limits);
    s->request_timeout_ns = 10 * (int64_t)1000000000;
    s->idle_timeout_ns = 60 * (int64_t)1000000000;
    LIST_INIT(&s->conns);
    TAILQ_INIT(&s->dirty);
    s->flush_ev = event_new(net->base, -1, 0, srv_flush_cb, s);
    if (s->flush_ev == NULL) {
        lx__free(net->mem, s);
        return LX_ERR_NOMEM;
    }
    *out = s;
    return LX_OK;
}

void lx_http_server_set_limits(struct lx_http_server *s,
                               size_t max_header_bytes, size_t max_body,
                               int64_t request_timeout_ns,
                               int64_t idle_timeout_ns)
{
    if (max_header_bytes > 0) {
        s->limits.max_header_bytes = max_header_bytes;
    }
    if (max_body > 0) {
        s->limits.max_body = max_body;
    }
    if (request_timeout_ns > 0) {
        s->request_timeout_ns = request_timeout_ns;
    }
    if (idle_timeout_ns > 0) {
        s->idle_timeout_ns = idle_timeout_ns;
    }
}

void lx_http_server_free(struct lx_http_server *s)
{
    if (s == NULL) {
        return;
    }
    if (s->listener != NULL) {
        evconnlistener_free(s->listener);
    }
    while (!LIST_EMPTY(&s->conns)) {
        /* Not from a handler of this server (documented), so no feed runs. */
        LIST_FIRST(&s->conns)->in_feed = 0;
        conn_free(LIST_FIRST(&s->conns), "server shutdown");
    }
    event_free(s->flush_ev);
    lx__free(s->net->mem, s);
}

uint16_t lx_http_server_port(const struct lx_http_server *s)
{
    return s != NULL ? s->port : 0;
}

/* ---- timers ---------------------------------------------------------- */

/*
 * One timer per connection, armed for whichever limit applies now: the
 * request deadline while a request is partially received, the idle limit
 * while nothing is in flight, none while the handler holds a request.
 * The idle limit runs from the last activity, but a timer already armed
 * for it is not moved on every request: it fires at its earlier deadline
 * and re-arms itself for what is left (conn_timer_cb).
 */
enum { DL_NONE, DL_REQUEST, DL_IDLE };

static void conn_arm_timer(struct srv_conn *c)
{
    if (c->partial) {
        /* The request deadline runs from its first byte: never extend it. */
        if (c->deadline != DL_REQUEST) {
            c->deadline = DL_REQUEST;
            lx_timer_start(c->timer, c->srv->request_timeout_ns, 0);
        }
    } else if (c->ninflight == 0) {
        c->idle_from = lx_clock_mono_ns(c->srv->net->clock);
        if (c->deadline != DL_IDLE) {
            c->deadline = DL_IDLE;
            lx_timer_start(c->timer, c->srv->idle_timeout_ns, 0);
        }
    } else {
        c->deadline = DL_NONE;
        lx_timer_stop(c->timer);
    }
}

static void conn_timer_cb(struct lx_timer *t, void *ud)
{
    struct srv_conn *c = ud;

    LX_UNUSED(t);
    if (c->partial) {
        LX_LOGI(c->srv->net->ctx, "http", "request timeout peer=%s, closing",
                c->peer);
        conn_free(c, "request timeout");
    } else if (c->ninflight == 0) {
        int64_t left = c->idle_from + c->srv->idle_timeout_ns -
                       lx_clock_mono_ns(c->srv->net->clock);

        if (left > 0 && lx_timer_start(c->timer, left, 0) == LX_OK) {
            return; /* active since the timer was armed */
        }
        conn_free(c, "idle timeout");
    }
}

/* ---- responses in order ------------------------------------------------ */

static void req_free(struct lx_http_req *r)
{
    const struct lx_mem *mem = r->conn->srv->net->mem;

    lx_http_msg_free(r->msg);
    lx_http_msg_free(r->resp);
    lx__free(mem, r);
}

/*
 * Writes every answered request at the head of the queue. The response of
 * lent (if any, and then at the head) takes its body from body/len.
 */
static void conn_flush(struct srv_conn *c, const struct lx_http_req *lent,
                       const void *body, size_t len)
{
    struct lx_http_req *r;

    while ((r = TAILQ_FIRST(&c->reqs)) != NULL && r->resp != NULL) {
        struct evbuffer *out = bufferevent_get_output(c->bev);
        int keep = lx_http_msg_keep_alive(r->msg) &&
                   !lx_http_msg_upgrade(r->msg) &&
                   lx_http_msg_keep_alive(r->resp);
        int rc = r == lent ? lx__http_msg_write_body(r->resp, body, len, out)
                           : lx__http_msg_write(r->resp, out);

        lent = NULL;
        if (rc != LX_OK) {
            keep = 0;
        } else {
            lx__tap_http(&c->tap, c->srv->net, LX_TAP_OUT, r->resp);
        }
        TAILQ_REMOVE(&c->reqs, r, link);
        c->ninflight--;
        req_free(r);
        if (!keep) {
            c->closing = 1;
            conn_reading(c, 0);
            break;
        }
    }
    if (!c->closing && c->ninflight < SRV_MAX_INFLIGHT) {
        conn_reading(c, 1);
    }
    conn_arm_timer(c);
}

/* lx_http_req_respond; a lent body (lent_len > 0) goes with r at the head. */
static int respond(struct lx_http_req *r, struct lx_http_msg *resp,
                   const void *lent, size_t lent_len)
{
    struct srv_conn *c;

    if (r == NULL || resp == NULL || r->resp != NULL) {
        lx_http_msg_free(resp);
        return LX_ERR_INVAL;
    }
    c = r->conn;
    /*
     * The parser stopped at an upgrade request; answered with anything
     * but a takeover (lx_ws_accept), the connection cannot go on.
     */
    if (!lx_http_msg_keep_alive(r->msg) || lx_http_msg_upgrade(r->msg)) {
        /* Tell the client too; it asked to close or spoke HTTP/1.0. */
        if (lx_http_msg_header(resp, "Connection", NULL) == NULL &&
            lx_http_msg_add_header(resp, "Connection", "close") != LX_OK) {
            lx_http_msg_free(resp);
            conn_free(c, "out of memory");
            return LX_ERR_NOMEM;
        }
    }
    r->resp = resp;
    conn_flush(c, lent_len > 0 ? r : NULL, lent, lent_len);
    conn_want_push(c);
    if (c->closing &&
        evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
        conn_free(c, "closed after response");
    }
    return LX_OK;
}

int lx_http_req_respond(struct lx_http_req *r, struct lx_http_msg *resp)
{
    return respond(r, resp, NULL, 0);
}

int lx__http_req_respond_lent(struct lx_http_req *r, struct lx_http_msg *resp,
                              const void *body, size_t len)
{
    if (r != NULL && resp != NULL && len > 0 &&
        (body == NULL || resp->has_body)) {
        lx_http_msg_free(resp);
        return LX_ERR_INVAL;
    }
    if (r != NULL && resp != NULL && r->resp == NULL && len > 0 &&
        (TAILQ_FIRST(&r->conn->reqs) != r || r->conn->tap.fn != NULL)) {
        /* Queued behind an unanswered request, or tapped: keep a copy. */
        if (lx_http_msg_set_body(resp, body, len) != LX_OK) {
            lx_http_msg_free(resp);
            return lx_http_req_respond_body(r, 503, NULL, NULL, NULL, 0);
        }
        len = 0;
    }
    return respond(r, resp, body, len);
}

int lx_http_req_respond_body(struct lx_http_req *r, int status,
                             const char *const *headers,
                             const char *content_type, const void *body,
                             size_t len)
{
    struct lx_http_msg *m;
    int rc;

    rc = lx_http_msg_new_response(&m, r->conn->srv->net->mem, status, NULL);
    if (rc != LX_OK) {
        return rc;
    }
    for (; headers != NULL && headers[0] != NULL && rc == LX_OK; headers += 2) {
        rc = lx_http_msg_add_header(m, headers[0], headers[1]);
    }
    if (rc == LX_OK && content_type != NULL) {
        rc = lx_http_msg_add_header(m, "Content-Type", content_type);
    }
    if (rc == LX_OK && len > 0) {
        rc = lx_http_msg_set_body(m, body, len);
    }
    if (rc != LX_OK) {
        lx_http_msg_free(m);
        return rc;
    }
    return lx_http_req_respond(r, m);
}

const struct lx_http_msg *lx_http_req_msg(const struct lx_http_req *r)
{
    return r->msg;
}

const char *lx_http_req_peer(const struct lx_http_req *r)
{
    return r->conn->peer;
}

int lx_http_req_is_loopback(const struct lx_http_req *r)
{
    return r->conn->loopback;
}

void lx_http_req_set_abort_cb(struct lx_http_req *r,
                              void (*cb)(struct lx_http_req *, void *),
                              void *ud)
{
    r->abort_cb = cb;
    r->abort_ud = ud;
}

/* ---- connection life --------------------------------------------------- */

static void conn_free(struct srv_conn *c, const char *reason)
{
    struct lx_http_server *s = c->srv;
    struct lx_http_req *r;

    if (c->in_feed) {
        /* The parser is on the stack: finish after it returns. */
        c->dead = 1;
        return;
    }
    while ((r = TAILQ_FIRST(&c->reqs)) != NULL) {
        TAILQ_REMOVE(&c->reqs, r, link);
        if (r->resp == NULL && r->abort_cb != NULL) {
            r->abort_cb(r, r->abort_ud);
        }
        req_free(r);
    }
    lx__tap_close(&c->tap, s->net, reason);
    LIST_REMOVE(c, link);
    conn_unlist(c);
    lx_timer_free(c->timer);
    lx__http_parser_free(c->parser);
    if (c->rev != NULL) {
        event_free(c->rev);
    }
    if (c->bev != NULL) {
        lx__dial_close(c->bev);
    }
    lx__free(s->net->mem, c);
}

/* A parse error: answer with the status the codec suggests, then close. */
static void conn_reject(struct srv_conn *c, int status)
{
    struct lx_http_msg *m;
    const char *body = lx_http_status_reason(status);

    c->closing = 1;
    conn_reading(c, 0);
    if (lx_http_msg_new_response(&m, c->srv->net->mem, status, NULL) == LX_OK) {
        if (lx_http_msg_add_header(m, "Connection", "close") == LX_OK &&
            lx_http_msg_add_header(m, "Content-Type", "text/plain") == LX_OK &&
            lx_http_msg_set_body(m, body, strlen(body)) == LX_OK) {
            lx__http_msg_write(m, bufferevent_get_output(c->bev));
            lx__tap_http(&c->tap, c->srv->net, LX_TAP_OUT, m);
        }
        lx_http_msg_free(m);
    }
    LX_LOGI(c->srv->net->ctx, "http", "bad request peer=%s status=%d", c->peer,
            status);
}

static void on_request(struct lx_http_msg *msg, void *ud)
{
    struct srv_conn *c = ud;
    struct lx_http_req *r;

    lx__tap_http(&c->tap, c->srv->net, LX_TAP_IN, msg);
    r = lx__calloc(c->srv->net->mem, 1, sizeof(*r));
    if (r == NULL) {
        lx_http_msg_free(msg);
        conn_reject(c, 503);
        return;
    }
    r->conn = c;
    r->msg = msg;
    TAILQ_INSERT_TAIL(&c->reqs, r, link);
    c->ninflight++;
    if (c->ninflight >= SRV_MAX_INFLIGHT) {
        conn_reading(c, 0);
    }
    c->srv->handler(r, c->srv->ud);
}

static int feed_extent(void *ud, const char *data, size_t len, size_t *consumed)
{
    struct srv_conn *c = ud;

    if (c->closing || c->dead) {
        *consumed = len;
        return LX_OK;
    }
    return lx__http_parser_feed(c->parser, data, len, consumed);
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
    struct srv_conn *c = arg;
    int rc;

    c->in_feed = 1;
    rc = lx__evbuffer_feed(bufferevent_get_input(bev), feed_extent, c);
    c->in_feed = 0;
    if (c->dead) {
        conn_free(c, "closed by handler");
        return;
    }
    if (rc == LX_ERR_STATE) {
        /* An upgrade stopped the parser; lx_ws_accept owns what follows. */
        return;
    }
    if (rc != LX_OK) {
        conn_reject(c, lx__http_parser_error_status(c->parser));
        conn_want_push(c);
    }
    c->partial = !c->closing && lx__http_parser_in_message(c->parser);
    if (c->closing &&
        evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
        conn_free(c, rc != LX_OK ? "bad request" : "closed");
        return;
    }
    conn_arm_timer(c);
}

/* Direct mode: the socket is readable; one recv, then the parser. */
static void conn_sock_read_cb(evutil_socket_t fd, short what, void *arg)
{
    struct srv_conn *c = arg;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    struct evbuffer_iovec vec;
    ev_ssize_t want = c->partial ? SRV_READ_CHUNK_MORE : SRV_READ_CHUNK;
    ssize_t n;

    LX_UNUSED(what);
    /* A bufferevent freezes the end of its input but for its reads. */
    evbuffer_unfreeze(in, 0);
    if (evbuffer_reserve_space(in, want, &vec, 1) != 1) {
        evbuffer_freeze(in, 0);
        conn_free(c, "out of memory");
        return;
    }
    n = recv(fd, vec.iov_base, vec.iov_len, 0);
    if (n > 0) {
        vec.iov_len = (size_t)n;
        if (evbuffer_commit_space(in, &vec, 1) != 0) {
            n = -1;
            errno = ENOMEM;
        }
    }
    evbuffer_freeze(in, 0);
    if (n <= 0) {
        if (n < 0 &&
            (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            return;
        }
        conn_free(c, n == 0 ? "peer closed" : "transport error");
        return;
    }
    conn_read_cb(c->bev, c);
}

static void conn_write_cb(struct bufferevent *bev, void *arg)
{
    struct srv_conn *c = arg;

    if (c->wpending && evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
        /* Drained: back to writing directly. */
        c->wpending = 0;
        bufferevent_disable(bev, EV_WRITE);
    }

    /* A deferred write callback may run while output is still queued. */
    if (c->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
        conn_free(c, "closed after response");
    }
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct srv_conn *c = arg;

    LX_UNUSED(bev);
    if (what & BEV_EVENT_EOF) {
        conn_free(c, "peer closed");
    } else if (what & BEV_EVENT_ERROR) {
        conn_free(c, "transport error");
    }
}

static int conn_new(struct lx_http_server *s, struct bufferevent *bev,
                    const char *transport, const char *peer, int loopback,
                    int direct)
{
    struct srv_conn *c;
    char url[96];
    int rc = LX_ERR_NOMEM;

    c = lx__calloc(s->net->mem, 1, sizeof(*c));
    if (c == NULL) {
        lx__dial_close(bev);
        return LX_ERR_NOMEM;
    }
    c->srv = s;
    c->bev = bev;
    c->loopback = loopback;
    c->fd = -1;
    TAILQ_INIT(&c->reqs);
    lx__snprintf(c->peer, sizeof(c->peer), "%s", peer);
    LIST_INSERT_HEAD(&s->conns, c, link);
    lx__tapper_init(&c->tap, s->net, LX_TAP_SERVER);
    if (lx_timer_new(&c->timer, s->net->clock, conn_timer_cb, c) != LX_OK ||
        lx__http_parser_new(&c->parser, s->net->mem, LX__HTTP_REQUEST,
                            &s->limits, on_request, c) != LX_OK) {
        goto err;
    }
    lx__snprintf(url, sizeof(url), "%s://%s", transport, c->peer);
    lx__tap_open(&c->tap, s->net, url, transport);
    bufferevent_setcb(bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
    if (direct) {
        c->fd = bufferevent_getfd(bev);
        c->rev = event_new(s->net->base, c->fd, EV_READ | EV_PERSIST,
                           conn_sock_read_cb, c);
        if (c->rev == NULL) {
            goto err;
        }
        bufferevent_disable(bev, EV_READ | EV_WRITE);
        conn_reading(c, 1);
    } else {
        bufferevent_enable(bev, EV_READ | EV_WRITE);
    }
    conn_arm_timer(c);
    return LX_OK;
err:
    conn_free(c, "out of memory");
    return rc;
}

int lx_http_server_adopt(struct lx_http_server *s, struct bufferevent *bev,
                         const char *transport)
{
    if (s == NULL || bev == NULL) {
        if (bev != NULL) {
            lx__dial_close(bev);
        }
        return LX_ERR_INVAL;
    }
    return conn_new(s, bev, transport != NULL ? transport : "mem", "mem", 1, 0);
}

static void peer_name(const struct sockaddr *sa, char *buf, size_t cap,
                      int *loopback)
{
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;

    *loopback = 0;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

        inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
        port = ntohs(in->sin_port);
        *loopback = (ntohl(in->sin_addr.s_addr) >> 24) == 127;
        lx__snprintf(buf, cap, "%s:%d", host, port);
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
        port = ntohs(in6->sin6_port);
        *loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
        lx__snprintf(buf, cap, "[%s]:%d", host, port);
    } else {
        lx__snprintf(buf, cap, "unknown");
    }
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd,
                      struct sockaddr *sa, int salen, void *arg)
{
    struct lx_http_server *s = arg;
    struct bufferevent *bev = NULL;
    char peer[64];
    int loopback;

    LX_UNUSED(l);
    LX_UNUSED(salen);
    peer_name(sa, peer, sizeof(peer), &loopback);
    if (s->tls != NULL) {
        lx__tls_server_wrap(s->tls, s->net->base, fd, &bev);
    } else {
        int one = 1;

        /* Answers and stream frames are small: no Nagle delay (the TLS
         * path sets it in lx__tls_server_wrap). */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        bev = bufferevent_socket_new(
            s->net->base, fd, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
        lx__bev_count_io(bev, lx__clock_io(s->net->clock));
        lx__clock_io(s->net->clock)->in++; /* an accept */
    }
    if (bev == NULL) {
        evutil_closesocket(fd);
        LX_LOGW(s->net->ctx, "http", "accept failed peer=%s", peer);
        return;
    }
    conn_new(s, bev, s->tls != NULL ? "https" : "http", peer, loopback,
             s->tls == NULL);
}

int lx_http_server_listen(struct lx_http_server *s, const char *addr,
                          uint16_t port, struct lx_tls *tls)
{
    struct sockaddr_storage ss;
    int sslen;
    char spec[80];

    if (s == NULL || addr == NULL) {
        return LX_ERR_INVAL;
    }
    if (s->listener != NULL) {
        return LX_ERR_STATE;
    }
    lx__snprintf(spec, sizeof(spec), strchr(addr, ':') ? "[%s]:%u" : "%s:%u",
                 addr, (unsigned)port);
    /* evutil_parse_sockaddr_port rejects port 0 ("any free port"). */
    memset(&ss, 0, sizeof(ss));
    if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
        ((struct sockaddr_in *)&ss)->sin_family = AF_INET;
        ((struct sockaddr_in *)&ss)->sin_port = htons(port);
        sslen = (int)sizeof(struct sockaddr_in);
    } else if (inet_pton(AF_INET6, addr,
                         &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
        ((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons(port);
        sslen = (int)sizeof(struct sockaddr_in6);
    } else {
        LX_LOGE(s->net->ctx, "http",
                "listen bad_address=%s (want an IPv4 or IPv6 literal)", addr);
        return LX_ERR_INVAL;
    }
    s->listener = evconnlistener_new_bind(
        s->net->base, accept_cb, s,
        LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 128,
        (struct sockaddr *)&ss, sslen);
    if (s->listener == NULL) {
        LX_LOGE(s->net->ctx, "http", "listen failed address=%s error=\"%s\"",
                spec, evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
        return LX_ERR_IO;
    }
    sslen = sizeof(ss);
    getsockname(evconnlistener_get_fd(s->listener), (struct sockaddr *)&ss,
                (socklen_t *)&sslen);
    s->port =
        ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                       : ((struct sockaddr_in *)&ss)->sin_port);
    s->tls = tls;
    return LX_OK;
}

int lx__http_req_detach(struct lx_http_req *r, struct bufferevent **bev,
                        struct lx__tapper *tap)
{
    struct srv_conn *c = r->conn;

    if (TAILQ_FIRST(&c->reqs) != r || TAILQ_NEXT(r, link) != NULL) {
        return LX_ERR_STATE;
    }
    TAILQ_REMOVE(&c->reqs, r, link);
    req_free(r);
    if (c->rev != NULL) {
        /* The new owner reads and writes through the bufferevent. */
        conn_unlist(c);
        event_free(c->rev);
        c->rev = NULL;
        c->reading = 0;
    }
    *bev = c->bev;
    *tap = c->tap;
    bufferevent_setcb(c->bev, NULL, NULL, NULL, NULL);
    c->bev = NULL;
    c->tap.fn = NULL; /* the new owner reports the close */
    conn_free(c, "upgraded");
    return LX_OK;
}

struct lx_net *lx__http_req_net(const struct lx_http_req *r)
{
    return r->conn->srv->net;
}

int lx__net_inmem_accept(struct lx_net *net, struct bufferevent *server_end)
{
    if (net->inmem == NULL) {
        lx__dial_close(server_end);
        return LX_ERR_STATE;
    }
    return lx_http_server_adopt(net->inmem, server_end, "mem");
}
