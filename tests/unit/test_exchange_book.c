/*
 * test_exchange_book.c - the connector's local book never silently
 * diverges from the venue's: lx_exchange_watch_book against lotusx-mock's
 * simulated Binance spot and USD-M (in one process, on a virtual clock,
 * over the in-memory transport) while a second account moves the book
 * (limit orders in and around the spread, market orders through it,
 * cancels; on spot the synthetic market runs too, on USD-M a maker
 * re-posts a ladder around a random-walk mid), with the market stream
 * dropped by the mock's fault rules, the connection's lifetime limit (the
 * venue's 24 h, set to 45 s here) expiring it again and again, and
 * failing snapshots. Halfway, the book is unwatched and watched again.
 *
 * At each checkpoint the market pauses, the venue's 100 ms diff batches
 * go out, and whenever the sync machine says SYNCED the local book must
 * equal the mock's own book level for level, at an update id no later
 * than the venue's. The mock's book comes from outside the connector's
 * code: the admin state dump (lx_mock_bn_spot_state) on spot, a raw GET
 * /fapi/v1/depth parsed with cJSON on USD-M (the mock has no USD-M state
 * dump). Every lost connection must be followed by a resync (an
 * LX_EV_BOOK back in SYNCED), and SYNCED checkpoints must be the rule, so
 * the comparison is never vacuous.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "core/lx_internal.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_exchange.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_rng.h"
#include "lotusx/lx_secret.h"
#include "mock/feed/synth.h"
#include "mock/server/fault.h"
#include "mock/server/mock.h"
#include "mock/server/sb.h"
#include "mock/venues/binance/dialect.h"
#include "mock/venues/binance/spot.h"
#include "mock/venues/binance/streams.h"
#include "mock/venues/binance/usdm.h"

#include "lx_test.h"

#define SEC         ((int64_t)1000000000)
#define MS          ((int64_t)1000000)
#define T0          ((int64_t)1767225600 * SEC) /* 2026-01-01 00:00 UTC */
#define MAX_AGE_NS  (45 * SEC) /* the venue's 24 h, shortened */
#define ACTIVE_NS   (6 * SEC)  /* market running between checkpoints */
#define SETTLE_NS   (2 * SEC)  /* paused: the diff batches go out */
#define MOVE_NS     (150 * MS) /* the second account's pace */
#define CHECKPOINTS 40

struct fx {
    bool usdm;
    bool verify; /* the built-in verification is on */
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_http_server *srv;
    struct lx_mock_door *door;
    struct lx_mock_bn_hub *hub;
    struct lx_mock_bn_spot *spot; /* spot: the venue and its market */
    struct lx_mock_synth *synth;
    struct lx_mock_bn_usdm *um; /* USD-M: the venue, a raw REST client */
    struct lx_http_client *side;
    cJSON *depth; /* its last answer */
    int64_t mid;  /* USD-M: the random walk the maker quotes around */
    struct lx_secret *secret;
    struct lx_exchange *ex;
    uint32_t maker, taker, mover;
    /* the second account */
    struct lx_timer *move_timer;
    struct lx_rng rng;
    bool paused;
    int moves, rejected;
    /* what the connector reported */
    int downs, aged, ups, resyncs, synced_events;
    bool awaiting_resync;
    /* checkpoints */
    int compared, unsynced;
    /* the book check and the forced resyncs */
    int checks;          /* calls of the check */
    int fail_at;         /* the check says no on this call (0: never) */
    int resync_at;       /* ... calls lx_exchange_resync_book on it */
    int unwatch_at;      /* ... calls lx_exchange_unwatch_book on it */
    int free_at;         /* ... calls lx_exchange_free on it */
    int ev_resync_at;    /* on this SYNCED LX_EV_BOOK: resync from it */
    bool in_call;        /* inside a call that must not call back */
    bool check_bad_book; /* the check saw an unsynced or foreign book */
    int book_events;     /* every LX_EV_BOOK */
    int by_reason[16];   /* LX_EV_BOOK out of SYNCED, by reason */
    int events_after_unwatch;
    bool unwatched;
    uint64_t trace; /* FNV-1a over every LX_EV_BOOK: state, reason, book */
};

static void trace_add(struct fx *f, uint64_t v)
{
    int i;

    for (i = 0; i < 8; i++) {
        f->trace ^= (v >> (8 * i)) & 0xff;
        f->trace *= 1099511628211u;
    }
}

static const struct lx_mock_bn_symbol_cfg btc = {
    "BTCUSDT", "BTC",  "USDT", "0.01",    "0.00001",
    "0.00001", "9000", "0.01", "1000000", "5"};
static const struct lx_mock_bn_symbol_cfg btc_perp = {
    "BTCUSDT", "BTC",  "USDT",  "0.1",     "0.001",
    "0.001",   "1000", "556.8", "4529764", "100"};

/* ---- the second account ----------------------------------------------- */

/* m * 10^-scale as the venue's decimal string. */
static void decimal_str(int64_t m, int scale, char *buf, size_t cap)
{
    assert_true(lx_decimal_format(lx_decimal_from_i64(m, scale), buf, cap) > 0);
}

/* Places for account on the venue of the test; NULL price for MARKET. */
static void place(struct fx *f, uint32_t account, const char *side,
                  int64_t price_ticks, int64_t qty_lots)
{
    char price[32], qty[32];
    int rejected = 0;

    decimal_str(price_ticks, f->usdm ? 1 : 2, price, sizeof(price));
    decimal_str(qty_lots, 3, qty, sizeof(qty));
    if (f->usdm) {
        assert_int_equal(lx_mock_bn_usdm_place(
                             f->um, account, "BTCUSDT", side,
                             price_ticks > 0 ? "LIMIT" : "MARKET",
                             price_ticks > 0 ? price : NULL, qty, &rejected),
                         LX_OK);
    } else {
        assert_int_equal(lx_mock_bn_spot_place(
                             f->spot, account, "BTCUSDT", side,
                             price_ticks > 0 ? "LIMIT" : "MARKET",
                             price_ticks > 0 ? price : NULL, qty, &rejected),
                         LX_OK);
    }
    f->rejected += rejected != 0;
}

