/*
 * lx_types.h - the unified market and account types every venue codec maps
 * its wire messages into: instruments, orders (requests and states), fills,
 * balances, positions, trades, klines, funding and mark prices, book
 * levels, depth snapshots and diffs, tickers.
 *
 * Values: every price, quantity, rate and amount is a struct lx_decimal
 * parsed from the venue's exact decimal string (never a double), so it
 * renders back byte for byte. A decimal a venue did not send is {0, 0};
 * where absence matters the struct has a has_* flag. Times are venue
 * milliseconds since the Unix epoch (int64), 0 when not sent. Identifiers
 * are NUL-terminated strings in fixed arrays (venue order ids are numbers
 * on some venues and strings on others; the string form covers both), and
 * a value longer than its array is an error (LX_ERR_TOOBIG), never
 * truncated.
 *
 * Ownership: the structs are plain values. The only pointers are arrays
 * (book levels, fills, balances, positions, instruments), which a codec
 * allocates from a struct lx_arena the caller passes in: they stay valid
 * until that arena is reset or freed, and are never freed one by one. A
 * typical loop owns one arena per connection and resets it after each
 * message has been handled.
 *
 * Threads: the arena is not thread-safe; use one from one thread. The name
 * functions are pure and may be called from anywhere.
 */
#ifndef LOTUSX_LX_TYPES_H
#define LOTUSX_LX_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lx_common.h"
#include "lx_decimal.h"
#include "lx_mem.h"

/* Array sizes of the string fields, NUL included. */
#define LX_SYMBOL_LEN    40
#define LX_ASSET_LEN     24
#define LX_ORDER_ID_LEN  48
#define LX_CLIENT_ID_LEN 64
#define LX_INTERVAL_LEN  8
#define LX_TAG_LEN       32
#define LX_REASON_LEN    128

/* ---- Enumerations (0 is always "not sent / unknown") ------------------- */

enum lx_side { LX_SIDE_NONE = 0, LX_SIDE_BUY, LX_SIDE_SELL };

/*
 * Order types. Spot venues name the trigger orders stop-loss and
 * take-profit (a market order when triggered) and their -limit variants;
 * perpetual venues name the first two stop-market and take-profit-market.
 * Both spellings exist here because both exist on the wire; a codec maps
 * the one the venue lacks onto its nearest equivalent and documents it.
 */
enum lx_order_type {
    LX_ORDER_NONE = 0,
    LX_ORDER_MARKET,
    LX_ORDER_LIMIT,
    LX_ORDER_STOP_LOSS,          /* trigger, then market */
    LX_ORDER_STOP_LOSS_LIMIT,    /* trigger, then limit */
    LX_ORDER_TAKE_PROFIT,        /* trigger, then market */
    LX_ORDER_TAKE_PROFIT_LIMIT,  /* trigger, then limit */
    LX_ORDER_LIMIT_MAKER,        /* post-only limit */
    LX_ORDER_STOP_MARKET,        /* perp: trigger, then market */
    LX_ORDER_TAKE_PROFIT_MARKET, /* perp: trigger, then market */
    LX_ORDER_TRAILING_STOP,      /* perp: trailing stop, then market */
    LX_ORDER_LIQUIDATION         /* venue-initiated (reports only) */
};
#define LX_ORDER_TYPE_COUNT 12

enum lx_tif {
    LX_TIF_NONE = 0,
    LX_TIF_GTC, /* good till cancelled */
    LX_TIF_IOC, /* immediate or cancel */
    LX_TIF_FOK, /* fill or kill */
    LX_TIF_GTX, /* good till crossing: post-only */
    LX_TIF_GTD  /* good till date */
};

enum lx_order_status {
    LX_STATUS_NONE = 0,
    LX_STATUS_NEW,
    LX_STATUS_PARTIALLY_FILLED,
    LX_STATUS_FILLED,
    LX_STATUS_CANCELED,
    LX_STATUS_PENDING_CANCEL,
    LX_STATUS_REJECTED,
    LX_STATUS_EXPIRED,
    LX_STATUS_EXPIRED_IN_MATCH,
    LX_STATUS_PENDING_NEW,
    LX_STATUS_OTHER /* a status this version does not know */
};

/* What happened to an order in an update event. */
enum lx_exec_type {
    LX_EXEC_NONE = 0,
    LX_EXEC_NEW,
    LX_EXEC_CANCELED,
    LX_EXEC_REPLACED,
    LX_EXEC_REJECTED,
    LX_EXEC_TRADE,
    LX_EXEC_EXPIRED,
    LX_EXEC_TRADE_PREVENTION,
    LX_EXEC_AMENDMENT,
    LX_EXEC_CALCULATED, /* liquidation execution */
    LX_EXEC_OTHER
};

