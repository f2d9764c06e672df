/*
 * test_mock_tape.c - a recorded market mirrored into the simulated Binance
 * spot venue (mock/venues/binance/tape.h): the queue model on hand-made
 * frames (the size ahead at placement, trades taking it from the front,
 * cancels in proportion, trades through the price, market orders walking
 * the book, liquidity replenished after a diff) and the mirror on the real
 * Binance depth recording in ../shared/samples, level for level against an
 * independent lx_book_sync. The same on the USD-M venue's perpetual: pu
 * chained diffs mirrored, a resting order filled by a recorded trade, the
 * mark (the book's mid, then the markPrice stream) and its funding rate
 * set on the venue, a liquidation noted, and the real USD-M recording
 * mirrored level for level.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "core/lx_internal.h"
#include "lotusx/lx_book.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_secret.h"
#include "mock/server/mock.h"
#include "mock/venues/binance/dialect.h"
#include "mock/venues/binance/spot.h"
#include "mock/venues/binance/spot_int.h"
#include "mock/venues/binance/streams.h"
#include "mock/venues/binance/tape.h"
#include "mock/venues/binance/usdm.h"
#include "venues/binance/binance.h"
#include "lx_test.h"

#define SEC ((int64_t)1000000000)
#define T0  ((int64_t)1723161253 * SEC)
#define LOT 100000 /* lots per 1 BTC (lot 0.00001) */

#ifndef LX_SAMPLES_DEFAULT
#define LX_SAMPLES_DEFAULT "../shared/samples"
#endif

struct fx {
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_mock_door *door;
    struct lx_mock_bn_hub *hub;
    struct lx_mock_bn_spot *spot;
    struct lx_mock_bn_usdm *usdm;
    struct lx_engine *eng; /* the venue's (spot or USD-M) */
    struct lx_mock_tape *tape;
    struct lx_secret *secret;
    uint32_t user, book, trader;
};

static const struct lx_mock_bn_symbol_cfg btc = {
    "BTCUSDT", "BTC",  "USDT", "0.01",    "0.00001",
    "0.00001", "9000", "0.01", "1000000", "5"};

static int setup(void **state)
{
    static const char *const bal[] = {"USDT", "100000", "BTC", "10", NULL};
    static const char *const big[] = {"USDT", "1000000000", "BTC", "100000",
                                      NULL};
    struct fx *f = test_calloc(1, sizeof(*f));
    struct lx_mock_bn_account_cfg a;
    const char *why = "";

    f->base = event_base_new();
    assert_int_equal(lx_clock_new_virtual(&f->clock, NULL, f->base, T0), LX_OK);
    assert_int_equal(lx_net_new(&f->net, NULL, f->base, f->clock), LX_OK);
    assert_int_equal(lx_mock_door_new(&f->door, f->net, f->clock, "binance",
                                      &lx_mock_bn_dialect,
                                      &lx_mock_bn_spot_limits),
                     LX_OK);
    assert_int_equal(lx_mock_bn_hub_new(&f->hub, f->net, f->clock, NULL),
                     LX_OK);
    assert_int_equal(
        lx_mock_bn_spot_new(&f->spot, f->clock, f->door, f->hub, &why), LX_OK);
    assert_int_equal(lx_mock_bn_spot_add_symbol(f->spot, &btc, &why), LX_OK);
    assert_int_equal(lx_secret_new(&f->secret, NULL, "s", 1), LX_OK);
    memset(&a, 0, sizeof(a));
    a.api_key = "user";
    a.secret = f->secret;
    a.maker_fee = a.taker_fee = "0";
    a.balances = bal;
    assert_int_equal(lx_mock_bn_spot_add_account(f->spot, &a, &f->user, &why),
                     LX_OK);
    a.api_key = "book";
    a.balances = big;
    a.market = true;
    assert_int_equal(lx_mock_bn_spot_add_account(f->spot, &a, &f->book, &why),
                     LX_OK);
    a.api_key = "trader";
    assert_int_equal(lx_mock_bn_spot_add_account(f->spot, &a, &f->trader, &why),
                     LX_OK);
    assert_int_equal(lx_mock_tape_new(&f->tape, f->spot, "BTCUSDT", f->book,
                                      f->trader, &why),
                     LX_OK);
    f->eng = f->spot->eng;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    lx_mock_tape_free(f->tape);
    lx_mock_bn_spot_free(f->spot);
    lx_mock_bn_usdm_free(f->usdm);
    lx_mock_bn_hub_free(f->hub);
    lx_mock_door_free(f->door);
    (void)lx_clock_run(f->clock, lx_clock_mono_ns(f->clock));
    lx_secret_free(f->secret);
    lx_net_free(f->net);
    lx_clock_free(f->clock);
    event_base_free(f->base);
    test_free(f);
    return 0;
}

