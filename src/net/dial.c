/*
 * dial.c - the client transport: resolve, connect, TLS handshake, and the
 * in-memory pairs that stand in for all three in simulations.
 *
 * One dial is a small state machine (struct lx__dial_req):
 *   resolve   IP literals and "localhost" directly, ".invalid" fails, other
 *             names through evdns_getaddrinfo (A + AAAA);
 *   connect   a non-blocking connect() per address, in order, until one
 *             succeeds (so "localhost" reaches a server bound to either
 *             loopback address);
 *   handshake bufferevent_openssl_socket_new on the connected socket, with
 *             SNI and host-name (or IP) verification;
 * then the caller's callback gets the bufferevent. This is done by hand
 * rather than with bufferevent_socket_connect_hostname because that tries
 * only the first address (a server on 127.0.0.1 would be missed when ::1
 * comes first) and gives no handle to cancel the lookup.
 *
 * Time: one libevent timer per dial bounds resolve + connect + handshake
 * with a real duration, rather than bufferevent_set_timeouts, whose timers
 * do not run during the lookup. Reading real time through libevent is
 * allowed here because real sockets are only used in real-time mode;
 * simulations use in-memory pairs, which arm no timer with a duration
 * (their delivery is an activated event, which reads no clock).
 *
 * Results found while still inside lx__dial (in-memory pairs, literal
 * addresses that fail at once, ".invalid") are delivered by activating
 * the dial's event, so the callback runs after lx__dial has returned.
 *
 * evdns lifetime (libevent 2.1): a cancelled lookup is answered by a
 * deferred callback that still reads the evdns_base. So a cancelled
 * lookup leaves a small "zombie" request until that callback arrives, and
 * a dialer freed while zombies exist finishes its cleanup from the loop,
 * right after the last of them (see lx__dialer_free). Without
 * zombies the dialer is freed at once. One narrow window remains: when an
 * A/AAAA pair is half answered and evdns times out the other half, evdns
 * reads the freed evdns_base once if the dialer is freed within that same
 * loop iteration (a read of the lock pointer; no write, no callback).
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "core/lx_internal.h"
#include "net/dial.h"
#include "net/net_internal.h"

#define MAX_ADDRS    8
#define MSG_MAX      320
#define WHY_MAX      160
#define NAMESERV_MAX 64
#define BEV_OPTS     (BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS)

enum req_state {
    REQ_INMEM,      /* pair made, handed over from the activated event */
    REQ_RESOLVING,  /* evdns lookup in flight */
    REQ_CONNECTING, /* connect() in progress on fd */
    REQ_HANDSHAKE,  /* TLS handshake in progress on bev */
    REQ_FAILED,     /* err and msg set, delivery scheduled */
    REQ_ZOMBIE      /* abandoned; waits for evdns to confirm the cancel */
};

struct lx__dial_req {
    struct lx__dialer *d;
    LIST_ENTRY(lx__dial_req) link;
    enum req_state state;
    lx__dial_cb cb;
    void *ud;
    char host[LX__DIAL_HOST_MAX + 1];
    uint16_t port;
    bool tls;
    bool is_ip;
    SSL_CTX *ssl_ctx; /* our reference, taken when the dial starts */
    lx__dial_accept_fn accept_fn;
    void *accept_ud;
    struct event *timer; /* deadline; activated = deliver now */
    struct evdns_getaddrinfo_request *dns;
    struct sockaddr_storage addrs[MAX_ADDRS];
    ev_socklen_t addrlen[MAX_ADDRS];
    int naddrs;
    int next;
    evutil_socket_t fd;
    struct event *conn_ev;
    struct bufferevent *bev;  /* TLS handshake, or the pair's client end */
    struct bufferevent *peer; /* the pair's server end */
    int err;
    char why[WHY_MAX]; /* first connect failure */
    char msg[MSG_MAX];
};

LIST_HEAD(req_list, lx__dial_req);

struct lx__dialer {
    struct lx_ctx *ctx; /* NULL once freeing started: no more logs */
    struct lx_mem mem;  /* a copy, so the remains outlive ctx */
    struct event_base *base;
    struct evdns_base *dns;
    struct event *reaper;
    char nameserver[NAMESERV_MAX];
    struct lx_tls *own_tls;
    struct lx_tls *tls; /* borrowed override */
    int64_t timeout_ns;
    lx__dial_accept_fn inmem_fn;
    void *inmem_ud;
    struct lx__io_count *io; /* traffic count of plain TCP (may be NULL) */
    struct req_list reqs;    /* live dials and zombies */
    int nzombies;
    bool dying;
};

