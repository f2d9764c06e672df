/*
 * replay.c - rebuilding an engine from its event log, hashing its
 * observable state, and checking its invariants.
 *
 * Replay does not match: it applies what the log says happened (orders
 * accepted, filled, amended, ended; balances moved) to an engine that has
 * the same assets, instruments and accounts. An order id encodes its slot,
 * so replay puts every order back in the slot it had. What replay cannot
 * reproduce is the order of the free lists, which is not observable and is
 * left out of lx__engine_state_hash.
 */
#include <string.h>

#include "engine/engine_int.h"

static uint32_t ev_slot(const struct lx_engine *e, uint64_t id)
{
    uint64_t s = id & (((uint64_t)1 << e->slot_bits) - 1);

    return s < e->cfg.max_orders ? (uint32_t)s : ENG_NIL;
}

/* The open order an event names, or ENG_NIL. */
static uint32_t ev_order(const struct lx_engine *e,
                         const struct lx_eng_event *ev)
{
    uint32_t s = ev_slot(e, ev->order_id);

    if (s == ENG_NIL || e->orders[s].where == W_FREE ||
        e->orders[s].id != ev->order_id) {
        return ENG_NIL;
    }
    return s;
}

static int place(struct lx_engine *e, uint32_t s)
{
    struct eng_order *o = &e->orders[s];
    struct eng_book *b = &e->books[o->inst];
    bool full = false;

    if (eng_is_stop(o->type) && !(o->flags & OF_TRIGGERED)) {
        if (!lx__eng_stop_add(e, b, s)) {
            return LX_ERR_CORRUPT;
        }
        o->where = W_STOP;
    } else if (eng_is_limit(o->type) &&
               (o->tif == LX_ENG_GTC || o->tif == LX_ENG_GTX)) {
        lx__eng_level_append(e, b, s, &full);
    } else {
        o->where = W_LIVE;
    }
    return full ? LX_ERR_CORRUPT : LX_OK;
}

/* The free -> locked move an order event implies (negative: back). */
static void lock_move(struct lx_engine *e, uint32_t s, int64_t amount)
{
    const struct eng_order *o = &e->orders[s];

    eng_move(e, o->account, eng_lock_asset(&e->books[o->inst], o->side),
             -amount, amount);
}

static int apply_accepted(struct lx_engine *e, const struct lx_eng_event *ev)
{
    uint32_t s = ev_slot(e, ev->order_id);
    struct eng_order *o;
    struct eng_cold *c = NULL;
    unsigned type = ev->aux & 0xff;
    bool side_rec;

    if (s == ENG_NIL || e->orders[s].where != W_FREE ||
        ev->account >= e->naccounts || ev->inst >= e->nbooks ||
        type >= LX_ENG_TYPE_ALL || ev->side > LX_ENG_SELL) {
        return LX_ERR_CORRUPT;
    }
    /* The same choice as match.c's needs_cold(). */
    side_rec = e->books[ev->inst].perp ||
               (type != LX_ENG_LIMIT && type != LX_ENG_LIMIT_MAKER) ||
               (ev->flags & OF_LINKED) != 0;
    if (!side_rec && ev->b != eng_spot_need(&e->books[ev->inst], ev->side,
                                            LX_ENG_LIMIT, ev->price, ev->qty)) {
        return LX_ERR_CORRUPT; /* a plain order's lock is derived */
    }
    if (side_rec && eng_reserve(e, 1, 0) != LX_OK) {
        return LX_ERR_NOMEM;
    }
    eng_slot_take(e, s);
    o = &e->orders[s];
    o->price = ev->price;
    o->qty = ev->qty;
    o->id = ev->order_id;
    o->level = ENG_NIL;
    o->account = ev->account;
    o->inst = (uint16_t)ev->inst;
    o->side = ev->side;
    o->type = (uint8_t)(ev->aux & 0xff);
    o->tif = (uint8_t)((ev->aux >> 8) & 0xff);
    o->stp = (uint8_t)((ev->aux >> 16) & 0xff);
    o->flags = (uint8_t)(ev->flags & OF_LOGGED & ~OF_HAS_CID);
    o->filled = 0;
    e->otime[s] = ev->time;
    if (side_rec) {
        uint32_t ci = eng_cold_take(e);

        c = &e->cold[ci];
        *c = lx__eng_cold_zero;
        e->hot[ci].locked = ev->b;
        e->hot[ci].quote_filled = 0;
        c->stop_price = ev->a;
        c->pext = (uint8_t)((ev->aux >> 24) & PX_LOGGED);
        e->cold_of[s] = ci;
        o->flags |= OF_SIDE;
    }
    if (o->type == LX_ENG_TRAILING_STOP_MARKET) {
        c->callback_bps = (uint32_t)ev->price;
        c->activation = ev->a;
        o->price = 0;
        c->stop_price = 0;
    }
    e->accounts[o->account].open++;
    lock_move(e, s, ev->b);
    if (o->flags & OF_LINKED) {
        /* The legs of an OCO pair are accepted one right after the other. */
        if (e->pair_pending == ENG_NIL) {
            e->pair_pending = s;
            o->flags &= (uint8_t)~OF_LINKED; /* until its sibling comes */
        } else {
            lx__eng_pair_link(e, e->pair_pending, s);
            e->pair_pending = ENG_NIL;
        }
    } else if (e->pair_pending != ENG_NIL) {
        return LX_ERR_CORRUPT;
    }
    if ((ev->order_id >> e->slot_bits) >= e->seq) {
        e->seq = (ev->order_id >> e->slot_bits) + 1;
    }
    return place(e, s);
}

