/*
 * engine_int.h - the engine's private structures, shared by engine.c
 * (setup, accounts, queries, log), match.c (book and matching) and replay.c
 * (event application, state hash, invariant checks).
 *
 * Memory layout: every open order lives in one slot of a preallocated pool:
 * a 48-byte node (struct eng_order, what the matching loop touches), its
 * time (e->otime, 8 bytes) and a side-record reference (e->cold_of, 4
 * bytes), 60 bytes a slot. A plain spot LIMIT / LIMIT_MAKER order needs
 * nothing else: its price is its level's (or, off the book, kept in the
 * node where the queue links would be), its lock is derived (buy: qty *
 * price * k, sell: qty * l) and so is its quote_filled while it has only
 * filled at its own price. Every other order (stops, market, perp, OCO,
 * a plain order that took liquidity at other prices or was moved after a
 * fill) has a side record (struct eng_cold, OF_SIDE) from a pool that
 * grows before matching starts, never during it. Client ids live in their
 * own pool (struct eng_cid) with a hash table sized by the ids present.
 *
 * An order id is seq << slot_bits | slot, so finding an order by id is an
 * array index and a compare, with no hash table. Each book side is a
 * sorted array of price keys (key = price for bids, -price for asks,
 * ascending, so the best level is always the last element) with a
 * parallel array of level indices; most activity is near the best price,
 * i.e. near the end of the array, where inserts and removals move few
 * elements.
 */
#ifndef LOTUSX_MOCK_ENGINE_INT_H
#define LOTUSX_MOCK_ENGINE_INT_H

#include <string.h>

#include "core/lx_internal.h"
#include "engine/engine.h"

#define ENG_NIL UINT32_MAX

/* Where an order slot is. */
enum eng_where { W_FREE = 0, W_LIVE, W_BOOK, W_STOP };

/*
 * The hot node, 48 bytes of plain fields. While the order is on a book
 * (W_BOOK) next/prev are its level queue links and its price is the
 * level's; otherwise (W_LIVE, W_STOP) the same eight bytes hold its limit
 * price (0 for market); on the free list next/prev link free slots.
 */
struct eng_order {
    int64_t qty;    /* remaining lots */
    int64_t filled; /* lots executed; orig qty = filled + qty */
    uint64_t id;
    union {
        struct {
            uint32_t next, prev; /* level queue, or the free list */
        };
        int64_t price; /* ticks, while not W_BOOK */
    };
    uint32_t level; /* level index while W_BOOK */
    uint32_t account;
    uint16_t inst;
    uint8_t side, type, tif, stp, where, flags;
};

_Static_assert(sizeof(struct eng_order) == 48, "48-byte order node");

#define OF_TRIGGERED 1u  /* a stop order that has been triggered */
#define OF_BY_QUOTE  2u  /* market order by quote amount */
#define OF_HAS_CID   4u  /* has a client order id (in the cid table) */
#define OF_REDUCE    8u  /* perp: may only reduce its position */
#define OF_LINKED    16u /* one of a one-cancels-the-other pair (cold.link) */
#define OF_HOLDER    32u /* the pair's leg that holds the shared lock */
#define OF_SIDE      64u /* has a side record: e->cold[e->cold_of[slot]] */
#define OF_LOGGED    63u /* the flags ACCEPTED logs */

/* Perp attributes of an order (eng_cold.pext), as ACCEPTED's aux >> 24. */
#define PX_PS(x)  ((x)&3u) /* enum lx_eng_pos_side */
#define PX_REDUCE 4u
#define PX_CLOSE  8u
#define PX_MARK   16u
#define PX_ACTIVE 32u /* trailing stop: activated (not logged) */
#define PX_LOGGED 31u /* the bits that go into the log */

/*
 * A side record: what a plain order derives, held explicitly, in two
 * parallel arrays with one index: the part every request and fill of the
 * order touches (16 bytes, four to a cache line) and the rest.
 */
struct eng_hot {
    int64_t locked;       /* units of the locked asset held for this order */
    int64_t quote_filled; /* quote units executed */
};

struct eng_cold {
    int64_t stop_price, quote_qty;
    int64_t activation, extreme; /* trailing: activation, best price */
    uint32_t callback_bps;
    uint32_t link; /* the sibling's slot while OF_LINKED; next free record */
    uint32_t cid;  /* the client id record (OF_HAS_CID), else ENG_NIL */
    uint8_t pext;
};

