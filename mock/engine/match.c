/*
 * match.c - the book and the matching: validation of new orders against the
 * instrument's filters and the account's balance, price-time priority
 * matching with self-trade prevention, settlement with maker/taker fees,
 * resting, cancel, cancel-all, amend, and stop/take-profit triggers on the
 * last trade price. On perp books (perp.c holds the positions): margin
 * reservations instead of asset locks, reduce-only clipping, triggers on
 * the mark price and trailing stops.
 *
 * Every state change is logged (eng_ev/eng_commit) in the order it
 * happens; replay.c relies on that order. Balance moves that an order event
 * implies (locks, settlement) are applied with eng_move and not logged
 * again: docs/engine.md gives the formulas. No allocation, no I/O.
 */
#include <string.h>

#include "engine/engine_int.h"

#define E8 100000000

/* Rare paths (rejections, perp, stops, STP): a hint for code layout. */
#define ENG_UNLIKELY(x) __builtin_expect(!!(x), 0)

/* The hot path's helpers, inlined even where gcc's size limits would not. */
#define ENG_HOT static inline __attribute__((always_inline))

/*
 * The buy or the sell value for a valid side, without a branch: sides are
 * random, so a branch on the side mispredicts about half the time.
 */
_Static_assert(LX_ENG_BUY == 0 && LX_ENG_SELL == 1, "sides index arrays");

static inline uint64_t by_side(int side, uint64_t buy, uint64_t sell)
{
    /* buy + (sell - buy) * side, modulo 2^64: no branch, no memory. */
    return buy + (sell - buy) * (uint64_t)(side & 1);
}

/* ---- Sorted level arrays ------------------------------------------------- */

/*
 * Index of the first key >= key: a branchless binary search (the compare
 * feeds a conditional move, not a branch, so random prices cost no
 * mispredictions). Most removals are at the best price, which is the end
 * of the array; that case is checked first.
 */
static uint32_t lower_bound(const int64_t *keys, uint32_t n, int64_t key)
{
    const int64_t *base = keys;
    uint32_t len = n;

    if (n == 0 || keys[n - 1] < key) {
        return n;
    }
    if (keys[n - 1] == key && (n == 1 || keys[n - 2] < key)) {
        return n - 1;
    }
    while (len > 1) {
        uint32_t half = len / 2;

        base = base[half - 1] < key ? base + half : base;
        len -= half;
    }
    return (uint32_t)(base - keys) + (*base < key);
}

static inline int64_t side_key(int side, int64_t price)
{
    return side == LX_ENG_BUY ? price : -price;
}

/*
 * Home slot of (side, price) in the price table: the price itself, sides
 * interleaved. Neighbouring prices land in neighbouring slots, so the
 * active part of a book stays in a few cache lines and distinct prices
 * within a table's span never collide; prices a table size apart probe
 * linearly (slower, still correct).
 */
static inline uint32_t ltab_home(const struct eng_book *b, int side,
                                 int64_t price)
{
    return (uint32_t)((uint64_t)price * 2 + (uint64_t)side) & b->lmask;
}

/* The level of (side, price), or ENG_NIL. */
static inline uint32_t level_find(const struct eng_book *b, int side,
                                  int64_t price)
{
    uint32_t i = ltab_home(b, side, price);

    while (b->ltab[i] != 0) {
        const struct eng_level *lv = &b->levels[b->ltab[i] - 1];

        if (lv->price == price && lv->side == (uint32_t)side) {
            return b->ltab[i] - 1;
        }
        i = (i + 1) & b->lmask;
    }
    return ENG_NIL;
}

uint32_t lx__eng_level_find(const struct eng_book *b, int side, int64_t price)
{
    return level_find(b, side, price);
}

static void ltab_insert(struct eng_book *b, uint32_t li)
{
    uint32_t i = ltab_home(b, (int)b->levels[li].side, b->levels[li].price);

    while (b->ltab[i] != 0) {
        i = (i + 1) & b->lmask;
    }
    b->ltab[i] = li + 1;
}

/* Deletion with backward shift (no tombstones). */
static void ltab_remove(struct eng_book *b, uint32_t li)
{
    uint32_t i = ltab_home(b, (int)b->levels[li].side, b->levels[li].price);
    uint32_t j;

    while (b->ltab[i] != li + 1) {
        if (LX_NEVER(b->ltab[i] == 0)) {
            return;
        }
        i = (i + 1) & b->lmask;
    }
    for (j = i;;) {
        const struct eng_level *lv;
        uint32_t home;

        j = (j + 1) & b->lmask;
        if (b->ltab[j] == 0) {
            break;
        }
        lv = &b->levels[b->ltab[j] - 1];
        home = ltab_home(b, (int)lv->side, lv->price);
        if (((j - home) & b->lmask) >= ((j - i) & b->lmask)) {
            b->ltab[i] = b->ltab[j];
            i = j;
        }
    }
    b->ltab[i] = 0;
}

static void level_free(struct eng_book *b, uint32_t li)
{
    ltab_remove(b, li);
    b->levels[li].head = b->level_free;
    b->level_free = li;
}

/* Drops every empty level of both sides. O(levels). */
static void compact(struct eng_book *b)
{
    int side;

    for (side = 0; side < 2; side++) {
        struct eng_side *sd = &b->side[side];
        uint32_t i, n = 0;

        for (i = 0; i < sd->n; i++) {
            if (b->levels[sd->lv[i]].count == 0) {
                level_free(b, sd->lv[i]);
            } else {
                sd->key[n] = sd->key[i];
                sd->lv[n++] = sd->lv[i];
            }
        }
        sd->n = n;
    }
}

/* Inserts a new, empty level for (side, price); ENG_NIL when full. */
static uint32_t level_new(struct eng_book *b, int side, int64_t price)
{
    struct eng_side *sd = &b->side[side];
    int64_t key = side_key(side, price);
    uint32_t li, pos;
    struct eng_level *lv;

    if (b->level_free == ENG_NIL || sd->n >= 2 * sd->live + 64) {
        compact(b);
        if (b->level_free == ENG_NIL) {
            return ENG_NIL;
        }
    }
    li = b->level_free;
    lv = &b->levels[li];
    b->level_free = lv->head;
    lv->price = price;
    lv->qty = 0;
    lv->head = lv->tail = ENG_NIL;
    lv->count = 0;
    lv->side = (uint32_t)side;
    pos = lower_bound(sd->key, sd->n, key);
    if (pos < sd->n) {
        memmove(&sd->key[pos + 1], &sd->key[pos],
                (sd->n - pos) * sizeof(*sd->key));
        memmove(&sd->lv[pos + 1], &sd->lv[pos],
                (sd->n - pos) * sizeof(*sd->lv));
    }
    sd->key[pos] = key;
    sd->lv[pos] = li;
    sd->n++;
    ltab_insert(b, li);
    return li;
}

static inline void level_append(struct lx_engine *e, struct eng_book *b,
                                uint32_t slot, bool *full)
{
    struct eng_order *o = &e->orders[slot];
    uint32_t li = level_find(b, o->side, o->price);
    struct eng_level *lv;

    if (li == ENG_NIL) {
        li = level_new(b, o->side, o->price);
        if (li == ENG_NIL) {
            *full = true;
            return;
        }
    }
    lv = &b->levels[li];
    if (lv->count == 0) {
        b->side[o->side].live++;
    }
    o->prev = lv->tail;
    o->next = ENG_NIL;
    if (lv->tail != ENG_NIL) {
        e->orders[lv->tail].next = slot;
    } else {
        lv->head = slot;
    }
    lv->tail = slot;
    lv->qty += o->qty;
    lv->count++;
    o->level = li;
    o->where = W_BOOK;
}

/*
 * A level just emptied. In the middle of the side it stays (lazy); at the
 * best end it goes, with any empty levels behind it, so the best level is
 * never empty.
 */
static void level_emptied(struct eng_book *b, int side)
{
    struct eng_side *sd = &b->side[side];

    sd->live--;
    while (sd->n > 0 && b->levels[sd->lv[sd->n - 1]].count == 0) {
        level_free(b, sd->lv[--sd->n]);
    }
}

/* Takes a booked order off its level; its price is then unset. */
static inline void level_unlink(struct lx_engine *e, struct eng_book *b,
                                uint32_t slot)
{
    struct eng_order *o = &e->orders[slot];
    struct eng_level *lv = &b->levels[o->level];

    if (o->prev != ENG_NIL) {
        e->orders[o->prev].next = o->next;
    } else {
        lv->head = o->next;
    }
    if (o->next != ENG_NIL) {
        e->orders[o->next].prev = o->prev;
    } else {
        lv->tail = o->prev;
    }
    lv->qty -= o->qty;
    if (--lv->count == 0) {
        level_emptied(b, o->side);
    }
    /*
     * The links become the price field again, which the caller sets if it
     * still needs one (amend); finish and replay's drop free the slot.
     */
    o->level = ENG_NIL;
    o->where = W_LIVE;
}

/* The same for replay.c. */
void lx__eng_level_append(struct lx_engine *e, struct eng_book *b,
                          uint32_t slot, bool *full)
{
    level_append(e, b, slot, full);
}

void lx__eng_level_unlink(struct lx_engine *e, struct eng_book *b,
                          uint32_t slot)
{
    level_unlink(e, b, slot);
}

/* ---- Stops --------------------------------------------------------------- */

bool lx__eng_stop_insert(struct eng_book *b, uint32_t slot, int64_t stop,
                         bool up)
{
    struct eng_stops *st = up ? &b->up : &b->down;
    int64_t key = up ? -stop : stop;
    uint32_t pos;

    if (st->n >= b->stop_cap) {
        return false;
    }
    /* Before equal keys: the older stop stays nearer the end, fires first. */
    pos = lower_bound(st->key, st->n, key);
    memmove(&st->key[pos + 1], &st->key[pos], (st->n - pos) * sizeof(int64_t));
    memmove(&st->slot[pos + 1], &st->slot[pos],
            (st->n - pos) * sizeof(uint32_t));
    st->key[pos] = key;
    st->slot[pos] = slot;
    st->n++;
    return true;
}

static bool stops_remove(struct eng_stops *st, uint32_t slot)
{
    uint32_t i;

    for (i = 0; i < st->n; i++) {
        if (st->slot[i] == slot) {
            memmove(&st->key[i], &st->key[i + 1],
                    (st->n - i - 1) * sizeof(int64_t));
            memmove(&st->slot[i], &st->slot[i + 1],
                    (st->n - i - 1) * sizeof(uint32_t));
            st->n--;
            return true;
        }
    }
    return false;
}

