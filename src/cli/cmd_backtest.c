/*
 * cmd_backtest.c - `lotusx backtest`: runs a strategy (lx_strategy.h)
 * against the simulated Binance spot of lotusx-mock in one process, over
 * the in-memory transport on a virtual clock: no sockets, no wall-clock
 * waits, and the same seed, strategy and parameters give a byte-identical
 * JSON report.
 *
 * The market is the mock's seeded synthetic market (a random-walk ladder
 * with background trades), or with --capture a recorded market replayed
 * into the venue's engine (mock/venues/binance/tape.h: the recorded book
 * as resting liquidity, recorded trades as orders taking it, so the
 * strategy's resting orders keep a queue position). The strategy's orders
 * go through the real lx_exchange connector, the real HTTP/WebSocket code
 * and the mock's matching engine, so fills, fees and balances are the
 * venue's.
 *
 * The report: the fills, fees per asset, start and end balances (the end
 * ones as the venue reports them, checked against the fills), PnL and
 * maximum drawdown in the quote asset marked to the mid price each second,
 * and event counts. Progress goes to stderr on a TTY.
 *
 * With --venue binanceusdm the venue is the simulated Binance USD-M
 * futures venue and the symbol a linear perpetual. Its market is
 * lotusx-mock's seeded USD-M maker (mock/venues/binance/usdm_maker.h: a
 * random-walk reference it quotes around and sets the mark to, and a
 * taker's small market orders), or with --capture the tape, which also
 * sets the mark. The venue settles funding on its 8-hourly schedule, and
 * the report gives the position, realized and unrealized PnL, fees,
 * funding and liquidations, with the wallet balance checked against the
 * venue (docs/backtest.md, "Perpetuals").
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "cli/cli.h"
#include "cli/report_html.h"
#include "cli/strategies.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_decimal.h"
#include "lotusx/lx_exchange.h"
#include "lotusx/lx_http.h"
#include "lotusx/lx_net.h"
#include "lotusx/lx_secret.h"
#include "lotusx/lx_strategy.h"
#include "mock/feed/synth.h"
#include "mock/server/mock.h"
#include "mock/venues/binance/dialect.h"
#include "mock/venues/binance/spot.h"
#include "mock/venues/binance/streams.h"
#include "mock/venues/binance/tape.h"
#include "mock/venues/binance/usdm.h"
#include "mock/venues/binance/usdm_maker.h"
#include "replay/cmd_capture_int.h"

#define SEC        ((int64_t)1000000000)
#define T0         ((int64_t)1767225600 * SEC) /* 2026-01-01 00:00:00 UTC */
#define MS         ((int64_t)1000000)
#define KEY        "lotusx-backtest-key"
#define SECRET     "lotusx-backtest-secret"
#define MAX_PARAMS 32
#define SCALE      8   /* amounts in the report */
#define MAX_FUND   128 /* funding settlements checked (8-hourly: 42 days) */

/* The command being run, for messages: "lotusx backtest" or "paper". */
static const char *g_cmd = "lotusx backtest";

/* A funding settlement as the user stream told it (perps). */
struct bt_fund {
    int64_t ms;                    /* when it reached the strategy */
    struct lx_decimal size, delta; /* the position then; the wallet's move */
};

struct bt_fill {
    int64_t ms;
    enum lx_side side;
    bool maker;
    struct lx_decimal price, qty, fee, rpnl;
    char fee_asset[LX_ASSET_LEN];
    char client_id[LX_CLIENT_ID_LEN];
};

struct lx_strategy_ctx {
    /* options */
    const struct lx_strategy *strat;
    uint64_t seed;
    int64_t duration_s;
    const char *symbol;
    const char *params[MAX_PARAMS][2];
    int nparams;
    int quiet, progress;
    const char *capture;    /* --capture FILE, or NULL: synthetic market */
    int64_t from_ns, to_ns; /* --from / --to */
    int64_t t0;             /* wall time the run starts at */
    int64_t order_lat_ms;   /* --order-latency: request to venue */
    int64_t feed_lat_ms;    /* --feed-latency: venue frame to client */
    bool paper;             /* `lotusx paper`: a venue over the network */
    bool tcp;               /* --tcp: the venue on 127.0.0.1, real sockets */
    const char *html;       /* --html FILE */
    char tcp_rest[64], tcp_ws[64];
    const char *rest_url, *ws_url;
    bool have_start; /* paper: the start balances came from the venue */
    bool duration_set;
    bool perp; /* --venue binanceusdm: a USD-M perpetual */
    /* world */
    struct event_base *base;
    struct lx_clock *clock;
    struct lx_net *net;
    struct lx_http_server *srv;
    struct lx_mock_door *door;
    struct lx_mock_bn_hub *hub;
    struct lx_mock_bn_spot *spot;
    struct lx_mock_bn_usdm *usdm;
    struct lx_mock_synth *synth;
    struct lx_mock_tape *tape;
    struct lx_mock_bn_usdm_maker *umaker; /* perps without --capture */
    struct lx_capture_error cerr;
    struct lx_secret *secret, *mm_secret;
    struct lx_creds *creds;
    struct lx_exchange *ex;
    struct lx_timer *strat_timer, *sample_timer, *end_timer;
    void *st;
    /* run state */
    int started, stopped, failed, done;
    char why[256];
    struct lx_decimal tick;
    struct lx_decimal base_bal, quote_bal, base0, quote0;
    struct lx_decimal start_mid, last_mid;
    struct lx_decimal equity_peak, max_dd;
    bool have_mid, have_peak;
    struct bt_fill *fills;
    size_t nfills, capfills;
    struct lx_bt_point *pts; /* one per second, for --html */
    size_t npts, cappts;
    uint64_t n_book, n_trade, n_order, n_raw, n_status;
    int64_t t_start_ns;
    char end_balances[256];
    /* perpetuals: wallet (margin asset) and what moved it, the venue's
     * position at the end */
    struct lx_decimal wallet0, wallet_end, rpnl, fees, funding;
    struct lx_decimal fund_paid, fund_recv; /* its two parts, both >= 0 */
    struct lx_decimal pos_size, pos_entry, pos_upnl, end_mark;
    uint64_t n_funding;
    struct bt_fund fund[MAX_FUND];
};

static const struct lx_mock_bn_symbol_cfg sym_cfg = {
    "BTCUSDT", "BTC",  "USDT", "0.01",    "0.00001",
    "0.00001", "9000", "0.01", "1000000", "5"};

/* The perpetual: Binance USD-M's BTCUSDT filters (as lotusx-mock's). */
static const struct lx_mock_bn_symbol_cfg perp_cfg = {
    "BTCUSDT", "BTC",  "USDT",  "0.1",     "0.001",
    "0.001",   "1000", "556.8", "4529764", "100"};

/* ---- the strategy context API ----------------------------------------------
 */

struct lx_exchange *lx_strategy_exchange(struct lx_strategy_ctx *c)
{
    return c->ex;
}

const char *lx_strategy_symbol(const struct lx_strategy_ctx *c)
{
    return c->symbol;
}

const struct lx_instrument *
lx_strategy_instrument(const struct lx_strategy_ctx *c)
{
    return lx_exchange_instrument(c->ex, c->symbol);
}

int64_t lx_strategy_now_ms(const struct lx_strategy_ctx *c)
{
    return lx_clock_wall_ms(c->clock);
}

const char *lx_strategy_param(const struct lx_strategy_ctx *c, const char *key,
                              const char *def)
{
    int i;

    for (i = 0; i < c->nparams; i++) {
        if (strcmp(c->params[i][0], key) == 0) {
            return c->params[i][1];
        }
    }
    return def;
}

int lx_strategy_set_timer(struct lx_strategy_ctx *c, int64_t period_ms)
{
    if (period_ms < 0) {
        return LX_ERR_INVAL;
    }
    if (period_ms == 0) {
        lx_timer_stop(c->strat_timer);
        return LX_OK;
    }
    return lx_timer_start(c->strat_timer, period_ms * 1000000,
                          period_ms * 1000000);
}

void lx_strategy_log(struct lx_strategy_ctx *c, const char *msg)
{
    if (!c->quiet) {
        fprintf(stderr, "backtest: [%lld] %s\n",
                (long long)(lx_clock_wall_ms(c->clock) - c->t0 / MS), msg);
    }
}

/* ---- accounting
 * --------------------------------------------------------------- */

static void fail(struct lx_strategy_ctx *c, const char *what, const char *why)
{
    if (!c->failed) {
        lx__snprintf(c->why, sizeof(c->why), "%s: %s", what, why);
    }
    c->failed = 1;
    c->done = 1;
    lx_clock_stop_run(c->clock);
}

static int dec(const char *s, struct lx_decimal *out)
{
    return lx_decimal_parse(s, strlen(s), out);
}

