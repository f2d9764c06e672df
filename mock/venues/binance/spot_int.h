/*
 * spot_int.h - what spot.c (state, engine events, streams) and
 * spot_routes.c (REST) share. Private to the Binance spot mock.
 */
#ifndef LOTUSX_MOCK_BINANCE_SPOT_INT_H
#define LOTUSX_MOCK_BINANCE_SPOT_INT_H

#include "book/book_int.h"
#include "lotusx/lx_types.h"
#include "mock/engine/engine.h"
#include "mock/server/mock.h"
#include "mock/server/sb.h"
#include "mock/venues/binance/auth.h"
#include "mock/venues/binance/spot.h"

#define BN_MAX_SYMBOLS  16
#define BN_MAX_ASSETS   32
#define BN_MAX_ACCOUNTS 64
#define BN_TRADES       1000 /* recent trades kept per symbol */
#define BN_SCALE        8    /* spot renders amounts with 8 decimals */

struct bn_level {
    int64_t price, qty; /* ticks, lots */
};

/*
 * One depth push window (@depth@100ms or @depth at 1000 ms): the book as
 * of the last push and the first update id not pushed yet.
 */
/* A published level's quantity before its first change in a window. */
struct bn_wchg {
    int64_t price, old;
    size_t seq; /* order of the change, to find the first per price */
};

/*
 * A depth window (depth@100ms, depth@1s): the levels changed since its
 * last push, per side, each with the quantity the last push showed.
 */
struct bn_win {
    struct bn_wchg *chg[2]; /* [0] bids, [1] asks */
    size_t nchg[2], chg_cap[2];
    int64_t first_id;
};

enum { BN_WIN_100MS = 0, BN_WIN_1S, BN_NWIN };

struct bn_symbol {
    char name[LX_SYMBOL_LEN], lower[LX_SYMBOL_LEN];
    char base[LX_ASSET_LEN], quote[LX_ASSET_LEN];
    uint32_t inst, base_asset, quote_asset;
    struct lx_decimal tick, lot, min_qty, max_qty, min_price, max_price;
    struct lx_decimal min_notional;
    int64_t update_id; /* depth sequence shared by REST and streams */
    int64_t next_trade_id;
    struct lx_trade *trades; /* ring of BN_TRADES */
    size_t ntrades, trade_head;
    /*
     * The book as last published, pub[0] bids (key = price) and pub[1]
     * asks (key = -price): the connector's blocked side (book_int.h), so
     * a change anywhere in a deep book moves at most one block's tail.
     */
    struct lx__bside pub[2];
    /* open orders and open algo (stop, take-profit) orders per account */
    uint32_t nopen[BN_MAX_ACCOUNTS], nalgo[BN_MAX_ACCOUNTS];
    /*
     * Prices whose levels the engine events since the last publish may
     * have changed (either side); publish_depth compares only those with
     * the published book. touch_all: compare everything (an event whose
     * price is unknown, or too many prices).
     */
    int64_t *touched;
    size_t ntouched, touched_cap;
    bool touch_all;
    int64_t bbo[4]; /* bid, bid qty, ask, ask qty last published */
    struct bn_win win[BN_NWIN];
    /*
     * GET /api/v3/depth's last answer body, valid while the published book
     * is the one it was rendered from: same update_id (a new book always
     * takes a new one) and the same level counts per side.
     */
    struct lx_mock_sb depth_body;
    int64_t depth_id;
    size_t depth_nb, depth_na;
};

struct bn_asset {
    char name[LX_ASSET_LEN];
    uint32_t id;
};

#define BN_TOMB UINT64_MAX /* a removed record's id */

/* One entry of the client-id index: id 0 free, BN_TOMB removed. */
struct bn_cid_ent {
    uint64_t id;
    uint32_t hash, account;
};

/* An order as the venue reports it, kept after it is closed. */
struct bn_order {
    uint64_t id; /* engine id = Binance orderId; 0 = free slot */
    uint32_t account;
    uint16_t sym;
    uint8_t side, type, tif, stp, state;
    uint8_t working;
    uint8_t amends;  /* keepPriority amendments so far (MAX_NUM_ORDER_AMENDS) */
    uint8_t retired; /* closed and queued for the history (spot.c) */
    uint8_t counted; /* open, counted in its symbol's nopen / nalgo */
    uint32_t list;   /* index + 1 of its order list in v->lists, 0: none */
    int64_t price, stop_price, orig_qty, exec_qty; /* ticks, lots */
    int64_t cum_quote, orig_quote;                 /* quote asset units */
    int64_t time_ms, update_ms;
    char cid[LX_ENG_CID_MAX + 1];
};