/* A client order id (the record's first 4 bytes link free records). */
struct eng_cid {
    uint8_t len;
    char cid[LX_ENG_CID_MAX];
    uint8_t pad[3];
};

/* A perp position (margin units: the quote asset's smallest unit). */
struct eng_pos {
    int64_t size;     /* signed lots */
    int64_t cost;     /* entry cost, >= 0 */
    int64_t margin;   /* isolated margin */
    int64_t realized; /* cumulative realized PnL */
};

/* Per (account, perp instrument). */
struct eng_ai {
    struct eng_pos pos[2]; /* one-way: [0]; hedge: [0] LONG, [1] SHORT */
    uint32_t lev;          /* 0: the default */
    uint8_t isolated;
};

struct eng_level {
    int64_t price;
    int64_t qty;
    uint32_t head; /* first order; the next free level while free */
    uint32_t tail, count, side;
};

/*
 * One side of a book. Levels that empty in the middle of the array stay
 * there (and in the price table) so a price that is used again needs no
 * search and no memmove; the last (best) level is never empty. When empty
 * levels pile up, or the level pool runs out, the book is compacted.
 */
struct eng_side {
    int64_t *key;
    uint32_t *lv;
    uint32_t n;    /* levels in the array, empty ones included */
    uint32_t live; /* levels with orders */
};

/* Waiting stops: keys ascending, the next to trigger last. */
struct eng_stops {
    int64_t *key;
    uint32_t *slot;
    uint32_t n;
};

struct eng_book {
    struct eng_side side[2];
    struct eng_level *levels;
    uint32_t level_free, level_cap;
    /* Price -> level: open addressing on (side, price), level index + 1. */
    uint32_t *ltab;
    uint32_t lmask;
    struct eng_stops up, down; /* up: fires when last >= stop */
    uint32_t stop_cap;
    /* Perp. */
    uint32_t lock_asset[2]; /* per side: quote / base (perp: quote twice) */
    bool perp, has_mark;
    uint32_t max_lev;
    int64_t mmr_e8; /* maintenance margin rate, 10^-8 */
    int64_t mark;
    /* Mark-price and trailing stops, in arrival order (linear scan). */
    uint32_t *pst;
    uint32_t npst;
    int64_t ins_size, ins_cost; /* insurance fund's position (liquidations) */
    int64_t last;
    bool has_last;
    /* Instrument. */
    uint32_t base, quote;
    struct lx_decimal tick, lot;
    int64_t k;         /* quote units per tick * lot */
    int64_t l;         /* base units per lot */
    int64_t min_price; /* ticks, 0 = none */
    int64_t max_price;
    int64_t min_qty, max_qty; /* lots, 0 = none */
    int64_t min_notional;     /* quote units, 0 = none */
    /*
     * The same filters as closed ranges for the hot path, set once at setup:
     * a price is valid iff plo <= p <= phi, a qty iff qlo <= q <= qhi (qhi
     * also keeps q * l from overflowing).
     */
    int64_t plo, phi, qlo, qhi;
};

struct eng_account {
    int64_t maker_e8, taker_e8;
    uint32_t open, max_open;
    bool hedge;
    bool market; /* lx_eng_account_spec.market */
};

struct lx_engine {
    const struct lx_mem *mem;
    struct lx_eng_config cfg;
    struct eng_order *orders; /* 64-byte aligned */
    void *orders_mem;
    int64_t *otime;        /* per slot: the order's time */
    uint32_t *cold_of;     /* per slot: side record (OF_SIDE) or cid record */
    struct eng_hot *hot;   /* side records (hot part), grown before matching */
    struct eng_cold *cold; /* side records (the rest), same index */
    uint32_t cold_cap, cold_free, cold_used;
    struct eng_cid *cids; /* client id records, grown before matching */
    uint32_t cid_cap, cid_free, ncid;
    int64_t tq; /* the running taker's quote_filled (execute) */
    uint32_t slot_bits, free_head;
    uint32_t slot_mask;    /* (1 << slot_bits) - 1: the slot of an id */
    uint32_t pair_pending; /* replay: first leg of a pair, its sibling next */
    uint64_t seq;
    /* Client order ids: open addressing, linear probing, slot + 1. */
    uint32_t *cid_tab;
    uint32_t cid_mask;
    struct eng_book *books;
    uint32_t nbooks;
    uint8_t *asset_scale;
    uint32_t nassets;
    struct eng_account *accounts;
    int64_t *bal; /* [account][asset][free, locked] */
    uint32_t naccounts;
    int64_t *fees;         /* per asset */
    int64_t *supply;       /* per asset: deposits minus withdrawals */
    int64_t *scratch;      /* lx__engine_check: [account][asset] + [account] */
    int64_t *insurance;    /* per asset */
    uint8_t *margin_asset; /* per asset: settles some perp */
    struct eng_ai *ai;     /* [account][instrument] */
    struct lx_eng_event *ev;
    size_t ev_n;
    uint64_t ev_dropped, ev_total, ev_hash;
    size_t bytes;
};