static void feed(struct fx *f, const char *s)
{
    assert_int_equal(lx_mock_tape_feed(f->tape, s, strlen(s)), LX_OK);
}

/* A depth diff of updates first..u: bids and asks as JSON arrays. */
static void diff_from(struct fx *f, int first, int u, const char *bids,
                      const char *asks)
{
    char buf[1024];

    lx__snprintf(buf, sizeof(buf),
                 "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":"
                 "\"depthUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"U\":%d,\"u\":%d,"
                 "\"b\":%s,\"a\":%s}}",
                 first, u, bids, asks);
    feed(f, buf);
}

static void diff(struct fx *f, int u, const char *bids, const char *asks)
{
    diff_from(f, u, u, bids, asks);
}

/* A recorded trade; sell: the seller was the aggressor (m true). */
static void trade(struct fx *f, int id, const char *px, const char *qty,
                  bool sell)
{
    char buf[512];

    lx__snprintf(buf, sizeof(buf),
                 "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\","
                 "\"E\":1,\"s\":\"BTCUSDT\",\"t\":%d,\"p\":\"%s\",\"q\":\"%s\","
                 "\"T\":1,\"m\":%s}}",
                 id, px, qty, sell ? "true" : "false");
    feed(f, buf);
}

/* The book account's size at (side, price ticks), in lots. */
static int64_t liquidity(struct fx *f, int side, int64_t price)
{
    struct lx_eng_queue_entry q[64];
    size_t n = lx__engine_queue(f->eng, 0, side, price, q, 64), i;
    int64_t sum = 0;

    assert_true(n <= 64);
    for (i = 0; i < n; i++) {
        if (q[i].account == f->book) {
            sum += q[i].remaining;
        }
    }
    return sum;
}

/* The user's lots resting ahead of order id at its price. */
static int64_t ahead_of(struct fx *f, int side, int64_t price, uint64_t id)
{
    struct lx_eng_queue_entry q[64];
    size_t n = lx__engine_queue(f->eng, 0, side, price, q, 64), i;
    int64_t sum = 0;

    for (i = 0; i < n && q[i].id != id; i++) {
        sum += q[i].remaining;
    }
    assert_true(i < n);
    return sum;
}

static uint64_t place(struct fx *f, int side, int type, int64_t price,
                      int64_t lots)
{
    struct lx_eng_order_req r;
    struct lx_eng_result res;

    memset(&r, 0, sizeof(r));
    r.account = f->user;
    r.inst = 0;
    r.side = (uint8_t)side;
    r.type = (uint8_t)type;
    r.tif = LX_ENG_GTC;
    r.price = price;
    r.qty = lots;
    r.time = lx_clock_wall_ns(f->clock);
    assert_int_equal(lx__engine_submit(f->eng, &r, &res), LX_OK);
    if (f->usdm != NULL) {
        lx__mbum_drain(f->usdm);
    } else {
        assert_int_equal(lx__mbn_drain(f->spot), LX_OK);
    }
    return res.order_id != 0 ? res.order_id : (uint64_t)-1;
}

static int64_t filled(struct fx *f, uint64_t id)
{
    struct lx_eng_order_info info;

    if (lx__engine_order(f->eng, id, &info) != LX_OK) {
        return -1;
    }
    return info.filled;
}

static void snapshot(struct fx *f)
{
    feed(f, "{\"lastUpdateId\":100,\"bids\":[[\"100.00\",\"5\"],[\"99.00\","
            "\"5\"]],\"asks\":[[\"101.00\",\"5\"],[\"102.00\",\"5\"]]}");
    assert_true(lx_mock_tape_synced(f->tape));
}

