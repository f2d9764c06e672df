/*
 * test_binance_codec.c - the Binance spot and USD-M wire codec.
 *
 * - Real payloads (../shared/samples, LX_SAMPLES_DIR; skipped when absent):
 *   every line of both hftbacktest recordings and every received frame and
 *   REST body of both cryptofeed recordings must parse, with the counts
 *   per kind asserted, and the depth diffs must chain onto the embedded
 *   snapshot with no gap (proving U, u and pu come out exactly); the
 *   nautilus USD-M TRADE_LITE event too.
 * - Documented examples (fixtures/binance): orders ACK/RESULT/FULL,
 *   cancels, queries, accounts, positions, user-data events, exact
 *   decimals.
 * - Error envelopes, malformed input with the failing field's path,
 *   unmapped frames reported as such.
 * - Requests: exact method, host, path, query/body and signature,
 *   including the official signature vectors.
 * - The arena, and the parsers under failing allocations.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lx_test.h"
#include "lx_test_file.h"

#include "core/lx_internal.h"
#include "crypto/crypto.h"
#include "venues/binance/binance.h"

#ifndef LX_BN_FIXTURES
#define LX_BN_FIXTURES "fixtures/binance"
#endif

/* ---- Helpers --------------------------------------------------------------
 */

static char *fixture(const char *name, size_t *len)
{
    char path[1024];
    char *buf;

    lx__snprintf(path, sizeof(path), "%s/%s", LX_BN_FIXTURES, name);
    buf = lx_test_read_path(path, len);
    if (buf == NULL) {
        fail_msg("cannot read %s", path);
    }
    return buf;
}

/* A sample file, or NULL when the samples are not there. */
static char *sample(const char *rel, size_t *len)
{
    const char *dir = getenv("LX_SAMPLES_DIR");
    char path[1024];

    lx__snprintf(path, sizeof(path), "%s/%s",
                 dir != NULL ? dir : LX_SAMPLES_DEFAULT, rel);
    return lx_test_read_path(path, len);
}

static struct lx_arena *arena_new(void)
{
    struct lx_arena *a = NULL;

    assert_int_equal(lx_arena_new(&a, lx_test_mem(), 0), LX_OK);
    return a;
}

static void assert_dec(struct lx_decimal d, const char *want)
{
    char buf[LX_DECIMAL_STRLEN];

    assert_true(lx_decimal_format(d, buf, sizeof(buf)) >= 0);
    assert_string_equal(buf, want);
}

static int ws_str(enum lx_bn_market m, const char *s, struct lx_arena *a,
                  struct lx_bn_msg *msg, struct lx_bn_err *e)
{
    return lx__bn_parse_ws(m, s, strlen(s), a, msg, e);
}

static int ws_fixture(enum lx_bn_market m, const char *name, struct lx_arena *a,
                      struct lx_bn_msg *msg)
{
    struct lx_bn_err e;
    size_t len;
    char *buf = fixture(name, &len);
    int rc = lx__bn_parse_ws(m, buf, len, a, msg, &e);

    lx__free(NULL, buf);
    return rc;
}

/* ---- Samples: hftbacktest -------------------------------------------------
 */

struct diff_ids {
    int64_t first, final, prev;
};

struct hft_stats {
    unsigned lines, depth, trade, agg, book, snap, other;
    int64_t snap_id;
    struct diff_ids *diffs;
    size_t ndiffs, cap;
};

static void note_diff(struct hft_stats *st, const struct lx_depth *d)
{
    if (st->ndiffs == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 1024;
        st->diffs = lx__realloc(NULL, st->diffs, st->cap * sizeof(*st->diffs));
        assert_non_null(st->diffs);
    }
    st->diffs[st->ndiffs].first = d->first_id;
    st->diffs[st->ndiffs].final = d->final_id;
    st->diffs[st->ndiffs].prev = d->prev_final_id;
    st->ndiffs++;
}

static void hft_frame(enum lx_bn_market m, const struct lx_bn_msg *msg,
                      struct hft_stats *st)
{
    switch (msg->kind) {
    case LX_BN_MSG_DEPTH:
        if (msg->u.depth.is_snapshot) {
            st->snap++;
            st->snap_id = msg->u.depth.last_update_id;
            assert_int_equal(msg->u.depth.nbids, 1000);
            assert_int_equal(msg->u.depth.nasks, 1000);
        } else {
            st->depth++;
            assert_string_equal(msg->u.depth.symbol, "BTCUSDT");
            assert_true(msg->u.depth.first_id <= msg->u.depth.final_id);
            assert_true(m == LX_BN_SPOT ? msg->u.depth.prev_final_id == -1
                                        : msg->u.depth.prev_final_id > 0);
            note_diff(st, &msg->u.depth);
        }
        break;
    case LX_BN_MSG_TRADE:
        if (msg->u.trade.is_aggregate) {
            st->agg++;
        } else {
            st->trade++;
        }
        assert_true(msg->u.trade.qty.m > 0);
        break;
    case LX_BN_MSG_BOOK_TICKER:
        st->book++;
        assert_true(
            lx_decimal_cmp(msg->u.book_ticker.bid, msg->u.book_ticker.ask) < 0);
        break;
    default:
        st->other++;
    }
}

static void hft_scan(enum lx_bn_market m, char *buf, size_t n,
                     struct hft_stats *st)
{
    struct lx_arena *a = arena_new();
    char *line, *end;

    for (line = buf; line < buf + n; line = end + 1) {
        struct lx_bn_msg msg;
        struct lx_bn_err e;
        const char *json;
        int rc;

        end = memchr(line, '\n', (size_t)(buf + n - line));
        end = end != NULL ? end : buf + n;
        if (end == line) {
            continue;
        }
        json = memchr(line, ' ', (size_t)(end - line));
        assert_non_null(json);
        json++;
        rc = lx__bn_parse_ws(m, json, (size_t)(end - json), a, &msg, &e);
        if (rc != LX_OK) {
            fail_msg("line %u: %s at '%s'", st->lines + 1, lx_err_name(rc),
                     e.json.path);
        }
        assert_true(msg.stream[0] != '\0' || msg.kind == LX_BN_MSG_DEPTH);
        hft_frame(m, &msg, st);
        st->lines++;
        lx_arena_reset(a);
    }
    lx_arena_free(a);
}

/*
 * Replays the documented synchronisation on the ids alone: diffs before
 * the snapshot are buffered, stale ones dropped, and every applied diff
 * must chain (spot: U == previous u + 1; USD-M: pu == previous u).
 * Returns the number of diffs applied; fails on any gap.
 */
static size_t sync_count(enum lx_bn_market m, const struct hft_stats *st)
{
    int64_t id = st->snap_id, prev = -1;
    size_t i, applied = 0;

    for (i = 0; i < st->ndiffs; i++) {
        const struct diff_ids *d = &st->diffs[i];

        if (m == LX_BN_SPOT ? d->final <= id : d->final < id) {
            continue;
        }
        if (applied == 0) {
            int64_t want = m == LX_BN_SPOT ? id + 1 : id;

            assert_true(d->first <= want && want <= d->final);
        } else if (m == LX_BN_SPOT) {
            assert_int_equal(d->first, prev + 1);
        } else {
            assert_int_equal(d->prev, prev);
        }
        prev = d->final;
        applied++;
    }
    return applied;
}

static void test_sample_hft_spot(void **state)
{
    struct hft_stats st;
    size_t n;
    char *buf =
        sample("binance-spot/hftbacktest/btcusdt_20240808.first150s.txt", &n);

    (void)state;
    if (buf == NULL) {
        skip(); /* no ../shared/samples (a release tarball) */
    }
    memset(&st, 0, sizeof(st));
    hft_scan(LX_BN_SPOT, buf, n, &st);
    assert_int_equal(st.lines, 16191);
    assert_int_equal(st.book, 11788);
    assert_int_equal(st.trade, 2906);
    assert_int_equal(st.depth, 1496);
    assert_int_equal(st.snap, 1);
    assert_int_equal(st.agg + st.other, 0);
    assert_int_equal(st.snap_id, 50093239218LL);
    assert_int_equal(sync_count(LX_BN_SPOT, &st), 1494);
    lx__free(NULL, st.diffs);
    lx__free(NULL, buf);
}

static void test_sample_hft_usdm(void **state)
{
    struct hft_stats st;
    size_t n;
    char *buf = sample("binance-usdm/hftbacktest/btcusdt_20240718.txt", &n);

    (void)state;
    if (buf == NULL) {
        skip(); /* no ../shared/samples (a release tarball) */
    }
    memset(&st, 0, sizeof(st));
    hft_scan(LX_BN_USDM, buf, n, &st);
    assert_int_equal(st.lines, 11414);
    assert_int_equal(st.book, 7113);
    assert_int_equal(st.depth, 3326);
    assert_int_equal(st.trade, 974);
    assert_int_equal(st.snap, 1);
    assert_int_equal(st.agg + st.other, 0);
    assert_int_equal(st.snap_id, 4984028384061LL);
    assert_int_equal(sync_count(LX_BN_USDM, &st), 3321);
    lx__free(NULL, st.diffs);
    lx__free(NULL, buf);
}

/* The first frames of the spot recording, field by field. */
static void test_sample_exact_values(void **state)
{
    const char *diff =
        "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":\"depthUpdate\","
        "\"E\":1723161255208,\"s\":\"BTCUSDT\",\"U\":50093239189,"
        "\"u\":50093239202,\"b\":[[\"61737.63000000\",\"0.00000000\"]],"
        "\"a\":[[\"61837.64000000\",\"1.54698000\"]]}}";
    const char *bt =
        "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":50093239212,\"s\":"
        "\"BTCUSDT\",\"b\":\"61837.63000000\",\"B\":\"3.78826000\",\"a\":"
        "\"61837.64000000\",\"A\":\"1.54698000\"}}";
    const char *tr =
        "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":"
        "1723161255343,\"s\":\"BTCUSDT\",\"t\":3735683259,\"p\":"
        "\"61837.63000000\",\"q\":\"0.02000000\",\"T\":1723161255342,\"m\":"
        "true,\"M\":true}}";
    struct lx_arena *a = arena_new();
    struct lx_bn_msg msg;
    struct lx_bn_err e;

    (void)state;
    assert_int_equal(ws_str(LX_BN_SPOT, diff, a, &msg, &e), LX_OK);
    assert_int_equal(msg.kind, LX_BN_MSG_DEPTH);
    assert_string_equal(msg.stream, "btcusdt@depth@100ms");
    assert_string_equal(msg.event, "depthUpdate");
    assert_int_equal(msg.event_ms, 1723161255208LL);
    assert_int_equal(msg.u.depth.first_id, 50093239189LL);
    assert_int_equal(msg.u.depth.final_id, 50093239202LL);
    assert_int_equal(msg.u.depth.prev_final_id, -1);
    assert_int_equal(msg.u.depth.nbids, 1);
    assert_dec(msg.u.depth.bids[0].price, "61737.63000000");
    assert_dec(msg.u.depth.bids[0].qty, "0.00000000");
    assert_dec(msg.u.depth.asks[0].qty, "1.54698000");
    assert_int_equal(ws_str(LX_BN_SPOT, bt, a, &msg, &e), LX_OK);
    assert_int_equal(msg.kind, LX_BN_MSG_BOOK_TICKER);
    assert_int_equal(msg.u.book_ticker.update_id, 50093239212LL);
    assert_dec(msg.u.book_ticker.bid_qty, "3.78826000");
    assert_dec(msg.u.book_ticker.ask, "61837.64000000");
    assert_int_equal(ws_str(LX_BN_SPOT, tr, a, &msg, &e), LX_OK);
    assert_int_equal(msg.kind, LX_BN_MSG_TRADE);
    assert_int_equal(msg.u.trade.trade_id, 3735683259LL);
    assert_true(msg.u.trade.buyer_is_maker);
    assert_int_equal(msg.u.trade.taker_side, LX_SIDE_SELL);
    assert_dec(msg.u.trade.qty, "0.02000000");
    assert_int_equal(msg.u.trade.trade_ms, 1723161255342LL);
    lx_arena_free(a);
}

/* ---- Samples: cryptofeed --------------------------------------------------
 */

struct cf_stats {
    unsigned recv, depth, book, agg, kline, other;
    unsigned http_depth, http_info, symbols, trading, filters_ok;
};

static void cf_http(enum lx_bn_market m, const char *url, const char *body,
                    size_t blen, struct lx_arena *a, struct cf_stats *st)
{
    struct lx_bn_err e;
    int rc;

    if (strstr(url, "/depth") != NULL) {
        struct lx_depth d;

        rc = lx__bn_parse_depth(body, blen, a, &d, &e);
        assert_int_equal(rc, LX_OK);
        assert_true(d.is_snapshot && d.nbids > 0 && d.nasks > 0);
        st->http_depth++;
    } else if (strstr(url, "/exchangeInfo") != NULL) {
        struct lx_instrument *ins;
        size_t n, i;

        rc = lx__bn_parse_exchange_info(m, body, blen, a, &ins, &n, &e);
        if (rc != LX_OK) {
            fail_msg("exchangeInfo: %s at '%s'", lx_err_name(rc), e.json.path);
        }
        st->http_info++;
        st->symbols += (unsigned)n;
        for (i = 0; i < n; i++) {
            st->trading += ins[i].status == LX_INST_TRADING;
            st->filters_ok += ins[i].tick_size.m > 0 && ins[i].lot_step.m > 0 &&
                              ins[i].min_notional.m > 0;
        }
    } else {
        fail_msg("unexpected url %s", url);
    }
}

