/*
 * test_exchange_usdm.c - the Binance USD-M connector (lx_exchange,
 * "binance-usdm") against lotusx-mock's simulated USD-M venue, in one
 * process on a virtual clock over the in-memory transport: markets,
 * leverage and margin type, mark price, a limit order placed and
 * cancelled, a position opened at market and closed reduce-only, a
 * reduce-only order refused when flat, a conditional order routed to the
 * algo endpoint and cancelled there, the user-data stream, and a local
 * book kept in sync with the pu-chained diffs.
 */
#include <string.h>

#include <event2/event.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_exchange.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_secret.h"
#include "mock/server/mock.h"
#include "mock/venues/binance/dialect.h"
#include "mock/venues/binance/streams.h"
#include "mock/venues/binance/usdm.h"

#include "lx_test.h"

#define SEC    ((int64_t)1000000000)
#define KEY    "usdm-exchange-key-0123456789"
#define SECRET "usdm-exchange-secret-0123456789"
#define T0     ((int64_t)1767225600 * SEC)

struct fx {
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_http_server *srv;
    struct lx_mock_door *door;
    struct lx_mock_bn_hub *hub;
    struct lx_mock_bn_usdm *um;
    struct lx_secret *secret, *mm_secret;
    struct lx_creds *creds;
    struct lx_exchange *ex;
    uint32_t user, maker;
    int done, err, reconciled;
    long long venue_code;
    int64_t leverage;
    size_t n;
    struct lx_order order;
    struct lx_position pos;
    struct lx_instrument inst;
    struct lx_mark_price mark;
    int orders_seen, books_synced, books_seen;
    int st_count[LX_ST_ERROR + 1];
    char last_cid[LX_CLIENT_ID_LEN];
};

static const struct lx_mock_bn_symbol_cfg btc = {
    "BTCUSDT", "BTC",  "USDT",  "0.1",     "0.001",
    "0.001",   "1000", "556.8", "4529764", "100"};

static void maker_order(struct fx *f, const char *side, const char *px,
                        const char *qty)
{
    int rej = 1;

    assert_int_equal(lx_mock_bn_usdm_place(f->um, f->maker, "BTCUSDT", side,
                                           "LIMIT", px, qty, &rej),
                     LX_OK);
    assert_int_equal(rej, 0);
}

static int setup(void **state)
{
    static const char *const bal[] = {"USDT", "10000", NULL};
    static const char *const big[] = {"USDT", "100000000", NULL};
    struct fx *f = test_calloc(1, sizeof(*f));
    struct lx_mock_bn_account_cfg a;
    struct lx_exchange_opts *o;
    const char *why = "";

    f->base = event_base_new();
    assert_int_equal(lx_clock_new_virtual(&f->clock, NULL, f->base, T0), LX_OK);
    assert_int_equal(lx_net_new(&f->net, NULL, f->base, f->clock), LX_OK);
    assert_int_equal(lx_mock_door_new(&f->door, f->net, f->clock, "binanceusdm",
                                      &lx_mock_bn_dialect,
                                      &lx_mock_bn_usdm_limits),
                     LX_OK);
    assert_int_equal(lx_mock_bn_usdm_new(&f->um, f->clock, f->door, &why),
                     LX_OK);
    assert_int_equal(lx_mock_bn_usdm_add_symbol(f->um, &btc, &why), LX_OK);
    assert_int_equal(lx_mock_bn_hub_new(&f->hub, f->net, f->clock, NULL),
                     LX_OK);
    lx_mock_door_set_upgrade(f->door, lx_mock_bn_hub_upgrade, f->hub);
    assert_int_equal(lx_mock_bn_usdm_set_hub(f->um, f->hub), LX_OK);
    assert_int_equal(
        lx_secret_new(&f->secret, NULL, SECRET, sizeof(SECRET) - 1), LX_OK);
    assert_int_equal(lx_secret_new(&f->mm_secret, NULL, "x", 1), LX_OK);
    memset(&a, 0, sizeof(a));
    a.api_key = KEY;
    a.secret = f->secret;
    a.maker_fee = "0.0002";
    a.taker_fee = "0.0005";
    a.balances = bal;
    assert_int_equal(lx_mock_bn_usdm_add_account(f->um, &a, &f->user, &why),
                     LX_OK);
    a.api_key = "maker";
    a.secret = f->mm_secret;
    a.balances = big;
    assert_int_equal(lx_mock_bn_usdm_add_account(f->um, &a, &f->maker, &why),
                     LX_OK);
    assert_int_equal(lx_mock_bn_usdm_set_mark(f->um, "BTCUSDT", "60000.0"),
                     LX_OK);
    maker_order(f, "SELL", "60000.0", "1");
    maker_order(f, "SELL", "60000.5", "2");
    maker_order(f, "BUY", "59990.0", "1");
    assert_int_equal(
        lx_http_server_new(&f->srv, f->net, lx_mock_door_handle, f->door),
        LX_OK);
    lx_net_set_inmem_server(f->net, f->srv);
    assert_int_equal(lx_creds_new(&f->creds, NULL, "binance-usdm"), LX_OK);
    assert_int_equal(
        lx_creds_set(f->creds, LX_CRED_API_KEY, KEY, sizeof(KEY) - 1), LX_OK);
    assert_int_equal(
        lx_creds_set(f->creds, LX_CRED_API_SECRET, SECRET, sizeof(SECRET) - 1),
        LX_OK);
    assert_int_equal(lx_exchange_opts_new(&o), LX_OK);
    assert_int_equal(
        lx_exchange_opts_set_urls(o, "http://usdm.test", "ws://usdm.test"),
        LX_OK);
    lx_exchange_opts_set_creds(o, f->creds);
    assert_int_equal(lx_exchange_new(&f->ex, f->net, "binance-usdm", o), LX_OK);
    lx_exchange_opts_free(o);
    *state = f;
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
    lx_http_server_free(f->srv);
    lx_mock_bn_usdm_free(f->um);
    lx_mock_bn_hub_free(f->hub);
    lx_mock_door_free(f->door);
    lx_secret_free(f->secret);
    lx_secret_free(f->mm_secret);
    lx_net_free(f->net);
    lx_clock_free(f->clock);
    event_base_free(f->base);
    test_free(f);
    return 0;
}

