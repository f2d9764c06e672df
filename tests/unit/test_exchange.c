/*
 * test_exchange.c - the Binance spot connector (lx_exchange) against
 * lotusx-mock's simulated Binance spot, in one process on a virtual clock
 * over the in-memory transport: every REST call with exact decimals, the
 * errors (no keys, read-only, wrong secret, unknown symbol), the client-side
 * rate limiter and 429 handling, the -1021 clock resync, reconciliation of
 * an order whose outcome is unknown, the market streams with a local book
 * that stays equal to the mock's across forced reconnects, unwatching and
 * re-watching a book (also from inside its own events), and the user-data
 * stream with a listen key the venue expires, stopped and started again
 * (also from inside its own events).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_exchange.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_secret.h"
#include "mock/feed/synth.h"
#include "mock/server/fault.h"
#include "mock/server/mock.h"
#include "mock/venues/binance/dialect.h"
#include "mock/venues/binance/spot.h"
#include "mock/venues/binance/streams.h"
#include "venues/binance/binance.h"

#include "lx_test.h"

#define SEC    ((int64_t)1000000000)
#define KEY    "exchange-test-key-0123456789"
#define SECRET "exchange-test-secret-0123456789"
#define T0     ((int64_t)1767225600 * SEC) /* 2026-01-01 00:00:00 UTC */

struct fx {
    struct event_base *base;
    struct lx_clock *clock, *mock_clock;
    struct lx_net *net;
    struct lx_http_server *srv;
    struct lx_mock_door *door;
    struct lx_mock_bn_hub *hub;
    struct lx_mock_bn_spot *spot;
    struct lx_mock_synth *synth;
    struct lx_secret *secret, *mm_secret;
    struct lx_creds *creds;
    struct lx_exchange *ex;
    struct lx_mock_limits limits;
    uint32_t user, maker, taker;
    /* wrapper handler faults */
    int fail_next_order; /* 1: answer 503 -1006 unplaced; 2: placed */
    struct lx_http_client *side;
    struct lx_http_req *held;
    int orders_seen;
    int key_puts, key_deletes; /* /api/v3/userDataStream keep-alive, close */
    /* last result */
    int done, err, http_status, attempts, reconciled;
    long long venue_code;
    char body[65536];
    size_t nitems;
    struct lx_order order;
    struct lx_instrument inst;
    int64_t value;
    /* events */
    int ev_count[LX_EV_STATUS + 1];
    int st_count[LX_ST_ERROR + 1];
    int book_synced_events;
    char last_client_id[LX_CLIENT_ID_LEN];
    /* what on_event does from inside the callback (enum cb_action) */
    int action;
    int action_rc, action_rc2;
    int user_events_at_stop;
};

enum cb_action {
    ACT_NONE = 0,
    ACT_UNWATCH_SYNCED, /* unwatch at the first SYNCED LX_EV_BOOK */
    ACT_REWATCH_SYNCED, /* unwatch and watch again there */
    ACT_UNWATCH_RESET,  /* unwatch at the reset after a dropped stream */
    ACT_STOP_USER,      /* stop the user stream at the first LX_EV_ORDER */
    ACT_RESTART_USER    /* stop and start it again there */
};

static const struct lx_mock_bn_symbol_cfg btc = {
    "BTCUSDT", "BTC",  "USDT", "0.01",    "0.00001",
    "0.00001", "9000", "0.01", "1000000", "5"};

/* ---- a handler in front of the mock's door, for faults ------------------- */

static void side_cb(void *ud, int err, const struct lx_http_msg *resp,
                    const char *errmsg)
{
    struct fx *f = ud;
    static const char body[] = "{\"code\":-1006,\"msg\":\"An unexpected "
                               "response was received from the message bus. "
                               "Execution status unknown.\"}";

    LX_UNUSED(resp);
    LX_UNUSED(errmsg);
    assert_int_equal(err, LX_OK);
    (void)lx_http_req_respond_body(f->held, 503, NULL, "application/json", body,
                                   sizeof(body) - 1);
    f->held = NULL;
}

/* Places the order through a second client, then answers -1006. */
static void place_behind(struct fx *f, struct lx_http_req *req)
{
    const struct lx_http_msg *m = lx_http_req_msg(req);
    struct lx_http_msg *copy = NULL;
    const char *key, *body;
    size_t klen = 0, blen = 0;

    key = lx_http_msg_header(m, "X-MBX-APIKEY", &klen);
    body = lx_http_msg_body(m, &blen);
    assert_int_equal(
        lx_http_msg_new_request(&copy, NULL, "POST", lx_http_msg_target(m)),
        LX_OK);
    assert_int_equal(lx_http_msg_add_header(copy, "X-MBX-APIKEY", key), LX_OK);
    assert_int_equal(
        lx_http_msg_add_header(copy, "Content-Type",
                               "application/x-www-form-urlencoded"),
        LX_OK);
    assert_int_equal(lx_http_msg_set_body(copy, body, blen), LX_OK);
    f->held = req;
    assert_int_equal(
        lx_http_client_send(f->side, "http://mock", copy, 0, side_cb, f),
        LX_OK);
}

static void front(struct lx_http_req *req, void *ud)
{
    struct fx *f = ud;
    const struct lx_http_msg *m = lx_http_req_msg(req);
    static const char body[] = "{\"code\":-1006,\"msg\":\"Execution status "
                               "unknown.\"}";

    if (strncmp(lx_http_msg_target(m), "/api/v3/userDataStream", 22) == 0) {
        f->key_puts += strcmp(lx_http_msg_method(m), "PUT") == 0;
        f->key_deletes += strcmp(lx_http_msg_method(m), "DELETE") == 0;
    }
    if (strcmp(lx_http_msg_method(m), "POST") == 0 &&
        strncmp(lx_http_msg_target(m), "/api/v3/order", 13) == 0) {
        f->orders_seen++;
        if (f->fail_next_order == 1) {
            f->fail_next_order = 0;
            (void)lx_http_req_respond_body(req, 503, NULL, "application/json",
                                           body, sizeof(body) - 1);
            return;
        }
        if (f->fail_next_order == 2) {
            f->fail_next_order = 0;
            place_behind(f, req);
            return;
        }
    }
    lx_mock_door_handle(req, f->door);
}

/* ---- fixture ---------------------------------------------------------------
 */

static void add_accounts(struct fx *f)
{
    static const char *const bal[] = {"USDT", "10000", "BTC", "1", NULL};
    static const char *const big[] = {"USDT", "100000000", "BTC", "10000",
                                      NULL};
    struct lx_mock_bn_account_cfg a;
    const char *why = "";

    memset(&a, 0, sizeof(a));
    a.api_key = KEY;
    a.secret = f->secret;
    a.maker_fee = "0.001";
    a.taker_fee = "0.001";
    a.balances = bal;
    assert_int_equal(lx_mock_bn_spot_add_account(f->spot, &a, &f->user, &why),
                     LX_OK);
    a.api_key = "maker";
    a.secret = f->mm_secret;
    a.balances = big;
    assert_int_equal(lx_mock_bn_spot_add_account(f->spot, &a, &f->maker, &why),
                     LX_OK);
    a.api_key = "taker";
    assert_int_equal(lx_mock_bn_spot_add_account(f->spot, &a, &f->taker, &why),
                     LX_OK);
}

struct fx_cfg {
    int market;           /* run the synthetic market */
    int64_t skew_ms;      /* mock clock ahead of the client's */
    int64_t weight_limit; /* the mock's per-minute weight limit (0: venue) */
    int64_t client_limit; /* lx_exchange_opts_set_rate_limit */
    int64_t max_age_ns;   /* stream connection lifetime */
    const char *secret;   /* the client's secret */
    int read_only;
};