static void cf_recv(enum lx_bn_market m, const char *data, size_t dlen,
                    struct lx_arena *a, struct cf_stats *st)
{
    struct lx_bn_msg msg;
    struct lx_bn_err e;
    int rc = lx__bn_parse_ws(m, data, dlen, a, &msg, &e);

    if (rc != LX_OK) {
        fail_msg("frame: %s at '%s'", lx_err_name(rc), e.json.path);
    }
    st->recv++;
    switch (msg.kind) {
    case LX_BN_MSG_DEPTH:
        st->depth++;
        assert_true(m == LX_BN_SPOT || msg.u.depth.prev_final_id > 0);
        break;
    case LX_BN_MSG_BOOK_TICKER:
        st->book++;
        break;
    case LX_BN_MSG_TRADE:
        st->agg += msg.u.trade.is_aggregate;
        break;
    case LX_BN_MSG_KLINE:
        st->kline++;
        assert_string_equal(msg.u.kline.interval, "1m");
        break;
    default:
        st->other++;
    }
}

static bool cf_scan(enum lx_bn_market m, const char *rel, struct cf_stats *st)
{
    struct lx_arena *a;
    size_t n;
    char *buf = sample(rel, &n), *line, *end;

    if (buf == NULL) {
        return false; /* no ../shared/samples: the caller skips */
    }
    a = arena_new();
    for (line = buf; line < buf + n; line = end + 1) {
        cJSON *row = NULL;
        const char *t = NULL, *data = NULL, *url = NULL;
        size_t dlen = 0;

        end = memchr(line, '\n', (size_t)(buf + n - line));
        end = end != NULL ? end : buf + n;
        if (end == line) {
            continue;
        }
        assert_int_equal(lx__json_parse(line, (size_t)(end - line), &row, NULL),
                         LX_OK);
        assert_int_equal(lx__json_get_str(row, "t", &t, NULL, NULL), LX_OK);
        if (strcmp(t, "recv") == 0 || strcmp(t, "http") == 0) {
            assert_int_equal(lx__json_get_str(row, "data", &data, &dlen, NULL),
                             LX_OK);
        }
        if (strcmp(t, "recv") == 0) {
            cf_recv(m, data, dlen, a, st);
        } else if (strcmp(t, "http") == 0) {
            assert_int_equal(lx__json_get_str(row, "url", &url, NULL, NULL),
                             LX_OK);
            cf_http(m, url, data, dlen, a, st);
        }
        cJSON_Delete(row);
        lx_arena_reset(a);
    }
    lx_arena_free(a);
    lx__free(NULL, buf);
    return true;
}

static void test_sample_cryptofeed_spot(void **state)
{
    struct cf_stats st;

    (void)state;
    memset(&st, 0, sizeof(st));
    if (!cf_scan(LX_BN_SPOT, "binance-spot/cryptofeed/BINANCE.2021-10-12.jsonl",
                 &st)) {
        skip();
    }
    assert_int_equal(st.recv, 265);
    assert_int_equal(st.depth, 177);
    assert_int_equal(st.book, 84);
    assert_int_equal(st.agg, 2);
    assert_int_equal(st.kline, 2);
    assert_int_equal(st.other, 0);
    assert_int_equal(st.http_depth, 4);
    assert_int_equal(st.http_info, 1);
    assert_int_equal(st.symbols, 1695);
    assert_int_equal(st.trading, 1262);
    assert_int_equal(st.filters_ok, 1695);
}

static void test_sample_cryptofeed_usdm(void **state)
{
    struct cf_stats st;

    (void)state;
    memset(&st, 0, sizeof(st));
    if (!cf_scan(LX_BN_USDM,
                 "binance-usdm/cryptofeed/BINANCE_FUTURES.2021-07-22.jsonl",
                 &st)) {
        skip();
    }
    assert_int_equal(st.recv, 1535);
    assert_int_equal(st.depth, 764);
    assert_int_equal(st.book, 613);
    assert_int_equal(st.agg, 91);
    assert_int_equal(st.kline, 67);
    assert_int_equal(st.other, 0);
    assert_int_equal(st.http_depth, 4);
    assert_int_equal(st.http_info, 1);
    assert_int_equal(st.symbols, 122);
    assert_int_equal(st.trading, 121);
    assert_int_equal(st.filters_ok, 122);
}

/* The exchangeInfo of the spot recording: ETHBTC's filters exactly. */
static void test_sample_exchange_info_values(void **state)
{
    const char *body =
        "{\"symbols\":[{\"symbol\":\"ETHBTC\",\"status\":\"TRADING\","
        "\"baseAsset\":\"ETH\",\"quoteAsset\":\"BTC\",\"orderTypes\":["
        "\"LIMIT\","
        "\"LIMIT_MAKER\",\"MARKET\",\"STOP_LOSS_LIMIT\",\"TAKE_PROFIT_LIMIT\"],"
        "\"filters\":[{\"filterType\":\"PRICE_FILTER\",\"minPrice\":"
        "\"0.00000100\",\"maxPrice\":\"922327.00000000\",\"tickSize\":"
        "\"0.00000100\"},{\"filterType\":\"LOT_SIZE\",\"minQty\":\"0."
        "00010000\","
        "\"maxQty\":\"100000.00000000\",\"stepSize\":\"0.00010000\"},"
        "{\"filterType\":\"MIN_NOTIONAL\",\"minNotional\":\"0.00010000\","
        "\"applyToMarket\":true,\"avgPriceMins\":5},{\"filterType\":"
        "\"MARKET_LOT_SIZE\",\"minQty\":\"0.00000000\",\"maxQty\":"
        "\"873.90727776\",\"stepSize\":\"0.00000000\"}]}]}";
    const char *fut =
        "{\"symbols\":[{\"symbol\":\"BTCUSDT\",\"pair\":\"BTCUSDT\","
        "\"contractType\":\"PERPETUAL\",\"deliveryDate\":4133404800000,"
        "\"onboardDate\":1569398400000,\"status\":\"TRADING\",\"baseAsset\":"
        "\"BTC\",\"quoteAsset\":\"USDT\",\"marginAsset\":\"USDT\",\"filters\":"
        "[{\"minPrice\":\"556.72\",\"maxPrice\":\"1000000\",\"filterType\":"
        "\"PRICE_FILTER\",\"tickSize\":\"0.01\"},{\"stepSize\":\"0.001\","
        "\"filterType\":\"LOT_SIZE\",\"maxQty\":\"1000\",\"minQty\":\"0.001\"},"
        "{\"notional\":\"5\",\"filterType\":\"MIN_NOTIONAL\"}],\"orderTypes\":"
        "[\"LIMIT\",\"MARKET\",\"STOP\",\"STOP_MARKET\",\"TAKE_PROFIT\","
        "\"TAKE_PROFIT_MARKET\",\"TRAILING_STOP_MARKET\"]}]}";
    struct lx_arena *a = arena_new();
    struct lx_instrument *in;
    struct lx_bn_err e;
    size_t n;

    (void)state;
    assert_int_equal(lx__bn_parse_exchange_info(LX_BN_SPOT, body, strlen(body),
                                                a, &in, &n, &e),
                     LX_OK);
    assert_int_equal(n, 1);
    assert_string_equal(in->symbol, "ETHBTC");
    assert_string_equal(in->base, "ETH");
    assert_int_equal(in->kind, LX_KIND_SPOT);
    assert_dec(in->tick_size, "0.00000100");
    assert_dec(in->max_price, "922327.00000000");
    assert_dec(in->lot_step, "0.00010000");
    assert_dec(in->min_notional, "0.00010000");
    assert_dec(in->market_max_qty, "873.90727776");
    assert_true(lx_decimal_is_zero(in->market_lot_step));
    assert_int_equal(in->price_scale, 8);
    assert_int_equal(in->order_types, (1u << LX_ORDER_LIMIT) |
                                          (1u << LX_ORDER_LIMIT_MAKER) |
                                          (1u << LX_ORDER_MARKET) |
                                          (1u << LX_ORDER_STOP_LOSS_LIMIT) |
                                          (1u << LX_ORDER_TAKE_PROFIT_LIMIT));
    assert_int_equal(lx__bn_parse_exchange_info(LX_BN_USDM, fut, strlen(fut), a,
                                                &in, &n, &e),
                     LX_OK);
    assert_int_equal(in->kind, LX_KIND_PERP);
    assert_string_equal(in->settle, "USDT");
    assert_dec(in->tick_size, "0.01");
    assert_dec(in->min_notional, "5");
    assert_int_equal(in->price_scale, 2);
    assert_int_equal(in->qty_scale, 3);
    assert_int_equal(in->onboard_ms, 1569398400000LL);
    assert_true(in->order_types & (1u << LX_ORDER_TRAILING_STOP));
    assert_true(in->order_types & (1u << LX_ORDER_TAKE_PROFIT_LIMIT));
    assert_true(in->order_types & (1u << LX_ORDER_STOP_LOSS_LIMIT));
    lx_arena_free(a);
}

static void test_sample_nautilus_trade_lite(void **state)
{
    struct lx_arena *a;
    struct lx_bn_msg msg;
    struct lx_bn_err e;
    size_t n;
    char *buf = sample("binance-usdm/nautilus/ws_futures_trade_lite.json", &n);

    (void)state;
    if (buf == NULL) {
        skip(); /* no ../shared/samples (a release tarball) */
    }
    a = arena_new();
    assert_int_equal(lx__bn_parse_ws(LX_BN_USDM, buf, n, a, &msg, &e), LX_OK);
    assert_int_equal(msg.kind, LX_BN_MSG_ORDER_UPDATE);
    assert_string_equal(msg.event, "TRADE_LITE");
    assert_string_equal(msg.u.order.symbol, "ETHUSDT");
    /* 19 digits: beyond a double, exact as a raw number. */
    assert_string_equal(msg.u.order.order_id, "8389765739703625592");
    assert_string_equal(msg.u.order.client_id, "O-20240930-081155-001-000-29");
    assert_int_equal(msg.u.order.side, LX_SIDE_BUY);
    assert_int_equal(msg.u.order.exec_type, LX_EXEC_TRADE);
    assert_dec(msg.u.order.qty, "0.037");
    assert_dec(msg.u.order.price, "2631.90");
    assert_dec(msg.u.order.last_price, "2631.90");
    assert_dec(msg.u.order.last_qty, "0.037");
    assert_int_equal(msg.u.order.trade_id, 4467432841LL);
    assert_false(msg.u.order.maker);
    assert_int_equal(msg.event_ms, 1727683915920LL);
    lx_arena_free(a);
    lx__free(NULL, buf);
}

/* ---- Documented examples: orders ------------------------------------------
 */

static void parse_order_fixture(enum lx_bn_market m, const char *name,
                                struct lx_arena *a, struct lx_order *o)
{
    struct lx_bn_err e;
    size_t len;
    char *buf = fixture(name, &len);
    int rc = lx__bn_parse_order(m, buf, len, a, o, &e);

    if (rc != LX_OK) {
        fail_msg("%s: %s at '%s'", name, lx_err_name(rc), e.json.path);
    }
    lx__free(NULL, buf);
}

static void test_spot_order_responses(void **state)
{
    struct lx_arena *a = arena_new();
    struct lx_order o;

    (void)state;
    parse_order_fixture(LX_BN_SPOT, "spot_order_ack.json", a, &o);
    assert_string_equal(o.symbol, "BTCUSDT");
    assert_string_equal(o.order_id, "28");
    assert_string_equal(o.client_id, "6gCrw2kRUAF9CvJDGP16IP");
    assert_false(o.has_details);
    assert_int_equal(o.status, LX_STATUS_NONE);
    assert_int_equal(o.list_id, -1);
    assert_int_equal(o.update_ms, 1507725176595LL);

    parse_order_fixture(LX_BN_SPOT, "spot_order_result.json", a, &o);
    assert_true(o.has_details);
    assert_int_equal(o.status, LX_STATUS_FILLED);
    assert_int_equal(o.type, LX_ORDER_MARKET);
    assert_int_equal(o.side, LX_SIDE_SELL);
    assert_int_equal(o.tif, LX_TIF_GTC);
    assert_dec(o.qty, "10.00000000");
    assert_dec(o.filled_qty, "10.00000000");
    assert_dec(o.quote_qty, "0.000000");
    assert_int_equal(o.nfills, 0);

    parse_order_fixture(LX_BN_SPOT, "spot_order_full.json", a, &o);
    assert_int_equal(o.nfills, 5);
    assert_dec(o.fills[0].price, "4000.00000000");
    assert_dec(o.fills[1].commission, "19.99500000");
    assert_string_equal(o.fills[4].commission_asset, "USDT");
    assert_int_equal(o.fills[4].trade_id, 60);
    assert_string_equal(o.fills[2].order_id, "28");
    assert_int_equal(o.fills[2].side, LX_SIDE_SELL);

    parse_order_fixture(LX_BN_SPOT, "spot_cancel.json", a, &o);
    assert_int_equal(o.status, LX_STATUS_CANCELED);
    assert_string_equal(o.orig_client_id, "myOrder1");
    assert_string_equal(o.client_id, "cancelMyOrder1");
    assert_dec(o.price, "2.00000000");

    parse_order_fixture(LX_BN_SPOT, "spot_query_order.json", a, &o);
    assert_int_equal(o.status, LX_STATUS_NEW);
    assert_true(o.is_working);
    assert_dec(o.price, "0.1");
    assert_dec(o.stop_price, "0.0");
    assert_int_equal(o.create_ms, 1499827319559LL);
    lx_arena_free(a);
}