/* ---- dialer lifetime ---- */

int lx__dialer_new(struct lx__dialer **out, struct lx_ctx *ctx,
                   struct event_base *base)
{
    const struct lx_mem *mem = lx_ctx_mem(ctx);
    struct lx__dialer *d;

    if (out == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    if (base == NULL) {
        return LX_ERR_INVAL;
    }
    d = lx__calloc(mem, 1, sizeof(*d));
    if (d == NULL) {
        return LX_ERR_NOMEM;
    }
    d->ctx = ctx;
    d->mem = *mem;
    d->base = base;
    d->timeout_ns = LX__DIAL_TIMEOUT_NS;
    LIST_INIT(&d->reqs);
    *out = d;
    return LX_OK;
}

static void dialer_destroy(struct lx__dialer *d)
{
    struct lx_mem mem = d->mem;

    if (d->dns != NULL) {
        evdns_base_free(d->dns, 0);
    }
    if (d->reaper != NULL) {
        event_free(d->reaper);
    }
    lx__free(&mem, d);
}

/*
 * Runs after the last zombie's lookup was confirmed cancelled, outside
 * any evdns callback, and frees what is left.
 */
static void reaper_cb(evutil_socket_t fd, short what, void *arg)
{
    struct lx__dialer *d = arg;

    LX_UNUSED(fd);
    LX_UNUSED(what);
    if (d->nzombies == 0) {
        dialer_destroy(d);
    }
}

void lx__dialer_free(struct lx__dialer *d)
{
    struct lx__dial_req *r, *next;

    if (d == NULL) {
        return;
    }
    for (r = LIST_FIRST(&d->reqs); r != NULL; r = next) {
        next = LIST_NEXT(r, link);
        lx__dial_cancel(r);
    }
    lx_tls_free(d->own_tls);
    d->own_tls = NULL;
    d->tls = NULL;
    d->ctx = NULL;
    if (d->nzombies == 0) {
        dialer_destroy(d);
        return;
    }
    d->dying = true; /* the last zombie starts the reaper */
}

int lx__dialer_set_ca_file(struct lx__dialer *d, const char *path)
{
    struct lx_tls *t;
    int rc;

    if (d == NULL || path == NULL) {
        return LX_ERR_INVAL;
    }
    rc = lx_tls_client_new(&t, d->ctx, path);
    if (rc != LX_OK) {
        return rc;
    }
    /* Dials in progress keep their own SSL_CTX reference. */
    lx_tls_free(d->own_tls);
    d->own_tls = t;
    d->tls = NULL;
    return LX_OK;
}

int lx__dialer_set_tls(struct lx__dialer *d, struct lx_tls *tls)
{
    if (d == NULL || lx_tls_is_server(tls)) {
        return LX_ERR_INVAL;
    }
    d->tls = tls;
    return LX_OK;
}

void lx__dialer_set_connect_timeout(struct lx__dialer *d, int64_t ns)
{
    d->timeout_ns = ns > 0 ? ns : LX__DIAL_TIMEOUT_NS;
}

int lx__dialer_set_nameserver(struct lx__dialer *d, const char *addr)
{
    struct sockaddr_storage ss;
    int len = (int)sizeof(ss);

    if (d == NULL || addr == NULL || strlen(addr) >= sizeof(d->nameserver) ||
        evutil_parse_sockaddr_port(addr, (struct sockaddr *)&ss, &len) != 0) {
        return LX_ERR_INVAL;
    }
    if (d->dns != NULL) {
        return LX_ERR_STATE;
    }
    lx__snprintf(d->nameserver, sizeof(d->nameserver), "%s", addr);
    return LX_OK;
}

void lx__dialer_set_inmem(struct lx__dialer *d, lx__dial_accept_fn fn, void *ud)
{
    d->inmem_fn = fn;
    d->inmem_ud = fn != NULL ? ud : NULL;
}

/* ---- request lifetime ---- */

/* Releases what a dial holds on the network, except its DNS lookup. */
static void req_release(struct lx__dial_req *req)
{
    if (req->conn_ev != NULL) {
        event_free(req->conn_ev);
        req->conn_ev = NULL;
    }
    if (req->fd >= 0) {
        evutil_closesocket(req->fd);
        req->fd = -1;
    }
    if (req->bev != NULL) {
        bufferevent_setcb(req->bev, NULL, NULL, NULL, NULL);
        bufferevent_free(req->bev);
        req->bev = NULL;
    }
    if (req->peer != NULL) {
        bufferevent_free(req->peer);
        req->peer = NULL;
    }
}

/*
 * Ends the caller's view of req: frees it, or, with a lookup in flight,
 * cancels the lookup and keeps req as a zombie until evdns confirms.
 */
static void req_detach(struct lx__dial_req *req)
{
    struct lx__dialer *d = req->d;

    if (req->timer != NULL) {
        event_free(req->timer);
        req->timer = NULL;
    }
    if (req->ssl_ctx != NULL) {
        SSL_CTX_free(req->ssl_ctx);
        req->ssl_ctx = NULL;
    }
    req->cb = NULL;
    if (req->dns != NULL) {
        req->state = REQ_ZOMBIE;
        d->nzombies++;
        evdns_getaddrinfo_cancel(req->dns); /* answers on a later iteration */
        return;
    }
    LIST_REMOVE(req, link);
    lx__free(&d->mem, req);
}

static void zombie_done(struct lx__dial_req *req)
{
    struct lx__dialer *d = req->d;

    LIST_REMOVE(req, link);
    lx__free(&d->mem, req);
    d->nzombies--;
    if (d->dying && d->nzombies == 0) {
        event_active(d->reaper, EV_TIMEOUT, 1);
    }
}

/* Hands the result to the caller; req is gone before the callback runs. */
static void deliver(struct lx__dial_req *req, int err, struct bufferevent *bev,
                    const char *msg)
{
    lx__dial_cb cb = req->cb;
    void *ud = req->ud;
    char copy[MSG_MAX];

    lx__snprintf(copy, sizeof(copy), "%s", msg);
    if (err == LX_OK) {
        LX_LOGD(req->d->ctx, "net", "dial_ok host=%s port=%u transport=%s",
                req->host, (unsigned)req->port, lx__dial_transport(bev));
    } else {
        LX_LOGI(req->d->ctx, "net", "dial_failed host=%s port=%u err=%s %s",
                req->host, (unsigned)req->port, lx_err_name(err), copy);
    }
    req_detach(req);
    cb(ud, err, bev, copy);
}

/*
 * Runs the request's timer callback once the current callback returns
 * (or on the first iteration, if called outside the loop). An activated
 * event needs no trip through the timer heap and counts as active while
 * it waits, so a virtual-clock runner that drains active events runs it
 * before moving time.
 */
static void schedule_now(struct lx__dial_req *req)
{
    event_del(req->timer);
    event_active(req->timer, EV_TIMEOUT, 1);
}

/* Records a failure and delivers it on a later iteration. */
static void fail(struct lx__dial_req *req, int err, const char *fmt, ...)
    LX_PRINTF(3, 4);

static void fail(struct lx__dial_req *req, int err, const char *fmt, ...)
{
    va_list ap;

    req_release(req);
    va_start(ap, fmt);
    lx__vsnprintf(req->msg, sizeof(req->msg), fmt, ap);
    va_end(ap);
    req->err = err;
    req->state = REQ_FAILED;
    schedule_now(req);
}

/* ---- connect ---- */

static void note_connect_error(struct lx__dial_req *req, int i, int e)
{
    char addr[64];
    const struct sockaddr *sa = (const struct sockaddr *)&req->addrs[i];
    const void *ip =
        sa->sa_family == AF_INET
            ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
            : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;

    if (req->why[0] != '\0') {
        return; /* the first address's reason is the telling one */
    }
    if (req->is_ip ||
        evutil_inet_ntop(sa->sa_family, ip, addr, sizeof(addr)) == NULL) {
        lx__snprintf(req->why, sizeof(req->why), "%s",
                     evutil_socket_error_to_string(e));
    } else {
        lx__snprintf(req->why, sizeof(req->why), "%s: %s", addr,
                     evutil_socket_error_to_string(e));
    }
}

static void conn_cb(evutil_socket_t fd, short what, void *arg);

/*
 * Starts a non-blocking connect to address i. Returns LX_OK (in
 * progress), LX_ERR_IO (this address failed; reason noted) or
 * LX_ERR_NOMEM.
 */
static int try_connect(struct lx__dial_req *req, int i)
{
    const struct sockaddr *sa = (const struct sockaddr *)&req->addrs[i];
    evutil_socket_t fd;
    int one = 1;

    fd = socket(sa->sa_family, SOCK_STREAM, 0);
    if (fd < 0) {
        note_connect_error(req, i, EVUTIL_SOCKET_ERROR());
        return LX_ERR_IO;
    }
    evutil_make_socket_nonblocking(fd);
    evutil_make_socket_closeonexec(fd);
    /* Requests are small and latency matters more than packet count. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, sa, req->addrlen[i]) != 0 && errno != EINPROGRESS) {
        note_connect_error(req, i, EVUTIL_SOCKET_ERROR());
        evutil_closesocket(fd);
        return LX_ERR_IO;
    }
    req->conn_ev = event_new(req->d->base, fd, EV_WRITE, conn_cb, req);
    if (req->conn_ev == NULL || event_add(req->conn_ev, NULL) != 0) {
        if (req->conn_ev != NULL) {
            event_free(req->conn_ev);
            req->conn_ev = NULL;
        }
        evutil_closesocket(fd);
        return LX_ERR_NOMEM;
    }
    req->fd = fd;
    req->state = REQ_CONNECTING;
    if (req->d->io != NULL) {
        req->d->io->out++; /* a connect: its completion comes back in */
    }
    return LX_OK;
}