/* a + b * k at the report scale (k = +1 or -1). */
static int acc(struct lx_decimal *a, struct lx_decimal b, int k)
{
    struct lx_decimal r;
    int rc = k > 0 ? lx_decimal_add(*a, b, &r) : lx_decimal_sub(*a, b, &r);

    if (rc == LX_OK) {
        rc = lx_decimal_rescale(r, SCALE, LX_ROUND_EXACT, a);
    }
    return rc;
}

static int apply_fill(struct lx_strategy_ctx *c, const struct lx_order *o)
{
    const struct lx_instrument *in = lx_strategy_instrument(c);
    struct lx_decimal notional;
    struct bt_fill *f;
    int rc;

    if (c->nfills == c->capfills) {
        size_t cap = c->capfills ? c->capfills * 2 : 256;
        f = lx__realloc(NULL, c->fills, cap * sizeof(*f));
        if (f == NULL) {
            return LX_ERR_NOMEM;
        }
        c->fills = f;
        c->capfills = cap;
    }
    f = &c->fills[c->nfills++];
    memset(f, 0, sizeof(*f));
    f->ms = o->event_ms;
    f->side = o->side;
    f->maker = o->maker;
    f->price = o->last_price;
    f->qty = o->last_qty;
    f->fee = o->commission;
    f->rpnl = o->realized_pnl;
    memcpy(f->fee_asset, o->commission_asset, sizeof(f->fee_asset));
    memcpy(f->client_id, o->client_id, sizeof(f->client_id));
    rc = lx_decimal_mul(o->last_price, o->last_qty, SCALE, LX_ROUND_EXACT,
                        &notional);
    if (rc == LX_OK) {
        rc = acc(&c->base_bal, o->last_qty, o->side == LX_SIDE_BUY ? 1 : -1);
    }
    if (rc == LX_OK) {
        rc = acc(&c->quote_bal, notional, o->side == LX_SIDE_BUY ? -1 : 1);
    }
    if (rc == LX_OK && in != NULL && strcmp(f->fee_asset, in->base) == 0) {
        rc = acc(&c->base_bal, o->commission, -1);
    } else if (rc == LX_OK && in != NULL &&
               strcmp(f->fee_asset, in->quote) == 0) {
        rc = acc(&c->quote_bal, o->commission, -1);
        if (rc == LX_OK && c->perp) {
            rc = acc(&c->fees, o->commission, 1);
        }
    }
    if (rc == LX_OK && c->perp) {
        rc = acc(&c->rpnl, o->realized_pnl, 1);
    }
    return rc;
}

/*
 * The strategy's liquidations so far (perps), as the market that set the
 * marks counted them: the tape or the synthetic maker.
 */
static uint64_t liq_count(const struct lx_strategy_ctx *c)
{
    struct lx_mock_bn_usdm_maker_stats m;
    struct lx_mock_tape_stats t;

    if (c->tape != NULL) {
        lx_mock_tape_get_stats(c->tape, &t);
        return t.liquidations;
    }
    lx_mock_bn_usdm_maker_get_stats(c->umaker, &m);
    return m.liquidations;
}

/* What liquidations took from the strategy's wallet so far (perps). */
static struct lx_decimal liq_wallet(const struct lx_strategy_ctx *c)
{
    struct lx_mock_bn_usdm_maker_stats m;
    struct lx_mock_tape_stats t;
    struct lx_decimal d = {0, SCALE};

    if (c->tape != NULL) {
        lx_mock_tape_get_stats(c->tape, &t);
        d.m = t.liq_wallet; /* margin units of 10^-8 = SCALE */
    } else if (c->umaker != NULL) {
        lx_mock_bn_usdm_maker_get_stats(c->umaker, &m);
        d.m = m.liq_wallet;
    }
    return d;
}

/* The wallet the fills, funding and liquidations add up to (perps). */
static int expected_wallet(const struct lx_strategy_ctx *c,
                           struct lx_decimal *out)
{
    int rc;

    *out = c->wallet0;
    rc = acc(out, c->rpnl, 1);
    rc = rc != LX_OK ? rc : acc(out, c->fees, -1);
    rc = rc != LX_OK ? rc : acc(out, c->funding, 1);
    return rc != LX_OK ? rc : acc(out, liq_wallet(c), 1);
}

/*
 * A funding settlement on the user stream (ACCOUNT_UPDATE, FUNDING_FEE):
 * the venue's new wallet balance less the one the fills add up to.
 */
static int apply_funding(struct lx_strategy_ctx *c,
                         const struct lx_ex_event *ev)
{
    const struct lx_instrument *in = lx_strategy_instrument(c);
    struct lx_decimal want, d;
    size_t i;
    int rc;

    if (in == NULL || ev->u.account.reason == NULL ||
        strcmp(ev->u.account.reason, "FUNDING_FEE") != 0) {
        return LX_OK;
    }
    for (i = 0; i < ev->u.account.nbalances; i++) {
        const struct lx_balance *b = &ev->u.account.balances[i];
        if (strcmp(b->asset, in->quote) != 0) {
            continue;
        }
        rc = expected_wallet(c, &want);
        if (rc == LX_OK) {
            rc = lx_decimal_sub(b->wallet, want, &d);
        }
        if (rc == LX_OK) {
            rc = acc(&c->funding, d, 1);
        }
        if (rc == LX_OK) {
            rc = d.m < 0 ? acc(&c->fund_paid, d, -1) : acc(&c->fund_recv, d, 1);
        }
        if (rc == LX_OK) {
            rc = acc(&c->quote_bal, d, 1);
        }
        if (rc == LX_OK && c->n_funding < MAX_FUND) {
            struct bt_fund *fu = &c->fund[c->n_funding];
            size_t k;
            fu->ms = lx_clock_wall_ms(c->clock);
            fu->delta = d;
            fu->size = lx_decimal_from_i64(0, 0);
            for (k = 0; k < ev->u.account.npositions; k++) {
                if (strcmp(ev->u.account.positions[k].symbol, c->symbol) == 0) {
                    fu->size = ev->u.account.positions[k].amount;
                }
            }
        }
        c->n_funding++;
        return rc;
    }
    return LX_OK;
}

/*
 * What a funding settlement must have moved the wallet by: |size| x mark
 * x |rate|, paid by longs on a positive rate (rounded up to 10^-8) and
 * received by the others (rounded down), as the venue settles it.
 */
static int funding_due(struct lx_decimal size, const struct lx_funding_rate *f,
                       struct lx_decimal *out)
{
    struct lx_decimal a, m, r, n;
    bool pay = (size.m > 0) == (f->rate.m > 0);
    /* The notional at its own scale (size's + mark's decimals): exact,
     * and it fits where a fixed 16 decimals would overflow above ~922. */
    unsigned sc = (unsigned)size.scale + (unsigned)f->mark.scale;
    int rc = lx_decimal_abs(size, &a);

    rc = rc != LX_OK ? rc : lx_decimal_abs(f->rate, &r);
    rc = rc != LX_OK ? rc
                     : lx_decimal_mul(a, f->mark, sc > 18 ? 18 : sc,
                                      LX_ROUND_EXACT, &m);
    rc = rc != LX_OK ? rc
                     : lx_decimal_mul(m, r, SCALE,
                                      pay ? LX_ROUND_UP : LX_ROUND_DOWN, &n);
    if (rc == LX_OK && pay) {
        rc = lx_decimal_neg(n, &n);
    }
    *out = n;
    return rc;
}

/*
 * Perps: every funding settlement the user stream told must be what the
 * venue's funding history (time, rate, mark) gives for the position then.
 */
static void on_funding_history(struct lx_exchange *ex,
                               const struct lx_ex_result *r, void *ud)
{
    struct lx_strategy_ctx *c = ud;
    size_t i, k, n = c->n_funding < MAX_FUND ? c->n_funding : MAX_FUND;

    LX_UNUSED(ex);
    c->done = 1;
    lx_clock_stop_run(c->clock);
    if (r->err != LX_OK) {
        fail(c, "funding", r->errmsg);
        return;
    }
    for (i = 0; i < n; i++) {
        const struct lx_funding_rate *best = NULL;
        struct lx_decimal due;
        for (k = 0; k < r->nfunding; k++) {
            if (r->funding[k].funding_ms <= c->fund[i].ms &&
                (best == NULL || r->funding[k].funding_ms > best->funding_ms)) {
                best = &r->funding[k];
            }
        }
        if (best == NULL || funding_due(c->fund[i].size, best, &due) != LX_OK ||
            lx_decimal_cmp(due, c->fund[i].delta) != 0) {
            fail(c, "funding",
                 "a funding settlement differs from the venue's rate, mark "
                 "and the position");
            return;
        }
    }
}

/* One sample of the run for the HTML report (dropped if out of memory). */
static void add_point(struct lx_strategy_ctx *c, struct lx_decimal eq,
                      struct lx_decimal dd)
{
    struct lx_bt_point *p;

