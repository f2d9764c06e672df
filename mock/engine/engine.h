/*
 * engine.h - the matching engine of lotusx-mock (spot and linear perpetuals,
 * see "Perpetuals" in docs/engine.md): instruments with
 * venue filters, accounts with free/locked balances and fee rates, a
 * price-time priority book per instrument, stop and take-profit triggers,
 * self-trade prevention, and an append-only event log with a running hash.
 *
 * It is a pure library: no I/O, no clock (every call takes the time as int64
 * nanoseconds), no allocation after setup (lx__engine_new and
 * lx__engine_add_instrument allocate everything up front), no global state.
 * Prices are integer ticks and quantities integer lots of the instrument;
 * balances are integers in the asset's smallest unit (10^-scale). The
 * lx_decimal conversions live at the boundary (lx__engine_submit_dec,
 * lx__engine_price_dec, ...). See docs/engine.md for the semantics.
 *
 * Business outcomes (a rejection, an expiry) are not errors: the calls
 * return LX_OK and report them in struct lx_eng_result and in the log.
 * LX_ERR_* is returned only for caller bugs (NULL, unknown ids at setup) and
 * capacity exhaustion during setup.
 *
 * Not thread-safe; one engine per thread. Mock-internal, never installed.
 */
#ifndef LOTUSX_MOCK_ENGINE_H
#define LOTUSX_MOCK_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lotusx/lx_decimal.h"
#include "lotusx/lx_mem.h"

struct lx_engine;

enum lx_eng_side { LX_ENG_BUY = 0, LX_ENG_SELL = 1 };

enum lx_eng_type {
    LX_ENG_LIMIT = 0,
    LX_ENG_LIMIT_MAKER,       /* post-only: rejected when it would cross */
    LX_ENG_MARKET,            /* by qty, or by quote_qty when qty is 0 */
    LX_ENG_STOP_LOSS,         /* market once triggered */
    LX_ENG_STOP_LOSS_LIMIT,   /* limit once triggered */
    LX_ENG_TAKE_PROFIT,       /* market once triggered */
    LX_ENG_TAKE_PROFIT_LIMIT, /* limit once triggered */
    LX_ENG_TYPE_COUNT,        /* spot types end here (venue name tables) */
    /*
     * Perpetual only: market once the price retraces callback_bps from the
     * best price seen since activation (Binance TRAILING_STOP_MARKET). On a
     * perp book STOP_LOSS is STOP_MARKET, STOP_LOSS_LIMIT is STOP,
     * TAKE_PROFIT is TAKE_PROFIT_MARKET, TAKE_PROFIT_LIMIT is TAKE_PROFIT.
     */
    LX_ENG_TRAILING_STOP_MARKET = LX_ENG_TYPE_COUNT,
    LX_ENG_TYPE_ALL
};

/* Instrument kinds. */
enum lx_eng_kind { LX_ENG_SPOT = 0, LX_ENG_PERP /* linear, USD-M style */ };

/* Position side of a perp order (Binance positionSide). */
enum lx_eng_pos_side {
    LX_ENG_PS_BOTH = 0, /* one-way mode */
    LX_ENG_PS_LONG,     /* hedge mode */
    LX_ENG_PS_SHORT,
    LX_ENG_PS_COUNT
};

/* What a perp conditional order triggers on (Binance workingType). */
enum lx_eng_working {
    LX_ENG_WT_CONTRACT = 0, /* last trade price (CONTRACT_PRICE) */
    LX_ENG_WT_MARK          /* mark price (MARK_PRICE) */
};

enum lx_eng_margin_type { LX_ENG_CROSS = 0, LX_ENG_ISOLATED };

enum lx_eng_tif {
    LX_ENG_GTC = 0,
    LX_ENG_IOC,
    LX_ENG_FOK,
    LX_ENG_GTX, /* post-only: expires (not rejected) when it would cross */
    LX_ENG_TIF_COUNT
};

