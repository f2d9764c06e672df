/*
 * http_server.h - server internals shared with the WebSocket layer, which
 * takes over a connection whose request asked to upgrade.
 */
#ifndef LOTUSX_NET_HTTP_SERVER_H
#define LOTUSX_NET_HTTP_SERVER_H

#include "net/net_internal.h"

/*
 * Detaches the connection of r (which must be the last request in flight
 * on it) from the server: *bev receives the bufferevent, its input holding
 * any bytes after the request's headers, and *tap the connection's tap
 * state. r is freed. Errors: LX_ERR_STATE if earlier requests on the same
 * connection are still unanswered.
 */
int lx__http_req_detach(struct lx_http_req *r, struct bufferevent **bev,
                        struct lx__tapper *tap);

/*
 * Answers r with resp and the len bytes at body, which are only lent for
 * the call: when r is the oldest request in flight they go straight to the
 * connection, else (or when the connection is tapped) resp takes a copy
 * of them, and failing that r is answered 503. resp must have no body set
 * (LX_ERR_INVAL); len 0 is lx_http_req_respond. Returns as
 * lx_http_req_respond; resp is taken in every case.
 */
int lx__http_req_respond_lent(struct lx_http_req *r, struct lx_http_msg *resp,
                              const void *body, size_t len);

/* The network environment a request arrived through. */
struct lx_net *lx__http_req_net(const struct lx_http_req *r);

#endif