static int apply_cid(struct lx_engine *e, const struct lx_eng_event *ev)
{
    uint32_t s = ev_order(e, ev);
    uint8_t buf[36];

    if (s == ENG_NIL || ev->aux == 0 || ev->aux > LX_ENG_CID_MAX ||
        (e->orders[s].flags & OF_HAS_CID)) {
        return LX_ERR_CORRUPT;
    }
    if (eng_reserve(e, 0, 1) != LX_OK) {
        return LX_ERR_NOMEM;
    }
    memcpy(buf, &ev->price, 8);
    memcpy(buf + 8, &ev->qty, 8);
    memcpy(buf + 16, &ev->a, 8);
    memcpy(buf + 24, &ev->b, 8);
    memcpy(buf + 32, &ev->inst, 4);
    lx__eng_cid_add(e, s, (const char *)buf, ev->aux);
    return LX_OK;
}

/* An order ends: off the book or stop list, slot freed. */
static void drop(struct lx_engine *e, uint32_t s)
{
    struct eng_order *o = &e->orders[s];
    struct eng_book *b = &e->books[o->inst];

    lx__eng_pair_break(e, s);
    if (e->pair_pending == s) {
        e->pair_pending = ENG_NIL;
    }
    if (o->where == W_BOOK) {
        lx__eng_level_unlink(e, b, s);
    } else if (o->where == W_STOP) {
        lx__eng_stop_remove(b, s);
    }
    e->accounts[o->account].open--;
    if (o->flags & OF_HAS_CID) {
        lx__eng_cid_remove(e, s);
    }
    lx__eng_records_free(e, s);
    eng_slot_release(e, s);
}