static bool pst_remove(struct eng_book *b, uint32_t slot)
{
    uint32_t i;

    for (i = 0; i < b->npst; i++) {
        if (b->pst[i] == slot) {
            memmove(&b->pst[i], &b->pst[i + 1],
                    (b->npst - i - 1) * sizeof(uint32_t));
            b->npst--;
            return true;
        }
    }
    return false;
}

void lx__eng_stop_remove(struct eng_book *b, uint32_t slot)
{
    if (!stops_remove(&b->up, slot) && !stops_remove(&b->down, slot) &&
        b->npst != 0) {
        pst_remove(b, slot);
    }
}

/*
 * Puts a waiting stop where it is watched: mark-price and trailing stops of
 * perp books in the arrival-ordered list, the others in the sorted arrays.
 */
bool lx__eng_stop_add(struct lx_engine *e, struct eng_book *b, uint32_t slot)
{
    const struct eng_order *o = &e->orders[slot];

    if (b->perp && eng_in_pst(o->type, eng_cold(e, slot)->pext)) {
        if (b->npst >= b->stop_cap) {
            return false;
        }
        b->pst[b->npst++] = slot;
        lx__eng_trail_init(e, b, slot);
        return true;
    }
    return lx__eng_stop_insert(b, slot, eng_cold(e, slot)->stop_price,
                               eng_stop_up(o->type, o->side));
}

/* ---- Events -----------------------------------------------------------------
 */

static inline void order_ev_f(struct lx_engine *e, int type, int reason,
                              int flags, uint32_t slot, int64_t price,
                              int64_t qty, int64_t a, int64_t lock,
                              int64_t time)
{
    const struct eng_order *o = &e->orders[slot];
    uint64_t w[8];

    w[0] = (uint64_t)(uint8_t)type | (uint64_t)(uint8_t)reason << 8 |
           (uint64_t)o->side << 16 | (uint64_t)(uint8_t)flags << 24 |
           (uint64_t)o->inst << 32;
    w[1] = (uint64_t)time;
    w[2] = o->id;
    w[3] = o->account;
    w[4] = (uint64_t)price;
    w[5] = (uint64_t)qty;
    w[6] = (uint64_t)a;
    w[7] = (uint64_t)lock;
    eng_emit(e, w);
}

static void order_ev(struct lx_engine *e, int type, int reason, uint32_t slot,
                     int64_t price, int64_t qty, int64_t a, int64_t lock,
                     int64_t time)
{
    order_ev_f(e, type, reason, 0, slot, price, qty, a, lock, time);
}

static uint32_t pack_kind(int type, int tif, int stp)
{
    return (uint32_t)type | (uint32_t)tif << 8 | (uint32_t)stp << 16;
}

/* ---- Order end ------------------------------------------------------------
 */

/*
 * Ends an open order: takes it off the book or the stop list, logs
 * CANCELLED or EXPIRED (ev_type 0 for a complete fill, which the FILL event
 * already said), releases what it still has locked and frees the slot.
 * The other order of its OCO pair ends right after it (reason OCO).
 */
static void finish(struct lx_engine *e, struct eng_book *b, uint32_t slot,
                   int ev_type, int reason, int64_t time)
{
    struct eng_order *o = &e->orders[slot];
    int64_t lk = 0;
    uint32_t sib = ENG_NIL;

    if (o->flags & OF_SIDE) {
        lk = eng_hot(e, slot)->locked;
        if (o->flags & OF_LINKED) {
            sib = lx__eng_pair_break(e, slot);
        }
    } else if (o->qty != 0) {
        /* A plain order's derived lock (a filled one has none left). */
        int64_t p = o->where == W_BOOK ? b->levels[o->level].price : o->price;

        lk = (int64_t)((uint64_t)o->qty * by_side(o->side,
                                                  (uint64_t)p * (uint64_t)b->k,
                                                  (uint64_t)b->l));
    }
    if (o->where == W_BOOK) {
        level_unlink(e, b, slot);
    } else if (o->where == W_STOP) {
        lx__eng_stop_remove(b, slot);
    }
    if (ev_type != 0) {
        /* The event's lock field says what goes back to free. */
        order_ev(e, ev_type, reason, slot, 0, o->qty, 0, -lk, time);
        eng_move(e, o->account, eng_lock_asset(b, o->side), lk, -lk);
    } else if (lk != 0) {
        /* Filled with budget left (market by quote): its own event. */
        lx__eng_balance(e, o->account, eng_lock_asset(b, o->side), lk, -lk,
                        LX_ENG_BAL_UNLOCK, time);
    }
    e->accounts[o->account].open--;
    if (o->flags & (OF_SIDE | OF_HAS_CID)) {
        if (o->flags & OF_HAS_CID) {
            lx__eng_cid_remove(e, slot);
        }
        lx__eng_records_free(e, slot);
    }
    eng_slot_release(e, slot);
    if (sib != ENG_NIL) {
        /* One-cancels-the-other: the sibling goes right after. */
        finish(e, b, sib,
               ev_type == LX_ENG_EV_CANCELLED ? LX_ENG_EV_CANCELLED
                                              : LX_ENG_EV_EXPIRED,
               LX_ENG_R_OCO, time);
    }
}

/* ---- Settlement -----------------------------------------------------------
 */

/* amount * rate / 10^8, truncated toward zero; |rate| <= 10^8. */
static int64_t fee_of(int64_t amount, int64_t rate_e8)
{
    int64_t p;

    if (!__builtin_mul_overflow(amount, rate_e8, &p)) {
        return p / E8; /* the common case, no 128-bit division */
    }
    return (int64_t)((__int128)amount * rate_e8 / E8);
}

/*
 * What a fill of q lots consumes of the order's lock; own: the order's
 * limit price (a maker's is its level's).
 */
static int64_t lock_use(const struct eng_book *b, const struct eng_order *o,
                        int64_t q, int64_t quote, int64_t own)
{
    if (o->side == LX_ENG_SELL) {
        return q * b->l;
    }
    return eng_is_limit(o->type) ? q * own * b->k : quote;
}

static inline void fill_ev(struct lx_engine *e, uint32_t slot, uint32_t counter,
                           int64_t price, int64_t q, int64_t fee, int64_t use,
                           bool maker, int64_t time)
{
    const struct eng_order *o = &e->orders[slot];
    uint64_t flags =
        (maker ? LX_ENG_FILL_MAKER : 0) | (o->qty == q ? LX_ENG_FILL_LAST : 0);
    uint64_t w[8];

    w[0] = (uint64_t)LX_ENG_EV_FILL | (uint64_t)o->side << 16 | flags << 24 |
           (uint64_t)o->inst << 32;
    w[1] = (uint64_t)time;
    w[2] = o->id;
    w[3] = (uint64_t)o->account | (uint64_t)counter << 32;
    w[4] = (uint64_t)price;
    w[5] = (uint64_t)q;
    w[6] = (uint64_t)fee;
    w[7] = (uint64_t)-use;
    eng_emit(e, w);
}

/*
 * A perp fill: the fee on the notional and the lock use (a share of the
 * order's margin, all of it on the last fill) in the margin asset, then
 * the position (perp.c), which logs POSITION after the FILL.
 */
static void settle_perp(struct lx_engine *e, struct eng_book *b, uint32_t slot,
                        uint32_t counter_acct, int64_t price, int64_t q,
                        int64_t quote, bool maker, int64_t time)
{
    struct eng_order *o = &e->orders[slot];
    struct eng_hot *c = eng_hot(e, slot); /* perp orders have one */
    const struct eng_account *a = &e->accounts[o->account];
    int64_t fee = fee_of(quote, maker ? a->maker_e8 : a->taker_e8);
    int64_t use =
        o->qty == q ? c->locked : lx__eng_muldiv(c->locked, q, o->qty);

    fill_ev(e, slot, counter_acct, price, q, fee, use, maker, time);
    eng_move(e, o->account, b->quote, use - fee, -use);
    e->fees[b->quote] += fee;
    lx__eng_perp_settle(e, b, slot, price, q, true, time);
    o->qty -= q;
    o->filled += q;
    c->locked -= use;
    c->quote_filled += quote;
    if (!maker) {
        e->tq += quote;
    }
}

/*
 * Settles one side of a fill: its order, its balances, its fee; own is the
 * order's limit price. A plain order's lock and quote_filled are derived:
 * only an order with a side record stores them.
 */
static void settle(struct lx_engine *e, struct eng_book *b, uint32_t slot,
                   uint32_t counter_acct, int64_t price, int64_t q,
                   int64_t quote, bool maker, int64_t own, int64_t time)
{
    struct eng_order *o = &e->orders[slot];
    const struct eng_account *a = &e->accounts[o->account];
    int64_t rate = maker ? a->maker_e8 : a->taker_e8;
    int64_t use, fee;

    if (b->perp) {
        settle_perp(e, b, slot, counter_acct, price, q, quote, maker, time);
        return;
    }
    use = lock_use(b, o, q, quote, own);
    /* The fee is in what the side receives; one FILL event, then moves. */
    fee = fee_of(o->side == LX_ENG_BUY ? q * b->l : quote, rate);
    fill_ev(e, slot, counter_acct, price, q, fee, use, maker, time);
    if (o->side == LX_ENG_BUY) {
        eng_move(e, o->account, b->quote, use - quote, -use);
        eng_move(e, o->account, b->base, q * b->l - fee, 0);
        e->fees[b->base] += fee;
    } else {
        eng_move(e, o->account, b->base, 0, -use);
        eng_move(e, o->account, b->quote, quote - fee, 0);
        e->fees[b->quote] += fee;
    }
    o->qty -= q;
    o->filled += q;
    if (!maker) {
        e->tq += quote;
    }
    if (o->flags & OF_SIDE) {
        struct eng_hot *c = eng_hot(e, slot);

        c->locked -= use;
        c->quote_filled += quote;
    }
}

/* ---- Matching -------------------------------------------------------------
 */

/*
 * Branch-free: orders arrive on random sides, so a branch on the side
 * mispredicts about half the time.
 */
static inline bool crosses(int side, int64_t limit, int64_t level_price)
{
    unsigned buy = side == LX_ENG_BUY;

    return ((unsigned)(level_price <= limit) & buy) |
           ((unsigned)(level_price >= limit) & (buy ^ 1u));
}