enum lx_position_side {
    LX_POS_NONE = 0,
    LX_POS_BOTH, /* one-way mode */
    LX_POS_LONG,
    LX_POS_SHORT
};

enum lx_margin_type { LX_MARGIN_NONE = 0, LX_MARGIN_CROSS, LX_MARGIN_ISOLATED };

/* Which price a trigger order watches. */
enum lx_working_type {
    LX_WORKING_NONE = 0,
    LX_WORKING_CONTRACT_PRICE,
    LX_WORKING_MARK_PRICE
};

enum lx_instrument_kind {
    LX_KIND_NONE = 0,
    LX_KIND_SPOT,
    LX_KIND_PERP,  /* perpetual swap */
    LX_KIND_FUTURE /* dated future */
};

enum lx_instrument_status {
    LX_INST_NONE = 0,
    LX_INST_TRADING,
    LX_INST_HALTED, /* BREAK, HALT, CLOSE... */
    LX_INST_PRE_TRADING,
    LX_INST_SETTLING, /* SETTLING, DELIVERING, DELIVERED */
    LX_INST_OTHER
};

/* ---- Instruments --------------------------------------------------------- */

/*
 * One tradable instrument with its filters. A filter the venue did not send
 * is zero; a step of zero means "no step" (Binance's MARKET_LOT_SIZE sends
 * stepSize "0.00000000"). price_scale and qty_scale are the number of
 * fractional digits the venue writes prices and quantities with (the scale
 * of tick_size and lot_step as sent: "0.01000000" gives 8), which is not
 * the same as the precision of the grid (normalize the step for that).
 */
struct lx_instrument {
    char symbol[LX_SYMBOL_LEN];
    char base[LX_ASSET_LEN];
    char quote[LX_ASSET_LEN];
    char settle[LX_ASSET_LEN]; /* margin asset of a derivative; "" spot */
    enum lx_instrument_kind kind;
    enum lx_instrument_status status;
    char status_raw[LX_TAG_LEN]; /* the venue's own word */
    struct lx_decimal tick_size, min_price, max_price;
    struct lx_decimal lot_step, min_qty, max_qty;
    struct lx_decimal market_lot_step, market_min_qty, market_max_qty;
    struct lx_decimal min_notional, max_notional;
    uint8_t price_scale, qty_scale;
    uint32_t order_types; /* bit (1u << enum lx_order_type) per type */
    int64_t onboard_ms, delivery_ms;
};

/* ---- Book ---------------------------------------------------------------- */

struct lx_level {
    struct lx_decimal price;
    struct lx_decimal qty; /* absolute size; 0 removes the level */
};

/*
 * A book snapshot (is_snapshot, last_update_id set) or a diff. For a diff,
 * first_id and final_id are the first and last update ids it covers
 * (Binance U and u) and prev_final_id is the previous diff's final id when
 * the venue chains diffs (Binance USD-M pu), else -1.
 */
struct lx_depth {
    char symbol[LX_SYMBOL_LEN]; /* "" when the venue does not say */
    bool is_snapshot;
    int64_t last_update_id;
    int64_t first_id, final_id, prev_final_id;
    int64_t event_ms, tx_ms;
    struct lx_level *bids; /* best first as sent; arena-owned */
    size_t nbids;
    struct lx_level *asks;
    size_t nasks;
};

/* Best bid and offer. */
struct lx_book_ticker {
    char symbol[LX_SYMBOL_LEN];
    int64_t update_id;
    struct lx_decimal bid, bid_qty, ask, ask_qty;
    int64_t event_ms, tx_ms;
};

/* ---- Market data --------------------------------------------------------- */

/*
 * A public trade. For an aggregated trade (is_aggregate) trade_id is the
 * aggregate id and first/last_trade_id the range it covers.
 */
struct lx_trade {
    char symbol[LX_SYMBOL_LEN];
    int64_t trade_id;
    bool is_aggregate;
    int64_t first_trade_id, last_trade_id;
    struct lx_decimal price, qty;
    bool buyer_is_maker;
    enum lx_side taker_side; /* SELL when the buyer was the maker */
    int64_t trade_ms, event_ms;
};

