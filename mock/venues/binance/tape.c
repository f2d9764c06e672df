/*
 * tape.c - a recorded market mirrored into the simulated Binance spot or
 * USD-M venue (see tape.h for the model). Both venues keep their books in
 * the matching engine; struct tape_venue is what differs between them:
 * the engine and instrument, the wire dialect and book rules, the venue's
 * clock and drain, and for a perpetual the mark and funding rate inputs.
 */
#include <string.h>
#include <strings.h>

#include "core/lx_internal.h"
#include "lotusx/lx_book.h"
#include "lotusx/lx_capture.h"
#include "lotusx/lx_clock.h"
#include "lotusx/lx_tap.h"
#include "lotusx/lx_ws.h"
#include "mock/venues/binance/spot_int.h"
#include "mock/venues/binance/tape.h"
#include "mock/venues/binance/usdm.h"
#include "venues/binance/binance.h"

__extension__ typedef __int128 tape_i128;

/* Orders looked at per level; a level never holds more in practice. */
#define TAPE_QCAP 256
/* Connections whose last request was a depth snapshot, remembered. */
#define TAPE_CONNS 64

struct tape_conn {
    uint64_t id;
    bool depth; /* the last request on it was GET .../depth */
};

/* The venue a tape drives (spot or USD-M), through the engine. */
struct tape_venue {
    void *v;
    struct lx_engine *eng;
    uint32_t inst;
    struct lx_decimal tick, lot;
    char name[LX_SYMBOL_LEN];
    enum lx_bn_market market;
    enum lx_book_rules rules;
    int64_t (*now_ns)(void *v);
    int (*drain)(void *v);
    /* perpetuals only (NULL on spot): the venue's mark and funding rate */
    void (*note_mark)(void *v, uint32_t inst, int64_t ticks);
    int (*set_rate)(void *v, const char *symbol, const char *rate);
};

struct lx_mock_tape {
    struct tape_venue vn;
    uint32_t book_acct, trade_acct;
    struct lx_book_sync *sync;
    struct lx_arena *arena;
    struct lx_mock_tape_stats st;
    struct lx_eng_queue_entry q[TAPE_QCAP];
    struct lx_eng_order_info *all; /* full reconciliation scratch */
    size_t all_cap;
    struct lx_book_level *lv; /* recorded levels scratch */
    size_t lv_cap;
    /* playing a capture */
    struct lx_clock *clock;
    struct lx_timer *timer;
    struct lx_capture_reader *r;
    struct lx_capture_error *err;
    char *pend;
    size_t pend_len, pend_cap;
    int64_t pend_ns;
    bool have_pend, playing;
    struct tape_conn conns[TAPE_CONNS];
    size_t nconns;
    void (*done)(void *ud, int rc);
    void *done_ud;
    /* perpetuals: the mark set on the venue (ticks, 0 none), and whether
     * the recording has a markPrice stream (then the book's mid is not) */
    int64_t mark;
    bool mark_stream;
};

static int64_t now_ns(const struct lx_mock_tape *t)
{
    return t->vn.now_ns(t->vn.v);
}

static int tape_new(struct lx_mock_tape **out, const struct tape_venue *vn,
                    uint32_t book_acct, uint32_t trade_acct)
{
    struct lx_mock_tape *t;
    int rc;

    t = lx__calloc(NULL, 1, sizeof(*t));
    if (t == NULL) {
        return LX_ERR_NOMEM;
    }
    t->vn = *vn;
    t->book_acct = book_acct;
    t->trade_acct = trade_acct;
    rc = lx_book_sync_new(&t->sync, NULL, vn->rules, NULL);
    if (rc == LX_OK) {
        rc = lx_arena_new(&t->arena, NULL, 0);
    }
    if (rc != LX_OK) {
        lx_mock_tape_free(t);
        return rc;
    }
    *out = t;
    return LX_OK;
}

static int64_t spot_now(void *v)
{
    return lx__mbn_now_ns(v);
}

static int spot_drain(void *v)
{
    return lx__mbn_drain(v);
}

