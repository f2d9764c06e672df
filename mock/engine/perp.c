/*
 * perp.c - linear perpetuals (Binance USD-M semantics) on top of the book:
 * per-account leverage, margin type and position mode; positions with
 * exact entry cost and realized PnL; the mark price input; available
 * margin; funding; liquidation against the insurance fund; trailing-stop
 * tracking; replay of the perp events; and the perp part of the state
 * hash and of the conservation check.
 *
 * Matching, locks and triggers stay in match.c (which calls in here for
 * perp books); nothing here allocates, reads a clock or does I/O. The
 * formulas and rounding rules are in docs/engine.md ("Perpetuals").
 */
#include <string.h>

#include "engine/engine_int.h"

#define E8 100000000

/* ---- Arithmetic -----------------------------------------------------------
 */

/* floor(a * b / c) for a, b >= 0, c > 0, without overflow in between. */
int64_t lx__eng_muldiv(int64_t a, int64_t b, int64_t c)
{
    return (int64_t)((__int128)a * b / c);
}

static int64_t abs64(int64_t x)
{
    return x < 0 ? -x : x;
}

/* a * b * c clamped to the int64 range (absurd marks must not be UB). */
static int64_t mul3_sat(int64_t a, int64_t b, int64_t c)
{
    __int128 p = (__int128)a * b;

    if (p > INT64_MAX || p < -INT64_MAX) {
        return p > 0 ? INT64_MAX : -INT64_MAX;
    }
    p *= c;
    if (p > INT64_MAX || p < -INT64_MAX) {
        return p > 0 ? INT64_MAX : -INT64_MAX;
    }
    return (int64_t)p;
}

/* ceil(n * rate / 10^8) for n, rate >= 0. */
static int64_t rate_ceil(int64_t n, int64_t rate_e8)
{
    __int128 p = (__int128)n * rate_e8;

    return (int64_t)(p / E8 + (p % E8 != 0));
}

/* ---- Accounts and positions --------------------------------------------- */

int lx__eng_pos_idx(const struct lx_engine *e, uint32_t acct, int pos_side)
{
    return e->accounts[acct].hedge && pos_side == LX_ENG_PS_SHORT ? 1 : 0;
}

/* Lots an order of side on pos_side's position can close (0: none). */
int64_t lx__eng_closable(const struct lx_engine *e, uint32_t acct,
                         uint32_t inst, int side, int pos_side)
{
    const struct eng_pos *p =
        &eng_ai(e, acct, inst)->pos[lx__eng_pos_idx(e, acct, pos_side)];

    if (side == LX_ENG_BUY) {
        return p->size < 0 ? -p->size : 0;
    }
    return p->size > 0 ? p->size : 0;
}

/*
 * Notional and unrealized PnL of a position at the mark. Without a mark
 * the position is valued at its entry cost (uPnL 0).
 */
static void pos_value(const struct eng_book *b, const struct eng_pos *p,
                      int64_t *notional, int64_t *upnl)
{
    if (!b->has_mark) {
        *notional = p->cost;
        *upnl = 0;
        return;
    }
    *notional = mul3_sat(abs64(p->size), b->mark, b->k);
    *upnl = p->size >= 0 ? *notional - p->cost : p->cost - *notional;
}

/* Cross uPnL minus cross position initial margin in asset. */
static int64_t cross_excess(const struct lx_engine *e, uint32_t acct,
                            uint32_t asset)
{
    int64_t sum = 0, n, u;
    uint32_t i;
    int k;

    for (i = 0; i < e->nbooks; i++) {
        const struct eng_book *b = &e->books[i];
        const struct eng_ai *ai = eng_ai(e, acct, i);

        if (!b->perp || b->quote != asset || ai->isolated) {
            continue;
        }
        for (k = 0; k < 2; k++) {
            if (ai->pos[k].size != 0) {
                pos_value(b, &ai->pos[k], &n, &u);
                sum += u - lx__eng_ceil_div(n, lx__eng_lev(e, acct, i));
            }
        }
    }
    return sum;
}

