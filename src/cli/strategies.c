/*
 * strategies.c - the example strategies built into `lotusx backtest`.
 *
 * "hold" trades nothing: the baseline (the start balances marked to the
 * market) and the cost of the market alone in a benchmark.
 * "mm" keeps one post-only bid and one post-only ask `ticks` ticks (param,
 * default 20) either side of the mid, `qty` each (default 0.001), and
 * requotes when the mid has moved by half that distance. "momentum" buys
 * `qty` at market after `window` (default 5) strictly rising trades while
 * flat, and sells it after as many strictly falling ones. Both are
 * deliberately small: they exercise the API (orders, cancels, fills,
 * books, trades) rather than make money. They use only the public headers.
 * An order's size is raised to the venue's minimum notional when `qty` is
 * below it at the order's price (Binance USD-M BTCUSDT: 100 USDT); on a
 * perpetual a sell from flat opens a short.
 */
#include <stdio.h>
#include <string.h>

#include "cli/strategies.h"
#include "core/lx_internal.h"
#include "lotusx/lx_decimal.h"

static int param_dec(struct lx_strategy_ctx *c, const char *key,
                     const char *def, struct lx_decimal *out)
{
    const char *v = lx_strategy_param(c, key, def);

    return lx_decimal_parse(v, strlen(v), out);
}

static int64_t param_int(struct lx_strategy_ctx *c, const char *key,
                         int64_t def, int64_t lo, int64_t hi)
{
    const char *v = lx_strategy_param(c, key, NULL);
    int64_t x;

    if (v == NULL || lx__parse_i64(v, strlen(v), &x) != LX_OK || x < lo ||
        x > hi) {
        return def;
    }
    return x;
}

/*
 * qty, or the least multiple of the lot step whose notional at price
 * reaches the instrument's minimum notional if qty's does not.
 */
static struct lx_decimal fit_qty(struct lx_strategy_ctx *c,
                                 struct lx_decimal qty, struct lx_decimal price)
{
    const struct lx_instrument *in = lx_strategy_instrument(c);
    struct lx_decimal n, q;

    if (in == NULL || lx_decimal_is_zero(in->min_notional) ||
        lx_decimal_is_zero(in->lot_step) || price.m <= 0 ||
        lx_decimal_mul(qty, price, 8, LX_ROUND_DOWN, &n) != LX_OK ||
        lx_decimal_cmp(n, in->min_notional) >= 0 ||
        lx_decimal_div(in->min_notional, price, 12, LX_ROUND_UP, &q) != LX_OK ||
        lx_decimal_round_to_step(q, in->lot_step, LX_ROUND_UP, &q) != LX_OK) {
        return qty;
    }
    return q;
}

static void on_placed(struct lx_exchange *ex, const struct lx_ex_result *r,
                      void *ud)
{
    char msg[200];

    LX_UNUSED(ex);
    if (r->err != LX_OK) {
        lx__snprintf(msg, sizeof(msg), "order refused: %s", r->errmsg);
        lx_strategy_log(ud, msg);
    }
}

static void on_ignored(struct lx_exchange *ex, const struct lx_ex_result *r,
                       void *ud)
{
    LX_UNUSED(ex);
    LX_UNUSED(r);
    LX_UNUSED(ud);
}

/* ---- mm
 * ---------------------------------------------------------------------- */

struct mm {
    struct lx_decimal qty, tick;
    int64_t ticks;
    int64_t quoted_mid;
    bool quoted;
    uint64_t seq;
    char bid[LX_CLIENT_ID_LEN], ask[LX_CLIENT_ID_LEN];
};

static struct mm the_mm;

static void *mm_create(struct lx_strategy_ctx *c)
{
    struct mm *m = &the_mm;

    memset(m, 0, sizeof(*m));
    if (param_dec(c, "qty", "0.001", &m->qty) != LX_OK) {
        return NULL;
    }
    m->ticks = param_int(c, "ticks", 20, 1, 1000000);
    return m;
}

