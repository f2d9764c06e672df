/*
 * http_client.c - the HTTP/1.1 client: a keep-alive connection pool per
 * origin (scheme://host:port), one request in flight per connection, a
 * queue when an origin's connections are all busy, and a deadline per
 * request on the net's lx_clock.
 *
 * Retries: a GET or HEAD sent on a reused keep-alive connection that the
 * server closed before answering a single byte is sent once more on a
 * fresh connection (the server dropped an idle connection we had not
 * noticed yet). Nothing else is ever retried here: order placement must be
 * reconciled by the caller, never replayed blindly.
 */
#include <string.h>
#include <sys/queue.h>

#include "lotusx/lx_url.h"
#include "net/dial.h"
#include "net/http_codec.h"
#include "net/net_internal.h"

#define CLIENT_MAX_CONNS_PER_ORIGIN 8
#define CLIENT_DEFAULT_TIMEOUT_NS   (30 * (int64_t)1000000000)

struct origin;
struct cli_conn;

struct pending {
    struct lx_http_client *client;
    struct origin *origin;
    struct cli_conn *conn; /* NULL while queued */
    struct lx_http_msg *req;
    lx_http_resp_fn cb;
    void *ud;
    struct lx_timer *timer;
    int head;    /* HEAD request: the response has no body */
    int retried; /* already re-sent once after a stale connection */
    TAILQ_ENTRY(pending) link;
};

struct cli_conn {
    struct origin *origin;
    struct bufferevent *bev;
    struct lx__dial_req *dial;
    struct lx__http_parser *parser;
    struct pending *cur;
    struct lx__tapper tap;
    int reused;   /* has answered a request before */
    int got_data; /* bytes of the current response arrived */
    int in_feed;
    int dead;
    LIST_ENTRY(cli_conn) link;
};

struct origin {
    struct lx_http_client *client;
    char *key; /* "https://host:443" */
    char *host;
    uint16_t port;
    int tls;
    unsigned nconns;
    LIST_HEAD(, cli_conn) conns;
    TAILQ_HEAD(, pending) queue;
    LIST_ENTRY(origin) link;
};

struct lx_http_client {
    struct lx_net *net;
    LIST_HEAD(, origin) origins;
};

static void dispatch(struct origin *o);
static void conn_close(struct cli_conn *k, const char *reason);

int lx_http_client_new(struct lx_http_client **out, struct lx_net *net)
{
    struct lx_http_client *c;

    if (out == NULL || net == NULL) {
        return LX_ERR_INVAL;
    }
    c = lx__calloc(net->mem, 1, sizeof(*c));
    *out = c;
    if (c == NULL) {
        return LX_ERR_NOMEM;
    }
    c->net = net;
    LIST_INIT(&c->origins);
    return LX_OK;
}

static void pending_free(struct pending *p)
{
    const struct lx_mem *mem = p->client->net->mem;

    lx_timer_free(p->timer);
    lx_http_msg_free(p->req);
    lx__free(mem, p);
}

/* Delivers the outcome of p exactly once, then frees p. */
static void pending_done(struct pending *p, int err,
                         const struct lx_http_msg *resp, const char *why)
{
    if (p->conn != NULL) {
        p->conn->cur = NULL;
    } else {
        TAILQ_REMOVE(&p->origin->queue, p, link);
    }
    p->cb(p->ud, err, resp, why != NULL ? why : "");
    pending_free(p);
}

static void origin_free(struct origin *o)
{
    const struct lx_mem *mem = o->client->net->mem;
    struct pending *p;

    while (!LIST_EMPTY(&o->conns)) {
        struct cli_conn *k = LIST_FIRST(&o->conns);

        if (k->cur != NULL) {
            pending_free(k->cur);
            k->cur = NULL;
        }
        conn_close(k, "client freed");
    }
    while ((p = TAILQ_FIRST(&o->queue)) != NULL) {
        TAILQ_REMOVE(&o->queue, p, link);
        pending_free(p);
    }
    LIST_REMOVE(o, link);
    lx__free(mem, o->key);
    lx__free(mem, o->host);
    lx__free(mem, o);
}