/* How many lots of a maker at price the taker takes; 0 ends the walk. */
static int64_t take_qty(const struct lx_engine *e, const struct eng_book *b,
                        uint32_t ts, int64_t price, int64_t avail)
{
    const struct eng_order *t = &e->orders[ts];
    int64_t q = t->qty < avail ? t->qty : avail;

    if (t->flags & OF_BY_QUOTE) {
        const struct eng_cold *tc = eng_cold(e, ts);
        int64_t afford =
            (tc->quote_qty - eng_hot(e, ts)->quote_filled) / (price * b->k);

        q = q < afford ? q : afford;
    }
    return q;
}

/*
 * Self-trade prevention for taker ts meeting its own maker ms. Returns true
 * when the taker has been expired (and freed).
 */
static bool stp_hit(struct lx_engine *e, struct eng_book *b, uint32_t ts,
                    uint32_t ms, int64_t time)
{
    int mode = e->orders[ts].stp;

    if (mode == LX_ENG_STP_EXPIRE_MAKER || mode == LX_ENG_STP_EXPIRE_BOTH) {
        finish(e, b, ms, LX_ENG_EV_EXPIRED, LX_ENG_R_STP, time);
    }
    if (mode == LX_ENG_STP_EXPIRE_TAKER || mode == LX_ENG_STP_EXPIRE_BOTH) {
        finish(e, b, ts, LX_ENG_EV_EXPIRED, LX_ENG_R_STP, time);
        return true;
    }
    return false;
}

static int64_t closable_of(const struct lx_engine *e, uint32_t s)
{
    const struct eng_order *o = &e->orders[s];

    return lx__eng_closable(e, o->account, o->inst, o->side,
                            (int)PX_PS(eng_cold(e, s)->pext));
}

/*
 * Reduce-only orders never trade more than their position can close: the
 * lots taker ts may take from maker ms (0: the taker stops), or -1 when the
 * maker has nothing left to close and has been expired.
 */
static int64_t reduce_clip(struct lx_engine *e, struct eng_book *b, uint32_t ts,
                           uint32_t ms, int64_t q, int64_t time)
{
    int64_t c;

    if (e->orders[ms].flags & OF_REDUCE) {
        c = closable_of(e, ms);
        if (c == 0) {
            finish(e, b, ms, LX_ENG_EV_EXPIRED, LX_ENG_R_REDUCE_ONLY, time);
            return -1;
        }
        q = q < c ? q : c;
    }
    if (e->orders[ts].flags & OF_REDUCE) {
        c = closable_of(e, ts);
        q = q < c ? q : c;
    }
    return q;
}

/*
 * Matches taker ts against the opposite side. Returns true when the taker
 * was expired by self-trade prevention (its slot is then free).
 */
static bool match(struct lx_engine *e, struct eng_book *b, uint32_t ts,
                  int64_t time)
{
    struct eng_order *t = &e->orders[ts];
    struct eng_side *sd = &b->side[t->side ^ 1];
    bool limit = eng_is_limit(t->type);

    while (sd->n > 0 && t->qty > 0) {
        uint32_t li = sd->lv[sd->n - 1];
        struct eng_level *lv = &b->levels[li];
        int64_t price = lv->price;

        if (limit && !crosses(t->side, t->price, price)) {
            break;
        }
        while (lv->head != ENG_NIL && t->qty > 0) {
            uint32_t ms = lv->head;
            struct eng_order *m = &e->orders[ms];
            int64_t q, quote;
            bool last_level = lv->count == 1;

            if (m->account == t->account && t->stp != LX_ENG_STP_NONE) {
                if (stp_hit(e, b, ts, ms, time)) {
                    return true;
                }
                if (last_level) {
                    break; /* the level is gone */
                }
                continue;
            }
            q = take_qty(e, b, ts, price, m->qty);
            if (((t->flags | m->flags) & OF_REDUCE) != 0) {
                q = reduce_clip(e, b, ts, ms, q, time);
                if (q < 0) { /* the maker expired */
                    if (last_level) {
                        break;
                    }
                    continue;
                }
            }
            if (q == 0) {
                return false;
            }
            quote = price * q * b->k;
            settle(e, b, ts, m->account, price, q, quote, false, t->price,
                   time);
            settle(e, b, ms, t->account, price, q, quote, true, price, time);
            b->last = price;
            b->has_last = true;
            lv->qty -= q;
            if (b->npst != 0) {
                lx__eng_trail_update(e, b, price, false);
            }
            if (m->qty == 0) {
                finish(e, b, ms, 0, 0, time);
                if (last_level) {
                    break;
                }
            } else if ((m->flags & OF_REDUCE) && closable_of(e, ms) == 0) {
                finish(e, b, ms, LX_ENG_EV_EXPIRED, LX_ENG_R_REDUCE_ONLY, time);
                if (last_level) {
                    break;
                }
            } else if (m->flags & OF_LINKED) {
                /* An OCO leg traded: the other leg expires now. */
                uint32_t y = lx__eng_pair_break(e, ms);

                finish(e, b, y, LX_ENG_EV_EXPIRED, LX_ENG_R_OCO, time);
            }
        }
    }
    return false;
}

/*
 * Walks the opposite side as taker (acct, side, stp, limit) would: at most
 * max_lots, at most budget quote units (budget < 0: none). Own orders are
 * skipped under EXPIRE_MAKER, end the walk under EXPIRE_TAKER and
 * EXPIRE_BOTH. Returns the lots and their cost, or -1 on overflow.
 */
static int64_t prewalk(const struct lx_engine *e, const struct eng_book *b,
                       uint32_t acct, int side, int stp, int64_t limit,
                       int64_t max_lots, int64_t budget, int64_t *cost)
{
    const struct eng_side *sd = &b->side[side ^ 1];
    int64_t got = 0, spent = 0;
    uint32_t i, s;

    for (i = sd->n; i-- > 0 && got < max_lots;) {
        const struct eng_level *lv = &b->levels[sd->lv[i]];
        int64_t unit;

        if (limit != 0 && !crosses(side, limit, lv->price)) {
            break;
        }
        if (__builtin_mul_overflow(lv->price, b->k, &unit)) {
            return -1;
        }
        for (s = lv->head; s != ENG_NIL && got < max_lots;
             s = e->orders[s].next) {
            const struct eng_order *m = &e->orders[s];
            int64_t q = max_lots - got < m->qty ? max_lots - got : m->qty, c;

            if (m->account == acct && stp != LX_ENG_STP_NONE) {
                if (stp == LX_ENG_STP_EXPIRE_MAKER) {
                    continue;
                }
                goto out;
            }
            if (budget >= 0 && (budget - spent) / unit < q) {
                q = (budget - spent) / unit;
            }
            if (q == 0) {
                goto out;
            }
            if (__builtin_mul_overflow(q, unit, &c) ||
                __builtin_add_overflow(spent, c, &spent)) {
                return -1;
            }
            got += q;
        }
    }
out:
    *cost = spent;
    return got;
}

/*
 * Runs an accepted, live order: post-only and FOK checks, matching, then
 * rest (GTC/GTX limit) or expiry. Returns the final state.
 */
static int execute(struct lx_engine *e, struct eng_book *b, uint32_t ts,
                   int64_t time, int *why)
{
    struct eng_order *t = &e->orders[ts];
    bool limit = eng_is_limit(t->type), full = false;
    int64_t cost;
    int reason;

    if (t->tif == LX_ENG_GTX && b->side[t->side ^ 1].n > 0) {
        int64_t best =
            b->levels[b->side[t->side ^ 1].lv[b->side[t->side ^ 1].n - 1]]
                .price;

        if (crosses(t->side, t->price, best)) {
            finish(e, b, ts, LX_ENG_EV_EXPIRED, LX_ENG_R_POST_ONLY, time);
            *why = LX_ENG_R_POST_ONLY;
            return LX_ENG_ST_EXPIRED;
        }
    }
    if (t->tif == LX_ENG_FOK && prewalk(e, b, t->account, t->side, t->stp,
                                        t->price, t->qty, -1, &cost) < t->qty) {
        finish(e, b, ts, LX_ENG_EV_EXPIRED, LX_ENG_R_FOK, time);
        *why = LX_ENG_R_FOK;
        return LX_ENG_ST_EXPIRED;
    }
    if (match(e, b, ts, time)) {
        *why = LX_ENG_R_STP;
        return LX_ENG_ST_EXPIRED_IN_MATCH;
    }
    if (t->qty == 0) {
        finish(e, b, ts, 0, 0, time);
        return LX_ENG_ST_FILLED;
    }
    if ((t->flags & OF_REDUCE) && closable_of(e, ts) == 0) {
        finish(e, b, ts, LX_ENG_EV_EXPIRED, LX_ENG_R_REDUCE_ONLY, time);
        *why = LX_ENG_R_REDUCE_ONLY;
        return LX_ENG_ST_EXPIRED;
    }
    if (limit && (t->tif == LX_ENG_GTC || t->tif == LX_ENG_GTX)) {
        /*
         * A plain order that took at prices other than its own rests with
         * its quote_filled explicit, in the record the pool keeps free
         * (eng_topup; none only if memory ran out: it cannot rest then).
         */
        if (t->filled > 0 && !(t->flags & OF_SIDE) &&
            e->tq != t->filled * t->price * b->k) {
            if (ENG_UNLIKELY(e->cold_free == ENG_NIL)) {
                full = true;
            } else {
                lx__eng_cold_attach(e, ts, t->price, e->tq);
            }
        }
        if (!full) {
            level_append(e, b, ts, &full);
        }
        if (!full) {
            return e->orders[ts].filled > 0 ? LX_ENG_ST_PARTIALLY_FILLED
                                            : LX_ENG_ST_NEW;
        }
        reason = LX_ENG_R_BOOK_FULL;
    } else {
        reason = limit ? LX_ENG_R_IOC : LX_ENG_R_MARKET_REMAINDER;
    }
    finish(e, b, ts, LX_ENG_EV_EXPIRED, reason, time);
    *why = reason;
    return LX_ENG_ST_EXPIRED;
}

/* ---- Triggers ---------------------------------------------------------------
 */

/* Locks what a market buy will spend; false if the balance is short. */
static bool lock_market_buy(struct lx_engine *e, struct eng_book *b,
                            uint32_t slot, int64_t *lock)
{
    struct eng_order *o = &e->orders[slot];
    int64_t cost;

    if (prewalk(e, b, o->account, o->side, o->stp, 0, o->qty, -1, &cost) < 0 ||
        cost > eng_bal(e, o->account, b->quote)[0]) {
        return false;
    }
    *lock = cost;
    return true;
}