int lx_mock_tape_new(struct lx_mock_tape **out, struct lx_mock_bn_spot *v,
                     const char *symbol, uint32_t book_acct,
                     uint32_t trade_acct, const char **why)
{
    struct tape_venue vn;
    struct bn_symbol *s;

    if (out == NULL || v == NULL || symbol == NULL) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    s = lx__mbn_sym(v, symbol);
    if (s == NULL) {
        if (why != NULL) {
            *why = "the tape's symbol is not listed on the venue";
        }
        return LX_ERR_INVAL;
    }
    memset(&vn, 0, sizeof(vn));
    vn.v = v;
    vn.eng = v->eng;
    vn.inst = s->inst;
    vn.tick = s->tick;
    vn.lot = s->lot;
    lx__snprintf(vn.name, sizeof(vn.name), "%s", s->name);
    vn.market = LX_BN_SPOT;
    vn.rules = LX_BOOK_RULES_BINANCE_SPOT;
    vn.now_ns = spot_now;
    vn.drain = spot_drain;
    return tape_new(out, &vn, book_acct, trade_acct);
}

static int64_t usdm_now(void *v)
{
    return lx__mbum_now_ns(v);
}

static int usdm_drain(void *v)
{
    lx__mbum_drain(v);
    return LX_OK;
}

static void usdm_note_mark(void *v, uint32_t inst, int64_t ticks)
{
    lx__mbum_note_mark(v, inst, ticks);
}

static int usdm_set_rate(void *v, const char *symbol, const char *rate)
{
    return lx_mock_bn_usdm_set_funding_rate(v, symbol, rate);
}

int lx_mock_tape_new_usdm(struct lx_mock_tape **out, struct lx_mock_bn_usdm *v,
                          const char *symbol, uint32_t book_acct,
                          uint32_t trade_acct, const char **why)
{
    struct tape_venue vn;

    if (out == NULL || v == NULL || symbol == NULL ||
        strlen(symbol) >= sizeof(vn.name)) {
        return LX_ERR_INVAL;
    }
    *out = NULL;
    memset(&vn, 0, sizeof(vn));
    if (lx__mbum_symbol(v, symbol, &vn.inst, &vn.tick, &vn.lot) != LX_OK) {
        if (why != NULL) {
            *why = "the tape's symbol is not listed on the venue";
        }
        return LX_ERR_INVAL;
    }
    vn.v = v;
    vn.eng = lx__mbum_engine(v);
    lx__snprintf(vn.name, sizeof(vn.name), "%s", symbol);
    vn.market = LX_BN_USDM;
    vn.rules = LX_BOOK_RULES_BINANCE_USDM;
    vn.now_ns = usdm_now;
    vn.drain = usdm_drain;
    vn.note_mark = usdm_note_mark;
    vn.set_rate = usdm_set_rate;
    return tape_new(out, &vn, book_acct, trade_acct);
}

void lx_mock_tape_free(struct lx_mock_tape *t)
{
    if (t == NULL) {
        return;
    }
    lx_mock_tape_stop(t);
    lx_timer_free(t->timer);
    lx_book_sync_free(t->sync);
    lx_arena_free(t->arena);
    lx__free(NULL, t->all);
    lx__free(NULL, t->lv);
    lx__free(NULL, t->pend);
    lx__free(NULL, t);
}

bool lx_mock_tape_synced(const struct lx_mock_tape *t)
{
    return t != NULL && lx_book_sync_state(t->sync) == LX_BOOK_SYNC_SYNCED;
}

void lx_mock_tape_get_stats(const struct lx_mock_tape *t,
                            struct lx_mock_tape_stats *out)
{
    struct lx_book_sync_stats ss;

    *out = t->st;
    lx_book_sync_get_stats(t->sync, &ss);
    out->diffs = ss.applied;
}

/* ---- mirroring the recorded book into the engine -------------------------
 */

enum { PASS_DOWN, PASS_UP };

/* A recorded size in lots, rounded down onto the lot grid; -1 if bad. */
static int64_t to_lots(struct lx_mock_tape *t, struct lx_decimal q)
{
    struct lx_decimal r;
    int64_t lots;
    int rc = lx_decimal_to_ticks(q, t->vn.lot, &lots);

    if (rc == LX_ERR_INEXACT &&
        lx_decimal_round_to_step(q, t->vn.lot, LX_ROUND_DOWN, &r) == LX_OK) {
        /* Older orders can be finer than today's lot size. */
        t->st.rounded++;
        rc = lx_decimal_to_ticks(r, t->vn.lot, &lots);
    }
    return rc == LX_OK ? lots : -1;
}