/* Tries the remaining addresses in order; fails the dial when none is left. */
static void start_connect(struct lx__dial_req *req)
{
    while (req->next < req->naddrs) {
        int rc = try_connect(req, req->next++);

        if (rc == LX_OK) {
            return;
        }
        if (rc == LX_ERR_NOMEM) {
            fail(req, LX_ERR_NOMEM, "tcp: out of memory connecting to '%s'",
                 req->host);
            return;
        }
    }
    if (req->is_ip) {
        fail(req, LX_ERR_IO, "tcp: connect to '%s' port %u failed: %s",
             req->host, (unsigned)req->port, req->why);
    } else {
        fail(req, LX_ERR_IO, "tcp: connect to '%s' port %u failed (%s)",
             req->host, (unsigned)req->port, req->why);
    }
}

/* ---- TLS handshake ---- */

static void tls_event_cb(struct bufferevent *bev, short what, void *arg)
{
    struct lx__dial_req *req = arg;
    char msg[MSG_MAX];

    if (what & BEV_EVENT_CONNECTED) {
        /* Reading stays off until the caller enables it; see dial.h. */
        bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
        bufferevent_disable(bev, EV_READ);
        req->bev = NULL;
        deliver(req, LX_OK, bev, "");
        return;
    }
    lx__tls_bev_error(bev, what, req->host, msg, sizeof(msg));
    req_release(req);
    deliver(req, LX_ERR_TLS, NULL, msg);
}