/*
 * A perp stop at its trigger: a close-position order takes the position's
 * size, reduce-only ones need a position to close, others lock their
 * initial margin now. Returns the expiry reason or NONE.
 */
static int perp_trigger(struct lx_engine *e, struct eng_book *b, uint32_t slot,
                        int64_t *lock)
{
    struct eng_order *o = &e->orders[slot];
    int64_t n, c;

    if (o->flags & OF_REDUCE) {
        c = closable_of(e, slot);
        if (eng_cold(e, slot)->pext & PX_CLOSE) {
            o->qty = c;
        }
        return c == 0 ? LX_ENG_R_REDUCE_ONLY : LX_ENG_R_NONE;
    }
    if (eng_is_limit(o->type)) {
        n = o->price * o->qty * b->k;
    } else if (prewalk(e, b, o->account, o->side, o->stp, 0, o->qty, -1, &n) <
               0) {
        return LX_ENG_R_MARGIN_INSUFFICIENT;
    }
    n = lx__eng_ceil_div(n, lx__eng_lev(e, o->account, o->inst));
    if (n > lx__eng_available(e, o->account, b->quote)) {
        return LX_ENG_R_MARGIN_INSUFFICIENT;
    }
    *lock = n;
    return LX_ENG_R_NONE;
}

/*
 * A triggered OCO leg: the other leg expires first (its lock back to
 * free), then this one locks what it needs on its own. Returns that.
 */
static int64_t pair_fire(struct lx_engine *e, struct eng_book *b, uint32_t slot,
                         int64_t time)
{
    struct eng_order *o = &e->orders[slot];
    int64_t top;

    finish(e, b, lx__eng_pair_break(e, slot), LX_ENG_EV_EXPIRED, LX_ENG_R_OCO,
           time);
    top = eng_spot_need(b, o->side, o->type, o->price, o->qty) -
          eng_hot(e, slot)->locked;
    if (top <= 0) {
        return 0;
    }
    eng_hot(e, slot)->locked += top;
    eng_move(e, o->account, eng_lock_asset(b, o->side), -top, top);
    return top;
}

static void trigger(struct lx_engine *e, struct eng_book *b, uint32_t slot,
                    int64_t price, int64_t time)
{
    struct eng_order *o = &e->orders[slot];
    int64_t lock = 0, top = 0;
    int why = LX_ENG_R_NONE;

    o->where = W_LIVE;
    o->flags |= OF_TRIGGERED;
    if (o->flags & OF_LINKED) {
        top = pair_fire(e, b, slot, time);
    }
    if (b->perp) {
        why = perp_trigger(e, b, slot, &lock);
    } else if (!eng_is_limit(o->type) && o->side == LX_ENG_BUY &&
               !lock_market_buy(e, b, slot, &lock)) {
        why = LX_ENG_R_INSUFFICIENT_BALANCE;
    }
    eng_hot(e, slot)->locked += lock; /* stops have a side record */
    order_ev(e, LX_ENG_EV_TRIGGERED, 0, slot, price, o->qty, 0, lock + top,
             time);
    eng_move(e, o->account, eng_lock_asset(b, o->side), -lock, lock);
    if (why != LX_ENG_R_NONE) {
        finish(e, b, slot, LX_ENG_EV_EXPIRED, why, time);
        return;
    }
    e->tq = eng_hot(e, slot)->quote_filled;
    execute(e, b, slot, time, &why);
}

/* Does the waiting perp stop in slot fire at the current prices? */
static bool pst_fires(const struct lx_engine *e, const struct eng_book *b,
                      uint32_t slot, int64_t *price)
{
    const struct eng_order *o = &e->orders[slot];
    const struct eng_cold *c = eng_cold(e, slot);
    bool mark = (c->pext & PX_MARK) != 0;
    __int128 p, x;

    if (mark ? !b->has_mark : !b->has_last) {
        return false;
    }
    *price = mark ? b->mark : b->last;
    if (o->type != LX_ENG_TRAILING_STOP_MARKET) {
        return eng_stop_up(o->type, o->side) ? *price >= c->stop_price
                                             : *price <= c->stop_price;
    }
    if (!(c->pext & PX_ACTIVE)) {
        return false;
    }
    /* Retraced callback_bps from the best price, compared exactly. */
    p = (__int128)*price * 10000;
    if (o->side == LX_ENG_SELL) {
        x = (__int128)c->extreme * (10000 - (int64_t)c->callback_bps);
        return p <= x;
    }
    x = (__int128)c->extreme * (10000 + (int64_t)c->callback_bps);
    return p >= x;
}

/* The first (oldest) perp stop that fires, taken off the list; or NIL. */
static uint32_t pst_next(struct lx_engine *e, struct eng_book *b,
                         int64_t *price)
{
    uint32_t i, s;

    for (i = 0; i < b->npst; i++) {
        s = b->pst[i];
        if (pst_fires(e, b, s, price)) {
            pst_remove(b, s);
            return s;
        }
    }
    return ENG_NIL;
}

static void fire_triggers(struct lx_engine *e, struct eng_book *b, int64_t time)
{
    for (;;) {
        uint32_t s;
        int64_t price = b->last;

        if (b->has_last && b->up.n > 0 && -b->up.key[b->up.n - 1] <= b->last) {
            s = b->up.slot[--b->up.n];
        } else if (b->has_last && b->down.n > 0 &&
                   b->down.key[b->down.n - 1] >= b->last) {
            s = b->down.slot[--b->down.n];
        } else if (b->npst == 0 || (s = pst_next(e, b, &price)) == ENG_NIL) {
            break;
        }
        trigger(e, b, s, price, time);
    }
}

/* Most books have no waiting stops: test that inline, before any call. */
static inline void run_triggers(struct lx_engine *e, struct eng_book *b,
                                int64_t time)
{
    if ((b->up.n | b->down.n | b->npst) != 0) {
        fire_triggers(e, b, time);
    }
}

void lx__eng_run_triggers(struct lx_engine *e, struct eng_book *b, int64_t time)
{
    run_triggers(e, b, time);
}

/*
 * The common case of execute(): a GTC limit order that does not cross
 * goes straight to the book. Returns false when execute() is needed.
 * is_limit: the caller knows the order is a limit order (it was booked).
 */
ENG_HOT bool rest_passive(struct lx_engine *e, struct eng_book *b, uint32_t ts,
                          bool is_limit, int *state)
{
    struct eng_order *t = &e->orders[ts];
    const struct eng_side *opp = &b->side[t->side ^ 1];
    bool full = false;

    if (t->tif != LX_ENG_GTC || !(is_limit || eng_is_limit(t->type)) ||
        (opp->n > 0 &&
         crosses(t->side, t->price, b->levels[opp->lv[opp->n - 1]].price))) {
        return false;
    }
    level_append(e, b, ts, &full);
    if (full) {
        return false; /* execute() expires it with BOOK_FULL */
    }
    *state = t->filled > 0 ? LX_ENG_ST_PARTIALLY_FILLED : LX_ENG_ST_NEW;
    return true;
}

/* ---- New orders ---------------------------------------------------------- */

static void reject(struct lx_engine *e, const struct lx_eng_order_req *r,
                   int reason, struct lx_eng_result *res)
{
    struct lx_eng_event *ev = eng_ev(e);

    *ev = (struct lx_eng_event){
        .type = LX_ENG_EV_REJECTED,
        .reason = (uint8_t)reason,
        .side = r->side,
        .inst = r->inst,
        .time = r->time,
        .account = r->account,
        .aux = pack_kind(r->type, r->tif, r->stp),
        .price = r->price,
        .qty = r->qty,
        .a = r->stop_price,
        .b = r->quote_qty,
    };
    eng_commit(e, ev);
    res->state = LX_ENG_ST_REJECTED;
    res->reason = (uint8_t)reason;
}

/*
 * p > 0 within min_price..max_price (0: no bound), as the one range
 * plo..phi precomputed at setup.
 */
static inline int check_price(const struct eng_book *b, int64_t p)
{
    return p < b->plo || p > b->phi ? LX_ENG_R_PRICE_FILTER : LX_ENG_R_NONE;
}

/* q > 0 within min_qty..max_qty, q * l not overflowing: qlo..qhi. */
static inline int check_qty(const struct eng_book *b, int64_t q)
{
    return q < b->qlo || q > b->qhi ? LX_ENG_R_LOT_SIZE : LX_ENG_R_NONE;
}

/* Price and qty filters plus the notional of a limit price. */
static inline int check_limit(const struct eng_book *b, int64_t p, int64_t q)
{
    int64_t n;
    int r = check_price(b, p);

    if (r == LX_ENG_R_NONE) {
        r = check_qty(b, q);
    }
    if (r != LX_ENG_R_NONE) {
        return r;
    }
    if (__builtin_mul_overflow(p, q, &n) ||
        __builtin_mul_overflow(n, b->k, &n)) {
        return LX_ENG_R_LOT_SIZE;
    }
    if (n < b->min_notional) {
        return LX_ENG_R_MIN_NOTIONAL;
    }
    return LX_ENG_R_NONE;
}

static bool would_cross(const struct eng_book *b, int side, int64_t price)
{
    const struct eng_side *sd = &b->side[side ^ 1];

    return sd->n > 0 &&
           crosses(side, price, b->levels[sd->lv[sd->n - 1]].price);
}

/*
 * The perp fields: position side against the account's mode, reduce-only
 * (one-way only), close-position (stop/take-profit market, qty 0, not
 * reduce-only, in hedge mode only the closing side), trailing (callback
 * 0.1%..10%, no stop price), no quote qty.
 */
static int check_perp_shape(const struct lx_engine *e,
                            const struct lx_eng_order_req *r)
{
    bool hedge = e->accounts[r->account].hedge;
    bool trail = r->type == LX_ENG_TRAILING_STOP_MARKET;

    if (r->quote_qty != 0 || r->working_type > LX_ENG_WT_MARK ||
        r->pos_side >= LX_ENG_PS_COUNT || (r->reduce_only && hedge) ||
        (r->working_type != 0 && !eng_is_stop(r->type)) ||
        (r->close_position &&
         ((r->type != LX_ENG_STOP_LOSS && r->type != LX_ENG_TAKE_PROFIT) ||
          r->qty != 0 || r->reduce_only)) ||
        (!r->close_position && r->qty == 0) ||
        (r->close_position && hedge &&
         (r->pos_side == LX_ENG_PS_LONG) == (r->side == LX_ENG_BUY)) ||
        (trail != (r->callback_bps != 0)) ||
        (trail && (r->callback_bps < 10 || r->callback_bps > 1000 ||
                   r->stop_price != 0 || r->activation_price < 0)) ||
        (!trail && r->activation_price != 0)) {
        return LX_ENG_R_UNSUPPORTED;
    }
    if (hedge != (r->pos_side != LX_ENG_PS_BOTH)) {
        return LX_ENG_R_POSITION_SIDE;
    }
    return LX_ENG_R_NONE;
}