/* The recorded size at (side, price), in lots; -1 if bad. */
static int64_t recorded_lots(struct lx_mock_tape *t, int side,
                             struct lx_decimal price)
{
    struct lx_decimal q;

    if (lx_book_qty_at(lx_book_sync_book(t->sync),
                       side == LX_ENG_BUY ? LX_BOOK_BID : LX_BOOK_ASK, price,
                       &q) != LX_OK) {
        return -1;
    }
    return to_lots(t, q);
}

static int add_order(struct lx_mock_tape *t, int side, int64_t price,
                     int64_t lots)
{
    struct lx_eng_order_req r;
    struct lx_eng_result res;
    int rc;

    memset(&r, 0, sizeof(r));
    r.account = t->book_acct;
    r.inst = t->vn.inst;
    r.side = (uint8_t)side;
    r.type = LX_ENG_LIMIT;
    r.tif = LX_ENG_GTC;
    r.stp = LX_ENG_STP_EXPIRE_TAKER; /* never trade with itself */
    r.price = price;
    r.qty = lots;
    r.time = now_ns(t);
    t->st.engine_ops++;
    rc = lx__engine_submit(t->vn.eng, &r, &res);
    if (rc == LX_OK && res.order_id == 0) {
        t->st.rejected++; /* e.g. the liquidity account ran out of funds */
    }
    return rc;
}

/*
 * Brings the liquidity account's size at (side, price) to target lots: in
 * PASS_DOWN only decreases (pro rata over its orders there, so an order
 * of someone else keeps its place relative to the size around it), in
 * PASS_UP only increases (at the back of the queue).
 */
static int set_level(struct lx_mock_tape *t, int pass, int side, int64_t price,
                     int64_t target)
{
    struct lx_engine *e = t->vn.eng;
    struct lx_eng_result res;
    size_t n, i, nl = 0;
    int64_t cur = 0, cut, left;
    int rc = LX_OK;

    n = lx__engine_queue(e, t->vn.inst, side, price, t->q, TAPE_QCAP);
    if (n > TAPE_QCAP) {
        n = TAPE_QCAP;
    }
    for (i = 0; i < n; i++) {
        if (t->q[i].account == t->book_acct) {
            cur += t->q[i].remaining;
            nl++;
        }
    }
    if (pass == PASS_UP) {
        if (target <= cur) {
            return LX_OK;
        }
        if (n > 0 && t->q[n - 1].account == t->book_acct) {
            /* Growing the last order in the queue moves nobody. */
            const struct lx_eng_queue_entry *q = &t->q[n - 1];
            t->st.engine_ops++;
            return lx__engine_amend(e, t->book_acct, q->id, price,
                                    q->filled + q->remaining + target - cur,
                                    now_ns(t), &res);
        }
        return add_order(t, side, price, target - cur);
    }
    if (target >= cur) {
        return LX_OK;
    }
    /* Cut cur - target in proportion to each order's size; the rounding
     * remainder comes off the back of the queue. */
    cut = cur - target;
    left = cut;
    for (i = 0; i < n && rc == LX_OK; i++) {
        struct lx_eng_queue_entry *q = &t->q[i];
        if (q->account != t->book_acct) {
            continue;
        }
        int64_t c = (int64_t)((tape_i128)cut * q->remaining / cur);
        q->remaining -= c; /* the new remaining, applied below */
        left -= c;
    }
    for (i = n; i-- > 0 && left > 0;) {
        struct lx_eng_queue_entry *q = &t->q[i];
        int64_t c;
        if (q->account != t->book_acct) {
            continue;
        }
        c = q->remaining < left ? q->remaining : left;
        q->remaining -= c;
        left -= c;
    }
    /* Apply: the queue snapshot is stale once the engine changes, but
     * amends and cancels of the book account only touch its own orders. */
    for (i = 0; i < n && rc == LX_OK; i++) {
        const struct lx_eng_queue_entry *q = &t->q[i];
        struct lx_eng_order_info info;
        if (q->account != t->book_acct ||
            lx__engine_order(e, q->id, &info) != LX_OK) {
            continue;
        }
        if (q->remaining == info.remaining) {
            continue;
        }
        t->st.engine_ops++;
        if (q->remaining <= 0) {
            rc = lx__engine_cancel(e, t->book_acct, q->id, NULL, 0, now_ns(t),
                                   &res);
        } else {
            rc = lx__engine_amend(e, t->book_acct, q->id, price,
                                  info.filled + q->remaining, now_ns(t), &res);
        }
    }
    return rc;
}