static int apply_fill(struct lx_engine *e, const struct lx_eng_event *ev)
{
    uint32_t s = ev_order(e, ev);
    struct eng_order *o;
    struct eng_book *b;
    int64_t quote, own;

    if (s == ENG_NIL || ev->qty <= 0 || ev->qty > e->orders[s].qty) {
        return LX_ERR_CORRUPT;
    }
    o = &e->orders[s];
    b = &e->books[o->inst];
    quote = ev->price * ev->qty * b->k;
    own = eng_price(e, o);
    if (!(o->flags & OF_SIDE)) {
        /* A plain order uses its derived lock: check the event says so. */
        if (-ev->b != eng_spot_need(b, o->side, LX_ENG_LIMIT, own, ev->qty)) {
            return LX_ERR_CORRUPT;
        }
        /* Filled at another price: its quote_filled becomes explicit. */
        if (ev->price != own) {
            if (eng_reserve(e, 1, 0) != LX_OK) {
                return LX_ERR_NOMEM;
            }
            lx__eng_cold_attach(e, s, own, o->filled * own * b->k);
        }
    }
    if (b->perp) {
        /* Fee and lock use in the margin asset, then the position. */
        eng_move(e, o->account, b->quote, -ev->b - ev->a, ev->b);
        e->fees[b->quote] += ev->a;
        lx__eng_perp_settle(e, b, s, ev->price, ev->qty, false, ev->time);
    }
    o->qty -= ev->qty;
    o->filled += ev->qty;
    if (o->flags & OF_SIDE) {
        eng_hot(e, s)->locked += ev->b;
        eng_hot(e, s)->quote_filled += quote;
    }
    /* The settlement the FILL implies (b is minus the lock used). */
    if (b->perp) {
        /* settled above */
    } else if (o->side == LX_ENG_BUY) {
        eng_move(e, o->account, b->quote, -ev->b - quote, ev->b);
        eng_move(e, o->account, b->base, ev->qty * b->l - ev->a, 0);
    } else {
        eng_move(e, o->account, b->base, 0, ev->b);
        eng_move(e, o->account, b->quote, quote - ev->a, 0);
    }
    if (o->where == W_BOOK) {
        b->levels[o->level].qty -= ev->qty;
    }
    if (!b->perp) {
        e->fees[o->side == LX_ENG_BUY ? b->base : b->quote] += ev->a;
    }
    b->last = ev->price;
    b->has_last = true;
    if (b->npst != 0) {
        lx__eng_trail_update(e, b, ev->price, false);
    }
    if (o->qty == 0) {
        drop(e, s);
    }
    return LX_OK;
}

static int apply_amended(struct lx_engine *e, const struct lx_eng_event *ev)
{
    uint32_t s = ev_order(e, ev);
    struct eng_order *o;
    struct eng_book *b;
    bool full = false;
    int64_t cur_price, cur = 0;

    if (s == ENG_NIL || e->orders[s].where != W_BOOK || ev->qty <= 0) {
        return LX_ERR_CORRUPT;
    }
    o = &e->orders[s];
    b = &e->books[o->inst];
    cur_price = b->levels[o->level].price;
    if (!(o->flags & OF_SIDE)) {
        cur = eng_spot_need(b, o->side, LX_ENG_LIMIT, cur_price, o->qty);
        /* Moved after a fill: its quote_filled becomes explicit. */
        if (!(ev->flags & LX_ENG_AMEND_KEPT) && o->filled > 0 &&
            ev->price != cur_price) {
            if (eng_reserve(e, 1, 0) != LX_OK) {
                return LX_ERR_NOMEM;
            }
            lx__eng_cold_attach(e, s, cur_price, o->filled * cur_price * b->k);
        }
    }
    if (ev->flags & LX_ENG_AMEND_KEPT) {
        b->levels[o->level].qty -= o->qty - ev->qty;
        o->qty = ev->qty;
    } else {
        lx__eng_level_unlink(e, b, s);
        o->price = ev->price;
        o->qty = ev->qty;
        lx__eng_level_append(e, b, s, &full);
    }
    if (o->flags & OF_SIDE) {
        eng_hot(e, s)->locked += ev->b;
    } else if (ev->b !=
               eng_spot_need(b, o->side, LX_ENG_LIMIT, ev->price, ev->qty) -
                   cur) {
        return LX_ERR_CORRUPT; /* a plain order's lock is derived */
    }
    lock_move(e, s, ev->b);
    return full ? LX_ERR_CORRUPT : LX_OK;
}

static int apply_triggered(struct lx_engine *e, const struct lx_eng_event *ev)
{
    uint32_t s = ev_order(e, ev);
    struct eng_order *o;

    if (s == ENG_NIL || e->orders[s].where != W_STOP) {
        return LX_ERR_CORRUPT;
    }
    o = &e->orders[s];
    lx__eng_stop_remove(&e->books[o->inst], s);
    o->flags |= OF_TRIGGERED;
    if (ev->qty < 0) {
        return LX_ERR_CORRUPT;
    }
    o->qty = ev->qty; /* a close-position order takes its size here */
    eng_hot(e, s)->locked += ev->b; /* stops have a side record */
    lock_move(e, s, ev->b);
    return place(e, s);
}