static inline int64_t *eng_bal(struct lx_engine *e, uint32_t acct,
                               uint32_t asset)
{
    return &e->bal[((size_t)acct * e->cfg.max_assets + asset) * 2];
}

static inline const int64_t *eng_cbal(const struct lx_engine *e, uint32_t acct,
                                      uint32_t asset)
{
    return &e->bal[((size_t)acct * e->cfg.max_assets + asset) * 2];
}

/* The asset an order locks: quote for buys, base for spot sells. */
static inline uint32_t eng_lock_asset(const struct eng_book *b, int side)
{
    return b->lock_asset[side];
}

static inline struct eng_ai *eng_ai(const struct lx_engine *e, uint32_t acct,
                                    uint32_t inst)
{
    return &e->ai[(size_t)acct * e->cfg.max_instruments + inst];
}

static inline bool eng_is_stop(int type)
{
    return type >= LX_ENG_STOP_LOSS;
}

/* Is a perp stop kept in the linear list (mark price, trailing)? */
static inline bool eng_in_pst(int type, unsigned pext)
{
    return type == LX_ENG_TRAILING_STOP_MARKET || (pext & PX_MARK) != 0;
}

static inline bool eng_is_limit(int type)
{
    return type == LX_ENG_LIMIT || type == LX_ENG_LIMIT_MAKER ||
           type == LX_ENG_STOP_LOSS_LIMIT || type == LX_ENG_TAKE_PROFIT_LIMIT;
}

/* Does a stop of this type and side fire when the price rises to it? */
static inline bool eng_stop_up(int type, int side)
{
    bool sl = type == LX_ENG_STOP_LOSS || type == LX_ENG_STOP_LOSS_LIMIT;

    return sl == (side == LX_ENG_BUY);
}

/*
 * The lock a spot limit or stop order of qty lots needs on its own: buys
 * lock quote (price * qty * k; a stop-market buy locks at its trigger),
 * sells lock base (qty * l).
 */
static inline int64_t eng_spot_need(const struct eng_book *b, int side,
                                    int type, int64_t price, int64_t qty)
{
    if (side == LX_ENG_SELL) {
        return qty * b->l;
    }
    return eng_is_limit(type) ? price * qty * b->k : 0;
}

/*
 * The log hash, version 1. Each event is eight 64-bit words (see
 * lx__engine_event_encode); they are combined as x = sum(w[i] * C[i]) with
 * distinct odd constants (independent multiplies, so the CPU overlaps
 * them), folded (x ^= x >> 32) and chained FNV-1a style:
 * h = (h ^ x) * 0x100000001b3, starting from the FNV offset basis. A change
 * in any one word always changes x (odd multipliers are invertible mod
 * 2^64), hence h.
 */
#define ENG_FNV_PRIME UINT64_C(0x100000001b3)

static inline uint64_t eng_word0(const struct lx_eng_event *ev)
{
    return (uint64_t)ev->type | (uint64_t)ev->reason << 8 |
           (uint64_t)ev->side << 16 | (uint64_t)ev->flags << 24 |
           (uint64_t)ev->inst << 32;
}

static inline uint64_t eng_hash(uint64_t h, const struct lx_eng_event *ev)
{
    uint64_t x = eng_word0(ev) * UINT64_C(0x9e3779b97f4a7c15) +
                 (uint64_t)ev->time * UINT64_C(0xbf58476d1ce4e5b9) +
                 ev->order_id * UINT64_C(0x94d049bb133111eb) +
                 ((uint64_t)ev->account | (uint64_t)ev->aux << 32) *
                     UINT64_C(0xd6e8feb86659fd93) +
                 (uint64_t)ev->price * UINT64_C(0xa0761d6478bd642f) +
                 (uint64_t)ev->qty * UINT64_C(0xe7037ed1a0b428db) +
                 (uint64_t)ev->a * UINT64_C(0x8ebc6af09c88c6e3) +
                 (uint64_t)ev->b * UINT64_C(0x589965cc75374cc3);

    return (h ^ (x ^ (x >> 32))) * ENG_FNV_PRIME;
}