static void on_result(struct lx_exchange *ex, const struct lx_ex_result *r,
                      void *ud)
{
    struct fx *f = ud;

    LX_UNUSED(ex);
    f->done++;
    f->err = r->err;
    f->reconciled = r->reconciled;
    f->venue_code = r->venue != NULL ? r->venue->code : 0;
    f->leverage = r->leverage;
    f->n =
        r->ninstruments + r->norders + r->npositions + r->nmarks + r->nbalances;
    if (r->norders > 0) {
        f->order = r->orders[0];
        f->order.fills = NULL;
    }
    memset(&f->pos, 0, sizeof(f->pos));
    if (r->npositions > 0) {
        f->pos = r->positions[0];
    }
    if (r->ninstruments > 0) {
        f->inst = r->instruments[0];
    }
    if (r->nmarks > 0) {
        f->mark = r->marks[0];
    }
    lx_clock_stop_run(f->clock);
}

static int wait(struct fx *f)
{
    int target = f->done + 1;

    while (f->done < target) {
        int64_t t = lx_clock_mono_ns(f->clock);
        assert_int_equal(lx_clock_run(f->clock, t + 60 * SEC), LX_OK);
        if (f->done < target && lx_clock_mono_ns(f->clock) >= t + 60 * SEC) {
            fail_msg("no answer");
        }
    }
    return f->err;
}

static void dec_eq(struct lx_decimal d, const char *want)
{
    struct lx_decimal w;

    assert_int_equal(lx_decimal_parse(want, strlen(want), &w), LX_OK);
    assert_true(lx_decimal_eq(d, w));
}

static struct lx_order_req req(enum lx_side side, enum lx_order_type type,
                               const char *px, const char *qty)
{
    struct lx_order_req o;

    memset(&o, 0, sizeof(o));
    memcpy(o.symbol, "BTCUSDT", 8);
    o.side = side;
    o.type = type;
    o.resp_type = LX_RESP_RESULT;
    if (px != NULL) {
        o.has_price = true;
        o.tif = LX_TIF_GTC;
        assert_int_equal(lx_decimal_parse(px, strlen(px), &o.price), LX_OK);
    }
    o.has_qty = true;
    assert_int_equal(lx_decimal_parse(qty, strlen(qty), &o.qty), LX_OK);
    return o;
}