static struct fx *make(const struct fx_cfg *c)
{
    static const struct lx_mock_synth_symbol sy = {"BTCUSDT", "60000.00",
                                                   "0.05000", 5, 50};
    struct fx *f = test_calloc(1, sizeof(*f));
    struct lx_mock_bn_hub_opts hub = lx_mock_bn_hub_spot;
    struct lx_exchange_opts *o;
    const char *why = "";
    const char *sec = c->secret != NULL ? c->secret : SECRET;

    f->base = event_base_new();
    assert_int_equal(lx_clock_new_virtual(&f->clock, NULL, f->base, T0), LX_OK);
    f->mock_clock = f->clock;
    if (c->skew_ms != 0) {
        /* A second clock for the venue only: it is never run, and the
         * mock needs no timers without the synthetic market. */
        assert_int_equal(lx_clock_new_virtual(&f->mock_clock, NULL, f->base,
                                              T0 + c->skew_ms * 1000000),
                         LX_OK);
    }
    assert_int_equal(lx_net_new(&f->net, NULL, f->base, f->clock), LX_OK);
    f->limits = lx_mock_bn_spot_limits;
    if (c->weight_limit > 0) {
        f->limits.weight_per_min = c->weight_limit;
    }
    assert_int_equal(lx_mock_door_new(&f->door, f->net, f->mock_clock,
                                      "binance", &lx_mock_bn_dialect,
                                      &f->limits),
                     LX_OK);
    if (c->max_age_ns > 0) {
        hub.max_age_ns = c->max_age_ns;
    }
    assert_int_equal(lx_mock_bn_hub_new(&f->hub, f->net, f->mock_clock, &hub),
                     LX_OK);
    lx_mock_door_set_upgrade(f->door, lx_mock_bn_hub_upgrade, f->hub);
    lx_mock_bn_hub_set_faults(f->hub, lx_mock_door_faults(f->door));
    assert_int_equal(
        lx_mock_bn_spot_new(&f->spot, f->mock_clock, f->door, f->hub, &why),
        LX_OK);
    assert_int_equal(lx_mock_bn_spot_add_symbol(f->spot, &btc, &why), LX_OK);
    assert_int_equal(
        lx_secret_new(&f->secret, NULL, SECRET, sizeof(SECRET) - 1), LX_OK);
    assert_int_equal(lx_secret_new(&f->mm_secret, NULL, "x", 1), LX_OK);
    add_accounts(f);
    assert_int_equal(lx_http_server_new(&f->srv, f->net, front, f), LX_OK);
    lx_net_set_inmem_server(f->net, f->srv);
    assert_int_equal(lx_http_client_new(&f->side, f->net), LX_OK);
    if (c->market) {
        assert_int_equal(lx_mock_synth_new(&f->synth, f->clock, f->spot,
                                           f->maker, f->taker, 7, SEC),
                         LX_OK);
        assert_int_equal(lx_mock_synth_add(f->synth, &sy), LX_OK);
        assert_int_equal(lx_mock_synth_start(f->synth), LX_OK);
    }
    assert_int_equal(lx_creds_new(&f->creds, NULL, "binance-spot"), LX_OK);
    assert_int_equal(
        lx_creds_set(f->creds, LX_CRED_API_KEY, KEY, sizeof(KEY) - 1), LX_OK);
    assert_int_equal(
        lx_creds_set(f->creds, LX_CRED_API_SECRET, sec, strlen(sec)), LX_OK);
    assert_int_equal(lx_exchange_opts_new(&o), LX_OK);
    assert_int_equal(
        lx_exchange_opts_set_urls(o, "http://127.0.0.1:1/", "ws://127.0.0.1:1"),
        LX_OK);
    lx_exchange_opts_set_creds(o, f->creds);
    lx_exchange_opts_set_read_only(o, c->read_only != 0);
    lx_exchange_opts_set_rate_limit(o, c->client_limit);
    assert_int_equal(lx_exchange_new(&f->ex, f->net, "binance-spot", o), LX_OK);
    lx_exchange_opts_free(o);
    return f;
}

static int setup_quiet(void **state)
{
    struct fx_cfg c = {0};

    *state = make(&c);
    return 0;
}

static int setup_market(void **state)
{
    struct fx_cfg c = {0};

    c.market = 1;
    c.max_age_ns = 60 * SEC; /* forces reconnects every virtual minute */
    *state = make(&c);
    return 0;
}

static int setup_market_day(void **state)
{
    struct fx_cfg c = {0};

    c.market = 1; /* the venue's own 24 h connection lifetime */
    *state = make(&c);
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    lx_exchange_free(f->ex);
    /*
     * A run stopped from a callback (lx_clock_stop_run) leaves libevent's
     * deferred callbacks queued, and they hold references to the closed
     * connections: let them run before the base goes.
     */
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock)), LX_OK);
    lx_creds_free(f->creds);
    lx_http_client_free(f->side);
    lx_http_server_free(f->srv);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock)), LX_OK);
    lx_mock_synth_free(f->synth);
    lx_mock_bn_spot_free(f->spot);
    lx_mock_bn_hub_free(f->hub);
    lx_mock_door_free(f->door);
    lx_secret_free(f->secret);
    lx_secret_free(f->mm_secret);
    lx_net_free(f->net);
    if (f->mock_clock != f->clock) {
        lx_clock_free(f->mock_clock);
    }
    lx_clock_free(f->clock);
    event_base_free(f->base);
    test_free(f);
    return 0;
}

/* ---- helpers
 * ----------------------------------------------------------------- */

static void on_result(struct lx_exchange *ex, const struct lx_ex_result *r,
                      void *ud)
{
    struct fx *f = ud;

    assert_ptr_equal(ex, f->ex);
    assert_non_null(r->errmsg);
    f->done++;
    f->err = r->err;
    f->http_status = r->http_status;
    f->attempts = r->attempts;
    f->reconciled = r->reconciled;
    f->venue_code = r->venue != NULL ? r->venue->code : 0;
    assert_true(r->body_len < sizeof(f->body));
    memcpy(f->body, r->body, r->body_len);
    f->body[r->body_len] = '\0';
    f->nitems = r->ninstruments + r->ntrades + r->nklines + r->ntickers +
                r->norders + r->nbalances;
    if (r->norders > 0) {
        f->order = r->orders[0];
        f->order.fills = NULL;
    }
    if (r->ninstruments > 0) {
        f->inst = r->instruments[0];
    }
    f->value = r->server_time_ms;
    lx_clock_stop_run(f->clock); /* wait() returns at this instant */
}

/* Runs until the pending call answered; returns its error. */
static int wait(struct fx *f)
{
    int target = f->done + 1;

    while (f->done < target) {
        int64_t before = lx_clock_mono_ns(f->clock);
        assert_int_equal(lx_clock_run(f->clock, before + 600 * SEC), LX_OK);
        if (f->done < target &&
            lx_clock_mono_ns(f->clock) >= before + 600 * SEC) {
            fail_msg("no answer within 600 virtual seconds");
        }
    }
    return f->err;
}

static struct lx_order_req limit_buy(const char *price, const char *qty)
{
    struct lx_order_req o;

    memset(&o, 0, sizeof(o));
    memcpy(o.symbol, "BTCUSDT", 8);
    o.side = LX_SIDE_BUY;
    o.type = LX_ORDER_LIMIT;
    o.tif = LX_TIF_GTC;
    o.has_price = o.has_qty = true;
    assert_int_equal(lx_decimal_parse(price, strlen(price), &o.price), LX_OK);
    assert_int_equal(lx_decimal_parse(qty, strlen(qty), &o.qty), LX_OK);
    return o;
}