/* Self-trade prevention, decided by the taker's mode (as Binance). */
enum lx_eng_stp {
    LX_ENG_STP_NONE = 0,
    LX_ENG_STP_EXPIRE_TAKER,
    LX_ENG_STP_EXPIRE_MAKER,
    LX_ENG_STP_EXPIRE_BOTH,
    LX_ENG_STP_COUNT
};

/* Order states, named as Binance's order status values. */
enum lx_eng_state {
    LX_ENG_ST_NONE = 0,
    LX_ENG_ST_NEW,
    LX_ENG_ST_PARTIALLY_FILLED,
    LX_ENG_ST_FILLED,
    LX_ENG_ST_CANCELED,
    LX_ENG_ST_EXPIRED,
    LX_ENG_ST_EXPIRED_IN_MATCH, /* expired by self-trade prevention */
    LX_ENG_ST_REJECTED
};

/*
 * Why an order was rejected or expired. lx__engine_reason_binance maps each
 * to the code and text Binance spot returns.
 */
#define LX_ENG_REASON_MAP(XX)                                                  \
    XX(NONE, "none")                                                           \
    XX(PRICE_FILTER, "price off the tick grid or outside min/max price")       \
    XX(LOT_SIZE, "qty off the lot grid or outside min/max qty")                \
    XX(MIN_NOTIONAL, "price * qty below the minimum notional")                 \
    XX(MAX_NUM_ORDERS, "account has too many open orders")                     \
    XX(INSUFFICIENT_BALANCE, "insufficient free balance")                      \
    XX(DUPLICATE_ORDER, "client order id already in use")                      \
    XX(UNKNOWN_ORDER, "no such open order")                                    \
    XX(WOULD_TAKE, "post-only order would cross")                              \
    XX(WOULD_TRIGGER, "stop would trigger immediately")                        \
    XX(UNSUPPORTED, "unsupported order combination")                           \
    XX(UNKNOWN_INSTRUMENT, "unknown instrument")                               \
    XX(UNKNOWN_ACCOUNT, "unknown account")                                     \
    XX(NO_LIQUIDITY, "no liquidity on the book")                               \
    XX(BOOK_FULL, "engine capacity reached")                                   \
    XX(BAD_PRECISION, "amount finer than the asset precision")                 \
    XX(IOC, "immediate-or-cancel remainder")                                   \
    XX(FOK, "fill-or-kill could not fill completely")                          \
    XX(POST_ONLY, "GTX order would have crossed")                              \
    XX(STP, "self-trade prevention")                                           \
    XX(MARKET_REMAINDER, "market order ran out of liquidity")                  \
    XX(USER, "cancelled by the user")                                          \
    XX(REDUCE_ONLY, "reduce-only order would increase the position")           \
    XX(MARGIN_INSUFFICIENT, "not enough available margin")                     \
    XX(POSITION_SIDE, "position side does not match the position mode")        \
    XX(BAD_LEVERAGE, "leverage outside 1..max")                                \
    XX(NO_CHANGE, "setting already has that value")                            \
    XX(HAS_POSITION, "setting cannot change with an open position")            \
    XX(HAS_ORDERS, "setting cannot change with open orders")                   \
    XX(LEVERAGE_REDUCTION, "isolated leverage cannot drop with a position")    \
    XX(LIQUIDATION, "cancelled by liquidation")                                \
    XX(OCO, "the other order of its one-cancels-the-other pair went first")

enum lx_eng_reason {
#define LX__ENG_REASON_ENUM(name, text) LX_ENG_R_##name,
    LX_ENG_REASON_MAP(LX__ENG_REASON_ENUM)
#undef LX__ENG_REASON_ENUM
        LX_ENG_R_COUNT
};

