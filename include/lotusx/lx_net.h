/*
 * lx_net.h - the network environment, and the HTTP/1.1 server and client
 * built on it.
 *
 * A struct lx_net bundles what every connection needs: the context
 * (allocator, log), the application's event_base, the lx_clock all timeouts
 * run on, the TLS client settings, the seeded PRNG (WebSocket masks,
 * backoff jitter), the wire tap, and the dialer, which connects over TCP,
 * TLS, or in memory to an lx_http_server in the same process (no sockets:
 * the basis of deterministic backtests).
 *
 * Everything here runs on the one event_base given to lx_net_new; no call
 * blocks, no thread is started, and no callback runs inside the call that
 * scheduled it.
 */
#ifndef LOTUSX_LX_NET_H
#define LOTUSX_LX_NET_H

#include "lx_common.h"
#include "lx_mem.h"
#include "lx_tap.h"

struct event_base;
struct bufferevent;
struct lx_clock;
struct lx_tls;
struct lx_http_msg;
struct lx_http_server;

struct lx_net;

/*
 * Creates a network environment. base and clock are borrowed and must
 * outlive it; ctx may be NULL (libc, stderr). Errors: LX_ERR_INVAL,
 * LX_ERR_NOMEM.
 */
LX_EXTERN int lx_net_new(struct lx_net **out, struct lx_ctx *ctx,
                         struct event_base *base, struct lx_clock *clock);

/* Frees the environment; every connection made from it must be gone. */
LX_EXTERN void lx_net_free(struct lx_net *net);

/*
 * Trust this PEM CA file instead of the system store for TLS connections
 * made after the call. Errors: LX_ERR_TLS (unreadable or not PEM; the log
 * names the file and OpenSSL's reason), LX_ERR_NOMEM.
 */
LX_EXTERN int lx_net_set_ca_file(struct lx_net *net, const char *path);

/* Seeds the PRNG used for WebSocket masks and reconnect jitter. */
LX_EXTERN void lx_net_set_seed(struct lx_net *net, uint64_t seed);

/* Installs the wire tap for connections made or accepted after the call. */
LX_EXTERN void lx_net_set_tap(struct lx_net *net, lx_tap_fn fn, void *ud);

/*
 * Routes every connection this environment dials to `srv` through an
 * in-memory bufferevent pair instead of a socket, whatever the URL's host
 * (TLS is skipped: there is no wire to protect). srv NULL restores real
 * dialing. srv must outlive the connections.
 */
LX_EXTERN void lx_net_set_inmem_server(struct lx_net *net,
                                       struct lx_http_server *srv);

/* ---- HTTP server ------------------------------------------------------ */

struct lx_http_req;

/*
 * Called for each complete request, in order per connection. The handler
 * answers now or later with lx_http_req_respond (responses go out in
 * request order even when answered out of order), or upgrades it to a
 * WebSocket (lx_ws.h). req stays valid until it is answered or its
 * connection closes (see lx_http_req_set_abort_cb).
 */
typedef void (*lx_http_handler_fn)(struct lx_http_req *req, void *ud);

/*
 * Creates a server on net's loop. Limits default to 16 KiB of headers,
 * 100 headers, 8 MiB bodies, 10 s to receive one request once its first
 * byte arrived, 60 s idle keep-alive, 64 requests in flight per connection.
 */
LX_EXTERN int lx_http_server_new(struct lx_http_server **out,
                                 struct lx_net *net, lx_http_handler_fn handler,
                                 void *ud);

/*
 * Listens on addr ("127.0.0.1", "::1", "0.0.0.0") and port (0 = pick one;
 * read it back with lx_http_server_port). tls NULL serves plain HTTP; tls
 * is borrowed. Errors: LX_ERR_INVAL (bad address), LX_ERR_IO (bind failed,
 * e.g. port busy: the log says which), LX_ERR_STATE (already listening).
 */
LX_EXTERN int lx_http_server_listen(struct lx_http_server *srv,
                                    const char *addr, uint16_t port,
                                    struct lx_tls *tls);

/* The bound port after lx_http_server_listen, else 0. */
LX_EXTERN uint16_t lx_http_server_port(const struct lx_http_server *srv);

/*
 * Serves a connection the application already has (one end of a
 * bufferevent pair, say). Takes ownership of bev even on failure.
 */
LX_EXTERN int lx_http_server_adopt(struct lx_http_server *srv,
                                   struct bufferevent *bev,
                                   const char *transport);

/*
 * Sets limits; 0 keeps the current value. Times in nanoseconds of the
 * net's lx_clock.
 */
LX_EXTERN void lx_http_server_set_limits(struct lx_http_server *srv,
                                         size_t max_header_bytes,
                                         size_t max_body,
                                         int64_t request_timeout_ns,
                                         int64_t idle_timeout_ns);

/*
 * Stops listening and closes every connection, then frees; NULL is ok.
 * Not from inside a handler or callback of this server.
 */
LX_EXTERN void lx_http_server_free(struct lx_http_server *srv);

/* The request; borrowed, valid as long as req. */
LX_EXTERN const struct lx_http_msg *
lx_http_req_msg(const struct lx_http_req *req);

/* "127.0.0.1:5555", "[::1]:5555" or "mem"; borrowed. */
LX_EXTERN const char *lx_http_req_peer(const struct lx_http_req *req);

/* True for connections accepted on the loopback interface or in memory. */
LX_EXTERN int lx_http_req_is_loopback(const struct lx_http_req *req);

/*
 * Answers req; takes ownership of resp even on failure. After the call req
 * is gone. Errors: LX_ERR_NOMEM (the connection is closed),
 * LX_ERR_INVAL.
 */