int64_t lx__eng_available(const struct lx_engine *e, uint32_t acct,
                          uint32_t asset)
{
    return eng_cbal(e, acct, asset)[0] + cross_excess(e, acct, asset);
}

static void pos_ev(struct lx_engine *e, int type, uint32_t inst, uint32_t acct,
                   int idx, uint64_t id, int64_t price, int64_t qty, int64_t a,
                   int64_t b, int64_t time)
{
    struct lx_eng_event *ev = eng_ev(e);

    *ev = (struct lx_eng_event){.type = (uint8_t)type,
                                .inst = inst,
                                .time = time,
                                .order_id = id,
                                .account = acct,
                                .aux = (uint32_t)idx,
                                .price = price,
                                .qty = qty,
                                .a = a,
                                .b = b};
    eng_commit(e, ev);
}

/* Takes `close` lots off position p at price; returns the realized PnL. */
static int64_t pos_reduce(struct lx_engine *e, const struct eng_book *b,
                          uint32_t acct, struct eng_pos *p, int64_t close,
                          int64_t price)
{
    int64_t size = abs64(p->size), rel, mrel, n = price * close * b->k, pnl;

    rel = close == size ? p->cost : lx__eng_muldiv(p->cost, close, size);
    mrel = close == size ? p->margin : lx__eng_muldiv(p->margin, close, size);
    pnl = p->size > 0 ? n - rel : rel - n;
    p->cost -= rel;
    p->margin -= mrel;
    p->size += p->size > 0 ? -close : close;
    p->realized += pnl;
    eng_move(e, acct, b->quote, pnl + mrel, 0);
    return pnl;
}

/*
 * The position side of a perp fill (the fee and lock are settled by the
 * caller): close what the fill closes, open the rest; isolated positions
 * move the opening part's initial margin from free into the position.
 * emit: log the POSITION event (replay verifies it instead).
 */
void lx__eng_perp_settle(struct lx_engine *e, struct eng_book *b, uint32_t slot,
                         int64_t price, int64_t q, bool emit, int64_t time)
{
    const struct eng_order *o = &e->orders[slot];
    uint32_t acct = o->account;
    int idx = lx__eng_pos_idx(e, acct, (int)PX_PS(eng_cold(e, slot)->pext));
    struct eng_ai *ai = eng_ai(e, acct, o->inst);
    struct eng_pos *p = &ai->pos[idx];
    int64_t close = 0, open, pnl = 0;

    if (p->size != 0 && (p->size > 0) != (o->side == LX_ENG_BUY)) {
        close = q < abs64(p->size) ? q : abs64(p->size);
        pnl = pos_reduce(e, b, acct, p, close, price);
    }
    open = q - close;
    if (open > 0) {
        int64_t n = price * open * b->k;

        p->cost += n;
        p->size += o->side == LX_ENG_BUY ? open : -open;
        if (ai->isolated) {
            int64_t im = lx__eng_ceil_div(n, lx__eng_lev(e, acct, o->inst));

            p->margin += im;
            eng_move(e, acct, b->quote, -im, 0);
        }
    }
    if (emit) {
        pos_ev(e, LX_ENG_EV_POSITION, o->inst, acct, idx, o->id, p->margin,
               p->size, pnl, p->cost, time);
    }
}

/* Replay: a POSITION event must describe the position replay computed. */
int lx__eng_perp_check_pos(const struct lx_engine *e,
                           const struct lx_eng_event *ev)
{
    const struct eng_pos *p;

    if (ev->account >= e->naccounts || ev->inst >= e->nbooks ||
        !e->books[ev->inst].perp || ev->aux > 1) {
        return LX_ERR_CORRUPT;
    }
    p = &eng_ai(e, ev->account, ev->inst)->pos[ev->aux];
    if (p->size != ev->qty || p->cost != ev->b || p->margin != ev->price) {
        return LX_ERR_CORRUPT;
    }
    return LX_OK;
}

