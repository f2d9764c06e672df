/*
 * cmd_demo.c - `lotusx demo`: a short tour of what is built, on loopback.
 *
 * One process, one event loop: an lx_http_server on 127.0.0.1 (any free
 * port, or an in-memory pair with --inmem on a virtual clock) serving a
 * fixed Binance-shaped order book and a WebSocket echo on the same port;
 * an lx_http_client fetches the book and parses it into exact decimals; a
 * WebSocket client sends messages and checks the echoes; the wire tap
 * prints every event it sees. Exit 0 only when every step checked out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "cli/cli.h"
#include "core/json.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_decimal.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_ws.h"

/* A depth snapshot as GET /api/v3/depth answers it (exact strings). */
static const char depth_body[] =
    "{\"lastUpdateId\":1027024,"
    "\"bids\":[[\"4.00000000\",\"431.00000000\"],[\"3.99000000\",\"9.50\"]],"
    "\"asks\":[[\"4.00000200\",\"12.00000000\"],[\"4.01000000\",\"1e-8\"]]}";

struct demo {
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_http_server *srv;
    struct lx_http_client *cli;
    struct lx_ws *ws;
    struct lx_timer *guard;
    const char *base_url;
    char url[64];
    int messages;
    int sent;
    int echoed;
    int failures;
    int done;
    int verbose;
};

static void fail(struct demo *d, const char *what, const char *why)
{
    d->failures++;
    fprintf(stderr, "lotusx demo: %s: %s\n", what, why);
}

static void finish(struct demo *d)
{
    d->done = 1;
    lx_clock_stop_run(d->clock);
}

static void guard_cb(struct lx_timer *t, void *ud)
{
    LX_UNUSED(t);
    fail(ud, "timeout", "the demo did not finish within 10 s");
    finish(ud);
}

static const char *const kind_names[] = {"?", "open", "close", "http", "ws"};

static void tap_cb(void *ud, const struct lx_tap_event *ev)
{
    const struct demo *d = ud;
    char what[160] = "";

    if (!d->verbose) {
        return;
    }
    if (ev->kind == LX_TAP_CONN_OPEN) {
        lx__snprintf(what, sizeof(what), "%s %s", ev->transport, ev->url);
    } else if (ev->kind == LX_TAP_CONN_CLOSE) {
        lx__snprintf(what, sizeof(what), "%s", ev->reason);
    } else if (ev->kind == LX_TAP_HTTP) {
        if (lx_http_msg_status(ev->http) > 0) {
            lx__snprintf(what, sizeof(what), "%d",
                         lx_http_msg_status(ev->http));
        } else {
            lx__snprintf(what, sizeof(what), "%s %s",
                         lx_http_msg_method(ev->http),
                         lx_http_msg_target(ev->http));
        }
    } else if (ev->kind == LX_TAP_WS_FRAME) {
        lx__snprintf(what, sizeof(what), "opcode=%d len=%zu", ev->ws_opcode,
                     ev->len);
    }
    printf("  tap %-6s %-6s %-3s conn=%llu seq=%llu %s\n",
           ev->side == LX_TAP_SERVER ? "server" : "client",
           kind_names[ev->kind > 0 && ev->kind <= 4 ? ev->kind : 0],
           ev->dir == LX_TAP_OUT ? "out" : "in",
           (unsigned long long)ev->conn_id, (unsigned long long)ev->seq, what);
}

/* ---- server side ----------------------------------------------------------
 */

static void srv_ws_message(struct lx_ws *ws, int opcode, const uint8_t *data,
                           size_t len, void *ud)
{
    LX_UNUSED(ud);
    if (opcode == LX_WS_TEXT) {
        lx_ws_send_text(ws, data, len);
    } else {
        lx_ws_send_binary(ws, data, len);
    }
}

static void srv_ws_close(struct lx_ws *ws, int err, int code,
                         const char *reason, void *ud)
{
    LX_UNUSED(err);
    LX_UNUSED(code);
    LX_UNUSED(reason);
    LX_UNUSED(ud);
    lx_ws_free(ws);
}

static void handler(struct lx_http_req *req, void *ud)
{
    static const struct lx_ws_cbs cbs = {NULL, srv_ws_message, NULL, NULL,
                                         srv_ws_close};
    const struct lx_http_msg *m = lx_http_req_msg(req);
    const char *target = lx_http_msg_target(m);
    struct lx_ws *ws;

    LX_UNUSED(ud);
    if (strcmp(target, "/ws") == 0) {
        lx_ws_accept(&ws, req, &cbs, NULL); /* answers 400 itself */
    } else if (strncmp(target, "/api/v3/depth", 13) == 0) {
        lx_http_req_respond_body(req, 200, NULL, "application/json", depth_body,
                                 sizeof(depth_body) - 1);
    } else {
        static const char nf[] = "{\"code\":-1,\"msg\":\"not found\"}";

        lx_http_req_respond_body(req, 404, NULL, "application/json", nf,
                                 sizeof(nf) - 1);
    }
}

