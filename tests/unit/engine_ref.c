/*
 * engine_ref.c - the slow reference engine (see engine_ref.h). Written for
 * obviousness: every decision re-scans the open-order array. At the end,
 * the perp accounting reference: positions, entry costs, realized PnL and
 * wallets rebuilt from the event log with its own arithmetic (it does not
 * match orders or check margin; the engine's invariants cover those).
 */
#include <string.h>

#include "engine_ref.h"

#define E8 100000000

void ref_init(struct ref_engine *r, struct ref_order *o, uint32_t cap)
{
    memset(r, 0, sizeof(*r));
    r->o = o;
    r->cap = cap;
    r->next_id = 1;
}

static bool is_limit(int type)
{
    return type == LX_ENG_LIMIT || type == LX_ENG_LIMIT_MAKER ||
           type == LX_ENG_STOP_LOSS_LIMIT || type == LX_ENG_TAKE_PROFIT_LIMIT;
}

static bool is_stop(int type)
{
    return type >= LX_ENG_STOP_LOSS;
}

static bool fires_up(int type, int side)
{
    bool sl = type == LX_ENG_STOP_LOSS || type == LX_ENG_STOP_LOSS_LIMIT;

    return (sl && side == LX_ENG_BUY) || (!sl && side == LX_ENG_SELL);
}

static int lock_asset(int side)
{
    return side == LX_ENG_BUY ? 1 : 0;
}

struct ref_order *ref_find(struct ref_engine *r, uint64_t id)
{
    uint32_t i;

    for (i = 0; i < r->n; i++) {
        if (r->o[i].id == id) {
            return &r->o[i];
        }
    }
    return NULL;
}

uint32_t ref_open(const struct ref_engine *r, uint32_t account)
{
    uint32_t i, n = 0;

    for (i = 0; i < r->n; i++) {
        n += r->o[i].account == account;
    }
    return n;
}

/* Releases the order's lock and deletes it. */
static void drop(struct ref_engine *r, uint64_t id)
{
    struct ref_order *o = ref_find(r, id);
    int a = lock_asset(o->side);

    r->bal[o->account][a][0] += o->locked;
    r->bal[o->account][a][1] -= o->locked;
    *o = r->o[--r->n];
}

static bool crosses(int side, int64_t limit, int64_t price)
{
    return side == LX_ENG_BUY ? price <= limit : price >= limit;
}

/* True when order a comes before b among makers of one side. */
static bool before(const struct ref_order *a, const struct ref_order *b)
{
    if (a->price != b->price) {
        return a->side == LX_ENG_BUY ? a->price > b->price
                                     : a->price < b->price;
    }
    return a->seq < b->seq;
}

static struct ref_order *best_maker(struct ref_engine *r, int side)
{
    struct ref_order *best = NULL;
    uint32_t i;

    for (i = 0; i < r->n; i++) {
        struct ref_order *o = &r->o[i];

        if (o->resting && o->side != side &&
            (best == NULL || before(o, best))) {
            best = o;
        }
    }
    return best;
}

/* The makers of the side opposite to `side` in priority order. */
static uint32_t sorted_makers(struct ref_engine *r, int side, uint32_t *idx)
{
    uint32_t i, j, n = 0;

    for (i = 0; i < r->n; i++) {
        if (r->o[i].resting && r->o[i].side != side) {
            for (j = n; j > 0 && before(&r->o[i], &r->o[idx[j - 1]]); j--) {
                idx[j] = idx[j - 1];
            }
            idx[j] = i;
            n++;
        }
    }
    return n;
}

static int64_t prewalk(struct ref_engine *r, uint32_t acct, int side, int stp,
                       int64_t limit, int64_t max_lots, int64_t budget,
                       int64_t *cost)
{
    static uint32_t idx[1 << 16];
    uint32_t i, n = sorted_makers(r, side, idx);
    int64_t got = 0, spent = 0;

    for (i = 0; i < n && got < max_lots; i++) {
        const struct ref_order *m = &r->o[idx[i]];
        int64_t unit = m->price * r->k, q = max_lots - got;

        if (limit != 0 && !crosses(side, limit, m->price)) {
            break;
        }
        if (m->account == acct && stp != LX_ENG_STP_NONE) {
            if (stp == LX_ENG_STP_EXPIRE_MAKER) {
                continue;
            }
            break;
        }
        q = q < m->qty ? q : m->qty;
        if (budget >= 0 && (budget - spent) / unit < q) {
            q = (budget - spent) / unit;
        }
        if (q == 0) {
            break;
        }
        spent += q * unit;
        got += q;
    }
    *cost = spent;
    return got;
}