    if (c->npts == c->cappts) {
        size_t cap = c->cappts ? c->cappts * 2 : 1024;
        p = lx__realloc(NULL, c->pts, cap * sizeof(*p));
        if (p == NULL) {
            return;
        }
        c->pts = p;
        c->cappts = cap;
    }
    p = &c->pts[c->npts++];
    p->ms = lx_clock_wall_ms(c->clock);
    p->mid = c->last_mid;
    p->equity = eq;
    p->drawdown = dd;
    p->position = c->base_bal;
}

/* Equity in quote = quote + base * mid; tracks the peak and drawdown. */
static void sample_cb(struct lx_timer *t, void *ud)
{
    struct lx_strategy_ctx *c = ud;
    struct lx_decimal v, eq, dd;
    int64_t done_s;

    LX_UNUSED(t);
    if (!c->have_mid ||
        lx_decimal_mul(c->base_bal, c->last_mid, SCALE, LX_ROUND_HALF_EVEN,
                       &v) != LX_OK ||
        lx_decimal_add(c->quote_bal, v, &eq) != LX_OK) {
        return;
    }
    if (!c->have_peak || lx_decimal_cmp(eq, c->equity_peak) > 0) {
        c->equity_peak = eq;
        c->have_peak = true;
    }
    if (lx_decimal_sub(c->equity_peak, eq, &dd) != LX_OK) {
        return;
    }
    if (lx_decimal_cmp(dd, c->max_dd) > 0) {
        c->max_dd = dd;
    }
    add_point(c, eq, dd);
    done_s = (lx_clock_mono_ns(c->clock) - c->t_start_ns) / SEC;
    if (c->progress && done_s % 60 == 0) {
        fprintf(stderr, "\rbacktest: %3lld%% (%lld/%lld s, %zu fills)",
                (long long)(done_s * 100 / c->duration_s), (long long)done_s,
                (long long)c->duration_s, c->nfills);
    }
}

/* ---- events -------------------------------------------------------------- */

static void note_mid(struct lx_strategy_ctx *c, const struct lx_book *b)
{
    struct lx_book_level bid, ask;
    struct lx_decimal sum, two = {2, 0};

    if (lx_book_best(b, LX_BOOK_BID, &bid) != LX_OK ||
        lx_book_best(b, LX_BOOK_ASK, &ask) != LX_OK ||
        lx_decimal_add(bid.price, ask.price, &sum) != LX_OK ||
        lx_decimal_div(sum, two, SCALE, LX_ROUND_HALF_EVEN, &c->last_mid) !=
            LX_OK) {
        return;
    }
    if (!c->have_mid) {
        c->start_mid = c->last_mid;
        c->have_mid = true;
    }
}

static void on_event(struct lx_exchange *ex, const struct lx_ex_event *ev,
                     void *ud)
{
    struct lx_strategy_ctx *c = ud;
    const struct lx_strategy *s = c->strat;

    LX_UNUSED(ex);
    switch (ev->kind) {
    case LX_EV_BOOK:
        c->n_book++;
        if (ev->u.book.state == LX_BOOK_SYNC_SYNCED) {
            note_mid(c, ev->u.book.book);
            if (c->started && !c->stopped && s->on_book != NULL) {
                s->on_book(c->st, c, ev->u.book.book);
            }
        }
        break;
    case LX_EV_TRADE:
        c->n_trade++;
        if (c->started && !c->stopped && s->on_trade != NULL) {
            s->on_trade(c->st, c, ev->u.trade);
        }
        break;
    case LX_EV_ORDER:
        c->n_order++;
        /* USD-M tells a fill twice: TRADE_LITE (no status, no fee) and
         * ORDER_TRADE_UPDATE; the second one is accounted. */
        if (ev->u.order->exec_type == LX_EXEC_TRADE &&
            (!c->perp || ev->u.order->status_raw[0] != '\0') &&
            apply_fill(c, ev->u.order) != LX_OK) {
            fail(c, "accounting", "a fill does not fit the report scale");
            return;
        }
        if (c->started && s->on_order != NULL) {
            s->on_order(c->st, c, ev->u.order);
        }
        break;
    case LX_EV_STATUS:
        c->n_status++;
        if (ev->u.status.what == LX_ST_ERROR) {
            fail(c, "stream", ev->u.status.msg);
        }
        break;
    default:
        c->n_raw++;
        if (c->perp && ev->kind == LX_EV_ACCOUNT &&
            apply_funding(c, ev) != LX_OK) {
            fail(c, "accounting", "a funding fee does not fit the scale");
        }
        break;
    }
}

static void strat_timer_cb(struct lx_timer *t, void *ud)
{
    struct lx_strategy_ctx *c = ud;

    LX_UNUSED(t);
    if (c->started && !c->stopped && c->strat->on_timer != NULL) {
        c->strat->on_timer(c->st, c);
    }
}

static void on_markets(struct lx_exchange *ex, const struct lx_ex_result *r,
                       void *ud);

/* Total (free + locked) of asset in a balances answer, at the scale. */
static int total_of(const struct lx_ex_result *r, const char *asset,
                    struct lx_decimal *out)
{
    struct lx_decimal t;
    size_t i;

    *out = lx_decimal_from_i64(0, SCALE);
    for (i = 0; i < r->nbalances; i++) {
        if (strcmp(r->balances[i].asset, asset) == 0) {
            if (lx_decimal_add(r->balances[i].free, r->balances[i].locked,
                               &t) != LX_OK) {
                return LX_ERR_OVERFLOW;
            }
            return lx_decimal_rescale(t, SCALE, LX_ROUND_EXACT, out);
        }
    }
    return LX_OK;
}

/* Paper: the account's balances at the start, then the strategy starts. */
static void on_start_balances(struct lx_exchange *ex,
                              const struct lx_ex_result *r, void *ud)
{
    struct lx_strategy_ctx *c = ud;
    const struct lx_instrument *in = lx_strategy_instrument(c);

    if (r->err != LX_OK) {
        fail(c, "balances", r->errmsg);
        return;
    }
    if (total_of(r, in->base, &c->base0) != LX_OK ||
        total_of(r, in->quote, &c->quote0) != LX_OK) {
        fail(c, "balances", "a balance does not fit the report scale");
        return;
    }
    c->base_bal = c->base0;
    c->quote_bal = c->quote0;
    c->have_start = true;
    on_markets(ex, r, ud);
}

static void on_markets(struct lx_exchange *ex, const struct lx_ex_result *r,
                       void *ud)
{
    struct lx_strategy_ctx *c = ud;

    LX_UNUSED(ex);
    if (r->err != LX_OK) {
        fail(c, "markets", r->errmsg);
        return;
    }
    if (lx_strategy_instrument(c) == NULL) {
        fail(c, "markets", "the symbol is not listed");
        return;
    }
    if (c->paper && !c->have_start) {
        if (lx_exchange_balances(c->ex, on_start_balances, c) != LX_OK) {
            fail(c, "balances", "could not ask the venue");
        }
        return;
    }
    c->started = 1;
    if (c->strat->on_start != NULL) {
        c->strat->on_start(c->st, c);
    }
}

/* Perps: the venue's mark at the end; then its funding history. */
static void on_end_mark(struct lx_exchange *ex, const struct lx_ex_result *r,
                        void *ud)
{
    struct lx_strategy_ctx *c = ud;

    LX_UNUSED(ex);
    if (r->err != LX_OK) {
        fail(c, "mark price", r->errmsg);
    } else if (r->nmarks != 1 ||
               lx_decimal_rescale(r->marks[0].mark, SCALE, LX_ROUND_HALF_EVEN,
                                  &c->end_mark) != LX_OK) {
        fail(c, "mark price", "the venue did not report the symbol's mark");
    } else if (lx_exchange_funding_rates(c->ex, c->symbol, c->t0 / MS,
                                         lx_clock_wall_ms(c->clock), 1000,
                                         on_funding_history, c) != LX_OK) {
        fail(c, "funding", "could not ask the venue");
    }
}