static void test_spot_order_lists(void **state)
{
    struct lx_arena *a = arena_new();
    struct lx_order *os;
    struct lx_bn_err e;
    size_t len, n;
    char *buf = fixture("spot_cancel_all.json", &len);

    (void)state;
    assert_int_equal(lx__bn_parse_orders(LX_BN_SPOT, buf, len, a, &os, &n, &e),
                     LX_OK);
    /* Two plain orders and the two reports of one OCO list. */
    assert_int_equal(n, 4);
    assert_string_equal(os[1].order_id, "13");
    assert_string_equal(os[2].order_id, "20");
    assert_int_equal(os[2].type, LX_ORDER_STOP_LOSS_LIMIT);
    assert_dec(os[2].stop_price, "0.378131");
    assert_dec(os[2].iceberg_qty, "0.017083");
    assert_int_equal(os[2].list_id, 1929);
    assert_int_equal(os[3].type, LX_ORDER_LIMIT_MAKER);
    lx__free(NULL, buf);

    buf = fixture("spot_open_orders.json", &len);
    assert_int_equal(lx__bn_parse_orders(LX_BN_SPOT, buf, len, a, &os, &n, &e),
                     LX_OK);
    assert_int_equal(n, 1);
    assert_string_equal(os[0].client_id, "myOrder1");
    lx__free(NULL, buf);
    /* An empty list is fine. */
    assert_int_equal(lx__bn_parse_orders(LX_BN_SPOT, "[]", 2, a, &os, &n, &e),
                     LX_OK);
    assert_int_equal(n, 0);
    lx_arena_free(a);
}

static void test_usdm_order_responses(void **state)
{
    struct lx_arena *a = arena_new();
    struct lx_order o;

    (void)state;
    parse_order_fixture(LX_BN_USDM, "usdm_order.json", a, &o);
    assert_string_equal(o.order_id, "22542179");
    assert_string_equal(o.client_id, "testOrder");
    assert_int_equal(o.type, LX_ORDER_TRAILING_STOP);
    assert_int_equal(o.orig_type, LX_ORDER_TRAILING_STOP);
    assert_int_equal(o.position_side, LX_POS_SHORT);
    assert_int_equal(o.tif, LX_TIF_GTD);
    assert_int_equal(o.working_type, LX_WORKING_CONTRACT_PRICE);
    assert_dec(o.activation_price, "9020");
    assert_dec(o.callback_rate, "0.3");
    assert_dec(o.avg_price, "0.00000");
    assert_dec(o.stop_price, "9300");
    assert_false(o.close_position);
    assert_int_equal(o.update_ms, 1566818724722LL);

    parse_order_fixture(LX_BN_USDM, "usdm_cancel.json", a, &o);
    assert_int_equal(o.status, LX_STATUS_CANCELED);
    assert_dec(o.qty, "11");
    lx_arena_free(a);
}

/* ---- Documented examples: accounts ----------------------------------------
 */

static void test_accounts(void **state)
{
    struct lx_arena *a = arena_new();
    struct lx_balance *b;
    struct lx_position *p;
    struct lx_bn_err e;
    size_t len, nb, np;
    char *buf;

    (void)state;
    buf = fixture("spot_account.json", &len);
    assert_int_equal(
        lx__bn_parse_account(LX_BN_SPOT, buf, len, a, &b, &nb, &p, &np, &e),
        LX_OK);
    assert_int_equal(nb, 2);
    assert_int_equal(np, 0);
    assert_string_equal(b[0].asset, "BTC");
    assert_dec(b[0].free, "4723846.89208129");
    assert_dec(b[1].locked, "0.00000000");
    lx__free(NULL, buf);

    buf = fixture("usdm_account_v3.json", &len);
    assert_int_equal(
        lx__bn_parse_account(LX_BN_USDM, buf, len, a, &b, &nb, &p, &np, &e),
        LX_OK);
    assert_int_equal(nb, 2);
    assert_string_equal(b[1].asset, "USDC");
    assert_dec(b[1].wallet, "103.12345678");
    assert_dec(b[1].free, "126.72469206");
    assert_int_equal(np, 1);
    assert_dec(p[0].amount, "1.000");
    assert_int_equal(p[0].side, LX_POS_BOTH);
    lx__free(NULL, buf);

    buf = fixture("usdm_balance_v3.json", &len);
    assert_int_equal(lx__bn_parse_balances(buf, len, a, &b, &nb, &e), LX_OK);
    assert_int_equal(nb, 1);
    assert_dec(b[0].wallet, "122607.35137903");
    assert_dec(b[0].free, "23.72469206");
    assert_dec(b[0].cross_wallet, "23.72469206");
    assert_int_equal(b[0].update_ms, 1617939110373LL);
    lx__free(NULL, buf);

    buf = fixture("usdm_position_risk_v3.json", &len);
    assert_int_equal(lx__bn_parse_position_risk(buf, len, a, &p, &np, &e),
                     LX_OK);
    assert_int_equal(np, 2);
    assert_int_equal(p[1].side, LX_POS_SHORT);
    assert_dec(p[1].amount, "-1.000");
    assert_dec(p[1].break_even_price, "70.900038636");
    assert_dec(p[1].unrealized_pnl, "21.20817624");
    assert_dec(p[1].liquidation_price, "2260.56757210");
    assert_dec(p[0].mark_price, "0.41047590");
    lx__free(NULL, buf);
    lx_arena_free(a);
}