/* One fill of an account, for GET /api/v3/myTrades. */
struct bn_my_trade {
    uint64_t order_id;
    int64_t trade_id, price, qty, quote, fee, time_ms;
    uint32_t fee_asset;
    uint16_t sym;
    uint8_t buyer, maker;
};

#define BN_MY_TRADES 1000 /* kept per account */

/*
 * An order list (OCO), kept after it is done. Its orderListId is its index
 * in v->lists. orders[0] is the stop-loss leg, orders[1] the other.
 */
struct bn_list {
    uint32_t account;
    uint16_t sym;
    uint8_t done; /* ALL_DONE: a leg traded, triggered or went */
    uint64_t orders[2];
    int64_t time_ms, update_ms;
    char cid[LX_ENG_CID_MAX + 1]; /* listClientOrderId */
};

struct bn_my_ring {
    struct bn_my_trade *t;
    size_t n, head;
};

/* An executionReport waiting for the end of the drain (see spot.c). */
struct bn_exec {
    uint64_t order_id;
    uint8_t x, X; /* execution type (enum bn_x), order state */
    uint8_t maker;
    uint32_t fee_asset;
    int64_t l, L, n, t, z, Z, Y, T; /* engine units; t = -1 without trade */
    int64_t I;                      /* execution id (venue-wide sequence) */
    char C[LX_ENG_CID_MAX + 1];     /* original client order id, or "" */
};

enum bn_x {
    BN_X_NEW,
    BN_X_TRADE,
    BN_X_CANCELED,
    BN_X_EXPIRED,
    BN_X_AMENDMENT, /* rendered "REPLACED" (enums.md execution types) */
    BN_X_TRADE_PREVENTION
};

#define BN_MAX_LISTEN 64

struct bn_listen {
    char key[65];
    char stream[24]; /* "user@<account>" */
    uint32_t account;
};

/* A deposit or withdrawal waiting for the end of the drain (balanceUpdate). */
struct bn_bal_upd {
    uint32_t account, asset;
    int64_t delta, time_ms; /* engine units, signed */
};

#define BN_BAL_UPDS 16 /* per drain; more are dropped (one per admin call) */

/* One fill of the order a REST call placed, for newOrderRespType FULL. */
struct bn_fill {
    int64_t price, qty, fee, trade_id;
    uint32_t fee_asset;
};

struct lx_mock_bn_spot {
    struct lx_clock *clock;
    struct lx_mock_door *door;
    struct lx_mock_bn_hub *hub;
    struct lx_engine *eng;
    struct bn_symbol syms[BN_MAX_SYMBOLS];
    size_t nsyms;
    struct bn_asset assets[BN_MAX_ASSETS];
    size_t nassets;
    struct lx_mock_bn_key keys[BN_MAX_ACCOUNTS];
    char *key_strs[BN_MAX_ACCOUNTS];
    struct lx_decimal maker_fee[BN_MAX_ACCOUNTS], taker_fee[BN_MAX_ACCOUNTS];
    size_t naccounts;
    /*
     * Orders by id: open addressing, linear probing; a removed order
     * leaves a tombstone (id BN_TOMB) so no other record moves until the
     * table is rebuilt by order_new. norders counts live records, ntombs
     * tombstones, orders_made every order ever recorded. A rebuild at the
     * same size happens in place through orders_tmp (kept: no fresh pages
     * to fault in every few thousand closed orders).
     */
    struct bn_order *orders;
    size_t orders_cap, norders, ntombs;
    struct bn_order *orders_tmp;
    size_t orders_tmp_cap;
    uint64_t orders_made;
    /* (account, client id) -> the newest order with it; the same scheme. */
    struct bn_cid_ent *cids;
    size_t cids_cap, ncids, cid_tombs;
    /*
     * Closed orders kept for queries, oldest first (a ring of ids): past
     * max_closed the oldest are forgotten; the venue's own market accounts
     * (no_history) keep none. Both apply at the start of the next drain,
     * so a route may still read the order it just closed.
     */
    uint64_t *closed;
    size_t closed_head, nclosed, closed_cap, max_closed;
    uint64_t *retiring; /* closed during the current drain */
    size_t nretiring, retiring_cap;
    bool no_history[BN_MAX_ACCOUNTS];
    struct lx_eng_order_info *scratch;
    size_t scratch_cap;
    struct bn_fill *fills; /* the current call's taker fills */
    size_t nfills, fills_cap;
    uint64_t fills_for;    /* order id the fills belong to */
    struct bn_exec *execs; /* reports of the current drain */
    size_t nexecs, execs_cap;
    int64_t exec_seq;      /* the last execution id given */
    struct bn_list *lists; /* order lists by orderListId */
    size_t nlists, lists_cap;
    uint32_t pending_list; /* index + 1 of the list whose legs are placed */
    uint32_t *list_q; /* lists whose listStatus waits for the drain's end */
    size_t nlist_q, list_q_cap;
    /* keepPriority: the order's client id before the amendment ("C") */
    char amend_orig_cid[LX_ENG_CID_MAX + 1];
    uint32_t bal_dirty[BN_MAX_ACCOUNTS]; /* bit per asset id */
    struct bn_my_ring my[BN_MAX_ACCOUNTS];
    struct bn_listen listen[BN_MAX_LISTEN];
    size_t nlisten;
    uint64_t listen_seq;
    struct lx_mock_sb sb, sb2;
    struct lx_timer *win_timer[BN_NWIN]; /* run while changes wait */
    /* secrets and Ed25519 public keys of the accounts the admin API
     * created (one of the two per account is NULL), freed with the venue */
    struct lx_secret *owned[BN_MAX_ACCOUNTS];
    size_t nowned;
    struct evp_pkey_st *owned_pk[BN_MAX_ACCOUNTS];
    size_t nowned_pk;
    struct bn_bal_upd bal_upds[BN_BAL_UPDS]; /* the current drain's */
    size_t nbal_upds;
};