/* Perps: the venue's position at the end (size, entry, uPnL). */
static void on_positions(struct lx_exchange *ex, const struct lx_ex_result *r,
                         void *ud)
{
    struct lx_strategy_ctx *c = ud;
    size_t i;
    int rc = LX_OK;

    LX_UNUSED(ex);
    if (r->err != LX_OK) {
        fail(c, "positions", r->errmsg);
        return;
    }
    for (i = 0; i < r->npositions && rc == LX_OK; i++) {
        const struct lx_position *p = &r->positions[i];
        if (strcmp(p->symbol, c->symbol) != 0) {
            continue;
        }
        rc = lx_decimal_rescale(p->amount, SCALE, LX_ROUND_EXACT, &c->pos_size);
        rc = rc != LX_OK ? rc
                         : lx_decimal_rescale(p->entry_price, SCALE,
                                              LX_ROUND_EXACT, &c->pos_entry);
        rc = rc != LX_OK ? rc
                         : lx_decimal_rescale(p->unrealized_pnl, SCALE,
                                              LX_ROUND_EXACT, &c->pos_upnl);
    }
    if (rc != LX_OK) {
        fail(c, "positions", "a position does not fit the report scale");
        return;
    }
    if (liq_count(c) == 0 && lx_decimal_cmp(c->pos_size, c->base_bal) != 0) {
        fail(c, "positions", "the venue's position differs from the fills");
        return;
    }
    if (lx_exchange_mark_price(c->ex, c->symbol, on_end_mark, c) != LX_OK) {
        fail(c, "mark price", "could not ask the venue");
    }
}

/* Perps: the venue's wallet must be what the fills and funding add to. */
static void on_wallet(struct lx_exchange *ex, const struct lx_ex_result *r,
                      void *ud)
{
    struct lx_strategy_ctx *c = ud;
    const struct lx_instrument *in = lx_strategy_instrument(c);
    struct lx_decimal want;
    size_t i;

    LX_UNUSED(ex);
    if (r->err != LX_OK) {
        fail(c, "balances", r->errmsg);
        return;
    }
    for (i = 0; i < r->nbalances; i++) {
        if (strcmp(r->balances[i].asset, in->quote) == 0) {
            break;
        }
    }
    if (i == r->nbalances ||
        lx_decimal_rescale(r->balances[i].wallet, SCALE, LX_ROUND_EXACT,
                           &c->wallet_end) != LX_OK ||
        expected_wallet(c, &want) != LX_OK) {
        fail(c, "balances", "the venue did not report the margin asset");
        return;
    }
    if (lx_decimal_cmp(want, c->wallet_end) != 0) {
        fail(c, "balances",
             "the venue's wallet differs from the start + realized PnL - "
             "fees + funding");
        return;
    }
    if (lx_exchange_positions(c->ex, c->symbol, on_positions, c) != LX_OK) {
        fail(c, "positions", "could not ask the venue");
    }
}

/* The venue's end balances must equal the start plus the fills. */
static void on_balances(struct lx_exchange *ex, const struct lx_ex_result *r,
                        void *ud)
{
    struct lx_strategy_ctx *c = ud;
    const struct lx_instrument *in = lx_strategy_instrument(c);
    struct lx_decimal total;
    size_t i;
    int ok = 0;

    LX_UNUSED(ex);
    c->done = 1;
    lx_clock_stop_run(c->clock);
    if (r->err != LX_OK) {
        fail(c, "balances", r->errmsg);
        return;
    }
    for (i = 0; i < r->nbalances; i++) {
        const struct lx_balance *b = &r->balances[i];
        const struct lx_decimal *mine =
            strcmp(b->asset, in->base) == 0    ? &c->base_bal
            : strcmp(b->asset, in->quote) == 0 ? &c->quote_bal
                                               : NULL;
        if (mine == NULL ||
            lx_decimal_add(b->free, b->locked, &total) != LX_OK) {
            continue;
        }
        if (lx_decimal_cmp(total, *mine) != 0) {
            fail(c, "balances", "the venue's balances differ from the fills");
            return;
        }
        ok++;
    }
    if (ok != 2) {
        fail(c, "balances", "the venue did not report both assets");
    }
}

static void end_cb(struct lx_timer *t, void *ud)
{
    struct lx_strategy_ctx *c = ud;

    LX_UNUSED(t);
    if (!c->stopped) {
        /* Stop the strategy and the market; let the last events land. */
        c->stopped = 1;
        if (c->synth != NULL) {
            lx_mock_synth_clock(1, 0, c->synth);
        }
        lx_mock_bn_usdm_maker_clock(1, 0, c->umaker);
        lx_mock_tape_stop(c->tape);
        if (c->strat->on_stop != NULL) {
            c->strat->on_stop(c->st, c);
        }
        (void)lx_timer_start(c->end_timer, SEC, 0);
        return;
    }
    lx_timer_stop(c->sample_timer);
    if (lx_exchange_balances(c->ex, c->perp ? on_wallet : on_balances, c) !=
        LX_OK) {
        fail(c, "balances", "could not ask the venue");
    }
}

/* ---- report -----------------------------------------------------------------
 */

static void put_dec(FILE *f, const char *key, struct lx_decimal d,
                    const char *sep)
{
    char buf[LX_DECIMAL_STRLEN];

    if (lx_decimal_format(d, buf, sizeof(buf)) < 0) {
        buf[0] = '\0';
    }
    fprintf(f, "\"%s\":\"%s\"%s", key, buf, sep);
}

/* Sums fees per asset over the fills (at most the two assets). */
static void put_fees(FILE *f, const struct lx_strategy_ctx *c)
{
    const struct lx_instrument *in = lx_strategy_instrument(c);
    struct lx_decimal fb = {0, SCALE}, fq = {0, SCALE};
    size_t i;

    for (i = 0; i < c->nfills; i++) {
        struct lx_decimal *t =
            strcmp(c->fills[i].fee_asset, in->base) == 0 ? &fb : &fq;
        (void)acc(t, c->fills[i].fee, 1);
    }
    fprintf(f, "\"fees\":{");
    put_dec(f, in->base, fb, ",");
    put_dec(f, in->quote, fq, "},");
}

static void put_fills(FILE *f, const struct lx_strategy_ctx *c)
{
    size_t i;

    fprintf(f, "\"fills\":[");
    for (i = 0; i < c->nfills; i++) {
        const struct bt_fill *x = &c->fills[i];
        fprintf(f, "%s{\"ms\":%lld,\"side\":\"%s\",\"maker\":%s,", i ? "," : "",
                (long long)x->ms, lx_side_name(x->side),
                x->maker ? "true" : "false");
        put_dec(f, "price", x->price, ",");
        put_dec(f, "qty", x->qty, ",");
        put_dec(f, "fee", x->fee, ",");
        if (c->perp) {
            put_dec(f, "realized_pnl", x->rpnl, ",");
        }
        fprintf(f, "\"fee_asset\":\"%s\",\"client_id\":\"%s\"}", x->fee_asset,
                x->client_id);
    }
    fprintf(f, "]");
}

/* Where the market came from; for a capture, what the tape did. */
static void put_market(FILE *f, const struct lx_strategy_ctx *c)
{
    struct lx_mock_tape_stats t;

    if (c->paper) {
        fprintf(f, "\"market\":{\"source\":\"venue\",\"rest\":");
        lxc_json_str(f, (const uint8_t *)c->rest_url, strlen(c->rest_url));
        fprintf(f, ",\"ws\":");
        lxc_json_str(f, (const uint8_t *)c->ws_url, strlen(c->ws_url));
        fprintf(f, "},");
        return;
    }
    if (c->tape == NULL && c->perp) {
        struct lx_mock_bn_usdm_maker_stats m;
        lx_mock_bn_usdm_maker_get_stats(c->umaker, &m);
        fprintf(f,
                "\"market\":{\"source\":\"synthetic\",\"steps\":%llu,"
                "\"mark_source\":\"maker reference\",\"marks\":%llu},",
                (unsigned long long)m.steps, (unsigned long long)m.marks);
        return;
    }
    if (c->tape == NULL) {
        fprintf(f, "\"market\":{\"source\":\"synthetic\"},");
        return;
    }
    lx_mock_tape_get_stats(c->tape, &t);
    fprintf(f, "\"market\":{\"source\":\"capture\",\"file\":");
    lxc_json_str(f, (const uint8_t *)c->capture, strlen(c->capture));
    fprintf(f,
            ",\"start_ns\":%lld,\"first_ns\":%lld,\"last_ns\":%lld,"
            "\"frames\":%llu,\"snapshots\":%llu,\"diffs\":%llu,"
            "\"trades\":%llu,\"trades_cut\":%llu,\"gaps\":%llu,"
            "\"skipped\":%llu,\"bad\":%llu,\"rounded\":%llu,"
            "\"rejected\":%llu,\"engine_ops\":%llu",
            (long long)c->t0, (long long)t.first_ns, (long long)t.last_ns,
            (unsigned long long)t.frames, (unsigned long long)t.snapshots,
            (unsigned long long)t.diffs, (unsigned long long)t.trades,
            (unsigned long long)t.trades_cut, (unsigned long long)t.gaps,
            (unsigned long long)t.skipped, (unsigned long long)t.bad,
            (unsigned long long)t.rounded, (unsigned long long)t.rejected,
            (unsigned long long)t.engine_ops);
    if (c->perp) {
        fprintf(f,
                ",\"mark_source\":\"%s\",\"marks\":%llu,"
                "\"mark_frames\":%llu,\"funding_rates\":%llu",
                t.mark_frames > 0 ? "markPrice+book mid" : "book mid",
                (unsigned long long)t.marks, (unsigned long long)t.mark_frames,
                (unsigned long long)t.rates);
    }
    fprintf(f, "},");
}