/* ---- Settings --------------------------------------------------------------
 */

static bool acct_has_orders(const struct lx_engine *e, uint32_t acct,
                            uint32_t inst, bool any_perp)
{
    uint32_t s;

    if (e->accounts[acct].open == 0) {
        return false;
    }
    for (s = 0; s < e->cfg.max_orders; s++) {
        const struct eng_order *o = &e->orders[s];

        if (o->where != W_FREE && o->account == acct &&
            (any_perp ? e->books[o->inst].perp : o->inst == inst)) {
            return true;
        }
    }
    return false;
}

static bool has_pos(const struct lx_engine *e, uint32_t acct, uint32_t inst)
{
    const struct eng_ai *ai = eng_ai(e, acct, inst);

    return ai->pos[0].size != 0 || ai->pos[1].size != 0;
}

static void setting_ev(struct lx_engine *e, int type, int reason, uint32_t acct,
                       uint32_t inst, uint32_t value, int64_t time)
{
    struct lx_eng_event *ev = eng_ev(e);

    *ev = (struct lx_eng_event){.type = (uint8_t)type,
                                .reason = (uint8_t)reason,
                                .inst = inst,
                                .time = time,
                                .account = acct,
                                .aux = value};
    eng_commit(e, ev);
}

/* Logs the outcome of a settings request; returns LX_OK. */
static int setting_done(struct lx_engine *e, int type, int reason,
                        uint32_t acct, uint32_t inst, uint32_t value,
                        int64_t time, int *out)
{
    setting_ev(e, reason == LX_ENG_R_NONE ? type : LX_ENG_EV_REJECTED, reason,
               acct, inst, value, time);
    if (out != NULL) {
        *out = reason;
    }
    return LX_OK;
}

static bool perp_ids(const struct lx_engine *e, uint32_t acct, uint32_t inst)
{
    return e != NULL && acct < e->naccounts && inst < e->nbooks &&
           e->books[inst].perp;
}

int lx__engine_set_leverage(struct lx_engine *e, uint32_t account,
                            uint32_t inst, uint32_t leverage, int64_t time,
                            int *reason)
{
    struct eng_ai *ai;
    uint32_t old;
    int r = LX_ENG_R_NONE;

    if (!perp_ids(e, account, inst)) {
        return LX_ERR_INVAL;
    }
    ai = eng_ai(e, account, inst);
    old = lx__eng_lev(e, account, inst);
    if (leverage < 1 || leverage > e->books[inst].max_lev) {
        r = LX_ENG_R_BAD_LEVERAGE;
    } else if (ai->isolated && has_pos(e, account, inst) && leverage < old) {
        r = LX_ENG_R_LEVERAGE_REDUCTION;
    } else {
        ai->lev = leverage;
        if (!ai->isolated &&
            lx__eng_available(e, account, e->books[inst].quote) < 0 &&
            leverage < old) {
            ai->lev = old;
            r = LX_ENG_R_MARGIN_INSUFFICIENT;
        }
    }
    return setting_done(e, LX_ENG_EV_LEVERAGE, r, account, inst, leverage, time,
                        reason);
}

int lx__engine_set_margin_type(struct lx_engine *e, uint32_t account,
                               uint32_t inst, int margin_type, int64_t time,
                               int *reason)
{
    struct eng_ai *ai;
    int r = LX_ENG_R_NONE;

    if (!perp_ids(e, account, inst) ||
        (margin_type != LX_ENG_CROSS && margin_type != LX_ENG_ISOLATED)) {
        return LX_ERR_INVAL;
    }
    ai = eng_ai(e, account, inst);
    if (ai->isolated == margin_type) {
        r = LX_ENG_R_NO_CHANGE;
    } else if (acct_has_orders(e, account, inst, false)) {
        r = LX_ENG_R_HAS_ORDERS;
    } else if (has_pos(e, account, inst)) {
        r = LX_ENG_R_HAS_POSITION;
    } else {
        ai->isolated = (uint8_t)margin_type;
    }
    return setting_done(e, LX_ENG_EV_MARGIN_TYPE, r, account, inst,
                        (uint32_t)margin_type, time, reason);
}