/* Shape checks: enums in range and the fields each type needs. */
static int check_shape(const struct lx_engine *e,
                       const struct lx_eng_order_req *r)
{
    bool stop = eng_is_stop(r->type), limit = eng_is_limit(r->type);

    if (r->account >= e->naccounts) {
        return LX_ENG_R_UNKNOWN_ACCOUNT;
    }
    if (r->inst >= e->nbooks) {
        return LX_ENG_R_UNKNOWN_INSTRUMENT;
    }
    if (r->side > LX_ENG_SELL || r->type >= LX_ENG_TYPE_ALL ||
        r->tif >= LX_ENG_TIF_COUNT || r->stp >= LX_ENG_STP_COUNT ||
        r->cid_len > LX_ENG_CID_MAX || (r->cid_len > 0 && r->cid == NULL) ||
        (stop != (r->stop_price != 0) &&
         r->type != LX_ENG_TRAILING_STOP_MARKET) ||
        (!limit && r->price != 0) ||
        (r->type == LX_ENG_LIMIT_MAKER && r->tif != LX_ENG_GTC) ||
        (stop && r->tif == LX_ENG_GTX) || (limit && r->quote_qty != 0) ||
        (!limit && r->tif != LX_ENG_GTC && r->tif != LX_ENG_IOC) ||
        (r->type != LX_ENG_MARKET && r->quote_qty != 0) ||
        (r->qty != 0 && r->quote_qty != 0) || r->quote_qty < 0) {
        return LX_ENG_R_UNSUPPORTED;
    }
    return e->books[r->inst].perp ? check_perp_shape(e, r)
           : (r->type >= LX_ENG_TYPE_COUNT || r->pos_side != 0 ||
              r->working_type != 0 || r->reduce_only || r->close_position ||
              r->callback_bps != 0 || r->activation_price != 0)
               ? LX_ENG_R_UNSUPPORTED
               : LX_ENG_R_NONE;
}

static int check_filters(const struct lx_engine *e,
                         const struct lx_eng_order_req *r)
{
    const struct eng_book *b = &e->books[r->inst];
    int reason;

    bool mark = r->working_type == LX_ENG_WT_MARK;

    if (eng_is_limit(r->type) && r->account < e->naccounts &&
        e->accounts[r->account].market) {
        /* The venue's own feed: on the price grid, any positive size. */
        reason = check_price(b, r->price);
        return reason != LX_ENG_R_NONE ? reason
               : r->qty > 0            ? LX_ENG_R_NONE
                                       : LX_ENG_R_LOT_SIZE;
    }
    if (eng_is_limit(r->type)) {
        reason = check_limit(b, r->price, r->qty);
    } else if (r->close_position) {
        reason = LX_ENG_R_NONE;
    } else {
        reason = r->qty != 0 || r->quote_qty == 0 ? check_qty(b, r->qty)
                                                  : LX_ENG_R_NONE;
    }
    if (reason != LX_ENG_R_NONE || !eng_is_stop(r->type)) {
        return reason;
    }
    if (r->type == LX_ENG_TRAILING_STOP_MARKET) {
        return r->activation_price != 0 ? check_price(b, r->activation_price)
                                        : LX_ENG_R_NONE;
    }
    reason = check_price(b, r->stop_price);
    if (reason == LX_ENG_R_NONE && (mark ? b->has_mark : b->has_last)) {
        int64_t p = mark ? b->mark : b->last;

        if (eng_stop_up(r->type, r->side) ? p >= r->stop_price
                                          : p <= r->stop_price) {
            reason = LX_ENG_R_WOULD_TRIGGER;
        }
    }
    return reason;
}

/* Does a perp order only reduce (reduce-only, hedge-mode close, close-all)? */
static bool is_reduce(const struct lx_eng_order_req *r)
{
    return r->reduce_only || r->close_position ||
           (r->pos_side == LX_ENG_PS_LONG && r->side == LX_ENG_SELL) ||
           (r->pos_side == LX_ENG_PS_SHORT && r->side == LX_ENG_BUY);
}

/*
 * Initial margin a perp order reserves: notional / leverage rounded up
 * (a market order's notional is its walk's cost); nothing for reducing
 * orders and for conditional orders until they trigger.
 */
static int perp_lock(const struct lx_engine *e,
                     const struct lx_eng_order_req *r, int64_t *lock)
{
    const struct eng_book *b = &e->books[r->inst];
    int64_t n;

    *lock = 0;
    if (eng_is_stop(r->type) || is_reduce(r)) {
        return LX_ENG_R_NONE;
    }
    if (eng_is_limit(r->type)) {
        n = r->price * r->qty * b->k;
    } else if (prewalk(e, b, r->account, r->side, r->stp, 0, r->qty, -1, &n) <
               0) {
        return LX_ENG_R_LOT_SIZE;
    }
    n = lx__eng_ceil_div(n, lx__eng_lev(e, r->account, r->inst));
    if (n > lx__eng_available(e, r->account, b->quote)) {
        return LX_ENG_R_MARGIN_INSUFFICIENT;
    }
    *lock = n;
    return LX_ENG_R_NONE;
}

/* Account-side checks: duplicate id, open-order limit, capacity. */
static int check_account(const struct lx_engine *e,
                         const struct lx_eng_order_req *r)
{
    const struct eng_account *a = &e->accounts[r->account];
    const struct eng_book *b = &e->books[r->inst];

    if (r->cid_len > 0 &&
        lx__eng_cid_find(e, r->account, r->cid, r->cid_len) != ENG_NIL) {
        return LX_ENG_R_DUPLICATE_ORDER;
    }
    if (a->max_open != 0 && a->open >= a->max_open) {
        return LX_ENG_R_MAX_NUM_ORDERS;
    }
    if (e->free_head == ENG_NIL ||
        (eng_is_stop(r->type) &&
         (b->perp && eng_in_pst(r->type, r->working_type ? PX_MARK : 0)
              ? b->npst
          : eng_stop_up(r->type, r->side) ? b->up.n
                                          : b->down.n) >= b->stop_cap)) {
        return LX_ENG_R_BOOK_FULL;
    }
    if (b->perp && !eng_is_stop(r->type) && is_reduce(r) &&
        lx__eng_closable(e, r->account, r->inst, r->side, r->pos_side) == 0) {
        return LX_ENG_R_REDUCE_ONLY;
    }
    if (r->type == LX_ENG_LIMIT_MAKER && would_cross(b, r->side, r->price)) {
        return LX_ENG_R_WOULD_TAKE;
    }
    return LX_ENG_R_NONE;
}

/*
 * What the order locks, and for a market order the lots it will take
 * (*qty). Returns a rejection reason or NONE.
 */
static int compute_lock(const struct lx_engine *e,
                        const struct lx_eng_order_req *r, int64_t *lock,
                        int64_t *qty)
{
    const struct eng_book *b = &e->books[r->inst];
    int64_t cost = 0, got, need;
    uint64_t unit;
    bool by_quote = r->qty == 0;

    *qty = r->qty;
    if (b->perp) {
        return perp_lock(e, r, lock);
    }
    if (eng_is_limit(r->type)) {
        /* price * qty * k or qty * l: a select, not a branch on the side. */
        unit = by_side(r->side, (uint64_t)r->price * (uint64_t)b->k,
                       (uint64_t)b->l);
        need = (int64_t)((uint64_t)r->qty * unit);
    } else if (eng_is_stop(r->type)) {
        need = r->side == LX_ENG_BUY ? 0 : r->qty * b->l;
    } else {
        got = prewalk(e, b, r->account, r->side, r->stp, 0,
                      by_quote ? INT64_MAX : r->qty,
                      by_quote ? r->quote_qty : -1, &cost);
        if (got < 0) {
            return LX_ENG_R_LOT_SIZE;
        }
        if (by_quote) {
            if (got == 0) {
                return LX_ENG_R_NO_LIQUIDITY;
            }
            *qty = got;
            if (__builtin_mul_overflow(got, b->l, &need)) {
                return LX_ENG_R_LOT_SIZE;
            }
            need = r->side == LX_ENG_BUY ? r->quote_qty : need;
        } else {
            need = r->side == LX_ENG_BUY ? cost : r->qty * b->l;
        }
    }
    if (need > eng_cbal(e, r->account, eng_lock_asset(b, r->side))[0]) {
        return LX_ENG_R_INSUFFICIENT_BALANCE;
    }
    *lock = need;
    return LX_ENG_R_NONE;
}

/* Logs the client order id of order id (1..36 bytes in 36 event bytes). */
static void client_id_ev(struct lx_engine *e, const struct lx_eng_order_req *r,
                         uint64_t id)
{
    struct lx_eng_event *cv = eng_ev(e);
    uint8_t buf[36] = {0};

    memcpy(buf, r->cid, r->cid_len);
    *cv = (struct lx_eng_event){.type = LX_ENG_EV_CLIENT_ID,
                                .time = r->time,
                                .order_id = id,
                                .account = r->account,
                                .aux = (uint32_t)r->cid_len};
    memcpy(&cv->price, buf, 8);
    memcpy(&cv->qty, buf + 8, 8);
    memcpy(&cv->a, buf + 16, 8);
    memcpy(&cv->b, buf + 24, 8);
    memcpy(&cv->inst, buf + 32, 4);
    eng_commit(e, cv);
}

/* The perp attributes of a new order (side record, OF_REDUCE). */
static void perp_cold(struct eng_order *o, struct eng_cold *c,
                      const struct lx_eng_order_req *r)
{
    c->pext = (uint8_t)(r->pos_side | (is_reduce(r) ? PX_REDUCE : 0) |
                        (r->close_position ? PX_CLOSE : 0) |
                        (r->working_type == LX_ENG_WT_MARK ? PX_MARK : 0));
    c->callback_bps = r->callback_bps;
    c->activation = r->activation_price;
    if (c->pext & PX_REDUCE) {
        o->flags |= OF_REDUCE;
    }
}

/*
 * Logs ACCEPTED (a perp order's attributes in aux bits 24.., a trailing
 * stop's callback and activation in price and a).
 */