/* ---- client side ----------------------------------------------------------
 */

static void ws_open(struct lx_ws *ws, void *ud)
{
    struct demo *d = ud;
    char msg[64];
    int i, n;

    printf("websocket: connected to %s\n", lx_ws_url(ws));
    for (i = 0; i < d->messages; i++) {
        n = lx__snprintf(msg, sizeof(msg), "{\"id\":%d,\"method\":\"PING\"}",
                         i);
        if (lx_ws_send_text(ws, msg, (size_t)n) == LX_OK) {
            d->sent++;
        }
    }
}

static void ws_message(struct lx_ws *ws, int opcode, const uint8_t *data,
                       size_t len, void *ud)
{
    struct demo *d = ud;
    char want[64];
    int n = lx__snprintf(want, sizeof(want), "{\"id\":%d,\"method\":\"PING\"}",
                         d->echoed);

    if (opcode != LX_WS_TEXT || (size_t)n != len ||
        memcmp(want, data, len) != 0) {
        fail(d, "websocket", "echo differs from what was sent");
    }
    if (++d->echoed == d->messages) {
        printf("websocket: %d messages echoed in order\n", d->echoed);
        lx_ws_close(ws, 1000, "demo done");
    }
}

static void ws_closed(struct lx_ws *ws, int err, int code, const char *reason,
                      void *ud)
{
    struct demo *d = ud;

    if (err != LX_OK) {
        fail(d, "websocket", reason);
    } else {
        printf("websocket: closed cleanly (code %d \"%s\")\n", code, reason);
    }
    lx_ws_free(ws);
    d->ws = NULL;
    finish(d);
}

static int print_side(const cJSON *book, const char *side)
{
    const cJSON *levels, *lvl;
    struct lx_json_err jerr;
    struct lx_decimal px, qty, notional, total = lx_decimal_from_i64(0, 8);
    char a[LX_DECIMAL_STRLEN], b[LX_DECIMAL_STRLEN], c[LX_DECIMAL_STRLEN];
    size_t i;

    if (lx__json_get_arr(book, side, &levels, &jerr) != LX_OK) {
        return LX_ERR_PARSE;
    }
    for (i = 0; i < (size_t)cJSON_GetArraySize(levels); i++) {
        if (lx__json_at_arr(levels, i, &lvl, &jerr) != LX_OK ||
            lx__json_at_decimal(lvl, 0, &px, &jerr) != LX_OK ||
            lx__json_at_decimal(lvl, 1, &qty, &jerr) != LX_OK ||
            lx_decimal_mul(px, qty, 8, LX_ROUND_HALF_EVEN, &notional) !=
                LX_OK ||
            lx_decimal_add(total, notional, &total) != LX_OK ||
            lx_decimal_format(px, a, sizeof(a)) < 0 ||
            lx_decimal_format(qty, b, sizeof(b)) < 0 ||
            lx_decimal_format(notional, c, sizeof(c)) < 0) {
            return LX_ERR_PARSE;
        }
        printf("  %-4s %12s x %-14s = %s\n", side, a, b, c);
    }
    if (lx_decimal_format(total, c, sizeof(c)) < 0) {
        return LX_ERR_PARSE;
    }
    printf("  %-4s total notional %s (exact, fixed point)\n", side, c);
    return LX_OK;
}

static void depth_cb(void *ud, int err, const struct lx_http_msg *resp,
                     const char *errmsg)
{
    struct demo *d = ud;
    static const struct lx_ws_cbs cbs = {ws_open, ws_message, NULL, NULL,
                                         ws_closed};
    cJSON *book = NULL;
    const char *body;
    size_t len;

    if (err != LX_OK) {
        fail(d, "GET /api/v3/depth", errmsg);
        finish(d);
        return;
    }
    body = lx_http_msg_body(resp, &len);
    printf("http: GET /api/v3/depth -> %d, %zu bytes\n",
           lx_http_msg_status(resp), len);
    if (lx_http_msg_status(resp) != 200 ||
        lx__json_parse(body, len, &book, NULL) != LX_OK ||
        print_side(book, "bids") != LX_OK ||
        print_side(book, "asks") != LX_OK) {
        fail(d, "GET /api/v3/depth", "unexpected answer");
        cJSON_Delete(book);
        finish(d);
        return;
    }
    cJSON_Delete(book);
    lx__snprintf(d->url, sizeof(d->url), "ws%s/ws", d->base_url + 4);
    if (lx_ws_connect(&d->ws, d->net, d->url, NULL, &cbs, d) != LX_OK) {
        fail(d, "websocket", "cannot start connecting");
        finish(d);
    }
}