void lx_http_client_free(struct lx_http_client *c)
{
    if (c == NULL) {
        return;
    }
    while (!LIST_EMPTY(&c->origins)) {
        origin_free(LIST_FIRST(&c->origins));
    }
    lx__free(c->net->mem, c);
}

/* ---- connections ------------------------------------------------------- */

static void conn_close(struct cli_conn *k, const char *reason)
{
    struct origin *o = k->origin;
    const struct lx_mem *mem = o->client->net->mem;

    if (k->in_feed) {
        k->dead = 1;
        return;
    }
    if (k->dial != NULL) {
        lx__dial_cancel(k->dial);
    }
    if (k->bev != NULL) {
        lx__dial_close(k->bev);
        lx__tap_close(&k->tap, o->client->net, reason);
    }
    lx__http_parser_free(k->parser);
    LIST_REMOVE(k, link);
    o->nconns--;
    lx__free(mem, k);
}

/* The connection failed or closed: settle its request, maybe retry it. */
static void conn_fail(struct cli_conn *k, int err, const char *why)
{
    struct pending *p = k->cur;
    struct origin *o = k->origin;
    int stale = k->reused && !k->got_data;

    k->cur = NULL;
    conn_close(k, why);
    if (p != NULL) {
        p->conn = NULL;
        TAILQ_INSERT_HEAD(&o->queue, p, link);
        if (err == LX_ERR_CLOSED && stale && !p->retried &&
            lx_http_msg_is_idempotent(p->req)) {
            p->retried = 1; /* dispatch below sends it on a new connection */
        } else {
            pending_done(p, err, NULL, why);
        }
    }
    dispatch(o);
}

static void on_response(struct lx_http_msg *resp, void *ud)
{
    struct cli_conn *k = ud;
    struct pending *p = k->cur;
    int keep = lx_http_msg_keep_alive(resp);

    lx__tap_http(&k->tap, k->origin->client->net, LX_TAP_IN, resp);
    if (p == NULL) {
        /* An answer nobody asked for: the peer is confused. */
        lx_http_msg_free(resp);
        k->dead = 1;
        return;
    }
    if (lx_http_msg_status(resp) >= 100 && lx_http_msg_status(resp) < 200) {
        /* Interim (100 Continue, 103 Early Hints): the answer follows. */
        lx_http_msg_free(resp);
        return;
    }
    keep = keep && lx_http_msg_keep_alive(p->req);
    pending_done(p, LX_OK, resp, NULL);
    lx_http_msg_free(resp);
    k->reused = 1;
    k->got_data = 0;
    if (!keep) {
        k->dead = 1;
    }
}

static int feed_resp(void *ud, const char *data, size_t len, size_t *used)
{
    struct cli_conn *k = ud;

    if (k->dead) {
        *used = len;
        return LX_OK;
    }
    k->got_data = 1;
    return lx__http_parser_feed(k->parser, data, len, used);
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
    struct cli_conn *k = arg;
    struct origin *o = k->origin;
    int rc;

    LX_UNUSED(bev);
    k->in_feed = 1;
    rc = lx__evbuffer_feed(bufferevent_get_input(k->bev), feed_resp, k);
    k->in_feed = 0;
    if (rc != LX_OK) {
        conn_fail(k, LX_ERR_PROTO, "malformed response");
    } else if (k->dead) {
        k->dead = 0;
        conn_fail(k, LX_ERR_CLOSED, "connection closed");
    } else {
        dispatch(o);
    }
}