static int apply_balance(struct lx_engine *e, const struct lx_eng_event *ev)
{
    int64_t *bal;

    if (ev->account >= e->naccounts || ev->aux >= e->nassets) {
        return LX_ERR_CORRUPT;
    }
    bal = eng_bal(e, ev->account, ev->aux);
    bal[0] += ev->price;
    bal[1] += ev->qty;
    if (ev->reason == LX_ENG_BAL_DEPOSIT) {
        e->supply[ev->aux] += ev->price;
    } else if (ev->reason == LX_ENG_BAL_INSURANCE) {
        e->insurance[ev->aux] -= ev->price;
    }
    return LX_OK;
}

int lx__engine_apply(struct lx_engine *e, const struct lx_eng_event *ev)
{
    struct lx_eng_event *copy;
    uint32_t s;
    int rc;

    if (e == NULL || ev == NULL) {
        return LX_ERR_INVAL;
    }
    switch (ev->type) {
    case LX_ENG_EV_ACCEPTED:
        rc = apply_accepted(e, ev);
        break;
    case LX_ENG_EV_REJECTED:
        rc = LX_OK;
        break;
    case LX_ENG_EV_CLIENT_ID:
        rc = apply_cid(e, ev);
        break;
    case LX_ENG_EV_TRIGGERED:
        rc = apply_triggered(e, ev);
        break;
    case LX_ENG_EV_FILL:
        rc = apply_fill(e, ev);
        break;
    case LX_ENG_EV_AMENDED:
        rc = apply_amended(e, ev);
        break;
    case LX_ENG_EV_CANCELLED:
    case LX_ENG_EV_EXPIRED:
        s = ev_order(e, ev);
        rc = s == ENG_NIL ? LX_ERR_CORRUPT : LX_OK;
        if (rc == LX_OK) {
            lock_move(e, s, ev->b);
            drop(e, s);
        }
        break;
    case LX_ENG_EV_BALANCE:
        rc = apply_balance(e, ev);
        break;
    case LX_ENG_EV_POSITION:
    case LX_ENG_EV_MARK:
    case LX_ENG_EV_FUNDING:
    case LX_ENG_EV_LIQUIDATION:
    case LX_ENG_EV_LEVERAGE:
    case LX_ENG_EV_MARGIN_TYPE:
    case LX_ENG_EV_POSITION_MODE:
        rc = lx__eng_apply_perp(e, ev);
        break;
    default:
        rc = LX_ERR_CORRUPT;
    }
    if (rc == LX_OK) {
        copy = eng_ev(e);
        *copy = *ev;
        eng_commit(e, copy);
    }
    eng_topup(e);
    return rc;
}

/* ---- State hash --------------------------------------------------------- */

static uint64_t mix(uint64_t h, uint64_t w)
{
    return (h ^ w) * ENG_FNV_PRIME;
}

static uint64_t mix_order(const struct lx_engine *e, uint64_t h, uint32_t s)
{
    const struct eng_order *o = &e->orders[s];
    const struct eng_cold *c = eng_cold_get(e, s);
    uint32_t r = eng_cid_ref(e, s);

    /* Derived and explicit values alike: the same state, the same hash. */
    h = mix(h, o->id);
    h = mix(h, (uint64_t)eng_price(e, o));
    h = mix(h, (uint64_t)o->qty);
    h = mix(h, (uint64_t)eng_locked(e, s));
    h = mix(h, (uint64_t)o->account | (uint64_t)o->side << 32 |
                   (uint64_t)o->type << 40 | (uint64_t)o->tif << 48 |
                   (uint64_t)o->stp << 56);
    h = mix(h, (uint64_t)(o->flags & ~OF_SIDE) | (uint64_t)o->where << 8 |
                   (uint64_t)o->inst << 16);
    h = mix(h, (uint64_t)o->filled);
    h = mix(h, (uint64_t)eng_quote(e, s));
    h = mix(h, (uint64_t)c->stop_price);
    h = mix(h, (uint64_t)e->otime[s]);
    if (e->books[o->inst].perp) {
        h = mix(h, (uint64_t)c->pext | (uint64_t)c->callback_bps << 8);
        h = mix(h, (uint64_t)c->activation);
        h = mix(h, (uint64_t)c->extreme);
    }
    if (o->flags & OF_LINKED) {
        h = mix(h, e->orders[c->link].id);
    }
    return mix(h, r == ENG_NIL
                      ? lx__eng_cid_hash(0, NULL, 0)
                      : lx__eng_cid_hash(0, e->cids[r].cid, e->cids[r].len));
}