/* SNI and host-name check for names; IP-address check for literals. */
static int setup_verify(struct lx__dial_req *req, SSL *ssl)
{
    if (req->is_ip) {
        return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), req->host);
    }
    SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    return SSL_set_tlsext_host_name(ssl, req->host) == 1 &&
           SSL_set1_host(ssl, req->host) == 1;
}

static void start_tls(struct lx__dial_req *req)
{
    struct bufferevent *bev;
    SSL *ssl = SSL_new(req->ssl_ctx);

    if (ssl == NULL) {
        ERR_clear_error();
        fail(req, LX_ERR_NOMEM, "tls: out of memory for host '%s'", req->host);
        return;
    }
    if (setup_verify(req, ssl) != 1) {
        ERR_clear_error();
        SSL_free(ssl);
        fail(req, LX_ERR_TLS, "tls: cannot verify host '%s' (bad name)",
             req->host);
        return;
    }
    /* On failure libevent frees ssl (CLOSE_ON_FREE); fail() closes fd. */
    bev = bufferevent_openssl_socket_new(req->d->base, req->fd, ssl,
                                         BUFFEREVENT_SSL_CONNECTING, BEV_OPTS);
    if (bev == NULL) {
        ERR_clear_error();
        fail(req, LX_ERR_NOMEM, "tls: out of memory for host '%s'", req->host);
        return;
    }
    req->fd = -1;
    req->bev = bev;
    req->state = REQ_HANDSHAKE;
    bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
    bufferevent_setcb(bev, NULL, NULL, tls_event_cb, req);
}