static void test_mirror_snapshot_and_diffs(void **state)
{
    struct fx *f = *state;
    struct lx_mock_tape_stats st;

    /* A diff before the snapshot is buffered and applied with it. */
    diff_from(f, 99, 101, "[[\"100.00\",\"6\"]]", "[]");
    assert_false(lx_mock_tape_synced(f->tape));
    assert_int_equal(liquidity(f, LX_ENG_BUY, 10000), 0);
    snapshot(f);
    assert_int_equal(liquidity(f, LX_ENG_BUY, 10000), 6 * LOT);
    assert_int_equal(liquidity(f, LX_ENG_BUY, 9900), 5 * LOT);
    assert_int_equal(liquidity(f, LX_ENG_SELL, 10100), 5 * LOT);
    assert_int_equal(liquidity(f, LX_ENG_SELL, 10200), 5 * LOT);
    diff(f, 102, "[[\"99.00\",\"0\"],[\"99.50\",\"1.5\"]]",
         "[[\"101.00\",\"2.25\"]]");
    assert_int_equal(liquidity(f, LX_ENG_BUY, 9900), 0);
    assert_int_equal(liquidity(f, LX_ENG_BUY, 9950), 150000);
    assert_int_equal(liquidity(f, LX_ENG_SELL, 10100), 225000);
    /* A gap in the recording: the engine keeps the last mirrored book. */
    diff(f, 110, "[[\"100.00\",\"1\"]]", "[]");
    assert_false(lx_mock_tape_synced(f->tape));
    assert_int_equal(liquidity(f, LX_ENG_BUY, 10000), 6 * LOT);
    lx_mock_tape_get_stats(f->tape, &st);
    assert_int_equal(st.snapshots, 1);
    assert_int_equal(st.diffs, 2);
    assert_int_equal(st.gaps, 1);
    assert_int_equal(lx__engine_check(f->eng), LX_OK);
}

static void test_queue_trades_from_front(void **state)
{
    struct fx *f = *state;
    uint64_t id;

    snapshot(f);
    id = place(f, LX_ENG_BUY, LX_ENG_LIMIT, 10000, 1 * LOT);
    assert_int_equal(ahead_of(f, LX_ENG_BUY, 10000, id), 5 * LOT);
    trade(f, 1, "100.00", "3", true);
    assert_int_equal(ahead_of(f, LX_ENG_BUY, 10000, id), 2 * LOT);
    assert_int_equal(filled(f, id), 0);
    /* The diff that reports the trade changes nothing more. */
    diff(f, 101, "[[\"100.00\",\"2\"]]", "[]");
    assert_int_equal(ahead_of(f, LX_ENG_BUY, 10000, id), 2 * LOT);
    trade(f, 2, "100.00", "2.5", true);
    assert_int_equal(filled(f, id), LOT / 2);
    trade(f, 3, "100.00", "0.5", true);
    assert_int_equal(filled(f, id), -1); /* filled and gone */
    assert_int_equal(lx__engine_check(f->eng), LX_OK);
}

static void test_queue_cancels_in_proportion(void **state)
{
    struct fx *f = *state;
    uint64_t id;

    snapshot(f);
    diff(f, 101, "[[\"100.00\",\"4\"]]", "[]");
    id = place(f, LX_ENG_BUY, LX_ENG_LIMIT, 10000, 1 * LOT);
    /* 4 more join behind the order, then half the level is cancelled. */
    diff(f, 102, "[[\"100.00\",\"8\"]]", "[]");
    assert_int_equal(ahead_of(f, LX_ENG_BUY, 10000, id), 4 * LOT);
    diff(f, 103, "[[\"100.00\",\"4\"]]", "[]");
    assert_int_equal(ahead_of(f, LX_ENG_BUY, 10000, id), 2 * LOT);
    assert_int_equal(liquidity(f, LX_ENG_BUY, 10000), 4 * LOT);
    /* 3 sold: 2 ahead, then 1 of ours. */
    trade(f, 1, "100.00", "3", true);
    assert_int_equal(filled(f, id), -1);
    assert_int_equal(liquidity(f, LX_ENG_BUY, 10000), 2 * LOT);
    assert_int_equal(lx__engine_check(f->eng), LX_OK);
}

static void test_trade_through_and_market_walk(void **state)
{
    struct fx *f = *state;
    uint64_t bid, mkt;

    snapshot(f);
    /* A bid inside the spread is the best: a sale at 100 hits it first. */
    bid = place(f, LX_ENG_BUY, LX_ENG_LIMIT, 10050, 1 * LOT);
    trade(f, 1, "100.00", "1", true);
    assert_int_equal(filled(f, bid), -1);
    assert_int_equal(liquidity(f, LX_ENG_BUY, 10000), 5 * LOT);
    /* A market buy of 7 walks 5 at 101 and 2 at 102. */
    mkt = place(f, LX_ENG_BUY, LX_ENG_MARKET, 0, 7 * LOT);
    assert_true(mkt == (uint64_t)-1 || filled(f, mkt) == -1);
    assert_int_equal(liquidity(f, LX_ENG_SELL, 10100), 0);
    assert_int_equal(liquidity(f, LX_ENG_SELL, 10200), 3 * LOT);
    /* The next diff naming those levels puts the recorded size back. */
    diff(f, 101, "[]", "[[\"101.00\",\"5\"],[\"102.00\",\"4\"]]");
    assert_int_equal(liquidity(f, LX_ENG_SELL, 10100), 5 * LOT);
    assert_int_equal(liquidity(f, LX_ENG_SELL, 10200), 4 * LOT);
    assert_int_equal(lx__engine_check(f->eng), LX_OK);
}