/* Perps: the margin account, the position and what moved the wallet. */
static int put_perp(FILE *f, const struct lx_strategy_ctx *c)
{
    const struct lx_instrument *in = lx_strategy_instrument(c);
    struct lx_decimal pnl;

    if (lx_decimal_sub(c->wallet_end, c->wallet0, &pnl) != LX_OK ||
        acc(&pnl, c->pos_upnl, 1) != LX_OK) {
        return LX_ERR_OVERFLOW;
    }
    fprintf(f, "\"margin_asset\":\"%s\",\"wallet\":{", in->quote);
    put_dec(f, "start", c->wallet0, ",");
    put_dec(f, "end", c->wallet_end, "},\"position\":{");
    put_dec(f, "size", c->pos_size, ",");
    put_dec(f, "entry_price", c->pos_entry, "},");
    put_dec(f, "end_mark", c->end_mark, ",");
    put_dec(f, "realized_pnl", c->rpnl, ",");
    put_dec(f, "unrealized_pnl", c->pos_upnl, ",");
    fprintf(f, "\"fees\":{");
    put_dec(f, in->quote, c->fees, "},");
    put_dec(f, "funding", c->funding, ",");
    put_dec(f, "funding_paid", c->fund_paid, ",");
    put_dec(f, "funding_received", c->fund_recv, ",");
    fprintf(f, "\"funding_events\":%llu,\"liquidations\":%llu,",
            (unsigned long long)c->n_funding, (unsigned long long)liq_count(c));
    put_dec(f, "liquidation_wallet", liq_wallet(c), ",");
    put_dec(f, "pnl_quote", pnl, ",");
    return LX_OK;
}

static int write_report(const struct lx_strategy_ctx *c, FILE *f)
{
    const struct lx_instrument *in = lx_strategy_instrument(c);
    struct lx_decimal eq0, eq1, v, pnl;
    size_t i, maker = 0;

    if (lx_decimal_mul(c->base0, c->start_mid, SCALE, LX_ROUND_HALF_EVEN, &v) !=
            LX_OK ||
        lx_decimal_add(c->quote0, v, &eq0) != LX_OK ||
        lx_decimal_mul(c->base_bal, c->last_mid, SCALE, LX_ROUND_HALF_EVEN,
                       &v) != LX_OK ||
        lx_decimal_add(c->quote_bal, v, &eq1) != LX_OK ||
        lx_decimal_sub(eq1, eq0, &pnl) != LX_OK) {
        return LX_ERR_OVERFLOW;
    }
    for (i = 0; i < c->nfills; i++) {
        maker += c->fills[i].maker;
    }
    fprintf(f,
            "{\"strategy\":\"%s\",\"seed\":%llu,\"symbol\":\"%s\","
            "\"duration_s\":%lld,\"venue\":\"%s (%s)\",",
            c->strat->name, (unsigned long long)c->seed, c->symbol,
            (long long)c->duration_s, c->perp ? "binance-usdm" : "binance-spot",
            c->paper          ? "paper trading over the network"
            : c->tape != NULL ? "lotusx-mock, replayed capture"
                              : "lotusx-mock, synthetic market");
    put_market(f, c);
    if (!c->paper) {
        fprintf(f, "\"latency_ms\":{\"order\":%lld,\"feed\":%lld},",
                (long long)c->order_lat_ms, (long long)c->feed_lat_ms);
    }
    put_dec(f, "start_mid", c->start_mid, ",");
    put_dec(f, "end_mid", c->last_mid, ",");
    if (c->perp) {
        if (put_perp(f, c) != LX_OK) {
            return LX_ERR_OVERFLOW;
        }
    } else {
        fprintf(f, "\"start\":{");
        put_dec(f, in->base, c->base0, ",");
        put_dec(f, in->quote, c->quote0, "},\"end\":{");
        put_dec(f, in->base, c->base_bal, ",");
        put_dec(f, in->quote, c->quote_bal, "},");
        put_fees(f, c);
        put_dec(f, "pnl_quote", pnl, ",");
    }
    put_dec(f, "max_drawdown_quote", c->max_dd, ",");
    fprintf(f, "\"fill_count\":%zu,\"maker_fills\":%zu,\"taker_fills\":%zu,",
            c->nfills, maker, c->nfills - maker);
    fprintf(f,
            "\"events\":{\"book\":%llu,\"trade\":%llu,\"order\":%llu,"
            "\"status\":%llu,\"other\":%llu},",
            (unsigned long long)c->n_book, (unsigned long long)c->n_trade,
            (unsigned long long)c->n_order, (unsigned long long)c->n_status,
            (unsigned long long)c->n_raw);
    put_fills(f, c);
    fprintf(f, "}\n");
    return ferror(f) ? LX_ERR_FILE : LX_OK;
}

/* The HTML page: the JSON report embedded, the series charted. */
static int write_html(const struct lx_strategy_ctx *c, const char *path)
{
    FILE *tmp = tmpfile(), *f = NULL;
    struct lx_bt_mark *marks = NULL;
    struct lx_bt_html h;
    char *json = NULL, title[128];
    long n = -1;
    size_t i;
    int rc = tmp != NULL ? write_report(c, tmp) : LX_ERR_FILE;

    if (rc == LX_OK && (fflush(tmp) != 0 || (n = ftell(tmp)) < 0)) {
        rc = LX_ERR_FILE;
    }
    if (rc == LX_OK) {
        rewind(tmp);
        json = lx__malloc(NULL, (size_t)n + 1);
        marks = lx__calloc(NULL, c->nfills + 1, sizeof(*marks));
        if (json == NULL || marks == NULL) {
            rc = LX_ERR_NOMEM;
        } else if (fread(json, 1, (size_t)n, tmp) != (size_t)n) {
            rc = LX_ERR_FILE;
        } else {
            json[n] = '\0';
        }
    }
    for (i = 0; rc == LX_OK && i < c->nfills; i++) {
        marks[i].ms = c->fills[i].ms;
        marks[i].buy = c->fills[i].side == LX_SIDE_BUY;
        marks[i].maker = c->fills[i].maker;
        marks[i].price = c->fills[i].price;
        marks[i].qty = c->fills[i].qty;
    }
    if (rc == LX_OK) {
        lx__snprintf(title, sizeof(title), "%s on %s", c->strat->name,
                     c->symbol);
        h = (struct lx_bt_html){title, json, c->pts, c->npts, marks, c->nfills};
        f = fopen(path, "w");
        rc = f != NULL ? lx_cli_write_html(f, &h) : LX_ERR_FILE;
        if (f != NULL && fclose(f) != 0) {
            rc = LX_ERR_FILE;
        }
    }
    if (tmp != NULL) {
        fclose(tmp);
    }
    lx__free(NULL, json);
    lx__free(NULL, marks);
    return rc;
}

/* ---- the world: the mock and the connector in one loop ----------------------
 */

static int add_accounts(struct lx_strategy_ctx *c, const char **why)
{
    static const char *const mine[] = {"USDT", "100000", "BTC", "1", NULL};
    static const char *const big[] = {"USDT", "1000000000", "BTC", "100000",
                                      NULL};
    /* A recorded market's accounts: a day of BTCUSDT flow moves billions
     * of USDT through them; the total supply at 8 decimals must stay
     * below 9.2e10 USDT. */
    static const char *const huge[] = {"USDT", "40000000000", "BTC", "10000000",
                                       NULL};
    struct lx_mock_bn_account_cfg a;
    uint32_t maker, taker;
    int rc;

    memset(&a, 0, sizeof(a));
    a.api_key = KEY;
    a.secret = c->secret;
    a.maker_fee = "0.001";
    a.taker_fee = "0.001";
    a.balances = mine;
    rc = lx_mock_bn_spot_add_account(c->spot, &a, NULL, why);
    if (rc == LX_OK) {
        a.api_key = "lotusx-backtest-maker";
        a.secret = c->mm_secret;
        a.maker_fee = a.taker_fee = "0";
        a.balances = c->capture != NULL ? huge : big;
        a.market = c->capture != NULL;
        rc = lx_mock_bn_spot_add_account(c->spot, &a, &maker, why);
    }
    if (rc == LX_OK) {
        a.api_key = "lotusx-backtest-taker";
        rc = lx_mock_bn_spot_add_account(c->spot, &a, &taker, why);
    }
    if (rc == LX_OK && c->capture != NULL) {
        rc = lx_mock_tape_new(&c->tape, c->spot, c->symbol, maker, taker, why);
    } else if (rc == LX_OK) {
        rc = lx_mock_synth_new(&c->synth, c->clock, c->spot, maker, taker,
                               c->seed, SEC);
    }
    return rc;
}