int lx__engine_set_position_mode(struct lx_engine *e, uint32_t account,
                                 bool hedge, int64_t time, int *reason)
{
    uint32_t i;
    int r = LX_ENG_R_NONE;

    if (e == NULL || account >= e->naccounts) {
        return LX_ERR_INVAL;
    }
    if (e->accounts[account].hedge == hedge) {
        r = LX_ENG_R_NO_CHANGE;
    } else if (acct_has_orders(e, account, 0, true)) {
        r = LX_ENG_R_HAS_ORDERS;
    }
    for (i = 0; r == LX_ENG_R_NONE && i < e->nbooks; i++) {
        if (e->books[i].perp && has_pos(e, account, i)) {
            r = LX_ENG_R_HAS_POSITION;
        }
    }
    if (r == LX_ENG_R_NONE) {
        e->accounts[account].hedge = hedge;
    }
    return setting_done(e, LX_ENG_EV_POSITION_MODE, r, account, 0,
                        hedge ? 1u : 0u, time, reason);
}

/* ---- Trailing stops --------------------------------------------------------
 */

static void trail_one(struct eng_cold *c, int side, int64_t price)
{
    if (!(c->pext & PX_ACTIVE)) {
        if (c->activation == 0 ||
            (side == LX_ENG_SELL ? price >= c->activation
                                 : price <= c->activation)) {
            c->pext |= PX_ACTIVE;
            c->extreme = price;
        }
        return;
    }
    if (side == LX_ENG_SELL ? price > c->extreme : price < c->extreme) {
        c->extreme = price;
    }
}

/*
 * A new price of one kind (mark or last): every trailing stop working on it
 * activates or moves its best price. Runs on every trade and mark update,
 * in the engine and in replay alike, so the state needs no event.
 */
void lx__eng_trail_update(struct lx_engine *e, struct eng_book *b,
                          int64_t price, bool mark)
{
    uint32_t i;

    for (i = 0; i < b->npst; i++) {
        uint32_t s = b->pst[i];
        struct eng_cold *c = eng_cold(e, s);

        if (e->orders[s].type == LX_ENG_TRAILING_STOP_MARKET &&
            ((c->pext & PX_MARK) != 0) == mark) {
            trail_one(c, e->orders[s].side, price);
        }
    }
}

/* A trailing stop just placed: tracks from the current price if it has one. */
void lx__eng_trail_init(struct lx_engine *e, struct eng_book *b, uint32_t s)
{
    struct eng_cold *c = eng_cold(e, s);
    bool mark = (c->pext & PX_MARK) != 0;

    if (e->orders[s].type != LX_ENG_TRAILING_STOP_MARKET) {
        return;
    }
    if (mark ? b->has_mark : b->has_last) {
        trail_one(c, e->orders[s].side, mark ? b->mark : b->last);
    }
}

/* ---- Mark, funding, liquidation ----------------------------------------- */

static void close_pos_at(struct lx_engine *e, struct eng_book *b, uint32_t inst,
                         uint32_t acct, int idx, int64_t time)
{
    struct eng_ai *ai = eng_ai(e, acct, inst);
    struct eng_pos *p = &ai->pos[idx];
    int64_t size = p->size, sc = size > 0 ? p->cost : -p->cost, pnl, margin;
    int64_t ins = 0, n, u;

    pos_value(b, p, &n, &u);
    pnl = u;
    margin = p->margin;
    if (ai->isolated) {
        ins = margin + pnl; /* what is left goes to the fund (or is owed) */
        e->insurance[b->quote] += ins;
    } else {
        eng_move(e, acct, b->quote, pnl, 0);
    }
    b->ins_size += size;
    b->ins_cost += sc + pnl;
    p->realized += pnl;
    p->size = p->cost = p->margin = 0;
    pos_ev(e, LX_ENG_EV_LIQUIDATION, inst, acct, idx, 0,
           b->has_mark ? b->mark : 0, size, pnl, ins, time);
}

