/*
 * engine_int.h - the engine's private structures, shared by engine.c
 * (setup, accounts, queries, log), match.c (book and matching) and replay.c
 * (event application, state hash, invariant checks).
 *
 * Memory layout: every open order lives in one slot of a preallocated pool
 * (struct eng_order, the 56 bytes the matching loop touches, plus struct
 * eng_cold for what only requests and queries read). An order id is
 * seq << slot_bits | slot, so finding an order by id is an array index and a
 * compare, with no hash table. Each book side is a sorted array of price
 * keys (key = price for bids, -price for asks, ascending, so the best level
 * is always the last element) with a parallel array of level indices; most
 * activity is near the best price, i.e. near the end of the array, where
 * inserts and removals move few elements.
 */
#ifndef LOTUSX_MOCK_ENGINE_INT_H
#define LOTUSX_MOCK_ENGINE_INT_H

#include <string.h>

#include "core/lx_internal.h"
#include "engine/engine.h"

#define ENG_NIL UINT32_MAX

/* Where an order slot is. */
enum eng_where { W_FREE = 0, W_LIVE, W_BOOK, W_STOP };

struct eng_order {
    int64_t price;  /* ticks; limit price (0 for market) */
    int64_t qty;    /* remaining lots */
    int64_t locked; /* units of the locked asset held for this order */
    int64_t filled; /* lots executed; orig qty = filled + qty */
    uint64_t id;
    uint32_t next, prev; /* level queue, or the free list */
    uint32_t level;      /* level index while W_BOOK */
    uint32_t account;
    uint16_t inst;
    uint8_t side, type, tif, stp, where, flags;
};

#define OF_TRIGGERED 1u  /* a stop order that has been triggered */
#define OF_BY_QUOTE  2u  /* market order by quote amount */
#define OF_HAS_CID   4u  /* has a client order id (in the cid table) */
#define OF_REDUCE    8u  /* perp: may only reduce its position */
#define OF_LINKED    16u /* one of a one-cancels-the-other pair (cold.link) */
#define OF_HOLDER    32u /* the pair's leg that holds the shared lock */

/* Perp attributes of an order (eng_cold.pext), as ACCEPTED's aux >> 24. */
#define PX_PS(x)  ((x)&3u) /* enum lx_eng_pos_side */
#define PX_REDUCE 4u
#define PX_CLOSE  8u
#define PX_MARK   16u
#define PX_ACTIVE 32u /* trailing stop: activated (not logged) */
#define PX_LOGGED 31u /* the bits that go into the log */

struct eng_cold {
    int64_t quote_filled, stop_price, quote_qty, time;
    int64_t activation, extreme; /* trailing: activation, best price */
    uint32_t callback_bps;
    uint32_t link; /* the sibling's slot while OF_LINKED */
    uint8_t pext;
    uint8_t cid_len;
    char cid[LX_ENG_CID_MAX + 1];
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
    struct eng_order *orders; /* 64-byte aligned: one line per order */
    void *orders_mem;
    struct eng_cold *cold;
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

/* perp.c */
int64_t lx__eng_ceil_div(int64_t a, int64_t b);
int64_t lx__eng_muldiv(int64_t a, int64_t b, int64_t c); /* floor a*b/c */
uint32_t lx__eng_lev(const struct lx_engine *e, uint32_t acct, uint32_t inst);
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