static int listen_venue(struct lx_strategy_ctx *c, const char **why);

/*
 * The synthetic USD-M market: lotusx-mock's default BTCUSDT maker with the
 * run's seed, stepping each virtual second once the run starts; its maker
 * and taker accounts are its own (10^9 USDT each, no fees).
 */
static int make_perp_synth(struct lx_strategy_ctx *c, const char **why)
{
    int rc =
        lx_mock_bn_usdm_maker_new(&c->umaker, c->usdm, c->clock, c->seed, SEC);

    if (rc == LX_OK) {
        rc = lx_mock_bn_usdm_maker_add(c->umaker, c->symbol,
                                       &lx_mock_bn_usdm_gen_btc, why);
    }
    if (rc == LX_OK) {
        rc = lx_mock_bn_usdm_maker_accounts(c->umaker, why);
    }
    return rc;
}

/*
 * The USD-M venue: the strategy's margin account, and the market: the
 * synthetic maker, or on a recorded market the tape's two market accounts
 * (liquidity and recorded trades) with 10^10 USDT each, far beyond any
 * margin the recorded book needs.
 */
static int make_perp(struct lx_strategy_ctx *c, const char **why)
{
    static const char *const mine[] = {"USDT", "100000", NULL};
    struct lx_mock_bn_account_cfg a;
    uint32_t maker = 0, taker = 0;
    int rc = lx_mock_bn_usdm_new(&c->usdm, c->clock, c->door, why);

    if (rc == LX_OK) {
        rc = lx_mock_bn_usdm_add_symbol(c->usdm, &perp_cfg, why);
    }
    if (rc == LX_OK) {
        rc = lx_mock_bn_usdm_set_hub(c->usdm, c->hub);
    }
    if (rc == LX_OK) {
        rc = lx_secret_new(&c->secret, NULL, SECRET, sizeof(SECRET) - 1);
    }
    if (rc == LX_OK) {
        memset(&a, 0, sizeof(a));
        a.api_key = KEY;
        a.secret = c->secret;
        a.maker_fee = "0.0002"; /* Binance USD-M's base tier */
        a.taker_fee = "0.0005";
        a.balances = mine;
        rc = lx_mock_bn_usdm_add_account(c->usdm, &a, NULL, why);
    }
    if (rc == LX_OK && c->capture == NULL) {
        rc = make_perp_synth(c, why);
        return rc != LX_OK ? rc : lx_mock_bn_usdm_start(c->usdm);
    }
    if (rc == LX_OK) {
        rc = lx__mbum_add_market_account(c->usdm, INT64_C(1000000000000000000),
                                         &maker);
    }
    if (rc == LX_OK) {
        rc = lx__mbum_add_market_account(c->usdm, INT64_C(1000000000000000000),
                                         &taker);
    }
    if (rc == LX_OK) {
        rc = lx_mock_tape_new_usdm(&c->tape, c->usdm, c->symbol, maker, taker,
                                   why);
    }
    if (rc == LX_OK) {
        rc = lx_mock_bn_usdm_start(c->usdm); /* funding, 00/08/16 UTC */
    }
    return rc;
}

static int make_venue(struct lx_strategy_ctx *c, const char **why)
{
    static const struct lx_mock_synth_symbol sy = {"BTCUSDT", "60000.00",
                                                   "0.05000", 10, 50};
    int rc;

    rc = lx_mock_door_new(&c->door, c->net, c->clock,
                          c->perp ? "binanceusdm" : "binance",
                          &lx_mock_bn_dialect, &lx_mock_bn_spot_limits);
    if (rc == LX_OK) {
        struct lx_mock_bn_hub_opts ho = lx_mock_bn_hub_spot;
        ho.latency_ns = c->feed_lat_ms * MS;
        lx_mock_door_set_latency(c->door, c->order_lat_ms * MS);
        rc = lx_mock_bn_hub_new(&c->hub, c->net, c->clock, &ho);
    }
    if (rc == LX_OK) {
        lx_mock_door_set_upgrade(c->door, lx_mock_bn_hub_upgrade, c->hub);
        rc = c->perp ? make_perp(c, why)
                     : lx_mock_bn_spot_new(&c->spot, c->clock, c->door, c->hub,
                                           why);
    }
    if (rc == LX_OK && c->perp) {
        rc = lx_http_server_new(&c->srv, c->net, lx_mock_door_handle, c->door);
        return rc == LX_OK ? listen_venue(c, why) : rc;
    }
    if (rc == LX_OK) {
        rc = lx_mock_bn_spot_add_symbol(c->spot, &sym_cfg, why);
    }
    if (rc == LX_OK) {
        rc = lx_secret_new(&c->secret, NULL, SECRET, sizeof(SECRET) - 1);
    }
    if (rc == LX_OK) {
        rc = lx_secret_new(&c->mm_secret, NULL, "lotusx-backtest-mm", 18);
    }
    if (rc == LX_OK) {
        rc = add_accounts(c, why);
    }
    if (rc == LX_OK && c->synth != NULL) {
        rc = lx_mock_synth_add(c->synth, &sy);
    }
    if (rc == LX_OK) {
        rc = lx_http_server_new(&c->srv, c->net, lx_mock_door_handle, c->door);
    }
    return rc == LX_OK ? listen_venue(c, why) : rc;
}

/* The venue on 127.0.0.1 (--tcp), or in memory. */
static int listen_venue(struct lx_strategy_ctx *c, const char **why)
{
    int rc = LX_OK;

    if (c->tcp) {
        rc = lx_http_server_listen(c->srv, "127.0.0.1", 0, NULL);
        if (rc == LX_OK) {
            lx__snprintf(c->tcp_rest, sizeof(c->tcp_rest),
                         "http://127.0.0.1:%u", lx_http_server_port(c->srv));
            lx__snprintf(c->tcp_ws, sizeof(c->tcp_ws), "ws://127.0.0.1:%u",
                         lx_http_server_port(c->srv));
        } else {
            *why = "cannot listen on 127.0.0.1";
        }
    } else {
        lx_net_set_inmem_server(c->net, c->srv);
    }
    return rc;
}

/*
 * Paper: the account's keys from LOTUSX_BINANCE_SPOT_API_KEY and
 * _API_SECRET (HMAC) or _PRIVATE_KEY (Ed25519 PEM) in the environment, or
 * in ./.env.
 */
static int paper_creds(struct lx_strategy_ctx *c, const char **why)
{
    struct lx_dotenv_error de;
    int rc = lx_creds_load_env(c->creds);

    if (rc == LX_OK && access(".env", F_OK) == 0) {
        rc = lx_creds_load_dotenv(c->creds, ".env", &de);
        if (rc != LX_OK) {
            *why = "./.env could not be read (see docs/security.md)";
            return rc;
        }
    }
    if (rc == LX_OK && (!lx_creds_has(c->creds, LX_CRED_API_KEY) ||
                        (!lx_creds_has(c->creds, LX_CRED_API_SECRET) &&
                         !lx_creds_has(c->creds, LX_CRED_PRIVATE_KEY)))) {
        *why = "no API key: set LOTUSX_BINANCE_SPOT_API_KEY and "
               "LOTUSX_BINANCE_SPOT_API_SECRET or _PRIVATE_KEY (environment "
               "or ./.env)";
        rc = LX_ERR_CONFIG;
    }
    return rc;
}

static int make_client(struct lx_strategy_ctx *c, const char **why)
{
    struct lx_exchange_opts *o = NULL;
    const char *venue = c->perp ? "binance-usdm" : "binance-spot";
    int rc = lx_creds_new(&c->creds, NULL, venue);

    if (rc == LX_OK && c->paper) {
        rc = paper_creds(c, why);
    } else if (rc == LX_OK) {
        rc = lx_creds_set(c->creds, LX_CRED_API_KEY, KEY, sizeof(KEY) - 1);
        if (rc == LX_OK) {
            rc = lx_creds_set(c->creds, LX_CRED_API_SECRET, SECRET,
                              sizeof(SECRET) - 1);
        }
    }
    if (rc == LX_OK) {
        rc = lx_exchange_opts_new(&o);
    }
    if (rc == LX_OK) {
        rc = c->paper ? lx_exchange_opts_set_urls(o, c->rest_url, c->ws_url)
             : c->tcp ? lx_exchange_opts_set_urls(o, c->tcp_rest, c->tcp_ws)
                      : lx_exchange_opts_set_urls(o, "http://backtest.lotusx",
                                                  "ws://backtest.lotusx");
        if (rc != LX_OK) {
            *why = "bad --rest or --ws URL";
        }
    }
    if (rc == LX_OK) {
        lx_exchange_opts_set_creds(o, c->creds);
        rc = lx_exchange_new(&c->ex, c->net, venue, o);
    }
    lx_exchange_opts_free(o);
    if (rc == LX_OK) {
        lx_exchange_set_event_cb(c->ex, on_event, c);
        rc = lx_exchange_watch_book(c->ex, c->symbol, 1000);
    }
    if (rc == LX_OK) {
        rc = lx_exchange_subscribe(c->ex, LX_STREAM_TRADE, c->symbol, NULL);
    }
    if (rc == LX_OK) {
        rc = lx_exchange_user_stream(c->ex);
    }
    return rc;
}