/*
 * The slot the next event is written to. When the buffer is full this is
 * the scratch slot past the end (allocated with it): the event is still
 * hashed and counted, only not kept.
 */
static inline struct lx_eng_event *eng_ev(struct lx_engine *e)
{
    return &e->ev[e->ev_n];
}

static inline void eng_commit(struct lx_engine *e,
                              const struct lx_eng_event *ev)
{
    e->ev_hash = eng_hash(e->ev_hash, ev);
    e->ev_total++;
    if (e->ev_n < e->cfg.max_events) {
        e->ev_n++;
    } else {
        e->ev_dropped++;
    }
}

/*
 * Logs an event given as its eight encoded words (the layout of
 * lx__engine_event_encode): hashes the words in registers, then stores
 * them. On a little-endian host struct lx_eng_event is exactly those eight
 * words in memory, so the store is a plain copy.
 */
static inline void eng_emit(struct lx_engine *e, const uint64_t w[8])
{
    struct lx_eng_event *ev = &e->ev[e->ev_n];
    uint64_t x = w[0] * UINT64_C(0x9e3779b97f4a7c15) +
                 w[1] * UINT64_C(0xbf58476d1ce4e5b9) +
                 w[2] * UINT64_C(0x94d049bb133111eb) +
                 w[3] * UINT64_C(0xd6e8feb86659fd93) +
                 w[4] * UINT64_C(0xa0761d6478bd642f) +
                 w[5] * UINT64_C(0xe7037ed1a0b428db) +
                 w[6] * UINT64_C(0x8ebc6af09c88c6e3) +
                 w[7] * UINT64_C(0x589965cc75374cc3);

    e->ev_hash = (e->ev_hash ^ (x ^ (x >> 32))) * ENG_FNV_PRIME;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    /*
     * Word by word: one whole-struct copy would make the compiler build w
     * on the stack and reload it with wider loads, which stalls store
     * forwarding; these become eight stores from registers.
     */
    memcpy((unsigned char *)ev, &w[0], 8);
    memcpy((unsigned char *)ev + 8, &w[1], 8);
    memcpy((unsigned char *)ev + 16, &w[2], 8);
    memcpy((unsigned char *)ev + 24, &w[3], 8);
    memcpy((unsigned char *)ev + 32, &w[4], 8);
    memcpy((unsigned char *)ev + 40, &w[5], 8);
    memcpy((unsigned char *)ev + 48, &w[6], 8);
    memcpy((unsigned char *)ev + 56, &w[7], 8);
#else
    ev->type = (uint8_t)w[0];
    ev->reason = (uint8_t)(w[0] >> 8);
    ev->side = (uint8_t)(w[0] >> 16);
    ev->flags = (uint8_t)(w[0] >> 24);
    ev->inst = (uint32_t)(w[0] >> 32);
    ev->time = (int64_t)w[1];
    ev->order_id = w[2];
    ev->account = (uint32_t)w[3];
    ev->aux = (uint32_t)(w[3] >> 32);
    ev->price = (int64_t)w[4];
    ev->qty = (int64_t)w[5];
    ev->a = (int64_t)w[6];
    ev->b = (int64_t)w[7];
#endif
    e->ev_total++;
    if (e->ev_n < e->cfg.max_events) {
        e->ev_n++;
    } else {
        e->ev_dropped++;
    }
}

/* A balance move that an order event already describes (no event). */
static inline void eng_move(struct lx_engine *e, uint32_t acct, uint32_t asset,
                            int64_t dfree, int64_t dlocked)
{
    int64_t *bal = eng_bal(e, acct, asset);

    bal[0] += dfree;
    bal[1] += dlocked;
}

/* ---- Side records and derived values ----------------------------------- */

extern const struct eng_cold lx__eng_cold_zero;

/* The side record of an order that has one (OF_SIDE). */
static inline struct eng_cold *eng_cold(const struct lx_engine *e, uint32_t s)
{
    return &e->cold[e->cold_of[s]];
}

/* The hot part of the side record of an order that has one. */
static inline struct eng_hot *eng_hot(const struct lx_engine *e, uint32_t s)
{
    return &e->hot[e->cold_of[s]];
}

/* The side record, or a record of zeros for a plain order (read only). */
static inline const struct eng_cold *eng_cold_get(const struct lx_engine *e,
                                                  uint32_t s)
{
    return (e->orders[s].flags & OF_SIDE) ? eng_cold(e, s) : &lx__eng_cold_zero;
}