static void test_other_frames_counted(void **state)
{
    struct fx *f = *state;
    struct lx_mock_tape_stats st;

    snapshot(f);
    feed(f, "{\"stream\":\"btcusdt@bookTicker\",\"data\":{\"u\":1,\"s\":"
            "\"BTCUSDT\",\"b\":\"100.00\",\"B\":\"1\",\"a\":\"101.00\","
            "\"A\":\"1\"}}");
    feed(f, "{\"stream\":\"ethusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":1,"
            "\"s\":\"ETHUSDT\",\"t\":1,\"p\":\"3000.00\",\"q\":\"1\",\"T\":1,"
            "\"m\":true}}");
    feed(f, "not json");
    /* A trade with nothing at its price on the book: cut, not an error. */
    trade(f, 1, "90.00", "1", true);
    lx_mock_tape_get_stats(f->tape, &st);
    assert_int_equal(st.skipped, 2);
    assert_int_equal(st.bad, 1);
    assert_int_equal(st.trades, 1);
    assert_int_equal(st.trades_cut, 0); /* it hit the bids above 90 */
    assert_int_equal(st.frames, 5);
}

/* ---- the real recording --------------------------------------------------
 */

/* The whole sample file (NUL-terminated) or NULL when absent. */
static char *read_sample(const char *rel, size_t *len)
{
    const char *dir = getenv("LX_SAMPLES_DIR");
    char path[1024], *buf;
    FILE *in;
    long n;

    lx__snprintf(path, sizeof(path), "%s/%s",
                 dir != NULL ? dir : LX_SAMPLES_DEFAULT, rel);
    in = fopen(path, "rb");
    if (in == NULL) {
        return NULL;
    }
    assert_int_equal(fseek(in, 0, SEEK_END), 0);
    n = ftell(in);
    assert_true(n > 0);
    rewind(in);
    buf = lx__malloc(NULL, (size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, in), (size_t)n);
    buf[n] = '\0';
    fclose(in);
    *len = (size_t)n;
    return buf;
}

static struct lx_decimal btc_tick(void)
{
    return lx_decimal_from_i64(1, 2);
}

static struct lx_decimal btc_lot(void)
{
    return lx_decimal_from_i64(1, 5);
}

/* Every level of the reference book against the engine's liquidity. */
static size_t mismatches_at(struct fx *f, const struct lx_book *ref,
                            struct lx_decimal tick, struct lx_decimal lot)
{
    struct lx_book_level lv[2048];
    size_t n, i, bad = 0;
    int side;

    for (side = 0; side < 2; side++) {
        n = lx_book_top(ref, side == 0 ? LX_BOOK_BID : LX_BOOK_ASK, lv, 2048);
        for (i = 0; i < n; i++) {
            int64_t ticks, lots;
            struct lx_decimal r;
            assert_int_equal(lx_decimal_to_ticks(lv[i].price, tick, &ticks),
                             LX_OK);
            assert_int_equal(
                lx_decimal_round_to_step(lv[i].qty, lot, LX_ROUND_DOWN, &r),
                LX_OK);
            assert_int_equal(lx_decimal_to_ticks(r, lot, &lots), LX_OK);
            bad += liquidity(f, side, ticks) != lots;
        }
    }
    return bad;
}

static size_t mismatches(struct fx *f, const struct lx_book *ref)
{
    return mismatches_at(f, ref, btc_tick(), btc_lot());
}

struct ref {
    struct lx_book_sync *sync;
    struct lx_arena *arena;
    enum lx_bn_market market;
};

static const struct lx_book_level *
copy_levels(struct lx_arena *a, const struct lx_level *in, size_t n)
{
    struct lx_book_level *out =
        lx_arena_alloc_array(a, n ? n : 1, sizeof(*out));
    size_t i;

    assert_non_null(out);
    for (i = 0; i < n; i++) {
        out[i].price = in[i].price;
        out[i].qty = in[i].qty;
    }
    return out;
}