/* Event types of the log. */
enum lx_eng_ev_type {
    LX_ENG_EV_ACCEPTED = 1,
    LX_ENG_EV_REJECTED,
    LX_ENG_EV_CLIENT_ID, /* the client order id of the order just accepted */
    LX_ENG_EV_TRIGGERED,
    LX_ENG_EV_FILL, /* one per order and trade: two per trade */
    LX_ENG_EV_AMENDED,
    LX_ENG_EV_CANCELLED,
    LX_ENG_EV_EXPIRED,
    LX_ENG_EV_BALANCE,
    /* Perpetuals (see the table below and docs/engine.md). */
    LX_ENG_EV_POSITION,     /* a position after a fill */
    LX_ENG_EV_MARK,         /* mark price input */
    LX_ENG_EV_FUNDING,      /* one position's funding payment */
    LX_ENG_EV_LIQUIDATION,  /* a position closed by liquidation */
    LX_ENG_EV_LEVERAGE,     /* leverage of (account, instrument) set */
    LX_ENG_EV_MARGIN_TYPE,  /* margin type of (account, instrument) set */
    LX_ENG_EV_POSITION_MODE /* position mode of an account set */
};

/* BALANCE events: what moved the balance (in reason). */
enum lx_eng_bal_cause {
    LX_ENG_BAL_DEPOSIT = 1, /* deposit, or withdrawal when negative */
    LX_ENG_BAL_LOCK,        /* reserved: locks are implied by order events */
    LX_ENG_BAL_UNLOCK,      /* unspent market-by-quote budget released */
    LX_ENG_BAL_TRADE,       /* reserved: settlement is implied by FILL */
    LX_ENG_BAL_INSURANCE    /* liquidation: free <-> insurance fund */
};

/*
 * One log entry: 64 bytes, eight 64-bit words in the stable encoding
 * (lx__engine_event_encode). Field use per type:
 *
 *   type        order_id account aux        price     qty        a       b
 *   ACCEPTED    id       acct    packed(1)  limit     qty(lots)  stop    lock
 *   REJECTED    0        acct    packed(1)  price     qty        stop    quote
 *   CLIENT_ID   id       acct    len        bytes 0..31 of the id in price..b
 *   TRIGGERED   id       acct    0          last px   qty        0       lock
 *   FILL        id       acct    counter    price     qty        fee     lock
 *   AMENDED     id       acct    0          price     remaining  orig    lock
 *   CANCELLED   id       acct    0          0         remaining  0       lock
 *   EXPIRED     id       acct    0          0         remaining  0       lock
 *   BALANCE     0        acct    asset      d_free    d_locked   0       0
 *   POSITION    id       acct    pos idx    iso marg  size(2)    rpnl    cost
 *   MARK        0        0       0          mark      0          0       0
 *   FUNDING     0        acct    pos idx    mark      size(2)    rate_e8 paid
 *   LIQUIDATION 0        acct    pos idx    mark      size(2)    rpnl    insur
 *   LEVERAGE    0        acct    leverage   0         0          0       0
 *   MARGIN_TYPE 0        acct    type       0         0          0       0
 *   POSITION_MODE 0      acct    hedge      0         0          0       0
 *
 * Perp orders add to packed (1) bits 24..31: pos_side | reduce_only << 2 |
 * close_position << 3 | working_type << 4 (reduce_only is also set for
 * hedge-mode closing orders). A TRAILING_STOP_MARKET ACCEPTED carries
 * callback_bps in price and the activation price in a. (2) size is the
 * signed position size in lots after the event (before it for FUNDING and
 * LIQUIDATION); "pos idx" is 0 in one-way mode, 0 LONG / 1 SHORT in hedge
 * mode; rpnl is the realized PnL of the fill; cost the position's entry
 * cost after it; "paid" the signed funding (+ received); "insur" what went
 * to the insurance fund (isolated; negative when the fund covered a loss).
 * On a perp book, lock, FILL lock and fee are all in the margin (quote)
 * asset; FILL is followed by the POSITION event of that side.
 *
 * (1) packed = type | tif << 8 | stp << 16. CLIENT_ID also carries bytes
 * 32..35 in inst. "lock" is the change of the order's locked amount
 * (ACCEPTED/TRIGGERED: the amount locked; FILL: consumed, negative;
 * AMENDED: the delta; CANCELLED/EXPIRED: released, negative). FILL flags:
 * LX_ENG_FILL_MAKER for the maker side, LX_ENG_FILL_LAST when the order
 * has nothing left (FILLED); the fee is in the asset the side receives.
 *
 * Balance moves implied by an order event are not logged again: the lock
 * change moves free -> locked on the order's lock asset (quote for buys,
 * base for sells), and a FILL settles as docs/engine.md says (buyer: quote
 * locked += lock, free += -lock - price*qty*k; base free += qty*l - fee;
 * seller: base locked += lock; quote free += price*qty*k - fee). BALANCE
 * events are deposits/withdrawals (reason DEPOSIT) and the release of an
 * unspent market-by-quote budget (reason UNLOCK).
 */