/* Equity and maintenance margin of an account's cross positions in asset. */
static void cross_health(const struct lx_engine *e, uint32_t acct,
                         uint32_t asset, int64_t *equity, int64_t *maint)
{
    const int64_t *bal = eng_cbal(e, acct, asset);
    uint32_t i;
    int k;

    *equity = bal[0] + bal[1];
    *maint = 0;
    for (i = 0; i < e->nbooks; i++) {
        const struct eng_book *b = &e->books[i];
        const struct eng_ai *ai = eng_ai(e, acct, i);

        for (k = 0; k < 2 && b->perp && b->quote == asset && !ai->isolated;
             k++) {
            int64_t n, u;

            if (ai->pos[k].size != 0) {
                pos_value(b, &ai->pos[k], &n, &u);
                *equity += u;
                *maint += rate_ceil(n, b->mmr_e8);
            }
        }
    }
}

static void cancel_for_liq(struct lx_engine *e, uint32_t acct, uint32_t inst,
                           uint32_t asset, int64_t time)
{
    uint32_t s;

    for (s = 0; s < e->cfg.max_orders && e->accounts[acct].open > 0; s++) {
        const struct eng_order *o = &e->orders[s];
        const struct eng_book *b = &e->books[o->inst];

        if ((o->where == W_BOOK || o->where == W_STOP) && o->account == acct &&
            b->perp &&
            (inst != ENG_NIL ? o->inst == inst : b->quote == asset)) {
            lx__eng_cancel_slot(e, s, LX_ENG_R_LIQUIDATION, time);
        }
    }
}

static void liquidate_cross(struct lx_engine *e, uint32_t acct, uint32_t asset,
                            int64_t maint, int64_t time)
{
    uint32_t i;
    int k;
    int64_t f, charge;

    cancel_for_liq(e, acct, ENG_NIL, asset, time);
    for (i = 0; i < e->nbooks; i++) {
        struct eng_book *b = &e->books[i];

        for (k = 0; k < 2 && b->perp && b->quote == asset &&
                    !eng_ai(e, acct, i)->isolated;
             k++) {
            if (eng_ai(e, acct, i)->pos[k].size != 0) {
                close_pos_at(e, b, i, acct, k, time);
            }
        }
    }
    /* The fund takes up to the maintenance margin, or covers a deficit. */
    f = eng_cbal(e, acct, asset)[0];
    charge = f < 0 ? f : (f < maint ? f : maint);
    if (charge != 0) {
        e->insurance[asset] += charge;
        lx__eng_balance(e, acct, asset, -charge, 0, LX_ENG_BAL_INSURANCE, time);
    }
}

static void check_liquidations(struct lx_engine *e, uint32_t inst, int64_t time)
{
    struct eng_book *b = &e->books[inst];
    uint32_t a;
    int k;

    for (a = 0; a < e->naccounts; a++) {
        struct eng_ai *ai = eng_ai(e, a, inst);
        int64_t eq, mm;

        if (!has_pos(e, a, inst)) {
            continue;
        }
        if (!ai->isolated) {
            cross_health(e, a, b->quote, &eq, &mm);
            if (eq < mm) {
                liquidate_cross(e, a, b->quote, mm, time);
            }
            continue;
        }
        for (k = 0; k < 2; k++) {
            int64_t n, u;

            if (ai->pos[k].size == 0) {
                continue;
            }
            pos_value(b, &ai->pos[k], &n, &u);
            if (ai->pos[k].margin + u < rate_ceil(n, b->mmr_e8)) {
                cancel_for_liq(e, a, inst, b->quote, time);
                close_pos_at(e, b, inst, a, k, time);
            }
        }
    }
}