struct lx_kline {
    char symbol[LX_SYMBOL_LEN];
    char interval[LX_INTERVAL_LEN]; /* "1m", "1h"...; "" when not sent */
    int64_t open_ms, close_ms;
    struct lx_decimal open, high, low, close;
    struct lx_decimal volume, quote_volume;
    struct lx_decimal taker_buy_volume, taker_buy_quote_volume;
    int64_t trades;
    int64_t first_trade_id, last_trade_id; /* -1 when not sent */
    bool closed;                           /* the bar is final */
    int64_t event_ms;
};

/* Mark price, index and funding of a perpetual. */
struct lx_mark_price {
    char symbol[LX_SYMBOL_LEN];
    struct lx_decimal mark, index, est_settle;
    struct lx_decimal funding_rate, interest_rate;
    int64_t next_funding_ms, event_ms;
};

/* A realised funding rate (history). */
struct lx_funding_rate {
    char symbol[LX_SYMBOL_LEN];
    struct lx_decimal rate, mark;
    int64_t funding_ms;
};

/* 24 h statistics; fields the venue did not send are zero. */
struct lx_ticker {
    char symbol[LX_SYMBOL_LEN];
    struct lx_decimal last, open, high, low, change, change_pct;
    struct lx_decimal volume, quote_volume;
    struct lx_decimal bid, bid_qty, ask, ask_qty;
    int64_t open_ms, close_ms, trades;
};

/* ---- Orders -------------------------------------------------------------- */

/* How much the venue should answer to an order placement. */
enum lx_resp_type {
    LX_RESP_DEFAULT = 0, /* the venue's default; nothing sent */
    LX_RESP_ACK,
    LX_RESP_RESULT,
    LX_RESP_FULL
};

/*
 * An order to place. Only the fields whose has_* flag is set (and
 * non-empty strings, and true booleans) go on the wire, in the venue's
 * documented order.
 */
struct lx_order_req {
    char symbol[LX_SYMBOL_LEN];
    enum lx_side side;
    enum lx_order_type type;
    enum lx_tif tif;
    enum lx_position_side position_side; /* NONE: not sent */
    char client_id[LX_CLIENT_ID_LEN];    /* "": venue generates one */
    bool has_qty, has_quote_qty, has_price, has_stop_price;
    bool has_activation_price, has_callback_rate, has_trailing_delta;
    bool has_iceberg_qty;
    struct lx_decimal qty, quote_qty, price, stop_price;
    struct lx_decimal activation_price, callback_rate, iceberg_qty;
    int64_t trailing_delta; /* basis points (spot trailing stops) */
    int64_t good_till_ms;   /* expiry of a LX_TIF_GTD order */
    bool reduce_only, close_position, price_protect;
    enum lx_working_type working_type;
    enum lx_resp_type resp_type;
};

/* One execution of one of our orders. */
struct lx_fill {
    char symbol[LX_SYMBOL_LEN];
    char order_id[LX_ORDER_ID_LEN];
    char client_id[LX_CLIENT_ID_LEN];
    int64_t trade_id;
    enum lx_side side;
    struct lx_decimal price, qty, commission;
    char commission_asset[LX_ASSET_LEN];
    struct lx_decimal realized_pnl, quote_qty;
    enum lx_position_side position_side;
    bool maker;
    int64_t trade_ms;
};

/*
 * An order as the venue reports it: a placement answer, a query, an open
 * order, a cancel answer or an update event. last_* and exec_type are set
 * by update events; fills by answers that carry them (Binance FULL).
 * avg_price is what the venue sends (zero when it sends none, as Binance
 * spot: divide cum_quote by filled_qty at the scale you need); nothing here
 * is derived, so every value is the venue's own.
 */
struct lx_order {
    char symbol[LX_SYMBOL_LEN];
    char order_id[LX_ORDER_ID_LEN];
    char client_id[LX_CLIENT_ID_LEN];
    char orig_client_id[LX_CLIENT_ID_LEN]; /* of the order cancelled */
    enum lx_side side;
    enum lx_order_type type;
    enum lx_order_type orig_type;
    enum lx_tif tif;
    enum lx_order_status status;
    char status_raw[LX_TAG_LEN];
    enum lx_exec_type exec_type;
    enum lx_position_side position_side;
    enum lx_working_type working_type;
    struct lx_decimal price, qty, quote_qty, filled_qty, cum_quote;
    struct lx_decimal avg_price, stop_price, activation_price;
    struct lx_decimal callback_rate, iceberg_qty;
    bool reduce_only, close_position, is_working, has_details;
    /*
     * A conditional order held by the venue's trigger service (Binance
     * USD-M algo orders): order_id is the algo id, client_id the client
     * algo id, and actual_order_id the order it became once triggered.
     */
    bool is_algo;
    char actual_order_id[LX_ORDER_ID_LEN];
    int64_t list_id; /* -1 when not part of an order list */
    int64_t create_ms, update_ms, event_ms;
    /* The last execution (update events). */
    struct lx_decimal last_qty, last_price, commission, realized_pnl;
    char commission_asset[LX_ASSET_LEN];
    int64_t trade_id;
    bool maker;
    char reject_reason[LX_REASON_LEN];
    struct lx_fill *fills; /* arena-owned */
    size_t nfills;
};