struct lx_eng_event {
    uint8_t type, reason, side, flags;
    uint32_t inst;
    int64_t time;
    uint64_t order_id;
    uint32_t account, aux;
    int64_t price, qty, a, b;
};

#define LX_ENG_FILL_MAKER 1u /* FILL flags: this side was the maker */
#define LX_ENG_FILL_LAST  2u /* FILL flags: the order is now fully filled */
#define LX_ENG_AMEND_KEPT 1u /* AMENDED flags: queue priority kept */

struct lx_eng_config {
    uint32_t max_orders;      /* open orders (book + stops), all books */
    uint32_t max_accounts;    /* default 64 */
    uint32_t max_assets;      /* default 16 */
    uint32_t max_instruments; /* default 16 */
    uint32_t max_events;      /* log buffer between drains, default 4096 */
};

/*
 * An instrument: base/quote asset ids and the venue filters as decimals.
 * tick_size and lot_size are required; tick * lot must be a whole number of
 * quote units and lot a whole number of base units. Zero means "no limit"
 * for min/max price, min/max qty and min_notional. max_levels and
 * max_stops size the per-book arrays (0: max_orders).
 */
struct lx_eng_instrument_spec {
    uint32_t base, quote;
    struct lx_decimal tick_size, lot_size;
    struct lx_decimal min_price, max_price;
    struct lx_decimal min_qty, max_qty;
    struct lx_decimal min_notional;
    uint32_t max_levels, max_stops;
    /* Perpetuals (kind LX_ENG_PERP; zero for spot). */
    uint8_t kind;                        /* enum lx_eng_kind */
    uint32_t max_leverage;               /* 0: 125 */
    struct lx_decimal maint_margin_rate; /* e.g. 0.004; 0: 0.004 */
};

/*
 * An account: fee rates as decimals (0.001 is 10 bps; negative maker rates
 * are rebates; at most 8 fractional digits), max_open_orders (0: no limit).
 */
struct lx_eng_account_spec {
    struct lx_decimal maker_fee, taker_fee;
    uint32_t max_open_orders;
    /*
     * A market account (a replayed book's liquidity): its limit orders
     * and amendments are checked against the price filter only, so a
     * recorded level of any size on the grid can rest.
     */
    bool market;
};

/* A new order in engine units. */
struct lx_eng_order_req {
    uint32_t account, inst;
    uint8_t side, type, tif, stp;
    int64_t price;      /* ticks (limit types) */
    int64_t qty;        /* lots; 0 for a market order by quote_qty */
    int64_t quote_qty;  /* quote units (market by quote only) */
    int64_t stop_price; /* ticks (stop and take-profit types) */
    const char *cid;    /* client order id, may be NULL */
    size_t cid_len;     /* at most LX_ENG_CID_MAX */
    int64_t time;       /* ns */
    /* Perpetuals only (zero on spot books). */
    uint8_t pos_side;         /* enum lx_eng_pos_side */
    uint8_t working_type;     /* enum lx_eng_working (conditional orders) */
    bool reduce_only;         /* one-way mode only */
    bool close_position;      /* STOP_LOSS/TAKE_PROFIT (market), qty 0 */
    uint32_t callback_bps;    /* trailing: 10..1000 (0.1%..10%) */
    int64_t activation_price; /* trailing: ticks, 0 = at once */
};

#define LX_ENG_CID_MAX 36