static void assert_dec(struct lx_decimal d, const char *want)
{
    char buf[64];

    assert_true(lx_decimal_format(d, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, want);
}

/* ---- REST -------------------------------------------------------------------
 */

static void test_market_data(void **state)
{
    struct fx *f = *state;

    assert_int_equal(lx_exchange_markets(f->ex, on_result, f), LX_OK);
    assert_int_equal(f->done, 0); /* never inside the call */
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(f->nitems, 1);
    assert_string_equal(f->inst.symbol, "BTCUSDT");
    assert_dec(f->inst.tick_size, "0.01");
    assert_non_null(lx_exchange_instrument(f->ex, "BTCUSDT"));
    assert_null(lx_exchange_instrument(f->ex, "ETHBTC"));

    assert_int_equal(lx_exchange_server_time(f->ex, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(f->value, T0 / 1000000);
    assert_int_equal(lx_exchange_clock_offset(f->ex), 0);

    assert_int_equal(lx_exchange_depth(f->ex, "BTCUSDT", 5, on_result, f),
                     LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_non_null(strstr(f->body, "\"lastUpdateId\""));
    assert_int_equal(lx_exchange_trades(f->ex, "BTCUSDT", 10, on_result, f),
                     LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(
        lx_exchange_klines(f->ex, "BTCUSDT", "1m", 0, 0, 10, on_result, f),
        LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(lx_exchange_ticker(f->ex, "BTCUSDT", on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(f->nitems, 1);
    /* exchangeInfo 20 + time 1 + depth 5 + trades 25 + klines 2 + ticker 2 */
    assert_int_equal(lx_exchange_used_weight(f->ex), 55);

    assert_int_equal(lx_exchange_depth(f->ex, "NOPE", 5, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_ERR_VENUE);
    assert_int_equal(f->venue_code, -1121);
    assert_int_equal(f->http_status, 400);
    assert_int_equal(f->attempts, 1); /* a rejection is not retried */
}

static void test_order_lifecycle(void **state)
{
    struct fx *f = *state;
    struct lx_order_req o = limit_buy("50000.00", "0.01000");
    char oid[LX_ORDER_ID_LEN], cid[LX_CLIENT_ID_LEN];

    assert_int_equal(lx_exchange_place(f->ex, &o, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(f->order.status, LX_STATUS_NEW);
    assert_dec(f->order.price, "50000.00000000");
    assert_true(strncmp(f->order.client_id, "lx", 2) == 0); /* generated */
    memcpy(oid, f->order.order_id, sizeof(oid));
    memcpy(cid, f->order.client_id, sizeof(cid));

    assert_int_equal(lx_exchange_open_orders(f->ex, "BTCUSDT", on_result, f),
                     LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(f->nitems, 1);
    assert_string_equal(f->order.order_id, oid);

    assert_int_equal(
        lx_exchange_query(f->ex, "BTCUSDT", NULL, cid, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_string_equal(f->order.order_id, oid);

    assert_int_equal(lx_exchange_balances(f->ex, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_non_null(strstr(f->body, "\"asset\":\"USDT\",\"free\":\"9500."));

    assert_int_equal(
        lx_exchange_cancel(f->ex, "BTCUSDT", oid, NULL, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(f->order.status, LX_STATUS_CANCELED);

    assert_int_equal(
        lx_exchange_cancel(f->ex, "BTCUSDT", oid, NULL, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_ERR_VENUE);
    assert_int_equal(f->venue_code, -2011);
    assert_int_equal(f->attempts, 1); /* cancels are never resent */

    assert_int_equal(
        lx_exchange_my_trades(f->ex, "BTCUSDT", -1, 0, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(f->nitems, 0);
}

static void test_refusals(void **state)
{
    struct fx *f = *state;
    struct lx_order_req o = limit_buy("50000.00", "0.01000");
    struct lx_exchange *pub;
    struct lx_exchange_opts *opts;

    assert_int_equal(lx_exchange_positions(f->ex, NULL, on_result, f),
                     LX_ERR_UNSUPPORTED);
    assert_int_equal(lx_exchange_depth(f->ex, "", 5, on_result, f),
                     LX_ERR_INVAL);
    assert_int_equal(lx_exchange_new(&pub, f->net, "binance-coinm", NULL),
                     LX_ERR_NOTFOUND);
    /* No keys: public only. */
    assert_int_equal(lx_exchange_new(&pub, f->net, "binance-spot", NULL),
                     LX_OK);
    assert_int_equal(lx_exchange_place(pub, &o, on_result, f), LX_ERR_NOCREDS);
    assert_int_equal(lx_exchange_user_stream(pub), LX_ERR_NOCREDS);
    lx_exchange_free(pub);
    /* Read-only with keys: queries yes, trading no. */
    assert_int_equal(lx_exchange_opts_new(&opts), LX_OK);
    lx_exchange_opts_set_creds(opts, f->creds);
    lx_exchange_opts_set_read_only(opts, true);
    assert_int_equal(lx_exchange_opts_set_urls(opts, "ftp://x", NULL),
                     LX_ERR_INVAL);
    assert_int_equal(lx_exchange_new(&pub, f->net, "binance-spot", opts),
                     LX_OK);
    lx_exchange_opts_free(opts);
    assert_int_equal(lx_exchange_place(pub, &o, on_result, f), LX_ERR_PERM);
    assert_int_equal(lx_exchange_cancel_all(pub, "BTCUSDT", on_result, f),
                     LX_ERR_PERM);
    lx_exchange_free(pub);
    assert_int_equal(f->done, 0);
}

static void test_wrong_secret(void **state)
{
    struct fx_cfg c = {0};
    struct fx *f;

    (void)state;
    c.secret = "not-the-secret";
    f = make(&c);
    assert_int_equal(lx_exchange_balances(f->ex, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_ERR_VENUE);
    assert_int_equal(f->venue_code, -1022);
    assert_int_equal(f->attempts, 1);
    void *s = f;
    teardown(&s);
}

static void test_clock_resync(void **state)
{
    struct fx_cfg c = {0};
    struct fx *f;
    struct lx_order_req o = limit_buy("50000.00", "0.01000");

    (void)state;
    c.skew_ms = 10000; /* the venue is 10 s ahead: -1021 */
    f = make(&c);
    assert_int_equal(lx_exchange_place(f->ex, &o, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(f->order.status, LX_STATUS_NEW);
    assert_int_equal(lx_exchange_clock_offset(f->ex), 10000);
    assert_int_equal(f->attempts, 3); /* rejected, server time, re-signed */
    assert_int_equal(f->orders_seen, 2);
    void *s = f;
    teardown(&s);
}

static void test_rate_limiter(void **state)
{
    struct fx_cfg c = {0};
    struct fx *f;
    int i;
    int64_t t_start;

    (void)state;
    c.client_limit = 30; /* six depth calls (weight 5) a minute */
    f = make(&c);
    t_start = lx_clock_mono_ns(f->clock);
    for (i = 0; i < 8; i++) {
        assert_int_equal(lx_exchange_depth(f->ex, "BTCUSDT", 5, on_result, f),
                         LX_OK);
    }
    for (i = 0; i < 6; i++) {
        assert_int_equal(wait(f), LX_OK);
    }
    assert_true(lx_clock_mono_ns(f->clock) - t_start < SEC);
    assert_int_equal(wait(f), LX_OK); /* the 7th waited for the next minute */
    assert_true(lx_clock_mono_ns(f->clock) - t_start >= 60 * SEC);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(f->attempts, 1);
    void *s = f;
    teardown(&s);
}

static void test_venue_429(void **state)
{
    struct fx_cfg c = {0};
    struct fx *f;
    int i;

    (void)state;
    c.weight_limit = 12; /* the venue allows two depth calls a minute */
    c.client_limit = -1; /* and the client does not know */
    f = make(&c);
    for (i = 0; i < 3; i++) {
        assert_int_equal(lx_exchange_depth(f->ex, "BTCUSDT", 5, on_result, f),
                         LX_OK);
    }
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(wait(f), LX_OK); /* 429, Retry-After honoured, retried */
    assert_true(f->attempts >= 2);
    assert_true(lx_clock_wall_ns(f->clock) - T0 >= 1 * SEC);
    void *s = f;
    teardown(&s);
}

static void test_reconcile_not_placed(void **state)
{
    struct fx *f = *state;
    struct lx_order_req o = limit_buy("50000.00", "0.01000");

    memcpy(o.client_id, "mine-1", 7);
    f->fail_next_order = 1; /* 503 -1006 and nothing placed */
    assert_int_equal(lx_exchange_place(f->ex, &o, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_ERR_IO);
    assert_false(f->reconciled);
    assert_int_equal(f->orders_seen, 1); /* never resent */
    assert_int_equal(f->attempts, 2);    /* the placement and one lookup */
}

static void test_reconcile_placed(void **state)
{
    struct fx *f = *state;
    struct lx_order_req o = limit_buy("50000.00", "0.01000");

    memcpy(o.client_id, "mine-2", 7);
    f->fail_next_order = 2; /* placed, then 503 -1006 */
    assert_int_equal(lx_exchange_place(f->ex, &o, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_true(f->reconciled);
    assert_string_equal(f->order.client_id, "mine-2");
    assert_int_equal(f->order.status, LX_STATUS_NEW);
    assert_int_equal(f->orders_seen, 2); /* the client's one + the side copy */
    assert_int_equal(lx_exchange_open_orders(f->ex, "BTCUSDT", on_result, f),
                     LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(f->nitems, 1); /* exactly one order exists */
}

/* ---- streams
 * ----------------------------------------------------------------- */

static int user_events(const struct fx *f)
{
    return f->ev_count[LX_EV_ORDER] + f->ev_count[LX_EV_ACCOUNT] +
           f->st_count[LX_ST_USER_UP] + f->st_count[LX_ST_USER_DOWN] +
           f->st_count[LX_ST_LISTEN_KEY];
}

/* Does f->action, once, when ev is the event it waits for. */
static void act(struct fx *f, struct lx_exchange *ex,
                const struct lx_ex_event *ev)
{
    bool book = ev->kind == LX_EV_BOOK;
    bool synced = book && ev->u.book.state == LX_BOOK_SYNC_SYNCED;

    if ((f->action == ACT_UNWATCH_SYNCED && synced) ||
        (f->action == ACT_REWATCH_SYNCED && synced) ||
        (f->action == ACT_UNWATCH_RESET && book && !synced &&
         f->st_count[LX_ST_MARKET_DOWN] > 0)) {
        assert_string_equal(ev->u.book.symbol, "BTCUSDT");
        f->action_rc = lx_exchange_unwatch_book(ex, "BTCUSDT");
        f->action_rc2 = lx_exchange_unwatch_book(ex, "BTCUSDT");
        assert_null(lx_exchange_book(ex, "BTCUSDT"));
        /* The event's book stays readable until the callback returns. */
        (void)lx_book_depth(ev->u.book.book, LX_BOOK_BID);
        if (f->action == ACT_REWATCH_SYNCED) {
            f->action_rc2 = lx_exchange_watch_book(ex, "BTCUSDT", 100);
        }
        f->action = ACT_NONE;
    } else if ((f->action == ACT_STOP_USER || f->action == ACT_RESTART_USER) &&
               ev->kind == LX_EV_ORDER) {
        f->action_rc = lx_exchange_user_stream_stop(ex);
        f->action_rc2 = lx_exchange_user_stream_stop(ex);
        if (f->action == ACT_RESTART_USER) {
            f->action_rc2 = lx_exchange_user_stream(ex);
        }
        f->user_events_at_stop = user_events(f);
        f->action = ACT_NONE;
    }
}

static void on_event(struct lx_exchange *ex, const struct lx_ex_event *ev,
                     void *ud)
{
    struct fx *f = ud;

    assert_true(ev->kind >= LX_EV_DEPTH && ev->kind <= LX_EV_STATUS);
    f->ev_count[ev->kind]++;
    if (ev->kind == LX_EV_STATUS) {
        f->st_count[ev->u.status.what]++;
        if (getenv("LX_TEST_VERBOSE") != NULL) {
            fprintf(stderr, "status %d err %d %s\n", ev->u.status.what,
                    ev->u.status.err, ev->u.status.msg);
        }
    }
    if (ev->kind == LX_EV_BOOK && ev->u.book.state == LX_BOOK_SYNC_SYNCED) {
        f->book_synced_events++;
        assert_false(lx_book_is_crossed(ev->u.book.book));
    }
    if (ev->kind == LX_EV_ORDER) {
        memcpy(f->last_client_id, ev->u.order->client_id,
               sizeof(f->last_client_id));
    }
    if (ev->kind != LX_EV_BOOK && ev->kind != LX_EV_STATUS) {
        assert_non_null(ev->raw);
        assert_true(ev->raw_len > 0);
    }
    act(f, ex, ev);
}

static void on_depth(struct lx_exchange *ex, const struct lx_ex_result *r,
                     void *ud)
{
    struct fx *f = ud;
    const struct lx_book *b =
        lx_book_sync_book(lx_exchange_book(ex, "BTCUSDT"));
    struct lx_book_level lv;
    size_t i;

    assert_int_equal(r->err, LX_OK);
    /*
     * The same instant, no diff pending: the levels agree. The snapshot's
     * id may be ahead of the last diff's u when later changes cancelled
     * out (the venue then pushes nothing and the next diff spans them).
     */
    assert_true((uint64_t)r->depth->last_update_id >= lx_book_update_id(b));
    assert_int_equal(lx_book_depth(b, LX_BOOK_BID), r->depth->nbids);
    assert_int_equal(lx_book_depth(b, LX_BOOK_ASK), r->depth->nasks);
    for (i = 0; i < r->depth->nbids; i++) {
        assert_int_equal(lx_book_level_at(b, LX_BOOK_BID, i, &lv), LX_OK);
        assert_true(lx_decimal_eq(lv.price, r->depth->bids[i].price));
        assert_true(lx_decimal_eq(lv.qty, r->depth->bids[i].qty));
    }
    for (i = 0; i < r->depth->nasks; i++) {
        assert_int_equal(lx_book_level_at(b, LX_BOOK_ASK, i, &lv), LX_OK);
        assert_true(lx_decimal_eq(lv.price, r->depth->asks[i].price));
        assert_true(lx_decimal_eq(lv.qty, r->depth->asks[i].qty));
    }
    f->done++;
    f->err = r->err;
    lx_clock_stop_run(f->clock);
}

/* The local book equals the mock's, level by level. */
static void assert_book_matches(struct fx *f)
{
    const struct lx_book_sync *s = lx_exchange_book(f->ex, "BTCUSDT");

    /* Freeze the market and let the venue's 100 ms diff batches go out. */
    lx_mock_synth_clock(1, 0, f->synth);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC),
                     LX_OK);
    assert_int_equal(lx_book_sync_state(s), LX_BOOK_SYNC_SYNCED);
    assert_int_equal(lx_exchange_depth(f->ex, "BTCUSDT", 1000, on_depth, f),
                     LX_OK);
    assert_int_equal(wait(f), LX_OK);
    lx_mock_synth_clock(0, 0, f->synth);
}

static void test_book_and_streams(void **state)
{
    struct fx *f = *state;
    struct lx_book_sync_stats stats;

    lx_exchange_set_event_cb(f->ex, on_event, f);
    assert_int_equal(lx_exchange_watch_book(f->ex, "BTCUSDT", 100), LX_OK);
    assert_int_equal(lx_exchange_watch_book(f->ex, "BTCUSDT", 100),
                     LX_ERR_EXISTS);
    assert_int_equal(
        lx_exchange_subscribe(f->ex, LX_STREAM_TRADE, "BTCUSDT", NULL), LX_OK);
    assert_int_equal(
        lx_exchange_subscribe(f->ex, LX_STREAM_MARK_PRICE, "BTCUSDT", NULL),
        LX_ERR_UNSUPPORTED);
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 30 * SEC), LX_OK);
    assert_int_equal(f->st_count[LX_ST_MARKET_UP], 1);
    assert_true(f->ev_count[LX_EV_TRADE] > 0);
    assert_true(f->ev_count[LX_EV_DEPTH] > 0);
    assert_true(f->book_synced_events > 0);
    assert_book_matches(f);

    /* Live subscribe on the open connection. */
    assert_int_equal(
        lx_exchange_subscribe(f->ex, LX_STREAM_BOOK_TICKER, "BTCUSDT", NULL),
        LX_OK);
    /* The hub drops connections after 60 s: three reconnects and resyncs. */
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 200 * SEC), LX_OK);
    assert_true(f->st_count[LX_ST_MARKET_DOWN] >= 3);
    assert_int_equal(f->st_count[LX_ST_MARKET_UP],
                     f->st_count[LX_ST_MARKET_DOWN] + 1);
    assert_true(f->ev_count[LX_EV_BOOK_TICKER] > 0);
    lx_book_sync_get_stats(lx_exchange_book(f->ex, "BTCUSDT"), &stats);
    assert_true(stats.snapshots >= 4);
    assert_int_equal(stats.gaps, 0);
    assert_book_matches(f);

    /* Unsubscribe: no more trades. */
    assert_int_equal(
        lx_exchange_unsubscribe(f->ex, LX_STREAM_TRADE, "BTCUSDT", NULL),
        LX_OK);
    assert_int_equal(
        lx_exchange_unsubscribe(f->ex, LX_STREAM_TRADE, "BTCUSDT", NULL),
        LX_ERR_NOTFOUND);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC),
                     LX_OK);
    {
        int trades = f->ev_count[LX_EV_TRADE];
        assert_int_equal(
            lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 20 * SEC),
            LX_OK);
        assert_int_equal(f->ev_count[LX_EV_TRADE], trades);
    }
    assert_book_matches(f);
}

static void test_user_stream(void **state)
{
    struct fx *f = *state;
    struct lx_order_req o = limit_buy("50000.00", "0.01000");
    size_t n = 0;

    lx_exchange_set_event_cb(f->ex, on_event, f);
    assert_int_equal(lx_exchange_user_stream(f->ex), LX_OK);
    assert_int_equal(lx_exchange_user_stream(f->ex), LX_ERR_STATE);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC),
                     LX_OK);
    assert_int_equal(f->st_count[LX_ST_USER_UP], 1);
    assert_int_equal(f->st_count[LX_ST_LISTEN_KEY], 1);
    memcpy(o.client_id, "user-stream-1", 14);
    assert_int_equal(lx_exchange_place(f->ex, &o, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC),
                     LX_OK);
    assert_true(f->ev_count[LX_EV_ORDER] >= 1);
    assert_string_equal(f->last_client_id, "user-stream-1");
    assert_true(f->ev_count[LX_EV_ACCOUNT] >= 1);

    /* The venue expires the key: the stream renews itself. */
    assert_int_equal(lx_mock_bn_spot_expire_listen(f->spot, NULL, &n), LX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 10 * SEC), LX_OK);
    assert_int_equal(f->st_count[LX_ST_USER_DOWN], 1);
    assert_int_equal(f->st_count[LX_ST_USER_UP], 2);
    assert_int_equal(f->st_count[LX_ST_LISTEN_KEY], 2);
    memcpy(o.client_id, "user-stream-2", 14);
    assert_int_equal(lx_exchange_place(f->ex, &o, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC),
                     LX_OK);
    assert_string_equal(f->last_client_id, "user-stream-2");
}

/* Adds a fault rule to the mock's door, as the admin API would. */
static void fault(struct fx *f, const char *json)
{
    struct lx_mock_fault r;
    char why[128];
    uint64_t id;
    const char *w = "";

    assert_int_equal(
        lx_mock_faults_parse(json, strlen(json), &r, why, sizeof(why)), LX_OK);
    assert_int_equal(
        lx_mock_faults_add(lx_mock_door_faults(f->door), &r, &id, &w), LX_OK);
}

static void test_fault_5xx_retried(void **state)
{
    struct fx *f = *state;

    fault(f, "{\"path\":\"/api/v3/depth\",\"count\":2,\"status\":503}");
    assert_int_equal(lx_exchange_depth(f->ex, "BTCUSDT", 5, on_result, f),
                     LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(f->attempts, 3);
    /* Out of retries: the error is reported, with the venue's answer. */
    fault(f, "{\"path\":\"/api/v3/depth\",\"count\":4,\"status\":500}");
    assert_int_equal(lx_exchange_depth(f->ex, "BTCUSDT", 5, on_result, f),
                     LX_OK);
    assert_int_equal(wait(f), LX_ERR_IO);
    assert_int_equal(f->attempts, 4);
    assert_int_equal(f->http_status, 0);
}

static void test_fault_429_retry_after(void **state)
{
    struct fx *f = *state;
    int64_t t0 = lx_clock_wall_ns(f->clock);

    fault(f, "{\"path\":\"/api/v3/depth\",\"count\":1,\"status\":429,"
             "\"retry_after_s\":5}");
    assert_int_equal(lx_exchange_depth(f->ex, "BTCUSDT", 5, on_result, f),
                     LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(f->attempts, 2);
    assert_true(lx_clock_wall_ns(f->clock) - t0 >= 5 * SEC);
    /* An order is never resent after a 429: the caller decides. */
    {
        struct lx_order_req o = limit_buy("50000.00", "0.01000");
        fault(f, "{\"path\":\"/api/v3/order\",\"count\":1,\"status\":429,"
                 "\"retry_after_s\":1}");
        assert_int_equal(lx_exchange_place(f->ex, &o, on_result, f), LX_OK);
        assert_int_equal(wait(f), LX_ERR_RATELIMIT);
        assert_int_equal(f->attempts, 1);
        assert_int_equal(f->venue_code, -1003);
    }
}

static void test_fault_delay(void **state)
{
    struct fx *f = *state;
    struct lx_order_req o = limit_buy("50000.00", "0.01000");
    int64_t t0 = lx_clock_wall_ns(f->clock);

    fault(f, "{\"path\":\"/api/v3/order\",\"count\":1,\"delay_ms\":2000}");
    assert_int_equal(lx_exchange_place(f->ex, &o, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(f->order.status, LX_STATUS_NEW);
    assert_int_equal(lx_clock_wall_ns(f->clock) - t0, 2 * SEC);
    assert_false(f->reconciled);
}

static void test_fault_streams(void **state)
{
    struct fx *f = *state;

    lx_exchange_set_event_cb(f->ex, on_event, f);
    assert_int_equal(lx_exchange_watch_book(f->ex, "BTCUSDT", 100), LX_OK);
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 10 * SEC), LX_OK);
    assert_book_matches(f);
    /* A malformed frame is delivered raw; nothing breaks. */
    fault(f, "{\"path\":\"*\",\"count\":1,\"ws\":\"malformed\"}");
    /* The server drops the connection after 3 more frames. */
    fault(f, "{\"path\":\"*\",\"count\":1,\"ws\":\"drop\","
             "\"after_frames\":3}");
    assert_int_equal(
        lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + 20 * SEC), LX_OK);
    assert_true(f->ev_count[LX_EV_RAW] >= 1);
    assert_int_equal(f->st_count[LX_ST_MARKET_DOWN], 1);
    assert_int_equal(f->st_count[LX_ST_MARKET_UP], 2);
    assert_book_matches(f);
}

/* ---- unwatch, user stream stop --------------------------------------------
 */

static void run_for(struct fx *f, int64_t ns)
{
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + ns),
                     LX_OK);
}

#define DEPTH_STREAM "btcusdt@depth@100ms"

static void test_unwatch_book(void **state)
{
    struct fx *f = *state;
    int books, depths;

    lx_exchange_set_event_cb(f->ex, on_event, f);
    assert_int_equal(lx_exchange_unwatch_book(f->ex, "BTCUSDT"),
                     LX_ERR_NOTFOUND);
    assert_int_equal(lx_exchange_unwatch_book(f->ex, ""), LX_ERR_INVAL);
    assert_int_equal(lx_exchange_unwatch_book(NULL, "BTCUSDT"), LX_ERR_INVAL);
    assert_int_equal(lx_exchange_watch_book(f->ex, "BTCUSDT", 100), LX_OK);
    run_for(f, 10 * SEC);
    assert_book_matches(f);
    assert_int_equal(lx_mock_bn_hub_subscribers(f->hub, DEPTH_STREAM), 1);

    /* Unwatched: freed, unsubscribed, silent. */
    assert_int_equal(lx_exchange_unwatch_book(f->ex, "BTCUSDT"), LX_OK);
    assert_null(lx_exchange_book(f->ex, "BTCUSDT"));
    assert_int_equal(lx_exchange_unwatch_book(f->ex, "BTCUSDT"),
                     LX_ERR_NOTFOUND);
    run_for(f, SEC);
    assert_int_equal(lx_mock_bn_hub_subscribers(f->hub, DEPTH_STREAM), 0);
    books = f->ev_count[LX_EV_BOOK];
    depths = f->ev_count[LX_EV_DEPTH];
    run_for(f, 20 * SEC);
    assert_int_equal(f->ev_count[LX_EV_BOOK], books);
    assert_int_equal(f->ev_count[LX_EV_DEPTH], depths);

    /* Watched again: a new sync from a new snapshot. */
    assert_int_equal(lx_exchange_watch_book(f->ex, "BTCUSDT", 100), LX_OK);
    run_for(f, 10 * SEC);
    assert_true(f->ev_count[LX_EV_BOOK] > books);
    assert_book_matches(f);

    /* The user's own subscription of the same stream outlives the book. */
    assert_int_equal(
        lx_exchange_subscribe(f->ex, LX_STREAM_DEPTH, "BTCUSDT", "100ms"),
        LX_OK);
    assert_int_equal(lx_exchange_unwatch_book(f->ex, "BTCUSDT"), LX_OK);
    run_for(f, SEC);
    assert_int_equal(lx_mock_bn_hub_subscribers(f->hub, DEPTH_STREAM), 1);
    books = f->ev_count[LX_EV_BOOK];
    depths = f->ev_count[LX_EV_DEPTH];
    run_for(f, 10 * SEC);
    assert_int_equal(f->ev_count[LX_EV_BOOK], books);
    assert_true(f->ev_count[LX_EV_DEPTH] > depths);
    assert_int_equal(
        lx_exchange_unsubscribe(f->ex, LX_STREAM_DEPTH, "BTCUSDT", "100ms"),
        LX_OK);
    run_for(f, SEC);
    assert_int_equal(lx_mock_bn_hub_subscribers(f->hub, DEPTH_STREAM), 0);
}

/* Unwatched while its snapshot is on the wire: the answer lands nowhere. */
static void test_unwatch_snapshot_pending(void **state)
{
    struct fx *f = *state;
    struct lx_mock_faults *faults = lx_mock_door_faults(f->door);

    lx_exchange_set_event_cb(f->ex, on_event, f);
    fault(f, "{\"path\":\"/api/v3/depth\",\"count\":1,\"delay_ms\":5000}");
    assert_int_equal(lx_exchange_watch_book(f->ex, "BTCUSDT", 100), LX_OK);
    run_for(f, 2 * SEC);
    assert_int_equal(lx_mock_faults_count(faults), 0); /* asked, delayed */
    assert_int_equal(f->ev_count[LX_EV_BOOK], 0);
    assert_int_equal(lx_exchange_unwatch_book(f->ex, "BTCUSDT"), LX_OK);
    run_for(f, 10 * SEC);
    assert_int_equal(f->ev_count[LX_EV_BOOK], 0);
    assert_int_equal(lx_exchange_watch_book(f->ex, "BTCUSDT", 100), LX_OK);
    run_for(f, 10 * SEC);
    assert_true(f->book_synced_events > 0);
    assert_book_matches(f);
}

static void test_unwatch_in_callback(void **state)
{
    struct fx *f = *state;
    int books;

    lx_exchange_set_event_cb(f->ex, on_event, f);
    /* In its first SYNCED event (from the snapshot's callback). */
    f->action = ACT_UNWATCH_SYNCED;
    assert_int_equal(lx_exchange_watch_book(f->ex, "BTCUSDT", 100), LX_OK);
    run_for(f, 10 * SEC);
    assert_int_equal(f->action, ACT_NONE);
    assert_int_equal(f->action_rc, LX_OK);
    assert_int_equal(f->action_rc2, LX_ERR_NOTFOUND);
    assert_int_equal(f->book_synced_events, 1);
    assert_null(lx_exchange_book(f->ex, "BTCUSDT"));
    books = f->ev_count[LX_EV_BOOK];
    run_for(f, 10 * SEC);
    assert_int_equal(f->ev_count[LX_EV_BOOK], books);
    assert_int_equal(lx_mock_bn_hub_subscribers(f->hub, DEPTH_STREAM), 0);

    /* Unwatched and watched again inside the same event. */
    f->action = ACT_REWATCH_SYNCED;
    assert_int_equal(lx_exchange_watch_book(f->ex, "BTCUSDT", 100), LX_OK);
    run_for(f, 10 * SEC);
    assert_int_equal(f->action, ACT_NONE);
    assert_int_equal(f->action_rc, LX_OK);
    assert_int_equal(f->action_rc2, LX_OK);
    assert_true(f->book_synced_events > 2);
    assert_book_matches(f);

    /* In the reset event of a dropped stream: nothing to reconnect for. */
    f->action = ACT_UNWATCH_RESET;
    fault(f, "{\"path\":\"*\",\"count\":1,\"ws\":\"drop\","
             "\"after_frames\":3}");
    run_for(f, 10 * SEC);
    assert_int_equal(f->action, ACT_NONE);
    assert_int_equal(f->action_rc, LX_OK);
    assert_int_equal(f->action_rc2, LX_ERR_NOTFOUND);
    assert_int_equal(f->st_count[LX_ST_MARKET_DOWN], 1);
    assert_int_equal(f->st_count[LX_ST_MARKET_UP], 1);
    books = f->ev_count[LX_EV_BOOK];
    run_for(f, 10 * SEC);
    assert_int_equal(f->ev_count[LX_EV_BOOK], books);
    assert_int_equal(lx_mock_bn_hub_clients(f->hub), 0);

    /* And back. */
    assert_int_equal(lx_exchange_watch_book(f->ex, "BTCUSDT", 100), LX_OK);
    run_for(f, 10 * SEC);
    assert_int_equal(f->st_count[LX_ST_MARKET_UP], 2);
    assert_book_matches(f);
}

/*
 * The listen keys the mock holds, counted by expiring them all (the mock
 * has no call that lists them), so only as the last step of a phase.
 */
static size_t listen_keys(struct fx *f)
{
    size_t n = 99;

    assert_int_equal(lx_mock_bn_spot_expire_listen(f->spot, NULL, &n), LX_OK);
    return n;
}

static void place_one(struct fx *f, const char *client_id)
{
    struct lx_order_req o = limit_buy("50000.00", "0.01000");

    (void)lx__snprintf(o.client_id, sizeof(o.client_id), "%s", client_id);
    assert_int_equal(lx_exchange_place(f->ex, &o, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    run_for(f, SEC);
}

static void test_user_stream_stop(void **state)
{
    struct fx *f = *state;
    int n;

    lx_exchange_set_event_cb(f->ex, on_event, f);
    assert_int_equal(lx_exchange_user_stream_stop(f->ex), LX_ERR_NOTFOUND);
    assert_int_equal(lx_exchange_user_stream_stop(NULL), LX_ERR_INVAL);
    assert_int_equal(lx_exchange_user_stream(f->ex), LX_OK);
    run_for(f, SEC);
    assert_int_equal(f->st_count[LX_ST_USER_UP], 1);
    assert_int_equal(lx_mock_bn_hub_clients(f->hub), 1);

    /* Stopped: connection closed, key deleted on the venue, timers off. */
    assert_int_equal(lx_exchange_user_stream_stop(f->ex), LX_OK);
    assert_int_equal(lx_exchange_user_stream_stop(f->ex), LX_ERR_NOTFOUND);
    assert_int_equal(f->key_deletes, 0); /* never inside the call */
    run_for(f, SEC);
    assert_int_equal(f->key_deletes, 1);
    assert_int_equal(lx_mock_bn_hub_clients(f->hub), 0);
    n = user_events(f);
    place_one(f, "after-stop");
    run_for(f, 2 * 3600 * SEC); /* four keep-alive periods */
    assert_int_equal(user_events(f), n);
    assert_int_equal(f->key_puts, 0);
    assert_int_equal(listen_keys(f), 0);

    /* Started again: a new key, events flow. */
    assert_int_equal(lx_exchange_user_stream(f->ex), LX_OK);
    run_for(f, SEC);
    assert_int_equal(f->st_count[LX_ST_USER_UP], 2);
    assert_int_equal(f->st_count[LX_ST_LISTEN_KEY], 2);
    place_one(f, "restarted");
    assert_string_equal(f->last_client_id, "restarted");
    run_for(f, 31 * 60 * SEC);
    assert_int_equal(f->key_puts, 1); /* kept alive again */

    /* Stopped and started in one go: the new key after the DELETE. */
    assert_int_equal(lx_exchange_user_stream_stop(f->ex), LX_OK);
    assert_int_equal(lx_exchange_user_stream(f->ex), LX_OK);
    run_for(f, SEC);
    assert_int_equal(f->key_deletes, 2);
    assert_int_equal(f->st_count[LX_ST_USER_UP], 3);
    assert_int_equal(f->st_count[LX_ST_LISTEN_KEY], 3);
    place_one(f, "again");
    assert_string_equal(f->last_client_id, "again");

    /* Stopped while its key was being made: that key is deleted too. */
    assert_int_equal(lx_exchange_user_stream_stop(f->ex), LX_OK);
    run_for(f, SEC);
    assert_int_equal(f->key_deletes, 3);
    n = user_events(f);
    assert_int_equal(lx_exchange_user_stream(f->ex), LX_OK);
    assert_int_equal(lx_exchange_user_stream_stop(f->ex), LX_OK);
    run_for(f, SEC);
    assert_int_equal(f->key_deletes, 4);
    assert_int_equal(user_events(f), n);
    assert_int_equal(lx_mock_bn_hub_clients(f->hub), 0);
    assert_int_equal(f->st_count[LX_ST_ERROR], 0);

    /* A DELETE that keeps failing (retried) is reported, once. */
    assert_int_equal(lx_exchange_user_stream(f->ex), LX_OK);
    run_for(f, SEC);
    fault(f, "{\"path\":\"/api/v3/userDataStream\",\"count\":9,"
             "\"status\":500}");
    assert_int_equal(lx_exchange_user_stream_stop(f->ex), LX_OK);
    run_for(f, 30 * SEC);
    assert_int_equal(f->st_count[LX_ST_ERROR], 1);
    assert_int_equal(f->key_deletes, 4 + 4); /* the call and 3 retries */
    assert_int_equal(listen_keys(f), 1);     /* left to expire */
}

static void test_user_stream_stop_in_callback(void **state)
{
    struct fx *f = *state;
    int up;

    lx_exchange_set_event_cb(f->ex, on_event, f);
    f->action = ACT_STOP_USER;
    assert_int_equal(lx_exchange_user_stream(f->ex), LX_OK);
    run_for(f, SEC);
    place_one(f, "stop-inside");
    assert_int_equal(f->action, ACT_NONE);
    assert_int_equal(f->action_rc, LX_OK);
    assert_int_equal(f->action_rc2, LX_ERR_NOTFOUND);
    run_for(f, SEC);
    assert_int_equal(user_events(f), f->user_events_at_stop);
    assert_int_equal(f->key_deletes, 1);
    assert_int_equal(lx_mock_bn_hub_clients(f->hub), 0);

    /* Stopped and started again inside the order event. */
    f->action = ACT_RESTART_USER;
    assert_int_equal(lx_exchange_user_stream(f->ex), LX_OK);
    run_for(f, SEC);
    up = f->st_count[LX_ST_USER_UP];
    place_one(f, "restart-inside");
    assert_int_equal(f->action, ACT_NONE);
    assert_int_equal(f->action_rc, LX_OK);
    assert_int_equal(f->action_rc2, LX_OK);
    run_for(f, SEC);
    assert_int_equal(f->key_deletes, 2);
    assert_int_equal(f->st_count[LX_ST_USER_UP], up + 1);
    place_one(f, "after-restart");
    assert_string_equal(f->last_client_id, "after-restart");
    assert_int_equal(listen_keys(f), 1);
}

static void free_in_cb(struct lx_exchange *ex, const struct lx_ex_result *r,
                       void *ud)
{
    struct fx *f = ud;

    LX_UNUSED(r);
    lx_exchange_free(ex);
    f->ex = NULL;
    f->done++;
}

static void test_free_inside_callback(void **state)
{
    struct fx *f = *state;

    assert_int_equal(lx_exchange_depth(f->ex, "BTCUSDT", 5, free_in_cb, f),
                     LX_OK);
    assert_int_equal(lx_exchange_depth(f->ex, "BTCUSDT", 5, free_in_cb, f),
                     LX_OK);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC),
                     LX_OK);
    assert_int_equal(f->done, 1); /* the second never runs */
}

/* ---- Ed25519 API keys ------------------------------------------------------
 */

#define ED_KEY "exchange-test-ed25519-key"

static EVP_PKEY *ed_keygen(void)
{
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
    EVP_PKEY *k = NULL;

    assert_non_null(pc);
    assert_int_equal(EVP_PKEY_keygen_init(pc), 1);
    assert_int_equal(EVP_PKEY_keygen(pc, &k), 1);
    EVP_PKEY_CTX_free(pc);
    return k;
}

/* A credential set: ED_KEY and k's private key as PKCS#8 PEM. */
static struct lx_creds *ed_creds(EVP_PKEY *k)
{
    BIO *bio = BIO_new(BIO_s_mem());
    struct lx_creds *c = NULL;
    char *pem = NULL;
    long n;

    assert_non_null(bio);
    assert_int_equal(
        PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL), 1);
    n = BIO_get_mem_data(bio, &pem);
    assert_true(n > 0);
    assert_int_equal(lx_creds_new(&c, NULL, "binance-spot"), LX_OK);
    assert_int_equal(
        lx_creds_set(c, LX_CRED_API_KEY, ED_KEY, sizeof(ED_KEY) - 1), LX_OK);
    assert_int_equal(lx_creds_set(c, LX_CRED_PRIVATE_KEY, pem, (size_t)n),
                     LX_OK);
    BIO_free(bio); /* a memory BIO wipes nothing: tests only */
    return c;
}

static int ed_exchange(struct fx *f, const struct lx_creds *c)
{
    struct lx_exchange_opts *o;
    int rc;

    lx_exchange_free(f->ex);
    f->ex = NULL;
    assert_int_equal(lx_exchange_opts_new(&o), LX_OK);
    assert_int_equal(
        lx_exchange_opts_set_urls(o, "http://127.0.0.1:1/", "ws://127.0.0.1:1"),
        LX_OK);
    lx_exchange_opts_set_creds(o, c);
    rc = lx_exchange_new(&f->ex, f->net, "binance-spot", o);
    lx_exchange_opts_free(o);
    return rc;
}

/*
 * An account whose API key is Ed25519: the connector signs with the
 * private key (base64, percent-encoded), the mock verifies with the public
 * one; an order is placed and cancelled. The wrong private key gets -1022;
 * a PEM that does not parse, or a key of another type, fails creation.
 */
static void test_ed25519_key(void **state)
{
    static const char *const bal[] = {"USDT", "10000", NULL};
    struct fx_cfg c = {0};
    struct fx *f;
    struct lx_mock_bn_account_cfg a;
    struct lx_order_req o = limit_buy("50000.00", "0.01000");
    EVP_PKEY *mine = ed_keygen(), *other = ed_keygen();
    struct lx_creds *good = ed_creds(mine), *wrong = ed_creds(other), *bad;
    const char *why = "";
    char oid[LX_ORDER_ID_LEN];
    void *s;

    (void)state;
    f = make(&c);
    memset(&a, 0, sizeof(a));
    a.api_key = ED_KEY;
    a.ed25519 = mine; /* the mock needs only its public half */
    a.maker_fee = a.taker_fee = "0.001";
    a.balances = bal;
    assert_int_equal(lx_mock_bn_spot_add_account(f->spot, &a, NULL, &why),
                     LX_OK);
    assert_int_equal(ed_exchange(f, good), LX_OK);
    assert_int_equal(lx_exchange_place(f->ex, &o, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(f->order.status, LX_STATUS_NEW);
    memcpy(oid, f->order.order_id, sizeof(oid));
    assert_int_equal(
        lx_exchange_cancel(f->ex, "BTCUSDT", oid, NULL, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(f->order.status, LX_STATUS_CANCELED);
    /* The same API key, signed with another private key. */
    assert_int_equal(ed_exchange(f, wrong), LX_OK);
    assert_int_equal(lx_exchange_balances(f->ex, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_ERR_VENUE);
    assert_int_equal(f->venue_code, -1022);
    assert_int_equal(f->attempts, 1);
    /* Not a PEM private key; an X25519 key (RFC 7748 6.1, Alice's). */
    assert_int_equal(lx_creds_new(&bad, NULL, "binance-spot"), LX_OK);
    assert_int_equal(
        lx_creds_set(bad, LX_CRED_API_KEY, ED_KEY, sizeof(ED_KEY) - 1), LX_OK);
    assert_int_equal(lx_creds_set(bad, LX_CRED_PRIVATE_KEY, "nope", 4), LX_OK);
    assert_int_equal(ed_exchange(f, bad), LX_ERR_CONFIG);
    assert_null(f->ex);
    {
        static const char x25519[] =
            "-----BEGIN PRIVATE KEY-----\n"
            "MC4CAQAwBQYDK2VuBCIEIHcHbQpzGKV9PBbBclGyZkXfTC+H68CZKrF3+6UduSwq\n"
            "-----END PRIVATE KEY-----\n";

        assert_int_equal(
            lx_creds_set(bad, LX_CRED_PRIVATE_KEY, x25519, sizeof(x25519) - 1),
            LX_OK);
    }
    assert_int_equal(ed_exchange(f, bad), LX_ERR_UNSUPPORTED);
    s = f;
    teardown(&s);
    lx_creds_free(good);
    lx_creds_free(wrong);
    lx_creds_free(bad);
    EVP_PKEY_free(mine);
    EVP_PKEY_free(other);
}

/*
 * Known answer: RFC 8032 test 1's secret key (9d61b19d...1cae7f60) as
 * PKCS#8 PEM signs the Binance docs' example totalParams to this
 * (openssl pkeyutl -sign -rawin), percent-encoded; the query and body are
 * signed as their concatenation.
 */
static void test_ed25519_signature_kat(void **state)
{
    static const char pem[] =
        "-----BEGIN PRIVATE KEY-----\n"
        "MC4CAQAwBQYDK2VwBCIEIJ1hsZ3v/VpguoRK9JLsLMREScVpezJpGXA7rAMcrn9g\n"
        "-----END PRIVATE KEY-----\n";
    static const char want[] =
        "3fhuDZ9nYMviDQ5OEtJBJS11jUZDTRzRQ%2BTQMarm%2BLErFiJvUiVPQjTzDoWZQe4mi"
        "PX%2ByHk1v%2FZ7TWLYjIbmCA%3D%3D";
    struct lx_bn_signer s;
    struct lx_secret *key;
    char out[LX_BN_SIG_MAX];

    (void)state;
    memset(&s, 0, sizeof(s));
    assert_int_equal(lx_secret_new(&key, NULL, pem, sizeof(pem) - 1), LX_OK);
    s.private_key = key;
    assert_int_equal(
        lx__bn_signature(&s,
                         "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC",
                         "&quantity=1&price=0.1&recvWindow=5000&timestamp="
                         "1499827319559",
                         out, sizeof(out)),
        LX_OK);
    assert_string_equal(out, want);
    /* Parsed once, the same answer. */
    assert_int_equal(lx__bn_ed25519_load(key, &s.ed25519), LX_OK);
    assert_int_equal(
        lx__bn_signature(&s,
                         "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC"
                         "&quantity=1&price=0.1&recvWindow=5000&timestamp="
                         "1499827319559",
                         "", out, sizeof(out)),
        LX_OK);
    assert_string_equal(out, want);
    assert_int_equal(lx__bn_signature(&s, "a=1", "", out, 64), LX_ERR_INVAL);
    lx__bn_ed25519_free(s.ed25519);
    lx_secret_free(key);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_market_data, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_order_lifecycle, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup_quiet, teardown),
        cmocka_unit_test(test_wrong_secret),
        cmocka_unit_test(test_clock_resync),
        cmocka_unit_test(test_rate_limiter),
        cmocka_unit_test(test_venue_429),
        cmocka_unit_test_setup_teardown(test_reconcile_not_placed, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reconcile_placed, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_book_and_streams, setup_market,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_user_stream, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_free_inside_callback, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fault_5xx_retried, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fault_429_retry_after, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fault_delay, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_fault_streams, setup_market,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unwatch_book, setup_market_day,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_unwatch_snapshot_pending,
                                        setup_market_day, teardown),
        cmocka_unit_test_setup_teardown(test_unwatch_in_callback,
                                        setup_market_day, teardown),
        cmocka_unit_test_setup_teardown(test_user_stream_stop, setup_quiet,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_user_stream_stop_in_callback,
                                        setup_quiet, teardown),
        cmocka_unit_test(test_ed25519_key),
        cmocka_unit_test(test_ed25519_signature_kat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