/* Sets the levels of one side of a diff, in one pass. */
static int set_levels(struct lx_mock_tape *t, int pass, int side,
                      const struct lx_level *lv, size_t n)
{
    size_t i;
    int rc = LX_OK;

    for (i = 0; i < n && rc == LX_OK; i++) {
        int64_t ticks, target;
        if (lx_decimal_to_ticks(lv[i].price, t->vn.tick, &ticks) != LX_OK ||
            ticks <= 0 || (target = recorded_lots(t, side, lv[i].price)) < 0) {
            t->st.bad++;
            continue;
        }
        rc = set_level(t, pass, side, ticks, target);
    }
    return rc;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    void *np;
    size_t c = *cap ? *cap : 64;

    if (need <= *cap) {
        return LX_OK;
    }
    while (c < need) {
        c *= 2;
    }
    np = lx__realloc(NULL, *p, c * size);
    if (np == NULL) {
        return LX_ERR_NOMEM;
    }
    *p = np;
    *cap = c;
    return LX_OK;
}

/* Makes the engine mirror the whole recorded book (after a snapshot). */
static int reconcile_all(struct lx_mock_tape *t)
{
    const struct lx_book *b = lx_book_sync_book(t->sync);
    size_t n, i;
    int side, rc;

    n = lx__engine_list_orders(t->vn.eng, t->vn.inst, t->all, t->all_cap);
    if (n > t->all_cap) {
        rc = grow((void **)&t->all, &t->all_cap, n, sizeof(*t->all));
        if (rc != LX_OK) {
            return rc;
        }
        n = lx__engine_list_orders(t->vn.eng, t->vn.inst, t->all, t->all_cap);
    }
    for (i = 0, rc = LX_OK; i < n && rc == LX_OK; i++) {
        const struct lx_eng_order_info *o = &t->all[i];
        struct lx_decimal px;
        int64_t target;
        if (o->account != t->book_acct ||
            lx_decimal_from_ticks(o->price, t->vn.tick, &px) != LX_OK) {
            continue;
        }
        target = recorded_lots(t, o->side, px);
        rc =
            set_level(t, PASS_DOWN, o->side, o->price, target < 0 ? 0 : target);
    }
    for (side = 0; side < 2 && rc == LX_OK; side++) {
        enum lx_book_side bs = side == LX_ENG_BUY ? LX_BOOK_BID : LX_BOOK_ASK;
        n = lx_book_depth(b, bs);
        rc = grow((void **)&t->lv, &t->lv_cap, n + 1, sizeof(*t->lv));
        if (rc != LX_OK) {
            break;
        }
        n = lx_book_top(b, bs, t->lv, n);
        for (i = 0; i < n && rc == LX_OK; i++) {
            int64_t ticks, lots;
            if (lx_decimal_to_ticks(t->lv[i].price, t->vn.tick, &ticks) !=
                    LX_OK ||
                (lots = to_lots(t, t->lv[i].qty)) < 0 || ticks <= 0) {
                t->st.bad++;
                continue;
            }
            rc = set_level(t, PASS_UP, side, ticks, lots);
        }
    }
    return rc;
}

static const struct lx_book_level *
to_book_levels(struct lx_mock_tape *t, const struct lx_level *in, size_t n)
{
    struct lx_book_level *out;
    size_t i;

    if (n == 0) {
        return NULL;
    }
    out = lx_arena_alloc_array(t->arena, n, sizeof(*out));
    for (i = 0; out != NULL && i < n; i++) {
        out[i].price = in[i].price;
        out[i].qty = in[i].qty;
    }
    return out;
}

static void note_sync(struct lx_mock_tape *t, enum lx_book_sync_state before)
{
    if (before == LX_BOOK_SYNC_SYNCED &&
        lx_book_sync_state(t->sync) != LX_BOOK_SYNC_SYNCED) {
        t->st.gaps++;
    }
}

static int mark_from_book(struct lx_mock_tape *t);