/* Feeds the reference; true when a diff was applied to a synced book. */
static bool ref_feed(struct ref *r, const char *p, size_t n)
{
    struct lx_bn_err err;
    struct lx_bn_msg msg;
    enum lx_book_action act = LX_BOOK_ACTION_NONE;

    lx_arena_reset(r->arena);
    if (strncmp(p, "{\"lastUpdateId\"", 15) == 0) {
        struct lx_depth d;
        struct lx_book_snapshot s;
        assert_int_equal(lx__bn_parse_depth(p, n, r->arena, &d, &err), LX_OK);
        memset(&s, 0, sizeof(s));
        s.last_update_id = (uint64_t)d.last_update_id;
        s.bids = copy_levels(r->arena, d.bids, d.nbids);
        s.nbids = d.nbids;
        s.asks = copy_levels(r->arena, d.asks, d.nasks);
        s.nasks = d.nasks;
        assert_int_equal(lx_book_sync_snapshot(r->sync, &s), LX_OK);
        return false;
    }
    assert_int_equal(lx__bn_parse_ws(r->market, p, n, r->arena, &msg, &err),
                     LX_OK);
    if (msg.kind == LX_BN_MSG_DEPTH) {
        struct lx_book_diff d;
        memset(&d, 0, sizeof(d));
        d.first_id = (uint64_t)msg.u.depth.first_id;
        d.final_id = (uint64_t)msg.u.depth.final_id;
        if (msg.u.depth.prev_final_id >= 0) {
            d.prev_final_id = (uint64_t)msg.u.depth.prev_final_id;
            d.has_prev_final_id = true;
        }
        d.bids = copy_levels(r->arena, msg.u.depth.bids, msg.u.depth.nbids);
        d.nbids = msg.u.depth.nbids;
        d.asks = copy_levels(r->arena, msg.u.depth.asks, msg.u.depth.nasks);
        d.nasks = msg.u.depth.nasks;
        assert_int_equal(lx_book_sync_diff(r->sync, &d, &act), LX_OK);
    }
    return act == LX_BOOK_ACTION_APPLIED;
}

/*
 * The recording, frame by frame as received: after every diff the engine
 * holds the recorded book exactly (every level, sizes rounded down to
 * the lot), with recorded trades replayed against it in between.
 */
static void test_real_recording_mirrored(void **state)
{
    struct fx *f = *state;
    size_t size = 0, checks = 0, diffs = 0, worst = 0;
    char *buf = read_sample(
        "binance-spot/hftbacktest/btcusdt_20240808.first150s.txt", &size);
    const char *line, *end;
    struct lx_mock_tape_stats st;
    struct ref r;

    if (buf == NULL) {
        skip();
    }
    assert_int_equal(
        lx_book_sync_new(&r.sync, NULL, LX_BOOK_RULES_BINANCE_SPOT, NULL),
        LX_OK);
    assert_int_equal(lx_arena_new(&r.arena, NULL, 0), LX_OK);
    r.market = LX_BN_SPOT;
    for (line = buf; line < buf + size; line = end + 1) {
        const char *p;
        size_t n;
        end = memchr(line, '\n', (size_t)(buf + size - line));
        if (end == NULL) {
            end = buf + size;
        }
        p = memchr(line, ' ', (size_t)(end - line));
        if (p == NULL) {
            continue;
        }
        p++;
        n = (size_t)(end - p);
        assert_int_equal(lx_mock_tape_feed(f->tape, p, n), LX_OK);
        if (ref_feed(&r, p, n) && diffs++ % 8 == 0) {
            size_t bad = mismatches(f, lx_book_sync_book(r.sync));
            worst = bad > worst ? bad : worst;
            checks++;
        }
    }
    lx__free(NULL, buf);
    lx_mock_tape_get_stats(f->tape, &st);
    printf("# %zu diffs, %zu checked, worst %zu levels off; tape: %llu "
           "trades (%llu cut), %llu rounded, %llu engine ops\n",
           diffs, checks, worst, (unsigned long long)st.trades,
           (unsigned long long)st.trades_cut, (unsigned long long)st.rounded,
           (unsigned long long)st.engine_ops);
    {
        struct lx_book_sync_stats rs;
        lx_book_sync_get_stats(r.sync, &rs);
        assert_int_equal(st.diffs, rs.applied);
        assert_true(rs.applied >= diffs);
    }
    assert_int_equal(st.gaps, 0);
    assert_int_equal(st.bad, 0);
    assert_true(checks > 100);
    assert_int_equal(worst, 0);
    assert_int_equal(lx__engine_check(f->eng), LX_OK);
    lx_book_sync_free(r.sync);
    lx_arena_free(r.arena);
}

/* ---- USD-M: the perpetual ------------------------------------------------
 */

#define ULOT 1000 /* lots per 1 BTC (lot 0.001) */