static void settle(struct ref_engine *r, struct ref_order *o, int64_t price,
                   int64_t q, bool maker)
{
    int64_t quote = price * q * r->k, base = q * r->l;
    int64_t rate = maker ? r->maker_e8[o->account] : r->taker_e8[o->account];
    int64_t use, fee;

    if (o->side == LX_ENG_BUY) {
        use = is_limit(o->type) ? q * o->price * r->k : quote;
        fee = (int64_t)((__int128)base * rate / E8);
        r->bal[o->account][1][1] -= use;
        r->bal[o->account][1][0] += use - quote;
        r->bal[o->account][0][0] += base - fee;
        r->fees[0] += fee;
    } else {
        use = base;
        fee = (int64_t)((__int128)quote * rate / E8);
        r->bal[o->account][0][1] -= use;
        r->bal[o->account][1][0] += quote - fee;
        r->fees[1] += fee;
    }
    o->locked -= use;
    o->qty -= q;
    o->filled += q;
    o->quote_filled += quote;
}

/* Matches taker id; returns true when STP expired the taker. */
static bool match(struct ref_engine *r, uint64_t tid)
{
    for (;;) {
        struct ref_order *t = ref_find(r, tid), *m;
        int64_t q, afford;
        uint64_t mid;

        if (t->qty == 0) {
            return false;
        }
        m = best_maker(r, t->side);
        if (m == NULL ||
            (is_limit(t->type) && !crosses(t->side, t->price, m->price))) {
            return false;
        }
        mid = m->id;
        if (m->account == t->account && t->stp != LX_ENG_STP_NONE) {
            int mode = t->stp;

            if (mode != LX_ENG_STP_EXPIRE_TAKER) {
                drop(r, mid);
            }
            if (mode != LX_ENG_STP_EXPIRE_MAKER) {
                drop(r, tid);
                return true;
            }
            continue;
        }
        q = t->qty < m->qty ? t->qty : m->qty;
        if (t->by_quote) {
            afford = (t->quote_qty - t->quote_filled) / (m->price * r->k);
            q = q < afford ? q : afford;
        }
        if (q == 0) {
            return false;
        }
        r->last = m->price;
        r->has_last = true;
        settle(r, t, m->price, q, false);
        settle(r, m, m->price, q, true);
        if (m->qty == 0) {
            drop(r, mid);
        }
    }
}

static int execute(struct ref_engine *r, uint64_t id, int *why)
{
    struct ref_order *t = ref_find(r, id), *m = best_maker(r, t->side);
    bool limit = is_limit(t->type);
    int64_t cost;

    if (t->tif == LX_ENG_GTX && m != NULL &&
        crosses(t->side, t->price, m->price)) {
        drop(r, id);
        *why = LX_ENG_R_POST_ONLY;
        return LX_ENG_ST_EXPIRED;
    }
    if (t->tif == LX_ENG_FOK && prewalk(r, t->account, t->side, t->stp,
                                        t->price, t->qty, -1, &cost) < t->qty) {
        drop(r, id);
        *why = LX_ENG_R_FOK;
        return LX_ENG_ST_EXPIRED;
    }
    if (match(r, id)) {
        *why = LX_ENG_R_STP;
        return LX_ENG_ST_EXPIRED_IN_MATCH;
    }
    t = ref_find(r, id);
    if (t->qty == 0) {
        drop(r, id);
        return LX_ENG_ST_FILLED;
    }
    if (limit && (t->tif == LX_ENG_GTC || t->tif == LX_ENG_GTX)) {
        t->resting = true;
        t->seq = ++r->seq;
        return t->filled > 0 ? LX_ENG_ST_PARTIALLY_FILLED : LX_ENG_ST_NEW;
    }
    *why = limit ? LX_ENG_R_IOC : LX_ENG_R_MARKET_REMAINDER;
    drop(r, id);
    return LX_ENG_ST_EXPIRED;
}

/* The next waiting stop to fire, or NULL. */
static struct ref_order *next_stop(struct ref_engine *r)
{
    struct ref_order *best = NULL;
    uint32_t i;
    int pass;

    for (pass = 0; pass < 2 && best == NULL && r->has_last; pass++) {
        for (i = 0; i < r->n; i++) {
            struct ref_order *o = &r->o[i];
            bool up = fires_up(o->type, o->side);

            if (!o->waiting || up != (pass == 0) ||
                (up ? o->stop > r->last : o->stop < r->last)) {
                continue;
            }
            if (best == NULL ||
                (up ? o->stop < best->stop : o->stop > best->stop) ||
                (o->stop == best->stop && o->seq < best->seq)) {
                best = o;
            }
        }
    }
    return best;
}

