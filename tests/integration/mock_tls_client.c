/*
 * mock_tls_client.c - lx_exchange against a lotusx-mock served over TLS
 * (https:// and wss://), trusting the mock's certificate through
 * lx_net_set_ca_file; driven by tests/integration/mock_tls.sh.
 *
 *   mock_tls_client VENUE URL CA_FILE KEY SECRET
 *
 * VENUE is binance-spot or binance-usdm, URL the https:// base the mock
 * printed (the WebSocket origin is the same host and port, wss://),
 * CA_FILE the PEM of --tls-ca-out, or "-" for the system store (which
 * does not trust the mock: the first call must fail with a TLS error).
 * Steps, one line each on stdout: server time, markets, a far limit order
 * placed and cancelled (spot: seen on the user-data stream too), a
 * watched book synced from the diff stream. Exit 0 when every step
 * passed, 1 when one failed (a message on stderr), 2 on bad usage.
 * Each step waits at most 10 s of the real clock.
 */
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "lotusx/lx_clock.h"
#include "lotusx/lx_decimal.h"
#include "lotusx/lx_exchange.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_secret.h"

#define STEP_NS ((int64_t)10 * 1000000000)

struct client {
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_creds *creds;
    struct lx_exchange *ex;
    int spot;
    int done; /* the current step's callback ran */
    int err;
    char errmsg[256];
    int64_t server_time;
    size_t ninst;
    char order_id[LX_ORDER_ID_LEN];
    enum lx_order_status status;
    int user_up, order_events, orders_done, book_synced;
};

/* ---- callbacks ----------------------------------------------------------- */

static void on_result(struct lx_exchange *ex, const struct lx_ex_result *r,
                      void *ud)
{
    struct client *c = ud;

    (void)ex;
    c->err = r->err;
    (void)snprintf(c->errmsg, sizeof(c->errmsg), "%s", r->errmsg);
    c->server_time = r->server_time_ms;
    c->ninst = r->ninstruments;
    if (r->err == LX_OK && r->norders > 0) {
        memcpy(c->order_id, r->orders[0].order_id, sizeof(c->order_id));
        c->status = r->orders[0].status;
    }
    c->done = 1;
}

static void on_event(struct lx_exchange *ex, const struct lx_ex_event *ev,
                     void *ud)
{
    struct client *c = ud;

    (void)ex;
    if (ev->kind == LX_EV_STATUS && ev->u.status.what == LX_ST_USER_UP) {
        c->user_up = 1;
    } else if (ev->kind == LX_EV_ORDER) {
        c->orders_done = ++c->order_events >= 2;
    } else if (ev->kind == LX_EV_BOOK &&
               ev->u.book.state == LX_BOOK_SYNC_SYNCED) {
        c->book_synced = 1;
    }
}

/* ---- steps --------------------------------------------------------------- */

/* Runs the loop until the call's callback ran; its error. */
static int wait_call(struct client *c, const char *step, int rc)
{
    if (rc != LX_OK) {
        fprintf(stderr, "mock_tls_client: %s: refused: %s\n", step,
                lx_strerror(rc));
        return rc;
    }
    c->done = 0;
    rc = lx_exchange_run(c->ex, &c->done, STEP_NS);
    if (rc != LX_OK) {
        fprintf(stderr, "mock_tls_client: %s: no answer: %s\n", step,
                lx_strerror(rc));
        return rc;
    }
    if (c->err != LX_OK) {
        /* the line the test looks for when the CA is not trusted */
        printf("%s: error %s: %s\n", step, lx_err_name(c->err), c->errmsg);
        fprintf(stderr, "mock_tls_client: %s: %s\n", step, c->errmsg);
    }
    return c->err;
}

/* Runs the loop until *flag is set by an event. */
static int wait_flag(struct client *c, const char *what, const int *flag)
{
    int rc = lx_exchange_run(c->ex, flag, STEP_NS);

    if (rc != LX_OK) {
        fprintf(stderr, "mock_tls_client: %s: %s\n", what, lx_strerror(rc));
    }
    return rc;
}

static int place_and_cancel(struct client *c)
{
    struct lx_order_req o;
    int rc;

    memset(&o, 0, sizeof(o));
    (void)snprintf(o.symbol, sizeof(o.symbol), "BTCUSDT");
    (void)snprintf(o.client_id, sizeof(o.client_id), "tls-it-1");
    o.side = LX_SIDE_BUY;
    o.type = LX_ORDER_LIMIT;
    o.tif = LX_TIF_GTC;
    o.has_price = o.has_qty = true;
    rc = lx_decimal_parse("50000", 5, &o.price);
    if (rc == LX_OK) {
        rc = lx_decimal_parse("0.010", 5, &o.qty);
    }
    if (rc == LX_OK) {
        rc = wait_call(c, "place", lx_exchange_place(c->ex, &o, on_result, c));
    }
    if (rc != LX_OK) {
        return rc;
    }
    printf("placed %s %s\n", c->order_id, lx_order_status_name(c->status));
    if (c->status != LX_STATUS_NEW) {
        return LX_ERR_STATE;
    }
    rc = wait_call(
        c, "cancel",
        lx_exchange_cancel(c->ex, "BTCUSDT", c->order_id, NULL, on_result, c));
    if (rc != LX_OK) {
        return rc;
    }
    printf("cancelled %s %s\n", c->order_id, lx_order_status_name(c->status));
    return c->status == LX_STATUS_CANCELED ? LX_OK : LX_ERR_STATE;
}