static int on_snapshot(struct lx_mock_tape *t, const char *buf, size_t len)
{
    enum lx_book_sync_state before = lx_book_sync_state(t->sync);
    struct lx_book_snapshot snap;
    struct lx_bn_err err;
    struct lx_depth d;
    int rc;

    if (lx__bn_parse_depth(buf, len, t->arena, &d, &err) != LX_OK) {
        t->st.bad++;
        return LX_OK;
    }
    memset(&snap, 0, sizeof(snap));
    snap.last_update_id = (uint64_t)d.last_update_id;
    snap.bids = to_book_levels(t, d.bids, d.nbids);
    snap.nbids = snap.bids != NULL ? d.nbids : 0;
    snap.asks = to_book_levels(t, d.asks, d.nasks);
    snap.nasks = snap.asks != NULL ? d.nasks : 0;
    rc = lx_book_sync_snapshot(t->sync, &snap);
    note_sync(t, before);
    if (rc == LX_ERR_NOMEM) {
        return rc;
    }
    t->st.snapshots++;
    rc = lx_mock_tape_synced(t) ? reconcile_all(t) : LX_OK;
    return rc == LX_OK ? mark_from_book(t) : rc;
}

static int on_diff(struct lx_mock_tape *t, const struct lx_depth *d)
{
    enum lx_book_sync_state before = lx_book_sync_state(t->sync);
    enum lx_book_action action = LX_BOOK_ACTION_NONE;
    struct lx_book_diff diff;
    int rc;

    memset(&diff, 0, sizeof(diff));
    diff.first_id = (uint64_t)d->first_id;
    diff.final_id = (uint64_t)d->final_id;
    diff.event_time = d->event_ms;
    if (d->prev_final_id >= 0) { /* USD-M: pu chains the diffs */
        diff.prev_final_id = (uint64_t)d->prev_final_id;
        diff.has_prev_final_id = true;
    }
    diff.bids = to_book_levels(t, d->bids, d->nbids);
    diff.nbids = diff.bids != NULL ? d->nbids : 0;
    diff.asks = to_book_levels(t, d->asks, d->nasks);
    diff.nasks = diff.asks != NULL ? d->nasks : 0;
    rc = lx_book_sync_diff(t->sync, &diff, &action);
    note_sync(t, before);
    if (rc == LX_ERR_NOMEM) {
        return rc;
    }
    if (action != LX_BOOK_ACTION_APPLIED) {
        return mark_from_book(t);
    }
    /* Decreases first on both sides, so that the liquidity account's
     * bids and asks never cross on the way to the new book. */
    rc = set_levels(t, PASS_DOWN, LX_ENG_BUY, d->bids, d->nbids);
    if (rc == LX_OK) {
        rc = set_levels(t, PASS_DOWN, LX_ENG_SELL, d->asks, d->nasks);
    }
    if (rc == LX_OK) {
        rc = set_levels(t, PASS_UP, LX_ENG_BUY, d->bids, d->nbids);
    }
    if (rc == LX_OK) {
        rc = set_levels(t, PASS_UP, LX_ENG_SELL, d->asks, d->nasks);
    }
    return rc == LX_OK ? mark_from_book(t) : rc;
}

static int on_trade(struct lx_mock_tape *t, const struct lx_trade *tr)
{
    struct lx_eng_order_req r;
    struct lx_eng_result res;
    int64_t ticks, lots;
    int rc;

    if (lx_decimal_to_ticks(tr->price, t->vn.tick, &ticks) != LX_OK ||
        ticks <= 0 || (lots = to_lots(t, tr->qty)) <= 0) {
        t->st.bad++;
        return LX_OK;
    }
    memset(&r, 0, sizeof(r));
    r.account = t->trade_acct;
    r.inst = t->vn.inst;
    r.side = tr->taker_side == LX_SIDE_SELL ? LX_ENG_SELL : LX_ENG_BUY;
    r.type = LX_ENG_LIMIT;
    r.tif = LX_ENG_IOC;
    r.price = ticks;
    r.qty = lots;
    r.time = now_ns(t);
    t->st.engine_ops++;
    t->st.trades++;
    rc = lx__engine_submit(t->vn.eng, &r, &res);
    if (rc == LX_OK && res.filled < lots) {
        t->st.trades_cut++;
    }
    return rc;
}

/* ---- perpetuals: mark and funding rate --------------------------------
 */