static void mm_start(void *st, struct lx_strategy_ctx *c)
{
    struct mm *m = st;

    m->tick = lx_strategy_instrument(c)->tick_size;
}

static void mm_place(struct mm *m, struct lx_strategy_ctx *c, enum lx_side side,
                     int64_t ticks, char *cid)
{
    struct lx_order_req o;

    memset(&o, 0, sizeof(o));
    lx__snprintf(o.symbol, sizeof(o.symbol), "%s", lx_strategy_symbol(c));
    o.side = side;
    o.type = LX_ORDER_LIMIT_MAKER;
    o.has_price = o.has_qty = true;
    if (lx_decimal_from_ticks(ticks, m->tick, &o.price) != LX_OK) {
        return;
    }
    o.qty = fit_qty(c, m->qty, o.price);
    lx__snprintf(cid, LX_CLIENT_ID_LEN, "mm-%c-%llu",
                 side == LX_SIDE_BUY ? 'b' : 'a', (unsigned long long)++m->seq);
    memcpy(o.client_id, cid, LX_CLIENT_ID_LEN);
    (void)lx_exchange_place(lx_strategy_exchange(c), &o, on_placed, c);
}

static void mm_book(void *st, struct lx_strategy_ctx *c,
                    const struct lx_book *book)
{
    struct mm *m = st;
    struct lx_book_level bid, ask;
    int64_t bt, at, mid, half = m->ticks / 2 > 0 ? m->ticks / 2 : 1;
    struct lx_exchange *ex = lx_strategy_exchange(c);

    if (lx_book_best(book, LX_BOOK_BID, &bid) != LX_OK ||
        lx_book_best(book, LX_BOOK_ASK, &ask) != LX_OK ||
        lx_decimal_to_ticks(bid.price, m->tick, &bt) != LX_OK ||
        lx_decimal_to_ticks(ask.price, m->tick, &at) != LX_OK) {
        return;
    }
    mid = bt + (at - bt) / 2;
    if (m->quoted && mid - m->quoted_mid < half && m->quoted_mid - mid < half) {
        return;
    }
    if (m->bid[0] != '\0') {
        (void)lx_exchange_cancel(ex, lx_strategy_symbol(c), NULL, m->bid,
                                 on_ignored, c);
    }
    if (m->ask[0] != '\0') {
        (void)lx_exchange_cancel(ex, lx_strategy_symbol(c), NULL, m->ask,
                                 on_ignored, c);
    }
    mm_place(m, c, LX_SIDE_BUY, mid - m->ticks, m->bid);
    mm_place(m, c, LX_SIDE_SELL, mid + m->ticks, m->ask);
    m->quoted = true;
    m->quoted_mid = mid;
}

static void mm_order(void *st, struct lx_strategy_ctx *c,
                     const struct lx_order *o)
{
    struct mm *m = st;
    bool final =
        o->status == LX_STATUS_FILLED || o->status == LX_STATUS_CANCELED ||
        o->status == LX_STATUS_EXPIRED || o->status == LX_STATUS_REJECTED;

    LX_UNUSED(c);
    if (final && strcmp(o->client_id, m->bid) == 0) {
        m->bid[0] = '\0';
    } else if (final && strcmp(o->client_id, m->ask) == 0) {
        m->ask[0] = '\0';
    }
    if (o->status == LX_STATUS_FILLED) {
        m->quoted = false; /* requote on the next book */
    }
}

static void mm_stop(void *st, struct lx_strategy_ctx *c)
{
    LX_UNUSED(st);
    (void)lx_exchange_cancel_all(lx_strategy_exchange(c), lx_strategy_symbol(c),
                                 on_ignored, c);
}

static const struct lx_strategy mm_strategy = {
    "mm", mm_create, mm_start, mm_book, NULL, mm_order, NULL, mm_stop, NULL};