int lx__engine_set_mark(struct lx_engine *e, uint32_t inst, int64_t mark,
                        int64_t time)
{
    struct eng_book *b;

    if (e == NULL || inst >= e->nbooks || !e->books[inst].perp || mark <= 0) {
        return LX_ERR_INVAL;
    }
    b = &e->books[inst];
    if ((b->min_price != 0 && mark < b->min_price) ||
        (b->max_price != 0 && mark > b->max_price) ||
        mul3_sat(mark, b->k, 1) == INT64_MAX) {
        return LX_ERR_RANGE;
    }
    b->mark = mark;
    b->has_mark = true;
    pos_ev(e, LX_ENG_EV_MARK, inst, 0, 0, 0, mark, 0, 0, 0, time);
    if (b->npst != 0) {
        lx__eng_trail_update(e, b, mark, true);
    }
    lx__eng_run_triggers(e, b, time);
    check_liquidations(e, inst, time);
    return LX_OK;
}

int lx__engine_funding(struct lx_engine *e, uint32_t inst, int64_t rate_e8,
                       int64_t time)
{
    struct eng_book *b;
    int64_t m, r;
    uint32_t a;
    int k;

    if (e == NULL || inst >= e->nbooks || !e->books[inst].perp ||
        rate_e8 > E8 || rate_e8 < -E8) {
        return LX_ERR_INVAL;
    }
    b = &e->books[inst];
    if (!b->has_mark && !b->has_last) {
        return LX_ERR_NOTFOUND;
    }
    m = b->has_mark ? b->mark : b->last;
    r = abs64(rate_e8);
    for (a = 0; a < e->naccounts; a++) {
        struct eng_ai *ai = eng_ai(e, a, inst);

        for (k = 0; k < 2; k++) {
            struct eng_pos *p = &ai->pos[k];
            int64_t n = mul3_sat(abs64(p->size), m, b->k), d;

            if (p->size == 0) {
                continue;
            }
            /* Payers round up, receivers down: rounding never makes money. */
            d = (p->size > 0) == (rate_e8 > 0) ? -rate_ceil(n, r)
                                               : lx__eng_muldiv(n, r, E8);
            if (ai->isolated) {
                p->margin += d;
            } else {
                eng_move(e, a, b->quote, d, 0);
            }
            e->insurance[b->quote] -= d;
            pos_ev(e, LX_ENG_EV_FUNDING, inst, a, k, 0, m, p->size, rate_e8, d,
                   time);
        }
    }
    return LX_OK;
}

/* ---- Queries ----------------------------------------------------------------
 */

int lx__engine_position(const struct lx_engine *e, uint32_t account,
                        uint32_t inst, int pos_side,
                        struct lx_eng_position *out)
{
    const struct eng_book *b;
    const struct eng_ai *ai;
    const struct eng_pos *p;

    if (!perp_ids(e, account, inst) || out == NULL || pos_side < 0 ||
        pos_side >= LX_ENG_PS_COUNT ||
        e->accounts[account].hedge != (pos_side != LX_ENG_PS_BOTH)) {
        return LX_ERR_INVAL;
    }
    b = &e->books[inst];
    ai = eng_ai(e, account, inst);
    p = &ai->pos[lx__eng_pos_idx(e, account, pos_side)];
    memset(out, 0, sizeof(*out));
    out->size = p->size;
    out->cost = p->cost;
    out->isolated_margin = p->margin;
    out->realized = p->realized;
    out->leverage = lx__eng_lev(e, account, inst);
    out->margin_type = ai->isolated;
    out->hedge = e->accounts[account].hedge;
    if (p->size != 0) {
        out->entry_price = p->cost / (abs64(p->size) * b->k);
    }
    out->mark = b->has_mark ? b->mark : out->entry_price;
    pos_value(b, p, &out->notional, &out->upnl);
    out->init_margin = lx__eng_ceil_div(out->notional, out->leverage);
    out->maint_margin = rate_ceil(out->notional, b->mmr_e8);
    return LX_OK;
}