static void conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct cli_conn *k = arg;

    LX_UNUSED(bev);
    if (what & BEV_EVENT_EOF) {
        /* A response delimited by the end of the connection ends here. */
        if (k->cur != NULL && k->got_data) {
            k->in_feed = 1;
            lx__http_parser_feed_eof(k->parser);
            k->in_feed = 0;
        }
        conn_fail(k, LX_ERR_CLOSED, "server closed the connection");
    } else if (what & BEV_EVENT_ERROR) {
        conn_fail(k, LX_ERR_IO, "transport error");
    }
}

static int conn_send(struct cli_conn *k, struct pending *p)
{
    struct lx_net *net = k->origin->client->net;
    int rc;

    k->cur = p;
    p->conn = k;
    k->got_data = 0;
    lx__http_parser_reset(k->parser);
    if (p->head) {
        lx__http_parser_expect_no_body(k->parser);
    }
    rc = lx__http_msg_write(p->req, bufferevent_get_output(k->bev));
    if (rc == LX_OK) {
        lx__tap_http(&k->tap, net, LX_TAP_OUT, p->req);
    }
    return rc;
}

static void dial_cb(void *ud, int err, struct bufferevent *bev,
                    const char *errmsg)
{
    struct cli_conn *k = ud;
    struct lx_net *net = k->origin->client->net;
    char url[300];

    k->dial = NULL;
    if (err != LX_OK) {
        conn_fail(k, err, errmsg);
        return;
    }
    k->bev = bev;
    lx__snprintf(url, sizeof(url), "%s", k->origin->key);
    lx__tap_open(&k->tap, net, url, lx__dial_transport(bev));
    bufferevent_setcb(bev, conn_read_cb, NULL, conn_event_cb, k);
    bufferevent_enable(bev, EV_READ | EV_WRITE);
    if (k->cur != NULL && conn_send(k, k->cur) != LX_OK) {
        conn_fail(k, LX_ERR_NOMEM, "out of memory");
    }
}

static int conn_open(struct origin *o, struct pending *p)
{
    struct lx_net *net = o->client->net;
    struct cli_conn *k;
    int rc;

    k = lx__calloc(net->mem, 1, sizeof(*k));
    if (k == NULL) {
        return LX_ERR_NOMEM;
    }
    k->origin = o;
    LIST_INSERT_HEAD(&o->conns, k, link);
    o->nconns++;
    lx__tapper_init(&k->tap, net, LX_TAP_CLIENT);
    rc = lx__http_parser_new(&k->parser, net->mem, LX__HTTP_RESPONSE, NULL,
                             on_response, k);
    if (rc == LX_OK) {
        rc = lx__dial(net->dialer, o->host, o->port, o->tls, dial_cb, k,
                      &k->dial);
    }
    if (rc != LX_OK) {
        conn_close(k, "dial failed");
        return rc;
    }
    k->cur = p;
    p->conn = k;
    return LX_OK;
}

/* Hands queued requests to idle connections, opening new ones as allowed. */
static void dispatch(struct origin *o)
{
    struct pending *p;

    while ((p = TAILQ_FIRST(&o->queue)) != NULL) {
        struct cli_conn *k, *idle = NULL;

        LIST_FOREACH(k, &o->conns, link)
        {
            if (k->cur == NULL && k->bev != NULL && !k->dead) {
                idle = k;
                break;
            }
        }
        if (idle == NULL && o->nconns >= CLIENT_MAX_CONNS_PER_ORIGIN) {
            return;
        }
        TAILQ_REMOVE(&o->queue, p, link);
        if (idle != NULL) {
            if (conn_send(idle, p) != LX_OK) {
                conn_fail(idle, LX_ERR_NOMEM, "out of memory");
            }
            continue;
        }
        if (conn_open(o, p) != LX_OK) {
            TAILQ_INSERT_HEAD(&o->queue, p, link);
            pending_done(p, LX_ERR_NOMEM, NULL, "out of memory");
        }
    }
}

/* ---- requests ---------------------------------------------------------- */