static void cancel_all(struct fx *f, uint32_t account)
{
    if (f->usdm) {
        assert_int_equal(lx_mock_bn_usdm_cancel_all(f->um, account, "BTCUSDT"),
                         LX_OK);
    } else {
        assert_int_equal(
            lx_mock_bn_spot_cancel_all(f->spot, account, "BTCUSDT"), LX_OK);
    }
}

/*
 * USD-M has no synthetic market: the mid walks a tick or two, the mark
 * follows, and every twentieth move the maker re-posts ten levels a side
 * around it, 5 ticks apart.
 */
static void usdm_market(struct fx *f)
{
    char mark[32];
    int64_t i;

    f->mid += lx_rng_range(&f->rng, -2, 2);
    if (f->moves % 20 != 0) {
        return;
    }
    decimal_str(f->mid, 1, mark, sizeof(mark));
    assert_int_equal(lx_mock_bn_usdm_set_mark(f->um, "BTCUSDT", mark), LX_OK);
    cancel_all(f, f->maker);
    for (i = 1; i <= 10; i++) {
        place(f, f->maker, "BUY", f->mid - 5 * i, 50);
        place(f, f->maker, "SELL", f->mid + 5 * i, 50);
    }
}

/*
 * One move of the second account, drawn from the seeded PRNG: a limit
 * order within 40 ticks of the mid (so inside, at and through the
 * ladder: some rest, some trade), a small market order, or a cancel of
 * everything it has open.
 */
static void move_cb(struct lx_timer *t, void *ud)
{
    struct fx *f = ud;
    int64_t mid = f->mid, draw;
    const char *side;

    LX_UNUSED(t);
    if (f->paused) {
        return;
    }
    if (f->usdm) {
        usdm_market(f);
        mid = f->mid;
    } else {
        assert_int_equal(lx_mock_bn_spot_mid_ticks(f->spot, "BTCUSDT", &mid),
                         LX_OK);
    }
    draw = (int64_t)lx_rng_below(&f->rng, 10);
    side = lx_rng_below(&f->rng, 2) == 0 ? "BUY" : "SELL";
    if (draw < 6) {
        place(f, f->mover, side, mid + lx_rng_range(&f->rng, -40, 40),
              lx_rng_range(&f->rng, 2, 80));
    } else if (draw < 8) {
        place(f, f->mover, side, 0, lx_rng_range(&f->rng, 2, 30));
    } else {
        cancel_all(f, f->mover);
    }
    f->moves++;
}

/* ---- fixture ---------------------------------------------------------- */

static void add_accounts(struct fx *f)
{
    static const char *const big[] = {"USDT", "1000000000", "BTC", "100000",
                                      NULL};
    static const char *const keys[] = {"maker", "taker", "mover"};
    uint32_t *ids[] = {&f->maker, &f->taker, &f->mover};
    struct lx_mock_bn_account_cfg a;
    const char *why = "";
    size_t i;

    memset(&a, 0, sizeof(a));
    a.secret = f->secret;
    a.maker_fee = a.taker_fee = "0.001";
    a.balances = big;
    for (i = 0; i < 3; i++) {
        a.api_key = keys[i];
        if (f->usdm) {
            assert_int_equal(
                lx_mock_bn_usdm_add_account(f->um, &a, ids[i], &why), LX_OK);
        } else {
            assert_int_equal(
                lx_mock_bn_spot_add_account(f->spot, &a, ids[i], &why), LX_OK);
        }
    }
}

/* The venue on door and hub, its accounts, and what moves its market. */
static void add_venue(struct fx *f)
{
    static const struct lx_mock_synth_symbol sy = {"BTCUSDT", "60000.00",
                                                   "0.05000", 5, 50};
    const char *why = "";

    if (f->usdm) {
        assert_int_equal(lx_mock_bn_usdm_new(&f->um, f->clock, f->door, &why),
                         LX_OK);
        assert_int_equal(lx_mock_bn_usdm_add_symbol(f->um, &btc_perp, &why),
                         LX_OK);
        assert_int_equal(lx_mock_bn_usdm_set_hub(f->um, f->hub), LX_OK);
        add_accounts(f);
        f->mid = 600000; /* 60000.0 */
        usdm_market(f);  /* the first ladder */
        assert_int_equal(lx_http_client_new(&f->side, f->net), LX_OK);
        return;
    }
    assert_int_equal(
        lx_mock_bn_spot_new(&f->spot, f->clock, f->door, f->hub, &why), LX_OK);
    assert_int_equal(lx_mock_bn_spot_add_symbol(f->spot, &btc, &why), LX_OK);
    add_accounts(f);
    assert_int_equal(lx_mock_synth_new(&f->synth, f->clock, f->spot, f->maker,
                                       f->taker, 11, SEC),
                     LX_OK);
    assert_int_equal(lx_mock_synth_add(f->synth, &sy), LX_OK);
    assert_int_equal(lx_mock_synth_start(f->synth), LX_OK);
}

static struct fx *make(bool usdm, int64_t verify_ms)
{
    struct fx *f = test_calloc(1, sizeof(*f));
    struct lx_mock_bn_hub_opts hub = lx_mock_bn_hub_spot;
    struct lx_mock_limits limits = lx_mock_bn_spot_limits;
    struct lx_exchange_opts *o;