static void conn_cb(evutil_socket_t fd, short what, void *arg)
{
    struct lx__dial_req *req = arg;
    struct bufferevent *bev;
    int e = 0;
    socklen_t len = sizeof(e);

    LX_UNUSED(what);
    event_free(req->conn_ev);
    req->conn_ev = NULL;
    if (req->d->io != NULL) {
        req->d->io->in++; /* the connect completed (or failed) */
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0) {
        e = EVUTIL_SOCKET_ERROR();
    }
    if (e != 0) {
        note_connect_error(req, req->next - 1, e);
        evutil_closesocket(fd);
        req->fd = -1;
        start_connect(req);
        return;
    }
    if (req->tls) {
        start_tls(req);
        return;
    }
    bev = bufferevent_socket_new(req->d->base, fd, BEV_OPTS);
    if (bev == NULL) {
        fail(req, LX_ERR_NOMEM, "tcp: out of memory for host '%s'", req->host);
        return;
    }
    if (req->d->io != NULL) {
        req->d->io->out++; /* the peer's accept, when it is in process */
    }
    lx__bev_count_io(bev, req->d->io);
    req->fd = -1;
    deliver(req, LX_OK, bev, "");
}

/* ---- resolve ---- */

static void add_addr(struct lx__dial_req *req, const struct sockaddr *sa,
                     size_t len)
{
    if (req->naddrs < MAX_ADDRS && len <= sizeof(req->addrs[0]) &&
        (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)) {
        memcpy(&req->addrs[req->naddrs], sa, len);
        req->addrlen[req->naddrs] = (ev_socklen_t)len;
        req->naddrs++;
    }
}

/* Adds host as an address if it is an IPv4 or IPv6 literal. */
static bool parse_literal(struct lx__dial_req *req, const char *host)
{
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;

    memset(&sin, 0, sizeof(sin));
    memset(&sin6, 0, sizeof(sin6));
    if (evutil_inet_pton(AF_INET, host, &sin.sin_addr) == 1) {
        sin.sin_family = AF_INET;
        sin.sin_port = htons(req->port);
        add_addr(req, (struct sockaddr *)&sin, sizeof(sin));
        return true;
    }
    if (evutil_inet_pton(AF_INET6, host, &sin6.sin6_addr) == 1) {
        sin6.sin6_family = AF_INET6;
        sin6.sin6_port = htons(req->port);
        add_addr(req, (struct sockaddr *)&sin6, sizeof(sin6));
        return true;
    }
    return false;
}

/* host is label or ends in ".label", ignoring case and one final dot. */
static bool in_domain(const char *host, const char *label)
{
    size_t n = strlen(host), m = strlen(label);

    if (n > 0 && host[n - 1] == '.') {
        n--;
    }
    if (n < m || strncasecmp(host + n - m, label, m) != 0) {
        return false;
    }
    return n == m || host[n - m - 1] == '.';
}

static void dns_cb(int result, struct evutil_addrinfo *res, void *arg)
{
    struct lx__dial_req *req = arg;
    struct evutil_addrinfo *ai;

    if (req->state == REQ_ZOMBIE) {
        if (res != NULL) {
            evutil_freeaddrinfo(res);
        }
        zombie_done(req);
        return;
    }
    req->dns = NULL;
    if (result != 0) {
        fail(req, LX_ERR_DNS, "dns: cannot resolve '%s': %s", req->host,
             evutil_gai_strerror(result));
        return;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        add_addr(req, ai->ai_addr, ai->ai_addrlen);
    }
    evutil_freeaddrinfo(res);
    if (req->naddrs == 0) {
        fail(req, LX_ERR_DNS, "dns: no IPv4 or IPv6 address for '%s'",
             req->host);
        return;
    }
    start_connect(req);
}

static int ensure_dns(struct lx__dialer *d)
{
    int flags = EVDNS_BASE_DISABLE_WHEN_INACTIVE;

    if (d->dns != NULL) {
        return LX_OK;
    }
    if (d->reaper == NULL) {
        d->reaper = event_new(d->base, -1, 0, reaper_cb, d);
        if (d->reaper == NULL) {
            return LX_ERR_NOMEM;
        }
    }
    if (d->nameserver[0] == '\0') {
        flags |= EVDNS_BASE_INITIALIZE_NAMESERVERS;
    }
    d->dns = evdns_base_new(d->base, flags);
    if (d->dns != NULL && d->nameserver[0] != '\0' &&
        evdns_base_nameserver_ip_add(d->dns, d->nameserver) != 0) {
        evdns_base_free(d->dns, 0);
        d->dns = NULL;
    }
    if (d->dns == NULL) {
        LX_LOGE(d->ctx, "net", "dns_init_failed nameserver=%s",
                d->nameserver[0] != '\0' ? d->nameserver : "(system)");
        return LX_ERR_DNS;
    }
    return LX_OK;
}