static int make_world(struct lx_strategy_ctx *c, const char **why)
{
    int rc;

    c->base = event_base_new();
    if (c->base == NULL) {
        return LX_ERR_NOMEM;
    }
    rc = c->paper ? lx_clock_new_real(&c->clock, NULL, c->base)
                  : lx_clock_new_virtual(&c->clock, NULL, c->base, c->t0);
    if (rc == LX_OK) {
        rc = lx_net_new(&c->net, NULL, c->base, c->clock);
    }
    if (rc == LX_OK) {
        lx_net_set_seed(c->net, c->seed);
        if (c->paper) {
            c->t0 = lx_clock_wall_ns(c->clock);
        } else {
            rc = make_venue(c, why);
        }
    }
    if (rc == LX_OK) {
        rc = make_client(c, why);
    }
    if (rc == LX_OK) {
        rc = lx_timer_new(&c->strat_timer, c->clock, strat_timer_cb, c);
    }
    if (rc == LX_OK) {
        rc = lx_timer_new(&c->sample_timer, c->clock, sample_cb, c);
    }
    if (rc == LX_OK) {
        rc = lx_timer_new(&c->end_timer, c->clock, end_cb, c);
    }
    return rc;
}

static void free_world(struct lx_strategy_ctx *c)
{
    if (c->st != NULL && c->strat->destroy != NULL) {
        c->strat->destroy(c->st);
    }
    lx_timer_free(c->strat_timer);
    lx_timer_free(c->sample_timer);
    lx_timer_free(c->end_timer);
    lx_exchange_free(c->ex);
    if (c->clock != NULL) {
        /* Deferred libevent callbacks still hold the closed connections. */
        (void)lx_clock_run(c->clock, lx_clock_mono_ns(c->clock));
    }
    lx_creds_free(c->creds);
    lx_http_server_free(c->srv);
    lx_mock_synth_free(c->synth);
    lx_mock_tape_free(c->tape);
    lx_mock_bn_usdm_maker_free(c->umaker);
    lx_mock_bn_spot_free(c->spot);
    lx_mock_bn_usdm_free(c->usdm);
    lx_mock_bn_hub_free(c->hub);
    lx_mock_door_free(c->door);
    lx_secret_free(c->secret);
    lx_secret_free(c->mm_secret);
    lx_net_free(c->net);
    lx_clock_free(c->clock);
    if (c->base != NULL) {
        event_base_free(c->base);
    }
    lx__free(NULL, c->fills);
    lx__free(NULL, c->pts);
}

/* The capture has been played to its end (rc 0) or could not be read. */
static void tape_done(void *ud, int rc)
{
    struct lx_strategy_ctx *c = ud;

    if (rc < 0) {
        fail(c, "capture", c->cerr.msg[0] ? c->cerr.msg : lx_strerror(rc));
    }
}

static int run(struct lx_strategy_ctx *c)
{
    int rc = dec(c->perp ? "0" : "1", &c->base0);

    if (c->paper) {
        rc = LX_OK; /* the start balances come from the venue */
    } else if (rc == LX_OK) {
        rc = dec("100000", &c->quote0);
    }
    if (rc == LX_OK) {
        rc = lx_decimal_rescale(c->base0, SCALE, LX_ROUND_EXACT, &c->base0);
    }
    if (rc == LX_OK) {
        rc = lx_decimal_rescale(c->quote0, SCALE, LX_ROUND_EXACT, &c->quote0);
    }
    if (rc != LX_OK) {
        return rc;
    }
    c->base_bal = c->base0;
    c->quote_bal = c->quote0;
    c->max_dd.scale = SCALE;
    c->wallet0 = c->wallet_end = c->quote0;
    c->rpnl.scale = c->fees.scale = c->funding.scale = SCALE;
    c->fund_paid.scale = c->fund_recv.scale = SCALE;
    c->pos_size.scale = c->pos_entry.scale = SCALE;
    c->pos_upnl.scale = c->end_mark.scale = SCALE;
    c->t_start_ns = lx_clock_mono_ns(c->clock);
    if (c->synth != NULL) {
        rc = lx_mock_synth_start(c->synth);
    } else if (c->umaker != NULL) {
        rc = lx_mock_bn_usdm_maker_start(c->umaker);
    } else if (c->tape != NULL) {
        rc = lx_mock_tape_play(c->tape, c->clock, c->capture, c->from_ns,
                               c->to_ns, tape_done, c, &c->cerr);
    }
    if (rc == LX_OK) {
        rc = lx_exchange_markets(c->ex, on_markets, c);
    }
    if (rc == LX_OK) {
        rc = lx_timer_start(c->sample_timer, SEC, SEC);
    }
    if (rc == LX_OK) {
        rc = lx_timer_start(c->end_timer, c->duration_s * SEC, 0);
    }
    while (rc == LX_OK && !c->done) {
        rc = lx_clock_run(c->clock, INT64_MAX);
        if (rc == LX_OK && !c->done && !lx_timer_pending(c->end_timer) &&
            !c->stopped) {
            fail(c, "run", "the loop ran dry before the end");
        }
    }
    if (c->progress) {
        fprintf(stderr, "\rbacktest: 100%% (%lld s %s, %zu fills)      \n",
                (long long)c->duration_s, c->paper ? "real" : "virtual",
                c->nfills);
    }
    return rc;
}