    f->usdm = usdm;
    f->verify = verify_ms > 0;
    f->base = event_base_new();
    assert_int_equal(lx_clock_new_virtual(&f->clock, NULL, f->base, T0), LX_OK);
    assert_int_equal(lx_net_new(&f->net, NULL, f->base, f->clock), LX_OK);
    assert_int_equal(lx_mock_door_new(&f->door, f->net, f->clock,
                                      usdm ? "binanceusdm" : "binance",
                                      &lx_mock_bn_dialect, &limits),
                     LX_OK);
    hub.max_age_ns = MAX_AGE_NS;
    assert_int_equal(lx_mock_bn_hub_new(&f->hub, f->net, f->clock, &hub),
                     LX_OK);
    lx_mock_door_set_upgrade(f->door, lx_mock_bn_hub_upgrade, f->hub);
    lx_mock_bn_hub_set_faults(f->hub, lx_mock_door_faults(f->door));
    assert_int_equal(lx_secret_new(&f->secret, NULL, "x", 1), LX_OK);
    lx_rng_seed(&f->rng, 20260101);
    add_venue(f);
    assert_int_equal(
        lx_http_server_new(&f->srv, f->net, lx_mock_door_handle, f->door),
        LX_OK);
    lx_net_set_inmem_server(f->net, f->srv);
    assert_int_equal(lx_timer_new(&f->move_timer, f->clock, move_cb, f), LX_OK);
    assert_int_equal(lx_timer_start(f->move_timer, MOVE_NS, MOVE_NS), LX_OK);
    assert_int_equal(lx_exchange_opts_new(&o), LX_OK);
    assert_int_equal(
        lx_exchange_opts_set_urls(o, "http://127.0.0.1:1", "ws://127.0.0.1:1"),
        LX_OK);
    assert_int_equal(lx_exchange_opts_set_book_verify(o, verify_ms), LX_OK);
    assert_int_equal(lx_exchange_new(&f->ex, f->net,
                                     usdm ? "binance-usdm" : "binance-spot", o),
                     LX_OK);
    lx_exchange_opts_free(o);
    return f;
}

static int setup_spot(void **state)
{
    *state = make(false, 0);
    return 0;
}

static int setup_usdm(void **state)
{
    *state = make(true, 0);
    return 0;
}

/* With the built-in verification every 2 s. */
static int setup_spot_verify(void **state)
{
    *state = make(false, 2000);
    return 0;
}

static int setup_usdm_verify(void **state)
{
    *state = make(true, 2000);
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;

    lx_exchange_free(f->ex);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock)), LX_OK);
    lx_timer_free(f->move_timer);
    lx_http_client_free(f->side);
    lx_http_server_free(f->srv);
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock)), LX_OK);
    cJSON_Delete(f->depth);
    lx_mock_synth_free(f->synth);
    lx_mock_bn_spot_free(f->spot);
    lx_mock_bn_usdm_free(f->um);
    lx_mock_bn_hub_free(f->hub);
    lx_mock_door_free(f->door);
    lx_secret_free(f->secret);
    lx_net_free(f->net);
    lx_clock_free(f->clock);
    event_base_free(f->base);
    test_free(f);
    return 0;
}

/* ---- what the connector reports --------------------------------------- */

static void on_event(struct lx_exchange *ex, const struct lx_ex_event *ev,
                     void *ud)
{
    struct fx *f = ud;

    if (ev->kind == LX_EV_STATUS && ev->u.status.what == LX_ST_MARKET_DOWN) {
        f->downs++;
        f->aged += strstr(ev->u.status.msg, "1001") != NULL; /* Going Away */
        f->awaiting_resync = true;
        if (getenv("LX_TEST_VERBOSE") != NULL) {
            fprintf(stderr, "down at %lld s: %s\n",
                    (long long)((lx_clock_wall_ns(f->clock) - T0) / SEC),
                    ev->u.status.msg);
        }
    } else if (ev->kind == LX_EV_STATUS &&
               ev->u.status.what == LX_ST_MARKET_UP) {
        f->ups++;
    } else if (ev->kind == LX_EV_BOOK) {
        assert_string_equal(ev->u.book.symbol, "BTCUSDT");
        assert_false(f->in_call); /* never inside the call */
        f->book_events++;
        f->events_after_unwatch += f->unwatched;
        trace_add(f, (uint64_t)ev->u.book.state);
        trace_add(f, (uint64_t)ev->u.book.reason);
        if (ev->u.book.state == LX_BOOK_SYNC_SYNCED) {
            trace_add(f, lx_book_update_id(ev->u.book.book));
            trace_add(f, lx_book_hash(ev->u.book.book, 50));
        }
        if (ev->u.book.state != LX_BOOK_SYNC_SYNCED) {
            assert_true((unsigned)ev->u.book.reason < 16);
            f->by_reason[ev->u.book.reason]++;
            return;
        }
        f->synced_events++;
        if (f->synced_events == f->ev_resync_at) {
            assert_int_equal(lx_exchange_resync_book(ex, "BTCUSDT"), LX_OK);
            /* the sync machine left SYNCED at once */
            assert_int_equal(
                lx_book_sync_state(lx_exchange_book(ex, "BTCUSDT")),
                LX_BOOK_SYNC_RESYNC);
        }
        assert_false(lx_book_is_crossed(ev->u.book.book));
        if (f->awaiting_resync) {
            f->awaiting_resync = false;
            f->resyncs++;
        }
    }
}

/* ---- the comparison --------------------------------------------------- */

static struct lx_decimal dec_at(const cJSON *pair, int i)
{
    const cJSON *s = cJSON_GetArrayItem(pair, i);
    struct lx_decimal d;

    assert_true(cJSON_IsString(s));
    assert_int_equal(
        lx_decimal_parse(s->valuestring, strlen(s->valuestring), &d), LX_OK);
    return d;
}

static void same_side(const struct lx_book *b, enum lx_book_side side,
                      const cJSON *levels)
{
    struct lx_book_level lv;
    size_t i, n = (size_t)cJSON_GetArraySize(levels);

    assert_int_equal(lx_book_depth(b, side), n);
    for (i = 0; i < n; i++) {
        const cJSON *pair = cJSON_GetArrayItem(levels, (int)i);
        assert_int_equal(lx_book_level_at(b, side, i, &lv), LX_OK);
        if (!lx_decimal_eq(lv.price, dec_at(pair, 0)) ||
            !lx_decimal_eq(lv.qty, dec_at(pair, 1))) {
            fail_msg("%s level %zu differs from the mock's",
                     side == LX_BOOK_BID ? "bid" : "ask", i);
        }
    }
}

