/*
 * usdm.h - the simulated Binance USD-M futures venue of lotusx-mock: linear
 * perpetual symbols on the matching engine's perp books, margin accounts
 * reached by API key, and the /fapi REST routes (market data, signed
 * orders, positions, leverage and margin settings) on their own door.
 * Mark prices and funding are inputs (the synthetic market or a test sets
 * them); funding runs every 8 h of the mock's clock once started.
 *
 * Streams (market and user data) go to a hub when one is set. What is
 * missing is listed in docs/mock.md ("Binance USD-M futures").
 */
#ifndef LOTUSX_MOCK_BINANCE_USDM_H
#define LOTUSX_MOCK_BINANCE_USDM_H

#include <stdint.h>

#include "mock/venues/binance/spot.h"

struct lx_mock_bn_usdm;

/* Creates the venue and registers its /fapi routes on door (borrowed). */
int lx_mock_bn_usdm_new(struct lx_mock_bn_usdm **out, struct lx_clock *clock,
                        struct lx_mock_door *door, const char **why);
void lx_mock_bn_usdm_free(struct lx_mock_bn_usdm *v);

/* A perpetual on base/quote; quote is the margin asset. */
int lx_mock_bn_usdm_add_symbol(struct lx_mock_bn_usdm *v,
                               const struct lx_mock_bn_symbol_cfg *cfg,
                               const char **why);
/* An account (balances of the margin asset; others are ignored). */
int lx_mock_bn_usdm_add_account(struct lx_mock_bn_usdm *v,
                                const struct lx_mock_bn_account_cfg *cfg,
                                uint32_t *id, const char **why);

/* Sets the mark (and index) price of symbol, a decimal string. */
int lx_mock_bn_usdm_set_mark(struct lx_mock_bn_usdm *v, const char *symbol,
                             const char *mark);
/* The funding rate applied at the next funding time ("0.0001"). */
int lx_mock_bn_usdm_set_funding_rate(struct lx_mock_bn_usdm *v,
                                     const char *symbol, const char *rate);
/* Settles funding on every symbol now and records it (fundingRate). */
int lx_mock_bn_usdm_fund(struct lx_mock_bn_usdm *v);
/* Starts the 8-hourly funding timer (00:00, 08:00, 16:00 UTC). */
int lx_mock_bn_usdm_start(struct lx_mock_bn_usdm *v);

/* Cancels every open order of account on symbol. */
int lx_mock_bn_usdm_cancel_all(struct lx_mock_bn_usdm *v, uint32_t account,
                               const char *symbol);

/* Places an order directly (market makers, tests), as POST /fapi/v1/order. */
int lx_mock_bn_usdm_place(struct lx_mock_bn_usdm *v, uint32_t account,
                          const char *symbol, const char *side,
                          const char *type, const char *price, const char *qty,
                          int *rejected);

/*
 * Publishes the venue's market streams on hub (borrowed): <s>@trade,
 * @aggTrade, @bookTicker on change, @depth@100ms diffs (U, u, pu chained
 * to REST lastUpdateId), @markPrice@1s and @markPrice (3 s).
 */
struct lx_mock_bn_hub;
int lx_mock_bn_usdm_set_hub(struct lx_mock_bn_usdm *v,
                            struct lx_mock_bn_hub *hub);

/*
 * ---- engine access for a recorded market (tape.c) ----------------------
 * The venue's engine, clock and a symbol's instrument id and steps; the
 * mark the venue reports (after lx__engine_set_mark); a fee-free market
 * account (liquidity of a replayed book) holding units (10^-8) of the
 * margin asset; and the venue's drain after direct engine calls, which
 * also publishes the trades whose maker has no order record.
 */
struct lx_engine;
struct lx_engine *lx__mbum_engine(struct lx_mock_bn_usdm *v);
int64_t lx__mbum_now_ns(const struct lx_mock_bn_usdm *v);
int lx__mbum_symbol(struct lx_mock_bn_usdm *v, const char *name, uint32_t *inst,
                    struct lx_decimal *tick, struct lx_decimal *lot);
void lx__mbum_note_mark(struct lx_mock_bn_usdm *v, uint32_t inst,
                        int64_t ticks);
int lx__mbum_add_market_account(struct lx_mock_bn_usdm *v, int64_t units,
                                uint32_t *id);
void lx__mbum_drain(struct lx_mock_bn_usdm *v);

/* ---- a served USD-M venue (what lotusx-mock starts) ---------------------- */

struct lx_net;
struct lx_tls;
struct lx_mock_bn_usdm_srv;
struct lx_mock_limits;

/*
 * The seeded maker of one symbol: each period it moves a reference price
 * by a random walk of at most walk_ticks, requotes levels a side
 * spacing_ticks apart around it (each a random size from level_qty/50 to
 * level_qty, at least one lot), sets the mark to the reference, and half
 * the time a taker sends a market order of one lot to taker_qty.
 * Defaults (0 / NULL): 5 levels, 5 ticks, walk 20, "0.5", "0.05".
 */
struct lx_mock_bn_usdm_gen {
    const char *start_mid; /* decimal; NULL: no maker on this symbol */
    const char *level_qty, *taker_qty;
    int levels, spacing_ticks, walk_ticks;
};

/* Binance USD-M's published rate limits: 2400 weight/min, 300 orders/10 s. */
extern const struct lx_mock_limits lx_mock_bn_usdm_limits;

