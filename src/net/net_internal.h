/*
 * net_internal.h - what the HTTP server, HTTP client and WebSocket
 * connections share inside src/net: the network environment's internals
 * and the wire-tap helper.
 */
#ifndef LOTUSX_NET_INTERNAL_H
#define LOTUSX_NET_INTERNAL_H

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_rng.h"
#include "lotusx/lx_tap.h"

struct lx__dialer;

struct lx_net {
    struct lx_ctx *ctx;
    const struct lx_mem *mem;
    struct event_base *base;
    struct lx_clock *clock;
    struct lx__dialer *dialer;
    struct lx_rng rng;
    lx_tap_fn tap;
    void *tap_ud;
    uint64_t next_conn_id;
    struct lx_http_server *inmem;
};

/* Per-connection tap state: an id and the sequence of its events. */
struct lx__tapper {
    lx_tap_fn fn;
    void *ud;
    uint64_t conn_id;
    uint64_t seq;
    int side;
};

/*
 * Counts the socket traffic of bev (bytes read into its input, bytes
 * queued on its output) into *io (lx__clock_io). Plain TCP only.
 */
struct bufferevent;
void lx__bev_count_io(struct bufferevent *bev, struct lx__io_count *io);

void lx__tapper_init(struct lx__tapper *t, struct lx_net *net, int side);
void lx__tap_open(struct lx__tapper *t, struct lx_net *net, const char *url,
                  const char *transport);
void lx__tap_close(struct lx__tapper *t, struct lx_net *net,
                   const char *reason);
void lx__tap_http(struct lx__tapper *t, struct lx_net *net, int dir,
                  const struct lx_http_msg *m);
void lx__tap_ws(struct lx__tapper *t, struct lx_net *net, int dir, int opcode,
                const uint8_t *payload, size_t len);

/*
 * Feeds every byte of `in` to fn in contiguous extents without copying,
 * then drains what fn consumed. fn returns LX_OK and sets *consumed, or an
 * error, which stops the walk and is returned.
 */
typedef int (*lx__extent_fn)(void *ud, const char *data, size_t len,
                             size_t *consumed);
int lx__evbuffer_feed(struct evbuffer *in, lx__extent_fn fn, void *ud);

/* Hands a server-side bufferevent to the in-memory server (dialer glue). */
int lx__net_inmem_accept(struct lx_net *net, struct bufferevent *server_end);

#endif