static const struct lx_mock_bn_symbol_cfg perp = {
    "BTCUSDT", "BTC",  "USDT",  "0.1",     "0.001",
    "0.001",   "1000", "556.8", "4529764", "100"};

static int usetup(void **state)
{
    static const char *const bal[] = {"USDT", "100000", NULL};
    struct fx *f = test_calloc(1, sizeof(*f));
    struct lx_mock_bn_account_cfg a;
    const char *why = "";

    f->base = event_base_new();
    assert_int_equal(lx_clock_new_virtual(&f->clock, NULL, f->base, T0), LX_OK);
    assert_int_equal(lx_net_new(&f->net, NULL, f->base, f->clock), LX_OK);
    assert_int_equal(lx_mock_door_new(&f->door, f->net, f->clock, "binanceusdm",
                                      &lx_mock_bn_dialect,
                                      &lx_mock_bn_spot_limits),
                     LX_OK);
    assert_int_equal(lx_mock_bn_usdm_new(&f->usdm, f->clock, f->door, &why),
                     LX_OK);
    assert_int_equal(lx_mock_bn_usdm_add_symbol(f->usdm, &perp, &why), LX_OK);
    assert_int_equal(lx_secret_new(&f->secret, NULL, "s", 1), LX_OK);
    memset(&a, 0, sizeof(a));
    a.api_key = "user";
    a.secret = f->secret;
    a.maker_fee = a.taker_fee = "0";
    a.balances = bal;
    assert_int_equal(lx_mock_bn_usdm_add_account(f->usdm, &a, &f->user, &why),
                     LX_OK);
    assert_int_equal(lx__mbum_add_market_account(
                         f->usdm, INT64_C(100000000000000000), &f->book),
                     LX_OK);
    assert_int_equal(lx__mbum_add_market_account(
                         f->usdm, INT64_C(100000000000000000), &f->trader),
                     LX_OK);
    assert_int_equal(lx_mock_tape_new_usdm(&f->tape, f->usdm, "BTCUSDT",
                                           f->book, f->trader, &why),
                     LX_OK);
    f->eng = lx__mbum_engine(f->usdm);
    *state = f;
    return 0;
}

/* A USD-M depth diff: U, u and pu. */
static void udiff(struct fx *f, int first, int u, int pu, const char *bids,
                  const char *asks)
{
    char buf[1024];

    lx__snprintf(buf, sizeof(buf),
                 "{\"stream\":\"btcusdt@depth@100ms\",\"data\":{\"e\":"
                 "\"depthUpdate\",\"E\":1,\"T\":1,\"s\":\"BTCUSDT\",\"U\":%d,"
                 "\"u\":%d,\"pu\":%d,\"b\":%s,\"a\":%s}}",
                 first, u, pu, bids, asks);
    feed(f, buf);
}

static void umark(struct fx *f, const char *mark, const char *rate)
{
    char buf[512];

    lx__snprintf(buf, sizeof(buf),
                 "{\"stream\":\"btcusdt@markPrice@1s\",\"data\":{\"e\":"
                 "\"markPriceUpdate\",\"E\":1,\"s\":\"BTCUSDT\",\"p\":\"%s\","
                 "\"i\":\"%s\",\"P\":\"%s\",\"r\":\"%s\",\"T\":1}}",
                 mark, mark, mark, rate);
    feed(f, buf);
}

static void usnapshot(struct fx *f)
{
    feed(f, "{\"lastUpdateId\":100,\"E\":1,\"T\":1,\"bids\":[[\"60000.0\","
            "\"5\"],[\"59999.0\",\"5\"]],\"asks\":[[\"60001.0\",\"5\"],"
            "[\"60002.0\",\"5\"]]}");
    assert_true(lx_mock_tape_synced(f->tape));
}

static struct lx_eng_position upos(struct fx *f, uint32_t acct)
{
    struct lx_eng_position p;

    assert_int_equal(lx__engine_position(f->eng, acct, 0, 0, &p), LX_OK);
    return p;
}

/* The margin asset's id: BTC is added first, USDT second. */
#define USDT_ID 1

static int64_t uwallet(struct fx *f, uint32_t acct)
{
    struct lx_eng_margin m;

    assert_int_equal(lx__engine_margin(f->eng, acct, USDT_ID, &m), LX_OK);
    return m.wallet;
}