/* ---- momentum
 * ------------------------------------------------------------------ */

#define MOM_MAX_WINDOW 64

struct momentum {
    struct lx_decimal qty;
    int window;
    struct lx_decimal last[MOM_MAX_WINDOW];
    int n;
    bool long_pos, pending;
    uint64_t seq;
};

static struct momentum the_momentum;

static void *mom_create(struct lx_strategy_ctx *c)
{
    struct momentum *m = &the_momentum;

    memset(m, 0, sizeof(*m));
    if (param_dec(c, "qty", "0.001", &m->qty) != LX_OK) {
        return NULL;
    }
    m->window = (int)param_int(c, "window", 5, 2, MOM_MAX_WINDOW);
    return m;
}

static void mom_done(struct lx_exchange *ex, const struct lx_ex_result *r,
                     void *ud)
{
    struct momentum *m = &the_momentum;

    LX_UNUSED(ex);
    m->pending = false;
    if (r->err == LX_OK && r->norders == 1 &&
        r->orders[0].status == LX_STATUS_FILLED) {
        m->long_pos = r->orders[0].side == LX_SIDE_BUY;
    } else if (r->err != LX_OK) {
        on_placed(ex, r, ud);
    }
}

/* +1 strictly rising over the window, -1 strictly falling, else 0. */
static int trend(const struct momentum *m)
{
    int i, up = 1, down = 1;

    for (i = 1; i < m->window; i++) {
        int k = lx_decimal_cmp(m->last[i], m->last[i - 1]);
        up &= k > 0;
        down &= k < 0;
    }
    return up ? 1 : down ? -1 : 0;
}

static void mom_trade(void *st, struct lx_strategy_ctx *c,
                      const struct lx_trade *t)
{
    struct momentum *m = st;
    const struct lx_instrument *in;
    struct lx_order_req o;
    int dir;

    if (m->n == m->window) {
        memmove(&m->last[0], &m->last[1],
                (size_t)(m->window - 1) * sizeof(m->last[0]));
        m->n--;
    }
    m->last[m->n++] = t->price;
    if (m->n < m->window || m->pending) {
        return;
    }
    dir = trend(m);
    if ((dir > 0 && m->long_pos) || (dir < 0 && !m->long_pos) || dir == 0) {
        return;
    }
    memset(&o, 0, sizeof(o));
    lx__snprintf(o.symbol, sizeof(o.symbol), "%s", lx_strategy_symbol(c));
    o.side = dir > 0 ? LX_SIDE_BUY : LX_SIDE_SELL;
    o.type = LX_ORDER_MARKET;
    o.has_qty = true;
    o.qty = fit_qty(c, m->qty, t->price);
    in = lx_strategy_instrument(c);
    /* the final state in the answer (USD-M has no FULL) */
    o.resp_type =
        in != NULL && in->kind == LX_KIND_SPOT ? LX_RESP_FULL : LX_RESP_RESULT;
    lx__snprintf(o.client_id, sizeof(o.client_id), "mom-%llu",
                 (unsigned long long)++m->seq);
    if (lx_exchange_place(lx_strategy_exchange(c), &o, mom_done, c) == LX_OK) {
        m->pending = true;
    }
}

static const struct lx_strategy momentum_strategy = {
    "momentum", mom_create, NULL, NULL, mom_trade, NULL, NULL, NULL, NULL};

static const struct lx_strategy hold_strategy = {"hold", NULL, NULL, NULL, NULL,
                                                 NULL,   NULL, NULL, NULL};

const struct lx_strategy *lx_cli_builtin_strategy(const char *name)
{
    if (strcmp(name, "hold") == 0) {
        return &hold_strategy;
    }
    if (strcmp(name, "mm") == 0) {
        return &mm_strategy;
    }
    if (strcmp(name, "momentum") == 0) {
        return &momentum_strategy;
    }
    return NULL;
}