static void accepted_ev(struct lx_engine *e, const struct lx_eng_order_req *r,
                        uint32_t s, int64_t qty, int64_t lock, unsigned pext)
{
    const struct eng_order *o = &e->orders[s];
    struct lx_eng_event *ev = eng_ev(e);
    bool trail = r->type == LX_ENG_TRAILING_STOP_MARKET;

    *ev = (struct lx_eng_event){
        .type = LX_ENG_EV_ACCEPTED,
        .side = o->side,
        .flags = (uint8_t)(o->flags & OF_LOGGED),
        .inst = r->inst,
        .time = r->time,
        .order_id = o->id,
        .account = r->account,
        .aux = pack_kind(r->type, r->tif, r->stp) | (uint32_t)pext << 24,
        .price = trail ? (int64_t)r->callback_bps : r->price,
        .qty = qty,
        .a = trail ? r->activation_price : r->stop_price,
        .b = lock};
    eng_commit(e, ev);
}

/*
 * Does an order of this request need a side record from the start? All
 * but plain spot LIMIT / LIMIT_MAKER orders (flags: OF_LINKED for OCO).
 */
static inline bool needs_cold(const struct eng_book *b,
                              const struct lx_eng_order_req *r, unsigned flags)
{
    return b->perp ||
           (r->type != LX_ENG_LIMIT && r->type != LX_ENG_LIMIT_MAKER) ||
           (flags & OF_LINKED) != 0;
}

/*
 * Creates the order in a free slot and logs its acceptance and lock. The
 * caller made room (eng_reserve) for its side and client id records.
 */
static uint32_t accept(struct lx_engine *e, const struct lx_eng_order_req *r,
                       int64_t qty, int64_t lock, unsigned flags)
{
    struct eng_book *b = &e->books[r->inst];
    uint32_t s = eng_slot_alloc(e);
    struct eng_order *o = &e->orders[s];
    unsigned pext = 0;

    o->price = r->price;
    o->qty = qty;
    o->id = e->seq++ << e->slot_bits | s;
    o->level = ENG_NIL;
    o->account = r->account;
    o->inst = (uint16_t)r->inst;
    o->side = r->side;
    o->type = r->type;
    o->tif = r->tif;
    o->stp = r->stp;
    o->where = W_LIVE;
    o->flags =
        (uint8_t)((r->qty == 0 && r->quote_qty != 0 ? OF_BY_QUOTE : 0) | flags);
    o->filled = 0;
    e->otime[s] = r->time;
    if (needs_cold(b, r, flags)) {
        uint32_t ci = eng_cold_take(e);
        struct eng_cold *c = &e->cold[ci];

        *c = lx__eng_cold_zero;
        e->hot[ci].locked = lock;
        e->hot[ci].quote_filled = 0;
        c->stop_price = r->stop_price;
        c->quote_qty = r->quote_qty;
        if (b->perp) {
            perp_cold(o, c, r);
        }
        pext = c->pext;
        e->cold_of[s] = ci;
        o->flags |= OF_SIDE;
    }
    e->accounts[r->account].open++;
    accepted_ev(e, r, s, qty, lock, pext);
    if (r->cid_len > 0) {
        client_id_ev(e, r, o->id);
        lx__eng_cid_add(e, s, r->cid, r->cid_len);
    }
    eng_move(e, r->account, eng_lock_asset(b, r->side), -lock, lock);
    return s;
}

int lx__engine_submit(struct lx_engine *e, const struct lx_eng_order_req *r,
                      struct lx_eng_result *res)
{
    struct eng_book *b;
    int64_t lock = 0, qty = 0;
    uint32_t s;
    int reason, state, why = LX_ENG_R_NONE;

    if (e == NULL || r == NULL || res == NULL) {
        return LX_ERR_INVAL;
    }
    memset(res, 0, sizeof(*res));
    reason = check_shape(e, r);
    if (reason == LX_ENG_R_NONE) {
        reason = check_filters(e, r);
    }
    if (reason == LX_ENG_R_NONE) {
        reason = check_account(e, r);
    }
    if (reason == LX_ENG_R_NONE) {
        reason = compute_lock(e, r, &lock, &qty);
    }
    /* Room for a side record (taken now or if it rests after taking). */
    if (reason == LX_ENG_R_NONE && eng_reserve(e, 1, r->cid_len > 0) != LX_OK) {
        reason = LX_ENG_R_BOOK_FULL;
    }
    if (reason != LX_ENG_R_NONE) {
        reject(e, r, reason, res);
        return LX_OK;
    }
    b = &e->books[r->inst];
    s = accept(e, r, qty, lock, 0);
    res->order_id = e->orders[s].id;
    if (eng_is_stop(r->type)) {
        lx__eng_stop_add(e, b, s);
        e->orders[s].where = W_STOP;
        res->state = LX_ENG_ST_NEW;
        eng_topup(e);
        return LX_OK;
    }
    if (rest_passive(e, b, s, false, &state)) {
        res->state = (uint8_t)state; /* nothing traded: filled, quote 0 */
    } else {
        e->tq = 0;
        state = execute(e, b, s, r->time, &why);
        res->state = (uint8_t)state;
        res->reason = (uint8_t)why;
        res->filled = e->orders[s].filled;
        res->quote = res->filled > 0 ? e->tq : 0;
    }
    run_triggers(e, b, r->time);
    eng_topup(e);
    return LX_OK;
}

/* ---- Decimal requests -----------------------------------------------------
 */

static int dec_to(struct lx_decimal d, struct lx_decimal step, int64_t *out)
{
    if (lx_decimal_is_zero(d)) {
        *out = 0;
        return LX_OK;
    }
    if (d.m < 0) {
        return LX_ERR_RANGE;
    }
    return lx_decimal_to_ticks(d, step, out);
}

/*
 * The integer request of a decimal one; a reason when a field is off its
 * grid (PRICE_FILTER, LOT_SIZE, BAD_PRECISION), else NONE. An unknown
 * instrument converts nothing (lx__engine_submit rejects it).
 */
static int dreq_to(const struct lx_engine *e, const struct lx_eng_order_dreq *r,
                   struct lx_eng_order_req *q)
{
    const struct eng_book *b;

    memset(q, 0, sizeof(*q));
    q->account = r->account;
    q->inst = r->inst;
    q->side = r->side;
    q->type = r->type;
    q->tif = r->tif;
    q->stp = r->stp;
    q->cid = r->cid;
    q->cid_len = r->cid_len;
    q->time = r->time;
    q->pos_side = r->pos_side;
    q->working_type = r->working_type;
    q->reduce_only = r->reduce_only;
    q->close_position = r->close_position;
    q->callback_bps = r->callback_bps;
    if (r->inst >= e->nbooks) {
        return LX_ENG_R_NONE;
    }
    b = &e->books[r->inst];
    if (dec_to(r->price, b->tick, &q->price) != LX_OK ||
        dec_to(r->stop_price, b->tick, &q->stop_price) != LX_OK ||
        dec_to(r->activation_price, b->tick, &q->activation_price) != LX_OK) {
        return LX_ENG_R_PRICE_FILTER;
    }
    if (dec_to(r->qty, b->lot, &q->qty) != LX_OK) {
        return LX_ENG_R_LOT_SIZE;
    }
    if (dec_to(r->quote_qty, lx_decimal_from_i64(1, e->asset_scale[b->quote]),
               &q->quote_qty) != LX_OK) {
        return LX_ENG_R_BAD_PRECISION;
    }
    return LX_ENG_R_NONE;
}

int lx__engine_submit_dec(struct lx_engine *e,
                          const struct lx_eng_order_dreq *r,
                          struct lx_eng_result *res)
{
    struct lx_eng_order_req q;
    int reason;

    if (e == NULL || r == NULL || res == NULL) {
        return LX_ERR_INVAL;
    }
    reason = dreq_to(e, r, &q);
    if (reason != LX_ENG_R_NONE) {
        memset(res, 0, sizeof(*res));
        reject(e, &q, reason, res);
        return LX_OK;
    }
    return lx__engine_submit(e, &q, res);
}

/* ---- One-cancels-the-other pairs ----------------------------------------
 */

/* The pair's own shape: one account, instrument, side and quantity. */
static int check_pair(const struct lx_engine *e,
                      const struct lx_eng_order_req r[2])
{
    int i, makers = 0;

    if (r[0].account != r[1].account || r[0].inst != r[1].inst ||
        r[0].side != r[1].side || r[0].qty != r[1].qty ||
        e->books[r[0].inst].perp) {
        return LX_ENG_R_UNSUPPORTED;
    }
    for (i = 0; i < 2; i++) {
        if (r[i].type == LX_ENG_LIMIT_MAKER) {
            makers++;
        } else if (!eng_is_stop(r[i].type)) {
            return LX_ENG_R_UNSUPPORTED;
        }
    }
    return makers > 1 ? LX_ENG_R_UNSUPPORTED : LX_ENG_R_NONE;
}

/* Room for both legs: open orders, slots, stop lists; and distinct ids. */
static int pair_room(const struct lx_engine *e,
                     const struct lx_eng_order_req r[2])
{
    const struct eng_account *a = &e->accounts[r[0].account];
    const struct eng_book *b = &e->books[r[0].inst];
    uint32_t up = b->up.n, down = b->down.n;
    int i;

    if (r[1].cid_len > 0 && r[1].cid_len == r[0].cid_len &&
        memcmp(r[0].cid, r[1].cid, r[0].cid_len) == 0) {
        return LX_ENG_R_DUPLICATE_ORDER;
    }
    if (a->max_open != 0 && a->open + 2 > a->max_open) {
        return LX_ENG_R_MAX_NUM_ORDERS;
    }
    for (i = 0; i < 2; i++) {
        if (eng_is_stop(r[i].type)) {
            *(eng_stop_up(r[i].type, r[i].side) ? &up : &down) += 1;
        }
    }
    if (e->orders[e->free_head].next == ENG_NIL || up > b->stop_cap ||
        down > b->stop_cap) {
        return LX_ENG_R_BOOK_FULL;
    }
    return LX_ENG_R_NONE;
}

/* Every check of one leg; its lock need and quantity. */
static int check_leg(const struct lx_engine *e,
                     const struct lx_eng_order_req *r, int64_t *lock,
                     int64_t *qty)
{
    int reason = check_filters(e, r);

    if (reason == LX_ENG_R_NONE) {
        reason = check_account(e, r);
    }
    if (reason == LX_ENG_R_NONE) {
        reason = compute_lock(e, r, lock, qty);
    }
    return reason;
}