static void test_usdm_mirror_fill_mark_funding(void **state)
{
    struct fx *f = *state;
    struct lx_mock_tape_stats st;
    struct lx_eng_position p;
    uint64_t id;

    assert_int_equal(uwallet(f, f->user), INT64_C(100000) * 100000000);
    usnapshot(f);
    assert_int_equal(liquidity(f, LX_ENG_BUY, 600000), 5 * ULOT);
    assert_int_equal(liquidity(f, LX_ENG_BUY, 599990), 5 * ULOT);
    assert_int_equal(liquidity(f, LX_ENG_SELL, 600010), 5 * ULOT);
    assert_int_equal(liquidity(f, LX_ENG_SELL, 600020), 5 * ULOT);
    /* The mark is the mid, rounded down onto the tick: 60000.5. */
    assert_int_equal(upos(f, f->user).mark, 600005);
    /* pu-chained diffs: the first bridges the snapshot. */
    udiff(f, 99, 101, 98, "[[\"60000.0\",\"6\"]]", "[]");
    assert_int_equal(liquidity(f, LX_ENG_BUY, 600000), 6 * ULOT);
    id = place(f, LX_ENG_BUY, LX_ENG_LIMIT, 600000, 10);
    assert_int_equal(ahead_of(f, LX_ENG_BUY, 600000, id), 6 * ULOT);
    /* A recorded sale of 6.005 takes the 6 ahead, then 5 lots of ours. */
    feed(f, "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":1,"
            "\"T\":1,\"s\":\"BTCUSDT\",\"t\":1,\"p\":\"60000.0\",\"q\":"
            "\"6.005\",\"X\":\"MARKET\",\"m\":true}}");
    assert_int_equal(filled(f, id), 5);
    p = upos(f, f->user);
    assert_int_equal(p.size, 5);
    assert_int_equal(p.entry_price, 600000);
    /* The next diff (pu = the last u) moves the best ask: a new mid. */
    udiff(f, 102, 102, 101, "[]", "[[\"60001.0\",\"0\"],[\"60003.0\",\"2\"]]");
    assert_true(lx_mock_tape_synced(f->tape));
    assert_int_equal(liquidity(f, LX_ENG_SELL, 600010), 0);
    assert_int_equal(liquidity(f, LX_ENG_SELL, 600030), 2 * ULOT);
    p = upos(f, f->user);
    assert_int_equal(p.mark, 600010);         /* the new mid */
    assert_int_equal(p.upnl, 5 * 10 * 10000); /* 5 lots, 10 ticks, 10^-4 */
    /* The markPrice stream, once there, is the mark (onto the tick). */
    umark(f, "60010.12345678", "0.00020000");
    assert_int_equal(upos(f, f->user).mark, 600101);
    udiff(f, 103, 103, 102, "[[\"60000.0\",\"0\"]]", "[]");
    assert_int_equal(upos(f, f->user).mark, 600101);
    /* Funding at the recorded rate: a long pays 0.0002 x 0.005 x 60010.1 */
    assert_int_equal(lx_mock_bn_usdm_fund(f->usdm), LX_OK);
    assert_int_equal(uwallet(f, f->user),
                     INT64_C(100000) * 100000000 - 6001010);
    /* pu not the last u: a gap; the engine keeps the last book. */
    udiff(f, 110, 110, 109, "[[\"59999.0\",\"1\"]]", "[]");
    assert_false(lx_mock_tape_synced(f->tape));
    assert_int_equal(liquidity(f, LX_ENG_BUY, 599990), 5 * ULOT);
    lx_mock_tape_get_stats(f->tape, &st);
    assert_int_equal(st.snapshots, 1);
    assert_int_equal(st.diffs, 3);
    assert_int_equal(st.gaps, 1);
    assert_int_equal(st.trades, 1);
    assert_int_equal(st.marks, 3);
    assert_int_equal(st.mark_frames, 1);
    assert_int_equal(st.rates, 1);
    assert_int_equal(st.liquidations, 0);
    assert_int_equal(st.bad, 0);
    assert_int_equal(lx__engine_check(f->eng), LX_OK);
}