static void pending_timeout_cb(struct lx_timer *t, void *ud)
{
    struct pending *p = ud;
    struct cli_conn *k = p->conn;

    LX_UNUSED(t);
    if (k != NULL) {
        /* The connection's state is unknown mid-response: drop it. */
        conn_fail(k, LX_ERR_TIMEOUT, "request timed out");
    } else {
        struct origin *o = p->origin;

        pending_done(p, LX_ERR_TIMEOUT, NULL, "request timed out in queue");
        dispatch(o);
    }
}

static int origin_get(struct lx_http_client *c, const struct lx_url *u,
                      struct origin **out)
{
    const struct lx_mem *mem = c->net->mem;
    char key[300];
    struct origin *o;

    if (lx__snprintf(key, sizeof(key), "%s://%s:%u", lx_url_scheme(u),
                     lx_url_host(u), (unsigned)lx_url_port(u)) < 0) {
        return LX_ERR_INVAL;
    }
    LIST_FOREACH(o, &c->origins, link)
    {
        if (strcmp(o->key, key) == 0) {
            *out = o;
            return LX_OK;
        }
    }
    o = lx__calloc(mem, 1, sizeof(*o));
    if (o == NULL || (o->key = lx__strdup(mem, key)) == NULL ||
        (o->host = lx__strdup(mem, lx_url_host(u))) == NULL) {
        if (o != NULL) {
            lx__free(mem, o->key);
        }
        lx__free(mem, o);
        return LX_ERR_NOMEM;
    }
    o->client = c;
    o->port = lx_url_port(u);
    o->tls = lx_url_is_tls(u);
    LIST_INIT(&o->conns);
    TAILQ_INIT(&o->queue);
    LIST_INSERT_HEAD(&c->origins, o, link);
    *out = o;
    return LX_OK;
}

static int add_host(struct lx_http_msg *req, const struct lx_url *u)
{
    char host[300];

    if (lx_http_msg_header(req, "Host", NULL) != NULL) {
        return LX_OK;
    }
    if (lx_url_host_header(u, host, sizeof(host)) < 0) {
        return LX_ERR_INVAL;
    }
    return lx_http_msg_add_header(req, "Host", host);
}

int lx_http_client_send(struct lx_http_client *c, const char *base_url,
                        struct lx_http_msg *req, int64_t timeout_ns,
                        lx_http_resp_fn cb, void *ud)
{
    struct lx_url *u = NULL;
    struct pending *p = NULL;
    struct origin *o = NULL;
    int rc;

    if (c == NULL || base_url == NULL || req == NULL || cb == NULL) {
        lx_http_msg_free(req);
        return LX_ERR_INVAL;
    }
    rc = lx_url_parse(&u, c->net->mem, base_url, strlen(base_url));
    if (rc == LX_OK && lx_url_is_ws(u)) {
        rc = LX_ERR_INVAL;
    }
    if (rc == LX_OK) {
        rc = add_host(req, u);
    }
    if (rc == LX_OK) {
        rc = origin_get(c, u, &o);
    }
    if (rc == LX_OK) {
        p = lx__calloc(c->net->mem, 1, sizeof(*p));
        rc = p == NULL ? LX_ERR_NOMEM : LX_OK;
    }
    if (rc == LX_OK) {
        rc = lx_timer_new(&p->timer, c->net->clock, pending_timeout_cb, p);
    }
    lx_url_free(u);
    if (rc != LX_OK) {
        if (p != NULL) {
            lx__free(c->net->mem, p);
        }
        lx_http_msg_free(req);
        return rc;
    }
    p->client = c;
    p->origin = o;
    p->req = req;
    p->cb = cb;
    p->ud = ud;
    p->head = strcmp(lx_http_msg_method(req), "HEAD") == 0;
    lx_timer_start(p->timer,
                   timeout_ns > 0 ? timeout_ns : CLIENT_DEFAULT_TIMEOUT_NS, 0);
    TAILQ_INSERT_TAIL(&o->queue, p, link);
    dispatch(o);
    return LX_OK;
}