static uint64_t hash_book(const struct lx_engine *e, const struct eng_book *b,
                          uint64_t h)
{
    uint32_t side, i, s;

    h = mix(h, b->has_last ? (uint64_t)b->last : UINT64_MAX);
    for (side = 0; side < 2; side++) {
        const struct eng_side *sd = &b->side[side];

        h = mix(h, sd->live);
        for (i = sd->n; i-- > 0;) {
            const struct eng_level *lv = &b->levels[sd->lv[i]];

            if (lv->count == 0) {
                continue; /* kept lazily, not observable */
            }
            h = mix(h, (uint64_t)lv->price);
            h = mix(h, (uint64_t)lv->qty);
            h = mix(h, lv->count);
            for (s = lv->head; s != ENG_NIL; s = e->orders[s].next) {
                h = mix_order(e, h, s);
            }
        }
    }
    for (i = b->up.n; i-- > 0;) {
        h = mix_order(e, h, b->up.slot[i]);
    }
    for (i = 0; i < b->npst; i++) {
        h = mix_order(e, h, b->pst[i]);
    }
    h = mix(h, 0x5709);
    for (i = b->down.n; i-- > 0;) {
        h = mix_order(e, h, b->down.slot[i]);
    }
    return h;
}

uint64_t lx__engine_state_hash(const struct lx_engine *e)
{
    uint64_t h = LX_ENG_HASH_INIT;
    uint32_t i, a;

    h = mix(h, e->seq);
    for (i = 0; i < e->nbooks; i++) {
        h = hash_book(e, &e->books[i], h);
    }
    for (a = 0; a < e->naccounts; a++) {
        h = mix(h, e->accounts[a].open);
        for (i = 0; i < e->nassets; i++) {
            const int64_t *bal = eng_cbal(e, a, i);

            h = mix(h, (uint64_t)bal[0]);
            h = mix(h, (uint64_t)bal[1]);
        }
    }
    for (i = 0; i < e->nassets; i++) {
        h = mix(h, (uint64_t)e->fees[i]);
        h = mix(h, (uint64_t)e->supply[i]);
    }
    return lx__eng_perp_hash(e, h);
}

/* ---- Invariants ------------------------------------------------------- */

static int check_level(const struct lx_engine *e, const struct eng_book *b,
                       uint32_t inst, int side, uint32_t li)
{
    const struct eng_level *lv = &b->levels[li];
    uint32_t s, prev = ENG_NIL, n = 0;
    int64_t qty = 0;

    for (s = lv->head; s != ENG_NIL; s = e->orders[s].next) {
        const struct eng_order *o = &e->orders[s];

        if (o->where != W_BOOK || o->level != li || o->side != side ||
            o->inst != inst || o->qty <= 0 || o->prev != prev ||
            ++n > lv->count) {
            return LX_ERR_CORRUPT;
        }
        qty += o->qty;
        prev = s;
    }
    if (n != lv->count || qty != lv->qty || lv->tail != prev ||
        lv->side != (uint32_t)side ||
        lx__eng_level_find(b, side, lv->price) != li) {
        return LX_ERR_CORRUPT;
    }
    return LX_OK;
}