static void triggers(struct ref_engine *r)
{
    struct ref_order *o;
    int why;

    while ((o = next_stop(r)) != NULL) {
        int64_t cost = 0;
        uint64_t id = o->id;

        o->waiting = false;
        if (!is_limit(o->type) && o->side == LX_ENG_BUY) {
            prewalk(r, o->account, o->side, o->stp, 0, o->qty, -1, &cost);
            if (cost > r->bal[o->account][1][0]) {
                drop(r, id);
                continue;
            }
            o->locked += cost;
            r->bal[o->account][1][0] -= cost;
            r->bal[o->account][1][1] += cost;
        }
        execute(r, id, &why);
    }
}

static int check_price(const struct ref_engine *r, int64_t p)
{
    if (p <= 0 || (r->min_price && p < r->min_price) ||
        (r->max_price && p > r->max_price)) {
        return LX_ENG_R_PRICE_FILTER;
    }
    return 0;
}

static int check_qty(const struct ref_engine *r, int64_t q)
{
    if (q <= 0 || (r->min_qty && q < r->min_qty) ||
        (r->max_qty && q > r->max_qty)) {
        return LX_ENG_R_LOT_SIZE;
    }
    return 0;
}

static int check_limit(const struct ref_engine *r, int64_t p, int64_t q)
{
    int why = check_price(r, p);

    if (why == 0) {
        why = check_qty(r, q);
    }
    if (why == 0 && p * q * r->k < r->min_notional) {
        why = LX_ENG_R_MIN_NOTIONAL;
    }
    return why;
}

static int validate(struct ref_engine *r, const struct lx_eng_order_req *q)
{
    bool limit = is_limit(q->type), stop = is_stop(q->type);
    struct ref_order *m;
    uint32_t i;
    int why;

    if (q->account >= r->naccounts) {
        return LX_ENG_R_UNKNOWN_ACCOUNT;
    }
    if (q->inst != 0) {
        return LX_ENG_R_UNKNOWN_INSTRUMENT;
    }
    if (q->side > 1 || q->type >= LX_ENG_TYPE_COUNT ||
        q->tif >= LX_ENG_TIF_COUNT || q->stp >= LX_ENG_STP_COUNT ||
        q->cid_len > LX_ENG_CID_MAX || stop != (q->stop_price != 0) ||
        (!limit && q->price != 0) ||
        (q->type == LX_ENG_LIMIT_MAKER && q->tif != LX_ENG_GTC) ||
        (stop && q->tif == LX_ENG_GTX) || (limit && q->quote_qty != 0) ||
        (!limit && q->tif != LX_ENG_GTC && q->tif != LX_ENG_IOC) ||
        (q->type != LX_ENG_MARKET && q->quote_qty != 0) ||
        (q->qty != 0 && q->quote_qty != 0) || q->quote_qty < 0) {
        return LX_ENG_R_UNSUPPORTED;
    }
    why = limit ? check_limit(r, q->price, q->qty)
                : (q->qty != 0 || q->quote_qty == 0 ? check_qty(r, q->qty) : 0);
    if (why == 0 && stop) {
        why = check_price(r, q->stop_price);
        if (why == 0 && r->has_last &&
            (fires_up(q->type, q->side) ? r->last >= q->stop_price
                                        : r->last <= q->stop_price)) {
            why = LX_ENG_R_WOULD_TRIGGER;
        }
    }
    if (why != 0) {
        return why;
    }
    for (i = 0; q->cid_len > 0 && i < r->n; i++) {
        if (r->o[i].account == q->account && r->o[i].cid_len == q->cid_len &&
            memcmp(r->o[i].cid, q->cid, q->cid_len) == 0) {
            return LX_ENG_R_DUPLICATE_ORDER;
        }
    }
    if (r->max_open[q->account] &&
        ref_open(r, q->account) >= r->max_open[q->account]) {
        return LX_ENG_R_MAX_NUM_ORDERS;
    }
    if (r->n >= r->cap) {
        return LX_ENG_R_BOOK_FULL;
    }
    m = best_maker(r, q->side);
    if (q->type == LX_ENG_LIMIT_MAKER && m != NULL &&
        crosses(q->side, q->price, m->price)) {
        return LX_ENG_R_WOULD_TAKE;
    }
    return 0;
}