static void depth_cb(void *ud, int err, const struct lx_http_msg *resp,
                     const char *errmsg)
{
    struct fx *f = ud;
    size_t n = 0;
    const char *body;

    assert_int_equal(err, LX_OK);
    assert_int_equal(lx_http_msg_status(resp), 200);
    body = lx_http_msg_body(resp, &n);
    LX_UNUSED(errmsg);
    f->depth = cJSON_ParseWithLength(body, n);
    assert_non_null(f->depth);
}

/*
 * The mock's book now, as {"lastUpdateId":..,"bids":[[p,q],..],"asks":..}
 * (owned by f->depth): the state dump on spot, GET /fapi/v1/depth on
 * USD-M (answered at this instant: the in-memory transport and the mock
 * take no virtual time).
 */
static const cJSON *mock_book(struct fx *f)
{
    struct lx_http_msg *req = NULL;
    struct lx_mock_sb sb;

    cJSON_Delete(f->depth);
    f->depth = NULL;
    if (f->usdm) {
        assert_int_equal(
            lx_http_msg_new_request(&req, NULL, "GET",
                                    "/fapi/v1/depth?symbol=BTCUSDT&limit=1000"),
            LX_OK);
        assert_int_equal(
            lx_http_client_send(f->side, "http://mock", req, 0, depth_cb, f),
            LX_OK);
        assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock)),
                         LX_OK);
        assert_non_null(f->depth);
        return f->depth;
    }
    lx_mock_sb_init(&sb);
    assert_int_equal(lx_mock_bn_spot_state(f->spot, 100000, &sb), LX_OK);
    f->depth = cJSON_Parse(sb.buf);
    lx_mock_sb_free(&sb);
    assert_non_null(f->depth);
    return cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(f->depth, "books"), "BTCUSDT");
}

/* The connector's synced book equals the mock's, level for level. */
static void assert_same_as_mock(struct fx *f, const struct lx_book *b)
{
    const cJSON *book = mock_book(f), *id;

    assert_non_null(book);
    id = cJSON_GetObjectItemCaseSensitive(book, "lastUpdateId");
    assert_true(cJSON_IsNumber(id));
    /* Later changes that cancel out move the venue's id with no diff. */
    assert_true(lx_book_update_id(b) <= (uint64_t)id->valuedouble);
    same_side(b, LX_BOOK_BID, cJSON_GetObjectItemCaseSensitive(book, "bids"));
    same_side(b, LX_BOOK_ASK, cJSON_GetObjectItemCaseSensitive(book, "asks"));
    assert_true(lx_book_depth(b, LX_BOOK_BID) > 0);
    assert_true(lx_book_depth(b, LX_BOOK_ASK) > 0);
}

static void run_for(struct fx *f, int64_t ns)
{
    assert_int_equal(lx_clock_run(f->clock, lx_clock_mono_ns(f->clock) + ns),
                     LX_OK);
}

/* Stops (or restarts) everything that moves the mock's book. */
static void pause_market(struct fx *f, bool paused)
{
    f->paused = paused;
    if (f->synth != NULL) {
        lx_mock_synth_clock(paused, 0, f->synth);
    }
}

/* Pauses the market, lets the diffs out, compares when synced. */
static void checkpoint(struct fx *f)
{
    const struct lx_book_sync *s = lx_exchange_book(f->ex, "BTCUSDT");

    pause_market(f, true);
    run_for(f, SETTLE_NS);
    assert_non_null(s);
    if (lx_book_sync_state(s) == LX_BOOK_SYNC_SYNCED) {
        assert_same_as_mock(f, lx_book_sync_book(s));
        f->compared++;
    } else {
        f->unsynced++;
        if (getenv("LX_TEST_VERBOSE") != NULL) {
            fprintf(stderr, "checkpoint: %s %s\n",
                    lx_book_sync_state_name(lx_book_sync_state(s)),
                    lx_book_sync_reason_name(lx_book_sync_reason(s)));
        }
    }
    pause_market(f, false);
}

/* Adds a fault rule to the mock's door, as its admin API would. */
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

/* The faults, by checkpoint: drops after a few frames (one while a
 * snapshot is the next thing the book needs), snapshots that fail. */
static void inject(struct fx *f, int i)
{
    char rule[160];

    switch (i) {
    case 4:
    case 11:
    case 19:
    case 27:
    case 33:
        (void)lx__snprintf(rule, sizeof(rule),
                           "{\"path\":\"*\",\"count\":1,\"ws\":\"drop\","
                           "\"after_frames\":%d}",
                           i == 19 ? 1 : i);
        fault(f, rule);
        break;
    case 19 + 1:
        fault(f, f->usdm ? "{\"path\":\"/fapi/v1/depth\",\"count\":2,"
                           "\"status\":503}"
                         : "{\"path\":\"/api/v3/depth\",\"count\":2,"
                           "\"status\":503}");
        fault(f, "{\"path\":\"*\",\"count\":1,\"ws\":\"drop\","
                 "\"after_frames\":2}");
        break;
    default:
        break;
    }
}

