/*
 * net.c - the network environment (struct lx_net) and the helpers every
 * connection type shares: wire-tap emission and zero-copy feeding of a
 * bufferevent's input to a sans-I/O codec.
 *
 * It owns the dialer (DNS, TLS client settings, in-memory routing) and the
 * seeded PRNG; it does not own the event_base or the clock.
 */
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "net/dial.h"
#include "net/net_internal.h"

int lx_net_new(struct lx_net **out, struct lx_ctx *ctx, struct event_base *base,
               struct lx_clock *clock)
{
    struct lx_net *net;
    int rc;

    if (out == NULL || base == NULL || clock == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    net = lx__calloc(lx_ctx_mem(ctx), 1, sizeof(*net));
    if (net == NULL) {
        return LX_ERR_NOMEM;
    }
    net->ctx = ctx;
    net->mem = lx_ctx_mem(ctx);
    net->base = base;
    net->clock = clock;
    lx_rng_seed(&net->rng, 0x4c6f747553580001ULL);
    rc = lx__dialer_new(&net->dialer, ctx, base);
    if (rc != LX_OK) {
        lx__free(net->mem, net);
        return rc;
    }
    lx__dialer_set_io(net->dialer, lx__clock_io(clock));
    *out = net;
    return LX_OK;
}

static void io_in_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
                     void *arg)
{
    LX_UNUSED(buf);
    ((struct lx__io_count *)arg)->in += info->n_added;
}

static void io_out_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
                      void *arg)
{
    LX_UNUSED(buf);
    /* Counted when queued: bytes still in our buffer are in flight too. */
    ((struct lx__io_count *)arg)->out += info->n_added;
}

void lx__bev_count_io(struct bufferevent *bev, struct lx__io_count *io)
{
    if (bev != NULL && io != NULL) {
        (void)evbuffer_add_cb(bufferevent_get_input(bev), io_in_cb, io);
        (void)evbuffer_add_cb(bufferevent_get_output(bev), io_out_cb, io);
    }
}

void lx_net_free(struct lx_net *net)
{
    if (net != NULL) {
        lx__dialer_free(net->dialer);
        lx__free(net->mem, net);
    }
}

int lx_net_set_ca_file(struct lx_net *net, const char *path)
{
    return lx__dialer_set_ca_file(net->dialer, path);
}

void lx_net_set_seed(struct lx_net *net, uint64_t seed)
{
    lx_rng_seed(&net->rng, seed);
}

void lx_net_set_tap(struct lx_net *net, lx_tap_fn fn, void *ud)
{
    net->tap = fn;
    net->tap_ud = ud;
}

static int inmem_accept(void *ud, const char *host, uint16_t port,
                        struct bufferevent *server_end)
{
    LX_UNUSED(host);
    LX_UNUSED(port);
    return lx__net_inmem_accept(ud, server_end);
}

void lx_net_set_inmem_server(struct lx_net *net, struct lx_http_server *srv)
{
    net->inmem = srv;
    lx__dialer_set_inmem(net->dialer, srv != NULL ? inmem_accept : NULL, net);
}

/* ---- wire tap ------------------------------------------------------------ */

void lx__tapper_init(struct lx__tapper *t, struct lx_net *net, int side)
{
    t->fn = net->tap;
    t->ud = net->tap_ud;
    t->conn_id = ++net->next_conn_id;
    t->seq = 0;
    t->side = side;
}

static void tap_emit(struct lx__tapper *t, struct lx_net *net,
                     struct lx_tap_event *ev)
{
    ev->side = t->side;
    ev->conn_id = t->conn_id;
    ev->seq = t->seq++;
    ev->wall_ns = lx_clock_wall_ns(net->clock);
    ev->mono_ns = lx_clock_mono_ns(net->clock);
    t->fn(t->ud, ev);
}

void lx__tap_open(struct lx__tapper *t, struct lx_net *net, const char *url,
                  const char *transport)
{
    struct lx_tap_event ev;

    if (t->fn == NULL) {
        return;
    }
    memset(&ev, 0, sizeof(ev));
    ev.kind = LX_TAP_CONN_OPEN;
    ev.dir = t->side == LX_TAP_CLIENT ? LX_TAP_OUT : LX_TAP_IN;
    ev.url = url;
    ev.transport = transport;
    tap_emit(t, net, &ev);
}

void lx__tap_close(struct lx__tapper *t, struct lx_net *net, const char *reason)
{
    struct lx_tap_event ev;

    if (t->fn == NULL) {
        return;
    }
    memset(&ev, 0, sizeof(ev));
    ev.kind = LX_TAP_CONN_CLOSE;
    ev.reason = reason != NULL ? reason : "";
    tap_emit(t, net, &ev);
}

void lx__tap_http(struct lx__tapper *t, struct lx_net *net, int dir,
                  const struct lx_http_msg *m)
{
    struct lx_tap_event ev;

    if (t->fn == NULL) {
        return;
    }
    memset(&ev, 0, sizeof(ev));
    ev.kind = LX_TAP_HTTP;
    ev.dir = dir;
    ev.http = m;
    tap_emit(t, net, &ev);
}

void lx__tap_ws(struct lx__tapper *t, struct lx_net *net, int dir, int opcode,
                const uint8_t *payload, size_t len)
{
    struct lx_tap_event ev;

    if (t->fn == NULL) {
        return;
    }
    memset(&ev, 0, sizeof(ev));
    ev.kind = LX_TAP_WS_FRAME;
    ev.dir = dir;
    ev.ws_opcode = opcode;
    ev.payload = payload;
    ev.len = len;
    tap_emit(t, net, &ev);
}

/* ---- feeding codecs --------------------------------------------------------
 */

int lx__evbuffer_feed(struct evbuffer *in, lx__extent_fn fn, void *ud)
{
    struct evbuffer_iovec vec[8];
    int rc = LX_OK;

    while (evbuffer_get_length(in) > 0) {
        size_t total = 0;
        int n, i;

        n = evbuffer_peek(in, -1, NULL, vec, 8);
        if (n > 8) {
            n = 8;
        }
        for (i = 0; i < n && rc == LX_OK; i++) {
            size_t used = 0;

            rc = fn(ud, vec[i].iov_base, vec[i].iov_len, &used);
            total += used;
            if (used < vec[i].iov_len) {
                break; /* the codec stopped (upgrade) or failed */
            }
        }
        evbuffer_drain(in, total);
        if (rc != LX_OK || i < n) {
            break;
        }
    }
    return rc;
}