int lx__engine_submit_oco(struct lx_engine *e,
                          const struct lx_eng_order_req r[2],
                          struct lx_eng_result res[2])
{
    int64_t lock[2] = {0, 0}, qty[2] = {0, 0};
    uint32_t s[2];
    int reason, bad = 0, i, h;

    if (e == NULL || r == NULL || res == NULL) {
        return LX_ERR_INVAL;
    }
    memset(res, 0, 2 * sizeof(*res));
    reason = check_shape(e, &r[0]);
    if (reason == LX_ENG_R_NONE) {
        bad = 1;
        reason = check_shape(e, &r[1]);
    }
    if (reason == LX_ENG_R_NONE) {
        reason = check_pair(e, r);
    }
    for (i = 0; i < 2 && reason == LX_ENG_R_NONE; i++) {
        bad = i;
        reason = check_leg(e, &r[i], &lock[i], &qty[i]);
    }
    if (reason == LX_ENG_R_NONE) {
        reason = pair_room(e, r);
    }
    if (reason == LX_ENG_R_NONE &&
        eng_reserve(e, 2, (r[0].cid_len > 0) + (r[1].cid_len > 0)) != LX_OK) {
        reason = LX_ENG_R_BOOK_FULL;
    }
    if (reason != LX_ENG_R_NONE) {
        reject(e, &r[bad], reason, &res[bad]);
        res[bad ^ 1] = res[bad];
        return LX_OK;
    }
    /* The holder locks its need, the other leg only what it needs more. */
    h = r[1].type == LX_ENG_LIMIT_MAKER;
    lock[h ^ 1] = lock[h ^ 1] > lock[h] ? lock[h ^ 1] - lock[h] : 0;
    for (i = 0; i < 2; i++) {
        s[i] = accept(e, &r[i], qty[i], lock[i],
                      OF_LINKED | (i == h ? OF_HOLDER : 0));
    }
    eng_cold(e, s[0])->link = s[1];
    eng_cold(e, s[1])->link = s[0];
    eng_topup(e);
    for (i = 0; i < 2; i++) {
        res[i].order_id = e->orders[s[i]].id;
        res[i].state = LX_ENG_ST_NEW;
    }
    for (i = 0; i < 2; i++) {
        struct eng_book *b = &e->books[r[i].inst];
        int state, why = LX_ENG_R_NONE;

        if (eng_is_stop(r[i].type)) {
            lx__eng_stop_add(e, b, s[i]);
            e->orders[s[i]].where = W_STOP;
        } else if (!rest_passive(e, b, s[i], false, &state)) {
            /* No level left for the LIMIT_MAKER (it cannot cross: checked):
             * it expires with BOOK_FULL, and so the pair ends. */
            res[i].state = (uint8_t)execute(e, b, s[i], r[i].time, &why);
            res[i].reason = (uint8_t)why;
            res[i ^ 1].state = LX_ENG_ST_EXPIRED;
            res[i ^ 1].reason = LX_ENG_R_OCO;
            break;
        }
    }
    return LX_OK;
}

int lx__engine_submit_oco_dec(struct lx_engine *e,
                              const struct lx_eng_order_dreq r[2],
                              struct lx_eng_result res[2])
{
    struct lx_eng_order_req q[2];
    int i, reason;

    if (e == NULL || r == NULL || res == NULL) {
        return LX_ERR_INVAL;
    }
    memset(res, 0, 2 * sizeof(*res));
    for (i = 0; i < 2; i++) {
        reason = dreq_to(e, &r[i], &q[i]);
        if (reason != LX_ENG_R_NONE) {
            reject(e, &q[i], reason, &res[i]);
            res[i ^ 1] = res[i];
            return LX_OK;
        }
    }
    return lx__engine_submit_oco(e, q, res);
}

/* ---- Cancel and amend ------------------------------------------------------
 */

static inline uint32_t find_open(const struct lx_engine *e, uint32_t account,
                                 uint64_t id, const char *cid, size_t cid_len)
{
    uint32_t s;

    if (id != 0) {
        s = (uint32_t)id & e->slot_mask;
        if (s >= e->cfg.max_orders || e->orders[s].id != id) {
            return ENG_NIL;
        }
    } else if (cid != NULL && cid_len > 0 && cid_len <= LX_ENG_CID_MAX) {
        s = lx__eng_cid_find(e, account, cid, cid_len);
        if (s == ENG_NIL) {
            return ENG_NIL;
        }
    } else {
        return ENG_NIL;
    }
    if (e->orders[s].account != account ||
        (e->orders[s].where != W_BOOK && e->orders[s].where != W_STOP)) {
        return ENG_NIL;
    }
    return s;
}

static void reject_op(struct lx_engine *e, uint32_t account, uint64_t id,
                      int reason, int64_t time, struct lx_eng_result *res)
{
    struct lx_eng_event *ev = eng_ev(e);

    *ev = (struct lx_eng_event){.type = LX_ENG_EV_REJECTED,
                                .reason = (uint8_t)reason,
                                .time = time,
                                .order_id = id,
                                .account = account};
    eng_commit(e, ev);
    res->state = LX_ENG_ST_REJECTED;
    res->reason = (uint8_t)reason;
}

int lx__engine_cancel(struct lx_engine *e, uint32_t account, uint64_t order_id,
                      const char *cid, size_t cid_len, int64_t time,
                      struct lx_eng_result *res)
{
    uint32_t s;

    if (e == NULL || res == NULL) {
        return LX_ERR_INVAL;
    }
    memset(res, 0, sizeof(*res));
    s = find_open(e, account, order_id, cid, cid_len);
    if (s == ENG_NIL) {
        reject_op(e, account, order_id, LX_ENG_R_UNKNOWN_ORDER, time, res);
        return LX_OK;
    }
    res->order_id = e->orders[s].id;
    res->filled = e->orders[s].filled;
    res->quote = res->filled > 0 ? eng_quote(e, s) : 0;
    finish(e, &e->books[e->orders[s].inst], s, LX_ENG_EV_CANCELLED,
           LX_ENG_R_USER, time);
    res->state = LX_ENG_ST_CANCELED;
    return LX_OK;
}

/* Cancels one open order (liquidation). */
void lx__eng_cancel_slot(struct lx_engine *e, uint32_t slot, int reason,
                         int64_t time)
{
    finish(e, &e->books[e->orders[slot].inst], slot, LX_ENG_EV_CANCELLED,
           reason, time);
}

int lx__engine_cancel_all(struct lx_engine *e, uint32_t account, uint32_t inst,
                          int64_t time, uint32_t *ncancelled)
{
    uint32_t s, n = 0;

    if (e == NULL || inst >= e->nbooks || account >= e->naccounts) {
        return LX_ERR_INVAL;
    }
    for (s = 0; s < e->cfg.max_orders && e->accounts[account].open > 0; s++) {
        const struct eng_order *o = &e->orders[s];

        if ((o->where == W_BOOK || o->where == W_STOP) &&
            o->account == account && o->inst == inst) {
            n += (o->flags & OF_LINKED) ? 2 : 1; /* its OCO sibling too */
            finish(e, &e->books[inst], s, LX_ENG_EV_CANCELLED, LX_ENG_R_USER,
                   time);
        }
    }
    if (ncancelled != NULL) {
        *ncancelled = n;
    }
    return LX_OK;
}

/*
 * What an amended OCO leg in slot s must lock for the pair to stay covered
 * (need: its own need after the amendment). The holder covers its own need
 * and what its sibling needs beyond the sibling's lock; the other leg what
 * it needs beyond the holder's lock.
 */
static int64_t pair_lock(const struct lx_engine *e, uint32_t s, int64_t need)
{
    const struct eng_order *o = &e->orders[s];
    uint32_t ys = eng_cold(e, s)->link;
    const struct eng_order *y = &e->orders[ys];
    const struct eng_book *b = &e->books[o->inst];
    int64_t other, ylk = eng_locked(e, ys);

    if (o->flags & OF_HOLDER) {
        other =
            eng_spot_need(b, y->side, y->type, eng_price(e, y), y->qty) - ylk;
        return need > other ? need : other;
    }
    return need > ylk ? need - ylk : 0;
}

/*
 * Checks an amend of resting order o on book b to price and total qty;
 * bal is the balance of the asset o locks, cur what o holds locked. Sets
 * *lock to what the order will then hold locked.
 */
ENG_HOT int check_amend(const struct lx_engine *e, const struct eng_order *o,
                        const struct eng_book *b, const int64_t *bal,
                        int64_t cur, int64_t price, int64_t qty, int64_t *lock)
{
    int64_t rem = qty - o->filled;
    uint64_t unit;
    int reason = ENG_UNLIKELY(e->accounts[o->account].market)
                     ? check_price(b, price)
                     : check_limit(b, price, qty);

    if (ENG_UNLIKELY(reason != LX_ENG_R_NONE)) {
        return reason;
    }
    if (ENG_UNLIKELY(rem <= 0)) {
        return LX_ENG_R_LOT_SIZE;
    }
    if ((o->type == LX_ENG_LIMIT_MAKER || o->tif == LX_ENG_GTX) &&
        would_cross(b, o->side, price)) {
        return LX_ENG_R_WOULD_TAKE;
    }
    if (ENG_UNLIKELY(b->perp)) {
        *lock = o->flags & OF_REDUCE
                    ? 0
                    : lx__eng_ceil_div(rem * price * b->k,
                                       lx__eng_lev(e, o->account, o->inst));
        return *lock - cur > lx__eng_available(e, o->account, b->quote)
                   ? LX_ENG_R_MARGIN_INSUFFICIENT
                   : LX_ENG_R_NONE;
    }
    /*
     * rem * price * k (buy) or rem * l (sell), as a select rather than a
     * branch on the side; unsigned, so the unused product cannot overflow.
     */
    unit = by_side(o->side, (uint64_t)price * (uint64_t)b->k, (uint64_t)b->l);
    *lock = (int64_t)((uint64_t)rem * unit);
    if (ENG_UNLIKELY(o->flags & OF_LINKED)) {
        *lock = pair_lock(e, (uint32_t)(o - e->orders), *lock);
    }
    if (*lock - cur > bal[0]) {
        return LX_ENG_R_INSUFFICIENT_BALANCE;
    }
    return LX_ENG_R_NONE;
}

/*
 * Amends resting order s (looked up and checked by amend_order): every
 * kind of order, the general path.
 */