static void never_diverges(void **state)
{
    struct fx *f = *state;
    struct lx_book_sync_stats st;
    int i;

    lx_exchange_set_event_cb(f->ex, on_event, f);
    assert_int_equal(lx_exchange_watch_book(f->ex, "BTCUSDT", 1000), LX_OK);
    run_for(f, 3 * SEC);
    for (i = 0; i < CHECKPOINTS; i++) {
        inject(f, i);
        if (i == 15) {
            /* A book watched anew starts from its own snapshot. */
            assert_int_equal(lx_exchange_unwatch_book(f->ex, "BTCUSDT"), LX_OK);
            assert_int_equal(lx_exchange_watch_book(f->ex, "BTCUSDT", 1000),
                             LX_OK);
        }
        run_for(f, ACTIVE_NS);
        checkpoint(f);
    }
    /* Quiet end: the last loss has been made good too. */
    pause_market(f, true);
    run_for(f, 5 * SEC);
    assert_false(f->awaiting_resync);
    assert_same_as_mock(f,
                        lx_book_sync_book(lx_exchange_book(f->ex, "BTCUSDT")));

    /* Counters of the book watched since checkpoint 15. */
    lx_book_sync_get_stats(lx_exchange_book(f->ex, "BTCUSDT"), &st);
    if (getenv("LX_TEST_VERBOSE") != NULL) {
        fprintf(stderr,
                "moves %d (rejected %d), downs %d (aged %d), ups %d, resyncs "
                "%d, synced events %d, compared %d, unsynced %d, snapshots "
                "%llu, gaps %llu, applied %llu\n",
                f->moves, f->rejected, f->downs, f->aged, f->ups, f->resyncs,
                f->synced_events, f->compared, f->unsynced,
                (unsigned long long)st.snapshots, (unsigned long long)st.gaps,
                (unsigned long long)st.applied);
    }
    /*
     * Drops by fault (a rule taken by a connection that the lifetime limit
     * closes first is spent: 5 of the 6 fire) and by the 45 s limit.
     */
    assert_true(f->aged >= 4);
    assert_true(f->downs - f->aged >= 5);
    assert_int_equal(f->ups, f->downs + 1);
    assert_int_equal(f->resyncs, f->downs); /* after each loss, a resync */
    assert_true(st.snapshots >= 4);
    assert_true(f->compared >= CHECKPOINTS * 3 / 4);
    assert_true(f->moves > 1000);
    assert_true(st.applied > 500);
    if (f->verify) {
        /* Through drops and failing snapshots: never a false alarm. */
        struct lx_ex_book_stats es;
        assert_int_equal(lx_exchange_book_stats(f->ex, "BTCUSDT", &es), LX_OK);
        if (getenv("LX_TEST_VERBOSE") != NULL) {
            fprintf(stderr, "verifies %llu, matches %llu, skipped %llu\n",
                    (unsigned long long)es.verifies,
                    (unsigned long long)es.verify_matches,
                    (unsigned long long)es.verify_skipped);
        }
        assert_int_equal(es.verify_mismatches, 0);
        assert_true(es.verify_matches >= 20);
    }
}

static void test_spot_book_never_diverges(void **state)
{
    never_diverges(state);
}

static void test_usdm_book_never_diverges(void **state)
{
    never_diverges(state);
}

/* The same with the built-in verification every 2 s. */
static void test_spot_book_never_diverges_verified(void **state)
{
    never_diverges(state);
}

static void test_usdm_book_never_diverges_verified(void **state)
{
    never_diverges(state);
}

/* ---- forced resyncs, the book check, the built-in verification -------- */

/*
 * The book check of the tests: says no, resyncs, unwatches or frees on
 * the call numbered so (fail_at, resync_at, unwatch_at, free_at).
 */
static bool check(struct lx_exchange *ex, const char *symbol,
                  const struct lx_book *book, void *ud)
{
    struct fx *f = ud;
    const struct lx_book_sync *s = lx_exchange_book(ex, symbol);

    f->checks++;
    f->events_after_unwatch += f->unwatched;
    /* Called with the watched book, synced, and nothing else. */
    if (strcmp(symbol, "BTCUSDT") != 0 || s == NULL ||
        lx_book_sync_book(s) != book ||
        lx_book_sync_state(s) != LX_BOOK_SYNC_SYNCED ||
        lx_book_is_crossed(book)) {
        f->check_bad_book = true;
    }
    if (f->checks == f->resync_at) {
        assert_int_equal(lx_exchange_resync_book(ex, symbol), LX_OK);
        assert_int_equal(lx_book_sync_state(s), LX_BOOK_SYNC_RESYNC);
        assert_int_equal(lx_book_sync_reason(s), LX_BOOK_REASON_REQUESTED);
    }
    if (f->checks == f->unwatch_at) {
        assert_int_equal(lx_exchange_unwatch_book(ex, symbol), LX_OK);
        assert_null(lx_exchange_book(ex, symbol));
        /* the book stays readable for the rest of the call */
        (void)lx_book_hash(book, 10);
        f->unwatched = true;
        return false; /* for a book that is gone: nothing happens */
    }
    if (f->checks == f->free_at) {
        lx_exchange_free(ex);
        f->ex = NULL;
        return false;
    }
    return f->checks != f->fail_at;
}

static void sync_stats(struct fx *f, struct lx_book_sync_stats *st)
{
    const struct lx_book_sync *s = lx_exchange_book(f->ex, "BTCUSDT");

    assert_non_null(s);
    lx_book_sync_get_stats(s, st);
}

static void ex_stats(struct fx *f, struct lx_ex_book_stats *st)
{
    assert_int_equal(lx_exchange_book_stats(f->ex, "BTCUSDT", st), LX_OK);
}

/* Pauses, lets the diffs out, and the book must be SYNCED and the mock's. */
static void settle_and_compare(struct fx *f)
{
    const struct lx_book_sync *s = lx_exchange_book(f->ex, "BTCUSDT");

    pause_market(f, true);
    run_for(f, SETTLE_NS);
    assert_non_null(s);
    assert_int_equal(lx_book_sync_state(s), LX_BOOK_SYNC_SYNCED);
    assert_same_as_mock(f, lx_book_sync_book(s));
    pause_market(f, false);
}

static void watch(struct fx *f)
{
    lx_exchange_set_event_cb(f->ex, on_event, f);
    assert_int_equal(lx_exchange_watch_book(f->ex, "BTCUSDT", 1000), LX_OK);
    run_for(f, 3 * SEC);
    settle_and_compare(f);
}

/*
 * lx_exchange_resync_book: the book leaves SYNCED at once (reason
 * REQUESTED), the event comes on the next tick, a new snapshot is fetched
 * and bridged, and the book equals the mock's again; twice, the second
 * time while the market moves, and once from inside an LX_EV_BOOK.
 */