static void test_settings_and_market_data(void **state)
{
    struct fx *f = *state;

    assert_int_equal(lx_exchange_markets(f->ex, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_string_equal(f->inst.symbol, "BTCUSDT");
    assert_int_equal(f->inst.kind, LX_KIND_PERP);
    assert_string_equal(f->inst.settle, "USDT");
    assert_int_equal(
        lx_exchange_set_leverage(f->ex, "BTCUSDT", 10, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(f->leverage, 10);
    assert_int_equal(lx_exchange_set_margin_type(
                         f->ex, "BTCUSDT", LX_MARGIN_ISOLATED, on_result, f),
                     LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(lx_exchange_mark_price(f->ex, "BTCUSDT", on_result, f),
                     LX_OK);
    assert_int_equal(wait(f), LX_OK);
    dec_eq(f->mark.mark, "60000.0");
    assert_int_equal(lx_exchange_depth(f->ex, "BTCUSDT", 5, on_result, f),
                     LX_OK);
    assert_int_equal(wait(f), LX_OK);
}

static void test_positions(void **state)
{
    struct fx *f = *state;
    struct lx_order_req o =
        req(LX_SIDE_BUY, LX_ORDER_LIMIT, "50000.0", "0.010");

    /* A far limit order, then cancelled. */
    assert_int_equal(lx_exchange_place(f->ex, &o, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(f->order.status, LX_STATUS_NEW);
    assert_int_equal(lx_exchange_cancel(f->ex, "BTCUSDT", f->order.order_id,
                                        NULL, on_result, f),
                     LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(f->order.status, LX_STATUS_CANCELED);

    /* Reduce-only while flat: refused by the venue. */
    o = req(LX_SIDE_SELL, LX_ORDER_MARKET, NULL, "0.010");
    o.reduce_only = true;
    assert_int_equal(lx_exchange_place(f->ex, &o, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_ERR_VENUE);
    assert_int_equal(f->venue_code, -2022);

    /* Open a long at market, then close it reduce-only. */
    o = req(LX_SIDE_BUY, LX_ORDER_MARKET, NULL, "0.010");
    assert_int_equal(lx_exchange_place(f->ex, &o, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(f->order.status, LX_STATUS_FILLED);
    assert_int_equal(lx_exchange_positions(f->ex, "BTCUSDT", on_result, f),
                     LX_OK);
    assert_int_equal(wait(f), LX_OK);
    dec_eq(f->pos.amount, "0.010");
    dec_eq(f->pos.entry_price, "60000.0");
    o = req(LX_SIDE_SELL, LX_ORDER_MARKET, NULL, "0.010");
    o.reduce_only = true;
    assert_int_equal(lx_exchange_place(f->ex, &o, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(f->order.status, LX_STATUS_FILLED);
    assert_int_equal(lx_exchange_positions(f->ex, "BTCUSDT", on_result, f),
                     LX_OK);
    assert_int_equal(wait(f), LX_OK);
    dec_eq(f->pos.amount, "0");
    assert_int_equal(lx_exchange_balances(f->ex, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
}

static void test_conditional_order(void **state)
{
    struct fx *f = *state;
    struct lx_order_req o =
        req(LX_SIDE_SELL, LX_ORDER_STOP_MARKET, NULL, "0.010");

    o.has_stop_price = true;
    assert_int_equal(lx_decimal_parse("55000.0", 7, &o.stop_price), LX_OK);
    memcpy(o.client_id, "stop-1", 7);
    assert_int_equal(lx_exchange_place(f->ex, &o, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_true(f->order.is_algo);
    assert_string_equal(f->order.client_id, "stop-1");
    /* Cancelled by client id: the plain endpoint does not know it, the
     * connector asks the algo side. */
    assert_int_equal(
        lx_exchange_cancel(f->ex, "BTCUSDT", NULL, "stop-1", on_result, f),
        LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_true(f->order.is_algo);
}

static void on_event(struct lx_exchange *ex, const struct lx_ex_event *ev,
                     void *ud)
{
    struct fx *f = ud;

    LX_UNUSED(ex);
    if (ev->kind == LX_EV_ORDER) {
        f->orders_seen++;
        memcpy(f->last_cid, ev->u.order->client_id, sizeof(f->last_cid));
    }
    if (ev->kind == LX_EV_BOOK && ev->u.book.state == LX_BOOK_SYNC_SYNCED) {
        f->books_synced++;
    }
    f->books_seen += ev->kind == LX_EV_BOOK;
    if (ev->kind == LX_EV_STATUS) {
        f->st_count[ev->u.status.what]++;
    }
}

static void test_streams(void **state)
{
    struct fx *f = *state;
    struct lx_order_req o =
        req(LX_SIDE_BUY, LX_ORDER_LIMIT, "59000.0", "0.010");
    const struct lx_book *b;
    struct lx_book_level lv;
    int i;

    lx_exchange_set_event_cb(f->ex, on_event, f);
    assert_int_equal(lx_exchange_user_stream(f->ex), LX_OK);
    assert_int_equal(lx_exchange_watch_book(f->ex, "BTCUSDT", 100), LX_OK);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC),
                     LX_OK);
    for (i = 0; i < 5; i++) {
        maker_order(f, "BUY", i % 2 ? "59980.0" : "59985.0", "0.5");
        assert_int_equal(
            lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC / 2),
            LX_OK);
    }
    assert_true(f->books_synced > 0);
    b = lx_book_sync_book(lx_exchange_book(f->ex, "BTCUSDT"));
    assert_int_equal(lx_book_sync_state(lx_exchange_book(f->ex, "BTCUSDT")),
                     LX_BOOK_SYNC_SYNCED);
    /* 59990 (1), 59985 (1.5), 59980 (1.0): the maker's bids as placed. */
    assert_int_equal(lx_book_level_at(b, LX_BOOK_BID, 1, &lv), LX_OK);
    dec_eq(lv.price, "59985.0");
    dec_eq(lv.qty, "1.5");
    assert_int_equal(lx_book_level_at(b, LX_BOOK_BID, 2, &lv), LX_OK);
    dec_eq(lv.qty, "1.0");
    memcpy(o.client_id, "usdm-stream-1", 14);
    assert_int_equal(lx_exchange_place(f->ex, &o, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC),
                     LX_OK);
    assert_true(f->orders_seen >= 1);
    assert_string_equal(f->last_cid, "usdm-stream-1");
}

/* Unwatch the pu-chained book, stop the user stream (DELETE
 * /fapi/v1/listenKey), start both again. */
static void test_unwatch_and_stop(void **state)
{
    struct fx *f = *state;
    struct lx_order_req o =
        req(LX_SIDE_BUY, LX_ORDER_LIMIT, "59000.0", "0.010");
    int books;

    lx_exchange_set_event_cb(f->ex, on_event, f);
    assert_int_equal(lx_exchange_user_stream(f->ex), LX_OK);
    assert_int_equal(lx_exchange_watch_book(f->ex, "BTCUSDT", 100), LX_OK);
    maker_order(f, "BUY", "59985.0", "0.5");
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC),
                     LX_OK);
    maker_order(f, "BUY", "59980.0", "0.5");
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC),
                     LX_OK);
    assert_true(f->books_synced > 0);
    assert_int_equal(f->st_count[LX_ST_USER_UP], 1);

    assert_int_equal(lx_exchange_unwatch_book(f->ex, "BTCUSDT"), LX_OK);
    assert_int_equal(lx_exchange_unwatch_book(f->ex, "BTCUSDT"),
                     LX_ERR_NOTFOUND);
    assert_null(lx_exchange_book(f->ex, "BTCUSDT"));
    assert_int_equal(lx_exchange_user_stream_stop(f->ex), LX_OK);
    assert_int_equal(lx_exchange_user_stream_stop(f->ex), LX_ERR_NOTFOUND);
    books = f->books_seen;
    maker_order(f, "BUY", "59975.0", "0.5");
    memcpy(o.client_id, "usdm-stopped", 13);
    assert_int_equal(lx_exchange_place(f->ex, &o, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC),
                     LX_OK);
    assert_int_equal(f->books_seen, books);
    assert_int_equal(f->orders_seen, 0);
    assert_int_equal(f->st_count[LX_ST_ERROR], 0); /* the DELETE went */
    assert_int_equal(f->st_count[LX_ST_USER_DOWN], 0);
    assert_int_equal(lx_mock_bn_hub_subscribers(f->hub, "btcusdt@depth@100ms"),
                     0);

    assert_int_equal(lx_exchange_user_stream(f->ex), LX_OK);
    assert_int_equal(lx_exchange_watch_book(f->ex, "BTCUSDT", 100), LX_OK);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC),
                     LX_OK);
    maker_order(f, "BUY", "59970.0", "0.5");
    memcpy(o.client_id, "usdm-again", 11);
    assert_int_equal(lx_exchange_place(f->ex, &o, on_result, f), LX_OK);
    assert_int_equal(wait(f), LX_OK);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + SEC),
                     LX_OK);
    assert_int_equal(f->st_count[LX_ST_USER_UP], 2);
    assert_string_equal(f->last_cid, "usdm-again");
    assert_true(f->books_seen > books);
    assert_int_equal(lx_book_sync_state(lx_exchange_book(f->ex, "BTCUSDT")),
                     LX_BOOK_SYNC_SYNCED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_settings_and_market_data, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_positions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conditional_order, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_streams, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwatch_and_stop, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