LX_EXTERN int lx_http_req_respond(struct lx_http_req *req,
                                  struct lx_http_msg *resp);

/*
 * Shorthand: status, optional extra header pairs (NULL-terminated array of
 * name, value, name, value, ..., NULL), content type and body.
 */
LX_EXTERN int lx_http_req_respond_body(struct lx_http_req *req, int status,
                                       const char *const *headers,
                                       const char *content_type,
                                       const void *body, size_t len);

/*
 * Called if req's connection goes away before req is answered; req is
 * freed right after the callback returns and must not be answered.
 */
LX_EXTERN void lx_http_req_set_abort_cb(struct lx_http_req *req,
                                        void (*cb)(struct lx_http_req *req,
                                                   void *ud),
                                        void *ud);

/* ---- HTTP client ------------------------------------------------------ */

struct lx_http_client;

/*
 * Called once per request: err LX_OK with resp (borrowed, valid during the
 * call), or an error (LX_ERR_IO, LX_ERR_TLS, LX_ERR_DNS, LX_ERR_TIMEOUT,
 * LX_ERR_PROTO, LX_ERR_TOOBIG, LX_ERR_CLOSED, LX_ERR_NOMEM) with errmsg a
 * human-readable reason (never NULL) and resp NULL.
 */
typedef void (*lx_http_resp_fn)(void *ud, int err,
                                const struct lx_http_msg *resp,
                                const char *errmsg);

/*
 * Creates a client with a keep-alive connection pool per scheme://host:port
 * (at most 8 connections per origin; requests queue beyond that).
 */
LX_EXTERN int lx_http_client_new(struct lx_http_client **out,
                                 struct lx_net *net);

/*
 * Sends req (a request made with lx_http_msg_new_request whose target is
 * the path and query) to the origin of base_url ("https://host:port").
 * Host and, for bodies, Content-Length are added when absent. Takes
 * ownership of req even on failure. timeout_ns 0 = 30 s. Errors returned
 * now (the callback then never runs): LX_ERR_INVAL (bad URL), LX_ERR_NOMEM.
 */
LX_EXTERN int lx_http_client_send(struct lx_http_client *c,
                                  const char *base_url, struct lx_http_msg *req,
                                  int64_t timeout_ns, lx_http_resp_fn cb,
                                  void *ud);

/*
 * Frees the client and closes its connections. Requests still pending are
 * dropped and their callbacks never run. NULL is allowed.
 */
LX_EXTERN void lx_http_client_free(struct lx_http_client *c);

/* ---- WebSocket connections (client and server side) --------------------- */

struct lx_ws;

/*
 * Callbacks of a WebSocket connection; any may be NULL. Payloads are
 * borrowed for the duration of the call. on_close runs exactly once per
 * connection that reported on_open or was accepted: err is LX_OK after a
 * close handshake (code and reason as the peer sent them), else the
 * transport or protocol error (code 1006 = no close frame). The
 * connection may be freed inside any callback.
 */
struct lx_ws_cbs {
    void (*on_open)(struct lx_ws *ws, void *ud);
    void (*on_message)(struct lx_ws *ws, int opcode, const uint8_t *data,
                       size_t len, void *ud);
    void (*on_ping)(struct lx_ws *ws, const uint8_t *data, size_t len,
                    void *ud);
    void (*on_pong)(struct lx_ws *ws, const uint8_t *data, size_t len,
                    void *ud);
    void (*on_close)(struct lx_ws *ws, int err, int code, const char *reason,
                     void *ud);
};

/*
 * Connects to a ws:// or wss:// URL; extra_headers is NULL or a
 * NULL-terminated name, value, ... list added to the opening handshake.
 * on_open or on_close (with the error and a reason such as the HTTP status
 * the server answered) follows on a later loop iteration. Errors returned
 * now: LX_ERR_INVAL (bad URL), LX_ERR_NOMEM.
 */
LX_EXTERN int lx_ws_connect(struct lx_ws **out, struct lx_net *net,
                            const char *url, const char *const *extra_headers,
                            const struct lx_ws_cbs *cbs, void *ud);

/*
 * Accepts an upgrade request received by an lx_http_server: checks the
 * RFC 6455 handshake, answers 101, and takes the connection over (req is
 * gone afterwards, in every case). A bad handshake is answered with 400
 * and LX_ERR_PROTO is returned. Bytes the client sent after its request
 * are processed on the next loop iteration.
 */
LX_EXTERN int lx_ws_accept(struct lx_ws **out, struct lx_http_req *req,
                           const struct lx_ws_cbs *cbs, void *ud);

/* Queue a message or control frame. Errors: LX_ERR_STATE once closing. */
LX_EXTERN int lx_ws_send_text(struct lx_ws *ws, const void *data, size_t len);
LX_EXTERN int lx_ws_send_binary(struct lx_ws *ws, const void *data, size_t len);
LX_EXTERN int lx_ws_send_ping(struct lx_ws *ws, const void *data, size_t len);

/* Starts the close handshake; on_close follows. */
LX_EXTERN int lx_ws_close(struct lx_ws *ws, int code, const char *reason);

/* Sends a ping every interval_ns of the net's clock (0 = off). */
LX_EXTERN int lx_ws_set_keepalive(struct lx_ws *ws, int64_t interval_ns);

/* The URL connected to, or the request target accepted; borrowed. */
LX_EXTERN const char *lx_ws_url(const struct lx_ws *ws);

/* Frees the connection (closing the transport without a handshake). */
LX_EXTERN void lx_ws_free(struct lx_ws *ws);

#endif