/* Starts the lookup; the answer may arrive inside this call (hosts file). */
static int start_resolve(struct lx__dial_req *req)
{
    struct evutil_addrinfo hints;
    struct evdns_getaddrinfo_request *p;
    char service[8];
    int rc = ensure_dns(req->d);

    if (rc != LX_OK) {
        return rc;
    }
    lx__snprintf(service, sizeof(service), "%u", (unsigned)req->port);
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = EVUTIL_AI_NUMERICSERV;
    req->state = REQ_RESOLVING;
    p = evdns_getaddrinfo(req->d->dns, req->host, service, &hints, dns_cb, req);
    if (p != NULL) {
        req->dns = p; /* NULL means dns_cb already ran */
    }
    return LX_OK;
}

/* ---- dialing ---- */

/* A reference to the SSL_CTX to use, creating default settings if needed. */
static int client_ssl_ctx(struct lx__dialer *d, SSL_CTX **out)
{
    struct lx_tls *t = d->tls != NULL ? d->tls : d->own_tls;
    int rc;

    if (t == NULL) {
        rc = lx_tls_client_new(&d->own_tls, d->ctx, NULL);
        if (rc != LX_OK) {
            return rc;
        }
        t = d->own_tls;
    }
    *out = lx__tls_ssl_ctx(t);
    SSL_CTX_up_ref(*out);
    return LX_OK;
}

static int start_real(struct lx__dial_req *req)
{
    struct lx__dialer *d = req->d;
    struct timeval tv;
    int rc;

    if (req->tls && (rc = client_ssl_ctx(d, &req->ssl_ctx)) != LX_OK) {
        return rc;
    }
    tv.tv_sec = (time_t)(d->timeout_ns / 1000000000);
    tv.tv_usec = (suseconds_t)(d->timeout_ns % 1000000000 / 1000);
    event_add(req->timer, &tv);
    if (parse_literal(req, req->host)) {
        req->is_ip = true;
        start_connect(req);
    } else if (in_domain(req->host, "localhost")) {
        parse_literal(req, "127.0.0.1");
        parse_literal(req, "::1");
        start_connect(req);
    } else if (in_domain(req->host, "invalid")) {
        fail(req, LX_ERR_DNS,
             "dns: cannot resolve '%s': names under .invalid never "
             "resolve (RFC 6761)",
             req->host);
    } else {
        return start_resolve(req);
    }
    return LX_OK;
}

static int start_inmem(struct lx__dial_req *req)
{
    int rc = lx__dial_pair(req->d->base, &req->bev, &req->peer);

    if (rc != LX_OK) {
        return rc;
    }
    req->accept_fn = req->d->inmem_fn;
    req->accept_ud = req->d->inmem_ud;
    req->state = REQ_INMEM;
    schedule_now(req);
    return LX_OK;
}

/* In-memory mode, delivery: the server end first, then the client. */
static void inmem_deliver(struct lx__dial_req *req)
{
    struct bufferevent *client = req->bev;
    struct bufferevent *server = req->peer;
    int rc;

    req->bev = NULL;
    req->peer = NULL;
    rc = req->accept_fn(req->accept_ud, req->host, req->port, server);
    if (rc != LX_OK) {
        char msg[MSG_MAX];

        bufferevent_free(client);
        lx__snprintf(msg, sizeof(msg),
                     "mem: the in-memory server refused '%s' port %u: %s",
                     req->host, (unsigned)req->port, lx_strerror(rc));
        deliver(req, LX_ERR_IO, NULL, msg);
        return;
    }
    deliver(req, LX_OK, client, "");
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
    struct lx__dial_req *req = arg;
    static const char *const phase[] = {"", "resolving", "connecting",
                                        "in the TLS handshake"};
    char msg[MSG_MAX];

    LX_UNUSED(fd);
    LX_UNUSED(what);
    if (req->state == REQ_FAILED) {
        deliver(req, req->err, NULL, req->msg);
        return;
    }
    if (req->state == REQ_INMEM) {
        inmem_deliver(req);
        return;
    }
    lx__snprintf(msg, sizeof(msg),
                 "%s: dial to '%s' port %u timed out after %lld ms %s",
                 req->state == REQ_RESOLVING   ? "dns"
                 : req->state == REQ_HANDSHAKE ? "tls"
                                               : "tcp",
                 req->host, (unsigned)req->port,
                 (long long)(req->d->timeout_ns / 1000000), phase[req->state]);
    req_release(req);
    deliver(req, LX_ERR_TIMEOUT, NULL, msg);
}