static void forced_resync(void **state)
{
    struct fx *f = *state;
    struct lx_book_sync_stats st0, st;
    struct lx_ex_book_stats es;
    const struct lx_book_sync *s;
    int events;

    assert_int_equal(lx_exchange_resync_book(f->ex, "BTCUSDT"),
                     LX_ERR_NOTFOUND);
    assert_int_equal(lx_exchange_resync_book(f->ex, ""), LX_ERR_INVAL);
    assert_int_equal(lx_exchange_resync_book(NULL, "BTCUSDT"), LX_ERR_INVAL);
    watch(f);
    s = lx_exchange_book(f->ex, "BTCUSDT");
    sync_stats(f, &st0);

    /* The market paused: nothing else could resync it. */
    pause_market(f, true);
    run_for(f, SETTLE_NS);
    events = f->book_events;
    f->in_call = true;
    assert_int_equal(lx_exchange_resync_book(f->ex, "BTCUSDT"), LX_OK);
    f->in_call = false;
    assert_int_equal(lx_book_sync_state(s), LX_BOOK_SYNC_RESYNC);
    assert_int_equal(lx_book_sync_reason(s), LX_BOOK_REASON_REQUESTED);
    assert_int_equal(lx_book_depth(lx_book_sync_book(s), LX_BOOK_BID), 0);
    assert_int_equal(f->book_events, events);
    run_for(f, 1 * MS); /* the next tick reports it */
    assert_int_equal(f->by_reason[LX_BOOK_REASON_REQUESTED], 1);
    run_for(f, SETTLE_NS);
    assert_int_equal(lx_book_sync_state(s), LX_BOOK_SYNC_SYNCED);
    assert_same_as_mock(f, lx_book_sync_book(s));
    sync_stats(f, &st);
    assert_int_equal(st.resyncs, st0.resyncs + 1);
    assert_int_equal(st.snapshots, st0.snapshots + 1);

    /* While the market moves: the buffered diffs bridge the snapshot. */
    pause_market(f, false);
    run_for(f, 2 * SEC);
    assert_int_equal(lx_exchange_resync_book(f->ex, "BTCUSDT"), LX_OK);
    /* twice in a row is one resync */
    assert_int_equal(lx_exchange_resync_book(f->ex, "BTCUSDT"), LX_OK);
    run_for(f, 4 * SEC);
    settle_and_compare(f);
    sync_stats(f, &st);
    assert_int_equal(st.resyncs, st0.resyncs + 2);
    /* USD-M: a snapshot taken at the book's own id is "too old" for the
     * venue's rule (no buffered diff holds it): one more may follow. */
    assert_true(st.snapshots >= st0.snapshots + 2);

    /* From inside an LX_EV_BOOK (the next SYNCED one). */
    f->ev_resync_at = f->synced_events + 1;
    run_for(f, 4 * SEC);
    settle_and_compare(f);
    sync_stats(f, &st);
    assert_int_equal(st.resyncs, st0.resyncs + 3);
    assert_int_equal(f->by_reason[LX_BOOK_REASON_REQUESTED], 3);
    ex_stats(f, &es);
    assert_int_equal(es.requested, 4);
    assert_int_equal(es.checks, 0); /* no check set */
    assert_int_equal(st.gaps, st0.gaps);
    assert_int_equal(f->downs, 0);
}

static void test_spot_forced_resync(void **state)
{
    forced_resync(state);
}

static void test_usdm_forced_resync(void **state)
{
    forced_resync(state);
}

/*
 * A check that says no once: exactly one resync, reported as
 * CHECK_FAILED, and the book is the mock's again; one that always says
 * yes changes nothing (no resync, one snapshot, every diff checked).
 */
static void check_once(void **state)
{
    struct fx *f = *state;
    struct lx_book_sync_stats st0, st;
    struct lx_ex_book_stats es;

    lx_exchange_set_book_check(f->ex, check, f);
    watch(f);
    sync_stats(f, &st0);
    assert_int_equal(st0.resyncs, 0);
    assert_int_equal(st0.snapshots, 1);
    ex_stats(f, &es);
    /* every applied diff once, and the sync */
    assert_true(es.checks > 0);
    assert_true(es.checks <= st0.applied + st0.snapshots);
    assert_int_equal(es.checks, (uint64_t)f->checks);

    /* Always true for 10 s: nothing changes. */
    run_for(f, 10 * SEC);
    settle_and_compare(f);
    sync_stats(f, &st);
    assert_int_equal(st.resyncs, 0);
    assert_int_equal(st.snapshots, 1);
    assert_int_equal(f->by_reason[LX_BOOK_REASON_CHECK_FAILED], 0);
    ex_stats(f, &es);
    assert_int_equal(es.check_failures, 0);
    /* one snapshot, so every applied diff but the bridged ones checked */
    assert_true(es.checks + 20 >= st.applied);
    assert_true(st.applied > 50);

    /* False once. */
    f->fail_at = f->checks + 5;
    run_for(f, 6 * SEC);
    settle_and_compare(f);
    sync_stats(f, &st);
    assert_int_equal(st.resyncs, 1);
    /* USD-M: a snapshot at the very id the book had is "too old" for the
     * venue's rule (no diff holds it): another one follows. */
    assert_true(st.snapshots >= 2);
    assert_int_equal(f->by_reason[LX_BOOK_REASON_CHECK_FAILED], 1);
    ex_stats(f, &es);
    assert_int_equal(es.check_failures, 1);
    assert_false(f->check_bad_book);
    assert_int_equal(f->downs, 0);
}

static void test_spot_check_once(void **state)
{
    check_once(state);
}

static void test_usdm_check_once(void **state)
{
    check_once(state);
}

static bool always_true(struct lx_exchange *ex, const char *symbol,
                        const struct lx_book *book, void *ud)
{
    struct fx *f = ud;

    LX_UNUSED(ex);
    LX_UNUSED(symbol);
    LX_UNUSED(book);
    f->checks++;
    return true;
}

/*
 * The same session (seeded, on the virtual clock) twice, without and with
 * a check that always says yes: the same LX_EV_BOOK events, in the same
 * states, with the same books.
 */