/*
 * Sets the venue's mark (ticks) when it changed, and notes the
 * liquidations it caused of accounts other than the tape's: their count
 * and what they took from the wallets (margin units).
 */
static int set_mark(struct lx_mock_tape *t, int64_t ticks)
{
    const struct lx_eng_event *ev;
    uint64_t dropped = 0;
    size_t n = 0, i;

    if (t->vn.note_mark == NULL || ticks <= 0 || ticks == t->mark) {
        return LX_OK;
    }
    t->st.engine_ops++;
    if (lx__engine_set_mark(t->vn.eng, t->vn.inst, ticks, now_ns(t)) != LX_OK) {
        t->st.bad++; /* off the venue's price range */
        return LX_OK;
    }
    t->mark = ticks;
    t->st.marks++;
    ev = lx__engine_events(t->vn.eng, &n, &dropped);
    for (i = 0; i < n; i++) {
        if (ev[i].account == t->book_acct || ev[i].account == t->trade_acct) {
            continue;
        }
        if (ev[i].type == LX_ENG_EV_LIQUIDATION) {
            t->st.liquidations++;
            t->st.liq_wallet += ev[i].a - ev[i].b; /* pnl less the fund's */
        } else if (ev[i].type == LX_ENG_EV_BALANCE &&
                   ev[i].reason == LX_ENG_BAL_INSURANCE) {
            t->st.liq_wallet += ev[i].price;
        }
    }
    t->vn.note_mark(t->vn.v, t->vn.inst, ticks);
    return LX_OK;
}

/* Without a markPrice stream the mark is the recorded book's mid. */
static int mark_from_book(struct lx_mock_tape *t)
{
    const struct lx_book *b = lx_book_sync_book(t->sync);
    struct lx_book_level bid, ask;
    int64_t bt, at;

    if (t->vn.note_mark == NULL || t->mark_stream || !lx_mock_tape_synced(t) ||
        lx_book_best(b, LX_BOOK_BID, &bid) != LX_OK ||
        lx_book_best(b, LX_BOOK_ASK, &ask) != LX_OK ||
        lx_decimal_to_ticks(bid.price, t->vn.tick, &bt) != LX_OK ||
        lx_decimal_to_ticks(ask.price, t->vn.tick, &at) != LX_OK) {
        return LX_OK;
    }
    return set_mark(t, bt + (at - bt) / 2); /* rounded down to the tick */
}

/* A recorded markPrice update: the mark (onto the tick) and the rate. */
static int on_mark(struct lx_mock_tape *t, const struct lx_mark_price *m)
{
    struct lx_decimal r;
    char buf[LX_DECIMAL_STRLEN];
    int64_t ticks;

    t->mark_stream = true;
    t->st.mark_frames++;
    if (lx_decimal_round_to_step(m->mark, t->vn.tick, LX_ROUND_HALF_EVEN, &r) !=
            LX_OK ||
        lx_decimal_to_ticks(r, t->vn.tick, &ticks) != LX_OK) {
        t->st.bad++;
        return LX_OK;
    }
    if (lx_decimal_format(m->funding_rate, buf, sizeof(buf)) > 0 &&
        t->vn.set_rate(t->vn.v, t->vn.name, buf) == LX_OK) {
        t->st.rates++;
    }
    return set_mark(t, ticks);
}

static bool is_snapshot(const char *buf, size_t len)
{
    static const char key[] = "\"lastUpdateId\"";
    size_t i = 0;

    while (i < len && (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\r' ||
                       buf[i] == '\t')) {
        i++;
    }
    return i < len && buf[i] == '{' && len - i - 1 >= sizeof(key) - 1 &&
           memcmp(buf + i + 1, key, sizeof(key) - 1) == 0;
}