/* The same with venue decimals (converted exactly, else rejected). */
struct lx_eng_order_dreq {
    uint32_t account, inst;
    uint8_t side, type, tif, stp;
    struct lx_decimal price, qty, quote_qty, stop_price;
    const char *cid;
    size_t cid_len;
    int64_t time;
    uint8_t pos_side, working_type;
    bool reduce_only, close_position;
    uint32_t callback_bps;
    struct lx_decimal activation_price;
};

/* What happened to one request. */
struct lx_eng_result {
    uint64_t order_id; /* 0 when rejected */
    uint8_t state;     /* enum lx_eng_state after the call */
    uint8_t reason;    /* enum lx_eng_reason (rejection or expiry) */
    int64_t filled;    /* lots the order has executed in all, after the call */
    int64_t quote;     /* quote units the order has executed in all */
};

/* A snapshot of one open order. */
struct lx_eng_order_info {
    uint64_t id;
    uint32_t account, inst;
    uint8_t side, type, tif, stp, state;
    bool triggered; /* false for a stop still waiting */
    int64_t price, stop_price, orig_qty, remaining, filled, quote_filled;
    int64_t locked, time;
    char cid[LX_ENG_CID_MAX + 1];
    /* Perp orders. */
    uint8_t pos_side, working_type;
    bool reduce_only;    /* also set for hedge-mode closing orders */
    bool close_position; /* orig_qty is 0 until triggered */
    uint32_t callback_bps;
    int64_t activation_price;
    int64_t trail_best; /* trailing: best price since activation, else 0 */
    uint64_t sibling;   /* the other order of its OCO pair while both open */
};

/* ---- Setup (allocates) ------------------------------------------------- */

/*
 * Creates an engine. cfg NULL or zero fields take the defaults
 * (max_orders 65536). mem NULL is libc. Returns LX_OK, LX_ERR_INVAL,
 * LX_ERR_NOMEM.
 */
int lx__engine_new(struct lx_engine **out, const struct lx_mem *mem,
                   const struct lx_eng_config *cfg);
void lx__engine_free(struct lx_engine *e);

/* Adds an asset whose balances are integers of 10^-scale. */
int lx__engine_add_asset(struct lx_engine *e, unsigned scale, uint32_t *id);

/*
 * Adds an instrument (allocates its book). Returns LX_OK, LX_ERR_INVAL
 * (bad asset id, step not positive, tick*lot not a whole quote unit, ...),
 * LX_ERR_TOOBIG (max_instruments reached), LX_ERR_NOMEM.
 */
int lx__engine_add_instrument(struct lx_engine *e,
                              const struct lx_eng_instrument_spec *spec,
                              uint32_t *id);
int lx__engine_add_account(struct lx_engine *e,
                           const struct lx_eng_account_spec *spec,
                           uint32_t *id);

/*
 * Credits (amount > 0) or debits (amount < 0, free balance permitting) an
 * account, logged as a BALANCE event with cause DEPOSIT. Returns LX_OK,
 * LX_ERR_INVAL (unknown ids), LX_ERR_RANGE (debit beyond the free balance),
 * LX_ERR_OVERFLOW.
 */
int lx__engine_deposit(struct lx_engine *e, uint32_t account, uint32_t asset,
                       int64_t amount, int64_t time);

/* ---- Trading (no allocation) ------------------------------------------- */

int lx__engine_submit(struct lx_engine *e, const struct lx_eng_order_req *r,
                      struct lx_eng_result *res);
int lx__engine_submit_dec(struct lx_engine *e,
                          const struct lx_eng_order_dreq *r,
                          struct lx_eng_result *res);

/*
 * One-cancels-the-other (spot books): places r[0] then r[1] (ids in that
 * order) as one pair of the same account, instrument, side and quantity.
 * Each leg is a stop or take-profit type, or at most one is LIMIT_MAKER.
 * Both legs are checked before either is accepted; a refused pair logs
 * one REJECTED (the first leg that failed) and both results are REJECTED
 * with that reason (a shape the pair cannot have: UNSUPPORTED). The pair
 * locks max(need of r[0], need of r[1]) once: the holder leg (the
 * LIMIT_MAKER, else r[0]) locks its own need, the other what it needs
 * beyond that. Both ACCEPTED events carry the flag bit 16 (OF_LINKED),
 * the holder's also bit 32.
 *
 * The first time either leg trades (even partly), triggers, expires or is
 * cancelled, the other ends in the same call, right after that event:
 * CANCELLED with reason OCO when the first was cancelled, else EXPIRED
 * with reason OCO. A triggered leg then locks what it needs on its own
 * (its TRIGGERED event's b). Amending a leg keeps the pair covered.
 */