static void test_spot_check_true_changes_nothing(void **state)
{
    uint64_t trace[2];
    int events[2], pass;

    LX_UNUSED(state);
    for (pass = 0; pass < 2; pass++) {
        struct fx *f = make(false, 0);
        void *st = f;
        if (pass == 1) {
            lx_exchange_set_book_check(f->ex, always_true, f);
        }
        f->trace = 14695981039346656037u;
        watch(f);
        run_for(f, 15 * SEC);
        settle_and_compare(f);
        trace[pass] = f->trace;
        events[pass] = f->book_events;
        assert_true(pass == 0 ? f->checks == 0 : f->checks > 100);
        assert_true(f->synced_events > 100);
        assert_int_equal(teardown(&st), 0);
    }
    assert_int_equal(events[0], events[1]);
    assert_true(trace[0] == trace[1]);
}

/*
 * From inside the check: a resync (the check then says yes: one resync,
 * REQUESTED; or no: still one resync, CHECK_FAILED), an unwatch (nothing
 * of the book follows, and it may be watched again), a free.
 */
static void test_spot_check_reentry(void **state)
{
    struct fx *f = *state;
    struct lx_book_sync_stats st;
    struct lx_ex_book_stats es;

    lx_exchange_set_book_check(f->ex, check, f);
    watch(f);

    f->resync_at = f->checks + 3; /* and true */
    run_for(f, 5 * SEC);
    settle_and_compare(f);
    sync_stats(f, &st);
    assert_int_equal(st.resyncs, 1);
    assert_int_equal(f->by_reason[LX_BOOK_REASON_REQUESTED], 1);

    f->resync_at = f->fail_at = f->checks + 3; /* and false */
    run_for(f, 5 * SEC);
    settle_and_compare(f);
    sync_stats(f, &st);
    assert_int_equal(st.resyncs, 2);
    assert_int_equal(f->by_reason[LX_BOOK_REASON_CHECK_FAILED], 1);
    ex_stats(f, &es);
    assert_int_equal(es.requested, 2);
    assert_int_equal(es.check_failures, 1);

    f->unwatch_at = f->checks + 3;
    run_for(f, 5 * SEC);
    assert_true(f->unwatched);
    assert_null(lx_exchange_book(f->ex, "BTCUSDT"));
    assert_int_equal(f->events_after_unwatch, 0);
    assert_int_equal(lx_exchange_resync_book(f->ex, "BTCUSDT"),
                     LX_ERR_NOTFOUND);
    assert_int_equal(lx_exchange_book_stats(f->ex, "BTCUSDT", &es),
                     LX_ERR_NOTFOUND);

    /* Watched again: a new sync, checked from its first snapshot. */
    f->unwatched = false;
    assert_int_equal(lx_exchange_watch_book(f->ex, "BTCUSDT", 1000), LX_OK);
    run_for(f, 3 * SEC);
    settle_and_compare(f);
    ex_stats(f, &es);
    assert_true(es.checks > 0);
    assert_int_equal(es.check_failures, 0);

    f->free_at = f->checks + 3;
    run_for(f, 5 * SEC);
    assert_null(f->ex); /* teardown frees nothing twice */
    assert_false(f->check_bad_book);
}

/*
 * The built-in verification on an honest stream: rounds run, those that
 * reach a common update id match, nothing resyncs.
 */
static void verify_matches(void **state)
{
    struct fx *f = *state;
    struct lx_book_sync_stats st;
    struct lx_ex_book_stats es;
    int i;

    watch(f);
    for (i = 0; i < 4; i++) { /* within the connection's 45 s */
        run_for(f, ACTIVE_NS);
        checkpoint(f);
    }
    sync_stats(f, &st);
    ex_stats(f, &es);
    if (getenv("LX_TEST_VERBOSE") != NULL) {
        fprintf(stderr,
                "verifies %llu, matches %llu, mismatches %llu, skipped %llu, "
                "applied %llu\n",
                (unsigned long long)es.verifies,
                (unsigned long long)es.verify_matches,
                (unsigned long long)es.verify_mismatches,
                (unsigned long long)es.verify_skipped,
                (unsigned long long)st.applied);
    }
    assert_true(es.verifies >= 6);
    assert_true(es.verify_matches >= es.verifies / 2);
    assert_int_equal(es.verify_mismatches, 0);
    assert_true(es.verify_matches + es.verify_skipped <= es.verifies);
    assert_int_equal(st.resyncs, 0);
    assert_int_equal(st.snapshots, 1);
    assert_int_equal(f->by_reason[LX_BOOK_REASON_VERIFY_FAILED], 0);
    assert_int_equal(f->compared, 4);
    assert_int_equal(f->downs, 0);
}

static void test_spot_verify_matches(void **state)
{
    verify_matches(state);
}

static void test_usdm_verify_matches(void **state)
{
    verify_matches(state);
}

/*
 * A book that diverged without a gap (a bit flip, a bug: simulated by
 * writing a level no diff will touch into the connector's book) is
 * caught by the next verification, resynced once, and equals the mock's
 * again; the rounds after that match.
 */
static void verify_catches(void **state)
{
    struct fx *f = *state;
    struct lx_book_sync_stats st;
    struct lx_ex_book_stats es;
    struct lx_book_level bogus;
    struct lx_book *b;

    watch(f);
    b = (struct lx_book *)lx_book_sync_book(lx_exchange_book(f->ex, "BTCUSDT"));
    bogus.price = lx_decimal_from_i64(1, 0); /* a bid at 1 */
    bogus.qty = lx_decimal_from_i64(7, 0);
    assert_int_equal(lx_book_update(b, &bogus, 1, NULL, 0), LX_OK);
    run_for(f, 3 * SEC);
    sync_stats(f, &st);
    ex_stats(f, &es);
    assert_int_equal(es.verify_mismatches, 1);
    assert_int_equal(st.resyncs, 1);
    assert_int_equal(f->by_reason[LX_BOOK_REASON_VERIFY_FAILED], 1);
    run_for(f, 6 * SEC);
    settle_and_compare(f);
    ex_stats(f, &es);
    sync_stats(f, &st);
    assert_int_equal(es.verify_mismatches, 1);
    assert_int_equal(st.resyncs, 1);
    assert_true(es.verify_matches >= 1);
}