int lx_mock_tape_feed(struct lx_mock_tape *t, const char *buf, size_t len)
{
    struct lx_bn_msg msg;
    struct lx_bn_err err;
    int rc = LX_OK;

    if (t == NULL || buf == NULL) {
        return LX_ERR_INVAL;
    }
    t->st.frames++;
    lx_arena_reset(t->arena);
    if (is_snapshot(buf, len)) {
        rc = on_snapshot(t, buf, len);
    } else if (lx__bn_parse_ws(t->vn.market, buf, len, t->arena, &msg, &err) !=
               LX_OK) {
        t->st.bad++;
    } else if (msg.kind == LX_BN_MSG_DEPTH &&
               strcasecmp(msg.u.depth.symbol, t->vn.name) == 0) {
        rc = on_diff(t, &msg.u.depth);
    } else if (msg.kind == LX_BN_MSG_TRADE && !msg.u.trade.is_aggregate &&
               strcasecmp(msg.u.trade.symbol, t->vn.name) == 0) {
        rc = on_trade(t, &msg.u.trade);
    } else if (msg.kind == LX_BN_MSG_MARK_PRICE && t->vn.note_mark != NULL &&
               strcasecmp(msg.u.mark_price.symbol, t->vn.name) == 0) {
        rc = on_mark(t, &msg.u.mark_price);
    } else {
        t->st.skipped++;
    }
    if (rc == LX_OK) {
        rc = t->vn.drain(t->vn.v);
    }
    return rc;
}

/* ---- playing a capture ---------------------------------------------------
 */

static struct tape_conn *conn_of(struct lx_mock_tape *t, uint64_t id)
{
    size_t i;

    for (i = 0; i < t->nconns; i++) {
        if (t->conns[i].id == id) {
            return &t->conns[i];
        }
    }
    if (t->nconns == TAPE_CONNS) {
        /* Reuse the oldest slot: connections long closed. */
        memmove(t->conns, t->conns + 1, sizeof(t->conns[0]) * (TAPE_CONNS - 1));
        t->nconns--;
    }
    t->conns[t->nconns].id = id;
    t->conns[t->nconns].depth = false;
    return &t->conns[t->nconns++];
}

/* A record the tape uses: sets *use. */
static void classify(struct lx_mock_tape *t, const struct lx_capture_record *r,
                     bool *use)
{
    *use = false;
    if (r->side != LX_TAP_CLIENT) {
        return;
    }
    if (r->kind == LX_CAPTURE_WS_FRAME) {
        *use = r->dir == LX_TAP_IN && r->ws_opcode == LX_WS_TEXT;
    } else if (r->kind == LX_CAPTURE_HTTP_REQUEST && r->target != NULL) {
        const char *q = strchr(r->target, '?');
        size_t n = q != NULL ? (size_t)(q - r->target) : strlen(r->target);
        conn_of(t, r->conn_id)->depth =
            n >= 6 && memcmp(r->target + n - 6, "/depth", 6) == 0 &&
            r->method != NULL && strcmp(r->method, "GET") == 0;
    } else if (r->kind == LX_CAPTURE_HTTP_RESPONSE) {
        struct tape_conn *c = conn_of(t, r->conn_id);
        *use = c->depth && r->status == 200;
        c->depth = false;
    }
}

static void finish(struct lx_mock_tape *t, int rc)
{
    t->playing = false;
    lx_capture_reader_free(t->r);
    t->r = NULL;
    if (t->done != NULL) {
        t->done(t->done_ud, rc);
    }
}

/* Feeds every record due now; arms the timer for the next one. */
static void play_cb(struct lx_timer *tm, void *ud)
{
    struct lx_mock_tape *t = ud;
    const struct lx_capture_record *r;
    int rc = LX_OK, more;
    bool use;

    LX_UNUSED(tm);
    while (t->playing) {
        if (t->have_pend) {
            int64_t now = lx_clock_wall_ns(t->clock);
            if (t->pend_ns > now) {
                rc = lx_timer_start(t->timer, t->pend_ns - now, 0);
                if (rc == LX_OK) {
                    return;
                }
                break;
            }
            t->have_pend = false;
            if (t->st.first_ns == 0) {
                t->st.first_ns = t->pend_ns;
            }
            t->st.last_ns = t->pend_ns;
            rc = lx_mock_tape_feed(t, t->pend, t->pend_len);
            if (rc != LX_OK || !t->playing) {
                break;
            }
            continue;
        }
        more = lx_capture_reader_next(t->r, &r);
        if (more <= 0) {
            rc = more;
            if (more < 0 && t->err != NULL) {
                *t->err = *lx_capture_reader_error(t->r);
            }
            break;
        }
        classify(t, r, &use);
        if (!use) {
            continue;
        }
        rc = grow((void **)&t->pend, &t->pend_cap, r->len + 1, 1);
        if (rc != LX_OK) {
            break;
        }
        memcpy(t->pend, r->data, r->len);
        t->pend[r->len] = '\0';
        t->pend_len = r->len;
        t->pend_ns = r->wall_ns;
        t->have_pend = true;
    }
    if (t->playing) {
        finish(t, rc);
    }
}