/* What the order locks, and the lots a market order will take. */
static int lock_for(struct ref_engine *r, const struct lx_eng_order_req *q,
                    int64_t *lock, int64_t *qty)
{
    bool by_quote = q->qty == 0;
    int64_t cost = 0, got;

    if (is_limit(q->type)) {
        *lock =
            q->side == LX_ENG_BUY ? q->price * q->qty * r->k : q->qty * r->l;
        return 0;
    }
    if (is_stop(q->type)) {
        *lock = q->side == LX_ENG_BUY ? 0 : q->qty * r->l;
        return 0;
    }
    got = prewalk(r, q->account, q->side, q->stp, 0,
                  by_quote ? INT64_MAX : q->qty, by_quote ? q->quote_qty : -1,
                  &cost);
    *qty = by_quote ? got : q->qty;
    *lock =
        q->side == LX_ENG_BUY ? (by_quote ? q->quote_qty : cost) : *qty * r->l;
    return by_quote && got == 0 ? LX_ENG_R_NO_LIQUIDITY : 0;
}

void ref_submit(struct ref_engine *r, const struct lx_eng_order_req *q,
                uint64_t id, struct lx_eng_result *res)
{
    int why = validate(r, q);
    int64_t lock = 0, qty = q->qty;
    struct ref_order *o;
    bool by_quote = q->qty == 0;

    memset(res, 0, sizeof(*res));
    if (why == 0) {
        why = lock_for(r, q, &lock, &qty);
    }
    if (why == 0 && lock > r->bal[q->account][lock_asset(q->side)][0]) {
        why = LX_ENG_R_INSUFFICIENT_BALANCE;
    }
    if (why != 0) {
        res->state = LX_ENG_ST_REJECTED;
        res->reason = (uint8_t)why;
        return;
    }
    o = &r->o[r->n++];
    memset(o, 0, sizeof(*o));
    o->id = id != 0 ? id : r->next_id++;
    o->seq = ++r->seq;
    o->account = q->account;
    o->side = q->side;
    o->type = q->type;
    o->tif = q->tif;
    o->stp = q->stp;
    o->by_quote = by_quote;
    o->price = q->price;
    o->qty = qty;
    o->locked = lock;
    o->stop = q->stop_price;
    o->quote_qty = q->quote_qty;
    if (q->cid_len > 0) {
        memcpy(o->cid, q->cid, q->cid_len);
    }
    o->cid_len = q->cid_len;
    r->bal[q->account][lock_asset(q->side)][0] -= lock;
    r->bal[q->account][lock_asset(q->side)][1] += lock;
    res->order_id = o->id;
    if (is_stop(q->type)) {
        o->waiting = true;
        res->state = LX_ENG_ST_NEW;
        return;
    }
    why = 0;
    id = o->id;
    res->state = (uint8_t)execute(r, id, &why);
    res->reason = (uint8_t)why;
    o = ref_find(r, id);
    /* A finished order is gone; the result then comes from the trades. */
    res->filled = o != NULL ? o->filled : -1;
    triggers(r);
}

void ref_cancel(struct ref_engine *r, uint32_t account, uint64_t id,
                const char *cid, size_t cid_len, struct lx_eng_result *res)
{
    struct ref_order *o = NULL;
    uint32_t i;

    memset(res, 0, sizeof(*res));
    for (i = 0; i < r->n; i++) {
        struct ref_order *c = &r->o[i];

        if (id != 0 ? c->id == id
                    : (cid_len > 0 && c->cid_len == cid_len &&
                       c->account == account &&
                       memcmp(c->cid, cid, cid_len) == 0)) {
            o = c;
        }
    }
    if (o == NULL || o->account != account || (!o->resting && !o->waiting)) {
        res->state = LX_ENG_ST_REJECTED;
        res->reason = LX_ENG_R_UNKNOWN_ORDER;
        return;
    }
    res->order_id = o->id;
    res->filled = o->filled;
    res->state = LX_ENG_ST_CANCELED;
    drop(r, o->id);
}

uint32_t ref_cancel_all(struct ref_engine *r, uint32_t account)
{
    uint32_t i = 0, n = 0;

    while (i < r->n) {
        if (r->o[i].account == account) {
            drop(r, r->o[i].id);
            n++;
        } else {
            i++;
        }
    }
    return n;
}