static void test_market_rest(void **state)
{
    const char *time_body = "{\"serverTime\":1499827319559}";
    struct lx_arena *a = arena_new();
    struct lx_mark_price *mp;
    struct lx_kline *k;
    struct lx_bn_err e;
    char key[80];
    size_t len, n;
    int64_t ms;
    char *buf;

    (void)state;
    buf = fixture("spot_klines.json", &len);
    assert_int_equal(lx__bn_parse_klines(buf, len, a, &k, &n, &e), LX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(k[0].open_ms, 1499040000000LL);
    assert_dec(k[0].high, "0.80000000");
    assert_dec(k[0].volume, "148976.11427815");
    assert_int_equal(k[0].trades, 308);
    assert_dec(k[0].taker_buy_quote_volume, "28.46694368");
    lx__free(NULL, buf);

    buf = fixture("usdm_premium_index.json", &len);
    assert_int_equal(lx__bn_parse_premium_index(buf, len, a, &mp, &n, &e),
                     LX_OK);
    assert_int_equal(n, 1);
    assert_dec(mp[0].funding_rate, "0.00038246");
    assert_int_equal(mp[0].next_funding_ms, 1597392000000LL);
    lx__free(NULL, buf);
    buf = fixture("usdm_premium_index_all.json", &len);
    assert_int_equal(lx__bn_parse_premium_index(buf, len, a, &mp, &n, &e),
                     LX_OK);
    assert_int_equal(n, 1);
    assert_dec(mp[0].mark, "11793.63104562");
    lx__free(NULL, buf);

    buf = fixture("spot_listen_key.json", &len);
    assert_int_equal(lx__bn_parse_listen_key(buf, len, key, sizeof(key), &e),
                     LX_OK);
    assert_string_equal(
        key,
        "pqia91ma19a5s61cv6a81va65sdf19v8a65a1a5s61cv6a81va65sdf19v8a65a1");
    assert_int_equal(lx__bn_parse_listen_key(buf, len, key, 10, &e),
                     LX_ERR_TOOBIG);
    lx__free(NULL, buf);
    assert_int_equal(
        lx__bn_parse_server_time(time_body, strlen(time_body), &ms, &e), LX_OK);
    assert_int_equal(ms, 1499827319559LL);
    lx_arena_free(a);
}

static void test_spot_exchange_info_notional(void **state)
{
    struct lx_arena *a = arena_new();
    struct lx_instrument *in;
    struct lx_bn_err e;
    size_t len, n;
    char *buf = fixture("spot_exchange_info.json", &len);

    (void)state;
    assert_int_equal(
        lx__bn_parse_exchange_info(LX_BN_SPOT, buf, len, a, &in, &n, &e),
        LX_OK);
    assert_int_equal(n, 1);
    assert_dec(in->min_notional, "10.00000000");
    assert_dec(in->max_notional, "10000.00000000");
    assert_dec(in->market_lot_step, "0.00100000");
    assert_true(in->order_types & (1u << LX_ORDER_TAKE_PROFIT));
    assert_true(in->order_types & (1u << LX_ORDER_STOP_LOSS));
    lx__free(NULL, buf);
    lx_arena_free(a);
}

static void test_more_rest(void **state)
{
    /*
     * Not a captured or documented body: an algo order answer written from
     * the field names of the USD-M algo order pages.
     */
    const char *algo =
        "{\"algoId\":1000000022710270,\"clientAlgoId\":\"sl-1\","
        "\"algoType\":\"CONDITIONAL\",\"orderType\":\"STOP_MARKET\","
        "\"symbol\":\"ETHUSDT\",\"side\":\"SELL\",\"positionSide\":"
        "\"BOTH\",\"timeInForce\":\"GTC\",\"quantity\":\"0.043\","
        "\"algoStatus\":\"NEW\",\"triggerPrice\":\"2264.6\",\"price\":"
        "\"0\",\"workingType\":\"MARK_PRICE\",\"closePosition\":false,"
        "\"priceProtect\":false,\"reduceOnly\":true,\"createTime\":1,"
        "\"updateTime\":2}";
    struct lx_arena *a = arena_new();
    struct lx_funding_rate *fr;
    struct lx_trade *tr;
    struct lx_ticker *t;
    struct lx_fill *f;
    struct lx_order o, *os;
    struct lx_bn_err e;
    size_t len, n;
    int64_t lev;
    char *buf;

    (void)state;
    assert_int_equal(lx__bn_parse_algo_order(algo, strlen(algo), a, &o, &e),
                     LX_OK);
    assert_true(o.is_algo);
    assert_string_equal(o.order_id, "1000000022710270");
    assert_string_equal(o.client_id, "sl-1");
    assert_int_equal(o.type, LX_ORDER_STOP_MARKET);
    assert_int_equal(o.status, LX_STATUS_NEW);
    assert_dec(o.stop_price, "2264.6");
    assert_true(o.reduce_only);
    assert_int_equal(o.working_type, LX_WORKING_MARK_PRICE);
    assert_int_equal(lx__bn_parse_algo_orders("[]", 2, a, &os, &n, &e), LX_OK);
    assert_int_equal(n, 0);

    buf = fixture("spot_my_trades.json", &len);
    assert_int_equal(
        lx__bn_parse_my_trades(LX_BN_SPOT, buf, len, a, &f, &n, &e), LX_OK);
    assert_int_equal(n, 1);
    assert_int_equal(f->trade_id, 28457);
    assert_string_equal(f->order_id, "100234");
    assert_int_equal(f->side, LX_SIDE_BUY);
    assert_false(f->maker);
    assert_dec(f->quote_qty, "48.000012");
    assert_string_equal(f->commission_asset, "BNB");
    lx__free(NULL, buf);
    buf = fixture("usdm_user_trades.json", &len);
    assert_int_equal(
        lx__bn_parse_my_trades(LX_BN_USDM, buf, len, a, &f, &n, &e), LX_OK);
    assert_int_equal(f->side, LX_SIDE_SELL);
    assert_int_equal(f->position_side, LX_POS_SHORT);
    assert_dec(f->realized_pnl, "-0.91539999");
    assert_dec(f->commission, "-0.07819010");
    lx__free(NULL, buf);

    buf = fixture("spot_trades.json", &len);
    assert_int_equal(lx__bn_parse_trades(buf, len, a, &tr, &n, &e), LX_OK);
    assert_int_equal(n, 1);
    assert_false(tr->is_aggregate);
    assert_int_equal(tr->trade_id, 28457);
    assert_dec(tr->price, "4.00000100");
    assert_true(tr->buyer_is_maker);
    assert_int_equal(tr->taker_side, LX_SIDE_SELL);
    assert_int_equal(tr->trade_ms, 1499865549590LL);
    lx__free(NULL, buf);
    buf = fixture("spot_agg_trades.json", &len);
    assert_int_equal(lx__bn_parse_trades(buf, len, a, &tr, &n, &e), LX_OK);
    assert_true(tr->is_aggregate);
    assert_int_equal(tr->trade_id, 26129);
    assert_int_equal(tr->first_trade_id, 27781);
    assert_dec(tr->qty, "4.70443515");
    lx__free(NULL, buf);

    buf = fixture("spot_ticker_24h.json", &len);
    assert_int_equal(lx__bn_parse_ticker_24h(buf, len, a, &t, &n, &e), LX_OK);
    assert_int_equal(n, 1);
    assert_dec(t->last, "4.00000200");
    assert_dec(t->change_pct, "-95.960");
    assert_int_equal(t->trades, 76);
    lx__free(NULL, buf);

    buf = fixture("usdm_funding_rate.json", &len);
    assert_int_equal(lx__bn_parse_funding_rates(buf, len, a, &fr, &n, &e),
                     LX_OK);
    assert_int_equal(n, 2);
    assert_dec(fr[0].rate, "-0.03750000");
    assert_int_equal(fr[1].funding_ms, 1570636800000LL);
    lx__free(NULL, buf);

    buf = fixture("usdm_leverage.json", &len);
    assert_int_equal(lx__bn_parse_leverage(buf, len, &lev, &e), LX_OK);
    assert_int_equal(lev, 21);
    lx__free(NULL, buf);
    lx_arena_free(a);
}

/* ---- Documented examples: user data ---------------------------------------
 */

static void test_spot_user_data(void **state)
{
    struct lx_arena *a = arena_new();
    struct lx_bn_msg m;

    (void)state;
    assert_int_equal(
        ws_fixture(LX_BN_SPOT, "spot_execution_report.json", a, &m), LX_OK);
    assert_int_equal(m.kind, LX_BN_MSG_ORDER_UPDATE);
    assert_string_equal(m.event, "executionReport");
    assert_string_equal(m.u.order.order_id, "4293153");
    assert_string_equal(m.u.order.client_id, "mUvoqJxFIILMdfAW5iGSOW");
    assert_int_equal(m.u.order.exec_type, LX_EXEC_NEW);
    assert_int_equal(m.u.order.status, LX_STATUS_NEW);
    assert_int_equal(m.u.order.type, LX_ORDER_LIMIT);
    assert_dec(m.u.order.price, "0.10264410");
    assert_dec(m.u.order.qty, "1.00000000");
    assert_dec(m.u.order.commission, "0");
    assert_string_equal(m.u.order.commission_asset, ""); /* "N": null */
    assert_string_equal(m.u.order.reject_reason, "NONE");
    assert_int_equal(m.u.order.trade_id, -1);
    assert_true(m.u.order.is_working);
    assert_int_equal(m.event_ms, 1499405658658LL);

    assert_int_equal(
        ws_fixture(LX_BN_SPOT, "spot_outbound_account_position.json", a, &m),
        LX_OK);
    assert_int_equal(m.kind, LX_BN_MSG_ACCOUNT_UPDATE);
    assert_int_equal(m.u.account.nbalances, 1);
    assert_string_equal(m.u.account.balances[0].asset, "ETH");
    assert_dec(m.u.account.balances[0].free, "10000.000000");
    assert_int_equal(m.u.account.tx_ms, 1564034571073LL);

    assert_int_equal(ws_fixture(LX_BN_SPOT, "spot_balance_update.json", a, &m),
                     LX_OK);
    assert_int_equal(m.kind, LX_BN_MSG_ACCOUNT_UPDATE);
    assert_dec(m.u.account.balances[0].delta, "100.00000000");

    assert_int_equal(
        ws_fixture(LX_BN_SPOT, "spot_listen_key_expired.json", a, &m), LX_OK);
    assert_int_equal(m.kind, LX_BN_MSG_LISTEN_KEY_EXPIRED);
    assert_string_equal(
        m.u.listen_key,
        "OfYGbUzi3PraNagEkdKuFwUHn48brFsItTdsuiIXrucEvD0rhRXZ7I6URWfE8YE8");

    assert_int_equal(
        ws_fixture(LX_BN_SPOT, "spot_event_stream_terminated.json", a, &m),
        LX_OK);
    assert_int_equal(m.kind, LX_BN_MSG_STREAM_TERMINATED);
    assert_int_equal(m.event_ms, 1728973001334LL);

    /* Documented, but not mapped: delivered raw, never dropped. */
    assert_int_equal(
        ws_fixture(LX_BN_SPOT, "spot_external_lock_update.json", a, &m), LX_OK);
    assert_int_equal(m.kind, LX_BN_MSG_UNMAPPED);
    assert_string_equal(m.event, "externalLockUpdate");
    lx_arena_free(a);
}

static void test_usdm_user_data(void **state)
{
    struct lx_arena *a = arena_new();
    struct lx_bn_msg m;
    const struct lx_position *p;

    (void)state;
    assert_int_equal(
        ws_fixture(LX_BN_USDM, "usdm_order_trade_update.json", a, &m), LX_OK);
    assert_int_equal(m.kind, LX_BN_MSG_ORDER_UPDATE);
    assert_string_equal(m.u.order.order_id, "8886774");
    assert_string_equal(m.u.order.client_id, "TEST");
    assert_int_equal(m.u.order.type, LX_ORDER_TRAILING_STOP);
    assert_int_equal(m.u.order.position_side, LX_POS_LONG);
    assert_dec(m.u.order.stop_price, "7103.04");
    assert_dec(m.u.order.activation_price, "7476.89");
    assert_dec(m.u.order.callback_rate, "5.0");
    assert_string_equal(m.u.order.commission_asset, "USDT");
    assert_int_equal(m.u.order.update_ms, 1568879465650LL);

    assert_int_equal(ws_fixture(LX_BN_USDM, "usdm_account_update.json", a, &m),
                     LX_OK);
    assert_int_equal(m.kind, LX_BN_MSG_ACCOUNT_UPDATE);
    assert_string_equal(m.u.account.reason, "ORDER");
    assert_int_equal(m.u.account.nbalances, 2);
    assert_dec(m.u.account.balances[1].delta, "-49.12345678");
    assert_int_equal(m.u.account.npositions, 3);
    p = &m.u.account.positions[2];
    assert_int_equal(p->side, LX_POS_SHORT);
    assert_int_equal(p->margin_type, LX_MARGIN_ISOLATED);
    assert_dec(p->amount, "-10");
    assert_dec(p->realized_pnl, "-45.04000000");
    assert_dec(p->break_even_price, "6563.6");

    assert_int_equal(ws_fixture(LX_BN_USDM, "usdm_mark_price.json", a, &m),
                     LX_OK);
    assert_int_equal(m.kind, LX_BN_MSG_MARK_PRICE);
    assert_dec(m.u.mark_price.mark, "11794.15000000");
    assert_dec(m.u.mark_price.funding_rate, "0.00038167");
    assert_int_equal(m.u.mark_price.next_funding_ms, 1562306400000LL);

    assert_int_equal(ws_fixture(LX_BN_USDM, "usdm_algo_update.json", a, &m),
                     LX_OK);
    assert_int_equal(m.kind, LX_BN_MSG_ORDER_UPDATE);
    assert_true(m.u.order.is_algo);
    assert_string_equal(m.u.order.order_id, "2148719");
    assert_string_equal(m.u.order.client_id, "Q5xaq5EGKgXXa0fD7fs0Ip");
    assert_int_equal(m.u.order.type, LX_ORDER_TAKE_PROFIT_LIMIT);
    assert_int_equal(m.u.order.status, LX_STATUS_CANCELED);
    assert_dec(m.u.order.stop_price, "750");
    assert_string_equal(m.u.order.actual_order_id, "");
    assert_string_equal(m.u.order.reject_reason, "Reduce Only reject");
    assert_int_equal(m.event_ms, 1750515742303LL);

    /* USD-M sends this event time as a string. */
    assert_int_equal(
        ws_fixture(LX_BN_USDM, "usdm_listen_key_expired.json", a, &m), LX_OK);
    assert_int_equal(m.kind, LX_BN_MSG_LISTEN_KEY_EXPIRED);
    assert_int_equal(m.event_ms, 1736996475556LL);
    lx_arena_free(a);
}

/* ---- Errors, unmapped frames, malformed input -----------------------------
 */

static void test_error_envelopes(void **state)
{
    const char *ok200 = "{\"code\":200,\"msg\":\"success\"}";
    struct lx_arena *a = arena_new();
    struct lx_venue_error ve;
    struct lx_bn_err e;
    struct lx_bn_msg m;
    struct lx_order o;
    struct lx_depth d;
    size_t len;
    char *buf = fixture("error_invalid_symbol.json", &len);

    (void)state;
    assert_int_equal(lx__bn_check_error(buf, len, 400, &ve), LX_ERR_VENUE);
    assert_int_equal(ve.http_status, 400);
    assert_int_equal(ve.code, -1121);
    assert_string_equal(ve.msg, "Invalid symbol.");
    assert_int_equal(lx__bn_parse_depth(buf, len, a, &d, &e), LX_ERR_VENUE);
    assert_int_equal(e.venue.code, -1121);
    assert_int_equal(lx__bn_parse_order(LX_BN_SPOT, buf, len, a, &o, &e),
                     LX_ERR_VENUE);
    assert_int_equal(lx__bn_parse_ws(LX_BN_SPOT, buf, len, a, &m, &e),
                     LX_ERR_VENUE);
    lx__free(NULL, buf);

    buf = fixture("usdm_error_reduce_only.json", &len);
    assert_int_equal(lx__bn_parse_order(LX_BN_USDM, buf, len, a, &o, &e),
                     LX_ERR_VENUE);
    assert_int_equal(e.venue.code, -2022);
    assert_string_equal(e.venue.msg, "ReduceOnly Order is rejected.");
    lx__free(NULL, buf);
    /* USD-M success answers carry code 200: not an error. */
    assert_int_equal(lx__bn_check_error(ok200, strlen(ok200), 200, &ve), LX_OK);
    /* Not JSON (a proxy's HTML page): not a venue error. */
    assert_int_equal(lx__bn_check_error("<html>", 6, 502, &ve), LX_OK);
    /* The pre-scan: an answer without a "code" key is not parsed; the key
     * in another order, or spelled with escapes, still is an envelope. */
    assert_int_equal(lx__bn_check_error("{\"orderId\":1}", 13, 200, &ve),
                     LX_OK);
    memset(&ve, 0, sizeof(ve));
    assert_int_equal(
        lx__bn_check_error("{\"msg\":\"x\",\"code\":-1013}", 24, 400, &ve),
        LX_ERR_VENUE);
    assert_int_equal(ve.code, -1013);
    assert_int_equal(lx__bn_check_error("{\"\\u0063ode\":-1013,\"msg\":\"x\"}",
                                        29, 400, &ve),
                     LX_ERR_VENUE);
    assert_int_equal(lx__bn_check_error("{\"code\"", 7, 400, &ve), LX_OK);
    assert_int_equal(lx__bn_check_error("\"code", 5, 400, &ve), LX_OK);
    /* A WebSocket API error reply. */
    assert_int_equal(
        ws_str(LX_BN_SPOT,
               "{\"id\":\"1\",\"status\":400,\"error\":{\"code\":-1102,"
               "\"msg\":\"Mandatory parameter 'symbol' was not sent.\"}}",
               a, &m, &e),
        LX_ERR_VENUE);
    assert_int_equal(e.venue.code, -1102);
    /* A stream-API error reply to SUBSCRIBE. */
    assert_int_equal(ws_str(LX_BN_SPOT,
                            "{\"code\":2,\"msg\":\"Invalid request: unknown "
                            "variant `SUBSCRIB`\",\"id\":1}",
                            a, &m, &e),
                     LX_ERR_VENUE);
    assert_int_equal(e.venue.code, 2);
    lx_arena_free(a);
}

static enum lx_bn_error_class cls(int http, long long code, const char *msg)
{
    struct lx_venue_error ve;

    memset(&ve, 0, sizeof(ve));
    ve.http_status = http;
    ve.code = code;
    (void)lx__snprintf(ve.msg, sizeof(ve.msg), "%s", msg);
    return lx__bn_error_class(&ve);
}

static void test_error_classes(void **state)
{
    struct lx_venue_error ve;

    (void)state;
    assert_int_equal(cls(429, -1003, "Too much request weight used"),
                     LX_BN_ERRC_RATE_LIMIT);
    assert_int_equal(cls(418, 0, ""), LX_BN_ERRC_RATE_LIMIT);
    assert_int_equal(cls(400, -1015, "Too many new orders."),
                     LX_BN_ERRC_RATE_LIMIT);
    assert_int_equal(cls(400, -1021, "x"), LX_BN_ERRC_TIMESTAMP);
    assert_int_equal(cls(400, -1022, "x"), LX_BN_ERRC_AUTH);
    assert_int_equal(cls(401, -2015, "x"), LX_BN_ERRC_AUTH);
    assert_int_equal(cls(503, -1007, "x"), LX_BN_ERRC_UNKNOWN_STATE);
    assert_int_equal(cls(503, -1008, "x"), LX_BN_ERRC_BUSY);
    assert_int_equal(cls(400, -2013, "Order does not exist."),
                     LX_BN_ERRC_NO_SUCH_ORDER);
    assert_int_equal(cls(400, -2011, "Unknown order sent."),
                     LX_BN_ERRC_NO_SUCH_ORDER);
    assert_int_equal(
        cls(400, -2011, "Order was not canceled due to cancel restrictions."),
        LX_BN_ERRC_REJECTED);
    assert_int_equal(cls(400, -1121, "Invalid symbol."),
                     LX_BN_ERRC_BAD_REQUEST);
    assert_int_equal(cls(400, -1125, "This listenKey does not exist."),
                     LX_BN_ERRC_LISTEN_KEY);
    assert_int_equal(cls(400, -1013, "Filter failure: LOT_SIZE"),
                     LX_BN_ERRC_REJECTED);
    assert_int_equal(cls(400, -2022, "ReduceOnly Order is rejected."),
                     LX_BN_ERRC_REJECTED);
    assert_int_equal(cls(400, -4120, "x"), LX_BN_ERRC_REJECTED);
    assert_int_equal(cls(400, -1000, "x"), LX_BN_ERRC_OTHER);
    assert_int_equal(lx__bn_error_class(NULL), LX_BN_ERRC_OTHER);
    memset(&ve, 0, sizeof(ve));
    ve.http_status = 429;
    assert_int_equal(lx__bn_error_code(&ve), LX_ERR_RATELIMIT);
    ve.http_status = 400;
    ve.code = -1121;
    assert_int_equal(lx__bn_error_code(&ve), LX_ERR_VENUE);
}

static void test_unmapped_and_replies(void **state)
{
    struct lx_arena *a = arena_new();
    struct lx_bn_err e;
    struct lx_bn_msg m;

    (void)state;
    assert_int_equal(
        ws_str(LX_BN_SPOT, "{\"result\":null,\"id\":1}", a, &m, &e), LX_OK);
    assert_int_equal(m.kind, LX_BN_MSG_RESULT);
    assert_true(m.u.result.is_null);
    assert_int_equal(m.u.result.id, 1);
    assert_int_equal(ws_str(LX_BN_SPOT,
                            "{\"result\":[\"btcusdt@depth\"],\"id\":3}", a, &m,
                            &e),
                     LX_OK);
    assert_int_equal(m.kind, LX_BN_MSG_RESULT);
    assert_false(m.u.result.is_null);
    /* The WebSocket API's answer to userDataStream.subscribe.signature. */
    assert_int_equal(ws_str(LX_BN_SPOT,
                            "{\"id\":\"d3df8a22-98ea-4fe0-9f4e-0fcea5d418b7\","
                            "\"status\":200,\"result\":{\"subscriptionId\":0}}",
                            a, &m, &e),
                     LX_OK);
    assert_int_equal(m.kind, LX_BN_MSG_RESULT);
    assert_int_equal(m.u.result.id, -1);
    assert_string_equal(m.u.result.id_str,
                        "d3df8a22-98ea-4fe0-9f4e-0fcea5d418b7");
    assert_int_equal(m.u.result.status, 200);
    assert_int_equal(ws_str(LX_BN_SPOT,
                            "{\"stream\":\"btcusdt@ticker_1h\",\"data\":{\"e\":"
                            "\"1hTicker\",\"E\":1}}",
                            a, &m, &e),
                     LX_OK);
    assert_int_equal(m.kind, LX_BN_MSG_UNMAPPED);
    assert_string_equal(m.event, "1hTicker");
    assert_string_equal(m.stream, "btcusdt@ticker_1h");
    assert_int_equal(ws_fixture(LX_BN_SPOT, "spot_ticker_stream.json", a, &m),
                     LX_OK);
    assert_int_equal(m.kind, LX_BN_MSG_TICKER);
    assert_dec(m.u.ticker.last, "0.0025");
    assert_dec(m.u.ticker.change_pct, "250.00");
    assert_dec(m.u.ticker.ask_qty, "100");
    assert_int_equal(m.u.ticker.trades, 18151);
    assert_int_equal(m.u.ticker.close_ms, 86400000);
    assert_int_equal(
        ws_str(LX_BN_USDM, "[{\"e\":\"markPriceUpdate\"}]", a, &m, &e), LX_OK);
    assert_int_equal(m.kind, LX_BN_MSG_UNMAPPED);
    assert_string_equal(m.event, "array");
    assert_int_equal(ws_str(LX_BN_USDM, "{\"foo\":1}", a, &m, &e), LX_OK);
    assert_int_equal(m.kind, LX_BN_MSG_UNMAPPED);
    assert_string_equal(m.event, "foo");
    assert_int_equal(ws_str(LX_BN_USDM, "7", a, &m, &e), LX_OK);
    assert_int_equal(m.kind, LX_BN_MSG_UNMAPPED);
    lx_arena_free(a);
}

static int depth_str(const char *s, struct lx_arena *a, struct lx_depth *d,
                     struct lx_bn_err *e)
{
    return lx__bn_parse_depth(s, strlen(s), a, d, e);
}

static int info_str(const char *s, struct lx_arena *a,
                    struct lx_instrument **in, size_t *n, struct lx_bn_err *e)
{
    return lx__bn_parse_exchange_info(LX_BN_SPOT, s, strlen(s), a, in, n, e);
}

static void test_malformed(void **state)
{
    struct lx_arena *a = arena_new();
    struct lx_bn_err e;
    struct lx_bn_msg m;
    struct lx_depth d;
    struct lx_instrument *in;
    size_t n;

    (void)state;
    assert_int_equal(ws_str(LX_BN_SPOT, "{\"stream\":", a, &m, &e),
                     LX_ERR_PARSE);
    assert_int_equal(depth_str("{\"lastUpdateId\":1,\"bids\":[]}", a, &d, &e),
                     LX_ERR_NOTFOUND);
    assert_string_equal(e.json.path, "asks");
    assert_int_equal(
        depth_str(
            "{\"lastUpdateId\":1,\"bids\":[[\"1.0\",\"2\"],[\"x\",\"1\"]],"
            "\"asks\":[]}",
            a, &d, &e),
        LX_ERR_PARSE);
    assert_string_equal(e.json.path, "bids[1][0]");
    assert_int_equal(
        ws_str(
            LX_BN_USDM,
            "{\"stream\":\"a@depth\",\"data\":{\"e\":\"depthUpdate\",\"E\":1,"
            "\"s\":\"A\",\"U\":1,\"u\":2,\"pu\":0,\"b\":[[\"1\"]],\"a\":[]}}",
            a, &m, &e),
        LX_ERR_NOTFOUND);
    assert_string_equal(e.json.path, "data.b[0][1]");
    assert_int_equal(
        info_str("{\"symbols\":[{\"symbol\":\"A\",\"status\":\"T\","
                 "\"baseAsset\":\"A\",\"quoteAsset\":\"B\",\"filters\":"
                 "[{\"filterType\":\"LOT_SIZE\",\"stepSize\":1e-99}]}]}",
                 a, &in, &n, &e),
        LX_ERR_RANGE);
    assert_string_equal(e.json.path, "symbols[0].filters[0].stepSize");
    /* A symbol longer than the struct holds is refused, not truncated. */
    assert_int_equal(
        ws_str(
            LX_BN_SPOT,
            "{\"u\":1,\"s\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\","
            "\"b\":\"1\",\"B\":\"1\",\"a\":\"2\",\"A\":\"1\"}",
            a, &m, &e),
        LX_ERR_TOOBIG);
    assert_string_equal(e.json.path, "s");
    lx_arena_free(a);
}

/* ---- Requests -------------------------------------------------------------
 */

static const char doc_key[] =
    "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A";
static const char doc_secret[] =
    "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j";

struct keys {
    struct lx_secret *key, *secret;
    struct lx_bn_signer s;
};

static void keys_init(struct keys *k, enum lx_bn_market m)
{
    memset(k, 0, sizeof(*k));
    assert_int_equal(lx_secret_new(&k->key, NULL, doc_key, strlen(doc_key)),
                     LX_OK);
    assert_int_equal(
        lx_secret_new(&k->secret, NULL, doc_secret, strlen(doc_secret)), LX_OK);
    k->s.market = m;
    k->s.api_key = k->key;
    k->s.secret = k->secret;
    k->s.recv_window = 5000;
    k->s.mem = lx_test_mem();
}

static void keys_free(struct keys *k)
{
    lx_secret_free(k->key);
    lx_secret_free(k->secret);
}

static struct lx_decimal dec(const char *s)
{
    struct lx_decimal d = {0, 0};

    assert_int_equal(lx_decimal_parse(s, strlen(s), &d), LX_OK);
    return d;
}

/*
 * Checks the parameter string (query or body) up to "&signature=", and
 * that the signature is the HMAC of exactly what is sent.
 */
static void assert_signed(const struct keys *k, const struct lx_bn_request *r,
                          const char *params)
{
    const char *where = r->body[0] != '\0' ? r->body : r->query;
    const char *sig = strstr(where, "&signature=");
    char want[65];
    struct lx_bn_request copy = *r;

    assert_non_null(sig);
    assert_int_equal((size_t)(sig - where), strlen(params));
    assert_memory_equal(where, params, strlen(params));
    /* Recompute over the bytes without the signature. */
    if (r->body[0] != '\0') {
        copy.body[sig - where] = '\0';
    } else {
        copy.query[sig - where] = '\0';
    }
    assert_int_equal(lx__bn_sign(&k->s, copy.query, copy.body, want), LX_OK);
    assert_string_equal(sig + strlen("&signature="), want);
    assert_true(r->is_signed);
    assert_ptr_equal(r->api_key, k->key);
}

/* The official example: same bytes, same signature. */
static void test_req_doc_vector(void **state)
{
    struct lx_order_req o;
    struct lx_bn_request r;
    struct keys k;
    char hdr[80];

    (void)state;
    keys_init(&k, LX_BN_SPOT);
    memset(&o, 0, sizeof(o));
    (void)lx__snprintf(o.symbol, sizeof(o.symbol), "LTCBTC");
    o.side = LX_SIDE_BUY;
    o.type = LX_ORDER_LIMIT;
    o.tif = LX_TIF_GTC;
    o.has_qty = o.has_price = true;
    o.qty = dec("1");
    o.price = dec("0.1");
    assert_int_equal(lx__bn_req_new_order(&k.s, &o, 1499827319559LL, &r),
                     LX_OK);
    assert_string_equal(r.method, "POST");
    assert_string_equal(r.host, "api.binance.com");
    assert_string_equal(r.path, "/api/v3/order");
    assert_string_equal(r.query, "");
    assert_string_equal(
        r.body,
        "symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1"
        "&recvWindow=5000&timestamp=1499827319559&signature="
        "c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71");
    assert_string_equal(r.content_type, "application/x-www-form-urlencoded");
    assert_int_equal(lx__bn_apikey_value(r.api_key, hdr, sizeof(hdr)),
                     (int)strlen(doc_key));
    assert_string_equal(hdr, doc_key);
    assert_int_equal(lx__bn_apikey_value(r.api_key, hdr, 10), LX_ERR_TOOBIG);

    /* The non-ASCII example: percent-encoded by the builder, then signed. */
    (void)lx__snprintf(o.symbol, sizeof(o.symbol), "%s",
                       "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94"
                       "\xef\xbc\x95\xef\xbc\x96");
    assert_int_equal(lx__bn_req_new_order(&k.s, &o, 1499827319559LL, &r),
                     LX_OK);
    assert_string_equal(
        r.body,
        "symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY"
        "&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000"
        "&timestamp=1499827319559&signature="
        "e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3");
    keys_free(&k);
}

static struct lx_order_req order(const char *sym, enum lx_side side,
                                 enum lx_order_type type)
{
    struct lx_order_req o;

    memset(&o, 0, sizeof(o));
    (void)lx__snprintf(o.symbol, sizeof(o.symbol), "%s", sym);
    o.side = side;
    o.type = type;
    return o;
}

static void qty_price(struct lx_order_req *o, const char *q, const char *p)
{
    if (q != NULL) {
        o->has_qty = true;
        o->qty = dec(q);
    }
    if (p != NULL) {
        o->has_price = true;
        o->price = dec(p);
    }
}

static void stop(struct lx_order_req *o, const char *s)
{
    o->has_stop_price = true;
    o->stop_price = dec(s);
}

static void expect_order(struct keys *k, const struct lx_order_req *o,
                         const char *params)
{
    struct lx_bn_request r;
    int rc = lx__bn_req_new_order(&k->s, o, 1700000000000LL, &r);

    if (rc != LX_OK) {
        fail_msg("%s: %s", params, lx_err_name(rc));
    }
    assert_string_equal(r.method, "POST");
    assert_string_equal(r.query, "");
    assert_signed(k, &r, params);
}

static void test_req_spot_orders(void **state)
{
    struct lx_order_req o;
    struct keys k;

    (void)state;
    keys_init(&k, LX_BN_SPOT);
    o = order("BTCUSDT", LX_SIDE_BUY, LX_ORDER_MARKET);
    qty_price(&o, "0.001", NULL);
    (void)lx__snprintf(o.client_id, sizeof(o.client_id), "my-id_1");
    o.resp_type = LX_RESP_FULL;
    expect_order(&k, &o,
                 "symbol=BTCUSDT&side=BUY&type=MARKET&quantity=0.001"
                 "&newClientOrderId=my-id_1&newOrderRespType=FULL"
                 "&recvWindow=5000&timestamp=1700000000000");
    o = order("BTCUSDT", LX_SIDE_BUY, LX_ORDER_MARKET);
    o.has_quote_qty = true;
    o.quote_qty = dec("25.50");
    expect_order(&k, &o,
                 "symbol=BTCUSDT&side=BUY&type=MARKET&quoteOrderQty=25.50"
                 "&recvWindow=5000&timestamp=1700000000000");
    o = order("BTCUSDT", LX_SIDE_SELL, LX_ORDER_STOP_LOSS);
    qty_price(&o, "0.001", NULL);
    stop(&o, "45000");
    expect_order(&k, &o,
                 "symbol=BTCUSDT&side=SELL&type=STOP_LOSS&quantity=0.001"
                 "&stopPrice=45000&recvWindow=5000&timestamp=1700000000000");
    o = order("BTCUSDT", LX_SIDE_SELL, LX_ORDER_STOP_LOSS_LIMIT);
    qty_price(&o, "0.001", "44000");
    stop(&o, "45000");
    o.tif = LX_TIF_GTC;
    expect_order(&k, &o,
                 "symbol=BTCUSDT&side=SELL&type=STOP_LOSS_LIMIT"
                 "&timeInForce=GTC&quantity=0.001&price=44000&stopPrice=45000"
                 "&recvWindow=5000&timestamp=1700000000000");
    o = order("BTCUSDT", LX_SIDE_SELL, LX_ORDER_TAKE_PROFIT);
    qty_price(&o, "0.001", NULL);
    o.has_trailing_delta = true;
    o.trailing_delta = 200;
    expect_order(&k, &o,
                 "symbol=BTCUSDT&side=SELL&type=TAKE_PROFIT&quantity=0.001"
                 "&trailingDelta=200&recvWindow=5000&timestamp=1700000000000");
    o = order("BTCUSDT", LX_SIDE_SELL, LX_ORDER_TAKE_PROFIT_LIMIT);
    qty_price(&o, "0.001", "70000.00");
    stop(&o, "69000.00");
    o.tif = LX_TIF_IOC;
    expect_order(&k, &o,
                 "symbol=BTCUSDT&side=SELL&type=TAKE_PROFIT_LIMIT"
                 "&timeInForce=IOC&quantity=0.001&price=70000.00"
                 "&stopPrice=69000.00&recvWindow=5000"
                 "&timestamp=1700000000000");
    o = order("BTCUSDT", LX_SIDE_BUY, LX_ORDER_LIMIT_MAKER);
    qty_price(&o, "0.001", "50000");
    o.tif = LX_TIF_GTC; /* never sent with LIMIT_MAKER */
    expect_order(&k, &o,
                 "symbol=BTCUSDT&side=BUY&type=LIMIT_MAKER&quantity=0.001"
                 "&price=50000&recvWindow=5000&timestamp=1700000000000");
    o = order("BTCUSDT", LX_SIDE_BUY, LX_ORDER_LIMIT);
    qty_price(&o, "1.00000000", "100.5");
    o.tif = LX_TIF_FOK;
    o.has_iceberg_qty = true;
    o.iceberg_qty = dec("0.1");
    o.resp_type = LX_RESP_ACK;
    expect_order(&k, &o,
                 "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=FOK"
                 "&quantity=1.00000000&price=100.5&icebergQty=0.1"
                 "&newOrderRespType=ACK&recvWindow=5000"
                 "&timestamp=1700000000000");
    keys_free(&k);
}

static void test_req_usdm_orders(void **state)
{
    struct lx_order_req o;
    struct keys k;

    (void)state;
    keys_init(&k, LX_BN_USDM);
    k.s.recv_window = 0; /* not sent */
    o = order("BTCUSDT", LX_SIDE_BUY, LX_ORDER_LIMIT);
    qty_price(&o, "0.001", "50000");
    o.tif = LX_TIF_GTC;
    o.resp_type = LX_RESP_RESULT;
    expect_order(&k, &o,
                 "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC"
                 "&quantity=0.001&price=50000&newOrderRespType=RESULT"
                 "&timestamp=1700000000000");
    o = order("BTCUSDT", LX_SIDE_BUY, LX_ORDER_LIMIT);
    qty_price(&o, "0.001", "50000");
    o.tif = LX_TIF_GTD;
    o.good_till_ms = 1693207680000LL;
    expect_order(&k, &o,
                 "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTD"
                 "&quantity=0.001&price=50000&goodTillDate=1693207680000"
                 "&timestamp=1700000000000");
    o = order("BTCUSDT", LX_SIDE_BUY, LX_ORDER_LIMIT_MAKER);
    qty_price(&o, "0.001", "50000");
    expect_order(&k, &o,
                 "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTX"
                 "&quantity=0.001&price=50000&timestamp=1700000000000");
    o = order("BTCUSDT", LX_SIDE_SELL, LX_ORDER_MARKET);
    qty_price(&o, "0.001", NULL);
    o.reduce_only = true;
    expect_order(&k, &o,
                 "symbol=BTCUSDT&side=SELL&type=MARKET&quantity=0.001"
                 "&reduceOnly=true&timestamp=1700000000000");
    /* Conditional orders on POST /fapi/v1/order (legacy routing). */
    k.s.legacy_conditional = true;
    o = order("BTCUSDT", LX_SIDE_SELL, LX_ORDER_STOP_LOSS_LIMIT);
    qty_price(&o, "0.001", "44000");
    stop(&o, "45000");
    o.position_side = LX_POS_LONG;
    expect_order(&k, &o,
                 "symbol=BTCUSDT&side=SELL&positionSide=LONG&type=STOP"
                 "&quantity=0.001&price=44000&stopPrice=45000"
                 "&timestamp=1700000000000");
    o = order("BTCUSDT", LX_SIDE_SELL, LX_ORDER_STOP_MARKET);
    stop(&o, "45000");
    o.close_position = true;
    o.working_type = LX_WORKING_MARK_PRICE;
    o.price_protect = true;
    expect_order(&k, &o,
                 "symbol=BTCUSDT&side=SELL&type=STOP_MARKET&stopPrice=45000"
                 "&closePosition=true&workingType=MARK_PRICE"
                 "&priceProtect=TRUE&timestamp=1700000000000");
    o = order("BTCUSDT", LX_SIDE_SELL, LX_ORDER_TAKE_PROFIT_MARKET);
    qty_price(&o, "0.002", NULL);
    stop(&o, "80000");
    expect_order(&k, &o,
                 "symbol=BTCUSDT&side=SELL&type=TAKE_PROFIT_MARKET"
                 "&quantity=0.002&stopPrice=80000&timestamp=1700000000000");
    o = order("BTCUSDT", LX_SIDE_SELL, LX_ORDER_TAKE_PROFIT_LIMIT);
    qty_price(&o, "0.002", "80100");
    stop(&o, "80000");
    o.tif = LX_TIF_GTC;
    expect_order(&k, &o,
                 "symbol=BTCUSDT&side=SELL&type=TAKE_PROFIT&timeInForce=GTC"
                 "&quantity=0.002&price=80100&stopPrice=80000"
                 "&timestamp=1700000000000");
    o = order("BTCUSDT", LX_SIDE_SELL, LX_ORDER_TRAILING_STOP);
    qty_price(&o, "0.010", NULL);
    o.has_activation_price = o.has_callback_rate = true;
    o.activation_price = dec("70000.0");
    o.callback_rate = dec("1.5");
    (void)lx__snprintf(o.client_id, sizeof(o.client_id), "x-1:a/b.c");
    expect_order(&k, &o,
                 "symbol=BTCUSDT&side=SELL&type=TRAILING_STOP_MARKET"
                 "&quantity=0.010&newClientOrderId=x-1%3Aa%2Fb.c"
                 "&activationPrice=70000.0&callbackRate=1.5"
                 "&timestamp=1700000000000");
    /* Spot's stop-loss spelling maps to STOP_MARKET. */
    o = order("BTCUSDT", LX_SIDE_SELL, LX_ORDER_STOP_LOSS);
    qty_price(&o, "0.001", NULL);
    stop(&o, "45000");
    expect_order(&k, &o,
                 "symbol=BTCUSDT&side=SELL&type=STOP_MARKET&quantity=0.001"
                 "&stopPrice=45000&timestamp=1700000000000");
    keys_free(&k);
}

static void expect_algo(struct keys *k, const struct lx_order_req *o,
                        const char *params)
{
    struct lx_bn_request r;
    int rc = lx__bn_req_new_order(&k->s, o, 1700000000000LL, &r);

    if (rc != LX_OK) {
        fail_msg("%s: %s", params, lx_err_name(rc));
    }
    assert_string_equal(r.method, "POST");
    assert_string_equal(r.path, "/fapi/v1/algoOrder");
    assert_signed(k, &r, params);
}

/* USD-M conditional orders go to the algo endpoint by default. */
static void test_req_usdm_algo(void **state)
{
    struct lx_order_req o;
    struct lx_bn_request r;
    struct keys k;

    (void)state;
    keys_init(&k, LX_BN_USDM);
    k.s.recv_window = 0;
    o = order("BTCUSDT", LX_SIDE_SELL, LX_ORDER_STOP_MARKET);
    qty_price(&o, "0.001", NULL);
    stop(&o, "45000");
    o.reduce_only = true;
    (void)lx__snprintf(o.client_id, sizeof(o.client_id), "sl-1");
    o.resp_type = LX_RESP_RESULT;
    expect_algo(&k, &o,
                "algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL"
                "&type=STOP_MARKET&quantity=0.001&triggerPrice=45000"
                "&reduceOnly=true&clientAlgoId=sl-1&newOrderRespType=RESULT"
                "&timestamp=1700000000000");
    o = order("BTCUSDT", LX_SIDE_SELL, LX_ORDER_STOP_LOSS_LIMIT);
    qty_price(&o, "0.001", "44000");
    stop(&o, "45000");
    o.tif = LX_TIF_GTC;
    o.working_type = LX_WORKING_MARK_PRICE;
    expect_algo(&k, &o,
                "algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL&type=STOP"
                "&timeInForce=GTC&quantity=0.001&price=44000"
                "&triggerPrice=45000&workingType=MARK_PRICE"
                "&timestamp=1700000000000");
    o = order("BTCUSDT", LX_SIDE_BUY, LX_ORDER_TAKE_PROFIT_MARKET);
    stop(&o, "30000");
    o.close_position = true;
    o.position_side = LX_POS_SHORT;
    o.price_protect = true;
    expect_algo(&k, &o,
                "algoType=CONDITIONAL&symbol=BTCUSDT&side=BUY"
                "&positionSide=SHORT&type=TAKE_PROFIT_MARKET"
                "&triggerPrice=30000&closePosition=true&priceProtect=TRUE"
                "&timestamp=1700000000000");
    o = order("BTCUSDT", LX_SIDE_SELL, LX_ORDER_TRAILING_STOP);
    qty_price(&o, "0.010", NULL);
    o.has_callback_rate = true;
    o.callback_rate = dec("0.5");
    expect_algo(&k, &o,
                "algoType=CONDITIONAL&symbol=BTCUSDT&side=SELL"
                "&type=TRAILING_STOP_MARKET&quantity=0.010&callbackRate=0.5"
                "&timestamp=1700000000000");
    /* Plain orders stay on /fapi/v1/order. */
    o = order("BTCUSDT", LX_SIDE_SELL, LX_ORDER_MARKET);
    qty_price(&o, "0.001", NULL);
    assert_int_equal(lx__bn_req_new_order(&k.s, &o, 1, &r), LX_OK);
    assert_string_equal(r.path, "/fapi/v1/order");
    /* Cancel, query, list, cancel all. */
    assert_int_equal(
        lx__bn_req_algo_cancel(&k.s, "1000000022710270", NULL, 7, &r), LX_OK);
    assert_string_equal(r.method, "DELETE");
    assert_string_equal(r.path, "/fapi/v1/algoOrder");
    assert_signed(&k, &r, "algoId=1000000022710270&timestamp=7");
    assert_int_equal(lx__bn_req_algo_query(&k.s, NULL, "sl-1", 7, &r), LX_OK);
    assert_string_equal(r.method, "GET");
    assert_signed(&k, &r, "clientAlgoId=sl-1&timestamp=7");
    assert_int_equal(lx__bn_req_algo_query(&k.s, NULL, NULL, 7, &r),
                     LX_ERR_INVAL);
    assert_int_equal(lx__bn_req_algo_open_orders(&k.s, NULL, 7, &r), LX_OK);
    assert_string_equal(r.path, "/fapi/v1/openAlgoOrders");
    assert_int_equal(lx__bn_req_algo_cancel_all(&k.s, "BTCUSDT", 7, &r), LX_OK);
    assert_string_equal(r.path, "/fapi/v1/algoOpenOrders");
    assert_string_equal(r.method, "DELETE");
    keys_free(&k);
    keys_init(&k, LX_BN_SPOT);
    assert_int_equal(lx__bn_req_algo_open_orders(&k.s, NULL, 7, &r),
                     LX_ERR_INVAL);
    keys_free(&k);
}

static void test_req_more_calls(void **state)
{
    const char *const streams[] = {"btcusdt@depth@100ms", "btcusdt@trade"};
    struct lx_bn_request r;
    struct keys k;
    char buf[128];

    (void)state;
    keys_init(&k, LX_BN_SPOT);
    assert_int_equal(lx__bn_req_my_trades(&k.s, "BNBBTC", 28457, 10, 7, &r),
                     LX_OK);
    assert_string_equal(r.path, "/api/v3/myTrades");
    assert_signed(&k, &r,
                  "symbol=BNBBTC&fromId=28457&limit=10&recvWindow=5000"
                  "&timestamp=7");
    assert_int_equal(lx__bn_req_trades(&k.s, "BNBBTC", true, 5, &r), LX_OK);
    assert_string_equal(r.path, "/api/v3/aggTrades");
    assert_string_equal(r.query, "symbol=BNBBTC&limit=5");
    assert_int_equal(lx__bn_req_trades(&k.s, "BNBBTC", false, 0, &r), LX_OK);
    assert_string_equal(r.path, "/api/v3/trades");
    assert_string_equal(r.query, "symbol=BNBBTC");
    assert_int_equal(lx__bn_req_ticker_24h(&k.s, "BNBBTC", &r), LX_OK);
    assert_string_equal(r.path, "/api/v3/ticker/24hr");
    assert_string_equal(r.query, "symbol=BNBBTC");
    assert_int_equal(lx__bn_req_leverage(&k.s, "BTCUSDT", 5, 7, &r),
                     LX_ERR_INVAL);
    keys_free(&k);
    keys_init(&k, LX_BN_USDM);
    assert_int_equal(lx__bn_req_my_trades(&k.s, "BTCUSDT", -1, 0, 7, &r),
                     LX_OK);
    assert_string_equal(r.path, "/fapi/v1/userTrades");
    assert_int_equal(lx__bn_req_leverage(&k.s, "BTCUSDT", 5, 7, &r), LX_OK);
    assert_string_equal(r.method, "POST");
    assert_string_equal(r.path, "/fapi/v1/leverage");
    assert_signed(&k, &r,
                  "symbol=BTCUSDT&leverage=5&recvWindow=5000&timestamp=7");
    assert_int_equal(lx__bn_req_leverage(&k.s, "BTCUSDT", 0, 7, &r),
                     LX_ERR_INVAL);
    assert_int_equal(
        lx__bn_req_margin_type(&k.s, "BTCUSDT", LX_MARGIN_CROSS, 7, &r), LX_OK);
    assert_string_equal(r.path, "/fapi/v1/marginType");
    assert_signed(&k, &r,
                  "symbol=BTCUSDT&marginType=CROSSED&recvWindow=5000"
                  "&timestamp=7");
    assert_int_equal(
        lx__bn_req_margin_type(&k.s, "BTCUSDT", LX_MARGIN_NONE, 7, &r),
        LX_ERR_INVAL);
    assert_int_equal(
        lx__bn_req_funding_rate(&k.s, "BTCUSDT", 1570608000000LL, 0, 100, &r),
        LX_OK);
    assert_string_equal(r.path, "/fapi/v1/fundingRate");
    assert_string_equal(r.query,
                        "symbol=BTCUSDT&startTime=1570608000000&limit=100");
    keys_free(&k);
    /* Stream names and targets. */
    assert_int_equal(lx__bn_stream_name(LX_BN_STREAM_DEPTH, "BTCUSDT", "100ms",
                                        buf, sizeof(buf)),
                     19);
    assert_string_equal(buf, "btcusdt@depth@100ms");
    assert_true(lx__bn_stream_name(LX_BN_STREAM_DEPTH, "BTCUSDT", NULL, buf,
                                   sizeof(buf)) > 0);
    assert_string_equal(buf, "btcusdt@depth");
    assert_true(lx__bn_stream_name(LX_BN_STREAM_DEPTH_LEVELS, "ETHBTC", "20",
                                   buf, sizeof(buf)) > 0);
    assert_string_equal(buf, "ethbtc@depth20");
    assert_true(lx__bn_stream_name(LX_BN_STREAM_KLINE, "NKNUSDT", "1m", buf,
                                   sizeof(buf)) > 0);
    assert_string_equal(buf, "nknusdt@kline_1m");
    assert_true(lx__bn_stream_name(LX_BN_STREAM_AGG_TRADE, "ctkusdt", NULL, buf,
                                   sizeof(buf)) > 0);
    assert_string_equal(buf, "ctkusdt@aggTrade");
    assert_true(lx__bn_stream_name(LX_BN_STREAM_MARK_PRICE, "BTCUSDT", "1s",
                                   buf, sizeof(buf)) > 0);
    assert_string_equal(buf, "btcusdt@markPrice@1s");
    assert_true(lx__bn_stream_name(LX_BN_STREAM_BOOK_TICKER, "BTCUSDT", "", buf,
                                   sizeof(buf)) > 0);
    assert_string_equal(buf, "btcusdt@bookTicker");
    assert_int_equal(lx__bn_stream_name(LX_BN_STREAM_KLINE, "BTCUSDT", NULL,
                                        buf, sizeof(buf)),
                     LX_ERR_INVAL);
    assert_int_equal(lx__bn_stream_name(LX_BN_STREAM_TRADE, "BTC/USDT", NULL,
                                        buf, sizeof(buf)),
                     LX_ERR_INVAL);
    assert_int_equal(lx__bn_stream_name(LX_BN_STREAM_TRADE, "BTCUSDT", "x", buf,
                                        sizeof(buf)),
                     LX_ERR_INVAL);
    assert_int_equal(
        lx__bn_stream_name(LX_BN_STREAM_TRADE, "BTCUSDT", NULL, buf, 8),
        LX_ERR_TOOBIG);
    assert_int_equal(lx__bn_ws_target(streams, 1, buf, sizeof(buf)), 23);
    assert_string_equal(buf, "/ws/btcusdt@depth@100ms");
    assert_true(lx__bn_ws_target(streams, 2, buf, sizeof(buf)) > 0);
    assert_string_equal(buf,
                        "/stream?streams=btcusdt@depth@100ms/btcusdt@trade");
    assert_int_equal(lx__bn_ws_target(streams, 2, buf, 30), LX_ERR_TOOBIG);
    assert_int_equal(lx__bn_ws_target(streams, 0, buf, 30), LX_ERR_INVAL);
    /* Stream control frames. */
    assert_int_equal(
        lx__bn_ws_control("SUBSCRIBE", streams, 2, 1, buf, sizeof(buf)), 78);
    assert_string_equal(buf, "{\"method\":\"SUBSCRIBE\",\"params\":"
                             "[\"btcusdt@depth@100ms\",\"btcusdt@trade\"],"
                             "\"id\":1}");
    assert_true(lx__bn_ws_control("LIST_SUBSCRIPTIONS", NULL, 0, 3, buf,
                                  sizeof(buf)) > 0);
    assert_string_equal(buf, "{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":3}");
    assert_int_equal(lx__bn_ws_control("SUBSCRIBE", streams, 2, 1, buf, 20),
                     LX_ERR_TOOBIG);
    assert_int_equal(lx__bn_ws_control("SUBSCRIBE", NULL, 2, 1, buf, 20),
                     LX_ERR_INVAL);
}

/* The WebSocket API's documented HMAC examples (sorted, raw UTF-8). */
static void test_ws_api_signing(void **state)
{
    const struct lx_bn_param ascii[] = {
        {"symbol", "BTCUSDT"},      {"side", "SELL"},
        {"type", "LIMIT"},          {"timeInForce", "GTC"},
        {"quantity", "0.01000000"}, {"price", "52000.00"},
        {"recvWindow", "100"},      {"timestamp", "1645423376532"}};
    const struct lx_bn_param utf8[] = {
        {"symbol", "\xef\xbc\x91\xef\xbc\x92\xef\xbc\x93\xef\xbc\x94"
                   "\xef\xbc\x95\xef\xbc\x96"},
        {"side", "BUY"},
        {"type", "LIMIT"},
        {"timeInForce", "GTC"},
        {"quantity", "1.00000000"},
        {"price", "0.10000000"},
        {"recvWindow", "5000"},
        {"timestamp", "1645423376532"}};
    const struct lx_bn_param bad[] = {{"apiKey", "x"}};
    struct keys k;
    char sig[65], buf[512];

    (void)state;
    keys_init(&k, LX_BN_SPOT);
    assert_int_equal(lx__bn_ws_sign(&k.s, ascii, 8, sig), LX_OK);
    assert_string_equal(
        sig,
        "aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24");
    assert_int_equal(lx__bn_ws_sign(&k.s, utf8, 8, sig), LX_OK);
    assert_string_equal(
        sig,
        "b33892ae8e687c939f4468c6268ddd4c40ac1af18ad19a064864c47bae0752cd");
    assert_int_equal(lx__bn_ws_sign(&k.s, bad, 1, sig), LX_ERR_INVAL);
    assert_true(lx__bn_ws_user_subscribe(&k.s, "d3df8a22", 1747385641636LL, buf,
                                         sizeof(buf)) > 0);
    assert_string_equal(
        buf,
        "{\"id\":\"d3df8a22\",\"method\":\"userDataStream.subscribe."
        "signature\","
        "\"params\":{\"apiKey\":\"vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6"
        "utIco14y7Ju91duEh8A\",\"recvWindow\":5000,\"timestamp\":1747385641636,"
        "\"signature\":\"49601ffc5b0122c3c7ee3ea85ef7d6cd76256f5191a57c976418fa"
        "a32e917653\"}}");
    assert_int_equal(lx__bn_ws_user_subscribe(&k.s, "x", 1, buf, 40),
                     LX_ERR_TOOBIG);
    k.s.secret = NULL;
    assert_int_equal(lx__bn_ws_user_subscribe(&k.s, "x", 1, buf, sizeof(buf)),
                     LX_ERR_NOCREDS);
    keys_free(&k);
}

static void expect_invalid(struct keys *k, const struct lx_order_req *o)
{
    struct lx_bn_request r;

    assert_int_equal(lx__bn_req_new_order(&k->s, o, 1, &r), LX_ERR_INVAL);
}

static void test_req_invalid_orders(void **state)
{
    struct lx_order_req o;
    struct lx_bn_request r;
    struct keys k;

    (void)state;
    keys_init(&k, LX_BN_SPOT);
    o = order("BTCUSDT", LX_SIDE_BUY, LX_ORDER_LIMIT);
    qty_price(&o, "1", "1");
    expect_invalid(&k, &o); /* no timeInForce */
    o.tif = LX_TIF_GTC;
    o.has_price = false;
    expect_invalid(&k, &o); /* no price */
    o = order("BTCUSDT", LX_SIDE_BUY, LX_ORDER_STOP_MARKET);
    qty_price(&o, "1", NULL);
    stop(&o, "2");
    expect_invalid(&k, &o); /* not a spot type */
    o = order("BTCUSDT", LX_SIDE_BUY, LX_ORDER_STOP_LOSS);
    qty_price(&o, "1", NULL);
    expect_invalid(&k, &o); /* no trigger */
    o = order("BTCUSDT", LX_SIDE_NONE, LX_ORDER_MARKET);
    qty_price(&o, "1", NULL);
    expect_invalid(&k, &o); /* no side */
    o = order("", LX_SIDE_BUY, LX_ORDER_MARKET);
    qty_price(&o, "1", NULL);
    expect_invalid(&k, &o); /* no symbol */
    o = order("BTCUSDT", LX_SIDE_BUY, LX_ORDER_MARKET);
    qty_price(&o, "1", NULL);
    o.reduce_only = true;
    expect_invalid(&k, &o); /* derivatives only */
    o = order("BTCUSDT", LX_SIDE_BUY, LX_ORDER_LIMIT);
    qty_price(&o, "1", "1");
    o.tif = LX_TIF_GTX;
    expect_invalid(&k, &o); /* no GTX on spot */
    keys_free(&k);

    keys_init(&k, LX_BN_USDM);
    o = order("BTCUSDT", LX_SIDE_SELL, LX_ORDER_STOP_MARKET);
    qty_price(&o, "1", NULL);
    stop(&o, "2");
    o.close_position = true;
    expect_invalid(&k, &o); /* closePosition with quantity */
    o = order("BTCUSDT", LX_SIDE_SELL, LX_ORDER_TRAILING_STOP);
    qty_price(&o, "1", NULL);
    expect_invalid(&k, &o); /* no callbackRate */
    o = order("BTCUSDT", LX_SIDE_SELL, LX_ORDER_MARKET);
    qty_price(&o, "1", NULL);
    o.resp_type = LX_RESP_FULL;
    expect_invalid(&k, &o); /* USD-M has no FULL */
    o.resp_type = LX_RESP_DEFAULT;
    o.good_till_ms = 1;
    expect_invalid(&k, &o); /* goodTillDate without GTD */
    o = order("BTCUSDT", LX_SIDE_SELL, LX_ORDER_LIMIT);
    qty_price(&o, "1", "1");
    o.tif = LX_TIF_GTD;
    expect_invalid(&k, &o); /* GTD without goodTillDate */
    /* Signed calls need both credentials. */
    o.tif = LX_TIF_GTC;
    k.s.secret = NULL;
    assert_int_equal(lx__bn_req_new_order(&k.s, &o, 1, &r), LX_ERR_NOCREDS);
    k.s.api_key = NULL;
    assert_int_equal(lx__bn_req_account(&k.s, 1, &r), LX_ERR_NOCREDS);
    assert_int_equal(lx__bn_req_listen_key(&k.s, LX_BN_LISTEN_CREATE, NULL, &r),
                     LX_ERR_NOCREDS);
    /* Public calls do not. */
    assert_int_equal(lx__bn_req_depth(&k.s, "BTCUSDT", 5, &r), LX_OK);
    assert_null(r.api_key);
    keys_free(&k);
}

static void test_req_other_calls(void **state)
{
    struct lx_bn_request r;
    struct keys k;

    (void)state;
    keys_init(&k, LX_BN_SPOT);
    assert_int_equal(lx__bn_req_cancel_order(&k.s, "BTCUSDT", "12345", NULL,
                                             1700000000000LL, &r),
                     LX_OK);
    assert_string_equal(r.method, "DELETE");
    assert_string_equal(r.path, "/api/v3/order");
    assert_string_equal(r.body, "");
    assert_null(r.content_type);
    assert_signed(&k, &r,
                  "symbol=BTCUSDT&orderId=12345&recvWindow=5000"
                  "&timestamp=1700000000000");
    assert_int_equal(
        lx__bn_req_query_order(&k.s, "BTCUSDT", NULL, "my id", 7, &r), LX_OK);
    assert_string_equal(r.method, "GET");
    assert_signed(&k, &r,
                  "symbol=BTCUSDT&origClientOrderId=my%20id&recvWindow=5000"
                  "&timestamp=7");
    assert_int_equal(lx__bn_req_cancel_order(&k.s, "BTCUSDT", NULL, "", 7, &r),
                     LX_ERR_INVAL);
    assert_int_equal(lx__bn_req_cancel_all(&k.s, "BTCUSDT", 7, &r), LX_OK);
    assert_string_equal(r.path, "/api/v3/openOrders");
    assert_string_equal(r.method, "DELETE");
    assert_int_equal(lx__bn_req_open_orders(&k.s, NULL, 7, &r), LX_OK);
    assert_string_equal(r.method, "GET");
    assert_signed(&k, &r, "recvWindow=5000&timestamp=7");
    assert_int_equal(lx__bn_req_account(&k.s, 7, &r), LX_OK);
    assert_string_equal(r.path, "/api/v3/account");
    assert_int_equal(lx__bn_req_balance(&k.s, 7, &r), LX_ERR_INVAL);
    assert_int_equal(lx__bn_req_depth(&k.s, "BTCUSDT", 1000, &r), LX_OK);
    assert_string_equal(r.path, "/api/v3/depth");
    assert_string_equal(r.query, "symbol=BTCUSDT&limit=1000");
    assert_false(r.is_signed);
    assert_int_equal(
        lx__bn_req_klines(&k.s, "BTCUSDT", "1m", 1499040000000LL, 0, 5, &r),
        LX_OK);
    assert_string_equal(r.path, "/api/v3/klines");
    assert_string_equal(r.query,
                        "symbol=BTCUSDT&interval=1m&startTime=1499040000000"
                        "&limit=5");
    assert_int_equal(lx__bn_req_exchange_info(&k.s, &r), LX_OK);
    assert_string_equal(r.path, "/api/v3/exchangeInfo");
    assert_string_equal(r.query, "");
    assert_int_equal(lx__bn_req_server_time(&k.s, &r), LX_OK);
    assert_string_equal(r.path, "/api/v3/time");
    /* User-stream keys: API key header, no signature. */
    assert_int_equal(lx__bn_req_listen_key(&k.s, LX_BN_LISTEN_CREATE, NULL, &r),
                     LX_OK);
    assert_string_equal(r.method, "POST");
    assert_string_equal(r.path, "/api/v3/userDataStream");
    assert_string_equal(r.body, "");
    assert_false(r.is_signed);
    assert_ptr_equal(r.api_key, k.key);
    assert_int_equal(
        lx__bn_req_listen_key(&k.s, LX_BN_LISTEN_KEEPALIVE, "abc", &r), LX_OK);
    assert_string_equal(r.method, "PUT");
    assert_string_equal(r.body, "listenKey=abc");
    assert_int_equal(lx__bn_req_listen_key(&k.s, LX_BN_LISTEN_CLOSE, "abc", &r),
                     LX_OK);
    assert_string_equal(r.method, "DELETE");
    assert_string_equal(r.query, "listenKey=abc");
    assert_int_equal(lx__bn_req_listen_key(&k.s, LX_BN_LISTEN_CLOSE, NULL, &r),
                     LX_ERR_INVAL);
    keys_free(&k);

    keys_init(&k, LX_BN_USDM);
    k.s.host = "testnet.binancefuture.com";
    assert_int_equal(lx__bn_req_cancel_all(&k.s, "BTCUSDT", 7, &r), LX_OK);
    assert_string_equal(r.host, "testnet.binancefuture.com");
    assert_string_equal(r.path, "/fapi/v1/allOpenOrders");
    assert_int_equal(lx__bn_req_account(&k.s, 7, &r), LX_OK);
    assert_string_equal(r.path, "/fapi/v3/account");
    assert_int_equal(lx__bn_req_balance(&k.s, 7, &r), LX_OK);
    assert_string_equal(r.path, "/fapi/v3/balance");
    assert_int_equal(lx__bn_req_position_risk(&k.s, "BTCUSDT", 7, &r), LX_OK);
    assert_string_equal(r.path, "/fapi/v3/positionRisk");
    assert_signed(&k, &r, "symbol=BTCUSDT&recvWindow=5000&timestamp=7");
    assert_int_equal(lx__bn_req_premium_index(&k.s, "BTCUSDT", &r), LX_OK);
    assert_string_equal(r.path, "/fapi/v1/premiumIndex");
    assert_string_equal(r.query, "symbol=BTCUSDT");
    assert_int_equal(lx__bn_req_depth(&k.s, "BTCUSDT", 0, &r), LX_OK);
    assert_string_equal(r.path, "/fapi/v1/depth");
    assert_string_equal(r.query, "symbol=BTCUSDT");
    assert_int_equal(
        lx__bn_req_listen_key(&k.s, LX_BN_LISTEN_KEEPALIVE, NULL, &r), LX_OK);
    assert_string_equal(r.method, "PUT");
    assert_string_equal(r.path, "/fapi/v1/listenKey");
    assert_string_equal(r.body, "");
    keys_free(&k);
}

/* ---- Arena, failing allocations, names ------------------------------------
 */

static void test_arena(void **state)
{
    struct lx_arena *a = NULL;
    char *p, *q;
    size_t i;

    (void)state;
    assert_int_equal(lx_arena_new(&a, lx_test_mem(), 100000), LX_OK);
    p = lx_arena_alloc(a, 10);
    q = lx_arena_alloc(a, 0);
    assert_non_null(p);
    assert_non_null(q);
    assert_true(p != q);
    assert_int_equal((uintptr_t)q % 16, 0);
    for (i = 0; i < 10; i++) {
        assert_int_equal(p[i], 0);
    }
    assert_int_equal(lx_arena_used(a), 32);
    /* Grows past one chunk, then refuses past the cap. */
    assert_non_null(lx_arena_alloc(a, 40000));
    assert_non_null(lx_arena_alloc(a, 40000));
    assert_null(lx_arena_alloc(a, 40000));
    assert_int_equal(lx_arena_error(a), LX_ERR_TOOBIG);
    assert_null(lx_arena_alloc_array(a, SIZE_MAX / 2, 4));
    lx_arena_reset(a);
    assert_int_equal(lx_arena_error(a), LX_OK);
    assert_int_equal(lx_arena_used(a), 0);
    assert_non_null(lx_arena_alloc(a, 80000));
    lx_arena_free(a);
    lx_arena_free(NULL);
    lx_arena_reset(NULL);
    assert_null(lx_arena_alloc(NULL, 1));
    assert_int_equal(lx_arena_new(NULL, NULL, 0), LX_ERR_INVAL);
}

/* Each builder once on each market, stopping at the first failure. */
static int every_builder(struct lx_bn_signer *s)
{
    struct lx_order_req o =
        order("BTCUSDT", LX_SIDE_SELL, LX_ORDER_STOP_MARKET);
    struct lx_bn_request r;
    int rc = LX_OK, m;

    o.has_qty = o.has_stop_price = true;
    o.qty = lx_decimal_from_i64(1, 3);
    o.stop_price = lx_decimal_from_i64(45000, 0);
    for (m = LX_BN_SPOT; m <= LX_BN_USDM && rc == LX_OK; m++) {
        s->market = (enum lx_bn_market)m;
        o.type = m == LX_BN_USDM ? LX_ORDER_STOP_MARKET : LX_ORDER_STOP_LOSS;
        rc = lx__bn_req_new_order(s, &o, 7, &r);
        rc = rc ? rc : lx__bn_req_cancel_all(s, "BTCUSDT", 7, &r);
        rc = rc ? rc : lx__bn_req_query_order(s, "BTCUSDT", NULL, "c", 7, &r);
        rc = rc ? rc : lx__bn_req_open_orders(s, "BTCUSDT", 7, &r);
        rc = rc ? rc : lx__bn_req_account(s, 7, &r);
        rc = rc ? rc : lx__bn_req_depth(s, "BTCUSDT", 5, &r);
        rc = rc ? rc : lx__bn_req_exchange_info(s, &r);
        rc = rc ? rc : lx__bn_req_server_time(s, &r);
        rc = rc ? rc : lx__bn_req_trades(s, "BTCUSDT", true, 5, &r);
        rc = rc ? rc : lx__bn_req_ticker_24h(s, "BTCUSDT", &r);
        rc = rc ? rc : lx__bn_req_my_trades(s, "BTCUSDT", 1, 5, 7, &r);
        rc = rc ? rc : lx__bn_req_listen_key(s, LX_BN_LISTEN_CLOSE, "k", &r);
    }
    rc = rc ? rc : lx__bn_req_balance(s, 7, &r);
    rc = rc ? rc : lx__bn_req_position_risk(s, "BTCUSDT", 7, &r);
    rc = rc ? rc : lx__bn_req_premium_index(s, "BTCUSDT", &r);
    rc = rc ? rc : lx__bn_req_leverage(s, "BTCUSDT", 5, 7, &r);
    rc = rc ? rc : lx__bn_req_margin_type(s, "BTCUSDT", LX_MARGIN_CROSS, 7, &r);
    rc = rc ? rc : lx__bn_req_funding_rate(s, "BTCUSDT", 1, 2, 3, &r);
    rc = rc ? rc : lx__bn_req_algo_cancel(s, "1", NULL, 7, &r);
    rc = rc ? rc : lx__bn_req_algo_query(s, NULL, "c", 7, &r);
    rc = rc ? rc : lx__bn_req_algo_open_orders(s, "BTCUSDT", 7, &r);
    rc = rc ? rc : lx__bn_req_algo_cancel_all(s, "BTCUSDT", 7, &r);
    return rc;
}

/* Signed builders through s->mem (the secrets use libc, not s->mem). */
static int signed_calls(struct lx_bn_signer *s)
{
    struct lx_secret *key = NULL, *sec = NULL;
    struct lx_bn_request r;
    char buf[512];
    int rc;

    assert_int_equal(lx_secret_new(&key, NULL, "k", 1), LX_OK);
    assert_int_equal(lx_secret_new(&sec, NULL, "s", 1), LX_OK);
    s->api_key = key;
    s->secret = sec;
    rc = lx__bn_req_cancel_order(s, "BTCUSDT", "1", NULL, 7, &r);
    if (rc == LX_OK) {
        rc = lx__bn_ws_user_subscribe(s, "1", 7, buf, sizeof(buf));
        rc = rc > 0 ? LX_OK : rc;
    }
    if (rc == LX_OK) {
        rc = every_builder(s);
    }
    lx_secret_free(key);
    lx_secret_free(sec);
    return rc;
}

/* Parses a few payloads through an arena on mem. */
static int scenario(const struct lx_mem *mem, void *ud)
{
    const char *full = ud;
    struct lx_arena *a = NULL;
    struct lx_bn_err e;
    struct lx_order o;
    struct lx_bn_msg m;
    struct lx_bn_request r;
    struct lx_bn_signer s;
    int rc;

    rc = lx_arena_new(&a, mem, 0);
    if (rc != LX_OK) {
        return rc;
    }
    rc = lx__bn_parse_order(LX_BN_SPOT, full, strlen(full), a, &o, &e);
    if (rc == LX_OK) {
        rc = ws_str(
            LX_BN_USDM,
            "{\"e\":\"ACCOUNT_UPDATE\",\"E\":1,\"T\":2,\"a\":{\"m\":"
            "\"ORDER\",\"B\":[{\"a\":\"USDT\",\"wb\":\"1\",\"cw\":\"1\"}],"
            "\"P\":[{\"s\":\"X\",\"pa\":\"1\"}]}}",
            a, &m, &e);
    }
    lx_arena_free(a);
    if (rc == LX_OK) {
        memset(&s, 0, sizeof(s));
        s.market = LX_BN_SPOT;
        s.mem = mem;
        rc = lx__bn_req_klines(&s, "BTCUSDT", "1h", 1, 2, 3, &r);
    }
    if (rc == LX_OK) {
        rc = signed_calls(&s);
    }
    return rc;
}

static void test_failmalloc(void **state)
{
    size_t len;
    char *full = fixture("spot_order_full.json", &len);

    (void)state;
    lx_test_failmalloc(scenario, full);
    lx__free(NULL, full);
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(lx_side_name(LX_SIDE_SELL), "sell");
    assert_string_equal(lx_order_type_name(LX_ORDER_STOP_LOSS_LIMIT),
                        "stop_loss_limit");
    assert_string_equal(lx_order_type_name(LX_ORDER_TYPE_COUNT), "unknown");
    assert_string_equal(lx_tif_name(LX_TIF_GTX), "gtx");
    assert_string_equal(lx_order_status_name(LX_STATUS_EXPIRED_IN_MATCH),
                        "expired_in_match");
    assert_string_equal(lx_exec_type_name(LX_EXEC_TRADE), "trade");
    assert_string_equal(lx_position_side_name(LX_POS_SHORT), "short");
    assert_string_equal(lx_side_name(-1), "unknown");
    assert_int_equal(lx__bn_order_type(LX_BN_SPOT, "TAKE_PROFIT"),
                     LX_ORDER_TAKE_PROFIT);
    assert_int_equal(lx__bn_order_type(LX_BN_USDM, "TAKE_PROFIT"),
                     LX_ORDER_TAKE_PROFIT_LIMIT);
    assert_int_equal(lx__bn_status("SOMETHING_NEW"), LX_STATUS_OTHER);
    assert_null(lx__bn_order_type_word(LX_BN_SPOT, LX_ORDER_TRAILING_STOP));
    assert_string_equal(
        lx__bn_order_type_word(LX_BN_USDM, LX_ORDER_LIMIT_MAKER), "LIMIT");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_hft_spot),
        cmocka_unit_test(test_sample_hft_usdm),
        cmocka_unit_test(test_sample_exact_values),
        cmocka_unit_test(test_sample_cryptofeed_spot),
        cmocka_unit_test(test_sample_cryptofeed_usdm),
        cmocka_unit_test(test_sample_exchange_info_values),
        cmocka_unit_test(test_sample_nautilus_trade_lite),
        cmocka_unit_test(test_spot_order_responses),
        cmocka_unit_test(test_spot_order_lists),
        cmocka_unit_test(test_usdm_order_responses),
        cmocka_unit_test(test_accounts),
        cmocka_unit_test(test_market_rest),
        cmocka_unit_test(test_spot_exchange_info_notional),
        cmocka_unit_test(test_more_rest),
        cmocka_unit_test(test_spot_user_data),
        cmocka_unit_test(test_usdm_user_data),
        cmocka_unit_test(test_error_envelopes),
        cmocka_unit_test(test_error_classes),
        cmocka_unit_test(test_unmapped_and_replies),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_req_doc_vector),
        cmocka_unit_test(test_req_spot_orders),
        cmocka_unit_test(test_req_usdm_orders),
        cmocka_unit_test(test_req_usdm_algo),
        cmocka_unit_test(test_req_more_calls),
        cmocka_unit_test(test_ws_api_signing),
        cmocka_unit_test(test_req_invalid_orders),
        cmocka_unit_test(test_req_other_calls),
        cmocka_unit_test(test_arena),
        cmocka_unit_test(test_failmalloc),
        cmocka_unit_test(test_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
