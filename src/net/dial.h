/*
 * dial.h - transports (private to liblotusx): connected bufferevents for
 * clients, wrapped accepted sockets for servers, in-memory pairs, and the
 * TLS internals the network layer needs.
 *
 * A dialer resolves a host (evdns), connects over TCP, and for TLS runs the
 * handshake with certificate and host-name verification, then hands the
 * caller a ready struct bufferevent. In in-memory mode it hands out one
 * end of a bufferevent pair instead and gives the other end to an accept
 * function (the mock's server), so client and server run in one loop with
 * no socket.
 *
 * Everything runs on the loop thread of the dialer's event_base. No
 * callback runs inside the call that scheduled it.
 *
 * What a caller gets on success (lx__dial_cb with err LX_OK):
 * - bev is connected, the TLS handshake (if any) is complete and verified,
 *   and the caller owns it: free it with lx__dial_close (or
 *   bufferevent_free). It was made with BEV_OPT_CLOSE_ON_FREE |
 *   BEV_OPT_DEFER_CALLBACKS; its callbacks are unset, EV_WRITE is enabled
 *   and EV_READ is not: call bufferevent_setcb, then bufferevent_enable
 *   (bev, EV_READ | EV_WRITE).
 * - Its input buffer is empty for TCP and in-memory connections. A TLS
 *   server could in theory have spoken first; check
 *   evbuffer_get_length(bufferevent_get_input(bev)) after installing the
 *   callbacks if the protocol lets the server speak first.
 * - TLS connections allow a dirty shutdown: a peer that closes TCP without
 *   close_notify gives BEV_EVENT_EOF, not BEV_EVENT_ERROR (message framing,
 *   Content-Length or chunked, protects against truncation).
 * - bufferevent_free discards output not yet written. To close after a
 *   last message, wait until the output is drained (write callback with
 *   an empty output buffer), then lx__dial_close.
 */
#ifndef LOTUSX_NET_DIAL_H
#define LOTUSX_NET_DIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/util.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "lotusx/lx_mem.h"
#include "lotusx/lx_tls.h"

struct event_base;
struct bufferevent;
struct lx__dialer;
struct lx__dial_req;

/* Host names longer than this (after removing IPv6 brackets) are refused. */
#define LX__DIAL_HOST_MAX 253

/* Default bound on resolve + connect + TLS handshake of one dial. */
#define LX__DIAL_TIMEOUT_NS (INT64_C(10) * 1000000000)

/*
 * The result of one dial. err is LX_OK with bev (ownership passes to the
 * callee), or one of LX_ERR_DNS, LX_ERR_IO, LX_ERR_TLS, LX_ERR_TIMEOUT,
 * LX_ERR_NOMEM with bev NULL. errmsg is never NULL ("" on success) and is
 * borrowed for the call; it names the host, e.g. "tls: certificate verify
 * failed for host 'localhost': self-signed certificate". The request is
 * gone when the callback runs: do not cancel it afterwards.
 */
typedef void (*lx__dial_cb)(void *ud, int err, struct bufferevent *bev,
                            const char *errmsg);

/*
 * In-memory mode: receives the server end of a new pair for a dial to
 * host:port and takes ownership of it even on failure. Returns LX_OK, or
 * an error, in which case the dial fails with LX_ERR_IO.
 */
typedef int (*lx__dial_accept_fn)(void *ud, const char *host, uint16_t port,
                                  struct bufferevent *server_end);

/*
 * Creates a dialer on base (borrowed; must outlive the dialer). ctx gives
 * the allocator and log and may be NULL. Nothing touches the network
 * until the first dial: the evdns resolver is created on the first name
 * that needs it, the default client TLS settings (system trust store) on
 * the first TLS dial. Errors: LX_ERR_INVAL, LX_ERR_NOMEM.
 */
int lx__dialer_new(struct lx__dialer **out, struct lx_ctx *ctx,
                   struct event_base *base);

/*
 * Cancels every dial in progress (their callbacks never run) and frees the
 * dialer; NULL is allowed. Exception: if a cancelled DNS lookup (cancel or
 * timeout while resolving) is still awaiting libevent's confirmation, the
 * evdns resolver and the zombie requests are freed from the loop, right
 * after the confirmation arrives (the next iteration, as a rule). Run the
 * loop once more before event_base_free, or they leak. ctx need not
 * outlive this call either way.
 */
void lx__dialer_free(struct lx__dialer *d);

/*
 * Uses a client lx_tls trusting the PEM file path for TLS dials made
 * after the call (replacing any earlier choice). Errors: those of
 * lx_tls_client_new (LX_ERR_FILE, LX_ERR_TLS, LX_ERR_NOMEM); the previous
 * settings stay in force on error.
 */
int lx__dialer_set_ca_file(struct lx__dialer *d, const char *path);
/* Plain TCP connections count their traffic there (lx__bev_count_io). */
struct lx__io_count;
void lx__dialer_set_io(struct lx__dialer *d, struct lx__io_count *io);

/*
 * Uses tls (a client lx_tls, borrowed: it must outlive the dialer) for
 * later TLS dials; NULL goes back to the dialer's own settings.
 * Returns LX_OK or LX_ERR_INVAL (tls is server settings).
 */
int lx__dialer_set_tls(struct lx__dialer *d, struct lx_tls *tls);