void ref_amend(struct ref_engine *r, uint32_t account, uint64_t id,
               int64_t price, int64_t qty, struct lx_eng_result *res)
{
    struct ref_order *o = ref_find(r, id), *m;
    int64_t lock = 0, rem;
    int why = 0;

    memset(res, 0, sizeof(*res));
    if (o == NULL || o->account != account || !o->resting) {
        why = LX_ENG_R_UNKNOWN_ORDER;
    } else {
        why = check_limit(r, price, qty);
        rem = qty - o->filled;
        if (why == 0 && rem <= 0) {
            why = LX_ENG_R_LOT_SIZE;
        }
        m = best_maker(r, o->side);
        if (why == 0 &&
            (o->type == LX_ENG_LIMIT_MAKER || o->tif == LX_ENG_GTX) &&
            m != NULL && crosses(o->side, price, m->price)) {
            why = LX_ENG_R_WOULD_TAKE;
        }
        if (why == 0) {
            lock = o->side == LX_ENG_BUY ? rem * price * r->k : rem * r->l;
            if (lock - o->locked > r->bal[account][lock_asset(o->side)][0]) {
                why = LX_ENG_R_INSUFFICIENT_BALANCE;
            }
        }
    }
    if (why != 0) {
        res->state = LX_ENG_ST_REJECTED;
        res->reason = (uint8_t)why;
        return;
    }
    rem = qty - o->filled;
    r->bal[account][lock_asset(o->side)][0] -= lock - o->locked;
    r->bal[account][lock_asset(o->side)][1] += lock - o->locked;
    o->locked = lock;
    res->order_id = id;
    if (price == o->price && rem <= o->qty) {
        o->qty = rem;
        res->state = o->filled > 0 ? LX_ENG_ST_PARTIALLY_FILLED : LX_ENG_ST_NEW;
        return;
    }
    o->price = price;
    o->qty = rem;
    o->resting = false;
    res->state = (uint8_t)execute(r, id, &why);
    res->reason = (uint8_t)why;
    triggers(r);
}

/* ---- Perp accounting reference ------------------------------------------ */

void ref_perp_init(struct ref_perp *r, uint32_t inst, uint32_t quote, int64_t k)
{
    memset(r, 0, sizeof(*r));
    r->inst = inst;
    r->quote = quote;
    r->k = k;
}

/*
 * One fill on a position: the reducing part releases cost pro rata
 * (rounded down; all of it when the position closes), the rest opens.
 */
static int64_t ref_perp_fill(struct ref_perp_pos *p, int side, int64_t price,
                             int64_t qty, int64_t k)
{
    int64_t dir = side == LX_ENG_BUY ? 1 : -1, pnl = 0;

    if (p->size * dir < 0) {
        int64_t held = p->size < 0 ? -p->size : p->size;
        int64_t close = qty < held ? qty : held;
        int64_t part = (int64_t)((__int128)p->cost * close / held);

        if (close == held) {
            part = p->cost;
        }
        /* A long sells at price (gets it); a short buys back (pays it). */
        pnl = dir < 0 ? price * close * k - part : part - price * close * k;
        p->cost -= part;
        p->size += dir * close;
        qty -= close;
    }
    p->cost += price * qty * k;
    p->size += dir * qty;
    p->realized += pnl;
    return pnl;
}

void ref_perp_event(struct ref_perp *r, const struct lx_eng_event *ev)
{
    struct ref_perp_pos *p;

    if (ev->account >= REF_MAX_ACCOUNTS) {
        return;
    }
    switch (ev->type) {
    case LX_ENG_EV_FILL:
        if (ev->inst == r->inst) {
            r->pending = true;
            r->p_acct = ev->account;
            r->p_side = ev->side;
            r->p_price = ev->price;
            r->p_qty = ev->qty;
            r->p_fee = ev->a;
        }
        break;
    case LX_ENG_EV_POSITION:
        if (!r->pending || ev->account != r->p_acct || ev->aux > 1) {
            r->mismatches++;
            break;
        }
        r->pending = false;
        p = &r->pos[ev->account][ev->aux];
        r->wallet[ev->account] +=
            ref_perp_fill(p, r->p_side, r->p_price, r->p_qty, r->k) - r->p_fee;
        r->fees += r->p_fee;
        if (p->size != ev->qty || p->cost != ev->b) {
            r->mismatches++;
        }
        break;
    case LX_ENG_EV_FUNDING:
        r->wallet[ev->account] += ev->b;
        break;
    case LX_ENG_EV_LIQUIDATION:
        p = &r->pos[ev->account][ev->aux & 1];
        if (p->size != ev->qty) {
            r->mismatches++;
        }
        p->realized += ev->a;
        p->size = p->cost = 0;
        r->wallet[ev->account] += ev->a - ev->b;
        break;
    case LX_ENG_EV_BALANCE:
        if (ev->aux == r->quote) {
            r->wallet[ev->account] += ev->price + ev->qty;
        }
        break;
    default:
        break;
    }
}