/* An open order's limit price: its level's while on the book. */
static inline int64_t eng_price(const struct lx_engine *e,
                                const struct eng_order *o)
{
    return o->where == W_BOOK ? e->books[o->inst].levels[o->level].price
                              : o->price;
}

/* What an order holds locked: explicit in its side record, else derived. */
static inline int64_t eng_locked(const struct lx_engine *e, uint32_t s)
{
    const struct eng_order *o = &e->orders[s];

    if (o->flags & OF_SIDE) {
        return eng_hot(e, s)->locked;
    }
    return eng_spot_need(&e->books[o->inst], o->side, LX_ENG_LIMIT,
                         eng_price(e, o), o->qty);
}

/* Quote units executed: explicit, else every fill was at its own price. */
static inline int64_t eng_quote(const struct lx_engine *e, uint32_t s)
{
    const struct eng_order *o = &e->orders[s];

    if (o->flags & OF_SIDE) {
        return eng_hot(e, s)->quote_filled;
    }
    return o->filled * eng_price(e, o) * e->books[o->inst].k;
}

/* The client id record of an order, or ENG_NIL. */
static inline uint32_t eng_cid_ref(const struct lx_engine *e, uint32_t s)
{
    uint8_t f = e->orders[s].flags;

    if (!(f & OF_HAS_CID)) {
        return ENG_NIL;
    }
    return (f & OF_SIDE) ? eng_cold(e, s)->cid : e->cold_of[s];
}

/*
 * Room for ncold more side records and ncid more client ids (pools and
 * table), grown now if needed: called before an operation starts, so
 * matching never allocates. LX_OK or LX_ERR_NOMEM.
 */
int lx__eng_grow(struct lx_engine *e, uint32_t ncold, uint32_t ncid);

static inline int eng_reserve(struct lx_engine *e, uint32_t ncold,
                              uint32_t ncid)
{
    /* One record: the free list is not empty (the common, cheap test). */
    if (__builtin_expect(
            (ncold == 1 ? e->cold_free == ENG_NIL
                        : e->cold_cap - e->cold_used < ncold) ||
                (ncid != 0 && (e->cid_cap - e->ncid < ncid ||
                               2 * (e->ncid + ncid) > e->cid_mask + 1)),
            0)) {
        return lx__eng_grow(e, ncold, ncid);
    }
    return LX_OK;
}

/*
 * Between calls the side record pool keeps a record free (unless memory
 * ran out): the amend fast path, and a plain order resting after it took
 * liquidity, use it without a check of their own. A call that may have
 * taken records tops the pool up at its end, after matching.
 */
static inline void eng_topup(struct lx_engine *e)
{
    if (__builtin_expect(e->cold_free == ENG_NIL, 0)) {
        (void)lx__eng_grow(e, 1, 0);
    }
}

/* A side record from the pool (eng_reserve made sure there is one). */
static inline uint32_t eng_cold_take(struct lx_engine *e)
{
    uint32_t i = e->cold_free;

    e->cold_free = e->cold[i].link;
    e->cold_used++;
    return i;
}

static inline void eng_cold_put(struct lx_engine *e, uint32_t i)
{
    e->cold[i].link = e->cold_free;
    e->cold_free = i;
    e->cold_used--;
}

/*
 * Gives plain order s a side record holding what it derived so far (its
 * lock at price) and quote as its quote_filled; its client id moves over.
 */
void lx__eng_cold_attach(struct lx_engine *e, uint32_t s, int64_t price,
                         int64_t quote);

/* Frees the side and client id records of an ending order. */
static inline void lx__eng_records_free(struct lx_engine *e, uint32_t s)
{
    struct eng_order *o = &e->orders[s];
    uint32_t r = eng_cid_ref(e, s);

    if (r != ENG_NIL) {
        memcpy(&e->cids[r], &e->cid_free, sizeof(uint32_t));
        e->cid_free = r;
        e->ncid--;
    }
    if (o->flags & OF_SIDE) {
        eng_cold_put(e, e->cold_of[s]);
    }
    o->flags &= (uint8_t) ~(OF_SIDE | OF_HAS_CID);
}

/* The free list is doubly linked so replay can take a given slot in O(1). */
static inline void eng_slot_take(struct lx_engine *e, uint32_t slot)
{
    struct eng_order *o = &e->orders[slot];

    if (o->prev != ENG_NIL) {
        e->orders[o->prev].next = o->next;
    } else {
        e->free_head = o->next;
    }
    if (o->next != ENG_NIL) {
        e->orders[o->next].prev = o->prev;
    }
    o->next = o->prev = ENG_NIL;
}