int lx_mock_tape_play(struct lx_mock_tape *t, struct lx_clock *clock,
                      const char *path, int64_t from_ns, int64_t to_ns,
                      void (*done)(void *ud, int rc), void *ud,
                      struct lx_capture_error *err)
{
    int rc;

    if (t == NULL || clock == NULL || path == NULL || t->playing ||
        from_ns > to_ns) {
        return LX_ERR_INVAL;
    }
    if (t->timer == NULL) {
        rc = lx_timer_new(&t->timer, clock, play_cb, t);
        if (rc != LX_OK) {
            return rc;
        }
    }
    t->clock = clock;
    rc = lx_capture_open(&t->r, NULL, path, err);
    if (rc == LX_OK) {
        struct lx_capture_info ci;

        /*
         * Decompress on a second core while this thread replays: same
         * records, same errors. Without a thread it reads here; small
         * files read here too (the thread would cost more than it saves).
         */
        lx_capture_reader_info(t->r, &ci);
        if (ci.raw_bytes >= LX_CAPTURE_READAHEAD_MIN_BYTES) {
            (void)lx_capture_reader_set_readahead(t->r, 4);
        }
        lx_capture_reader_set_kinds(
            t->r, LX_CAPTURE_KIND_BIT(LX_CAPTURE_WS_FRAME) |
                      LX_CAPTURE_KIND_BIT(LX_CAPTURE_HTTP_REQUEST) |
                      LX_CAPTURE_KIND_BIT(LX_CAPTURE_HTTP_RESPONSE));
        rc = lx_capture_reader_seek(t->r, from_ns, to_ns);
        if (rc != LX_OK && err != NULL) {
            *err = *lx_capture_reader_error(t->r);
        }
    }
    if (rc != LX_OK) {
        lx_capture_reader_free(t->r);
        t->r = NULL;
        return rc;
    }
    t->err = err;
    t->done = done;
    t->done_ud = ud;
    t->have_pend = false;
    t->nconns = 0;
    t->playing = true;
    rc = lx_timer_start(t->timer, 0, 0);
    if (rc != LX_OK) {
        t->playing = false;
        lx_capture_reader_free(t->r);
        t->r = NULL;
    }
    return rc;
}

void lx_mock_tape_stop(struct lx_mock_tape *t)
{
    if (t == NULL) {
        return;
    }
    t->playing = false;
    if (t->timer != NULL) {
        lx_timer_stop(t->timer);
    }
    lx_capture_reader_free(t->r);
    t->r = NULL;
}

int lx_mock_tape_span(const char *path, int64_t from_ns, int64_t to_ns,
                      int64_t *first_ns, int64_t *last_ns,
                      struct lx_capture_error *err)
{
    struct lx_capture_reader *r = NULL;
    struct lx_capture_info info;
    int rc;

    if (path == NULL || first_ns == NULL || last_ns == NULL ||
        from_ns > to_ns) {
        return LX_ERR_INVAL;
    }
    rc = lx_capture_open(&r, NULL, path, err);
    if (rc != LX_OK) {
        return rc;
    }
    lx_capture_reader_info(r, &info);
    lx_capture_reader_free(r);
    if (info.records == 0) {
        if (err != NULL) {
            memset(err, 0, sizeof(*err));
            err->code = LX_ERR_NOTFOUND;
            lx__snprintf(err->msg, sizeof(err->msg), "the capture is empty");
        }
        return LX_ERR_NOTFOUND;
    }
    *first_ns = info.first_wall_ns > from_ns ? info.first_wall_ns : from_ns;
    *last_ns = to_ns != INT64_MAX && info.last_wall_ns >= to_ns
                   ? to_ns - 1
                   : info.last_wall_ns;
    if (*last_ns < *first_ns) {
        if (err != NULL) {
            memset(err, 0, sizeof(*err));
            err->code = LX_ERR_NOTFOUND;
            lx__snprintf(err->msg, sizeof(err->msg),
                         "no record in the time range");
        }
        return LX_ERR_NOTFOUND;
    }
    return LX_OK;
}