/* ---- Account ------------------------------------------------------------- */

/*
 * One asset of an account. Spot venues give free and locked; margin
 * accounts give the wallet balance (wallet), what is available (free) and
 * the cross-margin figures. delta is set by balance-change events.
 */
struct lx_balance {
    char asset[LX_ASSET_LEN];
    struct lx_decimal free, locked;
    struct lx_decimal wallet, cross_wallet, unrealized_pnl, delta;
    int64_t update_ms;
};

/* A derivative position; amount is signed (negative is short). */
struct lx_position {
    char symbol[LX_SYMBOL_LEN];
    enum lx_position_side side;
    enum lx_margin_type margin_type;
    struct lx_decimal amount, entry_price, break_even_price;
    struct lx_decimal mark_price, liquidation_price, unrealized_pnl;
    struct lx_decimal realized_pnl, notional, isolated_wallet;
    struct lx_decimal initial_margin, maint_margin;
    int64_t leverage; /* 0 when not sent */
    int64_t update_ms;
};

/* ---- Names ----------------------------------------------------------------
 */

/*
 * Lower-case names of the enum values ("buy", "stop_loss_limit", "gtc",
 * "partially_filled", ...) for logs and tests; "none" for 0 and "unknown"
 * for values out of range. Static strings.
 */
LX_EXTERN const char *lx_side_name(int v);
LX_EXTERN const char *lx_order_type_name(int v);
LX_EXTERN const char *lx_tif_name(int v);
LX_EXTERN const char *lx_order_status_name(int v);
LX_EXTERN const char *lx_exec_type_name(int v);
LX_EXTERN const char *lx_position_side_name(int v);

/* ---- Arena ----------------------------------------------------------------
 */

/*
 * A bump allocator for the arrays the codecs return. Allocations are
 * 16-byte aligned and zero-filled, live until lx_arena_reset or
 * lx_arena_free, and are never freed individually. Memory comes from mem
 * in chunks; reset keeps the first chunk for reuse and frees the others.
 */
struct lx_arena;

/* Default cap on an arena's total size (LX_ERR_TOOBIG beyond it). */
#define LX_ARENA_DEFAULT_MAX (64u * 1024u * 1024u)

/*
 * Creates an arena allocating through mem (NULL = libc; it must outlive
 * the arena) that refuses to grow past max bytes (0 = LX_ARENA_DEFAULT_MAX).
 * Returns LX_OK, LX_ERR_INVAL (out NULL) or LX_ERR_NOMEM; *out is NULL on
 * error. Free it with lx_arena_free.
 */
LX_EXTERN int lx_arena_new(struct lx_arena **out, const struct lx_mem *mem,
                           size_t max);

/* Frees the arena and everything allocated from it; NULL is allowed. */
LX_EXTERN void lx_arena_free(struct lx_arena *a);

/* Invalidates every allocation and makes the memory reusable. */
LX_EXTERN void lx_arena_reset(struct lx_arena *a);

/*
 * Returns n zeroed bytes (n 0 gives a valid unique pointer), or NULL when
 * a is NULL, the cap would be exceeded, or mem failed; lx_arena_error then
 * says which (LX_ERR_TOOBIG or LX_ERR_NOMEM).
 */
LX_EXTERN void *lx_arena_alloc(struct lx_arena *a, size_t n);

/* nmemb * size bytes with an overflow check; as lx_arena_alloc. */
LX_EXTERN void *lx_arena_alloc_array(struct lx_arena *a, size_t nmemb,
                                     size_t size);

/* The error of the last failed allocation (LX_OK if none since reset). */
LX_EXTERN int lx_arena_error(const struct lx_arena *a);

/* Bytes handed out since the last reset. */
LX_EXTERN size_t lx_arena_used(const struct lx_arena *a);

#endif