struct lx_mock_bn_usdm_srv_opts {
    const char *addr; /* listen address, "127.0.0.1" */
    uint16_t port;    /* 0: any free port */
    const struct lx_mock_bn_account_cfg *accts; /* the spot accounts */
    size_t naccts;
    int market;    /* 1: a seeded market maker quotes and moves the mark */
    uint64_t seed; /* of that market */
    /* serve over TLS with these settings (borrowed); NULL: plain HTTP */
    struct lx_tls *tls;
    /*
     * Symbols (nsyms 0: the default BTCUSDT, with a maker when market is
     * on); every symbol must have the margin asset of the first. gens[i]
     * (may be NULL) is symbol i's maker: start_mid NULL = no maker for it.
     * rates[i] / leverage[i] (NULL / 0: 0.0001 and 20) set its funding
     * rate and every account's starting leverage on it.
     */
    const struct lx_mock_bn_symbol_cfg *syms;
    const struct lx_mock_bn_usdm_gen *gens;
    const char *const *rates;
    const uint32_t *leverage;
    size_t nsyms;
    const struct lx_mock_limits *limits; /* NULL: USD-M's published ones */
    int64_t period_ms;                   /* maker period; 0: 1000 */
};

/*
 * Starts the USD-M venue with BTCUSDT (tick 0.1, lot 0.001) on its own
 * door and HTTP server, the accounts (margin asset USDT), funding every
 * 8 h and, with market, a quoting maker that moves the mark each second.
 * Errors: LX_ERR_INVAL, LX_ERR_NOMEM, LX_ERR_CONFIG, or the listen error;
 * *why names the step that failed.
 */
int lx_mock_bn_usdm_srv_new(struct lx_mock_bn_usdm_srv **out,
                            struct lx_net *net, struct lx_clock *clock,
                            const struct lx_mock_bn_usdm_srv_opts *o,
                            const char **why);
uint16_t lx_mock_bn_usdm_srv_port(const struct lx_mock_bn_usdm_srv *s);
struct lx_mock_bn_usdm *
lx_mock_bn_usdm_srv_venue(struct lx_mock_bn_usdm_srv *s);
void lx_mock_bn_usdm_srv_free(struct lx_mock_bn_usdm_srv *s);

/* The served venue's door (its clock, limits, faults, admin routes). */
struct lx_mock_door *lx_mock_bn_usdm_srv_door(struct lx_mock_bn_usdm_srv *s);
/*
 * Sets the mark of symbol and, when it has a maker, moves the maker's
 * reference there (the market follows). LX_ERR_NOTFOUND: unknown symbol;
 * LX_ERR_INVAL: a price that is not a positive multiple of the tick;
 * LX_ERR_RANGE: outside the symbol's price filter.
 */
int lx_mock_bn_usdm_srv_set_mark(struct lx_mock_bn_usdm_srv *s,
                                 const char *symbol, const char *price);

/*
 * Moves the served venue's clock forward by ms (0..10 years), stopping at
 * each funding instant on the way so that funding settles at that instant;
 * the maker steps once per period (at most LX_MOCK_CLOCK_MAX_STEPS in all,
 * then in jumps). LX_ERR_INVAL: ms out of range.
 */
int lx_mock_bn_usdm_srv_advance(struct lx_mock_bn_usdm_srv *s, int64_t ms);

/* ---- admin and clock support (appended to usdm.c) ------------------------ */

struct lx_mock_sb;
/*
 * The admin state dump: {"time":..,"books":{SYM:{"lastUpdateId":..,
 * "markPrice":..,"bids":..,"asks":..}},"balances":{apiKey:{ASSET:{..}}},
 * "positions":[..],"open_orders":[..],"algo_orders":[..]}; secrets never.
 */
int lx_mock_bn_usdm_state(struct lx_mock_bn_usdm *v, size_t levels,
                          struct lx_mock_sb *sb);
/* Expires listen key key (NULL = all), as the spot venue; *n: how many. */
int lx_mock_bn_usdm_expire_listen(struct lx_mock_bn_usdm *v, const char *key,
                                  size_t *n);
/* The next funding instant of the mock's clock, ms (00/08/16 UTC). */
int64_t lx_mock_bn_usdm_next_funding_ms(const struct lx_mock_bn_usdm *v);
/* Stops the funding timer (clock frozen); lx_mock_bn_usdm_start restarts. */
void lx_mock_bn_usdm_stop(struct lx_mock_bn_usdm *v);
/* Sets every account's leverage on symbol (1..125). */
int lx_mock_bn_usdm_set_leverage_all(struct lx_mock_bn_usdm *v,
                                     const char *symbol, uint32_t leverage);
/*
 * Sets the free margin-asset balance of the account with api_key to
 * amount (a decimal >= 0) by a deposit or a debit. LX_ERR_NOTFOUND:
 * no such key; LX_ERR_INVAL: bad amount; LX_ERR_RANGE: too large.
 */
int lx_mock_bn_usdm_set_balance(struct lx_mock_bn_usdm *v, const char *api_key,
                                const char *amount);
/* 1 when the venue lists symbol. */
int lx_mock_bn_usdm_has_symbol(struct lx_mock_bn_usdm *v, const char *symbol);
/* 1 when an account has api_key. */
int lx_mock_bn_usdm_has_account(const struct lx_mock_bn_usdm *v,
                                const char *api_key);
/* The margin asset ("USDT"), or "" without symbols. */
const char *lx_mock_bn_usdm_margin_asset(const struct lx_mock_bn_usdm *v);
#endif