static void test_spot_verify_catches(void **state)
{
    verify_catches(state);
}

static void test_usdm_verify_catches(void **state)
{
    verify_catches(state);
}

/*
 * lx_book_sync_resync on its own: the forced exit from SYNCED the
 * connector builds on, and the buffered diffs bridging the next snapshot.
 */
static void test_book_sync_resync(void **state)
{
    struct lx_book_level bid = {lx_decimal_from_i64(100, 0),
                                lx_decimal_from_i64(1, 0)};
    struct lx_book_level ask = {lx_decimal_from_i64(101, 0),
                                lx_decimal_from_i64(2, 0)};
    struct lx_book_snapshot snap = {10, &bid, 1, &ask, 1};
    struct lx_book_diff d;
    struct lx_book_sync_stats st;
    struct lx_book_sync *s;
    enum lx_book_action action;

    LX_UNUSED(state);
    assert_int_equal(
        lx_book_sync_new(&s, NULL, LX_BOOK_RULES_BINANCE_SPOT, NULL), LX_OK);
    assert_int_equal(lx_book_sync_resync(NULL, LX_BOOK_REASON_REQUESTED),
                     LX_ERR_INVAL);
    assert_int_equal(lx_book_sync_resync(s, LX_BOOK_REASON_NONE), LX_ERR_INVAL);
    assert_int_equal(lx_book_sync_resync(s, (enum lx_book_sync_reason)99),
                     LX_ERR_INVAL);
    /* Not synced: only the reason changes. */
    assert_int_equal(lx_book_sync_resync(s, LX_BOOK_REASON_REQUESTED), LX_OK);
    assert_int_equal(lx_book_sync_state(s), LX_BOOK_SYNC_BUFFERING);
    assert_int_equal(lx_book_sync_reason(s), LX_BOOK_REASON_REQUESTED);
    assert_int_equal(lx_book_sync_snapshot(s, &snap), LX_OK);
    assert_int_equal(lx_book_sync_state(s), LX_BOOK_SYNC_SYNCED);

    memset(&d, 0, sizeof(d));
    d.first_id = 11;
    d.final_id = 12;
    bid.qty = lx_decimal_from_i64(3, 0);
    d.bids = &bid;
    d.nbids = 1;
    assert_int_equal(lx_book_sync_diff(s, &d, &action), LX_OK);
    assert_int_equal(action, LX_BOOK_ACTION_APPLIED);

    /* Synced: out at once, the book emptied, the stream buffered. */
    assert_int_equal(lx_book_sync_resync(s, LX_BOOK_REASON_CHECK_FAILED),
                     LX_OK);
    assert_int_equal(lx_book_sync_state(s), LX_BOOK_SYNC_RESYNC);
    assert_int_equal(lx_book_sync_reason(s), LX_BOOK_REASON_CHECK_FAILED);
    assert_int_equal(lx_book_depth(lx_book_sync_book(s), LX_BOOK_BID), 0);
    d.first_id = 13;
    d.final_id = 14;
    bid.qty = lx_decimal_from_i64(4, 0);
    assert_int_equal(lx_book_sync_diff(s, &d, &action), LX_OK);
    assert_int_equal(action, LX_BOOK_ACTION_BUFFERED);
    /* A snapshot inside the buffered diff (Binance spot takes U <= id + 1
     * but rejects id < U: 12 would be "too old"). */
    snap.last_update_id = 13;
    bid.qty = lx_decimal_from_i64(3, 0);
    assert_int_equal(lx_book_sync_snapshot(s, &snap), LX_OK);
    assert_int_equal(lx_book_sync_state(s), LX_BOOK_SYNC_SYNCED);
    assert_int_equal(lx_book_update_id(lx_book_sync_book(s)), 14);
    lx_book_sync_get_stats(s, &st);
    assert_int_equal(st.resyncs, 1);
    assert_string_equal(lx_book_sync_reason_name(LX_BOOK_REASON_REQUESTED),
                        "REQUESTED");
    assert_string_equal(lx_book_sync_reason_name(LX_BOOK_REASON_CHECK_FAILED),
                        "CHECK_FAILED");
    assert_string_equal(lx_book_sync_reason_name(LX_BOOK_REASON_VERIFY_FAILED),
                        "VERIFY_FAILED");
    assert_string_equal(lx_book_sync_reason_name(10), "?");
    lx_book_sync_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_book_sync_resync),
        cmocka_unit_test_setup_teardown(test_spot_book_never_diverges,
                                        setup_spot, teardown),
        cmocka_unit_test_setup_teardown(test_usdm_book_never_diverges,
                                        setup_usdm, teardown),
        cmocka_unit_test_setup_teardown(test_spot_book_never_diverges_verified,
                                        setup_spot_verify, teardown),
        cmocka_unit_test_setup_teardown(test_usdm_book_never_diverges_verified,
                                        setup_usdm_verify, teardown),
        cmocka_unit_test_setup_teardown(test_spot_forced_resync, setup_spot,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_usdm_forced_resync, setup_usdm,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_spot_check_once, setup_spot,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_usdm_check_once, setup_usdm,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_spot_check_reentry, setup_spot,
                                        teardown),
        cmocka_unit_test(test_spot_check_true_changes_nothing),
        cmocka_unit_test_setup_teardown(test_spot_verify_matches,
                                        setup_spot_verify, teardown),
        cmocka_unit_test_setup_teardown(test_usdm_verify_matches,
                                        setup_usdm_verify, teardown),
        cmocka_unit_test_setup_teardown(test_spot_verify_catches,
                                        setup_spot_verify, teardown),
        cmocka_unit_test_setup_teardown(test_usdm_verify_catches,
                                        setup_usdm_verify, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