/* Validates host (IPv6 brackets removed) and allocates a request. */
static int req_new(struct lx__dial_req **out, struct lx__dialer *d,
                   const char *host, uint16_t port, bool tls)
{
    struct lx__dial_req *req;
    size_t len = strlen(host);

    if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
        host++;
        len -= 2;
    }
    if (len == 0 || len > LX__DIAL_HOST_MAX) {
        return LX_ERR_INVAL;
    }
    req = lx__calloc(&d->mem, 1, sizeof(*req));
    if (req == NULL) {
        return LX_ERR_NOMEM;
    }
    req->d = d;
    req->fd = -1;
    memcpy(req->host, host, len);
    req->port = port;
    req->tls = tls;
    LIST_INSERT_HEAD(&d->reqs, req, link);
    *out = req;
    return LX_OK;
}

int lx__dial(struct lx__dialer *d, const char *host, uint16_t port, bool tls,
             lx__dial_cb cb, void *ud, struct lx__dial_req **req_out)
{
    struct lx__dial_req *req;
    int rc;

    if (req_out != NULL) {
        *req_out = NULL;
    }
    if (d == NULL || host == NULL || cb == NULL || port == 0 || d->dying) {
        return LX_ERR_INVAL;
    }
    if ((rc = req_new(&req, d, host, port, tls)) != LX_OK) {
        return rc;
    }
    req->cb = cb;
    req->ud = ud;
    req->timer = event_new(d->base, -1, 0, timer_cb, req);
    rc = req->timer == NULL    ? LX_ERR_NOMEM
         : d->inmem_fn != NULL ? start_inmem(req)
                               : start_real(req);
    if (rc != LX_OK) {
        req_release(req);
        req_detach(req);
        return rc;
    }
    LX_LOGD(d->ctx, "net", "dial host=%s port=%u tls=%d mode=%s", req->host,
            (unsigned)port, (int)tls, d->inmem_fn != NULL ? "mem" : "net");
    if (req_out != NULL) {
        *req_out = req;
    }
    return LX_OK;
}

void lx__dial_cancel(struct lx__dial_req *req)
{
    if (req == NULL || req->state == REQ_ZOMBIE) {
        return;
    }
    req_release(req);
    req_detach(req);
}

/* ---- transports ---- */

const char *lx__dial_transport(struct bufferevent *bev)
{
    if (bev == NULL) {
        return "none";
    }
    if (bufferevent_openssl_get_ssl(bev) != NULL) {
        return "tls";
    }
    return bufferevent_getfd(bev) < 0 ? "mem" : "tcp";
}

int lx__dial_pair(struct event_base *base, struct bufferevent **client,
                  struct bufferevent **server)
{
    struct bufferevent *pair[2];

    if (client == NULL || server == NULL) {
        return LX_ERR_INVAL;
    }
    *client = NULL;
    *server = NULL;
    if (base == NULL) {
        return LX_ERR_INVAL;
    }
    if (bufferevent_pair_new(base, BEV_OPTS, pair) != 0) {
        return LX_ERR_NOMEM;
    }
    *client = pair[0];
    *server = pair[1];
    return LX_OK;
}

void lx__dial_close(struct bufferevent *bev)
{
    SSL *ssl;

    if (bev == NULL) {
        return;
    }
    ssl = bufferevent_openssl_get_ssl(bev);
    if (ssl != NULL) {
        if (SSL_is_init_finished(ssl)) {
            SSL_shutdown(ssl); /* best effort; the socket is non-blocking */
        }
        ERR_clear_error();
    } else if (bufferevent_pair_get_partner(bev) != NULL) {
        bufferevent_flush(bev, EV_WRITE, BEV_FINISHED);
    }
    bufferevent_free(bev);
}

void lx__dialer_set_io(struct lx__dialer *d, struct lx__io_count *io)
{
    d->io = io;
}