int lx__engine_submit_oco(struct lx_engine *e,
                          const struct lx_eng_order_req r[2],
                          struct lx_eng_result res[2]);
int lx__engine_submit_oco_dec(struct lx_engine *e,
                              const struct lx_eng_order_dreq r[2],
                              struct lx_eng_result res[2]);

/*
 * Cancels an open order of account by order_id, or when order_id is 0 by
 * client order id. Unknown: result reason UNKNOWN_ORDER (LX_OK).
 */
int lx__engine_cancel(struct lx_engine *e, uint32_t account, uint64_t order_id,
                      const char *cid, size_t cid_len, int64_t time,
                      struct lx_eng_result *res);

/* Cancels every open order (stops included) of account on inst. */
int lx__engine_cancel_all(struct lx_engine *e, uint32_t account, uint32_t inst,
                          int64_t time, uint32_t *ncancelled);

/*
 * Amends a resting limit order to new_price (ticks) and new_qty (lots, the
 * new total quantity, which must exceed what has been filled). A lower
 * quantity at the same price keeps queue priority; a price change or a
 * higher quantity loses it, and a new price that crosses trades at once.
 */
int lx__engine_amend(struct lx_engine *e, uint32_t account, uint64_t order_id,
                     int64_t new_price, int64_t new_qty, int64_t time,
                     struct lx_eng_result *res);
/*
 * The same, but the order always goes to the back of its price level (a
 * modified USD-M order is reordered in the queue whatever changed).
 */
int lx__engine_amend_requeue(struct lx_engine *e, uint32_t account,
                             uint64_t order_id, int64_t new_price,
                             int64_t new_qty, int64_t time,
                             struct lx_eng_result *res);

/* ---- Queries ------------------------------------------------------------ */

int lx__engine_balance(const struct lx_engine *e, uint32_t account,
                       uint32_t asset, int64_t *free_bal, int64_t *locked);
/* The fees collected (net of rebates) in an asset. */
int64_t lx__engine_fees(const struct lx_engine *e, uint32_t asset);
int lx__engine_order(const struct lx_engine *e, uint64_t order_id,
                     struct lx_eng_order_info *info);
bool lx__engine_order_open(const struct lx_engine *e, uint64_t order_id);
/* Best price and its total qty on a side; LX_ERR_NOTFOUND when empty. */
int lx__engine_best(const struct lx_engine *e, uint32_t inst, int side,
                    int64_t *price, int64_t *qty);
/* Last trade price; LX_ERR_NOTFOUND before the first trade. */
int lx__engine_last_price(const struct lx_engine *e, uint32_t inst,
                          int64_t *price);
uint32_t lx__engine_open_orders(const struct lx_engine *e, uint32_t account);
/*
 * Copies up to cap open orders of inst (book bids best first, then asks,
 * then waiting stops) into out; returns how many exist.
 */
size_t lx__engine_list_orders(const struct lx_engine *e, uint32_t inst,
                              struct lx_eng_order_info *out, size_t cap);
/* One price level: its price (ticks) and total resting size (lots). */
struct lx_eng_level_info {
    int64_t price, qty;
};

/*
 * Copies up to cap levels of side of inst, best first, into out; returns
 * how many there are (also beyond cap). O(cap), not O(orders).
 */
size_t lx__engine_levels(const struct lx_engine *e, uint32_t inst, int side,
                         struct lx_eng_level_info *out, size_t cap);

/*
 * Total resting size (lots) at price (ticks) on side of inst; 0 when no
 * order rests there. O(1): one lookup in the book's price table.
 */
int64_t lx__engine_level_qty(const struct lx_engine *e, uint32_t inst, int side,
                             int64_t price);