static void usage(FILE *f)
{
    fprintf(f, "usage: lotusx demo [--inmem] [--messages N] [--quiet]\n"
               "\n"
               "Starts an HTTP + WebSocket server and a client in one event\n"
               "loop, fetches an order book into exact decimals, echoes N\n"
               "WebSocket messages (default 5) and closes cleanly.\n"
               "\n"
               "  --inmem        no sockets: an in-memory pair on a virtual "
               "clock\n"
               "  --messages N   WebSocket messages to echo (1..100000)\n"
               "  --quiet        do not print the wire tap\n");
}

static int parse_args(struct demo *d, int *inmem, int argc, char **argv)
{
    int i;
    int64_t n;

    for (i = 1; i < argc; i++) {
        if (lx_cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        } else if (strcmp(argv[i], "--inmem") == 0) {
            *inmem = 1;
        } else if (strcmp(argv[i], "--quiet") == 0) {
            d->verbose = 0;
        } else if (strcmp(argv[i], "--messages") == 0 && i + 1 < argc) {
            i++;
            if (lx__parse_i64(argv[i], strlen(argv[i]), &n) != LX_OK || n < 1 ||
                n > 100000) {
                fprintf(stderr,
                        "lotusx demo: --messages wants 1..100000, got '%s'\n",
                        argv[i]);
                return 2;
            }
            d->messages = (int)n;
        } else {
            fprintf(stderr, "lotusx demo: unexpected argument '%s'\n\n",
                    argv[i]);
            usage(stderr);
            return 2;
        }
    }
    return -1;
}

static int setup(struct demo *d, int inmem)
{
    int rc;

    rc = inmem ? lx_clock_new_virtual(&d->clock, NULL, d->base,
                                      (int64_t)1735689600 * 1000000000)
               : lx_clock_new_real(&d->clock, NULL, d->base);
    if (rc == LX_OK) {
        rc = lx_net_new(&d->net, NULL, d->base, d->clock);
    }
    if (rc == LX_OK) {
        lx_net_set_tap(d->net, tap_cb, d);
        rc = lx_http_server_new(&d->srv, d->net, handler, d);
    }
    if (rc == LX_OK && inmem) {
        lx_net_set_inmem_server(d->net, d->srv);
        d->base_url = "http://api.binance.com";
    } else if (rc == LX_OK) {
        rc = lx_http_server_listen(d->srv, "127.0.0.1", 0, NULL);
        lx__snprintf(d->url, sizeof(d->url), "http://127.0.0.1:%u",
                     (unsigned)lx_http_server_port(d->srv));
        d->base_url = d->url;
    }
    if (rc == LX_OK) {
        rc = lx_http_client_new(&d->cli, d->net);
    }
    if (rc == LX_OK) {
        rc = lx_timer_new(&d->guard, d->clock, guard_cb, d);
    }
    return rc;
}

int lx_cli_demo(int argc, char **argv)
{
    struct demo d;
    struct lx_http_msg *req;
    int inmem = 0, rc;
    char base_url[64];

    memset(&d, 0, sizeof(d));
    d.messages = 5;
    d.verbose = 1;
    rc = parse_args(&d, &inmem, argc, argv);
    if (rc >= 0) {
        return rc;
    }
    printf("lotusx %s demo (%s)\n", lx_version(),
           inmem ? "in-memory pair, virtual clock" : "loopback TCP");
    d.base = event_base_new();
    if (d.base == NULL || (rc = setup(&d, inmem)) != LX_OK) {
        fprintf(stderr, "lotusx demo: setup failed: %s\n",
                lx_strerror(d.base == NULL ? LX_ERR_NOMEM : rc));
        rc = 1;
        goto out;
    }
    lx__snprintf(base_url, sizeof(base_url), "%s", d.base_url);
    d.base_url = base_url;
    printf("server: %s %s (REST and WebSocket on one port)\n",
           inmem ? "in memory, dialed as" : "listening on", d.base_url);
    lx_timer_start(d.guard, 10 * (int64_t)1000000000, 0);
    rc = lx_http_msg_new_request(&req, NULL, "GET",
                                 "/api/v3/depth?symbol=BTCUSDT&limit=2");
    if (rc == LX_OK) {
        rc = lx_http_client_send(d.cli, d.base_url, req, 0, depth_cb, &d);
    }
    if (rc != LX_OK) {
        fprintf(stderr, "lotusx demo: request: %s\n", lx_strerror(rc));
        rc = 1;
        goto out;
    }
    while (!d.done && lx_clock_run(d.clock, INT64_MAX) == LX_OK) {
        if (!d.done) {
            fail(&d, "loop", "ran out of events before the demo finished");
            break;
        }
    }
    rc = d.failures == 0 && d.echoed == d.messages ? 0 : 1;
    printf("demo: %s\n", rc == 0 ? "ok" : "FAILED");
out:
    lx_ws_free(d.ws);
    lx_timer_free(d.guard);
    lx_http_client_free(d.cli);
    lx_http_server_free(d.srv);
    lx_net_free(d.net);
    lx_clock_free(d.clock);
    if (d.base != NULL) {
        event_base_loop(d.base, EVLOOP_NONBLOCK);
        event_base_free(d.base);
    }
    return rc;
}