/* ---- command line
 * ------------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: lotusx backtest [options]\n"
        "Runs a strategy against the simulated Binance spot (or USD-M\n"
        "futures) of lotusx-mock in one process on a virtual clock; prints\n"
        "a JSON report.\n\n"
        "  --strategy NAME|FILE.so  built-in mm (default), momentum or hold\n"
        "                           (no trading), or a shared object\n"
        "                           exporting lx_strategy_entry\n"
        "  --param KEY=VALUE        strategy parameter (repeatable)\n"
        "  --capture FILE.lxcap     replay this recorded market (depth\n"
        "                           snapshot, diffs and trades of the symbol)\n"
        "                           instead of the synthetic one\n"
        "  --venue NAME             binance (spot, default) or binanceusdm:\n"
        "                           the USD-M perpetual BTCUSDT on the\n"
        "                           synthetic market of lotusx-mock's USD-M\n"
        "                           port (the mark is the maker's reference)\n"
        "                           or with --capture a USD-M recording (the\n"
        "                           mark is its markPrice stream, else the\n"
        "                           book's mid); funding at 00/08/16 UTC\n"
        "  --from T, --to T         the capture's time range (ns since the\n"
        "                           epoch or RFC 3339; default: all of it)\n"
        "  --order-latency MS       every request reaches the venue MS later\n"
        "                           (default 0)\n"
        "  --feed-latency MS        every venue frame (market and user data)\n"
        "                           reaches the strategy MS later (default 0)\n"
        "  --seed N                 seed of the synthetic market and of the\n"
        "                           client's ids (default 7)\n"
        "  --duration SECONDS       virtual run time (default 3600; with\n"
        "                           --capture, the capture's span)\n"
        "  --tcp                    the venue listens on 127.0.0.1 and the\n"
        "                           strategy connects over real TCP (same\n"
        "                           virtual clock, same report)\n"
        "  --report FILE            write the report there (default stdout)\n"
        "  --html FILE              also write an HTML report with charts\n"
        "  --quiet                  no strategy log, no progress\n"
        "Exit status: 0 ok, 1 the run failed, 2 bad usage.\n");
}

static void paper_usage(FILE *f)
{
    fprintf(
        f,
        "usage: lotusx paper --rest URL --ws URL [options]\n"
        "Runs a strategy in real time against a Binance spot venue over the\n"
        "network (lotusx-mock, or a testnet); prints the same JSON report\n"
        "as lotusx backtest. The account's keys come from\n"
        "LOTUSX_BINANCE_SPOT_API_KEY and LOTUSX_BINANCE_SPOT_API_SECRET (or\n"
        "_PRIVATE_KEY, an Ed25519 PEM) in the environment or in ./.env\n"
        "(never from the command line).\n\n"
        "  --rest URL               the REST base (http://127.0.0.1:PORT)\n"
        "  --ws URL                 the WebSocket base (ws://127.0.0.1:PORT)\n"
        "  --strategy NAME|FILE.so  as for lotusx backtest (default mm)\n"
        "  --param KEY=VALUE        strategy parameter (repeatable)\n"
        "  --duration SECONDS       run time (default 3600)\n"
        "  --seed N                 seed of the client's ids (default 7)\n"
        "  --report FILE            write the report there (default stdout)\n"
        "  --html FILE              also write an HTML report with charts\n"
        "  --quiet                  no strategy log, no progress\n"
        "Exit status: 0 ok, 1 the run failed, 2 bad usage.\n");
}

static int parse_u64(const char *s, uint64_t *out)
{
    return lx__parse_u64(s, strlen(s), out);
}

static const struct lx_strategy *load_strategy(const char *name, void **dl)
{
    const struct lx_strategy *s = lx_cli_builtin_strategy(name);

    *dl = NULL;
    if (s != NULL || strstr(name, ".so") == NULL) {
        return s;
    }
    *dl = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (*dl == NULL) {
        fprintf(stderr, "%s: cannot load %s: %s\n", g_cmd, name, dlerror());
        return NULL;
    }
    s = dlsym(*dl, "lx_strategy_entry");
    if (s == NULL) {
        fprintf(stderr, "%s: %s has no lx_strategy_entry\n", g_cmd, name);
    }
    return s;
}

static int parse_args(struct lx_strategy_ctx *c, int argc, char **argv,
                      const char **strat, const char **report)
{
    uint64_t v;
    int i;

    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (lx_cli_is_help(a)) {
            if (c->paper) {
                paper_usage(stdout);
            } else {
                usage(stdout);
            }
            exit(0);
        } else if (strcmp(a, "--quiet") == 0) {
            c->quiet = 1;
            continue;
        } else if (!c->paper && strcmp(a, "--venue") == 0 && val != NULL &&
                   (strcmp(val, "binance") == 0 ||
                    strcmp(val, "binance-spot") == 0 ||
                    strcmp(val, "binanceusdm") == 0 ||
                    strcmp(val, "binance-usdm") == 0)) {
            c->perp = strstr(val, "usdm") != NULL;
            i++;
            continue;
        } else if (!c->paper && strcmp(a, "--tcp") == 0) {
            c->tcp = true;
            continue;
        } else if (val == NULL) {
            fprintf(stderr, "%s: %s needs a value\n", g_cmd, a);
            return 2;
        }
        i++;
        if (strcmp(a, "--strategy") == 0) {
            *strat = val;
        } else if (c->paper && strcmp(a, "--rest") == 0) {
            c->rest_url = val;
        } else if (c->paper && strcmp(a, "--ws") == 0) {
            c->ws_url = val;
        } else if (c->paper &&
                   (strcmp(a, "--capture") == 0 || strcmp(a, "--from") == 0 ||
                    strcmp(a, "--to") == 0 ||
                    strcmp(a, "--order-latency") == 0 ||
                    strcmp(a, "--feed-latency") == 0)) {
            fprintf(stderr, "%s: %s is a backtest option\n", g_cmd, a);
            return 2;
        } else if (strcmp(a, "--report") == 0) {
            *report = val;
        } else if (strcmp(a, "--html") == 0) {
            c->html = val;
        } else if (strcmp(a, "--seed") == 0 && parse_u64(val, &v) == LX_OK) {
            c->seed = v;
        } else if (strcmp(a, "--duration") == 0 &&
                   parse_u64(val, &v) == LX_OK && v >= 1 && v <= 30 * 86400) {
            c->duration_s = (int64_t)v;
            c->duration_set = true;
        } else if (strcmp(a, "--order-latency") == 0 &&
                   parse_u64(val, &v) == LX_OK && v <= 60000) {
            c->order_lat_ms = (int64_t)v;
        } else if (strcmp(a, "--feed-latency") == 0 &&
                   parse_u64(val, &v) == LX_OK && v <= 60000) {
            c->feed_lat_ms = (int64_t)v;
        } else if (strcmp(a, "--capture") == 0) {
            c->capture = val;
        } else if (strcmp(a, "--from") == 0 &&
                   lxc_parse_time(val, &c->from_ns) == LX_OK) {
            continue;
        } else if (strcmp(a, "--to") == 0 &&
                   lxc_parse_time(val, &c->to_ns) == LX_OK) {
            continue;
        } else if (strcmp(a, "--param") == 0 && strchr(val, '=') != NULL &&
                   c->nparams < MAX_PARAMS) {
            char *eq = strchr(argv[i], '=');
            *eq = '\0';
            c->params[c->nparams][0] = argv[i];
            c->params[c->nparams++][1] = eq + 1;
        } else {
            fprintf(stderr, "%s: bad option or value: %s %s\n", g_cmd, a, val);
            return 2;
        }
    }
    return 0;
}

/* Starts the run at the capture's first record; sets the duration. */
static bool capture_span(struct lx_strategy_ctx *c)
{
    int64_t first, last, span_s;
    int rc;

    if (c->from_ns >= c->to_ns) {
        fprintf(stderr, "%s: --from must be before --to\n", g_cmd);
        return false;
    }
    rc = lx_mock_tape_span(c->capture, c->from_ns, c->to_ns, &first, &last,
                           &c->cerr);
    if (rc != LX_OK) {
        fprintf(stderr, "%s: %s: %s\n", g_cmd, c->capture,
                c->cerr.msg[0] ? c->cerr.msg : lx_strerror(rc));
        return false;
    }
    c->t0 = first;
    span_s = (last - first) / SEC + 1;
    if (!c->duration_set || c->duration_s > span_s) {
        c->duration_s = span_s;
    }
    return true;
}

static int backtest_main(int argc, char **argv, bool paper)
{
    struct lx_strategy_ctx c;
    const char *strat = "mm", *report = NULL, *why = "";
    void *dl = NULL;
    FILE *out = stdout;
    int rc;

    memset(&c, 0, sizeof(c));
    c.paper = paper;
    g_cmd = paper ? "lotusx paper" : "lotusx backtest";
    c.seed = 7;
    c.duration_s = 3600;
    c.symbol = "BTCUSDT";
    c.t0 = T0;
    c.from_ns = INT64_MIN;
    c.to_ns = INT64_MAX;
    rc = parse_args(&c, argc, argv, &strat, &report);
    if (rc == 0 && c.paper && (c.rest_url == NULL || c.ws_url == NULL)) {
        fprintf(stderr, "%s: --rest and --ws are required\n", g_cmd);
        rc = 2;
    }
    if (rc != 0) {
        if (c.paper) {
            paper_usage(stderr);
        } else {
            usage(stderr);
        }
        return rc;
    }
    if (c.capture == NULL && (c.from_ns != INT64_MIN || c.to_ns != INT64_MAX)) {
        fprintf(stderr, "%s: --from and --to need --capture\n", g_cmd);
        return 2;
    }
    if (c.capture != NULL && !capture_span(&c)) {
        return 1;
    }
    c.strat = load_strategy(strat, &dl);
    if (c.strat == NULL) {
        fprintf(stderr,
                "%s: unknown strategy '%s' (built-in: mm, "
                "momentum, hold; or a path to a .so)\n",
                g_cmd, strat);
        return 2;
    }
    c.progress = !c.quiet && isatty(2);
    rc = make_world(&c, &why);
    if (rc == LX_OK) {
        c.st = c.strat->create != NULL ? c.strat->create(&c) : &c;
        if (c.st == NULL) {
            rc = LX_ERR_INVAL;
            why = "the strategy's create() failed";
        }
    }
    if (rc == LX_OK) {
        rc = run(&c);
    }
    if (rc != LX_OK || c.failed) {
        fprintf(stderr, "%s: failed: %s\n", g_cmd,
                c.failed ? c.why : (why[0] ? why : lx_strerror(rc)));
        free_world(&c);
        if (dl != NULL) {
            dlclose(dl);
        }
        return 1;
    }
    if (report != NULL && (out = fopen(report, "w")) == NULL) {
        fprintf(stderr, "%s: cannot write %s\n", g_cmd, report);
        rc = LX_ERR_FILE;
    }
    if (rc == LX_OK) {
        rc = write_report(&c, out);
        if (out != stdout && fclose(out) != 0) {
            rc = LX_ERR_FILE;
        }
    }
    if (rc == LX_OK && c.html != NULL && write_html(&c, c.html) != LX_OK) {
        fprintf(stderr, "%s: cannot write %s\n", g_cmd, c.html);
        rc = LX_ERR_FILE;
    }
    free_world(&c);
    if (dl != NULL) {
        dlclose(dl);
    }
    if (rc != LX_OK) {
        fprintf(stderr, "%s: report: %s\n", g_cmd, lx_strerror(rc));
        return 1;
    }
    return 0;
}

int lx_cli_backtest(int argc, char **argv)
{
    return backtest_main(argc, argv, false);
}

int lx_cli_paper(int argc, char **argv)
{
    return backtest_main(argc, argv, true);
}