int lx__engine_margin(const struct lx_engine *e, uint32_t account,
                      uint32_t asset, struct lx_eng_margin *out)
{
    const int64_t *bal;
    uint32_t i;
    int k;

    if (e == NULL || account >= e->naccounts || asset >= e->nassets ||
        out == NULL) {
        return LX_ERR_INVAL;
    }
    memset(out, 0, sizeof(*out));
    bal = eng_cbal(e, account, asset);
    out->wallet = bal[0] + bal[1];
    out->order_im = bal[1];
    for (i = 0; i < e->nbooks; i++) {
        const struct eng_book *b = &e->books[i];
        const struct eng_ai *ai = eng_ai(e, account, i);

        for (k = 0; k < 2 && b->perp && b->quote == asset; k++) {
            const struct eng_pos *p = &ai->pos[k];
            int64_t n, u;

            if (p->size == 0) {
                continue;
            }
            pos_value(b, p, &n, &u);
            out->wallet += p->margin;
            out->upnl += u;
            out->position_im += lx__eng_ceil_div(n, lx__eng_lev(e, account, i));
            out->maint_margin += rate_ceil(n, b->mmr_e8);
        }
    }
    out->margin_balance = out->wallet + out->upnl;
    out->available = lx__eng_available(e, account, asset);
    return LX_OK;
}

int64_t lx__engine_insurance(const struct lx_engine *e, uint32_t asset)
{
    return e != NULL && asset < e->nassets ? e->insurance[asset] : 0;
}

/* ---- Replay
 * ------------------------------------------------------------------ */

static int apply_funding(struct lx_engine *e, const struct lx_eng_event *ev)
{
    const struct eng_book *b = &e->books[ev->inst];
    struct eng_ai *ai = eng_ai(e, ev->account, ev->inst);

    if (ai->pos[ev->aux].size != ev->qty || ev->qty == 0) {
        return LX_ERR_CORRUPT;
    }
    if (ai->isolated) {
        ai->pos[ev->aux].margin += ev->b;
    } else {
        eng_move(e, ev->account, b->quote, ev->b, 0);
    }
    e->insurance[b->quote] -= ev->b;
    return LX_OK;
}

static int apply_liq(struct lx_engine *e, const struct lx_eng_event *ev)
{
    struct eng_book *b = &e->books[ev->inst];
    struct eng_ai *ai = eng_ai(e, ev->account, ev->inst);
    struct eng_pos *p = &ai->pos[ev->aux];

    if (p->size != ev->qty || ev->qty == 0) {
        return LX_ERR_CORRUPT;
    }
    if (ai->isolated) {
        e->insurance[b->quote] += ev->b;
    } else {
        eng_move(e, ev->account, b->quote, ev->a, 0);
    }
    b->ins_size += p->size;
    b->ins_cost += (p->size > 0 ? p->cost : -p->cost) + ev->a;
    p->realized += ev->a;
    p->size = p->cost = p->margin = 0;
    return LX_OK;
}