/* spot.c */
struct bn_symbol *lx__mbn_sym(struct lx_mock_bn_spot *v, const char *name);
/* The symbol trading engine instrument inst, or NULL. */
struct bn_symbol *lx__mbn_sym_by_inst(struct lx_mock_bn_spot *v, uint32_t inst);
struct bn_order *lx__mbn_order(struct lx_mock_bn_spot *v, uint64_t id);
/* Gives o a new client order id (keepPriority), index included. */
void lx__mbn_order_set_cid(struct lx_mock_bn_spot *v, struct bn_order *o,
                           const char *cid);
struct bn_order *lx__mbn_order_by_cid(struct lx_mock_bn_spot *v,
                                      uint32_t account, const char *cid);
/* LX_OK when every symbol's published book is the engine's (tests). */
int lx__mbn_check_depth(struct lx_mock_bn_spot *v);
/* Processes the engine's new events: orders, trades, streams. */
int lx__mbn_drain(struct lx_mock_bn_spot *v);
int64_t lx__mbn_now_ms(const struct lx_mock_bn_spot *v);
int64_t lx__mbn_now_ns(const struct lx_mock_bn_spot *v);
/* Engine units to decimals at BN_SCALE ("1.50000000"). */
struct lx_decimal lx__mbn_px(const struct lx_mock_bn_spot *v,
                             const struct bn_symbol *s, int64_t ticks);
struct lx_decimal lx__mbn_qty(const struct lx_mock_bn_spot *v,
                              const struct bn_symbol *s, int64_t lots);
struct lx_decimal lx__mbn_amt(const struct lx_mock_bn_spot *v, uint32_t asset,
                              int64_t units);
const char *lx__mbn_asset_name(const struct lx_mock_bn_spot *v, uint32_t id);
const char *lx__mbn_type_name(int type);
const char *lx__mbn_tif_name(int tif);
const char *lx__mbn_state_name(int state);
const char *lx__mbn_stp_name(int stp);

/* orderListId of o, or -1. */
int64_t lx__mbn_list_id(const struct bn_order *o);

/* Stop and take-profit types: the ones MAX_NUM_ALGO_ORDERS counts. */
bool lx__mbn_is_algo(int type);

#define BN_MAX_NUM_ORDERS      200 /* open orders a symbol (filters.md) */
#define BN_MAX_NUM_ALGO_ORDERS 5   /* of them stop / take-profit types */

/*
 * Whether account may open n more orders on symbol s, nalgo of them stop
 * or take-profit types (MAX_NUM_ORDERS, MAX_NUM_ALGO_ORDERS; market
 * accounts have no limit). 0, or -1 with the -1013 message in *msg.
 */
int lx__mbn_order_room(const struct lx_mock_bn_spot *v, uint32_t account,
                       const struct bn_symbol *s, unsigned n, unsigned nalgo,
                       const char **msg);
/* Appends a new order list; NULL when out of memory. */
struct bn_list *lx__mbn_list_new(struct lx_mock_bn_spot *v);
/*
 * Publishes the listStatus event of list idx on its account's stream; l is
 * the listStatusType, NULL for EXEC_STARTED or ALL_DONE by the list's state.
 */
void lx__mbn_list_publish(struct lx_mock_bn_spot *v, size_t idx, const char *l);

/* The user-data stream name of an engine account ("user@3"). */
void lx__mbn_user_stream(uint32_t account, char out[24]);

/* spot_routes.c */
int lx__mbn_spot_routes(struct lx_mock_bn_spot *v);
/* Request weight of GET /api/v3/depth for a limit. */
int lx__mbn_depth_weight(int64_t limit);

#endif