/* Bounds resolve + connect + handshake of later dials; <= 0 = default. */
void lx__dialer_set_connect_timeout(struct lx__dialer *d, int64_t ns);

/*
 * Resolve names through the nameserver at addr ("127.0.0.1:5353")
 * instead of /etc/resolv.conf and /etc/hosts; for tests. Must be called
 * before the first name lookup. Errors: LX_ERR_INVAL (bad address),
 * LX_ERR_STATE (resolver already created), LX_ERR_NOMEM.
 */
int lx__dialer_set_nameserver(struct lx__dialer *d, const char *addr);

/*
 * In-memory mode: with fn set, every later dial creates a bufferevent
 * pair, gives the server end to fn and the client end to the dial
 * callback, both from an activated event (fn first) once the caller's
 * current callback has returned, with no DNS, socket, timer or TLS (there
 * is no wire to protect). Activated events count as active, so a virtual
 * clock's runner delivers them before it moves time. fn NULL restores
 * real dialing. ud is passed to fn.
 */
void lx__dialer_set_inmem(struct lx__dialer *d, lx__dial_accept_fn fn,
                          void *ud);

/*
 * Starts connecting to host:port; tls selects a TLS handshake verified
 * against the dialer's client settings: SNI and host-name check for
 * names, IP-address check for literals ("127.0.0.1", "::1" or "[::1]").
 * "localhost" and names under ".localhost" resolve to 127.0.0.1 then ::1
 * and names under ".invalid" fail, both without a query (RFC 6761); other
 * names go through evdns (A and AAAA). Each address is tried in turn until
 * one connects. cb runs exactly once, never inside this call, unless the
 * dial is cancelled first. *req_out (may be NULL) receives a handle
 * for lx__dial_cancel, valid until cb runs.
 * Errors returned now (cb then never runs): LX_ERR_INVAL (NULL argument,
 * empty or over-long host, port 0), LX_ERR_NOMEM, LX_ERR_TLS (default TLS
 * settings could not be created), LX_ERR_DNS (resolver could not start).
 */
int lx__dial(struct lx__dialer *d, const char *host, uint16_t port, bool tls,
             lx__dial_cb cb, void *ud, struct lx__dial_req **req_out);

/*
 * Abandons a dial: its callback never runs and everything it holds is
 * released (a DNS query in flight is cancelled and its small state freed
 * when libevent confirms, on a later loop iteration). NULL is allowed.
 */
void lx__dial_cancel(struct lx__dial_req *req);

/* "tls", "mem" (pair end) or "tcp", for logs and the wire tap. */
const char *lx__dial_transport(struct bufferevent *bev);

/*
 * Creates a connected in-memory pair on base (BEV_OPT_CLOSE_ON_FREE |
 * BEV_OPT_DEFER_CALLBACKS), EV_WRITE enabled on both ends. The caller owns
 * both. Errors: LX_ERR_INVAL, LX_ERR_NOMEM.
 */
int lx__dial_pair(struct event_base *base, struct bufferevent **client,
                  struct bufferevent **server);

/*
 * Closes and frees a transport; NULL is allowed. For a pair end it first
 * hands pending output to the partner and signals it BEV_EVENT_EOF
 * (libevent's pairs tell the partner nothing on bufferevent_free); for TLS
 * it sends close_notify when it can without blocking.
 */
void lx__dial_close(struct bufferevent *bev);

/*
 * Server side: wraps an accepted socket in a TLS bufferevent that runs the
 * handshake as server (BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS,
 * dirty shutdown allowed). The owner's event callback sees
 * BEV_EVENT_CONNECTED when the handshake completes (ignore it or log it)
 * and BEV_EVENT_ERROR if it fails (lx__tls_bev_error says why). On
 * success the bufferevent owns fd; on error fd is left open for the
 * caller to close. Errors: LX_ERR_INVAL (NULL argument, client
 * settings), LX_ERR_NOMEM.
 */
int lx__tls_server_wrap(struct lx_tls *t, struct event_base *base,
                        evutil_socket_t fd, struct bufferevent **out);

/*
 * Describes why a TLS bufferevent reported `what` (BEV_EVENT_ERROR, EOF or
 * TIMEOUT) into buf: the certificate verification result if it failed,
 * else OpenSSL's queued reason, else the socket error. host (may be NULL)
 * is named in the text. Drains the bufferevent's OpenSSL error queue.
 */
void lx__tls_bev_error(struct bufferevent *bev, short what, const char *host,
                       char *buf, size_t cap);

/* The SSL_CTX inside t (borrowed), for the dialer. */
SSL_CTX *lx__tls_ssl_ctx(const struct lx_tls *t);

/*
 * Makes an EC P-256 key and a self-signed X.509 v3 certificate for cn with
 * subjectAltName san (OpenSSL config syntax, "DNS:a,IP:127.0.0.1"; NULL =
 * none), valid from now + not_before_s to now + not_after_s (OpenSSL reads
 * the system clock). For lx_tls_server_new_selfsigned and tests (expired
 * or mismatched certificates). The caller frees *key and *cert.
 * Errors: LX_ERR_INVAL, LX_ERR_TLS.
 */
int lx__tls_make_cert(const char *cn, const char *san, long not_before_s,
                      long not_after_s, EVP_PKEY **key, X509 **cert);

#endif