static inline uint32_t eng_slot_alloc(struct lx_engine *e)
{
    uint32_t s = e->free_head;

    if (s != ENG_NIL) {
        eng_slot_take(e, s);
    }
    return s;
}

static inline void eng_slot_release(struct lx_engine *e, uint32_t slot)
{
    struct eng_order *o = &e->orders[slot];

    o->where = W_FREE;
    o->id = 0;
    o->level = ENG_NIL;
    o->prev = ENG_NIL;
    o->next = e->free_head;
    if (e->free_head != ENG_NIL) {
        e->orders[e->free_head].prev = slot;
    }
    e->free_head = slot;
}

/* engine.c */
void lx__eng_balance(struct lx_engine *e, uint32_t acct, uint32_t asset,
                     int64_t dfree, int64_t dlocked, int cause, int64_t time);
uint64_t lx__eng_cid_hash(uint32_t acct, const char *cid, size_t len);
uint32_t lx__eng_cid_find(const struct lx_engine *e, uint32_t acct,
                          const char *cid, size_t len);
void lx__eng_cid_insert(struct lx_engine *e, uint32_t slot);
uint32_t lx__eng_cid_add(struct lx_engine *e, uint32_t slot, const char *cid,
                         size_t len);
void lx__eng_cid_remove(struct lx_engine *e, uint32_t slot);
void lx__eng_fill_info(const struct lx_engine *e, uint32_t slot,
                       struct lx_eng_order_info *info);

/* match.c */
uint32_t lx__eng_level_find(const struct eng_book *b, int side, int64_t price);
void lx__eng_level_append(struct lx_engine *e, struct eng_book *b,
                          uint32_t slot, bool *full);
void lx__eng_level_unlink(struct lx_engine *e, struct eng_book *b,
                          uint32_t slot);
bool lx__eng_stop_insert(struct eng_book *b, uint32_t slot, int64_t stop,
                         bool up);
void lx__eng_stop_remove(struct eng_book *b, uint32_t slot);
bool lx__eng_stop_add(struct lx_engine *e, struct eng_book *b, uint32_t slot);
void lx__eng_run_triggers(struct lx_engine *e, struct eng_book *b,
                          int64_t time);
void lx__eng_cancel_slot(struct lx_engine *e, uint32_t slot, int reason,
                         int64_t time);
void lx__eng_pair_link(struct lx_engine *e, uint32_t a, uint32_t b);
uint32_t lx__eng_pair_break(struct lx_engine *e, uint32_t s);

/* perp.c (and the two helpers every perp request uses, inline) */

/* ceil(a / b) for a >= 0, b > 0. */
static inline int64_t lx__eng_ceil_div(int64_t a, int64_t b)
{
    return a / b + (a % b != 0);
}

/* The account's leverage on a perp instrument (default: max, at most 20). */
static inline uint32_t lx__eng_lev(const struct lx_engine *e, uint32_t acct,
                                   uint32_t inst)
{
    uint32_t lev = eng_ai(e, acct, inst)->lev;

    if (lev != 0) {
        return lev;
    }
    return e->books[inst].max_lev < 20 ? e->books[inst].max_lev : 20;
}

int64_t lx__eng_muldiv(int64_t a, int64_t b, int64_t c); /* floor a*b/c */
int lx__eng_pos_idx(const struct lx_engine *e, uint32_t acct, int pos_side);
int64_t lx__eng_closable(const struct lx_engine *e, uint32_t acct,
                         uint32_t inst, int side, int pos_side);
int64_t lx__eng_available(const struct lx_engine *e, uint32_t acct,
                          uint32_t asset);
void lx__eng_perp_settle(struct lx_engine *e, struct eng_book *b, uint32_t slot,
                         int64_t price, int64_t q, bool emit, int64_t time);
int lx__eng_perp_check_pos(const struct lx_engine *e,
                           const struct lx_eng_event *ev);
void lx__eng_trail_update(struct lx_engine *e, struct eng_book *b,
                          int64_t price, bool mark);
void lx__eng_trail_init(struct lx_engine *e, struct eng_book *b, uint32_t s);
int lx__eng_apply_perp(struct lx_engine *e, const struct lx_eng_event *ev);
uint64_t lx__eng_perp_hash(const struct lx_engine *e, uint64_t h);
int lx__eng_perp_conserve(const struct lx_engine *e, uint32_t asset,
                          int64_t *total);

#endif