/* One resting order of a price level, in queue order (lx__engine_queue). */
struct lx_eng_queue_entry {
    uint64_t id;
    uint32_t account;
    int64_t remaining, filled; /* lots */
};

/*
 * Copies up to cap orders resting at price (ticks) on side of inst into
 * out, front of the queue first; returns how many rest there (0 for no
 * level). O(orders at the level).
 */
size_t lx__engine_queue(const struct lx_engine *e, uint32_t inst, int side,
                        int64_t price, struct lx_eng_queue_entry *out,
                        size_t cap);
/*
 * Bytes the engine has allocated in total (its side-record and client-id
 * pools and table grow with use, so this grows too). *node: the order node
 * the matching loop touches; *per_order: what a plain resting limit order
 * without client id costs (node, time, side-record reference); an order
 * with a side record (stops, market, perp, OCO, ...) or a client id adds
 * that record (docs/engine.md, "Memory"); *per_level: one price level with
 * its index entries.
 */
size_t lx__engine_memory(const struct lx_engine *e, size_t *node,
                         size_t *per_order, size_t *per_level);

/* ---- Decimal boundary ---------------------------------------------------- */

int lx__engine_price_dec(const struct lx_engine *e, uint32_t inst,
                         int64_t ticks, struct lx_decimal *out);
int lx__engine_qty_dec(const struct lx_engine *e, uint32_t inst, int64_t lots,
                       struct lx_decimal *out);
int lx__engine_amount_dec(const struct lx_engine *e, uint32_t asset,
                          int64_t units, struct lx_decimal *out);

/* ---- Log ------------------------------------------------------------------
 */

/*
 * The events since the last lx__engine_events_clear. When more than
 * max_events accumulate the excess is counted in *dropped but still hashed.
 */
const struct lx_eng_event *lx__engine_events(const struct lx_engine *e,
                                             size_t *n, uint64_t *dropped);
void lx__engine_events_clear(struct lx_engine *e);
/* Events ever logged, and the running hash over all of them. */
uint64_t lx__engine_event_count(const struct lx_engine *e);
uint64_t lx__engine_log_hash(const struct lx_engine *e);
/* The stable 64-byte little-endian encoding the hash is taken over. */
void lx__engine_event_encode(const struct lx_eng_event *ev, uint8_t out[64]);
/* FNV-1a 64 over the eight words of ev, continuing from h. */
uint64_t lx__engine_event_hash(uint64_t h, const struct lx_eng_event *ev);
#define LX_ENG_HASH_INIT UINT64_C(0xcbf29ce484222325)

/*
 * Replay: applies one logged event to an engine set up with the same
 * assets, instruments and accounts (and no orders). Applying a whole log
 * rebuilds the book, stops, balances and fees; lx__engine_state_hash then
 * matches the original's. Returns LX_OK or LX_ERR_CORRUPT (the event does
 * not fit the state).
 */
int lx__engine_apply(struct lx_engine *e, const struct lx_eng_event *ev);

/* A hash of the observable state: books in priority order, stops, balances. */
uint64_t lx__engine_state_hash(const struct lx_engine *e);

/*
 * Checks every invariant (sorted, uncrossed books; level totals; locked ==
 * sum of the open orders' locks; no negative balance; supply conserved
 * including fees). O(orders + levels). Returns LX_OK or LX_ERR_CORRUPT.
 */
int lx__engine_check(const struct lx_engine *e);

/* ---- Perpetuals (no allocation) ------------------------------------------ */

/*
 * Account settings on a perp instrument, as Binance's /fapi/v1/leverage,
 * /marginType and /positionSide/dual. A refusal is a business outcome:
 * LX_OK with *reason set (NONE when applied) and a REJECTED event; an
 * applied change logs LEVERAGE / MARGIN_TYPE / POSITION_MODE. LX_ERR_INVAL
 * for unknown ids or a spot instrument.
 *
 * Leverage: 1..max_leverage (BAD_LEVERAGE); with an isolated position it
 * may not drop (LEVERAGE_REDUCTION); in cross it may not leave the
 * available balance negative (MARGIN_INSUFFICIENT). Margin type: NO_CHANGE,
 * HAS_ORDERS, HAS_POSITION on that instrument. Position mode (hedge true):
 * NO_CHANGE, HAS_ORDERS / HAS_POSITION on any perp instrument.
 */