static int check_book(const struct lx_engine *e, uint32_t inst)
{
    const struct eng_book *b = &e->books[inst];
    int side;
    uint32_t i;

    for (side = 0; side < 2; side++) {
        const struct eng_side *sd = &b->side[side];
        uint32_t live = 0;

        for (i = 0; i < sd->n; i++) {
            const struct eng_level *lv = &b->levels[sd->lv[i]];
            int64_t key = side == LX_ENG_BUY ? lv->price : -lv->price;

            if (sd->key[i] != key || (i > 0 && sd->key[i - 1] >= key) ||
                check_level(e, b, inst, side, sd->lv[i]) != LX_OK) {
                return LX_ERR_CORRUPT;
            }
            live += lv->count > 0;
        }
        /* Empty levels may wait in the middle, never at the best end. */
        if (live != sd->live ||
            (sd->n > 0 && b->levels[sd->lv[sd->n - 1]].count == 0)) {
            return LX_ERR_CORRUPT;
        }
    }
    if (b->side[0].n > 0 && b->side[1].n > 0 &&
        b->side[0].key[b->side[0].n - 1] >= -b->side[1].key[b->side[1].n - 1]) {
        return LX_ERR_CORRUPT; /* crossed */
    }
    for (i = 1; i < b->up.n; i++) {
        if (b->up.key[i - 1] > b->up.key[i]) {
            return LX_ERR_CORRUPT;
        }
    }
    for (i = 1; i < b->down.n; i++) {
        if (b->down.key[i - 1] > b->down.key[i]) {
            return LX_ERR_CORRUPT;
        }
    }
    for (i = 0; i < b->npst; i++) {
        const struct eng_order *o = &e->orders[b->pst[i]];

        if (o->where != W_STOP || o->inst != inst) {
            return LX_ERR_CORRUPT;
        }
    }
    return LX_OK;
}

/*
 * An OCO pair from its leg in slot s: the link goes both ways, one account,
 * instrument and side, one holder, whose lock covers its own need and, with
 * the other leg's, the other leg's need. False when all holds.
 */
static bool pair_bad(const struct lx_engine *e, uint32_t s)
{
    const struct eng_order *o = &e->orders[s], *p;
    const struct eng_book *b = &e->books[o->inst];
    uint32_t y = eng_cold(e, s)->link;

    if (y >= e->cfg.max_orders) {
        return true;
    }
    p = &e->orders[y];
    if (p->where == W_FREE || !(p->flags & OF_LINKED) ||
        !(p->flags & OF_SIDE) || eng_cold(e, y)->link != s ||
        p->account != o->account || p->inst != o->inst || p->side != o->side ||
        b->perp || ((o->flags ^ p->flags) & OF_HOLDER) == 0) {
        return true;
    }
    return (o->flags & OF_HOLDER) &&
           (eng_locked(e, s) <
                eng_spot_need(b, o->side, o->type, eng_price(e, o), o->qty) ||
            eng_locked(e, s) + eng_locked(e, y) <
                eng_spot_need(b, p->side, p->type, eng_price(e, p), p->qty));
}

/*
 * A side or client id record reference is in its pool, and a plain order
 * (no side record) is one whose lock is derived: a spot LIMIT or
 * LIMIT_MAKER order outside any pair.
 */
static bool records_bad(const struct lx_engine *e, uint32_t s)
{
    const struct eng_order *o = &e->orders[s];
    uint32_t r = eng_cid_ref(e, s);

    if ((o->flags & OF_SIDE)
            ? e->cold_of[s] >= e->cold_cap
            : (e->books[o->inst].perp ||
               (o->type != LX_ENG_LIMIT && o->type != LX_ENG_LIMIT_MAKER) ||
               (o->flags & OF_LINKED))) {
        return true;
    }
    return (o->flags & OF_HAS_CID) && (r >= e->cid_cap || e->cids[r].len == 0 ||
                                       e->cids[r].len > LX_ENG_CID_MAX);
}

/* Free list lengths: every record is either used or free. */
static int check_pools(const struct lx_engine *e, uint32_t nside, uint32_t ncid)
{
    uint32_t i, n = 0;

    if (nside != e->cold_used || ncid != e->ncid ||
        e->cold_used > e->cold_cap || e->ncid > e->cid_cap) {
        return LX_ERR_CORRUPT;
    }
    for (i = e->cold_free; i != ENG_NIL; i = e->cold[i].link) {
        if (i >= e->cold_cap || ++n > e->cold_cap - e->cold_used) {
            return LX_ERR_CORRUPT;
        }
    }
    if (n != e->cold_cap - e->cold_used) {
        return LX_ERR_CORRUPT;
    }
    n = 0;
    for (i = e->cid_free; i != ENG_NIL;) {
        if (i >= e->cid_cap || ++n > e->cid_cap - e->ncid) {
            return LX_ERR_CORRUPT;
        }
        memcpy(&i, &e->cids[i], sizeof(i));
    }
    return n == e->cid_cap - e->ncid ? LX_OK : LX_ERR_CORRUPT;
}