/* Applies a perp event (types POSITION .. POSITION_MODE). */
int lx__eng_apply_perp(struct lx_engine *e, const struct lx_eng_event *ev)
{
    struct eng_book *b;

    if (ev->account >= e->naccounts ||
        (ev->type != LX_ENG_EV_POSITION_MODE &&
         (ev->inst >= e->nbooks || !e->books[ev->inst].perp))) {
        return LX_ERR_CORRUPT;
    }
    b = &e->books[ev->inst];
    switch (ev->type) {
    case LX_ENG_EV_POSITION:
        return lx__eng_perp_check_pos(e, ev);
    case LX_ENG_EV_MARK:
        b->mark = ev->price;
        b->has_mark = true;
        if (b->npst != 0) {
            lx__eng_trail_update(e, b, ev->price, true);
        }
        return LX_OK;
    case LX_ENG_EV_FUNDING:
        return ev->aux > 1 ? LX_ERR_CORRUPT : apply_funding(e, ev);
    case LX_ENG_EV_LIQUIDATION:
        return ev->aux > 1 ? LX_ERR_CORRUPT : apply_liq(e, ev);
    case LX_ENG_EV_LEVERAGE:
        eng_ai(e, ev->account, ev->inst)->lev = ev->aux;
        return LX_OK;
    case LX_ENG_EV_MARGIN_TYPE:
        eng_ai(e, ev->account, ev->inst)->isolated = (uint8_t)ev->aux;
        return LX_OK;
    default:
        e->accounts[ev->account].hedge = ev->aux != 0;
        return LX_OK;
    }
}

/* ---- State hash and conservation ------------------------------------------
 */

static uint64_t mix(uint64_t h, uint64_t w)
{
    return (h ^ w) * ENG_FNV_PRIME;
}

uint64_t lx__eng_perp_hash(const struct lx_engine *e, uint64_t h)
{
    uint32_t i, a;
    int k;

    for (i = 0; i < e->nbooks; i++) {
        const struct eng_book *b = &e->books[i];

        if (!b->perp) {
            continue;
        }
        h = mix(h, b->has_mark ? (uint64_t)b->mark : UINT64_MAX);
        h = mix(h, (uint64_t)b->ins_size);
        h = mix(h, (uint64_t)b->ins_cost);
        for (a = 0; a < e->naccounts; a++) {
            const struct eng_ai *ai = eng_ai(e, a, i);

            h = mix(h, lx__eng_lev(e, a, i) | (uint64_t)ai->isolated << 32 |
                           (uint64_t)e->accounts[a].hedge << 40);
            for (k = 0; k < 2; k++) {
                h = mix(h, (uint64_t)ai->pos[k].size);
                h = mix(h, (uint64_t)ai->pos[k].cost);
                h = mix(h, (uint64_t)ai->pos[k].margin);
                h = mix(h, (uint64_t)ai->pos[k].realized);
            }
        }
    }
    for (i = 0; i < e->nassets; i++) {
        h = mix(h, (uint64_t)e->insurance[i]);
    }
    return h;
}

/*
 * The perp part of an asset's conservation sum: isolated margins plus the
 * insurance fund minus the signed entry costs (the uPnL of all positions,
 * the fund's included, at any common mark is minus their signed costs,
 * since sizes net to zero). Also checks position shape and the netting.
 */
int lx__eng_perp_conserve(const struct lx_engine *e, uint32_t asset,
                          int64_t *total)
{
    uint32_t i, a;
    int k;

    *total += e->insurance[asset];
    for (i = 0; i < e->nbooks; i++) {
        const struct eng_book *b = &e->books[i];
        int64_t net = b->ins_size;

        if (!b->perp || b->quote != asset) {
            continue;
        }
        *total -= b->ins_cost;
        for (a = 0; a < e->naccounts; a++) {
            const struct eng_ai *ai = eng_ai(e, a, i);

            for (k = 0; k < 2; k++) {
                const struct eng_pos *p = &ai->pos[k];

                if (p->cost < 0 || (p->size == 0 && p->cost != 0) ||
                    (p->size == 0 && p->margin != 0) ||
                    (e->accounts[a].hedge &&
                     (k == 0 ? p->size < 0 : p->size > 0)) ||
                    (!e->accounts[a].hedge && k == 1 && p->size != 0)) {
                    return LX_ERR_CORRUPT;
                }
                net += p->size;
                *total += p->margin - (p->size > 0 ? p->cost : -p->cost);
            }
        }
        if (net != 0) {
            return LX_ERR_CORRUPT;
        }
    }
    return LX_OK;
}