ENG_HOT int amend_general(struct lx_engine *e, uint32_t s, uint32_t account,
                          uint64_t order_id, int64_t new_price, int64_t new_qty,
                          bool requeue, int64_t time, struct lx_eng_result *res)
{
    struct eng_order *o = &e->orders[s];
    struct eng_book *b = &e->books[o->inst];
    struct eng_hot *c = NULL;
    int64_t lock = 0, rem, delta, *bal, cur, cur_price;
    int reason, why, state;
    bool keep, attach;

    bal = eng_bal(e, account, eng_lock_asset(b, o->side));
    cur_price = b->levels[o->level].price;
    if (o->flags & OF_SIDE) {
        c = eng_hot(e, s);
        cur = c->locked;
    } else {
        cur = eng_spot_need(b, o->side, LX_ENG_LIMIT, cur_price, o->qty);
    }
    reason = check_amend(e, o, b, bal, cur, new_price, new_qty, &lock);
    rem = new_qty - o->filled;
    keep = !requeue && new_price == cur_price && rem <= o->qty;
    /* A plain order moved after a fill keeps its quote explicit. */
    attach = !keep && c == NULL && o->filled > 0 && new_price != cur_price;
    if (ENG_UNLIKELY(attach && reason == LX_ENG_R_NONE &&
                     e->cold_free == ENG_NIL)) {
        reason = LX_ENG_R_BOOK_FULL; /* memory ran out (eng_topup) */
    }
    if (reason != LX_ENG_R_NONE) {
        reject_op(e, account, order_id, reason, time, res);
        return LX_OK;
    }
    delta = lock - cur;
    if (keep) {
        b->levels[o->level].qty -= o->qty - rem;
        o->qty = rem;
    } else {
        if (ENG_UNLIKELY(attach)) {
            lx__eng_cold_attach(e, s, cur_price, o->filled * cur_price * b->k);
            c = eng_hot(e, s);
            eng_topup(e); /* before matching starts */
        }
        /* What it has filled so far: the running order's quote (execute). */
        e->tq = c != NULL ? c->quote_filled : o->filled * cur_price * b->k;
        level_unlink(e, b, s);
        o->price = new_price;
        o->qty = rem;
    }
    if (c != NULL) {
        c->locked = lock;
    }
    order_ev_f(e, LX_ENG_EV_AMENDED, 0, keep ? LX_ENG_AMEND_KEPT : 0, s,
               new_price, rem, new_qty, delta, time);
    bal[0] -= delta; /* eng_move(-delta, delta): the event's lock field */
    bal[1] += delta;
    res->order_id = order_id;
    if (keep) {
        res->state = o->filled > 0 ? LX_ENG_ST_PARTIALLY_FILLED : LX_ENG_ST_NEW;
        return LX_OK;
    }
    why = LX_ENG_R_NONE;
    if (!rest_passive(e, b, s, true, &state)) {
        state = execute(e, b, s, time, &why);
        eng_topup(e);
    }
    res->state = (uint8_t)state;
    res->reason = (uint8_t)why;
    res->filled = e->orders[s].filled;
    res->quote = res->filled > 0 ? e->tq : 0;
    run_triggers(e, b, time);
    return LX_OK;
}

/*
 * Amends resting order s that has a side record (perp orders, OCO legs,
 * plain orders that got one): its lock is explicit, nothing is attached.
 * (Inlined: out of line it cost the perp mix about 4% more instructions
 * and 10% of its throughput, for 1% fewer instructions on the spot mix.)
 */
ENG_HOT int amend_side(struct lx_engine *e, uint32_t s, uint32_t account,
                       uint64_t order_id, int64_t new_price, int64_t new_qty,
                       int64_t time, struct lx_eng_result *res)
{
    struct eng_order *o = &e->orders[s];
    struct eng_book *b = &e->books[o->inst];
    struct eng_hot *c = eng_hot(e, s);
    int64_t lock = 0, rem, delta, *bal, cur = c->locked, cur_price;
    int reason, why, state;
    bool keep;

    bal = eng_bal(e, account, eng_lock_asset(b, o->side));
    cur_price = b->levels[o->level].price;
    reason = check_amend(e, o, b, bal, cur, new_price, new_qty, &lock);
    if (ENG_UNLIKELY(reason != LX_ENG_R_NONE)) {
        reject_op(e, account, order_id, reason, time, res);
        return LX_OK;
    }
    rem = new_qty - o->filled;
    delta = lock - cur;
    keep = new_price == cur_price && rem <= o->qty;
    if (keep) {
        b->levels[o->level].qty -= o->qty - rem;
        o->qty = rem;
    } else {
        e->tq = c->quote_filled; /* the running order's quote (execute) */
        level_unlink(e, b, s);
        o->price = new_price;
        o->qty = rem;
    }
    c->locked = lock;
    order_ev_f(e, LX_ENG_EV_AMENDED, 0, keep ? LX_ENG_AMEND_KEPT : 0, s,
               new_price, rem, new_qty, delta, time);
    bal[0] -= delta; /* eng_move(-delta, delta): the event's lock field */
    bal[1] += delta;
    res->order_id = order_id;
    if (keep) {
        res->state = o->filled > 0 ? LX_ENG_ST_PARTIALLY_FILLED : LX_ENG_ST_NEW;
        return LX_OK;
    }
    why = LX_ENG_R_NONE;
    if (!rest_passive(e, b, s, true, &state)) {
        state = execute(e, b, s, time, &why);
    }
    res->state = (uint8_t)state;
    res->reason = (uint8_t)why;
    res->filled = e->orders[s].filled;
    res->quote = res->filled > 0 ? e->tq : 0;
    run_triggers(e, b, time);
    return LX_OK;
}

/*
 * Amends a resting order. The order is looked up by id directly (what
 * find_open does for an id, limited to W_BOOK: id 0 never matches a
 * booked order, whose ids start at 1 << slot_bits). Inlined into both
 * entry points, so the common one has no second call. The common case
 * is inline here: a plain spot order (no side record: not perp, not in a
 * pair) that has not filled yet, moved with a side record free for it
 * should it rest after taking; everything else takes amend_general.
 */
ENG_HOT int amend_order(struct lx_engine *e, uint32_t account,
                        uint64_t order_id, int64_t new_price, int64_t new_qty,
                        bool requeue, int64_t time, struct lx_eng_result *res)
{
    struct eng_order *o;
    struct eng_book *b;
    int64_t delta, *bal, cur_price;
    uint32_t s;
    int reason, why, state;
    bool keep;

    if (e == NULL || res == NULL) {
        return LX_ERR_INVAL;
    }
    memset(res, 0, sizeof(*res));
    s = (uint32_t)order_id & e->slot_mask;
    if (ENG_UNLIKELY(s >= e->cfg.max_orders || e->orders[s].id != order_id ||
                     e->orders[s].account != account ||
                     e->orders[s].where != W_BOOK)) {
        reject_op(e, account, order_id, LX_ENG_R_UNKNOWN_ORDER, time, res);
        return LX_OK;
    }
    o = &e->orders[s];
    if (!requeue && (o->flags & OF_SIDE)) {
        return amend_side(e, s, account, order_id, new_price, new_qty, time,
                          res);
    }
    if (requeue || ENG_UNLIKELY(o->filled != 0)) {
        return amend_general(e, s, account, order_id, new_price, new_qty,
                             requeue, time, res);
    }
    b = &e->books[o->inst];
    bal = eng_bal(e, account, eng_lock_asset(b, o->side));
    cur_price = b->levels[o->level].price;
    /* check_amend for this case: filled 0, so the remainder is new_qty. */
    reason = ENG_UNLIKELY(e->accounts[account].market)
                 ? check_price(b, new_price)
                 : check_limit(b, new_price, new_qty);
    if (ENG_UNLIKELY(reason == LX_ENG_R_NONE && new_qty <= 0)) {
        reason = LX_ENG_R_LOT_SIZE;
    }
    if (reason == LX_ENG_R_NONE &&
        (o->type == LX_ENG_LIMIT_MAKER || o->tif == LX_ENG_GTX) &&
        would_cross(b, o->side, new_price)) {
        reason = LX_ENG_R_WOULD_TAKE;
    }
    /*
     * The derived lock's change, new minus old: (new_qty * new_price -
     * qty * cur_price) * k for a buy, (new_qty - qty) * l for a sell.
     */
    delta = (int64_t)by_side(o->side,
                             ((uint64_t)new_qty * (uint64_t)new_price -
                              (uint64_t)o->qty * (uint64_t)cur_price) *
                                 (uint64_t)b->k,
                             ((uint64_t)new_qty - (uint64_t)o->qty) *
                                 (uint64_t)b->l);
    if (reason == LX_ENG_R_NONE && delta > bal[0]) {
        reason = LX_ENG_R_INSUFFICIENT_BALANCE;
    }
    if (ENG_UNLIKELY(reason != LX_ENG_R_NONE)) {
        reject_op(e, account, order_id, reason, time, res);
        return LX_OK;
    }
    keep = new_price == cur_price && new_qty <= o->qty;
    if (keep) {
        b->levels[o->level].qty -= o->qty - new_qty;
        o->qty = new_qty;
    } else {
        level_unlink(e, b, s);
        o->price = new_price;
        o->qty = new_qty;
    }
    order_ev_f(e, LX_ENG_EV_AMENDED, 0, keep ? LX_ENG_AMEND_KEPT : 0, s,
               new_price, new_qty, new_qty, delta, time);
    bal[0] -= delta; /* eng_move(-delta, delta): the event's lock field */
    bal[1] += delta;
    res->order_id = order_id;
    if (keep) {
        res->state = LX_ENG_ST_NEW;
        return LX_OK;
    }
    if (rest_passive(e, b, s, true, &state)) {
        res->state = (uint8_t)state; /* nothing traded: filled, quote 0 */
    } else {
        why = LX_ENG_R_NONE;
        e->tq = 0;
        state = execute(e, b, s, time, &why);
        eng_topup(e);
        res->state = (uint8_t)state;
        res->reason = (uint8_t)why;
        res->filled = e->orders[s].filled;
        res->quote = res->filled > 0 ? e->tq : 0;
    }
    run_triggers(e, b, time);
    return LX_OK;
}

int lx__engine_amend(struct lx_engine *e, uint32_t account, uint64_t order_id,
                     int64_t new_price, int64_t new_qty, int64_t time,
                     struct lx_eng_result *res)
{
    return amend_order(e, account, order_id, new_price, new_qty, false, time,
                       res);
}

int lx__engine_amend_requeue(struct lx_engine *e, uint32_t account,
                             uint64_t order_id, int64_t new_price,
                             int64_t new_qty, int64_t time,
                             struct lx_eng_result *res)
{
    return amend_order(e, account, order_id, new_price, new_qty, true, time,
                       res);
}