/* A mark that wipes out a thin account liquidates it; the tape notes it. */
static void test_usdm_liquidation_noted(void **state)
{
    static const char *const thin[] = {"USDT", "40", NULL};
    struct fx *f = *state;
    struct lx_mock_bn_account_cfg a;
    struct lx_mock_tape_stats st;
    const char *why = "";
    uint32_t poor;
    uint64_t id;
    int64_t w0;

    memset(&a, 0, sizeof(a));
    a.api_key = "poor";
    a.secret = f->secret;
    a.maker_fee = a.taker_fee = "0";
    a.balances = thin;
    assert_int_equal(lx_mock_bn_usdm_add_account(f->usdm, &a, &poor, &why),
                     LX_OK);
    usnapshot(f);
    f->user = poor;
    id = place(f, LX_ENG_BUY, LX_ENG_LIMIT, 600000, 10); /* 600 USDT, 20x */
    feed(f, "{\"stream\":\"btcusdt@trade\",\"data\":{\"e\":\"trade\",\"E\":1,"
            "\"T\":1,\"s\":\"BTCUSDT\",\"t\":1,\"p\":\"60000.0\",\"q\":"
            "\"5.010\",\"X\":\"MARKET\",\"m\":true}}");
    assert_int_equal(filled(f, id), -1);
    assert_int_equal(upos(f, poor).size, 10);
    w0 = uwallet(f, poor);
    umark(f, "56000.0", "0.0001");
    lx_mock_tape_get_stats(f->tape, &st);
    assert_int_equal(st.liquidations, 1);
    assert_int_equal(upos(f, poor).size, 0);
    assert_true(st.liq_wallet < 0);
    assert_int_equal(st.liq_wallet, uwallet(f, poor) - w0);
    /* the tape's liquidity bought the other 5 BTC: untouched */
    assert_int_equal(upos(f, f->book).size, 5 * ULOT);
    assert_int_equal(lx__engine_check(f->eng), LX_OK);
}

/* The real USD-M recording, mirrored level for level (as the spot one). */
static void test_usdm_real_recording_mirrored(void **state)
{
    struct fx *f = *state;
    size_t size = 0, checks = 0, diffs = 0, worst = 0, off = 0;
    char *buf =
        read_sample("binance-usdm/hftbacktest/btcusdt_20240718.txt", &size);
    const char *line, *end;
    struct lx_mock_tape_stats st;
    struct lx_book_sync_stats rs;
    struct ref r;

    if (buf == NULL) {
        skip();
    }
    assert_int_equal(
        lx_book_sync_new(&r.sync, NULL, LX_BOOK_RULES_BINANCE_USDM, NULL),
        LX_OK);
    assert_int_equal(lx_arena_new(&r.arena, NULL, 0), LX_OK);
    r.market = LX_BN_USDM;
    for (line = buf; line < buf + size; line = end + 1) {
        const char *p;
        size_t n;
        end = memchr(line, '\n', (size_t)(buf + size - line));
        if (end == NULL) {
            end = buf + size;
        }
        p = memchr(line, ' ', (size_t)(end - line));
        if (p == NULL) {
            continue;
        }
        p++;
        n = (size_t)(end - p);
        assert_int_equal(lx_mock_tape_feed(f->tape, p, n), LX_OK);
        if (ref_feed(&r, p, n) && diffs++ % 8 == 0) {
            size_t bad = mismatches_at(f, lx_book_sync_book(r.sync),
                                       lx_decimal_from_i64(1, 1),
                                       lx_decimal_from_i64(1, 3));
            worst = bad > worst ? bad : worst;
            off += bad;
            checks++;
        }
    }
    lx__free(NULL, buf);
    lx_mock_tape_get_stats(f->tape, &st);
    printf("# usdm: %zu diffs, %zu checked, worst %zu levels off (%zu in "
           "all); tape: %llu trades (%llu cut), %llu marks, %llu engine ops\n",
           diffs, checks, worst, off, (unsigned long long)st.trades,
           (unsigned long long)st.trades_cut, (unsigned long long)st.marks,
           (unsigned long long)st.engine_ops);
    lx_book_sync_get_stats(r.sync, &rs);
    assert_int_equal(st.diffs, rs.applied);
    assert_int_equal(st.gaps, 0);
    assert_int_equal(st.bad, 0);
    assert_int_equal(st.trades, 974);
    assert_true(st.marks > 0);
    assert_true(checks > 100);
    /*
     * Trades come on their own stream: between recorded trades and the
     * diff that reports them (a later transaction time "T") the engine
     * holds the size the trades took, not yet the recorded one. On this
     * recording one checked book falls in such a window (a buy walking 4
     * ask levels); every level of every other checked book is exact.
     */
    assert_true(worst <= 4);
    assert_true(off <= 4);
    assert_int_equal(lx__engine_check(f->eng), LX_OK);
    lx_book_sync_free(r.sync);
    lx_arena_free(r.arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_mirror_snapshot_and_diffs, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_queue_trades_from_front, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_queue_cancels_in_proportion, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_trade_through_and_market_walk,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_frames_counted, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_real_recording_mirrored, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_usdm_mirror_fill_mark_funding,
                                        usetup, teardown),
        cmocka_unit_test_setup_teardown(test_usdm_liquidation_noted, usetup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_usdm_real_recording_mirrored,
                                        usetup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