int lx__engine_set_leverage(struct lx_engine *e, uint32_t account,
                            uint32_t inst, uint32_t leverage, int64_t time,
                            int *reason);
int lx__engine_set_margin_type(struct lx_engine *e, uint32_t account,
                               uint32_t inst, int margin_type, int64_t time,
                               int *reason);
int lx__engine_set_position_mode(struct lx_engine *e, uint32_t account,
                                 bool hedge, int64_t time, int *reason);

/*
 * Mark price input (ticks > 0; LX_ERR_RANGE outside the instrument's
 * min/max price): logged as MARK, then mark-price conditional orders and
 * trailing stops are checked, then liquidations (docs/engine.md).
 */
int lx__engine_set_mark(struct lx_engine *e, uint32_t inst, int64_t mark,
                        int64_t time);

/*
 * Funding at rate_e8 (10^-8, positive: longs pay shorts) on the mark (the
 * last trade price without one; LX_ERR_NOTFOUND with neither). One FUNDING
 * event per open position; payers pay the amount rounded up, receivers get
 * it rounded down, the insurance fund keeps the difference.
 */
int lx__engine_funding(struct lx_engine *e, uint32_t inst, int64_t rate_e8,
                       int64_t time);

struct lx_eng_position {
    int64_t size;        /* signed lots (hedge: LONG >= 0, SHORT <= 0) */
    int64_t cost;        /* entry cost, margin units (sum of open notional) */
    int64_t entry_price; /* ticks, cost / (|size| * k), truncated */
    int64_t isolated_margin;
    int64_t realized;     /* realized PnL of this position, before fees */
    int64_t mark;         /* ticks; the entry price without a mark */
    int64_t notional;     /* |size| * mark * k */
    int64_t upnl;         /* size * mark * k - signed cost */
    int64_t init_margin;  /* ceil(notional / leverage) */
    int64_t maint_margin; /* ceil(notional * mmr) */
    uint32_t leverage;
    uint8_t margin_type;
    bool hedge;
};

/* The position of account on inst (pos_side BOTH, or LONG/SHORT in hedge). */
int lx__engine_position(const struct lx_engine *e, uint32_t account,
                        uint32_t inst, int pos_side,
                        struct lx_eng_position *out);

/* An account's margin summary in one margin asset (docs/engine.md). */
struct lx_eng_margin {
    int64_t wallet;         /* free + locked + isolated margins */
    int64_t upnl;           /* all positions */
    int64_t margin_balance; /* wallet + upnl */
    int64_t position_im;    /* sum of init_margin */
    int64_t order_im;       /* locked by open orders */
    int64_t maint_margin;   /* sum of maint_margin */
    int64_t available;      /* free + cross upnl - cross position_im */
};

int lx__engine_margin(const struct lx_engine *e, uint32_t account,
                      uint32_t asset, struct lx_eng_margin *out);
/* The insurance fund in an asset (liquidation remainders, funding residue). */
int64_t lx__engine_insurance(const struct lx_engine *e, uint32_t asset);

/* ---- Names and venue mapping ------------------------------------------- */

const char *lx__engine_reason_name(int reason);
/*
 * Binance spot's error code and message for a rejection reason, or code 0
 * for expiry-only reasons (those are order states, not errors).
 */
void lx__engine_reason_binance(int reason, int *code, const char **msg);
/*
 * The same for Binance USD-M futures (perp books): spot's table with the
 * futures codes where they differ (-2021 would trigger, -4116 duplicate
 * client id, -2025 max open orders, -2019 margin); setting 1 for a
 * rejection of lx__engine_set_position_mode (-4059, -4067, -4068).
 */
void lx__engine_reason_binance_usdm(int reason, int setting, int *code,
                                    const char **msg);

#endif