/* The whole session; LX_OK when every step passed. */
static int session(struct client *c)
{
    int rc;

    rc = wait_call(c, "time", lx_exchange_server_time(c->ex, on_result, c));
    if (rc != LX_OK) {
        return rc;
    }
    printf("time ok\n");
    rc = wait_call(c, "markets", lx_exchange_markets(c->ex, on_result, c));
    if (rc != LX_OK) {
        return rc;
    }
    printf("markets %s\n", lx_exchange_instrument(c->ex, "BTCUSDT") != NULL
                               ? "BTCUSDT"
                               : "none");
    if (c->spot) {
        rc = lx_exchange_user_stream(c->ex);
        rc = rc != LX_OK ? rc : wait_flag(c, "user stream", &c->user_up);
        if (rc != LX_OK) {
            return rc;
        }
        printf("user stream up\n");
    }
    rc = place_and_cancel(c);
    if (rc == LX_OK && c->spot) {
        /* NEW then CANCELED, both over the wss user-data stream */
        rc = wait_flag(c, "order events", &c->orders_done);
        if (rc == LX_OK) {
            printf("user stream order events %d\n", c->order_events);
        }
    }
    if (rc == LX_OK) {
        rc = lx_exchange_watch_book(c->ex, "BTCUSDT", 100);
        rc = rc != LX_OK ? rc : wait_flag(c, "book", &c->book_synced);
        if (rc == LX_OK) {
            printf("book synced\n");
        }
    }
    return rc;
}

/* ---- setup --------------------------------------------------------------- */

static int open_client(struct client *c, char **argv)
{
    struct lx_exchange_opts *o = NULL;
    char ws[256];
    int rc;

    c->spot = strcmp(argv[1], "binance-spot") == 0;
    if (strncmp(argv[2], "https://", 8) != 0 ||
        snprintf(ws, sizeof(ws), "wss://%s", argv[2] + 8) >= (int)sizeof(ws)) {
        fprintf(stderr, "mock_tls_client: want an https:// URL\n");
        return LX_ERR_INVAL;
    }
    c->base = event_base_new();
    rc = c->base != NULL ? lx_clock_new_real(&c->clock, NULL, c->base)
                         : LX_ERR_NOMEM;
    rc = rc != LX_OK ? rc : lx_net_new(&c->net, NULL, c->base, c->clock);
    if (rc == LX_OK && strcmp(argv[3], "-") != 0) {
        rc = lx_net_set_ca_file(c->net, argv[3]);
    }
    rc = rc != LX_OK ? rc : lx_creds_new(&c->creds, NULL, argv[1]);
    rc = rc != LX_OK ? rc
                     : lx_creds_set(c->creds, LX_CRED_API_KEY, argv[4],
                                    strlen(argv[4]));
    rc = rc != LX_OK ? rc
                     : lx_creds_set(c->creds, LX_CRED_API_SECRET, argv[5],
                                    strlen(argv[5]));
    rc = rc != LX_OK ? rc : lx_exchange_opts_new(&o);
    rc = rc != LX_OK ? rc : lx_exchange_opts_set_urls(o, argv[2], ws);
    if (rc == LX_OK) {
        lx_exchange_opts_set_creds(o, c->creds);
        lx_exchange_opts_set_retries(o, 0); /* a TLS failure is final */
        rc = lx_exchange_new(&c->ex, c->net, argv[1], o);
    }
    lx_exchange_opts_free(o);
    if (rc == LX_OK) {
        lx_exchange_set_event_cb(c->ex, on_event, c);
    } else {
        fprintf(stderr, "mock_tls_client: setup: %s\n", lx_strerror(rc));
    }
    return rc;
}

static void close_client(struct client *c)
{
    lx_exchange_free(c->ex);
    lx_creds_free(c->creds);
    if (c->clock != NULL) {
        /* libevent's deferred callbacks of the freed connections */
        (void)lx_clock_run(c->clock, lx_clock_mono_ns(c->clock));
    }
    lx_net_free(c->net);
    lx_clock_free(c->clock);
    if (c->base != NULL) {
        event_base_free(c->base);
    }
}

int main(int argc, char **argv)
{
    struct client c;
    int rc;

    if (argc != 6) {
        fprintf(stderr, "usage: mock_tls_client VENUE URL CA_FILE|- KEY "
                        "SECRET\n");
        return 2;
    }
    memset(&c, 0, sizeof(c));
    rc = open_client(&c, argv);
    if (rc == LX_OK) {
        rc = session(&c);
    }
    close_client(&c);
    fflush(stdout);
    return rc == LX_OK ? 0 : 1;
}
