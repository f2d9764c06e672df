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

/* ---- a served USD-M venue (what lotusx-mock starts) ---------------------- */

struct lx_net;
struct lx_tls;
struct lx_mock_bn_usdm_srv;

struct lx_mock_bn_usdm_srv_opts {
    const char *addr; /* listen address, "127.0.0.1" */
    uint16_t port;    /* 0: any free port */
    const struct lx_mock_bn_account_cfg *accts; /* the spot accounts */
    size_t naccts;
    int market;    /* 1: a seeded market maker quotes and moves the mark */
    uint64_t seed; /* of that market */
    /* serve over TLS with these settings (borrowed); NULL: plain HTTP */
    struct lx_tls *tls;
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
#endif