/*
 * Sums every open order's lock per account and asset into e->scratch: the
 * derived locks of plain orders plus the explicit ones of side records,
 * which lx__engine_check compares with the balances' locked amounts.
 */
static int sum_orders(const struct lx_engine *e, int64_t *locks, int64_t *open)
{
    uint32_t s, nstop = 0, i, nside = 0, ncid = 0;

    for (s = 0; s < e->cfg.max_orders; s++) {
        const struct eng_order *o = &e->orders[s];
        const struct eng_book *b;
        int64_t lk;

        if (o->where == W_FREE) {
            continue;
        }
        if (o->where == W_LIVE || o->inst >= e->nbooks ||
            (o->id & (((uint64_t)1 << e->slot_bits) - 1)) != s ||
            records_bad(e, s) || ((o->flags & OF_LINKED) && pair_bad(e, s))) {
            return LX_ERR_CORRUPT;
        }
        lk = eng_locked(e, s);
        if (lk < 0) {
            return LX_ERR_CORRUPT;
        }
        b = &e->books[o->inst];
        locks[(size_t)o->account * e->cfg.max_assets +
              eng_lock_asset(b, o->side)] += lk;
        open[o->account]++;
        nstop += o->where == W_STOP;
        nside += (o->flags & OF_SIDE) != 0;
        ncid += (o->flags & OF_HAS_CID) != 0;
    }
    for (i = 0; i < e->nbooks; i++) {
        nstop -= e->books[i].up.n + e->books[i].down.n + e->books[i].npst;
    }
    if (nstop != 0) {
        return LX_ERR_CORRUPT;
    }
    return check_pools(e, nside, ncid);
}

static int check_accounts(const struct lx_engine *e)
{
    size_t na = (size_t)e->cfg.max_accounts * e->cfg.max_assets;
    int64_t *locks = e->scratch, *open = e->scratch + na;
    uint32_t a, i;

    memset(e->scratch, 0, sizeof(int64_t) * (na + e->cfg.max_accounts));
    if (sum_orders(e, locks, open) != LX_OK) {
        return LX_ERR_CORRUPT;
    }
    for (i = 0; i < e->nassets; i++) {
        int64_t total = e->fees[i];

        if (lx__eng_perp_conserve(e, i, &total) != LX_OK) {
            return LX_ERR_CORRUPT;
        }
        for (a = 0; a < e->naccounts; a++) {
            const int64_t *bal = eng_cbal(e, a, i);

            /* Perp losses may leave a margin wallet negative (docs). */
            if ((bal[0] < 0 && !e->margin_asset[i]) || bal[1] < 0 ||
                bal[1] != locks[(size_t)a * e->cfg.max_assets + i]) {
                return LX_ERR_CORRUPT;
            }
            total += bal[0] + bal[1];
        }
        if (total != e->supply[i]) {
            return LX_ERR_CORRUPT;
        }
    }
    for (a = 0; a < e->naccounts; a++) {
        if (open[a] != e->accounts[a].open) {
            return LX_ERR_CORRUPT;
        }
    }
    return LX_OK;
}

int lx__engine_check(const struct lx_engine *e)
{
    uint32_t i;

    if (e == NULL) {
        return LX_ERR_INVAL;
    }
    for (i = 0; i < e->nbooks; i++) {
        if (check_book(e, i) != LX_OK) {
            return LX_ERR_CORRUPT;
        }
    }
    for (i = 0; i <= e->cid_mask; i++) {
        uint32_t s = e->cid_tab[i];

        if (s != 0 &&
            (s - 1 >= e->cfg.max_orders || e->orders[s - 1].where == W_FREE ||
             eng_cid_ref(e, s - 1) == ENG_NIL)) {
            return LX_ERR_CORRUPT;
        }
    }
    return check_accounts(e);
}
